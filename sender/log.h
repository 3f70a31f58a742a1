/*
 * log.h: structured logs of dunning-sender, one line per event on stderr,
 * as logfmt (key=value) or JSON lines.
 */
#ifndef DUNNING_SENDER_LOG_H
#define DUNNING_SENDER_LOG_H

typedef enum LogLevel
{
	DLOG_DEBUG,
	DLOG_INFO,
	DLOG_WARN,
	DLOG_ERROR
} LogLevel;

extern void dunning_log_setup(int json, int verbose);

/*
 * One line: level, event, then key/value string pairs ending with NULL.
 * A NULL value is left out.
 */
extern void dunning_log(LogLevel level, const char *event,...) __attribute__((sentinel));

#endif
