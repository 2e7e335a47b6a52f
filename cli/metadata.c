/* metadata.json, shown by `info` as flat "key.path: value" lines. A small tolerant
 * reader: anything it does not understand ends the listing, never the program. */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"

#define MAX_DEPTH 16

typedef struct {
	const char *s;
	buf *out;
	int items;
} json_reader;

static void skip_ws(json_reader *r)
{
	while (isspace((unsigned char)*r->s))
		r->s++;
}

/* A string literal at r->s appended (unescaped, \uXXXX as UTF-8) to `to`. */
static bool read_string(json_reader *r, buf *to)
{
	if (*r->s != '"')
		return false;
	for (r->s++; *r->s && *r->s != '"'; r->s++) {
		if (*r->s != '\\') {
			if ((unsigned char)*r->s >= 0x20)
				buf_u8(to, (uint8_t)*r->s);
			continue;
		}
		r->s++;
		switch (*r->s) {
		case 'n':
		case 't':
		case 'r':
		case 'b':
		case 'f':
			buf_u8(to, ' ');
			break;
		case 'u': {
			unsigned cp = 0;
			for (int i = 1; i <= 4; i++) {
				char c = r->s[i];
				if (!isxdigit((unsigned char)c))
					return false;
				cp = cp * 16 +
				     (unsigned)(isdigit((unsigned char)c) ? c - '0' : (c | 32) - 'a' + 10);
			}
			r->s += 4;
			if (cp < 0x20 || (cp >= 0xD800 && cp < 0xE000))
				cp = 0xFFFD;
			if (cp < 0x80) {
				buf_u8(to, (uint8_t)cp);
			} else if (cp < 0x800) {
				buf_u8(to, (uint8_t)(0xC0 | cp >> 6));
				buf_u8(to, (uint8_t)(0x80 | (cp & 0x3F)));
			} else {
				buf_u8(to, (uint8_t)(0xE0 | cp >> 12));
				buf_u8(to, (uint8_t)(0x80 | (cp >> 6 & 0x3F)));
				buf_u8(to, (uint8_t)(0x80 | (cp & 0x3F)));
			}
			break;
		}
		case '\0':
			return false;
		default:
			buf_u8(to, (uint8_t)*r->s);
		}
	}
	if (*r->s != '"')
		return false;
	r->s++;
	return true;
}

static bool read_value(json_reader *r, buf *key, int depth);

static bool read_members(json_reader *r, buf *key, int depth, bool array)
{
	r->s++;
	skip_ws(r);
	char close = array ? ']' : '}';
	size_t base = key->len;
	for (int i = 0; *r->s != close; i++) {
		key->len = base;
		if (base)
			buf_u8(key, '.');
		if (array) {
			buf_printf(key, "%d", i);
		} else {
			if (!read_string(r, key))
				return false;
			skip_ws(r);
			if (*r->s++ != ':')
				return false;
		}
		skip_ws(r);
		if (!read_value(r, key, depth + 1))
			return false;
		skip_ws(r);
		if (*r->s == ',') {
			r->s++;
			skip_ws(r);
		} else if (*r->s != close) {
			return false;
		}
	}
	r->s++;
	key->len = base;
	return true;
}

static bool read_value(json_reader *r, buf *key, int depth)
{
	if (depth > MAX_DEPTH || r->items > 500)
		return false;
	if (*r->s == '{' || *r->s == '[')
		return read_members(r, key, depth, *r->s == '[');
	buf val;
	buf_init(&val);
	bool ok = true;
	if (*r->s == '"') {
		ok = read_string(r, &val);
	} else {
		const char *start = r->s;
		while (*r->s && !strchr(",}] \t\r\n", *r->s))
			r->s++;
		ok = r->s > start;
		buf_append(&val, start, (size_t)(r->s - start));
	}
	if (ok) {
		buf_printf(r->out, "  %.*s: %.*s\n", (int)key->len, key->data ? (const char *)key->data : "",
		           (int)val.len, val.data ? (const char *)val.data : "");
		r->items++;
	}
	buf_free(&val);
	return ok;
}

bool cli_metadata_lines(const char *json, buf *out)
{
	json_reader r = {json, out, 0};
	buf key;
	buf_init(&key);
	skip_ws(&r);
	bool ok = (*r.s == '{' || *r.s == '[') && read_value(&r, &key, 0);
	buf_free(&key);
	return ok;
}

const char *cli_metadata_value(const buf *lines, const char *key, char *out, size_t n)
{
	if (!lines->len || lines->failed)
		return NULL;
	size_t klen = strlen(key);
	const char *text = (const char *)lines->data, *stop = text + lines->len;
	for (const char *line = text; line < stop;) {
		const char *end = memchr(line, '\n', (size_t)(stop - line));
		if (!end)
			end = stop;
		size_t len = (size_t)(end - line);
		if (len >= klen + 4 && !memcmp(line, "  ", 2) && !memcmp(line + 2, key, klen) &&
		    !memcmp(line + 2 + klen, ": ", 2)) {
			snprintf(out, n, "%.*s", (int)(len - klen - 4), line + klen + 4);
			return out;
		}
		line = end + 1;
	}
	return NULL;
}

uint32_t cli_interval_us(const snap_profile *p, const buf *meta)
{
	char v[32];
	unsigned long us;
	if (cli_metadata_value(meta, "interval_requested_us", v, sizeof v) && cli_parse_uint(v, UINT32_MAX, &us) &&
	    us)
		return (uint32_t)us;
	return p->interval_us;
}

const char *cli_thread_count(const snap_profile *p, const buf *meta, char *out, size_t n)
{
	char v[32];
	unsigned long seen;
	int len = snprintf(out, n, "%u with Java frames", p->nthreads);
	if (len >= 0 && (size_t)len < n && cli_metadata_value(meta, "threads", v, sizeof v) &&
	    cli_parse_uint(v, UINT32_MAX, &seen))
		snprintf(out + len, n - (size_t)len, ", %lu seen by the sampler", seen);
	return out;
}
