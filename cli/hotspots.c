/* VisualVM's Hot Spots: per method, self time summed over all its nodes, total time over
 * its outermost occurrences only (a recursive method is not counted twice), hits. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
	cli_hotspot h;
	uint32_t on_path; /* occurrences on the current root path while walking */
} acc;

static int add_thread(const snap_node *root, bool cpu, acc *a, uint32_t *path)
{
	nps_tree t;
	int rc = nps_tree_build(root, cpu, &t);
	if (rc)
		return rc;
	uint32_t depth = 0; /* method ids of the ancestors of the next node */
	for (uint32_t i = 1; i < t.count; i++) {
		const nps_tree_node *n = &t.nodes[i];
		while (depth >= n->depth)
			a[path[--depth]].on_path--;
		acc *e = &a[n->node->method];
		e->h.self_us += cpu ? n->self_cpu_us : n->self_wall_us;
		e->h.hits += n->ncalls;
		if (!e->on_path)
			e->h.total_us += cpu ? n->total_cpu_us : n->total_wall_us;
		e->on_path++;
		path[depth++] = n->node->method;
	}
	while (depth)
		a[path[--depth]].on_path--;
	nps_tree_free(&t);
	return 0;
}

static int by_self(const void *x, const void *y)
{
	const cli_hotspot *a = x, *b = y;
	if (a->self_us != b->self_us)
		return a->self_us < b->self_us ? 1 : -1;
	if (a->total_us != b->total_us)
		return a->total_us < b->total_us ? 1 : -1;
	return (a->method > b->method) - (a->method < b->method);
}

static int by_total(const void *x, const void *y)
{
	const cli_hotspot *a = x, *b = y;
	if (a->total_us != b->total_us)
		return a->total_us < b->total_us ? 1 : -1;
	return by_self(x, y);
}

static bool any_thread(const snap_profile *p, const cli_thread_filter *only)
{
	for (uint32_t t = 0; t < p->nthreads; t++)
		if (cli_thread_match(only, p->threads[t].name))
			return true;
	return false;
}

int cli_open_profile(const char *path, const cli_thread_filter *only, cli_input *in)
{
	int rc = cli_input_open(path, CLI_WANT_PROFILE, in);
	if (!rc && only && only->text && !any_thread(in->profile, only)) {
		buf a, b;
		buf_init(&a);
		buf_init(&b);
		fprintf(stderr, "jvmsnap: error: %s: no thread name matches '%s'\n",
		        cli_term(&a, in->path, strlen(in->path)), cli_term(&b, only->text, strlen(only->text)));
		buf_free(&a);
		buf_free(&b);
		rc = CLI_EXIT_INPUT;
	}
	if (rc)
		cli_input_close(in);
	return rc;
}

cli_hotspot *cli_hotspots(const snap_profile *p, const cli_thread_filter *only, bool cpu, bool total_order,
                          size_t *count, uint64_t *sum_self_us)
{
	*count = 0;
	*sum_self_us = 0;
	acc *a = calloc(p->nmethods ? p->nmethods : 1, sizeof *a);
	uint32_t *path = calloc((size_t)p->nnodes + 2, sizeof *path);
	cli_hotspot *out = calloc(p->nmethods ? p->nmethods : 1, sizeof *out);
	int rc = a && path && out ? 0 : -1;
	for (uint32_t t = 0; !rc && t < p->nthreads; t++)
		if (cli_thread_match(only, p->threads[t].name))
			rc = add_thread(p->threads[t].root, cpu, a, path);
	size_t n = 0;
	for (uint32_t m = 1; !rc && m < p->nmethods; m++) {
		if (!a[m].h.hits)
			continue; /* in the table but never sampled here */
		out[n] = a[m].h;
		out[n++].method = m;
		*sum_self_us += a[m].h.self_us;
	}
	free(a);
	free(path);
	if (rc) {
		free(out);
		return NULL;
	}
	qsort(out, n, sizeof *out, total_order ? by_total : by_self);
	*count = n;
	return out;
}
