/* Modified UTF-8 <-> UTF-8: the byte forms Java expects, replacement of broken input,
 * truncation at character boundaries, and a random sweep for crashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../common/mutf8.h"

static void expect_bytes(const buf *b, const char *want, size_t want_len)
{
	assert_int_equal(b->len, want_len);
	assert_memory_equal(b->data, want, want_len);
}

static void expect_mutf8(const char *in, size_t len, const char *want, size_t want_len)
{
	buf b;
	buf_init(&b);
	assert_int_equal(mutf8_from_utf8(in, len, &b), want_len);
	expect_bytes(&b, want, want_len);
	buf_free(&b);
}

static void test_from_utf8_forms(void **state)
{
	(void)state;
	expect_mutf8("abc", 3, "abc", 3);
	expect_mutf8("a\0b", 3,
	             "a\xC0\x80"
	             "b",
	             4);
	expect_mutf8("\xC3\xA9", 2, "\xC3\xA9", 2);         /* é */
	expect_mutf8("\xE2\x82\xAC", 3, "\xE2\x82\xAC", 3); /* € */
	expect_mutf8("\xF0\x9F\x98\x80", 4,                 /* U+1F600 as a surrogate pair */
	             "\xED\xA0\xBD\xED\xB8\x80", 6);
	expect_mutf8("\xF4\x8F\xBF\xBF", 4, "\xED\xAF\xBF\xED\xBF\xBF", 6); /* U+10FFFF */
}

static void test_from_utf8_replaces_invalid(void **state)
{
	(void)state;
	const char *fffd = "\xEF\xBF\xBD";
	char want[64];
	/* One replacement per byte that cannot start or continue a character. */
	expect_mutf8("\xFF", 1, fffd, 3);
	snprintf(want, sizeof want, "%s%s", fffd, fffd);
	expect_mutf8("\xE2\x82", 2, want, 6); /* truncated */
	expect_mutf8("\xC0\x80", 2, want, 6); /* overlong NUL is not UTF-8 */
	snprintf(want, sizeof want, "%s%s%s", fffd, fffd, fffd);
	expect_mutf8("\xED\xA0\x80", 3, want, 9); /* encoded surrogate */
	expect_mutf8("\xF4\x90\x80", 3, want, 9); /* beyond U+10FFFF, cut */
	snprintf(want, sizeof want, "a%sb", fffd);
	expect_mutf8("a\x80"
	             "b",
	             3, want, 5);
}

static void test_jutf_prefix_and_truncation(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	mutf8_put_jutf(&b, "", 0);
	expect_bytes(&b, "\0\0", 2);
	buf_reset(&b);
	mutf8_put_jutf(&b, "main", 4);
	expect_bytes(&b, "\0\x04main", 6);

	/* 11000 emoji = 66000 bytes: truncated to whole pairs, 10922 * 6 = 65532. */
	size_t n = 11000;
	char *s = malloc(90000);
	for (size_t i = 0; i < n; i++)
		memcpy(s + 4 * i, "\xF0\x9F\x98\x80", 4);
	buf_reset(&b);
	mutf8_put_jutf(&b, s, 4 * n);
	assert_int_equal(b.len, 2 + 65532);
	assert_int_equal(b.data[0] << 8 | b.data[1], 65532);
	assert_memory_equal(b.data + b.len - 6, "\xED\xA0\xBD\xED\xB8\x80", 6);

	/* 30000 euro signs = 90000 bytes: exactly 65535 bytes fit. */
	for (size_t i = 0; i < 30000; i++)
		memcpy(s + 3 * i, "\xE2\x82\xAC", 3);
	buf_reset(&b);
	mutf8_put_jutf(&b, s, 90000);
	assert_int_equal(b.len, 2 + 65535);
	assert_int_equal(b.data[0] << 8 | b.data[1], 65535);

	/* ASCII with a NUL near the end: the 2-byte NUL does not fit after 65534 bytes. */
	memset(s, 'x', 65534);
	s[65534] = '\0';
	buf_reset(&b);
	mutf8_put_jutf(&b, s, 65535);
	assert_int_equal(b.len, 2 + 65534);
	free(s);
	buf_free(&b);
}

static void expect_utf8(const char *in, size_t len, const char *want)
{
	char out[64];
	size_t n = mutf8_to_utf8(in, len, out, sizeof out);
	assert_int_equal(n, strlen(want));
	assert_string_equal(out, want);
}

static void test_to_utf8_forms(void **state)
{
	(void)state;
	expect_utf8("java.lang.Thread", 16, "java.lang.Thread");
	expect_utf8("\xED\xA0\xBD\xED\xB8\x80", 6, "\xF0\x9F\x98\x80");
	expect_utf8("\xF0\x9F\x98\x80", 4, "\xF0\x9F\x98\x80"); /* standard form tolerated */
	expect_utf8("a\xC0\x80"
	            "b",
	            4,
	            "a\xEF\xBF\xBD"
	            "b"); /* NUL cannot live in a C string */
	expect_utf8("\xC3\xA9\xE2\x82\xAC", 5, "\xC3\xA9\xE2\x82\xAC");
	expect_utf8("\xED\xA0\xBD"
	            "a",
	            4,
	            "\xEF\xBF\xBD"
	            "a");                               /* lone high surrogate */
	expect_utf8("\xED\xB8\x80", 3, "\xEF\xBF\xBD"); /* lone low surrogate */
	expect_utf8("\xE2\x82", 2, "\xEF\xBF\xBD\xEF\xBF\xBD");
	expect_utf8("\xFF\xFE", 2, "\xEF\xBF\xBD\xEF\xBF\xBD");
	expect_utf8("", 0, "");
}

static void test_to_utf8_truncates_on_boundary(void **state)
{
	(void)state;
	char out[8];
	memset(out, 'Z', sizeof out);
	/* "aé€": a(1) é(2) €(3). With 5 bytes of room only a and é fit (+ NUL). */
	assert_int_equal(mutf8_to_utf8("a\xC3\xA9\xE2\x82\xAC", 6, out, 5), 3);
	assert_string_equal(out, "a\xC3\xA9");
	assert_int_equal(out[5], 'Z');
	assert_int_equal(mutf8_to_utf8("\xED\xA0\xBD\xED\xB8\x80", 6, out, 4), 0);
	assert_string_equal(out, "");
	assert_int_equal(mutf8_to_utf8("abc", 3, out, 1), 0);
	assert_int_equal(out[0], '\0');
	assert_int_equal(mutf8_to_utf8("abc", 3, out, 0), 0);
}

/* Whole output must be valid UTF-8 where every U+FFFD is the real EF BF BD. */
static void assert_valid_utf8(const char *s, size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		size_t at = pos;
		uint32_t cp = mutf8_utf8_next((const uint8_t *)s, len, &pos);
		if (cp == MUTF8_REPLACEMENT) {
			assert_int_equal(pos - at, 3);
			assert_memory_equal(s + at, "\xEF\xBF\xBD", 3);
		}
		assert_int_not_equal(cp, 0);
	}
}

static uint32_t rnd(uint64_t *st)
{
	*st = *st * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*st >> 33);
}

static void test_random_bytes_never_break(void **state)
{
	(void)state;
	uint64_t st = 42;
	char in[64], out[3 * 64 + 1];
	buf b;
	buf_init(&b);
	for (int iter = 0; iter < 200000; iter++) {
		size_t len = rnd(&st) % sizeof in;
		for (size_t i = 0; i < len; i++) {
			/* Bias towards bytes that start or continue multi-byte forms. */
			uint32_t r = rnd(&st);
			in[i] = (char)(r & 1 ? 0x80 | (r >> 8 & 0x7F) : r >> 8);
		}
		size_t n = mutf8_to_utf8(in, len, out, sizeof out);
		assert_true(n <= 3 * len);
		assert_int_equal(strlen(out), n);
		assert_valid_utf8(out, n);
		buf_reset(&b);
		mutf8_from_utf8(in, len, &b);
		/* Our own MUTF-8 output decodes back to the same text as the input's UTF-8. */
		char back[9 * 64 + 1];
		size_t m = mutf8_to_utf8((const char *)b.data, b.len, back, sizeof back);
		assert_valid_utf8(back, m);
	}
	buf_free(&b);
}

static void test_round_trip_code_points(void **state)
{
	(void)state;
	uint64_t st = 7;
	buf u, m;
	buf_init(&u);
	buf_init(&m);
	for (int iter = 0; iter < 20000; iter++) {
		buf_reset(&u);
		for (int k = 0; k < 8; k++) {
			uint32_t cp;
			do
				cp = rnd(&st) % 0x110000;
			while (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF));
			uint8_t e[4];
			size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
			static const uint8_t lead[] = {0, 0, 0xC0, 0xE0, 0xF0};
			for (size_t i = n - 1; i > 0; i--, cp >>= 6)
				e[i] = (uint8_t)(0x80 | (cp & 0x3F));
			e[0] = (uint8_t)(lead[n] | cp);
			buf_append(&u, e, n);
		}
		buf_reset(&m);
		mutf8_from_utf8((const char *)u.data, u.len, &m);
		for (size_t i = 0; i < m.len; i++)
			assert_true(m.data[i] != 0 && m.data[i] < 0xF0); /* no NUL, no 4-byte forms */
		char back[64];
		size_t n = mutf8_to_utf8((const char *)m.data, m.len, back, sizeof back);
		assert_int_equal(n, u.len);
		assert_memory_equal(back, u.data, n);
	}
	buf_free(&u);
	buf_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_from_utf8_forms),
	        cmocka_unit_test(test_from_utf8_replaces_invalid),
	        cmocka_unit_test(test_jutf_prefix_and_truncation),
	        cmocka_unit_test(test_to_utf8_forms),
	        cmocka_unit_test(test_to_utf8_truncates_on_boundary),
	        cmocka_unit_test(test_random_bytes_never_break),
	        cmocka_unit_test(test_round_trip_code_points),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
