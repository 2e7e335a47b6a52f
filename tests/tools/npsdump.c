/* npsdump: the hottest methods of a .nps, read back with our own reader (nps_read), as
 * VisualVM's Hot Spots would list them.
 *
 *   npsdump FILE [-n N]     FILE is a .nps or a zip holding a *_cpu.nps (or any *.nps)
 *
 * Self time is summed over all of a method's nodes in all threads; total time counts
 * only outermost occurrences (a recursive method is not counted twice), as Hot Spots
 * does. Exit 0, or 1 when the file cannot be read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

#include "../../visualvm-format/nps.h"

typedef struct {
	uint32_t method;
	uint64_t self_us, total_us, hits;
	uint32_t on_path; /* occurrences on the current root path, while walking */
} hot;

static int read_file(const char *path, buf *out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	uint8_t chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(out, chunk, n);
	int bad = ferror(f) || out->failed;
	fclose(f);
	return bad ? -1 : 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The zip's `*_cpu.nps` entry (IOpipe's name), else its first `*.nps`. */
static int read_zip_entry(const char *path, buf *out, char *name, size_t namelen)
{
	int zerr;
	zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
	if (!z)
		return -1;
	zip_int64_t pick = -1, n = zip_get_num_entries(z, 0);
	for (zip_int64_t i = 0; i < n; i++) {
		const char *e = zip_get_name(z, (zip_uint64_t)i, 0);
		if (e && ends_with(e, "_cpu.nps")) {
			pick = i;
			break;
		}
		if (e && pick < 0 && ends_with(e, ".nps"))
			pick = i;
	}
	int rc = -1;
	zip_file_t *f = pick >= 0 ? zip_fopen_index(z, (zip_uint64_t)pick, 0) : NULL;
	if (f) {
		snprintf(name, namelen, "%s", zip_get_name(z, (zip_uint64_t)pick, 0));
		uint8_t chunk[65536];
		zip_int64_t got;
		while ((got = zip_fread(f, chunk, sizeof chunk)) > 0)
			buf_append(out, chunk, (size_t)got);
		rc = got < 0 || out->failed ? -1 : 0;
		zip_fclose(f);
	}
	zip_discard(z);
	return rc;
}

/* One thread: self to every node's method; totals only where the method is not already
 * on the path from the root (pre-order with depths, no recursion). */
static int add_thread(const snap_node *root, hot *h, uint32_t *path)
{
	nps_tree t;
	int rc = nps_tree_build(root, false, &t);
	if (rc)
		return rc;
	uint32_t depth = 0; /* entries in path: method ids of the ancestors of the next node */
	for (uint32_t i = 1; i < t.count; i++) {
		const nps_tree_node *n = &t.nodes[i];
		while (depth >= n->depth)
			h[path[--depth]].on_path--;
		hot *e = &h[n->node->method];
		e->self_us += n->self_wall_us;
		e->hits += n->ncalls;
		if (!e->on_path)
			e->total_us += n->total_wall_us;
		e->on_path++;
		path[depth++] = n->node->method;
	}
	while (depth)
		h[path[--depth]].on_path--;
	nps_tree_free(&t);
	return 0;
}

static int by_self_desc(const void *a, const void *b)
{
	const hot *x = a, *y = b;
	if (x->self_us != y->self_us)
		return x->self_us < y->self_us ? 1 : -1;
	return (x->method > y->method) - (x->method < y->method);
}

/* VisualVM shows a method without a descriptor as "Class.method()". */
static void format_method(const snap_method *m, buf *out)
{
	buf_printf(out, "%s.%s", m->class_name, m->method_name);
	if (!nps_format_params(m->signature, out))
		buf_append_str(out, "()");
	buf_u8(out, '\0');
}

static void print_header(const char *label, const snap_profile *p)
{
	char when[32] = "?";
	time_t secs = (time_t)(p->begin_ms / 1000);
	struct tm tm;
	if (gmtime_r(&secs, &tm))
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s: threads %u, methods %u, window %lld ms from %s UTC, CPU times %s\n", label, p->nthreads,
	       p->nmethods - 1, (long long)(p->end_ms - p->begin_ms), when, p->has_cpu ? "yes" : "no");
}

static int dump(const snap_profile *p, unsigned limit)
{
	hot *h = calloc(p->nmethods, sizeof *h);
	uint32_t *path = malloc(((size_t)p->nnodes + 1) * sizeof *path);
	if (!h || !path) {
		free(h);
		free(path);
		return NPS_ERR_NOMEM;
	}
	for (uint32_t i = 0; i < p->nmethods; i++)
		h[i].method = i;
	int rc = 0;
	for (uint32_t t = 0; t < p->nthreads && !rc; t++)
		rc = add_thread(p->threads[t].root, h, path);
	uint64_t sum = 0;
	for (uint32_t i = 1; i < p->nmethods; i++)
		sum += h[i].self_us;
	qsort(h + 1, p->nmethods - 1, sizeof *h, by_self_desc);
	printf("%10s %6s %10s %8s  %s\n", "self ms", "%", "total ms", "hits", "method");
	buf name;
	buf_init(&name);
	for (uint32_t i = 1, shown = 0; !rc && i < p->nmethods && shown < limit; i++) {
		if (!h[i].hits)
			continue; /* in the table but never sampled */
		shown++;
		buf_reset(&name);
		format_method(&p->methods[h[i].method], &name);
		printf("%10.3f %5.1f%% %10.3f %8llu  %s\n", h[i].self_us / 1000.0,
		       sum ? 100.0 * (double)h[i].self_us / (double)sum : 0.0, h[i].total_us / 1000.0,
		       (unsigned long long)h[i].hits, name.failed ? "?" : (const char *)name.data);
	}
	buf_free(&name);
	free(h);
	free(path);
	return rc;
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	unsigned limit = 10;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			limit = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!file)
			file = argv[i];
		else
			file = NULL, i = argc;
	}
	if (!file) {
		fprintf(stderr, "usage: npsdump FILE.nps|FILE.zip [-n N]\n");
		return 2;
	}
	buf data;
	buf_init(&data);
	char entry[512] = "";
	int rc = ends_with(file, ".zip") ? read_zip_entry(file, &data, entry, sizeof entry)
	                                 : read_file(file, &data);
	if (rc) {
		fprintf(stderr, "npsdump: cannot read %s\n", file);
		return 1;
	}
	snap_profile *p = NULL;
	char err[256];
	rc = nps_read(data.data, data.len, &p, err, sizeof err);
	buf_free(&data);
	if (rc) {
		fprintf(stderr, "npsdump: %s%s%s: %s\n", file, *entry ? "!" : "", entry, err);
		return 1;
	}
	char label[1024];
	snprintf(label, sizeof label, "%s%s%s", file, *entry ? "!" : "", entry);
	print_header(label, p);
	rc = dump(p, limit);
	snap_profile_free(p);
	if (rc)
		fprintf(stderr, "npsdump: %s\n", nps_strerror(rc));
	return rc ? 1 : 0;
}
