/* coldstart: the brackets read this thread's CPU clock, and the init-end line says what was
 * measured and what was not (statistics not started, no first column yet), only in debug. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../common/log.h"
#include "../../jvmagent/coldstart.h"

/* Spins until this thread's CPU clock has moved past `from` (bounded: a clock that never
 * moves fails the test instead of hanging it). */
static void burn_past(uint64_t from)
{
	volatile uint64_t x = 0;
	for (long i = 0; i < 2000000000L && coldstart_thread_cpu_ns() <= from + 100000; i++)
		x += (uint64_t)i;
	assert_true(coldstart_thread_cpu_ns() > from);
}

/* What coldstart_report prints, captured from stderr. */
static char *report_text(const coldstart_costs *c, uint64_t start_mono_ns)
{
	char path[] = "/tmp/jvmsnap-test-coldstart.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	coldstart_report(c, "init end", 3000000, 1000000, start_mono_ns);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	static char text[1024];
	ssize_t n = pread(fd, text, sizeof text - 1, 0);
	text[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return text;
}

static void test_brackets_read_the_main_threads_clock(void **state)
{
	(void)state;
	coldstart_costs c;
	memset(&c, 0, sizeof c);
	coldstart_load_begin(&c);
	burn_past(coldstart_thread_cpu_ns());
	coldstart_load_end(&c);
	assert_true(c.load_cpu_ns > 0);
	coldstart_vm_init_begin(&c);
	burn_past(coldstart_thread_cpu_ns());
	coldstart_vm_init_end(&c);
	assert_true(atomic_load(&c.vm_init_cpu_ns) > 0);
	assert_true(c.has_main_clock);
}

static void test_report_before_statistics(void **state)
{
	(void)state;
	coldstart_costs c;
	memset(&c, 0, sizeof c);
	log_set_debug(true);
	const char *t = report_text(&c, 0);
	assert_non_null(strstr(t, "jvmsnap: debug: CPU at init end: process "));
	assert_non_null(strstr(t, "agent thread 3.0 ms (sampling 1.0 ms)"));
	assert_non_null(strstr(t, "statistics start 0.0 ms (not done; 0 ms wall), no first column yet"));
	log_set_debug(false);
}

static void test_report_after_statistics(void **state)
{
	(void)state;
	coldstart_costs c;
	memset(&c, 0, sizeof c);
	coldstart_stats_started(&c, 25000000, 40000000);
	coldstart_first_column(&c, 20000000);
	log_set_debug(true);
	const char *t = report_text(&c, c.first_column_at_ns - 300000000u);
	assert_non_null(strstr(t, "statistics start 25.0 ms (40 ms wall), first column 20.0 ms, taken 300 ms after "
				  "the agent's load"));
	log_set_debug(false);
	assert_string_equal(report_text(&c, 0), ""); /* debug off: nothing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_brackets_read_the_main_threads_clock),
	        cmocka_unit_test(test_report_before_statistics),
	        cmocka_unit_test(test_report_after_statistics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
