/* Building test profiles by hand (npsgen, cligen): a child node for a method, and time
 * charged to it. Exits on out of memory: these are test generators. */
#ifndef JVMSNAP_TEST_PROFILE_BUILD_H
#define JVMSNAP_TEST_PROFILE_BUILD_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../snapshot/profile.h"

static snap_node *at(snap_profile *p, snap_node *parent, const char *cls, const char *m, const char *sig)
{
	bool created;
	snap_node *n = snap_node_child(p, parent, snap_method_intern(p, cls, m, sig), &created);
	if (!n) {
		fprintf(stderr, "test profile: out of memory\n");
		exit(1);
	}
	return n;
}

static void charge(snap_node *n, uint32_t calls, uint64_t wall_ns, uint64_t cpu_ns)
{
	n->ncalls += calls;
	n->self_wall_ns += wall_ns;
	n->self_cpu_ns += cpu_ns;
}

#endif
