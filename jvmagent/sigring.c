#include "sigring.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

/* A bounded multi-producer queue after D. Vyukov: each slot carries a sequence number
 * that says whose turn it is. Slot i of lap L is free for the writer of index
 * i + L*n when seq == that index, and holds a committed record when seq == index + 1. */
typedef struct {
	_Atomic uint64_t seq;
	uint64_t index;     /* the index the writer claimed, for commit */
	sigring_record rec; /* followed by its frames */
} slot;

struct sigring {
	_Atomic uint64_t head; /* next index a writer claims */
	uint64_t tail;         /* next index the reader takes (reader only) */
	_Atomic uint64_t dropped;
	uint32_t mask;
	uint32_t frames;
	size_t stride;
	unsigned char *mem;
};

static slot *at(const sigring *r, uint64_t i) { return (slot *)(r->mem + (size_t)(i & r->mask) * r->stride); }

sigring *sigring_new(uint32_t slots, uint32_t frames)
{
	uint32_t n = 1;
	while (n < slots && n < (1u << 30))
		n <<= 1;
	sigring *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->mask = n - 1;
	r->frames = frames;
	r->stride = (sizeof(slot) + (size_t)frames * sizeof(sigring_frame) + 63) & ~(size_t)63;
	r->mem = calloc(n, r->stride);
	if (!r->mem) {
		free(r);
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++) {
		atomic_init(&at(r, i)->seq, i);
		at(r, i)->rec.capacity = frames;
	}
	return r;
}

void sigring_free(sigring *r)
{
	if (!r)
		return;
	free(r->mem);
	free(r);
}

/* A writer owns index h once its compare-and-swap moves head past h, which it tries only
 * when slot h's sequence says the reader has released the record of the previous lap.
 * Two writers racing for h cannot both win; head is 64 bits and never wraps. */
sigring_record *sigring_claim(sigring *r)
{
	uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	for (;;) {
		slot *s = at(r, h);
		uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
		int64_t d = (int64_t)(seq - h);
		if (d < 0) {
			atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
			return NULL; /* the slot still holds last lap's record: full */
		}
		if (d > 0) {
			h = atomic_load_explicit(&r->head, memory_order_relaxed); /* another writer won h */
			continue;
		}
		if (atomic_compare_exchange_weak_explicit(&r->head, &h, h + 1, memory_order_relaxed,
							  memory_order_relaxed)) {
			s->index = h;
			return &s->rec;
		}
	}
}

static slot *slot_of(sigring_record *rec) { return (slot *)((unsigned char *)rec - offsetof(slot, rec)); }

void sigring_commit(sigring *r, sigring_record *rec)
{
	(void)r;
	slot *s = slot_of(rec);
	atomic_store_explicit(&s->seq, s->index + 1, memory_order_release);
}

sigring_record *sigring_next(sigring *r)
{
	slot *s = at(r, r->tail);
	if (atomic_load_explicit(&s->seq, memory_order_acquire) != r->tail + 1)
		return NULL;
	return &s->rec;
}

void sigring_release(sigring *r, sigring_record *rec)
{
	atomic_store_explicit(&slot_of(rec)->seq, r->tail + r->mask + 1, memory_order_release);
	r->tail++;
}

uint64_t sigring_dropped(const sigring *r) { return atomic_load_explicit(&((sigring *)r)->dropped, memory_order_relaxed); }
