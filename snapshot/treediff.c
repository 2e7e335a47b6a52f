/* A thread's tree over a span: the tree at its end minus a copy taken at its start (treediff.h). */
#include "treediff.h"

#include <stdlib.h>
#include <string.h>

/* One copied node; its children are nodes[first .. first + n), sorted by method. */
typedef struct {
	uint32_t method, ncalls;
	uint64_t wall_ns, cpu_ns; /* self times, or the subtree's totals when `cut` */
	uint32_t first, n;
	bool cut;
} copy_node;

struct snap_tree_copy {
	copy_node *nodes;
	uint32_t count;
	bool cut;
};

static void subtree_totals(const snap_node *n, uint64_t *wall, uint64_t *cpu)
{
	*wall += n->self_wall_ns;
	*cpu += n->self_cpu_ns;
	for (const snap_node *c = n->child; c; c = c->sibling)
		subtree_totals(c, wall, cpu);
}

static int by_method(const void *x, const void *y)
{
	uint32_t a = ((const copy_node *)x)->method, b = ((const copy_node *)y)->method;
	return a < b ? -1 : a > b;
}

static uint32_t count_children(const snap_node *n)
{
	uint32_t k = 0;
	for (const snap_node *c = n->child; c; c = c->sibling)
		k++;
	return k;
}

/* Breadth first: nodes[i] copies src[i]; a node whose children do not fit is cut. The
 * children are sorted after they are placed, so src[] follows the same order. */
static bool copy_tree(snap_tree_copy *c, const snap_node **src, uint32_t max_nodes)
{
	for (uint32_t i = 0; i < c->count; i++) {
		copy_node *d = &c->nodes[i];
		const snap_node *s = src[i];
		uint32_t k = count_children(s);
		if (k && c->count + k > max_nodes) {
			d->cut = c->cut = true;
			d->wall_ns = d->cpu_ns = 0;
			subtree_totals(s, &d->wall_ns, &d->cpu_ns);
			continue;
		}
		d->first = c->count;
		d->n = k;
		for (const snap_node *ch = s->child; ch; ch = ch->sibling) {
			src[c->count] = ch;
			c->nodes[c->count++] = (copy_node){ch->method, ch->ncalls, ch->self_wall_ns, ch->self_cpu_ns,
							    0, 0, false};
		}
		/* Sort the children and their sources together: sort pairs by index. */
		copy_node *kids = &c->nodes[d->first];
		for (uint32_t j = 0; j < k; j++)
			kids[j].first = j; /* the source's position, until sorted */
		qsort(kids, k, sizeof *kids, by_method);
		const snap_node **tmp = malloc((size_t)k * sizeof *tmp);
		if (k && !tmp)
			return false;
		for (uint32_t j = 0; j < k; j++)
			tmp[j] = src[d->first + kids[j].first];
		memcpy(&src[d->first], tmp, (size_t)k * sizeof *tmp);
		free(tmp);
		for (uint32_t j = 0; j < k; j++)
			kids[j].first = 0;
	}
	return true;
}

static uint64_t tree_size(const snap_node *n, uint64_t stop)
{
	uint64_t k = 1;
	for (const snap_node *c = n->child; c && k < stop; c = c->sibling)
		k += tree_size(c, stop - k);
	return k;
}

snap_tree_copy *snap_tree_copy_take(const snap_node *root, uint32_t max_nodes)
{
	snap_tree_copy *c = calloc(1, sizeof *c);
	if (!c || !root)
		return c;
	max_nodes = max_nodes ? max_nodes : 1;
	uint64_t size = tree_size(root, (uint64_t)max_nodes + 1);
	uint32_t cap = size < max_nodes ? (uint32_t)size : max_nodes;
	c->nodes = calloc(cap, sizeof *c->nodes);
	const snap_node **src = calloc(cap, sizeof *src);
	if (c->nodes && src) {
		src[0] = root;
		c->nodes[0] = (copy_node){root->method, root->ncalls, root->self_wall_ns, root->self_cpu_ns, 0, 0, false};
		c->count = 1;
		if (copy_tree(c, src, cap)) {
			free(src);
			return c;
		}
	}
	free(src);
	snap_tree_copy_free(c);
	return NULL;
}

void snap_tree_copy_free(snap_tree_copy *c)
{
	if (!c)
		return;
	free(c->nodes);
	free(c);
}

uint32_t snap_tree_copy_nodes(const snap_tree_copy *c) { return c ? c->count : 0; }

bool snap_tree_copy_cut(const snap_tree_copy *c) { return c && c->cut; }

typedef struct {
	const snap_profile *src;
	const snap_tree_copy *before;
	snap_profile *dst;
	uint32_t *ids; /* src method id -> dst id + 1; 0 = not interned yet */
	bool failed;
} diff_ctx;

static uint32_t dst_method(diff_ctx *x, uint32_t id)
{
	if (id >= x->src->nmethods)
		return SNAP_ROOT_METHOD;
	if (!x->ids[id]) {
		const snap_method *m = &x->src->methods[id];
		x->ids[id] = snap_method_intern(x->dst, m->class_name, m->method_name, m->signature) + 1;
	}
	return x->ids[id] - 1;
}

static const copy_node *find_child(const snap_tree_copy *c, const copy_node *parent, uint32_t method)
{
	if (!parent || parent->cut || !parent->n)
		return NULL;
	copy_node key = {.method = method};
	return bsearch(&key, &c->nodes[parent->first], parent->n, sizeof key, by_method);
}

static uint64_t minus(uint64_t now, uint64_t then) { return now > then ? now - then : 0; }

/* Fills `d` (a new node of dst) with `s` minus `c` (NULL: nothing then); true when
 * anything grew in this subtree. */
static bool diff_node(diff_ctx *x, const snap_node *s, const copy_node *c, snap_node *d)
{
	d->ncalls = minus(s->ncalls, c ? c->ncalls : 0);
	if (c && c->cut) { /* the copy kept only this subtree's totals: its growth is self time */
		uint64_t wall = 0, cpu = 0;
		subtree_totals(s, &wall, &cpu);
		d->self_wall_ns = minus(wall, c->wall_ns);
		d->self_cpu_ns = minus(cpu, c->cpu_ns);
		return d->ncalls || d->self_wall_ns || d->self_cpu_ns;
	}
	d->self_wall_ns = minus(s->self_wall_ns, c ? c->wall_ns : 0);
	d->self_cpu_ns = minus(s->self_cpu_ns, c ? c->cpu_ns : 0);
	bool grew = d->ncalls || d->self_wall_ns || d->self_cpu_ns;
	for (const snap_node *sc = s->child; sc && !x->failed; sc = sc->sibling) {
		bool created;
		snap_node *dc = snap_node_child(x->dst, d, dst_method(x, sc->method), &created);
		if (!dc || !created) { /* out of memory, or two methods that became one */
			x->failed = !dc;
			continue;
		}
		if (diff_node(x, sc, find_child(x->before, c, sc->method), dc)) {
			grew = true;
		} else { /* nothing new below: unlinked (new children are first; its memory stays) */
			d->child = dc->sibling;
			x->dst->nnodes--;
		}
	}
	return grew;
}

int32_t snap_tree_diff(const snap_profile *src, const snap_node *src_root, const snap_tree_copy *before,
		       snap_profile *dst, const char *name)
{
	diff_ctx x = {src, before, dst, calloc(src->nmethods ? src->nmethods : 1, sizeof *x.ids), false};
	snap_thread *t = x.ids ? snap_thread_add(dst, name) : NULL;
	if (!t) {
		free(x.ids);
		return -1;
	}
	int32_t index = (int32_t)(dst->nthreads - 1);
	snap_node *root = t->root;
	if (src_root)
		diff_node(&x, src_root, before && before->count ? &before->nodes[0] : NULL, root);
	root->self_wall_ns = root->self_cpu_ns = 0; /* a root's self times stay 0 (profile.h) */
	free(x.ids);
	return x.failed ? -1 : index;
}
