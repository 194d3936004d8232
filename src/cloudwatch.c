/* cloudwatch.c -- CloudWatch metric operations: PutMetricData, ListMetrics, GetMetricStatistics,
 * GetMetricData. Rules and messages follow the CloudWatch API reference for each operation. */
#include "alloc.h"
#include "log.h"
#include "service.h"
#include "alarms_api.h"
#include "pmd.h"
#include "stats.h"
#include "metric_math.h"
#include <math.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SW_MAX_DATUMS 1000          /* PutMetricData: "up to 1000 different metrics" per request */
#define SW_MAX_VALUES 150           /* Values/Counts arrays: "up to 150 values per metric" */
#define SW_LIST_PAGE 500            /* ListMetrics: "Up to 500 results are returned for any one call" */
#define SW_MAX_GMS_POINTS 1440      /* GetMetricStatistics datapoint limit */
#define SW_MAX_GMD_QUERIES 500
#define SW_MAX_GMD_POINTS 100800
#define SW_TWO_WEEKS (14 * 86400)
#define SW_TWO_HOURS (2 * 3600)
#define SW_MAX_DIMS 30              /* dimensions of a metric, and of a SEARCH schema */
#define SW_MAX_SEARCH_RESULTS 500   /* "A search expression can return up to 500 time series" */

static const double sw_value_limit = 0x1p360; /* "Values must be in the range of -2^360 to 2^360" */

static int sw_value_ok(double v) { return isfinite(v) && fabs(v) <= sw_value_limit; }

/* ---------- PutMetricData ---------- */

typedef struct sw_put { sw_datum *d; size_t n, cap; } sw_put;

static int sw_put_push(sw_ctx *ctx, sw_put *p, const sw_datum *d, sw_error *err) {
    if (p->n == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 64;
        sw_datum *nd = sw_arena_alloc_raw(ctx->arena, ncap * sizeof *nd);
        if (!nd) return sw_error_set(err, 413, "RequestEntityTooLarge", "Request too large.");
        if (p->n) memcpy(nd, p->d, p->n * sizeof *nd);
        p->d = nd;
        p->cap = ncap;
    }
    p->d[p->n++] = *d;
    return 0;
}

static int sw_datum_dims(const sw_pmd_datum *f, size_t idx, sw_datum *d, sw_error *err) {
    if (!(f->has & SW_PMD_DIMS)) return 0;
    for (size_t i = 0; i < f->ndims; i++)
        for (size_t j = 0; j < i; j++)
            if (f->dims[j].name[0] == f->dims[i].name[0] && strcmp(f->dims[j].name, f->dims[i].name) == 0)
                return SW_ERR_INVALID_PARAMETER(err, "The dimension %s is specified more than once in MetricData.member.%zu.Dimensions.",
                                                f->dims[i].name, idx);
    d->id.dims = f->dims;
    d->id.ndims = f->ndims;
    return 0;
}

static int sw_datum_time(sw_ctx *ctx, const sw_pmd_datum *f, size_t idx, sw_datum *d, sw_error *err) {
    int64_t now = ctx->now_ms / 1000;
    double t = f->has & SW_PMD_TIMESTAMP ? f->timestamp : (double)now;
    /* PutMetricData: "Data points with time stamps from 24 hours ago or longer can take at least 48 hours
     * to become available"; data older than two weeks or more than two hours in the future is rejected. */
    if (t < (double)(now - SW_TWO_WEEKS))
        return SW_ERR_INVALID_PARAMETER(err, "The parameter MetricData.member.%zu.Timestamp must specify a time no more than two weeks in the past.", idx);
    if (t > (double)(now + SW_TWO_HOURS))
        return SW_ERR_INVALID_PARAMETER(err, "The parameter MetricData.member.%zu.Timestamp must specify a time no more than two hours in the future.", idx);
    int64_t res = f->has & SW_PMD_RESOLUTION ? f->resolution : 60;
    if (res != 1 && res != 60)
        return SW_ERR_INVALID_PARAMETER(err, "The value %lld for parameter MetricData.member.%zu.StorageResolution is invalid. Valid values are 1 and 60.",
                                        (long long)res, idx);
    int64_t secs = (int64_t)floor(t);
    d->t = (uint32_t)(res == 60 ? secs - secs % 60 : secs); /* standard resolution keeps one-minute granularity */
    return 0;
}

static int sw_datum_values(sw_ctx *ctx, sw_put *p, const sw_pmd_datum *f, size_t idx, sw_datum *d, sw_error *err) {
    int value = (f->has & SW_PMD_VALUE) != 0, values = (f->has & SW_PMD_VALUES) != 0;
    int counts = (f->has & SW_PMD_COUNTS) != 0, set = (f->has & SW_PMD_SET) != 0;
    if (value && set)
        return SW_ERR_INVALID_COMBINATION(err, "The parameters MetricData.member.%zu.Value and MetricData.member.%zu.StatisticValues are mutually exclusive and you have specified both.", idx, idx);
    if (value && values)
        return SW_ERR_INVALID_COMBINATION(err, "The parameters MetricData.member.%zu.Value and MetricData.member.%zu.Values are mutually exclusive and you have specified both.", idx, idx);
    if (values && set)
        return SW_ERR_INVALID_COMBINATION(err, "The parameters MetricData.member.%zu.Values and MetricData.member.%zu.StatisticValues are mutually exclusive and you have specified both.", idx, idx);
    if (counts && !values)
        return SW_ERR_INVALID_COMBINATION(err, "The parameter MetricData.member.%zu.Counts must be specified together with MetricData.member.%zu.Values.", idx, idx);
    if (set) {
        double c = f->count, s = f->sum, mn = f->min, mx = f->max;
        if (!sw_value_ok(c) || !sw_value_ok(s) || !sw_value_ok(mn) || !sw_value_ok(mx) || c <= 0)
            return SW_ERR_INVALID_PARAMETER(err, "The parameter MetricData.member.%zu.StatisticValues has an invalid value: SampleCount must be positive and every value finite and within -2^360 to 2^360.", idx);
        if (mn > mx)
            return SW_ERR_INVALID_PARAMETER(err, "The parameter MetricData.member.%zu.StatisticValues.Minimum must not be greater than Maximum.", idx);
        d->kind = SW_SAMPLE_SET;
        d->count = c, d->sum = s, d->min = mn, d->max = mx;
        return sw_put_push(ctx, p, d, err);
    }
    if (values) {
        size_t n = f->nvalues;
        if (n > SW_MAX_VALUES)
            return SW_ERR_INVALID_PARAMETER(err, "The collection MetricData.member.%zu.Values must not have a size greater than %d.", idx, SW_MAX_VALUES);
        if (counts && f->ncounts != n)
            return SW_ERR_INVALID_PARAMETER(err, "The parameters MetricData.member.%zu.Values and MetricData.member.%zu.Counts must be arrays of the same size.", idx, idx);
        for (size_t i = 0; i < n; i++) {
            double v = f->values[i], c = counts ? f->counts[i] : 1;
            if (!sw_value_ok(v))
                return SW_ERR_INVALID_PARAMETER(err, "The value %g for parameter MetricData.member.%zu.Values.member.%zu is invalid.", v, idx, i + 1);
            if (!sw_value_ok(c) || c < 0)
                return SW_ERR_INVALID_PARAMETER(err, "The value %g for parameter MetricData.member.%zu.Counts.member.%zu is invalid.", c, idx, i + 1);
            if (c == 0) continue;
            sw_datum one = *d;
            if (c == 1) one.kind = SW_SAMPLE_VALUE, one.v = v;
            else one.kind = SW_SAMPLE_SET, one.count = c, one.sum = v * c, one.min = v, one.max = v;
            if (sw_put_push(ctx, p, &one, err)) return -1;
        }
        return 0;
    }
    if (!value)
        return SW_ERR_INVALID_COMBINATION(err, "One of the parameters MetricData.member.%zu.Value, MetricData.member.%zu.Values or MetricData.member.%zu.StatisticValues must be specified.", idx, idx, idx);
    if (!sw_value_ok(f->value))
        return SW_ERR_INVALID_PARAMETER(err, "The value %s for parameter MetricData.member.%zu.Value is invalid.",
                                        isnan(f->value) ? "NaN" : isinf(f->value) ? (f->value > 0 ? "Infinity" : "-Infinity") : "out of range", idx);
    d->kind = SW_SAMPLE_VALUE;
    d->v = f->value;
    return sw_put_push(ctx, p, d, err);
}

/* Validates the typed input (the model's checks are done) and stores it: all datums or none. */
static int sw_put_metric_data_typed(sw_ctx *ctx, const sw_pmd *in, sw_error *err) {
    const char *ns = in->ns ? in->ns : "";
    /* "You cannot specify a namespace that begins with 'AWS/'": reserved for AWS services (trusted keys here). */
    if (strncmp(ns, "AWS/", 4) == 0 && !ctx->trusted)
        return SW_ERR_INVALID_PARAMETER(err, "The value %s for parameter Namespace is invalid.", ns);
    if (!in->data) return SW_ERR_MISSING_PARAMETER(err, "The parameter MetricData is required.");
    if (in->n > SW_MAX_DATUMS)
        return SW_ERR_INVALID_PARAMETER(err, "The collection MetricData must not have a size greater than %d.", SW_MAX_DATUMS);
    sw_put p = {0};
    /* One datapoint per datum is the common case: room for them up front, grown only for Values. */
    if (in->n && !(p.d = sw_arena_alloc_raw(ctx->arena, in->n * sizeof *p.d)))
        return sw_error_set(err, 413, "RequestEntityTooLarge", "Request too large.");
    p.cap = in->n;
    for (size_t i = 0; i < in->n; i++) {
        const sw_pmd_datum *f = &in->data[i];
        sw_datum d = {0};
        d.id.account = ctx->account;
        d.id.region = ctx->region;
        d.id.ns = ns;
        d.id.name = f->name ? f->name : "";
        d.unit = f->unit ? f->unit : "None";
        if (sw_datum_dims(f, i + 1, &d, err) || sw_datum_time(ctx, f, i + 1, &d, err) ||
            sw_datum_values(ctx, &p, f, i + 1, &d, err))
            return -1;
    }
    if (sw_metrics_put(ctx->metrics, p.d, p.n))
        return SW_ERR_INTERNAL(err, "The write-ahead log failed; the data may not be durable.");
    return 0;
}

static int sw_put_metric_data(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_pmd pmd;
    if (sw_pmd_from_value(ctx->arena, in, &pmd)) return sw_error_set(err, 413, "RequestEntityTooLarge", "Request too large.");
    return sw_put_metric_data_typed(ctx, &pmd, err);
}

/* AWS JSON 1.0 bodies in one pass (pmd_json.c); anything it declines goes through sw_put_metric_data. */
static int sw_put_metric_data_json(sw_ctx *ctx, const sw_operation *op, const char *body, size_t len, sw_value **out,
                                   sw_error *err) {
    sw_pmd pmd;
    if (sw_pmd_json_decode(ctx->arena, op->input, body, len, &pmd)) return 1;
    return sw_put_metric_data_typed(ctx, &pmd, err);
}

/* ---------- shared helpers ---------- */

/* Fills a metric identity from a {Namespace, MetricName, Dimensions} structure. */
static int sw_metric_from(sw_ctx *ctx, const sw_value *v, sw_metric_id *id, sw_error *err) {
    memset(id, 0, sizeof *id);
    id->account = ctx->account;
    id->region = ctx->region;
    id->ns = sw_v_get_str(v, "Namespace", NULL);
    id->name = sw_v_get_str(v, "MetricName", NULL);
    sw_value *dims = sw_v_get(v, "Dimensions");
    if (!dims) return 0;
    sw_dim *out = sw_arena_alloc(ctx->arena, (dims->u.list.n + 1) * sizeof *out);
    if (!out) return sw_error_set(err, 413, "RequestEntityTooLarge", "Request too large.");
    for (size_t i = 0; i < dims->u.list.n; i++) {
        out[i].name = sw_v_get_str(dims->u.list.items[i], "Name", "");
        out[i].value = sw_v_get_str(dims->u.list.items[i], "Value", "");
    }
    id->dims = out;
    id->ndims = dims->u.list.n;
    return 0;
}

static sw_value *sw_dims_value(sw_arena *a, const sw_metric_id *id) {
    sw_value *list = sw_v_list(a);
    for (size_t i = 0; list && i < id->ndims; i++) {
        sw_value *d = sw_v_map(a);
        if (sw_v_map_putc(a, d, "Name", sw_v_cstr(a, id->dims[i].name)) ||
            sw_v_map_putc(a, d, "Value", sw_v_cstr(a, id->dims[i].value)) || sw_v_list_push(a, list, d))
            return NULL;
    }
    return list;
}

/* Valid periods: 1, 5, 10, 20, 30, 60 or any multiple of 60 (GetMetricStatistics "Period"). */
static int sw_period_ok(int64_t p) { return p == 1 || p == 5 || p == 10 || p == 20 || p == 30 || (p > 0 && p % 60 == 0); }

/* Rounds StartTime down as the API reference describes: to the second for high-resolution periods,
 * the minute within 15 days, 5 minutes within 63 days, the hour beyond. */
static int64_t sw_round_start(int64_t start, int64_t now, int64_t period) {
    int64_t age = now - start, unit = 1;
    if (period >= 60) unit = 60;
    if (age > 15 * 86400) unit = 300;
    if (age > 63 * 86400) unit = 3600;
    int64_t r = start - ((start % unit) + unit) % unit;
    return r;
}

/* ---------- ListMetrics ---------- */

typedef struct sw_list_ctx { sw_arena *a; sw_value *metrics; int failed; } sw_list_ctx;

static void sw_list_one(const sw_metric_id *id, void *arg) {
    sw_list_ctx *lc = arg;
    sw_value *m = sw_v_map(lc->a);
    if (sw_v_map_putc(lc->a, m, "Namespace", sw_v_cstr(lc->a, id->ns)) ||
        sw_v_map_putc(lc->a, m, "MetricName", sw_v_cstr(lc->a, id->name)) ||
        sw_v_map_putc(lc->a, m, "Dimensions", sw_dims_value(lc->a, id)) || sw_v_list_push(lc->a, lc->metrics, m))
        lc->failed = 1;
}

/* Tokens are "<prefix><decimal>"; anything else (signs, overflow, other bytes) is refused. */
static int sw_token_parse(const char *tok, const char *prefix, uint64_t *out) {
    size_t pl = strlen(prefix), n = strlen(tok);
    if (strncmp(tok, prefix, pl) != 0 || n == pl || n - pl > 18) return -1;
    uint64_t v = 0;
    for (size_t i = pl; i < n; i++) {
        if (tok[i] < '0' || tok[i] > '9') return -1;
        v = v * 10 + (uint64_t)(tok[i] - '0');
    }
    *out = v;
    return 0;
}

static int sw_list_metrics(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_list_filter f = {.account = ctx->account, .region = ctx->region};
    f.ns = sw_v_get_str(in, "Namespace", NULL);
    f.name = sw_v_get_str(in, "MetricName", NULL);
    int64_t now = ctx->now_ms / 1000;
    /* Metrics without data for two weeks are not listed; RecentlyActive=PT3H narrows to three hours. */
    f.active_since = now - SW_TWO_WEEKS;
    const char *recent = sw_v_get_str(in, "RecentlyActive", NULL);
    if (recent) f.active_since = now - 3 * 3600;
    sw_value *dims = sw_v_get(in, "Dimensions");
    if (dims) {
        sw_dim_filter *df = sw_arena_alloc(ctx->arena, (dims->u.list.n + 1) * sizeof *df);
        if (!df) return sw_error_set(err, 413, "RequestEntityTooLarge", "Request too large.");
        for (size_t i = 0; i < dims->u.list.n; i++) {
            df[i].name = sw_v_get_str(dims->u.list.items[i], "Name", "");
            df[i].value = sw_v_get_str(dims->u.list.items[i], "Value", NULL);
        }
        f.dims = df;
        f.ndims = dims->u.list.n;
    }
    uint64_t after = 0, next = 0;
    const char *token = sw_v_get_str(in, "NextToken", NULL);
    if (token && sw_token_parse(token, "lm1.", &after))
        return SW_ERR_INVALID_NEXT_TOKEN(err, "The service couldn't process the NextToken value: %.64s", token);
    sw_list_ctx lc = {ctx->arena, sw_v_list(ctx->arena), 0};
    sw_metrics_list(ctx->metrics, &f, after, SW_LIST_PAGE, sw_list_one, &lc, &next);
    *out = sw_v_map(ctx->arena);
    if (lc.failed || !lc.metrics || sw_v_map_putc(ctx->arena, *out, "Metrics", lc.metrics))
        return sw_error_set(err, 413, "RequestEntityTooLarge", "Request too large.");
    if (next) {
        char tok[40];
        snprintf(tok, sizeof tok, "lm1.%llu", (unsigned long long)next);
        sw_v_map_putc(ctx->arena, *out, "NextToken", sw_v_cstr(ctx->arena, tok));
    }
    return 0;
}

/* ---------- GetMetricStatistics ---------- */

static int sw_gms_stats(const sw_value *in, sw_stat *stats, size_t *n, sw_error *err) {
    sw_value *simple = sw_v_get(in, "Statistics"), *ext = sw_v_get(in, "ExtendedStatistics");
    *n = 0;
    if (!simple && !ext)
        return SW_ERR_MISSING_PARAMETER(err, "Must specify either Statistics or ExtendedStatistics.");
    for (size_t i = 0; simple && i < simple->u.list.n; i++)
        if (sw_stat_parse(simple->u.list.items[i]->u.str.s, &stats[(*n)++])) return -1; /* enum checked by the model */
    for (size_t i = 0; ext && i < ext->u.list.n; i++) {
        const char *s = ext->u.list.items[i]->u.str.s;
        if (sw_stat_parse(s, &stats[*n]) || stats[*n].kind != SW_STAT_PERCENTILE)
            return SW_ERR_INVALID_PARAMETER(err, "The value %.32s for parameter ExtendedStatistics is not supported.", s);
        (*n)++;
    }
    return 0;
}

static sw_value *sw_datapoint(sw_arena *a, sw_bucket *b, const char *unit, const sw_stat *stats, size_t nstats) {
    sw_value *dp = sw_v_map(a), *ext = NULL;
    if (sw_v_map_putc(a, dp, "Timestamp", sw_v_time(a, (double)b->start))) return NULL;
    for (size_t i = 0; i < nstats; i++) {
        double v;
        if (sw_stat_compute(&stats[i], b, &v)) continue;
        if (stats[i].kind == SW_STAT_PERCENTILE) {
            if (!ext) ext = sw_v_map(a);
            if (sw_v_map_putc(a, ext, stats[i].name, sw_v_double(a, v))) return NULL;
        } else if (sw_v_map_putc(a, dp, stats[i].name, sw_v_double(a, v))) return NULL;
    }
    if (ext && sw_v_map_putc(a, dp, "ExtendedStatistics", ext)) return NULL;
    if (sw_v_map_putc(a, dp, "Unit", sw_v_cstr(a, unit))) return NULL;
    return dp;
}

/* Timestamps are clamped to [0, 2^32) seconds, the range the engine stores. */
static double sw_clamp_time(double t) { return t < 0 ? 0 : t > 4294967295.0 ? 4294967295.0 : t; }

static int sw_time_range(sw_ctx *ctx, const sw_value *in, int64_t period, int64_t *start, int64_t *end, sw_error *err) {
    double s = sw_clamp_time(sw_v_get_double(in, "StartTime", 0)), e = sw_clamp_time(sw_v_get_double(in, "EndTime", 0));
    if (!(s < e)) return SW_ERR_INVALID_PARAMETER(err, "The parameter StartTime must be less than the parameter EndTime.");
    *start = sw_round_start((int64_t)floor(s), ctx->now_ms / 1000, period);
    *end = (int64_t)ceil(e);
    return 0;
}

static int sw_get_metric_statistics(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_stat stats[16];
    size_t nstats;
    int64_t period = sw_v_get_int(in, "Period", 0), start = 0, end = 0;
    if (sw_gms_stats(in, stats, &nstats, err)) return -1;
    if (!sw_period_ok(period))
        return SW_ERR_INVALID_PARAMETER(err, "The parameter Period must be 1, 5, 10, 20, 30, 60, or a multiple of 60.");
    if (sw_time_range(ctx, in, period, &start, &end, err)) return -1;
    int64_t points = (end - start + period - 1) / period;
    if (points > SW_MAX_GMS_POINTS)
        return SW_ERR_INVALID_COMBINATION(err, "You have requested up to %lld datapoints, which exceeds the limit of %d. You may reduce the datapoints requested by increasing Period, or decreasing the time range.",
                                          (long long)points, SW_MAX_GMS_POINTS);
    sw_metric_id id;
    if (sw_metric_from(ctx, in, &id, err)) return -1;
    int with_values = 0;
    for (size_t i = 0; i < nstats; i++) with_values |= stats[i].kind == SW_STAT_PERCENTILE;
    sw_query_result r;
    sw_metrics_query(ctx->metrics, &id, sw_v_get_str(in, "Unit", NULL), start, end, (int)period, with_values, &r);
    sw_value *dps = sw_v_list(ctx->arena);
    int failed = !dps;
    /* Datapoints in time order; a metric published with several units gives one datapoint per unit. */
    for (size_t u = 0; u < r.nunits && !failed; u++)
        for (size_t i = 0; i < r.units[u].nbuckets && !failed; i++) {
            sw_value *dp = sw_datapoint(ctx->arena, &r.units[u].buckets[i], r.units[u].unit, stats, nstats);
            failed = !dp || sw_v_list_push(ctx->arena, dps, dp);
        }
    sw_query_result_free(&r);
    *out = sw_v_map(ctx->arena);
    if (failed || sw_v_map_putc(ctx->arena, *out, "Label", sw_v_cstr(ctx->arena, id.name)) ||
        sw_v_map_putc(ctx->arena, *out, "Datapoints", dps))
        return sw_error_set(err, 413, "RequestEntityTooLarge", "Request too large.");
    return 0;
}

/* ---------- GetMetricData ---------- */

typedef struct sw_series_out { const char *id, *label; double *t, *v; size_t n; } sw_series_out;

static int sw_id_ok(const char *s) {
    if (!(s[0] >= 'a' && s[0] <= 'z')) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_')) return 0;
    return 1;
}

/* Merges every unit's buckets into one bucket per period (GetMetricData without Unit aggregates all units). */
static void sw_merge_units(sw_query_result *r, sw_bucket **out, size_t *n) {
    if (r->nunits == 1) { /* the usual case: the buckets as they are (the result keeps nothing) */
        *out = r->units[0].buckets, *n = r->units[0].nbuckets;
        r->units[0].buckets = NULL, r->units[0].nbuckets = 0;
        if (!*out) *out = sw_calloc(1, sizeof **out);
        return;
    }
    size_t total = 0;
    for (size_t u = 0; u < r->nunits; u++) total += r->units[u].nbuckets;
    sw_bucket *m = sw_calloc(total ? total : 1, sizeof *m);
    size_t k = 0;
    for (size_t u = 0; u < r->nunits; u++)
        for (size_t i = 0; i < r->units[u].nbuckets; i++) {
            sw_bucket *b = &r->units[u].buckets[i], *t = NULL;
            for (size_t j = 0; j < k && !t; j++) if (m[j].start == b->start) t = &m[j];
            if (!t) { m[k] = *b; m[k].values = NULL; m[k].weights = NULL; m[k].nvalues = m[k].cap = 0; t = &m[k++]; }
            else {
                if (b->min < t->min) t->min = b->min;
                if (b->max > t->max) t->max = b->max;
                t->count += b->count;
                t->sum += b->sum;
                t->exact &= b->exact;
            }
            for (size_t v = 0; v < b->nvalues; v++) {
                if (t->nvalues == t->cap) {
                    t->cap = t->cap ? t->cap * 2 : 16;
                    t->values = sw_realloc(t->values, t->cap * sizeof *t->values);
                    t->weights = sw_realloc(t->weights, t->cap * sizeof *t->weights);
                }
                t->values[t->nvalues] = b->values[v];
                t->weights[t->nvalues++] = b->weights[v];
            }
        }
    *out = m;
    *n = k;
}

static int sw_bucket_cmp(const void *a, const void *b) {
    int64_t x = ((const sw_bucket *)a)->start, y = ((const sw_bucket *)b)->start;
    return (x > y) - (x < y);
}

static int sw_gmd_query(sw_ctx *ctx, const sw_value *q, size_t idx, double start_time, double end_time, int descending,
                        sw_series_out *so, sw_error *err) {
    const char *id = sw_v_get_str(q, "Id", "");
    if (!sw_id_ok(id))
        return SW_ERR_INVALID_PARAMETER(err, "The value %.255s for parameter MetricDataQueries.member.%zu.Id is invalid: it must start with a lowercase letter and contain only letters, numbers and underscores.", id, idx);
    sw_value *ms = sw_v_get(q, "MetricStat");
    if (!ms) return SW_ERR_MISSING_PARAMETER(err, "The parameter MetricDataQueries.member.%zu.MetricStat is required when Expression is not given.", idx);
    sw_stat st;
    const char *stat = sw_v_get_str(ms, "Stat", "");
    if (sw_stat_parse(stat, &st))
        return SW_ERR_INVALID_PARAMETER(err, "The value %.64s for parameter MetricDataQueries.member.%zu.MetricStat.Stat is not supported. Supported: SampleCount, Sum, Average, Minimum, Maximum, pNN.NN, tmNN, wmNN, tcNN, tsNN, TM(a:b), WM(a:b), TC(a:b), TS(a:b), PR(a:b), IQM.", stat, idx);
    int64_t period = sw_v_get_int(ms, "Period", 0);
    if (!sw_period_ok(period))
        return SW_ERR_INVALID_PARAMETER(err, "The parameter MetricDataQueries.member.%zu.MetricStat.Period must be 1, 5, 10, 20, 30, 60, or a multiple of 60.", idx);
    sw_metric_id mid;
    if (sw_metric_from(ctx, sw_v_get(ms, "Metric"), &mid, err)) return -1;
    if (!mid.ns || !mid.name)
        return SW_ERR_MISSING_PARAMETER(err, "The parameters MetricDataQueries.member.%zu.MetricStat.Metric.Namespace and MetricName are required.", idx);
    int64_t start = sw_round_start((int64_t)floor(start_time), ctx->now_ms / 1000, period), end = (int64_t)ceil(end_time);
    sw_query_result r;
    sw_metrics_query(ctx->metrics, &mid, sw_v_get_str(ms, "Unit", NULL), start, end, (int)period,
                     sw_stat_is_extended(&st), &r);
    sw_bucket *b;
    size_t nb;
    sw_merge_units(&r, &b, &nb);
    sw_query_result_free(&r);
    qsort(b, nb, sizeof *b, sw_bucket_cmp);
    so->id = id;
    so->label = sw_v_get_str(q, "Label", mid.name);
    so->t = sw_arena_alloc(ctx->arena, (nb + 1) * sizeof *so->t);
    so->v = sw_arena_alloc(ctx->arena, (nb + 1) * sizeof *so->v);
    int failed = !so->t || !so->v;
    for (size_t i = 0; i < nb; i++) {
        sw_bucket *x = &b[descending ? nb - 1 - i : i];
        double v;
        if (!failed && sw_stat_compute(&st, x, &v) == 0) { so->t[so->n] = (double)x->start; so->v[so->n++] = v; }
        sw_free(x->values);
        sw_free(x->weights);
    }
    sw_free(b);
    return failed ? sw_error_set(err, 413, "RequestEntityTooLarge", "Request too large.") : 0;
}

/* Emits the results from datapoint offset `skip`, at most max datapoints; *more is set when some remain. */
static sw_value *sw_gmd_results(sw_arena *a, sw_series_out *so, size_t n, uint64_t skip, uint64_t max, uint64_t *emitted, int *more) {
    sw_value *results = sw_v_list(a);
    uint64_t pos = 0;
    *emitted = 0;
    *more = 0;
    for (size_t i = 0; results && i < n; i++) {
        sw_value *r = sw_v_map(a), *ts = sw_v_list(a), *vs = sw_v_list(a);
        int partial = 0;
        for (size_t k = 0; k < so[i].n; k++, pos++) {
            if (pos < skip) continue;
            if (*emitted == max) { partial = 1; *more = 1; break; }
            if (sw_v_list_push(a, ts, sw_v_time(a, so[i].t[k])) || sw_v_list_push(a, vs, sw_v_double(a, so[i].v[k]))) return NULL;
            (*emitted)++;
        }
        if (sw_v_map_putc(a, r, "Id", sw_v_cstr(a, so[i].id)) || sw_v_map_putc(a, r, "Label", sw_v_cstr(a, so[i].label)) ||
            sw_v_map_putc(a, r, "Timestamps", ts) || sw_v_map_putc(a, r, "Values", vs) ||
            sw_v_map_putc(a, r, "StatusCode", sw_v_cstr(a, partial ? "PartialData" : "Complete")) ||
            sw_v_list_push(a, results, r))
            return NULL;
    }
    return results;
}

/* ---------- metric math ---------- */

static int sw_double_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One query's value as a series on the grid (a MetricStat result). */
static void sw_align(const sw_series_out *so, const double *grid, size_t n, sw_mm_value *v) {
    double *vals = sw_malloc((n ? n : 1) * sizeof *vals);
    for (size_t i = 0, k = 0; i < n; i++) {
        while (k < so->n && so->t[k] < grid[i]) k++;
        vals[i] = k < so->n && so->t[k] == grid[i] ? so->v[k] : NAN;
    }
    *v = (sw_mm_value){0, 0, 0, sw_malloc(sizeof(sw_mm_series)), 1};
    v->ser[0] = (sw_mm_series){sw_strdup(so->label), vals};
}

/* A new slot at the end of the results, growing them in the arena; NULL when the arena is full. */
static sw_series_out *sw_out_slot(sw_ctx *ctx, sw_series_out **out, size_t *nout, size_t *cap) {
    if (*nout == *cap) {
        size_t nc = *cap * 2 + 4;
        sw_series_out *grown = sw_arena_alloc(ctx->arena, nc * sizeof *grown);
        if (!grown) return NULL;
        if (*nout) memcpy(grown, *out, *nout * sizeof *grown);
        *out = grown, *cap = nc;
    }
    return &(*out)[(*nout)++];
}

/* Appends an expression's value as results (one per series; a scalar holds on every grid timestamp). */
static int sw_math_results(sw_ctx *ctx, const sw_series_out *q, const sw_mm_value *v, const double *grid, size_t n,
                           sw_series_out **out, size_t *nout, size_t *cap) {
    size_t count = v->scalar ? 1 : v->nser;
    for (size_t k = 0; k < count; k++) {
        sw_series_out *r = sw_out_slot(ctx, out, nout, cap);
        if (!r) return -1;
        /* An array's series are told apart by their own labels; a single result takes the query's. */
        const char *label = v->array && !v->scalar && v->nser > 1 ? v->ser[k].label : q->label;
        sw_value *copy = sw_v_cstr(ctx->arena, label); /* the series' labels are freed with the values */
        *r = (sw_series_out){q->id, copy ? copy->u.str.s : NULL, sw_arena_alloc(ctx->arena, (n + 1) * sizeof(double)),
                             sw_arena_alloc(ctx->arena, (n + 1) * sizeof(double)), 0};
        if (!r->t || !r->v || !r->label) return -1;
        for (size_t i = 0; i < n; i++) {
            double x = v->scalar ? v->s : v->ser[k].v[i];
            if (isnan(x)) continue;
            r->t[r->n] = grid[i], r->v[r->n++] = x;
        }
    }
    return 0;
}

/* ---------- SEARCH ---------- */

typedef struct sw_search_ctx { sw_ctx *ctx; double end; } sw_search_ctx;

/* A parsed search string: "{Namespace,Dim,...} terms", terms being Key=value, Key="value", words, "phrases". */
typedef struct sw_search {
    char ns[256];
    int schema, ndims;
    char dims[SW_MAX_DIMS][256];
    int nterms;
    struct { char key[256], value[256]; } terms[16];
} sw_search;

/* Copies a possibly quoted token at *p up to a stop character into out; advances *p. */
static int sw_search_token(const char **p, const char *stops, char *out, size_t cap) {
    const char *s = *p;
    size_t k = 0;
    if (*s == '"') {
        for (s++; *s && *s != '"'; s++) if (k + 1 < cap) out[k++] = *s;
        if (*s != '"') return -1;
        s++;
    } else
        for (; *s && !strchr(stops, *s); s++) if (k + 1 < cap) out[k++] = *s;
    out[k] = '\0';
    *p = s;
    return 0;
}

static int sw_search_parse(const char *q, sw_search *sr, char *err, size_t errlen) {
    memset(sr, 0, sizeof *sr);
    const char *p = q;
    while (*p == ' ') p++;
    if (*p == '{') {
        sr->schema = 1;
        p++;
        for (int field = 0;; field++) {
            while (*p == ' ') p++;
            char tok[256];
            if (sw_search_token(&p, ",} ", tok, sizeof tok)) return snprintf(err, errlen, "Error in SEARCH: unterminated quote."), -1;
            while (*p == ' ') p++;
            if (field == 0) snprintf(sr->ns, sizeof sr->ns, "%s", tok);
            else if (sr->ndims < SW_MAX_DIMS) snprintf(sr->dims[sr->ndims++], sizeof sr->dims[0], "%s", tok);
            if (*p == '}') { p++; break; }
            if (*p != ',') return snprintf(err, errlen, "Error in SEARCH: the schema must be {Namespace,DimensionName,...}."), -1;
            p++;
        }
    }
    for (;;) {
        while (*p == ' ') p++;
        if (!*p) return 0;
        if (*p == '(' || *p == ')' || strncmp(p, "OR ", 3) == 0 || strncmp(p, "NOT ", 4) == 0)
            return snprintf(err, errlen, "Error in SEARCH: OR, NOT and parentheses are not supported by skywatch."), -1;
        if (strncmp(p, "AND ", 4) == 0) { p += 4; continue; }
        if (sr->nterms == 16) return snprintf(err, errlen, "Error in SEARCH: too many terms."), -1;
        char tok[256];
        if (sw_search_token(&p, "= ", tok, sizeof tok)) return snprintf(err, errlen, "Error in SEARCH: unterminated quote."), -1;
        if (*p == '=') {
            p++;
            snprintf(sr->terms[sr->nterms].key, sizeof sr->terms[0].key, "%s", tok);
            if (sw_search_token(&p, " ", sr->terms[sr->nterms].value, sizeof sr->terms[0].value))
                return snprintf(err, errlen, "Error in SEARCH: unterminated quote."), -1;
        } else snprintf(sr->terms[sr->nterms].value, sizeof sr->terms[0].value, "%s", tok);
        sr->nterms++;
    }
}

static int sw_search_has(const char *hay, const char *needle) { return strcasestr(hay, needle) != NULL; }

static int sw_search_matches(const sw_search *sr, const sw_metric_id *id) {
    if (sr->schema) {
        if (strcmp(id->ns, sr->ns) || (size_t)sr->ndims != id->ndims) return 0;
        for (int i = 0; i < sr->ndims; i++) {
            size_t k = 0;
            while (k < id->ndims && strcmp(id->dims[k].name, sr->dims[i])) k++;
            if (k == id->ndims) return 0;
        }
    }
    for (int t = 0; t < sr->nterms; t++) {
        const char *key = sr->terms[t].key, *v = sr->terms[t].value;
        int ok = 0;
        if (key[0]) {
            if (strcmp(key, "MetricName") == 0) ok = strcmp(id->name, v) == 0;
            else if (strcmp(key, "Namespace") == 0) ok = strcmp(id->ns, v) == 0;
            else for (size_t k = 0; k < id->ndims && !ok; k++) ok = strcmp(id->dims[k].name, key) == 0 && strcmp(id->dims[k].value, v) == 0;
        } else {
            /* A bare term matches part of the namespace, the metric name, or a dimension name or value. */
            ok = sw_search_has(id->ns, v) || sw_search_has(id->name, v);
            for (size_t k = 0; k < id->ndims && !ok; k++) ok = sw_search_has(id->dims[k].name, v) || sw_search_has(id->dims[k].value, v);
        }
        if (!ok) return 0;
    }
    return 1;
}

typedef struct { sw_arena *a; const sw_search *sr; sw_metric_id *found; size_t n, cap; int failed; } sw_search_found;

static void sw_search_one(const sw_metric_id *id, void *arg) {
    sw_search_found *f = arg;
    if (f->failed || f->n == f->cap || !sw_search_matches(f->sr, id)) return;
    /* Copies: the engine's strings are read under its lock only. */
    sw_metric_id *c = &f->found[f->n];
    sw_dim *d = sw_arena_alloc(f->a, (id->ndims + 1) * sizeof *d);
    sw_value *ns = sw_v_cstr(f->a, id->ns), *name = sw_v_cstr(f->a, id->name);
    if (!d || !ns || !name) { f->failed = 1; return; }
    for (size_t k = 0; k < id->ndims; k++) {
        sw_value *dn = sw_v_cstr(f->a, id->dims[k].name), *dv = sw_v_cstr(f->a, id->dims[k].value);
        if (!dn || !dv) { f->failed = 1; return; }
        d[k] = (sw_dim){dn->u.str.s, dv->u.str.s};
    }
    *c = (sw_metric_id){NULL, NULL, ns->u.str.s, name->u.str.s, d, id->ndims};
    f->n++;
}

/* SEARCH over the metrics ListMetrics would list (data in the last two weeks), at most 500 of them, each
 * read with the statistic on the grid. Labels are the metric name and the dimension values. */
static int sw_gmd_search(void *arg, const sw_mm_env *env, const char *query, const char *stat, int64_t period,
                         sw_mm_value *out, char *err, size_t errlen) {
    sw_search_ctx *sc = arg;
    sw_ctx *ctx = sc->ctx;
    sw_search sr;
    if (sw_search_parse(query, &sr, err, errlen)) return -1;
    sw_stat st;
    if (sw_stat_parse(stat, &st)) return snprintf(err, errlen, "Error in SEARCH: the statistic %.64s is not supported.", stat), -1;
    if (!sw_period_ok(period)) return snprintf(err, errlen, "Error in SEARCH: the period must be 1, 5, 10, 20, 30, 60, or a multiple of 60."), -1;
    sw_list_filter f = {.account = ctx->account, .region = ctx->region, .ns = sr.schema ? sr.ns : NULL,
                        .active_since = ctx->now_ms / 1000 - SW_TWO_WEEKS};
    sw_search_found found = {ctx->arena, &sr, sw_arena_alloc(ctx->arena, SW_MAX_SEARCH_RESULTS * sizeof(sw_metric_id)), 0,
                             SW_MAX_SEARCH_RESULTS, 0};
    uint64_t next;
    if (!found.found) return snprintf(err, errlen, "Request too large."), -1;
    sw_metrics_list(ctx->metrics, &f, 0, SIZE_MAX, sw_search_one, &found, &next);
    if (found.failed) return snprintf(err, errlen, "Request too large."), -1;
    int64_t start = env->n ? (int64_t)env->t[0] : 0;
    for (size_t m = 0; m < found.n; m++) {
        sw_metric_id id = found.found[m];
        id.account = ctx->account, id.region = ctx->region;
        sw_query_result r;
        sw_metrics_query(ctx->metrics, &id, NULL, start, (int64_t)ceil(sc->end), (int)period, sw_stat_is_extended(&st), &r);
        sw_bucket *b;
        size_t nb;
        sw_merge_units(&r, &b, &nb);
        sw_query_result_free(&r);
        qsort(b, nb, sizeof *b, sw_bucket_cmp);
        double *v = sw_malloc((env->n ? env->n : 1) * sizeof *v);
        for (size_t i = 0, k = 0; i < env->n; i++) {
            while (k < nb && (double)b[k].start < env->t[i]) k++;
            double x;
            v[i] = k < nb && (double)b[k].start == env->t[i] && sw_stat_compute(&st, &b[k], &x) == 0 ? x : NAN;
        }
        for (size_t k = 0; k < nb; k++) sw_free(b[k].values), sw_free(b[k].weights);
        sw_free(b);
        char label[1024];
        size_t len = (size_t)snprintf(label, sizeof label, "%s", id.name);
        for (size_t k = 0; k < id.ndims && len < sizeof label; k++)
            len += (size_t)snprintf(label + len, sizeof label - len, " %s", id.dims[k].value);
        out->ser = sw_realloc(out->ser, (out->nser + 1) * sizeof *out->ser);
        out->ser[out->nser++] = (sw_mm_series){sw_strdup(label), v};
    }
    return 0;
}

/* Evaluates the Expression queries over the MetricStat results in all[] and picks the results to return
 * (ReturnData), in request order. The grid is every timestamp any MetricStat returned. */
static int sw_gmd_math(sw_ctx *ctx, const sw_value *queries, double start, double end, sw_series_out *all, int nexpr,
                       sw_series_out **out, size_t *nout, sw_error *err) {
    size_t nq = queries->u.list.n, cap = nq;
    *out = sw_arena_alloc(ctx->arena, (cap ? cap : 1) * sizeof **out);
    *nout = 0;
    if (!*out) return sw_error_set(err, 413, "RequestEntityTooLarge", "Request too large.");
    if (nexpr == 0) {
        for (size_t i = 0; i < nq; i++) {
            sw_value *rd = sw_v_get(queries->u.list.items[i], "ReturnData");
            if (!rd || rd->u.b) (*out)[(*nout)++] = all[i];
        }
        return 0;
    }
    sw_mm_value *vals = sw_calloc(nq, sizeof *vals);
    const sw_mm_value **vp = sw_calloc(nq, sizeof *vp);
    const char **ids = sw_calloc(nq, sizeof *ids);
    int *is_metric = sw_calloc(nq, sizeof *is_metric);
    sw_mm_expr **ex = sw_calloc(nq, sizeof *ex);
    int rc = 0;
    char msg[600];
    int64_t search_period = 0;
    for (size_t i = 0; i < nq && !rc; i++) {
        const char *text = sw_v_get_str(queries->u.list.items[i], "Expression", NULL);
        ids[i] = all[i].id;
        if (!text) continue;
        if (!(ex[i] = sw_mm_parse(text, strlen(text), msg, sizeof msg)))
            rc = sw_error_set(err, 400, "ValidationError", "Error in expression %.255s: %s", all[i].id, msg);
        else {
            int64_t sp = sw_mm_search_period(ex[i]);
            if (sp && (!search_period || sp < search_period)) search_period = sp;
        }
    }
    /* The grid: every timestamp a MetricStat returned, and the periods of the range when a SEARCH needs
     * them or there is no metric at all (TIME_SERIES(1)). The period: the smallest MetricStat period, else
     * a SEARCH's, else an expression's Period, else 60. */
    size_t total = 0;
    int64_t period = 0;
    for (size_t i = 0; i < nq; i++) {
        const sw_value *q = queries->u.list.items[i];
        if (ex[i] || sw_v_get(q, "Expression")) continue;
        total += all[i].n;
        int64_t p = sw_v_get_int(sw_v_get(q, "MetricStat"), "Period", 0);
        if (p > 0 && (period == 0 || p < period)) period = p;
    }
    if (period == 0) period = search_period;
    for (size_t i = 0; i < nq && period == 0; i++) period = sw_v_get_int(queries->u.list.items[i], "Period", 0);
    if (period <= 0) period = 60;
    int64_t step = search_period ? search_period : period;
    size_t steps = total == 0 || search_period ? (size_t)((end - start) / (double)step) + 1 : 0;
    if (steps > SW_MAX_GMD_POINTS) steps = SW_MAX_GMD_POINTS;
    double *grid = sw_malloc((total + steps + 1) * sizeof *grid);
    size_t n = 0;
    for (size_t i = 0; i < nq; i++)
        if (!sw_v_get(queries->u.list.items[i], "Expression"))
            for (size_t k = 0; k < all[i].n; k++) grid[n++] = all[i].t[k];
    int64_t t0 = sw_round_start((int64_t)floor(start), ctx->now_ms / 1000, step);
    for (size_t k = 0; k < steps; k++)
        if ((double)(t0 + (int64_t)k * step) < end) grid[n++] = (double)(t0 + (int64_t)k * step);
    qsort(grid, n, sizeof *grid, sw_double_cmp);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) if (u == 0 || grid[i] != grid[u - 1]) grid[u++] = grid[i];
    n = u;
    for (size_t i = 0; i < nq; i++)
        if (!sw_v_get(queries->u.list.items[i], "Expression")) {
            is_metric[i] = 1;
            sw_align(&all[i], grid, n, &vals[i]);
            vp[i] = &vals[i];
        }
    sw_search_ctx sc = {ctx, end};
    sw_mm_env env = {grid, n, period, nq, ids, vp, is_metric, sw_gmd_search, &sc};
    /* Expressions may use each other: evaluated in dependency order. */
    if (!rc && sw_mm_eval_all(ex, &env, vp, vals, 1, msg, sizeof msg)) rc = sw_error_set(err, 400, "ValidationError", "%s", msg);
    for (size_t i = 0; i < nq && !rc; i++) {
        sw_value *rd = sw_v_get(queries->u.list.items[i], "ReturnData");
        if (rd && !rd->u.b) continue;
        sw_series_out *slot = ex[i] ? NULL : sw_out_slot(ctx, out, nout, &cap);
        if (slot) *slot = all[i];
        else if (!ex[i] || sw_math_results(ctx, &all[i], &vals[i], grid, n, out, nout, &cap))
            rc = sw_error_set(err, 413, "RequestEntityTooLarge", "Request too large.");
    }
    for (size_t i = 0; i < nq; i++) { sw_mm_value_free(&vals[i]); sw_mm_free(ex[i]); }
    sw_free(vals), sw_free(vp), sw_free(ids), sw_free(is_metric), sw_free(ex), sw_free(grid);
    return rc;
}

static int sw_get_metric_data(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_value *queries = sw_v_get(in, "MetricDataQueries");
    size_t nq = queries->u.list.n;
    if (nq == 0 || nq > SW_MAX_GMD_QUERIES)
        return SW_ERR_INVALID_PARAMETER(err, "The collection MetricDataQueries must have between 1 and %d members.", SW_MAX_GMD_QUERIES);
    double s = sw_clamp_time(sw_v_get_double(in, "StartTime", 0)), e = sw_clamp_time(sw_v_get_double(in, "EndTime", 0));
    if (!(s < e)) return SW_ERR_INVALID_PARAMETER(err, "The parameter StartTime must be less than the parameter EndTime.");
    int descending = strcmp(sw_v_get_str(in, "ScanBy", "TimestampDescending"), "TimestampDescending") == 0;
    int64_t max = sw_v_get_int(in, "MaxDatapoints", SW_MAX_GMD_POINTS);
    if (max <= 0 || max > SW_MAX_GMD_POINTS) max = SW_MAX_GMD_POINTS;
    uint64_t skip = 0;
    const char *token = sw_v_get_str(in, "NextToken", NULL);
    if (token && sw_token_parse(token, "gmd1.", &skip))
        return SW_ERR_INVALID_NEXT_TOKEN(err, "The service couldn't process the NextToken value: %.64s", token);
    sw_series_out *all = sw_arena_alloc(ctx->arena, nq * sizeof *all);
    if (!all) return sw_error_set(err, 413, "RequestEntityTooLarge", "Request too large.");
    int nexpr = 0;
    for (size_t i = 0; i < nq; i++) {
        const sw_value *q = queries->u.list.items[i];
        for (size_t j = 0; j < i; j++)
            if (strcmp(sw_v_get_str(q, "Id", ""), sw_v_get_str(queries->u.list.items[j], "Id", "")) == 0)
                return SW_ERR_INVALID_PARAMETER(err, "The value %.255s for parameter MetricDataQueries.member.%zu.Id is not unique.", sw_v_get_str(q, "Id", ""), i + 1);
        if (sw_v_get(q, "Expression") && sw_v_get(q, "MetricStat"))
            return SW_ERR_INVALID_PARAMETER(err, "MetricDataQueries.member.%zu must have exactly one of Expression and MetricStat.", i + 1);
        if (sw_v_get(q, "Expression")) {
            const char *id = sw_v_get_str(q, "Id", "");
            if (!sw_id_ok(id))
                return SW_ERR_INVALID_PARAMETER(err, "The value %.255s for parameter MetricDataQueries.member.%zu.Id is invalid: it must start with a lowercase letter and contain only letters, numbers and underscores.", id, i + 1);
            all[i] = (sw_series_out){id, sw_v_get_str(q, "Label", id), NULL, NULL, 0};
            nexpr++;
            continue;
        }
        /* Ascending here: expressions align the series on one grid; the order asked for is applied at the end. */
        if (sw_gmd_query(ctx, q, i + 1, s, e, 0, &all[i], err)) return -1;
    }
    sw_series_out *so;
    size_t n;
    if (sw_gmd_math(ctx, queries, s, e, all, nexpr, &so, &n, err)) return -1;
    if (descending)
        for (size_t i = 0; i < n; i++)
            for (size_t a = 0, b = so[i].n ? so[i].n - 1 : 0; a < b; a++, b--) {
                double tt = so[i].t[a], vv = so[i].v[a];
                so[i].t[a] = so[i].t[b], so[i].v[a] = so[i].v[b];
                so[i].t[b] = tt, so[i].v[b] = vv;
            }
    uint64_t emitted;
    int more;
    sw_value *results = sw_gmd_results(ctx->arena, so, n, skip, (uint64_t)max, &emitted, &more);
    *out = sw_v_map(ctx->arena);
    if (!results || sw_v_map_putc(ctx->arena, *out, "MetricDataResults", results) ||
        sw_v_map_putc(ctx->arena, *out, "Messages", sw_v_list(ctx->arena)))
        return sw_error_set(err, 413, "RequestEntityTooLarge", "Request too large.");
    if (more) {
        char tok[40];
        snprintf(tok, sizeof tok, "gmd1.%llu", (unsigned long long)(skip + emitted));
        sw_v_map_putc(ctx->arena, *out, "NextToken", sw_v_cstr(ctx->arena, tok));
    }
    return 0;
}

/* ---------- the service ---------- */

extern const char sw_model_cloudwatch[], sw_model_cloudwatch_end[];

static const sw_handler sw_cloudwatch_handlers[] = {
    {"DeleteAlarms", sw_delete_alarms},
    {"DescribeAlarmHistory", sw_describe_alarm_history},
    {"DescribeAlarms", sw_describe_alarms},
    {"DescribeAlarmsForMetric", sw_describe_alarms_for_metric},
    {"DisableAlarmActions", sw_disable_alarm_actions},
    {"EnableAlarmActions", sw_enable_alarm_actions},
    {"GetMetricData", sw_get_metric_data},
    {"GetMetricStatistics", sw_get_metric_statistics},
    {"ListMetrics", sw_list_metrics},
    {"ListTagsForResource", sw_list_tags_for_resource},
    {"PutCompositeAlarm", sw_put_composite_alarm},
    {"PutMetricAlarm", sw_put_metric_alarm},
    {"PutMetricData", sw_put_metric_data},
    {"SetAlarmState", sw_set_alarm_state},
    {"TagResource", sw_tag_resource},
    {"UntagResource", sw_untag_resource},
};

static const sw_json_handler sw_cloudwatch_json_handlers[] = {
    {"PutMetricData", sw_put_metric_data_json},
};

static sw_service sw_cloudwatch = {
    .signing_name = "monitoring",
    .handlers = sw_cloudwatch_handlers,
    .nhandlers = sizeof sw_cloudwatch_handlers / sizeof sw_cloudwatch_handlers[0],
    .json_handlers = sw_cloudwatch_json_handlers,
    .njson_handlers = sizeof sw_cloudwatch_json_handlers / sizeof sw_cloudwatch_json_handlers[0],
    .query = 1,
    .query_compatible = 1,
    .cbor = 1,
    .shape_namespace = "com.amazonaws.cloudwatch",
    .max_request_bytes = 1 << 20, /* "Each PutMetricData request is limited to 1 MB in size for HTTP POST requests" */
};

static void sw_cloudwatch_init(void) { sw_service_init(&sw_cloudwatch, sw_model_cloudwatch, sw_model_cloudwatch_end); }

const sw_service *sw_cloudwatch_service(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sw_cloudwatch_init);
    return &sw_cloudwatch;
}
