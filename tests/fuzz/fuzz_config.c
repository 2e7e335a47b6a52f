/* libFuzzer target: the agent options string and the IOPIPE_PROFILER_* values.
 *
 * Input: NUL-separated fields. The first is the options string; each following one is
 * the value of the next variable of ENV_NAMES (a field that is a single 0xFF byte
 * leaves that variable unset). Each field is copied into a heap block of exactly its
 * length plus the terminator, so ASan reports any read past a value's end.
 *
 * A NUL inside a value is not fed, on purpose: the parsers only ever see C strings
 * (agent_config_load takes `const char *options`, the getenv callback returns C
 * strings), because that is all the JVM (Agent_OnLoad's `char *options`) and execve()
 * can hand over. "a<NUL>b" reaches the agent as "a", an input this target already
 * generates; there is no length-limited parsing path where bytes after a NUL could
 * matter. Every other byte, including 0x01-0x1f and 0x80-0xff, is fuzzed.
 *
 * Every loaded configuration must keep its invariants:
 * numbers inside their documented range, a prefix of [A-Za-z0-9._-] without a leading
 * dot or "..", strings no longer than 4096 bytes. A plain decimal samplerate given only
 * through the environment is also checked against an exact 128-bit computation. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../jvmagent/config.h"

static const char *const ENV_NAMES[] = {
        "IOPIPE_PROFILER_SAMPLERATE",
        "IOPIPE_PROFILER_LOCAL_DUMP_PATH",
        "IOPIPE_PROFILER_ALTERNATIVE_PREFIX",
        "IOPIPE_PROFILER_DEPTH",
        "IOPIPE_PROFILER_MEMORY_MB",
        "IOPIPE_PROFILER_STATS_INTERVAL",
        "IOPIPE_PROFILER_ENABLED",
        "IOPIPE_PROFILER_DEBUG",
        "IOPIPE_PROFILER_SAMPLER",
        "IOPIPE_PROFILER_OVERHEAD",
        "IOPIPE_PROFILER_THREAD_CONTENTION",
        "IOPIPE_PROFILER_S3_BUCKET",
        "IOPIPE_PROFILER_S3_PREFIX",
        "IOPIPE_PROFILER_S3_REGION",
        "IOPIPE_PROFILER_S3_ENDPOINT",
        "IOPIPE_PROFILER_UPLOAD_BUDGET",
        /* Appended, not sorted in: the seeds' field positions keep their meaning. */
        "IOPIPE_PROFILER_STATS_SOURCE",
        "IOPIPE_PROFILER_STATS_USER_TIME",
        "IOPIPE_PROFILER_LAMBDA_BUDGET",
        "IOPIPE_PROFILER_QUEUE_MAX",
        "IOPIPE_PROFILER_QUEUE_MB",
        "IOPIPE_PROFILER_UPLOAD_TRIES",
        "IOPIPE_PROFILER_UPLOAD_INIT",
        "IOPIPE_PROFILER_INVOCATIONS",
};
enum { ENV_STATS_SOURCE = 16 }; /* its index above */
#define NENV (sizeof ENV_NAMES / sizeof ENV_NAMES[0])

static const char *env_values[NENV];
static char *env_copies[NENV];

static const char *fake_getenv(const char *name)
{
	for (size_t i = 0; i < NENV; i++)
		if (strcmp(ENV_NAMES[i], name) == 0)
			return env_values[i];
	return NULL;
}

static void check_string(const char *s, int printable)
{
	if (!s)
		return;
	size_t n = strlen(s);
	if (n == 0 || n > 4096)
		abort();
	for (size_t i = 0; printable && i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();
}

static void check_prefix(const char *p)
{
	size_t n = strlen(p);
	if (n > AGENT_PREFIX_MAX || p[0] == '.' || strstr(p, ".."))
		abort();
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		         ch == '.' || ch == '_' || ch == '-';
		if (!ok)
			abort();
	}
}

/* The documented meaning of a samplerate: "<digits>[ns|us|ms|s]", clamped to
 * [100 µs, 60 s]; returns 0 when the value is not of that form (or is zero). */
static uint64_t expected_interval_us(const char *v)
{
	const char *p = v;
	while (isspace((unsigned char)*p))
		p++;
	unsigned __int128 n = 0;
	int digits = 0;
	for (; *p >= '0' && *p <= '9'; p++, digits++)
		n = n > ((unsigned __int128)1 << 100) ? n : n * 10 + (unsigned)(*p - '0');
	if (!digits || n == 0)
		return 0;
	unsigned __int128 ns;
	if (strcasecmp(p, "") == 0 || strcasecmp(p, "us") == 0)
		ns = n * 1000;
	else if (strcasecmp(p, "ns") == 0)
		ns = n;
	else if (strcasecmp(p, "ms") == 0)
		ns = n * 1000000;
	else if (strcasecmp(p, "s") == 0)
		ns = n * 1000000000;
	else
		return 0;
	unsigned __int128 us = ns / 1000;
	if (us < AGENT_MIN_INTERVAL_US)
		return AGENT_MIN_INTERVAL_US;
	if (us > AGENT_MAX_INTERVAL_US)
		return AGENT_MAX_INTERVAL_US;
	return (uint64_t)us;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An exact-size copy of one field, so that ASan sees its terminator as the block's end. */
static char *field_copy(const uint8_t *p, size_t n)
{
	char *f = malloc(n + 1);
	if (f) {
		memcpy(f, p, n);
		f[n] = '\0';
	}
	return f;
}

/* Splits at NULs: the options (returned), then one value per variable. */
static char *split_fields(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size;
	const uint8_t *nul = memchr(data, 0, size);
	const uint8_t *p = nul ? nul : end;
	char *options = field_copy(data, (size_t)(p - data));
	memset(env_values, 0, sizeof env_values);
	memset(env_copies, 0, sizeof env_copies);
	for (size_t i = 0; i < NENV && p < end; i++) {
		p++;
		nul = memchr(p, 0, (size_t)(end - p));
		const uint8_t *q = nul ? nul : end;
		env_copies[i] = field_copy(p, (size_t)(q - p));
		if (env_copies[i] && strcmp(env_copies[i], "\xff") != 0)
			env_values[i] = env_copies[i];
		p = q;
	}
	return options;
}

static void free_fields(char *options)
{
	free(options);
	for (size_t i = 0; i < NENV; i++)
		free(env_copies[i]);
}

static void check_config(const agent_config *c)
{
	if (c->interval_us < AGENT_MIN_INTERVAL_US || c->interval_us > AGENT_MAX_INTERVAL_US)
		abort();
	if (c->max_depth < 16 || c->max_depth > AGENT_MAX_DEPTH)
		abort();
	if (c->memory_mb < 16 || c->memory_mb > 4096)
		abort();
	if (c->stats_interval_ms > 3600000u || c->upload_budget_ms < 100 || c->upload_budget_ms > 600000u)
		abort();
	if (c->overhead_permille < 1 || c->overhead_permille > 1000 || c->sampler_mode > AGENT_SAMPLER_SIGNAL)
		abort();
	if (c->stats_source != STATS_SOURCE_JMM && c->stats_source != STATS_SOURCE_MXBEAN)
		abort();
	if (c->lambda_budget_ms < 100 || c->lambda_budget_ms > 600000u || c->queue_max_zips > 1024 ||
	    c->queue_max_mb < 1 || c->queue_max_mb > 4096 || c->upload_tries < 1 || c->upload_tries > 1000)
		abort();
	check_prefix(c->prefix);
	check_string(c->dump_path, 0);
	check_string(c->s3_bucket, 1);
	check_string(c->s3_prefix, 1);
	check_string(c->s3_region, 1);
	check_string(c->s3_endpoint, 1);
}

/* The documented meaning of IOPIPE_PROFILER_STATS_SOURCE when no option overrides it:
 * "mxbean" (any case) picks the MXBeans, anything else the default, JMM. */
static void check_stats_source(const char *options, const agent_config *c)
{
	const char *v = env_values[ENV_STATS_SOURCE];
	if (!v || strcasestr(options, "statssource"))
		return;
	if (c->stats_source != (strcasecmp(v, "mxbean") == 0 ? STATS_SOURCE_MXBEAN : STATS_SOURCE_JMM))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *options = split_fields(data, size);
	if (!options) {
		free_fields(options);
		return 0;
	}
	(void)agent_config_enabled(options, fake_getenv);
	agent_config c;
	agent_config_load(&c, options, fake_getenv);
	check_config(&c);
	check_stats_source(options, &c);
	/* Differential check of the duration parser, when only the variable sets it. */
	if (env_values[0] && !strcasestr(options, "samplerate")) {
		uint64_t want = expected_interval_us(env_values[0]);
		if (want && c.interval_us != want)
			abort();
		if (!want && c.interval_us != AGENT_DEFAULT_INTERVAL_US)
			abort();
	}
	agent_config_free(&c);

	char out[AGENT_PREFIX_MAX + 1];
	agent_sanitize_prefix(options, out, sizeof out);
	check_prefix(out);
	free_fields(options);
	return 0;
}
