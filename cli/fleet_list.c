/* The listing of a fleet's prefix (fleet.h), pruned to the date folders a time window can
 * hold: keys are <prefix><function>/<yyyy>/<mm>/<dd>/<name> with the UTC date of the
 * window's start (docs/s3.md), so `--since 1d` over a year of snapshots lists a couple of
 * day folders instead of every key under the prefix. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet.h"

/* Folders above the year folders walked before giving up on pruning (bucket/jvmsnap/<function>/). */
enum { NAME_DEPTH = 3 };

/* The last folder name of "a/b/c/" as digits: its value, or -1 when not `width` digits. */
static int folder_number(const char *prefix, size_t width)
{
	size_t n = strlen(prefix);
	if (n < width + 1 || prefix[n - 1] != '/' || (n > width + 1 && prefix[n - width - 2] != '/'))
		return -1;
	int v = 0;
	for (size_t i = n - width - 1; i < n - 1; i++) {
		if (prefix[i] < '0' || prefix[i] > '9')
			return -1;
		v = v * 10 + prefix[i] - '0';
	}
	return v;
}

/* [start, end) in epoch ms of a year (month 0, day 0), a month (day 0) or a day. */
static void span(int year, int month, int day, int64_t *start, int64_t *end)
{
	struct tm a = {.tm_year = year - 1900, .tm_mon = month ? month - 1 : 0, .tm_mday = day ? day : 1};
	struct tm b = a;
	if (day)
		b.tm_mday++;
	else if (month)
		b.tm_mon++;
	else
		b.tm_year++;
	*start = (int64_t)timegm(&a) * 1000;
	*end = (int64_t)timegm(&b) * 1000;
}

static bool overlaps(const fleet_options *o, int64_t start, int64_t end)
{
	return (!o->until_ms || start < o->until_ms) && (!o->since_ms || end > o->since_ms);
}

typedef struct {
	s3_fetcher *f;
	const fleet_options *o;
	s3_object_list *out;
	s3_result *res;
	size_t requests;
} walk;

/* Moves the objects of `from` into w->out (prefixes are the caller's). */
static void take_objects(walk *w, s3_object_list *from)
{
	for (size_t i = 0; i < from->count; i++) {
		s3_object_list *l = w->out;
		if (l->count == l->cap) {
			size_t cap = l->cap ? 2 * l->cap : 256;
			s3_object *grown = realloc(l->objects, cap * sizeof *grown);
			if (!grown)
				continue; /* freed with `from` */
			l->objects = grown;
			l->cap = cap;
		}
		l->objects[l->count++] = from->objects[i];
		memset(&from->objects[i], 0, sizeof from->objects[i]);
	}
}

/* Lists `prefix` one level deep, or fully when delimiter is NULL. */
static int list_level(walk *w, const char *prefix, const char *delimiter, s3_object_list *level)
{
	w->requests++;
	return s3_fetch_list(w->f, prefix, delimiter, level, w->res);
}

/* depth: NAME_DEPTH.. above the date, then 'y' (in a year), 'm' (in a month). */
static int descend(walk *w, const char *prefix, int depth, int year, int month)
{
	if (depth == 0)
		return list_level(w, prefix, NULL, w->out);
	s3_object_list level = {0};
	int rc = list_level(w, prefix, "/", &level);
	take_objects(w, &level);
	for (size_t i = 0; rc == S3_OK && i < level.nprefixes; i++) {
		const char *child = level.prefixes[i];
		int64_t start, end;
		int y = folder_number(child, 4), m = folder_number(child, 2);
		if (year == 0 && y >= 1970) { /* a year folder */
			span(y, 0, 0, &start, &end);
			if (overlaps(w->o, start, end))
				rc = descend(w, child, 2, y, 0);
		} else if (year && !month && m >= 1 && m <= 12) {
			span(year, m, 0, &start, &end);
			if (overlaps(w->o, start, end))
				rc = descend(w, child, 1, year, m);
		} else if (year && month && m >= 1 && m <= 31) {
			span(year, month, m, &start, &end);
			if (overlaps(w->o, start, end))
				rc = list_level(w, child, NULL, w->out);
		} else { /* not the date layout: everything below it */
			rc = year ? list_level(w, child, NULL, w->out) : descend(w, child, depth - 1, 0, 0);
		}
	}
	s3_object_list_free(&level);
	return rc;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const s3_object *)a)->key, ((const s3_object *)b)->key);
}

int fleet_list(s3_fetcher *f, const char *prefix, const fleet_options *o, s3_object_list *out, s3_result *res,
	       size_t *requests)
{
	walk w = {f, o, out, res, 0};
	int rc = o->since_ms || o->until_ms ? descend(&w, prefix, NAME_DEPTH, 0, 0) : list_level(&w, prefix, NULL, out);
	/* The walk lists folder by folder: sorted again, a zip and its summary are neighbours. */
	if (out->count)
		qsort(out->objects, out->count, sizeof *out->objects, by_key);
	*requests = w.requests;
	return rc;
}
