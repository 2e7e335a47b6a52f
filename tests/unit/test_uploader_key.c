/* The S3 object key: the Lambda function's name comes from the configuration (read once,
 * config.c) and is passed in; without it, the host name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../jvmagent/uploader.h"
#include "../../jvmagent/window.h"

/* 2026-11-22T07:30:00Z */
enum { BEGIN_MS_HI = 1795332600 };

static void window_for(agent_window *w, snap_profile *p, const char *request_id)
{
	memset(w, 0, sizeof *w);
	memset(p, 0, sizeof *p);
	p->begin_ms = (int64_t)BEGIN_MS_HI * 1000;
	w->profile = p;
	w->seq = 3;
	snprintf(w->request_id, sizeof w->request_id, "%s", request_id);
}

static void test_function_name_is_passed_in(void **state)
{
	(void)state;
	agent_window w;
	snap_profile p;
	char key[512];
	window_for(&w, &p, "req-1");
	assert_int_equal(uploader_key("jvmsnap/", "my-fn", "/tmp/run.zip", &w, key, sizeof key), 0);
	assert_string_equal(key, "jvmsnap/my-fn/2026/11/22/run_req-1.zip");
}

static void test_host_name_without_a_function(void **state)
{
	(void)state;
	agent_window w;
	snap_profile p;
	char host[256], want[1024], key[1024];
	assert_int_equal(gethostname(host, sizeof host), 0);
	host[sizeof host - 1] = '\0';
	window_for(&w, &p, "");
	for (int i = 0; i < 2; i++) {
		/* unset, and set but empty: both mean the host */
		assert_int_equal(uploader_key("p/", i ? "" : NULL, "x.zip", &w, key, sizeof key), 0);
		snprintf(want, sizeof want, "p/%s/2026/11/22/x_p%ld_w3.zip", host[0] ? host : "unknown-host",
			 (long)getpid());
		assert_string_equal(key, want);
	}
}

/* SnapStart: restored copies share pid, window and start time; the init window's key must
 * still differ between them, so it takes the window's nonce, drawn when its zip is written.
 * One window keeps one key: the summary names the key the zip is uploaded under. */
static void test_lambda_init_window_key_takes_its_nonce(void **state)
{
	(void)state;
	agent_window w;
	snap_profile p;
	char a[512], b[512], c[512], want[512];
	window_for(&w, &p, "");
	w.key_nonce = uploader_key_nonce();
	assert_int_not_equal(w.key_nonce, 0);
	assert_int_equal(uploader_key("jvmsnap/", "my-fn", "/tmp/run.zip", &w, a, sizeof a), 0);
	assert_int_equal(uploader_key("jvmsnap/", "my-fn", "/tmp/run.zip", &w, b, sizeof b), 0);
	assert_string_equal(a, b);
	snprintf(want, sizeof want, "jvmsnap/my-fn/2026/11/22/run_p%ld_w3_%08x.zip", (long)getpid(),
		 (unsigned)w.key_nonce);
	assert_string_equal(a, want);
	uint32_t first = w.key_nonce;
	do /* another restored copy draws its own */
		w.key_nonce = uploader_key_nonce();
	while (w.key_nonce == first);
	assert_int_equal(uploader_key("jvmsnap/", "my-fn", "/tmp/run.zip", &w, c, sizeof c), 0);
	assert_string_not_equal(a, c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_function_name_is_passed_in),
	    cmocka_unit_test(test_host_name_without_a_function),
	    cmocka_unit_test(test_lambda_init_window_key_takes_its_nonce),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
