/* The selection options shared by the fleet commands (fleet.h). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/clock.h"
#include "cli.h"
#include "fleet.h"

const char fleet_options_help[] =
    "Selection (s3://bucket/prefix or a folder of summaries):\n"
    "  --since WHEN, --until WHEN  start time window: 2026-12-01, 2026-12-01T10:00:00Z\n"
    "                       (UTC), or an age: 90m, 6h, 7d\n"
    "  --function NAME, --version V, --request-id ID\n"
    "  --cold, --warm       only cold (first in their process) or warm invocations\n"
    "  --slowest N          the N longest invocations\n"
    "  --top-method REGEX   invocations with a top-5 self method matching REGEX\n"
    "  --endpoint URL, --region R  an S3-compatible store (default:\n"
    "                       IOPIPE_PROFILER_S3_ENDPOINT / _REGION, AWS_REGION, ~/.aws/config)\n"
    "  --parallel N         GETs at a time, 1 to 64 (default 16)\n"
    "  --no-cache           fetch every summary again (default: kept under\n"
    "                       $XDG_CACHE_HOME/jvmsnap, else ~/.cache/jvmsnap)\n"
    "  --quiet              no progress bar\n";

bool fleet_parse_when(const char *s, int64_t now_ms, int64_t *out)
{
	char *end;
	long long n = strtoll(s, &end, 10);
	static const struct { const char *unit; int64_t ms; } ages[] = {
	    {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}, {"w", 7 * 86400000LL}};
	for (size_t i = 0; end != s && n >= 0 && i < sizeof ages / sizeof ages[0]; i++)
		if (!strcmp(end, ages[i].unit)) {
			*out = now_ms - n * ages[i].ms;
			return true;
		}
	struct tm tm = {0};
	const char *rest = strptime(s, "%Y-%m-%d", &tm);
	if (rest && (*rest == 'T' || *rest == ' '))
		rest = strptime(rest + 1, "%H:%M:%S", &tm);
	if (!rest || (*rest && strcmp(rest, "Z")))
		return false;
	*out = (int64_t)timegm(&tm) * 1000;
	return true;
}

/* What each option with a checked value takes, for the usage error (by FLEET_OPT_BASE offset). */
#define WHEN "a UTC date/time or an age (1h, 7d)"
#define COUNT "a positive number"
#define REGEX "a regular expression"
#define PARALLEL "1 to 64"
static const char *const TAKES[] = {WHEN, WHEN, NULL, NULL, NULL, NULL, NULL, COUNT, REGEX, NULL, NULL, NULL, NULL, PARALLEL};

/* Stores option k (its FLEET_OPT_BASE offset); false when the value is not what it takes. */
static bool apply(int k, const char *arg, fleet_options *o)
{
	unsigned long n = 0;
	switch (k) {
	case 0: return fleet_parse_when(arg, clock_epoch_ms(), &o->since_ms);
	case 1: return fleet_parse_when(arg, clock_epoch_ms(), &o->until_ms);
	case 2: o->function = arg; return true;
	case 3: o->version = arg; return true;
	case 4: o->kind = FLEET_COLD; return true;
	case 5: o->kind = FLEET_WARM; return true;
	case 6: o->request_id = arg; return true;
	case 7:
		o->slowest = cli_parse_uint(arg, 100000000, &n) ? n : 0;
		return o->slowest != 0;
	case 8:
		if (o->has_regex)
			regfree(&o->top_method);
		o->has_regex = regcomp(&o->top_method, arg, REG_EXTENDED | REG_NOSUB) == 0;
		return o->has_regex;
	case 9: o->endpoint = arg; return true;
	case 10: o->region = arg; return true;
	case 11: o->quiet = true; return true;
	case 12: o->no_cache = true; return true;
	case 13:
		o->parallel = cli_parse_uint(arg, 64, &n) ? (int)n : 0;
		return o->parallel != 0;
	default: return false;
	}
}

bool fleet_option(const char *cmd, int opt, const char *arg, fleet_options *o, int *rc)
{
	int k = opt - FLEET_OPT_BASE;
	if (k < 0 || k >= (int)(sizeof TAKES / sizeof TAKES[0]))
		return false;
	if (!apply(k, arg, o)) {
		static const struct option longs[] = {FLEET_LONG_OPTIONS};
		*rc = cli_usage_error(cmd, "--%s %s: expected %s", longs[k].name, arg, TAKES[k]);
	}
	return true;
}

/* The same options as rows of a cli_command (cli_args_parse): `own` starts with the
 * fleet_options. */
#define SETTER(k)                                                                                   \
	static bool set_##k(cli_args *a, const char *arg) { return apply(k, arg, (fleet_options *)a->own); }
SETTER(0) SETTER(1) SETTER(2) SETTER(3) SETTER(4) SETTER(5) SETTER(6)
SETTER(7) SETTER(8) SETTER(9) SETTER(10) SETTER(11) SETTER(12) SETTER(13)
#define ROW(k, name, has_arg, takes) {name, 0, has_arg, takes, set_##k}
const cli_opt fleet_cli_opts[] = {
    ROW(0, "since", true, WHEN), ROW(1, "until", true, WHEN), ROW(2, "function", true, "a name"),
    ROW(3, "version", true, "a version"), ROW(4, "cold", false, NULL), ROW(5, "warm", false, NULL),
    ROW(6, "request-id", true, "an id"), ROW(7, "slowest", true, COUNT), ROW(8, "top-method", true, REGEX),
    ROW(9, "endpoint", true, "a URL"), ROW(10, "region", true, "a region"), ROW(11, "quiet", false, NULL),
    ROW(12, "no-cache", false, NULL), ROW(13, "parallel", true, PARALLEL), {NULL, 0, false, NULL, NULL}};

void fleet_options_free(fleet_options *o)
{
	if (o->has_regex)
		regfree(&o->top_method);
	o->has_regex = false;
}
