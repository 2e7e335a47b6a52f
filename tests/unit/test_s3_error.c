/* S3 error bodies: real shapes, entities, truncation, and malformed or hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

#define KEY_ID "AKIAIOSFODNN7EXAMPLE"
#define TEMP_ID "ASIAY34FZKBOKMUTVV7A"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define SIG "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"

/* Nothing credential-like survives, whatever surrounds it. */
static void assert_clean(const char *text)
{
	assert_null(strstr(text, "AKIA"));
	assert_null(strstr(text, "ASIA"));
	assert_null(strstr(text, "wJalrXUtnFEMI"));
	assert_null(strstr(text, "5d672d79"));
	assert_null(strstr(text, "c15b13162d9279b0855cfba6789a8edb"));
	assert_null(strstr(text, "FQoGZXIvYXdz"));
}

static void test_redacts_echoed_request(void **state)
{
	(void)state;
	char code[64], msg[256];
	/* An endpoint that echoes the request's headers in its message (the case seen). */
	const char *body = "<Error><Code>AccessDenied</Code><Message>denied: Authorization: AWS4-HMAC-SHA256 "
	                   "Credential=" KEY_ID "/20261202/us-east-1/s3/aws4_request, SignedHeaders=host;"
	                   "x-amz-date, Signature=" SIG " x-amz-security-token: FQoGZXIvYXdzEJr//////////"
	                   "wEaDOQVs6l0rJnGNq9Y4yKsAf" "</Message></Error>";
	assert_int_equal(parse(body, code, sizeof code, msg, sizeof msg), 0);
	assert_string_equal(code, "AccessDenied");
	assert_clean(msg);
	assert_non_null(strstr(msg, "denied: Authorization: AWS4-HMAC-SHA256 [redacted], SignedHeaders"));
	assert_null(strstr(msg, "Signature="));
	assert_null(strstr(msg, "Credential="));
	assert_non_null(strstr(msg, "SignedHeaders=host;x-amz-date")); /* not a secret: kept */
	/* Cut by the buffer in the middle of a signature: the rest of it is still hidden. */
	char small[120];
	const char *cut = "<Error><Code>X</Code><Message>the request we got was GET / with header "
	                  "x-amz-content-sha256: " SIG "</Message></Error>";
	assert_int_equal(parse(cut, code, sizeof code, small, sizeof small), 0);
	assert_clean(small);
}

static void test_redact_shapes(void **state)
{
	(void)state;
	char t[512];
	snprintf(t, sizeof t, "id " KEY_ID ", temp " TEMP_ID ", secret " SECRET ", sig " SIG ".");
	s3_redact(t);
	assert_string_equal(t, "id [redacted], temp [redacted], secret [redacted], sig [redacted].");
	snprintf(t, sizeof t, "/b/k?X-Amz-Credential=" KEY_ID "%%2F20261202&X-Amz-Signature=" SIG "&X-Amz-Security-Token=abc");
	s3_redact(t);
	assert_string_equal(t, "/b/k?[redacted]&[redacted]&[redacted]");
	/* Object keys and paths stay readable. */
	snprintf(t, sizeof t, "denied PUT /test-bucket/jvmsnap/host/2026/12/02/snap_p13152_w0.zip with host");
	s3_redact(t);
	assert_string_equal(t, "denied PUT /test-bucket/jvmsnap/host/2026/12/02/snap_p13152_w0.zip with host");
	/* Ordinary error text is left alone, ids of 16 hex digits too (S3 request ids). */
	snprintf(t, sizeof t, "The specified bucket does not exist (request 4442587FB7D0A2F9)");
	s3_redact(t);
	assert_string_equal(t, "The specified bucket does not exist (request 4442587FB7D0A2F9)");
	s3_redact(NULL);
	t[0] = '\0';
	s3_redact(t);
	assert_string_equal(t, "");
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
	        cmocka_unit_test(test_redacts_echoed_request),
	        cmocka_unit_test(test_redact_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
