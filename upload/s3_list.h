/* ListObjectsV2, the pure parts: the canonical query of one page and the reading of its
 * XML answer. No XML library: any byte sequence is safe input (bounded scans, no recursion). */
#ifndef JVMSNAP_S3_LIST_H
#define JVMSNAP_S3_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/buf.h"

typedef struct {
	char *key;   /* decoded */
	int64_t size;
	int64_t last_modified_ms; /* 0 when absent or unreadable */
	char *etag;               /* decoded, quotes included; NULL when absent */
} s3_object;

typedef struct {
	s3_object *objects;
	size_t count, cap;
	bool truncated;  /* the last page parsed said <IsTruncated>true</IsTruncated> */
} s3_object_list;

/* The query of one page: "continuation-token=…&list-type=2&max-keys=…&prefix=…&start-after=…",
 * names sorted and values URI-encoded as SigV4 signs them. `token` NULL for the first page,
 * `start_after` NULL and `max_keys` 0 for none. */
void s3_list_query(buf *out, const char *prefix, const char *start_after, int max_keys, const char *token);

/* Appends the <Contents> of one ListBucketResult page to `list`; sets *next_token
 * (malloc'ed) when <IsTruncated>true</IsTruncated> with a <NextContinuationToken>, else
 * NULL. Returns 0, or -1 when the body is not a ListBucketResult or memory ran out. */
int s3_list_parse(const char *xml, size_t len, s3_object_list *list, char **next_token);

void s3_object_list_free(s3_object_list *list);

#endif
