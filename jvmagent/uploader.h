/* Uploads finished snapshot zips to S3, and keeps the ones that failed for the next
 * upload opportunity: a snapshot is never lost silently while the process lives.
 *
 * Failing fast (docs/s3.md, "When S3 fails"): a circuit breaker (upload/s3_breaker.h) stops
 * uploads after consecutive failures of one kind and probes again after a growing pause;
 * zips waiting for a retry sit in a bounded queue (upload/s3_queue.h), at most
 * UPLOADER_RETRIES_PER_UPLOAD of them go along with each upload, and every zip dropped is
 * named in one line. Everything here runs on the agent's own thread, except
 * uploader_has_pending. */
#ifndef JVMSNAP_UPLOADER_H
#define JVMSNAP_UPLOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct agent_window;
typedef struct uploader uploader;

/* NULL when no bucket is configured, or the configuration is unusable (logged). */
uploader *uploader_new(const agent_config *cfg);
void uploader_free(uploader *u);

enum { UPLOADER_RETRIES_PER_UPLOAD = 2 };

/* Uploads the zip at `path` for window `w`, then retries up to UPLOADER_RETRIES_PER_UPLOAD
 * waiting zips, oldest first, all within `budget_ms`; for a Lambda invocation also within
 * lambdabudget counted from the window's end. budget_ms 0: the zip only joins the queue
 * (the Lambda init window's, written after the first invocation, goes with its upload). With
 * `delete_after`, the local file is removed once it is stored (or dropped). */
void uploader_put(uploader *u, const char *path, const struct agent_window *w, uint32_t budget_ms,
		  bool delete_after);

/* Retries waiting zips (as uploader_put does after its own) within lambdabudget: after a
 * Lambda invocation that was not profiled, so a backlog still drains. */
void uploader_retry(uploader *u);

/* SnapStart: this process is a copy restored from a snapshot. Any thread may call it. An
 * upload in progress stops within about a second (its connection died with the snapshot);
 * on the agent thread, before its next upload, the zips waiting since before the snapshot
 * are left on disk (named in one line each: every restored copy would upload them again),
 * and the S3 client starts afresh: new connection, credentials fetched again with the
 * container endpoint first. */
void uploader_restored(uploader *u);

/* Zips waiting for a retry? Any thread may ask. */
bool uploader_has_pending(const uploader *u);

/* Called before a zip is written to `path`: a failed zip waiting there for its retry is
 * renamed first (same directory), so a fixed local name cannot overwrite it. */
void uploader_keep_apart(uploader *u, const char *path);

/* The object key for a zip (see docs/s3.md): `<s3prefix><function or host>/<yyyy>/<mm>/<dd>/<name>`,
 * where name is the zip's name made unique per process and window (on Lambda: the request id,
 * or else the window's key_nonce, which SnapStart's restored copies need); the Lambda function's
 * name when `function_name` is not NULL nor empty, else the host name. 0 or -1. */
/* A fresh random key_nonce for a window (never 0), drawn from the kernel at each call: the
 * caller draws it when the window's zip is written. With SnapStart the init zip is written
 * before the snapshot (one init window, one key) and the end-of-run zip after the restore. */
uint32_t uploader_key_nonce(void);

int uploader_key(const char *s3_prefix, const char *function_name, const char *zip_path,
		 const struct agent_window *w, char *out, size_t n);

#endif
