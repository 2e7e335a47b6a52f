/* S3 error bodies: real shapes, entities, truncation, and malformed or hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../upload/s3_error.h"

static int parse(const char *body, char *code, size_t cn, char *msg, size_t mn)
{
	return s3_error_parse(body, body ? strlen(body) : 0, code, cn, msg, mn);
}

static void test_real_s3_bodies(void **state)
{
	(void)state;
	char code[64], msg[256];
	const char *no_bucket =
	        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code>"
	        "<Message>The specified bucket does not exist</Message>"
	        "<BucketName>nope</BucketName><RequestId>4442587FB7D0A2F9</RequestId></Error>";
	assert_int_equal(parse(no_bucket, code, sizeof code, msg, sizeof msg), 0);
	assert_string_equal(code, "NoSuchBucket");
	assert_string_equal(msg, "The specified bucket does not exist");
	/* Message before Code, whitespace and a namespace attribute on Error */
	const char *sig = "<Error xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\r\n"
	                  "  <Message>The request signature we calculated does not match</Message>\r\n"
	                  "  <Code>SignatureDoesNotMatch</Code>\r\n</Error>";
	assert_int_equal(parse(sig, code, sizeof code, msg, sizeof msg), 0);
	assert_string_equal(code, "SignatureDoesNotMatch");
	assert_string_equal(msg, "The request signature we calculated does not match");
}

static void test_entities_and_control_characters(void **state)
{
	(void)state;
	char code[64], msg[256];
	const char *body = "<Error><Code>SlowDown</Code><Message>a &amp; b &lt;c&gt; &quot;d&quot; "
	                   "&apos;e&apos; &unknown; &\n\tline</Message></Error>";
	assert_int_equal(parse(body, code, sizeof code, msg, sizeof msg), 0);
	assert_string_equal(msg, "a & b <c> \"d\" 'e' &unknown; &  line");
}

static void test_truncation_keeps_terminator(void **state)
{
	(void)state;
	char code[5], msg[4];
	const char *body = "<Error><Code>InternalError</Code><Message>We encountered</Message></Error>";
	assert_int_equal(parse(body, code, sizeof code, msg, sizeof msg), 0);
	assert_string_equal(code, "Inte");
	assert_string_equal(msg, "We ");
	assert_int_equal(parse(body, NULL, 0, NULL, 0), 0);
	assert_int_equal(parse(body, code, sizeof code, NULL, 0), 0);
}

static void test_not_an_error_document(void **state)
{
	(void)state;
	char code[64] = "x", msg[256] = "y";
	const char *bad[] = {
	        "",
	        "<html><body>502 Bad Gateway</body></html>",
	        "<Error><Code>NoSuchKey",          /* cut short */
	        "<Error><Code></Code></Error>",    /* empty code */
	        "<Errors><Code>X</Code></Errors>", /* another element */
	        "<Error/><Code>X</Code>",          /* self-closing */
	        "<Error><CodeX>X</CodeX></Error>", /* a longer tag name */
	        "<Code>X</Code><Error></Error>",   /* Code outside Error */
	        "<Error><Code>X</Error></Code>",   /* crossed tags */
	        "<",
	        "<E",
	        "<Error",
	        "<Error>",
	        "</Error>",
	        "<Error><Code",
	        "<Error><Code>",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(parse(bad[i], code, sizeof code, msg, sizeof msg), -1);
		assert_string_equal(code, "");
		assert_string_equal(msg, "");
	}
	assert_int_equal(s3_error_parse(NULL, 10, code, sizeof code, msg, sizeof msg), -1);
}

/* The body is not NUL-terminated: nothing past `len` may be read. */
static void test_respects_length(void **state)
{
	(void)state;
	char code[64], msg[64];
	const char *body = "<Error><Code>AccessDenied</Code><Message>no</Message></Error>";
	size_t cut = strlen("<Error><Code>AccessDenied</Code><Message>n");
	char *copy = malloc(cut);
	memcpy(copy, body, cut);
	assert_int_equal(s3_error_parse(copy, cut, code, sizeof code, msg, sizeof msg), -1);
	free(copy);
}

/* Every prefix of a real body and pseudo-random bytes: no crash, always terminated. */
static void test_fuzz_never_crashes(void **state)
{
	(void)state;
	char code[16], msg[16];
	const char *body = "<Error><Code>NoSuchBucket</Code><Message>a&amp;b</Message></Error>";
	size_t len = strlen(body);
	for (size_t n = 0; n <= len; n++) {
		char *copy = malloc(n ? n : 1);
		memcpy(copy, body, n);
		int rc = s3_error_parse(copy, n, code, sizeof code, msg, sizeof msg);
		assert_true(rc == 0 || rc == -1);
		assert_true(strlen(code) < sizeof code && strlen(msg) < sizeof msg);
		free(copy);
	}
	uint32_t x = 12345;
	const char alphabet[] = "<>/&;ErorCdeMsag \n\0x";
	for (int round = 0; round < 20000; round++) {
		char b[48] = {0};
		size_t n = (size_t)(round % 48);
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			b[i] = alphabet[(x >> 16) % (sizeof alphabet - 1)];
		}
		char *copy = malloc(n ? n : 1);
		memcpy(copy, b, n);
		s3_error_parse(copy, n, code, sizeof code, msg, sizeof msg);
		assert_true(strlen(code) < sizeof code && strlen(msg) < sizeof msg);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_real_s3_bodies),
	        cmocka_unit_test(test_entities_and_control_characters),
	        cmocka_unit_test(test_truncation_keeps_terminator),
	        cmocka_unit_test(test_not_an_error_document),
	        cmocka_unit_test(test_respects_length),
	        cmocka_unit_test(test_fuzz_never_crashes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
