/* Test driver for the Runtime API proxy (tests/integration/50_lambda_proxy.sh): starts
 * lambda_proxy_start(UPSTREAM) with hooks that print one line per event, then waits for
 * SIGTERM/SIGINT and stops the proxy, printing how long that took.
 *
 *   lambdaproxy_drive UPSTREAM [HOLD_FILE]
 *
 * Output lines: "listen 127.0.0.1:<port>", then "<epoch_us> <event> <args>" for init_done,
 * invocation_start <id> <deadline_ms>, invocation_end <id>, wait_idle_begin <budget_ms>,
 * wait_idle_end <held_ms> released|budget, concurrent, handler <id> <os_tid> <name|-> (several
 * at once: what invocation_start got, printed just before it), and
 * "stopped <ms>" at the end. With HOLD_FILE,
 * wait_idle blocks until that file exists (then deletes it) or its budget runs out.
 * IOPIPE_PROFILER_DEBUG=true (as the agent reads it): the proxy's debug lines on stderr. */
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../jvmagent/config.h"
#include "../../jvmagent/lambda.h"

typedef struct {
	const char *hold_file;
} drive_ctx;

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	/* One write per line: hooks run on the proxy's connection threads. */
	va_list ap;
	va_start(ap, fmt);
	char line[512];
	int len = snprintf(line, sizeof line, "%lld ", (long long)now_us());
	len += vsnprintf(line + len, sizeof line - (size_t)len, fmt, ap);
	va_end(ap);
	if (len > (int)sizeof line - 2)
		len = (int)sizeof line - 2;
	line[len++] = '\n';
	if (write(STDOUT_FILENO, line, (size_t)len) < 0)
		abort();
}

static void init_done(void *ctx)
{
	(void)ctx;
	say("init_done");
}

static void invocation_start(void *ctx, const char *id, int64_t deadline_ms, const lambda_handler *h)
{
	(void)ctx;
	if (h)
		say("handler %s %ld %s", id, h->os_tid, h->name[0] ? h->name : "-");
	say("invocation_start %s %lld", id, (long long)deadline_ms);
}

static void invocation_end(void *ctx, const char *id)
{
	(void)ctx;
	say("invocation_end %s", id);
}

static void concurrent(void *ctx)
{
	(void)ctx;
	say("concurrent");
}

static void wait_idle(void *ctx, int64_t budget_ms)
{
	drive_ctx *d = ctx;
	say("wait_idle_begin %lld", (long long)budget_ms);
	int64_t start = now_us();
	const char *why = "budget";
	while (d->hold_file && now_us() - start < budget_ms * 1000) {
		if (access(d->hold_file, F_OK) == 0) {
			unlink(d->hold_file);
			why = "released";
			break;
		}
		usleep(2000);
	}
	if (!d->hold_file)
		why = "released";
	say("wait_idle_end %s %lld", why, (long long)((now_us() - start) / 1000));
}

static const char *env_lookup(const char *name) { return getenv(name); }

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s UPSTREAM [HOLD_FILE]\n", argv[0]);
		return 2;
	}
	log_set_debug(agent_config_debug(NULL, env_lookup));
	drive_ctx d = {.hold_file = argc > 2 ? argv[2] : NULL};
	lambda_hooks hooks = {.ctx = &d,
	                      .init_done = init_done,
	                      .invocation_start = invocation_start,
	                      .invocation_end = invocation_end,
	                      .wait_idle = wait_idle,
	                      .concurrent = concurrent};
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	char listen_addr[64];
	lambda_proxy *p = lambda_proxy_start(argv[1], &hooks, listen_addr, sizeof listen_addr);
	if (!p) {
		printf("start failed\n");
		return 1;
	}
	printf("listen %s\n", listen_addr);
	fflush(stdout);
	int sig;
	sigwait(&stop, &sig);
	int64_t t0 = now_us();
	lambda_proxy_stop(p);
	printf("stopped %lld\n", (long long)((now_us() - t0) / 1000));
	return 0;
}
