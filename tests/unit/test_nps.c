/* The .nps writer and reader against visualvm-format/nps_format.h: the worked example byte for
 * byte, header and settings, the offset-width switch, derived totals and clamping,
 * round trips, and corrupt input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "../../visualvm-format/nps.h"

#define SIG_MAIN "([Ljava/lang/String;)V"

/* ---- helpers ---- */

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static size_t hex_bytes(const char *hex, uint8_t *out)
{
	size_t n = 0;
	for (const char *h = hex; *h;) {
		if (*h == ' ' || *h == '\n') {
			h++;
			continue;
		}
		unsigned v;
		assert_int_equal(sscanf(h, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

static void put_ascii(buf *b, const char *s)
{
	buf_be(b, strlen(s), 2);
	buf_append_str(b, s);
}

/* Inflates the CPU block of a file we wrote; checks C and U on the way. */
static void inflate_file(const buf *file, buf *block)
{
	uint32_t c = (uint32_t)be(file->data + 16, 4), u = (uint32_t)be(file->data + 20, 4);
	assert_true(24 + (size_t)c + 4 <= file->len);
	buf_init(block);
	assert_true(buf_reserve(block, u));
	uLongf n = u;
	assert_int_equal(uncompress(block->data, &n, file->data + 24, c), Z_OK);
	assert_int_equal(n, u);
	block->len = n;
}

/* A complete file around a hand-made CPU block, the way VisualVM frames it. */
static void wrap_block(const buf *block, buf *file)
{
	buf_init(file);
	buf_append(file, "nBpRoFiLeR\x01\x02", 12);
	buf_be(file, 1, 4);
	uLongf c = compressBound(block->len);
	uint8_t *z = malloc(c);
	assert_int_equal(compress2(z, &c, block->data, block->len, 6), Z_OK);
	buf_be(file, c, 4);
	buf_be(file, block->len, 4);
	buf_append(file, z, c);
	free(z);
	buf_be(file, 0, 4);
	buf_be(file, 0, 2);
}

static snap_node *child(snap_profile *p, snap_node *parent, uint32_t m)
{
	bool created;
	snap_node *n = snap_node_child(p, parent, m, &created);
	assert_non_null(n);
	return n;
}

static snap_profile *example_profile(void)
{
	snap_profile *p = snap_profile_new(NULL);
	assert_non_null(p);
	p->begin_ms = 1700000000000;
	p->end_ms = 1700000000250;
	p->has_cpu = true;
	p->interval_us = 10000;
	uint32_t m = snap_method_intern(p, "demo.Main", "main", SIG_MAIN);
	assert_int_equal(m, 1);
	snap_thread *t = snap_thread_add(p, "main");
	snap_node *n = child(p, t->root, m);
	n->ncalls = 1;
	n->self_wall_ns = 10000000;
	n->self_cpu_ns = 8000000;
	return p;
}

static void write_ok(const snap_profile *p, const nps_write_options *o, buf *out)
{
	buf_init(out);
	assert_int_equal(nps_write(p, o, out), 0);
}

static snap_profile *read_ok(const buf *file)
{
	snap_profile *p = NULL;
	char err[256];
	int rc = nps_read(file->data, file->len, &p, err, sizeof err);
	if (rc)
		fail_msg("nps_read: %s", err);
	assert_non_null(p);
	return p;
}

static int read_err(const buf *file, char *err, size_t errlen)
{
	snap_profile *p = (snap_profile *)1;
	int rc = nps_read(file->data, file->len, &p, err, errlen);
	assert_null(p);
	assert_true(rc < 0);
	assert_true(strlen(err) > 0);
	return rc;
}

/* Offset of the first thread record's L field in a CPU block. */
static size_t first_thread_len_at(const buf *block)
{
	size_t pos = 21;
	uint32_t m = (uint32_t)be(block->data + pos, 4);
	pos += 4;
	for (uint32_t i = 0; i < 3 * m; i++)
		pos += 2 + be(block->data + pos, 2);
	pos += 4 + 4; /* T, thread id */
	pos += 2 + be(block->data + pos, 2);
	return pos + 1;
}

/* ---- worked example and header ---- */

static const char example_hex[] =
        "00000001 0000018bcfe56800 0000018bcfe568fa 01 00000002"
        "0006 546872656164 0000 0000"
        "0009 64656d6f2e4d61696e 0004 6d61696e 0016 285b4c6a6176612f6c616e672f537472696e673b2956"
        "00000001 00000000 0004 6d61696e 01 0000003b"
        "0000 00000001 0000002710 0000000000 0000001f40 0000000000 0001 00001f"
        "0001 00000001 0000002710 0000002710 0000001f40 0000001f40 0000"
        "0000001c 0000000000989680 00000000007a1200 0000000000000000 0000000000000000"
        "0000000000002710 0000000000001f40 0000000000002710 0000000000001f40"
        "0000000000000002 01";

static void test_worked_example_bytes(void **state)
{
	(void)state;
	uint8_t want[256];
	size_t want_len = hex_bytes(example_hex, want);
	assert_int_equal(want_len, 233);
	snap_profile *p = example_profile();
	buf file, block;
	write_ok(p, NULL, &file);
	static const uint8_t head[] = {0x6e, 0x42, 0x70, 0x52, 0x6f, 0x46, 0x69, 0x4c,
	                               0x65, 0x52, 0x01, 0x02, 0x00, 0x00, 0x00, 0x01};
	assert_memory_equal(file.data, head, sizeof head);
	assert_int_equal(be(file.data + 20, 4), 233);
	assert_int_equal(be(file.data + 16, 4), 127); /* zlib level 6, as in the spec */
	inflate_file(&file, &block);
	assert_memory_equal(block.data, want, 233);
	buf_free(&block);
	buf_free(&file);
	snap_profile_free(p);
}

static void test_settings_and_comment(void **state)
{
	(void)state;
	snap_profile *p = example_profile();
	p->interval_us = 200; /* rounds to 0 ms: must still say 1 */
	nps_write_options o = {.comment = "run \xC3\xA9t\xC3\xA9", .settings_name = "x=y \xE2\x82\xAC"};
	buf file;
	write_ok(p, &o, &file);
	size_t at = 24 + be(file.data + 16, 4);
	size_t s = be(file.data + at, 4);
	char *text = strndup((const char *)file.data + at + 4, s);
	assert_non_null(strstr(text, "\nprofiler.settings.cpu.profiling.type=2\n"));
	assert_non_null(strstr(text, "\nprofiler.settings.profiling.type=64\n"));
	assert_non_null(strstr(text, "\nprofiler.settings.thread.cpu.timer.on=true\n"));
	assert_non_null(strstr(text, "\nprofiler.settings.cpu.sampling.frequency=1\n"));
	assert_non_null(strstr(text, "\nprofiler.settings.settings.name=x\\=y \\u20AC\n"));
	assert_null(strstr(text, "override"));
	for (size_t i = 0; i < s; i++)
		assert_true(text[i] > 0 && text[i] < 0x7F); /* ISO-8859-1, in fact ASCII */
	free(text);
	/* The comment is the last thing in the file, as modified UTF-8. */
	assert_int_equal(file.len, at + 4 + s + 2 + 9);
	assert_memory_equal(file.data + at + 4 + s, "\x00\x09run \xC3\xA9t\xC3\xA9", 11);
	buf_free(&file);

	p->interval_us = 10000;
	p->has_cpu = false;
	write_ok(p, NULL, &file);
	at = 24 + be(file.data + 16, 4);
	text = strndup((const char *)file.data + at + 4, be(file.data + at, 4));
	assert_non_null(strstr(text, "\nprofiler.settings.cpu.sampling.frequency=10\n"));
	assert_non_null(strstr(text, "\nprofiler.settings.thread.cpu.timer.on=false\n"));
	free(text);
	assert_memory_equal(file.data + file.len - 2, "\0\0", 2);
	/* Without CPU times: 18-byte nodes and nodeSize 18. */
	buf block;
	inflate_file(&file, &block);
	size_t lat = first_thread_len_at(&block);
	assert_int_equal(block.data[lat - 1], 0);
	assert_int_equal(be(block.data + lat, 4), 18 + 3 + 18);
	assert_int_equal(be(block.data + lat + 4 + 39, 4), 18);
	buf_free(&block);
	buf_free(&file);
	snap_profile_free(p);
}

/* ---- offsets width ---- */

/* A profile of exactly `nodes` nodes (root included) in one thread, two levels deep. */
static snap_profile *wide_profile(uint32_t nodes)
{
	snap_profile *p = snap_profile_new(NULL);
	for (uint32_t i = 1; i <= 1000; i++) {
		char name[16];
		snprintf(name, sizeof name, "m%u", i);
		assert_int_equal(snap_method_intern(p, "W", name, ""), i);
	}
	snap_thread *t = snap_thread_add(p, "wide");
	uint32_t count = 1;
	for (uint32_t i = 1; count < nodes; i++) {
		snap_node *a = child(p, t->root, i);
		a->ncalls = 1;
		count++;
		for (uint32_t j = 1; j <= 1000 && count < nodes; j++, count++)
			child(p, a, j)->self_wall_ns = 1000;
	}
	return p;
}

static void check_width(uint32_t nodes, uint32_t want_w)
{
	snap_profile *p = wide_profile(nodes);
	buf file, block;
	write_ok(p, NULL, &file);
	inflate_file(&file, &block);
	size_t lat = first_thread_len_at(&block);
	uint64_t l = be(block.data + lat, 4);
	assert_int_equal(l, (uint64_t)nodes * 18 + want_w * (nodes - 1));
	/* The root's first child sits right after the root's own entry. */
	const uint8_t *root = block.data + lat + 4;
	uint32_t nroot = (uint32_t)be(root + 16, 2);
	assert_int_equal(be(root + 18, (int)want_w), 18 + want_w * nroot);
	snap_profile *back = read_ok(&file);
	assert_int_equal(back->nnodes, nodes);
	nps_tree t;
	assert_int_equal(nps_tree_build(back->threads[0].root, false, &t), 0);
	assert_int_equal(t.count, nodes);
	assert_int_equal(t.nodes[0].total_wall_us, nodes - 1 - nroot);
	nps_tree_free(&t);
	snap_profile_free(back);
	buf_free(&block);
	buf_free(&file);
	snap_profile_free(p);
}

static void test_offset_width_switch(void **state)
{
	(void)state;
	/* 18n + 3(n-1) <= 0xFFFFFF holds up to n = 798915. */
	check_width(798915, 3);
	check_width(798916, 4);
}

/* ---- totals, clamping, calls ---- */

static void test_totals_from_microseconds(void **state)
{
	(void)state;
	snap_profile *p = snap_profile_new(NULL);
	uint32_t a = snap_method_intern(p, "A", "a", ""), b = snap_method_intern(p, "B", "b", "");
	snap_thread *t = snap_thread_add(p, "t");
	snap_node *na = child(p, t->root, a);
	na->self_wall_ns = 1999; /* 1 µs: truncated before summing, not after */
	snap_node *nb = child(p, na, b);
	nb->self_wall_ns = 2999;
	snap_node *nc = child(p, na, a);
	nc->self_wall_ns = 999;
	nps_tree tr;
	assert_int_equal(nps_tree_build(t->root, true, &tr), 0);
	assert_int_equal(tr.count, 4);
	assert_int_equal(tr.nodes[0].total_wall_us, 3);
	assert_int_equal(tr.nodes[0].self_wall_us, 0);
	assert_int_equal(tr.nodes[1].total_wall_us, 3);
	assert_int_equal(tr.nodes[1].subtree, 3);
	assert_int_equal(tr.nodes[1].nchildren, 2);
	for (uint32_t i = 0; i < tr.count; i++)
		assert_true(tr.nodes[i].ncalls >= 1); /* every sampled node counts as a hit */
	nps_tree_free(&tr);
	assert_int_equal(nps_node_total_us(na), 3);
	assert_int_equal(nps_node_total_us(nb), 2);
	snap_profile_free(p);
}

static void test_clamp_to_u40(void **state)
{
	(void)state;
	snap_profile *p = snap_profile_new(NULL);
	p->has_cpu = true;
	uint32_t a = snap_method_intern(p, "A", "a", ""), b = snap_method_intern(p, "B", "b", "");
	snap_thread *t = snap_thread_add(p, "t");
	snap_node *na = child(p, t->root, a);
	na->self_wall_ns = UINT64_MAX;
	na->self_cpu_ns = (NPS_MAX_TIME_US - 5) * 1000;
	snap_node *nb = child(p, na, b);
	nb->self_wall_ns = 7000;
	nb->self_cpu_ns = 7000;
	buf file, block;
	write_ok(p, NULL, &file);
	inflate_file(&file, &block);
	const uint8_t *root = block.data + first_thread_len_at(&block) + 4;
	const uint8_t *n1 = root + 28 + 3;
	assert_int_equal(be(root + 6, 5), NPS_MAX_TIME_US); /* total clamps, never wraps */
	assert_int_equal(be(n1 + 11, 5), NPS_MAX_TIME_US);  /* self clamps */
	assert_int_equal(be(n1 + 16, 5), NPS_MAX_TIME_US);  /* cpu total (2^40-6 + 7) clamps */
	assert_int_equal(be(n1 + 21, 5), NPS_MAX_TIME_US - 5);
	snap_profile *back = read_ok(&file);
	assert_int_equal(back->threads[0].root->child->self_wall_ns, NPS_MAX_TIME_US * 1000);
	snap_profile_free(back);
	buf_free(&block);
	buf_free(&file);
	snap_profile_free(p);
}

/* ---- round trips ---- */

static uint32_t rnd(uint64_t *st)
{
	*st = *st * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*st >> 33);
}

static snap_profile *random_profile(uint64_t seed, bool cpu, int samples)
{
	uint64_t st = seed;
	snap_profile *p = snap_profile_new(NULL);
	p->has_cpu = cpu;
	p->begin_ms = 1600000000000 + rnd(&st);
	p->end_ms = p->begin_ms + 5000;
	p->interval_us = 1000 * (1 + rnd(&st) % 50);
	static const char *names[] = {"main",
	                              "Gr\xC3\xB6\xC3\x9F"
	                              "e-\xE7\xBA\xBF\xE7\xA8\x8B-\xF0\x9F\x98\x80",
	                              "idle", "pool-1-thread-1"};
	for (uint32_t i = 1; i < 60; i++) {
		char c[32], m[32];
		snprintf(c, sizeof c, "pkg%u.C\xC3\xA9%u", i % 4, i % 7);
		snprintf(m, sizeof m, "m%u", i);
		snap_method_intern(p, c, m, i % 2 ? "(I)V" : "");
	}
	for (int t = 0; t < 4; t++) {
		snap_thread *th = snap_thread_add(p, names[t]);
		snap_node *root = th->root;
		if (t == 2)
			continue; /* no samples */
		for (int s = 0; s < samples; s++) {
			snap_node *n = root;
			int depth = 1 + (int)(rnd(&st) % 12);
			for (int d = 0; d < depth; d++) {
				n = child(p, n, 1 + rnd(&st) % (p->nmethods - 1));
				n->ncalls += rnd(&st) % 3;
			}
			n->self_wall_ns += 1000ull * (rnd(&st) % 5000) + rnd(&st) % 1000;
			if (cpu)
				n->self_cpu_ns += 1000ull * (rnd(&st) % 3000);
		}
	}
	return p;
}

static void test_round_trip_is_stable(void **state)
{
	(void)state;
	for (int cpu = 0; cpu < 2; cpu++) {
		snap_profile *p = random_profile(1234 + (uint64_t)cpu, cpu, 300);
		buf f1, f2;
		nps_write_options o = {.comment = "round trip"};
		write_ok(p, &o, &f1);
		snap_profile *q = read_ok(&f1);
		assert_int_equal(q->nthreads, 3); /* the empty thread is left out */
		assert_string_equal(q->threads[1].name, p->threads[1].name);
		assert_int_equal(q->threads[2].id, 3);
		assert_int_equal(q->begin_ms, p->begin_ms);
		assert_int_equal(q->end_ms, p->end_ms);
		assert_int_equal(q->interval_us, p->interval_us);
		assert_int_equal(q->has_cpu, p->has_cpu);
		assert_int_equal(q->nmethods, p->nmethods);
		for (uint32_t i = 0; i < p->nmethods; i++) {
			assert_string_equal(q->methods[i].class_name, p->methods[i].class_name);
			assert_string_equal(q->methods[i].method_name, p->methods[i].method_name);
			assert_string_equal(q->methods[i].signature, p->methods[i].signature);
		}
		nps_tree a, b;
		assert_int_equal(nps_tree_build(p->threads[3].root, cpu, &a), 0);
		assert_int_equal(nps_tree_build(q->threads[2].root, cpu, &b), 0);
		assert_int_equal(a.count, b.count);
		for (uint32_t i = 0; i < a.count; i++) {
			assert_int_equal(a.nodes[i].node->method, b.nodes[i].node->method);
			assert_int_equal(a.nodes[i].total_wall_us, b.nodes[i].total_wall_us);
			assert_int_equal(a.nodes[i].self_cpu_us, b.nodes[i].self_cpu_us);
			assert_int_equal(a.nodes[i].ncalls, b.nodes[i].ncalls);
		}
		nps_tree_free(&a);
		nps_tree_free(&b);
		write_ok(q, &o, &f2); /* the read profile writes the very same bytes */
		assert_int_equal(f1.len, f2.len);
		assert_memory_equal(f1.data, f2.data, f1.len);
		buf_free(&f1);
		buf_free(&f2);
		snap_profile_free(p);
		snap_profile_free(q);
	}
}

/* ---- the writer's deadline ---- */

/* A test clock: each reading advances it by one tick, so a deadline N ticks away is
 * reached after N looks at it, wherever they are. */
static uint64_t ticks;
static uint64_t tick_clock(void) { return ticks++; }

static void test_deadline(void **state)
{
	(void)state;
	snap_profile *p = wide_profile(3 * NPS_DEADLINE_EVERY + 5);
	buf plain, timed;
	write_ok(p, NULL, &plain);
	/* A deadline never reached: the same bytes as without one. */
	nps_write_options far = {.deadline_ns = UINT64_MAX, .now_ns = tick_clock};
	ticks = 0;
	write_ok(p, &far, &timed);
	assert_int_equal(timed.len, plain.len);
	assert_memory_equal(timed.data, plain.data, plain.len);
	uint64_t looks = ticks;
	assert_int_equal(looks, 5); /* the thread, after 8192, 16384 and 24576 nodes, the compression */
	uint64_t put = 0;
	nps_write_options counted = {.deadline_ns = UINT64_MAX, .now_ns = tick_clock, .nodes_put = &put};
	buf again;
	write_ok(p, &counted, &again);
	assert_int_equal(put, 3 * NPS_DEADLINE_EVERY + 5);
	buf_free(&again);
	/* Expired at the first look, and at every later one in turn: abandoned, `out` as it was,
	 * the nodes laid out until then counted. */
	static const uint64_t put_by[] = {0, NPS_DEADLINE_EVERY, 2 * NPS_DEADLINE_EVERY, 3 * NPS_DEADLINE_EVERY,
					  3 * NPS_DEADLINE_EVERY + 5};
	for (uint64_t k = 0; k < looks; k++) {
		put = 0;
		nps_write_options o = {.deadline_ns = k, .now_ns = tick_clock, .nodes_put = &put};
		buf out;
		buf_init(&out);
		buf_append_str(&out, "kept");
		ticks = 0;
		assert_int_equal(nps_write(p, &o, &out), NPS_ERR_DEADLINE);
		assert_int_equal(out.len, 4);
		assert_memory_equal(out.data, "kept", 4);
		assert_int_equal(put, put_by[k]);
		buf_free(&out);
	}
	assert_string_equal(nps_strerror(NPS_ERR_DEADLINE), "not finished by its deadline");
	buf_free(&plain);
	buf_free(&timed);
	snap_profile_free(p);
}

static void test_always_one_thread(void **state)
{
	(void)state;
	snap_profile *p = snap_profile_new(NULL);
	buf file;
	write_ok(p, NULL, &file);
	snap_profile *q = read_ok(&file);
	assert_int_equal(q->nthreads, 1);
	assert_null(q->threads[0].root->child);
	snap_profile_free(q);
	buf_free(&file);
	snap_thread_add(p, "empty-a");
	snap_thread_add(p, "empty-b");
	write_ok(p, NULL, &file);
	q = read_ok(&file);
	assert_int_equal(q->nthreads, 1);
	assert_string_equal(q->threads[0].name, "empty-a");
	snap_profile_free(q);
	buf_free(&file);
	snap_profile_free(p);
}

static void test_deep_tree_without_recursion(void **state)
{
	(void)state;
	snap_profile *p = snap_profile_new(NULL);
	snap_thread *t = snap_thread_add(p, "deep");
	snap_node *n = t->root;
	for (uint32_t d = 0; d < 50000; d++) {
		char name[16];
		snprintf(name, sizeof name, "f%u", d % 3000);
		n = child(p, n, snap_method_intern(p, "Deep", name, "()V"));
	}
	n->self_wall_ns = 5000;
	buf file;
	write_ok(p, NULL, &file);
	snap_profile *q = read_ok(&file);
	nps_tree tr;
	assert_int_equal(nps_tree_build(q->threads[0].root, false, &tr), 0);
	assert_int_equal(tr.count, 50001);
	assert_int_equal(tr.nodes[tr.count - 1].depth, 50000);
	assert_int_equal(tr.nodes[0].total_wall_us, 5);
	assert_int_equal(tr.nodes[1].total_wall_us, 5);
	nps_tree_free(&tr);
	snap_profile_free(q);
	buf_free(&file);
	snap_profile_free(p);
}

static void test_invalid_profiles_refused(void **state)
{
	(void)state;
	snap_profile *p = example_profile();
	buf file;
	buf_init(&file);
	buf_append(&file, "keep", 4);
	p->threads[0].id = -1;
	assert_int_equal(nps_write(p, NULL, &file), NPS_ERR_INVALID);
	assert_int_equal(file.len, 4); /* nothing half-written */
	p->threads[0].id = 0;
	p->threads[0].root->child->method = 7; /* beyond the method table */
	assert_int_equal(nps_write(p, NULL, &file), NPS_ERR_INVALID);
	assert_int_equal(file.len, 4);
	buf_free(&file);
	snap_profile_free(p);
}

/* ---- hand-made files: what the reader accepts and refuses ---- */

/* CPU block with methods ("Thread","",""), A.a, B.b, A.a again, one thread of raw
 * 18-byte nodes. */
static void block_with_tree(buf *b, const uint8_t *tree, size_t len)
{
	buf_init(b);
	buf_be(b, 1, 4);
	buf_be(b, 1000, 8);
	buf_be(b, 2000, 8);
	buf_u8(b, 0);
	buf_be(b, 4, 4);
	const char *names[] = {"Thread", "", "", "A", "a", "", "B", "b", "", "A", "a", ""};
	for (int i = 0; i < 12; i++)
		put_ascii(b, names[i]);
	buf_be(b, 1, 4);
	buf_be(b, 5, 4);
	buf_be(b, 10, 2);
	buf_append(b, "a\xC0\x80z\xED\xA0\xBD\xED\xB8\x80", 10); /* a, NUL, z, U+1F600 */
	buf_u8(b, 0);
	buf_be(b, len, 4);
	buf_append(b, tree, len);
	buf_be(b, 18, 4);
	for (int i = 0; i < 9; i++)
		buf_be(b, 0, 8);
	buf_u8(b, 0);
}

/* An 18-byte node header followed by its 3-byte child offsets. */
static void node(buf *t, uint32_t m, uint32_t calls, uint64_t total, uint64_t self, uint32_t n,
                 const uint32_t *kids)
{
	buf_be(t, m, 2);
	buf_be(t, calls, 4);
	buf_be(t, total, 5);
	buf_be(t, self, 5);
	buf_be(t, n, 2);
	for (uint32_t i = 0; i < n; i++)
		buf_be(t, kids[i], 3);
}

static snap_profile *read_tree_file(const buf *tree, int *rc, char *err, size_t errlen)
{
	buf block, file;
	block_with_tree(&block, tree->data, tree->len);
	wrap_block(&block, &file);
	snap_profile *p = NULL;
	*rc = nps_read(file.data, file.len, &p, err, errlen);
	buf_free(&block);
	buf_free(&file);
	return p;
}

static void test_duplicate_siblings_merge(void **state)
{
	(void)state;
	/* root -> A.a(id 1), B.b, A.a(id 3, same names as 1); each A.a has child B.b. */
	buf t;
	buf_init(&t);
	uint32_t kids[] = {27, 48, 66};
	uint32_t k1[] = {87}, k3[] = {105};
	node(&t, 0, 1, 0, 0, 3, kids); /* @0, 27 bytes */
	node(&t, 1, 2, 10, 4, 1, k1);  /* @27 A.a */
	node(&t, 2, 1, 5, 5, 0, NULL); /* @48 B.b */
	node(&t, 3, 3, 9, 1, 1, k3);   /* @66 A.a again, under another id */
	node(&t, 2, 1, 6, 6, 0, NULL); /* @87 */
	node(&t, 2, 4, 8, 8, 0, NULL); /* @105 */
	assert_int_equal(t.len, 123);
	int rc;
	char err[128];
	snap_profile *p = read_tree_file(&t, &rc, err, sizeof err);
	if (rc)
		fail_msg("%s", err);
	assert_int_equal(p->nmethods, 3); /* A.a interned once */
	assert_int_equal(p->threads[0].id, 5);
	assert_string_equal(p->threads[0].name, "a\xEF\xBF\xBDz\xF0\x9F\x98\x80");
	snap_node *root = p->threads[0].root;
	int nkids = 0;
	for (snap_node *c = root->child; c; c = c->sibling)
		nkids++;
	assert_int_equal(nkids, 2);
	snap_node *a = root->child->method == 1 ? root->child : root->child->sibling;
	assert_int_equal(a->method, 1);
	assert_int_equal(a->ncalls, 5);
	assert_int_equal(a->self_wall_ns, 5000);
	assert_non_null(a->child);
	assert_null(a->child->sibling); /* both B.b children merged too */
	assert_int_equal(a->child->self_wall_ns, 14000);
	assert_int_equal(a->child->ncalls, 5);
	assert_int_equal(p->has_cpu, false);
	assert_int_equal(nps_node_total_us(root), 5 + 14 + 5);
	snap_profile_free(p);
	buf_free(&t);
}

static void test_bad_trees_refused(void **state)
{
	(void)state;
	char err[128];
	int rc;
	buf t;
	struct {
		uint32_t kid; /* the root's one child offset */
		uint32_t method;
		const char *why;
	} cases[] = {
	        {0, 1, "referenced twice"},  /* cycle back to the root */
	        {21, 1, "referenced twice"}, /* child points to itself */
	        {22, 1, "runs past"},        /* header beyond the array */
	        {21, 9, "method id"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		buf_init(&t);
		node(&t, 0, 1, 0, 0, 1, &cases[i].kid);
		uint32_t self_kid = 21;
		node(&t, cases[i].method, 1, 1, 1, i == 1 ? 1 : 0, &self_kid);
		snap_profile *p = read_tree_file(&t, &rc, err, sizeof err);
		assert_null(p);
		assert_int_equal(rc, NPS_ERR_FORMAT);
		if (!strstr(err, cases[i].why))
			fail_msg("case %zu: %s", i, err);
		buf_free(&t);
	}
	/* A root that is not the pseudo-method is hung under the thread root. */
	buf_init(&t);
	node(&t, 2, 7, 3, 3, 0, NULL);
	snap_profile *p = read_tree_file(&t, &rc, err, sizeof err);
	assert_int_equal(rc, 0);
	assert_int_equal(p->threads[0].root->method, 0);
	assert_int_equal(p->threads[0].root->child->method, 2);
	assert_int_equal(p->threads[0].root->child->ncalls, 7);
	snap_profile_free(p);
	buf_free(&t);
}

static void test_container_errors(void **state)
{
	(void)state;
	snap_profile *p = example_profile();
	buf file;
	char err[128];
	write_ok(p, NULL, &file);
	snap_profile_free(p);

	file.data[3] = 'X';
	read_err(&file, err, sizeof err);
	assert_non_null(strstr(err, "magic"));
	file.data[3] = 'R';
	file.data[10] = 2;
	read_err(&file, err, sizeof err);
	assert_non_null(strstr(err, "version"));
	file.data[10] = 1;
	file.data[15] = 4;
	read_err(&file, err, sizeof err);
	assert_non_null(strstr(err, "not a CPU snapshot"));
	file.data[15] = 1;
	/* C one byte too long: the settings length then starts inside the zlib trailer. */
	file.data[19]++;
	read_err(&file, err, sizeof err);
	file.data[19]--;
	/* Junk inside the C window after the zlib stream (VisualVM 2.1 refuses it too). */
	buf junk;
	buf_init(&junk);
	size_t c = be(file.data + 16, 4);
	buf_append(&junk, file.data, 24 + c);
	buf_u8(&junk, 0);
	buf_append(&junk, file.data + 24 + c, file.len - 24 - c);
	junk.data[19]++;
	read_err(&junk, err, sizeof err);
	assert_non_null(strstr(err, "ended too early"));
	buf_free(&junk);
	/* Extra bytes after the last thread inside the block. */
	buf block, file2;
	inflate_file(&file, &block);
	buf_u8(&block, 0);
	wrap_block(&block, &file2);
	read_err(&file2, err, sizeof err);
	assert_non_null(strstr(err, "after the last thread"));
	buf_free(&file2);
	/* A minor version below 2 carries no comment; trailing bytes are ignored. */
	block.len--;
	wrap_block(&block, &file2);
	file2.data[11] = 1;
	file2.len -= 2;
	snap_profile *q = read_ok(&file2);
	snap_profile_free(q);
	buf_free(&file2);
	buf_free(&block);
	/* Duplicate thread ids. */
	snap_profile *two = example_profile();
	snap_thread *t2 = snap_thread_add(two, "second");
	child(two, t2->root, 1)->self_wall_ns = 1000;
	two->threads[1].id = 0;
	buf f3;
	write_ok(two, NULL, &f3);
	read_err(&f3, err, sizeof err);
	assert_non_null(strstr(err, "appears twice"));
	buf_free(&f3);
	snap_profile_free(two);
	buf_free(&file);
}

/* Every truncation of a valid file fails cleanly; byte flips never crash, and whatever
 * loads is a consistent profile that can be written again. */
static void test_truncations_and_flips(void **state)
{
	(void)state;
	snap_profile *p = random_profile(99, true, 30);
	buf file;
	write_ok(p, NULL, &file);
	snap_profile_free(p);
	char err[256];
	for (size_t n = 0; n < file.len; n++) {
		buf cut = {file.data, n, n, false};
		read_err(&cut, err, sizeof err);
	}
	/* Flips in the CPU block are caught by Adler-32, so also flip inside the inflated
	 * block and re-wrap it: that exercises the tree checks. */
	buf block;
	inflate_file(&file, &block);
	uint64_t st = 5;
	int loaded = 0;
	for (int iter = 0; iter < 3000; iter++) {
		buf *target = iter % 3 ? &block : &file;
		size_t at = rnd(&st) % target->len;
		uint8_t old = target->data[at];
		target->data[at] ^= (uint8_t)(1u << (rnd(&st) % 8));
		buf f2;
		buf_init(&f2);
		if (target == &block)
			wrap_block(&block, &f2);
		const buf *in = target == &block ? &f2 : &file;
		snap_profile *q = NULL;
		int rc = nps_read(in->data, in->len, &q, err, sizeof err);
		if (rc == 0) {
			loaded++;
			buf again;
			buf_init(&again);
			assert_int_equal(nps_write(q, NULL, &again), 0);
			snap_profile_free(q);
			buf_free(&again);
		} else {
			assert_null(q);
		}
		if (target == &block)
			buf_free(&f2);
		target->data[at] = old;
	}
	assert_true(loaded > 0); /* flips of times or names still load */
	buf_free(&block);
	buf_free(&file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_worked_example_bytes),
	        cmocka_unit_test(test_settings_and_comment),
	        cmocka_unit_test(test_offset_width_switch),
	        cmocka_unit_test(test_totals_from_microseconds),
	        cmocka_unit_test(test_clamp_to_u40),
	        cmocka_unit_test(test_round_trip_is_stable),
	        cmocka_unit_test(test_deadline),
	        cmocka_unit_test(test_always_one_thread),
	        cmocka_unit_test(test_deep_tree_without_recursion),
	        cmocka_unit_test(test_invalid_profiles_refused),
	        cmocka_unit_test(test_duplicate_siblings_merge),
	        cmocka_unit_test(test_bad_trees_refused),
	        cmocka_unit_test(test_container_errors),
	        cmocka_unit_test(test_truncations_and_flips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
