/* The jvmsnap command-line tool: what its files share. The tool uses the core modules
 * (snapshot/, visualvm-format/, common/) only through their public headers.
 *
 * Exit codes of every command: 0 success, 1 a failure while producing the output (out of
 * memory, an unwritable output file), 2 a usage error or an input that cannot be read
 * (missing, unreadable, foreign or corrupt), 3 the output was made without some of the
 * snapshots an s3:// source selected (fleet.h). */
#ifndef JVMSNAP_CLI_H
#define JVMSNAP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/buf.h"
#include "../snapshot/profile.h"
#include "../visualvm-format/nps.h"

enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_INPUT = 2, CLI_EXIT_PARTIAL = 3 };

/* ---- options shared by the commands (opts.c) ---- */

typedef enum { CLI_TIME_DEFAULT = 0, CLI_TIME_WALL, CLI_TIME_CPU } cli_time;

/* Parses "wall" / "cpu"; false for anything else. */
bool cli_parse_time(const char *s, cli_time *out);
/* Parses a non-negative integer / number; false (nothing stored) for anything else. */
bool cli_parse_uint(const char *s, unsigned long max, unsigned long *out);
bool cli_parse_percent(const char *s, double *out);
/* The time a view shows: `t`, or CPU when the profile measured it and wall otherwise. */
bool cli_use_cpu(const snap_profile *p, cli_time t);
/* Microseconds as milliseconds, for display. */
static inline double cli_ms(uint64_t us) { return (double)us / 1000.0; }
/* Prints "jvmsnap: error: ..." and returns CLI_EXIT_INPUT (for usage errors). */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes `b` to `path` ("-" = stdout). 0, or -1 after an error message. */
int cli_write_output(const char *path, const buf *b);

/* ---- inputs: snapshot zip, .nps, stats .csv (input.c, statcsv.c) ---- */

/* The statistics CSV (docs/lambda-s3.md §1.6): one row per statistic, one column per
 * snapshot. Every string is owned by the table. */
typedef struct {
	char *label;
	char **values; /* ncols entries; never NULL (missing cells are "") */
} cli_stat_row;

typedef struct {
	cli_stat_row *rows;
	size_t nrows;
	size_t ncols; /* stats snapshots */
} cli_stats;

/* Parses a statistics CSV. Returns 0 and a table the caller frees with cli_stats_free,
 * or -1 with a reason in `err` (not a statistics CSV). A label that holds commas (an
 * unescaped thread name) is put back together from the surplus cells. */
int cli_stats_parse(const uint8_t *data, size_t len, cli_stats **out, char *err, size_t errlen);
void cli_stats_free(cli_stats *s);
/* The row with this label, or NULL. */
const cli_stat_row *cli_stats_find(const cli_stats *s, const char *label);
/* A cell as a number; false when it is not one ("null", "", text). */
bool cli_stats_number(const char *cell, double *out);

enum {
	CLI_WANT_PROFILE = 1, /* the file must hold a CPU snapshot */
	CLI_WANT_STATS = 2,   /* the file must hold statistics */
};

typedef struct {
	const char *path;
	snap_profile *profile; /* NULL when the file holds none */
	char *nps_name;        /* the zip entry it came from, or NULL */
	cli_stats *stats;      /* NULL when the file holds none */
	char *metadata;        /* metadata.json text (NUL-terminated), or NULL */
} cli_input;

/* Reads `path` (a zip, a .nps or a .csv, recognised by content). On failure prints
 * "jvmsnap: error: PATH: reason" and returns CLI_EXIT_INPUT; `want` says what the
 * command needs. Release with cli_input_close (also after a failure). */
int cli_input_open(const char *path, unsigned want, cli_input *in);
void cli_input_close(cli_input *in);

/* ---- names (names.c) ---- */

/* "java.util.HashMap.get(Object)" — VisualVM's display form — appended to `out`,
 * without a NUL. */
void cli_method_display(const snap_method *m, buf *out);
/* "java.util.HashMap.get" (no parameters), for collapsed stacks. */
void cli_method_short(const snap_method *m, buf *out);
/* Appends `s` as a JSON / HTML-safe JSON string literal (quotes included). */
void cli_json_string(buf *out, const char *s);
/* Appends `s` with &, <, >, " and ' escaped. */
void cli_html_text(buf *out, const char *s);

/* Appends metadata.json as flat "  key.path: value" lines (metadata.c); false when the
 * text is not JSON (the lines read so far are kept). */
bool cli_metadata_lines(const char *json, buf *out);

/* ---- analyses (hotspots.c, merge.c) ---- */

typedef struct {
	uint32_t method;
	uint64_t self_us, total_us; /* total counts outermost occurrences only */
	uint64_t hits;
} cli_hotspot;

/* VisualVM's Hot Spots over the threads of `p` (all, or only those named `thread`):
 * one entry per sampled method, sorted by self (or total) time descending. Sets *count;
 * returns a malloc'ed array the caller frees, or NULL when out of memory (with *count 0
 * when nothing was sampled it returns a valid empty array). `*sum_self_us` = Σ self. */
cli_hotspot *cli_hotspots(const snap_profile *p, const char *thread, bool cpu, bool by_total, size_t *count,
                          uint64_t *sum_self_us);

/* Adds the tree under `src` (of profile `sp`) into the tree under `dst` (of `dp`):
 * same-method children are merged, times and hits added. `map` caches sp's method ids
 * in dp (sp->nmethods entries, initialised to UINT32_MAX). No recursion. Returns 0, or
 * -1 when out of memory. */
int cli_tree_add(snap_profile *dp, snap_node *dst, const snap_profile *sp, const snap_node *src,
                 uint32_t *map);

/* A profile holding one thread named `name` whose tree merges every thread of `p`
 * (or only those named `only`). NULL when out of memory. Free with snap_profile_free. */
snap_profile *cli_profile_merge_threads(const snap_profile *p, const char *only, const char *name);

/* Whether `p` has a thread with this name. */
bool cli_has_thread(const snap_profile *p, const char *name);

/* cli_input_open with a profile, then, when `thread` is set, checks the profile has a
 * thread of that name. On failure `in` is already closed and the exit code is returned. */
int cli_open_profile(const char *path, const char *thread, cli_input *in);

/* ---- HTML pieces (flame.c) ---- */

/* The flame graph's HTML document body parts: the style, the markup and the script,
 * with the profile's data, appended to `out`. `title` is shown above the graph. */
void cli_flame_html(buf *out, const snap_profile *p, const char *title, bool cpu);

/* The start (doctype, charset, a Content-Security-Policy that forbids any network
 * access, title) and the end of every HTML page jvmsnap writes. */
void cli_html_begin(buf *out, const char *title);
void cli_html_end(buf *out);
/* The last component of a path. */
const char *cli_base_name(const char *path);

/* The options of the HTML commands (flame, report): -o OUT.html (required), --time,
 * --title, one FILE. */
typedef struct {
	const char *out_path;
	const char *title; /* NULL: the input's file name */
	const char *file;
	cli_time tm;
} cli_html_opts;

/* Parses them for command `cmd`; returns -1 when the command should run, else the exit
 * code to return (help printed with `usage`, or a usage error). */
int cli_html_options(int argc, char **argv, const char *cmd, void (*print_usage)(FILE *), cli_html_opts *o);

/* The assets compiled into the binary (assets.c), NUL-terminated. */
extern const char cli_asset_flame_css[];
extern const char cli_asset_flame_js[];

/* ---- commands ---- */

int cli_cmd_info(int argc, char **argv);
int cli_cmd_top(int argc, char **argv);
int cli_cmd_tree(int argc, char **argv);
int cli_cmd_collapsed(int argc, char **argv);
int cli_cmd_flame(int argc, char **argv);
int cli_cmd_stats(int argc, char **argv);
int cli_cmd_report(int argc, char **argv);
int cli_cmd_merge(int argc, char **argv);
int cli_cmd_ls(int argc, char **argv); /* ls.c, fleet.h */
int cli_cmd_diff(int argc, char **argv);
int cli_cmd_pprof(int argc, char **argv);

#endif
