/* `jvmsnap collapsed`: folded stacks, one "frame;frame;frame value" line per call path
 * with self time, the input format of FlameGraph's flamegraph.pl and of speedscope. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("Usage: jvmsnap collapsed [options] FILE\n"
	      "Folded stacks: each call path with self time, as 'root;caller;callee VALUE' where\n"
	      "VALUE is the self time in microseconds. Paths are merged over all threads.\n"
	      "\n"
	      "  -T, --thread TEXT    only the threads whose name contains TEXT\n"
	      "                       (ASCII case ignored), or matches /RE/\n"
	      "      --thread-regex RE only the threads whose name matches RE, a\n"
	      "                       POSIX extended regular expression\n"
	      "      --threads        start each stack with its thread's name (no merging)\n"
	      "  -t, --time wall|cpu  which time (default: cpu when the snapshot measured it)\n"
	      "  -o, --output FILE    write to FILE instead of standard output\n"
	      "  -h, --help           this help\n"
	      "\n"
	      "Example: jvmsnap collapsed snapshot.zip | flamegraph.pl > flame.svg\n",
	      f);
}

/* A frame name with the separators of the format (';', newline, CR) replaced by '_' and
 * any other control character escaped as on a terminal. */
static void append_frame(buf *out, const char *s, size_t len)
{
	for (size_t i = 0, run = 0; i <= len; i++) {
		if (i < len && s[i] != ';' && s[i] != '\n' && s[i] != '\r')
			continue;
		cli_term_text(out, s + run, i - run);
		if (i < len)
			buf_u8(out, '_');
		run = i + 1;
	}
}

static int fold(const snap_profile *p, const snap_node *root, const char *thread_frame, bool cpu, buf *out)
{
	nps_tree t;
	if (nps_tree_build(root, cpu, &t))
		return -1;
	size_t *starts = malloc(((size_t)t.count + 1) * sizeof *starts); /* path length per depth */
	buf path, name;
	buf_init(&path);
	buf_init(&name);
	if (!starts) {
		nps_tree_free(&t);
		return -1;
	}
	if (thread_frame)
		append_frame(&path, thread_frame, strlen(thread_frame));
	starts[0] = path.len;
	for (uint32_t i = 1; i < t.count; i++) {
		const nps_tree_node *n = &t.nodes[i];
		path.len = starts[n->depth - 1];
		if (path.len)
			buf_u8(&path, ';');
		buf_reset(&name);
		cli_method_short(&p->methods[n->node->method], &name);
		append_frame(&path, (const char *)name.data, name.len);
		starts[n->depth] = path.len;
		uint64_t self = cpu ? n->self_cpu_us : n->self_wall_us;
		if (self) {
			buf_append(out, path.data, path.len);
			buf_printf(out, " %llu\n", (unsigned long long)self);
		}
	}
	int rc = path.failed || name.failed ? -1 : 0;
	buf_free(&path);
	buf_free(&name);
	free(starts);
	nps_tree_free(&t);
	return rc;
}

static bool set_per_thread(cli_args *a, const char *arg)
{
	(void)arg;
	return *(bool *)a->own = true;
}

static const cli_opt COLLAPSED_OPTS[] = {{"threads", 0, false, NULL, set_per_thread},
                                         {NULL, 0, false, NULL, NULL}};
static const cli_command COLLAPSED = {"collapsed",    usage, CLI_OPT_THREAD | CLI_OPT_TIME | CLI_OPT_OUTPUT,
                                      COLLAPSED_OPTS, false, false,
                                      NULL, NULL};

int cli_cmd_collapsed(int argc, char **argv)
{
	bool per_thread = false;
	cli_args a;
	cli_input in;
	int rc = cli_command_begin(&COLLAPSED, argc, argv, &per_thread, CLI_WANT_PROFILE, &a, &in);
	if (rc >= 0)
		return rc;
	const snap_profile *p = in.profile;
	bool cpu = cli_use_cpu(p, a.time);
	buf out;
	buf_init(&out);
	int frc = 0;
	if (per_thread) {
		for (uint32_t i = 0; !frc && i < p->nthreads; i++)
			if (cli_thread_match(&a.thread, p->threads[i].name))
				frc = fold(p, p->threads[i].root, p->threads[i].name, cpu, &out);
	} else {
		snap_profile *m = cli_profile_merge_threads(p, &a.thread, "all");
		frc = m ? fold(m, m->threads[0].root, NULL, cpu, &out) : -1;
		if (m)
			snap_profile_free(m);
	}
	if (frc)
		out.failed = true; /* reported as out of memory */
	return cli_command_end(CLI_EXIT_OK, &out, &in, &a);
}
