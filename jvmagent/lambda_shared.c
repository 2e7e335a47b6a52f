/* Shared windows for Lambda Managed Instances (lambda_shared.h). */
#include "lambda_shared.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/json_string.h"
#include "../snapshot/metadata.h"

typedef char shared_id[LAMBDA_SHARED_ID_MAX];

typedef struct {
	shared_id id;
	char thread[LAMBDA_SHARED_THREAD_MAX]; /* "" = not known */
	bool own; /* gets a zip of its own */
} invocation;

typedef struct {
	shared_id name; /* the window's request id; "" = free slot */
	unsigned n_listed, n_more;
	invocation listed[LAMBDA_SHARED_MAX_LISTED];
} covered_list;

struct lambda_shared {
	unsigned n_open;
	invocation open[LAMBDA_SHARED_MAX_OPEN];
	bool window_open;
	int64_t window_begin_ms;
	covered_list cur;
	covered_list kept[LAMBDA_SHARED_KEPT];
	unsigned next_kept; /* the slot the next closed list goes to (oldest dropped) */
};

lambda_shared *lambda_shared_new(void) { return calloc(1, sizeof(lambda_shared)); }

void lambda_shared_free(lambda_shared *s) { free(s); }

static void list_add(covered_list *l, const invocation *inv)
{
	if (l->n_listed < LAMBDA_SHARED_MAX_LISTED)
		l->listed[l->n_listed++] = *inv;
	else
		l->n_more++;
}

/* The open window's list waits for its zip; a list never taken (its window was not
 * written) is dropped after LAMBDA_SHARED_KEPT more. */
static void keep_current(lambda_shared *s)
{
	s->kept[s->next_kept] = s->cur;
	s->next_kept = (s->next_kept + 1) % LAMBDA_SHARED_KEPT;
	memset(&s->cur, 0, sizeof s->cur);
	s->window_open = false;
}

static void track_open(lambda_shared *s, const invocation *inv)
{
	if (s->n_open == LAMBDA_SHARED_MAX_OPEN) { /* the proxy ends the oldest first: never */
		memmove(&s->open[0], &s->open[1], (s->n_open - 1) * sizeof s->open[0]);
		s->n_open--;
	}
	s->open[s->n_open++] = *inv;
}

lambda_shared_action lambda_shared_start(lambda_shared *s, const char *id_in, const char *thread,
					 const char *window_name, int64_t now_ms, bool chosen, bool *own)
{
	invocation inv;
	snprintf(inv.id, sizeof inv.id, "%s", id_in);
	snprintf(inv.thread, sizeof inv.thread, "%s", thread ? thread : "");
	inv.own = chosen;
	const invocation *id = &inv;
	bool roll = s->window_open && now_ms - s->window_begin_ms >= LAMBDA_SHARED_ROLL_MS;
	if (own)
		*own = chosen;
	if (s->window_open && (!roll || !chosen)) { /* a window that rolls keeps going until one is chosen */
		list_add(&s->cur, id);
		track_open(s, id);
		return SHARED_NOTHING;
	}
	if (!chosen) {
		track_open(s, id);
		return SHARED_NOTHING;
	}
	if (s->window_open)
		keep_current(s);
	snprintf(s->cur.name, sizeof s->cur.name, "%s", window_name);
	for (unsigned i = 0; i < s->n_open; i++) /* still running: in this window too */
		list_add(&s->cur, &s->open[i]);
	list_add(&s->cur, id);
	track_open(s, id);
	s->window_open = true;
	s->window_begin_ms = now_ms;
	return SHARED_OPEN;
}

bool lambda_shared_window_open(const lambda_shared *s) { return s->window_open; }

lambda_shared_action lambda_shared_end(lambda_shared *s, const char *id, bool *own)
{
	unsigned i = 0;
	while (i < s->n_open && strcmp(s->open[i].id, id) != 0)
		i++;
	if (own)
		*own = i < s->n_open && s->open[i].own;
	if (i == s->n_open)
		return SHARED_NOTHING;
	memmove(&s->open[i], &s->open[i + 1], (s->n_open - i - 1) * sizeof s->open[0]);
	s->n_open--;
	if (s->n_open > 0 || !s->window_open)
		return SHARED_NOTHING;
	keep_current(s);
	return SHARED_CLOSE;
}

bool lambda_shared_take(lambda_shared *s, const char *window_name, buf *out, unsigned *not_listed)
{
	covered_list *l = NULL;
	for (unsigned i = 0; i < LAMBDA_SHARED_KEPT && !l; i++)
		if (s->kept[i].name[0] && strcmp(s->kept[i].name, window_name) == 0)
			l = &s->kept[i];
	if (!l && s->window_open && strcmp(s->cur.name, window_name) == 0)
		l = &s->cur; /* the last window, closed at exit with invocations still open */
	if (!l)
		return false;
	buf_append_str(out, "[");
	for (unsigned i = 0; i < l->n_listed; i++) {
		buf_append_str(out, i ? ", {\"id\": " : "{\"id\": ");
		json_string(out, l->listed[i].id); /* Lambda's UUIDs, but nothing trusts that */
		buf_append_str(out, ", \"thread\": ");
		json_string(out, l->listed[i].thread[0] ? l->listed[i].thread : NULL);
		buf_append_str(out, "}");
	}
	buf_append_str(out, "]");
	*not_listed = l->n_more;
	if (l != &s->cur)
		memset(l, 0, sizeof *l);
	return true;
}
