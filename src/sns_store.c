/* sns_store.c -- SNS state in memory and its write-ahead log (DATA/sns/sns.wal): topics, subscriptions
 * and the delivery queue. Each change is one JSON record holding the whole object, so replay is a
 * sequence of idempotent puts and deletes; at open (and when the log outgrows the state) the log is
 * rewritten with only what is live. */
#include "alloc.h"
#include "fileio.h"
#include "log.h"
#include "sns_int.h"
#include "wal.h"
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SW_SNS_COMPACT_MIN_BYTES (64u << 20)

/* ---------- attribute maps ---------- */

const char *sw_sns_attr_get(const sw_sns_attrs *a, const char *key) {
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->items[i].key, key) == 0) return a->items[i].val;
    return NULL;
}

void sw_sns_attr_set(sw_sns_attrs *a, const char *key, const char *val) {
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->items[i].key, key) != 0) continue;
        sw_free(a->items[i].val);
        if (val) { a->items[i].val = sw_strdup(val); return; }
        sw_free(a->items[i].key);
        a->items[i] = a->items[--a->n];
        return;
    }
    if (!val) return;
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 8;
        a->items = sw_realloc(a->items, a->cap * sizeof *a->items);
    }
    a->items[a->n++] = (sw_sns_kv){sw_strdup(key), sw_strdup(val)};
}

void sw_sns_attrs_free(sw_sns_attrs *a) {
    for (size_t i = 0; i < a->n; i++) sw_free(a->items[i].key), sw_free(a->items[i].val);
    sw_free(a->items);
    memset(a, 0, sizeof *a);
}

/* ---------- objects ---------- */

void sw_sns_topic_free(sw_sns_topic *t) {
    if (!t) return;
    sw_free(t->arn), sw_free(t->account), sw_free(t->region), sw_free(t->name);
    sw_sns_attrs_free(&t->attrs);
    sw_sns_attrs_free(&t->tags);
    sw_free(t);
}

void sw_sns_sub_free(sw_sns_sub *sub) {
    if (!sub) return;
    sw_free(sub->arn), sw_free(sub->topic_arn), sw_free(sub->owner), sw_free(sub->protocol), sw_free(sub->endpoint);
    sw_free(sub->token);
    sw_sns_attrs_free(&sub->attrs);
    sw_free(sub);
}

void sw_sns_delivery_free(sw_sns_delivery *d) {
    if (!d) return;
    sw_free(d->sub_arn), sw_free(d->topic_arn), sw_free(d->msgid), sw_free(d->body), sw_free(d->subject);
    sw_free(d);
}

sw_sns_topic *sw_sns_topic_find(sw_sns *s, const char *arn) {
    for (size_t i = 0; i < s->ntopics; i++)
        if (strcmp(s->topics[i]->arn, arn) == 0) return s->topics[i];
    return NULL;
}

sw_sns_sub *sw_sns_sub_find(sw_sns *s, const char *arn) {
    for (size_t i = 0; i < s->nsubs; i++)
        if (strcmp(s->subs[i]->arn, arn) == 0) return s->subs[i];
    return NULL;
}

sw_sns_delivery *sw_sns_delivery_find(sw_sns *s, uint64_t id) {
    for (size_t i = 0; i < s->nqueue; i++)
        if (s->queue[i]->id == id) return s->queue[i];
    return NULL;
}

#define SW_PUSH(arr, n, cap, item)                                       \
    do {                                                                 \
        if ((n) == (cap)) {                                              \
            (cap) = (cap) ? (cap) * 2 : 16;                              \
            (arr) = sw_realloc((arr), (cap) * sizeof *(arr));            \
        }                                                                \
        (arr)[(n)++] = (item);                                           \
    } while (0)

/* ---------- applying changes (shared by the API path and replay) ---------- */

static void sw_apply_topic(sw_sns *s, sw_sns_topic *t) {
    for (size_t i = 0; i < s->ntopics; i++) {
        if (strcmp(s->topics[i]->arn, t->arn) != 0) continue;
        if (s->topics[i] != t) sw_sns_topic_free(s->topics[i]), s->topics[i] = t;
        return;
    }
    SW_PUSH(s->topics, s->ntopics, s->captopics, t);
}

static void sw_apply_delete_sub(sw_sns *s, const char *arn) {
    for (size_t i = 0; i < s->nsubs; i++) {
        if (strcmp(s->subs[i]->arn, arn) != 0) continue;
        sw_sns_sub_free(s->subs[i]);
        memmove(s->subs + i, s->subs + i + 1, (s->nsubs - i - 1) * sizeof *s->subs);
        s->nsubs--;
        return;
    }
}

static void sw_apply_delete_topic(sw_sns *s, const char *arn) {
    for (size_t i = 0; i < s->nsubs;) {
        if (strcmp(s->subs[i]->topic_arn, arn) == 0) sw_apply_delete_sub(s, s->subs[i]->arn);
        else i++;
    }
    for (size_t i = 0; i < s->ntopics; i++) {
        if (strcmp(s->topics[i]->arn, arn) != 0) continue;
        sw_sns_topic_free(s->topics[i]);
        memmove(s->topics + i, s->topics + i + 1, (s->ntopics - i - 1) * sizeof *s->topics);
        s->ntopics--;
        return;
    }
}

static void sw_apply_sub(sw_sns *s, sw_sns_sub *sub) {
    for (size_t i = 0; i < s->nsubs; i++) {
        if (strcmp(s->subs[i]->arn, sub->arn) != 0) continue;
        if (s->subs[i] != sub) sw_sns_sub_free(s->subs[i]), s->subs[i] = sub;
        return;
    }
    SW_PUSH(s->subs, s->nsubs, s->capsubs, sub);
}

static void sw_apply_enqueue(sw_sns *s, sw_sns_delivery *d) {
    if (d->id >= s->next_delivery_id) s->next_delivery_id = d->id + 1;
    for (size_t i = 0; i < s->nqueue; i++) {
        if (s->queue[i]->id != d->id) continue;
        if (s->queue[i] != d) sw_sns_delivery_free(s->queue[i]), s->queue[i] = d;
        return;
    }
    SW_PUSH(s->queue, s->nqueue, s->capqueue, d);
}

static void sw_apply_done(sw_sns *s, uint64_t id) {
    for (size_t i = 0; i < s->nqueue; i++) {
        if (s->queue[i]->id != id) continue;
        sw_sns_delivery_free(s->queue[i]);
        s->queue[i] = s->queue[--s->nqueue]; /* order does not matter: rounds pick by due time */
        return;
    }
}

/* ---------- records ---------- */

static json_t *sw_attrs_json(const sw_sns_attrs *a) {
    json_t *o = json_object();
    for (size_t i = 0; i < a->n; i++) json_object_set_new(o, a->items[i].key, json_string(a->items[i].val));
    return o;
}

static void sw_attrs_load(sw_sns_attrs *a, json_t *o) {
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) if (json_is_string(v)) sw_sns_attr_set(a, k, json_string_value(v));
}

static json_t *sw_topic_json(const sw_sns_topic *t) {
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:I}", "k", "topic", "arn", t->arn, "account", t->account, "region",
                     t->region, "name", t->name, "attrs", sw_attrs_json(&t->attrs), "tags", sw_attrs_json(&t->tags),
                     "deleted", (json_int_t)t->subs_deleted);
}

static json_t *sw_sub_json(const sw_sns_sub *u) {
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:o}", "k", "sub", "arn", u->arn, "topic", u->topic_arn, "owner",
                     u->owner, "protocol", u->protocol, "endpoint", u->endpoint, "token", u->token, "confirmed",
                     u->confirmed, "attrs", sw_attrs_json(&u->attrs));
}

static json_t *sw_delivery_json(const sw_sns_delivery *d) {
    return json_pack("{s:s,s:I,s:s,s:s,s:s,s:i,s:s,s:s?,s:i,s:I}", "k", "dlv", "id", (json_int_t)d->id, "sub", d->sub_arn,
                     "topic", d->topic_arn, "msgid", d->msgid, "type", (int)d->type, "body", d->body, "subject", d->subject,
                     "attempt", d->attempt, "due", (json_int_t)d->due_ms);
}

static uint64_t sw_log_json(sw_sns *s, json_t *rec) {
    if (!rec) return 0;
    char *text = json_dumps(rec, JSON_COMPACT);
    json_decref(rec);
    if (!text) return 0;
    uint64_t lsn = sw_wal_append(s->wal, text, strlen(text));
    free(text);
    return lsn ? (s->wal_gen << 48) | lsn : 0;
}

static char *sw_jdup(json_t *o, const char *key) {
    const char *v = json_string_value(json_object_get(o, key));
    return v ? sw_strdup(v) : NULL;
}

/* Replays one record; returns non-zero for a record that does not parse (the log is cut there). */
static int sw_replay(const uint8_t *payload, size_t len, void *arg) {
    sw_sns *s = arg;
    json_t *r = json_loadb((const char *)payload, len, 0, NULL);
    const char *k = json_string_value(json_object_get(r, "k"));
    int bad = 0;
    if (!k) bad = 1;
    else if (strcmp(k, "topic") == 0) {
        sw_sns_topic *t = sw_calloc(1, sizeof *t);
        t->arn = sw_jdup(r, "arn"), t->account = sw_jdup(r, "account"), t->region = sw_jdup(r, "region");
        t->name = sw_jdup(r, "name");
        t->subs_deleted = json_integer_value(json_object_get(r, "deleted"));
        sw_attrs_load(&t->attrs, json_object_get(r, "attrs"));
        sw_attrs_load(&t->tags, json_object_get(r, "tags"));
        if (!t->arn || !t->account || !t->region || !t->name) bad = 1, sw_sns_topic_free(t);
        else sw_apply_topic(s, t);
    } else if (strcmp(k, "topic-del") == 0 && json_is_string(json_object_get(r, "arn"))) {
        sw_apply_delete_topic(s, json_string_value(json_object_get(r, "arn")));
    } else if (strcmp(k, "sub") == 0) {
        sw_sns_sub *u = sw_calloc(1, sizeof *u);
        u->arn = sw_jdup(r, "arn"), u->topic_arn = sw_jdup(r, "topic"), u->owner = sw_jdup(r, "owner");
        u->protocol = sw_jdup(r, "protocol"), u->endpoint = sw_jdup(r, "endpoint"), u->token = sw_jdup(r, "token");
        u->confirmed = json_is_true(json_object_get(r, "confirmed"));
        sw_attrs_load(&u->attrs, json_object_get(r, "attrs"));
        if (!u->arn || !u->topic_arn || !u->owner || !u->protocol || !u->endpoint || !u->token) bad = 1, sw_sns_sub_free(u);
        else sw_apply_sub(s, u);
    } else if (strcmp(k, "sub-del") == 0 && json_is_string(json_object_get(r, "arn"))) {
        sw_apply_delete_sub(s, json_string_value(json_object_get(r, "arn")));
    } else if (strcmp(k, "dlv") == 0) {
        sw_sns_delivery *d = sw_calloc(1, sizeof *d);
        d->id = (uint64_t)json_integer_value(json_object_get(r, "id"));
        d->sub_arn = sw_jdup(r, "sub"), d->topic_arn = sw_jdup(r, "topic"), d->msgid = sw_jdup(r, "msgid");
        d->body = sw_jdup(r, "body"), d->subject = sw_jdup(r, "subject");
        d->type = json_integer_value(json_object_get(r, "type")) == 1 ? SW_SNS_CONFIRMATION : SW_SNS_NOTIFICATION;
        d->attempt = (int)json_integer_value(json_object_get(r, "attempt"));
        d->due_ms = json_integer_value(json_object_get(r, "due"));
        if (!d->id || !d->sub_arn || !d->topic_arn || !d->msgid || !d->body) bad = 1, sw_sns_delivery_free(d);
        else sw_apply_enqueue(s, d);
    } else if (strcmp(k, "dlv-retry") == 0) {
        sw_sns_delivery *d = sw_sns_delivery_find(s, (uint64_t)json_integer_value(json_object_get(r, "id")));
        if (d) {
            d->attempt = (int)json_integer_value(json_object_get(r, "attempt"));
            d->due_ms = json_integer_value(json_object_get(r, "due"));
        }
    } else if (strcmp(k, "dlv-done") == 0) {
        sw_apply_done(s, (uint64_t)json_integer_value(json_object_get(r, "id")));
    } else {
        bad = 1;
    }
    json_decref(r);
    return bad;
}

static int sw_replay_nothing(const uint8_t *payload, size_t len, void *arg) { return 0; }

/* ---------- open, compaction, close ---------- */

static void sw_wal_path(const sw_sns *s, const char *suffix, char *out, size_t n) { snprintf(out, n, "%s/sns.wal%s", s->dir, suffix); }

/* Writes the live state to a new log and renames it over the old one; caller holds s->mu. */
static int sw_compact(sw_sns *s, char *err, size_t errlen) {
    char path[1200], tmp[1200];
    sw_wal_path(s, "", path, sizeof path);
    sw_wal_path(s, ".compact", tmp, sizeof tmp);
    unlink(tmp);
    sw_wal *w = sw_wal_open(tmp, sw_replay_nothing, NULL, err, errlen);
    if (!w) return -1;
    sw_wal *old = s->wal;
    s->wal = w;
    uint64_t lsn = 0;
    for (size_t i = 0; i < s->ntopics; i++) lsn = sw_log_json(s, sw_topic_json(s->topics[i]));
    for (size_t i = 0; i < s->nsubs; i++) lsn = sw_log_json(s, sw_sub_json(s->subs[i]));
    for (size_t i = 0; i < s->nqueue; i++) lsn = sw_log_json(s, sw_delivery_json(s->queue[i]));
    int failed = lsn == 0 && (s->ntopics || s->nsubs || s->nqueue);
    if (!failed && lsn) failed = sw_wal_sync(w, lsn & ((1ull << 48) - 1)) != 0;
    sw_wal_close(w);
    s->wal = old;
    if (failed || rename(tmp, path) != 0 || sw_fsync_dir(s->dir) != 0) {
        snprintf(err, errlen, "cannot compact %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (old) sw_wal_close(old);
    s->wal = sw_wal_open(path, sw_replay_nothing, NULL, err, errlen);
    s->wal_gen++;
    return s->wal ? 0 : -1;
}

int sw_sns_store_open(sw_sns *s, char *err, size_t errlen) {
    if (mkdir(s->dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", s->dir, strerror(errno));
        return -1;
    }
    char path[1200];
    sw_wal_path(s, "", path, sizeof path);
    s->next_delivery_id = 1;
    sw_wal *w = sw_wal_open(path, sw_replay, s, err, errlen);
    if (!w) return -1;
    uint64_t replayed = sw_wal_replayed(w);
    sw_wal_close(w);
    for (size_t i = 0; i < s->nqueue; i++) s->queue[i]->in_flight = 0;
    sw_log("info", "sns recovered", "\"topics\":%zu,\"subscriptions\":%zu,\"pending_deliveries\":%zu,\"records\":%llu", s->ntopics,
           s->nsubs, s->nqueue, (unsigned long long)replayed);
    return sw_compact(s, err, errlen);
}

void sw_sns_store_maybe_compact(sw_sns *s) {
    if (sw_wal_size(s->wal) < SW_SNS_COMPACT_MIN_BYTES) return;
    char err[256];
    pthread_rwlock_wrlock(&s->wal_rw);
    int rc = sw_compact(s, err, sizeof err);
    pthread_rwlock_unlock(&s->wal_rw);
    if (rc) sw_log("error", "sns log compaction failed", "\"error\":\"%s\"", err);
}

void sw_sns_store_close(sw_sns *s) {
    if (s->wal) sw_wal_close(s->wal);
    s->wal = NULL;
    for (size_t i = 0; i < s->ntopics; i++) sw_sns_topic_free(s->topics[i]);
    for (size_t i = 0; i < s->nsubs; i++) sw_sns_sub_free(s->subs[i]);
    for (size_t i = 0; i < s->nqueue; i++) sw_sns_delivery_free(s->queue[i]);
    sw_free(s->topics), sw_free(s->subs), sw_free(s->queue);
    s->topics = NULL, s->subs = NULL, s->queue = NULL;
    s->ntopics = s->nsubs = s->nqueue = 0;
}

/* ---------- changes ---------- */

uint64_t sw_sns_store_put_topic(sw_sns *s, sw_sns_topic *t) {
    uint64_t lsn = sw_log_json(s, sw_topic_json(t));
    sw_apply_topic(s, t);
    return lsn;
}

uint64_t sw_sns_store_delete_topic(sw_sns *s, const char *arn) {
    uint64_t lsn = sw_log_json(s, json_pack("{s:s,s:s}", "k", "topic-del", "arn", arn));
    sw_apply_delete_topic(s, arn);
    return lsn;
}

uint64_t sw_sns_store_put_sub(sw_sns *s, sw_sns_sub *sub) {
    uint64_t lsn = sw_log_json(s, sw_sub_json(sub));
    sw_apply_sub(s, sub);
    return lsn;
}

uint64_t sw_sns_store_delete_sub(sw_sns *s, const char *arn) {
    uint64_t lsn = sw_log_json(s, json_pack("{s:s,s:s}", "k", "sub-del", "arn", arn));
    sw_apply_delete_sub(s, arn);
    return lsn;
}

uint64_t sw_sns_store_enqueue(sw_sns *s, sw_sns_delivery *d) {
    d->id = s->next_delivery_id++;
    uint64_t lsn = sw_log_json(s, sw_delivery_json(d));
    sw_apply_enqueue(s, d);
    return lsn;
}

uint64_t sw_sns_store_retry(sw_sns *s, sw_sns_delivery *d) {
    return sw_log_json(s, json_pack("{s:s,s:I,s:i,s:I}", "k", "dlv-retry", "id", (json_int_t)d->id, "attempt", d->attempt, "due",
                                    (json_int_t)d->due_ms));
}

uint64_t sw_sns_store_done(sw_sns *s, uint64_t id) {
    uint64_t lsn = sw_log_json(s, json_pack("{s:s,s:I}", "k", "dlv-done", "id", (json_int_t)id));
    sw_apply_done(s, id);
    return lsn;
}

int sw_sns_store_sync(sw_sns *s, uint64_t lsn) {
    if (lsn == 0) return -1;
    pthread_rwlock_rdlock(&s->wal_rw);
    /* A record of an earlier generation went to a log that compaction closed, which flushed it. */
    int rc = lsn >> 48 != s->wal_gen ? 0 : s->wal ? sw_wal_sync(s->wal, lsn & ((1ull << 48) - 1)) : -1;
    pthread_rwlock_unlock(&s->wal_rw);
    return rc;
}
