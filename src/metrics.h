/* metrics.h -- the metrics engine: series index, in-memory head of samples, write-ahead log.
 * It knows metric identities, units and samples; it never sees a wire format or an AWS error. */
#ifndef SW_METRICS_H
#define SW_METRICS_H
#include <stddef.h>
#include <stdint.h>

typedef struct sw_metrics sw_metrics;

typedef struct sw_dim { const char *name; const char *value; } sw_dim;

/* A metric identity: account and region keep tenants apart; dimensions are an unordered set. */
typedef struct sw_metric_id {
    const char *account, *region, *ns, *name;
    const sw_dim *dims;
    size_t ndims;
} sw_metric_id;

typedef enum {
    SW_SAMPLE_VALUE,  /* one value, count 1 */
    SW_SAMPLE_SET     /* count/sum/min/max: a statistic set, or one value sent with a Count */
} sw_sample_kind;

typedef struct sw_datum {
    sw_metric_id id;
    const char *unit;   /* never NULL: "None" when the client gave none */
    uint32_t t;         /* epoch seconds */
    sw_sample_kind kind;
    double v;                       /* SW_SAMPLE_VALUE */
    double count, sum, min, max;    /* SW_SAMPLE_SET */
} sw_datum;

/* Opens the engine on dir (created if needed): loads the block files' indexes (mb-LO-HI.swb), then replays the
 * write-ahead logs not yet in a block file (metrics.wal.GEN, then metrics.wal). NULL + err on failure. */
sw_metrics *sw_metrics_open(const char *dir, char *err, size_t errlen);
/* Writes the head out to a block file first when there is one, so the next start has no log to replay. */
void sw_metrics_close(sw_metrics *m);
/* Seals the head and writes it to a block file now (a background thread does this when the head holds 4 Mi
 * samples or its oldest sample is 2 hours old on the engine's clock). Returns 0, or -1 when the file could
 * not be written: the samples then stay in the head and their logs are kept. */
int sw_metrics_flush(sw_metrics *m);
/* Performs the next rewrite of block files, if one is due at the engine clock's time (the background thread
 * calls it every second): files holding samples past a tier's retention are rewritten with them rolled up
 * (raw samples into 5-minute periods after raw_days, 5-minute into 1-hour after r300_days) or dropped (after
 * r3600_days); failing that, the head files of finished days are merged. Returns 1 when it rewrote, 0 when
 * nothing was due, -1 when the rewrite failed (the files stay as they were). */
int sw_metrics_compact(sw_metrics *m);
/* Retention of each tier, in days (defaults: CloudWatch's 15, 63 and 455). Raw samples are kept whole for
 * raw_days, so every statistic over them stays exact for that long. */
void sw_metrics_set_retention(sw_metrics *m, int raw_days, int r300_days, int r3600_days);
/* The same for the metrics of one namespace (at most 32 namespaces; -1 past that). */
int sw_metrics_set_namespace_retention(sw_metrics *m, const char *ns, int raw_days, int r300_days, int r3600_days);
/* Stores n datums atomically in the log, then in memory, and returns once they are durable.
 * Returns 0, or -1 if the log failed (nothing more can be promised durable). Thread-safe. */
int sw_metrics_put(sw_metrics *m, const sw_datum *d, size_t n);

/* Aggregation over [start, end) in buckets of period seconds starting at start. */
typedef struct sw_bucket {
    int64_t start;
    double count, sum, min, max;
    double *values, *weights;  /* raw samples (weight = count), when requested */
    size_t nvalues, cap;
    int exact;                 /* 0 when a statistic set made percentiles unavailable */
    int sorted;                /* values/weights are in ascending order (set by the statistics code) */
} sw_bucket;

typedef struct sw_series_result {
    char unit[64];
    sw_bucket *buckets;        /* only buckets with samples, in time order */
    size_t nbuckets;
} sw_series_result;

typedef struct sw_query_result {
    sw_series_result *units;   /* one per unit the metric was published with (after the unit filter) */
    size_t nunits;
} sw_query_result;

/* Aggregates the metric id (exact dimension set) into buckets. unit NULL = every unit, each
 * reported apart. with_values keeps raw values for percentiles. Returns 0 (an unknown metric
 * gives no units); the caller frees with sw_query_result_free. */
int sw_metrics_query(sw_metrics *m, const sw_metric_id *id, const char *unit, int64_t start, int64_t end,
                     int period, int with_values, sw_query_result *out);
void sw_query_result_free(sw_query_result *r);

/* ListMetrics: calls fn for each metric of account/region matching the filter, in creation order,
 * starting after the metric with sequence number `after` (0 = from the start), at most limit.
 * Sets *next to the sequence number to resume after, or 0 when the listing is complete. */
typedef struct sw_dim_filter { const char *name, *value; /* value NULL = any value */ } sw_dim_filter;
typedef struct sw_list_filter {
    const char *account, *region;
    const char *ns, *name;       /* NULL = any */
    const sw_dim_filter *dims;
    size_t ndims;
    int64_t active_since;        /* only metrics with a sample at or after this epoch second */
} sw_list_filter;
typedef void (*sw_metric_fn)(const sw_metric_id *id, void *arg);
size_t sw_metrics_list(sw_metrics *m, const sw_list_filter *f, uint64_t after, size_t limit, sw_metric_fn fn,
                       void *arg, uint64_t *next);

/* Counters for the log line at start-up and for benchmarks. */
typedef struct sw_metrics_stats {
    uint64_t metrics, series, samples, wal_bytes, replayed_records;
    uint64_t head_samples, block_files, flushes, damaged_files, damaged_blocks, compactions;
    uint64_t cache_hits, cache_misses, cache_bytes;  /* the decoded-block cache */
} sw_metrics_stats;
void sw_metrics_get_stats(sw_metrics *m, sw_metrics_stats *s);

#endif
