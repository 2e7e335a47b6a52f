/* metadata.json, the small description every snapshot zip carries so a pile of zips
 * pulled from S3 can be sorted without opening the snapshots. */
#ifndef JVMSNAP_SNAP_METADATA_H
#define JVMSNAP_SNAP_METADATA_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/buf.h"
#include "profile.h"

typedef struct {
	const char *agent_version;
	const char *jvm_name;          /* java.vm.name, or NULL */
	const char *jvm_version;       /* java.vm.version, or NULL */
	const char *function_name;     /* AWS_LAMBDA_FUNCTION_NAME, or NULL */
	const char *function_version;  /* AWS_LAMBDA_FUNCTION_VERSION, or NULL */
	const char *request_id;        /* the invocation's, or NULL */
	const char *window;            /* "run", "init", "invocation" or "shared" */
	int64_t begin_ms, end_ms;      /* epoch ms */
	uint32_t interval_requested_us;
	double interval_achieved_us;   /* 0 when fewer than two samples */
	const char *sampler;           /* the method that ran: "changed", "all", "signal" */
	const char *sampler_clock;     /* signal: "hrtimer", "kicker" or "cpu-timer"; NULL = omit */
	double interval_running_us;    /* signal sampler: CPU time between two samples of a
					* running thread; 0 otherwise */
	double sampler_cpu_ms;         /* CPU time sampling cost in the window */
	double sampler_cpu_percent;    /* of one CPU, over the sampled span */
	uint64_t samples;
	uint32_t threads;              /* every thread the sampler saw ("threads") */
	uint32_t threads_with_java_frames; /* those with a stack, the ones the .nps and VisualVM show */
	uint32_t methods;
	int stats_columns;
	int64_t invocations_skipped;   /* Lambda invocations not profiled since the last snapshot; -1 = omit */
	/* The call tree as written, when it was cut (tree_cut NULL: whole): why ("size": cut to
	 * what is always written in time; "exit_deadline": the last snapshot could not be
	 * written whole within the JVM's exit bound), the depth of the cut (0: no tree at all),
	 * and the nodes before and after. */
	const char *tree_cut;
	uint32_t tree_cut_depth;
	uint64_t tree_nodes, tree_nodes_kept;
	const char *invocations_json;  /* a shared window's invocations: a JSON array, or NULL = omit */
	unsigned invocations_not_listed; /* beyond that list (printed with it) */
	int64_t invocations_without_own_zip; /* a shared window's chosen invocations that got no
					      * zip of their own; -1 = omit */
	const char *thread;            /* an invocation's own zip cut from a shared window: its
					* handler thread, or NULL = omit */
	const char *shared_window;     /* ... and that window's request id */
	bool start_copy_cut;           /* ... and its tree's copy at its start was cut: the growth
					* below the cut is charged to the frame at the cut */
} snap_metadata;

/* The threads of `p` with at least one sampled Java frame: the ones the .nps holds. */
uint32_t snap_metadata_java_threads(const snap_profile *p);

/* Appends the JSON object (UTF-8, one line per field). Strings are escaped; NULL
 * strings become null. */
void snap_metadata_json(const snap_metadata *m, buf *out);

#endif
