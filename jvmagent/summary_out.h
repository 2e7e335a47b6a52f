/* The invocation summary of a finished window (snapshot/summary.h), written next to its
 * zip as "<zip without .zip>.json" and uploaded after it by the uploader. */
#ifndef JVMSNAP_SUMMARY_OUT_H
#define JVMSNAP_SUMMARY_OUT_H

#include "../snapshot/summary.h"
#include "../stats/stats.h"

struct agent;
struct agent_window;

/* gc_count, gc_ms, heap_used_max and classes_loaded from the window's statistics
 * (SNAP_SUMMARY_UNKNOWN without them). GC figures are the change from the first to the
 * last column, summed over the collectors: the collections that happened in the window. */
void summary_from_stats(const stats_table *t, snap_summary *s);

/* Writes the summary of `w`, whose zip is at `zip_path`, next to it. `zip_key` is the
 * zip's S3 key, or NULL without upload (the zip's file name is used). Logged, never fatal. */
void summary_write(const struct agent *a, const struct agent_window *w, const char *zip_path,
		   const char *zip_key);

#endif
