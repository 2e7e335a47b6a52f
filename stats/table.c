/* The column store behind stats_table: rows in section order, looked up by label. */
#include "table.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	stats_cell_kind kind;
	int64_t num;
	char *text;
} cell;

struct stats_row {
	char *label;
	stats_section section;
	bool text;
	cell *cells; /* ncells <= table columns; cells past ncells are missing */
	size_t ncells;
	size_t cap;
};
typedef struct stats_row row;

struct stats_table {
	row **rows; /* in output order */
	size_t nrows, rows_cap;
	size_t sec_end[STATS_SEC_COUNT]; /* rows[0 .. sec_end[s]) belong to sections <= s */
	row **index;                     /* open addressing by label; power-of-two size */
	size_t index_cap;
	int64_t *epoch_ms; /* per column */
	size_t ncols, cols_cap;
	bool has_origin;
	int64_t origin_ns;
	uint64_t serial;
};

static uint64_t hash_label(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

static row **index_slot(const stats_table *t, const char *label)
{
	size_t mask = t->index_cap - 1;
	for (size_t i = hash_label(label) & mask;; i = (i + 1) & mask)
		if (!t->index[i] || strcmp(t->index[i]->label, label) == 0)
			return &t->index[i];
}

static bool index_grow(stats_table *t)
{
	size_t cap = t->index_cap ? t->index_cap * 2 : 256;
	row **old = t->index;
	size_t old_cap = t->index_cap;
	t->index = calloc(cap, sizeof *t->index);
	if (!t->index) {
		t->index = old;
		return false;
	}
	t->index_cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i])
			*index_slot(t, old[i]->label) = old[i];
	free(old);
	return true;
}

stats_table *stats_table_new(void)
{
	static atomic_uint_fast64_t serials;
	stats_table *t = calloc(1, sizeof *t);
	if (t && !index_grow(t)) {
		free(t);
		return NULL;
	}
	if (t)
		t->serial = atomic_fetch_add(&serials, 1) + 1;
	return t;
}

uint64_t stats_table_serial(const stats_table *t) { return t->serial; }

static void row_free(row *r)
{
	for (size_t i = 0; i < r->ncells; i++)
		free(r->cells[i].text);
	free(r->cells);
	free(r->label);
	free(r);
}

void stats_table_free(stats_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows; i++)
		row_free(t->rows[i]);
	free(t->rows);
	free(t->index);
	free(t->epoch_ms);
	free(t);
}

size_t stats_table_columns(const stats_table *t) { return t->ncols; }
size_t stats_table_rows(const stats_table *t) { return t->nrows; }

int64_t stats_table_column_epoch_ms(const stats_table *t, size_t col)
{
	return col < t->ncols ? t->epoch_ms[col] : -1;
}

const char *stats_table_label(const stats_table *t, size_t row_i)
{
	return row_i < t->nrows ? t->rows[row_i]->label : NULL;
}

int stats_table_begin_column(stats_table *t, int64_t epoch_ms)
{
	if (t->ncols == t->cols_cap) {
		size_t cap = t->cols_cap ? t->cols_cap * 2 : 8;
		int64_t *p = realloc(t->epoch_ms, cap * sizeof *p);
		if (!p)
			return -1;
		t->epoch_ms = p;
		t->cols_cap = cap;
	}
	t->epoch_ms[t->ncols] = epoch_ms;
	return (int)t->ncols++;
}

void stats_table_drop_column(stats_table *t)
{
	if (t->ncols == 0)
		return;
	size_t col = --t->ncols;
	/* Rows first created by the dropped column stay (with no values): harmless, since a
	 * retry recreates the same items, and it keeps row pointers stable. */
	for (size_t i = 0; i < t->nrows; i++) {
		row *r = t->rows[i];
		while (r->ncells > col) {
			cell *c = &r->cells[--r->ncells];
			free(c->text);
			c->text = NULL;
		}
	}
	if (t->ncols == 0)
		t->has_origin = false;
}

static row *row_find(stats_table *t, stats_section s, const char *label, bool text)
{
	row **slot = index_slot(t, label);
	if (*slot)
		return (*slot)->text == text ? *slot : NULL;
	if ((t->nrows + 1) * 2 > t->index_cap) {
		if (!index_grow(t))
			return NULL;
		slot = index_slot(t, label);
	}
	if (t->nrows == t->rows_cap) {
		size_t cap = t->rows_cap ? t->rows_cap * 2 : 64;
		row **p = realloc(t->rows, cap * sizeof *p);
		if (!p)
			return NULL;
		t->rows = p;
		t->rows_cap = cap;
	}
	row *r = calloc(1, sizeof *r);
	if (!r || !(r->label = strdup(label))) {
		free(r);
		return NULL;
	}
	r->section = s;
	r->text = text;
	size_t at = t->sec_end[s];
	memmove(&t->rows[at + 1], &t->rows[at], (t->nrows - at) * sizeof *t->rows);
	t->rows[at] = r;
	t->nrows++;
	for (int i = s; i < STATS_SEC_COUNT; i++)
		t->sec_end[i]++;
	*slot = r;
	return r;
}

static cell *cell_last(row *r, size_t ncols)
{
	size_t col = ncols - 1;
	if (r->ncells <= col) {
		if (col >= r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 4;
			while (cap <= col)
				cap *= 2;
			cell *p = realloc(r->cells, cap * sizeof *p);
			if (!p)
				return NULL;
			r->cells = p;
			r->cap = cap;
		}
		memset(&r->cells[r->ncells], 0, (col + 1 - r->ncells) * sizeof *r->cells);
		r->ncells = col + 1;
	}
	return &r->cells[col];
}

stats_row *stats_table_row(stats_table *t, stats_section s, const char *label, bool text)
{
	return (unsigned)s < STATS_SEC_COUNT ? row_find(t, s, label, text) : NULL;
}

int stats_table_set_num(stats_table *t, stats_row *r, int64_t v)
{
	cell *c = r && !r->text && t->ncols ? cell_last(r, t->ncols) : NULL;
	if (!c)
		return -1;
	c->kind = STATS_CELL_NUM;
	c->num = v;
	return 0;
}

int stats_table_set_text(stats_table *t, stats_row *r, const char *utf8)
{
	cell *c = r && r->text && t->ncols ? cell_last(r, t->ncols) : NULL;
	if (!c)
		return -1;
	char *copy = NULL;
	if (utf8 && !(copy = strdup(utf8)))
		return -1;
	free(c->text);
	c->text = copy;
	c->kind = copy ? STATS_CELL_TEXT : STATS_CELL_NULL;
	return 0;
}

int stats_table_put_num(stats_table *t, stats_section s, const char *label, int64_t v)
{
	/* No column yet: refused before a row is made for it. */
	return t->ncols ? stats_table_set_num(t, stats_table_row(t, s, label, false), v) : -1;
}

int stats_table_put_text(stats_table *t, stats_section s, const char *label, const char *utf8)
{
	return t->ncols ? stats_table_set_text(t, stats_table_row(t, s, label, true), utf8) : -1;
}

stats_cell_kind stats_table_cell(const stats_table *t, size_t row_i, size_t col, int64_t *num,
                                 const char **text)
{
	if (row_i >= t->nrows || col >= t->ncols)
		return STATS_CELL_MISSING;
	const row *r = t->rows[row_i];
	if (col >= r->ncells || r->cells[col].kind == STATS_CELL_MISSING)
		return STATS_CELL_MISSING;
	if (num)
		*num = r->cells[col].num;
	if (text)
		*text = r->cells[col].text;
	return r->cells[col].kind;
}

int64_t stats_table_origin_ns(stats_table *t, int64_t now_ns)
{
	if (!t->has_origin) {
		t->has_origin = true;
		t->origin_ns = now_ns;
	}
	return t->origin_ns;
}
