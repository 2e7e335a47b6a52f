/* Writing a closed window: its zip (the .nps, the stats CSV, metadata.json) to the
 * configured directory, then the upload when S3 is configured. */
#ifndef JVMSNAP_OUTPUT_H
#define JVMSNAP_OUTPUT_H

#include <stdint.h>

#include "agent_state.h"
#include "window.h"

/* At JVM exit the zip must be on disk before the JVM's wait for it ends, whatever the
 * profile's size and the machine's speed. Monotonic times (clock_mono_ns). */
typedef struct {
	uint64_t whole_by_ns; /* the tree (cut to what is always written in time) by then, or given up */
	uint64_t small_by_ns; /* then a tree cut hard by then, or the zip goes without a .nps */
	uint32_t whole_ms;    /* whole_by_ns and the JVM's wait, counted from the stop, for */
	uint32_t bound_ms;    /* the line that says what was cut */
} output_deadline;

/* Writes the window's zip, then uploads it when S3 is configured, within
 * `upload_budget_ms`. `dl` (NULL outside JVM exit): a tree that cannot be written by its
 * deadline is cut hard and written again, and if even that does not fit the zip keeps
 * the statistics and metadata.json; metadata.json and one line say what was cut and why.
 * Needs no JVM: callable from any thread. */
void agent_finish_window(agent *a, agent_window *w, uint32_t upload_budget_ms, const output_deadline *dl);

#endif
