/* The invocation summary: one small JSON object stored next to every snapshot zip (locally
 * and in S3), so a fleet of snapshots can be listed, ranked and queried (jvmsnap ls, Athena,
 * DuckDB) without opening a zip. docs/fleet.md describes every field.
 *
 * The JSON is one line ending in '\n' (JSON Lines): Athena's JSON SerDe and DuckDB's
 * read_json read one object per line. Field names and types are a stable schema
 * ("schema": 1); unknown numbers are written as null. */
#ifndef JVMSNAP_SNAP_SUMMARY_H
#define JVMSNAP_SNAP_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/buf.h"
#include "profile.h"

#define SNAP_SUMMARY_TOP 5
#define SNAP_SUMMARY_NAME_MAX 256
/* A statistic the window did not measure (no stats table, row absent). */
#define SNAP_SUMMARY_UNKNOWN INT64_MIN

typedef struct {
	char name[SNAP_SUMMARY_NAME_MAX]; /* "java.util.HashMap.get" (class.method) */
	double self_ms;                  /* by the ranking time (see snap_summary.top_time) */
} snap_summary_method;

typedef struct {
	const char *function_name;    /* AWS_LAMBDA_FUNCTION_NAME or the host, or NULL */
	const char *function_version; /* AWS_LAMBDA_FUNCTION_VERSION, or NULL */
	const char *request_id;       /* NULL outside an invocation */
	const char *kind;             /* "init", "cold", "warm" or "run" */
	int64_t begin_ms, end_ms;     /* epoch ms */
	uint64_t samples;
	double interval_achieved_us;
	/* From the profile (snap_summary_from_profile). */
	double cpu_ms, wall_ms;       /* Σ self time of every thread */
	const char *top_time;         /* "cpu" or "wall": what ranks and measures top[] */
	snap_summary_method top[SNAP_SUMMARY_TOP];
	int ntop;
	/* From the statistics; SNAP_SUMMARY_UNKNOWN when not measured. */
	int64_t gc_count, gc_ms;      /* collections and their time during the window */
	int64_t heap_used_max;        /* bytes, the largest Memory.Heap.used seen */
	int64_t classes_loaded;       /* TotalLoadedClasses at the window's end */
	const char *zip_key;          /* the zip's S3 key, or its local file name */
} snap_summary;

/* Fills cpu_ms, wall_ms, top_time and top[] from `p`: the SNAP_SUMMARY_TOP methods with
 * the most self time summed over every thread, CPU time when the profile measured it, as
 * `jvmsnap top` ranks them. Needs nmethods*8 bytes; on no memory top[] stays empty.
 * Ties go to the lower method id, so the result is deterministic. */
void snap_summary_from_profile(const snap_profile *p, snap_summary *s);

/* Appends the summary as one JSON line (ending in '\n'). */
void snap_summary_json(const snap_summary *s, buf *out);

/* "<zip without .zip>.json": the summary's key or path for a zip's. 0, or -1 when it
 * does not fit (n includes the NUL). */
int snap_summary_name(const char *zip, char *out, size_t n);

#endif
