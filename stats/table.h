/* Internal: the column store behind stats_table and the row-label builder.
 *
 * A row is keyed by its label. Rows are grouped in IOpipe's section order (fixed rows,
 * then per collector, per pool, heap/non-heap, per thread, per buffer pool); inside a
 * section, items keep the order in which they first appeared in any column, and a new
 * item's rows are appended at the end of its section. A row that has no value in a
 * column (the thread had not started yet or had ended, the pool did not exist) reads as
 * missing there, an empty CSV cell: not 0, which a chart would draw as a value, nor `null`,
 * which is a value too (a thread waiting on no lock). */
#ifndef JVMSNAP_STATS_TABLE_H
#define JVMSNAP_STATS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/buf.h"
#include "stats.h"

typedef enum {
	STATS_SEC_HEAD = 0, /* timing, classes, compilation */
	STATS_SEC_GC,
	STATS_SEC_POOL,
	STATS_SEC_MEMORY, /* heap, non-heap, pending finalizers */
	STATS_SEC_THREAD,
	STATS_SEC_BUFFER,
	STATS_SEC_COUNT
} stats_section;

/* MISSING: no value (the item was absent), written as an empty cell; NULL: a text value
 * that is null (ThreadInfo.getLockName() of a thread waiting on no lock), written `null`. */
typedef enum { STATS_CELL_MISSING = 0, STATS_CELL_NUM, STATS_CELL_TEXT, STATS_CELL_NULL } stats_cell_kind;

#define STATS_NULL_TEXT "null"

/* Starts a new (last) column; returns its index or -1 when out of memory. */
int stats_table_begin_column(stats_table *t, int64_t epoch_ms);
/* Removes the last column again (a collection that failed half-way). */
void stats_table_drop_column(stats_table *t);
/* Sets a cell of the last column; the row is created on first use. A text value is copied;
 * NULL text is stored as a null value (STATS_CELL_NULL). Returns 0 or -1 when out of memory or when `label`
 * names a row of the other kind. */
int stats_table_put_num(stats_table *t, stats_section s, const char *label, int64_t v);
int stats_table_put_text(stats_table *t, stats_section s, const char *label, const char *utf8);

/* A row as a handle, for a caller that sets the same rows column after column (the thread
 * rows): found or made once by label, then set without a lookup. NULL when out of memory or
 * when `label` names a row of the other kind. Valid until the table is freed. */
typedef struct stats_row stats_row;
stats_row *stats_table_row(stats_table *t, stats_section s, const char *label, bool text);
/* stats_table_put_num / _put_text through a handle (-1 also for a row of the other kind). */
int stats_table_set_num(stats_table *t, stats_row *r, int64_t v);
int stats_table_set_text(stats_table *t, stats_row *r, const char *utf8);
/* Unique per table for the process's life, so a cache of handles keyed by it stays right
 * when a freed table's address is reused. */
uint64_t stats_table_serial(const stats_table *t);

/* Cell at (row, col): its kind, and its number or text (owned by the table; NULL for
 * STATS_CELL_NULL). */
stats_cell_kind stats_table_cell(const stats_table *t, size_t row, size_t col, int64_t *num,
                                 const char **text);

/* Monotonic ns of the table's first column: set by the first call, returned afterwards. */
int64_t stats_table_origin_ns(stats_table *t, int64_t now_ns);

/* Row labels, in two steps for speed: a prefix "<group>.<item>." (or "Thread.<name>.<id>.")
 * written into `b` (reset first), then any number of fields appended to it in turn. The
 * returned label lives in `b` until the next call. NULL when out of memory. */
size_t stats_label_prefix(buf *b, const char *group, const char *item);
size_t stats_label_thread_prefix(buf *b, const char *name, int64_t id);
const char *stats_label_field(buf *b, size_t prefix, const char *field);

/* Row labels in one step. `item` is a collector/pool/buffer-pool name, NULL reads "Unknown".
 * Writes "<group>.<item>.<field>" into `b` (reset first) as a NUL-terminated string. */
const char *stats_label_item(buf *b, const char *group, const char *item, const char *field);
/* "Thread.<name>.<id>.<field>": thread rows are keyed by name and id, so two threads
 * with one name stay apart and a renamed thread becomes a new item. */
const char *stats_label_thread(buf *b, const char *name, int64_t id, const char *field);

#endif
