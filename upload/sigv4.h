/* AWS Signature Version 4 for header authentication: canonical request, string to
 * sign, signing key and the Authorization header value. Pure functions: the caller
 * supplies the time (so tests can pin it) and every header it wants signed. */
#ifndef JVMSNAP_S3_SIGV4_H
#define JVMSNAP_S3_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/buf.h"
#include "s3_digest.h"

#define S3_AMZ_DATE_LEN      16 /* YYYYMMDDTHHMMSSZ */
#define S3_SIGV4_MAX_HEADERS 64

typedef struct {
	const char *name;  /* any case; lowercased when signed */
	const char *value; /* may span folded lines; whitespace is collapsed when signed */
} s3_header;

typedef enum {
	/* S3: the path is signed as sent, encoded once (existing %XX escapes are kept, other
	 * bytes outside the unreserved set and '/' are encoded) and never normalised:
	 * "a//b/../c" is a key. */
	S3_SIGV4_S3 = 0,
	/* Every other service, and the official test suite: dot segments and repeated
	 * slashes are removed, then the request path is URI-encoded again (so "%20" on the
	 * wire is signed as "%2520"). */
	S3_SIGV4_GENERIC = 1,
} s3_sigv4_mode;

typedef struct {
	const char *method;
	const char *path;  /* the path as on the request line, without the query */
	const char *query; /* the raw query after '?', or NULL */
	const s3_header *headers;
	size_t nheaders; /* must include host and x-amz-date; all are signed */
	const char *payload_sha256_hex;
	s3_sigv4_mode mode;
} s3_sigv4_request;

typedef struct {
	const char *access_key_id;
	const char *secret_access_key;
	const char *region;
	const char *service;  /* "s3" */
	const char *amz_date; /* YYYYMMDDTHHMMSSZ, the x-amz-date header's value */
} s3_sigv4_scope;

/* Formats a UTC epoch time as YYYYMMDDTHHMMSSZ. */
void s3_sigv4_amz_date(int64_t epoch_ms, char out[S3_AMZ_DATE_LEN + 1]);

/* Appends `len` bytes of `s` percent-encoded per SigV4: everything except A-Z a-z 0-9
 * - . _ ~ (and '/' when keep_slash) becomes %XX with uppercase hex. */
void s3_uri_encode(buf *out, const char *s, size_t len, bool keep_slash);

/* The canonical request, and (when signed_headers is not NULL) the SignedHeaders list.
 * Both are appended. -1 on invalid input (missing fields, too many headers, no memory). */
int s3_sigv4_canonical_request(const s3_sigv4_request *r, buf *out, buf *signed_headers);

/* Appends AWS4-HMAC-SHA256 / date / scope / hex(sha256(canonical request)). */
int s3_sigv4_string_to_sign(const s3_sigv4_scope *s, const char *canonical, size_t len, buf *out);

/* The HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request". */
int s3_sigv4_signing_key(const s3_sigv4_scope *s, uint8_t key[S3_SHA256_LEN]);

/* Appends the whole Authorization header value (without "Authorization: "). */
int s3_sigv4_authorization(const s3_sigv4_request *r, const s3_sigv4_scope *s, buf *out);

#endif
