/* timefmt.c -- ISO 8601 parsing and formatting without locale or timezone state. */
#include "timefmt.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static long long sw_days_from_civil(long long y, unsigned m, unsigned d) {
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static int sw_digits(const char *s, size_t n, size_t *pos, int count, int *out) {
    int v = 0;
    for (int i = 0; i < count; i++) {
        if (*pos >= n || s[*pos] < '0' || s[*pos] > '9') return -1;
        v = v * 10 + (s[(*pos)++] - '0');
    }
    *out = v;
    return 0;
}

static int sw_time_parse_number(const char *s, size_t n, double *epoch) {
    char tmp[64];
    if (n == 0 || n >= sizeof tmp) return -1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789.-+eE", tmp[i])) return -1;
    char *end;
    double v = strtod(tmp, &end);
    if (*end || !isfinite(v)) return -1;
    *epoch = v;
    return 0;
}

int sw_time_parse(const char *s, size_t n, double *epoch) {
    size_t p = 0;
    int Y, M, D, h, m, sec;
    if (n < 19 || s[4] != '-') return sw_time_parse_number(s, n, epoch);
    if (sw_digits(s, n, &p, 4, &Y) || s[p++] != '-' || sw_digits(s, n, &p, 2, &M) || s[p++] != '-' ||
        sw_digits(s, n, &p, 2, &D) || (s[p] != 'T' && s[p] != 't' && s[p] != ' ')) return -1;
    p++;
    if (sw_digits(s, n, &p, 2, &h) || p >= n || s[p++] != ':' || sw_digits(s, n, &p, 2, &m) || p >= n ||
        s[p++] != ':' || sw_digits(s, n, &p, 2, &sec)) return -1;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) return -1;
    double frac = 0, scale = 0.1;
    if (p < n && (s[p] == '.' || s[p] == ',')) {
        p++;
        if (p >= n || s[p] < '0' || s[p] > '9') return -1;
        while (p < n && s[p] >= '0' && s[p] <= '9') { frac += (s[p++] - '0') * scale; scale /= 10; }
    }
    long long offset = 0;
    if (p < n && (s[p] == 'Z' || s[p] == 'z')) p++;
    else if (p < n && (s[p] == '+' || s[p] == '-')) {
        int sign = s[p++] == '-' ? -1 : 1, oh, om;
        if (sw_digits(s, n, &p, 2, &oh)) return -1;
        if (p < n && s[p] == ':') p++;
        if (sw_digits(s, n, &p, 2, &om) || oh > 23 || om > 59) return -1;
        offset = sign * (oh * 3600LL + om * 60LL);
    }
    if (p != n) return -1;
    long long days = sw_days_from_civil(Y, (unsigned)M, (unsigned)D);
    *epoch = (double)(days * 86400LL + h * 3600LL + m * 60LL + sec - offset) + frac;
    return 0;
}

void sw_time_format_iso(double epoch, char *out, size_t outlen) {
    double fl = floor(epoch);
    time_t t = (time_t)fl;
    int ms = (int)llround((epoch - fl) * 1000.0);
    if (ms >= 1000) { t += 1; ms = 0; }
    struct tm tm;
    gmtime_r(&t, &tm);
    if (ms)
        snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    else
        snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void sw_time_format_amz(long long epoch, char *out, size_t outlen) {
    time_t t = (time_t)epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, outlen, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
}
