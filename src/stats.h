/* stats.h -- CloudWatch statistics over one period's samples. */
#ifndef SW_STATS_H
#define SW_STATS_H
#include "metrics.h"

typedef enum { SW_STAT_SAMPLECOUNT, SW_STAT_SUM, SW_STAT_AVERAGE, SW_STAT_MINIMUM, SW_STAT_MAXIMUM, SW_STAT_PERCENTILE } sw_stat_kind;

typedef struct sw_stat {
    sw_stat_kind kind;
    double p;          /* percentile rank 0..100 for SW_STAT_PERCENTILE */
    char name[16];     /* as the client wrote it: "Average", "p99", "p99.9" */
} sw_stat;

/* Parses "SampleCount", "Sum", "Average", "Minimum", "Maximum" (simple) or "pNN" / "pNN.NN" with
 * 0 <= NN <= 100 and at most two decimals (extended). Returns 0 or -1 when the name is not one of them. */
int sw_stat_parse(const char *s, sw_stat *out);
/* Computes the statistic over a bucket. Returns 0, or -1 when it is not available (a percentile
 * over a bucket whose statistic sets hide the raw values). Sorts the bucket's values in place. */
int sw_stat_compute(const sw_stat *st, sw_bucket *b, double *out);
/* Nearest-rank percentile over weighted values: the smallest value v such that the weight of values
 * <= v is at least p% of the total weight (p = 0 gives the minimum). Sorts in place. n > 0. */
double sw_percentile(double *values, double *weights, size_t n, double p);

#endif
