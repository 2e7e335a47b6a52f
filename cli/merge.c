/* Adding call trees together: the `merge` command (many snapshots into one), and the
 * merged-threads view that `collapsed` and the flame graph use. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../snapshot/package.h"
#include "cli.h"

typedef struct {
	const snap_node *src;
	snap_node *dst;
} pair;

static uint32_t map_method(snap_profile *dp, const snap_profile *sp, uint32_t m, uint32_t *map)
{
	if (m >= sp->nmethods)
		return UINT32_MAX;
	if (map[m] == UINT32_MAX) {
		const snap_method *s = &sp->methods[m];
		uint32_t id = m == SNAP_ROOT_METHOD
		                      ? SNAP_ROOT_METHOD
		                      : snap_method_intern(dp, s->class_name, s->method_name, s->signature);
		if (m != SNAP_ROOT_METHOD && id == SNAP_ROOT_METHOD)
			return UINT32_MAX; /* the table is full */
		map[m] = id;
	}
	return map[m];
}

int cli_tree_add(snap_profile *dp, snap_node *dst, const snap_profile *sp, const snap_node *src,
                 uint32_t *map)
{
	size_t cap = 256, n = 0;
	pair *stack = malloc(cap * sizeof *stack);
	if (!stack)
		return -1;
	stack[n++] = (pair){src, dst};
	int rc = 0;
	while (n && !rc) {
		pair top = stack[--n];
		top.dst->ncalls += top.src->ncalls;
		top.dst->self_wall_ns += top.src->self_wall_ns;
		top.dst->self_cpu_ns += top.src->self_cpu_ns;
		for (const snap_node *c = top.src->child; c && !rc; c = c->sibling) {
			uint32_t m = map_method(dp, sp, c->method, map);
			bool created;
			snap_node *d = m == UINT32_MAX ? NULL : snap_node_child(dp, top.dst, m, &created);
			if (!d) {
				rc = -1;
				break;
			}
			if (n == cap) {
				pair *s = realloc(stack, 2 * cap * sizeof *s);
				if (!s) {
					rc = -1;
					break;
				}
				stack = s;
				cap *= 2;
			}
			stack[n++] = (pair){c, d};
		}
	}
	free(stack);
	return rc;
}

static uint32_t *new_map(const snap_profile *sp)
{
	uint32_t *map = malloc((sp->nmethods ? sp->nmethods : 1) * sizeof *map);
	if (map)
		memset(map, 0xff, (sp->nmethods ? sp->nmethods : 1) * sizeof *map);
	return map;
}

static void copy_header(snap_profile *dp, const snap_profile *sp, bool first)
{
	if (first) {
		dp->begin_ms = sp->begin_ms;
		dp->end_ms = sp->end_ms;
		dp->has_cpu = sp->has_cpu;
		dp->interval_us = sp->interval_us;
		return;
	}
	if (sp->begin_ms < dp->begin_ms)
		dp->begin_ms = sp->begin_ms;
	if (sp->end_ms > dp->end_ms)
		dp->end_ms = sp->end_ms;
	dp->has_cpu = dp->has_cpu && sp->has_cpu;
}

snap_profile *cli_profile_merge_threads(const snap_profile *p, const cli_thread_filter *only,
                                        const char *name)
{
	snap_limits lim = {0, 0};
	snap_profile *dp = snap_profile_new(&lim);
	uint32_t *map = new_map(p);
	snap_thread *t = dp && map ? snap_thread_add(dp, name) : NULL;
	int rc = t ? 0 : -1;
	if (!rc) {
		copy_header(dp, p, true);
		snap_node *root = t->root;
		for (uint32_t i = 0; !rc && i < p->nthreads; i++)
			if (cli_thread_match(only, p->threads[i].name))
				rc = cli_tree_add(dp, root, p, p->threads[i].root, map);
	}
	free(map);
	if (rc && dp) {
		snap_profile_free(dp);
		dp = NULL;
	}
	return dp;
}

/* ---- the merge command ---- */

static void usage(FILE *f)
{
	fputs("Usage: jvmsnap merge [options] -o OUT FILE...\n"
	      "Adds many snapshots (zips or .nps files) into one that VisualVM loads.\n"
	      "Threads with the same name are merged into one call tree.\n"
	      "\n"
	      "  -o, --output OUT  the merged snapshot: OUT.nps, or a zip when OUT ends in .zip\n"
	      "                    (holding <name>_cpu.nps, as the agent writes it)\n"
	      "      --by-method   merge every thread into one tree named 'All threads'\n"
	      "  -k, --keep-going  skip unreadable inputs (a warning each) instead of stopping\n"
	      "  -q, --quiet       no progress bar (it is shown on a terminal for 10+ inputs)\n"
	      "  -h, --help        this help\n"
	      "\n"
	      "Exit status: 0 merged, 1 output not written, 2 usage error or unreadable input.\n"
	      "Example: jvmsnap merge -o all.nps snapshots/*.zip\n",
	      f);
}

typedef struct {
	char **names;
	snap_node **roots;
	size_t n, cap;
} thread_index;

static snap_node *thread_root(snap_profile *dp, thread_index *ix, const char *name)
{
	for (size_t i = 0; i < ix->n; i++)
		if (!strcmp(ix->names[i], name))
			return ix->roots[i];
	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? 2 * ix->cap : 16;
		char **nm = realloc(ix->names, cap * sizeof *nm);
		if (nm)
			ix->names = nm;
		snap_node **r = realloc(ix->roots, cap * sizeof(snap_node *));
		if (r)
			ix->roots = r;
		if (!nm || !r)
			return NULL;
		ix->cap = cap;
	}
	snap_thread *t = snap_thread_add(dp, name);
	if (!t)
		return NULL;
	ix->names[ix->n] = (char *)t->name; /* owned by the profile's arena */
	ix->roots[ix->n] = t->root;
	return ix->roots[ix->n++];
}

static void progress(size_t done, size_t total)
{
	int width = 40, filled = (int)(done * (size_t)width / (total ? total : 1));
	fprintf(stderr, "\rmerging [%.*s%*s] %zu/%zu", filled, "########################################",
	        width - filled, "", done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

static int merge_one(snap_profile *dp, thread_index *ix, snap_node *all, const snap_profile *sp)
{
	uint32_t *map = new_map(sp);
	if (!map)
		return -1;
	int rc = 0;
	for (uint32_t t = 0; !rc && t < sp->nthreads; t++) {
		snap_node *root = all ? all : thread_root(dp, ix, sp->threads[t].name);
		rc = root ? cli_tree_add(dp, root, sp, sp->threads[t].root, map) : -1;
	}
	free(map);
	return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int write_result(const char *out, const snap_profile *dp, size_t merged)
{
	char comment[96];
	snprintf(comment, sizeof comment, "jvmsnap merge of %zu snapshots", merged);
	nps_write_options o = {.comment = comment};
	buf b;
	buf_init(&b);
	int rc = nps_write(dp, &o, &b);
	if (rc) {
		log_error("cannot build the merged snapshot: %s", nps_strerror(rc));
		buf_free(&b);
		return CLI_EXIT_FAIL;
	}
	if (ends_with(out, ".zip")) {
		const char *base = strrchr(out, '/');
		base = base ? base + 1 : out;
		size_t len = strlen(base) - 4;
		size_t size = len + sizeof "_cpu.nps";
		char *name = malloc(size);
		char err[256] = "";
		if (name) {
			snprintf(name, size, "%.*s_cpu.nps", (int)len, base);
			snap_zip_entry e = {name, b.data, b.len, false};
			rc = snap_zip_write(out, &e, 1, err, sizeof err);
			if (rc)
				log_error("%s: %s", out, err);
		} else {
			rc = -1;
		}
		free(name);
	} else {
		rc = cli_write_output(out, &b);
	}
	buf_free(&b);
	return rc ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

typedef struct {
	bool by_method, keep_going, quiet;
} merge_opts;

static bool set_by_method(cli_args *a, const char *arg)
{
	(void)arg;
	return ((merge_opts *)a->own)->by_method = true;
}

static bool set_keep_going(cli_args *a, const char *arg)
{
	(void)arg;
	return ((merge_opts *)a->own)->keep_going = true;
}

static bool set_quiet(cli_args *a, const char *arg)
{
	(void)arg;
	return ((merge_opts *)a->own)->quiet = true;
}

static const cli_opt MERGE_OPTS[] = {{"by-method", 0, false, NULL, set_by_method},
                                     {"keep-going", 'k', false, NULL, set_keep_going},
                                     {"quiet", 'q', false, NULL, set_quiet},
                                     {NULL, 0, false, NULL, NULL}};
static const cli_command MERGE = {"merge", usage, CLI_OPT_OUTPUT, MERGE_OPTS, true, true, "OUT", NULL};

int cli_cmd_merge(int argc, char **argv)
{
	merge_opts mo = {0};
	cli_args a;
	int orc = cli_args_parse(&MERGE, argc, argv, &mo, &a);
	if (orc >= 0)
		return orc;
	const char *out = a.output;
	bool by_method = mo.by_method, keep_going = mo.keep_going, quiet = mo.quiet;
	size_t total = (size_t)a.nfiles, merged = 0, skipped = 0;
	bool bar = !quiet && total >= 10 && isatty(2);
	snap_limits lim = {0, 0};
	snap_profile *dp = snap_profile_new(&lim);
	thread_index ix = {0};
	snap_node *all = NULL;
	int rc = dp ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	if (!rc && by_method) {
		snap_thread *t = snap_thread_add(dp, "All threads");
		all = t ? t->root : NULL;
		rc = all ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	for (size_t i = 0; !rc && i < total; i++) {
		cli_input in;
		int irc = cli_input_open(a.files[i], CLI_WANT_PROFILE, &in);
		if (irc) {
			if (keep_going)
				skipped++;
			else
				rc = irc;
		} else {
			copy_header(dp, in.profile, merged == 0);
			if (merge_one(dp, &ix, all, in.profile)) {
				log_error("out of memory while merging %s", in.path);
				rc = CLI_EXIT_FAIL;
			}
			merged++;
		}
		cli_input_close(&in);
		if (bar && (i + 1 == total || (i + 1) % (total / 100 + 1) == 0))
			progress(i + 1, total);
	}
	if (!rc && merged == 0) {
		log_error("no readable input");
		rc = CLI_EXIT_INPUT;
	}
	if (!rc)
		rc = write_result(out, dp, merged);
	if (!rc && skipped)
		log_warn("%zu of %zu inputs skipped (unreadable)", skipped, total);
	free(ix.names);
	free(ix.roots);
	if (dp)
		snap_profile_free(dp);
	cli_args_free(&a);
	return rc;
}
