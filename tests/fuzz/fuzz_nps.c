/* libFuzzer target: the .nps reader. Any bytes must be either refused with an NPS_*
 * code and a message, or read into a profile that the writer can write again, and the
 * rewritten file must read back and rewrite to the very same bytes.
 *
 * Mutating compressed bytes rarely reaches the parser behind zlib, so an input that
 * starts with "RAW:" is the uncompressed CPU block: the target deflates it and wraps it
 * in a version 1.2 container (the corpus holds both forms). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "../../visualvm-format/nps.h"

static void be32(buf *b, uint32_t v) { buf_be(b, v, 4); }

/* A complete .nps around the raw CPU block `raw`. */
static void wrap(const uint8_t *raw, size_t len, buf *out)
{
	uLongf zlen = compressBound((uLong)len);
	uint8_t *z = malloc(zlen);
	if (!z || compress(z, &zlen, raw, (uLong)len) != Z_OK) {
		free(z);
		return;
	}
	static const char settings[] = "profiler.settings.cpu.sampling.frequency=10\n";
	buf_append(out, "nBpRoFiLeR\x01\x02", 12);
	be32(out, 1);
	be32(out, (uint32_t)zlen);
	be32(out, (uint32_t)len);
	buf_append(out, z, zlen);
	be32(out, sizeof settings - 1);
	buf_append(out, settings, sizeof settings - 1);
	buf_be(out, 0, 2); /* empty comment */
	free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	buf wrapped;
	buf_init(&wrapped);
	if (size >= 4 && memcmp(data, "RAW:", 4) == 0) {
		wrap(data + 4, size - 4, &wrapped);
		if (wrapped.failed || !wrapped.len)
			abort();
		data = wrapped.data;
		size = wrapped.len;
	}
	char err[256];
	snap_profile *p = NULL;
	int rc = nps_read(data, size, &p, err, sizeof err);
	if (rc != 0) {
		if (p || rc >= 0 || err[0] == '\0' || !memchr(err, '\0', sizeof err))
			abort();
		buf_free(&wrapped);
		return 0;
	}
	if (!p)
		abort();
	buf once, twice;
	buf_init(&once);
	buf_init(&twice);
	if (nps_write(p, NULL, &once) == 0) {
		snap_profile *q = NULL;
		if (nps_read(once.data, once.len, &q, err, sizeof err) != 0 || !q)
			abort(); /* our own output must read back */
		if (nps_write(q, NULL, &twice) != 0)
			abort();
		if (once.len != twice.len || memcmp(once.data, twice.data, once.len) != 0)
			abort(); /* read and write are inverse on our own output */
		snap_profile_free(q);
	}
	buf_free(&once);
	buf_free(&twice);
	snap_profile_free(p);
	buf_free(&wrapped);
	return 0;
}
