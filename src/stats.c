/* stats.c -- statistics of a bucket; percentiles are exact over the raw values the head keeps. */
#include "stats.h"
#include "alloc.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sw_stat_parse(const char *s, sw_stat *out) {
    static const struct { const char *name; sw_stat_kind kind; } simple[] = {
        {"SampleCount", SW_STAT_SAMPLECOUNT}, {"Sum", SW_STAT_SUM}, {"Average", SW_STAT_AVERAGE},
        {"Minimum", SW_STAT_MINIMUM}, {"Maximum", SW_STAT_MAXIMUM}};
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        if (strcmp(s, simple[i].name) == 0) {
            out->kind = simple[i].kind;
            snprintf(out->name, sizeof out->name, "%s", s);
            return 0;
        }
    /* Extended statistic pNN.NN: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html */
    size_t n = strlen(s), i = 1, digits = 0, decimals = 0;
    if (n < 2 || n > 7 || s[0] != 'p') return -1;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++, decimals++;
        if (decimals == 0) return -1;
    }
    if (i != n || digits == 0 || digits > 3 || decimals > 2) return -1;
    double p = strtod(s + 1, NULL);
    if (p < 0 || p > 100) return -1;
    out->kind = SW_STAT_PERCENTILE;
    out->p = p;
    snprintf(out->name, sizeof out->name, "%s", s);
    return 0;
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

int sw_stat_compute(const sw_stat *st, sw_bucket *b, double *out) {
    switch (st->kind) {
    case SW_STAT_SAMPLECOUNT: *out = b->count; return 0;
    case SW_STAT_SUM: *out = b->sum; return 0;
    case SW_STAT_AVERAGE: *out = b->count > 0 ? b->sum / b->count : 0; return 0;
    case SW_STAT_MINIMUM: *out = b->min; return 0;
    case SW_STAT_MAXIMUM: *out = b->max; return 0;
    case SW_STAT_PERCENTILE:
        if (!b->exact || b->nvalues == 0) return -1;
        if (!b->sorted) { sw_sort_weighted(b->values, b->weights, b->nvalues); b->sorted = 1; }
        *out = sw_percentile_sorted(b->values, b->weights, b->nvalues, st->p);
        return 0;
    }
    return -1;
}
