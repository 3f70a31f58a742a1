/*
 * log.c: structured logs.  Each line is written whole under a mutex so that
 * the lines of concurrent workers never interleave; timestamps are UTC with
 * milliseconds.  In JSON, values that are plain numbers are written as
 * numbers, everything else as strings.
 */
#include "log.h"
#include "buf.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int	log_json = 0;
static int	log_verbose = 0;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void
dunning_log_setup(int json, int verbose)
{
	log_json = json;
	log_verbose = verbose;
}

static int
is_number(const char *v)
{
	const char *p = v;
	int			digits = 0;

	if (*p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	return digits > 0 && digits < 16 && *p == '\0' && !(v[0] == '0' && v[1] >= '0' && v[1] <= '9');
}

/* Appends v as a quoted string, escaping quotes, backslashes and controls. */
static void
put_quoted(Buf *b, const char *v)
{
	const unsigned char *p;

	dunning_buf_putc(b, '"');
	for (p = (const unsigned char *) v; *p; p++)
	{
		if (*p == '"' || *p == '\\')
		{
			dunning_buf_putc(b, '\\');
			dunning_buf_putc(b, (char) *p);
		}
		else if (*p == '\n')
			dunning_buf_puts(b, "\\n");
		else if (*p == '\r')
			dunning_buf_puts(b, "\\r");
		else if (*p < 0x20 || *p == 0x7f)
			dunning_buf_printf(b, "\\u%04x", *p);
		else
			dunning_buf_putc(b, (char) *p);
	}
	dunning_buf_putc(b, '"');
}

static void
put_pair(Buf *b, const char *key, const char *value, int first)
{
	if (log_json)
	{
		dunning_buf_puts(b, first ? "{" : ",");
		put_quoted(b, key);
		dunning_buf_putc(b, ':');
		if (is_number(value))
			dunning_buf_puts(b, value);
		else
			put_quoted(b, value);
	}
	else
	{
		if (!first)
			dunning_buf_putc(b, ' ');
		dunning_buf_puts(b, key);
		dunning_buf_putc(b, '=');
		if (*value != '\0' && strpbrk(value, " =\"\\\t\r\n") == NULL)
			dunning_buf_puts(b, value);
		else
			put_quoted(b, value);
	}
}

void
dunning_log(LogLevel level, const char *event,...)
{
	Buf			b;
	va_list		ap;
	const char *key;
	struct timespec ts;
	struct tm	tm;
	char		stamp[40];

	if (level == DLOG_DEBUG && !log_verbose)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	dunning_buf_init(&b);
	put_pair(&b, "ts", stamp, 1);
	put_pair(&b, "level", level_names[level], 0);
	put_pair(&b, "event", event, 0);
	va_start(ap, event);
	while ((key = va_arg(ap, const char *)) != NULL)
	{
		const char *value = va_arg(ap, const char *);

		if (value != NULL)
			put_pair(&b, key, value, 0);
	}
	va_end(ap);
	dunning_buf_puts(&b, log_json ? "}\n" : "\n");
	pthread_mutex_lock(&log_lock);
	fwrite(b.data, 1, b.len, stderr);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
	dunning_buf_free(&b);
}
