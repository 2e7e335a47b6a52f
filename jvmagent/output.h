/* Writing a closed window: its zip (the .nps, the stats CSV, metadata.json) to the
 * configured directory, then the upload when S3 is configured. */
#ifndef JVMSNAP_OUTPUT_H
#define JVMSNAP_OUTPUT_H

#include <stdint.h>

#include "agent_state.h"
#include "window.h"

/* Writes the window's zip, then uploads it when S3 is configured, within
 * `upload_budget_ms`. Needs no JVM: callable from any thread. */
void agent_finish_window(agent *a, agent_window *w, uint32_t upload_budget_ms);

#endif
