#include "mutf8.h"

#include <string.h>

static int is_cont(uint8_t b) { return (b & 0xC0) == 0x80; }

static int is_surrogate(uint32_t cp) { return cp >= 0xD800 && cp <= 0xDFFF; }

uint32_t mutf8_utf8_next(const uint8_t *s, size_t len, size_t *pos)
{
	size_t i = *pos;
	uint8_t b = s[i];
	size_t n;
	uint32_t cp, min;
	if (b < 0x80) {
		*pos = i + 1;
		return b;
	}
	if (b >= 0xC2 && b <= 0xDF) {
		n = 1, cp = b & 0x1Fu, min = 0x80;
	} else if (b >= 0xE0 && b <= 0xEF) {
		n = 2, cp = b & 0x0Fu, min = 0x800;
	} else if (b >= 0xF0 && b <= 0xF4) {
		n = 3, cp = b & 0x07u, min = 0x10000;
	} else {
		*pos = i + 1;
		return MUTF8_REPLACEMENT;
	}
	if (len - i - 1 < n) {
		*pos = i + 1;
		return MUTF8_REPLACEMENT;
	}
	for (size_t k = 1; k <= n; k++) {
		if (!is_cont(s[i + k])) {
			*pos = i + 1;
			return MUTF8_REPLACEMENT;
		}
		cp = (cp << 6) | (s[i + k] & 0x3Fu);
	}
	if (cp < min || cp > 0x10FFFF || is_surrogate(cp)) {
		*pos = i + 1;
		return MUTF8_REPLACEMENT;
	}
	*pos = i + 1 + n;
	return cp;
}

size_t mutf8_cp_len(uint32_t cp)
{
	if (cp >= 0x01 && cp <= 0x7F)
		return 1;
	if (cp <= 0x7FF)
		return 2;
	if (cp <= 0xFFFF)
		return 3;
	return 6;
}

/* Writes one UTF-16 unit (0..0xFFFF) in modified UTF-8; returns the bytes used. */
static size_t put_unit(uint8_t *o, uint32_t u)
{
	if (u >= 0x01 && u <= 0x7F) {
		o[0] = (uint8_t)u;
		return 1;
	}
	if (u <= 0x7FF) {
		o[0] = (uint8_t)(0xC0 | (u >> 6));
		o[1] = (uint8_t)(0x80 | (u & 0x3F));
		return 2;
	}
	o[0] = (uint8_t)(0xE0 | (u >> 12));
	o[1] = (uint8_t)(0x80 | ((u >> 6) & 0x3F));
	o[2] = (uint8_t)(0x80 | (u & 0x3F));
	return 3;
}

static size_t put_mutf8(uint8_t o[6], uint32_t cp)
{
	if (cp <= 0xFFFF)
		return put_unit(o, cp);
	cp -= 0x10000;
	size_t n = put_unit(o, 0xD800 | (cp >> 10));
	return n + put_unit(o + n, 0xDC00 | (cp & 0x3FF));
}

size_t mutf8_from_utf8(const char *in, size_t len, buf *out)
{
	const uint8_t *s = (const uint8_t *)in;
	size_t pos = 0, total = 0;
	uint8_t tmp[6];
	while (pos < len) {
		size_t n = put_mutf8(tmp, mutf8_utf8_next(s, len, &pos));
		buf_append(out, tmp, n);
		total += n;
	}
	return total;
}

void mutf8_put_jutf(buf *out, const char *in, size_t len)
{
	const uint8_t *s = (const uint8_t *)in;
	size_t pos = 0, total = 0, end = 0;
	/* Measure first: the count precedes the bytes and truncation must not split a
	 * character (a surrogate pair counts as one). */
	while (pos < len) {
		size_t next = pos;
		size_t n = mutf8_cp_len(mutf8_utf8_next(s, len, &next));
		if (total + n > MUTF8_JUTF_MAX)
			break;
		total += n;
		pos = next;
	}
	end = pos;
	buf_be(out, total, 2);
	uint8_t tmp[6];
	for (pos = 0; pos < end;)
		buf_append(out, tmp, put_mutf8(tmp, mutf8_utf8_next(s, len, &pos)));
}

/* Decodes one unit of modified UTF-8 as Java's readUTF does (overlong 2- and 3-byte
 * forms accepted); a standard 4-byte sequence yields its whole code point. */
static uint32_t next_unit(const uint8_t *s, size_t len, size_t *pos)
{
	size_t i = *pos;
	uint8_t b = s[i];
	if (b < 0x80) {
		*pos = i + 1;
		return b;
	}
	if (b >= 0xF0)
		return mutf8_utf8_next(s, len, pos);
	if (b >= 0xC0 && b <= 0xDF && len - i >= 2 && is_cont(s[i + 1])) {
		*pos = i + 2;
		return ((b & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
	}
	if (b >= 0xE0 && b <= 0xEF && len - i >= 3 && is_cont(s[i + 1]) && is_cont(s[i + 2])) {
		*pos = i + 3;
		return ((b & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
	}
	*pos = i + 1;
	return MUTF8_REPLACEMENT;
}

static uint32_t next_cp(const uint8_t *s, size_t len, size_t *pos)
{
	uint32_t u = next_unit(s, len, pos);
	if (u == 0)
		return MUTF8_REPLACEMENT;
	if (u < 0xD800 || u > 0xDFFF)
		return u;
	if (u <= 0xDBFF && *pos < len) {
		size_t p2 = *pos;
		uint32_t lo = next_unit(s, len, &p2);
		if (lo >= 0xDC00 && lo <= 0xDFFF) {
			*pos = p2;
			return 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
		}
	}
	return MUTF8_REPLACEMENT;
}

static size_t put_utf8(uint8_t o[4], uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (uint8_t)(0xC0 | (cp >> 6));
		o[1] = (uint8_t)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (uint8_t)(0xE0 | (cp >> 12));
		o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (uint8_t)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (uint8_t)(0xF0 | (cp >> 18));
	o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (uint8_t)(0x80 | (cp & 0x3F));
	return 4;
}

size_t mutf8_to_utf8(const char *in, size_t len, char *out, size_t out_size)
{
	if (out_size == 0)
		return 0;
	const uint8_t *s = (const uint8_t *)in;
	size_t pos = 0, w = 0;
	uint8_t tmp[4];
	while (pos < len) {
		size_t n = put_utf8(tmp, next_cp(s, len, &pos));
		if (n > out_size - 1 - w)
			break;
		memcpy(out + w, tmp, n);
		w += n;
	}
	out[w] = '\0';
	return w;
}
