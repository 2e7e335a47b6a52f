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
    "  --parallel N         GETs at a time, 1 to 64 (default 32)\n"
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

bool fleet_option(const char *cmd, int opt, const char *arg, fleet_options *o, int *rc)
{
	int64_t now = clock_epoch_ms();
	unsigned long n;
	switch (opt - FLEET_OPT_BASE) {
	case 0:
	case 1:
		if (!fleet_parse_when(arg, now, opt == FLEET_OPT_BASE ? &o->since_ms : &o->until_ms))
			*rc = cli_usage_error(cmd, "--%s %s: expected a UTC date/time or an age (1h, 7d)",
					      opt == FLEET_OPT_BASE ? "since" : "until", arg);
		return true;
	case 2: o->function = arg; return true;
	case 3: o->version = arg; return true;
	case 4: o->kind = FLEET_COLD; return true;
	case 5: o->kind = FLEET_WARM; return true;
	case 6: o->request_id = arg; return true;
	case 7:
		if (!cli_parse_uint(arg, 100000000, &n) || !n)
			*rc = cli_usage_error(cmd, "--slowest %s: expected a positive number", arg);
		o->slowest = n;
		return true;
	case 8:
		if (o->has_regex)
			regfree(&o->top_method);
		o->has_regex = regcomp(&o->top_method, arg, REG_EXTENDED | REG_NOSUB) == 0;
		if (!o->has_regex)
			*rc = cli_usage_error(cmd, "--top-method %s: not a valid regular expression", arg);
		return true;
	case 9: o->endpoint = arg; return true;
	case 10: o->region = arg; return true;
	case 11: o->quiet = true; return true;
	case 12: o->no_cache = true; return true;
	case 13:
		if (!cli_parse_uint(arg, 64, &n) || !n)
			*rc = cli_usage_error(cmd, "--parallel %s: expected 1 to 64", arg);
		o->parallel = (int)n;
		return true;
	default: return false;
	}
}

void fleet_options_free(fleet_options *o)
{
	if (o->has_regex)
		regfree(&o->top_method);
	o->has_regex = false;
}
