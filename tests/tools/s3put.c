/* s3put: uploads files with the upload/ module, for integration tests and by hand.
 *
 *   s3put [--endpoint URL] [--bucket B] [--region R] [--budget-ms N] [--timeout-ms N]
 *         [--connect-timeout-ms N] [--clock-offset-ms N] [--content-type T] KEY FILE [KEY FILE...]
 *   s3put --key PREFIX NAME EPOCH_MS ZIP_NAME      (prints the object key)
 *
 * Defaults come from the IOPIPE_PROFILER_S3_* variables, read as the agent reads them
 * (jvmagent/config.c, agent_config_s3); so does IOPIPE_PROFILER_DEBUG; credentials
 * from the environment or the container endpoint. One result line per upload on stdout:
 * key=... rc=... status=... code=... attempts=... bytes=... elapsed_ms=... new_connections=...
 * etag=... message=...  Exit 0 when every upload succeeded, 1 otherwise, 2 on bad usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../common/clock.h"
#include "../../common/log.h"
#include "../../jvmagent/config_s3.h"
#include "../../upload/s3.h"

static int usage(void)
{
	fprintf(stderr, "usage: s3put [--endpoint URL] [--bucket B] [--region R] [--budget-ms N]\n"
	                "             [--timeout-ms N] [--connect-timeout-ms N] [--clock-offset-ms N]\n"
	                "             [--content-type T] KEY FILE [KEY FILE...]\n"
	                "       s3put --key PREFIX NAME EPOCH_MS ZIP_NAME\n");
	return 2;
}

static int parse_long(const char *s, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

static int64_t offset_clock(void *ctx) { return clock_epoch_ms() + *(const long *)ctx; }

static const char *env_lookup(const char *name) { return getenv(name); }

static int print_key(char **argv)
{
	long epoch_ms;
	char key[1024];
	if (parse_long(argv[2], &epoch_ms) != 0 ||
	    s3_object_key(key, sizeof key, argv[0], argv[1], epoch_ms, argv[3]) != 0)
		return usage();
	printf("%s\n", key);
	return 0;
}

static int upload_all(s3_client *c, char **pairs, int n, long budget_ms)
{
	int failures = 0;
	for (int i = 0; i + 1 < n; i += 2) {
		s3_result r;
		int rc = s3_put_file(c, pairs[i], pairs[i + 1], budget_ms, &r);
		printf("key=%s rc=%d status=%ld code=%s attempts=%d bytes=%lld elapsed_ms=%ld "
		       "new_connections=%ld etag=%s message=%s\n",
		       pairs[i], rc, r.http_status, r.error_code, r.attempts, (long long)r.size_bytes,
		       r.elapsed_ms, r.new_connections, r.etag, r.error_message);
		if (rc != 0) {
			log_warn("s3put: %s: %s", pairs[i], s3_strerror(rc));
			failures++;
		}
	}
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "--key") == 0)
		return print_key(argv + 2);
	agent_config settings;
	agent_config_load(&settings, NULL, env_lookup);
	s3_config cfg;
	agent_config_s3(&settings, NULL, &cfg);
	long budget_ms = 0, offset_ms = 0;
	int i = 1;
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		const char *opt = argv[i], *val = argv[i + 1];
		int bad = 0;
		if (strcmp(opt, "--endpoint") == 0)
			cfg.endpoint = val;
		else if (strcmp(opt, "--bucket") == 0)
			cfg.bucket = val;
		else if (strcmp(opt, "--region") == 0)
			cfg.region = val;
		else if (strcmp(opt, "--content-type") == 0)
			cfg.content_type = val;
		else if (strcmp(opt, "--budget-ms") == 0)
			bad = parse_long(val, &budget_ms);
		else if (strcmp(opt, "--timeout-ms") == 0)
			bad = parse_long(val, &cfg.attempt_timeout_ms);
		else if (strcmp(opt, "--connect-timeout-ms") == 0)
			bad = parse_long(val, &cfg.connect_timeout_ms);
		else if (strcmp(opt, "--clock-offset-ms") == 0)
			bad = parse_long(val, &offset_ms);
		else
			bad = 1;
		if (bad) {
			agent_config_free(&settings);
			return usage();
		}
	}
	if (argc - i < 2 || (argc - i) % 2 != 0) {
		agent_config_free(&settings);
		return usage();
	}
	if (offset_ms) {
		cfg.clock_fn = offset_clock;
		cfg.clock_ctx = &offset_ms;
	}
	log_set_debug(settings.debug);
	s3_client *c = s3_client_new(&cfg);
	int rc = 2;
	if (c)
		rc = upload_all(c, argv + i, argc - i, budget_ms);
	else
		fprintf(stderr, "s3put: invalid configuration (bucket, region, endpoint)\n");
	s3_client_free(c);
	agent_config_free(&settings);
	return rc;
}
