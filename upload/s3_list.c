#include "s3_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3_credentials.h"
#include "sigv4.h"

void s3_list_query(buf *out, const char *prefix, const char *start_after, int max_keys, const char *token)
{
	if (token) {
		buf_append_str(out, "continuation-token=");
		s3_uri_encode(out, token, strlen(token), false);
		buf_u8(out, '&');
	}
	buf_append_str(out, "list-type=2&");
	if (max_keys > 0)
		buf_printf(out, "max-keys=%d&", max_keys);
	buf_append_str(out, "prefix=");
	s3_uri_encode(out, prefix ? prefix : "", prefix ? strlen(prefix) : 0, false);
	if (start_after) {
		buf_append_str(out, "&start-after=");
		s3_uri_encode(out, start_after, strlen(start_after), false);
	}
}

/* The first occurrence of `needle` in [p, end), or NULL. */
static const char *find(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);
	for (; p && end - p >= (ptrdiff_t)n; p++)
		if (memcmp(p, needle, n) == 0)
			return p;
	return NULL;
}

/* The entity-decoded text of <tag>…</tag> in [p, end), malloc'ed; NULL when absent. */
static char *element(const char *p, const char *end, const char *tag)
{
	char open[64], close[64];
	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	const char *a = find(p, end, open);
	const char *b = a ? find(a + strlen(open), end, close) : NULL;
	if (!b)
		return NULL;
	a += strlen(open);
	buf out;
	buf_init(&out);
	static const struct { const char *ent; char c; } ents[] = {
	    {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
	while (a < b) {
		size_t i = 0, n = 0;
		for (; *a == '&' && i < sizeof ents / sizeof ents[0]; i++)
			if ((n = strlen(ents[i].ent)) <= (size_t)(b - a) && memcmp(a, ents[i].ent, n) == 0)
				break;
		if (*a == '&' && i < sizeof ents / sizeof ents[0]) {
			buf_u8(&out, (uint8_t)ents[i].c);
			a += n;
		} else if (*a == '&' && b - a > 3 && a[1] == '#') { /* &#13; &#x0D;: numeric (ASCII only) */
			/* strtol needs a NUL-terminated string: the reference is copied out first
			 * (the listing is not terminated, and a long digit run is no ASCII code). */
			char num[12];
			size_t len = (size_t)(b - a) < sizeof num - 1 ? (size_t)(b - a) : sizeof num - 1;
			memcpy(num, a, len);
			num[len] = '\0';
			char *stop;
			long v = num[2] == 'x' ? strtol(num + 3, &stop, 16) : strtol(num + 2, &stop, 10);
			bool ok = *stop == ';' && v > 0 && v < 0x80;
			buf_u8(&out, ok ? (uint8_t)v : '?');
			a = ok ? a + (stop - num) + 1 : a + 1;
		} else {
			buf_u8(&out, (uint8_t)*a++);
		}
	}
	buf_u8(&out, 0);
	if (out.failed) {
		buf_free(&out);
		return NULL;
	}
	return (char *)out.data;
}

static int add(s3_object_list *l, char *key, const char *size, const char *modified, char *etag)
{
	if (l->count == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		s3_object *grown = realloc(l->objects, cap * sizeof *grown);
		if (!grown)
			return -1;
		l->objects = grown;
		l->cap = cap;
	}
	s3_object *o = &l->objects[l->count++];
	o->key = key;
	o->etag = etag;
	o->size = size ? strtoll(size, NULL, 10) : -1;
	if (!modified || s3_parse_iso8601_ms(modified, &o->last_modified_ms) != 0)
		o->last_modified_ms = 0;
	return 0;
}

int s3_list_parse(const char *xml, size_t len, s3_object_list *list, char **next_token)
{
	*next_token = NULL;
	const char *end = xml + len;
	if (!find(xml, end, "<ListBucketResult"))
		return -1;
	for (const char *p = xml; (p = find(p, end, "<Contents>"));) {
		const char *stop = find(p, end, "</Contents>");
		if (!stop)
			return -1;
		char *key = element(p, stop, "Key");
		char *size = element(p, stop, "Size");
		char *modified = element(p, stop, "LastModified");
		char *etag = element(p, stop, "ETag");
		int rc = key ? add(list, key, size, modified, etag) : 0;
		if (rc != 0 || !key) {
			free(key);
			free(etag);
		}
		free(size);
		free(modified);
		if (rc != 0)
			return -1;
		p = stop;
	}
	/* Keys are escaped (no '<' inside), so these tags can only be the page's own, wherever
	 * the server puts them (S3: before the Contents; others after). */
	char *truncated = element(xml, end, "IsTruncated");
	list->truncated = truncated && strcmp(truncated, "true") == 0;
	if (list->truncated)
		*next_token = element(xml, end, "NextContinuationToken");
	free(truncated);
	return 0;
}

void s3_object_list_free(s3_object_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->objects[i].key);
		free(list->objects[i].etag);
	}
	free(list->objects);
	memset(list, 0, sizeof *list);
}
