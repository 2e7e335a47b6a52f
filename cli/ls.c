/* `jvmsnap ls`: invocations listed from their summaries alone (no zip downloaded), from
 * s3://bucket/prefix or a local folder; a table, JSON Lines or CSV. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fleet.h"

static void usage(FILE *f)
{
	fputs("Usage: jvmsnap ls [options] s3://BUCKET/PREFIX | FOLDER\n"
	      "Lists invocations from their summaries (the .json next to each snapshot zip):\n"
	      "start, function, version, kind, duration, CPU, GC, heap and the hottest method.\n"
	      "No zip is downloaded.\n"
	      "\n"
	      "  --json               the summaries as JSON Lines (one object per line)\n"
	      "  --csv                a CSV with a header row\n"
	      "  -o, --output FILE    write to FILE instead of standard output\n"
	      "  -h, --help           this help\n",
	      f);
	fputs(fleet_options_help, f);
	fputs("\nExample: jvmsnap ls s3://my-snapshots/jvmsnap/orders/ --since 1d --slowest 10\n", f);
}

static void csv_cell(buf *out, const char *s)
{
	if (!s)
		return;
	bool quote = strpbrk(s, ",\"\n\r") != NULL || strchr("=+-@", s[0]) != NULL;
	if (!quote) {
		buf_append_str(out, s);
		return;
	}
	buf_u8(out, '"');
	if (strchr("=+-@", s[0]))
		buf_u8(out, '\''); /* a formula-like cell stays text in a spreadsheet */
	for (; *s; s++) {
		if (*s == '"')
			buf_u8(out, '"');
		buf_u8(out, (uint8_t)*s);
	}
	buf_u8(out, '"');
}

static void num_or_empty(buf *out, const char *sep, int64_t v)
{
	buf_append_str(out, sep);
	if (v >= 0)
		buf_printf(out, "%lld", (long long)v);
}

static void write_csv(buf *out, const fleet_set *set)
{
	buf_append_str(out, "start,function,version,kind,request_id,duration_ms,cpu_ms,wall_ms,samples,"
			    "gc_count,gc_ms,heap_used_max,classes_loaded,top_method,top_method_ms,zip_key,summary\n");
	for (size_t i = 0; i < set->count; i++) {
		const fleet_summary *s = &set->items[i];
		const char *cells[] = {s->start, s->function, s->version, s->kind, s->request_id};
		for (size_t c = 0; c < 5; c++) {
			if (c)
				buf_u8(out, ',');
			csv_cell(out, cells[c]);
		}
		num_or_empty(out, ",", s->duration_ms);
		buf_printf(out, ",%.3f,%.3f", s->cpu_ms, s->wall_ms);
		num_or_empty(out, ",", s->samples);
		num_or_empty(out, ",", s->gc_count);
		num_or_empty(out, ",", s->gc_ms);
		num_or_empty(out, ",", s->heap_used_max);
		num_or_empty(out, ",", s->classes_loaded);
		buf_u8(out, ',');
		csv_cell(out, s->ntop ? s->top_method[0] : NULL);
		if (s->ntop)
			buf_printf(out, ",%.3f,", s->top_ms[0]);
		else
			buf_append_str(out, ",,");
		csv_cell(out, s->zip_key);
		buf_u8(out, ',');
		csv_cell(out, s->location);
		buf_u8(out, '\n');
	}
}

static void write_table(buf *out, const fleet_set *set)
{
	buf_printf(out, "%-24s %-16s %-8s %-5s %9s %9s %4s %9s  %-40s %s\n", "START (UTC)", "FUNCTION", "VERSION",
		   "KIND", "DUR ms", "CPU ms", "GC", "HEAP MB", "TOP SELF METHOD (ms)", "REQUEST ID");
	for (size_t i = 0; i < set->count; i++) {
		const fleet_summary *s = &set->items[i];
		char top[512] = "-";
		if (s->ntop)
			snprintf(top, sizeof top, "%s (%.1f)", s->top_method[0], s->top_ms[0]);
		char heap[32] = "-";
		if (s->heap_used_max >= 0)
			snprintf(heap, sizeof heap, "%.1f", (double)s->heap_used_max / 1048576.0);
		buf_printf(out, "%-24s %-16s %-8s %-5s %9lld %9.1f %4lld %9s  %-40s %s\n", s->start ? s->start : "-",
			   s->function ? s->function : "-", s->version ? s->version : "-", s->kind ? s->kind : "-",
			   (long long)s->duration_ms, s->cpu_ms, (long long)s->gc_count, heap, top,
			   s->request_id ? s->request_id : "-");
	}
}

typedef struct {
	fleet_options fleet; /* first: fleet_cli_opts write through it */
	int format;          /* 't'able, 'j'son, 'c'sv */
} ls_opts;

static bool set_json(cli_args *a, const char *arg)
{
	(void)arg;
	((ls_opts *)a->own)->format = 'j';
	return true;
}

static bool set_csv(cli_args *a, const char *arg)
{
	(void)arg;
	((ls_opts *)a->own)->format = 'c';
	return true;
}

static const cli_opt LS_OPTS[] = {{"json", 0, false, NULL, set_json},
				  {"csv", 0, false, NULL, set_csv},
				  {NULL, 0, false, NULL, NULL}};
static const cli_command LS = {"ls", usage, CLI_OPT_OUTPUT, LS_OPTS, false, false, NULL, fleet_cli_opts};

int cli_cmd_ls(int argc, char **argv)
{
	ls_opts lo = {.format = 't'};
	cli_args a;
	int rc = cli_args_parse(&LS, argc, argv, &lo, &a);
	if (rc >= 0) {
		fleet_options_free(&lo.fleet);
		return rc;
	}
	fleet_set set;
	rc = fleet_load(a.files[0], &lo.fleet, &set);
	if (rc == 0) {
		buf out;
		buf_init(&out);
		if (lo.format == 'j')
			for (size_t i = 0; i < set.count; i++)
				buf_printf(&out, "%s\n", set.items[i].raw);
		else if (lo.format == 'c')
			write_csv(&out, &set);
		else
			write_table(&out, &set);
		rc = cli_write_output(a.output, &out) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
		buf_free(&out);
		if (rc == CLI_EXIT_OK && set.unreadable) {
			fprintf(stderr, "jvmsnap: %zu summaries could not be read (named above)\n", set.unreadable);
			rc = CLI_EXIT_INPUT;
		}
	}
	fleet_set_free(&set);
	fleet_options_free(&lo.fleet);
	cli_args_free(&a);
	return rc;
}
