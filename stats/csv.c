/* IOpipe's statistics CSV: one row per statistic, label first, one cell per column, no
 * header, "\n" line ends; an empty cell where an item has no value (it was absent, so a
 * chart shows a gap, not a drop to 0). Fields are quoted (by libcsv) only when they need it.
 * Text that a spreadsheet would run as a formula gets OWASP's treatment: a leading
 * apostrophe and quotes. Numbers are written by us as numbers and are never touched, so -1
 * stays -1. */
#include <csv.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "table.h"

/* A plain decimal number such as "-12" or "+3.5": a spreadsheet reads it as a value,
 * never as a formula, so it needs no neutralising. */
static bool is_number(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	bool digits = false, dot = false;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digits = true;
		else if (*s == '.' && !dot)
			dot = true;
		else
			return false;
	}
	return digits;
}

static bool is_formula_like(const char *s)
{
	switch (s[0]) {
	case '=':
	case '+':
	case '-':
	case '@':
	case '\t':
	case '\r':
		return !is_number(s);
	default:
		return false;
	}
}

static bool needs_quotes(const char *s)
{
	if (!*s)
		return false;
	if (s[0] == ' ' || s[strlen(s) - 1] == ' ')
		return true; /* importers may trim unquoted spaces */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p == ',' || *p == '"' || *p == '\n' || *p == '\r' || *p >= 0x80 || *p < 0x20)
			return true;
	return false;
}

static void write_quoted(buf *out, const char *s, size_t len)
{
	size_t need = csv_write(NULL, 0, s, len);
	if (!buf_reserve(out, need))
		return;
	out->len += csv_write(out->data + out->len, need, s, len);
}

static void write_text(buf *out, const char *s)
{
	if (is_formula_like(s)) {
		/* OWASP "CSV injection": prefix a single quote and quote the whole cell. */
		size_t len = strlen(s);
		buf tmp;
		buf_init(&tmp);
		buf_u8(&tmp, '\'');
		buf_append(&tmp, s, len);
		if (tmp.failed)
			out->failed = true;
		else
			write_quoted(out, (const char *)tmp.data, tmp.len);
		buf_free(&tmp);
	} else if (needs_quotes(s)) {
		write_quoted(out, s, strlen(s));
	} else {
		buf_append_str(out, s);
	}
}

int stats_csv_write(const stats_table *t, buf *out)
{
	size_t rows = stats_table_rows(t), cols = stats_table_columns(t);
	for (size_t r = 0; r < rows; r++) {
		write_text(out, stats_table_label(t, r));
		for (size_t c = 0; c < cols; c++) {
			int64_t num = 0;
			const char *text = NULL;
			buf_u8(out, ',');
			switch (stats_table_cell(t, r, c, &num, &text)) {
			case STATS_CELL_NUM:
				buf_printf(out, "%" PRId64, num);
				break;
			case STATS_CELL_TEXT:
				write_text(out, text);
				break;
			case STATS_CELL_NULL:
				buf_append_str(out, STATS_NULL_TEXT);
				break;
			case STATS_CELL_MISSING: /* no value: an empty cell */
				break;
			}
		}
		buf_u8(out, '\n');
	}
	return out->failed ? -1 : 0;
}
