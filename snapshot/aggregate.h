/* Turns a stream of stack samples into the per-thread call trees of a snap_profile,
 * following VisualVM's sampler rules (docs/snapshot-format.md):
 *  - the interval between two samples of a thread is charged to the stack seen at the
 *    first of them (self time of its top frame); totals are derived at write time;
 *  - a hit is counted for each frame that newly appears at its tree position between
 *    two consecutive samples (a frame whose method stays but whose line changed continues);
 *  - thread CPU time measured between two samples is charged like the wall time, whole
 *    (so a thread's CPU total is exactly its CPU time between its first and last sample).
 * Memory grows with distinct call paths, never with the number of samples. */
#ifndef JVMSNAP_SNAP_AGGREGATE_H
#define JVMSNAP_SNAP_AGGREGATE_H

#include <stdbool.h>
#include <stdint.h>

#include "profile.h"

#define SNAP_CPU_UNKNOWN UINT64_MAX
#define SNAP_DEFAULT_MAX_THREADS 4096u

typedef struct {
	uint32_t method;  /* id in the profile's method table */
	int64_t location; /* bytecode index, or -1; only compared for equality */
} snap_frame;

typedef struct snap_aggregator snap_aggregator;

/* An aggregator writing into `p` (not owned). Threads beyond `max_threads` share one
 * "[other threads]" record so that thread churn cannot grow the profile without bound.
 * Free with snap_agg_free. */
snap_aggregator *snap_agg_new(snap_profile *p, uint32_t max_threads);
void snap_agg_free(snap_aggregator *a);

/* Starts sample number N taken at monotonic time `t_ns`. */
void snap_agg_begin(snap_aggregator *a, uint64_t t_ns);

/* Moves the current sample's time forward to `t_ns` (never back): the moment the next
 * threads' stacks and CPU times are read. A round that reads threads one after another
 * stamps each at its own read, so wall and CPU stretches cover the same span. */
void snap_agg_time(snap_aggregator *a, uint64_t t_ns);

/* Whether the thread `key` (a stable thread id) was seen before, so the caller fetches
 * the thread's name only once. */
bool snap_agg_known(const snap_aggregator *a, uint64_t key);

/* Records one thread's stack, `frames[0]` being the bottom (outermost) frame. `name` is
 * used only for a new thread. `cpu_ns` is the thread's cumulative CPU time, or
 * SNAP_CPU_UNKNOWN. Returns 0, or -1 when the thread could not be recorded (limits). */
int snap_agg_thread(snap_aggregator *a, uint64_t key, const char *name, uint64_t cpu_ns,
		    const snap_frame *frames, uint32_t depth);

/* One stack taken by the thread itself at `t_ns` (a signal sample), outside the rhythm of
 * rounds: a thread may have many per round, each charging the stretch since its previous
 * one. `born_ns` is when a thread new to the aggregator started (0: unknown), so its
 * time in the window before this first sample is charged to it. Counts as seen in the
 * current sample. Returns 0, or -1 when the thread could not be recorded (limits). */
int snap_agg_sample(snap_aggregator *a, uint64_t key, const char *name, uint64_t born_ns, uint64_t t_ns,
		    uint64_t cpu_ns, const snap_frame *frames, uint32_t depth);

/* The next stack recorded (snap_agg_thread or snap_agg_sample, for any thread) belongs
 * to the row `name`, shared by every thread, instead of the thread's own: a virtual
 * thread mounted on a carrier is charged there with the carrier's clock. The thread keeps
 * one timeline: each stretch goes to the stack seen at its start, in whichever row that
 * was. The row is created on first use (its name is taken then). */
void snap_agg_shared_row(snap_aggregator *a, const char *name);

/* Records that thread `key` executed nothing since its previous sample: its CPU time
 * `cpu_ns` is known and unchanged, so its stack is the one recorded then. Charges the
 * interval to that stack (no new hits) and returns true; returns false (recording
 * nothing) when the thread is new or may have run, and the caller must walk its stack. */
bool snap_agg_unchanged(snap_aggregator *a, uint64_t key, uint64_t cpu_ns);

/* The thread `key` is alive but its stack could not be taken this time: charges the
 * interval to the stack recorded last (a live thread is never dropped for a failed walk).
 * Returns false when the thread is unknown. */
bool snap_agg_repeat(snap_aggregator *a, uint64_t key, uint64_t cpu_ns);

/* Ends the sample: threads not seen since snap_agg_begin have ended and are forgotten
 * (their trees stay in the profile). */
void snap_agg_end(snap_aggregator *a);

/* Charges every live thread's current stack up to `t_ns` (the end of the window) and
 * forgets all threads; used when the window closes without a final sample. */
void snap_agg_flush(snap_aggregator *a, uint64_t t_ns);

/* The root of thread `key`'s own tree (its row in the profile), or NULL when the thread is
 * not tracked or shares the "[other threads]" record. Stable while the profile lives. */
const snap_node *snap_agg_thread_root(const snap_aggregator *a, uint64_t key);

/* Number of threads currently tracked, and samples recorded so far. */
uint32_t snap_agg_live_threads(const snap_aggregator *a);
uint64_t snap_agg_samples(const snap_aggregator *a);

/* How many thread-table buffers were allocated so far: grows with the table's size
 * (a doubling), not with samples, however many threads end (for tests and debugging). */
uint64_t snap_agg_table_allocs(const snap_aggregator *a);

#endif
