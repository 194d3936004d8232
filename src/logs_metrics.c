/* logs_metrics.c -- metric filters: definitions kept as JSON blobs with the log group, applied to every
 * event of a PutLogEvents. Semantics follow "Creating metrics from log events using filters"
 * (CloudWatch Logs user guide): metricValue is a number or a $selector, defaultValue is published for
 * events that do not match, dimensions take $selectors (JSON and space-delimited patterns only). */
#include "logs_metrics.h"
#include "alloc.h"
#include "filter.h"
#include "json.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

void sw_metric_filter_encode(const sw_metric_filter_def *d, sw_buf *out) {
    const char *keys[] = {"name", "pattern", "metricName", "metricNamespace", "metricValue", "unit"};
    const char *vals[] = {d->name, d->pattern, d->metric_name, d->metric_namespace, d->metric_value, d->unit};
    sw_buf_putc(out, '{');
    for (size_t i = 0; i < 6; i++) {
        if (!vals[i]) continue;
        sw_buf_printf(out, "%s\"%s\":", out->len > 1 ? "," : "", keys[i]);
        sw_json_put_string(out, vals[i], strlen(vals[i]));
    }
    sw_buf_printf(out, ",\"creationTime\":%lld", (long long)d->creation_ms);
    if (d->has_default) { sw_buf_puts(out, ",\"defaultValue\":"); sw_buf_put_double(out, d->default_value); }
    sw_buf_puts(out, ",\"dimensions\":[");
    for (size_t i = 0; i < d->ndims; i++) {
        sw_buf_puts(out, i ? ",[" : "[");
        sw_json_put_string(out, d->dim_names[i], strlen(d->dim_names[i]));
        sw_buf_putc(out, ',');
        sw_json_put_string(out, d->dim_values[i], strlen(d->dim_values[i]));
        sw_buf_putc(out, ']');
    }
    sw_buf_puts(out, "]}");
}

int sw_metric_filter_decode(sw_arena *a, const char *blob, size_t len, sw_metric_filter_def *d) {
    sw_value *v;
    memset(d, 0, sizeof *d);
    if (sw_json_decode(a, blob, len, &v, NULL, 0) || v->type != SW_V_MAP) return -1;
    d->name = sw_v_get_str(v, "name", NULL);
    d->pattern = sw_v_get_str(v, "pattern", "");
    d->metric_name = sw_v_get_str(v, "metricName", NULL);
    d->metric_namespace = sw_v_get_str(v, "metricNamespace", NULL);
    d->metric_value = sw_v_get_str(v, "metricValue", NULL);
    d->unit = sw_v_get_str(v, "unit", NULL);
    d->creation_ms = sw_v_get_int(v, "creationTime", 0);
    sw_value *dv = sw_v_get(v, "defaultValue"), *dims = sw_v_get(v, "dimensions");
    if (dv && (dv->type == SW_V_DOUBLE || dv->type == SW_V_INT)) d->has_default = 1, d->default_value = sw_v_get_double(v, "defaultValue", 0);
    for (size_t i = 0; dims && dims->type == SW_V_LIST && i < dims->u.list.n && i < 3; i++) {
        sw_value *pair = dims->u.list.items[i];
        if (pair->type != SW_V_LIST || pair->u.list.n != 2 || pair->u.list.items[0]->type != SW_V_STRING ||
            pair->u.list.items[1]->type != SW_V_STRING) return -1;
        d->dim_names[d->ndims] = pair->u.list.items[0]->u.str.s;
        d->dim_values[d->ndims++] = pair->u.list.items[1]->u.str.s;
    }
    return d->name && d->metric_name && d->metric_namespace && d->metric_value ? 0 : -1;
}

/* A number as metric filters accept it: the whole text, finite. */
static int sw_parse_number(const char *s, size_t n, double *out) {
    char tmp[64];
    if (n == 0 || n >= sizeof tmp) return -1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    double v = strtod(tmp, &end);
    if (*end || !isfinite(v) || strpbrk(tmp, "xXnN")) return -1;
    *out = v;
    return 0;
}

int sw_metric_filter_value(const sw_filter *f, const char *selector, const char *msg, size_t len, double *out) {
    if (selector[0] != '$') return sw_parse_number(selector, strlen(selector), out);
    sw_buf b;
    sw_buf_init(&b);
    int rc = sw_filter_extract(f, msg, len, selector, &b) == 0 && b.data ? sw_parse_number(b.data, b.len, out) : -1;
    sw_buf_free(&b);
    return rc;
}

/* One datapoint being aggregated: (minute, dimension values, value) -> count. */
typedef struct sw_mf_point { uint32_t minute; const char *dims[3]; double value, count; } sw_mf_point;
typedef struct sw_mf_points { sw_mf_point *p; size_t n, cap; } sw_mf_points;

static void sw_mf_add(sw_mf_points *pts, uint32_t minute, const char *const *dims, size_t ndims, double value) {
    for (size_t i = pts->n; i-- > 0 && pts->p[i].minute == minute;) {
        sw_mf_point *q = &pts->p[i];
        int same = q->value == value;
        for (size_t k = 0; k < ndims && same; k++) same = strcmp(q->dims[k], dims[k]) == 0;
        if (same) { q->count++; return; }
    }
    if (pts->n == pts->cap) {
        pts->cap = pts->cap ? pts->cap * 2 : 64;
        pts->p = sw_realloc(pts->p, pts->cap * sizeof *pts->p);
    }
    sw_mf_point *q = &pts->p[pts->n++];
    memset(q, 0, sizeof *q);
    q->minute = minute;
    for (size_t k = 0; k < ndims; k++) q->dims[k] = dims[k];
    q->value = value;
    q->count = 1;
}

/* Evaluates one filter over the events into points; dimension values are copied into the arena. */
static void sw_mf_eval(sw_ctx *ctx, const sw_metric_filter_def *d, const sw_filter *f, const sw_log_event *ev, size_t n, sw_mf_points *pts) {
    for (size_t i = 0; i < n; i++) {
        uint32_t minute = (uint32_t)(ev[i].timestamp_ms / 60000 * 60);
        double value;
        if (!sw_filter_match(f, ev[i].message, ev[i].len)) {
            if (d->has_default) sw_mf_add(pts, minute, NULL, 0, d->default_value);
            continue;
        }
        if (sw_metric_filter_value(f, d->metric_value, ev[i].message, ev[i].len, &value)) continue;
        const char *dims[3];
        size_t nd = 0;
        for (size_t k = 0; k < d->ndims; k++) {
            sw_buf b;
            sw_buf_init(&b);
            if (sw_filter_extract(f, ev[i].message, ev[i].len, d->dim_values[k], &b) == 0 && b.len && b.len <= 255)
                dims[nd++] = sw_arena_strndup(ctx->arena, b.data, b.len);
            sw_buf_free(&b);
        }
        if (nd != d->ndims) continue; /* an event without every dimension field publishes nothing */
        sw_mf_add(pts, minute, dims, nd, value);
    }
}

static int sw_mf_publish(sw_ctx *ctx, const sw_metric_filter_def *d, const sw_mf_points *pts, sw_error *err) {
    if (!pts->n) return 0;
    sw_datum *data = sw_arena_alloc(ctx->arena, pts->n * sizeof *data);
    sw_dim *dims = sw_arena_alloc(ctx->arena, pts->n * 3 * sizeof *dims);
    if (!data || !dims) return sw_error_set(err, 413, "RequestEntityTooLarge", "Request too large.");
    for (size_t i = 0; i < pts->n; i++) {
        const sw_mf_point *q = &pts->p[i];
        size_t nd = q->dims[0] ? d->ndims : 0;
        for (size_t k = 0; k < nd; k++) dims[i * 3 + k] = (sw_dim){d->dim_names[k], q->dims[k]};
        data[i] = (sw_datum){.id = {ctx->account, ctx->region, d->metric_namespace, d->metric_name, dims + i * 3, nd},
                             .unit = d->unit ? d->unit : "None", .t = q->minute};
        if (q->count == 1) data[i].kind = SW_SAMPLE_VALUE, data[i].v = q->value;
        else data[i].kind = SW_SAMPLE_SET, data[i].count = q->count, data[i].sum = q->value * q->count,
             data[i].min = data[i].max = q->value;
    }
    if (sw_metrics_put(ctx->metrics, data, pts->n))
        return sw_error_set(err, 503, "ServiceUnavailableException", "The metrics store failed to write durably.");
    return 0;
}

typedef struct sw_mf_blobs { sw_ctx *ctx; sw_metric_filter_def *defs; size_t n, cap; } sw_mf_blobs;

static void sw_mf_collect(const char *name, const char *blob, size_t len, void *arg) {
    sw_mf_blobs *b = arg;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 8;
        sw_metric_filter_def *nd = sw_arena_alloc(b->ctx->arena, b->cap * sizeof *nd);
        if (!nd) return;
        if (b->n) memcpy(nd, b->defs, b->n * sizeof *nd);
        b->defs = nd;
    }
    if (sw_metric_filter_decode(b->ctx->arena, blob, len, &b->defs[b->n]) == 0) b->n++;
}

int sw_logs_metrics_apply(sw_ctx *ctx, const char *group, const sw_log_event *ev, size_t n, sw_error *err) {
    sw_log_scope sc = {ctx->account, ctx->region};
    sw_mf_blobs blobs = {ctx, NULL, 0, 0};
    sw_logstore_list_metric_filters(ctx->logs, &sc, group, sw_mf_collect, &blobs);
    int rc = 0;
    for (size_t i = 0; i < blobs.n && rc == 0; i++) {
        char cerr[256];
        sw_filter *f = sw_filter_compile(blobs.defs[i].pattern, strlen(blobs.defs[i].pattern), cerr, sizeof cerr);
        if (!f) continue; /* validated by PutMetricFilter; a damaged definition publishes nothing */
        sw_mf_points pts = {0};
        sw_mf_eval(ctx, &blobs.defs[i], f, ev, n, &pts);
        rc = sw_mf_publish(ctx, &blobs.defs[i], &pts, err);
        sw_free(pts.p);
        sw_filter_free(f);
    }
    return rc;
}
