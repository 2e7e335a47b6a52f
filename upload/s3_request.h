/* A signed PutObject request: where it goes (virtual-hosted AWS or a path-style endpoint)
 * and every header it carries. Pure: no I/O, the time is an argument. */
#ifndef JVMSNAP_S3_REQUEST_H
#define JVMSNAP_S3_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "s3.h"
#include "s3_credentials.h"
#include "s3_digest.h"
#include "sigv4.h"

#define S3_PUT_MAX_HEADERS 8

typedef struct {
	char *url;  /* scheme://host[:port]/path, the key URI-encoded once */
	char *path; /* the URL's path, exactly as signed */
	char *host; /* Host header: lowercase, default port dropped */
	/* host, content-md5, content-type, x-amz-content-sha256, x-amz-date,
	 * [x-amz-security-token], authorization: all sent; all but the last signed. */
	s3_header headers[S3_PUT_MAX_HEADERS];
	char *values[S3_PUT_MAX_HEADERS]; /* owned header values */
	size_t nheaders;
} s3_put_request;

/* The Content-Type of an object stored under `key` when the configuration names none:
 * application/json for a ".json" key (the invocation summary), else application/zip. */
const char *s3_content_type_of(const char *key);

/* Builds the request for `key` (raw bytes) in cfg->bucket. 0, S3_ERR_CONFIG (bad
 * endpoint, bucket or key) or S3_ERR_NOMEM. Always free with s3_put_request_free. */
int s3_put_request_build(s3_put_request *r, const s3_config *cfg, const char *key, const s3_payload_digest *d,
                         const s3_credentials *cr, int64_t now_ms);
/* A GetObject (key) or bucket request (key "", e.g. ListObjectsV2 with its `query`, which
 * must already be canonical: names sorted, values URI-encoded). Same contract; free with
 * s3_put_request_free. */
int s3_get_request_build(s3_put_request *r, const s3_config *cfg, const char *key, const char *query,
                         const s3_credentials *cr, int64_t now_ms);
void s3_put_request_free(s3_put_request *r);

/* Value of header `name` (case-sensitive, lowercase) or NULL. */
const char *s3_put_request_header(const s3_put_request *r, const char *name);

#endif
