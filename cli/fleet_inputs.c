/* s3://bucket/prefix wherever a command reads snapshots: the argument is replaced by the
 * zips its summaries select (the fleet options), downloaded in parallel into a private
 * temporary folder that is removed when the command ends. A zip that cannot be fetched or
 * is not a readable zip (truncated) is skipped, named and counted. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "../upload/s3_get.h"
#include "cli.h"
#include "fleet.h"

static bool is_fleet_option(const char *arg, bool *takes_value)
{
	static const struct option longs[] = {FLEET_LONG_OPTIONS, {NULL, 0, NULL, 0}};
	for (const struct option *o = longs; o->name; o++) {
		size_t n = strlen(o->name);
		if (strncmp(arg, "--", 2) || strncmp(arg + 2, o->name, n) || (arg[2 + n] && arg[2 + n] != '='))
			continue;
		*takes_value = o->has_arg == required_argument && !arg[2 + n];
		return true;
	}
	return false;
}

/* Downloads the selected zips of `set` into `dir`; their paths appended to `paths`. */
static size_t download(const fleet_s3 *s, const fleet_set *set, const char *dir, char **paths, size_t *npaths,
		       const fleet_options *o)
{
	s3_fetcher *f = s3_fetcher_new(&s->cfg, &s->cr);
	s3_fetch_item *items = calloc(set->count ? set->count : 1, sizeof *items);
	if (!f || !items) {
		s3_fetcher_free(f);
		free(items);
		return set->count;
	}
	for (size_t i = 0; i < set->count; i++)
		items[i].key = set->items[i].zip_key ? set->items[i].zip_key : "";
	s3_fetch_many(f, items, set->count, o->parallel ? o->parallel : FLEET_PARALLEL, 0,
		      o->quiet ? NULL : fleet_progress, (void *)"zips");
	size_t skipped = 0;
	for (size_t i = 0; i < set->count; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%06zu.zip", dir, i);
		zip_error_t ze;
		zip_error_init(&ze);
		zip_source_t *src = items[i].rc == S3_OK ? zip_source_buffer_create(items[i].body.data, items[i].body.len, 0, &ze) : NULL;
		zip_t *z = src ? zip_open_from_source(src, ZIP_CHECKCONS | ZIP_RDONLY, &ze) : NULL;
		const char *why = items[i].rc != S3_OK ? (items[i].res.error_code[0] ? items[i].res.error_code : items[i].res.error_message)
			          : !z ? "not a readable zip (truncated?)" : NULL;
		if (z)
			zip_discard(z);
		else if (src)
			zip_source_free(src);
		zip_error_fini(&ze);
		FILE *out = why ? NULL : fopen(path, "wb");
		if (!why && (!out || fwrite(items[i].body.data, 1, items[i].body.len, out) != items[i].body.len))
			why = "cannot be written to the temporary folder";
		if (out && fclose(out) != 0 && !why)
			why = "cannot be written to the temporary folder";
		if (why) {
			skipped++;
			fprintf(stderr, "jvmsnap: warning: s3://%s/%s skipped: %s\n", s->bucket, items[i].key, why);
		} else {
			paths[(*npaths)++] = strdup(path);
		}
		buf_free(&items[i].body);
	}
	free(items);
	s3_fetcher_free(f);
	return skipped;
}

/* The temporary folders of this process (diff has two sides), removed at exit. */
static char tmp_dirs[2][64];
static size_t tmp_files[2]; /* file names 000000.zip ... written in each (gaps: skipped zips) */
static int ntmp;

static void remove_tmp(void)
{
	for (int d = 0; d < ntmp; d++) {
		char path[192];
		for (size_t i = 0; i < tmp_files[d]; i++) { /* only the names this process used */
			snprintf(path, sizeof path, "%s/%06zu.zip", tmp_dirs[d], i);
			unlink(path);
		}
		rmdir(tmp_dirs[d]);
	}
}

int fleet_expand_inputs(int argc, char **argv, int *out_argc, char ***out_argv, size_t *skipped)
{
	fleet_options o = {0};
	int rc = -1;
	const char *source = NULL;
	char **args = calloc((size_t)argc + 1, sizeof *args);
	int n = 0;
	if (!args)
		return CLI_EXIT_FAIL;
	for (int i = 0; i < argc; i++) {
		bool value;
		if (i > 0 && is_fleet_option(argv[i], &value)) {
			const char *eq = strchr(argv[i], '=');
			struct option longs[] = {FLEET_LONG_OPTIONS, {NULL, 0, NULL, 0}};
			for (struct option *l = longs; l->name; l++)
				if (!strncmp(argv[i] + 2, l->name, strlen(l->name)) &&
				    (!argv[i][2 + strlen(l->name)] || argv[i][2 + strlen(l->name)] == '='))
					fleet_option(argv[0], l->val, eq ? eq + 1 : value && i + 1 < argc ? argv[i + 1] : "", &o, &rc);
			if (!strcmp(argv[i], "--quiet") && !strcmp(argv[0], "merge"))
				args[n++] = argv[i]; /* merge has its own --quiet (its progress bar) */
			i += value;
			continue;
		}
		if (fleet_is_s3(argv[i])) {
			if (source)
				rc = cli_usage_error(argv[0], "one s3:// source at a time");
			source = argv[i];
		}
		args[n++] = argv[i];
	}
	*skipped = 0;
	if (rc < 0 && !source) { /* no s3:// input: the command runs as it always did */
		*out_argc = argc;
		*out_argv = argv;
		free(args);
		fleet_options_free(&o);
		return -1;
	}
	fleet_set set = {0};
	fleet_s3 s = {0};
	if (rc < 0)
		rc = fleet_load(source, &o, &set);
	if (rc <= 0)
		rc = fleet_s3_open(source, &o, &s);
	if (rc <= 0 && set.count == 0) {
		fprintf(stderr, "jvmsnap: error: %s: no invocation matches the selection\n", source);
		rc = CLI_EXIT_INPUT;
	}
	char *tmp_dir = ntmp < 2 ? tmp_dirs[ntmp] : NULL;
	if (tmp_dir)
		snprintf(tmp_dir, sizeof tmp_dirs[0], "/tmp/jvmsnap-s3.XXXXXX");
	if (rc <= 0 && (!tmp_dir || !mkdtemp(tmp_dir))) {
		fprintf(stderr, "jvmsnap: error: cannot make a temporary folder in /tmp\n");
		rc = CLI_EXIT_FAIL;
	} else if (rc <= 0 && ntmp++ == 0) {
		atexit(remove_tmp);
	}
	char **paths = rc <= 0 ? calloc(set.count, sizeof *paths) : NULL;
	size_t npaths = 0;
	if (paths) {
		tmp_files[ntmp - 1] = set.count; /* before the download: an interrupted one is cleaned too */
		*skipped = download(&s, &set, tmp_dir, paths, &npaths, &o) + set.unreadable;
		char **all = realloc(args, ((size_t)n + npaths + 1) * sizeof *all);
		if (all) { /* the s3:// argument becomes the downloaded zips, in start-time order */
			args = all;
			int at = 0;
			while (args[at] != source)
				at++;
			memmove(args + at + npaths, args + at + 1, (size_t)(n - at - 1) * sizeof *args);
			memcpy(args + at, paths, npaths * sizeof *paths);
			n += (int)npaths - 1;
			args[n] = NULL;
			*out_argc = n;
			*out_argv = args;
			args = NULL;
			rc = npaths ? -1 : CLI_EXIT_INPUT;
			if (!npaths)
				fprintf(stderr, "jvmsnap: error: %s: none of the selected zips could be read\n", source);
		}
		free(paths);
	}
	free(args);
	fleet_s3_close(&s);
	fleet_set_free(&set);
	fleet_options_free(&o);
	return rc < 0 ? -1 : rc;
}
