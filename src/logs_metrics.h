/* logs_metrics.h -- metric filters: CloudWatch Logs events turned into CloudWatch metrics at ingest. */
#ifndef SW_LOGS_METRICS_H
#define SW_LOGS_METRICS_H
#include "logstore.h"
#include "service.h"

/* A metric filter as PutMetricFilter defines it (one metric transformation, as the API allows). */
typedef struct sw_metric_filter_def {
    const char *name, *pattern;
    const char *metric_name, *metric_namespace, *metric_value, *unit;
    int has_default;
    double default_value;
    const char *dim_names[3], *dim_values[3];
    size_t ndims;
    int64_t creation_ms;
} sw_metric_filter_def;

/* Serializes def as JSON into out (the form stored with the log group). Can't fail. */
void sw_metric_filter_encode(const sw_metric_filter_def *def, sw_buf *out);
/* Parses a stored definition into def, with strings in arena a. Returns 0, or -1 on a damaged blob. */
int sw_metric_filter_decode(sw_arena *a, const char *blob, size_t len, sw_metric_filter_def *def);

/* Applies every metric filter of the group to events just stored, and writes the resulting datapoints
 * (aggregated per minute, dimension set and value) into the metrics engine. Returns 0, or -1 with
 * err set when the metrics engine cannot make them durable. */
int sw_logs_metrics_apply(sw_ctx *ctx, const char *group, const sw_log_event *ev, size_t n, sw_error *err);
/* Extracts a metric filter's value for one event that matched: a literal number, or a $selector.
 * Returns 0 and the value, or -1 when the selector is absent or not a number. */
int sw_metric_filter_value(const sw_filter *f, const char *selector, const char *msg, size_t len, double *out);

#endif
