#include "s3_queue.h"

#include <stdlib.h>
#include <string.h>

void s3_queue_init(s3_queue *q, const s3_queue_limits *lim, s3_queue_drop_fn drop, void *ctx)
{
	memset(q, 0, sizeof *q);
	q->lim = *lim;
	if (!q->lim.max_failures)
		q->lim.max_failures = 1;
	q->drop = drop;
	q->ctx = ctx;
}

static void free_entry(s3_queued *e)
{
	free(e->path);
	free(e->key);
}

void s3_queue_free(s3_queue *q)
{
	for (size_t i = 0; i < q->n; i++)
		free_entry(&q->items[i]);
	free(q->items);
	q->items = NULL;
	q->n = q->cap = 0;
	q->bytes = 0;
}

static void take_out(s3_queue *q, size_t i)
{
	q->bytes -= q->items[i].bytes;
	free_entry(&q->items[i]);
	memmove(q->items + i, q->items + i + 1, (q->n - i - 1) * sizeof *q->items);
	q->n--;
}

static void drop_at(s3_queue *q, size_t i, s3_drop_reason why)
{
	if (q->drop)
		q->drop(q->ctx, &q->items[i], why);
	take_out(q, i);
}

static bool grow(s3_queue *q)
{
	if (q->n < q->cap)
		return true;
	size_t cap = q->cap ? q->cap * 2 : 8;
	s3_queued *items = realloc(q->items, cap * sizeof *items);
	if (!items)
		return false;
	q->items = items;
	q->cap = cap;
	return true;
}

int s3_queue_push(s3_queue *q, const char *path, const char *key, uint64_t bytes, uint32_t failures,
		  bool keep_file)
{
	if (!grow(q))
		return -1;
	s3_queued e = {strdup(path), strdup(key), bytes, failures, keep_file};
	if (!e.path || !e.key) {
		free_entry(&e);
		return -1;
	}
	q->items[q->n++] = e;
	q->bytes += bytes;
	int dropped = 0;
	if (failures >= q->lim.max_failures) {
		drop_at(q, q->n - 1, S3_DROP_FAILURES);
		dropped++;
	}
	while (q->n > q->lim.max_zips) {
		drop_at(q, 0, S3_DROP_COUNT);
		dropped++;
	}
	while (q->n > 0 && q->bytes > q->lim.max_bytes) {
		drop_at(q, 0, S3_DROP_BYTES);
		dropped++;
	}
	return dropped;
}

void s3_queue_remove(s3_queue *q, size_t i)
{
	if (i < q->n)
		take_out(q, i);
}

bool s3_queue_failed(s3_queue *q, size_t i)
{
	if (i >= q->n)
		return false;
	if (++q->items[i].failures < q->lim.max_failures)
		return false;
	drop_at(q, i, S3_DROP_FAILURES);
	return true;
}
