/* Derived totals shared by the writer and every reader of the model. */
#include "nps.h"

#include <stdlib.h>

#define NO_PARENT UINT32_MAX

static uint64_t clamp_us(uint64_t us) { return us > NPS_MAX_TIME_US ? NPS_MAX_TIME_US : us; }

const char *nps_strerror(int err)
{
	switch (err) {
	case NPS_OK:
		return "ok";
	case NPS_ERR_NOMEM:
		return "out of memory";
	case NPS_ERR_LIMIT:
		return "profile exceeds a limit of the .nps format";
	case NPS_ERR_INVALID:
		return "profile is inconsistent";
	case NPS_ERR_ZLIB:
		return "zlib failure";
	case NPS_ERR_FORMAT:
		return "not a valid .nps file";
	case NPS_ERR_DEADLINE:
		return "not finished by its deadline";
	default:
		return "unknown error";
	}
}

static int emit(nps_tree *t, uint32_t *cap, const snap_node *n, uint32_t parent, bool cpu)
{
	if (t->count == *cap) {
		if (*cap >= UINT32_MAX / 2)
			return NPS_ERR_LIMIT;
		uint32_t ncap = *cap ? *cap * 2 : 64;
		nps_tree_node *grown = realloc(t->nodes, (size_t)ncap * sizeof *grown);
		if (!grown)
			return NPS_ERR_NOMEM;
		t->nodes = grown;
		*cap = ncap;
	}
	nps_tree_node *e = &t->nodes[t->count];
	*e = (nps_tree_node){.node = n, .parent = parent, .subtree = 1};
	e->ncalls = n->ncalls ? n->ncalls : 1;
	/* The thread root carries no time of its own (§6.4). */
	if (parent != NO_PARENT || n->method != SNAP_ROOT_METHOD) {
		e->self_wall_us = clamp_us(snap_ns_to_us(n->self_wall_ns));
		e->self_cpu_us = cpu ? clamp_us(snap_ns_to_us(n->self_cpu_ns)) : 0;
	}
	e->total_wall_us = e->self_wall_us;
	e->total_cpu_us = e->self_cpu_us;
	if (parent != NO_PARENT) {
		e->depth = t->nodes[parent].depth + 1;
		t->nodes[parent].nchildren++;
	}
	t->count++;
	return 0;
}

/* Pre-order without a stack: when a node's children are exhausted, continue with its
 * sibling, climbing through the parent indices already recorded. */
static int flatten(const snap_node *root, bool cpu, nps_tree *t)
{
	uint32_t cap = 0;
	int rc = emit(t, &cap, root, NO_PARENT, cpu);
	const snap_node *cur = root->child;
	uint32_t par = 0;
	while (rc == 0) {
		if (cur) {
			rc = emit(t, &cap, cur, par, cpu);
			par = t->count - 1;
			cur = cur->child;
		} else if (par == 0) {
			break;
		} else {
			cur = t->nodes[par].node->sibling;
			par = t->nodes[par].parent;
		}
	}
	return rc;
}

int nps_tree_build(const snap_node *root, bool cpu, nps_tree *out)
{
	out->nodes = NULL;
	out->count = 0;
	int rc = flatten(root, cpu, out);
	if (rc) {
		nps_tree_free(out);
		return rc;
	}
	/* Children sit after their parent, so a reverse sweep sees every total complete
	 * before adding it upwards. */
	for (uint32_t i = out->count - 1; i > 0; i--) {
		const nps_tree_node *c = &out->nodes[i];
		nps_tree_node *p = &out->nodes[c->parent];
		p->total_wall_us = clamp_us(p->total_wall_us + c->total_wall_us);
		p->total_cpu_us = clamp_us(p->total_cpu_us + c->total_cpu_us);
		p->subtree += c->subtree;
	}
	return 0;
}

void nps_tree_free(nps_tree *t)
{
	free(t->nodes);
	t->nodes = NULL;
	t->count = 0;
}

uint64_t nps_node_total_us(const snap_node *n)
{
	nps_tree t;
	if (nps_tree_build(n, false, &t))
		return 0;
	uint64_t total = t.nodes[0].total_wall_us;
	nps_tree_free(&t);
	return total;
}
