/* A growable byte buffer used by every writer (.nps, CSV, zip, HTTP bodies). */
#ifndef JVMSNAP_BUF_H
#define JVMSNAP_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool failed; /* sticky: set when an allocation failed; later appends are no-ops */
} buf;

void buf_init(buf *b);
/* Releases the storage; the buffer is empty and reusable afterwards. */
void buf_free(buf *b);
void buf_reset(buf *b);
/* Makes room for `extra` more bytes; false (and `failed` set) when out of memory. */
bool buf_reserve(buf *b, size_t extra);
void buf_append(buf *b, const void *data, size_t len);
void buf_append_str(buf *b, const char *s);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_u8(buf *b, uint8_t v);
/* Big-endian unsigned integer of `nbytes` (1..8) bytes. */
void buf_be(buf *b, uint64_t v, int nbytes);

#endif
