/* `jvmsnap top`: VisualVM's Hot Spots view as a table. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("Usage: jvmsnap top [options] FILE\n"
	      "The methods that took the most time (VisualVM's Hot Spots): self time and its\n"
	      "share of all self time, total time (outermost calls only) and hits.\n"
	      "\n"
	      "  -T, --thread TEXT    only the threads whose name contains TEXT\n"
	      "                       (ASCII case ignored), or matches /RE/\n"
	      "      --thread-regex RE only the threads whose name matches RE, a\n"
	      "                       POSIX extended regular expression\n"
	      "  -n, --count N        show N methods (default 20, 0 = all)\n"
	      "  -b, --by self|total  order by self (default) or total time\n"
	      "  -t, --time wall|cpu  which time (default: cpu when the snapshot measured it)\n"
	      "  -h, --help           this help\n"
	      "\n"
	      "Example: jvmsnap top snapshot.zip --thread main -n 10\n",
	      f);
}

typedef struct {
	unsigned long limit;
	bool by_total;
} top_opts;

static bool set_limit(cli_args *a, const char *arg)
{
	return cli_parse_uint(arg, 100000000ul, &((top_opts *)a->own)->limit);
}

static bool set_by(cli_args *a, const char *arg)
{
	if (strcmp(arg, "self") != 0 && strcmp(arg, "total") != 0)
		return false;
	((top_opts *)a->own)->by_total = !strcmp(arg, "total");
	return true;
}

static const cli_opt TOP_OPTS[] = {{"count", 'n', true, "a count", set_limit},
                                   {"by", 'b', true, "self or total", set_by},
                                   {NULL, 0, false, NULL, NULL}};
static const cli_command TOP = {"top", usage, CLI_OPT_THREAD | CLI_OPT_TIME, TOP_OPTS, false, false, NULL, NULL};

int cli_cmd_top(int argc, char **argv)
{
	top_opts o = {20, false};
	cli_args a;
	cli_input in;
	int rc = cli_command_begin(&TOP, argc, argv, &o, CLI_WANT_PROFILE, &a, &in);
	if (rc >= 0)
		return rc;
	unsigned long limit = o.limit;
	const snap_profile *p = in.profile;
	bool cpu = cli_use_cpu(p, a.time);
	size_t n;
	uint64_t sum;
	cli_hotspot *h = cli_hotspots(p, &a.thread, cpu, o.by_total, &n, &sum);
	if (!h) {
		fprintf(stderr, "jvmsnap: error: out of memory\n");
		return cli_command_end(CLI_EXIT_FAIL, NULL, &in, &a);
	}
	printf("%12s %6s %12s %8s  %s  (%s time)\n", "self ms", "self%", "total ms", "hits", "method",
	       cpu ? "CPU" : "wall");
	buf name, esc;
	buf_init(&name);
	buf_init(&esc);
	for (size_t i = 0; i < n && (limit == 0 || i < limit); i++) {
		buf_reset(&name);
		cli_method_display(&p->methods[h[i].method], &name);
		printf("%12.3f %5.1f%% %12.3f %8llu  %s\n", cli_ms(h[i].self_us),
		       sum ? 100.0 * (double)h[i].self_us / (double)sum : 0.0, cli_ms(h[i].total_us),
		       (unsigned long long)h[i].hits, cli_term(&esc, (const char *)name.data, name.len));
	}
	buf_free(&name);
	buf_free(&esc);
	free(h);
	return cli_command_end(CLI_EXIT_OK, NULL, &in, &a);
}
