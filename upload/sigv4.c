#include "sigv4.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#define ALGORITHM "AWS4-HMAC-SHA256"

void s3_sigv4_amz_date(int64_t epoch_ms, char out[S3_AMZ_DATE_LEN + 1])
{
	time_t t = (time_t)(epoch_ms / 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(out, S3_AMZ_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm) == 0)
		memcpy(out, "19700101T000000Z", S3_AMZ_DATE_LEN + 1);
}

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '.' || c == '_' || c == '~';
}

void s3_uri_encode(buf *out, const char *s, size_t len, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c) || (keep_slash && c == '/')) {
			buf_u8(out, c);
		} else {
			char esc[3] = {'%', hex[c >> 4], hex[c & 0xf]};
			buf_append(out, esc, 3);
		}
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes %XX; a '%' not followed by two hex digits is kept as a literal byte. */
static void percent_decode(buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len) {
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			if (hi >= 0 && lo >= 0) {
				buf_u8(out, (uint8_t)(hi << 4 | lo));
				i += 2;
				continue;
			}
		}
		buf_u8(out, (uint8_t)s[i]);
	}
}

/* RFC 3986 "remove dot segments", plus the removal of empty segments that AWS's generic
 * services expect (botocore's remove_dot_segments); a trailing slash survives. */
static int normalize_path(buf *out, const char *p, size_t len)
{
	size_t cap = len / 2 + 2, n = 0;
	size_t *seg_off = malloc(cap * sizeof *seg_off), *seg_len = malloc(cap * sizeof *seg_len);
	if (!seg_off || !seg_len) {
		free(seg_off);
		free(seg_len);
		return -1;
	}
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && p[j] != '/')
			j++;
		size_t l = j - i;
		if (l == 2 && p[i] == '.' && p[i + 1] == '.') {
			if (n > 0)
				n--;
		} else if (l > 0 && !(l == 1 && p[i] == '.') && n < cap) {
			seg_off[n] = i;
			seg_len[n++] = l;
		}
		i = j + 1;
	}
	if (len > 0 && p[0] == '/')
		buf_u8(out, '/');
	for (size_t k = 0; k < n; k++) {
		if (k > 0)
			buf_u8(out, '/');
		buf_append(out, p + seg_off[k], seg_len[k]);
	}
	if (n > 0 && len > 0 && p[len - 1] == '/')
		buf_u8(out, '/');
	free(seg_off);
	free(seg_len);
	return 0;
}

/* S3 signs the path as sent, encoded once: existing %XX escapes are kept (hex uppercased),
 * anything else outside the unreserved set and '/' is encoded. */
static void encode_once(buf *out, const char *p, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		int hi = p[i] == '%' && i + 2 < len ? hexval(p[i + 1]) : -1;
		int lo = hi >= 0 ? hexval(p[i + 2]) : -1;
		if (lo >= 0) {
			char esc[3] = {'%', hex[hi], hex[lo]};
			buf_append(out, esc, 3);
			i += 2;
		} else {
			s3_uri_encode(out, p + i, 1, true);
		}
	}
}

static int canonical_path(buf *out, const char *path, s3_sigv4_mode mode)
{
	size_t len = strlen(path);
	if (len == 0) {
		buf_u8(out, '/');
		return 0;
	}
	buf tmp;
	buf_init(&tmp);
	int rc = 0;
	if (mode == S3_SIGV4_S3) {
		encode_once(out, path, len);
		return out->failed ? -1 : 0;
	}
	rc = normalize_path(&tmp, path, len);
	if (rc == 0 && !tmp.failed) {
		if (tmp.len == 0)
			buf_u8(out, '/');
		else
			s3_uri_encode(out, (const char *)tmp.data, tmp.len, true);
	}
	rc = tmp.failed ? -1 : rc;
	buf_free(&tmp);
	return rc;
}

typedef struct {
	char *key;
	char *value;
} query_pair;

/* Decodes then encodes one query component, so "%E1%88%B4" and raw UTF-8 sign alike. */
static char *reencode(const char *s, size_t len)
{
	buf dec, enc;
	buf_init(&dec);
	buf_init(&enc);
	percent_decode(&dec, s, len);
	s3_uri_encode(&enc, dec.data ? (const char *)dec.data : "", dec.len, false);
	buf_u8(&enc, '\0');
	char *r = (dec.failed || enc.failed) ? NULL : (char *)enc.data;
	if (!r)
		buf_free(&enc);
	buf_free(&dec);
	return r;
}

static int cmp_query(const void *a, const void *b)
{
	const query_pair *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->value, y->value);
}

static void free_pairs(query_pair *pairs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(pairs[i].key);
		free(pairs[i].value);
	}
	free(pairs);
}

/* Pairs sorted by encoded name, then value; "key" without '=' is written "key=". */
static int canonical_query(buf *out, const char *query)
{
	if (!query || !*query)
		return 0;
	size_t cap = 1, n = 0;
	for (const char *q = query; *q; q++)
		cap += *q == '&';
	query_pair *pairs = calloc(cap, sizeof *pairs);
	if (!pairs)
		return -1;
	for (const char *p = query; *p;) {
		size_t plen = strcspn(p, "&");
		if (plen > 0) {
			const char *eq = memchr(p, '=', plen);
			size_t klen = eq ? (size_t)(eq - p) : plen;
			pairs[n].key = reencode(p, klen);
			pairs[n].value = eq ? reencode(eq + 1, plen - klen - 1) : reencode("", 0);
			if (!pairs[n].key || !pairs[n].value) {
				free_pairs(pairs, n + 1);
				return -1;
			}
			n++;
		}
		p += plen + (p[plen] == '&');
	}
	qsort(pairs, n, sizeof *pairs, cmp_query);
	for (size_t i = 0; i < n; i++)
		buf_printf(out, "%s%s=%s", i ? "&" : "", pairs[i].key, pairs[i].value);
	free_pairs(pairs, n);
	return 0;
}

typedef struct {
	char name[128];
	const char *value;
	size_t order; /* keeps repeated headers in request order once sorted */
} sort_header;

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Trims and collapses every run of whitespace (including folded line breaks) to one space. */
static void append_trimmed(buf *out, const char *v)
{
	bool pending = false, any = false;
	for (; *v; v++) {
		if (is_space(*v)) {
			pending = any;
			continue;
		}
		if (pending)
			buf_u8(out, ' ');
		buf_u8(out, (uint8_t)*v);
		pending = false;
		any = true;
	}
}

static int cmp_header(const void *a, const void *b)
{
	const sort_header *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int lower_name(char *dst, size_t cap, const char *src)
{
	while (is_space(*src))
		src++;
	size_t n = strlen(src);
	while (n > 0 && is_space(src[n - 1]))
		n--;
	if (n == 0 || n >= cap)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = src[i];
		dst[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	dst[n] = '\0';
	return 0;
}

/* "name:v1,v2\n" lines sorted by name (repeats joined in order) and "a;b;c". */
static int canonical_headers(buf *out, buf *signed_names, const s3_header *h, size_t n)
{
	if (n == 0 || n > S3_SIGV4_MAX_HEADERS)
		return -1;
	sort_header sorted[S3_SIGV4_MAX_HEADERS];
	for (size_t i = 0; i < n; i++) {
		if (!h[i].name || !h[i].value ||
		    lower_name(sorted[i].name, sizeof sorted[i].name, h[i].name) != 0)
			return -1;
		sorted[i].value = h[i].value;
		sorted[i].order = i;
	}
	qsort(sorted, n, sizeof *sorted, cmp_header);
	for (size_t i = 0; i < n; i++) {
		bool repeat = i > 0 && strcmp(sorted[i].name, sorted[i - 1].name) == 0;
		if (repeat) {
			buf_u8(out, ',');
		} else {
			if (i > 0)
				buf_u8(out, '\n');
			buf_printf(out, "%s:", sorted[i].name);
			buf_printf(signed_names, "%s%s", signed_names->len ? ";" : "", sorted[i].name);
		}
		append_trimmed(out, sorted[i].value);
	}
	buf_u8(out, '\n');
	return 0;
}

int s3_sigv4_canonical_request(const s3_sigv4_request *r, buf *out, buf *signed_headers)
{
	if (!r->method || !r->path || !r->payload_sha256_hex || !r->headers)
		return -1;
	buf names;
	buf_init(&names);
	buf_printf(out, "%s\n", r->method);
	int rc = canonical_path(out, r->path, r->mode);
	buf_u8(out, '\n');
	if (rc == 0)
		rc = canonical_query(out, r->query);
	buf_u8(out, '\n');
	if (rc == 0)
		rc = canonical_headers(out, &names, r->headers, r->nheaders);
	buf_u8(out, '\n');
	buf_append(out, names.data, names.len);
	buf_printf(out, "\n%s", r->payload_sha256_hex);
	if (signed_headers)
		buf_append(signed_headers, names.data, names.len);
	if (names.failed || out->failed || (signed_headers && signed_headers->failed))
		rc = -1;
	buf_free(&names);
	return rc;
}

static bool scope_ok(const s3_sigv4_scope *s)
{
	return s->access_key_id && s->secret_access_key && s->region && s->service && s->amz_date &&
	       strlen(s->amz_date) == S3_AMZ_DATE_LEN;
}

int s3_sigv4_string_to_sign(const s3_sigv4_scope *s, const char *canonical, size_t len, buf *out)
{
	char hash[S3_SHA256_HEX_LEN + 1];
	if (!scope_ok(s) || s3_sha256_hex(canonical, len, hash) != 0)
		return -1;
	buf_printf(out, ALGORITHM "\n%s\n%.8s/%s/%s/aws4_request\n%s", s->amz_date, s->amz_date, s->region,
	           s->service, hash);
	return out->failed ? -1 : 0;
}

int s3_sigv4_signing_key(const s3_sigv4_scope *s, uint8_t key[S3_SHA256_LEN])
{
	if (!scope_ok(s))
		return -1;
	buf k;
	buf_init(&k);
	buf_printf(&k, "AWS4%s", s->secret_access_key);
	int rc = k.failed ? -1 : 0;
	if (rc == 0)
		rc = s3_hmac_sha256(k.data, k.len, s->amz_date, 8, key);
	if (rc == 0)
		rc = s3_hmac_sha256(key, S3_SHA256_LEN, s->region, strlen(s->region), key);
	if (rc == 0)
		rc = s3_hmac_sha256(key, S3_SHA256_LEN, s->service, strlen(s->service), key);
	if (rc == 0)
		rc = s3_hmac_sha256(key, S3_SHA256_LEN, "aws4_request", 12, key);
	/* The buffer held the secret: wipe it before it goes back to the allocator. */
	if (k.data)
		OPENSSL_cleanse(k.data, k.cap);
	buf_free(&k);
	return rc;
}

int s3_sigv4_authorization(const s3_sigv4_request *r, const s3_sigv4_scope *s, buf *out)
{
	buf creq, names, sts;
	buf_init(&creq);
	buf_init(&names);
	buf_init(&sts);
	uint8_t key[S3_SHA256_LEN], sig[S3_SHA256_LEN];
	char sig_hex[2 * S3_SHA256_LEN + 1];
	int rc = s3_sigv4_canonical_request(r, &creq, &names);
	if (rc == 0)
		rc = s3_sigv4_string_to_sign(s, (const char *)creq.data, creq.len, &sts);
	if (rc == 0)
		rc = s3_sigv4_signing_key(s, key);
	if (rc == 0)
		rc = s3_hmac_sha256(key, sizeof key, sts.data, sts.len, sig);
	if (rc == 0) {
		s3_hex(sig, sizeof sig, sig_hex);
		buf_printf(out, ALGORITHM " Credential=%s/%.8s/%s/%s/aws4_request, SignedHeaders=",
		           s->access_key_id, s->amz_date, s->region, s->service);
		buf_append(out, names.data, names.len);
		buf_printf(out, ", Signature=%s", sig_hex);
		rc = out->failed ? -1 : 0;
	}
	OPENSSL_cleanse(key, sizeof key);
	buf_free(&creq);
	buf_free(&names);
	buf_free(&sts);
	return rc;
}
