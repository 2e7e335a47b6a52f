/* Uploads finished snapshot zips to S3, and keeps the ones that failed for the next
 * upload opportunity: a snapshot is never lost silently while the process lives. */
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

/* Uploads the zip at `path` for window `w`, after retrying earlier failures, all within
 * `budget_ms`. With `delete_after`, the local file is removed once it is stored. */
void uploader_put(uploader *u, const char *path, const struct agent_window *w, uint32_t budget_ms,
		  bool delete_after);

/* Called before a zip is written to `path`: a failed zip waiting there for its retry is
 * renamed first (same directory), so a fixed local name cannot overwrite it. */
void uploader_keep_apart(uploader *u, const char *path);

/* The object key for a zip (see docs/s3.md): `<s3prefix><function or host>/<yyyy>/<mm>/<dd>/<name>`,
 * where name is the zip's name made unique per process and window; the Lambda function's
 * name when `function_name` is not NULL nor empty, else the host name. 0 or -1. */
int uploader_key(const char *s3_prefix, const char *function_name, const char *zip_path,
		 const struct agent_window *w, char *out, size_t n);

#endif
