/* The in-memory CPU profile of one snapshot window: a method table and one call tree
 * per thread. Every output format (the .nps writer, the CLI's views) reads this model,
 * and the .nps reader produces it.
 *
 * Nodes store only self times and hit counts: the sampler then touches one node per
 * unchanged stack, and totals are derived when the profile is written (total = self +
 * sum of the children's totals), so they can never disagree. */
#ifndef JVMSNAP_SNAP_PROFILE_H
#define JVMSNAP_SNAP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/arena.h"

/* Method id 0 is the per-thread pseudo-method ("Thread", "", ""), the root of every tree. */
#define SNAP_ROOT_METHOD 0u
/* .nps method ids are 16-bit. */
#define SNAP_MAX_METHODS 65536u

typedef struct snap_node {
	uint32_t method; /* id into the profile's method table */
	uint32_t ncalls; /* hits: new invocations seen between consecutive samples */
	uint64_t self_wall_ns;
	uint64_t self_cpu_ns;
	struct snap_node *child;   /* first child; siblings have distinct methods */
	struct snap_node *sibling; /* next sibling */
} snap_node;

typedef struct {
	const char *class_name;  /* Java form, UTF-8: "java.util.HashMap", "a.B$C" */
	const char *method_name; /* UTF-8; native methods end in "[native]" */
	const char *signature;   /* JVM descriptor "(I)V", or "" */
} snap_method;

typedef struct {
	int32_t id;       /* unique, >= 0; snap_thread_add numbers them 0, 1, ...; a reader may
			     set the ids a file carries, keeping them unique */
	const char *name; /* UTF-8 */
	snap_node *root;  /* method SNAP_ROOT_METHOD; its self times stay 0 (the writer drops them) */
} snap_thread;

typedef struct {
	size_t max_bytes;     /* arena limit for nodes, names and tables (0 = unlimited) */
	uint32_t max_threads; /* thread records; later threads share one overflow record */
} snap_limits;

typedef struct snap_profile {
	arena mem;
	int64_t begin_ms; /* epoch ms, start of the window */
	int64_t end_ms;   /* epoch ms, when the window was closed */
	bool has_cpu;     /* self_cpu_ns is measured (the .nps gets two timestamps) */
	uint32_t interval_us;
	uint32_t achieved_interval_us; /* the interval achieved, for VisualVM's "Sampling Period";
					* 0: not known (the requested one is shown) */

	snap_method *methods; /* methods[0] is the thread pseudo-method */
	uint32_t nmethods;
	uint32_t methods_cap;
	uint32_t *method_hash; /* open addressing over methods, 0 = empty slot */
	uint32_t method_hash_cap;

	snap_thread *threads;
	uint32_t nthreads;
	uint32_t threads_cap;

	snap_limits limits;
	uint64_t max_nodes; /* tree nodes, all threads together, 0 = unlimited; past it: full */
	uint64_t nnodes;
	bool full; /* an allocation hit the limit: some samples went to overflow nodes */
} snap_profile;

/* A new empty profile (method 0 present, no threads); NULL when out of memory.
 * Free it with snap_profile_free. */
snap_profile *snap_profile_new(const snap_limits *limits);
void snap_profile_free(snap_profile *p);

/* Id of the method with these names, added when new (strings are copied). Returns
 * SNAP_ROOT_METHOD when the table is full or memory ran out; callers treat that id as
 * "unknown" (the profile's `full` flag is set). */
uint32_t snap_method_intern(snap_profile *p, const char *class_name, const char *method_name,
			    const char *signature);

/* A new thread record with the next free id and a root node; NULL when the thread
 * limit or memory is exhausted. `name` is copied. The returned pointer is valid only
 * until the next snap_thread_add (the array grows); keep the id or the root instead. */
snap_thread *snap_thread_add(snap_profile *p, const char *name);

/* The child of `parent` for `method`, created (with zero counts) when absent; NULL when
 * memory ran out. `*created` tells whether it is new. Found children move to the front
 * of the sibling list, so the hot path stays short: sibling order is most recently used,
 * not stable (VisualVM sorts children itself). */
snap_node *snap_node_child(snap_profile *p, snap_node *parent, uint32_t method, bool *created);

/* Converts nanoseconds to the microseconds the .nps stores. */
static inline uint64_t snap_ns_to_us(uint64_t ns) { return ns / 1000u; }

#endif
