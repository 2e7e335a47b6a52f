#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/log.h"

typedef enum { K_BOOL, K_MICROS, K_MILLIS, K_UINT, K_PATH, K_PREFIX, K_STRING, K_CHOICE, K_PERCENT, K_INVOCATIONS } setting_kind;

typedef struct {
	const char *env;
	const char *opt;
	setting_kind kind;
	size_t offset;
	uint32_t def, min, max; /* numbers; min/max clamp with a warning; K_CHOICE: min is the
	                           value of the first choice */
	const char *def_str;    /* strings; for K_CHOICE the '|'-separated choices */
} setting;

#define AT(field) offsetof(agent_config, field)
static const setting SETTINGS[] = {
    {"IOPIPE_PROFILER_ENABLED", "enabled", K_BOOL, AT(enabled), 0, 0, 0, NULL},
    {"IOPIPE_PROFILER_DEBUG", "debug", K_BOOL, AT(debug), 0, 0, 0, NULL},
    {"IOPIPE_PROFILER_SAMPLERATE", "samplerate", K_MICROS, AT(interval_us), AGENT_DEFAULT_INTERVAL_US,
     AGENT_MIN_INTERVAL_US, AGENT_MAX_INTERVAL_US, NULL},
    {"IOPIPE_PROFILER_LOCAL_DUMP_PATH", "file", K_PATH, AT(dump_path), 0, 0, 0, NULL},
    {"IOPIPE_PROFILER_ALTERNATIVE_PREFIX", "prefix", K_PREFIX, AT(prefix), 0, 0, 0, NULL},
    {"IOPIPE_PROFILER_DEPTH", "depth", K_UINT, AT(max_depth), AGENT_DEFAULT_DEPTH, 16, AGENT_MAX_DEPTH,
     NULL},
    {"IOPIPE_PROFILER_SAMPLER", "sampler", K_CHOICE, AT(sampler_mode), 0, 0, 0, "changed|all|signal"},
    {"IOPIPE_PROFILER_SIGNAL_CLOCK", "signalclock", K_CHOICE, AT(signal_clock), 0, 0, 0, "auto|timer|kicker|hrtimer"},
    {"IOPIPE_PROFILER_OVERHEAD", "overhead", K_PERCENT, AT(overhead_permille), 50, 1, 1000, NULL},
    {"IOPIPE_PROFILER_MEMORY_MB", "memory", K_UINT, AT(memory_mb), AGENT_DEFAULT_MEMORY_MB, 16, 4096,
     NULL},
    {"IOPIPE_PROFILER_STATS_INTERVAL", "statsinterval", K_MILLIS, AT(stats_interval_ms), 1000, 0,
     3600000, NULL},
    {"IOPIPE_PROFILER_THREAD_CONTENTION", "contention", K_BOOL, AT(thread_contention), 0, 0, 0, NULL},
    {"IOPIPE_PROFILER_STATS_SOURCE", "statssource", K_CHOICE, AT(stats_source), STATS_SOURCE_JMM,
     STATS_SOURCE_JMM, 0, "jmm|mxbean"},
    {"IOPIPE_PROFILER_STATS_USER_TIME", "statsusertime", K_BOOL, AT(stats_user_time), 1, 0, 0, NULL},
    {"IOPIPE_PROFILER_S3_BUCKET", "bucket", K_STRING, AT(s3_bucket), 0, 0, 0, NULL},
    {"IOPIPE_PROFILER_S3_PREFIX", "s3prefix", K_STRING, AT(s3_prefix), 0, 0, 0, "jvmsnap/"},
    {"IOPIPE_PROFILER_S3_REGION", "region", K_STRING, AT(s3_region), 0, 0, 0, NULL},
    {"IOPIPE_PROFILER_S3_ENDPOINT", "endpoint", K_STRING, AT(s3_endpoint), 0, 0, 0, NULL},
    {"IOPIPE_PROFILER_UPLOAD_BUDGET", "uploadbudget", K_MILLIS, AT(upload_budget_ms), 10000, 100,
     600000, NULL},
    {"IOPIPE_PROFILER_LAMBDA_BUDGET", "lambdabudget", K_MILLIS, AT(lambda_budget_ms), 250, 100, 600000, NULL},
    {"IOPIPE_PROFILER_QUEUE_MAX", "queuemax", K_UINT, AT(queue_max_zips), 16, 0, 1024, NULL},
    {"IOPIPE_PROFILER_QUEUE_MB", "queuemb", K_UINT, AT(queue_max_mb), 32, 1, 4096, NULL},
    {"IOPIPE_PROFILER_UPLOAD_TRIES", "uploadtries", K_UINT, AT(upload_tries), 5, 1, 1000, NULL},
    {"IOPIPE_PROFILER_UPLOAD_INIT", "uploadinit", K_BOOL, AT(upload_init), 1, 0, 0, NULL},
    {"IOPIPE_PROFILER_INVOCATIONS", "invocations", K_INVOCATIONS, AT(invocations), 0, 0, 0, NULL},
};
#define NSETTINGS (sizeof SETTINGS / sizeof SETTINGS[0])
/* K_CHOICE fields are written as uint32_t. */
_Static_assert(sizeof(stats_source) == sizeof(uint32_t), "stats_source is not 32 bits");
enum { MAX_VALUE_LEN = 4096 };

/* Values are echoed in warnings: show a short, printable excerpt, never a megabyte. */
static const char *shown(const char *v, char out[48])
{
	size_t i = 0;
	for (; i < 40 && v[i]; i++)
		out[i] = isprint((unsigned char)v[i]) ? v[i] : '?';
	strcpy(out + i, v[i] ? "..." : "");
	return out;
}

static void warn_value(const char *source, const char *value, const char *why, const char *fallback)
{
	char s[48];
	log_warn("%s='%s' %s; using %s", source, shown(value, s), why, fallback);
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"true", "1", "yes", "on"};
	static const char *const no[] = {"false", "0", "no", "off"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = true, true;
		if (strcasecmp(v, no[i]) == 0)
			return *out = false, true;
	}
	return false;
}

/* "<digits>[unit]" scaled to `base_ns` units; false when malformed, zero or negative. */
static bool parse_duration(const char *v, uint64_t base_ns, uint64_t *out)
{
	static const struct { const char *suffix; uint64_t ns; } units[] = {
	    {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}, {"", 0}};
	while (isspace((unsigned char)*v))
		v++;
	if (!isdigit((unsigned char)*v))
		return false;
	errno = 0;
	char *end;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno == ERANGE || n > UINT32_MAX * 1000ull)
		n = UINT32_MAX * 1000ull; /* absurd: let the clamp report it */
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcasecmp(end, units[i].suffix) != 0)
			continue;
		uint64_t unit_ns = units[i].ns ? units[i].ns : base_ns;
		/* Saturate: a wrapped product would pass the range check as a plausible value. */
		*out = n > UINT64_MAX / unit_ns ? UINT64_MAX : (uint64_t)n * unit_ns / base_ns;
		/* may round to 0: the clamp reports it */
		return n > 0;
	}
	return false;
}

static void set_number(agent_config *c, const setting *s, const char *src, const char *v)
{
	uint32_t *field = (uint32_t *)((char *)c + s->offset);
	uint64_t n = 0;
	char fallback[32];
	snprintf(fallback, sizeof fallback, "%u", s->def);
	bool ok = false;
	if (s->kind == K_UINT) {
		char *end = (char *)v;
		errno = 0;
		unsigned long long u = isdigit((unsigned char)*v) ? strtoull(v, &end, 10) : 0;
		ok = end != v && *end == '\0';
		n = errno == ERANGE ? UINT64_MAX : u;
	} else if (s->kind == K_MILLIS && strcmp(v, "0") == 0) {
		ok = true; /* 0 ms means "off" for intervals that allow it */
	} else {
		ok = parse_duration(v, s->kind == K_MICROS ? 1000 : 1000000, &n);
	}
	if (!ok) {
		warn_value(src, v, s->kind == K_UINT ? "is not a whole number" : "is not a positive duration",
			   fallback);
		*field = s->def;
		return;
	}
	uint64_t clamped = n < s->min ? s->min : n > s->max ? s->max : n;
	if (clamped != n) {
		snprintf(fallback, sizeof fallback, "%llu", (unsigned long long)clamped);
		warn_value(src, v, n < s->min ? "is below the minimum" : "is above the maximum", fallback);
	}
	*field = (uint32_t)clamped;
}

static void set_string(agent_config *c, const setting *s, const char *src, const char *v)
{
	char **field = (char **)((char *)c + s->offset);
	size_t len = strnlen(v, MAX_VALUE_LEN + 1);
	if (len == 0 || len > MAX_VALUE_LEN) {
		warn_value(src, v, len ? "is too long" : "is empty", "the default");
		return;
	}
	for (size_t i = 0; i < len && s->kind == K_STRING; i++) {
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] >= 0x7f) {
			warn_value(src, v, "has characters that are not printable ASCII", "the default");
			return;
		}
	}
	char *copy = strdup(v);
	if (!copy)
		return;
	free(*field);
	*field = copy;
}

static void set_choice(agent_config *c, const setting *s, const char *src, const char *v)
{
	uint32_t *field = (uint32_t *)((char *)c + s->offset);
	uint32_t index = 0;
	size_t vlen = strlen(v);
	for (const char *p = s->def_str; *p; index++) {
		size_t len = strcspn(p, "|");
		if (len == vlen && strncasecmp(p, v, len) == 0) {
			*field = s->min + index;
			return;
		}
		p += len + (p[len] == '|');
	}
	char fallback[64];
	snprintf(fallback, sizeof fallback, "%.*s (choices: %s)", (int)strcspn(s->def_str, "|"), s->def_str,
		 s->def_str);
	warn_value(src, v, "is not a known choice", fallback);
	*field = s->def;
}

/* "5%" or "5" (percent), kept as per mille so that "0.5%" fits. */
static void set_percent(agent_config *c, const setting *s, const char *src, const char *v)
{
	uint32_t *field = (uint32_t *)((char *)c + s->offset);
	char *end;
	errno = 0;
	double pct = strtod(v, &end);
	if (*end == '%')
		end++;
	if (end == v || *end || errno || !(pct > 0) || pct > 100) {
		char fallback[16];
		snprintf(fallback, sizeof fallback, "%u.%u%%", s->def / 10, s->def % 10);
		warn_value(src, v, "is not a percentage in (0, 100]", fallback);
		*field = s->def;
		return;
	}
	uint32_t permille = (uint32_t)(pct * 10 + 0.5);
	*field = permille < s->min ? s->min : permille;
}

/* "all", "every:N", "first:N" (N >= 1) or "cold"; false when none of those. */
static bool parse_invocations(const char *v, agent_invocations *out)
{
	static const struct { const char *word; uint32_t mode; } forms[] = {
	    {"every:", AGENT_INVOKE_EVERY}, {"first:", AGENT_INVOKE_FIRST}};
	if (strcasecmp(v, "all") == 0 || strcasecmp(v, "cold") == 0) {
		*out = (agent_invocations){strcasecmp(v, "all") == 0 ? AGENT_INVOKE_ALL : AGENT_INVOKE_COLD, 0};
		return true;
	}
	for (size_t i = 0; i < 2; i++) {
		if (strncasecmp(v, forms[i].word, 6) != 0 || !isdigit((unsigned char)v[6]))
			continue;
		char *end;
		errno = 0;
		unsigned long n = strtoul(v + 6, &end, 10);
		if (*end || errno || n == 0 || n > UINT32_MAX)
			return false;
		*out = (agent_invocations){forms[i].mode, (uint32_t)n};
		return true;
	}
	return false;
}

bool agent_invocation_chosen(const agent_invocations *s, uint64_t number)
{
	switch (s->mode) {
	case AGENT_INVOKE_EVERY:
		return number > 0 && (number - 1) % s->n == 0;
	case AGENT_INVOKE_FIRST:
		return number > 0 && number <= s->n;
	case AGENT_INVOKE_COLD:
		return false;
	default:
		return true;
	}
}

static void apply(agent_config *c, const setting *s, const char *src, const char *v)
{
	switch (s->kind) {
	case K_BOOL: {
		bool *field = (bool *)((char *)c + s->offset);
		bool b = s->def != 0;
		if (!parse_bool(v, &b))
			warn_value(src, v, "is not true or false", b ? "true (the default)" : "false (the default)");
		*field = b;
		break;
	}
	case K_PREFIX:
		if (!agent_sanitize_prefix(v, c->prefix, sizeof c->prefix))
			warn_value(src, v, "is not a safe file name prefix",
				   c->prefix[0] ? c->prefix : "the timestamp");
		break;
	case K_PATH:
	case K_STRING:
		set_string(c, s, src, v);
		break;
	case K_CHOICE:
		set_choice(c, s, src, v);
		break;
	case K_PERCENT:
		set_percent(c, s, src, v);
		break;
	case K_INVOCATIONS: {
		agent_invocations *field = (agent_invocations *)((char *)c + s->offset);
		if (!parse_invocations(v, field)) {
			warn_value(src, v, "is not all, every:N, first:N or cold", "all");
			*field = (agent_invocations){AGENT_INVOKE_ALL, 0};
		}
		break;
	}
	default:
		set_number(c, s, src, v);
	}
}

static void set_defaults(agent_config *c)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < NSETTINGS; i++) {
		const setting *s = &SETTINGS[i];
		if (s->kind == K_MICROS || s->kind == K_MILLIS || s->kind == K_UINT || s->kind == K_CHOICE ||
		    s->kind == K_PERCENT)
			*(uint32_t *)((char *)c + s->offset) = s->def;
		else if (s->kind == K_BOOL)
			*(bool *)((char *)c + s->offset) = s->def != 0;
		else if (s->def_str && s->kind != K_CHOICE)
			*(char **)((char *)c + s->offset) = strdup(s->def_str);
	}
}

static const setting *find_option(const char *key, size_t len)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (strlen(SETTINGS[i].opt) == len && strncasecmp(SETTINGS[i].opt, key, len) == 0)
			return &SETTINGS[i];
	return NULL;
}

/* Calls `fn` for each `key=value` of the options string, in order. A segment without
 * '=' gets value NULL. Returns false to stop early. */
typedef bool (*option_fn)(void *ctx, const char *key, size_t klen, const char *value);

static void each_option(const char *options, option_fn fn, void *ctx)
{
	char value[MAX_VALUE_LEN + 2];
	for (const char *p = options; p && *p;) {
		const char *end = strchr(p, ',');
		size_t seg = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', seg);
		size_t klen = eq ? (size_t)(eq - p) : seg;
		const char *v = NULL;
		if (eq) {
			size_t vlen = seg - klen - 1;
			vlen = vlen > MAX_VALUE_LEN ? MAX_VALUE_LEN + 1 : vlen; /* too long: rejected later */
			memcpy(value, eq + 1, vlen);
			value[vlen] = '\0';
			v = value;
		}
		if (seg > 0 && !fn(ctx, p, klen, v))
			return;
		p = end ? end + 1 : p + seg;
	}
}

/* A boolean option's last value as `word` maps it: 1, 0, or -1 (ignore this one). */
typedef struct {
	const char *key;
	int (*word)(const char *value);
	int result; /* -1: not given */
} bool_option;

static bool find_bool_option(void *ctx, const char *key, size_t klen, const char *value)
{
	bool_option *o = ctx;
	if (strlen(o->key) == klen && strncasecmp(key, o->key, klen) == 0) {
		int r = o->word(value);
		if (r >= 0)
			o->result = r;
	}
	return true;
}

/* The option if given, else the variable; false when neither says true. */
static bool option_or_env(const char *options, const char *key, const char *env, int (*word)(const char *),
			  agent_getenv_fn getenv_fn)
{
	bool_option o = {key, word, -1};
	each_option(options, find_bool_option, &o);
	if (o.result >= 0)
		return o.result == 1;
	const char *v = getenv_fn ? getenv_fn(env) : NULL;
	return v && word(v) == 1;
}

/* IOPIPE_PROFILER_ENABLED: only "true" (IOpipe's rule); a bare `enabled` disables. */
static int enabled_word(const char *v) { return v && strcasecmp(v, "true") == 0; }

/* A K_BOOL value: a bad one means the default, false; a bare `debug` is ignored. */
static int debug_word(const char *v)
{
	bool b = false;
	return v ? parse_bool(v, &b) && b : -1;
}

bool agent_config_enabled(const char *options, agent_getenv_fn getenv_fn)
{
	return option_or_env(options, "enabled", "IOPIPE_PROFILER_ENABLED", enabled_word, getenv_fn);
}

bool agent_config_debug(const char *options, agent_getenv_fn getenv_fn)
{
	return option_or_env(options, "debug", "IOPIPE_PROFILER_DEBUG", debug_word, getenv_fn);
}

static bool apply_option(void *ctx, const char *key, size_t klen, const char *value)
{
	agent_config *c = ctx;
	const setting *s = find_option(key, klen);
	char name[64];
	snprintf(name, sizeof name, "option %.*s", (int)(klen < 40 ? klen : 40), key);
	if (!s)
		log_warn("unknown %s ignored (see docs/configuration.md)", name);
	else if (!value)
		log_warn("%s has no value (expected %s=...); ignored", name, s->opt);
	else if (s->kind != K_BOOL || strcmp(s->opt, "enabled") != 0)
		apply(c, s, name, value);
	return true;
}

/* A test-only number of ms: digits only, else -1 (ignored without a word: not a setting). */
static int32_t test_ms(agent_getenv_fn getenv_fn, const char *name)
{
	const char *v = getenv_fn(name);
	char *end = NULL;
	errno = 0;
	unsigned long n = v && isdigit((unsigned char)*v) ? strtoul(v, &end, 10) : 0;
	return end && !*end && !errno && n <= INT32_MAX ? (int32_t)n : -1;
}

void agent_config_load(agent_config *c, const char *options, agent_getenv_fn getenv_fn)
{
	set_defaults(c);
	c->enabled = agent_config_enabled(options, getenv_fn);
	for (size_t i = 0; i < NSETTINGS; i++) {
		const char *v = getenv_fn(SETTINGS[i].env);
		if (v && SETTINGS[i].offset != AT(enabled))
			apply(c, &SETTINGS[i], SETTINGS[i].env, v);
	}
	each_option(options, apply_option, c);
	const char *fn = getenv_fn("AWS_LAMBDA_FUNCTION_NAME");
	const char *fv = getenv_fn("AWS_LAMBDA_FUNCTION_VERSION");
	c->function_name = fn ? strdup(fn) : NULL;
	c->function_version = fv ? strdup(fv) : NULL;
	c->test_exit_whole_ms = test_ms(getenv_fn, "JVMSNAP_TEST_EXIT_WHOLE_MS");
	c->test_exit_small_ms = test_ms(getenv_fn, "JVMSNAP_TEST_EXIT_SMALL_MS");
}

void agent_config_free(agent_config *c)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (SETTINGS[i].kind == K_PATH || SETTINGS[i].kind == K_STRING) {
			char **field = (char **)((char *)c + SETTINGS[i].offset);
			free(*field);
			*field = NULL;
		}
	}
	free(c->function_name);
	free(c->function_version);
	c->function_name = c->function_version = NULL;
}

char *agent_config_string(const char *env, agent_getenv_fn getenv_fn)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		const setting *s = &SETTINGS[i];
		if (strcmp(s->env, env) != 0 || (s->kind != K_STRING && s->kind != K_PATH))
			continue;
		const char *v = getenv_fn(env);
		agent_config c = {0};
		if (v)
			apply(&c, s, env, v);
		return *(char **)((char *)&c + s->offset);
	}
	return NULL;
}

/* Not isalnum: the JVM may have set a locale in which bytes above 0x7f are letters. */
static bool ascii_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

bool agent_sanitize_prefix(const char *in, char *out, size_t out_size)
{
	size_t n = 0;
	bool changed = false;
	for (const char *p = in; *p; p++) {
		bool allowed = ascii_alnum(*p) || *p == '_' || *p == '-' ||
			       (*p == '.' && n > 0 && out[n - 1] != '.');
		if (!allowed || n + 1 >= out_size) {
			changed = true;
			continue;
		}
		out[n++] = *p;
	}
	out[n] = '\0';
	return !changed && n > 0;
}
