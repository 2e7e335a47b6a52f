/* Reading the statistics CSV (docs/lambda-s3.md §1.6) with libcsv: one row per
 * statistic, label first, one cell per stats snapshot, no header. */
#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_ROWS 1000000u

typedef struct {
	char **fields;
	size_t n, cap;
} row;

typedef struct {
	row *rows;
	size_t n, cap;
	row cur;
	bool nomem;
} parse_ctx;

static void on_field(void *data, size_t len, void *vctx)
{
	parse_ctx *c = vctx;
	if (c->nomem)
		return;
	if (c->cur.n == c->cur.cap) {
		size_t cap = c->cur.cap ? 2 * c->cur.cap : 8;
		char **f = realloc(c->cur.fields, cap * sizeof *f);
		if (!f) {
			c->nomem = true;
			return;
		}
		c->cur.fields = f;
		c->cur.cap = cap;
	}
	char *s = malloc(len + 1);
	if (!s) {
		c->nomem = true;
		return;
	}
	if (len)
		memcpy(s, data, len);
	s[len] = '\0';
	c->cur.fields[c->cur.n++] = s;
}

static void free_row(row *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->fields[i]);
	free(r->fields);
	memset(r, 0, sizeof *r);
}

static void on_row(int term, void *vctx)
{
	(void)term;
	parse_ctx *c = vctx;
	if (c->nomem || c->cur.n == 0 || c->n >= MAX_ROWS) {
		free_row(&c->cur);
		return;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		row *r = realloc(c->rows, cap * sizeof *r);
		if (!r) {
			c->nomem = true;
			free_row(&c->cur);
			return;
		}
		c->rows = r;
		c->cap = cap;
	}
	c->rows[c->n++] = c->cur;
	memset(&c->cur, 0, sizeof c->cur);
}

/* The number of value cells most rows have: the stats snapshot count. */
static size_t common_width(const row *rows, size_t n)
{
	size_t best = 0, best_count = 0;
	for (size_t i = 0; i < n && i < 4096; i++) {
		size_t w = rows[i].n - 1, count = 0;
		for (size_t j = 0; j < n && j < 4096; j++)
			count += rows[j].n - 1 == w;
		if (count > best_count || (count == best_count && w < best))
			best = w, best_count = count;
	}
	return best;
}

/* Moves a parsed row into the table: surplus leading cells rejoin the label. */
static int take_row(row *r, size_t ncols, cli_stat_row *out)
{
	size_t extra = r->n - 1 > ncols ? r->n - 1 - ncols : 0;
	size_t label_len = 0;
	for (size_t i = 0; i <= extra; i++)
		label_len += strlen(r->fields[i]) + 1;
	out->label = malloc(label_len);
	out->values = calloc(ncols ? ncols : 1, sizeof *out->values);
	if (!out->label || !out->values)
		return -1;
	size_t at = 0;
	for (size_t i = 0; i <= extra; i++) {
		size_t n = strlen(r->fields[i]);
		if (i)
			out->label[at++] = ',';
		memcpy(out->label + at, r->fields[i], n);
		at += n;
	}
	out->label[at] = '\0';
	for (size_t i = 0; i < ncols; i++) {
		size_t src = 1 + extra + i;
		out->values[i] = src < r->n ? r->fields[src] : NULL;
		if (src < r->n)
			r->fields[src] = NULL;
		else if (!(out->values[i] = strdup("")))
			return -1;
	}
	return 0;
}

int cli_stats_parse(const uint8_t *data, size_t len, cli_stats **out, char *err, size_t errlen)
{
	*out = NULL;
	struct csv_parser p;
	if (csv_init(&p, 0) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	parse_ctx c = {0};
	size_t done = csv_parse(&p, data, len, on_field, on_row, &c);
	int bad = done != len;
	if (!bad)
		csv_fini(&p, on_field, on_row, &c);
	csv_free(&p);
	free_row(&c.cur);

	cli_stats *s = calloc(1, sizeof *s);
	int rc = -1;
	if (bad)
		snprintf(err, errlen, "malformed CSV");
	else if (c.nomem || !s)
		snprintf(err, errlen, "out of memory");
	else if (c.n == 0)
		snprintf(err, errlen, "empty");
	else
		rc = 0;
	if (!rc) {
		s->ncols = common_width(c.rows, c.n);
		s->rows = calloc(c.n, sizeof *s->rows);
		if (!s->ncols) {
			snprintf(err, errlen, "no values next to the labels");
			rc = -1;
		} else if (!s->rows) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		}
		for (size_t i = 0; !rc && i < c.n; i++, s->nrows++)
			if (take_row(&c.rows[i], s->ncols, &s->rows[i])) {
				snprintf(err, errlen, "out of memory");
				rc = -1; /* the loop's increment still counts the partial row */
			}
		if (!rc && !cli_stats_find(s, "RelativeTime (ns)") &&
		    !cli_stats_find(s, "AbsoluteTime (ns)")) {
			snprintf(err, errlen, "no RelativeTime (ns) or AbsoluteTime (ns) row");
			rc = -1;
		}
	}
	for (size_t i = 0; i < c.n; i++)
		free_row(&c.rows[i]);
	free(c.rows);
	if (rc) {
		cli_stats_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void cli_stats_free(cli_stats *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nrows; i++) {
		free(s->rows[i].label);
		for (size_t j = 0; s->rows[i].values && j < s->ncols; j++)
			free(s->rows[i].values[j]);
		free(s->rows[i].values);
	}
	free(s->rows);
	free(s);
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
