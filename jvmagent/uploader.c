#include "uploader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/log.h"
#include "../snapshot/summary.h"
#include "../upload/s3.h"
#include "config_s3.h"
#include "net.h"
#include "window.h"

enum { MAX_PENDING = 32 };

typedef struct {
	char *path;
	char *key;
	bool delete_after;
	bool summary; /* the invocation summary of the zip queued just before it */
} pending;

struct uploader {
	s3_config cfg;
	s3_client *client; /* created on first use, on the thread that uploads */
	const char *bucket;
	const char *function_name; /* AWS_LAMBDA_FUNCTION_NAME (config.h), or NULL */
	pending queue[MAX_PENDING];
	int npending;
	bool broken; /* the client could not be created: said once, then silent */
	unsigned moved; /* failed zips renamed so a reused local name cannot overwrite them */
};

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
	return u;
}

void uploader_free(uploader *u)
{
	if (!u)
		return;
	for (int i = 0; i < u->npending; i++) {
		free(u->queue[i].path);
		free(u->queue[i].key);
	}
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

int uploader_key(const char *s3_prefix, const char *function_name, const char *zip_path, const agent_window *w, char *out, size_t n)
{
	const char *base = strrchr(zip_path, '/');
	base = base ? base + 1 : zip_path;
	size_t len = strlen(base);
	if (len > 4 && strcmp(base + len - 4, ".zip") == 0)
		len -= 4;
	/* Unique per window: the invocation's request id on Lambda, else process and window. */
	char name[512];
	if (w->request_id[0])
		snprintf(name, sizeof name, "%.*s_%s.zip", (int)len, base, w->request_id);
	else
		snprintf(name, sizeof name, "%.*s_p%ld_w%u.zip", (int)len, base, (long)getpid(), w->seq);
	char who[256];
	host_or_function(function_name, who, sizeof who);
	return s3_object_key(out, n, s3_prefix, who, w->profile->begin_ms, name) == 0 ? 0 : -1;
}

static long remaining_ms(uint64_t deadline_ns)
{
	uint64_t now = clock_mono_ns();
	return now >= deadline_ns ? 0 : (long)((deadline_ns - now) / 1000000u);
}

/* One PutObject; true when stored. Logs the outcome in one line either way. */
static bool put_one(uploader *u, const pending *p, long budget_ms)
{
	s3_result r;
	int rc = net_get()->put_file(u->client, p->key, p->path, budget_ms, &r);
	if (rc == S3_OK) {
		log_info("s3://%s/%s (%lld bytes, %ld ms)", u->bucket, p->key, (long long)r.size_bytes, r.elapsed_ms);
		if (p->delete_after)
			unlink(p->path);
		return true;
	}
	/* The elapsed time shows whether the budget, not the server, ended the upload. */
	log_warn("upload to s3://%s/%s failed: %s%s%s (HTTP %ld, %d attempts, %ld ms); kept at %s for the "
		 "next upload", u->bucket, p->key, r.error_code[0] ? r.error_code : s3_strerror(rc),
		 r.error_message[0] ? ": " : "", r.error_message, r.http_status, r.attempts, r.elapsed_ms,
		 p->path);
	return false;
}

static void enqueue(uploader *u, const char *path, const char *key, bool delete_after)
{
	if (u->npending == MAX_PENDING) {
		log_warn("%d uploads pending: %s will not be retried (it stays on disk)", MAX_PENDING,
			 u->queue[0].path);
		free(u->queue[0].path);
		free(u->queue[0].key);
		memmove(u->queue, u->queue + 1, (MAX_PENDING - 1) * sizeof *u->queue);
		u->npending--;
	}
	pending *p = &u->queue[u->npending];
	p->path = strdup(path);
	p->key = strdup(key);
	p->delete_after = delete_after;
	p->summary = false;
	if (p->path && p->key)
		u->npending++;
	else {
		free(p->path);
		free(p->key);
	}
}

/* The invocation summary written next to the zip (summary_out.h) goes right after it, in
 * the same budget: one more small PUT, queued and retried like the zip. */
static void enqueue_summary(uploader *u, const char *zip_path, const char *zip_key, bool delete_after)
{
	char path[4096], key[1024];
	int before = u->npending;
	if (snap_summary_name(zip_path, path, sizeof path) == 0 && access(path, R_OK) == 0 &&
	    snap_summary_name(zip_key, key, sizeof key) == 0)
		enqueue(u, path, key, delete_after);
	if (u->npending > before)
		u->queue[u->npending - 1].summary = true;
}

/* Earlier failures first (oldest first), then this one, while the budget lasts. */
static void drain(uploader *u, uint64_t deadline_ns)
{
	int kept = 0;
	bool zip_kept = false; /* a summary waits while its zip (just before it) is not stored */
	for (int i = 0; i < u->npending; i++) {
		long left = remaining_ms(deadline_ns);
		bool wait = u->queue[i].summary && zip_kept;
		zip_kept = !u->queue[i].summary; /* until it is stored, below */
		if (!wait && left > 0 && put_one(u, &u->queue[i], left)) {
			zip_kept = false;
			free(u->queue[i].path);
			free(u->queue[i].key);
			continue;
		}
		u->queue[kept++] = u->queue[i];
	}
	u->npending = kept;
}

void uploader_keep_apart(uploader *u, const char *path)
{
	for (int i = 0; u && i < u->npending; i++) {
		pending *p = &u->queue[i];
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

void uploader_put(uploader *u, const char *path, const agent_window *w, uint32_t budget_ms, bool delete_after)
{
	char key[1024];
	if (u->broken) {
		log_debug("S3 upload disabled: %s stays on local disk", path);
		return;
	}
	if (uploader_key(u->cfg.prefix, u->function_name, path, w, key, sizeof key) != 0) {
		log_warn("cannot build an S3 key for %s; not uploaded", path);
		return;
	}
	const net_api *net = net_get(); /* the first upload loads libcurl and OpenSSL */
	if (!net) {
		log_warn("S3 upload disabled: %s stays on local disk", path);
		u->broken = true;
		return;
	}
	if (!u->client && !(u->client = net->client_new(&u->cfg))) {
		/* The user must learn where the snapshot is, since it will never reach S3. The
		 * endpoint is not echoed: a URL may carry user:password. */
		log_warn("S3 upload disabled: invalid configuration for bucket '%s' (endpoint, region or "
			 "bucket name); snapshots stay on local disk, this one at %s", u->bucket, path);
		u->broken = true;
		return;
	}
	enqueue(u, path, key, delete_after);
	enqueue_summary(u, path, key, delete_after);
	drain(u, clock_mono_ns() + (uint64_t)budget_ms * 1000000u);
}
