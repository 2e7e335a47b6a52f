#include "sibling.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

void *sibling_open(const void *self, const char *name, char *why, size_t n)
{
	Dl_info info;
	char path[4096];
	if (!dladdr(self, &info) || !info.dli_fname) {
		snprintf(why, n, "cannot tell which directory this library was loaded from");
		return NULL;
	}
	const char *slash = strrchr(info.dli_fname, '/');
	int dir_len = slash ? (int)(slash - info.dli_fname) : 1;
	const char *dir = slash ? info.dli_fname : ".";
	snprintf(path, sizeof path, "%.*s/%s", dir_len, dir, name);
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		snprintf(why, n, "cannot load %s: %s", path, dlerror());
	return h;
}
