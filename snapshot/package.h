/* Packaging of a snapshot window: the file-name prefix, where the zip goes, and the zip
 * itself (package.c, zip_file.c). A zip is written to a temporary file in the target
 * directory, then renamed, so no reader ever sees half a zip and a symlink at the target
 * is never followed. Every file is owner-only (0600) from its creation, whatever the
 * umask. Nothing under /dev, /proc or /sys is ever written, and an existing target that
 * is not a regular file or a symlink (a device, a directory) is never replaced. */
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

/* Writes a zip of `entries` at `path` atomically, replacing what is there (a symlink
 * itself, not its target). Returns 0, or -1 with a reason in `err` (no partial file is
 * left behind). For files the user names on a command line. */
int snap_zip_write(const char *path, const snap_zip_entry *entries, size_t count, char *err,
		   size_t errlen);

/* snap_zip_store's results besides 0 (written at `path`) and -1 (error in `err`). */
enum {
	SNAP_ZIP_REPLACED = 1,  /* fixed: an existing file at `path` was replaced */
	SNAP_ZIP_LINK_KEPT = 2, /* fixed: `path` is a symlink leading out of its directory; it
				   was kept and the zip written under the next free name */
};

/* The agent's write. Never replaces another process's snapshot unless the name is
 * `fixed` (the user named the file, or set a fixed prefix): the zip goes to the first
 * free name among `path`, `<path without .zip>-1.zip`, -2 ... (an atomic no-replace
 * rename, so concurrent processes cannot take the same one). A fixed name replaces the
 * file there (and says so by its result), except a symlink that leads out of the
 * directory, which is never replaced. `written` gets the path used. */
int snap_zip_store(const char *path, bool fixed, const snap_zip_entry *entries, size_t count,
		   char *written, size_t wsize, char *err, size_t errlen);

#endif
