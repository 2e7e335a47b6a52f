/* Cutting a profile's call trees to a node budget (trim.h). Iterative: trees are as
 * deep as the sampler's depth cap, and this may run on a thread with a small stack. */
#include "trim.h"

#include <stdlib.h>

/* Depth-first walk state: the path from a root down to the current node. */
typedef struct {
	snap_node **path;
	uint32_t depth, cap;
} walker;

static bool push(walker *w, snap_node *n)
{
	if (w->depth == w->cap) {
		uint32_t cap = w->cap ? w->cap * 2 : 256;
		snap_node **p = realloc(w->path, cap * sizeof *p);
		if (!p)
			return false;
		w->path = p;
		w->cap = cap;
	}
	w->path[w->depth++] = n;
	return true;
}

/* Calls visit(node, depth, ctx) on every node under `root` (root: depth 0), pre-order;
 * children are skipped where visit returns false. False when memory ran out. */
static bool walk(walker *w, snap_node *root, bool (*visit)(snap_node *, uint32_t, void *), void *ctx)
{
	w->depth = 0;
	if (!push(w, root))
		return false;
	snap_node *n = root;
	for (;;) {
		if (visit(n, w->depth - 1, ctx) && n->child) {
			if (!push(w, n->child))
				return false;
			n = n->child;
			continue;
		}
		/* Next sibling, climbing up while there is none. */
		while (w->depth > 1 && !n->sibling) {
			w->depth--;
			n = w->path[w->depth - 1];
		}
		if (w->depth <= 1)
			return true;
		n = n->sibling;
		w->path[w->depth - 1] = n;
	}
}

typedef struct {
	uint64_t *per_depth;
	uint32_t max;
} histogram;

static bool count(snap_node *n, uint32_t depth, void *ctx)
{
	(void)n;
	histogram *h = ctx;
	if (depth < h->max)
		h->per_depth[depth]++;
	return depth + 1 < h->max;
}

typedef struct {
	uint32_t cut;
	walker inner;
	bool failed;
	uint64_t kept;
} cutter;

static bool sum_self(snap_node *n, uint32_t depth, void *ctx)
{
	snap_node *top = ctx;
	if (depth > 0) {
		top->self_wall_ns += n->self_wall_ns;
		top->self_cpu_ns += n->self_cpu_ns;
	}
	return true;
}

/* At the cut depth a node takes its whole subtree's time as its own and loses its
 * children, so every total above it stays what it was. */
static bool cut(snap_node *n, uint32_t depth, void *ctx)
{
	cutter *c = ctx;
	c->kept++;
	if (depth < c->cut)
		return true;
	if (n->child && !walk(&c->inner, n, sum_self, n))
		c->failed = true;
	n->child = NULL;
	return false;
}

uint32_t snap_profile_trim(snap_profile *p, uint64_t max_nodes, uint64_t *kept)
{
	*kept = p->nnodes;
	if (p->nnodes <= max_nodes)
		return 0;
	/* Nodes per depth, all threads together; the deepest depth kept is the last whose
	 * running total stays within the budget (roots, at depth 0, are always kept). */
	histogram h = {calloc(SNAP_TRIM_MAX_DEPTH, sizeof(uint64_t)), SNAP_TRIM_MAX_DEPTH};
	walker w = {0};
	if (!h.per_depth)
		return 0;
	bool ok = true;
	for (uint32_t i = 0; i < p->nthreads && ok; i++)
		ok = !p->threads[i].root || walk(&w, p->threads[i].root, count, &h);
	uint32_t depth = 0;
	uint64_t total = h.per_depth[0];
	while (ok && depth + 1 < h.max && total + h.per_depth[depth + 1] <= max_nodes)
		total += h.per_depth[++depth];
	free(h.per_depth);
	cutter c = {.cut = depth < 1 ? 1 : depth};
	for (uint32_t i = 0; i < p->nthreads && ok && !c.failed; i++)
		ok = !p->threads[i].root || walk(&w, p->threads[i].root, cut, &c);
	free(w.path);
	free(c.inner.path);
	if (!ok || c.failed)
		return 0;
	p->nnodes = c.kept;
	*kept = c.kept;
	return c.cut;
}
