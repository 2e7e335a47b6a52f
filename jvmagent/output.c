/* Finishing a window: the .nps, the stats CSV, the zip, where it goes, and its upload. */
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/buf.h"
#include "../common/clock.h"
#include "../common/log.h"
#include "../snapshot/metadata.h"
#include "../snapshot/package.h"
#include "../snapshot/trim.h"
#include "../visualvm-format/nps.h"
#include "lambda_shared.h"
#include "summary_out.h"
#include "uploader.h"
#include "version.h"
#include "window.h"

static void log_summary(const agent *a, const agent_window *w)
{
	const snap_profile *p = w->profile;
	const window_stats *st = &w->st;
	char running[96] = "";
	if (st->signal_samples)
		snprintf(running, sizeof running, "; running threads sampled every %.0f us of CPU (clock: %s)",
			 window_running_interval_us(w), st->clock ? st->clock : "?");
	log_info("profiled %.2f s: %llu samples (every %u us requested, %.0f us achieved), "
		 "%u threads seen (%u with Java frames), %u methods; sampler=%s%s; sampling used %.1f %% of one CPU "
		 "(%.1f ms of CPU)",
		 (double)(p->end_ms - p->begin_ms) / 1000.0, (unsigned long long)st->samples,
		 a->cfg.interval_us, window_achieved_interval_us(w), p->nthreads, snap_metadata_java_threads(p),
		 p->nmethods - 1, st->method ? st->method : "?", running, window_sampler_cpu_percent(w),
		 (double)st->sampler_cpu_ns / 1e6);
	log_debug("sampling rounds: %.1f us each (wall), of which stack walks %.1f us; thread CPU time %.2f us "
		  "per thread; %llu stacks walked; %llu deadlines missed",
		  st->samples ? (double)st->busy_ns / 1e3 / (double)st->samples : 0,
		  st->samples ? (double)st->stacks_ns / 1e3 / (double)st->samples : 0,
		  st->samples ? (double)st->cpu_time_ns / 1e3 / (double)st->samples /
				    (st->threads_last_round ? st->threads_last_round : 1)
			      : 0,
		  (unsigned long long)st->thread_samples, (unsigned long long)st->missed);
	if (p->full && p->max_nodes && p->nnodes >= p->max_nodes)
		log_warn("the call tree reached %llu nodes, the most that can be written in time at exit: some "
			 "call paths were cut short", (unsigned long long)p->nnodes);
	else if (p->full)
		log_warn("the profile reached its memory limit (%u MB, option memory): some call "
			 "paths were cut short", a->cfg.memory_mb);
}

/* mkdir -p for a directory the user named with a trailing '/'. */
static void make_dirs(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0700); /* owner-only, like the zips, whatever the umask */
		*p = '/';
	}
}

/* Whether the user fixed the zip's name (a prefix, or a dump path naming a file): then a
 * later run replaces it, and says so; timestamp names never replace one another. */
static bool fixed_name(const agent *a, const char *dump_path)
{
	struct stat st;
	if (a->cfg.prefix[0])
		return true;
	return dump_path && dump_path[strlen(dump_path) - 1] != '/' && !(stat(dump_path, &st) == 0 && S_ISDIR(st.st_mode));
}

static void log_written(const char *path, int rc, const char *asked, uint64_t started_ns)
{
	struct stat st;
	log_info("snapshot written to %s (%lld bytes) in %.1f ms", path,
		 stat(path, &st) == 0 ? (long long)st.st_size : -1LL, (double)(clock_mono_ns() - started_ns) / 1e6);
	if (rc == SNAP_ZIP_REPLACED)
		log_info("it replaced the file that was at %s (a fixed name: set no prefix, or a directory, to keep "
			 "every run)", path);
	else if (rc == SNAP_ZIP_LINK_KEPT)
		log_warn("%s is a symlink leading out of its directory: left as it is, the snapshot went to %s", asked,
			 path);
}

/* The configured place first, then the default one, then /tmp: a snapshot is only lost
 * when none of them can be written, and each failure says why. */
static bool store(const agent *a, const char *prefix, const snap_zip_entry *e, size_t n, char *path,
		  size_t path_size, uint64_t started_ns)
{
	char asked[4096];
	const char *configured = a->cfg.dump_path;
	const char *tries[] = {configured, NULL, "/tmp/"};
	for (size_t i = configured ? 0 : 1; i < 3; i++) {
		if (snap_zip_path(tries[i], prefix, a->on_lambda, asked, sizeof asked) != 0) {
			log_warn("snapshot path too long; trying the next location");
			continue;
		}
		if (tries[i] && tries[i][strlen(tries[i]) - 1] == '/')
			make_dirs(tries[i]);
		uploader_keep_apart(a->uploader, asked);
		char err[256];
		int rc = snap_zip_store(asked, fixed_name(a, tries[i]), e, n, path, path_size, err, sizeof err);
		if (rc >= 0) {
			log_written(path, rc, asked, started_ns);
			return true;
		}
		log_warn("cannot write %s: %s", asked, err);
	}
	log_error("snapshot lost: no location could be written");
	return false;
}

/* IOpipe's prefix, marked for the Lambda init window, for shared windows (whose request id
 * is also that of the invocation that opened it, which has a zip of its own), and numbered
 * for an invocation's own zip. */
static void window_prefix(const agent *a, const agent_window *w, char *out, size_t n)
{
	char stamp[SNAP_PREFIX_LEN];
	snap_prefix_format(w->profile->begin_ms, stamp);
	const char *base = a->cfg.prefix[0] ? a->cfg.prefix : stamp;
	if (w->own_no) /* an invocation's own zip, cut from a shared window (perinv.h) */
		snprintf(out, n, "%s_inv%u", base, (unsigned)w->own_no);
	else
		snprintf(out, n, "%s%s", base, w->init ? "_init" : w->shared ? "_shared" : "");
}

static void comment(const agent *a, const agent_window *w, char *out, size_t n)
{
	snprintf(out, n,
		 "jvmsnap %s: %llu samples, interval %u us requested, %.0f us achieved%s%s",
		 JVMSNAP_VERSION, (unsigned long long)w->st.samples, a->cfg.interval_us,
		 window_achieved_interval_us(w), w->request_id[0] ? ", request " : "", w->request_id);
}

/* What became of the call tree on its way into the .nps. */
typedef struct {
	const char *reason; /* NULL: written whole; else metadata.json's tree_cut reason */
	uint32_t depth;     /* of the cut; 0 with a reason: no .nps at all */
	uint64_t nodes, kept;
} tree_fate;

/* A shared window's list of invocations (Lambda Managed Instances), into `list`; false for
 * any other window. */
static bool shared_invocations(agent *a, const agent_window *w, buf *list, unsigned *not_listed)
{
	if (!a->shared || !w->shared)
		return false;
	pthread_mutex_lock(&a->lambda_mu);
	bool shared = lambda_shared_take(a->shared, w->request_id, list, not_listed);
	pthread_mutex_unlock(&a->lambda_mu);
	return shared;
}

static void metadata(agent *a, const agent_window *w, const tree_fate *f, buf *out)
{
	buf list;
	buf_init(&list);
	unsigned not_listed = 0;
	bool shared = shared_invocations(a, w, &list, &not_listed);
	buf_u8(&list, 0);
	snap_metadata m = {
	    .agent_version = JVMSNAP_VERSION,
	    .jvm_name = a->jvm_name[0] ? a->jvm_name : NULL,
	    .jvm_version = a->jvm_version[0] ? a->jvm_version : NULL,
	    .function_name = a->cfg.function_name,
	    .function_version = a->cfg.function_version,
	    .request_id = w->request_id[0] ? w->request_id : NULL,
	    .window = w->init ? "init" : shared ? "shared" : w->request_id[0] ? "invocation" : "run",
	    .begin_ms = w->profile->begin_ms,
	    .end_ms = w->profile->end_ms,
	    .interval_requested_us = a->cfg.interval_us,
	    .interval_achieved_us = window_achieved_interval_us(w),
	    .sampler = w->st.method,
	    .sampler_clock = w->st.clock,
	    .interval_running_us = window_running_interval_us(w),
	    .sampler_cpu_ms = (double)w->st.sampler_cpu_ns / 1e6,
	    .sampler_cpu_percent = window_sampler_cpu_percent(w),
	    .samples = w->st.samples,
	    .threads = w->profile->nthreads,
	    .threads_with_java_frames = snap_metadata_java_threads(w->profile),
	    .methods = w->profile->nmethods - 1,
	    .stats_columns = w->stats ? (int)stats_table_columns(w->stats) : 0,
	    .invocations_skipped = w->request_id[0] ? (int64_t)w->skipped : -1,
	    .tree_cut = f->reason,
	    .tree_cut_depth = f->depth,
	    .tree_nodes = f->nodes,
	    .tree_nodes_kept = f->kept,
	    .invocations_json = shared && list.data ? (const char *)list.data : NULL,
	    .invocations_not_listed = not_listed,
	    .invocations_without_own_zip = shared ? (int64_t)w->without_own_zip : -1,
	    .thread = w->thread[0] ? w->thread : NULL,
	    .shared_window = w->shared_window,
	    .start_copy_cut = w->copy_cut,
	};
	snap_metadata_json(&m, out);
	buf_free(&list);
}

/* A call tree of this many nodes is written in about a second at most, even on a starved
 * machine (bench/nps_write.sh: 0.2-1.2 s with a load of 17-28 on 2 CPUs), so the last window
 * fits the exit bound whatever the memory cap let the tree grow to; larger trees are
 * cut at a depth first (totals kept). Past NPS_FAST_NODES zlib trades ~25 % of size for
 * half the time. */
enum { WRITE_MAX_NODES = 200000, NPS_FAST_NODES = 50000 };
/* At exit, a tree that did not fit its deadline is cut to at most this: a tenth of
 * WRITE_MAX_NODES, so that on a machine ten times slower than one that nearly fit the
 * whole tree it is still written within the reserve the JVM's wait keeps for it
 * (jvmagent/agent.c). Less when the attempt that gave up measured a slower machine, and
 * at most half of what did not fit. */
enum { EXIT_SMALL_NODES = 20000 };

/* A write and what it measured: nodes laid out, and the time that took. */
typedef struct {
	uint64_t nodes, ns;
} write_pace;

static int write_tree(agent_window *w, const char *note, uint64_t kept, uint64_t deadline_ns, write_pace *pace,
		      buf *nps)
{
	nps_write_options o = {.comment = note, .zlib_level = kept > NPS_FAST_NODES ? 1 : 0};
	if (deadline_ns) {
		o.deadline_ns = deadline_ns;
		o.now_ns = clock_mono_ns;
		o.nodes_put = &pace->nodes;
	}
	uint64_t t0 = clock_mono_ns();
	int rc = nps_write(w->profile, &o, nps);
	pace->ns = clock_mono_ns() - t0;
	return rc ? rc : nps->failed ? NPS_ERR_NOMEM : 0;
}

/* The nodes a hard cut keeps: what the pace measured fits in half the time left. */
static uint64_t small_tree_nodes(uint64_t had, const write_pace *pace, uint64_t by_ns)
{
	uint64_t target = had / 2 < EXIT_SMALL_NODES ? had / 2 : EXIT_SMALL_NODES;
	uint64_t now = clock_mono_ns(), left = by_ns > now ? by_ns - now : 0;
	/* A pace worth the name: at least one deadline look's worth of nodes. */
	if (pace->nodes >= NPS_DEADLINE_EVERY && pace->ns) {
		uint64_t fits = pace->nodes * (left / 2 / 1000u) / (pace->ns / 1000u + 1);
		target = fits < target ? fits : target;
	}
	return target;
}

/* metadata.json's tree_cut reason at exit; log_fate tells it by its address. */
static const char EXIT_DEADLINE[] = "exit_deadline";

/* The tree that did not fit the exit deadline, cut hard and written by the last one. */
static int write_small_tree(agent_window *w, const char *note, const output_deadline *dl, const write_pace *pace,
			    tree_fate *f, buf *nps)
{
	uint64_t target = small_tree_nodes(f->kept, pace, dl->small_by_ns);
	uint32_t depth = snap_profile_trim(w->profile, target, &f->kept);
	f->reason = EXIT_DEADLINE;
	f->depth = depth ? depth : f->depth;
	write_pace again = {0};
	int rc = write_tree(w, note, f->kept, dl->small_by_ns, &again, nps);
	if (rc) {
		f->depth = 0;
		f->kept = 0;
	}
	return rc;
}

static void log_fate(const tree_fate *f, const output_deadline *dl, int rc)
{
	bool at_exit = f->reason == EXIT_DEADLINE;
	if (at_exit && rc == 0)
		log_warn("the snapshot could not be written whole in the %u ms it may take at exit (of the %u ms the "
			 "JVM waits): its call tree (%llu nodes) was cut at depth %u to %llu nodes (the time below the "
			 "cut is charged to the frame at the cut, every total is kept); statistics and metadata are "
			 "complete",
			 dl->whole_ms, dl->bound_ms, (unsigned long long)f->nodes, f->depth, (unsigned long long)f->kept);
	else if (at_exit)
		log_warn("the snapshot could not be written in the %u ms the JVM waits at exit, not even with its call "
			 "tree cut hard (%s): the zip holds the statistics and metadata only",
			 dl->bound_ms, nps_strerror(rc));
	else if (f->reason)
		log_warn("the call tree has %llu nodes, too many to write in time: cut at depth %u (%llu nodes "
			 "kept; the time below the cut is charged to the frame at the cut, every total is kept)",
			 (unsigned long long)f->nodes, f->depth, (unsigned long long)f->kept);
	if (rc && !at_exit)
		log_error("the .nps could not be built (%s): the zip holds the statistics and metadata only",
			  nps_strerror(rc));
}

/* The .nps of the window, from a tree cut to WRITE_MAX_NODES when it is larger; at exit
 * (`dl`), cut harder when that does not fit the deadline. One line says what was cut. */
static int build_nps(agent_window *w, const char *note, const output_deadline *dl, tree_fate *f, buf *nps)
{
	*f = (tree_fate){.nodes = w->profile->nnodes, .kept = w->profile->nnodes};
	write_pace pace = {0};
	int rc = NPS_ERR_DEADLINE;
	/* Already past the deadline (the last sample took the time): no cut that would be wasted. */
	if (!dl || clock_mono_ns() < dl->whole_by_ns) {
		f->depth = snap_profile_trim(w->profile, WRITE_MAX_NODES, &f->kept);
		f->reason = f->depth ? "size" : NULL;
		rc = write_tree(w, note, f->kept, dl ? dl->whole_by_ns : 0, &pace, nps);
	}
	if (rc == NPS_ERR_DEADLINE)
		rc = write_small_tree(w, note, dl, &pace, f, nps);
	log_fate(f, dl, rc);
	return rc;
}

void agent_finish_window(agent *a, agent_window *w, uint32_t upload_budget_ms, const output_deadline *dl)
{
	uint64_t started_ns = clock_mono_ns();
	if (w->init && a->uploader && !a->cfg.upload_init && !a->cfg.dump_path) {
		log_debug("init snapshot not written: IOPIPE_PROFILER_UPLOAD_INIT=false");
		return; /* nobody would read it: neither uploaded nor asked for locally */
	}
	char prefix[AGENT_PREFIX_MAX + SNAP_PREFIX_LEN + 8];
	window_prefix(a, w, prefix, sizeof prefix);
	log_summary(a, w);

	char note[256], nps_name[sizeof prefix + 16], csv_name[sizeof prefix + 16];
	comment(a, w, note, sizeof note);
	buf nps, csv, meta;
	buf_init(&nps);
	buf_init(&csv);
	buf_init(&meta);
	snprintf(nps_name, sizeof nps_name, "%s_cpu.nps", prefix);
	snprintf(csv_name, sizeof csv_name, "%s_stat.csv", prefix);
	/* IOpipe's two entries first, in its order; then ours. Without a .nps, the rest is
	 * still worth keeping. */
	snap_zip_entry entries[3];
	size_t n = 0;
	tree_fate fate;
	if (build_nps(w, note, dl, &fate, &nps) == 0)
		entries[n++] = (snap_zip_entry){nps_name, nps.data, nps.len, false};
	if (w->stats && stats_table_columns(w->stats) > 0 && stats_csv_write(w->stats, &csv) == 0 && !csv.failed)
		entries[n++] = (snap_zip_entry){csv_name, csv.data, csv.len, true};
	metadata(a, w, &fate, &meta);
	if (!meta.failed)
		entries[n++] = (snap_zip_entry){"metadata.json", meta.data, meta.len, true};

	char path[4096];
	if (store(a, prefix, entries, n, path, sizeof path, started_ns)) {
		char key[1024]; /* the summary names the zip's S3 key; the uploader sends it after the zip */
		if (!w->key_nonce)
			w->key_nonce = uploader_key_nonce();
		bool keyed = a->uploader &&
			     uploader_key(a->cfg.s3_prefix, a->cfg.function_name, path, w, key, sizeof key) == 0;
		summary_write(a, w, path, keyed ? key : NULL);
		if (a->uploader)
			uploader_put(a->uploader, path, w, upload_budget_ms, !a->cfg.dump_path);
	}
	buf_free(&nps);
	buf_free(&csv);
	buf_free(&meta);
}
