#include "s3_json.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../common/buf.h"

typedef struct {
	const char *p;
	const char *end;
	int depth;
} cursor;

static void skip_ws(cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool eat(cursor *c, char ch)
{
	skip_ws(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char ch = p[i];
		int d = (ch >= '0' && ch <= '9')   ? ch - '0'
		        : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10
		        : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10
		                                   : -1;
		if (d < 0)
			return -1;
		v = v << 4 | (unsigned)d;
	}
	*out = v;
	return 0;
}

static void put_utf8(buf *out, unsigned cp)
{
	if (cp < 0x80) {
		buf_u8(out, (uint8_t)cp);
	} else if (cp < 0x800) {
		buf_u8(out, (uint8_t)(0xc0 | cp >> 6));
		buf_u8(out, (uint8_t)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_u8(out, (uint8_t)(0xe0 | cp >> 12));
		buf_u8(out, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
		buf_u8(out, (uint8_t)(0x80 | (cp & 0x3f)));
	} else {
		buf_u8(out, (uint8_t)(0xf0 | cp >> 18));
		buf_u8(out, (uint8_t)(0x80 | ((cp >> 12) & 0x3f)));
		buf_u8(out, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
		buf_u8(out, (uint8_t)(0x80 | (cp & 0x3f)));
	}
}

/* \uXXXX, combining a UTF-16 surrogate pair; c->p is just past the 'u'. */
static int unicode_escape(cursor *c, buf *out)
{
	unsigned cp, lo;
	if (c->end - c->p < 4 || hex4(c->p, &cp) != 0)
		return -1;
	c->p += 4;
	if (cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff)) /* NUL would truncate the C string */
		return -1;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' || hex4(c->p + 2, &lo) != 0 ||
		    lo < 0xdc00 || lo > 0xdfff)
			return -1;
		c->p += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (out)
		put_utf8(out, cp);
	return 0;
}

/* A string at c->p (after whitespace); out may be NULL to skip it. */
static int parse_string(cursor *c, buf *out)
{
	if (!eat(c, '"'))
		return -1;
	while (c->p < c->end) {
		unsigned char ch = (unsigned char)*c->p++;
		if (ch == '"')
			return 0;
		if (ch < 0x20)
			return -1;
		if (ch != '\\') {
			if (out)
				buf_u8(out, ch);
			continue;
		}
		if (c->p >= c->end)
			return -1;
		char e = *c->p++;
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		const char *k = e ? strchr(from, e) : NULL;
		if (k) {
			if (out)
				buf_u8(out, (uint8_t)to[k - from]);
		} else if (e != 'u' || unicode_escape(c, out) != 0) {
			return -1;
		}
	}
	return -1;
}

static int skip_value(cursor *c);

static int skip_container(cursor *c, char close, bool object)
{
	if (++c->depth > S3_JSON_MAX_DEPTH)
		return -1;
	if (eat(c, close)) {
		c->depth--;
		return 0;
	}
	do {
		if (object && (parse_string(c, NULL) != 0 || !eat(c, ':')))
			return -1;
		if (skip_value(c) != 0)
			return -1;
	} while (eat(c, ','));
	c->depth--;
	return eat(c, close) ? 0 : -1;
}

/* Numbers and literals: a run of their characters, checked loosely (we never use them). */
static int skip_scalar(cursor *c)
{
	const char *start = c->p;
	while (c->p < c->end && strchr("0123456789+-.eEtruefalsn", *c->p) && *c->p)
		c->p++;
	return c->p > start ? 0 : -1;
}

static int skip_value(cursor *c)
{
	skip_ws(c);
	if (c->p >= c->end)
		return -1;
	if (*c->p == '"')
		return parse_string(c, NULL);
	if (*c->p == '{' || *c->p == '[') {
		bool object = *c->p++ == '{';
		return skip_container(c, object ? '}' : ']', object);
	}
	return skip_scalar(c);
}

static int member_index(const buf *key, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) == key->len && (key->len == 0 || memcmp(names[i], key->data, key->len) == 0))
			return (int)i;
	return -1;
}

/* One "name": value member; string values of wanted names are kept. */
static int member(cursor *c, const char *const *names, size_t n, char **values)
{
	buf key, val;
	buf_init(&key);
	buf_init(&val);
	int rc = parse_string(c, &key) == 0 && eat(c, ':') ? 0 : -1;
	int idx = rc == 0 ? member_index(&key, names, n) : -1;
	skip_ws(c);
	if (rc == 0 && idx >= 0 && c->p < c->end && *c->p == '"') {
		rc = parse_string(c, &val);
		buf_u8(&val, '\0');
		if (rc == 0 && !val.failed) {
			free(values[idx]);
			values[idx] = (char *)val.data;
			buf_init(&val);
		} else {
			rc = -1;
		}
	} else if (rc == 0) {
		rc = skip_value(c);
		if (idx >= 0) { /* a later non-string value replaces an earlier string */
			free(values[idx]);
			values[idx] = NULL;
		}
	}
	if (key.failed)
		rc = -1;
	buf_free(&key);
	buf_free(&val);
	return rc;
}

int s3_json_strings(const char *json, size_t len, const char *const *names, size_t n, char **values)
{
	for (size_t i = 0; i < n; i++)
		values[i] = NULL;
	cursor c = {json, json ? json + len : json, 1};
	int rc = json && eat(&c, '{') ? 0 : -1;
	if (rc == 0 && !eat(&c, '}')) {
		do
			rc = member(&c, names, n, values);
		while (rc == 0 && eat(&c, ','));
		if (rc == 0 && !eat(&c, '}'))
			rc = -1;
	}
	skip_ws(&c);
	if (rc == 0 && c.p != c.end)
		rc = -1; /* trailing garbage */
	if (rc != 0)
		for (size_t i = 0; i < n; i++) {
			free(values[i]);
			values[i] = NULL;
		}
	return rc;
}
