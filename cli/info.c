/* `jvmsnap info`: what a snapshot holds, in one screen. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("Usage: jvmsnap info [options] FILE\n"
	      "Window, duration, threads, sampling interval, JVM and agent metadata (when the\n"
	      "zip has metadata.json), statistics and the five hottest methods.\n"
	      "\n"
	      "  -t, --time wall|cpu  time for the hottest methods (default: cpu when measured)\n"
	      "  -h, --help           this help\n"
	      "\n"
	      "Example: jvmsnap info snapshot.zip\n",
	      f);
}

static void format_utc(int64_t ms, char *out, size_t n)
{
	time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;
	if (!gmtime_r(&secs, &tm) || !strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm)) {
		snprintf(out, n, "?");
		return;
	}
	size_t len = strlen(out);
	snprintf(out + len, n - len, ".%03d UTC", (int)(((ms % 1000) + 1000) % 1000));
}

static void print_profile(const cli_input *in, const buf *meta, bool cpu)
{
	const snap_profile *p = in->profile;
	char from[48], to[48];
	format_utc(p->begin_ms, from, sizeof from);
	format_utc(p->end_ms, to, sizeof to);
	printf("window:      %s to %s (%lld ms)\n", from, to, (long long)(p->end_ms - p->begin_ms));
	char achieved[64], samples[64], line[160];
	uint32_t interval_us = cli_interval_us(p, meta);
	if (interval_us)
		printf("interval:    %u us requested", interval_us);
	else
		printf("interval:    requested interval not recorded");
	if (cli_metadata_value(meta, "interval_achieved_us", achieved, sizeof achieved))
		printf(", %s us achieved", achieved);
	putchar('\n');
	if (cli_metadata_value(meta, "samples", samples, sizeof samples))
		printf("samples:     %s\n", samples);
	printf("CPU times:   %s\n", p->has_cpu ? "measured" : "not measured");

	printf("methods:     %u\n", p->nmethods ? p->nmethods - 1 : 0);
	printf("threads:     %s\n", cli_thread_count(p, meta, line, sizeof line));
	printf("  %12s %12s  %s\n", "wall ms", "CPU ms", "name");
	buf esc;
	buf_init(&esc);
	for (uint32_t t = 0; t < p->nthreads; t++) {
		nps_tree tr;
		uint64_t wall = 0, cpu_us = 0;
		if (nps_tree_build(p->threads[t].root, p->has_cpu, &tr) == 0) {
			wall = tr.nodes[0].total_wall_us;
			cpu_us = tr.nodes[0].total_cpu_us;
			nps_tree_free(&tr);
		}
		const char *name = cli_term(&esc, p->threads[t].name, strlen(p->threads[t].name));
		if (p->has_cpu)
			printf("  %12.3f %12.3f  %s\n", cli_ms(wall), cli_ms(cpu_us), name);
		else
			printf("  %12.3f %12s  %s\n", cli_ms(wall), "-", name);
	}

	size_t n;
	uint64_t sum;
	cli_hotspot *h = cli_hotspots(p, NULL, cpu, false, &n, &sum);
	printf("hottest methods (self %s time):\n", cpu ? "CPU" : "wall");
	buf name;
	buf_init(&name);
	for (size_t i = 0; h && i < n && i < 5 && h[i].self_us; i++) { /* sampled as the top */
		buf_reset(&name);
		cli_method_display(&p->methods[h[i].method], &name);
		printf("  %12.3f ms %5.1f%%  %s\n", cli_ms(h[i].self_us),
		       sum ? 100.0 * (double)h[i].self_us / (double)sum : 0.0,
		       cli_term(&esc, (const char *)name.data, name.len));
	}
	if (h && (!n || !h[0].self_us))
		printf("  (no samples)\n");
	buf_free(&name);
	buf_free(&esc);
	free(h);
}

/* metadata.json's flattened lines, each escaped for the terminal. */
static void print_lines(const buf *lines)
{
	buf esc;
	buf_init(&esc);
	const char *s = lines->data ? (const char *)lines->data : "";
	for (const char *end = s + lines->len, *nl; s < end; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			nl = end;
		printf("%s\n", cli_term(&esc, s, (size_t)(nl - s)));
	}
	buf_free(&esc);
}

int cli_cmd_info(int argc, char **argv)
{
	static const cli_command INFO = {"info", usage, CLI_OPT_TIME, NULL, false, false, NULL, NULL};
	cli_args a;
	int orc = cli_args_parse(&INFO, argc, argv, NULL, &a);
	if (orc >= 0)
		return orc;
	cli_time t = a.time;
	cli_input in;
	int rc = cli_input_open(a.files[0], 0, &in);
	buf meta;
	buf_init(&meta);
	bool meta_ok = in.metadata && cli_metadata_lines(in.metadata, &meta);
	if (!rc) {
		buf esc;
		buf_init(&esc);
		printf("file:        %s", cli_term(&esc, in.path, strlen(in.path)));
		if (in.nps_name)
			printf(" (%s)", cli_term(&esc, in.nps_name, strlen(in.nps_name)));
		putchar('\n');
		buf_free(&esc);
		if (in.profile)
			print_profile(&in, &meta, cli_use_cpu(in.profile, t));
		else
			printf("CPU profile: none\n");
		if (in.stats)
			printf("statistics:  %zu snapshots, %zu rows\n", in.stats->ncols, in.stats->nrows);
		else
			printf("statistics:  none\n");
		if (in.metadata) {
			printf("metadata:\n");
			print_lines(&meta);
			if (!meta_ok)
				printf("  (metadata.json is not valid JSON; shown up to the error)\n");
		}
	}
	buf_free(&meta);
	cli_input_close(&in);
	cli_args_free(&a);
	return rc;
}
