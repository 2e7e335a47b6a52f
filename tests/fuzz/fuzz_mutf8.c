/* libFuzzer target: the modified-UTF-8 converters. Any bytes; checks that each step
 * advances, that output stays in bounds and is valid UTF-8 / modified UTF-8, and that
 * standard UTF-8 without NUL survives UTF-8 -> modified -> UTF-8 unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/mutf8.h"

/* Standard UTF-8 with no NUL: what mutf8_to_utf8 promises to produce. */
static void check_utf8(const uint8_t *s, size_t len)
{
	for (size_t pos = 0; pos < len;) {
		size_t before = pos;
		uint32_t cp = mutf8_utf8_next(s, len, &pos);
		if (cp == 0 || (cp == MUTF8_REPLACEMENT && pos - before != 3))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *in = malloc(size ? size : 1);
	memcpy(in, data, size);

	size_t count = 0;
	for (size_t pos = 0; pos < size; count++) {
		size_t before = pos;
		uint32_t cp = mutf8_utf8_next(in, size, &pos);
		if (pos <= before || pos > size || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			abort();
	}

	buf m;
	buf_init(&m);
	size_t n = mutf8_from_utf8((const char *)in, size, &m);
	if (n != m.len || m.failed)
		abort();
	for (size_t i = 0; i < m.len; i++)
		if (m.data[i] == 0 || m.data[i] >= 0xF0)
			abort(); /* modified UTF-8 has neither NUL nor 4-byte forms */

	buf j;
	buf_init(&j);
	mutf8_put_jutf(&j, (const char *)in, size);
	if (j.len < 2 || (size_t)((j.data[0] << 8) | j.data[1]) != j.len - 2 || j.len - 2 > MUTF8_JUTF_MAX)
		abort();
	if (j.len > 2 && memcmp(j.data + 2, m.data, j.len - 2) != 0)
		abort(); /* a prefix of the unbounded conversion */

	/* Back to UTF-8: every size from 0 to generous, exact heap buffers. */
	size_t cap = 3 * m.len + 1;
	char *back = malloc(cap);
	size_t w = mutf8_to_utf8((const char *)m.data, m.len, back, cap);
	if (w >= cap || back[w] != '\0' || strlen(back) != w)
		abort();
	check_utf8((const uint8_t *)back, w);
	if (!memchr(in, 0, size)) {
		/* Valid input must come back byte for byte. */
		int valid = 1;
		for (size_t pos = 0; pos < size && valid;) {
			size_t before = pos;
			if (mutf8_utf8_next(in, size, &pos) == MUTF8_REPLACEMENT &&
			    !(pos - before == 3 && memcmp(in + before, "\xef\xbf\xbd", 3) == 0))
				valid = 0;
		}
		if (valid && (w != size || memcmp(back, in, size) != 0))
			abort();
	}
	free(back);
	for (size_t small = 0; small < 8; small++) {
		char *o = small ? malloc(small) : NULL;
		size_t got = mutf8_to_utf8((const char *)in, size, o, small);
		if (small && (got >= small || o[got] != '\0'))
			abort();
		if (!small && got != 0)
			abort();
		free(o);
	}
	/* Raw input read as modified UTF-8. */
	char *raw = malloc(3 * size + 1);
	w = mutf8_to_utf8((const char *)in, size, raw, 3 * size + 1);
	if (w > 3 * size)
		abort();
	check_utf8((const uint8_t *)raw, w);
	free(raw);
	buf_free(&m);
	buf_free(&j);
	free(in);
	return 0;
}
