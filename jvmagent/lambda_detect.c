/* Is this JVM the Lambda function's runtime? (see lambda.h) */
#include "lambda.h"

static bool is_set(const char *(*getenv_fn)(const char *), const char *name)
{
	const char *v = getenv_fn(name);
	return v && v[0] != '\0';
}

bool lambda_is_function_runtime(const char *(*getenv_fn)(const char *))
{
	if (!getenv_fn || !is_set(getenv_fn, "AWS_LAMBDA_RUNTIME_API"))
		return false;
	/* Lambda passes the function's environment to external extensions except, among
	 * others, _HANDLER and LAMBDA_TASK_ROOT: only the runtime process sees them. */
	return is_set(getenv_fn, "_HANDLER") || is_set(getenv_fn, "LAMBDA_TASK_ROOT");
}
