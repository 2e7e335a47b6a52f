/* `jvmsnap collapsed`: folded stacks, one "frame;frame;frame value" line per call path
 * with self time, the input format of FlameGraph's flamegraph.pl and of speedscope. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("Usage: jvmsnap collapsed [options] FILE\n"
	      "Folded stacks: each call path with self time, as 'root;caller;callee VALUE' where\n"
	      "VALUE is the self time in microseconds. Paths are merged over all threads.\n"
	      "\n"
	      "  -T, --thread NAME    only the threads with this name\n"
	      "      --threads        start each stack with its thread's name (no merging)\n"
	      "  -t, --time wall|cpu  which time (default: cpu when the snapshot measured it)\n"
	      "  -o, --output FILE    write to FILE instead of standard output\n"
	      "  -h, --help           this help\n"
	      "\n"
	      "Example: jvmsnap collapsed snapshot.zip | flamegraph.pl > flame.svg\n",
	      f);
}

/* A frame name with the separators of the format (';', newline) replaced. */
static void append_frame(buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		buf_u8(out, c == ';' || c == '\n' || c == '\r' ? '_' : (uint8_t)c);
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

int cli_cmd_collapsed(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"thread", required_argument, NULL, 'T'}, {"threads", no_argument, NULL, 'S'},
	        {"time", required_argument, NULL, 't'},   {"output", required_argument, NULL, 'o'},
	        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
	const char *thread = NULL, *out_path = "-";
	bool per_thread = false;
	cli_time tm = CLI_TIME_DEFAULT;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "T:t:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'T':
			thread = optarg;
			break;
		case 'S':
			per_thread = true;
			break;
		case 't':
			if (!cli_parse_time(optarg, &tm))
				return cli_usage_error("collapsed", "--time takes wall or cpu, not '%s'",
				                       optarg);
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_error("collapsed", "unknown option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("collapsed", "expected one FILE");

	cli_input in;
	int rc = cli_open_profile(argv[optind], thread, &in);
	if (rc)
		return rc;
	const snap_profile *p = in.profile;
	bool cpu = cli_use_cpu(p, tm);
	buf out;
	buf_init(&out);
	int frc = 0;
	if (per_thread) {
		for (uint32_t i = 0; !frc && i < p->nthreads; i++)
			if (!thread || !strcmp(p->threads[i].name, thread))
				frc = fold(p, p->threads[i].root, p->threads[i].name, cpu, &out);
	} else {
		snap_profile *m = cli_profile_merge_threads(p, thread, "all");
		frc = m ? fold(m, m->threads[0].root, NULL, cpu, &out) : -1;
		if (m)
			snap_profile_free(m);
	}
	if (frc || out.failed) {
		fprintf(stderr, "jvmsnap: error: out of memory\n");
		rc = CLI_EXIT_FAIL;
	} else if (cli_write_output(out_path, &out)) {
		rc = CLI_EXIT_FAIL;
	}
	buf_free(&out);
	cli_input_close(&in);
	return rc;
}
