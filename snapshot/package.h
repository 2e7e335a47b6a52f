/* Packaging of a snapshot window: the file-name prefix, where the zip goes, and the zip
 * itself (written to a temporary file in the target directory, then renamed, so no
 * reader ever sees half a zip and a symlink at the target is replaced, not followed). */
#ifndef JVMSNAP_SNAP_PACKAGE_H
#define JVMSNAP_SNAP_PACKAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNAP_PREFIX_LEN 32

/* IOpipe's prefix for a window starting at `epoch_ms` (UTC): yyyyMMdd_HHmmss, then
 * _ and the millisecond digits without trailing zeros when they are not all zero. */
void snap_prefix_format(int64_t epoch_ms, char out[SNAP_PREFIX_LEN]);

/* The zip's path. `configured` NULL: `<prefix>.zip` in the working directory, or in /tmp
 * when `on_lambda`. An existing directory or a value ending in '/' means
 * `<dir>/<prefix>.zip`; anything else is the file itself. Returns 0, or -1 when the
 * result does not fit in `out`. */
int snap_zip_path(const char *configured, const char *prefix, bool on_lambda, char *out, size_t n);

typedef struct {
	const char *name;   /* entry name inside the zip */
	const void *data;
	size_t len;
	bool compress;      /* deflate; false stores (the .nps is already compressed) */
} snap_zip_entry;

/* Writes a zip of `entries` at `path` atomically. Returns 0, or -1 with a reason in
 * `err` (no partial file is left behind). */
int snap_zip_write(const char *path, const snap_zip_entry *entries, size_t count, char *err,
		   size_t errlen);

#endif
