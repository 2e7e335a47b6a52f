/* Reading the statistics CSV (docs/statistics.md) with libcsv: one row per statistic,
 * label first, one cell per stats snapshot, no header. Two passes over the text: the
 * first counts rows and cells and keeps nothing, so an input beyond the limits is refused
 * before any allocation that grows with it; the second copies every field once into one
 * block. Memory: the CSV's text plus one pointer per cell, never one allocation a cell. */
#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_ROWS 1000000u

/* ---- pass 1: the shape, without keeping any text ---- */

typedef struct {
	size_t *widths; /* fields per non-empty row */
	size_t nrows, cap;
	size_t width, fields, text;
	bool nomem;
} shape;

static void count_field(void *data, size_t len, void *vctx)
{
	(void)data;
	shape *c = vctx;
	c->width++;
	c->fields++;
	c->text += len + 1;
}

static void count_row(int term, void *vctx)
{
	(void)term;
	shape *c = vctx;
	size_t w = c->width;
	c->width = 0;
	if (!w || c->nomem)
		return;
	if (c->nrows == c->cap && c->nrows < MAX_ROWS + 1) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		size_t *n = realloc(c->widths, cap * sizeof *n);
		if (!n) {
			c->nomem = true;
			return;
		}
		c->widths = n;
		c->cap = cap;
	}
	if (c->nrows < c->cap)
		c->widths[c->nrows] = w;
	c->nrows++;
}

/* The number of value cells most rows have: the stats snapshot count. */
static size_t common_width(const size_t *widths, size_t n)
{
	size_t best = 0, best_count = 0;
	for (size_t i = 0; i < n && i < 4096; i++) {
		size_t w = widths[i] - 1, count = 0;
		for (size_t j = 0; j < n && j < 4096; j++)
			count += widths[j] - 1 == w;
		if (count > best_count || (count == best_count && w < best))
			best = w, best_count = count;
	}
	return best;
}

/* ---- pass 2: every field's text, NUL-terminated, back to back in one block ---- */

typedef struct {
	char *text, **fields;
	size_t at, n, max;
} fill;

static void fill_field(void *data, size_t len, void *vctx)
{
	fill *f = vctx;
	if (f->n == f->max)
		return; /* cannot happen: the same parser saw the same input in pass 1 */
	f->fields[f->n++] = f->text + f->at;
	if (len)
		memcpy(f->text + f->at, data, len);
	f->text[f->at + len] = '\0';
	f->at += len + 1;
}

static void fill_row(int term, void *vctx)
{
	(void)term;
	(void)vctx;
}

static int parse_pass(const uint8_t *data, size_t len, void (*field)(void *, size_t, void *),
                      void (*row)(int, void *), void *ctx)
{
	struct csv_parser p;
	if (csv_init(&p, 0) != 0)
		return -2;
	size_t done = csv_parse(&p, data, len, field, row, ctx);
	int rc = done == len ? 0 : -1;
	if (!rc)
		csv_fini(&p, field, row, ctx);
	csv_free(&p);
	return rc;
}

static char EMPTY[] = "";

/* Row i's fields f[0..w-1]: surplus leading cells rejoin the label in place (the NUL
 * between two fields becomes the comma that split them). */
static void take_row(char **f, size_t w, size_t ncols, cli_stat_row *out)
{
	size_t extra = w - 1 > ncols ? w - 1 - ncols : 0;
	for (size_t i = 1; i <= extra; i++)
		f[i][-1] = ',';
	out->label = f[0];
	for (size_t i = 0; i < ncols; i++)
		out->values[i] = 1 + extra + i < w ? f[1 + extra + i] : EMPTY;
}

/* "Thread.<name>.<id>.<Field> (unit)": the length of "Thread.<name>.<id>.", or 0. */
static size_t thread_key_len(const char *label)
{
	if (strncmp(label, "Thread.", 7) != 0)
		return 0;
	const char *unit = strrchr(label, '(');
	if (!unit)
		return 0;
	for (const char *p = unit; p > label + 7; p--)
		if (p[-1] == '.')
			return (size_t)(p - label);
	return 0;
}

/* Links each thread row to its thread's State row: a thread's rows are written together. */
static void link_states(cli_stats *s)
{
	for (size_t i = 0; i < s->nrows;) {
		size_t kl = thread_key_len(s->rows[i].label), j = i + 1;
		if (!kl) {
			i++;
			continue;
		}
		while (j < s->nrows && thread_key_len(s->rows[j].label) == kl &&
		       !strncmp(s->rows[j].label, s->rows[i].label, kl))
			j++;
		const cli_stat_row *state = NULL;
		for (size_t k = i; k < j; k++)
			if (!strcmp(s->rows[k].label + kl, "State (state)"))
				state = &s->rows[k];
		for (size_t k = i; k < j; k++)
			s->rows[k].state = state;
		i = j;
	}
}

static int build(cli_stats *s, const uint8_t *data, size_t len, const shape *sh, char *err, size_t errlen)
{
	fill f = {malloc(sh->text ? sh->text : 1), malloc((sh->fields ? sh->fields : 1) * sizeof(char *)), 0, 0,
	          sh->fields};
	s->text = f.text;
	s->cells = calloc(s->nrows * s->ncols, sizeof *s->cells);
	s->rows = calloc(s->nrows, sizeof *s->rows);
	if (!f.text || !f.fields || !s->cells || !s->rows) {
		free(f.fields);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	parse_pass(data, len, fill_field, fill_row, &f);
	for (size_t i = 0, at = 0; i < s->nrows && at + sh->widths[i] <= f.n; at += sh->widths[i], i++) {
		s->rows[i].values = s->cells + i * s->ncols;
		take_row(f.fields + at, sh->widths[i], s->ncols, &s->rows[i]);
	}
	free(f.fields);
	link_states(s);
	return 0;
}

__attribute__((format(printf, 3, 4))) static int too_large(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -2;
}

int cli_stats_parse(const uint8_t *data, size_t len, cli_stats **out, char *err, size_t errlen)
{
	*out = NULL;
	shape sh = {0};
	int prc = parse_pass(data, len, count_field, count_row, &sh);
	cli_stats *s = calloc(1, sizeof *s);
	int rc = -1;
	if (prc == -1)
		snprintf(err, errlen, "malformed CSV");
	else if (prc || sh.nomem || !s)
		snprintf(err, errlen, "out of memory");
	else if (sh.nrows == 0)
		snprintf(err, errlen, "empty");
	else if (sh.nrows > MAX_ROWS)
		rc = too_large(err, errlen, "%zu rows, more than the limit of %u", sh.nrows, MAX_ROWS);
	else if (sh.fields > CLI_STATS_MAX_CELLS)
		rc = too_large(err, errlen, "%zu cells, more than the limit of %u", sh.fields, CLI_STATS_MAX_CELLS);
	else if (!(s->ncols = common_width(sh.widths, sh.nrows)))
		snprintf(err, errlen, "no values next to the labels");
	else if (sh.nrows > CLI_STATS_MAX_CELLS / s->ncols)
		rc = too_large(err, errlen, "%zu rows of %zu cells, more than the limit of %u cells", sh.nrows,
		               s->ncols, CLI_STATS_MAX_CELLS);
	else
		rc = 0;
	if (!rc) {
		s->nrows = sh.nrows;
		rc = build(s, data, len, &sh, err, errlen);
	}
	if (!rc && !cli_stats_find(s, "RelativeTime (ns)") && !cli_stats_find(s, "AbsoluteTime (ns)")) {
		snprintf(err, errlen, "no RelativeTime (ns) or AbsoluteTime (ns) row");
		rc = -1;
	}
	free(sh.widths);
	if (rc) {
		cli_stats_free(s);
		return rc == -2 ? -2 : -1;
	}
	*out = s;
	return 0;
}

void cli_stats_free(cli_stats *s)
{
	if (!s)
		return;
	free(s->text);
	free(s->cells);
	free(s->rows);
	free(s);
}

bool cli_stats_present(const cli_stat_row *r, size_t col)
{
	if (!r->values[col][0])
		return false;
	const char *st = r->state ? r->state->values[col] : NULL;
	return !st || (st[0] && strcmp(st, "null") != 0);
}

const cli_stat_row *cli_stats_find(const cli_stats *s, const char *label)
{
	for (size_t i = 0; s && i < s->nrows; i++)
		if (!strcmp(s->rows[i].label, label))
			return &s->rows[i];
	return NULL;
}

bool cli_stats_number(const char *cell, double *out)
{
	if (!cell || !*cell)
		return false;
	char *end;
	errno = 0;
	double v = strtod(cell, &end);
	if (*end || errno || !isfinite(v))
		return false;
	*out = v;
	return true;
}
