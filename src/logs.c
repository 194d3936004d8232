/* logs.c -- CloudWatch Logs operations (AWS JSON 1.1, target prefix Logs_20140328): log groups,
 * streams, events, retention, metric filters and tags. Names, limits and messages follow the
 * CloudWatch Logs API reference and the botocore `logs` model. */
#include "alloc.h"
#include "filter.h"
#include "json.h"
#include "log.h"
#include "logs_metrics.h"
#include "logstore.h"
#include "ple.h"
#include "service.h"
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SW_LOGS_BATCH_BYTES 1048576   /* PutLogEvents: "The maximum batch size is 1,048,576 bytes" */
#define SW_LOGS_EVENT_OVERHEAD 26     /* "calculated as the sum of all event messages in UTF-8, plus 26 bytes for each log event" */
#define SW_LOGS_MAX_SPAN_MS (24LL * 3600 * 1000)
#define SW_LOGS_TOO_NEW_MS (2LL * 3600 * 1000)
#define SW_LOGS_TOO_OLD_MS (14LL * 86400 * 1000)
#define SW_LOGS_PAGE_BYTES (1u << 20) /* FilterLogEvents / GetLogEvents: 1 MB per page */
#define SW_LOGS_MAX_FILTERS 100

/* ---------- errors ---------- */

static int sw_not_found(sw_error *e, const char *what) {
    return sw_error_set(e, 400, "ResourceNotFoundException", "The specified %s does not exist.", what);
}

static int sw_invalid(sw_error *e, const char *msg) { return sw_error_set(e, 400, "InvalidParameterException", "%s", msg); }

static int sw_store_error(sw_error *e, int rc, const char *what) {
    if (rc == -ENOENT) return sw_not_found(e, what);
    if (rc == -EEXIST) return sw_error_set(e, 400, "ResourceAlreadyExistsException", "The specified %s already exists", what);
    if (rc == -EINVAL) return sw_invalid(e, "Invalid parameter.");
    return sw_error_set(e, 503, "ServiceUnavailableException", "The log store failed to write durably (error %d).", rc);
}

/* ---------- small helpers ---------- */

static sw_log_scope sw_scope(const sw_ctx *ctx) { return (sw_log_scope){ctx->account, ctx->region}; }

/* Group name from logGroupName, or from logGroupIdentifier (a name or an ARN "arn:aws:logs:r:a:log-group:NAME[:*]"). */
static const char *sw_group_name(sw_ctx *ctx, const sw_value *in, sw_error *err) {
    const char *name = sw_v_get_str(in, "logGroupName", NULL), *id = sw_v_get_str(in, "logGroupIdentifier", NULL);
    if (name && id) { sw_invalid(err, "LogGroup name and LogGroup ARN are mutually exclusive parameters."); return NULL; }
    if (name) return name;
    if (!id) { sw_invalid(err, "Either logGroupName or logGroupIdentifier must be specified."); return NULL; }
    const char *lg = strstr(id, ":log-group:");
    if (strncmp(id, "arn:", 4) != 0) return id;
    if (!lg) { sw_invalid(err, "The logGroupIdentifier is not a valid log group ARN."); return NULL; }
    size_t n = strlen(lg + 11);
    if (n >= 2 && strcmp(lg + 11 + n - 2, ":*") == 0) n -= 2;
    return sw_arena_strndup(ctx->arena, lg + 11, n);
}

static sw_value *sw_str(sw_ctx *ctx, const char *s) { return sw_v_cstr(ctx->arena, s); }
static sw_value *sw_int(sw_ctx *ctx, int64_t i) { return sw_v_int(ctx->arena, i); }

static int sw_put(sw_ctx *ctx, sw_value *map, const char *key, sw_value *v, sw_error *err) {
    if (sw_v_map_putc(ctx->arena, map, key, v)) return sw_error_set(err, 413, "RequestEntityTooLarge", "Response too large.");
    return 0;
}

static void sw_group_arn(const sw_ctx *ctx, const char *group, int star, char *out, size_t n) {
    snprintf(out, n, "arn:aws:logs:%s:%s:log-group:%s%s", ctx->region, ctx->account, group, star ? ":*" : "");
}

/* Page tokens are "<prefix><text>"; the text is a name or a number the store gave us. */
static const char *sw_token_text(const char *tok, const char *prefix) {
    size_t pl = strlen(prefix);
    return tok && strncmp(tok, prefix, pl) == 0 ? tok + pl : NULL;
}

static int sw_token_u64(const char *text, uint64_t *out) {
    if (!text || !*text || strlen(text) > 20) return -1;
    uint64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return 0;
}

/* ---------- log groups ---------- */

static int sw_create_log_group(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_log_scope sc = sw_scope(ctx);
    const char *group = sw_v_get_str(in, "logGroupName", ""), *cls = sw_v_get_str(in, "logGroupClass", "STANDARD");
    if (strcmp(cls, "STANDARD") != 0)
        return sw_invalid(err, "skywatch supports only the STANDARD log group class; INFREQUENT_ACCESS and DELIVERY are not supported yet.");
    int rc = sw_logstore_create_group(ctx->logs, &sc, group, ctx->now_ms);
    if (rc) return sw_store_error(err, rc, "log group");
    sw_value *tags = sw_v_get(in, "tags");
    for (size_t i = 0; tags && i < tags->u.map.n; i++)
        sw_logstore_set_tag(ctx->logs, &sc, group, tags->u.map.items[i].key, tags->u.map.items[i].val->u.str.s);
    return 0;
}

static int sw_delete_log_group(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_log_scope sc = sw_scope(ctx);
    int rc = sw_logstore_delete_group(ctx->logs, &sc, sw_v_get_str(in, "logGroupName", ""));
    return rc ? sw_store_error(err, rc, "log group") : 0;
}

typedef struct sw_groups_page { sw_ctx *ctx; sw_value *list; const char *pattern; const char *last; int failed; } sw_groups_page;

static void sw_group_item(const sw_log_group_info *g, void *arg) {
    sw_groups_page *pg = arg;
    sw_ctx *ctx = pg->ctx;
    pg->last = sw_arena_strndup(ctx->arena, g->name, strlen(g->name));
    /* logGroupNamePattern: a case-insensitive substring match (DescribeLogGroups). */
    if (pg->pattern && !strcasestr(g->name, pg->pattern)) return;
    char arn[700], arn_plain[700];
    sw_group_arn(ctx, g->name, 1, arn, sizeof arn);
    sw_group_arn(ctx, g->name, 0, arn_plain, sizeof arn_plain);
    sw_value *m = sw_v_map(ctx->arena);
    sw_error e;
    int bad = !m || sw_put(ctx, m, "logGroupName", sw_str(ctx, g->name), &e) ||
              sw_put(ctx, m, "creationTime", sw_int(ctx, g->creation_ms), &e) ||
              (g->retention_days && sw_put(ctx, m, "retentionInDays", sw_int(ctx, g->retention_days), &e)) ||
              sw_put(ctx, m, "metricFilterCount", sw_int(ctx, (int64_t)g->metric_filters), &e) ||
              sw_put(ctx, m, "arn", sw_str(ctx, arn), &e) || sw_put(ctx, m, "storedBytes", sw_int(ctx, (int64_t)g->stored_bytes), &e) ||
              sw_put(ctx, m, "logGroupClass", sw_str(ctx, "STANDARD"), &e) ||
              sw_put(ctx, m, "logGroupArn", sw_str(ctx, arn_plain), &e) || sw_v_list_push(ctx->arena, pg->list, m);
    pg->failed |= bad;
}

static int sw_describe_log_groups(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    const char *prefix = sw_v_get_str(in, "logGroupNamePrefix", NULL), *pattern = sw_v_get_str(in, "logGroupNamePattern", NULL);
    if (prefix && pattern) return sw_invalid(err, "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
    int64_t limit = sw_v_get_int(in, "limit", 50);
    const char *token = sw_v_get_str(in, "nextToken", NULL), *after = sw_token_text(token, "lg1/");
    if (token && !after) return sw_invalid(err, "The specified nextToken is invalid.");
    sw_log_scope sc = sw_scope(ctx);
    sw_groups_page pg = {ctx, sw_v_list(ctx->arena), pattern, NULL, 0};
    int more = 0;
    /* With a pattern, groups are filtered after listing: keep reading until a page is full or none remain. */
    size_t want = (size_t)limit, got = 0;
    do {
        size_t before = pg.list ? pg.list->u.list.n : 0;
        sw_logstore_list_groups(ctx->logs, &sc, prefix, pg.last ? pg.last : after, want - got, sw_group_item, &pg, &more);
        got += pg.list->u.list.n - before;
    } while (pattern && more && got < want && !pg.failed);
    *out = sw_v_map(ctx->arena);
    if (pg.failed || sw_put(ctx, *out, "logGroups", pg.list, err)) return -1;
    if (more && pg.last) {
        char tok[600];
        snprintf(tok, sizeof tok, "lg1/%s", pg.last);
        return sw_put(ctx, *out, "nextToken", sw_str(ctx, tok), err);
    }
    return 0;
}

/* PutRetentionPolicy accepts only these values (botocore model: Days; API reference). */
static int sw_retention_ok(int64_t d) {
    static const int allowed[] = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (allowed[i] == d) return 1;
    return 0;
}

static int sw_put_retention_policy(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    int64_t days = sw_v_get_int(in, "retentionInDays", 0);
    if (!sw_retention_ok(days)) {
        return sw_error_set(err, 400, "InvalidParameterException",
                            "1 validation error detected: Value '%lld' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]",
                            (long long)days);
    }
    sw_log_scope sc = sw_scope(ctx);
    int rc = sw_logstore_set_retention(ctx->logs, &sc, sw_v_get_str(in, "logGroupName", ""), (int)days);
    return rc ? sw_store_error(err, rc, "log group") : 0;
}

static int sw_delete_retention_policy(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_log_scope sc = sw_scope(ctx);
    int rc = sw_logstore_set_retention(ctx->logs, &sc, sw_v_get_str(in, "logGroupName", ""), 0);
    return rc ? sw_store_error(err, rc, "log group") : 0;
}

/* ---------- log streams ---------- */

static int sw_create_log_stream(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_log_scope sc = sw_scope(ctx);
    int rc = sw_logstore_create_stream(ctx->logs, &sc, sw_v_get_str(in, "logGroupName", ""), sw_v_get_str(in, "logStreamName", ""),
                                       ctx->now_ms);
    if (rc == -ENOENT) return sw_not_found(err, "log group");
    return rc ? sw_store_error(err, rc, "log stream") : 0;
}

static int sw_delete_log_stream(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_log_scope sc = sw_scope(ctx);
    int rc = sw_logstore_delete_stream(ctx->logs, &sc, sw_v_get_str(in, "logGroupName", ""), sw_v_get_str(in, "logStreamName", ""));
    return rc ? sw_store_error(err, rc, rc == -ENOENT ? "log stream" : "log stream") : 0;
}

typedef struct sw_streams_page { sw_ctx *ctx; const char *group; sw_value *list; char last[600]; int failed; } sw_streams_page;

static void sw_stream_item(const sw_log_stream_info *st, void *arg) {
    sw_streams_page *pg = arg;
    sw_ctx *ctx = pg->ctx;
    char arn[1300];
    snprintf(arn, sizeof arn, "arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", ctx->region, ctx->account, pg->group, st->name);
    snprintf(pg->last, sizeof pg->last, "%s", st->cursor);
    sw_value *m = sw_v_map(ctx->arena);
    sw_error e;
    int bad = !m || sw_put(ctx, m, "logStreamName", sw_str(ctx, st->name), &e) ||
              sw_put(ctx, m, "creationTime", sw_int(ctx, st->creation_ms), &e);
    if (!bad && st->has_events)
        bad = sw_put(ctx, m, "firstEventTimestamp", sw_int(ctx, st->first_event_ms), &e) ||
              sw_put(ctx, m, "lastEventTimestamp", sw_int(ctx, st->last_event_ms), &e) ||
              sw_put(ctx, m, "lastIngestionTime", sw_int(ctx, st->last_ingestion_ms), &e);
    bad = bad || sw_put(ctx, m, "arn", sw_str(ctx, arn), &e) || sw_put(ctx, m, "storedBytes", sw_int(ctx, (int64_t)st->stored_bytes), &e) ||
          sw_v_list_push(ctx->arena, pg->list, m);
    pg->failed |= bad;
}

static int sw_describe_log_streams(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    const char *group = sw_group_name(ctx, in, err);
    if (!group) return -1;
    const char *prefix = sw_v_get_str(in, "logStreamNamePrefix", NULL), *order = sw_v_get_str(in, "orderBy", "LogStreamName");
    int by_time = strcmp(order, "LastEventTime") == 0;
    if (by_time && prefix) return sw_invalid(err, "Cannot order by LastEventTime with a logStreamNamePrefix.");
    sw_value *desc = sw_v_get(in, "descending");
    const char *token = sw_v_get_str(in, "nextToken", NULL), *after = sw_token_text(token, "ls1/");
    if (token && !after) return sw_invalid(err, "The specified nextToken is invalid.");
    sw_log_scope sc = sw_scope(ctx);
    sw_streams_page pg = {ctx, group, sw_v_list(ctx->arena), "", 0};
    int more = 0;
    sw_log_stream_query q = {prefix, by_time, desc && desc->u.b, after};
    int rc = sw_logstore_list_streams(ctx->logs, &sc, group, &q, (size_t)sw_v_get_int(in, "limit", 50), sw_stream_item, &pg, &more);
    if (rc < 0) return sw_store_error(err, rc, "log group");
    *out = sw_v_map(ctx->arena);
    if (pg.failed || sw_put(ctx, *out, "logStreams", pg.list, err)) return -1;
    if (more) {
        char tok[700];
        snprintf(tok, sizeof tok, "ls1/%s", pg.last);
        return sw_put(ctx, *out, "nextToken", sw_str(ctx, tok), err);
    }
    return 0;
}

/* ---------- PutLogEvents ---------- */

/* Checks the batch rules that reject the whole request, and finds the events AWS accepts but reports
 * in rejectedLogEventsInfo (too new, too old, older than the group's retention). */
typedef struct sw_batch { size_t first, end; int64_t too_new_start, too_old_end, expired_end; } sw_batch;

static int sw_check_batch(sw_ctx *ctx, const sw_log_event *ev, size_t n, int retention_days, sw_batch *b, sw_error *err) {
    size_t bytes = 0;
    int64_t now = ctx->now_ms, first_ts = 0, prev = INT64_MIN;
    b->first = 0, b->end = n, b->too_new_start = -1, b->too_old_end = -1, b->expired_end = -1;
    for (size_t i = 0; i < n; i++) {
        int64_t ts = ev[i].timestamp_ms;
        bytes += ev[i].len + SW_LOGS_EVENT_OVERHEAD;
        if (ts < prev) return sw_invalid(err, "Log events in a single PutLogEvents request must be in chronological order.");
        if (i == 0) first_ts = ts;
        if (ts - first_ts > SW_LOGS_MAX_SPAN_MS)
            return sw_invalid(err, "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");
        prev = ts;
        if (ts > now + SW_LOGS_TOO_NEW_MS && b->too_new_start < 0) b->too_new_start = (int64_t)i;
        if (ts < now - SW_LOGS_TOO_OLD_MS) b->too_old_end = (int64_t)i + 1;
        if (retention_days && ts < now - retention_days * 86400000LL) b->expired_end = (int64_t)i + 1;
    }
    if (bytes > SW_LOGS_BATCH_BYTES)
        return sw_invalid(err, "Upload too large: the batch of log events exceeds 1,048,576 bytes (message bytes plus 26 bytes per event).");
    int64_t skip = b->too_old_end > b->expired_end ? b->too_old_end : b->expired_end;
    b->first = skip > 0 ? (size_t)skip : 0;
    b->end = b->too_new_start >= 0 ? (size_t)b->too_new_start : n;
    return 0;
}

static sw_value *sw_rejected_info(sw_ctx *ctx, const sw_batch *b) {
    if (b->too_new_start < 0 && b->too_old_end < 0 && b->expired_end < 0) return NULL;
    sw_value *m = sw_v_map(ctx->arena);
    sw_error e;
    if (b->too_new_start >= 0) sw_put(ctx, m, "tooNewLogEventStartIndex", sw_int(ctx, b->too_new_start), &e);
    if (b->too_old_end >= 0) sw_put(ctx, m, "tooOldLogEventEndIndex", sw_int(ctx, b->too_old_end - 1), &e);
    if (b->expired_end >= 0) sw_put(ctx, m, "expiredLogEventEndIndex", sw_int(ctx, b->expired_end - 1), &e);
    return m;
}

/* The put itself, from typed events (either decoder): batch rules, the store, metric filters, the answer. */
static int sw_put_events(sw_ctx *ctx, const char *group, const char *stream, sw_log_event *all, size_t count,
                         sw_value **out, sw_error *err) {
    sw_log_scope sc = sw_scope(ctx);
    sw_log_group_info gi;
    if (sw_logstore_group_info(ctx->logs, &sc, group, &gi)) return sw_not_found(err, "log group");
    sw_batch b;
    if (sw_check_batch(ctx, all, count, gi.retention_days, &b, err)) return -1;
    size_t n = b.end > b.first ? b.end - b.first : 0;
    sw_log_event *ev = all + b.first;
    for (size_t i = 0; i < n; i++) ev[i].ingestion_ms = ctx->now_ms;
    int rc = sw_logstore_put(ctx->logs, &sc, group, stream, ev, n, ctx->now_ms);
    if (rc == -ENOENT) return sw_not_found(err, "log stream");
    if (rc) return sw_store_error(err, rc, "log stream");
    if (n && sw_logs_metrics_apply(ctx, group, ev, n, err)) return -1;
    *out = sw_v_map(ctx->arena);
    char token[40];
    snprintf(token, sizeof token, "%020" PRId64, ctx->now_ms); /* sequence tokens are accepted and ignored */
    sw_value *rej = sw_rejected_info(ctx, &b);
    if (sw_put(ctx, *out, "nextSequenceToken", sw_str(ctx, token), err)) return -1;
    return rej ? sw_put(ctx, *out, "rejectedLogEventsInfo", rej, err) : 0;
}

static int sw_put_log_events(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    const char *group = sw_group_name(ctx, in, err), *stream = sw_v_get_str(in, "logStreamName", "");
    if (!group) return -1;
    const sw_value *events = sw_v_get(in, "logEvents");
    size_t n = events->u.list.n;
    sw_log_event *ev = sw_arena_alloc(ctx->arena, (n + 1) * sizeof *ev);
    if (!ev) return sw_error_set(err, 413, "RequestEntityTooLarge", "Request too large.");
    for (size_t i = 0; i < n; i++) {
        const sw_value *e = events->u.list.items[i], *msg = sw_v_get(e, "message");
        ev[i] = (sw_log_event){sw_v_get_int(e, "timestamp", 0), ctx->now_ms, msg->u.str.s, msg->u.str.len};
    }
    return sw_put_events(ctx, group, stream, ev, n, out, err);
}

/* AWS JSON 1.1 bodies in one pass (ple_json.c); anything it declines goes through sw_put_log_events. */
static int sw_put_log_events_json(sw_ctx *ctx, const sw_operation *op, const char *body, size_t len, sw_value **out,
                                  sw_error *err) {
    sw_ple ple;
    if (sw_ple_json_decode(ctx->arena, op->input, body, len, &ple)) return 1;
    return sw_put_events(ctx, ple.group, ple.stream, ple.ev, ple.n, out, err);
}

/* ---------- reading events ---------- */

/* A page holds up to 10,000 events: they are written as JSON text as they come (the "events" list is one
 * SW_V_RAW value), not built as a value tree per event and encoded afterwards, which was half of a
 * filterless FilterLogEvents' CPU. The bytes are those the encoder writes for the same tree. Each
 * stream's name is escaped once per page (a small cache keyed by the name's address, stable while the
 * read runs). */
#define SW_EVENTS_NAMES 16
typedef struct sw_events_out {
    sw_buf json;  /* "[" event, event, ... */
    size_t count;
    const char *name_key[SW_EVENTS_NAMES];
    size_t name_off[SW_EVENTS_NAMES], name_len[SW_EVENTS_NAMES]; /* the escaped name, in names */
    sw_buf names;
} sw_events_out;

static void sw_events_init(sw_events_out *o) {
    memset(o, 0, sizeof *o);
    sw_buf_init(&o->json);
    sw_buf_init(&o->names);
    sw_buf_putc(&o->json, '[');
}

static void sw_events_free(sw_events_out *o) {
    sw_buf_free(&o->json);
    sw_buf_free(&o->names);
}

/* The events written so far as the JSON list value, or NULL when the arena's limit is reached. */
static sw_value *sw_events_value(sw_ctx *ctx, sw_events_out *o) {
    sw_buf_putc(&o->json, ']');
    return sw_v_raw(ctx->arena, o->json.data, o->json.len);
}

static void sw_event_json(sw_events_out *o, const char *stream, const sw_log_event *e, uint64_t id) {
    sw_buf *b = &o->json;
    sw_buf_reserve(b, e->len + 160);
    if (o->count++) sw_buf_putc(b, ',');
    sw_buf_putc(b, '{');
    if (stream) {
        size_t slot = ((uintptr_t)stream >> 4) % SW_EVENTS_NAMES;
        if (o->name_key[slot] != stream) {
            size_t at = o->names.len;
            sw_json_put_string(&o->names, stream, strlen(stream));
            o->name_key[slot] = stream, o->name_off[slot] = at, o->name_len[slot] = o->names.len - at;
        }
        sw_buf_puts(b, "\"logStreamName\":");
        sw_buf_append(b, o->names.data + o->name_off[slot], o->name_len[slot]);
        sw_buf_putc(b, ',');
    }
    sw_buf_puts(b, "\"timestamp\":");
    sw_buf_put_i64(b, e->timestamp_ms);
    sw_buf_puts(b, ",\"message\":");
    sw_json_put_string(b, e->message, e->len);
    sw_buf_puts(b, ",\"ingestionTime\":");
    sw_buf_put_i64(b, e->ingestion_ms);
    if (stream) {
        /* eventId: unique and stable for an event (its position in the store), 20 digits as "%020" PRIu64 */
        char eid[20];
        for (int i = 19; i >= 0; i--, id /= 10) eid[i] = (char)('0' + id % 10);
        sw_buf_puts(b, ",\"eventId\":\"");
        sw_buf_append(b, eid, sizeof eid);
        sw_buf_putc(b, '"');
    }
    sw_buf_putc(b, '}');
}

static void sw_stream_event(const sw_log_event *e, uint64_t id, void *arg) { sw_event_json(arg, NULL, e, id); }

static void sw_group_event(const char *stream, const sw_log_event *e, uint64_t id, void *arg) { sw_event_json(arg, stream, e, id); }

static void sw_time_bounds(const sw_value *in, int64_t *start, int64_t *end) {
    sw_value *s = sw_v_get(in, "startTime"), *e = sw_v_get(in, "endTime");
    *start = s ? s->u.i : INT64_MIN;
    *end = e ? e->u.i : INT64_MAX; /* endTime is exclusive in GetLogEvents and FilterLogEvents */
}

/* GetLogEvents: tokens are "f/<position>" and "b/<position>"; at the end of the stream the token given
 * is returned unchanged, which is how the CLI and SDK paginators know to stop. */
static int sw_get_log_events(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    const char *group = sw_group_name(ctx, in, err), *stream = sw_v_get_str(in, "logStreamName", "");
    if (!group) return -1;
    const char *token = sw_v_get_str(in, "nextToken", NULL);
    sw_value *sfh = sw_v_get(in, "startFromHead");
    int forward = sfh && sfh->u.b;
    uint64_t pos = forward ? 0 : UINT64_MAX;
    if (token) {
        if ((token[0] != 'f' && token[0] != 'b') || token[1] != '/' || sw_token_u64(token + 2, &pos))
            return sw_invalid(err, "The specified nextToken is invalid.");
        forward = token[0] == 'f';
    }
    int64_t start, end;
    sw_time_bounds(in, &start, &end);
    sw_log_scope sc = sw_scope(ctx);
    sw_events_out o;
    sw_events_init(&o);
    /* Empty page: both ids stay at the position read from, so a token comes back unchanged. A first
     * read from the tail of an empty stream answers position 0, from which nothing follows. */
    uint64_t first = forward || pos != UINT64_MAX ? pos : 0, last = first;
    long n = 0;
    if (forward || pos != 0)
        n = sw_logstore_read_stream(ctx->logs, &sc, group, stream, start, end, forward, pos, (size_t)sw_v_get_int(in, "limit", 10000),
                                    SW_LOGS_PAGE_BYTES, sw_stream_event, &o, &first, &last);
    sw_value *events = n >= 0 ? sw_events_value(ctx, &o) : NULL;
    sw_events_free(&o);
    if (n == -ENOENT) return sw_not_found(err, "log group or log stream");
    if (n == -EINVAL) return sw_invalid(err, "The specified nextToken is invalid.");
    if (n < 0) return sw_store_error(err, (int)n, "log stream");
    if (n == 0 && !forward && pos == UINT64_MAX) first = last = 0;
    char ftok[32], btok[32];
    snprintf(ftok, sizeof ftok, "f/%020" PRIu64, last);
    snprintf(btok, sizeof btok, "b/%020" PRIu64, first);
    *out = sw_v_map(ctx->arena);
    if (sw_put(ctx, *out, "events", events, err) || sw_put(ctx, *out, "nextForwardToken", sw_str(ctx, ftok), err) ||
        sw_put(ctx, *out, "nextBackwardToken", sw_str(ctx, btok), err))
        return -1;
    return 0;
}

static int sw_filter_log_events(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    const char *group = sw_group_name(ctx, in, err);
    if (!group) return -1;
    const sw_value *names = sw_v_get(in, "logStreamNames");
    const char *prefix = sw_v_get_str(in, "logStreamNamePrefix", NULL), *pattern = sw_v_get_str(in, "filterPattern", "");
    if (names && prefix) return sw_invalid(err, "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
    const char *token = sw_v_get_str(in, "nextToken", NULL);
    uint64_t cursor = 0;
    if (token && sw_token_u64(sw_token_text(token, "fe1/"), &cursor)) return sw_invalid(err, "The specified nextToken is invalid.");
    char cerr[512];
    sw_filter *f = sw_filter_compile(pattern, strlen(pattern), cerr, sizeof cerr);
    if (!f) return sw_invalid(err, cerr);
    const char **streams = NULL;
    size_t nstreams = names ? names->u.list.n : 0;
    if (nstreams) {
        streams = sw_arena_alloc(ctx->arena, nstreams * sizeof *streams);
        for (size_t i = 0; streams && i < nstreams; i++) streams[i] = names->u.list.items[i]->u.str.s;
    }
    int64_t start, end;
    sw_time_bounds(in, &start, &end);
    sw_log_scope sc = sw_scope(ctx);
    sw_events_out o;
    sw_events_init(&o);
    uint64_t next = 0;
    long n = sw_logstore_filter(ctx->logs, &sc, group, streams, nstreams, prefix, start, end, f, cursor,
                                (size_t)sw_v_get_int(in, "limit", 10000), SW_LOGS_PAGE_BYTES, sw_group_event, &o, &next);
    sw_filter_free(f);
    sw_value *events = n >= 0 ? sw_events_value(ctx, &o) : NULL;
    sw_events_free(&o);
    if (n == -ENOENT) return sw_not_found(err, "log group");
    if (n == -EINVAL) return sw_invalid(err, "The specified nextToken is invalid.");
    if (n < 0) return sw_store_error(err, (int)n, "log group");
    *out = sw_v_map(ctx->arena);
    if (sw_put(ctx, *out, "events", events, err) || sw_put(ctx, *out, "searchedLogStreams", sw_v_list(ctx->arena), err))
        return -1;
    if (next) {
        char tok[40];
        snprintf(tok, sizeof tok, "fe1/%" PRIu64, next);
        return sw_put(ctx, *out, "nextToken", sw_str(ctx, tok), err);
    }
    return 0;
}

/* ---------- metric filters ---------- */

/* Reads and checks PutMetricFilter's input into def (strings stay in the request's arena). */
static int sw_metric_filter_input(sw_ctx *ctx, const sw_value *in, sw_metric_filter_def *d, sw_filter **f, sw_error *err) {
    memset(d, 0, sizeof *d);
    d->name = sw_v_get_str(in, "filterName", "");
    d->pattern = sw_v_get_str(in, "filterPattern", "");
    d->creation_ms = ctx->now_ms;
    const sw_value *t = sw_v_get(in, "metricTransformations")->u.list.items[0], *dv = sw_v_get(t, "defaultValue");
    d->metric_name = sw_v_get_str(t, "metricName", "");
    d->metric_namespace = sw_v_get_str(t, "metricNamespace", "");
    d->metric_value = sw_v_get_str(t, "metricValue", "");
    d->unit = sw_v_get_str(t, "unit", NULL);
    if (dv) d->has_default = 1, d->default_value = dv->u.d;
    const sw_value *dims = sw_v_get(t, "dimensions");
    if (dims && dims->u.map.n > 3) return sw_invalid(err, "A metric transformation can have at most 3 dimensions.");
    for (size_t i = 0; dims && i < dims->u.map.n; i++) {
        d->dim_names[i] = dims->u.map.items[i].key;
        d->dim_values[i] = dims->u.map.items[i].val->u.str.s;
        if (d->dim_values[i][0] != '$') return sw_invalid(err, "Dimension values must be fields of the event: $.field or $field.");
    }
    d->ndims = dims ? dims->u.map.n : 0;
    double num;
    if (d->metric_value[0] != '$' && sw_metric_filter_value(NULL, d->metric_value, "", 0, &num))
        return sw_invalid(err, "Invalid metric value: use a number, $.jsonField or $delimitedField.");
    char cerr[512];
    *f = sw_filter_compile(d->pattern, strlen(d->pattern), cerr, sizeof cerr);
    if (!*f) return sw_invalid(err, cerr);
    /* Dimensions are allowed only with JSON and space-delimited patterns, and not with a defaultValue. */
    if (d->ndims && sw_filter_get_kind(*f) == SW_FILTER_TEXT)
        return sw_invalid(err, "Dimensions are only supported for JSON and space-delimited filter patterns.");
    if (d->ndims && d->has_default) return sw_invalid(err, "Dimensions cannot be used together with a defaultValue.");
    return 0;
}

static int sw_put_metric_filter(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_metric_filter_def d;
    sw_filter *f = NULL;
    int rc = sw_metric_filter_input(ctx, in, &d, &f, err);
    sw_filter_free(f);
    if (rc) return -1;
    sw_buf blob;
    sw_buf_init(&blob);
    sw_metric_filter_encode(&d, &blob);
    sw_log_scope sc = sw_scope(ctx);
    rc = sw_logstore_put_metric_filter(ctx->logs, &sc, sw_v_get_str(in, "logGroupName", ""), d.name, blob.data, blob.len,
                                       SW_LOGS_MAX_FILTERS);
    sw_buf_free(&blob);
    if (rc == -ENOSPC)
        return sw_error_set(err, 400, "LimitExceededException", "Resource limit exceeded: at most %d metric filters per log group.", SW_LOGS_MAX_FILTERS);
    return rc ? sw_store_error(err, rc, "log group") : 0;
}

static int sw_delete_metric_filter(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_log_scope sc = sw_scope(ctx);
    int rc = sw_logstore_delete_metric_filter(ctx->logs, &sc, sw_v_get_str(in, "logGroupName", ""), sw_v_get_str(in, "filterName", ""));
    return rc ? sw_store_error(err, rc, "metric filter") : 0;
}

typedef struct sw_mf_list { sw_ctx *ctx; const sw_value *in; const char *group; sw_value *list; int failed; } sw_mf_list;

static sw_value *sw_mf_value(sw_ctx *ctx, const char *group, const sw_metric_filter_def *d) {
    sw_value *m = sw_v_map(ctx->arena), *t = sw_v_map(ctx->arena), *ts = sw_v_list(ctx->arena), *dims = sw_v_map(ctx->arena);
    sw_error e;
    if (!m || !t || !ts || !dims) return NULL;
    for (size_t i = 0; i < d->ndims; i++) sw_v_map_putc(ctx->arena, dims, d->dim_names[i], sw_str(ctx, d->dim_values[i]));
    int bad = sw_put(ctx, t, "metricName", sw_str(ctx, d->metric_name), &e) ||
              sw_put(ctx, t, "metricNamespace", sw_str(ctx, d->metric_namespace), &e) ||
              sw_put(ctx, t, "metricValue", sw_str(ctx, d->metric_value), &e) ||
              (d->has_default && sw_put(ctx, t, "defaultValue", sw_v_double(ctx->arena, d->default_value), &e)) ||
              (d->ndims && sw_put(ctx, t, "dimensions", dims, &e)) || (d->unit && sw_put(ctx, t, "unit", sw_str(ctx, d->unit), &e)) ||
              sw_v_list_push(ctx->arena, ts, t) || sw_put(ctx, m, "filterName", sw_str(ctx, d->name), &e) ||
              sw_put(ctx, m, "filterPattern", sw_str(ctx, d->pattern), &e) || sw_put(ctx, m, "metricTransformations", ts, &e) ||
              sw_put(ctx, m, "creationTime", sw_int(ctx, d->creation_ms), &e) || sw_put(ctx, m, "logGroupName", sw_str(ctx, group), &e);
    return bad ? NULL : m;
}

static void sw_mf_item(const char *name, const char *blob, size_t len, void *arg) {
    sw_mf_list *l = arg;
    sw_metric_filter_def d;
    if (sw_metric_filter_decode(l->ctx->arena, blob, len, &d)) return;
    const char *prefix = sw_v_get_str(l->in, "filterNamePrefix", NULL), *mn = sw_v_get_str(l->in, "metricName", NULL);
    const char *mns = sw_v_get_str(l->in, "metricNamespace", NULL);
    if ((prefix && strncmp(d.name, prefix, strlen(prefix))) || (mn && strcmp(mn, d.metric_name)) || (mns && strcmp(mns, d.metric_namespace)))
        return;
    sw_value *v = sw_mf_value(l->ctx, l->group, &d);
    l->failed |= !v || sw_v_list_push(l->ctx->arena, l->list, v);
}

typedef struct sw_group_names { sw_ctx *ctx; const char **names; size_t n, cap; } sw_group_names;

static void sw_collect_group(const sw_log_group_info *g, void *arg) {
    sw_group_names *gn = arg;
    if (gn->n == gn->cap) {
        gn->cap = gn->cap ? gn->cap * 2 : 64;
        const char **nn = sw_arena_alloc(gn->ctx->arena, gn->cap * sizeof *nn);
        if (!nn) return;
        if (gn->n) memcpy(nn, gn->names, gn->n * sizeof *nn);
        gn->names = nn;
    }
    gn->names[gn->n++] = sw_arena_strndup(gn->ctx->arena, g->name, strlen(g->name));
}

/* DescribeMetricFilters: one group's filters, or (without logGroupName) every group's, in group order. */
static int sw_describe_metric_filters(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    const char *group = sw_v_get_str(in, "logGroupName", NULL);
    if ((sw_v_get(in, "metricName") != NULL) != (sw_v_get(in, "metricNamespace") != NULL))
        return sw_invalid(err, "metricName and metricNamespace must be specified together.");
    sw_log_scope sc = sw_scope(ctx);
    sw_group_names gn = {ctx, NULL, 0, 0};
    if (group) {
        gn.names = &group;
        gn.n = 1;
    } else {
        int more = 1;
        while (more) {
            size_t before = gn.n;
            sw_logstore_list_groups(ctx->logs, &sc, NULL, gn.n ? gn.names[gn.n - 1] : NULL, 1000, sw_collect_group, &gn, &more);
            if (gn.n == before) break;
        }
    }
    sw_mf_list l = {ctx, in, NULL, sw_v_list(ctx->arena), 0};
    for (size_t i = 0; i < gn.n && !l.failed; i++) {
        l.group = gn.names[i];
        int rc = sw_logstore_list_metric_filters(ctx->logs, &sc, gn.names[i], sw_mf_item, &l);
        if (rc < 0 && group) return sw_store_error(err, rc, "log group");
    }
    *out = sw_v_map(ctx->arena);
    return l.failed ? sw_error_set(err, 413, "RequestEntityTooLarge", "Response too large.") : sw_put(ctx, *out, "metricFilters", l.list, err);
}

typedef struct sw_fields_out { sw_ctx *ctx; sw_value *map; } sw_fields_out;

static void sw_field_item(void *arg, const char *name, size_t nlen, const char *value, size_t vlen) {
    sw_fields_out *o = arg;
    sw_v_map_put(o->ctx->arena, o->map, name, nlen, sw_v_string(o->ctx->arena, value, vlen));
}

static int sw_test_metric_filter(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    const char *pattern = sw_v_get_str(in, "filterPattern", "");
    char cerr[512];
    sw_filter *f = sw_filter_compile(pattern, strlen(pattern), cerr, sizeof cerr);
    if (!f) return sw_invalid(err, cerr);
    const sw_value *msgs = sw_v_get(in, "logEventMessages");
    sw_value *matches = sw_v_list(ctx->arena);
    int failed = !matches;
    for (size_t i = 0; i < msgs->u.list.n && !failed; i++) {
        const sw_value *msg = msgs->u.list.items[i];
        if (!sw_filter_match(f, msg->u.str.s, msg->u.str.len)) continue;
        sw_value *m = sw_v_map(ctx->arena);
        sw_fields_out fo = {ctx, sw_v_map(ctx->arena)};
        sw_filter_fields(f, msg->u.str.s, msg->u.str.len, sw_field_item, &fo);
        failed = !m || sw_put(ctx, m, "eventNumber", sw_int(ctx, (int64_t)i + 1), err) ||
                 sw_put(ctx, m, "eventMessage", sw_v_string(ctx->arena, msg->u.str.s, msg->u.str.len), err) ||
                 sw_put(ctx, m, "extractedValues", fo.map, err) || sw_v_list_push(ctx->arena, matches, m);
    }
    sw_filter_free(f);
    *out = sw_v_map(ctx->arena);
    return failed ? -1 : sw_put(ctx, *out, "matches", matches, err);
}

/* ---------- tags ---------- */

/* The log group an ARN names ("arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]"), in this caller's account and region. */
static const char *sw_arn_group(sw_ctx *ctx, const char *arn, sw_error *err) {
    char prefix[128];
    snprintf(prefix, sizeof prefix, "arn:aws:logs:%s:%s:log-group:", ctx->region, ctx->account);
    size_t pl = strlen(prefix), n = strlen(arn);
    if (strncmp(arn, prefix, pl) != 0 || n == pl) {
        sw_invalid(err, "The resourceArn is not a log group ARN of this account and region.");
        return NULL;
    }
    n -= pl;
    if (n >= 2 && strcmp(arn + pl + n - 2, ":*") == 0) n -= 2;
    return sw_arena_strndup(ctx->arena, arn + pl, n);
}

static int sw_tag_group(sw_ctx *ctx, const char *group, const sw_value *tags, sw_error *err) {
    sw_log_scope sc = sw_scope(ctx);
    for (size_t i = 0; i < tags->u.map.n; i++) {
        int rc = sw_logstore_set_tag(ctx->logs, &sc, group, tags->u.map.items[i].key, tags->u.map.items[i].val->u.str.s);
        if (rc) return rc == -ENOSPC ? sw_error_set(err, 400, "TooManyTagsException", "A log group can have at most 50 tags.")
                                     : sw_store_error(err, rc, "log group");
    }
    return 0;
}

static int sw_untag_group(sw_ctx *ctx, const char *group, const sw_value *keys, sw_error *err) {
    sw_log_scope sc = sw_scope(ctx);
    for (size_t i = 0; i < keys->u.list.n; i++) {
        int rc = sw_logstore_delete_tag(ctx->logs, &sc, group, keys->u.list.items[i]->u.str.s);
        if (rc && rc != -ENOENT) return sw_store_error(err, rc, "log group");
    }
    sw_log_group_info gi;
    return sw_logstore_group_info(ctx->logs, &sc, group, &gi) ? sw_not_found(err, "log group") : 0;
}

typedef struct sw_tags_out { sw_ctx *ctx; sw_value *map; } sw_tags_out;

static void sw_tag_item(const char *key, const char *value, void *arg) {
    sw_tags_out *o = arg;
    sw_v_map_putc(o->ctx->arena, o->map, key, sw_str(o->ctx, value));
}

static int sw_list_tags(sw_ctx *ctx, const char *group, const char *member, sw_value **out, sw_error *err) {
    sw_log_scope sc = sw_scope(ctx);
    sw_tags_out o = {ctx, sw_v_map(ctx->arena)};
    int rc = sw_logstore_list_tags(ctx->logs, &sc, group, sw_tag_item, &o);
    if (rc < 0) return sw_store_error(err, rc, "log group");
    *out = sw_v_map(ctx->arena);
    return sw_put(ctx, *out, member, o.map, err);
}

static int sw_tag_resource(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    const char *group = sw_arn_group(ctx, sw_v_get_str(in, "resourceArn", ""), err);
    return group ? sw_tag_group(ctx, group, sw_v_get(in, "tags"), err) : -1;
}

static int sw_untag_resource(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    const char *group = sw_arn_group(ctx, sw_v_get_str(in, "resourceArn", ""), err);
    return group ? sw_untag_group(ctx, group, sw_v_get(in, "tagKeys"), err) : -1;
}

static int sw_list_tags_for_resource(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    const char *group = sw_arn_group(ctx, sw_v_get_str(in, "resourceArn", ""), err);
    return group ? sw_list_tags(ctx, group, "tags", out, err) : -1;
}

static int sw_tag_log_group(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    return sw_tag_group(ctx, sw_v_get_str(in, "logGroupName", ""), sw_v_get(in, "tags"), err);
}

static int sw_untag_log_group(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    return sw_untag_group(ctx, sw_v_get_str(in, "logGroupName", ""), sw_v_get(in, "tags"), err);
}

static int sw_list_tags_log_group(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    return sw_list_tags(ctx, sw_v_get_str(in, "logGroupName", ""), "tags", out, err);
}

/* StartLiveTail streams an event-stream response from a "stream-" host prefix; skywatch does not
 * serve it yet. `aws logs tail --follow` (which polls FilterLogEvents) is the supported way to follow. */
static int sw_start_live_tail(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    return sw_error_set(err, 400, "InvalidOperationException",
                        "StartLiveTail is not supported by skywatch yet; use `aws logs tail GROUP --follow`, which polls FilterLogEvents.");
}

/* ---------- the service ---------- */

extern const char sw_model_logs[], sw_model_logs_end[];

static const sw_handler sw_logs_handlers[] = {
    {"CreateLogGroup", sw_create_log_group},
    {"CreateLogStream", sw_create_log_stream},
    {"DeleteLogGroup", sw_delete_log_group},
    {"DeleteLogStream", sw_delete_log_stream},
    {"DeleteMetricFilter", sw_delete_metric_filter},
    {"DeleteRetentionPolicy", sw_delete_retention_policy},
    {"DescribeLogGroups", sw_describe_log_groups},
    {"DescribeLogStreams", sw_describe_log_streams},
    {"DescribeMetricFilters", sw_describe_metric_filters},
    {"FilterLogEvents", sw_filter_log_events},
    {"GetLogEvents", sw_get_log_events},
    {"ListTagsForResource", sw_list_tags_for_resource},
    {"ListTagsLogGroup", sw_list_tags_log_group},
    {"PutLogEvents", sw_put_log_events},
    {"PutMetricFilter", sw_put_metric_filter},
    {"PutRetentionPolicy", sw_put_retention_policy},
    {"StartLiveTail", sw_start_live_tail},
    {"TagLogGroup", sw_tag_log_group},
    {"TagResource", sw_tag_resource},
    {"TestMetricFilter", sw_test_metric_filter},
    {"UntagLogGroup", sw_untag_log_group},
    {"UntagResource", sw_untag_resource},
};

static const sw_json_handler sw_logs_json_handlers[] = {
    {"PutLogEvents", sw_put_log_events_json},
};

static sw_service sw_logs = {
    .signing_name = "logs",
    .handlers = sw_logs_handlers,
    .nhandlers = sizeof sw_logs_handlers / sizeof sw_logs_handlers[0],
    .json_handlers = sw_logs_json_handlers,
    .njson_handlers = sizeof sw_logs_json_handlers / sizeof sw_logs_json_handlers[0],
    .validation_code = "InvalidParameterException",
    /* AWS limits a PutLogEvents batch to 1,048,576 bytes counted as message bytes + 26 per event; the JSON
     * body carrying such a batch is larger (quoting, escapes, member names), so the body limit is looser. */
    .max_request_bytes = 8 << 20,
};

static void sw_logs_init(void) { sw_service_init(&sw_logs, sw_model_logs, sw_model_logs_end); }

const sw_service *sw_logs_service(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sw_logs_init);
    return &sw_logs;
}
