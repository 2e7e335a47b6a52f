#include "profile.h"

#include <stdlib.h>
#include <string.h>

static uint32_t hash_str(uint32_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return (h ^ 0xff) * 16777619u; /* separator, so ("ab","c") != ("a","bc") */
}

static uint32_t method_hash(const char *c, const char *m, const char *s)
{
	return hash_str(hash_str(hash_str(2166136261u, c), m), s);
}

static bool same_method(const snap_method *a, const char *c, const char *m, const char *s)
{
	return strcmp(a->class_name, c) == 0 && strcmp(a->method_name, m) == 0 &&
	       strcmp(a->signature, s) == 0;
}

/* Slots are 1-based method ids, so a zeroed table is empty. Method 0 is never hashed:
 * the thread pseudo-method must stay unique even if a class is called "Thread". */
static void hash_insert(uint32_t *table, uint32_t cap, uint32_t h, uint32_t id)
{
	uint32_t i = h & (cap - 1);
	while (table[i])
		i = (i + 1) & (cap - 1);
	table[i] = id + 1;
}

/* Both tables grow together, or neither does: a table larger than its hash index could
 * fill the index completely, and a probe for a new name would never end. */
static bool grow_methods(snap_profile *p)
{
	uint32_t cap = p->methods_cap ? p->methods_cap * 2 : 256;
	uint32_t hcap = cap * 2;
	uint32_t *h = calloc(hcap, sizeof *h);
	if (!h)
		return false;
	snap_method *m = realloc(p->methods, cap * sizeof *m);
	if (!m) {
		free(h);
		return false;
	}
	p->methods = m;
	p->methods_cap = cap;
	for (uint32_t id = 1; id < p->nmethods; id++) {
		const snap_method *e = &m[id];
		hash_insert(h, hcap, method_hash(e->class_name, e->method_name, e->signature), id);
	}
	free(p->method_hash);
	p->method_hash = h;
	p->method_hash_cap = hcap;
	return true;
}

uint32_t snap_method_intern(snap_profile *p, const char *class_name, const char *method_name,
			    const char *signature)
{
	uint32_t h = method_hash(class_name, method_name, signature);
	if (p->method_hash_cap) {
		for (uint32_t i = h & (p->method_hash_cap - 1); p->method_hash[i];
		     i = (i + 1) & (p->method_hash_cap - 1)) {
			uint32_t id = p->method_hash[i] - 1;
			if (same_method(&p->methods[id], class_name, method_name, signature))
				return id;
		}
	}
	if (p->nmethods >= SNAP_MAX_METHODS || (p->nmethods == p->methods_cap && !grow_methods(p))) {
		p->full = true;
		return SNAP_ROOT_METHOD;
	}
	snap_method e = {arena_strdup(&p->mem, class_name), arena_strdup(&p->mem, method_name),
			 arena_strdup(&p->mem, signature)};
	if (!e.class_name || !e.method_name || !e.signature) {
		p->full = true;
		return SNAP_ROOT_METHOD;
	}
	uint32_t id = p->nmethods++;
	p->methods[id] = e;
	hash_insert(p->method_hash, p->method_hash_cap, h, id);
	return id;
}

snap_profile *snap_profile_new(const snap_limits *limits)
{
	snap_profile *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	if (limits)
		p->limits = *limits;
	arena_init(&p->mem, p->limits.max_bytes);
	if (!grow_methods(p)) {
		snap_profile_free(p);
		return NULL;
	}
	p->methods[0] = (snap_method){"Thread", "", ""};
	p->nmethods = 1;
	return p;
}

void snap_profile_free(snap_profile *p)
{
	if (!p)
		return;
	arena_free(&p->mem);
	free(p->methods);
	free(p->method_hash);
	free(p->threads);
	free(p);
}

snap_thread *snap_thread_add(snap_profile *p, const char *name)
{
	if (p->limits.max_threads && p->nthreads >= p->limits.max_threads)
		return NULL;
	if (p->nthreads == p->threads_cap) {
		uint32_t cap = p->threads_cap ? p->threads_cap * 2 : 64;
		snap_thread *t = realloc(p->threads, cap * sizeof *t);
		if (!t)
			return NULL;
		p->threads = t;
		p->threads_cap = cap;
	}
	snap_node *root = arena_alloc(&p->mem, sizeof *root);
	const char *copy = arena_strdup(&p->mem, name);
	if (!root || !copy) {
		p->full = true;
		return NULL;
	}
	root->method = SNAP_ROOT_METHOD;
	root->ncalls = 1;
	p->nnodes++;
	snap_thread *t = &p->threads[p->nthreads];
	t->id = (int32_t)p->nthreads;
	t->name = copy;
	t->root = root;
	p->nthreads++;
	return t;
}

snap_node *snap_node_child(snap_profile *p, snap_node *parent, uint32_t method, bool *created)
{
	snap_node *prev = NULL;
	for (snap_node *n = parent->child; n; prev = n, n = n->sibling) {
		if (n->method != method)
			continue;
		if (prev) {
			prev->sibling = n->sibling;
			n->sibling = parent->child;
			parent->child = n;
		}
		*created = false;
		return n;
	}
	snap_node *n = p->max_nodes && p->nnodes >= p->max_nodes ? NULL : arena_alloc(&p->mem, sizeof *n);
	if (!n) {
		p->full = true;
		return NULL;
	}
	n->method = method;
	n->sibling = parent->child;
	parent->child = n;
	p->nnodes++;
	*created = true;
	return n;
}
