/* Configuration: every setting from the environment and from options, precedence, and
 * each bad value falling back safely. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../jvmagent/config.h"

#include "fake_env.h"

static void load(agent_config *c, const char *options, const char *const *env)
{
	fake_env = env;
	agent_config_load(c, options, fake_getenv);
}

static void test_defaults(void **state)
{
	(void)state;
	agent_config c;
	load(&c, NULL, NULL);
	assert_false(c.enabled);
	assert_false(c.debug);
	assert_int_equal(c.interval_us, 1000);
	assert_int_equal(c.max_depth, 1024);
	assert_int_equal(c.stats_interval_ms, 1000);
	assert_null(c.dump_path);
	assert_string_equal(c.prefix, "");
	assert_string_equal(c.s3_prefix, "jvmsnap/");
	assert_null(c.s3_bucket);
	assert_null(c.s3_region);   /* then AWS_REGION, AWS_DEFAULT_REGION, us-east-1 */
	assert_null(c.s3_endpoint); /* AWS itself */
	assert_int_equal(c.upload_budget_ms, 10000); /* issue 4: 10 s per upload */
	assert_false(c.thread_contention); /* JVM-wide cost on contended locks: opt-in */
	agent_config_free(&c);
}

static void test_enabled_rules(void **state)
{
	(void)state;
	const char *const on[] = {"IOPIPE_PROFILER_ENABLED", "TRUE", NULL};
	const char *const yes[] = {"IOPIPE_PROFILER_ENABLED", "yes", NULL};
	const char *const off[] = {"IOPIPE_PROFILER_ENABLED", "false", NULL};
	fake_env = on;
	assert_true(agent_config_enabled(NULL, fake_getenv));
	assert_true(agent_config_enabled("samplerate=2ms", fake_getenv));
	assert_false(agent_config_enabled("enabled=false", fake_getenv)); /* option wins */
	fake_env = yes; /* IOpipe's rule: only "true" enables */
	assert_false(agent_config_enabled(NULL, fake_getenv));
	fake_env = off;
	assert_true(agent_config_enabled("enabled=true", fake_getenv));
	assert_true(agent_config_enabled("x=1,enabled=TRUE", fake_getenv));
	fake_env = NULL;
	assert_false(agent_config_enabled("", fake_getenv));
	assert_false(agent_config_enabled(",,,", fake_getenv));
}

static void test_env_values(void **state)
{
	(void)state;
	const char *const env[] = {"IOPIPE_PROFILER_ENABLED", "true",
				   "IOPIPE_PROFILER_SAMPLERATE", "2500",
				   "IOPIPE_PROFILER_LOCAL_DUMP_PATH", "/tmp/out/",
				   "IOPIPE_PROFILER_ALTERNATIVE_PREFIX", "my-run.1",
				   "IOPIPE_PROFILER_DEBUG", "True",
				   "IOPIPE_PROFILER_S3_BUCKET", "bucket-1",
				   NULL};
	agent_config c;
	load(&c, NULL, env);
	assert_true(c.enabled);
	assert_true(c.debug);
	assert_int_equal(c.interval_us, 2500);
	assert_string_equal(c.dump_path, "/tmp/out/");
	assert_string_equal(c.prefix, "my-run.1");
	assert_string_equal(c.s3_bucket, "bucket-1");
	agent_config_free(&c);
}

static void test_option_overrides_env(void **state)
{
	(void)state;
	const char *const env[] = {"IOPIPE_PROFILER_SAMPLERATE", "2500", "IOPIPE_PROFILER_LOCAL_DUMP_PATH",
				   "/a.zip", NULL};
	agent_config c;
	load(&c, "samplerate=500us,file=/b.zip,debug=true", env);
	assert_int_equal(c.interval_us, 500);
	assert_string_equal(c.dump_path, "/b.zip");
	assert_true(c.debug);
	agent_config_free(&c);
}

static uint32_t rate_of(const char *options)
{
	agent_config c;
	load(&c, options, NULL);
	uint32_t r = c.interval_us;
	agent_config_free(&c);
	return r;
}

static void test_duration_units(void **state)
{
	(void)state;
	assert_int_equal(rate_of("samplerate=500us"), 500);
	assert_int_equal(rate_of("samplerate=2ms"), 2000);
	assert_int_equal(rate_of("samplerate=1s"), 1000000);
	assert_int_equal(rate_of("samplerate=750"), 750);
	assert_int_equal(rate_of("samplerate=200000ns"), 200);
	assert_int_equal(rate_of("SampleRate=3MS"), 3000);
}

static void test_bad_rates_fall_back(void **state)
{
	(void)state;
	assert_int_equal(rate_of("samplerate=abc"), 1000);
	assert_int_equal(rate_of("samplerate=0"), 1000);
	assert_int_equal(rate_of("samplerate=-5"), 1000);
	assert_int_equal(rate_of("samplerate="), 1000);
	assert_int_equal(rate_of("samplerate=10 parsecs"), 1000);
	assert_int_equal(rate_of("samplerate=1.5ms"), 1000);
	/* Clamped, never a busy loop and never an overflow. */
	assert_int_equal(rate_of("samplerate=1us"), AGENT_MIN_INTERVAL_US);
	assert_int_equal(rate_of("samplerate=5ns"), AGENT_MIN_INTERVAL_US);
	assert_int_equal(rate_of("samplerate=99999999999999999999999"), AGENT_MAX_INTERVAL_US);
	assert_int_equal(rate_of("samplerate=1000000s"), AGENT_MAX_INTERVAL_US);
	/* Found by tests/fuzz/fuzz_config.c: n * 10^9 ns wrapped around 2^64 and came out
	 * as a plausible 290 ms instead of being clamped to the maximum. */
	assert_int_equal(rate_of("samplerate=18446744074s"), AGENT_MAX_INTERVAL_US);
	assert_int_equal(rate_of("samplerate=4294967295000s"), AGENT_MAX_INTERVAL_US);
	assert_int_equal(rate_of("samplerate=18446744073710ms"), AGENT_MAX_INTERVAL_US);
	const char *const env[] = {"IOPIPE_PROFILER_SAMPLERATE", "\xff\xfe", NULL};
	agent_config c;
	load(&c, NULL, env);
	assert_int_equal(c.interval_us, 1000);
	agent_config_free(&c);
}

static void test_huge_and_unknown_values(void **state)
{
	(void)state;
	size_t n = 1 << 20;
	char *huge = malloc(n + 1);
	memset(huge, 'a', n);
	huge[n] = '\0';
	const char *const env[] = {"IOPIPE_PROFILER_LOCAL_DUMP_PATH", huge, "IOPIPE_PROFILER_ALTERNATIVE_PREFIX",
				   huge, "IOPIPE_PROFILER_SAMPLERATE", huge, NULL};
	agent_config c;
	load(&c, "nonsense=1,debug,depth=9999999,memory=x", env);
	assert_null(c.dump_path); /* too long: default location */
	assert_true(strlen(c.prefix) <= AGENT_PREFIX_MAX);
	assert_int_equal(c.interval_us, 1000);
	assert_int_equal(c.max_depth, AGENT_MAX_DEPTH);
	assert_int_equal(c.memory_mb, AGENT_DEFAULT_MEMORY_MB);
	assert_false(c.debug); /* "debug" without a value is ignored */
	agent_config_free(&c);
	free(huge);
}

static void test_prefix_sanitising(void **state)
{
	(void)state;
	char out[AGENT_PREFIX_MAX + 1];
	assert_true(agent_sanitize_prefix("run_2024-01.a", out, sizeof out));
	assert_string_equal(out, "run_2024-01.a");
	assert_false(agent_sanitize_prefix("../../etc/passwd", out, sizeof out));
	assert_string_equal(out, "etcpasswd");
	assert_false(agent_sanitize_prefix("a/b", out, sizeof out));
	assert_string_equal(out, "ab");
	assert_false(agent_sanitize_prefix("..", out, sizeof out));
	assert_string_equal(out, "");
	assert_false(agent_sanitize_prefix("ünï", out, sizeof out));
	assert_string_equal(out, "n");
	char longp[301];
	memset(longp, 'x', 300);
	longp[300] = '\0';
	assert_false(agent_sanitize_prefix(longp, out, sizeof out));
	assert_int_equal(strlen(out), AGENT_PREFIX_MAX);
}

static void test_stats_and_s3_settings(void **state)
{
	(void)state;
	const char *const env[] = {"IOPIPE_PROFILER_STATS_INTERVAL", "0", "IOPIPE_PROFILER_THREAD_CONTENTION",
				   "true", "IOPIPE_PROFILER_S3_REGION", "eu-west-1", NULL};
	agent_config c;
	load(&c, "endpoint=http://127.0.0.1:9000,s3prefix=p/,uploadbudget=2s", env);
	assert_int_equal(c.stats_interval_ms, 0);
	assert_true(c.thread_contention);
	assert_int_equal(c.stats_source, STATS_SOURCE_JMM);
	assert_true(c.stats_user_time);
	assert_string_equal(c.s3_region, "eu-west-1");
	assert_string_equal(c.s3_endpoint, "http://127.0.0.1:9000");
	assert_string_equal(c.s3_prefix, "p/");
	assert_int_equal(c.upload_budget_ms, 2000);
	agent_config_free(&c);
	load(&c, "statssource=MXBean,statsusertime=false", NULL);
	assert_int_equal(c.stats_source, STATS_SOURCE_MXBEAN);
	assert_false(c.stats_user_time);
	agent_config_free(&c);
	load(&c, "bucket=bad\x01name", NULL);
	assert_null(c.s3_bucket); /* control characters rejected */
	agent_config_free(&c);
}

static void test_sampler_and_overhead(void **state)
{
	(void)state;
	agent_config c;
	load(&c, NULL, NULL);
	assert_int_equal(c.sampler_mode, AGENT_SAMPLER_CHANGED);
	assert_int_equal(c.overhead_permille, 50);
	agent_config_free(&c);
	load(&c, "sampler=ALL,overhead=2.5%", NULL);
	assert_int_equal(c.sampler_mode, AGENT_SAMPLER_ALL);
	assert_int_equal(c.overhead_permille, 25);
	agent_config_free(&c);
	const char *const env[] = {"IOPIPE_PROFILER_SAMPLER", "fastest", "IOPIPE_PROFILER_OVERHEAD", "0", NULL};
	load(&c, NULL, env);
	assert_int_equal(c.sampler_mode, AGENT_SAMPLER_CHANGED);
	assert_int_equal(c.overhead_permille, 50);
	agent_config_free(&c);
	load(&c, "overhead=150,overhead=abc%", NULL);
	assert_int_equal(c.overhead_permille, 50);
	agent_config_free(&c);
}

/* Issue 12: the Lambda budget, the retry queue's caps, and which invocations are profiled. */
static void test_fail_fast_settings(void **state)
{
	(void)state;
	agent_config c;
	load(&c, NULL, NULL);
	assert_int_equal(c.lambda_budget_ms, 250);
	assert_int_equal(c.queue_max_zips, 16);
	assert_int_equal(c.queue_max_mb, 32);
	assert_int_equal(c.upload_tries, 5);
	assert_true(c.upload_init);
	assert_int_equal(c.invocations.mode, AGENT_INVOKE_ALL);
	agent_config_free(&c);
	const char *const env[] = {"IOPIPE_PROFILER_LAMBDA_BUDGET", "1s", "IOPIPE_PROFILER_QUEUE_MAX", "0",
				   "IOPIPE_PROFILER_INVOCATIONS", "every:10", "IOPIPE_PROFILER_UPLOAD_INIT", "false",
				   NULL};
	load(&c, "queuemb=8,uploadtries=2", env);
	assert_int_equal(c.lambda_budget_ms, 1000);
	assert_int_equal(c.queue_max_zips, 0);
	assert_int_equal(c.queue_max_mb, 8);
	assert_int_equal(c.upload_tries, 2);
	assert_false(c.upload_init);
	assert_int_equal(c.invocations.mode, AGENT_INVOKE_EVERY);
	assert_int_equal(c.invocations.n, 10);
	agent_config_free(&c);
	load(&c, "invocations=FIRST:3,lambdabudget=5ms", NULL);
	assert_int_equal(c.invocations.mode, AGENT_INVOKE_FIRST);
	assert_int_equal(c.invocations.n, 3);
	assert_int_equal(c.lambda_budget_ms, 100); /* clamped to the minimum */
	agent_config_free(&c);
	load(&c, "invocations=cold", NULL);
	assert_int_equal(c.invocations.mode, AGENT_INVOKE_COLD);
	agent_config_free(&c);
	const char *const bad[] = {"every:0", "every:", "first:x", "first:3x", "some", "every:99999999999", "", NULL};
	for (size_t i = 0; bad[i]; i++) {
		char opt[64];
		snprintf(opt, sizeof opt, "invocations=first:2,invocations=%s", bad[i]);
		load(&c, opt, NULL);
		assert_int_equal(c.invocations.mode, AGENT_INVOKE_ALL); /* falls back to all */
		agent_config_free(&c);
	}
}

static void test_invocation_choice(void **state)
{
	(void)state;
	agent_invocations all = {AGENT_INVOKE_ALL, 0}, every3 = {AGENT_INVOKE_EVERY, 3},
			  first2 = {AGENT_INVOKE_FIRST, 2}, cold = {AGENT_INVOKE_COLD, 0};
	char got[16] = "";
	for (uint64_t n = 1; n <= 7; n++) {
		assert_true(agent_invocation_chosen(&all, n));
		assert_false(agent_invocation_chosen(&cold, n));
		got[n - 1] = (char)('0' + agent_invocation_chosen(&every3, n) + 2 * agent_invocation_chosen(&first2, n));
	}
	assert_string_equal(got, "3201001"); /* every:3 takes 1, 4, 7; first:2 takes 1, 2 */
}

/* IOPIPE_PROFILER_DEBUG: the loader (agent_config_debug, profiling off) and the agent
 * (agent_config_load) read every spelling the same way, options overriding it. */
static void test_debug_spellings_agree(void **state)
{
	(void)state;
	static const char *const on[] = {"true", "TRUE", "1", "yes", "Yes", "on", "ON"};
	static const char *const off[] = {"false", "0", "no", "off", "", "2", "enabled", "truee"};
	for (size_t i = 0; i < sizeof on / sizeof *on + sizeof off / sizeof *off; i++) {
		bool want = i < sizeof on / sizeof *on;
		const char *v = want ? on[i] : off[i - sizeof on / sizeof *on];
		const char *const env[] = {"IOPIPE_PROFILER_DEBUG", v, NULL};
		agent_config c;
		load(&c, NULL, env);
		assert_int_equal(c.debug, want);
		assert_int_equal(agent_config_debug(NULL, fake_getenv), want);
		agent_config_free(&c);
	}
	const char *const env_on[] = {"IOPIPE_PROFILER_DEBUG", "1", NULL};
	fake_env = env_on;
	assert_false(agent_config_debug("debug=off", fake_getenv)); /* the option wins */
	assert_false(agent_config_debug("debug=1,debug=no", fake_getenv)); /* the last one */
	assert_true(agent_config_debug("debug", fake_getenv)); /* no value: ignored */
	assert_true(agent_config_debug("samplerate=2ms", fake_getenv));
	fake_env = NULL;
	assert_true(agent_config_debug("enabled=true,debug=yes", fake_getenv));
	assert_false(agent_config_debug(NULL, fake_getenv));
	assert_false(agent_config_debug(NULL, NULL));
	agent_config c;
	load(&c, "debug", env_on);
	assert_true(c.debug);
	agent_config_free(&c);
}

/* The Lambda function's name and version are read once, here; set but empty still means
 * "on Lambda" (the agent's default paths), while the S3 key then uses the host name. */
static int name_reads;
static const char *counting_getenv(const char *name)
{
	if (strcmp(name, "AWS_LAMBDA_FUNCTION_NAME") == 0)
		name_reads++;
	return fake_getenv(name);
}

static void test_function_name_read_once(void **state)
{
	(void)state;
	const char *const env[] = {"AWS_LAMBDA_FUNCTION_NAME", "my-fn", "AWS_LAMBDA_FUNCTION_VERSION", "$LATEST",
				   NULL};
	fake_env = env;
	name_reads = 0;
	agent_config c;
	agent_config_load(&c, "enabled=true", counting_getenv);
	assert_int_equal(name_reads, 1);
	assert_string_equal(c.function_name, "my-fn");
	assert_string_equal(c.function_version, "$LATEST");
	agent_config_free(&c);
	assert_null(c.function_name);
	const char *const empty[] = {"AWS_LAMBDA_FUNCTION_NAME", "", NULL};
	load(&c, NULL, empty);
	assert_non_null(c.function_name);
	assert_string_equal(c.function_name, "");
	assert_null(c.function_version);
	agent_config_free(&c);
	load(&c, NULL, NULL);
	assert_null(c.function_name);
	agent_config_free(&c);
}

/* The test-only exit deadlines are read here too (not in agent.c): a plain number of ms or
 * nothing, without a warning either way. */
static void test_exit_test_values(void **state)
{
	(void)state;
	agent_config c;
	load(&c, NULL, NULL);
	assert_int_equal(c.test_exit_whole_ms, -1);
	assert_int_equal(c.test_exit_small_ms, -1);
	agent_config_free(&c);
	const char *const set[] = {"JVMSNAP_TEST_EXIT_WHOLE_MS", "0", "JVMSNAP_TEST_EXIT_SMALL_MS", "2700", NULL};
	load(&c, NULL, set);
	assert_int_equal(c.test_exit_whole_ms, 0);
	assert_int_equal(c.test_exit_small_ms, 2700);
	agent_config_free(&c);
	static const char *const bad[] = {"", "-1", "12x", " 5", "1e3", "99999999999999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *const env[] = {"JVMSNAP_TEST_EXIT_WHOLE_MS", bad[i], NULL};
		load(&c, NULL, env);
		assert_int_equal(c.test_exit_whole_ms, -1);
		agent_config_free(&c);
	}
}

/* One text setting for a tool (jvmsnap's s3:// inputs): the agent's rules, nothing else. */
static void test_one_string_setting(void **state)
{
	(void)state;
	const char *const env[] = {"IOPIPE_PROFILER_S3_ENDPOINT", "http://127.0.0.1:9000",
				   "IOPIPE_PROFILER_S3_REGION", "",
				   "IOPIPE_PROFILER_S3_BUCKET", "bad\x01name",
				   "IOPIPE_PROFILER_LOCAL_DUMP_PATH", "/tmp/p/",
				   "IOPIPE_PROFILER_SAMPLERATE", "2ms",
				   NULL};
	fake_env = env;
	char *v = agent_config_string("IOPIPE_PROFILER_S3_ENDPOINT", fake_getenv);
	assert_string_equal(v, "http://127.0.0.1:9000");
	free(v);
	v = agent_config_string("IOPIPE_PROFILER_LOCAL_DUMP_PATH", fake_getenv);
	assert_string_equal(v, "/tmp/p/");
	free(v);
	/* empty and non-printable are refused, as agent_config_load refuses them */
	assert_null(agent_config_string("IOPIPE_PROFILER_S3_REGION", fake_getenv));
	assert_null(agent_config_string("IOPIPE_PROFILER_S3_BUCKET", fake_getenv));
	assert_null(agent_config_string("IOPIPE_PROFILER_S3_PREFIX", fake_getenv)); /* unset */
	assert_null(agent_config_string("IOPIPE_PROFILER_SAMPLERATE", fake_getenv)); /* not text */
	assert_null(agent_config_string("NO_SUCH_SETTING", fake_getenv));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fail_fast_settings),
	    cmocka_unit_test(test_invocation_choice),
	    cmocka_unit_test(test_debug_spellings_agree),
	    cmocka_unit_test(test_function_name_read_once),
	    cmocka_unit_test(test_exit_test_values),
	    cmocka_unit_test(test_one_string_setting),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_enabled_rules),
	    cmocka_unit_test(test_env_values),
	    cmocka_unit_test(test_option_overrides_env),
	    cmocka_unit_test(test_duration_units),
	    cmocka_unit_test(test_bad_rates_fall_back),
	    cmocka_unit_test(test_huge_and_unknown_values),
	    cmocka_unit_test(test_prefix_sanitising),
	    cmocka_unit_test(test_stats_and_s3_settings),
	    cmocka_unit_test(test_sampler_and_overhead),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
