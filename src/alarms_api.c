/* alarms_api.c -- CloudWatch's alarm operations over any wire protocol: validation with AWS's rules
 * and messages, then calls into the alarms engine. Shapes: botocore cloudwatch 2010-08-01. */
#include "alarms_api.h"
#include "alarm_rule.h"
#include "alarms.h"
#include "alloc.h"
#include "stats.h"
#include "metric_math.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SW_VALIDATION(e, ...) sw_error_set(e, 400, "ValidationError", __VA_ARGS__)
#define SW_NOT_FOUND(e, ...) sw_error_set_typed(e, 404, "ResourceNotFound", "ResourceNotFound", __VA_ARGS__)

static char *sw_dup_opt(const char *s) { return s ? sw_strdup(s) : NULL; }

static int sw_no_engine(sw_ctx *ctx, sw_error *err) {
    return ctx->alarms ? 0 : SW_ERR_INTERNAL(err, "The alarms engine is not running.");
}

/* ---------- input ---------- */

/* An action ARN: AWS checks the syntax, not that the target exists. */
static int sw_arn_ok(const char *s) {
    int colons = 0;
    for (const char *p = s; *p; p++) colons += *p == ':';
    return strncmp(s, "arn:aws:", 8) == 0 && colons >= 5 && strlen(s) <= 1024;
}

static int sw_actions_from(const sw_value *in, const char *key, sw_strlist *l, int composite, sw_error *err) {
    sw_value *list = sw_v_get(in, key);
    l->n = 0;
    for (size_t i = 0; list && i < list->u.list.n; i++) {
        const char *arn = list->u.list.items[i]->type == SW_V_STRING ? list->u.list.items[i]->u.str.s : "";
        if (!sw_arn_ok(arn)) return SW_VALIDATION(err, "Invalid arn syntax: %.256s", arn);
        if (composite && strncmp(arn, "arn:aws:sns:", 12) && strncmp(arn, "arn:aws:lambda:", 15) &&
            strncmp(arn, "arn:aws:ssm:", 12) && strncmp(arn, "arn:aws:ssm-incidents:", 22))
            return SW_VALIDATION(err, "Composite alarms support only SNS, Lambda and Systems Manager actions: %.256s", arn);
        if (l->n >= SW_ALARM_MAX_ACTIONS) return SW_VALIDATION(err, "%s can have at most 5 actions.", key);
        l->v[l->n++] = sw_strdup(arn);
    }
    return 0;
}

static void sw_tags_from(const sw_value *in, sw_alarm *al) {
    sw_value *tags = sw_v_get(in, "Tags");
    if (!tags || !tags->u.list.n) return;
    al->tags = sw_calloc(tags->u.list.n, sizeof *al->tags);
    for (size_t i = 0; i < tags->u.list.n; i++) {
        const char *k = sw_v_get_str(tags->u.list.items[i], "Key", ""), *v = sw_v_get_str(tags->u.list.items[i], "Value", "");
        int j = 0;
        while (j < al->ntags && strcmp(al->tags[j].key, k) != 0) j++;
        if (j == al->ntags) al->tags[al->ntags++] = (sw_kv){sw_strdup(k), sw_strdup(v)};
        else { sw_free(al->tags[j].value); al->tags[j].value = sw_strdup(v); }
    }
}

static sw_alarm *sw_alarm_new(sw_ctx *ctx, const sw_value *in, int composite) {
    sw_alarm *al = sw_calloc(1, sizeof *al);
    al->account = sw_strdup(ctx->account);
    al->region = sw_strdup(ctx->region);
    al->name = sw_strdup(sw_v_get_str(in, "AlarmName", ""));
    al->composite = composite;
    al->description = sw_dup_opt(sw_v_get_str(in, "AlarmDescription", NULL));
    sw_value *enabled = sw_v_get(in, "ActionsEnabled");
    al->actions_enabled = enabled && enabled->type == SW_V_BOOL ? enabled->u.b : 1;
    sw_tags_from(in, al);
    return al;
}

static int sw_common_actions(const sw_value *in, sw_alarm *al, sw_error *err) {
    if (sw_actions_from(in, "OKActions", &al->ok_actions, al->composite, err) ||
        sw_actions_from(in, "AlarmActions", &al->alarm_actions, al->composite, err) ||
        sw_actions_from(in, "InsufficientDataActions", &al->insufficient_actions, al->composite, err))
        return -1;
    return 0;
}

/* ---------- Metrics (metric math alarms) ---------- */

/* A value tree as JSON (maps, lists, strings, numbers, booleans), for storing Metrics as given. */
static json_t *sw_value_json(const sw_value *v) {
    switch (v->type) {
    case SW_V_BOOL: return json_boolean(v->u.b);
    case SW_V_INT: return json_integer(v->u.i);
    case SW_V_DOUBLE: case SW_V_TIME: return json_real(v->u.d);
    case SW_V_STRING: return json_stringn(v->u.str.s, v->u.str.len);
    case SW_V_LIST: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->u.list.n; i++) json_array_append_new(a, sw_value_json(v->u.list.items[i]));
        return a;
    }
    case SW_V_MAP: {
        json_t *o = json_object();
        for (size_t i = 0; i < v->u.map.n; i++) json_object_set_new(o, v->u.map.items[i].key, sw_value_json(v->u.map.items[i].val));
        return o;
    }
    default: return json_null();
    }
}

/* The stored JSON back as a value tree, for DescribeAlarms. */
static sw_value *sw_json_value(sw_arena *a, const json_t *j) {
    switch (json_typeof(j)) {
    case JSON_TRUE: return sw_v_bool(a, 1);
    case JSON_FALSE: return sw_v_bool(a, 0);
    case JSON_INTEGER: return sw_v_int(a, json_integer_value(j));
    case JSON_REAL: return sw_v_double(a, json_real_value(j));
    case JSON_STRING: return sw_v_string(a, json_string_value(j), json_string_length(j));
    case JSON_ARRAY: {
        sw_value *l = sw_v_list(a);
        size_t i;
        json_t *e;
        json_array_foreach(j, i, e) sw_v_list_push(a, l, sw_json_value(a, e));
        return l;
    }
    case JSON_OBJECT: {
        sw_value *m = sw_v_map(a);
        const char *k;
        json_t *e;
        json_object_foreach((json_t *)j, k, e) sw_v_map_putc(a, m, k, sw_json_value(a, e));
        return m;
    }
    default: return sw_v_null(a);
    }
}

/* Stores the Metrics list as given, as JSON text. */
static void sw_keep_metrics(sw_alarm *al, const sw_value *metrics) {
    json_t *j = sw_value_json(metrics);
    char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(j);
    al->metrics = sw_strdup(text);
    free(text);
}

static int sw_alarm_id_ok(const char *s) {
    if (!(s[0] >= 'a' && s[0] <= 'z')) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_')) return 0;
    return 1;
}

/* PutMetricAlarm with Metrics: checks the list as AWS does and takes the metric of the entry whose
 * ReturnData is true (omitted counts as true). That entry must be a MetricStat: skywatch evaluates no
 * metric math expression in alarms yet. */
static int sw_math_alarm_fields(const sw_value *in, const sw_value *metrics, sw_alarm *al, sw_error *err) {
    static const char *const single[] = {"MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit"};
    for (size_t i = 0; i < sizeof single / sizeof single[0]; i++)
        if (sw_v_get(in, single[i]))
            return SW_ERR_INVALID_COMBINATION(err, "%s must not be specified together with Metrics.", single[i]);
    size_t n = metrics->type == SW_V_LIST ? metrics->u.list.n : 0, nstats = 0;
    if (n == 0) return SW_VALIDATION(err, "The Metrics list must contain at least one element.");
    const sw_value *ret = NULL;
    for (size_t i = 0; i < n; i++) {
        const sw_value *q = metrics->u.list.items[i];
        const char *id = sw_v_get_str(q, "Id", "");
        if (!sw_alarm_id_ok(id))
            return SW_VALIDATION(err, "Invalid metrics list: the Id %.255s must start with a lowercase letter and contain only letters, numbers and underscores.", id);
        for (size_t k = 0; k < i; k++)
            if (strcmp(id, sw_v_get_str(metrics->u.list.items[k], "Id", "")) == 0)
                return SW_VALIDATION(err, "Invalid metrics list: the Id %.255s is used more than once.", id);
        const sw_value *ms = sw_v_get(q, "MetricStat"), *rd = sw_v_get(q, "ReturnData");
        const char *expr = sw_v_get_str(q, "Expression", NULL);
        if (!ms == !expr) return SW_VALIDATION(err, "Invalid metrics list: the element %.255s must have exactly one of MetricStat and Expression.", id);
        if (sw_v_get(q, "AccountId")) return SW_ERR_INVALID_PARAMETER(err, "Metrics: cross-account alarms (AccountId) are not supported by skywatch.");
        if (!rd || (rd->type == SW_V_BOOL && rd->u.b)) {
            if (ret) return SW_VALIDATION(err, "Exactly one element of the metrics list should return data.");
            ret = q;
        }
        if (expr) continue;
        nstats++;
        const sw_value *metric = sw_v_get(ms, "Metric");
        int64_t period = sw_v_get_int(ms, "Period", 0);
        sw_stat st;
        if (!sw_v_get_str(metric, "Namespace", NULL) || !sw_v_get_str(metric, "MetricName", NULL))
            return SW_ERR_MISSING_PARAMETER(err, "The element %.255s of the metrics list needs MetricStat.Metric with Namespace and MetricName.", id);
        if (!(period == 10 || period == 20 || period == 30 || (period > 0 && period % 60 == 0)))
            return SW_VALIDATION(err, "The Period of the element %.255s of the metrics list must be 10, 20, 30 or a multiple of 60.", id);
        if (sw_stat_parse(sw_v_get_str(ms, "Stat", ""), &st))
            return SW_VALIDATION(err, "The Stat %.64s of the element %.255s of the metrics list is not supported.", sw_v_get_str(ms, "Stat", ""), id);
        const sw_value *dims = sw_v_get(metric, "Dimensions");
        if (dims && dims->u.list.n > SW_ALARM_MAX_DIMS) return SW_VALIDATION(err, "At most 30 dimensions are allowed.");
    }
    if (!ret) return SW_VALIDATION(err, "Exactly one element of the metrics list should return data.");
    if (nstats > SW_ALARM_MAX_METRICS || n - nstats > SW_ALARM_MAX_METRICS)
        return SW_VALIDATION(err, "The metrics list can contain at most %d metrics and %d expressions.", SW_ALARM_MAX_METRICS, SW_ALARM_MAX_METRICS);
    int64_t period = 0;
    for (size_t i = 0; i < n; i++) {
        const sw_value *q = metrics->u.list.items[i];
        const char *text = sw_v_get_str(q, "Expression", NULL);
        if (!text) {
            /* One period for the whole alarm: every metric is read on the same grid. */
            int64_t p = sw_v_get_int(sw_v_get(q, "MetricStat"), "Period", 0);
            if (period && p != period) return SW_VALIDATION(err, "All metrics in the metrics list must have the same Period.");
            period = p;
            continue;
        }
        char msg[512];
        sw_mm_expr *e = sw_mm_parse(text, strlen(text), msg, sizeof msg);
        if (!e) return SW_VALIDATION(err, "Error in expression %.255s: %s", sw_v_get_str(q, "Id", ""), msg);
        if (sw_mm_has_call(e, "SEARCH")) {
            sw_mm_free(e);
            return SW_VALIDATION(err, "Error in expression %.255s: SEARCH cannot be used in alarms.", sw_v_get_str(q, "Id", ""));
        }
        const char *refs[32];
        int every;
        size_t nr = sw_mm_refs(e, refs, 32, &every);
        for (size_t r = 0; r < nr; r++) {
            size_t k = 0;
            while (k < n && strcmp(refs[r], sw_v_get_str(metrics->u.list.items[k], "Id", ""))) k++;
            if (k == n) {
                SW_VALIDATION(err, "Error in expression %.255s: Unrecognized identifier %.255s.", sw_v_get_str(q, "Id", ""), refs[r]);
                sw_mm_free(e); /* refs point into it */
                return -1;
            }
        }
        sw_mm_free(e);
    }
    if (sw_v_get(ret, "Expression")) {
        /* A metric math alarm: the expression is evaluated over the metrics at each evaluation. */
        if (!period) period = sw_v_get_int(ret, "Period", 0);
        if (!(period == 10 || period == 20 || period == 30 || (period > 0 && period % 60 == 0)))
            return SW_VALIDATION(err, "A metric math alarm needs a Period of 10, 20, 30 or a multiple of 60 on its metrics.");
        al->period = (int)period;
        sw_keep_metrics(al, metrics);
        return 0;
    }
    const sw_value *ms = sw_v_get(ret, "MetricStat"), *metric = sw_v_get(ms, "Metric"), *dims = sw_v_get(metric, "Dimensions");
    for (size_t i = 0; dims && i < dims->u.list.n; i++)
        al->dims[al->ndims++] = (sw_kv){sw_strdup(sw_v_get_str(dims->u.list.items[i], "Name", "")),
                                        sw_strdup(sw_v_get_str(dims->u.list.items[i], "Value", ""))};
    al->ns = sw_strdup(sw_v_get_str(metric, "Namespace", ""));
    al->metric = sw_strdup(sw_v_get_str(metric, "MetricName", ""));
    const char *stat = sw_v_get_str(ms, "Stat", "");
    sw_stat st;
    sw_stat_parse(stat, &st);
    if (sw_stat_is_extended(&st)) al->extended = sw_strdup(stat);
    else al->statistic = sw_strdup(stat);
    al->period = (int)sw_v_get_int(ms, "Period", 0);
    al->unit = sw_dup_opt(sw_v_get_str(ms, "Unit", NULL));
    sw_keep_metrics(al, metrics);
    return 0;
}

static int sw_metric_alarm_fields(const sw_value *in, sw_alarm *al, sw_error *err) {
    const sw_value *metrics = sw_v_get(in, "Metrics");
    if (sw_v_get(in, "EvaluationCriteria") || sw_v_get(in, "EvaluationInterval"))
        return SW_ERR_INVALID_PARAMETER(err, "EvaluationCriteria: PromQL alarms are not supported by skywatch.");
    if (sw_v_get(in, "ThresholdMetricId"))
        return SW_ERR_INVALID_PARAMETER(err, "ThresholdMetricId: anomaly detection alarms are not supported by skywatch.");
    const char *req[] = {"EvaluationPeriods", "Threshold", "ComparisonOperator", "MetricName", "Namespace", "Period"};
    for (size_t i = 0; i < sizeof req / sizeof req[0] - (metrics ? 3 : 0); i++)
        if (!sw_v_get(in, req[i])) return SW_ERR_MISSING_PARAMETER(err, "The parameter %s is required.", req[i]);
    if (metrics && sw_math_alarm_fields(in, metrics, al, err)) return -1;
    const char *stat = metrics ? al->statistic : sw_v_get_str(in, "Statistic", NULL);
    const char *ext = metrics ? al->extended : sw_v_get_str(in, "ExtendedStatistic", NULL);
    int expression = metrics && !al->metric; /* an expression returns the data: no statistic of its own */
    if (!expression && !stat == !ext)
        return SW_ERR_INVALID_COMBINATION(err, "Exactly one of Statistic and ExtendedStatistic must be specified.");
    sw_stat st;
    if (ext && (sw_stat_parse(ext, &st) || !sw_stat_alarm_ok(&st)))
        return SW_VALIDATION(err, "The value %.64s for parameter ExtendedStatistic is not supported. Valid values: pNN.NN, tmNN, tcNN, tsNN, wmNN, IQM, PR(n:m), and TC, TM, TS or WM(X%%:X%%) with X between 10 and 90.", ext);
    int cmp = sw_cmp_parse(sw_v_get_str(in, "ComparisonOperator", ""));
    if (cmp < 0)
        return SW_ERR_INVALID_PARAMETER(err, "ComparisonOperator %.64s needs an anomaly detection band, which skywatch does not support.", sw_v_get_str(in, "ComparisonOperator", ""));
    int64_t period = metrics ? al->period : sw_v_get_int(in, "Period", 0), n = sw_v_get_int(in, "EvaluationPeriods", 0);
    int64_t m = sw_v_get_int(in, "DatapointsToAlarm", n);
    /* "Valid values are 10, 20, 30, and any multiple of 60." */
    if (!(period == 10 || period == 20 || period == 30 || (period > 0 && period % 60 == 0)))
        return SW_VALIDATION(err, "The parameter Period must be 10, 20, 30 or a multiple of 60.");
    /* "Period * EvaluationPeriods must be at most one day (86,400 s) for periods under an hour, else seven days." */
    if (period * n > (period < 3600 ? 86400 : 604800))
        return SW_VALIDATION(err, "The product of EvaluationPeriods and Period must not exceed %d seconds%s.",
                             period < 3600 ? 86400 : 604800, period < 3600 ? " when Period is less than 3600" : "");
    if (m > n) return SW_VALIDATION(err, "DatapointsToAlarm must be less than or equal to EvaluationPeriods.");
    const char *treat = sw_v_get_str(in, "TreatMissingData", NULL);
    if (treat && sw_missing_parse(treat) < 0)
        return SW_VALIDATION(err, "The value %.64s for parameter TreatMissingData is not supported; use missing, notBreaching, breaching or ignore.", treat);
    const char *low = sw_v_get_str(in, "EvaluateLowSampleCountPercentile", NULL);
    if (low && strcmp(low, "evaluate") && strcmp(low, "ignore"))
        return SW_VALIDATION(err, "The value %.64s for parameter EvaluateLowSampleCountPercentile is not supported; use evaluate or ignore.", low);
    if (low && !(ext && st.kind == SW_STAT_PERCENTILE))
        return SW_ERR_INVALID_COMBINATION(err, "EvaluateLowSampleCountPercentile can be used only with a percentile ExtendedStatistic.");
    sw_value *dims = sw_v_get(in, "Dimensions");
    if (dims && dims->u.list.n > SW_ALARM_MAX_DIMS) return SW_VALIDATION(err, "At most 30 dimensions are allowed.");
    for (size_t i = 0; dims && i < dims->u.list.n; i++) {
        const char *dn = sw_v_get_str(dims->u.list.items[i], "Name", ""), *dv = sw_v_get_str(dims->u.list.items[i], "Value", "");
        for (int j = 0; j < al->ndims; j++)
            if (strcmp(al->dims[j].key, dn) == 0) return SW_ERR_INVALID_PARAMETER(err, "The dimension %.255s appears more than once.", dn);
        al->dims[al->ndims++] = (sw_kv){sw_strdup(dn), sw_strdup(dv)};
    }
    if (!metrics) { /* with Metrics, sw_math_alarm_fields took these from the MetricStat */
        al->ns = sw_strdup(sw_v_get_str(in, "Namespace", ""));
        al->metric = sw_strdup(sw_v_get_str(in, "MetricName", ""));
        al->statistic = sw_dup_opt(stat);
        al->extended = sw_dup_opt(ext);
        al->period = (int)period;
    }
    al->eval_periods = (int)n;
    al->datapoints = (int)m;
    al->threshold = sw_v_get_double(in, "Threshold", 0);
    al->cmp = (sw_cmp)cmp;
    al->treat = treat ? (sw_missing)sw_missing_parse(treat) : SW_MISSING_MISSING;
    al->treat_set = treat != NULL;
    al->low_sample = sw_dup_opt(low);
    if (!metrics) al->unit = sw_dup_opt(sw_v_get_str(in, "Unit", NULL));
    return 0;
}

int sw_put_metric_alarm(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    if (sw_no_engine(ctx, err)) return -1;
    sw_alarm *al = sw_alarm_new(ctx, in, 0);
    if (sw_metric_alarm_fields(in, al, err) || sw_common_actions(in, al, err)) { sw_alarm_free(al); return -1; }
    sw_alarms_lock(ctx->alarms);
    sw_alarm *old = sw_alarms_find(ctx->alarms, ctx->account, ctx->region, al->name);
    int rc = 0;
    /* Decided before the put: sw_alarms_put frees the replaced alarm. It takes the new one even when the log fails. */
    int owned = !(old && old->composite);
    if (!owned) rc = SW_VALIDATION(err, "The alarm %.255s is a composite alarm.", al->name);
    else if (sw_alarms_put(ctx->alarms, al, ctx->now_ms)) rc = SW_ERR_INTERNAL(err, "The alarm could not be stored.");
    sw_alarms_unlock(ctx->alarms);
    if (!rc && sw_alarms_sync(ctx->alarms)) rc = SW_ERR_INTERNAL(err, "The change could not be made durable.");
    if (!owned) sw_alarm_free(al);
    return rc;
}

int sw_put_composite_alarm(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    if (sw_no_engine(ctx, err)) return -1;
    const char *rule = sw_v_get_str(in, "AlarmRule", "");
    char msg[512];
    sw_alarm_rule *compiled = sw_alarm_rule_parse(rule, strlen(rule), ctx->region, ctx->account, msg, sizeof msg);
    if (!compiled) return SW_VALIDATION(err, "%s", msg);
    sw_alarm *al = sw_alarm_new(ctx, in, 1);
    al->rule = sw_strdup(rule);
    al->compiled_rule = compiled;
    if (sw_common_actions(in, al, err)) { sw_alarm_free(al); return -1; }
    const char *sup = sw_v_get_str(in, "ActionsSuppressor", NULL);
    al->suppressor = sw_dup_opt(sup);
    al->wait_period = (int)sw_v_get_int(in, "ActionsSuppressorWaitPeriod", 0);
    al->extension_period = (int)sw_v_get_int(in, "ActionsSuppressorExtensionPeriod", 0);
    if (!sup && (sw_v_get(in, "ActionsSuppressorWaitPeriod") || sw_v_get(in, "ActionsSuppressorExtensionPeriod"))) {
        sw_alarm_free(al);
        return SW_ERR_INVALID_COMBINATION(err, "ActionsSuppressorWaitPeriod and ActionsSuppressorExtensionPeriod need ActionsSuppressor.");
    }
    if (al->wait_period < 0 || al->extension_period < 0) { sw_alarm_free(al); return SW_VALIDATION(err, "Suppressor periods must not be negative."); }
    sw_alarms_lock(ctx->alarms);
    int rc = 0;
    sw_buf missing;
    sw_buf_init(&missing);
    for (size_t i = 0; i < sw_alarm_rule_nchildren(compiled); i++) {
        const char *child = sw_alarm_rule_child(compiled, i);
        if (strcmp(child, al->name) != 0 && !sw_alarms_find(ctx->alarms, ctx->account, ctx->region, child))
            sw_buf_printf(&missing, "%s%s", missing.len ? ", " : "", child);
    }
    sw_alarm *old = sw_alarms_find(ctx->alarms, ctx->account, ctx->region, al->name);
    int owned = !missing.len && !(old && !old->composite); /* decided before the put, which frees old */
    if (missing.len) rc = SW_VALIDATION(err, "Could not save the composite alarm as alarms [%.700s] in the alarm rule do not exist", missing.data);
    else if (old && !old->composite) rc = SW_VALIDATION(err, "The alarm %.255s is a metric alarm.", al->name);
    else if (sw_alarms_put(ctx->alarms, al, ctx->now_ms)) rc = SW_ERR_INTERNAL(err, "The alarm could not be stored.");
    sw_alarms_unlock(ctx->alarms);
    if (!rc && sw_alarms_sync(ctx->alarms)) rc = SW_ERR_INTERNAL(err, "The change could not be made durable.");
    sw_buf_free(&missing);
    if (!owned) sw_alarm_free(al);
    return rc;
}

/* ---------- output ---------- */

static void sw_put_str(sw_arena *a, sw_value *m, const char *k, const char *v) {
    if (v) sw_v_map_putc(a, m, k, sw_v_cstr(a, v));
}

static sw_value *sw_strlist_value(sw_arena *a, const sw_strlist *l) {
    sw_value *list = sw_v_list(a);
    for (int i = 0; i < l->n; i++) sw_v_list_push(a, list, sw_v_cstr(a, l->v[i]));
    return list;
}

static void sw_put_common(sw_arena *a, sw_value *m, const sw_alarm *al) {
    sw_put_str(a, m, "AlarmName", al->name);
    sw_put_str(a, m, "AlarmArn", al->arn);
    sw_put_str(a, m, "AlarmDescription", al->description);
    sw_v_map_putc(a, m, "AlarmConfigurationUpdatedTimestamp", sw_v_time(a, al->config_updated_ms / 1000.0));
    sw_v_map_putc(a, m, "ActionsEnabled", sw_v_bool(a, al->actions_enabled));
    sw_v_map_putc(a, m, "OKActions", sw_strlist_value(a, &al->ok_actions));
    sw_v_map_putc(a, m, "AlarmActions", sw_strlist_value(a, &al->alarm_actions));
    sw_v_map_putc(a, m, "InsufficientDataActions", sw_strlist_value(a, &al->insufficient_actions));
    sw_put_str(a, m, "StateValue", sw_alarm_state_name(al->state));
    sw_put_str(a, m, "StateReason", al->reason);
    sw_put_str(a, m, "StateReasonData", al->reason_data);
    sw_v_map_putc(a, m, "StateUpdatedTimestamp", sw_v_time(a, al->state_updated_ms / 1000.0));
}

static sw_value *sw_metric_alarm_rest(sw_arena *a, sw_value *m, const sw_alarm *al);

static sw_value *sw_metric_alarm_value(sw_arena *a, const sw_alarm *al) {
    sw_value *m = sw_v_map(a);
    sw_put_common(a, m, al);
    json_t *metrics = al->metrics ? json_loads(al->metrics, 0, NULL) : NULL;
    if (metrics) {
        sw_v_map_putc(a, m, "Metrics", sw_json_value(a, metrics));
        json_decref(metrics);
        return sw_metric_alarm_rest(a, m, al);
    }
    sw_put_str(a, m, "MetricName", al->metric);
    sw_put_str(a, m, "Namespace", al->ns);
    sw_put_str(a, m, "Statistic", al->statistic);
    sw_put_str(a, m, "ExtendedStatistic", al->extended);
    sw_value *dims = sw_v_list(a);
    for (int i = 0; i < al->ndims; i++) {
        sw_value *d = sw_v_map(a);
        sw_put_str(a, d, "Name", al->dims[i].key);
        sw_put_str(a, d, "Value", al->dims[i].value);
        sw_v_list_push(a, dims, d);
    }
    sw_v_map_putc(a, m, "Dimensions", dims);
    sw_v_map_putc(a, m, "Period", sw_v_int(a, al->period));
    sw_put_str(a, m, "Unit", al->unit);
    return sw_metric_alarm_rest(a, m, al);
}

/* What every metric alarm shows, whether it names its metric or has Metrics. */
static sw_value *sw_metric_alarm_rest(sw_arena *a, sw_value *m, const sw_alarm *al) {
    sw_v_map_putc(a, m, "EvaluationPeriods", sw_v_int(a, al->eval_periods));
    sw_v_map_putc(a, m, "DatapointsToAlarm", sw_v_int(a, al->datapoints));
    sw_v_map_putc(a, m, "Threshold", sw_v_double(a, al->threshold));
    sw_put_str(a, m, "ComparisonOperator", sw_cmp_name(al->cmp));
    if (al->treat_set) sw_put_str(a, m, "TreatMissingData", sw_missing_name(al->treat));
    sw_put_str(a, m, "EvaluateLowSampleCountPercentile", al->low_sample);
    sw_v_map_putc(a, m, "StateTransitionedTimestamp", sw_v_time(a, al->state_transitioned_ms / 1000.0));
    return m;
}

static sw_value *sw_composite_value(sw_arena *a, const sw_alarm *al) {
    sw_value *m = sw_v_map(a);
    sw_put_common(a, m, al);
    sw_put_str(a, m, "AlarmRule", al->rule);
    sw_v_map_putc(a, m, "StateTransitionedTimestamp", sw_v_time(a, al->state_transitioned_ms / 1000.0));
    if (al->suppressor) {
        sw_put_str(a, m, "ActionsSuppressor", al->suppressor);
        sw_v_map_putc(a, m, "ActionsSuppressorWaitPeriod", sw_v_int(a, al->wait_period));
        sw_v_map_putc(a, m, "ActionsSuppressorExtensionPeriod", sw_v_int(a, al->extension_period));
    }
    if (al->suppressed_by) {
        static const char *const by[] = {"", "WaitPeriod", "ExtensionPeriod", "Alarm"};
        sw_put_str(a, m, "ActionsSuppressedBy", by[al->suppressed_by & 3]);
        sw_put_str(a, m, "ActionsSuppressedReason", al->suppressed_reason);
    }
    return m;
}

/* ---------- DescribeAlarms ---------- */

static int sw_has_action_prefix(const sw_alarm *al, const char *prefix) {
    const sw_strlist *lists[3] = {&al->ok_actions, &al->alarm_actions, &al->insufficient_actions};
    size_t n = strlen(prefix);
    for (int l = 0; l < 3; l++)
        for (int i = 0; i < lists[l]->n; i++)
            if (strncmp(lists[l]->v[i], prefix, n) == 0) return 1;
    return 0;
}

static int sw_in_list(const sw_value *list, const char *s) {
    for (size_t i = 0; list && i < list->u.list.n; i++)
        if (list->u.list.items[i]->type == SW_V_STRING && strcmp(list->u.list.items[i]->u.str.s, s) == 0) return 1;
    return 0;
}

/* AlarmTypes: omitted means metric alarms only (DescribeAlarms and DescribeAlarmHistory alike). */
static void sw_alarm_types(const sw_value *in, int *metric, int *composite) {
    sw_value *types = sw_v_get(in, "AlarmTypes");
    *metric = !types || sw_in_list(types, "MetricAlarm");
    *composite = types && sw_in_list(types, "CompositeAlarm");
}

static int sw_rule_mentions(const sw_alarm *parent, const char *child) {
    if (!parent->composite || !parent->compiled_rule) return 0;
    for (size_t i = 0; i < sw_alarm_rule_nchildren(parent->compiled_rule); i++)
        if (strcmp(sw_alarm_rule_child(parent->compiled_rule, i), child) == 0) return 1;
    return 0;
}

static int sw_token(const char *tok, const char *prefix, size_t *out) {
    size_t pl = strlen(prefix);
    if (!tok) { *out = 0; return 0; }
    char *end;
    if (strncmp(tok, prefix, pl) != 0 || !tok[pl] || tok[pl] < '0' || tok[pl] > '9') return -1;
    unsigned long long v = strtoull(tok + pl, &end, 10);
    if (*end || v > 1000000000ULL) return -1;
    *out = (size_t)v;
    return 0;
}

int sw_describe_alarms(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    if (sw_no_engine(ctx, err)) return -1;
    sw_value *names = sw_v_get(in, "AlarmNames");
    const char *prefix = sw_v_get_str(in, "AlarmNamePrefix", NULL), *state = sw_v_get_str(in, "StateValue", NULL);
    const char *action = sw_v_get_str(in, "ActionPrefix", NULL);
    const char *children_of = sw_v_get_str(in, "ChildrenOfAlarmName", NULL), *parents_of = sw_v_get_str(in, "ParentsOfAlarmName", NULL);
    if (names && prefix) return SW_ERR_INVALID_COMBINATION(err, "AlarmNames and AlarmNamePrefix cannot be used together.");
    if ((children_of || parents_of) && (names || prefix || state || action || (children_of && parents_of)))
        return SW_ERR_INVALID_COMBINATION(err, "ChildrenOfAlarmName and ParentsOfAlarmName cannot be combined with other filters.");
    int want_metric, want_composite;
    sw_alarm_types(in, &want_metric, &want_composite);
    if (children_of || parents_of) want_metric = want_composite = 1;
    size_t skip, max = (size_t)sw_v_get_int(in, "MaxRecords", 50);
    if (sw_token(sw_v_get_str(in, "NextToken", NULL), "da1.", &skip))
        return SW_ERR_INVALID_NEXT_TOKEN(err, "The service couldn't process the NextToken value.");
    sw_alarms_lock(ctx->alarms);
    size_t n;
    sw_alarm **all = sw_alarms_list(ctx->alarms, ctx->account, ctx->region, &n);
    sw_alarm *parent = children_of ? sw_alarms_find(ctx->alarms, ctx->account, ctx->region, children_of) : NULL;
    sw_value *metric = sw_v_list(ctx->arena), *composite = sw_v_list(ctx->arena);
    size_t matched = 0, emitted = 0;
    for (size_t i = 0; i < n; i++) {
        sw_alarm *al = all[i];
        if (al->composite ? !want_composite : !want_metric) continue;
        if (names && !sw_in_list(names, al->name)) continue;
        if (prefix && strncmp(al->name, prefix, strlen(prefix)) != 0) continue;
        if (state && strcmp(sw_alarm_state_name(al->state), state) != 0) continue;
        if (action && !sw_has_action_prefix(al, action)) continue;
        if (children_of && !(parent && sw_rule_mentions(parent, al->name))) continue;
        if (parents_of && !sw_rule_mentions(al, parents_of)) continue;
        if (matched++ < skip) continue;
        if (emitted == max) { matched = SIZE_MAX; break; }
        emitted++;
        if (al->composite) sw_v_list_push(ctx->arena, composite, sw_composite_value(ctx->arena, al));
        else sw_v_list_push(ctx->arena, metric, sw_metric_alarm_value(ctx->arena, al));
    }
    sw_alarms_unlock(ctx->alarms);
    sw_free(all);
    *out = sw_v_map(ctx->arena);
    if (want_metric) sw_v_map_putc(ctx->arena, *out, "MetricAlarms", metric);
    if (want_composite) sw_v_map_putc(ctx->arena, *out, "CompositeAlarms", composite);
    if (matched == SIZE_MAX) {
        char tok[40];
        snprintf(tok, sizeof tok, "da1.%zu", skip + emitted);
        sw_put_str(ctx->arena, *out, "NextToken", tok);
    }
    return 0;
}

static int sw_same_dims(const sw_alarm *al, const sw_value *dims) {
    size_t n = dims ? dims->u.list.n : 0;
    if ((size_t)al->ndims != n) return 0;
    for (size_t i = 0; i < n; i++) {
        const char *dn = sw_v_get_str(dims->u.list.items[i], "Name", ""), *dv = sw_v_get_str(dims->u.list.items[i], "Value", "");
        int found = 0;
        for (int j = 0; j < al->ndims && !found; j++) found = strcmp(al->dims[j].key, dn) == 0 && strcmp(al->dims[j].value, dv) == 0;
        if (!found) return 0;
    }
    return 1;
}

int sw_describe_alarms_for_metric(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    if (sw_no_engine(ctx, err)) return -1;
    const char *ns = sw_v_get_str(in, "Namespace", ""), *name = sw_v_get_str(in, "MetricName", "");
    const char *stat = sw_v_get_str(in, "Statistic", NULL), *ext = sw_v_get_str(in, "ExtendedStatistic", NULL);
    const char *unit = sw_v_get_str(in, "Unit", NULL);
    int64_t period = sw_v_get_int(in, "Period", 0);
    sw_value *dims = sw_v_get(in, "Dimensions");
    sw_alarms_lock(ctx->alarms);
    size_t n;
    sw_alarm **all = sw_alarms_list(ctx->alarms, ctx->account, ctx->region, &n);
    sw_value *list = sw_v_list(ctx->arena);
    for (size_t i = 0; i < n; i++) {
        sw_alarm *al = all[i];
        if (al->composite || al->metrics || strcmp(al->ns, ns) || strcmp(al->metric, name)) continue;
        if ((dims && !sw_same_dims(al, dims)) || (stat && (!al->statistic || strcmp(stat, al->statistic))) ||
            (ext && (!al->extended || strcmp(ext, al->extended))) || (period && period != al->period) ||
            (unit && (!al->unit || strcmp(unit, al->unit))))
            continue;
        sw_v_list_push(ctx->arena, list, sw_metric_alarm_value(ctx->arena, al));
    }
    sw_alarms_unlock(ctx->alarms);
    sw_free(all);
    *out = sw_v_map(ctx->arena);
    sw_v_map_putc(ctx->arena, *out, "MetricAlarms", list);
    return 0;
}

/* ---------- changes ---------- */

int sw_delete_alarms(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    if (sw_no_engine(ctx, err)) return -1;
    sw_value *names = sw_v_get(in, "AlarmNames");
    if (!names || !names->u.list.n) return SW_ERR_MISSING_PARAMETER(err, "The parameter AlarmNames is required.");
    sw_alarms_lock(ctx->alarms);
    sw_buf missing;
    sw_buf_init(&missing);
    int composites = 0;
    size_t nmissing = 0;
    for (size_t i = 0; i < names->u.list.n; i++) {
        const char *name = names->u.list.items[i]->u.str.s;
        sw_alarm *al = sw_alarms_find(ctx->alarms, ctx->account, ctx->region, name);
        if (!al) sw_buf_printf(&missing, "%s%s", nmissing++ ? ", " : "", name);
        else composites += al->composite;
    }
    /* "Cannot delete X as there are composite alarm(s) depending on it": children of a composite that
     * is not deleted in the same call stay. */
    sw_buf held;
    sw_buf_init(&held);
    size_t nheld = 0, nall;
    sw_alarm **all = sw_alarms_list(ctx->alarms, ctx->account, ctx->region, &nall);
    for (size_t i = 0; i < names->u.list.n && !missing.len; i++) {
        const char *name = names->u.list.items[i]->u.str.s;
        for (size_t k = 0; k < nall; k++)
            if (sw_rule_mentions(all[k], name) && !sw_in_list(names, all[k]->name)) {
                sw_buf_printf(&held, "%s%s", nheld++ ? "," : "", name);
                break;
            }
    }
    sw_free(all);
    int rc = 0;
    /* AWS deletes nothing when a name is unknown, and at most one composite alarm per call. */
    if (nheld) rc = SW_VALIDATION(err, "Cannot delete %.800s as there are composite alarm(s) depending on %s.", held.data, nheld == 1 ? "it" : "them");
    else if (missing.len) rc = SW_NOT_FOUND(err, "%zu alarm%s not found: [%.800s]", nmissing, nmissing == 1 ? "" : "s", missing.data);
    else if (composites > 1) rc = SW_VALIDATION(err, "You can delete at most one composite alarm per DeleteAlarms call.");
    else {
        for (size_t i = 0; i < names->u.list.n; i++)
            sw_alarms_delete(ctx->alarms, ctx->account, ctx->region, names->u.list.items[i]->u.str.s, ctx->now_ms);
    }
    sw_alarms_unlock(ctx->alarms);
    if (!rc && sw_alarms_sync(ctx->alarms)) rc = SW_ERR_INTERNAL(err, "The change could not be made durable.");
    sw_buf_free(&missing);
    sw_buf_free(&held);
    return rc;
}

int sw_set_alarm_state(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    if (sw_no_engine(ctx, err)) return -1;
    const char *name = sw_v_get_str(in, "AlarmName", ""), *reason = sw_v_get_str(in, "StateReason", "");
    const char *data = sw_v_get_str(in, "StateReasonData", NULL);
    int state = sw_alarm_state_parse(sw_v_get_str(in, "StateValue", ""));
    if (data) {
        json_t *j = json_loads(data, 0, NULL);
        int ok = json_is_object(j);
        json_decref(j);
        if (!ok) return sw_error_set_typed(err, 400, "InvalidFormat", "InvalidFormatFault", "StateReasonData is not valid JSON.");
    }
    sw_alarms_lock(ctx->alarms);
    sw_alarm *al = sw_alarms_find(ctx->alarms, ctx->account, ctx->region, name);
    int rc = 0;
    if (!al) rc = SW_NOT_FOUND(err, "Alarm %.255s not found", name);
    else if (sw_alarms_set_state(ctx->alarms, al, (sw_alarm_state)state, reason, data, ctx->now_ms))
        rc = SW_ERR_INTERNAL(err, "The state could not be stored.");
    sw_alarms_unlock(ctx->alarms);
    if (!rc && sw_alarms_sync(ctx->alarms)) rc = SW_ERR_INTERNAL(err, "The change could not be made durable.");
    return rc;
}

static int sw_set_actions_enabled(sw_ctx *ctx, const sw_value *in, int enabled, sw_error *err) {
    if (sw_no_engine(ctx, err)) return -1;
    sw_value *names = sw_v_get(in, "AlarmNames");
    sw_alarms_lock(ctx->alarms);
    int rc = 0;
    for (size_t i = 0; names && i < names->u.list.n && !rc; i++) {
        sw_alarm *al = sw_alarms_find(ctx->alarms, ctx->account, ctx->region, names->u.list.items[i]->u.str.s);
        if (!al || al->actions_enabled == enabled) continue;
        al->actions_enabled = enabled;
        if (sw_alarms_update(ctx->alarms, al, ctx->now_ms)) rc = SW_ERR_INTERNAL(err, "The change could not be stored.");
    }
    sw_alarms_unlock(ctx->alarms);
    if (!rc && sw_alarms_sync(ctx->alarms)) rc = SW_ERR_INTERNAL(err, "The change could not be made durable.");
    return rc;
}

int sw_enable_alarm_actions(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) { return sw_set_actions_enabled(ctx, in, 1, err); }
int sw_disable_alarm_actions(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) { return sw_set_actions_enabled(ctx, in, 0, err); }

/* ---------- DescribeAlarmHistory ---------- */

int sw_describe_alarm_history(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    if (sw_no_engine(ctx, err)) return -1;
    static const char *const types[] = {"ConfigurationUpdate", "StateUpdate", "Action"};
    const char *name = sw_v_get_str(in, "AlarmName", NULL), *type = sw_v_get_str(in, "HistoryItemType", NULL);
    const char *scan = sw_v_get_str(in, "ScanBy", "TimestampDescending");
    sw_value *sd = sw_v_get(in, "StartDate"), *ed = sw_v_get(in, "EndDate");
    double start = sd ? sd->u.d : -1e300, end = ed ? ed->u.d : 1e300;
    int want_metric, want_composite;
    sw_alarm_types(in, &want_metric, &want_composite);
    size_t skip, max = (size_t)sw_v_get_int(in, "MaxRecords", 100);
    if (sw_token(sw_v_get_str(in, "NextToken", NULL), "dah1.", &skip))
        return SW_ERR_INVALID_NEXT_TOKEN(err, "The service couldn't process the NextToken value.");
    int desc = strcmp(scan, "TimestampAscending") != 0;
    sw_alarms_lock(ctx->alarms);
    size_t n;
    sw_hist_item *h = sw_alarms_history(ctx->alarms, &n);
    sw_value *items = sw_v_list(ctx->arena);
    size_t matched = 0, emitted = 0;
    int more = 0;
    for (size_t k = 0; k < n; k++) {
        sw_hist_item *it = &h[desc ? n - 1 - k : k];
        double ts = it->ts_ms / 1000.0;
        if (strcmp(it->account, ctx->account) || strcmp(it->region, ctx->region)) continue;
        if (it->composite ? !want_composite : !want_metric) continue;
        if ((name && strcmp(it->name, name)) || (type && strcmp(types[it->type], type)) || ts < start || ts > end) continue;
        if (matched++ < skip) continue;
        if (emitted == max) { more = 1; break; }
        emitted++;
        sw_value *m = sw_v_map(ctx->arena);
        sw_put_str(ctx->arena, m, "AlarmName", it->name);
        sw_put_str(ctx->arena, m, "AlarmType", it->composite ? "CompositeAlarm" : "MetricAlarm");
        sw_v_map_putc(ctx->arena, m, "Timestamp", sw_v_time(ctx->arena, ts));
        sw_put_str(ctx->arena, m, "HistoryItemType", types[it->type]);
        sw_put_str(ctx->arena, m, "HistorySummary", it->summary);
        sw_put_str(ctx->arena, m, "HistoryData", it->data);
        sw_v_list_push(ctx->arena, items, m);
    }
    sw_alarms_unlock(ctx->alarms);
    *out = sw_v_map(ctx->arena);
    sw_v_map_putc(ctx->arena, *out, "AlarmHistoryItems", items);
    if (more) {
        char tok[40];
        snprintf(tok, sizeof tok, "dah1.%zu", skip + emitted);
        sw_put_str(ctx->arena, *out, "NextToken", tok);
    }
    return 0;
}

/* ---------- tags ---------- */

/* The alarm an ARN names in the caller's account and region, or NULL with ResourceNotFoundException. */
static sw_alarm *sw_alarm_by_arn(sw_ctx *ctx, const char *arn, sw_error *err) {
    char prefix[200];
    snprintf(prefix, sizeof prefix, "arn:aws:cloudwatch:%s:%s:alarm:", ctx->region, ctx->account);
    sw_alarm *al = NULL;
    if (strncmp(arn, prefix, strlen(prefix)) == 0) al = sw_alarms_find(ctx->alarms, ctx->account, ctx->region, arn + strlen(prefix));
    if (!al) sw_error_set_typed(err, 404, "ResourceNotFoundException", "ResourceNotFoundException", "The specified resource does not exist.");
    return al;
}

int sw_tag_resource(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    if (sw_no_engine(ctx, err)) return -1;
    sw_value *tags = sw_v_get(in, "Tags");
    sw_alarms_lock(ctx->alarms);
    sw_alarm *al = sw_alarm_by_arn(ctx, sw_v_get_str(in, "ResourceARN", ""), err);
    int rc = al ? 0 : -1;
    if (al) {
        size_t extra = tags ? tags->u.list.n : 0;
        al->tags = sw_realloc(al->tags, ((size_t)al->ntags + extra + 1) * sizeof *al->tags);
        for (size_t i = 0; i < extra; i++) {
            const char *k = sw_v_get_str(tags->u.list.items[i], "Key", ""), *v = sw_v_get_str(tags->u.list.items[i], "Value", "");
            int j = 0;
            while (j < al->ntags && strcmp(al->tags[j].key, k) != 0) j++;
            if (j == al->ntags) al->tags[al->ntags++] = (sw_kv){sw_strdup(k), sw_strdup(v)};
            else { sw_free(al->tags[j].value); al->tags[j].value = sw_strdup(v); }
        }
        if (al->ntags > 50) rc = sw_error_set_typed(err, 400, "InvalidParameterValue", "InvalidParameterValueException", "A resource can have at most 50 tags.");
        else if (sw_alarms_update(ctx->alarms, al, ctx->now_ms)) rc = SW_ERR_INTERNAL(err, "The tags could not be stored.");
    }
    sw_alarms_unlock(ctx->alarms);
    if (!rc && sw_alarms_sync(ctx->alarms)) rc = SW_ERR_INTERNAL(err, "The change could not be made durable.");
    return rc;
}

int sw_untag_resource(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    if (sw_no_engine(ctx, err)) return -1;
    sw_value *keys = sw_v_get(in, "TagKeys");
    sw_alarms_lock(ctx->alarms);
    sw_alarm *al = sw_alarm_by_arn(ctx, sw_v_get_str(in, "ResourceARN", ""), err);
    int rc = al ? 0 : -1;
    if (al) {
        int w = 0;
        for (int j = 0; j < al->ntags; j++) {
            if (sw_in_list(keys, al->tags[j].key)) { sw_free(al->tags[j].key); sw_free(al->tags[j].value); }
            else al->tags[w++] = al->tags[j];
        }
        al->ntags = w;
        if (sw_alarms_update(ctx->alarms, al, ctx->now_ms)) rc = SW_ERR_INTERNAL(err, "The tags could not be stored.");
    }
    sw_alarms_unlock(ctx->alarms);
    if (!rc && sw_alarms_sync(ctx->alarms)) rc = SW_ERR_INTERNAL(err, "The change could not be made durable.");
    return rc;
}

int sw_list_tags_for_resource(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    if (sw_no_engine(ctx, err)) return -1;
    sw_alarms_lock(ctx->alarms);
    sw_alarm *al = sw_alarm_by_arn(ctx, sw_v_get_str(in, "ResourceARN", ""), err);
    if (al) {
        sw_value *list = sw_v_list(ctx->arena);
        for (int j = 0; j < al->ntags; j++) {
            sw_value *t = sw_v_map(ctx->arena);
            sw_put_str(ctx->arena, t, "Key", al->tags[j].key);
            sw_put_str(ctx->arena, t, "Value", al->tags[j].value);
            sw_v_list_push(ctx->arena, list, t);
        }
        *out = sw_v_map(ctx->arena);
        sw_v_map_putc(ctx->arena, *out, "Tags", list);
    }
    sw_alarms_unlock(ctx->alarms);
    return al ? 0 : -1;
}
