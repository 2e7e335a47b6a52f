#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
	arena_chunk *next;
	size_t size;
	size_t off;
	_Alignas(16) unsigned char data[];
};

enum { CHUNK_BYTES = 256 * 1024 };

void arena_init(arena *a, size_t limit_bytes)
{
	a->head = NULL;
	a->used_bytes = 0;
	a->limit_bytes = limit_bytes;
}

static arena_chunk *new_chunk(size_t min_size)
{
	size_t size = min_size > CHUNK_BYTES ? min_size : CHUNK_BYTES;
	arena_chunk *c = calloc(1, sizeof *c + size);
	if (c)
		c->size = size;
	return c;
}

void *arena_alloc(arena *a, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (size == 0 || (a->limit_bytes && a->used_bytes + size > a->limit_bytes))
		return NULL;
	arena_chunk *c = a->head;
	if (!c || c->size - c->off < size) {
		c = new_chunk(size);
		if (!c)
			return NULL;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->off;
	c->off += size;
	a->used_bytes += size;
	return p; /* calloc'ed chunks are never reused, so p is already zero */
}

char *arena_strdup(arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(a, n);
	if (p)
		memcpy(p, s, n);
	return p;
}

void arena_free(arena *a)
{
	arena_chunk *c = a->head;
	while (c) {
		arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used_bytes = 0;
}
