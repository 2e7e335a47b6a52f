/* Loading one input: a snapshot zip (`*_cpu.nps`, `*_stat.csv`, `metadata.json`), a bare
 * .nps or a statistics .csv, recognised by content rather than by name. Every size is
 * bounded, so a hostile file can make us refuse it but never exhaust memory. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "../common/log.h"
#include "../common/readfile.h"
#include "../visualvm-format/nps_format.h"
#include "cli.h"

#define MAX_FILE_BYTES ((size_t)1 << 30)
#define MAX_CSV_BYTES  ((size_t)256 << 20)
#define MAX_META_BYTES ((size_t)16 << 20)

static int fail(const cli_input *in, const char *fmt, const char *detail)
{
	char msg[512];
	snprintf(msg, sizeof msg, fmt, detail ? detail : "");
	log_error("%s: %s", in->path, msg);
	return CLI_EXIT_INPUT;
}

static int read_all(const char *path, buf *out, char *err, size_t errlen)
{
	int rc = read_file(path, MAX_FILE_BYTES, out);
	if (rc == READFILE_LARGE)
		snprintf(err, errlen, "larger than %zu MiB", MAX_FILE_BYTES >> 20);
	else if (rc == READFILE_NOMEM)
		snprintf(err, errlen, "out of memory");
	else if (rc != READFILE_OK)
		snprintf(err, errlen, "%s", strerror(errno ? errno : EIO));
	return rc == READFILE_OK ? 0 : -1;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Index of the entry ending in `preferred`, else the first ending in `fallback`; -1. */
static zip_int64_t find_entry(zip_t *z, const char *preferred, const char *fallback)
{
	zip_int64_t n = zip_get_num_entries(z, 0), pick = -1;
	for (zip_int64_t i = 0; i < n; i++) {
		const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
		if (!name)
			continue;
		if (ends_with(name, preferred))
			return i;
		if (pick < 0 && fallback && ends_with(name, fallback))
			pick = i;
	}
	return pick;
}

/* Reads entry `i` into `out` (at most `max` bytes). 0, or -1 with a reason. */
static int read_entry(zip_t *z, zip_int64_t i, size_t max, buf *out, char *err, size_t errlen)
{
	zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)i, 0);
	if (!f) {
		snprintf(err, errlen, "%s", zip_strerror(z));
		return -1;
	}
	uint8_t chunk[65536];
	zip_int64_t got;
	int rc = 0;
	while ((got = zip_fread(f, chunk, sizeof chunk)) > 0) {
		if (out->len + (size_t)got > max) {
			snprintf(err, errlen, "entry larger than %zu MiB", max >> 20);
			rc = -1;
			break;
		}
		buf_append(out, chunk, (size_t)got);
	}
	if (!rc && got < 0) {
		snprintf(err, errlen, "%s", zip_file_strerror(f));
		rc = -1;
	}
	if (!rc && out->failed) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	zip_fclose(f);
	return rc;
}

static int load_nps(cli_input *in, const uint8_t *data, size_t len)
{
	char err[256] = "";
	if (nps_read(data, len, &in->profile, err, sizeof err) != 0)
		return fail(in, "not a readable CPU snapshot: %s", err);
	return 0;
}

static int load_csv(cli_input *in, const uint8_t *data, size_t len)
{
	char err[256] = "";
	int rc = cli_stats_parse(data, len, &in->stats, err, sizeof err);
	if (rc == -2)
		return fail(in, "statistics too large (docs/cli.md): %s", err);
	if (rc)
		return fail(in, "neither a jvmsnap snapshot nor a statistics CSV: %s", err);
	return 0;
}

static int load_zip(cli_input *in, const buf *file)
{
	zip_error_t zerr;
	zip_error_init(&zerr);
	zip_source_t *src = zip_source_buffer_create(file->data, file->len, 0, &zerr);
	zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &zerr) : NULL;
	if (!z) {
		int rc = fail(in, "not a readable zip: %s", zip_error_strerror(&zerr));
		if (src)
			zip_source_free(src);
		zip_error_fini(&zerr);
		return rc;
	}
	zip_error_fini(&zerr);

	int rc = 0;
	char err[256] = "";
	buf b;
	buf_init(&b);
	zip_int64_t i = find_entry(z, "_cpu.nps", ".nps");
	if (i >= 0) {
		if (read_entry(z, i, MAX_FILE_BYTES, &b, err, sizeof err))
			rc = fail(in, "cannot read the CPU snapshot entry: %s", err);
		else if (!(rc = load_nps(in, b.data, b.len)))
			in->nps_name = strdup(zip_get_name(z, (zip_uint64_t)i, 0));
	}
	i = rc ? -1 : find_entry(z, "_stat.csv", ".csv");
	if (i >= 0) {
		buf_reset(&b);
		if (read_entry(z, i, MAX_CSV_BYTES, &b, err, sizeof err))
			rc = fail(in, "cannot read the statistics entry: %s", err);
		else
			rc = load_csv(in, b.data, b.len);
	}
	i = rc ? -1 : find_entry(z, "metadata.json", NULL);
	if (i >= 0) {
		buf_reset(&b);
		if (read_entry(z, i, MAX_META_BYTES, &b, err, sizeof err) == 0) {
			buf_u8(&b, 0);
			if (!b.failed)
				in->metadata = strdup((const char *)b.data);
		} else {
			log_warn("%s: metadata.json ignored: %s", in->path, err);
		}
	}
	if (!rc && !in->profile && !in->stats)
		rc = fail(in, "a zip without a jvmsnap snapshot (no .nps or .csv entry)%s", NULL);
	buf_free(&b);
	zip_discard(z); /* also frees the source */
	return rc;
}

static bool looks_like_csv(const uint8_t *d, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len && i < 4096; i++)
		if (d[i] == 0)
			return false;
	return memchr(d, ',', len < 4096 ? len : 4096) != NULL;
}

int cli_input_open(const char *path, unsigned want, cli_input *in)
{
	memset(in, 0, sizeof *in);
	in->path = path;
	buf file;
	buf_init(&file);
	char err[256] = "";
	int rc;
	if (read_all(path, &file, err, sizeof err)) {
		rc = fail(in, "%s", err);
	} else if (file.len >= 4 && !memcmp(file.data, "PK", 2)) {
		rc = load_zip(in, &file);
	} else if (file.len >= NPS_MAGIC_LEN && !memcmp(file.data, NPS_MAGIC, NPS_MAGIC_LEN)) {
		rc = load_nps(in, file.data, file.len);
	} else if (looks_like_csv(file.data, file.len)) {
		rc = load_csv(in, file.data, file.len);
	} else {
		rc = fail(in, "not a jvmsnap snapshot (expected a zip, a .nps or a statistics .csv)%s", NULL);
	}
	buf_free(&file);
	if (!rc && (want & CLI_WANT_PROFILE) && !in->profile)
		rc = fail(in, "holds no CPU snapshot (.nps)%s", NULL);
	if (!rc && (want & CLI_WANT_STATS) && !in->stats)
		rc = fail(in, "holds no statistics (.csv)%s", NULL);
	return rc;
}

void cli_input_close(cli_input *in)
{
	if (in->profile)
		snap_profile_free(in->profile);
	cli_stats_free(in->stats);
	free(in->nps_name);
	free(in->metadata);
	memset(in, 0, sizeof *in);
}
