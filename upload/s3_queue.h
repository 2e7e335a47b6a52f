/* The bounded queue of snapshot zips waiting for an upload retry, oldest first.
 *
 * Capped in count and bytes, and in failed uploads per zip: what goes over a cap leaves
 * through the caller's drop callback (which deletes the file unless the user keeps it, and
 * names it in one line), so nothing leaves silently. A zip may carry riders (its summary,
 * docs/fleet.md): they wait right behind it, count in bytes but not as zips, and leave with
 * it when it is dropped, so a rider is never sent without its zip. Pure: no files, no
 * clock, no logging; one thread at a time (the agent's). */
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
	bool rides;        /* rides with the entry in front of it (s3_queue_attach) */
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
	size_t zips; /* entries that are not riders: what max_zips counts */
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

/* Appends a rider (copies the strings) behind the last entry, which must be the zip at
 * leader_path: it inherits its keep_file, and a cap it exceeds drops the oldest zips with
 * their riders. 1 when attached; 0 when the last entry is not that zip (it was dropped at
 * its push: the rider must go with it, which the caller does); -1 when out of memory. */
int s3_queue_attach(s3_queue *q, const char *leader_path, const char *path, const char *key, uint64_t bytes);

/* Entry i removed after its upload succeeded (no drop callback); its riders stay, to be
 * sent next. */
void s3_queue_remove(s3_queue *q, size_t i);

/* Entry i failed once more; true when that dropped it, with its riders (max_failures
 * reached). */
bool s3_queue_failed(s3_queue *q, size_t i);

#endif
