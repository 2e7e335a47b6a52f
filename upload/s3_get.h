/* Reading a bucket for the jvmsnap command: ListObjectsV2 (every page) and GetObject of
 * many keys at once over libcurl's multi interface. Signed with the project's SigV4 code.
 *
 * Thread model: a fetcher belongs to the one thread that calls it; calls block until
 * done. Nothing here prints; errors come back in s3_result (S3 code and message, never a
 * secret). */
#ifndef JVMSNAP_S3_GET_H
#define JVMSNAP_S3_GET_H

#include <stddef.h>

#include "../common/buf.h"
#include "s3.h"
#include "s3_credentials.h"
#include "s3_list.h"

typedef struct s3_fetcher s3_fetcher;

/* `cfg` and `cr` are used by reference: both must outlive the fetcher. NULL when the
 * configuration is invalid (bad endpoint, no bucket) or memory ran out. */
s3_fetcher *s3_fetcher_new(const s3_config *cfg, const s3_credentials *cr);
void s3_fetcher_free(s3_fetcher *f);

/* Every object under `prefix` (after `start_after` when not NULL), page after page,
 * appended to `out`; with max_keys > 0 only the first page of at most that many keys
 * (out->truncated says whether more follow). S3_OK, or S3_ERR_* with `res` filled. */
int s3_fetch_list(s3_fetcher *f, const char *prefix, const char *start_after, int max_keys, s3_object_list *out,
		  s3_result *res);

typedef struct {
	const char *key;  /* in */
	buf body;         /* out: the object (initialised by s3_fetch_many; the caller frees it) */
	int rc;           /* S3_OK or S3_ERR_* */
	s3_result res;
} s3_fetch_item;

/* GETs every item, `parallel` at a time (1..64), each retried twice on a network error
 * or a 5xx. `progress` (may be NULL) is called after each item. Returns the number of
 * items that failed. Bodies are limited to `max_bytes` each (0 = 1 GiB). */
typedef void (*s3_progress_fn)(void *ctx, size_t done, size_t total);
size_t s3_fetch_many(s3_fetcher *f, s3_fetch_item *items, size_t n, int parallel, size_t max_bytes,
		     s3_progress_fn progress, void *ctx);

#endif
