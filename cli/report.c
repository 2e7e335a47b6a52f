/* `jvmsnap report`: one self-contained HTML page with the flame graph and inline-SVG
 * charts of the statistics over the window: heap, each memory pool, GC count and time,
 * loaded classes and live threads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define MAX_SERIES 16

static void usage(FILE *f)
{
	fputs("Usage: jvmsnap report [options] FILE -o OUT.html\n"
	      "One self-contained HTML page (no network access): a summary, the flame graph and\n"
	      "charts of heap, each memory pool, GC count and time, loaded classes and thread\n"
	      "count over the window (from the snapshot's statistics).\n"
	      "\n"
	      "  -o, --output OUT     the HTML file ('-' for standard output)\n"
	      "  -t, --time wall|cpu  the flame graph's first time (default: cpu when measured)\n"
	      "      --title TEXT     the page title (default: the input's name)\n"
	      "  -h, --help           this help\n"
	      "\n"
	      "Example: jvmsnap report snapshot.zip -o report.html\n",
	      f);
}

typedef struct {
	const char *name;
	double *y; /* NAN = no value */
} series;

typedef struct {
	const cli_stats *s;
	double *x; /* ms since the first stats snapshot */
	buf *out;
	int charts;
} chart_ctx;

static const char *const COLORS[] = {"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd",
                                     "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

/* The row's values as numbers; -1 (unsupported) and text become NAN. false when the
 * row has no number at all. */
static bool row_values(const cli_stats *s, const cli_stat_row *r, double scale, double *y)
{
	bool any = false;
	for (size_t c = 0; c < s->ncols; c++) {
		double v;
		if (r && cli_stats_number(r->values[c], &v) && v != -1) {
			y[c] = v / scale;
			any = true;
		} else {
			y[c] = NAN;
		}
	}
	return any;
}

static void fmt_num(char *out, size_t n, double v)
{
	double a = fabs(v);
	if (a >= 1e6 || (a > 0 && a < 0.01))
		snprintf(out, n, "%.3g", v);
	else if (a >= 100 || v == floor(v))
		snprintf(out, n, "%.0f", v);
	else
		snprintf(out, n, "%.2f", v);
}

static void chart(chart_ctx *c, const char *title, const char *unit, const series *sv, size_t ns)
{
	const double W = 460, H = 220, L = 64, R = 12, T = 28, B = 54;
	size_t n = c->s->ncols;
	double ymin = INFINITY, ymax = -INFINITY, xmax = 0;
	for (size_t i = 0; i < ns; i++)
		for (size_t k = 0; k < n; k++)
			if (!isnan(sv[i].y[k])) {
				ymin = fmin(ymin, sv[i].y[k]);
				ymax = fmax(ymax, sv[i].y[k]);
			}
	if (!isfinite(ymin))
		return;
	for (size_t k = 0; k < n; k++)
		xmax = fmax(xmax, c->x[k]);
	if (ymin > 0)
		ymin = 0;
	if (ymax <= ymin)
		ymax = ymin + 1;
	/* Round the axis up to four "nice" steps (1, 2, 2.5 or 5 times a power of ten). */
	double raw = (ymax - ymin) / 4, mag = pow(10, floor(log10(raw))), step = 10 * mag;
	static const double nice[] = {1, 2, 2.5, 5};
	for (int i = 3; i >= 0; i--)
		if (nice[i] * mag >= raw)
			step = nice[i] * mag;
	ymin = floor(ymin / step) * step;
	ymax = ymin + 4 * step;
	if (xmax <= 0)
		xmax = 1;
	buf *o = c->out;
	c->charts++;
	buf_printf(
	        o,
	        "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\">"
	        "<title>",
	        W, H, W, H);
	cli_html_text(o, title);
	buf_append_str(o, "</title>");
	buf_printf(o, "<text x=\"%.0f\" y=\"18\" class=\"ct\">", L);
	cli_html_text(o, title);
	buf_printf(o, " (%s)</text>", unit);
	for (int g = 0; g <= 4; g++) {
		double v = ymin + (ymax - ymin) * g / 4, y = T + (H - T - B) * (1 - g / 4.0);
		char lab[32];
		fmt_num(lab, sizeof lab, v);
		buf_printf(o,
		           "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
		           "<text x=\"%.0f\" y=\"%.1f\" class=\"yl\">%s</text>",
		           L, W - R, y, y, L - 4, y + 4, lab);
	}
	char xl[32];
	fmt_num(xl, sizeof xl, xmax);
	buf_printf(o,
	           "<text x=\"%.0f\" y=\"%.0f\" class=\"xl\">0</text>"
	           "<text x=\"%.0f\" y=\"%.0f\" class=\"xl\" text-anchor=\"end\">%s ms</text>",
	           L, H - B + 14, W - R, H - B + 14, xl);
	for (size_t i = 0; i < ns; i++) {
		const char *col = COLORS[i % (sizeof COLORS / sizeof COLORS[0])];
		buf_printf(o, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", col);
		for (size_t k = 0; k < n; k++)
			if (!isnan(sv[i].y[k]))
				buf_printf(o, "%.1f,%.1f ", L + (W - L - R) * c->x[k] / xmax,
				           T + (H - T - B) * (1 - (sv[i].y[k] - ymin) / (ymax - ymin)));
		buf_append_str(o, "\"/>");
		for (size_t k = 0; k < n; k++)
			if (!isnan(sv[i].y[k]))
				buf_printf(o, "<circle r=\"2.5\" fill=\"%s\" cx=\"%.1f\" cy=\"%.1f\"/>", col,
				           L + (W - L - R) * c->x[k] / xmax,
				           T + (H - T - B) * (1 - (sv[i].y[k] - ymin) / (ymax - ymin)));
		double lx = L + (double)(i % 2) * (W - L) / 2, ly = H - B + 30 + floor((double)i / 2) * 13;
		if (ly < H - 2) {
			buf_printf(o,
			           "<rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"3\" fill=\"%s\"/>"
			           "<text x=\"%.0f\" y=\"%.0f\" class=\"lg\">",
			           lx, ly - 4, col, lx + 14, ly);
			cli_html_text(o, sv[i].name);
			buf_append_str(o, "</text>");
		}
	}
	buf_append_str(o, "</svg>\n");
}

/* Labels `prefix<item>suffix` in row order: one series each (at most MAX_SERIES). */
static size_t collect(const cli_stats *s, const char *prefix, const char *suffix, double scale, series *sv,
                      char **names, double *ys)
{
	size_t ns = 0, pl = strlen(prefix), sl = strlen(suffix);
	for (size_t i = 0; i < s->nrows && ns < MAX_SERIES; i++) {
		const char *l = s->rows[i].label;
		size_t ll = strlen(l);
		if (ll <= pl + sl || strncmp(l, prefix, pl) != 0 || strcmp(l + ll - sl, suffix) != 0)
			continue;
		double *y = ys + ns * s->ncols;
		if (!row_values(s, &s->rows[i], scale, y))
			continue;
		names[ns] = strndup(l + pl, ll - pl - sl);
		sv[ns].name = names[ns] ? names[ns] : "?";
		sv[ns].y = y;
		ns++;
	}
	return ns;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
}

/* On JDK 17 with G1 the MemoryMXBean reports 0 heap used until the first collection: a
 * flat line at 0 under a committed heap looks like a fault of ours, so say why. */
static void heap_note(const cli_stats *s, buf *out)
{
	const cli_stat_row *used = cli_stats_find(s, "Memory.Heap.used (byte)");
	const cli_stat_row *committed = cli_stats_find(s, "Memory.Heap.committed (byte)");
	size_t zero = 0;
	for (size_t k = 0; used && committed && k < s->ncols; k++) {
		double u, c;
		zero += cli_stats_number(used->values[k], &u) && cli_stats_number(committed->values[k], &c) && u == 0 &&
		        c > 0;
	}
	if (zero)
		buf_printf(out,
		           "<p class=\"note\" id=\"heap-note\">Heap used reads 0 in %zu of %zu stats snapshots while "
		           "committed does not. That is the JVM's own figure: with G1 (JDK 17) the MemoryMXBean "
		           "counts no used heap until the first garbage collection.</p>",
		           zero, s->ncols);
}

static void charts(const cli_stats *s, buf *out)
{
	size_t n = s->ncols;
	double *x = calloc(n, sizeof *x), *ys = calloc(n * (MAX_SERIES + 1), sizeof *ys);
	series sv[MAX_SERIES];
	char *names[MAX_SERIES];
	if (!x || !ys) {
		free(x);
		free(ys);
		out->failed = true;
		return;
	}
	const cli_stat_row *rel = cli_stats_find(s, "RelativeTime (ns)");
	for (size_t k = 0; k < n; k++) {
		double v;
		x[k] = rel && cli_stats_number(rel->values[k], &v) ? v / 1e6 : (double)k;
	}
	chart_ctx c = {s, x, out, 0};
	const double MB = 1024.0 * 1024.0;
	size_t ns = 0;

	const char *heap[] = {"Memory.Heap.used (byte)", "Memory.Heap.committed (byte)"};
	for (int i = 0; i < 2; i++)
		if (row_values(s, cli_stats_find(s, heap[i]), MB, ys + ns * n))
			sv[ns] = (series){i ? "committed" : "used", ys + ns * n}, ns++;
	buf_append_str(out, "<div class=\"chartbox\">");
	chart(&c, "Heap", "MiB", sv, ns);
	heap_note(s, out);
	buf_append_str(out, "</div>\n");

	/* Each memory pool: used and committed. */
	for (size_t r = 0; r < s->nrows; r++) {
		const char *l = s->rows[r].label, *suf = ".Usage.used (byte)";
		size_t ll = strlen(l), sl = strlen(suf);
		if (ll <= 8 + sl || strncmp(l, "MemPool.", 8) != 0 || strcmp(l + ll - sl, suf) != 0)
			continue;
		char *pool = strndup(l + 8, ll - 8 - sl);
		if (!pool)
			continue;
		size_t pl = strlen(pool);
		char *committed = malloc(8 + pl + sizeof ".Usage.committed (byte)");
		ns = 0;
		if (row_values(s, &s->rows[r], MB, ys))
			sv[ns] = (series){"used", ys}, ns++;
		if (committed) {
			sprintf(committed, "MemPool.%s.Usage.committed (byte)", pool);
			if (row_values(s, cli_stats_find(s, committed), MB, ys + n))
				sv[ns] = (series){"committed", ys + n}, ns++;
		}
		char title[300];
		snprintf(title, sizeof title, "Memory pool %s", pool);
		chart(&c, title, "MiB", sv, ns);
		free(committed);
		free(pool);
	}

	ns = collect(s, "GC.", ".Count (collections)", 1, sv, names, ys);
	chart(&c, "GC count", "collections", sv, ns);
	free_names(names, ns);
	ns = collect(s, "GC.", ".Time (ms)", 1, sv, names, ys);
	chart(&c, "GC time", "ms", sv, ns);
	free_names(names, ns);

	ns = 0;
	if (row_values(s, cli_stats_find(s, "CurrentLoadedClasses (classes)"), 1, ys))
		sv[ns] = (series){"loaded", ys}, ns++;
	chart(&c, "Loaded classes", "classes", sv, ns);

	/* Live threads: Thread.<k>.State rows with a state other than null / TERMINATED. */
	bool any = false;
	for (size_t k = 0; k < n; k++)
		ys[k] = 0;
	for (size_t r = 0; r < s->nrows; r++) {
		const char *l = s->rows[r].label, *suf = ".State (state)";
		size_t ll = strlen(l), sl = strlen(suf);
		if (ll <= 7 + sl || strncmp(l, "Thread.", 7) != 0 || strcmp(l + ll - sl, suf) != 0)
			continue;
		any = true;
		for (size_t k = 0; k < n; k++) {
			const char *v = s->rows[r].values[k];
			ys[k] += *v && strcmp(v, "null") != 0 && strcmp(v, "TERMINATED") != 0;
		}
	}
	if (any) {
		sv[0] = (series){"live threads", ys};
		chart(&c, "Threads", "count", sv, 1);
	}
	if (!c.charts)
		buf_append_str(out, "<p>The statistics hold none of the charted values.</p>\n");
	free(x);
	free(ys);
}

static void summary(const cli_input *in, buf *out)
{
	buf meta;
	buf_init(&meta);
	if (in->metadata)
		cli_metadata_lines(in->metadata, &meta); /* what it read, even when cut short */
	buf_append_str(out, "<table class=\"sum\">");
	if (in->profile) {
		const snap_profile *p = in->profile;
		char when[64] = "?", threads[160];
		time_t secs = (time_t)(p->begin_ms / 1000);
		struct tm tm;
		if (gmtime_r(&secs, &tm))
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
		buf_printf(out, "<tr><th>Window</th><td>%s, %lld ms</td></tr>", when,
		           (long long)(p->end_ms - p->begin_ms));
		buf_printf(out, "<tr><th>Threads</th><td>%s</td></tr><tr><th>Methods</th><td>%u</td></tr>",
		           cli_thread_count(p, &meta, threads, sizeof threads), p->nmethods ? p->nmethods - 1 : 0);
		uint32_t interval_us = cli_interval_us(p, &meta);
		if (interval_us)
			buf_printf(out, "<tr><th>Interval</th><td>%u µs requested</td></tr>", interval_us);
	}
	if (in->stats)
		buf_printf(out, "<tr><th>Statistics</th><td>%zu stats snapshots, %zu rows</td></tr>",
		           in->stats->ncols, in->stats->nrows);
	buf_append_str(out, "</table>\n");
	buf_free(&meta);
}

int cli_cmd_report(int argc, char **argv)
{
	static const cli_command REPORT = {"report", usage, CLI_OPT_OUTPUT | CLI_OPT_TIME | CLI_OPT_TITLE,
	                                   NULL,     false, true, "OUT.html", NULL};
	cli_args a;
	cli_input in;
	int rc = cli_command_begin(&REPORT, argc, argv, NULL, 0, &a, &in);
	if (rc >= 0)
		return rc;
	const char *title = a.title;
	cli_time tm = a.time;
	if (!title)
		title = cli_base_name(in.path);
	buf out;
	buf_init(&out);
	cli_html_begin(&out, title);
	buf_append_str(
	        &out, "<style>.sum th{text-align:left;padding-right:1em;font-weight:600}"
	              ".charts{display:flex;flex-wrap:wrap;gap:12px}"
	              "svg.chart{border:1px solid #ddd;background:#fff}"
	              "svg.chart .grid{stroke:#eee}svg.chart text{font:11px system-ui,sans-serif;fill:#444}"
	              "svg.chart .ct{font-weight:600;fill:#222}svg.chart .yl{text-anchor:end}"
	              ".chartbox{display:flex;flex-direction:column;max-width:462px}"
	              ".note{font-size:12px;color:#555;margin:4px 2px}</style>\n<h1>");
	cli_html_text(&out, title);
	buf_append_str(&out, "</h1>\n");
	summary(&in, &out);
	if (in.profile)
		cli_flame_html(&out, in.profile, "CPU profile", cli_use_cpu(in.profile, tm));
	else
		buf_append_str(&out, "<p>This file holds no CPU profile.</p>\n");
	buf_append_str(&out, "<h2>JVM statistics</h2>\n<div class=\"charts\">\n");
	if (in.stats)
		charts(in.stats, &out);
	else
		buf_append_str(&out, "<p>This snapshot holds no statistics.</p>\n");
	buf_append_str(&out, "</div>\n");
	cli_html_end(&out);
	return cli_command_end(CLI_EXIT_OK, &out, &in, &a);
}
