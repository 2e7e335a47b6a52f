/* Credentials: the endpoint's JSON (and malformed variants), ISO-8601 expiry, the
 * container URI allow-list, and the provider's choice of source. Fetching from a live
 * endpoint, caching and refresh are covered by tests/integration/30_s3_upload.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../upload/s3_credentials.h"
#include "../../upload/s3_json.h"

#include "fake_env.h"

static int parse(const char *json, s3_credentials *c)
{
	return s3_credentials_parse_json(json, strlen(json), c);
}

static void test_endpoint_json(void **state)
{
	(void)state;
	s3_credentials c;
	const char *json =
	        "{\n  \"AccessKeyId\" : \"ASIAEXAMPLE\",\n  \"SecretAccessKey\": \"se\\/cret+\",\n"
	        "  \"Token\": \"tok\\u0041==\", \"Expiration\": \"2026-11-22T08:00:00Z\",\n"
	        "  \"RoleArn\": \"arn:aws:iam::1:role/x\", \"Nested\": {\"a\": [1, 2.5e3, true, null, "
	        "{\"b\": \"}\"}]}, \"Count\": -3\n}";
	assert_int_equal(parse(json, &c), 0);
	assert_string_equal(c.access_key_id, "ASIAEXAMPLE");
	assert_string_equal(c.secret_access_key, "se/cret+");
	assert_string_equal(c.session_token, "tokA==");
	assert_int_equal(c.expiration_ms, 1795334400000LL);
	s3_credentials_clear(&c);
	assert_null(c.access_key_id);
	/* no token, no expiration */
	assert_int_equal(parse("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"\"}", &c), 0);
	assert_null(c.session_token);
	assert_int_equal(c.expiration_ms, 0);
	s3_credentials_clear(&c);
}

static void test_bad_endpoint_json(void **state)
{
	(void)state;
	const char *bad[] = {
	        "",
	        "[]",
	        "{",
	        "{\"AccessKeyId\":\"A\"}",                                    /* no secret */
	        "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":5}",              /* not a string */
	        "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"} trailing", /* garbage after */
	        "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",}",         /* trailing comma */
	        "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\\u0000x\"}",  /* NUL */
	        "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"a b\"}",        /* space in a header */
	        "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"x\\r\\nEvil: 1\"}",
	        "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Expiration\":\"tomorrow\"}",
	        "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\\ud800\"}", /* lone surrogate */
	        "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\\q\"}",     /* bad escape */
	        "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\n\"}",      /* raw control char */
	        "{\"AccessKeyId\":\"A\" \"SecretAccessKey\":\"S\"}",        /* missing comma */
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		s3_credentials c;
		assert_int_equal(parse(bad[i], &c), -1);
		assert_null(c.access_key_id);
		assert_null(c.secret_access_key);
	}
}

static void test_json_depth_and_prefixes(void **state)
{
	(void)state;
	const char *names[] = {"k"};
	char *v[1];
	char deep[200];
	size_t n = 0;
	deep[n++] = '{';
	memcpy(deep + n, "\"x\":", 4);
	n += 4;
	for (int i = 0; i < 40; i++)
		deep[n++] = '[';
	for (int i = 0; i < 40; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	assert_int_equal(s3_json_strings(deep, n, names, 1, v), -1); /* nesting limit */
	const char *ok = "{\"k\":\"\\ud83d\\ude00\",\"k2\":{}}";
	assert_int_equal(s3_json_strings(ok, strlen(ok), names, 1, v), 0);
	assert_string_equal(v[0], "\xf0\x9f\x98\x80");
	free(v[0]);
	/* Found by tests/fuzz/fuzz_s3_json.c: an empty key has no buffer (data NULL), which
	 * went to memcmp (undefined behaviour, reported by UBSan). */
	const char *empty_names[] = {""};
	const char *empty_key = "{\"\":\"v\"}";
	assert_int_equal(s3_json_strings(empty_key, strlen(empty_key), empty_names, 1, v), 0);
	assert_string_equal(v[0], "v");
	free(v[0]);
	/* every proper prefix of a valid document is invalid, and none crashes */
	for (size_t len = 0; len < strlen(ok); len++) {
		assert_int_equal(s3_json_strings(ok, len, names, 1, v), -1);
		assert_null(v[0]);
	}
}

static void test_iso8601(void **state)
{
	(void)state;
	int64_t ms;
	assert_int_equal(s3_parse_iso8601_ms("1970-01-01T00:00:00Z", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(s3_parse_iso8601_ms("2015-08-30T12:36:00Z", &ms), 0);
	assert_int_equal(ms, 1440938160000LL);
	assert_int_equal(s3_parse_iso8601_ms("2015-08-30T12:36:00.25Z", &ms), 0);
	assert_int_equal(ms, 1440938160250LL);
	assert_int_equal(s3_parse_iso8601_ms("2015-08-30T14:36:00+02:00", &ms), 0);
	assert_int_equal(ms, 1440938160000LL);
	assert_int_equal(s3_parse_iso8601_ms("2015-08-30T10:36:00-02:00", &ms), 0);
	assert_int_equal(ms, 1440938160000LL);
	const char *bad[] = {"",
	                     "2015-08-30",
	                     "2015-08-30T12:36:00",
	                     "2015-13-01T00:00:00Z",
	                     "2015-08-30T12:36:00Zjunk",
	                     "2015-08-30 12:36:00Z",
	                     "2015-08-30T12:36:00.Z"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(s3_parse_iso8601_ms(bad[i], &ms), -1);
	assert_int_equal(s3_parse_iso8601_ms(NULL, &ms), -1);
}

static void test_container_uri_allow_list(void **state)
{
	(void)state;
	const char *ok[] = {"http://127.0.0.1:9001/2018-06-01/credentials",
	                    "http://127.5.6.7/x",
	                    "http://localhost/x",
	                    "http://[::1]:8080/x",
	                    "http://169.254.170.2/v2/creds",
	                    "http://169.254.170.23/v1/credentials",
	                    "http://[fd00:ec2::23]/x",
	                    "https://creds.example.com/x"};
	const char *bad[] = {"http://example.com/x",
	                     "http://10.0.0.1/x",
	                     "http://127.0.0.1.evil.com/x",
	                     "http://1270.0.0.1/x",
	                     "ftp://127.0.0.1/x",
	                     "file:///etc/passwd",
	                     "not a url"};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
		assert_true(s3_container_uri_allowed(ok[i]));
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_false(s3_container_uri_allowed(bad[i]));
}

static int get(const char *const *env, const s3_credentials **out, char *err, size_t n)
{
	fake_env = env;
	s3_cred_provider *p = s3_cred_provider_new(fake_getenv, NULL);
	assert_non_null(p);
	int rc = s3_cred_provider_get(p, 0, 500, out, err, n);
	if (rc == S3_OK) { /* copy out before the provider goes */
		static char id[64], secret[64], token[64];
		snprintf(id, sizeof id, "%s", (*out)->access_key_id);
		snprintf(secret, sizeof secret, "%s", (*out)->secret_access_key);
		snprintf(token, sizeof token, "%s", (*out)->session_token ? (*out)->session_token : "(none)");
		static s3_credentials copy;
		copy.access_key_id = id;
		copy.secret_access_key = secret;
		copy.session_token = token;
		*out = &copy;
	}
	s3_cred_provider_free(p);
	return rc;
}

static void test_provider_environment(void **state)
{
	(void)state;
	const s3_credentials *c;
	char err[256];
	const char *full[] = {"AWS_ACCESS_KEY_ID",
	                      "AKID",
	                      "AWS_SECRET_ACCESS_KEY",
	                      "SECRET",
	                      "AWS_SESSION_TOKEN",
	                      "TOKEN",
	                      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	                      "http://127.0.0.1:1/never-used",
	                      NULL};
	assert_int_equal(get(full, &c, err, sizeof err), S3_OK);
	assert_string_equal(c->access_key_id, "AKID");
	assert_string_equal(c->secret_access_key, "SECRET");
	assert_string_equal(c->session_token, "TOKEN");
	const char *no_token[] = {"AWS_ACCESS_KEY_ID",
	                          "AKID",
	                          "AWS_SECRET_ACCESS_KEY",
	                          "SECRET",
	                          "AWS_SESSION_TOKEN",
	                          "",
	                          NULL};
	assert_int_equal(get(no_token, &c, err, sizeof err), S3_OK);
	assert_string_equal(c->session_token, "(none)");
	const char *half[] = {"AWS_ACCESS_KEY_ID", "AKID", NULL};
	assert_int_equal(get(half, &c, err, sizeof err), S3_ERR_CREDENTIALS);
	assert_null(c);
	assert_non_null(strstr(err, "must both be set"));
	const char *unsafe[] = {"AWS_ACCESS_KEY_ID", "AKID", "AWS_SECRET_ACCESS_KEY", "zQx\nRET", NULL};
	assert_int_equal(get(unsafe, &c, err, sizeof err), S3_ERR_CREDENTIALS);
	assert_null(strstr(err, "zQx")); /* never echo a secret */
}

static void test_provider_without_a_source(void **state)
{
	(void)state;
	const s3_credentials *c;
	char err[256];
	const char *none[] = {NULL};
	assert_int_equal(get(none, &c, err, sizeof err), S3_ERR_CREDENTIALS);
	assert_non_null(strstr(err, "no AWS credentials"));
	const char *remote[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds",
	                        "AWS_CONTAINER_AUTHORIZATION_TOKEN", "secret-token", NULL};
	assert_int_equal(get(remote, &c, err, sizeof err), S3_ERR_CREDENTIALS);
	assert_non_null(strstr(err, "must be https"));
	assert_null(strstr(err, "secret-token"));
	/* port 1 on loopback: nothing listens there */
	const char *closed[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds", NULL};
	assert_int_equal(get(closed, &c, err, sizeof err), S3_ERR_CREDENTIALS);
	assert_non_null(strstr(err, "credentials endpoint"));
	const char *no_file[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds",
	                         "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/nonexistent/token", NULL};
	assert_int_equal(get(no_file, &c, err, sizeof err), S3_ERR_CREDENTIALS);
	assert_non_null(strstr(err, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
	const char *bad_token[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds",
	                           "AWS_CONTAINER_AUTHORIZATION_TOKEN", "a\r\nX-Evil: 1", NULL};
	assert_int_equal(get(bad_token, &c, err, sizeof err), S3_ERR_CREDENTIALS);
	assert_non_null(strstr(err, "not a valid header value"));
}

/* After a SnapStart restore (container_first) the endpoint wins over the environment's
 * keys, which are the snapshot's; with no endpoint set the keys are still used. */
static void test_provider_container_first(void **state)
{
	(void)state;
	const s3_credentials *c;
	char err[256];
	const char *both[] = {"AWS_ACCESS_KEY_ID", "AKID", "AWS_SECRET_ACCESS_KEY", "SECRET",
	                      "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds", NULL};
	fake_env = both;
	s3_cred_provider *p = s3_cred_provider_new(fake_getenv, NULL);
	assert_non_null(p);
	assert_int_equal(s3_cred_provider_get(p, 0, 500, &c, err, sizeof err), S3_OK);
	assert_string_equal(c->access_key_id, "AKID");
	s3_cred_provider_container_first(p);
	/* port 1 on loopback: nothing listens, so the keys must not stand in for the endpoint */
	assert_int_equal(s3_cred_provider_get(p, 0, 500, &c, err, sizeof err), S3_ERR_CREDENTIALS);
	assert_null(c);
	assert_non_null(strstr(err, "credentials endpoint"));
	s3_cred_provider_free(p);
	const char *keys[] = {"AWS_ACCESS_KEY_ID", "AKID", "AWS_SECRET_ACCESS_KEY", "SECRET", NULL};
	fake_env = keys;
	p = s3_cred_provider_new(fake_getenv, NULL);
	assert_non_null(p);
	s3_cred_provider_container_first(p);
	assert_int_equal(s3_cred_provider_get(p, 0, 500, &c, err, sizeof err), S3_OK);
	assert_string_equal(c->access_key_id, "AKID");
	s3_cred_provider_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_endpoint_json),
	        cmocka_unit_test(test_bad_endpoint_json),
	        cmocka_unit_test(test_json_depth_and_prefixes),
	        cmocka_unit_test(test_iso8601),
	        cmocka_unit_test(test_container_uri_allow_list),
	        cmocka_unit_test(test_provider_environment),
	        cmocka_unit_test(test_provider_without_a_source),
	        cmocka_unit_test(test_provider_container_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
