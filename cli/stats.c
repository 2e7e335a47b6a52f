/* `jvmsnap stats`: the JVM statistics of a snapshot (docs/statistics.md), as an aligned
 * begin / end / change table, or transposed (`--wide`) into a CSV with one row per stats
 * snapshot, the shape spreadsheets chart most easily. Labels and cells are escaped for
 * the terminal (cli_term_text) in both. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("Usage: jvmsnap stats [options] FILE\n"
	      "The statistics of a snapshot zip (its *_stat.csv) or of a statistics .csv: one\n"
	      "line per statistic with its first and last value and the change between them.\n"
	      "A thread's rows count only the stats snapshots where the thread was alive.\n"
	      "\n"
	      "  -w, --wide           a CSV instead: a header row of labels, then one row per\n"
	      "                       stats snapshot (time runs down the rows)\n"
	      "  -g, --grep TEXT      only the statistics whose label contains TEXT\n"
	      "  -o, --output FILE    write to FILE instead of standard output\n"
	      "  -h, --help           this help\n"
	      "\n"
	      "Example: jvmsnap stats snapshot.zip --grep Heap\n",
	      f);
}

/* Columns on a terminal: UTF-8 continuation bytes take none. */
static size_t display_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

static void pad_right(buf *out, const char *s, size_t width)
{
	buf_append_str(out, s);
	size_t w = display_width(s);
	if (w > width) {
		buf_append_str(out, "\n"); /* an overlong label gets a line of its own */
		w = 0;
	}
	for (; w < width; w++)
		buf_u8(out, ' ');
}

static void pad_left(buf *out, const char *s, size_t width)
{
	for (size_t w = display_width(s); w < width; w++)
		buf_u8(out, ' ');
	buf_append_str(out, s);
}

static bool is_integer(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void change_text(const char *a, const char *b, char *out, size_t n)
{
	double x, y;
	out[0] = '\0';
	if (!cli_stats_number(a, &x) || !cli_stats_number(b, &y)) {
		if (strcmp(a, b) != 0)
			snprintf(out, n, "changed");
		return;
	}
	if (x == y)
		snprintf(out, n, "0");
	else if (is_integer(a) && is_integer(b))
		snprintf(out, n, "%+lld", strtoll(b, NULL, 10) - strtoll(a, NULL, 10));
	else
		snprintf(out, n, "%+g", y - x);
}

static bool wanted(const cli_stat_row *r, const char *grep) { return !grep || strstr(r->label, grep); }

/* Cells wider than this do not widen their column (a long lock name stays readable
 * without pushing every number to the right); they overflow on their own line. */
#define MAX_ALIGN_WIDTH 24u
#define MAX_LABEL_WIDTH 80u

static size_t fit(size_t have, size_t w) { return w > have && w <= MAX_ALIGN_WIDTH ? w : have; }

/* One row as printed: label, first and last present value, change; all escaped. */
typedef struct {
	buf label, begin, end;
	char change[64];
} row_text;

static void row_make(const cli_stats *s, const cli_stat_row *r, row_text *t)
{
	size_t first = s->ncols, last = 0;
	for (size_t c = 0; c < s->ncols; c++)
		if (cli_stats_present(r, c)) {
			first = first < s->ncols ? first : c;
			last = c;
		}
	const char *a = first < s->ncols ? r->values[first] : "", *b = first < s->ncols ? r->values[last] : "";
	cli_term(&t->label, r->label, strlen(r->label));
	cli_term(&t->begin, a, strlen(a));
	cli_term(&t->end, b, strlen(b));
	change_text(a, b, t->change, sizeof t->change);
}

static const char *text_of(const buf *b) { return b->failed || !b->data ? "?" : (const char *)b->data; }

static void table(const cli_stats *s, const char *grep, buf *out)
{
	size_t lw = strlen("statistic"), bw = strlen("begin"), ew = strlen("end"), cw = strlen("change");
	row_text t;
	buf_init(&t.label);
	buf_init(&t.begin);
	buf_init(&t.end);
	for (size_t i = 0; i < s->nrows; i++) {
		if (!wanted(&s->rows[i], grep))
			continue;
		row_make(s, &s->rows[i], &t);
		size_t w = display_width(text_of(&t.label));
		lw = w > lw && w <= MAX_LABEL_WIDTH ? w : lw;
		bw = fit(bw, display_width(text_of(&t.begin)));
		ew = fit(ew, display_width(text_of(&t.end)));
		cw = fit(cw, strlen(t.change));
	}
	buf_printf(out, "%zu stats snapshots\n", s->ncols);
	pad_right(out, "statistic", lw);
	buf_append_str(out, "  ");
	pad_left(out, "begin", bw);
	buf_append_str(out, "  ");
	pad_left(out, "end", ew);
	buf_append_str(out, "  ");
	pad_left(out, "change", cw);
	buf_u8(out, '\n');
	for (size_t i = 0; i < s->nrows; i++) {
		if (!wanted(&s->rows[i], grep))
			continue;
		row_make(s, &s->rows[i], &t);
		pad_right(out, text_of(&t.label), lw);
		buf_append_str(out, "  ");
		pad_left(out, text_of(&t.begin), bw);
		buf_append_str(out, "  ");
		pad_left(out, text_of(&t.end), ew);
		if (t.change[0]) {
			buf_append_str(out, "  ");
			pad_left(out, t.change, cw);
		}
		/* no trailing blanks */
		while (out->len && out->data[out->len - 1] == ' ')
			out->len--;
		buf_u8(out, '\n');
	}
	buf_free(&t.label);
	buf_free(&t.begin);
	buf_free(&t.end);
}

static void csv_cell(buf *out, const char *raw, buf *esc)
{
	const char *s = cli_term(esc, raw, strlen(raw));
	bool quote = *s && (s[0] == ' ' || s[strlen(s) - 1] == ' ' || strpbrk(s, ",\"\r\n"));
	if (!quote) {
		buf_append_str(out, s);
		return;
	}
	buf_u8(out, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_u8(out, '"');
		buf_u8(out, (uint8_t)*s);
	}
	buf_u8(out, '"');
}

static void wide(const cli_stats *s, const char *grep, buf *out)
{
	buf esc;
	buf_init(&esc);
	buf_append_str(out, "snapshot");
	for (size_t i = 0; i < s->nrows; i++)
		if (wanted(&s->rows[i], grep)) {
			buf_u8(out, ',');
			csv_cell(out, s->rows[i].label, &esc);
		}
	buf_u8(out, '\n');
	for (size_t c = 0; c < s->ncols; c++) {
		buf_printf(out, "%zu", c + 1);
		for (size_t i = 0; i < s->nrows; i++)
			if (wanted(&s->rows[i], grep)) {
				buf_u8(out, ',');
				csv_cell(out, s->rows[i].values[c], &esc);
			}
		buf_u8(out, '\n');
	}
	buf_free(&esc);
}

typedef struct {
	bool wide;
	const char *grep;
} stats_opts;

static bool set_wide(cli_args *a, const char *arg)
{
	(void)arg;
	return ((stats_opts *)a->own)->wide = true;
}

static bool set_grep(cli_args *a, const char *arg)
{
	((stats_opts *)a->own)->grep = arg;
	return true;
}

static const cli_opt STATS_OPTS[] = {{"wide", 'w', false, NULL, set_wide},
                                     {"grep", 'g', true, "a text", set_grep},
                                     {NULL, 0, false, NULL, NULL}};
static const cli_command STATS = {"stats", usage, CLI_OPT_OUTPUT, STATS_OPTS, false, false, NULL, NULL};

int cli_cmd_stats(int argc, char **argv)
{
	stats_opts o = {false, NULL};
	cli_args a;
	cli_input in;
	int rc = cli_command_begin(&STATS, argc, argv, &o, CLI_WANT_STATS, &a, &in);
	if (rc >= 0)
		return rc;
	buf out;
	buf_init(&out);
	if (o.wide)
		wide(in.stats, o.grep, &out);
	else
		table(in.stats, o.grep, &out);
	return cli_command_end(CLI_EXIT_OK, &out, &in, &a);
}
