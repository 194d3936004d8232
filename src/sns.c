/* sns.c -- Amazon SNS operations (query protocol, API version 2010-03-31): topics, subscriptions,
 * Publish/PublishBatch and tags, plus the unsigned SubscribeURL/UnsubscribeURL/SigningCertURL
 * requests. Names, limits and error codes follow the botocore `sns` model and the SNS API reference. */
#include "alloc.h"
#include "clock.h"
#include "form.h"
#include "json.h"
#include "log.h"
#include "service.h"
#include "sns_filter.h"
#include "sns_int.h"
#include "xml.h"
#include <ctype.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SW_SNS_MAX_MESSAGE 262144   /* "The total size limit for a single SMS Publish action is 256 KB" (message + attributes) */
#define SW_SNS_MAX_SUBJECT 100
#define SW_SNS_MAX_TOPIC_NAME 256
#define SW_SNS_PAGE 100             /* ListTopics / ListSubscriptions: "a limited list of ..., up to 100" */
#define SW_SNS_MAX_TAGS 50
#define SW_SNS_MAX_ATTRIBUTES 10    /* message attributes per message */
#define SW_SNS_MAX_BATCH 10
#define SW_SNS_MAX_DISPLAY_NAME 100
#define SW_SNS_MAX_POLICY 30720

/* ---------- helpers ---------- */

void sw_sns_uuid(char out[37]) {
    unsigned char r[16];
    if (RAND_bytes(r, sizeof r) != 1) {
        for (size_t i = 0; i < sizeof r; i++) r[i] = (unsigned char)rand();
    }
    r[6] = (r[6] & 0x0F) | 0x40;
    r[8] = (r[8] & 0x3F) | 0x80;
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
             r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

void sw_sns_timestamp(int64_t ms, char out[32]) {
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
             tm.tm_sec % 100, (int)(ms % 1000));
}

static void sw_token(char out[65]) {
    unsigned char r[32];
    RAND_bytes(r, sizeof r);
    for (size_t i = 0; i < sizeof r; i++) snprintf(out + 2 * i, 3, "%02x", r[i]);
}

static int sw_invalid(sw_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sw_invalid(sw_error *e, const char *fmt, ...) {
    char msg[sizeof e->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sw_error_set_typed(e, 400, "InvalidParameter", "InvalidParameterException", "%s", msg);
}
static int sw_value_invalid(sw_error *e, const char *msg) {
    return sw_error_set_typed(e, 400, "ParameterValueInvalid", "InvalidParameterValueException", "%s", msg);
}
static int sw_not_found(sw_error *e, const char *msg) { return sw_error_set_typed(e, 404, "NotFound", "NotFoundException", "%s", msg); }
static int sw_store_failed(sw_error *e) {
    return sw_error_set_typed(e, 500, "InternalError", "InternalErrorException", "The SNS store failed to write durably.");
}
static int sw_no_sns(sw_error *e) {
    return sw_error_set_typed(e, 500, "InternalError", "InternalErrorException", "SNS is not running on this server.");
}

static sw_value *sw_str(sw_ctx *ctx, const char *s) { return sw_v_cstr(ctx->arena, s); }

static int sw_put(sw_ctx *ctx, sw_value *map, const char *key, const char *val, sw_error *err) {
    if (sw_v_map_putc(ctx->arena, map, key, sw_str(ctx, val))) return sw_error_set(err, 413, "RequestEntityTooLarge", "Response too large.");
    return 0;
}

static int sw_result(sw_ctx *ctx, sw_value **out, const char *key, const char *val, sw_error *err) {
    *out = sw_v_map(ctx->arena);
    return sw_put(ctx, *out, key, val, err);
}

typedef struct sw_arn { char region[40], account[16], name[300], rest[80]; } sw_arn;

/* arn:aws:sns:REGION:ACCOUNT:NAME[:SUBSCRIPTION-ID]; returns 0 or -1 when the text is no SNS ARN. */
static int sw_arn_parse(const char *s, sw_arn *a) {
    memset(a, 0, sizeof *a);
    if (!s || strncmp(s, "arn:aws:sns:", 12) != 0) return -1;
    const char *p = s + 12, *c1 = strchr(p, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || c1 == p || (size_t)(c1 - p) >= sizeof a->region || c2 - c1 - 1 != 12) return -1;
    memcpy(a->region, p, (size_t)(c1 - p));
    memcpy(a->account, c1 + 1, 12);
    for (int i = 0; i < 12; i++)
        if (!isdigit((unsigned char)a->account[i])) return -1;
    const char *name = c2 + 1, *c3 = strchr(name, ':');
    size_t nl = c3 ? (size_t)(c3 - name) : strlen(name);
    if (nl == 0 || nl >= sizeof a->name) return -1;
    memcpy(a->name, name, nl);
    if (c3 && (strlen(c3 + 1) == 0 || strlen(c3 + 1) >= sizeof a->rest)) return -1;
    if (c3) snprintf(a->rest, sizeof a->rest, "%s", c3 + 1);
    return 0;
}

static int sw_name_ok(const char *n) {
    size_t len = strlen(n);
    if (len == 0 || len > SW_SNS_MAX_TOPIC_NAME) return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)n[i]) && n[i] != '-' && n[i] != '_') return 0;
    return 1;
}

/* The caller's topic named by arn (s->mu held), or NULL with AWS's error: a malformed ARN or another
 * region is InvalidParameter, another account AuthorizationError, a missing topic NotFound. */
static sw_sns_topic *sw_topic_of(sw_ctx *ctx, const char *arn, const char *param, sw_error *err) {
    sw_arn a;
    if (sw_arn_parse(arn, &a) || a.rest[0] || strcmp(a.region, ctx->region) != 0) {
        sw_invalid(err, "Invalid parameter: %s", param);
        return NULL;
    }
    if (strcmp(a.account, ctx->account) != 0) {
        sw_error_set_typed(err, 403, "AuthorizationError", "AuthorizationErrorException",
                           "User: arn:aws:iam::%s:root is not authorized to access this topic", ctx->account);
        return NULL;
    }
    sw_sns_topic *t = sw_sns_topic_find(ctx->sns, arn);
    if (!t) sw_not_found(err, "Topic does not exist");
    return t;
}

/* The caller's subscription named by arn (s->mu held), or NULL with AWS's error. */
static sw_sns_sub *sw_sub_of(sw_ctx *ctx, const char *arn, sw_error *err) {
    sw_arn a;
    if (sw_arn_parse(arn, &a) || !a.rest[0] || strcmp(a.region, ctx->region) != 0) {
        sw_invalid(err, "Invalid parameter: %s", "SubscriptionArn");
        return NULL;
    }
    sw_sns_sub *sub = strcmp(a.account, ctx->account) == 0 ? sw_sns_sub_find(ctx->sns, arn) : NULL;
    if (!sub) sw_not_found(err, "Subscription does not exist");
    return sub;
}

/* Logs were appended under s->mu; this waits for them without it. */
static int sw_commit(sw_ctx *ctx, uint64_t lsn, sw_error *err) {
    return sw_sns_store_sync(ctx->sns, lsn) ? sw_store_failed(err) : 0;
}

/* ---------- attributes ---------- */

static int sw_json_ok(const char *text) {
    sw_arena a;
    sw_arena_init(&a, 1 << 20);
    sw_value *v;
    char why[64];
    int ok = sw_json_decode(&a, text, strlen(text), &v, why, sizeof why) == 0 && v->type == SW_V_MAP;
    sw_arena_free(&a);
    return ok;
}

/* Checks one topic attribute an owner may set (SetTopicAttributes, CreateTopic Attributes). */
static int sw_check_topic_attr(const char *name, const char *val, sw_error *err) {
    char msg[300];
    if (strcmp(name, "DisplayName") == 0) {
        if (strlen(val) > SW_SNS_MAX_DISPLAY_NAME) return sw_invalid(err, "Invalid parameter: %s", "DisplayName");
        return 0;
    }
    if (strcmp(name, "Policy") == 0) {
        if (strlen(val) > SW_SNS_MAX_POLICY || !sw_json_ok(val)) return sw_invalid(err, "Invalid parameter: %s", "Policy");
        return 0;
    }
    if (strcmp(name, "DeliveryPolicy") == 0) {
        sw_sns_retry_policy p;
        sw_sns_policy_default(&p);
        if (sw_sns_policy_parse(val, strlen(val), 1, &p, msg, sizeof msg)) return sw_invalid(err, "%s", msg);
        return 0;
    }
    if (strcmp(name, "SignatureVersion") == 0) {
        if (strcmp(val, "1") && strcmp(val, "2")) return sw_invalid(err, "Invalid parameter: %s", "SignatureVersion");
        return 0;
    }
    if (strcmp(name, "TracingConfig") == 0) {
        if (strcmp(val, "PassThrough") && strcmp(val, "Active")) return sw_invalid(err, "Invalid parameter: %s", "TracingConfig");
        return 0;
    }
    if (strcmp(name, "FifoTopic") == 0 || strcmp(name, "ContentBasedDeduplication") == 0 || strcmp(name, "FifoThroughputScope") == 0)
        return sw_invalid(err, "Invalid parameter: %s: skywatch does not support FIFO topics", name);
    if (strcmp(name, "KmsMasterKeyId") == 0 || strcmp(name, "ArchivePolicy") == 0 || strcmp(name, "DataProtectionPolicy") == 0 ||
        strstr(name, "FeedbackRoleArn") || strstr(name, "FeedbackSampleRate"))
        return sw_invalid(err, "Invalid parameter: %s: skywatch does not support this topic attribute", name);
    return sw_invalid(err, "Invalid parameter: AttributeName %s", name);
}

/* scope: the FilterPolicyScope a FilterPolicy is checked for (NULL: MessageAttributes, the default). */
static int sw_check_sub_attr(const char *name, const char *val, const char *scope, sw_error *err) {
    char msg[300];
    if (strcmp(name, "RawMessageDelivery") == 0) {
        if (strcmp(val, "true") && strcmp(val, "false")) return sw_invalid(err, "Invalid parameter: %s", "RawMessageDelivery");
        return 0;
    }
    if (strcmp(name, "DeliveryPolicy") == 0) {
        sw_sns_retry_policy p;
        sw_sns_policy_default(&p);
        if (sw_sns_policy_parse(val, strlen(val), 0, &p, msg, sizeof msg)) return sw_invalid(err, "%s", msg);
        return 0;
    }
    if (strcmp(name, "FilterPolicyScope") == 0) {
        if (strcmp(val, "MessageAttributes") && strcmp(val, "MessageBody"))
            return sw_invalid(err, "Invalid parameter: FilterPolicyScope: Invalid value [%.64s]. Please use either MessageBody or MessageAttributes", val);
        return 0;
    }
    if (strcmp(name, "FilterPolicy") == 0) {
        if (!*val) return 0; /* removes the policy */
        json_t *p = sw_sns_filter_parse(val, strlen(val), scope && strcmp(scope, "MessageBody") == 0, msg, sizeof msg);
        json_decref(p);
        return p ? 0 : sw_invalid(err, "%s", msg);
    }
    if (strcmp(name, "RedrivePolicy") == 0 || strcmp(name, "SubscriptionRoleArn") == 0 || strcmp(name, "ReplayPolicy") == 0)
        return sw_invalid(err, "Invalid parameter: %s: skywatch does not support this subscription attribute yet (no SQS dead-letter queues, Firehose or replay)", name);
    return sw_invalid(err, "Invalid parameter: AttributeName %s", name);
}

static void sw_default_policy(const sw_sns_topic *t, sw_buf *b) {
    sw_buf_printf(b,
                  "{\"Version\":\"2008-10-17\",\"Id\":\"__default_policy_ID\",\"Statement\":[{\"Sid\":\"__default_statement_ID\","
                  "\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":[\"SNS:GetTopicAttributes\",\"SNS:SetTopicAttributes\","
                  "\"SNS:AddPermission\",\"SNS:RemovePermission\",\"SNS:DeleteTopic\",\"SNS:Subscribe\",\"SNS:ListSubscriptionsByTopic\","
                  "\"SNS:Publish\"],\"Resource\":\"%s\",\"Condition\":{\"StringEquals\":{\"AWS:SourceOwner\":\"%s\"}}}]}",
                  t->arn, t->account);
}

/* ---------- topics ---------- */

static int sw_tags_check(const sw_value *tags, size_t existing, sw_error *err) {
    size_t n = tags && tags->type == SW_V_LIST ? tags->u.list.n : 0;
    if (existing + n > SW_SNS_MAX_TAGS)
        return sw_error_set_typed(err, 400, "TagLimitExceeded", "TagLimitExceededException", "Could not complete request: tag quota of per resource exceeded");
    for (size_t i = 0; i < n; i++) {
        const char *k = sw_v_get_str(tags->u.list.items[i], "Key", ""), *v = sw_v_get_str(tags->u.list.items[i], "Value", "");
        if (!*k || strlen(k) > 128 || strlen(v) > 256 || strncmp(k, "aws:", 4) == 0) return sw_invalid(err, "Invalid parameter: %s", "Tags");
    }
    return 0;
}

static void sw_tags_apply(sw_sns_attrs *dst, const sw_value *tags) {
    for (size_t i = 0; tags && tags->type == SW_V_LIST && i < tags->u.list.n; i++)
        sw_sns_attr_set(dst, sw_v_get_str(tags->u.list.items[i], "Key", ""), sw_v_get_str(tags->u.list.items[i], "Value", ""));
}

static int sw_create_topic(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_sns *s = ctx->sns;
    const char *name = sw_v_get_str(in, "Name", "");
    size_t nl = strlen(name);
    if (nl > 5 && strcmp(name + nl - 5, ".fifo") == 0)
        return sw_invalid(err, "Invalid parameter: %s: skywatch does not support FIFO topics", "Name");
    if (!sw_name_ok(name))
        return sw_invalid(err, "Invalid parameter: Topic Name");
    const sw_value *attrs = sw_v_get(in, "Attributes"), *tags = sw_v_get(in, "Tags");
    for (size_t i = 0; attrs && i < attrs->u.map.n; i++) {
        const sw_value *v = attrs->u.map.items[i].val;
        if (strcmp(attrs->u.map.items[i].key, "FifoTopic") == 0 && v->type == SW_V_STRING && strcmp(v->u.str.s, "false") == 0) continue;
        if (sw_check_topic_attr(attrs->u.map.items[i].key, v->type == SW_V_STRING ? v->u.str.s : "", err)) return -1;
    }
    if (sw_tags_check(tags, 0, err)) return -1;
    char arn[400];
    snprintf(arn, sizeof arn, "arn:aws:sns:%s:%s:%s", ctx->region, ctx->account, name);
    pthread_mutex_lock(&s->mu);
    sw_sns_topic *t = sw_sns_topic_find(s, arn);
    uint64_t lsn = 1;
    int rc = 0;
    if (t) {
        /* CreateTopic is idempotent, but "Topic already exists with different attributes" is an error. */
        for (size_t i = 0; attrs && i < attrs->u.map.n && !rc; i++) {
            const char *have = sw_sns_attr_get(&t->attrs, attrs->u.map.items[i].key);
            if (strcmp(attrs->u.map.items[i].key, "FifoTopic") == 0) continue;
            if (!have || strcmp(have, attrs->u.map.items[i].val->u.str.s) != 0)
                rc = sw_invalid(err, "Invalid parameter: Attributes Reason: Topic already exists with different attributes");
        }
        for (size_t i = 0; tags && !rc && i < tags->u.list.n; i++) {
            const char *have = sw_sns_attr_get(&t->tags, sw_v_get_str(tags->u.list.items[i], "Key", ""));
            if (!have || strcmp(have, sw_v_get_str(tags->u.list.items[i], "Value", "")) != 0)
                rc = sw_invalid(err, "Invalid parameter: Tags Reason: Topic already exists with different tags");
        }
    } else {
        t = sw_calloc(1, sizeof *t);
        t->arn = sw_strdup(arn), t->account = sw_strdup(ctx->account), t->region = sw_strdup(ctx->region), t->name = sw_strdup(name);
        for (size_t i = 0; attrs && i < attrs->u.map.n; i++)
            if (strcmp(attrs->u.map.items[i].key, "FifoTopic") != 0)
                sw_sns_attr_set(&t->attrs, attrs->u.map.items[i].key, attrs->u.map.items[i].val->u.str.s);
        sw_tags_apply(&t->tags, tags);
        lsn = sw_sns_store_put_topic(s, t);
    }
    pthread_mutex_unlock(&s->mu);
    if (rc || (lsn != 1 && sw_commit(ctx, lsn, err))) return -1;
    return sw_result(ctx, out, "TopicArn", arn, err);
}

static int sw_delete_topic(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_sns *s = ctx->sns;
    pthread_mutex_lock(&s->mu);
    sw_sns_topic *t = sw_topic_of(ctx, sw_v_get_str(in, "TopicArn", ""), "TopicArn", err);
    uint64_t lsn = t ? sw_sns_store_delete_topic(s, t->arn) : 1;
    pthread_mutex_unlock(&s->mu);
    /* Deleting a topic that does not exist succeeds ("This action is idempotent"). */
    if (!t && err->status != 404) return -1;
    return lsn == 1 ? 0 : sw_commit(ctx, lsn, err);
}

/* Page tokens are "<kind>1/<offset>" into the caller's listing. */
static int sw_page_start(const sw_value *in, const char *kind, size_t *start, sw_error *err) {
    const char *tok = sw_v_get_str(in, "NextToken", NULL);
    *start = 0;
    if (!tok) return 0;
    size_t kl = strlen(kind);
    char *end;
    if (strncmp(tok, kind, kl) != 0 || tok[kl] != '/' || !isdigit((unsigned char)tok[kl + 1])) return sw_invalid(err, "Invalid parameter: %s", "NextToken");
    unsigned long long v = strtoull(tok + kl + 1, &end, 10);
    if (*end || v > 1000000000ULL) return sw_invalid(err, "Invalid parameter: %s", "NextToken");
    *start = (size_t)v;
    return 0;
}

static int sw_page_token(sw_ctx *ctx, sw_value *out, const char *kind, size_t next, sw_error *err) {
    char tok[64];
    snprintf(tok, sizeof tok, "%s/%zu", kind, next);
    return sw_put(ctx, out, "NextToken", tok, err);
}

static int sw_list_topics(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_sns *s = ctx->sns;
    size_t start, seen = 0;
    if (sw_page_start(in, "t1", &start, err)) return -1;
    sw_value *list = sw_v_list(ctx->arena);
    int more = 0, bad = 0;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->ntopics; i++) {
        sw_sns_topic *t = s->topics[i];
        if (strcmp(t->account, ctx->account) || strcmp(t->region, ctx->region)) continue;
        if (seen++ < start) continue;
        if (list->u.list.n == SW_SNS_PAGE) { more = 1; break; }
        sw_value *m = sw_v_map(ctx->arena);
        bad |= !m || sw_put(ctx, m, "TopicArn", t->arn, err) || sw_v_list_push(ctx->arena, list, m);
    }
    pthread_mutex_unlock(&s->mu);
    *out = sw_v_map(ctx->arena);
    if (bad || sw_v_map_putc(ctx->arena, *out, "Topics", list)) return sw_error_set(err, 413, "RequestEntityTooLarge", "Response too large.");
    return more ? sw_page_token(ctx, *out, "t1", start + SW_SNS_PAGE, err) : 0;
}

static void sw_count_subs(sw_sns *s, const sw_sns_topic *t, int64_t *confirmed, int64_t *pending) {
    *confirmed = *pending = 0;
    for (size_t i = 0; i < s->nsubs; i++)
        if (strcmp(s->subs[i]->topic_arn, t->arn) == 0) (*(s->subs[i]->confirmed ? confirmed : pending))++;
}

static int sw_get_topic_attributes(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_sns *s = ctx->sns;
    pthread_mutex_lock(&s->mu);
    sw_sns_topic *t = sw_topic_of(ctx, sw_v_get_str(in, "TopicArn", ""), "TopicArn", err);
    int rc = -1;
    if (t) {
        sw_value *m = sw_v_map(ctx->arena);
        sw_buf policy, eff;
        sw_buf_init(&policy), sw_buf_init(&eff);
        const char *p = sw_sns_attr_get(&t->attrs, "Policy");
        if (p) sw_buf_puts(&policy, p);
        else sw_default_policy(t, &policy);
        sw_buf_putc(&policy, '\0');
        sw_sns_retry_policy rp;
        sw_sns_policy_default(&rp);
        const char *dp = sw_sns_attr_get(&t->attrs, "DeliveryPolicy");
        char why[256];
        if (dp) sw_sns_policy_parse(dp, strlen(dp), 1, &rp, why, sizeof why);
        sw_sns_policy_effective_json(&rp, &eff);
        sw_buf_putc(&eff, '\0');
        int64_t confirmed, pending;
        sw_count_subs(s, t, &confirmed, &pending);
        char nc[24], np[24], nd[24];
        snprintf(nc, sizeof nc, "%lld", (long long)confirmed);
        snprintf(np, sizeof np, "%lld", (long long)pending);
        snprintf(nd, sizeof nd, "%lld", (long long)t->subs_deleted);
        rc = sw_put(ctx, m, "TopicArn", t->arn, err) || sw_put(ctx, m, "Owner", t->account, err) ||
             sw_put(ctx, m, "DisplayName", sw_sns_attr_get(&t->attrs, "DisplayName") ? sw_sns_attr_get(&t->attrs, "DisplayName") : "", err) ||
             sw_put(ctx, m, "Policy", policy.data, err) || sw_put(ctx, m, "SubscriptionsConfirmed", nc, err) ||
             sw_put(ctx, m, "SubscriptionsPending", np, err) || sw_put(ctx, m, "SubscriptionsDeleted", nd, err) ||
             sw_put(ctx, m, "EffectiveDeliveryPolicy", eff.data, err);
        for (size_t i = 0; !rc && i < t->attrs.n; i++) {
            const char *k = t->attrs.items[i].key;
            if (strcmp(k, "Policy") && strcmp(k, "DisplayName")) rc = sw_put(ctx, m, k, t->attrs.items[i].val, err);
        }
        sw_buf_free(&policy), sw_buf_free(&eff);
        *out = sw_v_map(ctx->arena);
        if (!rc && sw_v_map_putc(ctx->arena, *out, "Attributes", m)) rc = sw_error_set(err, 413, "RequestEntityTooLarge", "Response too large.");
    }
    pthread_mutex_unlock(&s->mu);
    return rc ? -1 : 0;
}

static int sw_set_topic_attributes(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_sns *s = ctx->sns;
    const char *name = sw_v_get_str(in, "AttributeName", ""), *val = sw_v_get_str(in, "AttributeValue", "");
    if (sw_check_topic_attr(name, val, err)) return -1;
    pthread_mutex_lock(&s->mu);
    sw_sns_topic *t = sw_topic_of(ctx, sw_v_get_str(in, "TopicArn", ""), "TopicArn", err);
    uint64_t lsn = 0;
    if (t) {
        /* An empty DeliveryPolicy or Policy goes back to the default. */
        sw_sns_attr_set(&t->attrs, name, *val || strcmp(name, "DisplayName") == 0 ? val : NULL);
        lsn = sw_sns_store_put_topic(s, t);
    }
    pthread_mutex_unlock(&s->mu);
    return t ? sw_commit(ctx, lsn, err) : -1;
}

/* ---------- subscriptions ---------- */

static int sw_check_endpoint(sw_sns *s, const char *protocol, const char *endpoint, sw_error *err) {
    static const char *unsupported[] = {"sqs", "lambda", "sms", "application", "firehose"};
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
        if (strcmp(protocol, unsupported[i]) == 0)
            return sw_invalid(err, "Invalid parameter: skywatch delivers only to http, https, email and email-json endpoints; protocol %s is not supported", protocol);
    if (strcmp(protocol, "http") == 0 || strcmp(protocol, "https") == 0) {
        size_t pl = strlen(protocol);
        if (strncmp(endpoint, protocol, pl) != 0 || strncmp(endpoint + pl, "://", 3) != 0 || !endpoint[pl + 3])
            return sw_invalid(err, "Invalid parameter: Endpoint must match the specified protocol");
        return 0;
    }
    if (strcmp(protocol, "email") == 0 || strcmp(protocol, "email-json") == 0) {
        const char *at = strchr(endpoint, '@');
        if (!at || at == endpoint || !at[1] || strpbrk(endpoint, " \r\n<>,;")) return sw_invalid(err, "Invalid parameter: Email address");
        if (!s->smtp_url || !*s->smtp_url)
            return sw_invalid(err, "Invalid parameter: email subscriptions need an SMTP relay; set smtp_url (and smtp_from) in the skywatch config");
        return 0;
    }
    return sw_invalid(err, "Invalid parameter: Amazon SNS does not support this protocol string: %s", protocol);
}

static int sw_subscribe(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_sns *s = ctx->sns;
    const char *protocol = sw_v_get_str(in, "Protocol", ""), *endpoint = sw_v_get_str(in, "Endpoint", "");
    const sw_value *attrs = sw_v_get(in, "Attributes"), *ret = sw_v_get(in, "ReturnSubscriptionArn");
    int return_arn = ret && ret->type == SW_V_BOOL && ret->u.b;
    if (sw_check_endpoint(s, protocol, endpoint, err)) return -1;
    const char *scope = attrs ? sw_v_get_str(attrs, "FilterPolicyScope", NULL) : NULL;
    for (size_t i = 0; attrs && i < attrs->u.map.n; i++)
        if (sw_check_sub_attr(attrs->u.map.items[i].key, attrs->u.map.items[i].val->u.str.s, scope, err)) return -1;
    char arn[500];
    pthread_mutex_lock(&s->mu);
    sw_sns_topic *t = sw_topic_of(ctx, sw_v_get_str(in, "TopicArn", ""), "TopicArn", err);
    uint64_t lsn = 1;
    int confirmed = 0;
    if (t) {
        sw_sns_sub *sub = NULL;
        for (size_t i = 0; i < s->nsubs && !sub; i++)
            if (strcmp(s->subs[i]->topic_arn, t->arn) == 0 && strcmp(s->subs[i]->protocol, protocol) == 0 &&
                strcmp(s->subs[i]->endpoint, endpoint) == 0)
                sub = s->subs[i];
        if (!sub) {
            char id[37], token[65];
            sw_sns_uuid(id);
            sw_token(token);
            sub = sw_calloc(1, sizeof *sub);
            snprintf(arn, sizeof arn, "%s:%s", t->arn, id);
            sub->arn = sw_strdup(arn), sub->topic_arn = sw_strdup(t->arn), sub->owner = sw_strdup(ctx->account);
            sub->protocol = sw_strdup(protocol), sub->endpoint = sw_strdup(endpoint), sub->token = sw_strdup(token);
            for (size_t i = 0; attrs && i < attrs->u.map.n; i++)
                sw_sns_attr_set(&sub->attrs, attrs->u.map.items[i].key, attrs->u.map.items[i].val->u.str.s);
            lsn = sw_sns_store_put_sub(s, sub);
        }
        snprintf(arn, sizeof arn, "%s", sub->arn);
        confirmed = sub->confirmed;
        /* A repeated Subscribe of a pending endpoint sends the confirmation again. */
        if (!confirmed && lsn) lsn = sw_sns_queue_confirmation(s, sub, ctx->now_ms);
    }
    pthread_mutex_unlock(&s->mu);
    if (!t || (lsn != 1 && sw_commit(ctx, lsn, err))) return -1;
    sw_sns_deliver_wake(s);
    return sw_result(ctx, out, "SubscriptionArn", confirmed || return_arn ? arn : "pending confirmation", err);
}

/* Confirms the subscription of topic_arn whose token matches; s->mu held. Returns it or NULL. */
static sw_sns_sub *sw_confirm(sw_sns *s, const char *topic_arn, const char *token, uint64_t *lsn) {
    for (size_t i = 0; i < s->nsubs; i++) {
        sw_sns_sub *sub = s->subs[i];
        if (strcmp(sub->topic_arn, topic_arn) || strcmp(sub->token, token)) continue;
        *lsn = 1;
        if (!sub->confirmed) sub->confirmed = 1, *lsn = sw_sns_store_put_sub(s, sub);
        return sub;
    }
    return NULL;
}

static int sw_confirm_subscription(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_sns *s = ctx->sns;
    char arn[500] = "";
    uint64_t lsn = 0;
    pthread_mutex_lock(&s->mu);
    sw_sns_topic *t = sw_topic_of(ctx, sw_v_get_str(in, "TopicArn", ""), "TopicArn", err);
    sw_sns_sub *sub = t ? sw_confirm(s, t->arn, sw_v_get_str(in, "Token", ""), &lsn) : NULL;
    if (sub) snprintf(arn, sizeof arn, "%s", sub->arn);
    pthread_mutex_unlock(&s->mu);
    if (!t) return -1;
    if (!sub) return sw_invalid(err, "Invalid token");
    if (lsn != 1 && sw_commit(ctx, lsn, err)) return -1;
    return sw_result(ctx, out, "SubscriptionArn", arn, err);
}

/* Removes sub and counts it on its topic; s->mu held. Returns the lsn. */
static uint64_t sw_remove_sub(sw_sns *s, sw_sns_sub *sub) {
    sw_sns_topic *t = sw_sns_topic_find(s, sub->topic_arn);
    uint64_t lsn = sw_sns_store_delete_sub(s, sub->arn);
    if (t && lsn) t->subs_deleted++, lsn = sw_sns_store_put_topic(s, t);
    return lsn;
}

static int sw_unsubscribe(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_sns *s = ctx->sns;
    pthread_mutex_lock(&s->mu);
    sw_sns_sub *sub = sw_sub_of(ctx, sw_v_get_str(in, "SubscriptionArn", ""), err);
    uint64_t lsn = sub ? sw_remove_sub(s, sub) : 0;
    pthread_mutex_unlock(&s->mu);
    return sub ? sw_commit(ctx, lsn, err) : -1;
}

static int sw_sub_item(sw_ctx *ctx, sw_value *list, const sw_sns_sub *sub, sw_error *err) {
    sw_value *m = sw_v_map(ctx->arena);
    if (!m || sw_put(ctx, m, "SubscriptionArn", sub->confirmed ? sub->arn : "PendingConfirmation", err) ||
        sw_put(ctx, m, "Owner", sub->owner, err) || sw_put(ctx, m, "Protocol", sub->protocol, err) ||
        sw_put(ctx, m, "Endpoint", sub->endpoint, err) || sw_put(ctx, m, "TopicArn", sub->topic_arn, err) ||
        sw_v_list_push(ctx->arena, list, m))
        return sw_error_set(err, 413, "RequestEntityTooLarge", "Response too large.");
    return 0;
}

/* ListSubscriptions (topic NULL: every subscription of the caller) and ListSubscriptionsByTopic. */
static int sw_list_subs(sw_ctx *ctx, const sw_value *in, const sw_sns_topic *topic, sw_value **out, sw_error *err) {
    sw_sns *s = ctx->sns;
    size_t start, seen = 0;
    if (sw_page_start(in, "s1", &start, err)) return -1;
    sw_value *list = sw_v_list(ctx->arena);
    int more = 0, rc = 0;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "arn:aws:sns:%s:%s:", ctx->region, ctx->account);
    for (size_t i = 0; i < s->nsubs && !rc; i++) {
        sw_sns_sub *sub = s->subs[i];
        if (topic ? strcmp(sub->topic_arn, topic->arn) != 0 : strncmp(sub->arn, prefix, strlen(prefix)) != 0) continue;
        if (seen++ < start) continue;
        if (list->u.list.n == SW_SNS_PAGE) { more = 1; break; }
        rc = sw_sub_item(ctx, list, sub, err);
    }
    if (rc) return -1;
    *out = sw_v_map(ctx->arena);
    if (sw_v_map_putc(ctx->arena, *out, "Subscriptions", list)) return sw_error_set(err, 413, "RequestEntityTooLarge", "Response too large.");
    return more ? sw_page_token(ctx, *out, "s1", start + SW_SNS_PAGE, err) : 0;
}

static int sw_list_subscriptions(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    pthread_mutex_lock(&ctx->sns->mu);
    int rc = sw_list_subs(ctx, in, NULL, out, err);
    pthread_mutex_unlock(&ctx->sns->mu);
    return rc;
}

static int sw_list_subscriptions_by_topic(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    pthread_mutex_lock(&ctx->sns->mu);
    sw_sns_topic *t = sw_topic_of(ctx, sw_v_get_str(in, "TopicArn", ""), "TopicArn", err);
    int rc = t ? sw_list_subs(ctx, in, t, out, err) : -1;
    pthread_mutex_unlock(&ctx->sns->mu);
    return rc;
}

static int sw_get_subscription_attributes(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_sns *s = ctx->sns;
    pthread_mutex_lock(&s->mu);
    sw_sns_sub *sub = sw_sub_of(ctx, sw_v_get_str(in, "SubscriptionArn", ""), err);
    int rc = -1;
    if (sub) {
        sw_value *m = sw_v_map(ctx->arena);
        sw_sns_retry_policy p;
        sw_sns_effective_policy(s, sub, &p);
        sw_buf eff;
        sw_buf_init(&eff);
        sw_buf_printf(&eff, "{\"healthyRetryPolicy\":{\"minDelayTarget\":%d,\"maxDelayTarget\":%d,\"numRetries\":%d,\"numMaxDelayRetries\":%d,"
                            "\"numNoDelayRetries\":%d,\"numMinDelayRetries\":%d,\"backoffFunction\":\"%s\"}",
                      p.min_delay_s, p.max_delay_s, p.num_retries, p.num_max_delay, p.num_no_delay, p.num_min_delay, p.backoff);
        if (p.max_receives_per_sec) sw_buf_printf(&eff, ",\"throttlePolicy\":{\"maxReceivesPerSecond\":%d}", p.max_receives_per_sec);
        sw_buf_puts(&eff, "}");
        const char *raw = sw_sns_attr_get(&sub->attrs, "RawMessageDelivery");
        rc = sw_put(ctx, m, "SubscriptionArn", sub->arn, err) || sw_put(ctx, m, "TopicArn", sub->topic_arn, err) ||
             sw_put(ctx, m, "Owner", sub->owner, err) || sw_put(ctx, m, "Protocol", sub->protocol, err) ||
             sw_put(ctx, m, "Endpoint", sub->endpoint, err) || sw_put(ctx, m, "ConfirmationWasAuthenticated", "false", err) ||
             sw_put(ctx, m, "PendingConfirmation", sub->confirmed ? "false" : "true", err) ||
             sw_put(ctx, m, "RawMessageDelivery", raw ? raw : "false", err) ||
             (strncmp(sub->protocol, "email", 5) != 0 && sw_put(ctx, m, "EffectiveDeliveryPolicy", eff.data, err));
        const char *dp = sw_sns_attr_get(&sub->attrs, "DeliveryPolicy"), *fp = sw_sns_attr_get(&sub->attrs, "FilterPolicy");
        const char *scope = sw_sns_attr_get(&sub->attrs, "FilterPolicyScope");
        if (!rc && dp) rc = sw_put(ctx, m, "DeliveryPolicy", dp, err);
        if (!rc && fp) rc = sw_put(ctx, m, "FilterPolicy", fp, err) ||
                            sw_put(ctx, m, "FilterPolicyScope", scope ? scope : "MessageAttributes", err);
        sw_buf_free(&eff);
        *out = sw_v_map(ctx->arena);
        if (!rc && sw_v_map_putc(ctx->arena, *out, "Attributes", m)) rc = sw_error_set(err, 413, "RequestEntityTooLarge", "Response too large.");
    }
    pthread_mutex_unlock(&s->mu);
    return rc ? -1 : 0;
}

static int sw_set_subscription_attributes(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_sns *s = ctx->sns;
    const char *name = sw_v_get_str(in, "AttributeName", ""), *val = sw_v_get_str(in, "AttributeValue", "");
    int filter = strcmp(name, "FilterPolicy") == 0 || strcmp(name, "FilterPolicyScope") == 0;
    if (!filter && sw_check_sub_attr(name, *val || strcmp(name, "DeliveryPolicy") ? val : "{}", NULL, err)) return -1;
    pthread_mutex_lock(&s->mu);
    sw_sns_sub *sub = sw_sub_of(ctx, sw_v_get_str(in, "SubscriptionArn", ""), err);
    uint64_t lsn = 0;
    int rc = sub ? 0 : -1;
    if (sub && filter) {
        /* A policy is checked against the scope it will have, a scope against the policy already set. */
        const char *policy = strcmp(name, "FilterPolicy") == 0 ? val : sw_sns_attr_get(&sub->attrs, "FilterPolicy");
        const char *scope = strcmp(name, "FilterPolicyScope") == 0 ? val : sw_sns_attr_get(&sub->attrs, "FilterPolicyScope");
        rc = (strcmp(name, "FilterPolicyScope") == 0 && sw_check_sub_attr(name, val, NULL, err)) ||
             sw_check_sub_attr("FilterPolicy", policy ? policy : "", scope, err) ? -1 : 0;
    }
    if (!rc) {
        sw_sns_attr_set(&sub->attrs, name, *val ? val : NULL);
        lsn = sw_sns_store_put_sub(s, sub);
    }
    pthread_mutex_unlock(&s->mu);
    return rc ? -1 : sw_commit(ctx, lsn, err);
}

/* ---------- publishing ---------- */

/* "Subject ... must be ASCII text that begins with a letter, number, or punctuation mark; must not include
 * line breaks or control characters; and must be less than 100 characters long." */
static int sw_subject_ok(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > SW_SNS_MAX_SUBJECT || s[0] == ' ') return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) return 0;
    return 1;
}

static int sw_attr_name_ok(const char *n) {
    size_t len = strlen(n);
    if (len == 0 || len > 256 || n[0] == '.' || n[len - 1] == '.' || strstr(n, "..") || strncasecmp(n, "AWS.", 4) == 0 ||
        strncasecmp(n, "Amazon.", 7) == 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)n[i]) && n[i] != '_' && n[i] != '-' && n[i] != '.') return 0;
    return 1;
}

/* MessageAttributes (name -> {DataType, StringValue | BinaryValue}); adds their size to *bytes. */
static int sw_check_attributes(const sw_value *attrs, size_t *bytes, sw_error *err) {
    if (!attrs) return 0;
    char msg[600];
    if (attrs->u.map.n > SW_SNS_MAX_ATTRIBUTES) {
        snprintf(msg, sizeof msg, "Number of message attributes [%zu] exceeds the allowed maximum [%d].", attrs->u.map.n, SW_SNS_MAX_ATTRIBUTES);
        return sw_value_invalid(err, msg);
    }
    for (size_t i = 0; i < attrs->u.map.n; i++) {
        const char *name = attrs->u.map.items[i].key;
        const sw_value *v = attrs->u.map.items[i].val;
        const char *type = sw_v_get_str(v, "DataType", "");
        const sw_value *sv = sw_v_get(v, "StringValue"), *bv = sw_v_get(v, "BinaryValue");
        if (!sw_attr_name_ok(name)) {
            snprintf(msg, sizeof msg, "The message attribute name '%.256s' is invalid.", name);
            return sw_value_invalid(err, msg);
        }
        int is_binary = strncmp(type, "Binary", 6) == 0 && (!type[6] || type[6] == '.');
        int is_string = (strncmp(type, "String", 6) == 0 && (!type[6] || type[6] == '.')) ||
                        (strncmp(type, "Number", 6) == 0 && (!type[6] || type[6] == '.'));
        if (!is_binary && !is_string) {
            snprintf(msg, sizeof msg, "The message attribute '%.256s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name);
            return sw_value_invalid(err, msg);
        }
        const sw_value *val = is_binary ? bv : sv;
        if (!val || val->u.str.len == 0) {
            snprintf(msg, sizeof msg, "The message attribute '%.256s' must contain non-empty message attribute value for message attribute type '%.64s'.", name, type);
            return sw_value_invalid(err, msg);
        }
        if (strncmp(type, "Number", 6) == 0) {
            char *end;
            strtod(sv->u.str.s, &end);
            if (*end || end == sv->u.str.s) {
                snprintf(msg, sizeof msg, "Could not cast message attribute '%.256s' value to number.", name);
                return sw_value_invalid(err, msg);
            }
        }
        *bytes += strlen(name) + strlen(type) + val->u.str.len;
    }
    return 0;
}

typedef struct sw_pub {
    const char *subject, *message, *structure;
    const sw_value *attrs;
    const sw_value *group_id, *dedup_id;
} sw_pub;

/* Validates one message as Publish and each PublishBatch entry do; returns -1 with err set. */
static int sw_check_message(sw_ctx *ctx, const sw_pub *p, sw_error *err) {
    char msg[300];
    size_t bytes = strlen(p->message);
    if (p->group_id) return sw_invalid(err, "Invalid parameter: %s Reason: The request includes MessageGroupId parameter that is not valid for this topic type", "MessageGroupId");
    if (p->dedup_id) return sw_invalid(err, "Invalid parameter: %s Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type", "MessageDeduplicationId");
    if (!*p->message) return sw_invalid(err, "Invalid parameter: Empty message");
    if (p->subject && !sw_subject_ok(p->subject)) return sw_invalid(err, "Invalid parameter: %s", "Subject");
    if (sw_check_attributes(p->attrs, &bytes, err)) return -1;
    if (bytes > SW_SNS_MAX_MESSAGE) return sw_invalid(err, "Invalid parameter: Message too long");
    if (p->structure) {
        const char *def;
        if (strcmp(p->structure, "json") != 0) return sw_invalid(err, "Invalid parameter: %s", "MessageStructure");
        if (sw_sns_message_for_protocol(ctx->arena, p->message, strlen(p->message), NULL, &def, msg, sizeof msg))
            return sw_invalid(err, "%s", msg);
    }
    return 0;
}

/* Queues p for topic t's subscribers (s->mu held); returns the lsn, msgid filled. */
static uint64_t sw_publish_locked(sw_sns *s, const sw_sns_topic *t, const sw_pub *p, int64_t now, char msgid[37]) {
    size_t n;
    sw_sns_uuid(msgid);
    return sw_sns_queue_publish(s, t, msgid, p->subject, p->message, p->structure ? p->message : NULL, p->attrs, now, &n);
}

/* After the records are durable: wake delivery and count the publish. */
static void sw_published(sw_sns *s, const char *account, const char *region, const char *topic_arn, size_t count, int64_t now) {
    sw_arn a;
    sw_sns_deliver_wake(s);
    if (sw_arn_parse(topic_arn, &a) == 0) sw_sns_metric(s, account, region, a.name, "NumberOfMessagesPublished", (double)count, now);
}

static sw_pub sw_pub_of(const sw_value *in) {
    return (sw_pub){sw_v_get_str(in, "Subject", NULL), sw_v_get_str(in, "Message", ""), sw_v_get_str(in, "MessageStructure", NULL),
                    sw_v_get(in, "MessageAttributes"), sw_v_get(in, "MessageGroupId"), sw_v_get(in, "MessageDeduplicationId")};
}

static int sw_publish(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_sns *s = ctx->sns;
    const char *topic = sw_v_get_str(in, "TopicArn", NULL), *target = sw_v_get_str(in, "TargetArn", NULL);
    if (sw_v_get(in, "PhoneNumber")) return sw_invalid(err, "Invalid parameter: %s: skywatch does not send SMS", "PhoneNumber");
    if (topic && target) return sw_invalid(err, "Invalid parameter: %s Reason: Only one of TopicArn or TargetArn may be specified", "TopicArn or TargetArn");
    if (!topic && !target) return sw_invalid(err, "Invalid parameter: %s Reason: One of TopicArn, TargetArn or PhoneNumber must be specified", "TopicArn or TargetArn");
    sw_pub p = sw_pub_of(in);
    if (sw_check_message(ctx, &p, err)) return -1;
    char msgid[37];
    pthread_mutex_lock(&s->mu);
    sw_sns_topic *t = sw_topic_of(ctx, topic ? topic : target, topic ? "TopicArn" : "TargetArn", err);
    uint64_t lsn = t ? sw_publish_locked(s, t, &p, ctx->now_ms, msgid) : 0;
    char arn[400] = "";
    if (t) snprintf(arn, sizeof arn, "%s", t->arn);
    pthread_mutex_unlock(&s->mu);
    if (!t || (lsn != 1 && sw_commit(ctx, lsn, err))) return -1;
    sw_published(s, ctx->account, ctx->region, arn, 1, ctx->now_ms);
    return sw_result(ctx, out, "MessageId", msgid, err);
}

static int sw_batch_id_ok(const char *id) {
    size_t n = strlen(id);
    if (n == 0 || n > 80) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)id[i]) && id[i] != '-' && id[i] != '_') return 0;
    return 1;
}

static int sw_batch_failed(sw_ctx *ctx, sw_value *failed, const char *id, const sw_error *e) {
    sw_value *m = sw_v_map(ctx->arena);
    sw_error tmp;
    return !m || sw_put(ctx, m, "Id", id, &tmp) || sw_put(ctx, m, "Code", e->code, &tmp) || sw_put(ctx, m, "Message", e->message, &tmp) ||
           sw_v_map_putc(ctx->arena, m, "SenderFault", sw_v_bool(ctx->arena, e->sender)) || sw_v_list_push(ctx->arena, failed, m);
}

static int sw_publish_batch(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_sns *s = ctx->sns;
    const sw_value *entries = sw_v_get(in, "PublishBatchRequestEntries");
    size_t n = entries ? entries->u.list.n : 0, total = 0;
    if (n == 0) return sw_error_set_typed(err, 400, "EmptyBatchRequest", "EmptyBatchRequestException", "The batch request doesn't contain any entries.");
    if (n > SW_SNS_MAX_BATCH)
        return sw_error_set_typed(err, 400, "TooManyEntriesInBatchRequest", "TooManyEntriesInBatchRequestException", "The batch request contains more entries than permissible.");
    for (size_t i = 0; i < n; i++) {
        const char *id = sw_v_get_str(entries->u.list.items[i], "Id", "");
        if (!sw_batch_id_ok(id))
            return sw_error_set_typed(err, 400, "InvalidBatchEntryId", "InvalidBatchEntryIdException", "The Id of a batch entry in a batch request doesn't abide by the specification.");
        for (size_t k = 0; k < i; k++)
            if (strcmp(id, sw_v_get_str(entries->u.list.items[k], "Id", "")) == 0)
                return sw_error_set_typed(err, 400, "BatchEntryIdsNotDistinct", "BatchEntryIdsNotDistinctException", "Two or more batch entries in the request have the same Id.");
        total += strlen(sw_v_get_str(entries->u.list.items[i], "Message", ""));
    }
    if (total > SW_SNS_MAX_MESSAGE)
        return sw_error_set_typed(err, 400, "BatchRequestTooLong", "BatchRequestTooLongException", "The length of all the batch messages put together is more than the limit.");
    sw_value *ok = sw_v_list(ctx->arena), *failed = sw_v_list(ctx->arena);
    uint64_t lsn = 1;
    size_t published = 0;
    char arn[400] = "";
    pthread_mutex_lock(&s->mu);
    sw_sns_topic *t = sw_topic_of(ctx, sw_v_get_str(in, "TopicArn", ""), "TopicArn", err);
    if (t) snprintf(arn, sizeof arn, "%s", t->arn);
    for (size_t i = 0; t && i < n && lsn; i++) {
        const sw_value *e = entries->u.list.items[i];
        const char *id = sw_v_get_str(e, "Id", "");
        sw_pub p = sw_pub_of(e);
        sw_error perr = {0};
        char msgid[37];
        if (sw_check_message(ctx, &p, &perr)) {
            if (sw_batch_failed(ctx, failed, id, &perr)) lsn = 0;
            continue;
        }
        uint64_t l = sw_publish_locked(s, t, &p, ctx->now_ms, msgid);
        if (l != 1) lsn = l;
        published++;
        sw_value *m = sw_v_map(ctx->arena);
        sw_error tmp;
        if (!m || sw_put(ctx, m, "Id", id, &tmp) || sw_put(ctx, m, "MessageId", msgid, &tmp) || sw_v_list_push(ctx->arena, ok, m)) lsn = 0;
    }
    pthread_mutex_unlock(&s->mu);
    if (!t || (lsn != 1 && sw_commit(ctx, lsn, err))) return -1;
    sw_published(s, ctx->account, ctx->region, arn, published, ctx->now_ms);
    *out = sw_v_map(ctx->arena);
    if (sw_v_map_putc(ctx->arena, *out, "Successful", ok) || sw_v_map_putc(ctx->arena, *out, "Failed", failed))
        return sw_error_set(err, 413, "RequestEntityTooLarge", "Response too large.");
    return 0;
}

int sw_sns_publish_internal(sw_sns *s, const char *account, const char *region, const char *topic_arn, const char *subject,
                            const char *message, char msgid[37], char *err, size_t errlen) {
    sw_pub p = {.subject = subject, .message = message};
    int64_t now = sw_clock_now_ms();
    pthread_mutex_lock(&s->mu);
    sw_sns_topic *t = sw_sns_topic_find(s, topic_arn);
    if (t && (strcmp(t->account, account) || strcmp(t->region, region))) t = NULL;
    uint64_t lsn = t ? sw_publish_locked(s, t, &p, now, msgid) : 0;
    pthread_mutex_unlock(&s->mu);
    if (!t) return snprintf(err, errlen, "Topic does not exist"), -1;
    if (lsn != 1 && sw_sns_store_sync(s, lsn)) return snprintf(err, errlen, "The SNS store failed to write durably."), -1;
    sw_published(s, account, region, topic_arn, 1, now);
    return 0;
}

/* ---------- tags ---------- */

static int sw_tag_resource(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_sns *s = ctx->sns;
    const sw_value *tags = sw_v_get(in, "Tags");
    pthread_mutex_lock(&s->mu);
    sw_sns_topic *t = sw_topic_of(ctx, sw_v_get_str(in, "ResourceArn", ""), "ResourceArn", err);
    uint64_t lsn = 0;
    int rc = -1;
    if (t) {
        size_t fresh = 0;
        for (size_t i = 0; tags && i < tags->u.list.n; i++) fresh += !sw_sns_attr_get(&t->tags, sw_v_get_str(tags->u.list.items[i], "Key", ""));
        sw_value none = {.type = SW_V_LIST};
        rc = sw_tags_check(tags, 0, err) || sw_tags_check(&none, t->tags.n + fresh, err) ? -1 : 0;
        if (!rc) sw_tags_apply(&t->tags, tags), lsn = sw_sns_store_put_topic(s, t);
    } else if (err->status == 404) {
        sw_error_set_typed(err, 404, "ResourceNotFound", "ResourceNotFoundException", "Resource does not exist");
    }
    pthread_mutex_unlock(&s->mu);
    return rc ? -1 : sw_commit(ctx, lsn, err);
}

static int sw_untag_resource(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_sns *s = ctx->sns;
    const sw_value *keys = sw_v_get(in, "TagKeys");
    pthread_mutex_lock(&s->mu);
    sw_sns_topic *t = sw_topic_of(ctx, sw_v_get_str(in, "ResourceArn", ""), "ResourceArn", err);
    uint64_t lsn = 0;
    if (t) {
        for (size_t i = 0; keys && i < keys->u.list.n; i++)
            if (keys->u.list.items[i]->type == SW_V_STRING) sw_sns_attr_set(&t->tags, keys->u.list.items[i]->u.str.s, NULL);
        lsn = sw_sns_store_put_topic(s, t);
    } else if (err->status == 404) {
        sw_error_set_typed(err, 404, "ResourceNotFound", "ResourceNotFoundException", "Resource does not exist");
    }
    pthread_mutex_unlock(&s->mu);
    return t ? sw_commit(ctx, lsn, err) : -1;
}

static int sw_list_tags_for_resource(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {
    sw_sns *s = ctx->sns;
    pthread_mutex_lock(&s->mu);
    sw_sns_topic *t = sw_topic_of(ctx, sw_v_get_str(in, "ResourceArn", ""), "ResourceArn", err);
    int rc = -1;
    if (t) {
        sw_value *list = sw_v_list(ctx->arena);
        rc = 0;
        for (size_t i = 0; i < t->tags.n && !rc; i++) {
            sw_value *m = sw_v_map(ctx->arena);
            rc = !m || sw_put(ctx, m, "Key", t->tags.items[i].key, err) || sw_put(ctx, m, "Value", t->tags.items[i].val, err) ||
                 sw_v_list_push(ctx->arena, list, m);
        }
        *out = sw_v_map(ctx->arena);
        if (!rc && sw_v_map_putc(ctx->arena, *out, "Tags", list)) rc = -1;
        if (rc && !err->status) sw_error_set(err, 413, "RequestEntityTooLarge", "Response too large.");
    } else if (err->status == 404) {
        sw_error_set_typed(err, 404, "ResourceNotFound", "ResourceNotFoundException", "Resource does not exist");
    }
    pthread_mutex_unlock(&s->mu);
    return rc ? -1 : 0;
}

/* ---------- the service ---------- */

extern const char sw_model_sns[], sw_model_sns_end[];

/* Every handler needs the running SNS; the wrapper answers cleanly when serve did not open it. */
#define SW_SNS_HANDLER(fn)                                                                        \
    static int fn##_h(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err) {            \
        return ctx->sns ? fn(ctx, in, out, err) : sw_no_sns(err);                                  \
    }
SW_SNS_HANDLER(sw_create_topic)
SW_SNS_HANDLER(sw_delete_topic)
SW_SNS_HANDLER(sw_list_topics)
SW_SNS_HANDLER(sw_get_topic_attributes)
SW_SNS_HANDLER(sw_set_topic_attributes)
SW_SNS_HANDLER(sw_subscribe)
SW_SNS_HANDLER(sw_confirm_subscription)
SW_SNS_HANDLER(sw_unsubscribe)
SW_SNS_HANDLER(sw_list_subscriptions)
SW_SNS_HANDLER(sw_list_subscriptions_by_topic)
SW_SNS_HANDLER(sw_get_subscription_attributes)
SW_SNS_HANDLER(sw_set_subscription_attributes)
SW_SNS_HANDLER(sw_publish)
SW_SNS_HANDLER(sw_publish_batch)
SW_SNS_HANDLER(sw_tag_resource)
SW_SNS_HANDLER(sw_untag_resource)
SW_SNS_HANDLER(sw_list_tags_for_resource)

static const sw_handler sw_sns_handlers[] = {
    {"ConfirmSubscription", sw_confirm_subscription_h},
    {"CreateTopic", sw_create_topic_h},
    {"DeleteTopic", sw_delete_topic_h},
    {"GetSubscriptionAttributes", sw_get_subscription_attributes_h},
    {"GetTopicAttributes", sw_get_topic_attributes_h},
    {"ListSubscriptions", sw_list_subscriptions_h},
    {"ListSubscriptionsByTopic", sw_list_subscriptions_by_topic_h},
    {"ListTagsForResource", sw_list_tags_for_resource_h},
    {"ListTopics", sw_list_topics_h},
    {"Publish", sw_publish_h},
    {"PublishBatch", sw_publish_batch_h},
    {"SetSubscriptionAttributes", sw_set_subscription_attributes_h},
    {"SetTopicAttributes", sw_set_topic_attributes_h},
    {"Subscribe", sw_subscribe_h},
    {"TagResource", sw_tag_resource_h},
    {"Unsubscribe", sw_unsubscribe_h},
    {"UntagResource", sw_untag_resource_h},
};

static sw_service sw_sns_svc = {
    .signing_name = "sns",
    .handlers = sw_sns_handlers,
    .nhandlers = sizeof sw_sns_handlers / sizeof sw_sns_handlers[0],
    .query = 1,
    .validation_code = "InvalidParameter",
    /* A 256 KiB message form-encoded can triple in size; PublishBatch carries ten of them in total 256 KiB. */
    .max_request_bytes = 2 << 20,
};

static void sw_sns_init(void) { sw_service_init(&sw_sns_svc, sw_model_sns, sw_model_sns_end); }

const sw_service *sw_sns_service(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sw_sns_init);
    return &sw_sns_svc;
}

/* ---------- open, close ---------- */

sw_sns *sw_sns_open(const sw_sns_options *opt, char *err, size_t errlen) {
    sw_sns *s = sw_calloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_rwlock_init(&s->wal_rw, NULL);
    s->dir = sw_strdup(opt->dir);
    s->public_url = sw_strdup(opt->public_url ? opt->public_url : "");
    s->smtp_url = sw_strdup(opt->smtp_url ? opt->smtp_url : "");
    s->smtp_from = sw_strdup(opt->smtp_from ? opt->smtp_from : "");
    s->metrics = opt->metrics;
    s->manual_clock = opt->manual_clock;
    size_t ul = strlen(s->public_url);
    while (ul && s->public_url[ul - 1] == '/') s->public_url[--ul] = '\0';
    if (sw_sns_store_open(s, err, errlen) || !(s->signer = sw_sns_signer_open(s->dir, err, errlen)) ||
        sw_sns_deliver_start(s, err, errlen)) {
        sw_sns_close(s);
        return NULL;
    }
    return s;
}

void sw_sns_close(sw_sns *s) {
    if (!s) return;
    sw_sns_deliver_stop(s);
    sw_sns_store_close(s);
    sw_sns_signer_close(s->signer);
    sw_free(s->dir), sw_free(s->public_url), sw_free(s->smtp_url), sw_free(s->smtp_from);
    pthread_rwlock_destroy(&s->wal_rw);
    pthread_mutex_destroy(&s->mu);
    sw_free(s);
}

/* ---------- unsigned requests: SubscribeURL, UnsubscribeURL, SigningCertURL ---------- */

static void sw_public_xml(sw_http_response *resp, const char *action, const char *result_key, const char *result) {
    resp->status = 200;
    resp->content_type = "text/xml";
    sw_buf_printf(&resp->body, "<%sResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">", action);
    if (result_key) {
        sw_buf_printf(&resp->body, "<%sResult><%s>", action, result_key);
        sw_xml_escape(&resp->body, result, strlen(result));
        sw_buf_printf(&resp->body, "</%s></%sResult>", result_key, action);
    }
    sw_buf_printf(&resp->body, "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>", resp->request_id, action);
}

static void sw_public_error(sw_http_response *resp, int status, const char *code, const char *msg) {
    resp->status = status;
    resp->content_type = "text/xml";
    sw_buf_printf(&resp->body, "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender</Type><Code>%s</Code><Message>", code);
    sw_xml_escape(&resp->body, msg, strlen(msg));
    sw_buf_printf(&resp->body, "</Message></Error><RequestId>%s</RequestId></ErrorResponse>", resp->request_id);
}

static void sw_public_action(sw_sns *s, const sw_value *q, const char *action, sw_http_response *resp) {
    char arn[500] = "";
    uint64_t lsn = 0;
    snprintf(resp->operation, sizeof resp->operation, "%s", action);
    pthread_mutex_lock(&s->mu);
    sw_sns_sub *sub = NULL;
    if (strcmp(action, "ConfirmSubscription") == 0) {
        sub = sw_confirm(s, sw_v_get_str(q, "TopicArn", ""), sw_v_get_str(q, "Token", ""), &lsn);
    } else {
        sub = sw_sns_sub_find(s, sw_v_get_str(q, "SubscriptionArn", ""));
        if (sub) snprintf(arn, sizeof arn, "%s", sub->arn), lsn = sw_remove_sub(s, sub);
    }
    if (sub && strcmp(action, "ConfirmSubscription") == 0) snprintf(arn, sizeof arn, "%s", sub->arn);
    pthread_mutex_unlock(&s->mu);
    if (!sub) {
        if (strcmp(action, "ConfirmSubscription") == 0) sw_public_error(resp, 400, "InvalidParameter", "Invalid token");
        else sw_public_error(resp, 404, "NotFound", "Subscription does not exist");
        return;
    }
    if (lsn != 1 && sw_sns_store_sync(s, lsn)) {
        sw_public_error(resp, 500, "InternalError", "The SNS store failed to write durably.");
        return;
    }
    if (strcmp(action, "ConfirmSubscription") == 0) sw_public_xml(resp, action, "SubscriptionArn", arn);
    else sw_public_xml(resp, action, NULL, NULL);
}

int sw_sns_public_request(sw_server *srv, const sw_http_request *req, sw_http_response *resp) {
    sw_sns *s = srv->sns;
    if (!s || strcmp(req->method, "GET") != 0) return 0;
    resp->protocol = "sns-public";
    if (req->path_len == strlen(SW_SNS_CERT_PATH) && memcmp(req->path, SW_SNS_CERT_PATH, req->path_len) == 0) {
        snprintf(resp->operation, sizeof resp->operation, "SigningCert");
        resp->status = 200;
        resp->content_type = "application/x-x509-ca-cert";
        sw_buf_puts(&resp->body, sw_sns_signer_cert_pem(s->signer));
        return 1;
    }
    /* Signed requests (header or presigned query) go through the normal pipeline. */
    if (sw_header_get(req, "authorization", NULL) || (req->query && memmem(req->query, req->query_len, "X-Amz-Signature=", 16)))
        return 0;
    sw_arena a;
    sw_arena_init(&a, 1 << 20);
    sw_value *q = NULL;
    char why[128];
    const char *action = NULL;
    int handled = 0;
    if (req->query && sw_form_decode(&a, req->query, req->query_len, &q, why, sizeof why) == 0)
        action = sw_v_get_str(q, "Action", NULL);
    if (action && (strcmp(action, "ConfirmSubscription") == 0 || strcmp(action, "Unsubscribe") == 0)) {
        sw_public_action(s, q, action, resp);
        handled = 1;
    }
    sw_arena_free(&a);
    if (!handled) resp->protocol = NULL;
    return handled;
}
