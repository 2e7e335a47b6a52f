/* stats/: the column store, the label builder, the MXBean order and the CSV writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../stats/internal.h"
#include "../../stats/table.h"

static char *csv_of(const stats_table *t)
{
	buf b;
	buf_init(&b);
	assert_int_equal(stats_csv_write(t, &b), 0);
	buf_u8(&b, 0);
	char *s = strdup((const char *)b.data);
	buf_free(&b);
	return s;
}

static void assert_csv(const stats_table *t, const char *want)
{
	char *got = csv_of(t);
	assert_string_equal(got, want);
	free(got);
}

/* One row per statistic, label first, one cell per column, no header, "\n" line ends. */
static void test_layout(void **state)
{
	(void)state;
	stats_table *t = stats_table_new();
	assert_non_null(t);
	assert_int_equal(stats_table_begin_column(t, 1000), 0);
	assert_int_equal(stats_table_put_num(t, STATS_SEC_HEAD, "UpTime (ms)", 12), 0);
	assert_int_equal(stats_table_put_num(t, STATS_SEC_GC, "GC.A.Count (collections)", 3), 0);
	assert_int_equal(stats_table_put_text(t, STATS_SEC_THREAD, "Thread.main.1.State (state)", "RUNNABLE"),
	                 0);
	assert_int_equal(stats_table_begin_column(t, 2000), 1);
	assert_int_equal(stats_table_put_num(t, STATS_SEC_HEAD, "UpTime (ms)", 15), 0);
	assert_int_equal(stats_table_put_num(t, STATS_SEC_GC, "GC.A.Count (collections)", 4), 0);
	assert_int_equal(stats_table_put_text(t, STATS_SEC_THREAD, "Thread.main.1.State (state)", "WAITING"),
	                 0);
	assert_int_equal(stats_table_columns(t), 2);
	assert_int_equal(stats_table_rows(t), 3);
	assert_int_equal(stats_table_column_epoch_ms(t, 1), 2000);
	assert_int_equal(stats_table_column_epoch_ms(t, 2), -1);
	assert_csv(t, "UpTime (ms),12,15\n"
	              "GC.A.Count (collections),3,4\n"
	              "Thread.main.1.State (state),RUNNABLE,WAITING\n");
	stats_table_free(t);
}

/* A new item's rows go to the end of its own section, before later sections; an item absent
 * from a column has empty cells there, in numeric and text rows, whichever column it misses;
 * a null text value (a lock name) is `null`. */
static void test_sections_and_missing(void **state)
{
	(void)state;
	stats_table *t = stats_table_new();
	stats_table_begin_column(t, 0);
	stats_table_put_num(t, STATS_SEC_GC, "GC.A.Count (collections)", 1);
	stats_table_put_num(t, STATS_SEC_BUFFER, "BufferPool.direct.Count (objects)", 2);
	stats_table_put_num(t, STATS_SEC_THREAD, "Thread.old.2.CPUTime (ns)", 7);
	stats_table_put_text(t, STATS_SEC_THREAD, "Thread.old.2.State (state)", "RUNNABLE");
	stats_table_begin_column(t, 0);
	stats_table_put_num(t, STATS_SEC_GC, "GC.A.Count (collections)", 1);
	stats_table_put_num(t, STATS_SEC_GC, "GC.B.Count (collections)", 5);
	stats_table_put_num(t, STATS_SEC_HEAD, "AbsoluteTime (ns)", 9);
	stats_table_put_num(t, STATS_SEC_THREAD, "Thread.new.3.CPUTime (ns)", 8);
	stats_table_put_text(t, STATS_SEC_THREAD, "Thread.new.3.State (state)", "BLOCKED");
	stats_table_put_num(t, STATS_SEC_BUFFER, "BufferPool.direct.Count (objects)", 2);
	stats_table_put_text(t, STATS_SEC_THREAD, "Thread.x.4.LockedName (object)", NULL);
	assert_csv(t, "AbsoluteTime (ns),,9\n"
	              "GC.A.Count (collections),1,1\n"
	              "GC.B.Count (collections),,5\n"
	              "Thread.old.2.CPUTime (ns),7,\n"
	              "Thread.old.2.State (state),RUNNABLE,\n"
	              "Thread.new.3.CPUTime (ns),,8\n"
	              "Thread.new.3.State (state),,BLOCKED\n"
	              "Thread.x.4.LockedName (object),,null\n"
	              "BufferPool.direct.Count (objects),2,2\n");
	stats_table_free(t);
}

/* Commas, quotes, newlines, CR, non-ASCII and edge spaces are quoted (RFC 4180, by libcsv);
 * plain text and numbers are not. */
static void test_quoting(void **state)
{
	(void)state;
	stats_table *t = stats_table_new();
	stats_table_begin_column(t, 0);
	stats_table_put_text(t, STATS_SEC_THREAD, "Thread.a,b.1.State (state)", "x\"y");
	stats_table_put_text(t, STATS_SEC_THREAD, "Thread.line\nbreak.2.State (state)", "cr\rhere");
	stats_table_put_text(t, STATS_SEC_THREAD, "Thread.Ünï-\xf0\x9f\x98\x80.3.State (state)", " pad ");
	stats_table_put_text(t, STATS_SEC_THREAD, "Thread.plain.4.State (state)", "RUNNABLE");
	stats_table_put_num(t, STATS_SEC_THREAD, "Thread.plain.4.LockedOwner (threadid)", -1);
	stats_table_put_text(t, STATS_SEC_THREAD, "Thread.plain.4.LockedName (object)", "");
	assert_csv(t, "\"Thread.a,b.1.State (state)\",\"x\"\"y\"\n"
	              "\"Thread.line\nbreak.2.State (state)\",\"cr\rhere\"\n"
	              "\"Thread.Ünï-\xf0\x9f\x98\x80.3.State (state)\",\" pad \"\n"
	              "Thread.plain.4.State (state),RUNNABLE\n"
	              "Thread.plain.4.LockedOwner (threadid),-1\n"
	              "Thread.plain.4.LockedName (object),\n");
	stats_table_free(t);
}

/* OWASP CSV injection: text starting with = + - @ TAB CR gets a leading apostrophe and
 * quotes; text that is a plain number, and every numeric cell, stays as it is. */
static void test_formula_neutralised(void **state)
{
	(void)state;
	stats_table *t = stats_table_new();
	stats_table_begin_column(t, 0);
	const char *cells[] = {
	        "=1+1, \"x\"", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx", "-12", "+3.5", "a=1"};
	char label[64];
	for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
		snprintf(label, sizeof label, "Thread.t.%zu.LockedName (object)", i);
		assert_int_equal(stats_table_put_text(t, STATS_SEC_THREAD, label, cells[i]), 0);
	}
	stats_table_put_num(t, STATS_SEC_THREAD, "Thread.t.0.BlockedTime (ns)", -1);
	stats_table_put_num(t, STATS_SEC_THREAD, "=label", -5);
	assert_csv(t, "Thread.t.0.LockedName (object),\"'=1+1, \"\"x\"\"\"\n"
	              "Thread.t.1.LockedName (object),\"'+cmd|' /C calc'!A0\"\n"
	              "Thread.t.2.LockedName (object),\"'-2+3\"\n"
	              "Thread.t.3.LockedName (object),\"'@SUM(A1)\"\n"
	              "Thread.t.4.LockedName (object),\"'\tx\"\n"
	              "Thread.t.5.LockedName (object),\"'\rx\"\n"
	              "Thread.t.6.LockedName (object),-12\n"
	              "Thread.t.7.LockedName (object),+3.5\n"
	              "Thread.t.8.LockedName (object),a=1\n"
	              "Thread.t.0.BlockedTime (ns),-1\n"
	              "\"'=label\",-5\n");
	stats_table_free(t);
}

static void test_labels(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	assert_string_equal(stats_label_item(&b, "GC", "G1 Young Generation", "Count (collections)"),
	                    "GC.G1 Young Generation.Count (collections)");
	assert_string_equal(stats_label_item(&b, "MemPool", NULL, "Usage.used (byte)"),
	                    "MemPool.Unknown.Usage.used (byte)");
	assert_string_equal(stats_label_thread(&b, "twin", 7, "CPUTime (ns)"), "Thread.twin.7.CPUTime (ns)");
	assert_string_equal(stats_label_thread(&b, NULL, 8, "State (state)"),
	                    "Thread.Unknown.8.State (state)");
	size_t p = stats_label_thread_prefix(&b, "=1+1, \"x\"", 12);
	assert_string_equal(stats_label_field(&b, p, "Waited (count)"),
	                    "Thread.=1+1, \"x\".12.Waited (count)");
	assert_string_equal(stats_label_field(&b, p, "WaitedTime (ns)"),
	                    "Thread.=1+1, \"x\".12.WaitedTime (ns)");
	p = stats_label_prefix(&b, "BufferPool", "mapped - 'non-volatile memory'");
	assert_string_equal(stats_label_field(&b, p, "Used (byte)"),
	                    "BufferPool.mapped - 'non-volatile memory'.Used (byte)");
	buf_free(&b);
}

/* Same label for text and number is refused; a dropped column leaves no values; the first
 * column fixes the RelativeTime origin; many rows grow the index. */
static void test_table_edges(void **state)
{
	(void)state;
	stats_table *t = stats_table_new();
	assert_int_equal(stats_table_put_num(t, STATS_SEC_HEAD, "x", 1), -1); /* no column yet */
	stats_table_begin_column(t, 0);
	assert_int_equal(stats_table_origin_ns(t, 100), 100);
	assert_int_equal(stats_table_origin_ns(t, 200), 100);
	assert_int_equal(stats_table_put_num(t, STATS_SEC_HEAD, "x", 1), 0);
	assert_int_equal(stats_table_put_text(t, STATS_SEC_HEAD, "x", "a"), -1);
	char label[32];
	for (int i = 0; i < 2000; i++) {
		snprintf(label, sizeof label, "Thread.t.%d.CPUTime (ns)", i);
		assert_int_equal(stats_table_put_num(t, STATS_SEC_THREAD, label, i), 0);
	}
	assert_int_equal(stats_table_rows(t), 2001);
	assert_string_equal(stats_table_label(t, 2000), "Thread.t.1999.CPUTime (ns)");
	stats_table_begin_column(t, 0);
	stats_table_put_num(t, STATS_SEC_HEAD, "x", 2);
	stats_table_drop_column(t);
	assert_int_equal(stats_table_columns(t), 1);
	int64_t v = 0;
	assert_int_equal(stats_table_cell(t, 0, 0, &v, NULL), STATS_CELL_NUM);
	assert_int_equal(v, 1);
	assert_int_equal(stats_table_cell(t, 0, 1, &v, NULL), STATS_CELL_MISSING);
	stats_table_free(t);
}

/* Columns whose items come, go and swap places, with labels of the other kind refused and a
 * column dropped half-way: every cell checked against a plain model. */
#define MODEL_ITEMS 40
#define MODEL_COLS  30
static unsigned model_rand(unsigned *s) { return (*s = *s * 1103515245u + 12345u) >> 16; }

static void model_put_column(stats_table *t, int col, int64_t want[MODEL_ITEMS][MODEL_COLS], unsigned *rng)
{
	int order[MODEL_ITEMS];
	for (int i = 0; i < MODEL_ITEMS; i++)
		order[i] = i;
	if (col % 7 == 3) /* now and then two items change places */
		order[5] = 17, order[17] = 5;
	char label[48];
	for (int k = 0; k < MODEL_ITEMS; k++) {
		int i = order[k];
		want[i][col] = -1;
		if (model_rand(rng) % 4 == 0) /* absent from this column */
			continue;
		snprintf(label, sizeof label, "Thread.t%d.%d.CPUTime (ns)", i, i);
		want[i][col] = col * 1000 + i;
		assert_int_equal(stats_table_put_num(t, STATS_SEC_THREAD, label, want[i][col]), 0);
		snprintf(label, sizeof label, "Thread.t%d.%d.State (state)", i, i);
		assert_int_equal(stats_table_put_text(t, STATS_SEC_THREAD, label, "RUNNABLE"), 0);
		assert_int_equal(stats_table_put_num(t, STATS_SEC_THREAD, label, 1), -1);
	}
}

static void test_table_items_come_and_go(void **state)
{
	(void)state;
	static int64_t want[MODEL_ITEMS][MODEL_COLS];
	unsigned rng = 7;
	stats_table *t = stats_table_new();
	for (int col = 0; col < MODEL_COLS; col++) {
		assert_int_equal(stats_table_begin_column(t, col), col);
		if (col == 11) { /* a column that fails half-way and is dropped */
			stats_table_put_num(t, STATS_SEC_THREAD, "Thread.t3.3.CPUTime (ns)", 99);
			stats_table_drop_column(t);
			assert_int_equal(stats_table_begin_column(t, col), col);
		}
		model_put_column(t, col, want, &rng);
	}
	char label[48];
	size_t found = 0;
	for (int i = 0; i < MODEL_ITEMS; i++) {
		snprintf(label, sizeof label, "Thread.t%d.%d.CPUTime (ns)", i, i);
		size_t r = 0;
		while (r < stats_table_rows(t) && strcmp(stats_table_label(t, r), label) != 0)
			r++;
		if (r == stats_table_rows(t))
			continue;
		found++;
		for (int col = 0; col < MODEL_COLS; col++) {
			int64_t v = 0;
			stats_cell_kind k = stats_table_cell(t, r, (size_t)col, &v, NULL);
			if (want[i][col] < 0) {
				assert_int_equal(k, STATS_CELL_MISSING);
			} else {
				assert_int_equal(k, STATS_CELL_NUM);
				assert_int_equal(v, want[i][col]);
			}
		}
	}
	assert_int_equal(found, MODEL_ITEMS);
	stats_table_free(t);
}

static int64_t cell_num(const stats_table *t, const char *label, size_t col)
{
	for (size_t r = 0; r < stats_table_rows(t); r++)
		if (strcmp(stats_table_label(t, r), label) == 0) {
			int64_t v = -99;
			return stats_table_cell(t, r, col, &v, NULL) == STATS_CELL_NUM ? v : -98;
		}
	return -97;
}

/* Thread (name, id)'s cells of the last column, through the row cache as the collector sets them. */
static void set_thread(stats_rowcache *rc, stats_table *t, buf *b, const char *name, int64_t id,
                       const stats_thread_values *v)
{
	stats_row *const *rows = stats_rowcache_thread(rc, t, b, name, id);
	assert_non_null(rows);
	assert_int_equal(stats_rowcache_set(t, rows, v), 0);
}

static void put_thread(stats_rowcache *rc, stats_table *t, buf *b, const char *name, int64_t id, int64_t cpu)
{
	stats_thread_values v = {.num = {[STATS_TR_CPU] = cpu, [STATS_TR_WAITED] = id},
	                         .text = {[STATS_TR_STATE] = "WAITING"}};
	set_thread(rc, t, b, name, id, &v);
}

/* Thread rows found by id between columns: a renamed thread gets new rows, two threads of one
 * name stay apart, and another table (even at a reused address) starts afresh. */
static void test_thread_rowcache(void **state)
{
	(void)state;
	stats_rowcache rc = {0};
	buf b;
	buf_init(&b);
	stats_table *t = stats_table_new();
	stats_table_begin_column(t, 0);
	put_thread(&rc, t, &b, "twin", 1, 10);
	put_thread(&rc, t, &b, "twin", 2, 20);
	put_thread(&rc, t, &b, NULL, 3, 30);
	for (int64_t id = 100; id < 300; id++) /* grows the cache past its first size */
		put_thread(&rc, t, &b, "w", id, id);
	stats_table_begin_column(t, 1);
	put_thread(&rc, t, &b, "twin", 2, 21);
	put_thread(&rc, t, &b, "renamed", 1, 11);
	put_thread(&rc, t, &b, NULL, 3, 31);
	assert_int_equal(cell_num(t, "Thread.twin.1.CPUTime (ns)", 0), 10);
	assert_int_equal(cell_num(t, "Thread.twin.1.CPUTime (ns)", 1), -98); /* missing: renamed */
	assert_int_equal(cell_num(t, "Thread.renamed.1.CPUTime (ns)", 1), 11);
	assert_int_equal(cell_num(t, "Thread.twin.2.CPUTime (ns)", 1), 21);
	assert_int_equal(cell_num(t, "Thread.Unknown.3.CPUTime (ns)", 1), 31);
	assert_int_equal(cell_num(t, "Thread.Unknown.3.Waited (count)", 0), 3);
	assert_int_equal(cell_num(t, "Thread.w.299.CPUTime (ns)", 0), 299);
	assert_int_equal(stats_table_rows(t), (3 + 200 + 1) * STATS_THREAD_FIELDS);
	stats_table_free(t);
	t = stats_table_new();
	stats_table_begin_column(t, 0);
	put_thread(&rc, t, &b, "twin", 2, 22);
	assert_int_equal(stats_table_rows(t), STATS_THREAD_FIELDS);
	assert_int_equal(cell_num(t, "Thread.twin.2.CPUTime (ns)", 0), 22);
	stats_table_free(t);
	stats_rowcache_free(&rc);
	buf_free(&b);
}

/* One thread's values as the collector sets them: CPU time `cpu`, BlockedTime -1 (contention
 * monitoring off), waiting on no lock (LockedName null). */
static void put_live_thread(stats_rowcache *rc, stats_table *t, buf *b, const char *name, int64_t id,
                            int64_t cpu)
{
	stats_thread_values v = {.num = {[STATS_TR_CPU] = cpu,
	                                 [STATS_TR_USER] = cpu / 2,
	                                 [STATS_TR_BLOCKED] = 0,
	                                 [STATS_TR_BLOCKED_TIME] = -1,
	                                 [STATS_TR_LOCK_OWNER] = -1,
	                                 [STATS_TR_WAITED] = 3,
	                                 [STATS_TR_WAITED_TIME] = -1},
	                         .text = {[STATS_TR_LOCK_NAME] = NULL, [STATS_TR_STATE] = "TIMED_WAITING"}};
	set_thread(rc, t, b, name, id, &v);
}

/* A thread absent from a column (not started yet, or ended) has an empty cell in each of its
 * nine rows there, so a chart of its CPU time ends instead of dropping to 0, and BlockedTime
 * reads -1 (a value: monitoring off) or nothing, never 0. A live thread waiting on no lock
 * keeps its LockedName `null`, which is a value. Every row has a cell for every column. */
static void test_absent_thread_cells_empty(void **state)
{
	(void)state;
	stats_rowcache rc = {0};
	buf b;
	buf_init(&b);
	stats_table *t = stats_table_new();
	for (int col = 0; col < 4; col++) {
		stats_table_begin_column(t, col);
		stats_table_put_num(t, STATS_SEC_HEAD, "UpTime (ms)", 100 + col);
		if (col < 2) /* "ended" ends after column 1 */
			put_live_thread(&rc, t, &b, "ended", 7, 1000 * (col + 1));
		if (col >= 2) /* "late" starts before column 2 */
			put_live_thread(&rc, t, &b, "late", 9, 500 * col);
	}
	assert_csv(t, "UpTime (ms),100,101,102,103\n"
	              "Thread.ended.7.CPUTime (ns),1000,2000,,\n"
	              "Thread.ended.7.UserTime (ns),500,1000,,\n"
	              "Thread.ended.7.Blocked (count),0,0,,\n"
	              "Thread.ended.7.BlockedTime (ns),-1,-1,,\n"
	              "Thread.ended.7.LockedName (object),null,null,,\n"
	              "Thread.ended.7.LockedOwner (threadid),-1,-1,,\n"
	              "Thread.ended.7.State (state),TIMED_WAITING,TIMED_WAITING,,\n"
	              "Thread.ended.7.Waited (count),3,3,,\n"
	              "Thread.ended.7.WaitedTime (ns),-1,-1,,\n"
	              "Thread.late.9.CPUTime (ns),,,1000,1500\n"
	              "Thread.late.9.UserTime (ns),,,500,750\n"
	              "Thread.late.9.Blocked (count),,,0,0\n"
	              "Thread.late.9.BlockedTime (ns),,,-1,-1\n"
	              "Thread.late.9.LockedName (object),,,null,null\n"
	              "Thread.late.9.LockedOwner (threadid),,,-1,-1\n"
	              "Thread.late.9.State (state),,,TIMED_WAITING,TIMED_WAITING\n"
	              "Thread.late.9.Waited (count),,,3,3\n"
	              "Thread.late.9.WaitedTime (ns),,,-1,-1\n");
	/* The cells themselves: missing where absent, a null value where the lock name is null. */
	const char *text = "x";
	assert_int_equal(stats_table_cell(t, 1, 2, NULL, &text), STATS_CELL_MISSING);
	assert_int_equal(stats_table_cell(t, 5, 1, NULL, &text), STATS_CELL_NULL);
	assert_null(text);
	assert_int_equal(stats_table_cell(t, 5, 2, NULL, NULL), STATS_CELL_MISSING);
	assert_int_equal(stats_table_cell(t, 14, 0, NULL, NULL), STATS_CELL_MISSING);
	stats_table_free(t);
	stats_rowcache_free(&rc);
	buf_free(&b);
}

static void utf16(const char *ascii, jchar *out, size_t *n)
{
	for (*n = 0; ascii[*n]; (*n)++)
		out[*n] = (jchar)ascii[*n];
}

/* ManagementFactory's order on JDK 17 (OpenJDK 17.0.15, G1), observed: the VM lists pools
 * as `vm`, getMemoryPoolMXBeans() returns `mx`. */
static void test_mxbean_order(void **state)
{
	(void)state;
	const char *vm[] = {"CodeHeap 'non-nmethods'",
	                    "CodeHeap 'profiled nmethods'",
	                    "CodeHeap 'non-profiled nmethods'",
	                    "Metaspace",
	                    "Compressed Class Space",
	                    "G1 Eden Space",
	                    "G1 Survivor Space",
	                    "G1 Old Gen"};
	const char *mx[] = {"CodeHeap 'non-nmethods'",
	                    "Metaspace",
	                    "CodeHeap 'profiled nmethods'",
	                    "Compressed Class Space",
	                    "G1 Eden Space",
	                    "G1 Old Gen",
	                    "G1 Survivor Space",
	                    "CodeHeap 'non-profiled nmethods'"};
	int32_t hash[8];
	size_t perm[8];
	jchar u[64];
	size_t n;
	for (int i = 0; i < 8; i++) {
		utf16(vm[i], u, &n);
		hash[i] = stats_objname_hash("java.lang", "MemoryPool", u, n);
		assert_int_equal(hash[i], stats_objname_hash_ascii("java.lang", "MemoryPool", vm[i]));
	}
	stats_hashmap_order(8, hash, perm);
	for (int i = 0; i < 8; i++)
		assert_string_equal(vm[perm[i]], mx[i]);
	/* Buffer pools: VM.getBufferPools() lists direct, mapped, NVM; the MXBeans: mapped first. */
	const char *bp[] = {"direct", "mapped", "mapped - 'non-volatile memory'"};
	for (int i = 0; i < 3; i++)
		hash[i] = stats_objname_hash_ascii("java.nio", "BufferPool", bp[i]);
	stats_hashmap_order(3, hash, perm);
	assert_string_equal(bp[perm[0]], "mapped");
	assert_string_equal(bp[perm[1]], "direct");
	assert_string_equal(bp[perm[2]], "mapped - 'non-volatile memory'");
	/* "java.lang:name=G1 Young Generation,type=GarbageCollector".hashCode() */
	assert_int_equal(stats_objname_hash_ascii("java.lang", "GarbageCollector", "G1 Young Generation"),
	                 (int32_t)0x66e3e473);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_layout),       cmocka_unit_test(test_sections_and_missing),
	        cmocka_unit_test(test_quoting),      cmocka_unit_test(test_formula_neutralised),
	        cmocka_unit_test(test_labels),       cmocka_unit_test(test_table_edges),
	        cmocka_unit_test(test_table_items_come_and_go),
	        cmocka_unit_test(test_thread_rowcache),
	        cmocka_unit_test(test_absent_thread_cells_empty),
	        cmocka_unit_test(test_mxbean_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
