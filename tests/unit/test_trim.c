/* snap_profile_trim: a profile cut to a node budget keeps every total. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "../../snapshot/trim.h"
#include "../../visualvm-format/nps.h"

/* Random paths of `depth` frames over 8 methods, 1 ms each, in `nthreads` threads. */
static snap_profile *random_profile(uint32_t nthreads, uint32_t paths, uint32_t depth)
{
	snap_profile *p = snap_profile_new(NULL);
	uint32_t m[8];
	const char *names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
	for (int i = 0; i < 8; i++)
		m[i] = snap_method_intern(p, "T", names[i], "()V");
	srand(7);
	for (uint32_t t = 0; t < nthreads; t++) {
		snap_thread *th = snap_thread_add(p, "t");
		snap_node *root = th->root;
		for (uint32_t k = 0; k < paths; k++) {
			snap_node *n = root;
			uint32_t d = 1 + (uint32_t)rand() % depth;
			for (uint32_t j = 0; j < d; j++) {
				bool created;
				n = snap_node_child(p, n, m[rand() % 8], &created);
				n->ncalls++;
			}
			n->self_wall_ns += 1000000;
			n->self_cpu_ns += 500000;
		}
	}
	return p;
}

static uint32_t max_depth(const snap_node *root)
{
	nps_tree t;
	assert_int_equal(nps_tree_build(root, true, &t), 0);
	uint32_t d = 0;
	for (uint32_t i = 0; i < t.count; i++)
		d = t.nodes[i].depth > d ? t.nodes[i].depth : d;
	nps_tree_free(&t);
	return d;
}

static void test_trim_keeps_totals(void **state)
{
	(void)state;
	snap_profile *p = random_profile(3, 4000, 12);
	uint64_t before = p->nnodes, totals[3];
	for (int i = 0; i < 3; i++)
		totals[i] = nps_node_total_us(p->threads[i].root);
	uint64_t kept = 0;
	uint32_t depth = snap_profile_trim(p, before / 4, &kept);
	assert_true(depth >= 1 && depth < 12);
	assert_true(kept <= before / 4);
	assert_int_equal(p->nnodes, kept);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(nps_node_total_us(p->threads[i].root), totals[i]);
		assert_true(max_depth(p->threads[i].root) <= depth);
	}
	/* Counted again, the trees hold exactly what was said. */
	uint64_t nodes = 0;
	for (int i = 0; i < 3; i++) {
		nps_tree t;
		assert_int_equal(nps_tree_build(p->threads[i].root, true, &t), 0);
		nodes += t.count;
		nps_tree_free(&t);
	}
	assert_int_equal(nodes, kept);
	snap_profile_free(p);
}

static void test_trim_within_budget_is_a_no_op(void **state)
{
	(void)state;
	snap_profile *p = random_profile(2, 100, 6);
	uint64_t before = p->nnodes, kept = 0;
	assert_int_equal(snap_profile_trim(p, before, &kept), 0);
	assert_int_equal(kept, before);
	assert_int_equal(p->nnodes, before);
	snap_profile_free(p);
}

static void test_trim_to_almost_nothing_keeps_depth_one(void **state)
{
	(void)state;
	snap_profile *p = random_profile(2, 500, 10);
	uint64_t total = nps_node_total_us(p->threads[0].root), kept = 0;
	assert_int_equal(snap_profile_trim(p, 1, &kept), 1);
	assert_int_equal(max_depth(p->threads[0].root), 1);
	assert_int_equal(nps_node_total_us(p->threads[0].root), total);
	assert_true(kept <= 2 + 2 * 8);
	snap_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trim_keeps_totals),
	    cmocka_unit_test(test_trim_within_budget_is_a_no_op),
	    cmocka_unit_test(test_trim_to_almost_nothing_keeps_depth_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
