/* lambda_is_function_runtime: the function's runtime JVM is profiled; an external
 * extension's JVM that inherited JAVA_TOOL_OPTIONS (it lacks _HANDLER and LAMBDA_TASK_ROOT)
 * and any JVM off Lambda stay inert. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../jvmagent/lambda.h"

#include "fake_env.h"

static bool detect(const char *const *env)
{
	fake_env = env;
	return lambda_is_function_runtime(fake_getenv);
}

static void test_runtime_with_handler(void **state)
{
	(void)state;
	const char *const env[] = {
	        "AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001", "_HANDLER", "example.Handler::handleRequest",
	        "LAMBDA_TASK_ROOT",       "/var/task",      NULL};
	assert_true(detect(env));
}

static void test_runtime_with_either_marker(void **state)
{
	(void)state;
	const char *const handler_only[] = {"AWS_LAMBDA_RUNTIME_API", "169.254.100.1:9001", "_HANDLER", "h",
	                                    NULL};
	const char *const task_root_only[] = {"AWS_LAMBDA_RUNTIME_API", "169.254.100.1:9001",
	                                      "LAMBDA_TASK_ROOT", "/var/task", NULL};
	assert_true(detect(handler_only));
	assert_true(detect(task_root_only));
}

static void test_extension_process_is_inert(void **state)
{
	(void)state;
	/* What an external extension sees: the Runtime API address and the function's own
	 * variables, but neither _HANDLER nor LAMBDA_TASK_ROOT. */
	const char *const env[] = {"AWS_LAMBDA_RUNTIME_API",
	                           "127.0.0.1:9001",
	                           "AWS_LAMBDA_FUNCTION_NAME",
	                           "orders",
	                           "JAVA_TOOL_OPTIONS",
	                           "-agentpath:/opt/lib/libjvmsnap.so",
	                           "IOPIPE_PROFILER_ENABLED",
	                           "true",
	                           NULL};
	assert_false(detect(env));
}

static void test_off_lambda(void **state)
{
	(void)state;
	const char *const none[] = {NULL};
	const char *const handler_no_api[] = {"_HANDLER", "h", "LAMBDA_TASK_ROOT", "/var/task", NULL};
	assert_false(detect(none));
	assert_false(detect(handler_no_api));
}

static void test_empty_values_count_as_unset(void **state)
{
	(void)state;
	const char *const empty_api[] = {"AWS_LAMBDA_RUNTIME_API", "", "_HANDLER", "h", NULL};
	const char *const empty_markers[] = {
	        "AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001", "_HANDLER", "", "LAMBDA_TASK_ROOT", "", NULL};
	assert_false(detect(empty_api));
	assert_false(detect(empty_markers));
}

static void test_null_getenv(void **state)
{
	(void)state;
	assert_false(lambda_is_function_runtime(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_runtime_with_handler),
	        cmocka_unit_test(test_runtime_with_either_marker),
	        cmocka_unit_test(test_extension_process_is_inert),
	        cmocka_unit_test(test_off_lambda),
	        cmocka_unit_test(test_empty_values_count_as_unset),
	        cmocka_unit_test(test_null_getenv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
