/* perinv: an invocation's own window under Lambda Managed Instances is its handler thread's
 * tree in the shared window between its start and its end, nothing else; an invocation
 * whose thread is not known, or that is open when its shared window closes, gets none and
 * is counted in that window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../jvmagent/agent_state.h"
#include "../../jvmagent/perinv.h"

#define MS 1000000ull

static agent the_agent = {.cfg = {.memory_mb = 64, .interval_us = 1000}};
static uint32_t m_loop, m_work1, m_work2;

/* A shared window with an aggregator, as window_open makes one (without the JVM). */
static agent_window *shared_window(uint32_t seq)
{
	agent_window *w = window_open(&the_agent, seq, false, "s-1", 0, (window_mark){1, 1});
	assert_non_null(w);
	w->shared = true;
	m_loop = snap_method_intern(w->profile, "Loop", "next", "()V");
	m_work1 = snap_method_intern(w->profile, "H", "work1", "()V");
	m_work2 = snap_method_intern(w->profile, "H", "work2", "()V");
	return w;
}

/* One sample at `t_ms`: thread 7 (the handler) in `top` under the loop, thread 8 in work2. */
static void sample(agent_window *w, uint64_t t_ms, uint32_t top)
{
	snap_frame h[2] = {{m_loop, -1}, {top, -1}}, o[2] = {{m_loop, -1}, {m_work2, -1}};
	snap_agg_begin(w->agg, t_ms * MS);
	snap_agg_thread(w->agg, 7, "handler", SNAP_CPU_UNKNOWN, h, top == m_loop ? 1 : 2);
	snap_agg_thread(w->agg, 8, "other", SNAP_CPU_UNKNOWN, o, 2);
	snap_agg_end(w->agg);
}

static const snap_node *child_named(const snap_profile *p, const snap_node *n, const char *name)
{
	for (const snap_node *c = n ? n->child : NULL; c; c = c->sibling)
		if (strcmp(p->methods[c->method].method_name, name) == 0)
			return c;
	return NULL;
}

static void test_own_window_is_the_handler_between_start_and_end(void **state)
{
	(void)state;
	perinv *p = perinv_new();
	agent_window *w = shared_window(3);
	sample(w, 0, m_work2); /* an earlier invocation on the same thread: not this one's */
	sample(w, 10, m_loop);
	perinv_start(p, w, "inv-1", true, 7, 0, (window_mark){10 * MS, 1010});
	sample(w, 20, m_work1);
	sample(w, 50, m_work1);
	sample(w, 60, m_loop);
	agent_window *iw = perinv_end(p, &the_agent, w, "inv-1", (window_mark){60 * MS, 1060});
	assert_non_null(iw);
	assert_string_equal(iw->request_id, "inv-1");
	assert_string_equal(iw->thread, "handler");
	assert_string_equal(iw->shared_window, "s-1");
	assert_int_equal(iw->profile->nthreads, 1);
	assert_int_equal(iw->profile->begin_ms, 1010);
	assert_int_equal(iw->profile->end_ms, 1060);
	assert_null(iw->stats);
	const snap_node *loop = child_named(iw->profile, iw->profile->threads[0].root, "next");
	const snap_node *work1 = child_named(iw->profile, loop, "work1");
	assert_non_null(work1);
	assert_int_equal(work1->self_wall_ns, 40 * MS); /* 20..60 */
	assert_int_equal(loop->self_wall_ns, 10 * MS);  /* 10..20, waiting for the event */
	assert_null(child_named(iw->profile, loop, "work2")); /* the earlier invocation's */
	assert_int_equal(w->without_own_zip, 0);
	assert_null(perinv_end(p, &the_agent, w, "inv-1", (window_mark){61 * MS, 1061})); /* ended once */
	window_free(iw);
	window_free(w);
	perinv_free(p);
}

static void test_unknown_thread_and_closed_window_are_counted(void **state)
{
	(void)state;
	perinv *p = perinv_new();
	agent_window *w = shared_window(4);
	sample(w, 0, m_loop);
	perinv_start(p, w, "no-thread", false, 0, 0, (window_mark){1 * MS, 1001});
	assert_null(perinv_end(p, &the_agent, w, "no-thread", (window_mark){2 * MS, 1002}));
	assert_int_equal(w->without_own_zip, 1);
	perinv_start(p, w, "across", true, 7, 0, (window_mark){3 * MS, 1003});
	perinv_window_closed(p, w); /* cut under steady load, or closed at exit */
	assert_int_equal(w->without_own_zip, 2);
	agent_window *next = shared_window(5);
	assert_null(perinv_end(p, &the_agent, next, "across", (window_mark){9 * MS, 1009}));
	assert_null(perinv_end(p, &the_agent, next, "never-started", (window_mark){9 * MS, 1009}));
	assert_int_equal(next->without_own_zip, 0);
	window_free(next);
	window_free(w);
	perinv_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_own_window_is_the_handler_between_start_and_end),
	        cmocka_unit_test(test_unknown_thread_and_closed_window_are_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
