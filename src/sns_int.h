/* sns_int.h -- what the SNS files share: the in-memory state (topics, subscriptions, the delivery
 * queue), its write-ahead log, the signer and the delivery policy. Not seen outside src/sns*.c. */
#ifndef SW_SNS_INT_H
#define SW_SNS_INT_H
#include "arena.h"
#include "buf.h"
#include "metrics.h"
#include "sns.h"
#include "value.h"
#include <pthread.h>
#include <stdint.h>

/* ---------- attribute maps (topic and subscription attributes, tags) ---------- */

typedef struct sw_sns_kv { char *key, *val; } sw_sns_kv;
typedef struct sw_sns_attrs { sw_sns_kv *items; size_t n, cap; } sw_sns_attrs;

/* Value of key, or NULL. */
const char *sw_sns_attr_get(const sw_sns_attrs *a, const char *key);
/* Sets key to a copy of val; val NULL removes the key. Can't fail. */
void sw_sns_attr_set(sw_sns_attrs *a, const char *key, const char *val);
void sw_sns_attrs_free(sw_sns_attrs *a);

/* ---------- state ---------- */

typedef struct sw_sns_topic {
    char *arn, *account, *region, *name;
    sw_sns_attrs attrs;  /* DisplayName, Policy, DeliveryPolicy, SignatureVersion, ... as set by the owner */
    sw_sns_attrs tags;
    int64_t subs_deleted;
} sw_sns_topic;

typedef struct sw_sns_sub {
    char *arn, *topic_arn, *owner, *protocol, *endpoint, *token;
    int confirmed;
    sw_sns_attrs attrs;  /* RawMessageDelivery, DeliveryPolicy */
    int64_t throttle_sec; /* maxReceivesPerSecond bookkeeping (memory only) */
    int throttle_n;
} sw_sns_sub;

typedef enum { SW_SNS_NOTIFICATION = 0, SW_SNS_CONFIRMATION = 1 } sw_sns_msg_type;

/* One pending delivery: a rendered message for one subscription, retried until its policy gives up. */
typedef struct sw_sns_delivery {
    uint64_t id;
    char *sub_arn, *topic_arn, *msgid;
    sw_sns_msg_type type;
    char *body;          /* HTTP: the POST body (JSON or raw message); email: the text */
    char *subject;       /* email subject */
    int attempt;         /* attempts made so far */
    int64_t due_ms;
    int in_flight;
} sw_sns_delivery;

typedef struct sw_sns_signer sw_sns_signer;
struct sw_wal;

struct sw_sns {
    pthread_mutex_t mu;     /* guards everything below but the delivery thread's own fields */
    char *dir, *public_url, *smtp_url, *smtp_from;
    sw_metrics *metrics;
    int manual_clock;
    struct sw_wal *wal;
    uint64_t wal_gen;        /* bumped by compaction; lsns carry it in their top 16 bits */
    pthread_rwlock_t wal_rw; /* syncs (read) versus swapping the log in compaction (write) */
    sw_sns_topic **topics; size_t ntopics, captopics;
    sw_sns_sub **subs; size_t nsubs, capsubs;
    sw_sns_delivery **queue; size_t nqueue, capqueue;
    uint64_t next_delivery_id;
    sw_sns_signer *signer;
    /* delivery */
    pthread_t thread;
    pthread_cond_t wake, idle;
    int stopping, started;
    uint64_t wake_epoch;    /* bumped by every wake */
    uint64_t idle_epoch;    /* the wake_epoch the thread had seen when it last found nothing due at idle_ms */
    int64_t idle_ms;
    void *curl_multi;       /* the delivery thread's (curl_multi_wakeup may be called from any thread) */
};

/* Lookups; the caller holds s->mu. NULL when absent. */
sw_sns_topic *sw_sns_topic_find(sw_sns *s, const char *arn);
sw_sns_sub *sw_sns_sub_find(sw_sns *s, const char *arn);
sw_sns_delivery *sw_sns_delivery_find(sw_sns *s, uint64_t id);

/* ---------- the store (sns_store.c): every change is logged, then applied; caller holds s->mu ---------- */

int sw_sns_store_open(sw_sns *s, char *err, size_t errlen);
void sw_sns_store_close(sw_sns *s);
/* Each returns the log sequence number to pass to sw_sns_store_sync (0 when the log failed). The object
 * passed becomes owned by the store. */
uint64_t sw_sns_store_put_topic(sw_sns *s, sw_sns_topic *t);     /* t new or already in the store */
uint64_t sw_sns_store_delete_topic(sw_sns *s, const char *arn);  /* and its subscriptions */
uint64_t sw_sns_store_put_sub(sw_sns *s, sw_sns_sub *sub);
uint64_t sw_sns_store_delete_sub(sw_sns *s, const char *arn);
uint64_t sw_sns_store_enqueue(sw_sns *s, sw_sns_delivery *d);     /* assigns d->id */
uint64_t sw_sns_store_retry(sw_sns *s, sw_sns_delivery *d);       /* logs d's attempt and due time */
uint64_t sw_sns_store_done(sw_sns *s, uint64_t id);               /* removes and frees it */
/* Waits (without s->mu) until lsn is durable. Returns 0 or -1 on I/O failure. */
int sw_sns_store_sync(sw_sns *s, uint64_t lsn);
/* Rewrites the log with only the live state when it has grown well past it; caller holds s->mu. */
void sw_sns_store_maybe_compact(sw_sns *s);
void sw_sns_topic_free(sw_sns_topic *t);
void sw_sns_sub_free(sw_sns_sub *sub);
void sw_sns_delivery_free(sw_sns_delivery *d);

/* ---------- delivery policy (sns_policy.c): pure functions over JSON text ---------- */

typedef struct sw_sns_retry_policy {
    int num_retries, num_no_delay, num_min_delay, num_max_delay;
    int min_delay_s, max_delay_s;
    char backoff[16];          /* linear | arithmetic | geometric | exponential */
    int max_receives_per_sec;  /* 0 = no throttle */
} sw_sns_retry_policy;

/* AWS's default HTTP/S policy: 3 retries, 20 s apart, linear, no throttle. Can't fail. */
void sw_sns_policy_default(sw_sns_retry_policy *p);
/* Applies a topic DeliveryPolicy ({"http":{"defaultHealthyRetryPolicy":{...},"defaultThrottlePolicy":{...}}})
 * when topic is 1, else a subscription one ({"healthyRetryPolicy":{...},"throttlePolicy":{...}}) over p.
 * Returns 0, or -1 with AWS's reason in err (p may be partly changed). */
int sw_sns_policy_parse(const char *json, size_t len, int topic, sw_sns_retry_policy *p, char *err, size_t errlen);
/* The delay in seconds before retry number `retry` (1-based), or -1 when the policy has none left. */
int sw_sns_policy_delay(const sw_sns_retry_policy *p, int retry);
/* The JSON AWS shows as EffectiveDeliveryPolicy of a topic. */
void sw_sns_policy_effective_json(const sw_sns_retry_policy *p, sw_buf *out);

/* MessageStructure=json: picks the message for protocol from the JSON object text (its own key, else
 * "default"). Returns 0 with the message copied into the arena, or -1 with AWS's reason. */
int sw_sns_message_for_protocol(sw_arena *a, const char *json, size_t len, const char *protocol, const char **msg,
                                char *err, size_t errlen);

/* ---------- signing (sns_sign.c) ---------- */

/* Loads dir/signing-key.pem (mode 0600) and dir/signing-cert.pem, generating an RSA 2048 key and a
 * self-signed certificate on first use. NULL with a reason in err. */
sw_sns_signer *sw_sns_signer_open(const char *dir, char *err, size_t errlen);
void sw_sns_signer_close(sw_sns_signer *g);
/* Signs data with SHA1withRSA (version 1) or SHA256withRSA (version 2); base64 into out. Returns 0 or -1. */
int sw_sns_sign(sw_sns_signer *g, int version, const char *data, size_t len, sw_buf *out);
/* The certificate in PEM, owned by the signer. */
const char *sw_sns_signer_cert_pem(sw_sns_signer *g);

/* The path the SigningCertURL points at. */
#define SW_SNS_CERT_PATH "/_skywatch/sns/SimpleNotificationService.pem"

/* ---------- messages (sns_message.c) ---------- */

typedef struct sw_sns_message {
    const char *type;          /* "Notification" | "SubscriptionConfirmation" */
    const char *msgid, *topic_arn, *subject, *message, *timestamp;
    const char *token, *subscribe_url;   /* confirmations */
    const char *unsubscribe_url;         /* notifications */
    const sw_value *attributes;          /* MessageAttributes map (name -> {DataType, StringValue|BinaryValue}) or NULL */
    int signature_version;               /* 1 or 2 */
    const char *signature;               /* base64, when already computed (it does not cover per-subscriber fields) */
} sw_sns_message;

/* Renders the JSON body AWS POSTs to HTTP/S endpoints (and sends to email-json), signed. Returns 0 or -1. */
int sw_sns_message_render(sw_sns_signer *g, const char *public_url, const sw_sns_message *m, sw_buf *out);
/* The canonical string the signature covers (AWS: "Verifying the signatures of Amazon SNS messages"). */
void sw_sns_message_string_to_sign(const sw_sns_message *m, sw_buf *out);

/* ---------- delivery (sns_deliver.c) ---------- */

int sw_sns_deliver_start(sw_sns *s, char *err, size_t errlen);
void sw_sns_deliver_stop(sw_sns *s);
/* Wakes the delivery thread: new work is due now. Thread-safe. */
void sw_sns_deliver_wake(sw_sns *s);
/* Wakes the delivery thread and waits (up to 30 s) until it has attempted everything due at now (which
 * the clock must already read); returns the earliest due time still pending (INT64_MAX if none). */
int64_t sw_sns_deliver_sync(sw_sns *s, int64_t now);
/* The policy that governs sub's deliveries (topic default, then the subscription's own); caller holds s->mu. */
void sw_sns_effective_policy(sw_sns *s, const sw_sns_sub *sub, sw_sns_retry_policy *p);
/* Queues the SubscriptionConfirmation (HTTP/S) or confirmation email for sub; caller holds s->mu. */
uint64_t sw_sns_queue_confirmation(sw_sns *s, const sw_sns_sub *sub, int64_t now);
/* Queues message for every confirmed subscription of topic; caller holds s->mu. Returns the last
 * lsn (or 1 when nothing was queued), 0 on log failure; *n counts deliveries. */
uint64_t sw_sns_queue_publish(sw_sns *s, const sw_sns_topic *t, const char *msgid, const char *subject, const char *message,
                              const char *structure_json, const sw_value *attrs, int64_t now, size_t *n);
/* AWS/SNS metric: adds count to name for the topic (dimension TopicName) at now. */
void sw_sns_metric(sw_sns *s, const char *account, const char *region, const char *topic, const char *name, double count,
                   int64_t now);

/* ---------- helpers (sns.c) ---------- */

/* A v4 UUID, lowercase, into out (37 bytes). */
void sw_sns_uuid(char out[37]);
/* "2012-04-26T20:45:04.751Z" */
void sw_sns_timestamp(int64_t ms, char out[32]);

#endif
