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
	q->zips = 0;
	q->bytes = 0;
}

static void take_out(s3_queue *q, size_t i)
{
	q->bytes -= q->items[i].bytes;
	if (!q->items[i].rides)
		q->zips--;
	free_entry(&q->items[i]);
	memmove(q->items + i, q->items + i + 1, (q->n - i - 1) * sizeof *q->items);
	q->n--;
}

/* Entry i and the riders behind it leave unsent; returns how many entries left. */
static int drop_at(s3_queue *q, size_t i, s3_drop_reason why)
{
	int n = 0;
	do {
		if (q->drop)
			q->drop(q->ctx, &q->items[i], why);
		take_out(q, i);
		n++;
	} while (i < q->n && q->items[i].rides);
	return n;
}

/* Drops the oldest zips (with their riders) while a cap is exceeded. */
static int enforce_caps(s3_queue *q)
{
	int dropped = 0;
	while (q->zips > q->lim.max_zips)
		dropped += drop_at(q, 0, S3_DROP_COUNT);
	while (q->n > 0 && q->bytes > q->lim.max_bytes)
		dropped += drop_at(q, 0, S3_DROP_BYTES);
	return dropped;
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

/* Appends a copy of e (its strings duplicated); false when out of memory. */
static bool append(s3_queue *q, s3_queued e)
{
	if (!grow(q))
		return false;
	e.path = strdup(e.path);
	e.key = strdup(e.key);
	if (!e.path || !e.key) {
		free_entry(&e);
		return false;
	}
	q->items[q->n++] = e;
	q->bytes += e.bytes;
	if (!e.rides)
		q->zips++;
	return true;
}

int s3_queue_push(s3_queue *q, const char *path, const char *key, uint64_t bytes, uint32_t failures,
		  bool keep_file)
{
	if (!append(q, (s3_queued){(char *)path, (char *)key, bytes, failures, keep_file, false}))
		return -1;
	int dropped = 0;
	if (failures >= q->lim.max_failures)
		dropped += drop_at(q, q->n - 1, S3_DROP_FAILURES);
	return dropped + enforce_caps(q);
}

int s3_queue_attach(s3_queue *q, const char *leader_path, const char *path, const char *key, uint64_t bytes)
{
	size_t lead = q->n;
	while (lead > 0 && q->items[lead - 1].rides)
		lead--;
	if (lead == 0 || strcmp(q->items[lead - 1].path, leader_path) != 0)
		return 0;
	if (!append(q, (s3_queued){(char *)path, (char *)key, bytes, 0, q->items[lead - 1].keep_file, true}))
		return -1;
	enforce_caps(q);
	return 1;
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
