/* Reading, filtering and ranking invocation summaries (fleet.h). */
#define _XOPEN_SOURCE 700
#include "fleet.h"

#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/clock.h"
#include "../upload/s3_get.h"
#include "cli.h"

enum { SUMMARY_MAX_BYTES = 64 * 1024 };

/* The value of "  key: value" in flattened lines, malloc'ed; NULL when absent. */
static char *flat_value(const char *lines, const char *key)
{
	size_t klen = strlen(key);
	for (const char *p = lines; p && *p;) {
		const char *nl = strchr(p, '\n');
		if (!strncmp(p, "  ", 2) && !strncmp(p + 2, key, klen) && !strncmp(p + 2 + klen, ": ", 2)) {
			const char *v = p + 4 + klen;
			return strndup(v, nl ? (size_t)(nl - v) : strlen(v));
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static int64_t flat_int(const char *lines, const char *key)
{
	char *v = flat_value(lines, key);
	int64_t r = v && strcmp(v, "null") ? strtoll(v, NULL, 10) : -1;
	free(v);
	return r;
}

static double flat_num(const char *lines, const char *key)
{
	char *v = flat_value(lines, key);
	double r = v && strcmp(v, "null") ? strtod(v, NULL) : -1;
	free(v);
	return r;
}

static char *flat_str(const char *lines, const char *key)
{
	char *v = flat_value(lines, key);
	if (v && !strcmp(v, "null")) {
		free(v);
		v = NULL;
	}
	return v;
}

bool fleet_summary_parse(const char *json, fleet_summary *s)
{
	memset(s, 0, sizeof *s);
	buf lines;
	buf_init(&lines);
	bool ok = cli_metadata_lines(json, &lines);
	buf_u8(&lines, 0);
	const char *l = lines.failed ? "" : (const char *)lines.data;
	ok = ok && flat_int(l, "schema") == 1;
	if (ok) {
		s->function = flat_str(l, "function");
		s->version = flat_str(l, "version");
		s->request_id = flat_str(l, "request_id");
		s->kind = flat_str(l, "kind");
		s->start = flat_str(l, "start");
		s->zip_key = flat_str(l, "zip_key");
		s->start_ms = flat_int(l, "start_ms");
		s->duration_ms = flat_int(l, "duration_ms");
		s->samples = flat_int(l, "samples");
		s->interval_us = flat_int(l, "interval_us");
		s->gc_count = flat_int(l, "gc_count");
		s->gc_ms = flat_int(l, "gc_ms");
		s->heap_used_max = flat_int(l, "heap_used_max");
		s->classes_loaded = flat_int(l, "classes_loaded");
		s->cpu_ms = flat_num(l, "cpu_ms");
		s->wall_ms = flat_num(l, "wall_ms");
		for (int i = 0; i < FLEET_TOP; i++) {
			char key[64];
			snprintf(key, sizeof key, "top_methods.%d.method", i);
			if (!(s->top_method[i] = flat_str(l, key)))
				break;
			snprintf(key, sizeof key, "top_methods.%d.self_ms", i);
			s->top_ms[i] = flat_num(l, key);
			s->ntop++;
		}
		size_t n = strlen(json);
		while (n && (json[n - 1] == '\n' || json[n - 1] == '\r'))
			n--;
		s->raw = strndup(json, n);
	}
	buf_free(&lines);
	return ok && s->raw;
}

void fleet_summary_free(fleet_summary *s)
{
	free(s->raw);
	free(s->location);
	free(s->function);
	free(s->version);
	free(s->request_id);
	free(s->kind);
	free(s->start);
	free(s->zip_key);
	for (int i = 0; i < s->ntop; i++)
		free(s->top_method[i]);
	memset(s, 0, sizeof *s);
}

static bool keep(const fleet_summary *s, const fleet_options *o)
{
	if ((o->since_ms && s->start_ms < o->since_ms) || (o->until_ms && s->start_ms >= o->until_ms))
		return false;
	if ((o->function && (!s->function || strcmp(o->function, s->function))) ||
	    (o->version && (!s->version || strcmp(o->version, s->version))) ||
	    (o->request_id && (!s->request_id || strcmp(o->request_id, s->request_id))))
		return false;
	if ((o->kind == FLEET_COLD && (!s->kind || strcmp(s->kind, "cold"))) ||
	    (o->kind == FLEET_WARM && (!s->kind || strcmp(s->kind, "warm"))))
		return false;
	if (!o->has_regex)
		return true;
	for (int i = 0; i < s->ntop; i++)
		if (regexec(&o->top_method, s->top_method[i], 0, NULL, 0) == 0)
			return true;
	return false;
}

/* Adds a parsed, selected summary to the set; false when it was not a summary. */
static bool add(fleet_set *set, size_t *cap, const char *text, const char *location, const fleet_options *o)
{
	fleet_summary s;
	if (!fleet_summary_parse(text, &s)) {
		fleet_summary_free(&s);
		return false;
	}
	if (keep(&s, o) && *cap == set->count) {
		fleet_summary *grown = realloc(set->items, (*cap ? 2 * *cap : 256) * sizeof s);
		if (grown) {
			set->items = grown;
			*cap = *cap ? 2 * *cap : 256;
		}
	}
	if (!keep(&s, o) || *cap == set->count) { /* not selected, or no memory */
		fleet_summary_free(&s);
		return true;
	}
	s.location = strdup(location);
	set->items[set->count++] = s;
	return true;
}

static int by_start(const void *a, const void *b)
{
	const fleet_summary *x = a, *y = b;
	if (x->start_ms != y->start_ms)
		return x->start_ms < y->start_ms ? -1 : 1;
	return strcmp(x->location, y->location);
}

static int by_duration(const void *a, const void *b)
{
	const fleet_summary *x = a, *y = b;
	if (x->duration_ms != y->duration_ms)
		return x->duration_ms > y->duration_ms ? -1 : 1;
	return by_start(a, b);
}

static bool ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);
	return n >= m && !memcmp(s + n - m, end, m);
}

/* Objects listed: zips and summaries are paired by name; a lone one is named. */
static size_t warn_unpaired(const s3_object_list *l, const char *bucket)
{
	size_t lone = 0;
	for (size_t i = 0; i < l->count; i++) {
		const char *k = l->objects[i].key;
		bool zip = ends_with(k, ".zip"), json = ends_with(k, ".json");
		if (!zip && !json)
			continue;
		size_t stem = strlen(k) - (zip ? 4 : 5);
		bool paired = false;
		for (size_t d = 1; d <= 2 && !paired; d++) { /* the partner sorts next to it */
			for (int dir = -1; dir <= 1; dir += 2) {
				size_t j = i + (size_t)(dir * (long)d);
				if (j >= l->count)
					continue;
				const char *o = l->objects[j].key;
				if (!strncmp(o, k, stem) && !strcmp(o + stem, zip ? ".json" : ".zip"))
					paired = true;
			}
		}
		if (!paired) {
			lone++;
			fprintf(stderr, "jvmsnap: warning: s3://%s/%s has no %s\n", bucket, k,
				zip ? "summary (.json): ls does not show it" : "zip: its snapshot is missing");
		}
	}
	return lone;
}

/* The scope of cached summaries: the store (endpoint, else AWS) and the bucket. */
static void cache_scope(const fleet_s3 *s, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", s->cfg.endpoint ? s->cfg.endpoint : "aws", s->bucket);
}

/* The listed summaries' texts: from the cache when known under their ETag, else fetched
 * (fetched[i] set: the caller remembers those that are summaries). items[i].body holds each. */
static void fetch_summaries(s3_fetcher *f, fleet_cache *c, const fleet_options *o, s3_fetch_item *items,
			    const s3_object **objs, bool *fetched, size_t n)
{
	s3_fetch_item *missing = calloc(n ? n : 1, sizeof *missing);
	size_t *where = calloc(n ? n : 1, sizeof *where), m = 0;
	for (size_t i = 0; i < n; i++) {
		const char *hit = fleet_cache_get(c, objs[i]->key, objs[i]->etag);
		buf_init(&items[i].body);
		items[i].rc = hit ? S3_OK : S3_ERR_NOMEM;
		if (hit)
			buf_append(&items[i].body, hit, strlen(hit));
		else if (missing && where)
			where[m] = i, missing[m++].key = items[i].key;
	}
	if (missing && where)
		s3_fetch_many(f, missing, m, o->parallel ? o->parallel : FLEET_PARALLEL, SUMMARY_MAX_BYTES,
			      o->quiet ? NULL : fleet_progress, (void *)"summaries");
	for (size_t j = 0; missing && where && j < m; j++) {
		items[where[j]] = missing[j];
		fetched[where[j]] = true;
	}
	free(missing);
	free(where);
}

static int load_s3(const char *source, const fleet_options *o, fleet_set *set)
{
	fleet_s3 s;
	int rc = fleet_s3_open(source, o, &s);
	s3_fetcher *f = rc ? NULL : s3_fetcher_new(&s.cfg, &s.cr);
	if (!rc && !f) {
		fprintf(stderr, "jvmsnap: error: %s: invalid S3 endpoint, region or bucket\n", source);
		rc = CLI_EXIT_INPUT;
	}
	s3_object_list l = {0};
	s3_result res;
	int src = rc ? S3_OK : fleet_list(f, s.prefix, o, clock_epoch_ms(), &l, &res);
	if (src != S3_OK) {
		fleet_s3_error(&s, "listing", src, &res);
		rc = CLI_EXIT_INPUT;
	}
	size_t n = 0, cap = 0;
	s3_fetch_item *items = rc ? NULL : calloc(l.count ? l.count : 1, sizeof *items);
	const s3_object **objs = rc ? NULL : calloc(l.count ? l.count : 1, sizeof *objs);
	bool *fetched = rc ? NULL : calloc(l.count ? l.count : 1, sizeof *fetched);
	char scope[4352];
	cache_scope(&s, scope, sizeof scope);
	fleet_cache *cache = rc || o->no_cache ? NULL : fleet_cache_open(scope);
	if (!rc && items && objs && fetched) {
		warn_unpaired(&l, s.bucket);
		for (size_t i = 0; i < l.count; i++)
			if (ends_with(l.objects[i].key, ".json")) {
				objs[n] = &l.objects[i];
				items[n++].key = l.objects[i].key;
			}
		fetch_summaries(f, cache, o, items, objs, fetched, n);
	}
	for (size_t i = 0; i < n; i++) {
		char loc[2048];
		snprintf(loc, sizeof loc, "s3://%s/%s", s.bucket, items[i].key);
		buf_u8(&items[i].body, 0);
		bool ok = items[i].rc == S3_OK && !items[i].body.failed &&
			  add(set, &cap, (const char *)items[i].body.data, loc, o);
		if (ok && fetched[i])
			fleet_cache_put(cache, items[i].key, objs[i]->etag, (const char *)items[i].body.data);
		if (!ok) {
			set->unreadable++;
			fprintf(stderr, "jvmsnap: warning: %s: %s\n", loc,
				items[i].rc != S3_OK ? (items[i].res.error_code[0] ? items[i].res.error_code
										    : items[i].res.error_message)
						     : "not a jvmsnap summary");
		}
		buf_free(&items[i].body);
	}
	fleet_cache_close(cache);
	free(items);
	free(objs);
	free(fetched);
	s3_object_list_free(&l);
	s3_fetcher_free(f);
	fleet_s3_close(&s);
	return rc;
}

/* nftw has no context argument: the walk's state, for one walk at a time. */
static struct {
	fleet_set *set;
	size_t cap;
	const fleet_options *o;
} walk;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_F || !ends_with(path, ".json") || st->st_size > SUMMARY_MAX_BYTES)
		return 0;
	FILE *f = fopen(path, "r");
	char text[SUMMARY_MAX_BYTES + 1];
	size_t n = f ? fread(text, 1, SUMMARY_MAX_BYTES, f) : 0;
	if (f)
		fclose(f);
	text[n] = '\0';
	if (strncmp(text, "{\"schema\":", 10) == 0 && !add(walk.set, &walk.cap, text, path, walk.o)) {
		walk.set->unreadable++;
		fprintf(stderr, "jvmsnap: warning: %s: not a jvmsnap summary\n", path);
	}
	return 0;
}

int fleet_load(const char *source, const fleet_options *o, fleet_set *set)
{
	memset(set, 0, sizeof *set);
	int rc;
	if (fleet_is_s3(source)) {
		rc = load_s3(source, o, set);
	} else {
		walk.set = set;
		walk.cap = 0;
		walk.o = o;
		rc = nftw(source, visit, 16, FTW_PHYS) == 0 ? 0 : CLI_EXIT_INPUT;
		if (rc)
			fprintf(stderr, "jvmsnap: error: %s: cannot read the folder\n", source);
	}
	if (rc)
		return rc;
	qsort(set->items, set->count, sizeof *set->items, o->slowest ? by_duration : by_start);
	if (o->slowest && set->count > o->slowest) {
		for (size_t i = o->slowest; i < set->count; i++)
			fleet_summary_free(&set->items[i]);
		set->count = o->slowest;
	}
	return 0;
}

void fleet_set_free(fleet_set *s)
{
	for (size_t i = 0; i < s->count; i++)
		fleet_summary_free(&s->items[i]);
	free(s->items);
	memset(s, 0, sizeof *s);
}

bool fleet_is_s3(const char *source) { return strncmp(source, "s3://", 5) == 0; }
