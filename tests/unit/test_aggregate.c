/* Call-tree aggregation: interval charging, VisualVM's hit rule, thread lifecycle,
 * limits, and the method table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../snapshot/aggregate.h"

#define MS 1000000ull

static snap_node *child(const snap_node *n, uint32_t method)
{
	for (snap_node *c = n->child; c; c = c->sibling)
		if (c->method == method)
			return c;
	return NULL;
}

static uint64_t total_wall(const snap_node *n)
{
	uint64_t t = n->self_wall_ns;
	for (snap_node *c = n->child; c; c = c->sibling)
		t += total_wall(c);
	return t;
}

static int count_children(const snap_node *n)
{
	int k = 0;
	for (snap_node *c = n->child; c; c = c->sibling)
		k++;
	return k;
}

typedef struct {
	snap_profile *p;
	snap_aggregator *a;
	uint32_t main, run, work, other;
} fixture;

static int setup(void **state)
{
	static fixture f;
	f.p = snap_profile_new(NULL);
	f.a = snap_agg_new(f.p, 0);
	f.main = snap_method_intern(f.p, "demo.App", "main", "([Ljava/lang/String;)V");
	f.run = snap_method_intern(f.p, "demo.App", "run", "()V");
	f.work = snap_method_intern(f.p, "demo.App", "work", "(I)J");
	f.other = snap_method_intern(f.p, "demo.App", "other", "()V");
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	snap_agg_free(f->a);
	snap_profile_free(f->p);
	return 0;
}

static void sample(fixture *f, uint64_t t, uint64_t key, uint64_t cpu, const snap_frame *fr, uint32_t n)
{
	snap_agg_begin(f->a, t);
	assert_int_equal(snap_agg_thread(f->a, key, "worker", cpu, fr, n), 0);
	snap_agg_end(f->a);
}

static void test_interval_goes_to_stack_at_its_start(void **state)
{
	fixture *f = *state;
	snap_frame s1[] = {{f->main, 1}, {f->run, 5}};
	snap_frame s2[] = {{f->main, 1}, {f->work, 7}};
	sample(f, 0, 1, 0, s1, 2);
	sample(f, 1 * MS, 1, 1 * MS, s2, 2);  /* [0,1ms) -> run */
	sample(f, 4 * MS, 1, 2 * MS, s2, 2);  /* [1,4ms) -> work, 1 ms CPU */
	snap_agg_flush(f->a, 6 * MS);         /* [4,6ms) -> work, CPU unknown */
	snap_node *root = f->p->threads[0].root;
	snap_node *m = child(root, f->main);
	assert_non_null(m);
	assert_int_equal(child(m, f->run)->self_wall_ns, 1 * MS);
	assert_int_equal(child(m, f->run)->self_cpu_ns, 1 * MS);
	assert_int_equal(child(m, f->work)->self_wall_ns, 5 * MS);
	assert_int_equal(child(m, f->work)->self_cpu_ns, 1 * MS);
	assert_int_equal(m->self_wall_ns, 0);
	assert_int_equal(root->self_wall_ns, 0); /* the thread root never gets self time */
	assert_int_equal(total_wall(root), 6 * MS);
	assert_string_equal(f->p->threads[0].name, "worker");
}

static void test_hits_follow_visualvm_rule(void **state)
{
	fixture *f = *state;
	snap_frame a[] = {{f->main, 1}, {f->run, 5}, {f->work, 9}};
	snap_frame b[] = {{f->main, 1}, {f->run, 6}, {f->work, 9}}; /* run's line moved */
	snap_frame c[] = {{f->main, 1}, {f->other, 2}, {f->work, 9}};
	sample(f, 0, 7, 0, a, 3);
	sample(f, 1 * MS, 7, 0, a, 3); /* same stack: nothing new */
	sample(f, 2 * MS, 7, 0, b, 3); /* run continues, work is a new call */
	sample(f, 3 * MS, 7, 0, c, 3); /* other and its work are new */
	snap_node *m = child(f->p->threads[0].root, f->main);
	assert_int_equal(m->ncalls, 1);
	snap_node *run = child(m, f->run);
	assert_int_equal(run->ncalls, 1);
	assert_int_equal(child(run, f->work)->ncalls, 2);
	assert_int_equal(child(m, f->other)->ncalls, 1);
	assert_int_equal(child(child(m, f->other), f->work)->ncalls, 1);
	assert_int_equal(snap_agg_samples(f->a), 4);
}

static void test_siblings_unique_and_threads_separate(void **state)
{
	fixture *f = *state;
	snap_frame a[] = {{f->main, 1}, {f->run, 1}};
	snap_frame b[] = {{f->main, 1}, {f->work, 1}};
	for (int i = 0; i < 50; i++) {
		snap_agg_begin(f->a, (uint64_t)i * MS);
		snap_agg_thread(f->a, 1, "one", SNAP_CPU_UNKNOWN, i % 2 ? a : b, 2);
		snap_agg_thread(f->a, 2, "two", SNAP_CPU_UNKNOWN, i % 3 ? b : a, 2);
		snap_agg_end(f->a);
	}
	assert_int_equal(f->p->nthreads, 2);
	assert_string_equal(f->p->threads[1].name, "two");
	for (uint32_t t = 0; t < 2; t++) {
		snap_node *root = f->p->threads[t].root;
		assert_int_equal(count_children(root), 1);
		assert_int_equal(count_children(child(root, f->main)), 2);
		assert_int_equal(total_wall(root), 49 * MS);
	}
}

static void test_ended_threads_forgotten_but_kept(void **state)
{
	fixture *f = *state;
	snap_frame a[] = {{f->main, 1}};
	sample(f, 0, 1, SNAP_CPU_UNKNOWN, a, 1);
	sample(f, 1 * MS, 1, SNAP_CPU_UNKNOWN, a, 1);
	snap_agg_begin(f->a, 2 * MS); /* thread 1 has ended */
	snap_agg_end(f->a);
	assert_int_equal(snap_agg_live_threads(f->a), 0);
	assert_false(snap_agg_known(f->a, 1));
	sample(f, 3 * MS, 1, SNAP_CPU_UNKNOWN, a, 1); /* a new thread reusing the key */
	assert_int_equal(f->p->nthreads, 2);
	assert_int_equal(total_wall(f->p->threads[0].root), 1 * MS);
}

static void test_many_threads_rehash(void **state)
{
	fixture *f = *state;
	snap_frame a[] = {{f->main, 1}, {f->run, 2}};
	for (int round = 0; round < 3; round++) {
		snap_agg_begin(f->a, (uint64_t)round * MS);
		for (uint64_t k = 0; k < 1000; k++)
			snap_agg_thread(f->a, k * 7919, "t", SNAP_CPU_UNKNOWN, a, 2);
		snap_agg_end(f->a);
	}
	assert_int_equal(snap_agg_live_threads(f->a), 1000);
	assert_int_equal(f->p->nthreads, 1000);
	for (uint32_t t = 0; t < 1000; t++)
		assert_int_equal(total_wall(f->p->threads[t].root), 2 * MS);
}

/* Thread churn ends a thread after almost every sample: the table is rebuilt each time,
 * into the buffer kept from the previous rebuild, never a new one. */
static void test_churn_reuses_table(void **state)
{
	fixture *f = *state;
	snap_frame a[] = {{f->main, 1}, {f->run, 2}};
	for (uint64_t k = 0; k < 1000; k++) {
		snap_agg_begin(f->a, k * MS);
		snap_agg_thread(f->a, 1, "steady", SNAP_CPU_UNKNOWN, a, 2);
		snap_agg_thread(f->a, 100 + k, "churn", SNAP_CPU_UNKNOWN, a, 2);
		if (k % 100 == 0) /* now and then a burst grows the table */
			for (uint64_t b = 0; b < 60; b++)
				snap_agg_thread(f->a, 1000000 + k * 100 + b, "burst", SNAP_CPU_UNKNOWN, a, 2);
		snap_agg_end(f->a);
		assert_int_equal(snap_agg_live_threads(f->a), k % 100 == 0 ? 62 : 2);
	}
	/* the initial 64 slots, 128 for the first burst, and their spares: no more */
	assert_true(snap_agg_table_allocs(f->a) <= 4);
	assert_int_equal(total_wall(f->p->threads[0].root), 999 * MS);
	assert_true(snap_agg_known(f->a, 1099));
	assert_false(snap_agg_known(f->a, 1098));
}

static void test_thread_cap_uses_overflow_record(void **state)
{
	fixture *f = *state;
	snap_aggregator *a = snap_agg_new(f->p, 3);
	snap_frame s[] = {{f->main, 1}};
	snap_agg_begin(a, 0);
	for (uint64_t k = 0; k < 10; k++)
		assert_int_equal(snap_agg_thread(a, k, "t", SNAP_CPU_UNKNOWN, s, 1), 0);
	snap_agg_end(a);
	assert_int_equal(f->p->nthreads, 4);
	assert_string_equal(f->p->threads[3].name, "[other threads]");
	snap_agg_flush(a, 1 * MS);
	assert_int_equal(total_wall(f->p->threads[3].root), 7 * MS);
	snap_agg_free(a);
}

static void test_memory_limit_cuts_paths(void **state)
{
	(void)state;
	snap_limits lim = {64 * 1024, 0};
	snap_profile *p = snap_profile_new(&lim);
	snap_aggregator *a = snap_agg_new(p, 0);
	snap_frame deep[600];
	for (uint32_t i = 0; i < 600; i++) {
		char name[16];
		snprintf(name, sizeof name, "m%u", i);
		deep[i] = (snap_frame){snap_method_intern(p, "C", name, "()V"), 0};
	}
	for (int i = 0; i < 20; i++) {
		deep[300].method = deep[i].method; /* a new 300-frame branch each time */
		snap_agg_begin(a, (uint64_t)i * MS);
		snap_agg_thread(a, 1, "deep", SNAP_CPU_UNKNOWN, deep, 600);
		snap_agg_end(a);
	}
	assert_true(p->full);
	assert_true(p->mem.used_bytes <= 64 * 1024);
	snap_agg_free(a);
	snap_profile_free(p);
}

static void test_unchanged_threads_recharged(void **state)
{
	fixture *f = *state;
	snap_frame a[] = {{f->main, 1}, {f->run, 2}};
	snap_agg_begin(f->a, 0);
	assert_false(snap_agg_unchanged(f->a, 5, 100)); /* unknown thread: must be walked */
	snap_agg_thread(f->a, 5, "w", 100, a, 2);
	snap_agg_end(f->a);
	snap_agg_begin(f->a, 2 * MS);
	assert_false(snap_agg_unchanged(f->a, 5, 150)); /* it ran: walk it */
	snap_agg_thread(f->a, 5, "w", 150, a, 2);
	snap_agg_end(f->a);
	snap_agg_begin(f->a, 5 * MS);
	assert_true(snap_agg_unchanged(f->a, 5, 150)); /* idle: same stack, no walk */
	assert_false(snap_agg_unchanged(f->a, 5, 150)); /* once per sample */
	snap_agg_end(f->a);
	assert_int_equal(snap_agg_live_threads(f->a), 1);
	snap_agg_begin(f->a, 6 * MS);
	assert_false(snap_agg_unchanged(f->a, 5, SNAP_CPU_UNKNOWN));
	snap_agg_end(f->a); /* not seen: ended */
	snap_node *run = child(child(f->p->threads[0].root, f->main), f->run);
	assert_int_equal(run->self_wall_ns, 5 * MS);
	assert_int_equal(run->self_cpu_ns, 50);
	assert_int_equal(run->ncalls, 1);
	assert_int_equal(snap_agg_live_threads(f->a), 0);
	/* A failed walk keeps a live thread on its last stack. */
	snap_agg_begin(f->a, 7 * MS);
	assert_false(snap_agg_repeat(f->a, 9, 0)); /* unknown */
	snap_agg_thread(f->a, 9, "x", 0, a, 2);
	snap_agg_end(f->a);
	snap_agg_begin(f->a, 9 * MS);
	assert_true(snap_agg_repeat(f->a, 9, 400));
	snap_agg_end(f->a);
	assert_int_equal(snap_agg_live_threads(f->a), 1);
	snap_node *run2 = child(child(f->p->threads[1].root, f->main), f->run);
	/* born after 6 ms (the previous sample): 1 ms before its first sample, 2 ms after */
	assert_int_equal(run2->self_wall_ns, 3 * MS);
	assert_int_equal(run2->self_cpu_ns, 400);
}

static uint64_t total_cpu(const snap_node *n)
{
	uint64_t t = n->self_cpu_ns;
	for (snap_node *c = n->child; c; c = c->sibling)
		t += total_cpu(c);
	return t;
}

/* A busy thread on a crowded CPU: its clock is read late in one round and early in the
 * next, so one stretch shows more CPU than wall time and the next less. The CPU total is
 * still exactly its CPU time between the first and last sample (a cap at each stretch's
 * wall time used to drop the excess). */
static void test_cpu_total_exact_under_read_skew(void **state)
{
	fixture *f = *state;
	snap_frame a[] = {{f->main, 1}, {f->run, 2}};
	snap_frame b[] = {{f->main, 1}, {f->work, 3}};
	const uint64_t cpu[] = {0, 1400000, 1900000, 3500000, 3900000, 5000000};
	for (int i = 0; i < 6; i++)
		sample(f, (uint64_t)i * MS, 1, cpu[i], i % 2 ? b : a, 2);
	snap_node *root = f->p->threads[0].root;
	assert_int_equal(total_cpu(root), 5000000);
	assert_int_equal(total_wall(root), 5 * MS);
	assert_int_equal(child(child(root, f->main), f->run)->self_cpu_ns, 1400000 + 1600000 + 1100000);
}

/* Each thread stamped at its own read within a round: its wall stretches follow its
 * reads; a round pinned earlier (the window's end asked for while a round ran) never
 * moves a thread back, and still charges the CPU read in it. */
static void test_per_thread_read_time(void **state)
{
	fixture *f = *state;
	snap_frame a[] = {{f->main, 1}, {f->run, 2}};
	snap_agg_begin(f->a, 0);
	snap_agg_thread(f->a, 1, "x", 0, a, 2);
	snap_agg_time(f->a, 3 * MS);
	snap_agg_thread(f->a, 2, "y", 0, a, 2);
	snap_agg_time(f->a, 2 * MS); /* never back */
	snap_agg_end(f->a);
	snap_agg_begin(f->a, 10 * MS);
	snap_agg_thread(f->a, 1, "x", 4 * MS, a, 2);
	snap_agg_time(f->a, 12 * MS);
	snap_agg_thread(f->a, 2, "y", 5 * MS, a, 2);
	snap_agg_end(f->a);
	snap_agg_begin(f->a, 11 * MS); /* pinned before y's last read */
	snap_agg_thread(f->a, 1, "x", 5 * MS, a, 2);
	snap_agg_thread(f->a, 2, "y", 6 * MS, a, 2);
	snap_agg_end(f->a);
	snap_agg_flush(f->a, 11 * MS);
	assert_int_equal(total_wall(f->p->threads[0].root), 11 * MS);
	assert_int_equal(total_wall(f->p->threads[1].root), 9 * MS); /* 3..12 ms */
	assert_int_equal(total_cpu(f->p->threads[0].root), 5 * MS);
	assert_int_equal(total_cpu(f->p->threads[1].root), 6 * MS);
}

/* A thread that appears after the window's first sample was born since the previous one
 * began: its CPU so far and that stretch of wall time go to its first stack. Threads in
 * the first sample were there before the window: their earlier time is not its. */
static void test_thread_born_in_window(void **state)
{
	fixture *f = *state;
	snap_frame a[] = {{f->main, 1}, {f->run, 2}};
	sample(f, 0, 1, 7 * MS, a, 2); /* present at the window's start: 7 ms CPU before it */
	snap_agg_begin(f->a, 4 * MS);
	snap_agg_thread(f->a, 1, "old", 8 * MS, a, 2);
	snap_agg_end(f->a);
	snap_agg_begin(f->a, 10 * MS);
	snap_agg_thread(f->a, 1, "old", 8 * MS, a, 2);
	snap_agg_thread(f->a, 2, "new", 3 * MS, a, 2); /* born in (4, 10] ms */
	snap_agg_thread(f->a, 3, "late", 1 * MS, a, 0); /* born too, no Java frame yet */
	snap_agg_end(f->a);
	snap_agg_begin(f->a, 11 * MS);
	snap_agg_thread(f->a, 1, "old", 8 * MS, a, 2);
	snap_agg_thread(f->a, 2, "new", 3 * MS, a, 2);
	snap_agg_thread(f->a, 3, "late", 2 * MS, a, 2); /* its first stack takes it all */
	snap_agg_end(f->a);
	snap_agg_flush(f->a, 12 * MS);
	assert_int_equal(total_cpu(f->p->threads[2].root), 2 * MS);
	assert_int_equal(total_wall(f->p->threads[2].root), 8 * MS);
	assert_int_equal(total_cpu(f->p->threads[0].root), 1 * MS);
	assert_int_equal(total_wall(f->p->threads[0].root), 12 * MS);
	assert_int_equal(total_cpu(f->p->threads[1].root), 3 * MS);
	assert_int_equal(total_wall(f->p->threads[1].root), 8 * MS); /* 4..12 ms */
}

/* Signal samples: many per round for one thread, each at its own time; a thread whose
 * start is known is charged from then; a later round's repeat continues the last one. */
static void test_signal_samples_between_rounds(void **state)
{
	fixture *f = *state;
	snap_frame a[] = {{f->main, 1}, {f->run, 2}};
	snap_frame b[] = {{f->main, 1}, {f->work, 3}};
	snap_agg_begin(f->a, 1 * MS);
	snap_agg_end(f->a);
	snap_agg_sample(f->a, 4, "sig", 2 * MS, 3 * MS, 1 * MS, a, 2);  /* born at 2 ms */
	snap_agg_sample(f->a, 4, "sig", 2 * MS, 4 * MS, 2 * MS, b, 2);
	snap_agg_begin(f->a, 5 * MS);
	assert_true(snap_agg_repeat(f->a, 4, 2500000));
	snap_agg_end(f->a);
	assert_int_equal(snap_agg_live_threads(f->a), 1);
	snap_agg_sample(f->a, 9, "pre", MS / 2, 6 * MS, 5 * MS, a, 2); /* started before the window */
	snap_agg_flush(f->a, 6 * MS);
	snap_node *m = child(f->p->threads[0].root, f->main);
	assert_int_equal(child(m, f->run)->self_wall_ns, 2 * MS);  /* 2..4 ms */
	assert_int_equal(child(m, f->run)->self_cpu_ns, 2 * MS);
	assert_int_equal(child(m, f->work)->self_wall_ns, 2 * MS); /* 4..6 ms */
	assert_int_equal(child(m, f->work)->self_cpu_ns, 500000);
	assert_int_equal(total_cpu(f->p->threads[1].root), 0); /* its 5 ms were before the window */
	/* A sample read before a round's read but drained after it: no CPU counted twice. */
	snap_agg_sample(f->a, 11, "late", MS / 2, 7 * MS, 5 * MS, a, 2);
	snap_agg_begin(f->a, 9 * MS);
	assert_true(snap_agg_repeat(f->a, 11, 6 * MS));
	snap_agg_end(f->a);
	snap_agg_sample(f->a, 11, "late", MS / 2, 8 * MS, 5500000, b, 2); /* read at 8 ms */
	snap_agg_sample(f->a, 11, "late", MS / 2, 10 * MS, 7 * MS, b, 2);
	assert_int_equal(total_cpu(f->p->threads[2].root), 2 * MS); /* 5 -> 7 ms */
}

/* Two carriers run virtual threads: their stacks go to one shared row, charged with each
 * carrier's own clock on one timeline per carrier, and the carrier's own stack in between
 * to its own row; a stack in the other row starts a new path (new hits). */
static void test_shared_row(void **state)
{
	fixture *f = *state;
	snap_frame own[] = {{f->main, 1}, {f->other, 2}};
	snap_frame vt[] = {{f->run, 1}, {f->work, 3}};
	for (uint64_t i = 0; i < 4; i++) {
		snap_agg_begin(f->a, i * MS);
		for (uint64_t c = 1; c <= 2; c++) {
			bool mounted = i == 1 || i == 2; /* in [1, 3) ms */
			if (mounted)
				snap_agg_shared_row(f->a, "virtual threads");
			const char *name = c == 1 ? "c1" : "c2";
			assert_int_equal(snap_agg_thread(f->a, c, name, i * 10, mounted ? vt : own, 2), 0);
		}
		snap_agg_end(f->a);
	}
	snap_agg_flush(f->a, 4 * MS);
	assert_int_equal(f->p->nthreads, 3);
	assert_string_equal(f->p->threads[2].name, "virtual threads");
	snap_node *v = f->p->threads[2].root;
	assert_int_equal(total_wall(v), 4 * MS); /* 2 ms on each carrier */
	assert_int_equal(total_cpu(v), 40);
	assert_int_equal(child(child(v, f->run), f->work)->ncalls, 2); /* one per carrier */
	for (int c = 0; c < 2; c++) {
		snap_node *o = child(child(f->p->threads[c].root, f->main), f->other);
		assert_int_equal(o->self_wall_ns, 2 * MS); /* [0,1) and [3,4) */
		assert_int_equal(o->self_cpu_ns, 10);     /* [0,1) only: CPU unknown at the flush */
		assert_int_equal(o->ncalls, 2);           /* it came back after the virtual thread */
	}
}

static void test_method_table(void **state)
{
	fixture *f = *state;
	assert_int_equal(f->p->nmethods, 5);
	assert_string_equal(f->p->methods[0].class_name, "Thread");
	assert_int_equal(snap_method_intern(f->p, "demo.App", "run", "()V"), f->run);
	assert_int_not_equal(snap_method_intern(f->p, "demo.App", "run", "(I)V"), f->run);
	/* ("ab","c") and ("a","bc") are different methods */
	uint32_t x = snap_method_intern(f->p, "ab", "c", "");
	uint32_t y = snap_method_intern(f->p, "a", "bc", "");
	assert_int_not_equal(x, y);
	/* a class named like the pseudo-method still gets its own id */
	assert_int_not_equal(snap_method_intern(f->p, "Thread", "", ""), 0);
	for (uint32_t i = 0; i < SNAP_MAX_METHODS + 10; i++) {
		char n[16];
		snprintf(n, sizeof n, "m%u", i);
		snap_method_intern(f->p, "Big", n, "");
	}
	assert_int_equal(f->p->nmethods, SNAP_MAX_METHODS);
	assert_true(f->p->full);
	assert_int_equal(snap_method_intern(f->p, "Big", "new-one", ""), SNAP_ROOT_METHOD);
	assert_int_equal(snap_method_intern(f->p, "Big", "m7", ""), snap_method_intern(f->p, "Big", "m7", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_interval_goes_to_stack_at_its_start, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hits_follow_visualvm_rule, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_siblings_unique_and_threads_separate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ended_threads_forgotten_but_kept, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_threads_rehash, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_churn_reuses_table, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_thread_cap_uses_overflow_record, setup, teardown),
	    cmocka_unit_test(test_memory_limit_cuts_paths),
	    cmocka_unit_test_setup_teardown(test_unchanged_threads_recharged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cpu_total_exact_under_read_skew, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_per_thread_read_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_thread_born_in_window, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_signal_samples_between_rounds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shared_row, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_method_table, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
