/* A fleet of invocation summaries (snapshot/summary.h): read from s3://bucket/prefix or a
 * local folder, filtered and ranked, for `jvmsnap ls` and the commands that select zips
 * by summary. docs/fleet.md describes the options. */
#ifndef JVMSNAP_CLI_FLEET_H
#define JVMSNAP_CLI_FLEET_H

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../upload/s3.h"
#include "../upload/s3_credentials.h"

#define FLEET_TOP 5

typedef struct {
	char *raw;        /* the JSON line as stored (no trailing newline) */
	char *location;   /* s3://bucket/key or the local path of the summary */
	char *function, *version, *request_id, *kind, *start, *zip_key;
	int64_t start_ms, duration_ms, samples, interval_us, gc_count, gc_ms, heap_used_max, classes_loaded;
	double cpu_ms, wall_ms;
	char *top_method[FLEET_TOP];
	double top_ms[FLEET_TOP];
	int ntop;
} fleet_summary;

/* Parses one summary; false when the text is not a jvmsnap summary (no "schema"). */
bool fleet_summary_parse(const char *json, fleet_summary *out);
void fleet_summary_free(fleet_summary *s);

enum { FLEET_ANY = 0, FLEET_COLD, FLEET_WARM };

/* Where summaries come from and which are kept. */
typedef struct {
	const char *endpoint, *region;    /* override IOPIPE_PROFILER_S3_ENDPOINT / _REGION */
	int64_t since_ms, until_ms;       /* 0 = open */
	const char *function, *version, *request_id;
	int kind;
	unsigned long slowest;            /* 0 = all, else the N longest */
	bool has_regex;
	regex_t top_method;               /* kept when one of the top methods matches */
	bool quiet;                       /* no progress bar */
	bool no_cache;                    /* --no-cache: every summary is fetched (fleet_cache) */
	int parallel;                     /* GETs at a time; 0 = FLEET_PARALLEL */
} fleet_options;

/* GETs in flight by default: bench/fleet.sh measured 16, 32 and 64 against local servers
 * and more did not help (docs/performance.md); --parallel raises it for a distant store. */
#define FLEET_PARALLEL 16

/* The long options every fleet-reading command accepts, and their handling: true when
 * `opt` was one of them (stored in `o`), false otherwise; *rc is set to CLI_EXIT_INPUT
 * after a usage error (printed). */
#define FLEET_OPT_BASE 1000
#define FLEET_LONG_OPTIONS                                                                  \
	{"since", required_argument, NULL, FLEET_OPT_BASE + 0},                             \
	    {"until", required_argument, NULL, FLEET_OPT_BASE + 1},                         \
	    {"function", required_argument, NULL, FLEET_OPT_BASE + 2},                      \
	    {"version", required_argument, NULL, FLEET_OPT_BASE + 3},                       \
	    {"cold", no_argument, NULL, FLEET_OPT_BASE + 4},                                \
	    {"warm", no_argument, NULL, FLEET_OPT_BASE + 5},                                \
	    {"request-id", required_argument, NULL, FLEET_OPT_BASE + 6},                    \
	    {"slowest", required_argument, NULL, FLEET_OPT_BASE + 7},                       \
	    {"top-method", required_argument, NULL, FLEET_OPT_BASE + 8},                    \
	    {"endpoint", required_argument, NULL, FLEET_OPT_BASE + 9},                      \
	    {"region", required_argument, NULL, FLEET_OPT_BASE + 10},                       \
	    {"quiet", no_argument, NULL, FLEET_OPT_BASE + 11},                              \
	    {"no-cache", no_argument, NULL, FLEET_OPT_BASE + 12},                           \
	    {"parallel", required_argument, NULL, FLEET_OPT_BASE + 13}
bool fleet_option(const char *cmd, int opt, const char *arg, fleet_options *o, int *rc);
/* The same options as cli_opt rows, for a cli_command's `more` (cli_args_parse); the
 * command's `own` values must start with a fleet_options. */
#include "cli.h"
extern const cli_opt fleet_cli_opts[];
void fleet_options_free(fleet_options *o);
extern const char fleet_options_help[];

/* "2026-12-01", "2026-12-01T10:00:00Z" (UTC), or an age before `now_ms`: "90m", "1h", "7d". */
bool fleet_parse_when(const char *s, int64_t now_ms, int64_t *out);

typedef struct {
	fleet_summary *items;
	size_t count;
	size_t unreadable; /* summaries that could not be fetched or parsed (named on stderr) */
} fleet_set;

/* Reads every summary under `source` (s3://bucket/prefix or a folder), keeps those the
 * options select, sorted by start time (or by duration, longest first, with --slowest).
 * Returns 0, or CLI_EXIT_INPUT after one "jvmsnap: error:" line. */
int fleet_load(const char *source, const fleet_options *o, fleet_set *out);
void fleet_set_free(fleet_set *s);

bool fleet_is_s3(const char *source);

/* ---- S3 access (fleet_s3.c) ---- */

typedef struct {
	char *bucket, *prefix;
	s3_config cfg;
	s3_credentials cr;
	char source[4352]; /* which credentials were used, for error messages (never a secret) */
} fleet_s3;

/* Splits s3://bucket/prefix and resolves region, endpoint and credentials: the
 * environment, then AWS_PROFILE (or default) in ~/.aws/credentials (region from
 * ~/.aws/config), then the container credentials endpoint. 0 or CLI_EXIT_INPUT (printed). */
int fleet_s3_open(const char *url, const fleet_options *o, fleet_s3 *s);
void fleet_s3_close(fleet_s3 *s);
/* One "jvmsnap: error:" line for a failed S3 call, naming the credentials source on 403. */
void fleet_s3_error(const fleet_s3 *s, const char *what, int rc, const s3_result *r);

/* ---- listing (fleet_list.c) ---- */

#include "../upload/s3_get.h"

/* Every object under `prefix`, sorted by key; with --since (and --until, else now) only
 * the day folders (<function>/<yyyy>/<mm>/<dd>/, docs/s3.md) the window can hold, and no
 * object outside that layout. */
int fleet_list(s3_fetcher *f, const char *prefix, const fleet_options *o, int64_t now_ms, s3_object_list *out,
	       s3_result *res);

/* ---- the summary cache (fleet_cache.c) ---- */

#define FLEET_CACHE_MAX_BYTES ((size_t)64 << 20)
typedef struct fleet_cache fleet_cache;
/* The cache of one scope (endpoint and bucket); NULL when there is no cache folder (no
 * HOME, not writable): then nothing is cached, silently, as with --no-cache. */
fleet_cache *fleet_cache_open(const char *scope);
/* The summary stored under key and etag, or NULL; valid until fleet_cache_close. */
const char *fleet_cache_get(fleet_cache *c, const char *key, const char *etag);
/* Remembers a summary fetched (one JSON line), written at close. */
void fleet_cache_put(fleet_cache *c, const char *key, const char *etag, const char *json);
void fleet_cache_close(fleet_cache *c);

/* ---- s3:// inputs for the snapshot commands (fleet_inputs.c) ---- */

/* When argv (argv[0] = the command) holds an s3:// source, returns -1 with a new argv in
 * which that argument is replaced by the zips its summaries select (the fleet options are
 * consumed), downloaded to a temporary folder removed at exit; *skipped counts the
 * selected zips that could not be used (named on stderr). Without an s3:// source,
 * returns -1 with argv unchanged. Otherwise an exit code (the error printed). */
int fleet_expand_inputs(int argc, char **argv, int *out_argc, char ***out_argv, size_t *skipped);

/* A progress bar on stderr when it is a terminal (ctx: the label). */
void fleet_progress(void *ctx, size_t done, size_t total);

#endif
