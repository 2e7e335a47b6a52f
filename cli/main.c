/* jvmsnap: read, merge and picture jvmsnap / VisualVM CPU snapshots without VisualVM.
 * Dispatches to one function per command; each parses its options with cli_args_parse
 * (args.c), from a table of the options it takes. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

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
	      "Exit status: 0 success, 1 output not produced, 2 usage error or unreadable input.\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr), CLI_EXIT_INPUT;
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "jvmsnap: error: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_EXIT_INPUT;
}
