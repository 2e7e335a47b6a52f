#include "uploader.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/log.h"
#include "../snapshot/summary.h"
#include "../upload/s3.h"
#include "../upload/s3_breaker.h"
#include "../upload/s3_queue.h"
#include "../upload/s3_retry.h"
#include "config_s3.h"
#include "net.h"
#include "window.h"

/* Left of a Lambda invocation's budget for what follows the last upload (unlinks, lines):
 * the agent thread must be idle before the proxy stops holding the next event. */
enum { LAMBDA_BUDGET_MARGIN_MS = 15 };
/* An upload started with less time than this would fail for lack of time alone, and
 * a healthy S3 would count as a failing one. */
enum { MIN_UPLOAD_MS = S3_RETRY_MIN_ATTEMPT_MS };

typedef enum { PUT_STORED, PUT_FAILED, PUT_UNREADABLE, PUT_ABORTED } put_outcome;

struct uploader {
	s3_config cfg;
	s3_client *client; /* created on first use, on the thread that uploads */
	const char *bucket;
	const char *function_name; /* AWS_LAMBDA_FUNCTION_NAME (config.h), or NULL */
	s3_queue queue;
	s3_breaker breaker;
	atomic_size_t waiting; /* queue.n, for other threads */
	uint32_t lambda_budget_ms;
	uint32_t queue_max_mb;
	bool upload_init; /* IOPIPE_PROFILER_UPLOAD_INIT */
	bool broken; /* the client could not be created: said once, then silent */
	unsigned moved; /* failed zips renamed so a reused local name cannot overwrite them */
	atomic_uint restores;   /* SnapStart restores seen (uploader_restored); cfg.cancel points here */
	unsigned restores_done; /* of which handled on the agent thread (forget_snapshot) */
};

static void dropped(void *ctx, const s3_queued *e, s3_drop_reason why);

uploader *uploader_new(const agent_config *cfg)
{
	if (!cfg->s3_bucket)
		return NULL;
	uploader *u = calloc(1, sizeof *u);
	if (!u)
		return NULL;
	agent_config_s3(cfg, NULL, &u->cfg);
	u->bucket = cfg->s3_bucket;
	u->function_name = cfg->function_name;
	u->cfg.budget_ms = cfg->upload_budget_ms;
	u->lambda_budget_ms = cfg->lambda_budget_ms;
	u->queue_max_mb = cfg->queue_max_mb;
	u->upload_init = cfg->upload_init;
	atomic_init(&u->restores, 0);
	u->cfg.cancel = &u->restores;
	s3_queue_limits lim = {cfg->queue_max_zips, (uint64_t)cfg->queue_max_mb << 20, cfg->upload_tries};
	s3_queue_init(&u->queue, &lim, dropped, u);
	s3_breaker_init(&u->breaker, NULL);
	return u;
}

void uploader_free(uploader *u)
{
	if (!u)
		return;
	s3_queue_free(&u->queue); /* the waiting zips stay on disk */
	if (u->client) /* made through the loaded library */
		net_get()->client_free(u->client);
	free(u);
}

static void host_or_function(const char *fn, char *out, size_t n)
{
	if (fn && *fn) {
		snprintf(out, n, "%s", fn);
		return;
	}
	if (gethostname(out, n) != 0 || !out[0])
		snprintf(out, n, "unknown-host");
	out[n - 1] = '\0';
}

uint32_t uploader_key_nonce(void)
{
	uint32_t r;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (uint32_t)(clock_mono_ns() ^ ((uint64_t)clock_epoch_ms() << 20));
	return r ? r : 1; /* 0 means "not drawn" */
}

int uploader_key(const char *s3_prefix, const char *function_name, const char *zip_path, const agent_window *w, char *out, size_t n)
{
	const char *base = strrchr(zip_path, '/');
	base = base ? base + 1 : zip_path;
	size_t len = strlen(base);
	if (len > 4 && strcmp(base + len - 4, ".zip") == 0)
		len -= 4;
	/* Unique per window: the invocation's request id on Lambda, else process and window.
	 * A Lambda window without a request id (init, end of run) also takes its random
	 * key_nonce: with SnapStart every restored copy of one sandbox has the same pid, window
	 * numbers and start time, so only a value drawn after the restore (agent_finish_window
	 * draws it when the zip is written) tells their end-of-run keys apart. The init zip is
	 * written before the snapshot: one window, one key. */
	char name[512];
	if (w->request_id[0])
		snprintf(name, sizeof name, "%.*s_%s.zip", (int)len, base, w->request_id);
	else if (function_name && *function_name)
		snprintf(name, sizeof name, "%.*s_p%ld_w%u_%08x.zip", (int)len, base, (long)getpid(), w->seq,
			 (unsigned)w->key_nonce);
	else
		snprintf(name, sizeof name, "%.*s_p%ld_w%u.zip", (int)len, base, (long)getpid(), w->seq);
	char who[256];
	host_or_function(function_name, who, sizeof who);
	return s3_object_key(out, n, s3_prefix, who, w->profile->begin_ms, name) == 0 ? 0 : -1;
}

static int64_t now_ms(void) { return clock_mono_ms(); }

static long remaining_ms(int64_t deadline_ms)
{
	int64_t now = now_ms();
	return now >= deadline_ms ? 0 : (long)(deadline_ms - now);
}

static void count_waiting(uploader *u) { atomic_store(&u->waiting, u->queue.n); }

static const char *drop_reason(const uploader *u, s3_drop_reason why, char *out, size_t n)
{
	if (why == S3_DROP_COUNT)
		snprintf(out, n, "%u zips already wait for a retry (IOPIPE_PROFILER_QUEUE_MAX)", u->queue.lim.max_zips);
	else if (why == S3_DROP_BYTES)
		snprintf(out, n, "the zips waiting for a retry would exceed %u MB (IOPIPE_PROFILER_QUEUE_MB)",
			 u->queue_max_mb);
	else
		snprintf(out, n, "its upload failed %u times (IOPIPE_PROFILER_UPLOAD_TRIES)",
			 u->queue.lim.max_failures);
	return out;
}

/* The queue's drop callback: one line naming the zip and its key, never silent. A zip's
 * summary (a rider) leaves with it, said in that line already. */
static void dropped(void *ctx, const s3_queued *e, s3_drop_reason why)
{
	uploader *u = ctx;
	char reason[128];
	drop_reason(u, why, reason, sizeof reason);
	if (!e->keep_file)
		unlink(e->path);
	if (e->rides)
		log_debug("%s %s: its zip was not uploaded either", e->keep_file ? "no longer retrying" : "deleted",
			  e->path);
	else if (e->keep_file)
		log_info("no longer retrying s3://%s/%s: %s; the zip stays at %s", u->bucket, e->key, reason, e->path);
	else
		log_info("deleted %s without uploading it to s3://%s/%s: %s", e->path, u->bucket, e->key, reason);
	if (!e->rides)
		s3_breaker_note(&u->breaker, 0, 1);
}

static uint64_t size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void enqueue(uploader *u, const char *path, const char *key, uint32_t failures, bool delete_after)
{
	if (s3_queue_push(&u->queue, path, key, size_of(path), failures, !delete_after) < 0)
		log_warn("out of memory: %s will not be retried (it stays on disk)", path);
	count_waiting(u);
}

static void log_failure(uploader *u, const char *key, const char *path, int rc, const s3_result *r,
			s3_breaker_event ev)
{
	/* The elapsed time shows whether the budget, not the server, ended the upload. */
	char what[1024];
	snprintf(what, sizeof what, "upload to s3://%s/%s failed: %s%s%s (HTTP %ld, %d attempts, %ld ms); kept at %s "
		 "for the next upload", u->bucket, key, r->error_code[0] ? r->error_code : s3_strerror(rc),
		 r->error_message[0] ? ": " : "", r->error_message, r->http_status, r->attempts, r->elapsed_ms, path);
	const s3_breaker *b = &u->breaker;
	if (ev == S3_BREAKER_OPENED)
		log_warn("%s; S3 uploads paused for %u s after %u failed upload%s in a row (%s); snapshots wait "
			 "on local disk (at most %u zips, %u MB) until a probe upload succeeds",
			 what, b->backoff_ms / 1000, b->streak, b->streak > 1 ? "s" : "", s3_fail_kind_name(b->cause),
			 u->queue.lim.max_zips, u->queue_max_mb);
	else if (ev == S3_BREAKER_NO_CHANGE && b->streak == 1)
		log_warn("%s", what);
	else /* a failed probe, or a failure while paused: said when uploads stopped */
		log_debug("%s; uploads paused for %u s", what, b->backoff_ms / 1000);
}

static void log_resumed(const uploader *u)
{
	const s3_breaker *b = &u->breaker;
	log_warn("S3 uploads resumed after %.1f s paused (%s): %u snapshot%s kept meanwhile, %u dropped",
		 (double)(now_ms() - b->opened_at_ms) / 1000.0, s3_fail_kind_name(b->cause), b->kept,
		 b->kept == 1 ? "" : "s", b->dropped);
}

/* One PutObject, its outcome fed to the breaker and logged (one line at most). */
static put_outcome put_one(uploader *u, const char *key, const char *path, long budget_ms)
{
	s3_result r;
	/* A restore since this round of uploads began: the client is the snapshot's, not to be used. */
	bool restored = atomic_load(&u->restores) != u->restores_done;
	int rc = restored ? S3_ERR_ABORTED : net_get()->put_file(u->client, key, path, budget_ms, &r);
	if (rc == S3_ERR_ABORTED) { /* not S3's doing: nothing for the breaker */
		log_info("upload to s3://%s/%s stopped: it began before the SnapStart snapshot, and the restored "
			 "sandbox does not resume it; the zip stays at %s", u->bucket, key, path);
		return PUT_ABORTED;
	}
	s3_fail_kind kind = s3_breaker_classify(rc, &r);
	if (rc != S3_OK && kind == S3_FAIL_NONE) {
		log_warn("cannot upload %s: %s%s%s", path, s3_strerror(rc), r.error_message[0] ? ": " : "",
			 r.error_message);
		return PUT_UNREADABLE;
	}
	s3_breaker_event ev = s3_breaker_record(&u->breaker, now_ms(), kind);
	if (rc == S3_OK) {
		log_info("s3://%s/%s (%lld bytes, %ld ms)", u->bucket, key, (long long)r.size_bytes, r.elapsed_ms);
		if (ev == S3_BREAKER_RESUMED)
			log_resumed(u);
		return PUT_STORED;
	}
	log_failure(u, key, path, rc, &r, ev);
	return PUT_FAILED;
}

/* Waiting zips, oldest first, while the breaker, the budget and the per-upload limit
 * allow; the first failure ends the round (the next one would most likely fail alike). */
static void retry_waiting(uploader *u, int64_t deadline_ms)
{
	for (int done = 0; done < UPLOADER_RETRIES_PER_UPLOAD && u->queue.n > 0; done++) {
		long left = remaining_ms(deadline_ms);
		s3_breaker_verdict verdict = left < S3_RETRY_MIN_ATTEMPT_MS ? S3_BREAKER_DENY
									     : s3_breaker_allow(&u->breaker, now_ms());
		if (verdict == S3_BREAKER_DENY)
			break;
		s3_queued *e = &u->queue.items[0];
		size_t klen = strlen(e->key);
		if (klen > 5 && !strcmp(e->key + klen - 5, ".json"))
			done--; /* a zip's summary rides with it: not one of the retries counted */
		if (verdict == S3_BREAKER_PROBE)
			log_debug("S3 probe: uploading %s", e->key);
		put_outcome out = put_one(u, e->key, e->path, left);
		if (out == PUT_STORED && !e->keep_file)
			unlink(e->path);
		if (out == PUT_FAILED) {
			s3_queue_failed(&u->queue, 0);
			break;
		}
		s3_queue_remove(&u->queue, 0); /* stored, unreadable or stopped (said) */
		if (out == PUT_ABORTED)
			break;
		while (out == PUT_UNREADABLE && u->queue.n > 0 && u->queue.items[0].rides)
			s3_queue_remove(&u->queue, 0); /* a summary never goes without its zip */
	}
	count_waiting(u);
}

static void keep_one_apart(uploader *u, const char *path)
{
	for (size_t i = 0; u && i < u->queue.n; i++) {
		s3_queued *p = &u->queue.items[i];
		if (strcmp(p->path, path) != 0)
			continue;
		size_t len = strlen(path);
		char *moved = malloc(len + 32);
		if (!moved)
			return;
		snprintf(moved, len + 32, "%s.pending-%u", path, u->moved++);
		if (rename(path, moved) != 0) {
			log_warn("cannot keep %s apart for its retry (%s): the next snapshot replaces it", path,
				 strerror(errno));
			free(moved);
			return;
		}
		log_debug("%s waits for its retry as %s", path, moved);
		free(p->path);
		p->path = moved;
	}
}

/* The zip's summary waits beside it under a fixed name too: it moves aside with it. */
void uploader_keep_apart(uploader *u, const char *path)
{
	char spath[4096];
	keep_one_apart(u, path);
	if (snap_summary_name(path, spath, sizeof spath) == 0)
		keep_one_apart(u, spath);
}

/* A Lambda invocation's upload ends lambdabudget after the invocation did, so the next
 * event is held no longer than that, the zip's writing included. */
static int64_t upload_deadline(const uploader *u, const agent_window *w, uint32_t budget_ms)
{
	int64_t deadline = now_ms() + budget_ms;
	if (!w->request_id[0] || !w->profile)
		return deadline;
	int64_t spent = clock_epoch_ms() - w->profile->end_ms;
	int64_t left = (int64_t)u->lambda_budget_ms - LAMBDA_BUDGET_MARGIN_MS - (spent > 0 ? spent : 0);
	int64_t lambda_deadline = now_ms() + (left > 0 ? left : 0);
	return lambda_deadline < deadline ? lambda_deadline : deadline;
}

/* Loads the network library and makes the client at the first upload; false when S3
 * uploads are off for good (said once). */
static bool ready(uploader *u, const char *path)
{
	if (u->broken)
		return false;
	const net_api *net = net_get(); /* the first upload loads libcurl and OpenSSL */
	if (!net) {
		log_warn("S3 upload disabled: %s stays on local disk", path);
		u->broken = true;
		return false;
	}
	if (!u->client && !(u->client = net->client_new(&u->cfg))) {
		/* The user must learn where the snapshot is, since it will never reach S3. The
		 * endpoint is not echoed: a URL may carry user:password. */
		log_warn("S3 upload disabled: invalid configuration for bucket '%s' (endpoint, region or "
			 "bucket name); snapshots stay on local disk, this one at %s", u->bucket, path);
		u->broken = true;
		return false;
	}
	return true;
}

/* The invocation summary written next to the zip (summary_out.h), under the zip's key with
 * .json: false when there is none. */
static bool summary_of(const char *zip_path, const char *zip_key, char path[4096], char key[1024])
{
	return snap_summary_name(zip_path, path, 4096) == 0 && access(path, R_OK) == 0 &&
	       snap_summary_name(zip_key, key, 1024) == 0;
}

/* A zip that waits takes its summary along, right behind it as its rider: it does not count
 * as a zip waiting, and it leaves with the zip, so a summary is never stored without it. */
static void enqueue_with_summary(uploader *u, const char *path, const char *key, uint32_t failures,
				 bool delete_after)
{
	char spath[4096], skey[1024];
	s3_breaker_note(&u->breaker, 1, 0);
	enqueue(u, path, key, failures, delete_after);
	if (!summary_of(path, key, spath, skey))
		return;
	int rc = s3_queue_attach(&u->queue, path, spath, skey, size_of(spath));
	if (rc == 0 && delete_after) /* the zip left at once (named): its summary goes too */
		unlink(spath);
	else if (rc < 0)
		log_warn("out of memory: %s will not be retried (it stays on disk)", spath);
	count_waiting(u);
}

/* The summary of a zip just stored: one more small PUT in the same budget, or it waits. */
static void put_summary(uploader *u, const char *path, const char *key, int64_t deadline, bool delete_after)
{
	char spath[4096], skey[1024];
	if (!summary_of(path, key, spath, skey))
		return;
	put_outcome out = remaining_ms(deadline) >= MIN_UPLOAD_MS ? put_one(u, skey, spath, remaining_ms(deadline))
								   : PUT_FAILED;
	if (out == PUT_FAILED)
		enqueue(u, spath, skey, 1, delete_after);
	else if (out == PUT_STORED && delete_after)
		unlink(spath);
}

/* After a SnapStart restore (uploader_restored), on the agent thread before the next upload:
 * what was waiting for a retry is the pre-snapshot process's work, which every restored copy
 * would repeat, so it is left on disk, named; the client goes (its kept-alive connection is
 * dead, its credentials were the snapshot's) and the next one puts the container endpoint
 * first; the breaker's record of S3 before the snapshot is forgotten. */
static void forget_snapshot(uploader *u)
{
	unsigned seen = atomic_load(&u->restores);
	if (seen == u->restores_done)
		return;
	u->restores_done = seen;
	while (u->queue.n > 0) {
		const s3_queued *e = &u->queue.items[0];
		log_info("not uploading s3://%s/%s: it waited since before the SnapStart snapshot, and every "
			 "restored copy would upload it again; it stays at %s", u->bucket, e->key, e->path);
		s3_queue_remove(&u->queue, 0);
	}
	count_waiting(u);
	if (u->client)
		net_get()->client_free(u->client);
	u->client = NULL;
	u->cfg.container_credentials_first = true;
	s3_breaker_init(&u->breaker, NULL);
	log_debug("SnapStart restore: S3 uploads start afresh (new connection, credentials fetched again)");
}

void uploader_restored(uploader *u)
{
	if (u)
		atomic_fetch_add(&u->restores, 1);
}

void uploader_put(uploader *u, const char *path, const agent_window *w, uint32_t budget_ms, bool delete_after)
{
	char key[1024];
	forget_snapshot(u);
	if (w->init && !u->upload_init) {
		log_debug("init snapshot not uploaded (IOPIPE_PROFILER_UPLOAD_INIT=false): it stays at %s", path);
		return;
	}
	if (u->broken) {
		log_debug("S3 upload disabled: %s stays on local disk", path);
		return;
	}
	if (uploader_key(u->cfg.prefix, u->function_name, path, w, key, sizeof key) != 0) {
		log_warn("cannot build an S3 key for %s; not uploaded", path);
		return;
	}
	if (!ready(u, path))
		return;
	if (budget_ms == 0) { /* the Lambda init zip: it goes with the first invocation's upload */
		enqueue_with_summary(u, path, key, 0, delete_after);
		return;
	}
	int64_t deadline = upload_deadline(u, w, budget_ms);
	/* Too little time left (writing the zip took it) says nothing about S3: no attempt. */
	s3_breaker_verdict verdict = S3_BREAKER_DENY;
	if (remaining_ms(deadline) >= MIN_UPLOAD_MS)
		verdict = s3_breaker_allow(&u->breaker, now_ms());
	if (verdict == S3_BREAKER_DENY) {
		log_debug("S3 uploads paused or no time left: %s waits on local disk", path);
		enqueue_with_summary(u, path, key, 0, delete_after);
		return;
	}
	if (verdict == S3_BREAKER_PROBE)
		log_debug("S3 probe: uploading %s", key); /* bench/lambda_faults.sh counts these */
	put_outcome out = put_one(u, key, path, remaining_ms(deadline));
	if (out == PUT_FAILED) {
		enqueue_with_summary(u, path, key, 1, delete_after);
		return;
	}
	if (out == PUT_ABORTED)
		return;
	if (out == PUT_STORED && delete_after)
		unlink(path);
	if (out == PUT_STORED)
		put_summary(u, path, key, deadline, delete_after);
	retry_waiting(u, deadline);
}

void uploader_retry(uploader *u)
{
	if (u)
		forget_snapshot(u);
	if (!u || u->broken || !u->client || u->queue.n == 0)
		return;
	retry_waiting(u, now_ms() + (int64_t)u->lambda_budget_ms - LAMBDA_BUDGET_MARGIN_MS);
}

bool uploader_has_pending(const uploader *u) { return u && atomic_load(&u->waiting) > 0; }
