/* `jvmsnap flame`: one self-contained HTML file with an interactive flame graph. The
 * page's style and script are compiled in (cli/assets/), the profile goes in as JSON,
 * and a Content-Security-Policy forbids every network access. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("Usage: jvmsnap flame [options] FILE -o OUT.html\n"
	      "Writes an interactive flame graph as a single HTML file that needs no network:\n"
	      "hover a frame for its method and times, click to zoom, search to highlight;\n"
	      "all threads merged, side by side, or one thread; wall clock or CPU time.\n"
	      "\n"
	      "  -o, --output OUT     the HTML file ('-' for standard output)\n"
	      "  -t, --time wall|cpu  the time shown first (default: cpu when measured)\n"
	      "      --title TEXT     the page title (default: the input's name)\n"
	      "  -h, --help           this help\n"
	      "\n"
	      "Example: jvmsnap flame snapshot.zip -o flame.html\n",
	      f);
}

static int thread_json(buf *out, const snap_profile *p, const snap_thread *th)
{
	nps_tree t;
	if (nps_tree_build(th->root, p->has_cpu, &t))
		return -1;
	buf_append_str(out, "{\"name\":");
	cli_json_string(out, th->name);
	buf_append_str(out, ",\"nodes\":[");
	for (uint32_t i = 0; i < t.count; i++) {
		const nps_tree_node *n = &t.nodes[i];
		buf_printf(out, "%s%u,%u,%llu,%llu,%llu,%llu", i ? "," : "", i ? n->node->method : 0,
		           n->depth, (unsigned long long)n->total_wall_us,
		           (unsigned long long)n->self_wall_us, (unsigned long long)n->total_cpu_us,
		           (unsigned long long)n->self_cpu_us);
	}
	buf_append_str(out, "]}");
	nps_tree_free(&t);
	return 0;
}

void cli_flame_html(buf *out, const snap_profile *p, const char *title, bool cpu)
{
	buf_append_str(out, "<style>");
	buf_append_str(out, cli_asset_flame_css);
	buf_append_str(out, "</style>\n<section class=\"jf\" id=\"jf-app\"><h2 class=\"jf-title\">");
	cli_html_text(out, title);
	buf_append_str(out, "</h2></section>\n<script type=\"application/json\" id=\"jf-data\">{\"hasCpu\":");
	buf_append_str(out, p->has_cpu ? "true" : "false");
	buf_append_str(out, ",\"cpu\":");
	buf_append_str(out, cpu ? "true" : "false");
	buf_append_str(out, ",\"methods\":[");
	buf name;
	buf_init(&name);
	for (uint32_t m = 0; m < p->nmethods; m++) {
		buf_reset(&name);
		cli_method_display(&p->methods[m], &name);
		buf_u8(&name, 0);
		if (m)
			buf_u8(out, ',');
		cli_json_string(out, name.failed ? "?" : (const char *)name.data);
	}
	buf_free(&name);
	buf_append_str(out, "],\"threads\":[");
	bool first = true;
	for (uint32_t t = 0; t < p->nthreads; t++) {
		if (!p->threads[t].root->child)
			continue; /* never sampled */
		if (!first)
			buf_u8(out, ',');
		first = false;
		if (thread_json(out, p, &p->threads[t]))
			out->failed = true;
	}
	buf_append_str(out, "]}</script>\n<script>");
	buf_append_str(out, cli_asset_flame_js);
	buf_append_str(out, "</script>\n");
}

/* The document around the body parts: charset, no-network policy, title. */
void cli_html_begin(buf *out, const char *title)
{
	buf_append_str(out,
	               "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	               "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
	               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	cli_html_text(out, title);
	buf_append_str(out, "</title>\n<meta name=\"generator\" content=\"jvmsnap\">\n"
	                    "<style>body{margin:8px 12px;font:13px/1.4 system-ui,sans-serif}"
	                    "h1{font-size:18px;margin:4px 0}h2{font-size:15px;margin:10px 0 4px}</style>\n"
	                    "</head><body>\n");
}

void cli_html_end(buf *out) { buf_append_str(out, "</body></html>\n"); }

const char *cli_base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

int cli_cmd_flame(int argc, char **argv)
{
	static const cli_command FLAME = {"flame", usage, CLI_OPT_OUTPUT | CLI_OPT_TIME | CLI_OPT_TITLE,
	                                  NULL,    false, true, "OUT.html", NULL};
	cli_args a;
	cli_input in;
	int rc = cli_command_begin(&FLAME, argc, argv, NULL, CLI_WANT_PROFILE, &a, &in);
	if (rc >= 0)
		return rc;
	const char *title = a.title;
	cli_time tm = a.time;
	if (!title)
		title = cli_base_name(in.path);
	buf out;
	buf_init(&out);
	cli_html_begin(&out, title);
	cli_flame_html(&out, in.profile, title, cli_use_cpu(in.profile, tm));
	cli_html_end(&out);
	return cli_command_end(CLI_EXIT_OK, &out, &in, &a);
}
