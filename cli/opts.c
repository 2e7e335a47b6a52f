/* Small helpers every command shares: option values, usage errors, output files. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

bool cli_parse_time(const char *s, cli_time *out)
{
	if (!strcmp(s, "wall"))
		*out = CLI_TIME_WALL;
	else if (!strcmp(s, "cpu"))
		*out = CLI_TIME_CPU;
	else
		return false;
	return true;
}

bool cli_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	if (!*s || *s == '-' || *s == '+')
		return false;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || errno || v > max)
		return false;
	*out = v;
	return true;
}

bool cli_parse_percent(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || v < 0 || v > 100)
		return false;
	*out = v;
	return true;
}

bool cli_use_cpu(const snap_profile *p, cli_time t)
{
	if (t == CLI_TIME_DEFAULT)
		return p->has_cpu;
	return t == CLI_TIME_CPU;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	/* The analyzer loses va_start on calls without variadic arguments (a false positive). */
	vsnprintf(msg, sizeof msg, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
	va_end(ap);
	buf esc; /* the message may quote an argument: escaped like every terminal output */
	buf_init(&esc);
	fprintf(stderr, "jvmsnap: error: %s%s%s\n", cmd ? cmd : "", cmd ? ": " : "",
	        cli_term(&esc, msg, strlen(msg)));
	buf_free(&esc);
	fprintf(stderr, "Try 'jvmsnap %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	return CLI_EXIT_INPUT;
}

int cli_write_output(const char *path, const buf *b)
{
	if (b->failed) {
		fprintf(stderr, "jvmsnap: error: out of memory\n");
		return -1;
	}
	bool std = !strcmp(path, "-");
	FILE *f = std ? stdout : fopen(path, "wb");
	buf esc;
	buf_init(&esc);
	if (!f) {
		int e = errno;
		fprintf(stderr, "jvmsnap: error: %s: %s\n", cli_term(&esc, path, strlen(path)), strerror(e));
		buf_free(&esc);
		return -1;
	}
	size_t n = b->len ? fwrite(b->data, 1, b->len, f) : 0;
	int bad = n != b->len;
	bad |= std ? fflush(f) != 0 : fclose(f) != 0;
	int e = errno;
	if (bad)
		fprintf(stderr, "jvmsnap: error: %s: write failed: %s\n", cli_term(&esc, path, strlen(path)),
		        strerror(e));
	buf_free(&esc);
	return bad ? -1 : 0;
}
