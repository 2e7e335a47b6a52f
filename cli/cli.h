/* The jvmsnap command-line tool: what its files share. The tool uses the core modules
 * (snapshot/, visualvm-format/, common/) only through their public headers.
 *
 * Exit codes of every command: 0 success, 1 a failure while producing the output (out of
 * memory, an unwritable output file), 2 a usage error or an input that cannot be read
 * (missing, unreadable, foreign or corrupt), 3 the output was made without some of the
 * snapshots an s3:// source selected (fleet.h). */
#ifndef JVMSNAP_CLI_H
#define JVMSNAP_CLI_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/buf.h"
#include "../snapshot/profile.h"
#include "../visualvm-format/nps.h"

enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_INPUT = 2, CLI_EXIT_PARTIAL = 3 };

/* ---- option values the commands share (opts.c) ---- */

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

/* ---- command lines (args.c): one parser, the options from tables ---- */

/* Which threads a view keeps. Plain text (-T/--thread TEXT) matches any thread whose name
 * contains it, ignoring ASCII case; "/RE/" and --thread-regex RE match a POSIX extended
 * regular expression (regcomp REG_EXTENDED) anywhere in the name. */
typedef struct {
	const char *text; /* as given; NULL = every thread */
	bool regex;
	regex_t re;
} cli_thread_filter;

/* Whether thread `name` passes `f`; a NULL or unset filter passes every thread. */
bool cli_thread_match(const cli_thread_filter *f, const char *name);

/* The options commands share; a command names the ones it takes (cli_command.shared). */
enum {
	CLI_OPT_THREAD = 1u << 0, /* -T/--thread TEXT, --thread-regex RE */
	CLI_OPT_TIME = 1u << 1,   /* -t/--time wall|cpu */
	CLI_OPT_OUTPUT = 1u << 2, /* -o/--output FILE */
	CLI_OPT_TITLE = 1u << 3,  /* --title TEXT */
};

typedef struct cli_args cli_args;

/* One option of a command's own: `set` stores `arg` (NULL for a flag) through a->own and
 * returns false for a bad value, which is reported as "--NAME takes TAKES, not 'ARG'". */
typedef struct {
	const char *name; /* the long name */
	char short_name;  /* 0: long only */
	bool has_arg;
	const char *takes;
	bool (*set)(cli_args *a, const char *arg);
} cli_opt;

typedef struct {
	const char *name; /* as typed: "top" */
	void (*usage)(FILE *);
	unsigned shared;       /* CLI_OPT_* */
	const cli_opt *own;    /* ends with a row whose name is NULL; NULL for none */
	bool many_files;       /* one FILE or more; else exactly one */
	bool output_required;  /* -o has no default ("-" otherwise) */
	const char *output_name; /* in "-o OUT.html is required" */
	const cli_opt *more;   /* a second table of own options (the fleet selection, fleet.h); NULL for none */
} cli_command;

struct cli_args {
	cli_thread_filter thread;
	cli_time time;
	const char *output; /* "-" (standard output) unless given */
	const char *title;  /* NULL unless given */
	char **files;
	int nfiles;
	void *own; /* the command's own values, written by its cli_opt.set */
};

/* Parses argv (argv[0] is the command's name) for `cmd`, storing its own options through
 * `own`. Returns -1 when the command should run (release `a` with cli_args_free), else
 * the exit code to return (help printed, or a usage error; `a` already released). */
int cli_args_parse(const cli_command *cmd, int argc, char **argv, void *own, cli_args *a);
void cli_args_free(cli_args *a);


/* ---- inputs: snapshot zip, .nps, stats .csv (input.c, statcsv.c) ---- */

/* The statistics CSV (docs/statistics.md): one row per statistic, one column per stats
 * snapshot. Every string lives in the table's one text block. */
typedef struct cli_stat_row cli_stat_row;
struct cli_stat_row {
	char *label;
	char **values;              /* ncols entries; never NULL (missing cells are "") */
	const cli_stat_row *state;  /* a thread's row: the thread's State row, or NULL */
};

typedef struct {
	cli_stat_row *rows;
	size_t nrows;
	size_t ncols; /* stats snapshots */
	char *text;   /* every label and cell, NUL-terminated */
	char **cells; /* nrows * ncols: rows[i].values = cells + i * ncols */
} cli_stats;

/* The most cells a statistics CSV may have (docs/cli.md): e.g. 8 hours of a JVM with 50
 * threads (~560 rows) at one stats snapshot a second. Memory: the text and 8 bytes a cell. */
#define CLI_STATS_MAX_CELLS (16u << 20)

/* Parses a statistics CSV. Returns 0 and a table the caller frees with cli_stats_free,
 * -1 with a reason in `err` (not a statistics CSV), or -2 (a statistics CSV beyond
 * CLI_STATS_MAX_CELLS cells or 1,000,000 rows, refused before it costs memory). A label that holds commas (an unescaped thread name) is put back together from
 * the surplus cells. */
int cli_stats_parse(const uint8_t *data, size_t len, cli_stats **out, char *err, size_t errlen);
void cli_stats_free(cli_stats *s);
/* The row with this label, or NULL. */
const cli_stat_row *cli_stats_find(const cli_stats *s, const char *label);
/* Whether row `r` has a value at `col`: a cell not empty, and for a thread's row, the
 * thread alive there (its State neither empty nor the older "null"). */
bool cli_stats_present(const cli_stat_row *r, size_t col);
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

/* "java.util.HashMap.get(Object)" — VisualVM's display form, also for hidden classes
 * ("Foo$$Lambda$3.0x…", '/' shown as '.') — appended to `out`, without a NUL. */
void cli_method_display(const snap_method *m, buf *out);
/* "java.util.HashMap.get" (no parameters), for collapsed stacks. */
void cli_method_short(const snap_method *m, buf *out);
/* Appends `s` as a JSON / HTML-safe JSON string literal (quotes included). */
void cli_json_string(buf *out, const char *s);
/* Appends the `len` bytes at `s` for a terminal: C0 controls (ESC, newline, CR...), DEL
 * and bytes that are not UTF-8 as "\xNN", C1 controls (U+0080..U+009F) as "\u00NN";
 * the rest, UTF-8 included, unchanged. Every terminal output goes through it. */
void cli_term_text(buf *out, const char *s, size_t len);
/* cli_term_text into `scratch` (reset first), NUL-terminated: the text to print. */
const char *cli_term(buf *scratch, const char *s, size_t len);
/* Appends `s` with &, <, >, " and ' escaped. */
void cli_html_text(buf *out, const char *s);

/* Appends metadata.json as flat "  key.path: value" lines (metadata.c); false when the
 * text is not JSON (the lines read so far are kept). */
bool cli_metadata_lines(const char *json, buf *out);
/* The value of a top-level key in those lines (`lines` may be empty), copied to `out`;
 * NULL when absent. */
const char *cli_metadata_value(const buf *lines, const char *key, char *out, size_t n);
/* The requested sampling interval in µs: metadata.json's interval_requested_us when
 * `meta` (its lines) has it, else the profile's own (0: not recorded). */
uint32_t cli_interval_us(const snap_profile *p, const buf *meta);
/* "6 with Java frames, 9 seen by the sampler" into `out`: the threads the .nps holds
 * (VisualVM shows only threads with Java frames) and, when metadata.json says it, every
 * thread the agent sampled. Returns `out`. */
const char *cli_thread_count(const snap_profile *p, const buf *meta, char *out, size_t n);

/* ---- analyses (hotspots.c, merge.c) ---- */

typedef struct {
	uint32_t method;
	uint64_t self_us, total_us; /* total counts outermost occurrences only */
	uint64_t hits;
} cli_hotspot;

/* VisualVM's Hot Spots over the threads of `p` that pass `only`:
 * one entry per sampled method, sorted by self (or total) time descending. Sets *count;
 * returns a malloc'ed array the caller frees, or NULL when out of memory (with *count 0
 * when nothing was sampled it returns a valid empty array). `*sum_self_us` = Σ self. */
cli_hotspot *cli_hotspots(const snap_profile *p, const cli_thread_filter *only, bool cpu, bool by_total,
                          size_t *count,
                          uint64_t *sum_self_us);

/* Adds the tree under `src` (of profile `sp`) into the tree under `dst` (of `dp`):
 * same-method children are merged, times and hits added. `map` caches sp's method ids
 * in dp (sp->nmethods entries, initialised to UINT32_MAX). No recursion. Returns 0, or
 * -1 when out of memory. */
int cli_tree_add(snap_profile *dp, snap_node *dst, const snap_profile *sp, const snap_node *src,
                 uint32_t *map);

/* A profile holding one thread named `name` whose tree merges the threads of `p` that
 * pass `only`. NULL when out of memory. Free with snap_profile_free. */
snap_profile *cli_profile_merge_threads(const snap_profile *p, const cli_thread_filter *only,
                                        const char *name);

/* cli_input_open with a profile, then, when `only` is set, checks that a thread passes
 * it. On failure `in` is already closed and the exit code is returned. */
int cli_open_profile(const char *path, const cli_thread_filter *only, cli_input *in);

/* The frame of a command that reads one input (command.c). cli_command_begin parses the
 * options and opens the first file: through cli_open_profile (the --thread filter checked)
 * when `want` is CLI_WANT_PROFILE, else cli_input_open. It returns -1 when the command
 * should run, else the exit code (everything already released). cli_command_end writes
 * `out` to the -o path when `out` is not NULL and rc is still 0 (a failed buffer or write
 * makes rc CLI_EXIT_FAIL), frees it, closes `in`, frees `a` and returns rc. */
int cli_command_begin(const cli_command *cmd, int argc, char **argv, void *own, unsigned want, cli_args *a,
                      cli_input *in);
int cli_command_end(int rc, buf *out, cli_input *in, cli_args *a);

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
