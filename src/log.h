/* log.h -- structured log lines (one JSON object per line) to stderr. */
#ifndef SW_LOG_H
#define SW_LOG_H

/* Writes {"ts":"...","level":"info","msg":"..."} plus the printf-formatted extra JSON members
 * (fmt may be NULL or must yield `"key":value,...` without braces). Thread-safe; never logs secrets
 * because callers never pass them. */
void sw_log(const char *level, const char *msg, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
