/* log.h: printf-checked logging with a module prefix, in the style of OpenSMTPD's log.c. */
#pragma once

#include "util.h"

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_msg(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* log_warn appends strerror(errno); log_warnx does not. */
#define log_warn(...) log_errno(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_warnx(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) do { if (log_get_level() >= LOG_LEVEL_DEBUG) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__); } while (0)
/* A status line kept at the bottom of a terminal: log lines clear it, print, and draw it again.
 * NULL removes it (the line is cleared). */
void log_status(const char *line);
void log_errno(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);
void fatal(const char *fmt, ...) PRINTF_LIKE(1, 2) NORETURN;
