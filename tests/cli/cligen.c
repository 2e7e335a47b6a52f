/* Writes the deterministic snapshots behind the jvmsnap golden tests
 * (tests/integration/60_cli.sh): every time, hit and statistic is fixed here, so the
 * expected outputs in tests/cli/golden/ never vary.
 *
 * usage: cligen KIND OUT
 *   basic OUT.zip   two threads with CPU times, statistics (3 snapshots), metadata.json
 *   part N OUT.nps  one of the inputs of the merge test; N (1..) scales the times
 *   nocpu OUT.nps   wall times only
 *   statsonly OUT.zip  a zip holding only the statistics
 *   csv OUT.csv     the statistics alone
 *   hostile OUT.zip names built to attack a terminal: ESC sequences, a newline that would
 *                   forge a line, BEL, DEL and C1 controls in thread, method and class
 *                   names, in a statistics label and cell and in metadata.json
 *   invocation SEED OUT.zip  a varied invocation snapshot for bench/cli_merge.sh: SEED picks
 *                   the window, the thread names, the stacks and their times, so 1,000
 *                   seeds give 1,000 distinct inputs (not deterministic across versions)
 *   mutate IN OUT SEED  IN with a few bytes changed (for the never-crash test); for a .nps
 *                   the changes go into the inflated body, which is compressed again with
 *                   consistent lengths, so the reader's parser sees them, not just zlib */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../snapshot/package.h"
#include "../../visualvm-format/nps.h"
#include "../tools/profile_build.h"

#define MS 1000000ull /* ns */

/* main: Main.main -> Main.compute -> Main.hot (hot), Main.compute -> Util.sort,
 *       Main.main -> Thread.sleep;  "worker-ü": Worker.run -> Main.hot, Worker.run -> Util.sort */
static void gen_profile(snap_profile *p, uint64_t k, bool cpu)
{
	p->begin_ms = 1521036185120; /* 2018-03-14 14:03:05.120 UTC */
	p->end_ms = p->begin_ms + 1000 * (int64_t)k;
	p->has_cpu = cpu;
	p->interval_us = 10000;
	snap_node *root = snap_thread_add(p, "main")->root;
	snap_node *mainm = at(p, root, "demo.Main", "main", "([Ljava/lang/String;)V");
	charge(mainm, 1, 5 * MS * k, 4 * MS * k);
	snap_node *compute = at(p, mainm, "demo.Main", "compute", "(IJ)J");
	charge(compute, 2, 20 * MS * k, 20 * MS * k);
	charge(at(p, compute, "demo.Main", "hot", "([DLjava/util/List;)D"), 7, 600 * MS * k, 590 * MS * k);
	charge(at(p, compute, "demo.Util", "sort", "([I)V"), 3, 100 * MS * k, 100 * MS * k);
	charge(at(p, mainm, "java.lang.Thread", "sleep[native]", "(J)V"), 1, 200 * MS * k, 0);
	snap_node *w = snap_thread_add(p, "worker-\xc3\xbc")->root;
	snap_node *run = at(p, w, "demo.Worker", "run", "()V");
	charge(run, 1, 10 * MS * k, 10 * MS * k);
	charge(at(p, run, "demo.Main", "hot", "([DLjava/util/List;)D"), 4, 300 * MS * k, 300 * MS * k);
	charge(at(p, run, "demo.Util", "sort", "([I)V"), 2, 50 * MS * k, 40 * MS * k);
	snap_thread_add(p, "idle"); /* never sampled: left out of the file */
}

static const char STATS_CSV[] = "AbsoluteTime (ns),1000000000,1500000000,2000000000\n"
                                "RelativeTime (ns),0,500000000,1000000000\n"
                                "StartTime (utc ms),1521036180000,1521036180000,1521036180000\n"
                                "UpTime (ms),5120,5620,6120\n"
                                "CurrentLoadedClasses (classes),1500,1620,1650\n"
                                "TotalLoadedClasses (classes),1500,1620,1650\n"
                                "TotalUnloadedClasses (classes),0,0,0\n"
                                "TotalCompilationTime (ms),120,180,200\n"
                                "GC.G1 Young Generation.Count (collections),2,5,6\n"
                                "GC.G1 Young Generation.Time (ms),10,25,31\n"
                                "GC.G1 Old Generation.Count (collections),0,0,1\n"
                                "GC.G1 Old Generation.Time (ms),0,0,40\n"
                                "MemPool.G1 Eden Space.Usage.init (byte),27262976,27262976,27262976\n"
                                "MemPool.G1 Eden Space.Usage.used (byte),4194304,20971520,8388608\n"
                                "MemPool.G1 Eden Space.Usage.committed (byte),27262976,27262976,27262976\n"
                                "MemPool.G1 Eden Space.Usage.max (byte),-1,-1,-1\n"
                                "MemPool.G1 Old Gen.Usage.init (byte),241172480,241172480,241172480\n"
                                "MemPool.G1 Old Gen.Usage.used (byte),1048576,3145728,6291456\n"
                                "MemPool.G1 Old Gen.Usage.committed (byte),241172480,241172480,241172480\n"
                                "MemPool.G1 Old Gen.Usage.max (byte),4294967296,4294967296,4294967296\n"
                                "Memory.Heap.init (byte),268435456,268435456,268435456\n"
                                "Memory.Heap.used (byte),5242880,24117248,14680064\n"
                                "Memory.Heap.committed (byte),268435456,268435456,268435456\n"
                                "Memory.Heap.max (byte),4294967296,4294967296,4294967296\n"
                                "Memory.NonHeap.used (byte),10485760,12582912,13631488\n"
                                "PendingFinalizers (count),0,0,0\n"
                                "Thread.main.1.CPUTime (ns),100000000,400000000,700000000\n"
                                "Thread.main.1.State (state),RUNNABLE,RUNNABLE,RUNNABLE\n"
                                "Thread.worker,with,commas.12.State (state),null,RUNNABLE,TERMINATED\n"
                                "Thread.Reference Handler.2.State (state),WAITING,WAITING,WAITING\n"
                                "BufferPool.direct.Count (objects),1,2,2\n"
                                "BufferPool.direct.Used (byte),8192,16384,16384\n";

/* The layout of snapshot/metadata.c (snap_metadata_json). */
static const char METADATA[] = "{\n"
                               "  \"agent\": \"jvmsnap\",\n"
                               "  \"agent_version\": \"0.1.0\",\n"
                               "  \"jvm_name\": \"OpenJDK 64-Bit Server VM\",\n"
                               "  \"jvm_version\": \"17.0.9+9\",\n"
                               "  \"function_name\": \"demo-fn\",\n"
                               "  \"function_version\": \"$LATEST\",\n"
                               "  \"request_id\": null,\n"
                               "  \"window\": \"invocation\",\n"
                               "  \"window_start\": \"2018-03-14T14:03:05.120Z\",\n"
                               "  \"window_end\": \"2018-03-14T14:03:06.120Z\",\n"
                               "  \"window_start_ms\": 1521036185120,\n"
                               "  \"window_end_ms\": 1521036186120,\n"
                               "  \"duration_ms\": 1000,\n"
                               "  \"interval_requested_us\": 10000,\n"
                               "  \"interval_achieved_us\": 10012,\n"
                               "  \"samples\": 100,\n"
                               "  \"threads\": 3,\n"
                               "  \"threads_with_java_frames\": 2,\n"
                               "  \"methods\": 6,\n"
                               "  \"stats_columns\": 3\n"
                               "}\n";

/* ESC [2J clears the screen, ESC ]0;...BEL sets the window title, U+009B is the C1 CSI. */
#define EVIL_THREAD "evil\x1b[2J\nforged: line\x7f"
#define EVIL_CLASS  "demo.Evil\x1b]0;pwned\x07"
#define EVIL_METHOD "run\xc2\x9b" "31m"

static const char HOSTILE_CSV[] = "AbsoluteTime (ns),1000000000,2000000000\n"
                                  "RelativeTime (ns),0,1000000000\n"
                                  "\"Thread." EVIL_THREAD ".7.State (state)\",RUNNABLE,\x1b[31mRED\n";

static const char HOSTILE_METADATA[] = "{\n  \"agent\": \"jvmsnap\",\n"
                                       "  \"request_id\": \"\\u001b[31mred\\nforged\"\n}\n";

/* Writes `p` (freed here) as a snapshot zip: NAME_cpu.nps, NAME_stat.csv, metadata.json. */
static int write_zip(const char *out, snap_profile *p, const char *comment, const char *names[2],
                     const char *csv, size_t csv_len, const char *meta, size_t meta_len)
{
	buf b;
	buf_init(&b);
	char err[256];
	nps_write_options o = {.comment = comment};
	int rc = nps_write(p, &o, &b) || b.failed;
	if (rc) {
		fprintf(stderr, "cligen: nps_write failed\n");
		snap_profile_free(p);
		buf_free(&b);
		return 1;
	}
	snap_zip_entry e[] = {{names[0], b.data, b.len, false},
	                      {names[1], csv, csv_len, true},
	                      {"metadata.json", meta, meta_len, true}};
	rc = snap_zip_write(out, e, 3, err, sizeof err);
	if (rc)
		fprintf(stderr, "cligen: %s\n", err);
	snap_profile_free(p);
	buf_free(&b);
	return rc ? 1 : 0;
}

static int write_hostile(const char *out)
{
	snap_limits lim = {0, 0};
	snap_profile *p = snap_profile_new(&lim);
	if (!p)
		return fprintf(stderr, "cligen: out of memory\n"), 1;
	p->begin_ms = 1521036185120;
	p->end_ms = p->begin_ms + 1000;
	p->has_cpu = true;
	p->interval_us = 10000;
	snap_node *run = at(p, snap_thread_add(p, EVIL_THREAD)->root, EVIL_CLASS, EVIL_METHOD, "()V");
	charge(run, 2, 30 * MS, 20 * MS);
	const char *names[2] = {"evil_cpu.nps", "evil_stat.csv"};
	return write_zip(out, p, "cligen hostile", names, HOSTILE_CSV, sizeof HOSTILE_CSV - 1, HOSTILE_METADATA,
	                 sizeof HOSTILE_METADATA - 1);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void nps_bytes(uint64_t k, bool cpu, buf *out)
{
	snap_limits lim = {0, 0};
	snap_profile *p = snap_profile_new(&lim);
	if (!p) {
		fprintf(stderr, "cligen: out of memory\n");
		exit(1);
	}
	gen_profile(p, k, cpu);
	nps_write_options o = {.comment = "cligen"};
	if (nps_write(p, &o, out) || out->failed) {
		fprintf(stderr, "cligen: nps_write failed\n");
		exit(1);
	}
	snap_profile_free(p);
}

static uint64_t rng_state;
static uint32_t rnd(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

/* A few random edits: byte flips, small/boundary values, or a truncation. */
static void mutate_bytes(uint8_t *d, size_t *len)
{
	if (!*len)
		return;
	int edits = 1 + (int)(rnd() % 4);
	for (int i = 0; i < edits; i++) {
		size_t at = rnd() % *len;
		switch (rnd() % 5) {
		case 0:
			d[at] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 1:
			d[at] = 0xff;
			break;
		case 2:
			d[at] = 0;
			break;
		case 3:
			d[at] = (uint8_t)rnd();
			break;
		default:
			if (rnd() % 4 == 0)
				*len = at; /* truncate */
		}
	}
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static int mutate(const char *in, const char *out, uint64_t seed)
{
	rng_state = seed * 2654435761u + 1;
	FILE *f = fopen(in, "rb");
	if (!f)
		return perror(in), 1;
	static uint8_t data[1 << 24];
	size_t len = fread(data, 1, sizeof data, f);
	fclose(f);
	/* magic(10) major minor type(4) clen(4) ulen(4) zlib... */
	if (len > 24 && !memcmp(data, "nBpRoFiLeR", 10) && rnd() % 4) {
		uint32_t clen = be32(data + 16), ulen = be32(data + 20);
		if (clen <= len - 24 && ulen < (1u << 26)) {
			uLongf got = ulen;
			uint8_t *body = malloc(ulen + 1), *packed = malloc(compressBound(ulen) + 64);
			if (body && packed && uncompress(body, &got, data + 24, clen) == Z_OK) {
				size_t blen = got;
				mutate_bytes(body, &blen);
				uLongf plen = compressBound(blen) + 64;
				if (compress2(packed, &plen, body, blen, 3) == Z_OK) {
					f = fopen(out, "wb");
					put_be32(data + 16, (uint32_t)plen);
					put_be32(data + 20, (uint32_t)blen);
					if (!f || fwrite(data, 1, 24, f) != 24 ||
					    fwrite(packed, 1, plen, f) != plen ||
					    fwrite(data + 24 + clen, 1, len - 24 - clen, f) !=
					            len - 24 - clen ||
					    fclose(f)) {
						perror(out);
						exit(1);
					}
					free(body);
					free(packed);
					return 0;
				}
			}
			free(body);
			free(packed);
		}
	}
	mutate_bytes(data, &len);
	write_file(out, data, len);
	return 0;
}

/* ---- invocation SEED: varied snapshots for the merge benchmark -------------------------- */

#define INV_POOL 1920 /* app methods: 240 classes of 8 methods */

/* The app's static call graph, the same in every invocation: method m calls one of three
 * callees, the first far more often (a hot path), as a real function's code does. */
static uint32_t inv_callee(uint32_t m, uint32_t k)
{
	return (uint32_t)(((uint64_t)m * 2654435761u + k * 40503u + 17u) % INV_POOL);
}

/* One sampled stack: a random walk down the call graph from the thread's entry method;
 * which branch, how deep and how long vary per sample. */
static void inv_stack(snap_profile *p, snap_node *n, uint32_t m, uint32_t interval_us)
{
	static const char *const SIG[] = {"()V", "(I)J", "(Ljava/lang/String;)V", "([BII)I",
	                                  "(Ljava/util/Map;Ljava/util/List;)Ljava/lang/Object;"};
	uint32_t depth = 4 + rnd() % 6 + rnd() % 8;
	for (uint32_t d = 0; d < depth; d++) {
		char cls[64], name[32];
		snprintf(cls, sizeof cls, "com.example.svc%u.Handler%u", m / 192, m / 8);
		snprintf(name, sizeof name, "step%u", m % 8);
		n = at(p, n, cls, name, SIG[m % 5]);
		uint32_t r = rnd() % 100;
		m = inv_callee(m, r < 85 ? 0 : r < 97 ? 1 : 2);
	}
	uint64_t wall = (uint64_t)interval_us * 1000u * (1 + rnd() % 4);
	charge(n, 1 + rnd() % 3, wall, rnd() % 3 ? wall / (1 + rnd() % 4) : 0);
}

/* A Lambda-like set of threads whose names vary (pool and worker numbers) with the seed. */
static void gen_invocation(snap_profile *p, uint64_t seed)
{
	p->begin_ms = 1521036185120 + (int64_t)seed * 1500;
	p->end_ms = p->begin_ms + 100 + rnd() % 1000;
	p->has_cpu = true;
	p->interval_us = 1000;
	uint32_t nthreads = 2 + rnd() % 5;
	for (uint32_t t = 0; t < nthreads; t++) {
		char name[48];
		if (t == 0)
			snprintf(name, sizeof name, "main");
		else if (t % 2)
			snprintf(name, sizeof name, "pool-%u-thread-%u", 1 + rnd() % 4, t);
		else
			snprintf(name, sizeof name, "worker-%u", rnd() % 16);
		snap_node *root = snap_thread_add(p, name)->root;
		snap_node *entry =
		        t == 0 ? at(p, root, "lambdainternal.AWSLambda", "main", "([Ljava/lang/String;)V")
		               : at(p, root, "java.lang.Thread", "run", "()V");
		uint32_t first = t == 0 ? 0 : t % 2 ? 640 : 1280; /* the thread kind's entry */
		for (uint32_t s = 20 + rnd() % 100; s > 0; s--)
			inv_stack(p, entry, first, p->interval_us);
	}
}

static int write_invocation(uint64_t seed, const char *out)
{
	rng_state = seed * 0x9E3779B97F4A7C15ull + 7;
	snap_limits lim = {0, 0};
	snap_profile *p = snap_profile_new(&lim);
	if (!p)
		return fprintf(stderr, "cligen: out of memory\n"), 1;
	gen_invocation(p, seed);
	const char *names[2] = {"inv_cpu.nps", "inv_stat.csv"};
	return write_zip(out, p, "cligen invocation", names, STATS_CSV, sizeof STATS_CSV - 1, METADATA,
	                 sizeof METADATA - 1);
}

int main(int argc, char **argv)
{
	buf b;
	buf_init(&b);
	char err[256];
	if (argc == 3 && !strcmp(argv[1], "basic")) {
		nps_bytes(1, true, &b);
		snap_zip_entry e[] = {{"basic_cpu.nps", b.data, b.len, false},
		                      {"basic_stat.csv", STATS_CSV, sizeof STATS_CSV - 1, true},
		                      {"metadata.json", METADATA, sizeof METADATA - 1, true}};
		if (snap_zip_write(argv[2], e, 3, err, sizeof err)) {
			fprintf(stderr, "cligen: %s\n", err);
			return 1;
		}
	} else if (argc == 3 && !strcmp(argv[1], "statsonly")) {
		snap_zip_entry e[] = {{"s_stat.csv", STATS_CSV, sizeof STATS_CSV - 1, true}};
		if (snap_zip_write(argv[2], e, 1, err, sizeof err)) {
			fprintf(stderr, "cligen: %s\n", err);
			return 1;
		}
	} else if (argc == 3 && !strcmp(argv[1], "csv")) {
		write_file(argv[2], STATS_CSV, sizeof STATS_CSV - 1);
	} else if (argc == 3 && !strcmp(argv[1], "hostile")) {
		return write_hostile(argv[2]);
	} else if (argc == 3 && !strcmp(argv[1], "nocpu")) {
		nps_bytes(1, false, &b);
		write_file(argv[2], b.data, b.len);
	} else if (argc == 5 && !strcmp(argv[1], "mutate")) {
		return mutate(argv[2], argv[3], strtoull(argv[4], NULL, 10));
	} else if (argc == 4 && !strcmp(argv[1], "invocation")) {
		return write_invocation(strtoull(argv[2], NULL, 10), argv[3]);
	} else if (argc == 4 && !strcmp(argv[1], "part")) {
		nps_bytes(strtoull(argv[2], NULL, 10), true, &b);
		write_file(argv[3], b.data, b.len);
	} else {
		fprintf(stderr, "usage: cligen basic|statsonly|csv|nocpu|hostile OUT | cligen part N OUT | "
		                "cligen mutate IN OUT SEED | cligen invocation SEED OUT.zip\n");
		return 2;
	}
	buf_free(&b);
	return 0;
}
