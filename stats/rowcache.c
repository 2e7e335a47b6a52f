/* The nine rows of each thread, kept by thread id between columns: a column then finds a
 * thread's rows with one hash probe and one name comparison, instead of building and
 * looking up nine "Thread.<name>.<id>.<field>" labels (with 50 threads, the thread rows are
 * nine tenths of a column's rows). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A new thread's rows are made in this order, IOpipe's. */
static const struct {
	const char *field;
	bool text;
} fields[STATS_THREAD_FIELDS] = {
        [STATS_TR_CPU] = {"CPUTime (ns)", false},
        [STATS_TR_USER] = {"UserTime (ns)", false},
        [STATS_TR_BLOCKED] = {"Blocked (count)", false},
        [STATS_TR_BLOCKED_TIME] = {"BlockedTime (ns)", false},
        [STATS_TR_LOCK_NAME] = {"LockedName (object)", true},
        [STATS_TR_LOCK_OWNER] = {"LockedOwner (threadid)", false},
        [STATS_TR_STATE] = {"State (state)", true},
        [STATS_TR_WAITED] = {"Waited (count)", false},
        [STATS_TR_WAITED_TIME] = {"WaitedTime (ns)", false},
};

static void clear(stats_rowcache *rc)
{
	for (size_t i = 0; i < rc->cap; i++)
		free(rc->slots[i].name);
	free(rc->slots);
	rc->slots = NULL;
	rc->cap = rc->n = 0;
}

void stats_rowcache_free(stats_rowcache *rc) { clear(rc); }

static size_t home(int64_t id, size_t cap)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 32) & (cap - 1);
}

/* The slot for `id`: its entry, or the empty slot where it goes. */
static stats_thread_rows *slot(stats_rowcache *rc, int64_t id)
{
	for (size_t i = home(id, rc->cap);; i = (i + 1) & (rc->cap - 1))
		if (!rc->slots[i].used || rc->slots[i].id == id)
			return &rc->slots[i];
}

static bool grow(stats_rowcache *rc)
{
	size_t cap = rc->cap ? rc->cap * 2 : 64;
	stats_thread_rows *old = rc->slots;
	size_t old_cap = rc->cap;
	rc->slots = calloc(cap, sizeof *rc->slots);
	if (!rc->slots) {
		rc->slots = old;
		return false;
	}
	rc->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].used)
			*slot(rc, old[i].id) = old[i];
	free(old);
	return true;
}

static bool same_name(const char *a, const char *b) { return a && b ? strcmp(a, b) == 0 : a == b; }

/* (Re)fills e with the rows of thread (name, id); a renamed thread gets new rows. */
static bool fill(stats_thread_rows *e, stats_table *t, buf *label, const char *name, int64_t id)
{
	char *copy = name ? strdup(name) : NULL;
	if (name && !copy)
		return false;
	size_t p = stats_label_thread_prefix(label, name, id);
	for (int f = 0; f < STATS_THREAD_FIELDS; f++) {
		const char *l = stats_label_field(label, p, fields[f].field);
		e->rows[f] = l ? stats_table_row(t, STATS_SEC_THREAD, l, fields[f].text) : NULL;
		if (!e->rows[f]) {
			free(copy);
			return false;
		}
	}
	free(e->name);
	e->name = copy;
	e->id = id;
	e->used = true;
	return true;
}

stats_row *const *stats_rowcache_thread(stats_rowcache *rc, stats_table *t, buf *label, const char *name,
                                        int64_t id)
{
	if (rc->serial != stats_table_serial(t)) { /* another table: its rows are other rows */
		clear(rc);
		rc->serial = stats_table_serial(t);
	}
	if ((rc->n + 1) * 2 > rc->cap && !grow(rc))
		return NULL;
	stats_thread_rows *e = slot(rc, id);
	if (e->used && same_name(e->name, name))
		return e->rows;
	bool fresh = !e->used;
	if (!fill(e, t, label, name, id)) {
		if (fresh)
			e->used = false;
		return NULL;
	}
	rc->n += fresh;
	return e->rows;
}

int stats_rowcache_set(stats_table *t, stats_row *const *rows, const stats_thread_values *v)
{
	for (int f = 0; f < STATS_THREAD_FIELDS; f++)
		if ((fields[f].text ? stats_table_set_text(t, rows[f], v->text[f])
		                    : stats_table_set_num(t, rows[f], v->num[f])) != 0)
			return -1;
	return 0;
}
