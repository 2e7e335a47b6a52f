/* The invocation summary: top self methods and totals from a profile, statistics from a
 * stats table, and the exact JSON line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../jvmagent/summary_out.h"
#include "../../snapshot/summary.h"
#include "../../stats/table.h"

/* Thread "main": run -> work (self 30 ms cpu / 40 wall) -> hash (self 50 cpu / 50 wall);
 * thread "w": run -> hash (self 5 / 5). hash: 55 cpu in total, work 30. */
static snap_profile *sample_profile(void)
{
	snap_profile *p = snap_profile_new(&(snap_limits){0});
	assert_non_null(p);
	p->has_cpu = true;
	uint32_t run = snap_method_intern(p, "app.Main", "run", "()V");
	uint32_t work = snap_method_intern(p, "app.Main", "work", "()V");
	uint32_t hash = snap_method_intern(p, "java.util.HashMap", "hash", "(Ljava/lang/Object;)I");
	bool created;
	snap_node *root = snap_thread_add(p, "main")->root;
	snap_node *n = snap_node_child(p, snap_node_child(p, root, run, &created), work, &created);
	n->self_cpu_ns = 30000000;
	n->self_wall_ns = 40000000;
	n = snap_node_child(p, n, hash, &created);
	n->self_cpu_ns = n->self_wall_ns = 50000000;
	root = snap_thread_add(p, "w")->root;
	n = snap_node_child(p, snap_node_child(p, root, run, &created), hash, &created);
	n->self_cpu_ns = n->self_wall_ns = 5000000;
	return p;
}

static void test_top_methods_and_totals(void **state)
{
	(void)state;
	snap_profile *p = sample_profile();
	snap_summary s = {0};
	snap_summary_from_profile(p, &s);
	assert_int_equal(s.ntop, 2);
	assert_string_equal(s.top_time, "cpu");
	assert_string_equal(s.top[0].name, "java.util.HashMap.hash");
	assert_true(s.top[0].self_ms > 54.999 && s.top[0].self_ms < 55.001);
	assert_string_equal(s.top[1].name, "app.Main.work");
	assert_true(s.cpu_ms > 84.999 && s.cpu_ms < 85.001);
	assert_true(s.wall_ms > 94.999 && s.wall_ms < 95.001);
	p->has_cpu = false; /* wall ranks when CPU was not measured */
	snap_summary_from_profile(p, &s);
	assert_string_equal(s.top_time, "wall");
	assert_true(s.top[1].self_ms > 39.999 && s.top[1].self_ms < 40.001);
	snap_profile_free(p);
}

static void test_json_line(void **state)
{
	(void)state;
	snap_summary s = {
	    .function_name = "orders",
	    .function_version = "13",
	    .request_id = "r-1\"x",
	    .kind = "cold",
	    .begin_ms = 1764633600123, /* 2025-12-02T00:00:00.123Z */
	    .end_ms = 1764633600623,
	    .samples = 50,
	    .interval_achieved_us = 10012.4,
	    .cpu_ms = 12.5,
	    .wall_ms = 500,
	    .top_time = "cpu",
	    .top = {{"a.B.c", 7.25}},
	    .ntop = 1,
	    .gc_count = 2,
	    .gc_ms = SNAP_SUMMARY_UNKNOWN,
	    .heap_used_max = 1048576,
	    .classes_loaded = 812,
	    .zip_key = "jvmsnap/orders/2025/12/02/x_r-1.zip",
	};
	buf b;
	buf_init(&b);
	snap_summary_json(&s, &b);
	buf_u8(&b, 0);
	assert_string_equal(
	    (const char *)b.data,
	    "{\"schema\":1,\"function\":\"orders\",\"version\":\"13\",\"request_id\":\"r-1\\\"x\","
	    "\"kind\":\"cold\",\"start\":\"2025-12-02T00:00:00.123Z\",\"start_ms\":1764633600123,"
	    "\"duration_ms\":500,\"samples\":50,\"interval_us\":10012,\"cpu_ms\":12.500,\"wall_ms\":500.000,"
	    "\"gc_count\":2,\"gc_ms\":null,\"heap_used_max\":1048576,\"classes_loaded\":812,"
	    "\"top_time\":\"cpu\",\"top_methods\":[{\"method\":\"a.B.c\",\"self_ms\":7.250}],"
	    "\"zip_key\":\"jvmsnap/orders/2025/12/02/x_r-1.zip\"}\n");
	buf_free(&b);
}

static void test_from_stats(void **state)
{
	(void)state;
	stats_table *t = stats_table_new();
	assert_non_null(t);
	snap_summary s;
	summary_from_stats(t, &s); /* no column: nothing known */
	assert_true(s.gc_count == SNAP_SUMMARY_UNKNOWN && s.heap_used_max == SNAP_SUMMARY_UNKNOWN);
	static const int64_t heap[] = {100, 300, 200};
	for (int c = 0; c < 3; c++) {
		assert_true(stats_table_begin_column(t, 1000 + c) >= 0);
		stats_table_put_num(t, STATS_SEC_HEAD, "TotalLoadedClasses (classes)", 500 + c);
		stats_table_put_num(t, STATS_SEC_GC, "GC.G1 Young Generation.Count (collections)", 3 + 2 * c);
		stats_table_put_num(t, STATS_SEC_GC, "GC.G1 Young Generation.Time (ms)", 10 + 5 * c);
		stats_table_put_num(t, STATS_SEC_GC, "GC.G1 Old Generation.Count (collections)", 1);
		stats_table_put_num(t, STATS_SEC_MEMORY, "Memory.Heap.used (byte)", heap[c]);
	}
	summary_from_stats(t, &s);
	assert_int_equal(s.gc_count, 4);
	assert_int_equal(s.gc_ms, 10);
	assert_int_equal(s.heap_used_max, 300);
	assert_int_equal(s.classes_loaded, 502);
	stats_table_free(t);
}

static void test_summary_name(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(snap_summary_name("a/b_r1.zip", out, sizeof out), 0);
	assert_string_equal(out, "a/b_r1.json");
	assert_int_equal(snap_summary_name("a/odd", out, sizeof out), 0);
	assert_string_equal(out, "a/odd.json");
	assert_int_equal(snap_summary_name("0123456789.zip", out, 10), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_top_methods_and_totals),
	    cmocka_unit_test(test_json_line),
	    cmocka_unit_test(test_from_stats),
	    cmocka_unit_test(test_summary_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
