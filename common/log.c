#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static atomic_bool debug_on;

void log_set_debug(bool on) { atomic_store(&debug_on, on); }

bool log_debug_enabled(void) { return atomic_load(&debug_on); }

void log_msg(log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warning", "error"};
	if (level == LOG_DEBUG && !log_debug_enabled())
		return;
	/* Format into one buffer and write it with a single call so that lines from
	 * the sampler and from application threads never interleave mid-line. */
	char line[1024];
	int n = snprintf(line, sizeof line, "jvmsnap: %s: ", names[level]);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	/* One line per message: a newline inside the text would forge a second log line,
	 * and other control bytes (from a path or a thread name) could drive a terminal. */
	for (size_t i = (size_t)n; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = line[i] == '\t' ? ' ' : '?';
	line[len++] = '\n';
	fwrite(line, 1, len, stderr);
}
