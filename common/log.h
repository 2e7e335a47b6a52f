/* One logging entry point for every module: `jvmsnap: <level>: <message>` on stderr.
 * Never pass credentials, tokens or signatures to it. */
#ifndef JVMSNAP_LOG_H
#define JVMSNAP_LOG_H

#include <stdbool.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

/* Debug lines are dropped unless enabled; info and above always print. */
void log_set_debug(bool on);
bool log_debug_enabled(void);

void log_msg(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
