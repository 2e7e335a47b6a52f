/* The listing of a fleet's prefix (fleet.h), cut to the day folders a time window can
 * hold: keys are <root><yyyy>/<mm>/<dd>/<name> with the UTC date of the window's start
 * (docs/s3.md; <root> is <prefix><function>/), so `--since 1d` over a year of snapshots
 * lists two day folders per function instead of every key under the prefix.
 *
 * Only plain ListObjectsV2 parameters are used (prefix, start-after, max-keys), not the
 * delimiter, which some S3-compatible stores ignore: one page of keys names a root, its
 * days are listed, and the next page starts after that root. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet.h"

enum {
	PROBE_KEYS = 1000,       /* keys read to find the next root */
	MAX_DAYS = 400,          /* a longer window lists the whole prefix */
	DAY_MS = 86400000,
};

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* The length of a key's root (up to its "yyyy/mm/dd/" folders) plus one, or 0 when it has none. */
static size_t date_root(const char *key)
{
	for (size_t p = 0; key[p]; p++) {
		const char *d = key + p;
		if ((p == 0 || key[p - 1] == '/') && strlen(d) > 11 && digits(d, 4) && d[4] == '/' && digits(d + 5, 2) &&
		    d[7] == '/' && digits(d + 8, 2) && d[10] == '/')
			return p + 1;
	}
	return 0;
}

/* Moves the objects of `from` into `to`. */
static void take_objects(s3_object_list *to, s3_object_list *from)
{
	for (size_t i = 0; i < from->count; i++) {
		if (to->count == to->cap) {
			size_t cap = to->cap ? 2 * to->cap : 256;
			s3_object *grown = realloc(to->objects, cap * sizeof *grown);
			if (!grown)
				return; /* the rest is freed with `from` */
			to->objects = grown;
			to->cap = cap;
		}
		to->objects[to->count++] = from->objects[i];
		memset(&from->objects[i], 0, sizeof from->objects[i]);
	}
}

/* Lists each day folder of [since, until) under `root` (root_len bytes of a key). */
static int list_days(s3_fetcher *f, const char *key, size_t root_len, int64_t since, int64_t until,
		     s3_object_list *out, s3_result *res)
{
	int rc = S3_OK;
	for (int64_t day = since - since % DAY_MS; rc == S3_OK && day < until; day += DAY_MS) {
		time_t secs = (time_t)(day / 1000);
		struct tm tm;
		gmtime_r(&secs, &tm);
		char prefix[2048];
		snprintf(prefix, sizeof prefix, "%.*s%04d/%02d/%02d/", (int)root_len, key, tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday);
		rc = s3_fetch_list(f, prefix, NULL, 0, out, res);
	}
	return rc;
}

/* Root after root: one page names the next root, its days are listed, the next page starts
 * after it ("<root>" with its last '/' as '0' sorts after every key below the root). */
static int list_window(s3_fetcher *f, const char *prefix, int64_t since, int64_t until, s3_object_list *out,
		       s3_result *res)
{
	char after[2048] = "";
	int rc = S3_OK;
	for (bool more = true; rc == S3_OK && more;) {
		s3_object_list page = {0};
		rc = s3_fetch_list(f, prefix, after[0] ? after : NULL, PROBE_KEYS, &page, res);
		if (rc == S3_OK && after[0] && page.count && strcmp(page.objects[0].key, after) <= 0) {
			/* The store ignored start-after: walking on would never end. Everything instead. */
			s3_object_list_free(&page);
			s3_object_list_free(out);
			return s3_fetch_list(f, prefix, NULL, 0, out, res);
		}
		size_t i = 0, found = 0;
		while (rc == S3_OK && i < page.count && !(found = date_root(page.objects[i].key)))
			i++;
		size_t root = found ? found - 1 : 0;
		more = rc == S3_OK && (found || page.truncated) && page.count;
		if (more && !found) { /* a page without the layout: the next one */
			snprintf(after, sizeof after, "%s", page.objects[page.count - 1].key);
		} else if (more && (root == 0 || root < strlen(prefix) || root >= sizeof after - 1)) {
			/* the prefix reaches into the dates (or no root to skip): all of it */
			rc = s3_fetch_list(f, prefix, NULL, 0, out, res);
			more = false;
		} else if (more) {
			rc = list_days(f, page.objects[i].key, root, since, until, out, res);
			snprintf(after, sizeof after, "%.*s0", (int)root - 1, page.objects[i].key);
		}
		s3_object_list_free(&page);
	}
	return rc;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const s3_object *)a)->key, ((const s3_object *)b)->key);
}

int fleet_list(s3_fetcher *f, const char *prefix, const fleet_options *o, int64_t now_ms, s3_object_list *out,
	       s3_result *res)
{
	int64_t until = o->until_ms ? o->until_ms : now_ms + DAY_MS; /* clocks differ: today's folder */
	bool window = o->since_ms && until > o->since_ms && (until - o->since_ms) / DAY_MS <= MAX_DAYS;
	s3_object_list got = {0};
	int rc = window ? list_window(f, prefix, o->since_ms, until, &got, res)
			: s3_fetch_list(f, prefix, NULL, 0, &got, res);
	take_objects(out, &got);
	s3_object_list_free(&got);
	/* Listed day by day: sorted again, a zip and its summary are neighbours. */
	if (out->count)
		qsort(out->objects, out->count, sizeof *out->objects, by_key);
	return rc;
}
