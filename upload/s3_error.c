#include "s3_error.h"

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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
	/* The body came from the endpoint, which may echo the request (its headers, its
	 * signature) back: nothing credential-like reaches a log line. */
	if (code)
		s3_redact(code);
	if (message)
		s3_redact(message);
	return 0;
}

/* ---- redaction ---- */

static const char REDACTED[] = "[redacted]";

static bool b64_char(char c) { return isalnum((unsigned char)c) || c == '/' || c == '+' || c == '='; }

/* Replaces text[at, at + n) by REDACTED (shorter or equal: the text never grows beyond
 * what `size` allows, and a shorter run keeps its length in asterisks). */
static size_t replace(char *text, size_t at, size_t n)
{
	size_t len = strlen(text), r = sizeof REDACTED - 1;
	if (n < r) {
		memset(text + at, '*', n);
		return n;
	}
	memcpy(text + at, REDACTED, r);
	memmove(text + at + r, text + at + n, len - at - n + 1);
	return r;
}

/* Access key ids: AKIA (long-term) or ASIA (temporary), and the other IAM unique-id
 * prefixes, then 16 upper-case letters or digits. */
static bool key_id_at(const char *p)
{
	static const char *const prefixes[] = {"AKIA", "ASIA", "AIDA", "AROA", "AGPA", "AIPA", "ANPA", "ANVA", "APKA"};
	for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
		if (strncmp(p, prefixes[i], 4) != 0)
			continue;
		for (int k = 4; k < 20; k++)
			if (!isupper((unsigned char)p[k]) && !isdigit((unsigned char)p[k]))
				return false;
		return true;
	}
	return false;
}

/* "name=value" or "name: value" (name case-insensitive): the value's start, else NULL. */
static const char *value_after(const char *p, const char *name)
{
	size_t n = strlen(name);
	if (strncasecmp(p, name, n) != 0)
		return NULL;
	p += n;
	if (*p != '=' && *p != ':')
		return NULL;
	p++;
	while (*p == ' ')
		p++;
	return p;
}

static size_t value_len(const char *v)
{
	size_t n = 0;
	while (v[n] && v[n] != ',' && v[n] != ' ' && v[n] != '&' && v[n] != '"' && v[n] != '\'' && v[n] != '<' &&
	       v[n] != ';')
		n++;
	return n;
}

/* A run of 32 or more base64 characters, unless it reads like a path (every '/'-separated
 * part shorter than 16, and not upper case, lower case and digits all mixed), such as an
 * object key "bucket/jvmsnap/host/2026/12/02/snap". */
static bool long_secret(const char *p, size_t n)
{
	if (n < 32)
		return false;
	size_t part = 0, longest = 0;
	bool upper = false, lower = false, digit = false;
	for (size_t i = 0; i < n; i++) {
		part = p[i] == '/' ? 0 : part + 1;
		longest = part > longest ? part : longest;
		upper |= isupper((unsigned char)p[i]) != 0;
		lower |= islower((unsigned char)p[i]) != 0;
		digit |= isdigit((unsigned char)p[i]) != 0;
	}
	return longest >= 16 || (upper && lower && digit);
}

/* Named values that are credentials whatever they look like. */
static const char *const secret_names[] = {"Signature", "X-Amz-Signature", "Credential", "X-Amz-Credential",
					   "X-Amz-Security-Token", "AWSAccessKeyId", "SignatureProvided",
					   "StringToSign", "CanonicalRequest"};

void s3_redact(char *text)
{
	if (!text)
		return;
	for (size_t i = 0; text[i];) {
		bool word_start = i == 0 || !b64_char(text[i - 1]);
		const char *v = NULL;
		for (size_t k = 0; word_start && !v && k < sizeof secret_names / sizeof *secret_names; k++)
			v = value_after(text + i, secret_names[k]);
		if (v && value_len(v)) { /* the name goes too: "Signature=" alone tells too much */
			i += replace(text, i, (size_t)(v - text) - i + value_len(v));
			continue;
		}
		if (word_start && strlen(text + i) >= 20 && key_id_at(text + i) && !b64_char(text[i + 20])) {
			i += replace(text, i, 20);
			continue;
		}
		/* A secret key is 40 base64 characters, a session token hundreds, a signature 64
		 * hex digits (or fewer, where a message was cut): such a run of 32 or more, or
		 * of 16 or more running to the end of a cut text, is taken for one. No word of
		 * an error message is that long. */
		size_t run = 0;
		while (b64_char(text[i + run]))
			run++;
		if (word_start && (long_secret(text + i, run) || (run >= 16 && !text[i + run] && strlen(text) >= 60))) {
			i += replace(text, i, run);
			continue;
		}
		i += run ? run : 1;
	}
}
