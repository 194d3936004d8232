/* stats.h -- CloudWatch statistics over one period's samples. */
#ifndef SW_STATS_H
#define SW_STATS_H
#include "metrics.h"

typedef enum {
    SW_STAT_SAMPLECOUNT, SW_STAT_SUM, SW_STAT_AVERAGE, SW_STAT_MINIMUM, SW_STAT_MAXIMUM,
    SW_STAT_PERCENTILE,  /* pNN.NN */
    SW_STAT_TM,          /* trimmed mean: tmNN, TM(a:b), IQM */
    SW_STAT_WM,          /* winsorized mean: wmNN, WM(a:b) */
    SW_STAT_TC,          /* trimmed count: tcNN, TC(a:b) */
    SW_STAT_TS,          /* trimmed sum: tsNN, TS(a:b) */
    SW_STAT_PR           /* percentile rank: PR(a:b) */
} sw_stat_kind;

/* A boundary of TM/WM/TC/TS/PR: absent, a percentage of the values (by rank), or a value of the metric. */
typedef enum { SW_BOUND_NONE, SW_BOUND_PERCENT, SW_BOUND_VALUE } sw_bound_kind;

typedef struct sw_stat {
    sw_stat_kind kind;
    double p;          /* percentile rank 0..100 for SW_STAT_PERCENTILE */
    sw_bound_kind lo_kind, hi_kind;
    double lo, hi;     /* the boundaries of the trimmed kinds and PR */
    char name[64];     /* as the client wrote it: "Average", "p99", "TM(10%:90%)" */
} sw_stat;

/* Parses the statistics of CloudWatch's "Statistics definitions": "SampleCount", "Sum", "Average",
 * "Minimum", "Maximum"; percentiles pNN.NN; trimmed mean, winsorized mean, trimmed count and trimmed sum
 * as tmNN / wmNN / tcNN / tsNN (the lowest NN percent) or TM(a:b) / WM / TC / TS with either boundary
 * optional, each a percentage "10%" or a metric value "150" (0 to 100, up to 10 decimals, for
 * percentages); PR(a:b) (values, lower bound exclusive, upper inclusive); IQM (= TM(25%:75%)). Returns 0
 * or -1 when the name is not one of them. */
int sw_stat_parse(const char *s, sw_stat *out);
/* 1 for the statistics computed from raw values (all but the five simple ones). */
int sw_stat_is_extended(const sw_stat *st);
/* 1 when PutMetricAlarm accepts st as ExtendedStatistic: pNN, tmNN, tcNN, tsNN, wmNN, IQM, PR(n:m), and
 * TC/TM/TS/WM(X%:X%) with both boundaries percentages between 10 and 90. */
int sw_stat_alarm_ok(const sw_stat *st);
/* Computes the statistic over a bucket. Returns 0, or -1 when it is not available (an extended
 * statistic over a bucket whose statistic sets hide the raw values, or a trimmed mean of no values).
 * Sorts the bucket's values in place. */
int sw_stat_compute(const sw_stat *st, sw_bucket *b, double *out);
/* Nearest-rank percentile over weighted values: the smallest value v such that the weight of values
 * <= v is at least p% of the total weight (p = 0 gives the minimum). Sorts in place. n > 0. */
double sw_percentile(double *values, double *weights, size_t n, double p);

#endif
