/* The bounded queue of snapshot zips waiting for an upload retry, oldest first.
 *
 * Capped in count and bytes, and in failed uploads per zip: what goes over a cap leaves
 * through the caller's drop callback (which deletes the file unless the user keeps it, and
 * names it in one line), so nothing leaves silently. Pure: no files, no clock, no logging;
 * one thread at a time (the agent's). */
#ifndef JVMSNAP_S3_QUEUE_H
#define JVMSNAP_S3_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint32_t max_zips;     /* 0 = no zip waits at all */
	uint64_t max_bytes;
	uint32_t max_failures; /* failed uploads after which a zip is dropped; 0 = 1 */
} s3_queue_limits;

typedef struct {
	char *path;        /* the local zip */
	char *key;         /* its S3 key */
	uint64_t bytes;
	uint32_t failures; /* uploads of it that failed */
	bool keep_file;    /* the user keeps it locally: dropping it must not delete it */
} s3_queued;

typedef enum {
	S3_DROP_COUNT = 1, /* the queue holds max_zips already */
	S3_DROP_BYTES,     /* the zips together would exceed max_bytes */
	S3_DROP_FAILURES,  /* it failed max_failures times */
} s3_drop_reason;

/* Called for each zip leaving the queue unsent; the entry is freed right after. */
typedef void (*s3_queue_drop_fn)(void *ctx, const s3_queued *e, s3_drop_reason why);

typedef struct {
	s3_queue_limits lim;
	s3_queued *items;
	size_t n, cap;
	uint64_t bytes;
	s3_queue_drop_fn drop;
	void *ctx;
} s3_queue;

void s3_queue_init(s3_queue *q, const s3_queue_limits *lim, s3_queue_drop_fn drop, void *ctx);
/* Frees the entries without calling drop (the process is ending: the files stay). */
void s3_queue_free(s3_queue *q);

/* Appends a zip that has failed `failures` times (copies the strings), then drops the
 * oldest entries while a cap is exceeded, the new one last. Returns how many were
 * dropped; -1 when out of memory (the zip is then not queued, nothing is dropped). */
int s3_queue_push(s3_queue *q, const char *path, const char *key, uint64_t bytes, uint32_t failures,
		  bool keep_file);

/* Entry i removed after its upload succeeded (no drop callback). */
void s3_queue_remove(s3_queue *q, size_t i);

/* Entry i failed once more; true when that dropped it (max_failures reached). */
bool s3_queue_failed(s3_queue *q, size_t i);

#endif
