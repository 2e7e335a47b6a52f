/* Unit tests of the jvmsnap command's parts that need no snapshot file: the statistics
 * CSV reader (its limits and absent values), the metadata.json lister, method names,
 * HTML / JSON / terminal escaping, thread filters and the option parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include <cmocka.h>

#include "../../cli/cli.h"
#include "../../cli/fleet.h"

static cli_stats *parse(const char *text)
{
	cli_stats *s = NULL;
	char err[128] = "";
	if (cli_stats_parse((const uint8_t *)text, strlen(text), &s, err, sizeof err) != 0)
		return NULL;
	return s;
}

static void test_stats_basic(void **state)
{
	(void)state;
	cli_stats *s = parse("AbsoluteTime (ns),10,20\nRelativeTime (ns),0,10\nThread.main.1.State "
	                     "(state),RUNNABLE,null\n");
	assert_non_null(s);
	assert_int_equal(s->ncols, 2);
	assert_int_equal(s->nrows, 3);
	const cli_stat_row *r = cli_stats_find(s, "Thread.main.1.State (state)");
	assert_non_null(r);
	assert_string_equal(r->values[1], "null");
	double v;
	assert_true(cli_stats_number(cli_stats_find(s, "AbsoluteTime (ns)")->values[1], &v));
	assert_true(v == 20);
	assert_false(cli_stats_number("null", &v));
	assert_false(cli_stats_number("", &v));
	cli_stats_free(s);
}

/* IOpipe did not escape labels: a comma in a thread name shifts the cells. */
static void test_stats_comma_label(void **state)
{
	(void)state;
	cli_stats *s = parse(
	        "RelativeTime (ns),0,5\nThread.a,b.7.State (state),WAITING,RUNNABLE\nUpTime (ms),1,2\n");
	assert_non_null(s);
	assert_int_equal(s->ncols, 2);
	const cli_stat_row *r = cli_stats_find(s, "Thread.a,b.7.State (state)");
	assert_non_null(r);
	assert_string_equal(r->values[0], "WAITING");
	cli_stats_free(s);
}

/* Our own writer quotes such cells (libcsv); short rows are padded. */
static void test_stats_quoted_and_short(void **state)
{
	(void)state;
	cli_stats *s =
	        parse("RelativeTime (ns),0,5\n\"Thread.a,b.7.State (state)\",WAITING,RUNNABLE\nX (n),1\n");
	assert_non_null(s);
	assert_string_equal(cli_stats_find(s, "Thread.a,b.7.State (state)")->values[1], "RUNNABLE");
	assert_string_equal(cli_stats_find(s, "X (n)")->values[1], "");
	cli_stats_free(s);
}

static void test_stats_foreign(void **state)
{
	(void)state;
	assert_null(parse("name,age\nbob,3\n"));
	assert_null(parse(""));
	assert_null(parse("just one column\n"));
	assert_null(parse("\"unterminated,1,2\n"));
}

static void test_metadata(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	assert_true(cli_metadata_lines(
	        "{\"jvm\":{\"version\":\"17\",\"args\":[\"-Xmx1g\",2]},\"n\":3,\"u\":\"\\u00fc\"}", &b));
	buf_u8(&b, 0);
	assert_string_equal(
	        (const char *)b.data,
	        "  jvm.version: 17\n  jvm.args.0: -Xmx1g\n  jvm.args.1: 2\n  n: 3\n  u: \xc3\xbc\n");
	buf_reset(&b);
	assert_false(cli_metadata_lines("{\"a\":1,", &b));
	buf_reset(&b);
	assert_false(cli_metadata_lines("not json", &b));
	/* deep nesting is refused, not recursed into */
	char deep[200];
	memset(deep, '[', sizeof deep - 1);
	deep[sizeof deep - 1] = 0;
	buf_reset(&b);
	assert_false(cli_metadata_lines(deep, &b));
	buf_free(&b);
}

static void test_method_names(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	snap_method m = {"demo.Main", "run", "([Ljava/lang/String;I[[JLjava/util/List;)V"};
	cli_method_display(&m, &b);
	buf_u8(&b, 0);
	assert_string_equal((const char *)b.data, "demo.Main.run(String[], int, long[][], java.util.List)");
	buf_reset(&b);
	cli_method_short(&m, &b);
	buf_u8(&b, 0);
	assert_string_equal((const char *)b.data, "demo.Main.run");
	buf_reset(&b);
	snap_method bad = {"X", "y", "(L"};
	cli_method_display(&bad, &b); /* a broken descriptor still ends */
	buf_u8(&b, 0);
	assert_string_equal((const char *)b.data, "X.y()");
	buf_free(&b);
}

static void test_escaping(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	cli_json_string(&b, "a\"b\\</script>\n");
	buf_u8(&b, 0);
	assert_string_equal((const char *)b.data, "\"a\\\"b\\\\\\u003c/script\\u003e\\u000a\"");
	buf_reset(&b);
	cli_html_text(&b, "<a href='x'>&\"");
	buf_u8(&b, 0);
	assert_string_equal((const char *)b.data, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;");
	buf_free(&b);
}

static void test_option_values(void **state)
{
	(void)state;
	unsigned long n;
	assert_true(cli_parse_uint("25", 100, &n));
	assert_int_equal(n, 25);
	assert_false(cli_parse_uint("-1", 100, &n));
	assert_false(cli_parse_uint("101", 100, &n));
	assert_false(cli_parse_uint("3x", 100, &n));
	double p;
	assert_true(cli_parse_percent("0.5", &p));
	assert_false(cli_parse_percent("nan", &p));
	assert_false(cli_parse_percent("200", &p));
	cli_time t;
	assert_true(cli_parse_time("cpu", &t));
	assert_int_equal(t, CLI_TIME_CPU);
	assert_false(cli_parse_time("CPU", &t));
}

static void test_stats_present(void **state)
{
	(void)state;
	cli_stats *s = parse("RelativeTime (ns),0,1,2,3\n"
	                     "Thread.a.b.5.CPUTime (ns),0,100,300,0\n"
	                     "Thread.a.b.5.State (state),null,RUNNABLE,RUNNABLE,null\n"
	                     "Thread.c.6.CPUTime (ns),,500,,\n"
	                     "Thread.c.6.State (state),,BLOCKED,,\n"
	                     "Other (n),0,,1,2\n");
	assert_non_null(s);
	const cli_stat_row *ab = cli_stats_find(s, "Thread.a.b.5.CPUTime (ns)");
	assert_ptr_equal(ab->state, cli_stats_find(s, "Thread.a.b.5.State (state)"));
	bool want_ab[] = {false, true, true, false};
	for (size_t c = 0; c < 4; c++)
		assert_int_equal(cli_stats_present(ab, c), want_ab[c]);
	const cli_stat_row *c6 = cli_stats_find(s, "Thread.c.6.CPUTime (ns)");
	assert_true(cli_stats_present(c6, 1));
	assert_false(cli_stats_present(c6, 0));
	const cli_stat_row *o = cli_stats_find(s, "Other (n)");
	assert_null(o->state);
	assert_true(cli_stats_present(o, 0)); /* a measured 0 */
	assert_false(cli_stats_present(o, 1));
	cli_stats_free(s);
}

static void test_stats_limit(void **state)
{
	(void)state;
	/* One cell past the limit, all of it commas: refused, with the limit named. */
	size_t n = CLI_STATS_MAX_CELLS + 1;
	char *text = malloc(n + 32);
	assert_non_null(text);
	size_t len = (size_t)sprintf(text, "RelativeTime (ns)");
	memset(text + len, ',', n);
	len += n;
	text[len++] = '\n';
	cli_stats *s = NULL;
	char err[160] = "";
	assert_int_equal(cli_stats_parse((const uint8_t *)text, len, &s, err, sizeof err), -2);
	assert_null(s);
	assert_non_null(strstr(err, "more than the limit of 16777216"));
	/* At the limit (one label, the rest values): read. */
	len = (size_t)sprintf(text, "RelativeTime (ns)");
	memset(text + len, ',', CLI_STATS_MAX_CELLS - 1);
	len += CLI_STATS_MAX_CELLS - 1;
	assert_int_equal(cli_stats_parse((const uint8_t *)text, len, &s, err, sizeof err), 0);
	assert_int_equal(s->ncols, CLI_STATS_MAX_CELLS - 1);
	cli_stats_free(s);
	free(text);
}

static void test_terminal_escaping(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	const char raw[] = "a\x1b[2J\nb\r\x07\x7f\xc2\x9b" "c \xc3\xbc\xe7\xba\xbf \xff\x80";
	assert_string_equal(cli_term(&b, raw, sizeof raw - 1),
	                    "a\\x1b[2J\\x0ab\\x0d\\x07\\x7f\\u009bc \xc3\xbc\xe7\xba\xbf \\xff\\x80");
	assert_string_equal(cli_term(&b, "\xe7\xba", 2), "\\xe7\\xba"); /* cut short */
	buf_free(&b);
}

static void test_thread_filter(void **state)
{
	(void)state;
	cli_thread_filter f = {.text = "POOL-"};
	assert_true(cli_thread_match(&f, "pool-1-thread-2"));
	assert_false(cli_thread_match(&f, "main"));
	assert_true(cli_thread_match(NULL, "main"));
	cli_thread_filter all = {0};
	assert_true(cli_thread_match(&all, "anything"));
}

static bool flag_seen;
static bool set_flag(cli_args *a, const char *arg)
{
	(void)a;
	(void)arg;
	return flag_seen = true;
}
static void no_usage(FILE *f) { (void)f; }

/* The summary cache: a summary comes back under its key and ETag only, per scope; lines
 * that are cut or foreign are ignored. */
static void test_fleet_cache(void **state)
{
	(void)state;
	char dir[] = "/tmp/jvmsnap-cache-test.XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("XDG_CACHE_HOME", dir, 1);
	const char *sum = "{\"schema\":1,\"request_id\":\"r1\"}";
	fleet_cache *c = fleet_cache_open("http://h:1/b");
	assert_non_null(c);
	assert_null(fleet_cache_get(c, "k/a.json", "\"e1\""));
	fleet_cache_put(c, "k/a.json", "\"e1\"", sum);
	fleet_cache_put(c, "k/tab\t.json", "\"e1\"", sum); /* not cacheable: not stored */
	fleet_cache_close(c);
	char path[128];
	snprintf(path, sizeof path, "%s/jvmsnap/summaries.v1", dir);
	FILE *f = fopen(path, "a"); /* a cut line and a line that is not a summary */
	fputs("http://h:1/b\tk/b.json\t\"e2\"\t{\"schema\":1,\"x\"\nhttp://h:1/b\tk/c.json\t\"e3\"\tPK\n", f);
	fclose(f);
	c = fleet_cache_open("http://h:1/b");
	assert_string_equal(fleet_cache_get(c, "k/a.json", "\"e1\""), sum);
	assert_null(fleet_cache_get(c, "k/a.json", "\"e9\"")); /* rewritten object: new ETag */
	assert_null(fleet_cache_get(c, "k/b.json", "\"e2\""));
	assert_null(fleet_cache_get(c, "k/c.json", "\"e3\""));
	assert_null(fleet_cache_get(c, "k/tab\t.json", "\"e1\""));
	fleet_cache_close(c);
	c = fleet_cache_open("http://other/b"); /* another store: nothing */
	assert_null(fleet_cache_get(c, "k/a.json", "\"e1\""));
	fleet_cache_close(c);
	unlink(path);
	snprintf(path, sizeof path, "%s/jvmsnap", dir);
	rmdir(path);
	rmdir(dir);
	unsetenv("XDG_CACHE_HOME");
}

/* A command's second table (`more`): the fleet selection options write through `own`. */
static void test_args_fleet_table(void **state)
{
	(void)state;
	static const cli_command cmd = {"z", no_usage, CLI_OPT_OUTPUT, NULL, false, false, NULL, fleet_cli_opts};
	char *argv[] = {"z", "--since", "2026-12-01", "--parallel", "8", "s3://b/p/", "--cold", "--no-cache", NULL};
	fleet_options o = {0};
	cli_args a;
	assert_int_equal(cli_args_parse(&cmd, 8, argv, &o, &a), -1);
	assert_int_equal(o.since_ms, 1796083200000LL);
	assert_int_equal(o.parallel, 8);
	assert_int_equal(o.kind, FLEET_COLD);
	assert_true(o.no_cache);
	assert_string_equal(a.files[0], "s3://b/p/");
	cli_args_free(&a);
	char *bad[] = {"z", "--parallel", "65", "s3://b/", NULL};
	assert_int_equal(cli_args_parse(&cmd, 4, bad, &o, &a), CLI_EXIT_INPUT);
	fleet_options_free(&o);
}

static void test_args(void **state)
{
	(void)state;
	static const cli_opt own[] = {{"flag", 'f', false, NULL, set_flag}, {NULL, 0, false, NULL, NULL}};
	static const cli_command cmd = {"x", no_usage, CLI_OPT_THREAD | CLI_OPT_TIME | CLI_OPT_OUTPUT, own,
	                                false, false, NULL, NULL};
	char *argv[] = {"x", "in.zip", "-T", "/^w.*[0-9]$/", "--time", "wall", "-f", NULL};
	cli_args a;
	flag_seen = false;
	assert_int_equal(cli_args_parse(&cmd, 7, argv, NULL, &a), -1);
	assert_true(flag_seen);
	assert_int_equal(a.time, CLI_TIME_WALL);
	assert_string_equal(a.output, "-");
	assert_int_equal(a.nfiles, 1);
	assert_string_equal(a.files[0], "in.zip");
	assert_true(cli_thread_match(&a.thread, "worker-12"));
	assert_false(cli_thread_match(&a.thread, "Worker-1"));
	assert_false(cli_thread_match(&a.thread, "worker-x"));
	cli_args_free(&a);
	char *bad[] = {"x", "--thread-regex", "((", "in.zip", NULL};
	assert_int_equal(cli_args_parse(&cmd, 4, bad, NULL, &a), CLI_EXIT_INPUT);
	char *two[] = {"x", "a", "b", NULL};
	assert_int_equal(cli_args_parse(&cmd, 3, two, NULL, &a), CLI_EXIT_INPUT);
	static const cli_command req = {"y", no_usage, CLI_OPT_OUTPUT, NULL, true, true, "OUT", NULL};
	char *noout[] = {"y", "a", "b", NULL};
	assert_int_equal(cli_args_parse(&req, 3, noout, NULL, &a), CLI_EXIT_INPUT);
	char *without[] = {"y", "-o", "o.nps", "a", "b", NULL};
	assert_int_equal(cli_args_parse(&req, 5, without, NULL, &a), -1);
	assert_int_equal(a.nfiles, 2);
	assert_string_equal(a.output, "o.nps");
	cli_args_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_stats_basic),
	        cmocka_unit_test(test_stats_comma_label),
	        cmocka_unit_test(test_stats_quoted_and_short),
	        cmocka_unit_test(test_stats_foreign),
	        cmocka_unit_test(test_metadata),
	        cmocka_unit_test(test_method_names),
	        cmocka_unit_test(test_escaping),
	        cmocka_unit_test(test_option_values),
	        cmocka_unit_test(test_stats_present),
	        cmocka_unit_test(test_stats_limit),
	        cmocka_unit_test(test_terminal_escaping),
	        cmocka_unit_test(test_thread_filter),
	        cmocka_unit_test(test_args),
	        cmocka_unit_test(test_args_fleet_table),
	        cmocka_unit_test(test_fleet_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
