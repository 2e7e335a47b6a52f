/* bench/nps_write.sh: what writing a large call tree costs the agent at exit, and what
 * cutting it to the agent's write budget (jvmagent/output.c WRITE_MAX_NODES) costs.
 * Builds one thread's tree of random 14-deep paths over 8 methods (ManyPaths' shape) until
 * the arena holds MB megabytes, then times snap_profile_trim and nps_write. Prints one line
 * per step; judges nothing. usage: nps_write_bench MB [BUDGET_NODES] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/buf.h"
#include "snapshot/profile.h"
#include "snapshot/trim.h"
#include "visualvm-format/nps.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static snap_profile *grow(size_t mb)
{
	snap_limits l = {mb << 20, 0};
	snap_profile *p = snap_profile_new(&l);
	p->has_cpu = true;
	uint32_t m[8];
	const char *names[] = {"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"};
	for (int i = 0; i < 8; i++)
		m[i] = snap_method_intern(p, "ManyPaths", names[i], "(I)J");
	snap_node *root = snap_thread_add(p, "paths-0")->root;
	srand(1);
	while (!p->full) {
		snap_node *n = root;
		for (int d = 0; d < 14 && n; d++) {
			bool created;
			if ((n = snap_node_child(p, n, m[rand() % 8], &created))) {
				n->ncalls++;
				n->self_wall_ns += 1000;
				n->self_cpu_ns += 500;
			}
		}
	}
	return p;
}

static void write_once(snap_profile *p, int level, const char *what)
{
	buf b;
	buf_init(&b);
	nps_write_options o = {.comment = "bench", .zlib_level = level};
	double t0 = now_s();
	int rc = nps_write(p, &o, &b);
	printf("%-28s %9llu nodes  nps_write %7.3f s  zlib level %d  .nps %8zu bytes%s\n", what,
	       (unsigned long long)p->nnodes, now_s() - t0, level ? level : 6, b.len, rc ? "  FAILED" : "");
	buf_free(&b);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	size_t mb = (size_t)atoi(argv[1]);
	uint64_t budget = argc > 2 ? (uint64_t)atoll(argv[2]) : 200000;
	snap_profile *p = grow(mb);
	printf("tree of %zu MB (arena), %llu nodes\n", mb, (unsigned long long)p->nnodes);
	write_once(p, 1, "whole tree");
	uint64_t kept;
	double t0 = now_s();
	uint32_t depth = snap_profile_trim(p, budget, &kept);
	printf("%-28s %9llu nodes  trim      %7.3f s  (cut at depth %u)\n", "trim to the budget", (unsigned long long)kept,
	       now_s() - t0, depth);
	write_once(p, 1, "cut tree");
	write_once(p, 0, "cut tree");
	snap_profile_free(p);
	return 0;
}
