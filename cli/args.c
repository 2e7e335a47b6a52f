/* One command-line parser for every command: the shared options (thread filter, time,
 * output, title, help) and each command's own, from tables, through getopt_long. A new
 * option every command takes is one row in SHARED and one CLI_OPT_* bit. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

#define MAX_OPTS 24

/* ---- thread filters ---- */

static void filter_clear(cli_thread_filter *f)
{
	if (f->regex)
		regfree(&f->re);
	memset(f, 0, sizeof *f);
}

/* Compiles `re` as a POSIX ERE; false (filter unset) when it is not one. */
static bool filter_regex(cli_thread_filter *f, const char *given, const char *re)
{
	filter_clear(f);
	if (regcomp(&f->re, re, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	f->text = given;
	f->regex = true;
	return true;
}

static bool ci_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return n == 0;
}

bool cli_thread_match(const cli_thread_filter *f, const char *name)
{
	if (!f || !f->text)
		return true;
	if (f->regex)
		return regexec(&f->re, name, 0, NULL, 0) == 0;
	return ci_contains(name, f->text);
}

/* ---- the shared options ---- */

static bool set_thread(cli_args *a, const char *arg)
{
	size_t n = strlen(arg);
	if (n >= 2 && arg[0] == '/' && arg[n - 1] == '/') { /* "/RE/" */
		char *re = strndup(arg + 1, n - 2);
		bool ok = re && filter_regex(&a->thread, arg, re);
		free(re);
		return ok;
	}
	filter_clear(&a->thread);
	a->thread.text = arg;
	return true;
}

static bool set_thread_regex(cli_args *a, const char *arg) { return filter_regex(&a->thread, arg, arg); }

static bool set_time(cli_args *a, const char *arg) { return cli_parse_time(arg, &a->time); }

static bool set_output(cli_args *a, const char *arg)
{
	a->output = arg;
	return true;
}

static bool set_title(cli_args *a, const char *arg)
{
	a->title = arg;
	return true;
}

typedef struct {
	unsigned bit;
	cli_opt opt;
} shared_opt;

static const shared_opt SHARED[] = {
        {CLI_OPT_THREAD, {"thread", 'T', true, "a name part or /regex/", set_thread}},
        {CLI_OPT_THREAD, {"thread-regex", 0, true, "a POSIX extended regular expression", set_thread_regex}},
        {CLI_OPT_TIME, {"time", 't', true, "wall or cpu", set_time}},
        {CLI_OPT_OUTPUT, {"output", 'o', true, "a file", set_output}},
        {CLI_OPT_TITLE, {"title", 0, true, "a text", set_title}},
};

/* ---- the parser ---- */

typedef struct {
	const cli_opt *opt[MAX_OPTS];
	struct option longopts[MAX_OPTS + 2];
	char shorts[3 * MAX_OPTS + 4];
	size_t n;
} opt_table;

static void table_add(opt_table *t, const cli_opt *o)
{
	if (t->n == MAX_OPTS)
		abort(); /* a programming error: raise MAX_OPTS */
	int val = o->short_name ? o->short_name : 256 + (int)t->n;
	t->longopts[t->n] = (struct option){o->name, o->has_arg ? required_argument : no_argument, NULL, val};
	if (o->short_name) {
		size_t len = strlen(t->shorts);
		t->shorts[len++] = o->short_name;
		if (o->has_arg)
			t->shorts[len++] = ':';
		t->shorts[len] = '\0';
	}
	t->opt[t->n++] = o;
}

static void table_build(opt_table *t, const cli_command *cmd)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < sizeof SHARED / sizeof SHARED[0]; i++)
		if (cmd->shared & SHARED[i].bit)
			table_add(t, &SHARED[i].opt);
	for (const cli_opt *o = cmd->own; o && o->name; o++)
		table_add(t, o);
	for (const cli_opt *o = cmd->more; o && o->name; o++)
		table_add(t, o);
	t->longopts[t->n] = (struct option){"help", no_argument, NULL, 'h'};
	strcat(t->shorts, "h");
}

static const cli_opt *table_find(const opt_table *t, int val)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->longopts[i].val == val)
			return t->opt[i];
	return NULL;
}

int cli_args_parse(const cli_command *cmd, int argc, char **argv, void *own, cli_args *a)
{
	*a = (cli_args){.time = CLI_TIME_DEFAULT, .own = own};
	if (!cmd->output_required)
		a->output = "-";
	opt_table t;
	table_build(&t, cmd);
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, t.shorts, t.longopts, NULL)) != -1) {
		if (c == 'h') {
			cmd->usage(stdout);
			cli_args_free(a);
			return CLI_EXIT_OK;
		}
		const cli_opt *o = table_find(&t, c);
		if (!o) {
			cli_args_free(a);
			return cli_usage_error(cmd->name, "unknown option");
		}
		if (!o->set(a, optarg)) {
			cli_args_free(a);
			return cli_usage_error(cmd->name, "--%s takes %s, not '%s'", o->name, o->takes,
			                       optarg ? optarg : "");
		}
	}
	a->files = argv + optind;
	a->nfiles = argc - optind;
	int rc = -1;
	if (cmd->many_files ? a->nfiles < 1 : a->nfiles != 1)
		rc = cli_usage_error(cmd->name, cmd->many_files ? "no input files" : "expected one FILE");
	else if (!a->output)
		rc = cli_usage_error(cmd->name, "-o %s is required", cmd->output_name ? cmd->output_name : "OUT");
	if (rc >= 0)
		cli_args_free(a);
	return rc;
}

void cli_args_free(cli_args *a) { filter_clear(&a->thread); }
