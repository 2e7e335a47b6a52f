/* `jvmsnap diff A --vs B`: where B spends more or less time than A. Each side is any
 * number of snapshots (zips, .nps, or an s3:// source with its own selection), merged into
 * one tree. Writes a differential flame graph (B's shape; red where B spends more self
 * time than A, blue where less, both normalised to B's total), or with --folded the
 * stacks in FlameGraph's difffolded.pl format: "frame;frame;... countA countB" (µs). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fleet.h"

static void usage(FILE *f)
{
	fputs("Usage: jvmsnap diff [options] A... --vs B... -o OUT.html\n"
	      "       jvmsnap diff [options] A B -o OUT.html\n"
	      "A differential flame graph: B's call tree, each frame red where B spends more\n"
	      "self time than A, blue where less (both totals normalised). A side is one or\n"
	      "more zips / .nps files, or an s3:// source with its own selection options,\n"
	      "e.g.  jvmsnap diff s3://b/p/ --version 12 --vs s3://b/p/ --version 13 -o d.html\n"
	      "\n"
	      "  -o, --output OUT     the HTML file (or the folded text, '-' = standard output)\n"
	      "      --folded         FlameGraph's difffolded.pl input instead of HTML:\n"
	      "                       'stack countA countB' per line, self µs\n"
	      "  -t, --time wall|cpu  the time compared (default: cpu when both measured it)\n"
	      "      --title TEXT     the page title\n"
	      "  -h, --help           this help\n"
	      "`jvmsnap collapsed --diff A B` is `jvmsnap diff --folded A B -o -`.\n",
	      f);
}

typedef struct {
	snap_profile *p; /* one thread, "all threads": every input's threads merged */
	bool cpu_measured;
} side;

/* Adds every thread of the snapshot at `path` into s->p. */
static int add_input(side *s, const char *path)
{
	cli_input in;
	int rc = cli_input_open(path, CLI_WANT_PROFILE, &in);
	if (rc) {
		cli_input_close(&in);
		return rc;
	}
	snap_profile *one = cli_profile_merge_threads(in.profile, NULL, "all threads");
	uint32_t *map = one ? malloc(one->nmethods * sizeof *map) : NULL;
	if (map) {
		memset(map, 0xff, one->nmethods * sizeof *map);
		s->cpu_measured = s->cpu_measured && in.profile->has_cpu;
		rc = cli_tree_add(s->p, s->p->threads[0].root, one, one->threads[0].root, map) ? CLI_EXIT_FAIL : 0;
	} else {
		rc = CLI_EXIT_FAIL;
	}
	free(map);
	snap_profile_free(one);
	cli_input_close(&in);
	return rc;
}

/* Loads one side: its arguments (argv[0] = "diff"), s3:// sources expanded. */
static int load_side(int argc, char **argv, side *s, size_t *skipped)
{
	int n;
	char **args;
	int rc = fleet_expand_inputs(argc, argv, &n, &args, skipped);
	if (rc >= 0)
		return rc;
	s->p = snap_profile_new(&(snap_limits){0});
	s->cpu_measured = true;
	if (!s->p || !snap_thread_add(s->p, "all threads"))
		return CLI_EXIT_FAIL;
	if (n < 2)
		rc = cli_usage_error("diff", "a side without snapshots");
	for (int i = 1; i < n && rc < 0; i++)
		if (add_input(s, args[i]))
			rc = CLI_EXIT_INPUT;
	if (args != argv)
		free(args); /* the strings stay: they are argv's or live until exit */
	s->p->has_cpu = s->cpu_measured;
	return rc < 0 ? 0 : rc;
}

/* ---- folded stacks of both sides, matched by path ---- */

typedef struct {
	char *stack;
	uint64_t a, b;
} folded;

typedef struct {
	folded *v;
	size_t n, cap;
} folded_list;

static void fold(const snap_profile *p, bool cpu, bool is_b, folded_list *out)
{
	nps_tree t;
	if (nps_tree_build(p->threads[0].root, true, &t))
		return;
	buf path;
	buf_init(&path);
	size_t *ends = calloc(t.count + 1, sizeof *ends); /* path length after each depth */
	for (uint32_t i = 1; ends && i < t.count; i++) {
		const nps_tree_node *n = &t.nodes[i];
		path.len = n->depth > 1 ? ends[n->depth - 1] : 0;
		if (n->depth > 1)
			buf_u8(&path, ';');
		cli_method_short(&p->methods[n->node->method], &path);
		ends[n->depth] = path.len;
		uint64_t self = cpu ? n->self_cpu_us : n->self_wall_us;
		if (!self)
			continue;
		if (out->n == out->cap) {
			folded *g = realloc(out->v, (out->cap = out->cap ? 2 * out->cap : 1024) * sizeof *g);
			if (!g)
				break;
			out->v = g;
		}
		out->v[out->n++] = (folded){strndup((const char *)path.data, path.len), is_b ? 0 : self, is_b ? self : 0};
	}
	free(ends);
	buf_free(&path);
	nps_tree_free(&t);
}

static int by_stack(const void *x, const void *y) { return strcmp(((const folded *)x)->stack, ((const folded *)y)->stack); }

static void write_folded(buf *out, const side *a, const side *b, bool cpu)
{
	folded_list l = {0};
	fold(a->p, cpu, false, &l);
	fold(b->p, cpu, true, &l);
	qsort(l.v, l.n, sizeof *l.v, by_stack);
	for (size_t i = 0; i < l.n;) {
		folded f = l.v[i];
		size_t j = i + 1;
		for (; j < l.n && !strcmp(l.v[j].stack, f.stack); j++) {
			f.a += l.v[j].a;
			f.b += l.v[j].b;
		}
		buf_printf(out, "%s %llu %llu\n", f.stack, (unsigned long long)f.a, (unsigned long long)f.b);
		for (; i < j; i++)
			free(l.v[i].stack);
	}
	free(l.v);
}

/* A's self times at B's paths, in the pre-order of B's tree as the flame page lists it:
 * "[wall, cpu]" pairs, so the page can colour each of B's frames by its change. */
static void a_at_b_paths(buf *out, const side *a, const side *b)
{
	nps_tree t;
	if (nps_tree_build(b->p->threads[0].root, b->p->has_cpu, &t)) {
		out->failed = true;
		return;
	}
	const snap_node **at = calloc(t.count + 1, sizeof *at); /* A's node per depth, or NULL */
	if (!at)
		out->failed = true;
	for (uint32_t i = 0; at && i < t.count; i++) {
		const nps_tree_node *n = &t.nodes[i];
		const snap_node *x = NULL;
		if (i == 0) {
			x = a->p->threads[0].root;
		} else if (at[n->depth - 1]) {
			const snap_method *want = &b->p->methods[n->node->method];
			for (x = at[n->depth - 1]->child; x; x = x->sibling) {
				const snap_method *m = &a->p->methods[x->method];
				if (!strcmp(m->class_name, want->class_name) && !strcmp(m->method_name, want->method_name) &&
				    !strcmp(m->signature, want->signature))
					break;
			}
		}
		at[n->depth] = x;
		buf_printf(out, "%s%llu,%llu", i ? "," : "", x ? (unsigned long long)snap_ns_to_us(x->self_wall_ns) : 0ULL,
			   x && a->p->has_cpu ? (unsigned long long)snap_ns_to_us(x->self_cpu_ns) : 0ULL);
	}
	free(at);
	nps_tree_free(&t);
}

static uint64_t total_us(const side *s, bool cpu)
{
	nps_tree t;
	uint64_t r = 0;
	if (!nps_tree_build(s->p->threads[0].root, true, &t)) {
		r = cpu ? t.nodes[0].total_cpu_us : t.nodes[0].total_wall_us;
		nps_tree_free(&t);
	}
	return r;
}

static void write_html(buf *out, const side *a, const side *b, const char *title, bool cpu)
{
	cli_html_begin(out, title);
	buf_append_str(out, "<h1>");
	cli_html_text(out, title);
	buf_printf(out, "</h1>\n<p>B's call tree; <b style=\"color:#c00\">red</b>: B spends more self time than A, "
			"<b style=\"color:#14c\">blue</b>: less. A's times are scaled to B's total (A %.3f ms, B %.3f ms of %s).</p>\n",
		   cli_ms(total_us(a, cpu)), cli_ms(total_us(b, cpu)), cpu ? "CPU" : "wall clock");
	/* Before the page's script, which reads it when it runs. */
	buf_printf(out, "<script type=\"application/json\" id=\"jf-diff\">{\"totalA\":[%llu,%llu],\"totalB\":[%llu,%llu],\"a\":[",
		   (unsigned long long)total_us(a, false), (unsigned long long)total_us(a, true),
		   (unsigned long long)total_us(b, false), (unsigned long long)total_us(b, true));
	a_at_b_paths(out, a, b);
	buf_append_str(out, "]}</script>\n");
	cli_flame_html(out, b->p, title, cpu);
	cli_html_end(out);
}

int cli_cmd_diff(int argc, char **argv)
{
	static const struct option longs[] = {{"output", required_argument, NULL, 'o'}, {"time", required_argument, NULL, 't'},
					      {"title", required_argument, NULL, 'T'},  {"folded", no_argument, NULL, 'f'},
					      {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
	/* Our options are taken out first; everything else belongs to a side. */
	const char *out_path = NULL, *title = "jvmsnap diff";
	bool folded_out = false;
	cli_time tm = CLI_TIME_DEFAULT;
	char **rest = calloc((size_t)argc + 1, sizeof *rest);
	int nrest = 0, vs = -1;
	if (!rest)
		return CLI_EXIT_FAIL;
	rest[nrest++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const struct option *o = longs;
		char shortopt = argv[i][0] == '-' && argv[i][1] && !argv[i][2] ? argv[i][1] : 0;
		for (; o->name; o++)
			if ((!strncmp(argv[i], "--", 2) && !strcmp(argv[i] + 2, o->name)) || shortopt == o->val)
				break;
		if (!o->name) {
			if (!strcmp(argv[i], "--vs"))
				vs = nrest;
			rest[nrest++] = argv[i];
			continue;
		}
		const char *val = o->has_arg ? (i + 1 < argc ? argv[++i] : NULL) : NULL;
		if (o->has_arg && !val) {
			free(rest);
			return cli_usage_error("diff", "--%s needs a value", o->name);
		}
		switch (o->val) {
		case 'o': out_path = val; break;
		case 'T': title = val; break;
		case 'f': folded_out = true; break;
		case 'h': free(rest); usage(stdout); return CLI_EXIT_OK;
		case 't':
			if (!cli_parse_time(val, &tm)) {
				free(rest);
				return cli_usage_error("diff", "--time %s: expected wall or cpu", val);
			}
			break;
		}
	}
	int rc = -1;
	if (vs < 0 && nrest == 3) { /* diff A B */
		rest[3] = rest[2];
		rest[2] = "--vs";
		vs = 2;
		nrest = 4;
	}
	if (vs < 0)
		rc = cli_usage_error("diff", "expected A --vs B, or two snapshots A B");
	else if (!out_path)
		rc = cli_usage_error("diff", "-o OUT is required");
	side a = {0}, b = {0};
	size_t skipped_a = 0, skipped_b = 0;
	if (rc < 0) {
		rest[vs] = argv[0]; /* B's argv starts at "--vs", renamed to the command */
		rc = load_side(vs, rest, &a, &skipped_a);
		if (!rc)
			rc = load_side(nrest - vs, rest + vs, &b, &skipped_b);
	}
	if (!rc) {
		bool cpu = tm == CLI_TIME_CPU || (tm == CLI_TIME_DEFAULT && a.p->has_cpu && b.p->has_cpu);
		buf out;
		buf_init(&out);
		if (folded_out)
			write_folded(&out, &a, &b, cpu);
		else
			write_html(&out, &a, &b, title, cpu);
		rc = cli_write_output(out_path, &out) ? CLI_EXIT_FAIL : CLI_EXIT_OK;
		buf_free(&out);
		if (!rc && skipped_a + skipped_b) {
			fprintf(stderr, "jvmsnap: %zu snapshots or summaries were skipped (named above)\n", skipped_a + skipped_b);
			rc = CLI_EXIT_PARTIAL;
		}
	}
	snap_profile_free(a.p);
	snap_profile_free(b.p);
	free(rest);
	return rc < 0 ? CLI_EXIT_INPUT : rc;
}
