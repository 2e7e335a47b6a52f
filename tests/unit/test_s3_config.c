/* The S3 settings from the environment (read by jvmagent/config.c, mapped by
 * agent_config_s3, as in the agent and the tools), the object key layout and client
 * validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../jvmagent/config_s3.h"
#include "../../upload/s3.h"

#include "fake_env.h"

/* The settings the s3_config points into; replaced by each load. */
static agent_config settings;

static int load(s3_config *c, const char *const *env)
{
	fake_env = env;
	agent_config_free(&settings);
	agent_config_load(&settings, NULL, fake_getenv);
	return agent_config_s3(&settings, fake_getenv, c);
}

static void test_defaults(void **state)
{
	(void)state;
	s3_config c;
	const char *env[] = {"IOPIPE_PROFILER_S3_BUCKET", "snaps", NULL};
	assert_int_equal(load(&c, env), S3_OK);
	assert_string_equal(c.bucket, "snaps");
	assert_string_equal(c.prefix, "jvmsnap/");
	assert_string_equal(c.region, "us-east-1");
	assert_null(c.endpoint);
	assert_null(c.ca_file);
	assert_ptr_equal(c.getenv_fn, fake_getenv);
	const char *none[] = {"IOPIPE_PROFILER_S3_BUCKET", "", NULL};
	assert_int_equal(load(&c, none), S3_ERR_CONFIG);
	assert_null(c.bucket);
	agent_config_free(&settings);
}

static void test_region_precedence_and_overrides(void **state)
{
	(void)state;
	s3_config c;
	const char *all[] = {"IOPIPE_PROFILER_S3_BUCKET",
	                     "b",
	                     "IOPIPE_PROFILER_S3_REGION",
	                     "eu-west-3",
	                     "AWS_REGION",
	                     "eu-west-1",
	                     "AWS_DEFAULT_REGION",
	                     "eu-west-2",
	                     "IOPIPE_PROFILER_S3_PREFIX",
	                     "",
	                     "IOPIPE_PROFILER_S3_ENDPOINT",
	                     "http://127.0.0.1:4568",
	                     "AWS_CA_BUNDLE",
	                     "/etc/ca.pem",
	                     NULL};
	assert_int_equal(load(&c, all), S3_OK);
	assert_string_equal(c.region, "eu-west-3");
	/* config.c's rule, the agent's: an empty prefix gets a warning and the default */
	assert_string_equal(c.prefix, "jvmsnap/");
	assert_string_equal(c.endpoint, "http://127.0.0.1:4568");
	assert_string_equal(c.ca_file, "/etc/ca.pem");
	const char *lambda[] = {"IOPIPE_PROFILER_S3_BUCKET", "b",         "AWS_REGION", "eu-west-1",
	                        "AWS_DEFAULT_REGION",        "eu-west-2", NULL};
	assert_int_equal(load(&c, lambda), S3_OK);
	assert_string_equal(c.region, "eu-west-1");
	const char *sdk[] = {"IOPIPE_PROFILER_S3_BUCKET", "b",         "AWS_REGION", "",
	                     "AWS_DEFAULT_REGION",        "eu-west-2", NULL};
	assert_int_equal(load(&c, sdk), S3_OK);
	assert_string_equal(c.region, "eu-west-2");
	agent_config_free(&settings);
}

/* The rules are config.c's, whoever builds the s3_config: what the agent would refuse,
 * the tools refuse too. */
static void test_same_rules_as_the_agent(void **state)
{
	(void)state;
	s3_config c;
	const char *custom[] = {"IOPIPE_PROFILER_S3_BUCKET", "b", "IOPIPE_PROFILER_S3_PREFIX", "runs/", NULL};
	assert_int_equal(load(&c, custom), S3_OK);
	assert_string_equal(c.prefix, "runs/");
	const char *bad[] = {"IOPIPE_PROFILER_S3_BUCKET",   "b",       "IOPIPE_PROFILER_S3_PREFIX",
	                     "p\x01/",                       "IOPIPE_PROFILER_S3_REGION", "",
	                     "IOPIPE_PROFILER_S3_ENDPOINT", "",        "AWS_CA_BUNDLE",
	                     "",                            NULL};
	assert_int_equal(load(&c, bad), S3_OK);
	assert_string_equal(c.prefix, "jvmsnap/"); /* not printable ASCII: the default */
	assert_string_equal(c.region, "us-east-1");
	assert_null(c.endpoint);
	assert_null(c.ca_file);
	/* The agent's own view of the same environment. */
	assert_ptr_equal(c.bucket, settings.s3_bucket);
	assert_ptr_equal(c.prefix, settings.s3_prefix);
	/* Budgets and timeouts are the client's defaults, not the agent's upload budget. */
	assert_int_equal(c.budget_ms, 0);
	assert_int_equal(c.attempt_timeout_ms, 0);
	agent_config_free(&settings);
}

static void test_region_from_env(void **state)
{
	(void)state;
	const char *both[] = {"AWS_REGION", "eu-west-1", "AWS_DEFAULT_REGION", "eu-west-2", NULL};
	const char *dflt[] = {"AWS_REGION", "", "AWS_DEFAULT_REGION", "eu-west-2", NULL};
	const char *none[] = {NULL};
	fake_env = both;
	assert_string_equal(s3_region_from_env(fake_getenv), "eu-west-1");
	fake_env = dflt;
	assert_string_equal(s3_region_from_env(fake_getenv), "eu-west-2");
	fake_env = none;
	assert_string_equal(s3_region_from_env(fake_getenv), "us-east-1");
}

static void test_object_key_layout(void **state)
{
	(void)state;
	char key[128];
	/* 2026-11-22T07:30:00Z */
	assert_int_equal(s3_object_key(key, sizeof key, "jvmsnap/", "my-fn", 1795332600000LL, "s.zip"), 0);
	assert_string_equal(key, "jvmsnap/my-fn/2026/11/22/s.zip");
	/* UTC day boundaries: the last and first millisecond of a day */
	assert_int_equal(s3_object_key(key, sizeof key, "", "h", 1767225599999LL, "z"), 0);
	assert_string_equal(key, "h/2025/12/31/z");
	assert_int_equal(s3_object_key(key, sizeof key, NULL, "h", 1767225600000LL, "z"), 0);
	assert_string_equal(key, "h/2026/01/01/z");
	assert_int_equal(s3_object_key(key, sizeof key, "p-", "h", 0, "z"), 0);
	assert_string_equal(key, "p-h/1970/01/01/z");
}

static void test_object_key_refuses_bad_input(void **state)
{
	(void)state;
	char key[24] = "unchanged";
	/* exactly fits: "jvmsnap/h/2026/11/22/z" is 22 characters + NUL */
	assert_int_equal(s3_object_key(key, 23, "jvmsnap/", "h", 1795332600000LL, "z"), 0);
	assert_int_equal(s3_object_key(key, 22, "jvmsnap/", "h", 1795332600000LL, "z"), S3_ERR_CONFIG);
	assert_string_equal(key, ""); /* never a truncated key */
	assert_int_equal(s3_object_key(key, sizeof key, "p/", "", 0, "z"), S3_ERR_CONFIG);
	assert_int_equal(s3_object_key(key, sizeof key, "p/", NULL, 0, "z"), S3_ERR_CONFIG);
	assert_int_equal(s3_object_key(key, sizeof key, "p/", "h", 0, ""), S3_ERR_CONFIG);
	assert_int_equal(s3_object_key(key, 0, "p/", "h", 0, "z"), S3_ERR_CONFIG);
	assert_int_equal(s3_object_key(NULL, 10, "p/", "h", 0, "z"), S3_ERR_CONFIG);
}

static void test_client_validates_config(void **state)
{
	(void)state;
	s3_config c;
	memset(&c, 0, sizeof c);
	assert_null(s3_client_new(&c));
	assert_null(s3_client_new(NULL));
	c.bucket = "b";
	c.region = "us-east-1";
	c.endpoint = "ftp://host";
	assert_null(s3_client_new(&c));
	c.endpoint = "http://127.0.0.1:4568";
	s3_client *ok = s3_client_new(&c);
	assert_non_null(ok);
	s3_client_free(ok);
	c.endpoint = "";
	ok = s3_client_new(&c); /* empty endpoint = AWS */
	assert_non_null(ok);
	s3_client_free(ok);
	c.region = NULL; /* resolved from the environment */
	const char *env[] = {"AWS_REGION", "eu-north-1", NULL};
	fake_env = env;
	c.getenv_fn = fake_getenv;
	ok = s3_client_new(&c);
	assert_non_null(ok);
	s3_client_free(ok);
	s3_client_free(NULL);
}

static void test_strerror_is_distinct(void **state)
{
	(void)state;
	for (int a = S3_ERR_ABORTED; a <= S3_OK; a++)
		for (int b = a + 1; b <= S3_OK; b++)
			assert_string_not_equal(s3_strerror(a), s3_strerror(b));
	assert_string_equal(s3_strerror(-99), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),
	        cmocka_unit_test(test_region_precedence_and_overrides),
	        cmocka_unit_test(test_same_rules_as_the_agent),
	        cmocka_unit_test(test_region_from_env),
	        cmocka_unit_test(test_object_key_layout),
	        cmocka_unit_test(test_object_key_refuses_bad_input),
	        cmocka_unit_test(test_client_validates_config),
	        cmocka_unit_test(test_strerror_is_distinct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
