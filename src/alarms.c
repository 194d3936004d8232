/* alarms.c -- the alarms store: a hash of alarms per account and region, their history, and the
 * write-ahead log (DATA/alarms.wal) that makes every acknowledged change and every pending action
 * survive a crash. Records are JSON objects: {"op":"put","alarm":{...}}, {"op":"del",...},
 * {"op":"hist",...}, {"op":"act",...}, {"op":"done","id":N}. */
#include "alarms_int.h"
#include "alarm_rule.h"
#include "alloc.h"
#include "clock.h"
#include "fileio.h"
#include "json.h"
#include "log.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char *sw_dup0(const char *s) { return s ? sw_strdup(s) : NULL; }

/* ---------- the hash ---------- */

static uint64_t sw_alarm_hash(const char *account, const char *region, const char *name) {
    uint64_t h = 1469598103934665603ULL;
    const char *parts[3] = {account, region, name};
    for (int i = 0; i < 3; i++) {
        for (const char *p = parts[i]; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
        h = (h ^ 0xff) * 1099511628211ULL;
    }
    return h;
}

static sw_alarm **sw_alarm_slot(sw_alarms *a, const char *account, const char *region, const char *name) {
    sw_alarm **p = &a->table[sw_alarm_hash(account, region, name) & (a->tcap - 1)];
    while (*p && !(strcmp((*p)->name, name) == 0 && strcmp((*p)->account, account) == 0 && strcmp((*p)->region, region) == 0))
        p = &(*p)->hnext;
    return p;
}

static void sw_alarms_grow(sw_alarms *a) {
    size_t ncap = a->tcap ? a->tcap * 2 : 1024;
    sw_alarm **nt = sw_calloc(ncap, sizeof *nt);
    for (size_t i = 0; i < a->tcap; i++)
        for (sw_alarm *al = a->table[i], *next; al; al = next) {
            next = al->hnext;
            size_t h = sw_alarm_hash(al->account, al->region, al->name) & (ncap - 1);
            al->hnext = nt[h];
            nt[h] = al;
        }
    sw_free(a->table);
    a->table = nt;
    a->tcap = ncap;
}

sw_alarm *sw_alarms_find(sw_alarms *a, const char *account, const char *region, const char *name) {
    return *sw_alarm_slot(a, account, region, name);
}

static int sw_alarm_name_cmp(const void *x, const void *y) {
    return strcmp((*(sw_alarm *const *)x)->name, (*(sw_alarm *const *)y)->name);
}

sw_alarm **sw_alarms_list(sw_alarms *a, const char *account, const char *region, size_t *n) {
    sw_alarm **out = sw_malloc((a->count + 1) * sizeof *out);
    *n = 0;
    for (size_t i = 0; i < a->tcap; i++)
        for (sw_alarm *al = a->table[i]; al; al = al->hnext)
            if (strcmp(al->account, account) == 0 && strcmp(al->region, region) == 0) out[(*n)++] = al;
    qsort(out, *n, sizeof *out, sw_alarm_name_cmp);
    return out;
}

static void sw_strlist_free(sw_strlist *l) {
    for (int i = 0; i < l->n; i++) sw_free(l->v[i]);
    l->n = 0;
}

void sw_alarm_free(sw_alarm *al) {
    if (!al) return;
    char **strs[] = {&al->account, &al->region, &al->name, &al->arn, &al->description, &al->ns, &al->metric,
                     &al->statistic, &al->extended, &al->low_sample, &al->unit, &al->metrics, &al->rule, &al->suppressor,
                     &al->suppressed_reason, &al->reason, &al->reason_data};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) sw_free(*strs[i]);
    sw_strlist_free(&al->ok_actions);
    sw_strlist_free(&al->alarm_actions);
    sw_strlist_free(&al->insufficient_actions);
    for (int i = 0; i < al->ndims; i++) { sw_free(al->dims[i].key); sw_free(al->dims[i].value); }
    for (int i = 0; i < al->ntags; i++) { sw_free(al->tags[i].key); sw_free(al->tags[i].value); }
    sw_free(al->tags);
    sw_alarm_rule_free(al->compiled_rule);
    sw_free(al);
}

/* ---------- JSON records ---------- */

static void sw_jset_str(json_t *o, const char *k, const char *v) {
    if (v) json_object_set_new(o, k, json_string(v));
}

static json_t *sw_strlist_json(const sw_strlist *l) {
    json_t *arr = json_array();
    for (int i = 0; i < l->n; i++) json_array_append_new(arr, json_string(l->v[i]));
    return arr;
}

static json_t *sw_kv_json(const sw_kv *kv, int n) {
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(arr, json_pack("[ss]", kv[i].key, kv[i].value));
    return arr;
}

static json_t *sw_alarm_json(const sw_alarm *al) {
    json_t *o = json_object();
    sw_jset_str(o, "account", al->account);
    sw_jset_str(o, "region", al->region);
    sw_jset_str(o, "name", al->name);
    json_object_set_new(o, "composite", json_boolean(al->composite));
    sw_jset_str(o, "description", al->description);
    json_object_set_new(o, "actions_enabled", json_boolean(al->actions_enabled));
    json_object_set_new(o, "ok_actions", sw_strlist_json(&al->ok_actions));
    json_object_set_new(o, "alarm_actions", sw_strlist_json(&al->alarm_actions));
    json_object_set_new(o, "insufficient_actions", sw_strlist_json(&al->insufficient_actions));
    json_object_set_new(o, "config_updated", json_integer(al->config_updated_ms));
    sw_jset_str(o, "ns", al->ns);
    sw_jset_str(o, "metric", al->metric);
    json_object_set_new(o, "dims", sw_kv_json(al->dims, al->ndims));
    sw_jset_str(o, "statistic", al->statistic);
    sw_jset_str(o, "extended", al->extended);
    json_object_set_new(o, "period", json_integer(al->period));
    json_object_set_new(o, "eval_periods", json_integer(al->eval_periods));
    json_object_set_new(o, "datapoints", json_integer(al->datapoints));
    json_object_set_new(o, "threshold", json_real(al->threshold));
    json_object_set_new(o, "cmp", json_integer(al->cmp));
    json_object_set_new(o, "treat", json_integer(al->treat));
    json_object_set_new(o, "treat_set", json_boolean(al->treat_set));
    sw_jset_str(o, "low_sample", al->low_sample);
    sw_jset_str(o, "unit", al->unit);
    sw_jset_str(o, "metrics", al->metrics);
    sw_jset_str(o, "rule", al->rule);
    sw_jset_str(o, "suppressor", al->suppressor);
    json_object_set_new(o, "wait_period", json_integer(al->wait_period));
    json_object_set_new(o, "extension_period", json_integer(al->extension_period));
    json_object_set_new(o, "suppressed_by", json_integer(al->suppressed_by));
    sw_jset_str(o, "suppressed_reason", al->suppressed_reason);
    json_object_set_new(o, "suppress_until", json_integer(al->suppress_until_ms));
    json_object_set_new(o, "suppressed_old", json_integer(al->suppressed_old));
    json_object_set_new(o, "state", json_integer(al->state));
    sw_jset_str(o, "reason", al->reason);
    sw_jset_str(o, "reason_data", al->reason_data);
    json_object_set_new(o, "state_updated", json_integer(al->state_updated_ms));
    json_object_set_new(o, "state_transitioned", json_integer(al->state_transitioned_ms));
    json_object_set_new(o, "tags", sw_kv_json(al->tags, al->ntags));
    return o;
}

static char *sw_jstr(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? sw_strdup(json_string_value(v)) : NULL;
}

static int64_t sw_jint(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static void sw_strlist_from(json_t *arr, sw_strlist *l) {
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (json_is_string(v) && l->n < SW_ALARM_MAX_ACTIONS) l->v[l->n++] = sw_strdup(json_string_value(v));
}

static int sw_kv_from(json_t *arr, sw_kv *kv, int max) {
    size_t i;
    json_t *v;
    int n = 0;
    json_array_foreach(arr, i, v) {
        if (n >= max || !json_is_string(json_array_get(v, 0)) || !json_is_string(json_array_get(v, 1))) continue;
        kv[n].key = sw_strdup(json_string_value(json_array_get(v, 0)));
        kv[n].value = sw_strdup(json_string_value(json_array_get(v, 1)));
        n++;
    }
    return n;
}

/* A record from the log must satisfy what PutMetricAlarm/PutCompositeAlarm checked, or evaluation
 * could divide by a zero period or read a missing name. */
static int sw_alarm_record_ok(const sw_alarm *al) {
    if (al->composite) return al->rule && al->compiled_rule;
    int math = al->metrics && !al->metric; /* a metric math alarm: its metrics are in the Metrics JSON */
    if (math) {
        json_t *list = json_loads(al->metrics, 0, NULL);
        int ok = json_is_array(list) && json_array_size(list) > 0;
        json_decref(list);
        if (!ok) return 0;
    } else if (!al->ns || !al->metric || !al->statistic == !al->extended) return 0;
    if (!(al->period == 10 || al->period == 20 || al->period == 30 || (al->period > 0 && al->period % 60 == 0))) return 0;
    if (al->eval_periods < 1 || (int64_t)al->period * al->eval_periods > 604800) return 0;
    return al->datapoints >= 1 && al->datapoints <= al->eval_periods;
}

/* Rebuilds an alarm from its record; NULL when the record lacks its identity. */
static sw_alarm *sw_alarm_from_json(json_t *o) {
    if (!json_is_string(json_object_get(o, "account")) || !json_is_string(json_object_get(o, "region")) ||
        !json_is_string(json_object_get(o, "name")))
        return NULL;
    sw_alarm *al = sw_calloc(1, sizeof *al);
    al->account = sw_jstr(o, "account");
    al->region = sw_jstr(o, "region");
    al->name = sw_jstr(o, "name");
    al->composite = json_is_true(json_object_get(o, "composite"));
    al->description = sw_jstr(o, "description");
    al->actions_enabled = json_is_true(json_object_get(o, "actions_enabled"));
    sw_strlist_from(json_object_get(o, "ok_actions"), &al->ok_actions);
    sw_strlist_from(json_object_get(o, "alarm_actions"), &al->alarm_actions);
    sw_strlist_from(json_object_get(o, "insufficient_actions"), &al->insufficient_actions);
    al->config_updated_ms = sw_jint(o, "config_updated");
    al->ns = sw_jstr(o, "ns");
    al->metric = sw_jstr(o, "metric");
    al->ndims = sw_kv_from(json_object_get(o, "dims"), al->dims, SW_ALARM_MAX_DIMS);
    al->statistic = sw_jstr(o, "statistic");
    al->extended = sw_jstr(o, "extended");
    al->period = (int)sw_jint(o, "period");
    al->eval_periods = (int)sw_jint(o, "eval_periods");
    al->datapoints = (int)sw_jint(o, "datapoints");
    al->threshold = json_number_value(json_object_get(o, "threshold"));
    al->cmp = (sw_cmp)(sw_jint(o, "cmp") & 3);
    al->treat = (sw_missing)(sw_jint(o, "treat") & 3);
    al->treat_set = json_is_true(json_object_get(o, "treat_set"));
    al->low_sample = sw_jstr(o, "low_sample");
    al->unit = sw_jstr(o, "unit");
    al->metrics = sw_jstr(o, "metrics");
    al->rule = sw_jstr(o, "rule");
    al->suppressor = sw_jstr(o, "suppressor");
    al->wait_period = (int)sw_jint(o, "wait_period");
    al->extension_period = (int)sw_jint(o, "extension_period");
    al->suppressed_by = (int)sw_jint(o, "suppressed_by");
    al->suppressed_reason = sw_jstr(o, "suppressed_reason");
    al->suppress_until_ms = sw_jint(o, "suppress_until");
    al->suppressed_old = (sw_alarm_state)(sw_jint(o, "suppressed_old") % 3);
    int64_t st = sw_jint(o, "state");
    al->state = st >= 0 && st <= 2 ? (sw_alarm_state)st : SW_ALARM_INSUFFICIENT;
    al->reason = sw_jstr(o, "reason");
    al->reason_data = sw_jstr(o, "reason_data");
    al->state_updated_ms = sw_jint(o, "state_updated");
    al->state_transitioned_ms = sw_jint(o, "state_transitioned");
    json_t *tags = json_object_get(o, "tags");
    if (json_array_size(tags)) {
        al->tags = sw_calloc(json_array_size(tags), sizeof *al->tags);
        al->ntags = sw_kv_from(tags, al->tags, (int)json_array_size(tags));
    }
    char arn[1200];
    snprintf(arn, sizeof arn, "arn:aws:cloudwatch:%s:%s:alarm:%s", al->region, al->account, al->name);
    al->arn = sw_strdup(arn);
    if (al->composite && al->rule) {
        char err[256];
        al->compiled_rule = sw_alarm_rule_parse(al->rule, strlen(al->rule), al->region, al->account, err, sizeof err);
    }
    if (!sw_alarm_record_ok(al)) {
        sw_log("warn", "alarm record ignored: it does not describe a valid alarm", "\"alarm\":\"%.64s\"", al->name);
        sw_alarm_free(al);
        return NULL;
    }
    return al;
}

/* Appends one record; returns its sequence number, 0 when the log failed. */
static uint64_t sw_alarms_append_raw(sw_alarms *a, const char *text, size_t len) {
    a->records++;
    uint64_t lsn = sw_wal_append(a->wal, text, len);
    if (lsn) a->last_lsn = lsn;
    return lsn;
}

static uint64_t sw_alarms_append(sw_alarms *a, json_t *rec) {
    char *text = json_dumps(rec, JSON_COMPACT);
    json_decref(rec);
    uint64_t lsn = sw_alarms_append_raw(a, text, strlen(text));
    free(text);
    return lsn;
}

/* "key":"escaped value" into a record being built by hand (the hot path of transitions). */
static void sw_put_field(sw_buf *b, const char *key, const char *v) {
    sw_buf_printf(b, ",\"%s\":", key);
    if (v) sw_json_put_string(b, v, strlen(v));
    else sw_buf_puts(b, "null");
}

static int sw_alarms_append_sync(sw_alarms *a, json_t *rec) {
    uint64_t lsn = sw_alarms_append(a, rec);
    return lsn && sw_wal_sync(a->wal, lsn) == 0 ? 0 : -1;
}

int sw_alarms_log_alarm(sw_alarms *a, const sw_alarm *al) {
    return sw_alarms_append(a, json_pack("{s:s,s:o}", "op", "put", "alarm", sw_alarm_json(al))) ? 0 : -1;
}

/* ---------- history ---------- */

static void sw_hist_push(sw_alarms *a, const sw_hist_item *it) {
    if (a->nhist == a->hcap) {
        a->hcap = a->hcap ? a->hcap * 2 : 256;
        a->hist = sw_realloc(a->hist, a->hcap * sizeof *a->hist);
    }
    a->hist[a->nhist++] = *it;
}

static void sw_hist_record(sw_buf *b, const sw_hist_item *it) {
    sw_buf_puts(b, "{\"op\":\"hist\"");
    sw_put_field(b, "account", it->account);
    sw_put_field(b, "region", it->region);
    sw_put_field(b, "name", it->name);
    sw_buf_printf(b, ",\"composite\":%s,\"ts\":%lld,\"type\":%d", it->composite ? "true" : "false",
                  (long long)it->ts_ms, (int)it->type);
    sw_put_field(b, "summary", it->summary);
    sw_put_field(b, "data", it->data);
    sw_buf_putc(b, '}');
}

static void sw_hist_append(sw_alarms *a, const sw_hist_item *it) {
    sw_buf b;
    sw_buf_init(&b);
    sw_hist_record(&b, it);
    sw_alarms_append_raw(a, b.data, b.len);
    sw_buf_free(&b);
}

void sw_alarms_add_history(sw_alarms *a, const sw_alarm *al, sw_hist_type type, int64_t ts, const char *summary,
                           const char *data) {
    sw_hist_item it = {sw_strdup(al->account), sw_strdup(al->region), sw_strdup(al->name), al->composite, ts, type,
                       sw_strdup(summary), sw_strdup(data)};
    sw_hist_push(a, &it);
    sw_hist_append(a, &it);
}

sw_hist_item *sw_alarms_history(sw_alarms *a, size_t *n) {
    *n = a->nhist;
    return a->hist;
}

static void sw_hist_free(sw_hist_item *it) {
    sw_free(it->account);
    sw_free(it->region);
    sw_free(it->name);
    sw_free(it->summary);
    sw_free(it->data);
}

/* Drops history older than SW_ALARM_HISTORY_MS (lock held). The log forgets it at the next compaction. */
static void sw_hist_prune(sw_alarms *a, int64_t now) {
    size_t k = 0;
    while (k < a->nhist && a->hist[k].ts_ms < now - SW_ALARM_HISTORY_MS) sw_hist_free(&a->hist[k++]);
    if (!k) return;
    memmove(a->hist, a->hist + k, (a->nhist - k) * sizeof *a->hist);
    a->nhist -= k;
}

/* ---------- actions ---------- */

static const sw_strlist *sw_actions_for(const sw_alarm *al, sw_alarm_state s) {
    return s == SW_ALARM_ALARM ? &al->alarm_actions : s == SW_ALARM_OK ? &al->ok_actions : &al->insufficient_actions;
}

/* Hands one pending action to SNS and records the outcome (lock held). Returns 0 when it is settled
 * (delivered to SNS or failed for good), -1 when there is no notifier yet. */
static int sw_action_run(sw_alarms *a, sw_pending_action *p, int64_t now) {
    if (!a->notify) return -1;
    char err[512] = "", summary[1400];
    sw_alarm who = {.account = p->account, .region = p->region, .name = p->alarm, .composite = p->composite};
    json_t *data;
    if (strncmp(p->arn, "arn:aws:sns:", 12) != 0)
        snprintf(err, sizeof err, "skywatch executes only SNS actions; %s was not invoked", p->arn);
    else
        a->notify(a->notify_arg, p->account, p->region, p->arn, p->subject, p->message, err, sizeof err);
    if (err[0]) {
        snprintf(summary, sizeof summary, "Failed to execute action %s", p->arn);
        data = json_pack("{s:s,s:s,s:s}", "actionState", "Failed", "notificationResource", p->arn, "error", err);
    } else {
        snprintf(summary, sizeof summary, "Successfully executed action %s", p->arn);
        json_t *msg = json_loads(p->message, 0, NULL);
        data = json_pack("{s:s,s:s,s:o}", "actionState", "Succeeded", "notificationResource", p->arn,
                         "publishedMessage", msg ? msg : json_string(p->message));
    }
    char *text = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    sw_alarms_add_history(a, &who, SW_HIST_ACTION, now, summary, text);
    free(text);
    /* Not waited for: a crash before this record is durable sends the action again (at least once). */
    sw_alarms_append(a, json_pack("{s:s,s:I}", "op", "done", "id", (json_int_t)p->id));
    return 0;
}

static void sw_pending_free(sw_pending_action *p) {
    sw_free(p->account); sw_free(p->region); sw_free(p->alarm); sw_free(p->arn); sw_free(p->subject); sw_free(p->message);
}

static void sw_pending_remove(sw_alarms *a, uint64_t id) {
    for (size_t i = 0; i < a->npending; i++)
        if (a->pending[i].id == id) {
            sw_pending_free(&a->pending[i]);
            a->pending[i] = a->pending[--a->npending];
            return;
        }
}

static void sw_pending_push(sw_alarms *a, const sw_pending_action *p) {
    if (a->npending == a->pcap) {
        a->pcap = a->pcap ? a->pcap * 2 : 16;
        a->pending = sw_realloc(a->pending, a->pcap * sizeof *a->pending);
    }
    a->pending[a->npending++] = *p;
    if (p->id >= a->next_action_id) a->next_action_id = p->id + 1;
}

/* Runs every pending action whose notifier is available (lock held). */
static void sw_actions_flush(sw_alarms *a, int64_t now) {
    while (a->npending && a->notify) {
        sw_pending_action p = a->pending[a->npending - 1];
        if (sw_action_run(a, &p, now)) break;
        sw_pending_remove(a, p.id);
    }
}

/* Queues the actions of al's new state (lock held): logged first, so a crash before SNS has the
 * message still delivers it after restart. */
void sw_actions_queue(sw_alarms *a, const sw_alarm *al, sw_alarm_state old, int64_t now, int force) {
    const sw_strlist *l = sw_actions_for(al, al->state);
    if (!al->actions_enabled || l->n == 0 || (al->composite && al->suppressed_by && !force)) return;
    char subject[400];
    char *msg = sw_alarm_notification(a, al, old, now, subject, sizeof subject);
    for (int i = 0; i < l->n; i++) {
        sw_pending_action p = {a->next_action_id++, sw_strdup(al->account), sw_strdup(al->region), sw_strdup(al->name),
                               sw_strdup(l->v[i]), sw_strdup(subject), sw_strdup(msg), al->composite};
        sw_alarms_append(a, json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "op", "act", "id", (json_int_t)p.id,
                                      "account", p.account, "region", p.region, "alarm", p.alarm, "arn", p.arn,
                                      "subject", p.subject, "message", p.message, "composite", p.composite));
        sw_pending_push(a, &p);
    }
    sw_free(msg);
    sw_actions_flush(a, now);
}

/* ---------- transitions ---------- */

/* "key":{"stateValue":...,"stateReason":...,"stateReasonData":{...}} of StateUpdate history data. The
 * reason data is JSON text skywatch wrote (or SetAlarmState checked), so it is inserted as it is. */
static void sw_state_part(sw_buf *b, const char *key, sw_alarm_state s, const char *reason, const char *data) {
    sw_buf_printf(b, "\"%s\":{\"stateValue\":\"%s\",\"stateReason\":", key, sw_alarm_state_name(s));
    sw_json_put_string(b, reason ? reason : "", reason ? strlen(reason) : 0);
    if (data && data[0] == '{') sw_buf_printf(b, ",\"stateReasonData\":%s", data);
    sw_buf_putc(b, '}');
}

void sw_alarm_transition(sw_alarms *a, sw_alarm *al, sw_alarm_state s, const char *reason, const char *reason_data,
                         int64_t now) {
    if (al->state == s) return;
    sw_alarm_state old = al->state;
    sw_buf hist;
    sw_buf_init(&hist);
    sw_buf_puts(&hist, "{\"version\":\"1.0\",");
    sw_state_part(&hist, "oldState", old, al->reason, al->reason_data);
    sw_buf_putc(&hist, ',');
    sw_state_part(&hist, "newState", s, reason, reason_data);
    sw_buf_putc(&hist, '}');
    sw_free(al->reason);
    sw_free(al->reason_data);
    al->reason = sw_dup0(reason);
    al->reason_data = sw_dup0(reason_data);
    al->state = s;
    al->state_updated_ms = al->state_transitioned_ms = now;
    char summary[320];
    snprintf(summary, sizeof summary, "Alarm updated from %s to %s", sw_alarm_state_name(old), sw_alarm_state_name(s));
    sw_alarms_add_history(a, al, SW_HIST_STATE, now, summary, hist.data);
    sw_buf_free(&hist);
    if (al->composite && al->suppressor) {
        al->suppressed_old = old;
        sw_composite_suppression(a, al, now, 1);
        sw_alarms_append(a, json_pack("{s:s,s:o}", "op", "put", "alarm", sw_alarm_json(al)));
    } else {
        /* A state record, not the whole alarm: transitions are the hot path of evaluation. */
        sw_buf rec;
        sw_buf_init(&rec);
        sw_buf_puts(&rec, "{\"op\":\"state\"");
        sw_put_field(&rec, "account", al->account);
        sw_put_field(&rec, "region", al->region);
        sw_put_field(&rec, "name", al->name);
        sw_buf_printf(&rec, ",\"state\":%d,\"ts\":%lld", (int)s, (long long)now);
        sw_put_field(&rec, "reason", reason);
        sw_put_field(&rec, "data", reason_data);
        sw_buf_putc(&rec, '}');
        sw_alarms_append_raw(a, rec.data, rec.len);
        sw_buf_free(&rec);
    }
    sw_actions_queue(a, al, old, now, 0);
}

/* ---------- replay and compaction ---------- */

static void sw_alarms_insert(sw_alarms *a, sw_alarm *al) {
    if (a->count + 1 > a->tcap) sw_alarms_grow(a);
    sw_alarm **slot = sw_alarm_slot(a, al->account, al->region, al->name);
    if (*slot) {
        al->hnext = (*slot)->hnext;
        sw_alarm_free(*slot);
    } else {
        al->hnext = NULL;
        a->count++;
    }
    *slot = al;
}

static void sw_alarms_remove(sw_alarms *a, const char *account, const char *region, const char *name) {
    sw_alarm **slot = sw_alarm_slot(a, account, region, name);
    if (!*slot) return;
    sw_alarm *al = *slot;
    *slot = al->hnext;
    sw_alarm_free(al);
    a->count--;
}

static int sw_alarms_replay(const uint8_t *payload, size_t len, void *arg) {
    sw_alarms *a = arg;
    json_t *rec = json_loadb((const char *)payload, len, 0, NULL);
    const char *op = json_string_value(json_object_get(rec, "op"));
    a->records++;
    if (!op) { json_decref(rec); return 1; }
    if (strcmp(op, "put") == 0) {
        sw_alarm *al = sw_alarm_from_json(json_object_get(rec, "alarm"));
        if (al) sw_alarms_insert(a, al);
    } else if (strcmp(op, "state") == 0) {
        const char *acct = json_string_value(json_object_get(rec, "account")), *reg = json_string_value(json_object_get(rec, "region"));
        const char *name = json_string_value(json_object_get(rec, "name"));
        int64_t st = sw_jint(rec, "state");
        sw_alarm *al = acct && reg && name ? sw_alarms_find(a, acct, reg, name) : NULL;
        if (al && st >= 0 && st <= 2) {
            sw_free(al->reason);
            sw_free(al->reason_data);
            al->reason = sw_jstr(rec, "reason");
            al->reason_data = sw_jstr(rec, "data");
            al->state = (sw_alarm_state)st;
            al->state_updated_ms = al->state_transitioned_ms = sw_jint(rec, "ts");
        }
    } else if (strcmp(op, "del") == 0) {
        const char *acct = json_string_value(json_object_get(rec, "account")), *reg = json_string_value(json_object_get(rec, "region"));
        const char *name = json_string_value(json_object_get(rec, "name"));
        if (acct && reg && name) sw_alarms_remove(a, acct, reg, name);
    } else if (strcmp(op, "hist") == 0) {
        sw_hist_item it = {sw_jstr(rec, "account"), sw_jstr(rec, "region"), sw_jstr(rec, "name"),
                           json_is_true(json_object_get(rec, "composite")), sw_jint(rec, "ts"),
                           (sw_hist_type)(sw_jint(rec, "type") % 3), sw_jstr(rec, "summary"), sw_jstr(rec, "data")};
        if (it.account && it.region && it.name && it.summary && it.data) sw_hist_push(a, &it);
        else sw_hist_free(&it);
    } else if (strcmp(op, "act") == 0) {
        sw_pending_action p = {(uint64_t)sw_jint(rec, "id"), sw_jstr(rec, "account"), sw_jstr(rec, "region"),
                               sw_jstr(rec, "alarm"), sw_jstr(rec, "arn"), sw_jstr(rec, "subject"), sw_jstr(rec, "message"),
                               json_is_true(json_object_get(rec, "composite"))};
        if (p.account && p.region && p.alarm && p.arn && p.subject && p.message) sw_pending_push(a, &p);
        else sw_pending_free(&p);
    } else if (strcmp(op, "done") == 0) {
        sw_pending_remove(a, (uint64_t)sw_jint(rec, "id"));
    }
    json_decref(rec);
    return 0;
}

/* Rewrites the log with only what is live: alarms, history, pending actions. The new log is complete
 * and fsync'd before it replaces the old one, so a crash leaves one or the other. */
static int sw_alarms_compact(sw_alarms *a, char *err, size_t errlen) {
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.compact", a->path);
    unlink(tmp);
    sw_wal *w = sw_wal_open(tmp, NULL, NULL, err, errlen);
    if (!w) return -1;
    sw_wal *old = a->wal;
    a->wal = w;
    a->records = 0;
    for (size_t i = 0; i < a->tcap; i++)
        for (sw_alarm *al = a->table[i]; al; al = al->hnext)
            sw_alarms_append(a, json_pack("{s:s,s:o}", "op", "put", "alarm", sw_alarm_json(al)));
    for (size_t i = 0; i < a->nhist; i++) sw_hist_append(a, &a->hist[i]);
    for (size_t i = 0; i < a->npending; i++) {
        sw_pending_action *p = &a->pending[i];
        sw_alarms_append(a, json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "op", "act", "id", (json_int_t)p->id,
                                      "account", p->account, "region", p->region, "alarm", p->alarm, "arn", p->arn,
                                      "subject", p->subject, "message", p->message, "composite", p->composite));
    }
    int rc = sw_alarms_append_sync(a, json_pack("{s:s}", "op", "compacted"));
    sw_wal_close(w);
    a->wal = old;
    if (rc || rename(tmp, a->path) != 0) { snprintf(err, errlen, "cannot compact %s", a->path); return -1; }
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", a->path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    sw_fsync_dir(slash ? dir : ".");
    return 0;
}

static int sw_alarms_replay_open(sw_alarms *a, char *err, size_t errlen) {
    a->records = 0;
    a->wal = sw_wal_open(a->path, sw_alarms_replay, a, err, errlen);
    return a->wal ? 0 : -1;
}

static void sw_alarms_clear(sw_alarms *a) {
    for (size_t i = 0; i < a->tcap; i++)
        for (sw_alarm *al = a->table[i], *next; al; al = next) { next = al->hnext; sw_alarm_free(al); }
    memset(a->table, 0, a->tcap * sizeof *a->table);
    a->count = 0;
    for (size_t i = 0; i < a->nhist; i++) sw_hist_free(&a->hist[i]);
    a->nhist = 0;
    for (size_t i = 0; i < a->npending; i++) sw_pending_free(&a->pending[i]);
    a->npending = 0;
}

sw_alarms *sw_alarms_open(const char *dir, sw_metrics *metrics, char *err, size_t errlen) {
    sw_alarms *a = sw_calloc(1, sizeof *a);
    pthread_mutex_init(&a->mu, NULL);
    a->metrics = metrics;
    a->next_action_id = 1;
    sw_alarms_grow(a);
    snprintf(a->path, sizeof a->path, "%s/alarms.wal", dir);
    if (sw_alarms_replay_open(a, err, errlen)) { sw_alarms_close(a); return NULL; }
    sw_hist_prune(a, sw_clock_now_ms());
    uint64_t live = a->count + a->nhist + a->npending;
    if (a->records > 2 * live + 1000) {
        /* Compact, then replay the compact log so memory and log agree exactly. */
        if (sw_alarms_compact(a, err, errlen) == 0) {
            sw_wal_close(a->wal);
            sw_alarms_clear(a);
            if (sw_alarms_replay_open(a, err, errlen)) { a->wal = NULL; sw_alarms_close(a); return NULL; }
        } else {
            sw_log("warn", "alarm log compaction failed", "\"error\":\"%s\"", err);
        }
    }
    sw_log("info", "alarms recovered", "\"alarms\":%zu,\"history\":%zu,\"pending_actions\":%zu", a->count, a->nhist,
           a->npending);
    return a;
}

void sw_alarms_close(sw_alarms *a) {
    if (!a) return;
    if (a->wal) sw_wal_close(a->wal);
    sw_alarms_clear(a);
    sw_free(a->table);
    sw_free(a->hist);
    sw_free(a->pending);
    pthread_mutex_destroy(&a->mu);
    sw_free(a);
}

void sw_alarms_set_notifier(sw_alarms *a, sw_alarm_notify_fn fn, void *arg) {
    pthread_mutex_lock(&a->mu);
    a->notify = fn;
    a->notify_arg = arg;
    sw_actions_flush(a, sw_clock_now_ms());
    pthread_mutex_unlock(&a->mu);
}

void sw_alarms_lock(sw_alarms *a) { pthread_mutex_lock(&a->mu); }
void sw_alarms_unlock(sw_alarms *a) { pthread_mutex_unlock(&a->mu); }

/* ---------- changes from the API ---------- */

/* The alarm's configuration as ConfigurationUpdate history data spells it (camelCase API names). */
static json_t *sw_config_json(const sw_alarm *al) {
    json_t *o = json_object();
    json_object_set_new(o, "alarmName", json_string(al->name));
    if (al->description) json_object_set_new(o, "alarmDescription", json_string(al->description));
    json_object_set_new(o, "actionsEnabled", json_boolean(al->actions_enabled));
    json_object_set_new(o, "okactions", sw_strlist_json(&al->ok_actions));
    json_object_set_new(o, "alarmActions", sw_strlist_json(&al->alarm_actions));
    json_object_set_new(o, "insufficientDataActions", sw_strlist_json(&al->insufficient_actions));
    if (al->composite) {
        json_object_set_new(o, "alarmRule", json_string(al->rule ? al->rule : ""));
        return o;
    }
    json_object_set_new(o, "namespace", json_string(al->ns));
    json_object_set_new(o, "metricName", json_string(al->metric));
    json_t *dims = json_array();
    for (int i = 0; i < al->ndims; i++)
        json_array_append_new(dims, json_pack("{s:s,s:s}", "name", al->dims[i].key, "value", al->dims[i].value));
    json_object_set_new(o, "dimensions", dims);
    if (al->statistic) json_object_set_new(o, "statistic", json_string(al->statistic));
    if (al->extended) json_object_set_new(o, "extendedStatistic", json_string(al->extended));
    if (al->unit) json_object_set_new(o, "unit", json_string(al->unit));
    json_object_set_new(o, "period", json_integer(al->period));
    json_object_set_new(o, "evaluationPeriods", json_integer(al->eval_periods));
    json_object_set_new(o, "datapointsToAlarm", json_integer(al->datapoints));
    json_object_set_new(o, "threshold", json_real(al->threshold));
    json_object_set_new(o, "comparisonOperator", json_string(sw_cmp_name(al->cmp)));
    json_object_set_new(o, "treatMissingData", json_string(sw_missing_name(al->treat)));
    if (al->low_sample) json_object_set_new(o, "evaluateLowSampleCountPercentile", json_string(al->low_sample));
    return o;
}

static void sw_config_history(sw_alarms *a, const sw_alarm *al, const char *verb, const char *type, const char *key,
                              int64_t now) {
    char summary[320];
    snprintf(summary, sizeof summary, "Alarm \"%s\" %s", al->name, verb);
    json_t *d = json_pack("{s:s,s:s,s:o}", "version", "1.0", "type", type, key, sw_config_json(al));
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    sw_alarms_add_history(a, al, SW_HIST_CONFIG, now, summary, text);
    free(text);
}

int sw_alarms_put(sw_alarms *a, sw_alarm *al, int64_t now) {
    sw_alarm *old = sw_alarms_find(a, al->account, al->region, al->name);
    char arn[1200];
    snprintf(arn, sizeof arn, "arn:aws:cloudwatch:%s:%s:alarm:%s", al->region, al->account, al->name);
    al->arn = sw_strdup(arn);
    al->config_updated_ms = now;
    if (old) {
        /* "If you update an existing alarm, its state is left unchanged." */
        al->state = old->state;
        al->reason = sw_dup0(old->reason);
        al->reason_data = sw_dup0(old->reason_data);
        al->state_updated_ms = old->state_updated_ms;
        al->state_transitioned_ms = old->state_transitioned_ms;
        if (!al->tags && old->ntags) {
            al->tags = sw_calloc((size_t)old->ntags, sizeof *al->tags);
            for (int i = 0; i < old->ntags; i++)
                al->tags[i] = (sw_kv){sw_strdup(old->tags[i].key), sw_strdup(old->tags[i].value)};
            al->ntags = old->ntags;
        }
    } else {
        al->state = SW_ALARM_INSUFFICIENT;
        al->reason = sw_strdup("Unchecked: Initial alarm creation");
        al->state_updated_ms = al->state_transitioned_ms = now;
    }
    al->next_eval_ms = 0;
    int created = old == NULL;
    sw_alarms_insert(a, al);
    sw_config_history(a, al, created ? "created" : "updated", created ? "Create" : "Update",
                      created ? "createdAlarm" : "updatedAlarm", now);
    return sw_alarms_log_alarm(a, al);
}

int sw_alarms_delete(sw_alarms *a, const char *account, const char *region, const char *name, int64_t now) {
    sw_alarm *al = sw_alarms_find(a, account, region, name);
    if (!al) return 0;
    sw_config_history(a, al, "deleted", "Delete", "deletedAlarm", now);
    sw_alarms_append(a, json_pack("{s:s,s:s,s:s,s:s}", "op", "del", "account", account, "region", region, "name", name));
    sw_alarms_remove(a, account, region, name);
    return 1;
}

int sw_alarms_sync(sw_alarms *a) {
    uint64_t lsn = a->last_lsn;
    return lsn == 0 || sw_wal_sync(a->wal, lsn) == 0 ? 0 : -1;
}

int sw_alarms_set_state(sw_alarms *a, sw_alarm *al, sw_alarm_state s, const char *reason, const char *reason_data,
                        int64_t now) {
    sw_alarm_transition(a, al, s, reason, reason_data, now);
    sw_alarms_cascade(a, now);
    return 0;
}

int sw_alarms_update(sw_alarms *a, sw_alarm *al, int64_t now) { return sw_alarms_log_alarm(a, al); }

/* ---------- housekeeping, region names ---------- */

void sw_alarms_housekeep(sw_alarms *a, int64_t now) {
    sw_hist_prune(a, now);
    sw_actions_flush(a, now);
}

const char *sw_region_display_name(const char *region) {
    static const char *const names[][2] = {
        {"us-east-1", "US East (N. Virginia)"}, {"us-east-2", "US East (Ohio)"},
        {"us-west-1", "US West (N. California)"}, {"us-west-2", "US West (Oregon)"},
        {"af-south-1", "Africa (Cape Town)"}, {"ap-east-1", "Asia Pacific (Hong Kong)"},
        {"ap-south-1", "Asia Pacific (Mumbai)"}, {"ap-south-2", "Asia Pacific (Hyderabad)"},
        {"ap-northeast-1", "Asia Pacific (Tokyo)"}, {"ap-northeast-2", "Asia Pacific (Seoul)"},
        {"ap-northeast-3", "Asia Pacific (Osaka)"}, {"ap-southeast-1", "Asia Pacific (Singapore)"},
        {"ap-southeast-2", "Asia Pacific (Sydney)"}, {"ap-southeast-3", "Asia Pacific (Jakarta)"},
        {"ca-central-1", "Canada (Central)"}, {"eu-central-1", "EU (Frankfurt)"}, {"eu-central-2", "EU (Zurich)"},
        {"eu-west-1", "EU (Ireland)"}, {"eu-west-2", "EU (London)"}, {"eu-west-3", "EU (Paris)"},
        {"eu-north-1", "EU (Stockholm)"}, {"eu-south-1", "EU (Milan)"}, {"eu-south-2", "EU (Spain)"},
        {"me-south-1", "Middle East (Bahrain)"}, {"me-central-1", "Middle East (UAE)"},
        {"il-central-1", "Israel (Tel Aviv)"}, {"sa-east-1", "South America (Sao Paulo)"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i][0], region) == 0) return names[i][1];
    return region;
}
