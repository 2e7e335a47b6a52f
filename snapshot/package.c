#include "package.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

void snap_prefix_format(int64_t epoch_ms, char out[SNAP_PREFIX_LEN])
{
	time_t secs = (time_t)(epoch_ms / 1000);
	int ms = (int)(epoch_ms % 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	size_t n = strftime(out, SNAP_PREFIX_LEN, "%Y%m%d_%H%M%S", &tm);
	if (ms == 0)
		return;
	char frac[8];
	snprintf(frac, sizeof frac, "%03d", ms);
	for (int i = 2; i > 0 && frac[i] == '0'; i--)
		frac[i] = '\0';
	snprintf(out + n, SNAP_PREFIX_LEN - n, "_%s", frac);
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int snap_zip_path(const char *configured, const char *prefix, bool on_lambda, char *out, size_t n)
{
	int len;
	if (!configured || !*configured)
		len = snprintf(out, n, "%s%s.zip", on_lambda ? "/tmp/" : "", prefix);
	else if (configured[strlen(configured) - 1] == '/')
		len = snprintf(out, n, "%s%s.zip", configured, prefix);
	else if (is_dir(configured))
		len = snprintf(out, n, "%s/%s.zip", configured, prefix);
	else
		len = snprintf(out, n, "%s", configured);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

static int add_entry(zip_t *z, const snap_zip_entry *e)
{
	zip_source_t *src = zip_source_buffer(z, e->data, e->len, 0);
	if (!src)
		return -1;
	zip_int64_t idx = zip_file_add(z, e->name, src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
	if (idx < 0) {
		zip_source_free(src);
		return -1;
	}
	if (e->compress)
		return zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 6);
	return zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
}

/* libzip writes its own temporary file next to the archive and renames it on close; we
 * still build under a private name first so that the final rename replaces whatever is
 * at `path` (a symlink included) in one step. */
int snap_zip_write(const char *path, const snap_zip_entry *entries, size_t count, char *err,
		   size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
		/* Renaming over it would replace a device node or a directory entry. */
		snprintf(err, errlen, "exists and is not a regular file");
		return -1;
	}
	char tmp[4200];
	if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof tmp) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	unlink(tmp);
	int zerr = 0;
	zip_t *z = zip_open(tmp, ZIP_CREATE | ZIP_EXCL, &zerr);
	if (!z) {
		zip_error_t ze;
		zip_error_init_with_code(&ze, zerr);
		snprintf(err, errlen, "%s", zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		if (add_entry(z, &entries[i]) != 0) {
			snprintf(err, errlen, "%s", zip_strerror(z));
			zip_discard(z);
			return -1;
		}
	}
	if (zip_close(z) != 0) {
		snprintf(err, errlen, "%s", zip_strerror(z));
		zip_discard(z);
		unlink(tmp);
		return -1;
	}
	/* Stacks and thread names can reveal code: owner-only, whatever the umask (libzip
	 * gives the file 0666 & ~umask on close). */
	if (chmod(tmp, 0600) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
