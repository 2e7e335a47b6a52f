/* Writes synthetic profiles as .nps files for tests/integration/10_nps_loader.sh, which
 * checks them with VisualVM's own loader. Every number here is asserted there.
 *
 * usage: npsgen KIND OUT.nps
 *   example    the worked example of the compact tree (§6 in visualvm-format/nps_format.h)
 *   mixed      CPU times, non-ASCII thread name, a thread without samples
 *   nocpu      the same without CPU times (18-byte nodes)
 *   deep       a 1500-frame path and 3000 sibling methods (4502 methods)
 *   recursive  A.a -> B.b -> A.a (Hot Spots counts the outer total only)
 *   empty      no threads at all
 * and files that break one rule each, written byte by byte because our writer cannot
 * produce them; VisualVM loads most of them, only its views disagree:
 *   bad-dup        two siblings with the same method
 *   bad-zerocalls  a node with time but 0 hits
 *   bad-nodesize   nodeSize 18 in a file with 28-byte nodes
 *   bad-total      a total that is not self + the children's totals
 *   bad-trailing   a byte after the last thread record
 * OUT ending in .zip gets a zip holding OUT's base name + "_cpu.nps". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>
#include <zlib.h>

#include "../../common/mutf8.h"

#include "../../visualvm-format/nps.h"
#include "profile_build.h"

#define MS 1000000ull /* ns */
#define US 1000ull


static void gen_example(snap_profile *p)
{
	snap_node *root = snap_thread_add(p, "main")->root;
	charge(at(p, root, "demo.Main", "main", "([Ljava/lang/String;)V"), 1, 10 * MS, 8 * MS);
}

/* main: 47 ms wall, 33 ms CPU; the second thread 7 ms / 7 ms; "idle" has no samples. */
static void gen_mixed(snap_profile *p)
{
	snap_node *root = snap_thread_add(p, "main")->root;
	snap_node *m = at(p, root, "demo.App", "main", "([Ljava/lang/String;)V");
	charge(m, 1, 5 * MS, 1 * MS);
	charge(at(p, m, "demo.App", "work", "()V"), 3, 30 * MS, 20 * MS);
	charge(at(p, m, "demo.Helper", "compute", "(ILjava/util/List;[[B)J"), 2, 12 * MS, 12 * MS);
	snap_node *w = snap_thread_add(p, "Gr\xC3\xB6\xC3\x9F"
	                                  "e-\xE7\xBA\xBF\xE7\xA8\x8B-\xF0\x9F\x98\x80")
	                       ->root;
	snap_node *run = at(p, w, "java.lang.Thread", "run", "()V");
	charge(run, 1, 0, 0);
	charge(at(p, run, "demo.Worker$Inner", "loop", "(Ljava/util/List;I)V"), 4, 7 * MS, 7 * MS);
	snap_thread_add(p, "idle");
}

/* deep: 1500 frames, the leaf 1.5 ms. wide: Dispatcher.run over W.m0..m2999, m_i (i+1)*10 us. */
static void gen_deep(snap_profile *p)
{
	snap_node *n = snap_thread_add(p, "deep")->root;
	char name[32];
	for (int d = 0; d < 1500; d++) {
		snprintf(name, sizeof name, "f%d", d);
		n = at(p, n, "demo.Deep", name, "()V");
		n->ncalls = 1;
	}
	charge(n, 0, 1500 * US, 1500 * US);
	snap_node *d = at(p, snap_thread_add(p, "wide")->root, "demo.Dispatcher", "run", "()V");
	charge(d, 1, 0, 0);
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof name, "m%d", i);
		charge(at(p, d, "demo.W", name, ""), 1, (uint64_t)(i + 1) * 10 * US, 0);
	}
}

/* A.a (10 ms self) -> B.b (2 ms) -> A.a (5 ms): A.a self 15 ms, total 17 ms. */
static void gen_recursive(snap_profile *p)
{
	snap_node *root = snap_thread_add(p, "rec")->root;
	snap_node *a = at(p, root, "rec.A", "a", "(I)I");
	charge(a, 1, 10 * MS, 10 * MS);
	snap_node *b = at(p, a, "rec.B", "b", "()V");
	charge(b, 1, 2 * MS, 2 * MS);
	charge(at(p, b, "rec.A", "a", "(I)I"), 1, 5 * MS, 5 * MS);
}

/* ---- hand-made files ---- */

typedef struct {
	uint16_t method;
	int32_t calls;
	uint64_t total, self;
	int nkids;
	int kids[2]; /* indexes into the node list */
} raw_node;

static void raw_tree(buf *t, const raw_node *n, int count)
{
	uint32_t ofs[8] = {0};
	for (int i = 1; i < count; i++)
		ofs[i] = ofs[i - 1] + 28 + 3 * (uint32_t)n[i - 1].nkids;
	for (int i = 0; i < count; i++) {
		buf_be(t, n[i].method, 2);
		buf_be(t, (uint32_t)n[i].calls, 4);
		for (int k = 0; k < 2; k++) {
			buf_be(t, n[i].total, 5);
			buf_be(t, n[i].self, 5);
		}
		buf_be(t, (uint64_t)n[i].nkids, 2);
		for (int k = 0; k < n[i].nkids; k++)
			buf_be(t, ofs[n[i].kids[k]], 3);
	}
}

static void raw_str(buf *b, const char *s) { mutf8_put_jutf(b, s, strlen(s)); }

static void raw_file(buf *out, const raw_node *n, int count, uint32_t node_size, bool trailing)
{
	buf b, t;
	buf_init(&b);
	buf_init(&t);
	raw_tree(&t, n, count);
	buf_be(&b, 1, 4);
	buf_be(&b, 1700000000000, 8);
	buf_be(&b, 1700000000250, 8);
	buf_u8(&b, 1);
	buf_be(&b, 3, 4);
	const char *names[] = {"Thread", "", "", "a.A", "x", "()V", "a.B", "y", "()V"};
	for (int i = 0; i < 9; i++)
		raw_str(&b, names[i]);
	buf_be(&b, 1, 4);
	buf_be(&b, 0, 4);
	raw_str(&b, "t");
	buf_u8(&b, 1);
	buf_be(&b, t.len, 4);
	buf_append(&b, t.data, t.len);
	buf_be(&b, node_size, 4);
	uint64_t stats[] = {n[0].total * 1000, n[0].total * 1000, 0, 0, n[0].total, n[0].total, n[0].total,
	                    n[0].total,        (uint64_t)count};
	for (int i = 0; i < 9; i++)
		buf_be(&b, stats[i], 8);
	buf_u8(&b, 1);
	if (trailing)
		buf_u8(&b, 0);
	uLongf zlen = compressBound(b.len);
	uint8_t *z = malloc(zlen);
	if (!z || compress2(z, &zlen, b.data, b.len, 6) != Z_OK)
		exit(1);
	buf_append(out, "nBpRoFiLeR\x01\x02", 12);
	buf_be(out, 1, 4);
	buf_be(out, zlen, 4);
	buf_be(out, b.len, 4);
	buf_append(out, z, zlen);
	buf_be(out, 0, 4);
	raw_str(out, "");
	free(z);
	buf_free(&b);
	buf_free(&t);
}

/* root(10) -> A.x (self 4, total 10) -> B.y (6): the valid base the bad kinds bend. */
static bool gen_bad(const char *kind, buf *out)
{
	raw_node good[] = {{0, 1, 10, 0, 1, {1}}, {1, 1, 10, 4, 1, {2}}, {2, 1, 6, 6, 0, {0}}};
	if (!strcmp(kind, "bad-dup")) {
		raw_node n[] = {{0, 1, 10, 0, 2, {1, 2}}, {1, 1, 4, 4, 0, {0}}, {1, 1, 6, 6, 0, {0}}};
		raw_file(out, n, 3, 28, false);
	} else if (!strcmp(kind, "bad-zerocalls")) {
		raw_node n[] = {{0, 1, 10, 0, 1, {1}}, {1, 0, 10, 10, 0, {0}}};
		raw_file(out, n, 2, 28, false);
	} else if (!strcmp(kind, "bad-nodesize")) {
		raw_file(out, good, 3, 18, false);
	} else if (!strcmp(kind, "bad-total")) {
		good[2].total = good[2].self = 3;
		raw_file(out, good, 3, 28, false);
	} else if (!strcmp(kind, "bad-trailing")) {
		raw_file(out, good, 3, 28, true);
	} else if (!strcmp(kind, "bad-good")) {
		raw_file(out, good, 3, 28, false);
	} else {
		return false;
	}
	return true;
}

static int save(const char *path, const buf *b)
{
	size_t n = strlen(path);
	if (n < 4 || strcmp(path + n - 4, ".zip") != 0) {
		FILE *f = fopen(path, "wb");
		if (!f || fwrite(b->data, 1, b->len, f) != b->len)
			return -1;
		return fclose(f);
	}
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char entry[512];
	snprintf(entry, sizeof entry, "%.*s_cpu.nps", (int)(strlen(base) - 4), base);
	int err;
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
	zip_source_t *src = z ? zip_source_buffer(z, b->data, b->len, 0) : NULL;
	if (!src || zip_file_add(z, entry, src, ZIP_FL_OVERWRITE) < 0) {
		zip_source_free(src);
		if (z)
			zip_discard(z);
		return -1;
	}
	return zip_close(z);
}

static bool gen_profile(const char *kind, snap_profile *p)
{
	if (!strcmp(kind, "example"))
		gen_example(p);
	else if (!strcmp(kind, "mixed"))
		gen_mixed(p);
	else if (!strcmp(kind, "nocpu")) {
		gen_mixed(p);
		p->has_cpu = false;
	} else if (!strcmp(kind, "deep"))
		gen_deep(p);
	else if (!strcmp(kind, "recursive"))
		gen_recursive(p);
	else if (strcmp(kind, "empty") != 0)
		return false;
	return true;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: npsgen KIND OUT.nps|OUT.zip (kinds: see the source)\n");
		return 2;
	}
	snap_profile *p = snap_profile_new(NULL);
	if (!p)
		return 1;
	p->begin_ms = 1700000000000;
	p->end_ms = 1700000000250;
	p->has_cpu = true;
	p->interval_us = 10000;
	const char *kind = argv[1];
	buf out;
	buf_init(&out);
	int rc = 0;
	if (!gen_bad(kind, &out)) {
		if (!gen_profile(kind, p)) {
			fprintf(stderr, "npsgen: unknown kind %s\n", kind);
			return 2;
		}
		nps_write_options o = {.comment = kind, .settings_name = "npsgen"};
		rc = nps_write(p, &o, &out);
	}
	if (rc || save(argv[2], &out) != 0) {
		fprintf(stderr, "npsgen: cannot write %s: %s\n", argv[2],
		        rc ? nps_strerror(rc) : "I/O error");
		return 1;
	}
	buf_free(&out);
	snap_profile_free(p);
	return 0;
}
