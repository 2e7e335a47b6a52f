#include "s3_error.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* memmem over a bounded range; NULL when absent. */
static const char *find(const char *from, const char *end, const char *needle)
{
	size_t n = strlen(needle);
	if (from >= end || (size_t)(end - from) < n)
		return NULL;
	return memmem(from, (size_t)(end - from), needle, n);
}

/* The start of element `tag`'s content: "<tag>" or "<tag attr...>", not "<tagX>". */
static const char *open_tag(const char *from, const char *end, const char *tag, const char **close)
{
	size_t n = strlen(tag);
	for (const char *p = find(from, end, "<"); p; p = find(p + 1, end, "<")) {
		if ((size_t)(end - p) < n + 2 || memcmp(p + 1, tag, n) != 0)
			continue;
		char c = p[1 + n];
		if (c != '>' && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '/')
			continue;
		const char *gt = memchr(p + 1 + n, '>', (size_t)(end - p - 1 - (ptrdiff_t)n));
		if (!gt || gt[-1] == '/') /* unterminated or self-closing: no content */
			return NULL;
		char closing[64];
		snprintf(closing, sizeof closing, "</%s>", tag);
		*close = find(gt + 1, end, closing);
		return *close ? gt + 1 : NULL;
	}
	return NULL;
}

static const struct {
	const char *name;
	char ch;
} entities[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};

/* Copies text, decoding the five predefined entities; anything else passes through. */
static void copy_text(char *out, size_t size, const char *p, const char *end)
{
	if (!out || size == 0)
		return;
	size_t o = 0;
	while (p < end && o + 1 < size) {
		char c = *p++;
		if (c == '&') {
			for (size_t i = 0; i < sizeof entities / sizeof entities[0]; i++) {
				size_t n = strlen(entities[i].name);
				if ((size_t)(end - p + 1) >= n && memcmp(p - 1, entities[i].name, n) == 0) {
					c = entities[i].ch;
					p += n - 1;
					break;
				}
			}
		}
		/* Error text ends up in log lines: no control characters there. */
		out[o++] = ((unsigned char)c < 0x20 || c == 0x7f) ? ' ' : c;
	}
	out[o] = '\0';
}

int s3_error_parse(const char *body, size_t len, char *code, size_t code_size, char *message,
                   size_t message_size)
{
	if (code && code_size)
		code[0] = '\0';
	if (message && message_size)
		message[0] = '\0';
	if (!body || len == 0)
		return -1;
	const char *end = body + len, *err_end, *close;
	const char *err = open_tag(body, end, "Error", &err_end);
	if (!err)
		return -1;
	const char *c = open_tag(err, err_end, "Code", &close);
	if (!c || c == close)
		return -1;
	copy_text(code, code_size, c, close);
	const char *m = open_tag(err, err_end, "Message", &close);
	if (m)
		copy_text(message, message_size, m, close);
	return 0;
}
