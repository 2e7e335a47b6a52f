/* s3_put_* without a server: failures before the first byte is sent, retries against a
 * port where nothing listens, and the time budget. Uploads to a real S3 emulator are in
 * tests/integration/30_s3_upload.sh. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../upload/s3.h"
#include "../../upload/s3_retry.h"

#include "fake_env.h"

static const char *const test_creds[] = {"AWS_ACCESS_KEY_ID", "AKID", "AWS_SECRET_ACCESS_KEY", "SECRET",
                                         NULL};

/* A bound but never listening socket: connecting to its port is refused at once. */
static int closed_port(int *fd)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof a;
	*fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*fd >= 0);
	assert_int_equal(bind(*fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

/* A client of 127.0.0.1:port with the credentials in `env`, stopped through `cancel` (may be NULL). */
static s3_client *client_for_port_cancel(int port, const char *const *env, const atomic_uint *cancel)
{
	static char endpoint[64];
	snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", port);
	fake_env = env;
	s3_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.bucket = "b";
	cfg.region = "us-east-1";
	cfg.endpoint = endpoint;
	cfg.getenv_fn = fake_getenv;
	cfg.cancel = cancel;
	s3_client *c = s3_client_new(&cfg);
	assert_non_null(c);
	return c;
}

static s3_client *client_for_port(int port, const char *const *env) { return client_for_port_cancel(port, env, NULL); }

static void test_unreachable_endpoint_is_retried_three_times(void **state)
{
	(void)state;
	int fd, port = closed_port(&fd);
	s3_client *c = client_for_port(port, test_creds);
	s3_result r;
	assert_int_equal(s3_put_buffer(c, "k.zip", "data", 4, 5000, &r), S3_ERR_NETWORK);
	assert_int_equal(r.attempts, S3_RETRY_MAX_ATTEMPTS);
	assert_int_equal(r.http_status, 0);
	assert_int_equal(r.size_bytes, 4);
	assert_true(r.elapsed_ms < 5000);
	assert_true(r.error_message[0] != '\0');
	/* a budget too small for a retry still gets one attempt, and stops there */
	assert_int_equal(s3_put_buffer(c, "k.zip", "data", 4, S3_RETRY_MIN_ATTEMPT_MS / 2, &r),
	                 S3_ERR_NETWORK);
	assert_int_equal(r.attempts, 1);
	s3_client_free(c);
	close(fd);
}

static void test_failures_before_sending(void **state)
{
	(void)state;
	int fd, port = closed_port(&fd);
	const char *none[] = {NULL};
	s3_client *c = client_for_port(port, none);
	s3_result r;
	assert_int_equal(s3_put_buffer(c, "k.zip", "data", 4, 1000, &r), S3_ERR_CREDENTIALS);
	assert_int_equal(r.attempts, 0);
	assert_non_null(strstr(r.error_message, "no AWS credentials"));
	s3_client_free(c);
	c = client_for_port(port, test_creds);
	assert_int_equal(s3_put_file(c, "k.zip", "/nonexistent/file.zip", 1000, &r), S3_ERR_FILE);
	assert_int_equal(r.attempts, 0);
	assert_non_null(strstr(r.error_message, "/nonexistent/file.zip"));
	assert_int_equal(s3_put_buffer(c, "", "data", 4, 1000, &r), S3_ERR_CONFIG);
	assert_int_equal(s3_put_buffer(c, "k", NULL, 4, 1000, &r), S3_ERR_CONFIG);
	assert_int_equal(s3_put_buffer(NULL, "k", "d", 1, 1000, &r), S3_ERR_CONFIG);
	s3_client_free(c);
	close(fd);
}

/* A listening socket nobody accepts on: the connection is made, and no answer ever comes,
 * as for a transfer whose connection a SnapStart snapshot left dead. */
static int silent_port(int *fd)
{
	int port = closed_port(fd);
	assert_int_equal(listen(*fd, 4), 0);
	return port;
}

static void *bump_later(void *arg)
{
	usleep(200 * 1000);
	atomic_fetch_add((atomic_uint *)arg, 1);
	return NULL;
}

static void test_cancel_stops_a_transfer_in_flight(void **state)
{
	(void)state;
	int fd, port = silent_port(&fd);
	atomic_uint cancel = 7;
	s3_client *c = client_for_port_cancel(port, test_creds, &cancel);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, bump_later, &cancel), 0);
	s3_result r;
	/* without the cancel: one attempt that times out, then retries, within 60 s */
	assert_int_equal(s3_put_buffer(c, "k.zip", "data", 4, 60000, &r), S3_ERR_ABORTED);
	pthread_join(t, NULL);
	assert_int_equal(r.attempts, 1);
	assert_non_null(strstr(r.error_message, "SnapStart"));
	/* the counter moved before this PUT began: it runs (and fails only for want of a server) */
	close(fd);
	assert_int_equal(s3_put_buffer(c, "k.zip", "data", 4, S3_RETRY_MIN_ATTEMPT_MS / 2, &r), S3_ERR_NETWORK);
	s3_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_unreachable_endpoint_is_retried_three_times),
	        cmocka_unit_test(test_failures_before_sending),
	        cmocka_unit_test(test_cancel_stops_a_transfer_in_flight),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
