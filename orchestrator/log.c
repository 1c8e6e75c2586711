/* log.c: logging to stderr, safe to call from several threads. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum log_level current_level = LOG_LEVEL_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char *status_line; /* shown below the log on a terminal; guarded by log_lock */

void log_set_level(enum log_level level) { current_level = level; }
enum log_level log_get_level(void) { return current_level; }

static void log_vmsg(enum log_level level, const char *suffix, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char stamp[32];

	if (level > current_level)
		return;
	format_time_ms(now_wall_ms(), stamp, sizeof(stamp));
	pthread_mutex_lock(&log_lock);
	if (status_line)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "%s compatlab %s: ", stamp + 11, names[level]);
	vfprintf(stderr, fmt, ap);
	if (suffix)
		fprintf(stderr, ": %s", suffix);
	fputc('\n', stderr);
	if (status_line)
		fputs(status_line, stderr);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}

void log_status(const char *line)
{
	pthread_mutex_lock(&log_lock);
	free(status_line);
	status_line = line ? xstrdup(line) : NULL;
	fputs("\r\033[K", stderr);
	if (status_line)
		fputs(status_line, stderr);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, NULL, fmt, ap);
	va_end(ap);
}

void log_errno(enum log_level level, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, strerror(saved), fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(LOG_LEVEL_ERROR, NULL, fmt, ap);
	va_end(ap);
	abort();
}
