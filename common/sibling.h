/* Loading a library installed beside this one: the loader, the agent and its network half
 * ship side by side in one directory, wherever the user put it. */
#ifndef JVMSNAP_SIBLING_H
#define JVMSNAP_SIBLING_H

#include <stddef.h>

/* dlopen(RTLD_NOW | RTLD_LOCAL) of `name` in the directory of the library holding the
 * address `self`. NULL on failure, with the reason (path tried, dlerror) in `why`. */
void *sibling_open(const void *self, const char *name, char *why, size_t n);

#endif
