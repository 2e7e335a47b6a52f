/* Writing a snapshot zip to disk: owner-only from its first byte, published atomically,
 * and never over something it must not replace (package.h states the rules). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "package.h"

enum { COPY_CHUNK = 1 << 20, MAX_SUFFIX = 999 };

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return -1;
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

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copies a closed in-memory archive to `fd` in chunks. */
static int copy_out(zip_source_t *mem, int fd, char *err, size_t errlen)
{
	if (zip_source_open(mem) != 0)
		return fail(err, errlen, zip_error_strerror(zip_source_error(mem)));
	char *chunk = malloc(COPY_CHUNK);
	int rc = chunk ? 0 : fail(err, errlen, strerror(ENOMEM));
	zip_int64_t got;
	while (!rc && (got = zip_source_read(mem, chunk, COPY_CHUNK)) > 0)
		if (write_all(fd, chunk, (size_t)got) != 0)
			rc = fail(err, errlen, strerror(errno ? errno : EIO));
	if (!rc && got < 0)
		rc = fail(err, errlen, zip_error_strerror(zip_source_error(mem)));
	free(chunk);
	zip_source_close(mem);
	return rc;
}

/* The archive is built in memory and copied into a file we created ourselves: libzip's
 * own temporary file would be 0666 & ~umask until its close. */
static int zip_to_fd(int fd, const snap_zip_entry *entries, size_t count, char *err, size_t errlen)
{
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
	zip_t *z = mem ? zip_open_from_source(mem, ZIP_TRUNCATE, &ze) : NULL;
	if (!z) {
		fail(err, errlen, zip_error_strerror(&ze));
		zip_error_fini(&ze);
		zip_source_free(mem);
		return -1;
	}
	zip_error_fini(&ze);
	zip_source_keep(mem);
	for (size_t i = 0; i < count; i++) {
		if (add_entry(z, &entries[i]) != 0) {
			fail(err, errlen, zip_strerror(z));
			zip_discard(z);
			zip_source_free(mem);
			return -1;
		}
	}
	int rc;
	if (zip_close(z) == 0) { /* which frees z */
		rc = copy_out(mem, fd, err, errlen);
	} else {
		rc = fail(err, errlen, zip_strerror(z));
		zip_discard(z);
	}
	zip_source_free(mem);
	return rc;
}

/* "<dir>/<name>" -> "<dir>", "name" -> "." */
static void dir_of(const char *path, char *out, size_t n)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(out, n, ".");
	else if (slash == path)
		snprintf(out, n, "/");
	else
		snprintf(out, n, "%.*s", (int)(slash - path), path);
}

static bool under(const char *real, const char *top)
{
	size_t n = strlen(top);
	return strncmp(real, top, n) == 0 && (real[n] == '/' || real[n] == '\0');
}

/* Device and kernel trees are never written, whatever links lead there. */
static bool system_dir(const char *dir)
{
	char real[PATH_MAX];
	if (!realpath(dir, real))
		return false; /* missing: creating the file fails and says why */
	return under(real, "/dev") || under(real, "/proc") || under(real, "/sys");
}

/* A symlink at `path` whose target is not inside the directory holding it. */
static bool link_leads_out(const char *path, const char *dir)
{
	char real_dir[PATH_MAX], real[PATH_MAX];
	if (!realpath(dir, real_dir))
		return true;
	if (!realpath(path, real))
		return true; /* dangling, or a loop: never replace what cannot be checked */
	return !under(real, real_dir) || strcmp(real, real_dir) == 0;
}

/* Refuses `path` when it must not be written or replaced at all. */
static int check_target(const char *path, const char *dir, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return fail(err, errlen, "exists and is not a regular file");
	if (system_dir(dir))
		return fail(err, errlen, "is under /dev, /proc or /sys, which are never written");
	return 0;
}

/* A 0600 temporary file in `dir`, holding the archive. */
static int write_temp(const char *path, char *tmp, size_t tmp_size, const snap_zip_entry *entries,
		      size_t count, char *err, size_t errlen)
{
	if (snprintf(tmp, tmp_size, "%s.XXXXXX.tmp", path) >= (int)tmp_size)
		return fail(err, errlen, "path too long");
	/* mkstemp's files are created 0600 (less under a strict umask): owner-only from the
	 * first byte; fchmod makes it exactly 0600. */
	int fd = mkostemps(tmp, 4, O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, strerror(errno));
	int rc = fchmod(fd, 0600) == 0 ? 0 : fail(err, errlen, strerror(errno));
	if (!rc)
		rc = zip_to_fd(fd, entries, count, err, errlen);
	if (close(fd) != 0 && !rc)
		rc = fail(err, errlen, strerror(errno));
	if (rc)
		unlink(tmp);
	return rc;
}

/* Moves `tmp` to `path` only if nothing is there: 0, 1 when something is (EEXIST), -1
 * on another error. renameat2 where the file system has it, else link + unlink. */
static int publish_new(const char *tmp, const char *path)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST)
		return 1;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -1;
	if (link(tmp, path) != 0)
		return errno == EEXIST ? 1 : -1;
	unlink(tmp);
	return 0;
}

/* `path` with "-N" before its ".zip" (or at its end). */
static int numbered(const char *path, unsigned k, char *out, size_t n)
{
	size_t len = strlen(path);
	bool zip = len > 4 && strcmp(path + len - 4, ".zip") == 0 && path[len - 5] != '/';
	int w = zip ? snprintf(out, n, "%.*s-%u.zip", (int)(len - 4), path, k) : snprintf(out, n, "%s-%u", path, k);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* The first free name among path, path-1, path-2 ...; 0 when one was taken. */
static int publish_free_name(const char *tmp, const char *path, char *written, size_t wsize, char *err,
			     size_t errlen)
{
	for (unsigned k = 0; k <= MAX_SUFFIX; k++) {
		if (k == 0)
			snprintf(written, wsize, "%s", path);
		else if (numbered(path, k, written, wsize) != 0)
			return fail(err, errlen, "path too long");
		int rc = publish_new(tmp, written);
		if (rc == 0)
			return 0;
		if (rc < 0)
			return fail(err, errlen, strerror(errno));
	}
	return fail(err, errlen, "no free name (1,000 snapshots of that name exist)");
}

int snap_zip_store(const char *path, bool fixed, const snap_zip_entry *entries, size_t count,
		   char *written, size_t wsize, char *err, size_t errlen)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 16];
	dir_of(path, dir, sizeof dir);
	if (check_target(path, dir, err, errlen) != 0 ||
	    write_temp(path, tmp, sizeof tmp, entries, count, err, errlen) != 0)
		return -1;
	int rc;
	struct stat st;
	bool is_link = lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
	if (fixed && !(is_link && link_leads_out(path, dir))) {
		rc = publish_new(tmp, path);
		if (rc == 1)
			rc = rename(tmp, path) == 0 ? SNAP_ZIP_REPLACED : fail(err, errlen, strerror(errno));
		else if (rc < 0)
			rc = fail(err, errlen, strerror(errno));
		snprintf(written, wsize, "%s", path);
	} else {
		rc = publish_free_name(tmp, path, written, wsize, err, errlen);
		if (rc == 0 && fixed)
			rc = SNAP_ZIP_LINK_KEPT;
	}
	if (rc < 0)
		unlink(tmp);
	return rc;
}

int snap_zip_write(const char *path, const snap_zip_entry *entries, size_t count, char *err, size_t errlen)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 16];
	dir_of(path, dir, sizeof dir);
	if (check_target(path, dir, err, errlen) != 0 ||
	    write_temp(path, tmp, sizeof tmp, entries, count, err, errlen) != 0)
		return -1;
	if (rename(tmp, path) != 0) {
		fail(err, errlen, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
