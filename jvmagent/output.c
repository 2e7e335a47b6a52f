/* Closing a window: the .nps, the zip, and where it goes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/buf.h"
#include "../common/log.h"
#include "../snapshot/package.h"
#include "../visualvm-format/nps.h"
#include "agent.h"
#include "sampler.h"

static void log_summary(const agent *a, const snap_profile *p, const sampler_stats *st)
{
	double secs = (double)(p->end_ms - p->begin_ms) / 1000.0;
	uint64_t span_ns = st->last_ns - st->first_ns;
	double achieved_us = st->samples > 1 ? (double)span_ns / 1000.0 / (double)(st->samples - 1) : 0;
	double busy_pct = span_ns ? 100.0 * (double)st->busy_ns / (double)span_ns : 0;
	log_info("profiled %.2f s: %llu samples (every %u us requested, %.0f us achieved), "
		 "%u threads, %u methods; sampling used %.1f %% of one CPU",
		 secs, (unsigned long long)st->samples, a->cfg.interval_us, achieved_us, p->nthreads,
		 p->nmethods - 1, busy_pct);
	log_debug("sampling rounds: %.1f us each, of which stack walks %.1f us; thread CPU "
		  "time %.2f us per thread; %llu stacks walked; %llu deadlines missed",
		  st->samples ? (double)st->busy_ns / 1e3 / (double)st->samples : 0,
		  st->samples ? (double)st->stacks_ns / 1e3 / (double)st->samples : 0,
		  st->samples ? (double)st->cpu_time_ns / 1e3 / (double)st->samples /
				    (st->threads_last_round ? st->threads_last_round : 1) : 0,
		  (unsigned long long)st->thread_samples, (unsigned long long)st->missed);
	if (p->full)
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
		mkdir(path, 0777);
		*p = '/';
	}
}

static int write_zip(const char *path, const snap_zip_entry *e, size_t n)
{
	char err[256];
	if (snap_zip_write(path, e, n, err, sizeof err) == 0)
		return 0;
	log_warn("cannot write %s: %s", path, err);
	return -1;
}

/* The configured place first, then the default one, then /tmp: a snapshot is only lost
 * when none of them can be written, and each failure says why. */
static void store(const agent *a, const char *prefix, const snap_zip_entry *e, size_t n, size_t bytes)
{
	const char *configured = a->cfg.dump_path;
	const char *tries[] = {configured, NULL, "/tmp/"};
	for (size_t i = 0; i < 3; i++) {
		if (i == 0 && !configured)
			continue;
		char path[4096];
		if (snap_zip_path(tries[i], prefix, a->on_lambda, path, sizeof path) != 0) {
			log_warn("snapshot path too long; trying the next location");
			continue;
		}
		if (tries[i] && tries[i][strlen(tries[i]) - 1] == '/')
			make_dirs(tries[i]);
		if (write_zip(path, e, n) == 0) {
			log_info("snapshot written to %s (%zu bytes)", path, bytes);
			return;
		}
	}
	log_error("snapshot lost: no location could be written");
}

void agent_write_snapshot(agent *a)
{
	snap_profile *p = sampler_profile(a->sampler);
	sampler_stats st = sampler_get_stats(a->sampler);
	p->end_ms = agent_epoch_ms();
	char prefix[SNAP_PREFIX_LEN + AGENT_PREFIX_MAX];
	if (a->cfg.prefix[0])
		snprintf(prefix, sizeof prefix, "%s", a->cfg.prefix);
	else
		snap_prefix_format(p->begin_ms, prefix);
	log_summary(a, p, &st);

	buf nps;
	buf_init(&nps);
	nps_write_options o = {.comment = "jvmsnap"};
	if (nps_write(p, &o, &nps) != 0 || nps.failed) {
		log_error("snapshot lost: the .nps could not be built (out of memory)");
		buf_free(&nps);
		return;
	}
	char nps_name[sizeof prefix + 16];
	snprintf(nps_name, sizeof nps_name, "%s_cpu.nps", prefix);
	snap_zip_entry entries[] = {{nps_name, nps.data, nps.len, false}};
	store(a, prefix, entries, 1, nps.len);
	buf_free(&nps);
}
