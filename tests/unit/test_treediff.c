/* snap_tree_copy / snap_tree_diff: a thread's tree over a span is its tree at the end minus
 * a copy taken at the start; paths that did not grow are left out; a copy cut at its node
 * cap keeps every total. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../snapshot/treediff.h"

static uint32_t m[8];

/* Charges `ms` of wall (and half of CPU) to the path of methods `path` (indexes into m). */
static void charge(snap_profile *p, snap_node *root, const char *path, uint64_t ms)
{
	snap_node *n = root;
	for (const char *c = path; *c; c++) {
		bool created;
		n = snap_node_child(p, n, m[*c - 'a'], &created);
		assert_non_null(n);
		n->ncalls += created;
	}
	n->self_wall_ns += ms * 1000000u;
	n->self_cpu_ns += ms * 500000u;
}

static snap_profile *profile(void)
{
	snap_profile *p = snap_profile_new(NULL);
	const char *names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
	for (int i = 0; i < 8; i++)
		m[i] = snap_method_intern(p, "T", names[i], "()V");
	assert_non_null(snap_thread_add(p, "other"));
	assert_non_null(snap_thread_add(p, "handler"));
	return p;
}

static uint64_t total(const snap_node *n)
{
	uint64_t t = n->self_wall_ns;
	for (const snap_node *c = n->child; c; c = c->sibling)
		t += total(c);
	return t;
}

/* The node at `path` (method names) under `root`, or NULL. */
static const snap_node *at(const snap_profile *p, const snap_node *root, const char *path)
{
	const snap_node *n = root;
	for (const char *c = path; *c && n; c++) {
		const snap_node *k = n->child;
		while (k && strcmp(p->methods[k->method].method_name, (char[]){*c, 0}) != 0)
			k = k->sibling;
		n = k;
	}
	return n;
}

static void test_difference_is_the_growth(void **state)
{
	(void)state;
	snap_profile *p = profile();
	snap_node *root = p->threads[1].root;
	charge(p, root, "ab", 5);
	charge(p, root, "ac", 7);
	charge(p, p->threads[0].root, "ad", 9); /* another thread: never in the difference */
	snap_tree_copy *c = snap_tree_copy_take(root, 1000);
	assert_false(snap_tree_copy_cut(c));
	assert_int_equal(snap_tree_copy_nodes(c), 4);
	charge(p, root, "ab", 3);  /* grew */
	charge(p, root, "aef", 2); /* new */
	snap_profile *d = snap_profile_new(NULL);
	assert_int_equal(snap_tree_diff(p, root, c, d, "handler"), 0);
	const snap_node *r = d->threads[0].root;
	assert_string_equal(d->threads[0].name, "handler");
	assert_int_equal(total(r), 5000000u);
	assert_int_equal(at(d, r, "ab")->self_wall_ns, 3000000u);
	assert_int_equal(at(d, r, "ab")->self_cpu_ns, 1500000u);
	assert_int_equal(at(d, r, "ab")->ncalls, 0); /* no new hit */
	assert_int_equal(at(d, r, "aef")->self_wall_ns, 2000000u);
	assert_int_equal(at(d, r, "aef")->ncalls, 1);
	assert_null(at(d, r, "ac")); /* did not grow: left out */
	assert_null(at(d, r, "ad"));
	assert_int_equal(d->nnodes, 5); /* the root, a, b, e, f */
	snap_tree_copy_free(c);
	snap_profile_free(d);
	snap_profile_free(p);
}

static void test_empty_copy_is_the_whole_tree(void **state)
{
	(void)state;
	snap_profile *p = profile();
	snap_node *root = p->threads[1].root;
	snap_tree_copy *c = snap_tree_copy_take(NULL, 1000); /* no tree yet at the start */
	assert_non_null(c);
	charge(p, root, "abc", 4);
	charge(p, root, "ad", 1);
	snap_profile *d = snap_profile_new(NULL);
	assert_int_equal(snap_tree_diff(p, root, c, d, "h"), 0);
	assert_int_equal(total(d->threads[0].root), 5000000u);
	assert_int_equal(d->nnodes, p->nnodes - 1); /* every node but the other thread's root */
	snap_tree_copy_free(c);
	snap_profile_free(d);
	snap_profile_free(p);
}

static void test_cut_copy_keeps_totals(void **state)
{
	(void)state;
	snap_profile *p = profile();
	snap_node *root = p->threads[1].root;
	const char *paths[] = {"abc", "abd", "aef", "agh", "ba", "bcd"};
	for (int i = 0; i < 6; i++)
		charge(p, root, paths[i], (uint64_t)i + 1);
	snap_tree_copy *c = snap_tree_copy_take(root, 4); /* root, a, b, and a's children do not fit */
	assert_true(snap_tree_copy_cut(c));
	assert_true(snap_tree_copy_nodes(c) <= 4);
	uint64_t before = total(root);
	for (int i = 0; i < 6; i++)
		charge(p, root, paths[i], 10);
	charge(p, root, "ahh", 10);
	snap_profile *d = snap_profile_new(NULL);
	assert_int_equal(snap_tree_diff(p, root, c, d, "h"), 0);
	assert_int_equal(total(d->threads[0].root), total(root) - before);
	assert_int_equal(total(d->threads[0].root), 70000000u);
	snap_tree_copy_free(c);
	snap_profile_free(d);
	snap_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_difference_is_the_growth),
	        cmocka_unit_test(test_empty_copy_is_the_whole_tree),
	        cmocka_unit_test(test_cut_copy_keeps_totals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
