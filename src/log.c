/* log.c -- one line of JSON per event on stderr, written with a single write(2). */
#include "log.h"
#include "clock.h"
#include "timefmt.h"
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

void sw_log(const char *level, const char *msg, const char *fmt, ...) {
    char line[2048], ts[40];
    sw_time_format_iso((double)sw_clock_now_ms() / 1000.0, ts, sizeof ts);
    int n = snprintf(line, sizeof line, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"%s\"", ts, level, msg);
    if (fmt && n > 0 && (size_t)n < sizeof line - 3) {
        line[n++] = ',';
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(line + n, sizeof line - (size_t)n - 2, fmt, ap);
        va_end(ap);
        if (m > 0) n += m < (int)(sizeof line - (size_t)n - 2) ? m : (int)(sizeof line - (size_t)n - 3);
    }
    if (n < 0) return;
    if ((size_t)n > sizeof line - 2) n = (int)sizeof line - 2;
    line[n++] = '}';
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}
