/* jvmsnap: read, merge and picture jvmsnap / VisualVM CPU snapshots without VisualVM.
 * Dispatches to one function per command; each parses its options with cli_args_parse
 * (args.c), from a table of the options it takes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fleet.h"

typedef struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} command;

static const command commands[] = {
        {"info", cli_cmd_info, "window, threads, interval, metadata and the hottest methods"},
        {"top", cli_cmd_top, "Hot Spots: methods by self (or total) time"},
        {"tree", cli_cmd_tree, "the call tree of each thread, indented"},
        {"collapsed", cli_cmd_collapsed, "folded stacks for FlameGraph / speedscope"},
        {"flame", cli_cmd_flame, "an interactive flame graph as one self-contained HTML file"},
        {"stats", cli_cmd_stats, "the JVM statistics: begin, end and change per row"},
        {"report", cli_cmd_report, "one HTML page: flame graph and charts of the statistics"},
        {"merge", cli_cmd_merge, "many snapshots into one that VisualVM loads"},
        {"diff", cli_cmd_diff, "a differential flame graph: where B spends more or less than A"},
        {"pprof", cli_cmd_pprof, "the profile for go tool pprof, Pyroscope, speedscope (.pb.gz)"},
        {"ls", cli_cmd_ls, "invocations from their summaries in S3 or a folder: filter, rank"},
};

static void usage(FILE *f)
{
	fputs("Usage: jvmsnap COMMAND [options] FILE...\n"
	      "Reads jvmsnap snapshots: the agent's zips, .nps files (also VisualVM's own CPU\n"
	      "snapshots) and statistics .csv files.\n\nCommands:\n",
	      f);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'jvmsnap COMMAND --help' describes a command's options.\n"
	      "Exit status: 0 success, 1 output not produced, 2 usage error or unreadable input,\n"
	      "3 output produced without some selected snapshots (named on stderr).\n",
	      f);
}

/* s3:// sources become the zips they select (fleet.h); a command whose output was made
 * while some selected zips were skipped exits with CLI_EXIT_PARTIAL. */
static int run(const command *c, int argc, char **argv)
{
	size_t skipped = 0;
	/* ls reads summaries itself; diff expands each of its two sides. */
	bool own = !strcmp(c->name, "ls") || !strcmp(c->name, "diff");
	int n = argc, rc = own ? -1 : fleet_expand_inputs(argc, argv, &n, &argv, &skipped);
	if (rc >= 0)
		return rc;
	rc = c->run(n, argv);
	if (rc == CLI_EXIT_OK && skipped) {
		fprintf(stderr, "jvmsnap: %zu snapshots or summaries were skipped (named above)\n", skipped);
		rc = CLI_EXIT_PARTIAL;
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr), CLI_EXIT_INPUT;
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "collapsed") && argc > 2 && !strcmp(argv[2], "--diff")) {
		/* collapsed --diff A B: the diff command's difffolded.pl output */
		argv[2] = "--folded";
		char **args = calloc((size_t)argc + 3, sizeof *args);
		if (!args)
			return CLI_EXIT_FAIL;
		memcpy(args, argv + 1, (size_t)(argc - 1) * sizeof *args);
		args[argc - 1] = "-o";
		args[argc] = "-";
		args[0] = "diff";
		int rc = cli_cmd_diff(argc + 1, args);
		free(args);
		return rc;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return run(&commands[i], argc - 1, argv + 1);
	fprintf(stderr, "jvmsnap: error: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_EXIT_INPUT;
}
