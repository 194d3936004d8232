/* alarm_run.c -- evaluation of every alarm on the scheduler's clock: the evaluation range read from
 * the metrics engine, CloudWatch's StateReason and StateReasonData, composite alarms, and the
 * notification CloudWatch publishes to SNS. */
#include "alarms_int.h"
#include "alarm_rule.h"
#include "alloc.h"
#include "clock.h"
#include "json.h"
#include "stats.h"
#include "metric_math.h"
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sw_alarm_time(int64_t ms, char out[32]) {
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000", (tm.tm_year + 1900) % 10000,
                     (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100,
                     (int)(((ms % 1000) + 1000) % 1000));
    if (n > 31) n = 31;
    memcpy(out, tmp, (size_t)n);
    out[n] = '\0';
}

/* "02/10/19 16:59:00": the dd/MM/yy HH:mm:ss of StateReason. */
static void sw_reason_time(int64_t epoch_s, char out[24]) {
    time_t s = (time_t)epoch_s;
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(out, 24, "%02d/%02d/%02d %02d:%02d:%02d", tm.tm_mday % 100, (tm.tm_mon + 1) % 100, tm.tm_year % 100,
             tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
}

/* ---------- the evaluation range ---------- */

/* Merges the buckets of every unit into one series (an alarm without Unit evaluates them together). */
static void sw_merge_units(sw_query_result *r, sw_bucket *out, int64_t start, int period, size_t nslots) {
    for (size_t u = 0; u < r->nunits; u++)
        for (size_t i = 0; i < r->units[u].nbuckets; i++) {
            sw_bucket *b = &r->units[u].buckets[i];
            int64_t k = (b->start - start) / period;
            if (k < 0 || (size_t)k >= nslots) continue;
            sw_bucket *o = &out[k];
            if (o->count == 0) { o->min = b->min; o->max = b->max; o->exact = 1; }
            o->start = b->start;
            o->count += b->count;
            o->sum += b->sum;
            if (b->min < o->min) o->min = b->min;
            if (b->max > o->max) o->max = b->max;
            o->exact &= b->exact;
            if (b->nvalues) {
                o->values = sw_realloc(o->values, (o->nvalues + b->nvalues) * sizeof *o->values);
                o->weights = sw_realloc(o->weights, (o->nvalues + b->nvalues) * sizeof *o->weights);
                memcpy(o->values + o->nvalues, b->values, b->nvalues * sizeof *o->values);
                memcpy(o->weights + o->nvalues, b->weights, b->nvalues * sizeof *o->weights);
                o->nvalues += b->nvalues;
            }
        }
}

/* EvaluateLowSampleCountPercentile=ignore: "for p in [0.5, 1.0) the threshold is 10/(1-p) samples,
 * for p < 0.5 it is 10/p" (alarms documentation, "Percentile-based alarms and low data samples"). */
static double sw_low_sample_threshold(double pct) {
    double p = pct / 100.0;
    if (p >= 1.0 || p <= 0.0) return 0;
    return p >= 0.5 ? 10.0 / (1.0 - p) : 10.0 / p;
}

/* A metric math alarm's range: each MetricStat of its Metrics read on the alarm's periods, the expressions
 * evaluated over them in dependency order, and the one that returns data taken as the datapoints. */
static size_t sw_read_math(sw_alarms *a, const sw_alarm *al, int64_t end_s, sw_eval_point *points, size_t n) {
    int64_t start = end_s - (int64_t)n * al->period;
    json_t *list = json_loads(al->metrics, 0, NULL);
    size_t nq = json_array_size(list), ret = nq;
    double *grid = sw_malloc(n * sizeof *grid);
    for (size_t k = 0; k < n; k++) grid[k] = (double)(start + (int64_t)k * al->period), points[k] = (sw_eval_point){.t = start + (int64_t)k * al->period};
    sw_mm_value *vals = sw_calloc(nq + 1, sizeof *vals);
    const sw_mm_value **vp = sw_calloc(nq + 1, sizeof *vp);
    const char **ids = sw_calloc(nq + 1, sizeof *ids);
    int *is_metric = sw_calloc(nq + 1, sizeof *is_metric);
    sw_mm_expr **ex = sw_calloc(nq + 1, sizeof *ex);
    char msg[512];
    int left = 0;
    for (size_t i = 0; i < nq; i++) {
        json_t *q = json_array_get(list, i), *ms = json_object_get(q, "MetricStat");
        ids[i] = json_string_value(json_object_get(q, "Id"));
        if (!ids[i]) ids[i] = "";
        json_t *rd = json_object_get(q, "ReturnData");
        if (!rd || json_is_true(rd)) ret = i;
        if (!ms) {
            const char *text = json_string_value(json_object_get(q, "Expression"));
            if (text && (ex[i] = sw_mm_parse(text, strlen(text), msg, sizeof msg))) left++;
            continue;
        }
        json_t *m = json_object_get(ms, "Metric"), *jd = json_object_get(m, "Dimensions");
        sw_dim dims[SW_ALARM_MAX_DIMS];
        size_t nd = json_array_size(jd) < SW_ALARM_MAX_DIMS ? json_array_size(jd) : SW_ALARM_MAX_DIMS;
        for (size_t k = 0; k < nd; k++) {
            json_t *d = json_array_get(jd, k);
            dims[k] = (sw_dim){json_string_value(json_object_get(d, "Name")), json_string_value(json_object_get(d, "Value"))};
            if (!dims[k].name || !dims[k].value) dims[k] = (sw_dim){"", ""};
        }
        const char *ns = json_string_value(json_object_get(m, "Namespace")), *name = json_string_value(json_object_get(m, "MetricName"));
        sw_metric_id id = {al->account, al->region, ns ? ns : "", name ? name : "", dims, nd};
        sw_stat st;
        const char *stat = json_string_value(json_object_get(ms, "Stat"));
        if (!stat || sw_stat_parse(stat, &st)) st.kind = SW_STAT_AVERAGE;
        sw_query_result r;
        memset(&r, 0, sizeof r);
        sw_metrics_query(a->metrics, &id, json_string_value(json_object_get(ms, "Unit")), start, end_s, al->period,
                         sw_stat_is_extended(&st), &r);
        sw_bucket *slots = sw_calloc(n, sizeof *slots);
        sw_merge_units(&r, slots, start, al->period, n);
        sw_query_result_free(&r);
        double *v = sw_malloc(n * sizeof *v);
        for (size_t k = 0; k < n; k++) {
            double x;
            v[k] = slots[k].count > 0 && sw_stat_compute(&st, &slots[k], &x) == 0 ? x : NAN;
            sw_free(slots[k].values);
            sw_free(slots[k].weights);
        }
        sw_free(slots);
        vals[i] = (sw_mm_value){0, 0, 0, sw_malloc(sizeof(sw_mm_series)), 1};
        vals[i].ser[0] = (sw_mm_series){sw_strdup(ids[i]), v};
        vp[i] = &vals[i];
        is_metric[i] = 1;
    }
    sw_mm_env env = {grid, n, al->period, nq, ids, vp, is_metric, NULL, NULL};
    /* A failed expression has no value: the alarm's datapoints are then missing, as AWS treats it. */
    if (left) sw_mm_eval_all(ex, &env, vp, vals, 0, msg, sizeof msg);
    const sw_mm_value *res = ret < nq ? vp[ret] : NULL;
    for (size_t k = 0; res && k < n; k++) {
        double x = res->scalar ? res->s : res->nser == 1 ? res->ser[0].v[k] : NAN;
        if (!isnan(x)) points[k].present = 1, points[k].value = x, points[k].sample_count = 1;
    }
    for (size_t i = 0; i < nq; i++) { sw_mm_value_free(&vals[i]); sw_mm_free(ex[i]); }
    sw_free(vals), sw_free(vp), sw_free(ids), sw_free(is_metric), sw_free(ex), sw_free(grid);
    json_decref(list);
    return n;
}

/* Reads the range ending at end_s into points; returns the number of periods (N + 2). *low_samples is
 * set when the newest present datapoint of a percentile alarm has too few samples to be significant. */
static size_t sw_read_range(sw_alarms *a, const sw_alarm *al, int64_t end_s, sw_eval_point *points, size_t cap,
                            int *low_samples) {
    size_t n = (size_t)al->eval_periods + 2;
    if (n > cap) n = cap;
    *low_samples = 0;
    if (al->metrics && !al->metric) return sw_read_math(a, al, end_s, points, n);
    int64_t start = end_s - (int64_t)n * al->period;
    sw_dim dims[SW_ALARM_MAX_DIMS];
    for (int i = 0; i < al->ndims; i++) dims[i] = (sw_dim){al->dims[i].key, al->dims[i].value};
    sw_metric_id id = {al->account, al->region, al->ns, al->metric, dims, (size_t)al->ndims};
    sw_stat st;
    if (sw_stat_parse(al->extended ? al->extended : al->statistic, &st)) st.kind = SW_STAT_AVERAGE;
    sw_query_result r;
    memset(&r, 0, sizeof r);
    sw_metrics_query(a->metrics, &id, al->unit, start, end_s, al->period, sw_stat_is_extended(&st), &r);
    sw_bucket *slots = sw_calloc(n, sizeof *slots);
    sw_merge_units(&r, slots, start, al->period, n);
    sw_query_result_free(&r);
    *low_samples = 0;
    for (size_t k = 0; k < n; k++) {
        points[k] = (sw_eval_point){.t = start + (int64_t)k * al->period};
        double v;
        if (slots[k].count > 0 && sw_stat_compute(&st, &slots[k], &v) == 0) {
            points[k].present = 1;
            points[k].value = v;
            points[k].sample_count = slots[k].count;
        }
        sw_free(slots[k].values);
        sw_free(slots[k].weights);
    }
    sw_free(slots);
    if (st.kind == SW_STAT_PERCENTILE && al->low_sample && strcmp(al->low_sample, "ignore") == 0)
        for (size_t k = n; k-- > 0;)
            if (points[k].present) { *low_samples = points[k].sample_count < sw_low_sample_threshold(st.p); break; }
    return n;
}

/* ---------- StateReason and StateReasonData ---------- */

static void sw_plural(sw_buf *b, int n, const char *one, const char *many) { sw_buf_printf(b, "%d %s", n, n == 1 ? one : many); }

static char *sw_reason_text(const sw_alarm *al, const sw_eval_point *pts, const sw_eval_result *r) {
    sw_buf b;
    sw_buf_init(&b);
    if (r->state == SW_ALARM_INSUFFICIENT) {
        int unknown = al->eval_periods - r->nreal;
        sw_buf_puts(&b, "Insufficient Data: ");
        sw_plural(&b, unknown, "datapoint was unknown.", "datapoints were unknown.");
        return sw_buf_detach(&b, NULL);
    }
    int alarm = r->state == SW_ALARM_ALARM;
    const char *treated = al->treat == SW_MISSING_BREACHING ? "[Breaching]" : "[NonBreaching]";
    sw_buf_puts(&b, "Threshold Crossed: ");
    if (r->nreal == 0) {
        sw_buf_puts(&b, "no datapoints were received for ");
        sw_plural(&b, r->nfilled, "period", "periods");
        sw_buf_puts(&b, " and ");
        sw_plural(&b, r->nfilled, "missing datapoint was", "missing datapoints were");
        sw_buf_printf(&b, " treated as %s.", treated);
        return sw_buf_detach(&b, NULL);
    }
    /* The datapoints that decided: the breaching ones for ALARM, the others for OK. */
    int shown = 0;
    sw_buf list;
    sw_buf_init(&list);
    for (size_t i = 0; i < r->nused; i++) {
        const sw_eval_point *p = &pts[r->used[i]];
        if (sw_alarm_breaches(al->cmp, p->value, al->threshold) != alarm) continue;
        char when[24];
        sw_reason_time(p->t, when);
        if (shown++) sw_buf_puts(&list, ", ");
        sw_java_double(&list, p->value);
        sw_buf_printf(&list, " (%s)", when);
    }
    int minimum = alarm ? al->datapoints : al->eval_periods - al->datapoints + 1;
    sw_buf_printf(&b, "%d out of the last %d datapoints [%s] %s %s%s the threshold (", shown, al->eval_periods,
                  list.data ? list.data : "", shown == 1 ? "was" : "were", alarm ? "" : "not ", sw_cmp_words(al->cmp));
    sw_buf_free(&list);
    sw_java_double(&b, al->threshold);
    sw_buf_puts(&b, ")");
    if (r->nfilled) {
        sw_buf_puts(&b, " and ");
        sw_plural(&b, r->nfilled, "missing datapoint was", "missing datapoints were");
        sw_buf_printf(&b, " treated as %s", treated);
    }
    sw_buf_printf(&b, " (minimum %d datapoint%s for %s transition).", minimum, minimum == 1 ? "" : "s",
                  alarm ? "OK -> ALARM" : "ALARM -> OK");
    return sw_buf_detach(&b, NULL);
}

/* StateReasonData as CloudWatch writes it, numbers in Java's shortest form ("50.0", "0.0666851903306472"). */
static char *sw_reason_data(const sw_alarm *al, const sw_eval_point *pts, const sw_eval_result *r, int64_t now) {
    char qd[32], sd[32];
    sw_alarm_time(now, qd);
    int64_t oldest = r->nused ? pts[r->used[r->nused - 1]].t : (now / 1000 / al->period - al->eval_periods) * al->period;
    sw_alarm_time(oldest * 1000, sd);
    sw_buf b;
    sw_buf_init(&b);
    sw_buf_printf(&b, "{\"version\":\"1.0\",\"queryDate\":\"%s\",\"startDate\":\"%s\"", qd, sd);
    if (al->unit) {
        sw_buf_puts(&b, ",\"unit\":");
        sw_json_put_string(&b, al->unit, strlen(al->unit));
    }
    const char *stat = al->extended ? al->extended : al->statistic;
    if (stat) { /* a metric math alarm has none */
        sw_buf_printf(&b, ",\"%s\":", al->extended ? "extendedStatistic" : "statistic");
        sw_json_put_string(&b, stat, strlen(stat));
    }
    sw_buf_printf(&b, ",\"period\":%d,\"recentDatapoints\":[", al->period);
    for (size_t i = r->nused; i-- > 0;) {
        if (i + 1 < r->nused) sw_buf_putc(&b, ',');
        sw_java_double(&b, pts[r->used[i]].value);
    }
    sw_buf_puts(&b, "],\"threshold\":");
    sw_java_double(&b, al->threshold);
    sw_buf_puts(&b, ",\"evaluatedDatapoints\":[");
    for (size_t i = 0; i < r->nused; i++) {
        char ts[32];
        sw_alarm_time(pts[r->used[i]].t * 1000, ts);
        sw_buf_printf(&b, "%s{\"timestamp\":\"%s\",\"sampleCount\":", i ? "," : "", ts);
        sw_java_double(&b, pts[r->used[i]].sample_count);
        sw_buf_puts(&b, ",\"value\":");
        sw_java_double(&b, pts[r->used[i]].value);
        sw_buf_putc(&b, '}');
    }
    sw_buf_puts(&b, "]}");
    return sw_buf_detach(&b, NULL);
}

/* ---------- one metric alarm ---------- */

static void sw_evaluate_metric_alarm(sw_alarms *a, sw_alarm *al, int64_t now) {
    int64_t now_s = now / 1000;
    /* Period >= 60 slides every minute; high-resolution alarms every period. */
    int64_t step = al->period < 60 ? al->period : 60;
    int64_t end_s = now_s / step * step;
    sw_eval_point pts[1450];
    int low = 0;
    size_t n = sw_read_range(a, al, end_s, pts, sizeof pts / sizeof pts[0], &low);
    sw_eval_input in = {pts, n, al->eval_periods, al->datapoints, al->cmp, al->threshold, al->treat};
    sw_eval_result r;
    sw_alarm_evaluate(&in, &r);
    if (r.keep || low || r.state == al->state) return;
    char *reason = sw_reason_text(al, pts, &r), *data = sw_reason_data(al, pts, &r, now);
    sw_alarm_transition(a, al, r.state, reason, data, now);
    sw_free(reason);
    sw_free(data);
}

/* ---------- composite alarms ---------- */

typedef struct { sw_alarms *a; const sw_alarm *parent; } sw_lookup_ctx;

static int sw_child_state(void *arg, const char *name) {
    sw_lookup_ctx *c = arg;
    sw_alarm *ch = sw_alarms_find(c->a, c->parent->account, c->parent->region, name);
    return ch ? (int)ch->state : -1;
}

/* ---------- actions suppression ---------- */

static sw_alarm *sw_suppressor(sw_alarms *a, const sw_alarm *al) {
    const char *name = al->suppressor, *mark = strstr(name, ":alarm:");
    if (strncmp(name, "arn:", 4) == 0 && mark) name = mark + 7;
    return sw_alarms_find(a, al->account, al->region, name);
}

static void sw_suppress(sw_alarm *al, int by, int64_t until, const char *reason) {
    al->suppressed_by = by;
    al->suppress_until_ms = until;
    sw_free(al->suppressed_reason);
    al->suppressed_reason = reason ? sw_strdup(reason) : NULL;
}

/* CloudWatch's "actions suppression": while the suppressor alarm is in ALARM the composite's actions
 * are suppressed; ActionsSuppressorWaitPeriod is how long a transition waits for the suppressor to go
 * into ALARM, ActionsSuppressorExtensionPeriod how long suppression lasts after it leaves ALARM. When a
 * wait or extension ends without suppression, the composite performs the actions of its state. */
void sw_composite_suppression(sw_alarms *a, sw_alarm *al, int64_t now, int on_transition) {
    sw_alarm *sup = sw_suppressor(a, al);
    int sup_alarm = sup && sup->state == SW_ALARM_ALARM;
    char why[400];
    snprintf(why, sizeof why, "Alarm is in ALARM state: %.300s", sup ? sup->arn : al->suppressor);
    if (on_transition) {
        if (sup_alarm) sw_suppress(al, 3, 0, why);
        else if (al->wait_period > 0) sw_suppress(al, 1, now + al->wait_period * 1000LL, "Waiting for the suppressor alarm to go into ALARM");
        else sw_suppress(al, 0, 0, NULL);
        return;
    }
    switch (al->suppressed_by) {
    case 1: /* WaitPeriod */
        if (sup_alarm) sw_suppress(al, 3, 0, why);
        else if (now >= al->suppress_until_ms) {
            sw_suppress(al, 0, 0, NULL);
            sw_actions_queue(a, al, al->suppressed_old, now, 1);
        }
        break;
    case 3: /* Alarm */
        if (sup_alarm) break;
        if (al->extension_period > 0) sw_suppress(al, 2, now + al->extension_period * 1000LL, "Extension period after the suppressor alarm left ALARM");
        else {
            sw_suppress(al, 0, 0, NULL);
            sw_actions_queue(a, al, al->suppressed_old, now, 1);
        }
        break;
    case 2: /* ExtensionPeriod */
        if (sup_alarm) sw_suppress(al, 3, 0, why);
        else if (now >= al->suppress_until_ms) {
            sw_suppress(al, 0, 0, NULL);
            sw_actions_queue(a, al, al->suppressed_old, now, 1);
        }
        break;
    default:
        break;
    }
}

/* Re-evaluates every composite until nothing changes; a cycle of composites stops after as many
 * rounds as there are alarms (AWS: "evaluation stops" on a cycle). */
static void sw_evaluate_composites(sw_alarms *a, int64_t now) {
    for (size_t round = 0, changed = 1; changed && round < a->count + 1; round++) {
        changed = 0;
        for (size_t i = 0; i < a->tcap; i++)
            for (sw_alarm *al = a->table[i]; al; al = al->hnext) {
                if (!al->composite || !al->compiled_rule) continue;
                sw_lookup_ctx c = {a, al};
                sw_alarm_state s = sw_alarm_rule_eval(al->compiled_rule, sw_child_state, &c) ? SW_ALARM_ALARM : SW_ALARM_OK;
                if (s == al->state) continue;
                /* The reason names the children whose state makes the rule what it is now. */
                sw_buf reason;
                sw_buf_init(&reason);
                json_t *triggering = json_array();
                for (size_t k = 0; k < sw_alarm_rule_nchildren(al->compiled_rule); k++) {
                    sw_alarm *ch = sw_alarms_find(a, al->account, al->region, sw_alarm_rule_child(al->compiled_rule, k));
                    if (!ch || ch->state_transitioned_ms > now) continue;
                    if (s == SW_ALARM_ALARM && ch->state != SW_ALARM_ALARM) continue;
                    char ts[32], when[80];
                    sw_alarm_time(ch->state_transitioned_ms, ts);
                    time_t t = (time_t)(ch->state_transitioned_ms / 1000);
                    struct tm tm;
                    gmtime_r(&t, &tm);
                    strftime(when, sizeof when, "%A %d %B, %Y %H:%M:%S UTC", &tm);
                    if (!reason.len) sw_buf_printf(&reason, "%s transitioned to %s at %s", ch->arn, sw_alarm_state_name(ch->state), when);
                    json_array_append_new(triggering, json_pack("{s:s,s:{s:s,s:s}}", "arn", ch->arn, "state", "value",
                                                                sw_alarm_state_name(ch->state), "timestamp", ts));
                }
                if (!reason.len) sw_buf_puts(&reason, s == SW_ALARM_ALARM ? "The alarm rule is TRUE" : "The alarm rule is FALSE");
                json_t *d = json_pack("{s:o}", "triggeringAlarms", triggering);
                char *data = json_dumps(d, JSON_COMPACT);
                json_decref(d);
                sw_alarm_transition(a, al, s, reason.data, data, now);
                free(data);
                sw_buf_free(&reason);
                changed = 1;
            }
    }
}

/* What follows a change of any alarm's state: composites re-evaluated (AWS evaluates a composite when
 * one of its children changes state, not on a timer), suppression moved on, and actions handed to SNS. */
void sw_alarms_cascade(sw_alarms *a, int64_t now) {
    sw_evaluate_composites(a, now);
    for (size_t i = 0; i < a->tcap; i++)
        for (sw_alarm *al = a->table[i]; al; al = al->hnext)
            if (al->composite && al->suppressor && al->suppressed_by) {
                int before = al->suppressed_by;
                sw_composite_suppression(a, al, now, 0);
                if (al->suppressed_by != before) sw_alarms_log_alarm(a, al);
            }
}

int64_t sw_alarms_tick(void *arg, int64_t now) {
    sw_alarms *a = arg;
    sw_alarms_lock(a);
    for (size_t i = 0; i < a->tcap; i++)
        for (sw_alarm *al = a->table[i]; al; al = al->hnext) {
            if (al->composite || al->next_eval_ms > now) continue;
            sw_evaluate_metric_alarm(a, al, now);
            int64_t step = (al->period < 60 ? al->period : 60) * 1000LL;
            al->next_eval_ms = (now / step + 1) * step;
        }
    sw_alarms_cascade(a, now);
    sw_alarms_housekeep(a, now);
    sw_alarms_unlock(a);
    sw_alarms_sync(a);
    return (now / 10000 + 1) * 10000; /* every 10 s: the shortest high-resolution period */
}

/* ---------- the SNS notification ---------- */

static json_t *sw_json_or_null(const char *s) { return s ? json_string(s) : json_null(); }

char *sw_alarm_notification(const sw_alarms *a, const sw_alarm *al, sw_alarm_state old, int64_t now, char *subject,
                            size_t subject_len) {
    char updated[32], changed[32];
    sw_alarm_time(al->config_updated_ms, updated);
    sw_alarm_time(now, changed);
    const char *region = sw_region_display_name(al->region);
    /* SNS subjects are at most 100 characters. */
    snprintf(subject, subject_len, "%s: \"%s\" in %s", sw_alarm_state_name(al->state), al->name, region);
    if (strlen(subject) > 100) subject[100] = '\0';
    json_t *o = json_object();
    json_object_set_new(o, "AlarmName", json_string(al->name));
    json_object_set_new(o, "AlarmDescription", sw_json_or_null(al->description));
    json_object_set_new(o, "AWSAccountId", json_string(al->account));
    json_object_set_new(o, "AlarmConfigurationUpdatedTimestamp", json_string(updated));
    json_object_set_new(o, "NewStateValue", json_string(sw_alarm_state_name(al->state)));
    json_object_set_new(o, "NewStateReason", json_string(al->reason ? al->reason : ""));
    json_object_set_new(o, "StateChangeTime", json_string(changed));
    json_object_set_new(o, "Region", json_string(region));
    json_object_set_new(o, "AlarmArn", json_string(al->arn));
    json_object_set_new(o, "OldStateValue", json_string(sw_alarm_state_name(old)));
    const sw_strlist *lists[3] = {&al->ok_actions, &al->alarm_actions, &al->insufficient_actions};
    const char *names[3] = {"OKActions", "AlarmActions", "InsufficientDataActions"};
    for (int l = 0; l < 3; l++) {
        json_t *arr = json_array();
        for (int i = 0; i < lists[l]->n; i++) json_array_append_new(arr, json_string(lists[l]->v[i]));
        json_object_set_new(o, names[l], arr);
    }
    if (al->composite) {
        json_object_set_new(o, "AlarmRule", json_string(al->rule ? al->rule : ""));
        json_t *d = al->reason_data ? json_loads(al->reason_data, 0, NULL) : NULL;
        json_t *children = json_array(), *trig = d ? json_object_get(d, "triggeringAlarms") : NULL;
        size_t i;
        json_t *t;
        json_array_foreach(trig, i, t) {
            json_t *st = json_object_get(t, "state");
            json_array_append_new(children, json_pack("{s:O,s:{s:O,s:O}}", "Arn", json_object_get(t, "arn"), "State",
                                                      "Value", json_object_get(st, "value"), "Timestamp",
                                                      json_object_get(st, "timestamp")));
        }
        json_decref(d);
        json_object_set_new(o, "TriggeringChildren", children);
    } else {
        /* Trigger: upper-case statistic, lower-case dimension keys, as CloudWatch writes them. */
        json_t *trig = json_object(), *dims = json_array();
        json_t *metrics = al->metrics ? json_loads(al->metrics, 0, NULL) : NULL;
        if (metrics) {
            /* A Metrics alarm's Trigger carries the list, dimension keys lower-case like the others. */
            size_t i;
            json_t *q;
            json_array_foreach(metrics, i, q) {
                json_t *ds = json_object_get(json_object_get(json_object_get(q, "MetricStat"), "Metric"), "Dimensions");
                size_t k;
                json_t *d;
                json_array_foreach(ds, k, d) {
                    json_t *nd = json_pack("{s:O,s:O}", "value", json_object_get(d, "Value"), "name", json_object_get(d, "Name"));
                    json_array_set_new(ds, k, nd);
                }
            }
        }
        if (!metrics) {
            json_object_set_new(trig, "MetricName", json_string(al->metric));
            json_object_set_new(trig, "Namespace", json_string(al->ns));
        }
        if (!metrics) json_object_set_new(trig, "StatisticType", json_string(al->extended ? "ExtendedStatistic" : "Statistic"));
        if (!metrics && al->extended) json_object_set_new(trig, "ExtendedStatistic", json_string(al->extended));
        else if (!metrics) {
            char up[32];
            size_t k = 0;
            for (; al->statistic && al->statistic[k] && k < sizeof up - 1; k++) up[k] = (char)(al->statistic[k] >= 'a' && al->statistic[k] <= 'z' ? al->statistic[k] - 32 : al->statistic[k]);
            up[k] = '\0';
            json_object_set_new(trig, "Statistic", json_string(up));
        }
        if (!metrics) {
            json_object_set_new(trig, "Unit", sw_json_or_null(al->unit));
            for (int i = 0; i < al->ndims; i++)
                json_array_append_new(dims, json_pack("{s:s,s:s}", "value", al->dims[i].value, "name", al->dims[i].key));
            json_object_set_new(trig, "Dimensions", dims);
        } else json_decref(dims);
        json_object_set_new(trig, "Period", json_integer(al->period));
        json_object_set_new(trig, "EvaluationPeriods", json_integer(al->eval_periods));
        json_object_set_new(trig, "DatapointsToAlarm", json_integer(al->datapoints));
        json_object_set_new(trig, "ComparisonOperator", json_string(sw_cmp_name(al->cmp)));
        json_object_set_new(trig, "Threshold", json_real(al->threshold));
        json_object_set_new(trig, "TreatMissingData", json_string(sw_missing_name(al->treat)));
        json_object_set_new(trig, "EvaluateLowSampleCountPercentile", json_string(al->low_sample ? al->low_sample : ""));
        if (metrics) json_object_set_new(trig, "Metrics", metrics);
        json_object_set_new(o, "Trigger", trig);
    }
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(o);
    char *out = sw_strdup(text);
    free(text);
    return out;
}
