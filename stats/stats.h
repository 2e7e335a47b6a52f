/* MXBean-equivalent JVM statistics, one column per snapshot, written as IOpipe's
 * transposed CSV (one row per statistic, one column per snapshot, label first).
 *
 * Values come from the JVM's management interface (JMM, `JVM_GetManagement`) plus JNI reads
 * of the few Java-only fields; when the JMM layout of the running JVM is not recognised (or
 * `o->mxbean_fallback` is set) they come from the MXBeans themselves, called through JNI.
 * Either way a value equals what the corresponding MXBean reports at that instant.
 * docs/statistics.md lists every row, its source and unit.
 *
 * Threading: a collector keeps only global references and IDs, so it may be made on one
 * agent thread and handed to another (the agent makes it on "jvmsnap stats" and the
 * sampler thread takes it over); use it from one thread at a time, always with the calling
 * thread's JNIEnv. A table is plain memory and may be handed to another thread once no
 * collection runs on it. */
#ifndef JVMSNAP_STATS_H
#define JVMSNAP_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jni.h>
/* jvmti.h declares `jvmtiEventReserved(void)` as `()`. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <jvmti.h>
#pragma GCC diagnostic pop

#include "../common/buf.h"

typedef struct {
	/* Enable JVM-wide thread contention monitoring (IOPIPE_PROFILER_THREAD_CONTENTION):
	 * without it BlockedTime/WaitedTime are -1. The switch is process-global and visible
	 * to the application through ThreadMXBean, hence off by default. */
	bool thread_contention;
	/* Skip JMM and call the MXBeans through JNI (loads java.lang.management, ~200 classes). */
	bool mxbean_fallback;
	/* Skip Thread.<k>.UserTime (-1): it reads /proc per thread, ~10 µs each. */
	bool no_user_time;
} stats_options;

/* Columns over time. Rows appear as collectors, pools, threads and buffer pools appear;
 * a cell for an item absent from a column (a thread not started yet or ended) is empty in
 * the CSV, in numeric and text rows alike; -1 is a value the JVM leaves undefined, `null` a
 * text value that is null (LockedName of a thread waiting on no lock). */
typedef struct stats_table stats_table;
typedef struct stats_collector stats_collector;

/* Which source a collector reads from. */
typedef enum { STATS_SOURCE_JMM = 1, STATS_SOURCE_MXBEAN = 2 } stats_source;

/* Creates a collector, or NULL (logged) when neither JMM nor the MXBeans can be used.
 * Call on the agent's own thread in the live phase (after VMInit). `o` may be NULL
 * (defaults: all false). The caller owns the result; release with stats_collector_free. */
stats_collector *stats_collector_new(JNIEnv *env, jvmtiEnv *jvmti, const stats_options *o);
stats_source stats_collector_source(const stats_collector *c);
/* Releases the collector's global references; `env` is the collecting thread's. Also valid
 * with env == NULL after VMDeath (the references are then left to the dying VM). */
void stats_collector_free(stats_collector *c, JNIEnv *env);

/* Appends one column to `t` taken now; `epoch_ms` is stored with the column (wall-clock
 * time of the snapshot, for the caller). Returns 0, or a negative value when the column
 * could not be taken (nothing appended). Individual values that cannot be read are -1. */
int stats_collect(stats_collector *c, JNIEnv *env, int64_t epoch_ms, stats_table *t);

/* An empty table. The caller owns it; release with stats_table_free. NULL when out of memory. */
stats_table *stats_table_new(void);
void stats_table_free(stats_table *t);
size_t stats_table_columns(const stats_table *t);
size_t stats_table_rows(const stats_table *t);
/* epoch_ms given to stats_collect for column `col`, or -1. */
int64_t stats_table_column_epoch_ms(const stats_table *t, size_t col);
/* Row label at `row` (owned by the table), or NULL when out of range. */
const char *stats_table_label(const stats_table *t, size_t row);

/* Writes the table as CSV (libcsv quoting, formula-like text neutralised) to `out`.
 * Returns 0, or a negative value when out of memory. */
int stats_csv_write(const stats_table *t, buf *out);

#endif
