/* Agent settings: each has an environment variable (IOpipe's names) and an agent option
 * (`-agentpath:libjvmsnap.so=key=value,key=value`). An option overrides its variable.
 * Bad values get one `jvmsnap: warning:` line and a safe fallback; parsing never fails.
 * This is the one reader of the IOPIPE_PROFILER_* variables (and of the Lambda function's
 * name and the test-only JVMSNAP_TEST_* variables): the loader, the agent, the S3 settings
 * (config_s3.h), jvmsnap's s3:// inputs and the test tools all take their values from here,
 * so a value means the same everywhere. */
#ifndef JVMSNAP_AGENT_CONFIG_H
#define JVMSNAP_AGENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../stats/stats.h" /* stats_source */

#define AGENT_DEFAULT_INTERVAL_US 1000u
#define AGENT_MIN_INTERVAL_US 100u       /* below this the sampler would only measure itself */
#define AGENT_MAX_INTERVAL_US 60000000u  /* one minute */
#define AGENT_DEFAULT_DEPTH 1024u
#define AGENT_MAX_DEPTH 3000u /* VisualVM's Hot Spots overflows its stack at ~4000 levels; 3000 works */
#define AGENT_PREFIX_MAX 100u
#define AGENT_DEFAULT_MEMORY_MB 256u

typedef const char *(*agent_getenv_fn)(const char *name);

/* How a sampling round gets the stacks (see docs/performance.md for the measurements). */
typedef enum {
	AGENT_SAMPLER_CHANGED = 0, /* walk only threads whose CPU time advanced */
	AGENT_SAMPLER_ALL = 1,     /* one GetAllStackTraces per round */
	AGENT_SAMPLER_SIGNAL = 2,  /* per-thread CPU timers + AsyncGetCallTrace (sigsampler.h) */
} agent_sampler_mode;

/* What drives sampler=signal's samples of running threads (sigkick.h). */
typedef enum {
	AGENT_SIGCLOCK_AUTO = 0,   /* hrtimer below AGENT_SIGCLOCK_BELOW_US, CPU timers alone above */
	AGENT_SIGCLOCK_TIMER = 1,  /* per-thread CPU-clock timers only (expire at the scheduler tick) */
	AGENT_SIGCLOCK_KICKER = 2, /* the timers find running threads, a 1-interval kicker samples them */
	AGENT_SIGCLOCK_HRTIMER = 3, /* the timers find them, each one's own monotonic timer samples it */
} agent_signal_clock;
#define AGENT_SIGCLOCK_BELOW_US 10000u /* over two ticks of a 250 Hz kernel, one of a 100 Hz one */

/* Which Lambda invocations get a snapshot (IOPIPE_PROFILER_INVOCATIONS). */
typedef enum {
	AGENT_INVOKE_ALL = 0, /* "all" */
	AGENT_INVOKE_EVERY,   /* "every:N": the 1st, N+1th, 2N+1th ... */
	AGENT_INVOKE_FIRST,   /* "first:N" */
	AGENT_INVOKE_COLD,    /* "cold": the init window only, no invocation */
} agent_invoke_mode;

typedef struct {
	uint32_t mode; /* agent_invoke_mode */
	uint32_t n;
} agent_invocations;

typedef struct {
	bool enabled;
	bool debug;
	uint32_t interval_us;
	uint32_t max_depth;          /* frames kept per stack */
	uint32_t sampler_mode;       /* agent_sampler_mode */
	uint32_t signal_clock;       /* agent_signal_clock */
	uint32_t overhead_permille;  /* budget for time inside sampling calls, per mille of one CPU */
	uint32_t memory_mb;          /* cap on the profile's memory */
	uint32_t stats_interval_ms;  /* 0 = only begin and end columns */
	bool thread_contention;
	stats_source stats_source;   /* JMM (MXBeans if unrecognised), or the MXBeans always */
	bool stats_user_time;        /* per-thread user time (reads /proc, ~10 us a thread) */
	char *dump_path;             /* NULL: default location */
	char prefix[AGENT_PREFIX_MAX + 1]; /* sanitised; "" = timestamp prefix */
	/* S3 upload: bucket NULL = no upload */
	char *s3_bucket;
	char *s3_prefix;
	char *s3_region;
	char *s3_endpoint;
	uint32_t upload_budget_ms;
	uint32_t lambda_budget_ms;   /* what one invocation's snapshot work may hold the next event */
	uint32_t queue_max_zips;     /* zips waiting for an upload retry, at most */
	uint32_t queue_max_mb;       /* ... and their size together */
	uint32_t upload_tries;       /* failed uploads after which a waiting zip is dropped */
	bool upload_init;            /* upload the Lambda init snapshot */
	agent_invocations invocations;
	/* AWS Lambda, as the environment says (not settings): NULL when unset */
	char *function_name;    /* AWS_LAMBDA_FUNCTION_NAME; set (even empty) = on Lambda */
	char *function_version; /* AWS_LAMBDA_FUNCTION_VERSION */
	/* Test-only (docs/configuration.md), not settings: the last zip's exit deadlines forced,
	 * in ms after the stop (0: already past); -1 when unset or not a plain number. */
	int32_t test_exit_whole_ms; /* JVMSNAP_TEST_EXIT_WHOLE_MS */
	int32_t test_exit_small_ms; /* JVMSNAP_TEST_EXIT_SMALL_MS */
} agent_config;

/* True when the profiler is switched on by `options` or the environment. Allocates
 * nothing, so a disabled agent costs only this check. */
bool agent_config_enabled(const char *options, agent_getenv_fn getenv_fn);

/* IOPIPE_PROFILER_DEBUG (or the `debug` option, which overrides it) with the same rule
 * as agent_config_load: true/1/yes/on, any case; anything else is false. Allocates and
 * logs nothing: for the loader, which must stay silent while profiling is off. */
bool agent_config_debug(const char *options, agent_getenv_fn getenv_fn);

/* Fills `c` from the environment, then the options. `getenv_fn` is getenv in the agent
 * and a table in the tests. Free with agent_config_free. */
void agent_config_load(agent_config *c, const char *options, agent_getenv_fn getenv_fn);
void agent_config_free(agent_config *c);

/* One text setting (a path or string one, e.g. IOPIPE_PROFILER_S3_REGION) read from the
 * environment by the rules agent_config_load applies to it, warning alike, for a tool that
 * needs a setting or two and not the agent's whole configuration (jvmsnap's s3:// inputs).
 * NULL when unset or rejected, or when `env` names no such setting; free() the result. */
char *agent_config_string(const char *env, agent_getenv_fn getenv_fn);

/* Whether the `number`th invocation (from 1) gets a snapshot. */
bool agent_invocation_chosen(const agent_invocations *s, uint64_t number);

/* Keeps only [A-Za-z0-9._-], drops leading dots (no "..", no hidden files), bounds the
 * length; `out` gets "" when nothing usable is left. Returns true if `in` was unchanged. */
bool agent_sanitize_prefix(const char *in, char *out, size_t out_size);

#endif
