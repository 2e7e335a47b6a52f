#include "summary_out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/log.h"
#include "../stats/table.h"
#include "agent_state.h"
#include "window.h"

static bool ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);
	return n >= m && memcmp(s + n - m, end, m) == 0;
}

static bool cell(const stats_table *t, size_t row, size_t col, int64_t *v)
{
	return stats_table_cell(t, row, col, v, NULL) == STATS_CELL_NUM && *v >= 0;
}

/* Adds last - first of `row` to *acc (UNKNOWN until a row has both ends). */
static void add_change(const stats_table *t, size_t row, size_t last, int64_t *acc)
{
	int64_t a, b;
	if (!cell(t, row, 0, &a) || !cell(t, row, last, &b))
		return;
	*acc = (*acc == SNAP_SUMMARY_UNKNOWN ? 0 : *acc) + (b > a ? b - a : 0);
}

void summary_from_stats(const stats_table *t, snap_summary *s)
{
	s->gc_count = s->gc_ms = s->heap_used_max = s->classes_loaded = SNAP_SUMMARY_UNKNOWN;
	size_t cols = t ? stats_table_columns(t) : 0;
	if (!cols)
		return;
	for (size_t r = 0; r < stats_table_rows(t); r++) {
		const char *label = stats_table_label(t, r);
		int64_t v;
		if (!label)
			continue;
		if (strncmp(label, "GC.", 3) == 0 && ends_with(label, ".Count (collections)"))
			add_change(t, r, cols - 1, &s->gc_count);
		else if (strncmp(label, "GC.", 3) == 0 && ends_with(label, ".Time (ms)"))
			add_change(t, r, cols - 1, &s->gc_ms);
		else if (strcmp(label, "TotalLoadedClasses (classes)") == 0 && cell(t, r, cols - 1, &v))
			s->classes_loaded = v;
		else if (strcmp(label, "Memory.Heap.used (byte)") == 0)
			for (size_t c = 0; c < cols; c++)
				if (cell(t, r, c, &v) && (s->heap_used_max == SNAP_SUMMARY_UNKNOWN || v > s->heap_used_max))
					s->heap_used_max = v;
	}
}

/* init: the Lambda init phase; cold: the process's first invocation (window 0 is the init
 * window on Lambda, so the first invocation is window 1); warm: any later one. */
static const char *kind(const agent_window *w)
{
	if (w->init)
		return "init";
	if (!w->request_id[0])
		return "run";
	return w->seq <= 1 ? "cold" : "warm";
}

/* 0600 from its first byte, as every file the agent writes (docs/security.md), whatever
 * the umask; a symlink in its place is not followed. */
static FILE *open_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	FILE *f = fchmod(fd, 0600) == 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		close(fd);
	return f;
}

void summary_write(const agent *a, const agent_window *w, const char *zip_path, const char *zip_key)
{
	const char *base = strrchr(zip_path, '/');
	snap_summary s = {
	    .function_name = a->cfg.function_name && a->cfg.function_name[0] ? a->cfg.function_name : NULL,
	    .function_version = a->cfg.function_version,
	    .request_id = w->request_id[0] ? w->request_id : NULL,
	    .kind = kind(w),
	    .begin_ms = w->profile->begin_ms,
	    .end_ms = w->profile->end_ms,
	    .samples = w->st.samples,
	    .interval_achieved_us = window_achieved_interval_us(w),
	    .zip_key = zip_key ? zip_key : base ? base + 1 : zip_path,
	};
	snap_summary_from_profile(w->profile, &s);
	summary_from_stats(w->stats, &s);
	char path[4096];
	if (snap_summary_name(zip_path, path, sizeof path) != 0)
		return;
	buf json;
	buf_init(&json);
	snap_summary_json(&s, &json);
	FILE *f = json.failed ? NULL : open_private(path);
	bool ok = f && fwrite(json.data, 1, json.len, f) == json.len;
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok)
		log_warn("cannot write the invocation summary %s (%s); the zip is unaffected", path,
			 json.failed ? "out of memory" : strerror(errno));
	buf_free(&json);
}
