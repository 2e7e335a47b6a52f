/* A fake process environment for unit tests of code that takes a getenv-like function:
 * point fake_env at NULL-terminated name/value pairs, pass fake_getenv. */
#ifndef JVMSNAP_TEST_FAKE_ENV_H
#define JVMSNAP_TEST_FAKE_ENV_H

#include <string.h>

static const char *const *fake_env;

static const char *fake_getenv(const char *name)
{
	for (const char *const *p = fake_env; p && p[0]; p += 2)
		if (strcmp(p[0], name) == 0)
			return p[1];
	return NULL;
}

#endif
