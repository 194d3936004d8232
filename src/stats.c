/* stats.c -- statistics of a bucket; percentiles are exact over the raw values the head keeps. */
#include "stats.h"
#include "alloc.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A number: digits, optionally a point and 1 to max_dec decimals. Returns the characters read, 0 if none. */
static size_t sw_stat_number(const char *s, size_t max_dec, double *out) {
    size_t i = 0, digits = 0, decimals = 0;
    while (s[i] >= '0' && s[i] <= '9') i++, digits++;
    if (digits == 0 || digits > 12) return 0;
    if (s[i] == '.') {
        i++;
        while (s[i] >= '0' && s[i] <= '9') i++, decimals++;
        if (decimals == 0 || decimals > max_dec) return 0;
    }
    *out = strtod(s, NULL);
    return i;
}

/* One boundary of "(a:b)" at s, up to the stop character; an empty one is absent. */
static const char *sw_stat_bound(const char *s, char stop, int allow_percent, sw_bound_kind *kind, double *v) {
    *kind = SW_BOUND_NONE;
    if (*s == stop) return s;
    size_t n = sw_stat_number(s, 10, v);
    if (n == 0) return NULL;
    s += n;
    if (*s == '%') {
        if (!allow_percent || *v > 100) return NULL;
        *kind = SW_BOUND_PERCENT;
        s++;
    } else *kind = SW_BOUND_VALUE;
    return *s == stop ? s : NULL;
}

int sw_stat_parse(const char *s, sw_stat *out) {
    static const struct { const char *name; sw_stat_kind kind; } simple[] = {
        {"SampleCount", SW_STAT_SAMPLECOUNT}, {"Sum", SW_STAT_SUM}, {"Average", SW_STAT_AVERAGE},
        {"Minimum", SW_STAT_MINIMUM}, {"Maximum", SW_STAT_MAXIMUM}};
    static const struct { const char *prefix; sw_stat_kind kind; } trimmed[] = {
        {"tm", SW_STAT_TM}, {"wm", SW_STAT_WM}, {"tc", SW_STAT_TC}, {"ts", SW_STAT_TS}};
    static const struct { const char *prefix; sw_stat_kind kind; } ranged[] = {
        {"TM(", SW_STAT_TM}, {"WM(", SW_STAT_WM}, {"TC(", SW_STAT_TC}, {"TS(", SW_STAT_TS}, {"PR(", SW_STAT_PR}};
    memset(out, 0, sizeof *out);
    size_t n = strlen(s);
    if (n >= sizeof out->name) return -1;
    snprintf(out->name, sizeof out->name, "%s", s);
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        if (strcmp(s, simple[i].name) == 0) { out->kind = simple[i].kind; return 0; }
    /* Definitions: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html */
    if (s[0] == 'p') {
        /* pNN.NN: at most two decimals, 0 to 100. */
        size_t k = sw_stat_number(s + 1, 2, &out->p);
        if (k == 0 || s[1 + k] || k > 6 || out->p > 100) return -1;
        out->kind = SW_STAT_PERCENTILE;
        return 0;
    }
    if (strcmp(s, "IQM") == 0) {
        out->kind = SW_STAT_TM;
        out->lo_kind = out->hi_kind = SW_BOUND_PERCENT;
        out->lo = 25, out->hi = 75;
        return 0;
    }
    for (size_t i = 0; i < sizeof trimmed / sizeof trimmed[0]; i++)
        if (strncmp(s, trimmed[i].prefix, 2) == 0) {
            /* tm90: the lowest 90 % of the values, i.e. TM(:90%). */
            size_t k = sw_stat_number(s + 2, 10, &out->hi);
            if (k == 0 || s[2 + k] || out->hi > 100) return -1;
            out->kind = trimmed[i].kind;
            out->hi_kind = SW_BOUND_PERCENT;
            return 0;
        }
    for (size_t i = 0; i < sizeof ranged / sizeof ranged[0]; i++)
        if (strncmp(s, ranged[i].prefix, 3) == 0) {
            int pr = ranged[i].kind == SW_STAT_PR;
            const char *q = sw_stat_bound(s + 3, ':', !pr, &out->lo_kind, &out->lo);
            if (!q) return -1;
            q = sw_stat_bound(q + 1, ')', !pr, &out->hi_kind, &out->hi);
            if (!q || q[1] || (out->lo_kind == SW_BOUND_NONE && out->hi_kind == SW_BOUND_NONE)) return -1;
            if (out->lo_kind == out->hi_kind && out->lo > out->hi) return -1;
            out->kind = ranged[i].kind;
            return 0;
        }
    return -1;
}

int sw_stat_is_extended(const sw_stat *st) { return st->kind >= SW_STAT_PERCENTILE; }

int sw_stat_alarm_ok(const sw_stat *st) {
    if (!sw_stat_is_extended(st)) return 0;
    if (st->kind == SW_STAT_PERCENTILE || st->kind == SW_STAT_PR) return 1;
    /* tmNN-style shorthands and IQM */
    if (st->name[0] >= 'a' && st->name[0] <= 'z') return 1;
    if (strcmp(st->name, "IQM") == 0) return 1;
    return st->lo_kind == SW_BOUND_PERCENT && st->hi_kind == SW_BOUND_PERCENT && st->lo >= 10 && st->lo <= 90 &&
           st->hi >= 10 && st->hi <= 90;
}

typedef struct sw_wv { double v, w; } sw_wv;

static int sw_wv_cmp(const void *a, const void *b) {
    double x = ((const sw_wv *)a)->v, y = ((const sw_wv *)b)->v;
    return (x > y) - (x < y);
}

static int sw_double_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts values (and their weights with them) ascending; unit weights, the common case, sort alone. */
static void sw_sort_weighted(double *values, double *weights, size_t n) {
    int unit = 1;
    for (size_t i = 0; i < n && unit; i++) unit = weights[i] == 1;
    if (unit) { qsort(values, n, sizeof *values, sw_double_cmp); return; }
    sw_wv *pairs = sw_malloc(n * sizeof *pairs);
    for (size_t i = 0; i < n; i++) pairs[i] = (sw_wv){values[i], weights[i]};
    qsort(pairs, n, sizeof *pairs, sw_wv_cmp);
    for (size_t i = 0; i < n; i++) { values[i] = pairs[i].v; weights[i] = pairs[i].w; }
    sw_free(pairs);
}

/* Nearest rank over values already sorted ascending. */
static double sw_percentile_sorted(const double *values, const double *weights, size_t n, double p) {
    double total = 0, cum = 0;
    for (size_t i = 0; i < n; i++) total += weights[i];
    double rank = p / 100.0 * total;
    for (size_t i = 0; i < n; i++) {
        cum += weights[i];
        if (cum >= rank && cum > 0) return values[i];
    }
    return values[n - 1];
}

double sw_percentile(double *values, double *weights, size_t n, double p) {
    sw_sort_weighted(values, weights, n);
    return sw_percentile_sorted(values, weights, n, p);
}

/* The trimmed kinds over sorted weighted values: each value's weight is counted for the part of it that
 * lies inside both boundaries. A percentage boundary cuts by rank (the weight below it), a value boundary
 * by value (lower exclusive, upper inclusive). TM/TC/TS use what lies inside; WM moves what lies outside
 * to the boundary's value; PR is the percentage of the weight inside. Returns 0 or -1 (TM/WM of nothing). */
static int sw_trimmed(const sw_stat *st, const double *v, const double *w, size_t n, double *out) {
    double total = 0;
    for (size_t i = 0; i < n; i++) total += w[i];
    if (total <= 0) return -1;
    double rlo = st->lo_kind == SW_BOUND_PERCENT ? st->lo / 100.0 * total : 0;
    double rhi = st->hi_kind == SW_BOUND_PERCENT ? st->hi / 100.0 * total : total;
    double vlo = st->lo_kind == SW_BOUND_VALUE ? st->lo : -INFINITY, vhi = st->hi_kind == SW_BOUND_VALUE ? st->hi : INFINITY;
    if (st->kind == SW_STAT_WM) {
        /* The boundary values: the percentile at a percentage, or the value itself. */
        double blo = st->lo_kind == SW_BOUND_PERCENT ? sw_percentile_sorted(v, w, n, st->lo) : vlo;
        double bhi = st->hi_kind == SW_BOUND_PERCENT ? sw_percentile_sorted(v, w, n, st->hi) : vhi;
        double sum = 0;
        for (size_t i = 0; i < n; i++) sum += (v[i] < blo ? blo : v[i] > bhi ? bhi : v[i]) * w[i];
        *out = sum / total;
        return 0;
    }
    double cum = 0, in_w = 0, in_sum = 0;
    for (size_t i = 0; i < n; i++) {
        double a = cum, b = cum + w[i];
        cum = b;
        double lo = a > rlo ? a : rlo, hi = b < rhi ? b : rhi;
        if (hi <= lo) continue;
        if (!(v[i] > vlo && v[i] <= vhi)) continue;
        in_w += hi - lo;
        in_sum += (hi - lo) * v[i];
    }
    switch (st->kind) {
    case SW_STAT_TC: *out = in_w; return 0;
    case SW_STAT_TS: *out = in_sum; return 0;
    case SW_STAT_PR: *out = 100.0 * in_w / total; return 0;
    default:
        if (in_w <= 0) return -1;
        *out = in_sum / in_w;
        return 0;
    }
}

int sw_stat_compute(const sw_stat *st, sw_bucket *b, double *out) {
    switch (st->kind) {
    case SW_STAT_SAMPLECOUNT: *out = b->count; return 0;
    case SW_STAT_SUM: *out = b->sum; return 0;
    case SW_STAT_AVERAGE: *out = b->count > 0 ? b->sum / b->count : 0; return 0;
    case SW_STAT_MINIMUM: *out = b->min; return 0;
    case SW_STAT_MAXIMUM: *out = b->max; return 0;
    default:
        if (!b->exact || b->nvalues == 0) return -1;
        if (!b->sorted) { sw_sort_weighted(b->values, b->weights, b->nvalues); b->sorted = 1; }
        if (st->kind == SW_STAT_PERCENTILE) {
            *out = sw_percentile_sorted(b->values, b->weights, b->nvalues, st->p);
            return 0;
        }
        return sw_trimmed(st, b->values, b->weights, b->nvalues, out);
    }
    return -1;
}
