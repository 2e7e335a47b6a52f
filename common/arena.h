/* A bump allocator for data that lives exactly as long as one snapshot window:
 * no malloc per sample or per tree node, and the whole window is released at once. */
#ifndef JVMSNAP_ARENA_H
#define JVMSNAP_ARENA_H

#include <stddef.h>

typedef struct arena_chunk arena_chunk;

typedef struct {
	arena_chunk *head;
	size_t used_bytes;  /* handed out, including alignment padding */
	size_t limit_bytes; /* 0 = unlimited; allocations past it fail */
} arena;

void arena_init(arena *a, size_t limit_bytes);
/* Zeroed, 16-byte aligned memory owned by the arena; NULL when the limit is reached
 * or memory is exhausted. */
void *arena_alloc(arena *a, size_t size);
/* Copy of `s` (NUL-terminated) in the arena; NULL on failure. */
char *arena_strdup(arena *a, const char *s);
/* Frees every chunk; the arena can be reused. */
void arena_free(arena *a);

#endif
