/* sns_deliver.c -- the delivery queue's producer and consumer: renders confirmations and notifications
 * per subscription into the durable queue, and a delivery thread (plus the "sns-delivery" scheduler
 * task, so a manual clock drives retries deterministically) POSTs them with libcurl or sends them
 * through the SMTP relay, retrying by the HTTP/S delivery policy on the one clock. At-least-once: a
 * delivery leaves the queue only after a 2xx (or an accepted mail), or when its policy gives up. */
#include "alloc.h"
#include "clock.h"
#include "log.h"
#include "scheduler.h"
#include "sns_filter.h"
#include "sns_int.h"
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SW_SNS_MAX_IN_FLIGHT 256       /* transfers in flight at once */
#define SW_SNS_SYNC_WAIT_S 30          /* longest a manual-clock step waits for due deliveries (> the HTTP timeout) */
#define SW_SNS_HTTP_TIMEOUT_MS 15000   /* AWS waits 15 s for an HTTP/S endpoint to answer */
#define SW_SNS_CONNECT_TIMEOUT_MS 5000
#define SW_SNS_IDLE_POLL_MS 100        /* the thread re-reads the clock this often (a manual clock moves under it) */
#define SW_SNS_USER_AGENT "Amazon Simple Notification Service Agent"

/* ---------- policy and metrics ---------- */

void sw_sns_effective_policy(sw_sns *s, const sw_sns_sub *sub, sw_sns_retry_policy *p) {
    char err[256];
    sw_sns_policy_default(p);
    const sw_sns_topic *t = sw_sns_topic_find(s, sub->topic_arn);
    const char *tp = t ? sw_sns_attr_get(&t->attrs, "DeliveryPolicy") : NULL, *sp = sw_sns_attr_get(&sub->attrs, "DeliveryPolicy");
    /* Both were validated when set; a failure here leaves the default (or the topic's) in force. */
    if (tp) sw_sns_policy_parse(tp, strlen(tp), 1, p, err, sizeof err);
    if (sp) sw_sns_policy_parse(sp, strlen(sp), 0, p, err, sizeof err);
}

void sw_sns_metric(sw_sns *s, const char *account, const char *region, const char *topic, const char *name, double count,
                   int64_t now) {
    if (!s->metrics || count <= 0) return;
    sw_dim dim = {"TopicName", topic};
    sw_datum d = {.id = {account, region, "AWS/SNS", name, &dim, 1}, .unit = "Count", .t = (uint32_t)(now / 1000),
                  .kind = SW_SAMPLE_SET, .count = count, .sum = count, .min = 1, .max = 1};
    if (sw_metrics_put(s->metrics, &d, 1)) sw_log("error", "sns metric not stored", "\"metric\":\"%s\"", name);
}

/* ---------- producing ---------- */

static int sw_is_email(const char *protocol) { return strncmp(protocol, "email", 5) == 0; }

static uint64_t sw_enqueue(sw_sns *s, const sw_sns_sub *sub, sw_sns_msg_type type, const char *msgid, sw_buf *body,
                           const char *subject, int64_t now) {
    sw_sns_delivery *d = sw_calloc(1, sizeof *d);
    d->sub_arn = sw_strdup(sub->arn);
    d->topic_arn = sw_strdup(sub->topic_arn);
    d->msgid = sw_strdup(msgid);
    d->type = type;
    sw_buf_putc(body, '\0');
    d->body = sw_buf_detach(body, NULL);
    d->subject = subject ? sw_strdup(subject) : NULL;
    d->due_ms = now;
    return sw_sns_store_enqueue(s, d);
}

static void sw_subscribe_url(const sw_sns *s, const sw_sns_sub *sub, sw_buf *out) {
    sw_buf_printf(out, "%s/?Action=ConfirmSubscription&TopicArn=%s&Token=%s", s->public_url, sub->topic_arn, sub->token);
}

static int sw_signature_version(sw_sns *s, const char *topic_arn) {
    const sw_sns_topic *t = sw_sns_topic_find(s, topic_arn);
    const char *v = t ? sw_sns_attr_get(&t->attrs, "SignatureVersion") : NULL;
    return v && strcmp(v, "2") == 0 ? 2 : 1;
}

uint64_t sw_sns_queue_confirmation(sw_sns *s, const sw_sns_sub *sub, int64_t now) {
    char msgid[37], ts[32];
    sw_sns_uuid(msgid);
    sw_sns_timestamp(now, ts);
    sw_buf url, text, body;
    sw_buf_init(&url), sw_buf_init(&text), sw_buf_init(&body);
    sw_subscribe_url(s, sub, &url);
    sw_buf_putc(&url, '\0');
    const char *subject = NULL;
    uint64_t lsn = 0;
    if (sw_is_email(sub->protocol)) {
        /* The confirmation mail AWS sends (wording from the mail SNS sends to a new email subscriber). */
        subject = "AWS Notification - Subscription Confirmation";
        sw_buf_printf(&body,
                      "You have chosen to subscribe to the topic: \r\n%s\r\n\r\nTo confirm this subscription, click or visit the link "
                      "below (If this was in error no action is necessary): \r\nConfirm subscription: %s\r\n",
                      sub->topic_arn, url.data);
    } else {
        sw_buf_printf(&text, "You have chosen to subscribe to the topic %s.\nTo confirm the subscription, visit the SubscribeURL included in this message.",
                      sub->topic_arn);
        sw_buf_putc(&text, '\0');
        sw_sns_message m = {.type = "SubscriptionConfirmation", .msgid = msgid, .topic_arn = sub->topic_arn, .message = text.data,
                            .timestamp = ts, .token = sub->token, .subscribe_url = url.data,
                            .signature_version = sw_signature_version(s, sub->topic_arn)};
        if (sw_sns_message_render(s->signer, s->public_url, &m, &body)) goto out;
    }
    lsn = sw_enqueue(s, sub, SW_SNS_CONFIRMATION, msgid, &body, subject, now);
out:
    sw_buf_free(&url), sw_buf_free(&text), sw_buf_free(&body);
    return lsn;
}

static int sw_raw(const sw_sns_sub *sub) {
    const char *raw = sw_sns_attr_get(&sub->attrs, "RawMessageDelivery");
    return raw && strcmp(raw, "true") == 0;
}

/* Renders the notification for one subscription into body (and the email subject into *subject). */
static int sw_render_notification(sw_sns *s, const sw_sns_sub *sub, const sw_sns_message *base, const char *text, sw_buf *body,
                                  const char **subject) {
    sw_buf unsub;
    sw_buf_init(&unsub);
    sw_buf_printf(&unsub, "%s/?Action=Unsubscribe&SubscriptionArn=%s", s->public_url, sub->arn);
    sw_buf_putc(&unsub, '\0');
    sw_sns_message m = *base;
    m.message = text;
    m.unsubscribe_url = unsub.data;
    int rc = 0;
    *subject = NULL;
    if (strcmp(sub->protocol, "email") == 0) {
        *subject = base->subject ? base->subject : "AWS Notification Message";
        sw_buf_printf(body,
                      "%s\r\n\r\n--\r\nIf you wish to stop receiving notifications from this topic, please click or visit the link "
                      "below to unsubscribe:\r\n%s\r\n",
                      text, unsub.data);
    } else if (sw_raw(sub) && !sw_is_email(sub->protocol)) {
        sw_buf_puts(body, text);
    } else {
        if (strcmp(sub->protocol, "email-json") == 0) *subject = "AWS Notification Message";
        rc = sw_sns_message_render(s->signer, s->public_url, &m, body);
    }
    sw_buf_free(&unsub);
    return rc;
}

uint64_t sw_sns_queue_publish(sw_sns *s, const sw_sns_topic *t, const char *msgid, const char *subject, const char *message,
                              const char *structure_json, const sw_value *attrs, int64_t now, size_t *n) {
    char ts[32], err[256];
    sw_sns_timestamp(now, ts);
    sw_sns_message base = {.type = "Notification", .msgid = msgid, .topic_arn = t->arn, .subject = subject, .timestamp = ts,
                           .attributes = attrs, .signature_version = sw_signature_version(s, t->arn)};
    uint64_t lsn = 1;
    *n = 0;
    sw_arena a;
    sw_arena_init(&a, 0);
    /* The signature covers no per-subscriber field, so one RSA signature serves every subscriber of a
     * message (per protocol's text when MessageStructure=json picks different ones). */
    sw_buf sts, sig;
    sw_buf_init(&sts), sw_buf_init(&sig);
    const char *signed_text = NULL;
    json_t *attrs_doc = NULL, *body_doc = NULL;
    int body_parsed = 0;
    size_t filtered = 0;
    for (size_t i = 0; i < s->nsubs && lsn; i++) {
        const sw_sns_sub *sub = s->subs[i];
        if (!sub->confirmed || strcmp(sub->topic_arn, t->arn) != 0) continue;
        const char *fp = sw_sns_attr_get(&sub->attrs, "FilterPolicy");
        if (fp) {
            const char *scope = sw_sns_attr_get(&sub->attrs, "FilterPolicyScope");
            int body_scope = scope && strcmp(scope, "MessageBody") == 0;
            /* Checked when set, so it parses; the documents are built once per message. */
            json_t *policy = sw_sns_filter_parse(fp, strlen(fp), body_scope, err, sizeof err);
            if (body_scope && !body_parsed) {
                body_doc = json_loads(message, 0, NULL);
                body_parsed = 1;
            }
            if (!body_scope && !attrs_doc) attrs_doc = sw_sns_filter_attributes_doc(attrs);
            int pass = sw_sns_filter_match(policy, body_scope ? (json_is_object(body_doc) ? body_doc : NULL) : attrs_doc);
            json_decref(policy);
            if (!pass) { filtered++; continue; }
        }
        const char *text = message, *mail_subject;
        /* Structure was checked at Publish, so a protocol's message is always found. */
        if (structure_json && sw_sns_message_for_protocol(&a, structure_json, strlen(structure_json), sub->protocol, &text, err, sizeof err))
            continue;
        if (!signed_text || strcmp(signed_text, text) != 0) {
            sw_sns_message m = base;
            m.message = text;
            sw_buf_reset(&sts), sw_buf_reset(&sig);
            sw_sns_message_string_to_sign(&m, &sts);
            if (sw_sns_sign(s->signer, base.signature_version, sts.data, sts.len, &sig)) { lsn = 0; break; }
            sw_buf_putc(&sig, '\0');
            base.signature = sig.data;
            signed_text = text;
        }
        sw_buf body;
        sw_buf_init(&body);
        if (sw_render_notification(s, sub, &base, text, &body, &mail_subject)) lsn = 0;
        else lsn = sw_enqueue(s, sub, SW_SNS_NOTIFICATION, msgid, &body, mail_subject, now), (*n)++;
        sw_buf_free(&body);
    }
    sw_arena_free(&a);
    sw_buf_free(&sts), sw_buf_free(&sig);
    json_decref(attrs_doc);
    json_decref(body_doc);
    if (filtered) sw_sns_metric(s, t->account, t->region, t->name, "NumberOfNotificationsFilteredOut", (double)filtered, now);
    return lsn;
}

/* ---------- consuming: a pipeline of transfers ---------- */

/* One delivery attempt in flight: copies of what it needs, so the queue may change under it. */
typedef struct sw_job {
    uint64_t id;
    char *topic_arn, *msgid, *body, *url, *subject, *rcpt, *sub_arn;
    int email, confirmation, raw;
    size_t sent;         /* SMTP upload progress */
    sw_buf mail;         /* the whole SMTP message */
    CURL *easy;
    struct curl_slist *hdrs, *rcpts;
    char error[CURL_ERROR_SIZE];
} sw_job;

static size_t sw_discard(char *p, size_t size, size_t n, void *arg) { return size * n; }

static size_t sw_mail_read(char *p, size_t size, size_t n, void *arg) {
    sw_job *j = arg;
    size_t left = j->mail.len - j->sent, want = size * n < left ? size * n : left;
    memcpy(p, j->mail.data + j->sent, want);
    j->sent += want;
    return want;
}

/* Whether sub may receive one more message in the clock's current second (throttlePolicy). */
static int sw_throttle_ok(sw_sns_sub *sub, const sw_sns_retry_policy *p, int64_t now) {
    if (!p->max_receives_per_sec) return 1;
    if (sub->throttle_sec != now / 1000) sub->throttle_sec = now / 1000, sub->throttle_n = 0;
    if (sub->throttle_n >= p->max_receives_per_sec) return 0;
    sub->throttle_n++;
    return 1;
}

static sw_job *sw_job_of(sw_sns *s, const sw_sns_delivery *d, const sw_sns_sub *sub) {
    sw_job *j = sw_calloc(1, sizeof *j);
    j->id = d->id;
    j->topic_arn = sw_strdup(d->topic_arn), j->msgid = sw_strdup(d->msgid), j->body = sw_strdup(d->body);
    j->sub_arn = sw_strdup(d->sub_arn);
    j->subject = d->subject ? sw_strdup(d->subject) : NULL;
    j->email = sw_is_email(sub->protocol);
    j->confirmation = d->type == SW_SNS_CONFIRMATION;
    j->raw = sw_raw(sub);
    j->url = sw_strdup(j->email ? s->smtp_url : sub->endpoint);
    j->rcpt = j->email ? sw_strdup(sub->endpoint) : NULL;
    sw_buf_init(&j->mail);
    return j;
}

/* Takes up to room deliveries due at now into out; caller holds s->mu. Deliveries whose subscription
 * is gone are dropped here; throttled ones wait for a later second. Returns the number taken. */
static size_t sw_collect(sw_sns *s, int64_t now, sw_job **out, size_t room) {
    size_t n = 0;
    for (size_t i = 0; i < s->nqueue && n < room;) {
        sw_sns_delivery *d = s->queue[i];
        if (d->in_flight || d->due_ms > now) { i++; continue; }
        sw_sns_sub *sub = sw_sns_sub_find(s, d->sub_arn);
        if (!sub || (d->type == SW_SNS_NOTIFICATION && !sub->confirmed)) {
            sw_sns_store_done(s, d->id); /* moves another entry into slot i */
            continue;
        }
        sw_sns_retry_policy p;
        sw_sns_effective_policy(s, sub, &p);
        if (sw_throttle_ok(sub, &p, now)) d->in_flight = 1, out[n++] = sw_job_of(s, d, sub);
        i++;
    }
    return n;
}

static void sw_add_header(sw_job *j, const char *name, const char *val) {
    char line[1400];
    snprintf(line, sizeof line, "%s: %s", name, val);
    j->hdrs = curl_slist_append(j->hdrs, line);
}

static void sw_prepare_http(sw_job *j) {
    const char *type = j->confirmation ? "SubscriptionConfirmation" : "Notification";
    sw_add_header(j, "Content-Type", "text/plain; charset=UTF-8");
    sw_add_header(j, "x-amz-sns-message-type", type);
    sw_add_header(j, "x-amz-sns-message-id", j->msgid);
    sw_add_header(j, "x-amz-sns-topic-arn", j->topic_arn);
    if (!j->confirmation) sw_add_header(j, "x-amz-sns-subscription-arn", j->sub_arn);
    if (j->raw && !j->confirmation) sw_add_header(j, "x-amz-sns-rawdelivery", "true");
    j->hdrs = curl_slist_append(j->hdrs, "Expect:");
    curl_easy_setopt(j->easy, CURLOPT_URL, j->url);
    curl_easy_setopt(j->easy, CURLOPT_POST, 1L);
    curl_easy_setopt(j->easy, CURLOPT_POSTFIELDS, j->body);
    curl_easy_setopt(j->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(j->body));
    curl_easy_setopt(j->easy, CURLOPT_HTTPHEADER, j->hdrs);
    curl_easy_setopt(j->easy, CURLOPT_USERAGENT, SW_SNS_USER_AGENT);
    curl_easy_setopt(j->easy, CURLOPT_WRITEFUNCTION, sw_discard);
    curl_easy_setopt(j->easy, CURLOPT_PROTOCOLS_STR, "http,https");
}

static void sw_prepare_mail(sw_sns *s, sw_job *j) {
    char date[64], id[37];
    time_t now = (time_t)(sw_clock_now_ms() / 1000);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    sw_sns_uuid(id);
    const char *from = s->smtp_from && *s->smtp_from ? s->smtp_from : "no-reply@sns.skywatch.invalid";
    sw_buf_printf(&j->mail, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@skywatch>\r\n"
                            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nx-amz-sns-message-id: %s\r\n\r\n",
                  date, from, j->rcpt, j->subject ? j->subject : "AWS Notification Message", id, j->msgid);
    sw_buf_puts(&j->mail, j->body);
    sw_buf_puts(&j->mail, "\r\n");
    j->rcpts = curl_slist_append(NULL, j->rcpt);
    char mail_from[600];
    snprintf(mail_from, sizeof mail_from, "<%s>", from);
    curl_easy_setopt(j->easy, CURLOPT_URL, j->url);
    curl_easy_setopt(j->easy, CURLOPT_MAIL_FROM, mail_from);
    curl_easy_setopt(j->easy, CURLOPT_MAIL_RCPT, j->rcpts);
    curl_easy_setopt(j->easy, CURLOPT_READFUNCTION, sw_mail_read);
    curl_easy_setopt(j->easy, CURLOPT_READDATA, j);
    curl_easy_setopt(j->easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(j->easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
}

static void sw_job_start(sw_sns *s, sw_job *j) {
    j->easy = curl_easy_init();
    if (j->email) sw_prepare_mail(s, j);
    else sw_prepare_http(j);
    curl_easy_setopt(j->easy, CURLOPT_PRIVATE, j);
    curl_easy_setopt(j->easy, CURLOPT_ERRORBUFFER, j->error);
    curl_easy_setopt(j->easy, CURLOPT_TIMEOUT_MS, (long)SW_SNS_HTTP_TIMEOUT_MS);
    curl_easy_setopt(j->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)SW_SNS_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(j->easy, CURLOPT_NOSIGNAL, 1L);
    curl_multi_add_handle(s->curl_multi, j->easy);
}

static void sw_job_free(sw_sns *s, sw_job *j) {
    curl_multi_remove_handle(s->curl_multi, j->easy);
    curl_easy_cleanup(j->easy);
    curl_slist_free_all(j->hdrs);
    curl_slist_free_all(j->rcpts);
    sw_buf_free(&j->mail);
    sw_free(j->topic_arn), sw_free(j->msgid), sw_free(j->body), sw_free(j->url), sw_free(j->subject), sw_free(j->rcpt);
    sw_free(j->sub_arn);
    sw_free(j);
}

/* Per-topic counts since the last flush, written as AWS/SNS metrics in one go (each write is an fsync). */
typedef struct sw_tally { char account[16], region[40], topic[260]; double delivered, failed; } sw_tally;

typedef struct sw_deliverer {
    sw_job *inflight[SW_SNS_MAX_IN_FLIGHT];
    size_t ninflight;
    sw_tally tally[64];
    size_t ntally;
    int64_t flushed_real_ms;
} sw_deliverer;

static void sw_flush_tally(sw_sns *s, sw_deliverer *dv) {
    int64_t now = sw_clock_now_ms();
    for (size_t k = 0; k < dv->ntally; k++) {
        sw_tally *t = &dv->tally[k];
        sw_sns_metric(s, t->account, t->region, t->topic, "NumberOfNotificationsDelivered", t->delivered, now);
        sw_sns_metric(s, t->account, t->region, t->topic, "NumberOfNotificationsFailed", t->failed, now);
    }
    dv->ntally = 0;
    dv->flushed_real_ms = sw_clock_real_ms();
}

static void sw_count(sw_sns *s, sw_deliverer *dv, const char *topic_arn, int delivered) {
    /* arn:aws:sns:REGION:ACCOUNT:NAME */
    char region[40] = "", account[16] = "", name[260] = "";
    if (sscanf(topic_arn, "arn:aws:sns:%39[^:]:%15[^:]:%259s", region, account, name) != 3) return;
    size_t i = 0;
    sw_tally *t = dv->tally;
    while (i < dv->ntally && !(strcmp(t[i].topic, name) == 0 && strcmp(t[i].account, account) == 0 && strcmp(t[i].region, region) == 0)) i++;
    if (i == sizeof dv->tally / sizeof dv->tally[0]) sw_flush_tally(s, dv), i = 0;
    if (i == dv->ntally) {
        memset(&t[i], 0, sizeof t[i]);
        snprintf(t[i].account, sizeof t[i].account, "%s", account);
        snprintf(t[i].region, sizeof t[i].region, "%s", region);
        snprintf(t[i].topic, sizeof t[i].topic, "%s", name);
        dv->ntally++;
    }
    if (delivered) t[i].delivered++;
    else t[i].failed++;
}

/* Records one finished attempt: delivered (gone from the queue), or retried by the policy from now, or
 * given up. Caller holds s->mu. */
static void sw_settle(sw_sns *s, sw_deliverer *dv, const sw_job *j, int ok, long status, int64_t now) {
    sw_sns_delivery *d = sw_sns_delivery_find(s, j->id);
    if (!d) return;
    d->in_flight = 0;
    if (ok) {
        sw_sns_store_done(s, j->id);
        if (!j->confirmation) sw_count(s, dv, j->topic_arn, 1);
        return;
    }
    sw_sns_sub *sub = sw_sns_sub_find(s, j->sub_arn);
    sw_sns_retry_policy p;
    if (sub) sw_sns_effective_policy(s, sub, &p);
    d->attempt++;
    int delay = sub ? sw_sns_policy_delay(&p, d->attempt) : -1;
    sw_log("warn", "sns delivery failed", "\"message_id\":\"%s\",\"subscription\":\"%s\",\"status\":%ld,\"error\":\"%s\",\"attempt\":%d,\"retry_in_s\":%d",
           j->msgid, j->sub_arn, status, j->error, d->attempt, delay);
    if (delay < 0) {
        sw_sns_store_done(s, j->id);
        if (!j->confirmation) sw_count(s, dv, j->topic_arn, 0);
    } else {
        d->due_ms = now + (int64_t)delay * 1000;
        sw_sns_store_retry(s, d);
        if (s->manual_clock) sw_scheduler_poke("sns-delivery"); /* so a clock step stops at the retry time */
    }
}

/* Settles every finished transfer. */
static void sw_reap(sw_sns *s, sw_deliverer *dv) {
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(s->curl_multi, &left))) {
        if (msg->msg != CURLMSG_DONE) continue;
        sw_job *j;
        long status = 0;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
        /* HTTP: "a 2xx status code indicates success"; SMTP: the relay accepted the message. */
        int ok = msg->data.result == CURLE_OK && (j->email || (status >= 200 && status < 300));
        pthread_mutex_lock(&s->mu);
        sw_settle(s, dv, j, ok, status, sw_clock_now_ms());
        pthread_mutex_unlock(&s->mu);
        for (size_t i = 0; i < dv->ninflight; i++)
            if (dv->inflight[i] == j) { dv->inflight[i] = dv->inflight[--dv->ninflight]; break; }
        sw_job_free(s, j);
    }
}

/* The earliest due time in the queue of a delivery not in flight (INT64_MAX if none); caller holds s->mu. */
static int64_t sw_next_due(const sw_sns *s) {
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < s->nqueue; i++)
        if (!s->queue[i]->in_flight && s->queue[i]->due_ms < next) next = s->queue[i]->due_ms;
    return next;
}

/* The delivery thread: keeps up to SW_SNS_MAX_IN_FLIGHT transfers going at once, starting each delivery as
 * it falls due, so a slow endpoint holds only its own transfers. */
static void *sw_delivery_thread(void *arg) {
    sw_sns *s = arg;
    sw_deliverer *dv = sw_calloc(1, sizeof *dv);
    sw_job *fresh[SW_SNS_MAX_IN_FLIGHT];
    while (!s->stopping) {
        pthread_mutex_lock(&s->mu);
        uint64_t epoch = s->wake_epoch;
        int64_t now = sw_clock_now_ms();
        size_t n = sw_collect(s, now, fresh, SW_SNS_MAX_IN_FLIGHT - dv->ninflight);
        pthread_mutex_unlock(&s->mu);
        for (size_t i = 0; i < n; i++) sw_job_start(s, fresh[i]), dv->inflight[dv->ninflight++] = fresh[i];
        int running = 0;
        curl_multi_perform(s->curl_multi, &running);
        sw_reap(s, dv);
        if (dv->ntally && (dv->ninflight == 0 || sw_clock_real_ms() - dv->flushed_real_ms > 1000)) sw_flush_tally(s, dv);
        if (n) continue;
        if (dv->ninflight) {
            curl_multi_poll(s->curl_multi, NULL, 0, SW_SNS_IDLE_POLL_MS, NULL);
            continue;
        }
        /* Idle at now: nothing due is waiting or in flight. Tell a waiting sw_sns_deliver_sync, then sleep
         * until woken or the poll interval passes (a manual clock may have moved). */
        pthread_mutex_lock(&s->mu);
        s->idle_epoch = epoch, s->idle_ms = now;
        pthread_cond_broadcast(&s->idle);
        if (s->wake_epoch == epoch && !s->stopping) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += SW_SNS_IDLE_POLL_MS * 1000000L;
            if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
            pthread_cond_timedwait(&s->wake, &s->mu, &ts);
        }
        pthread_mutex_unlock(&s->mu);
    }
    /* Shutdown: transfers cut short stay queued and go out again after restart. */
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < dv->ninflight; i++) {
        sw_sns_delivery *d = sw_sns_delivery_find(s, dv->inflight[i]->id);
        if (d) d->in_flight = 0;
    }
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < dv->ninflight; i++) sw_job_free(s, dv->inflight[i]);
    sw_flush_tally(s, dv);
    sw_free(dv);
    return NULL;
}

static void sw_wake_thread(sw_sns *s) {
    pthread_mutex_lock(&s->mu);
    s->wake_epoch++;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
    if (s->curl_multi) curl_multi_wakeup(s->curl_multi);
}

void sw_sns_deliver_wake(sw_sns *s) {
    sw_wake_thread(s);
    if (s->manual_clock) sw_scheduler_poke("sns-delivery"); /* so the task learns the new due times */
}

int64_t sw_sns_deliver_sync(sw_sns *s, int64_t now) {
    sw_wake_thread(s);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += SW_SNS_SYNC_WAIT_S;
    pthread_mutex_lock(&s->mu);
    uint64_t epoch = s->wake_epoch;
    while (s->started && !s->stopping && (s->idle_epoch < epoch || s->idle_ms < now))
        if (pthread_cond_timedwait(&s->idle, &s->mu, &deadline) != 0) break;
    int64_t next = sw_next_due(s);
    pthread_mutex_unlock(&s->mu);
    return next;
}

/* Compacts the log when it has grown. With a manual clock it also waits for the delivery thread to
 * finish what is due, so a clock stepping past a retry's due time delivers it before the clock request
 * answers; on the real clock the scheduler (which also runs alarm evaluation) never waits on an endpoint. */
static int64_t sw_task_delivery(void *arg, int64_t now) {
    sw_sns *s = arg;
    int64_t next = s->manual_clock ? sw_sns_deliver_sync(s, now) : now + 60000;
    pthread_mutex_lock(&s->mu);
    sw_sns_store_maybe_compact(s);
    pthread_mutex_unlock(&s->mu);
    if (next > now + 60000) next = now + 60000;
    return next > now ? next : now + 1;
}

int sw_sns_deliver_start(sw_sns *s, char *err, size_t errlen) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    s->curl_multi = curl_multi_init();
    if (!s->curl_multi) return snprintf(err, errlen, "cannot initialise libcurl"), -1;
    curl_multi_setopt(s->curl_multi, CURLMOPT_MAX_HOST_CONNECTIONS, 32L);
    pthread_cond_init(&s->wake, NULL);
    pthread_cond_init(&s->idle, NULL);
    s->started = 1;
    if (pthread_create(&s->thread, NULL, sw_delivery_thread, s) != 0) {
        s->started = 0;
        return snprintf(err, errlen, "cannot start the SNS delivery thread"), -1;
    }
    sw_scheduler_add("sns-delivery", sw_task_delivery, s, sw_clock_now_ms());
    return 0;
}

void sw_sns_deliver_stop(sw_sns *s) {
    if (!s->started) return;
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    pthread_cond_signal(&s->wake);
    pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->mu);
    curl_multi_wakeup(s->curl_multi);
    pthread_join(s->thread, NULL);
    s->started = 0;
    curl_multi_cleanup(s->curl_multi);
    s->curl_multi = NULL;
    pthread_cond_destroy(&s->wake);
    pthread_cond_destroy(&s->idle);
}
