/* `jvmsnap top`: VisualVM's Hot Spots view as a table. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("Usage: jvmsnap top [options] FILE\n"
	      "The methods that took the most time (VisualVM's Hot Spots): self time and its\n"
	      "share of all self time, total time (outermost calls only) and hits.\n"
	      "\n"
	      "  -T, --thread NAME    only the threads with this name\n"
	      "  -n N                 show N methods (default 20, 0 = all)\n"
	      "  -b, --by self|total  order by self (default) or total time\n"
	      "  -t, --time wall|cpu  which time (default: cpu when the snapshot measured it)\n"
	      "  -h, --help           this help\n"
	      "\n"
	      "Example: jvmsnap top snapshot.zip --thread main -n 10\n",
	      f);
}

int cli_cmd_top(int argc, char **argv)
{
	static const struct option longopts[] = {{"thread", required_argument, NULL, 'T'},
	                                         {"by", required_argument, NULL, 'b'},
	                                         {"time", required_argument, NULL, 't'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	const char *thread = NULL;
	unsigned long limit = 20;
	bool by_total = false;
	cli_time t = CLI_TIME_DEFAULT;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "T:n:b:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'T':
			thread = optarg;
			break;
		case 'n':
			if (!cli_parse_uint(optarg, 100000000ul, &limit))
				return cli_usage_error("top", "-n takes a count, not '%s'", optarg);
			break;
		case 'b':
			if (strcmp(optarg, "self") != 0 && strcmp(optarg, "total") != 0)
				return cli_usage_error("top", "--by takes self or total, not '%s'", optarg);
			by_total = !strcmp(optarg, "total");
			break;
		case 't':
			if (!cli_parse_time(optarg, &t))
				return cli_usage_error("top", "--time takes wall or cpu, not '%s'", optarg);
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_error("top", "unknown option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("top", "expected one FILE");

	cli_input in;
	int rc = cli_open_profile(argv[optind], thread, &in);
	if (rc)
		return rc;
	const snap_profile *p = in.profile;
	bool cpu = cli_use_cpu(p, t);
	size_t n;
	uint64_t sum;
	cli_hotspot *h = cli_hotspots(p, thread, cpu, by_total, &n, &sum);
	if (!h) {
		fprintf(stderr, "jvmsnap: error: out of memory\n");
		cli_input_close(&in);
		return CLI_EXIT_FAIL;
	}
	printf("%12s %6s %12s %8s  %s  (%s time)\n", "self ms", "self%", "total ms", "hits", "method",
	       cpu ? "CPU" : "wall");
	buf name;
	buf_init(&name);
	for (size_t i = 0; i < n && (limit == 0 || i < limit); i++) {
		buf_reset(&name);
		cli_method_display(&p->methods[h[i].method], &name);
		printf("%12.3f %5.1f%% %12.3f %8llu  %.*s\n", cli_ms(h[i].self_us),
		       sum ? 100.0 * (double)h[i].self_us / (double)sum : 0.0, cli_ms(h[i].total_us),
		       (unsigned long long)h[i].hits, (int)name.len,
		       name.data ? (const char *)name.data : "");
	}
	buf_free(&name);
	free(h);
	cli_input_close(&in);
	return CLI_EXIT_OK;
}
