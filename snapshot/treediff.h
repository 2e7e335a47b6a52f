/* One thread's call tree over a span of a window: aggregation is additive, so the tree a
 * thread built between two moments is its tree at the second minus a copy of it taken at
 * the first. Used for a Lambda invocation handled on one thread while other threads share
 * the window (jvmagent/perinv.h).
 *
 * The copy is bounded: past `max_nodes` (breadth first, so the cut is at the deepest
 * levels) a node is kept with its whole subtree's totals, and the difference charges the
 * growth of such a subtree to that node as self time (every total stays exact, the paths
 * below it are not shown). Not thread-safe: the profile's owner (the agent thread) calls
 * both ends. */
#ifndef JVMSNAP_SNAP_TREEDIFF_H
#define JVMSNAP_SNAP_TREEDIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "profile.h"

typedef struct snap_tree_copy snap_tree_copy;

/* A copy of the tree under `root` (a thread's root in some profile); NULL when out of
 * memory. `root` NULL: an empty copy (the thread had no tree yet). */
snap_tree_copy *snap_tree_copy_take(const snap_node *root, uint32_t max_nodes);
void snap_tree_copy_free(snap_tree_copy *c);

/* Nodes the copy holds, and whether it was cut at max_nodes. */
uint32_t snap_tree_copy_nodes(const snap_tree_copy *c);
bool snap_tree_copy_cut(const snap_tree_copy *c);

/* Adds to `dst` a thread named `name` whose tree is `src_root`'s (a tree of `src`, the
 * profile the copy was taken from, grown since) minus `before`; paths that did not grow
 * are left out. Methods are interned into `dst` by name. Returns the new thread's index
 * in dst->threads, or -1 when out of memory (dst may hold part of the tree). */
int32_t snap_tree_diff(const snap_profile *src, const snap_node *src_root, const snap_tree_copy *before,
		       snap_profile *dst, const char *name);

#endif
