/* sns_policy.c -- the HTTP/S delivery policy (healthyRetryPolicy, throttlePolicy) and MessageStructure=json:
 * parsing, validation and the retry schedule. Follows "Amazon SNS message delivery retries" and
 * "Creating an HTTP/S delivery policy" in the SNS developer guide. Pure functions over JSON text. */
#include "json.h"
#include "sns_int.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

#define SW_SNS_MAX_RETRIES 100       /* "numRetries ... maximum 100" */
#define SW_SNS_MAX_DELAY_S 3600      /* "maxDelayTarget ... maximum 3,600 seconds" */
#define SW_SNS_POLICY_ARENA (1u << 20)

void sw_sns_policy_default(sw_sns_retry_policy *p) {
    *p = (sw_sns_retry_policy){.num_retries = 3, .min_delay_s = 20, .max_delay_s = 20, .backoff = "linear"};
}

/* Reads an integer member into *out; a member of another type is an error. */
static int sw_int_member(const sw_value *o, const char *key, int lo, int hi, int *out, char *err, size_t errlen) {
    sw_value *v = sw_v_get(o, key);
    if (!v) return 0;
    if (v->type != SW_V_INT || v->u.i < lo || v->u.i > hi) {
        snprintf(err, errlen, "Invalid parameter: DeliveryPolicy: %s must be an integer from %d to %d", key, lo, hi);
        return -1;
    }
    *out = (int)v->u.i;
    return 0;
}

static int sw_retry_policy(const sw_value *o, sw_sns_retry_policy *p, char *err, size_t errlen) {
    if (!o) return 0;
    if (o->type != SW_V_MAP) return snprintf(err, errlen, "Invalid parameter: DeliveryPolicy: healthyRetryPolicy must be an object"), -1;
    if (sw_int_member(o, "numRetries", 0, SW_SNS_MAX_RETRIES, &p->num_retries, err, errlen) ||
        sw_int_member(o, "numNoDelayRetries", 0, SW_SNS_MAX_RETRIES, &p->num_no_delay, err, errlen) ||
        sw_int_member(o, "numMinDelayRetries", 0, SW_SNS_MAX_RETRIES, &p->num_min_delay, err, errlen) ||
        sw_int_member(o, "numMaxDelayRetries", 0, SW_SNS_MAX_RETRIES, &p->num_max_delay, err, errlen) ||
        sw_int_member(o, "minDelayTarget", 1, SW_SNS_MAX_DELAY_S, &p->min_delay_s, err, errlen) ||
        sw_int_member(o, "maxDelayTarget", 1, SW_SNS_MAX_DELAY_S, &p->max_delay_s, err, errlen))
        return -1;
    sw_value *b = sw_v_get(o, "backoffFunction");
    if (b) {
        static const char *fns[] = {"linear", "arithmetic", "geometric", "exponential"};
        int ok = 0;
        for (size_t i = 0; b->type == SW_V_STRING && i < 4; i++) ok |= strcmp(b->u.str.s, fns[i]) == 0;
        if (!ok) return snprintf(err, errlen, "Invalid parameter: DeliveryPolicy: backoffFunction must be one of linear, arithmetic, geometric, exponential"), -1;
        snprintf(p->backoff, sizeof p->backoff, "%s", b->u.str.s);
    }
    if (p->min_delay_s > p->max_delay_s)
        return snprintf(err, errlen, "Invalid parameter: DeliveryPolicy: minDelayTarget must be less than or equal to maxDelayTarget"), -1;
    if (p->num_no_delay + p->num_min_delay + p->num_max_delay > p->num_retries)
        return snprintf(err, errlen, "Invalid parameter: DeliveryPolicy: numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries must not exceed numRetries"), -1;
    return 0;
}

static int sw_throttle_policy(const sw_value *o, sw_sns_retry_policy *p, char *err, size_t errlen) {
    if (!o) return 0;
    if (o->type != SW_V_MAP) return snprintf(err, errlen, "Invalid parameter: DeliveryPolicy: throttlePolicy must be an object"), -1;
    return sw_int_member(o, "maxReceivesPerSecond", 1, 1000000, &p->max_receives_per_sec, err, errlen);
}

int sw_sns_policy_parse(const char *json, size_t len, int topic, sw_sns_retry_policy *p, char *err, size_t errlen) {
    sw_arena a;
    sw_arena_init(&a, SW_SNS_POLICY_ARENA);
    sw_value *root = NULL;
    char msg[128];
    int rc = -1;
    if (sw_json_decode(&a, json, len, &root, msg, sizeof msg) || root->type != SW_V_MAP) {
        snprintf(err, errlen, "Invalid parameter: DeliveryPolicy: the policy is not a JSON object");
    } else if (topic) {
        sw_value *http = sw_v_get(root, "http");
        if (http && http->type != SW_V_MAP) snprintf(err, errlen, "Invalid parameter: DeliveryPolicy: http must be an object");
        else rc = http ? (sw_retry_policy(sw_v_get(http, "defaultHealthyRetryPolicy"), p, err, errlen) ||
                          sw_throttle_policy(sw_v_get(http, "defaultThrottlePolicy"), p, err, errlen))
                       : 0;
    } else {
        rc = sw_retry_policy(sw_v_get(root, "healthyRetryPolicy"), p, err, errlen) ||
             sw_throttle_policy(sw_v_get(root, "throttlePolicy"), p, err, errlen);
    }
    sw_arena_free(&a);
    return rc ? -1 : 0;
}

/* The backoff phase moves from minDelayTarget to maxDelayTarget along the curve the policy names; x is
 * how far along (0..1]. AWS draws the curves but gives no formula: these have the documented shapes
 * (linear a straight line, arithmetic a gentle curve, geometric and exponential steeper ones). */
static double sw_curve(const char *fn, int k, int n) {
    if (n <= 0) return 1.0;
    if (strcmp(fn, "arithmetic") == 0) return (double)k * (k + 1) / ((double)n * (n + 1));
    if (strcmp(fn, "geometric") == 0) return (pow(2.0, k) - 1) / (pow(2.0, n) - 1);
    if (strcmp(fn, "exponential") == 0) return (pow(4.0, k) - 1) / (pow(4.0, n) - 1);
    return (double)k / n;
}

int sw_sns_policy_delay(const sw_sns_retry_policy *p, int retry) {
    if (retry < 1 || retry > p->num_retries) return -1;
    if (retry <= p->num_no_delay) return 0;
    if (retry <= p->num_no_delay + p->num_min_delay) return p->min_delay_s;
    int backoff_n = p->num_retries - p->num_no_delay - p->num_min_delay - p->num_max_delay;
    int k = retry - p->num_no_delay - p->num_min_delay;
    if (k > backoff_n) return p->max_delay_s;
    double d = p->min_delay_s + (p->max_delay_s - p->min_delay_s) * sw_curve(p->backoff, k, backoff_n);
    return (int)lround(d);
}

void sw_sns_policy_effective_json(const sw_sns_retry_policy *p, sw_buf *out) {
    sw_buf_printf(out,
                  "{\"http\":{\"defaultHealthyRetryPolicy\":{\"minDelayTarget\":%d,\"maxDelayTarget\":%d,\"numRetries\":%d,"
                  "\"numMaxDelayRetries\":%d,\"numNoDelayRetries\":%d,\"numMinDelayRetries\":%d,\"backoffFunction\":\"%s\"},"
                  "\"disableSubscriptionOverrides\":false",
                  p->min_delay_s, p->max_delay_s, p->num_retries, p->num_max_delay, p->num_no_delay, p->num_min_delay, p->backoff);
    if (p->max_receives_per_sec) sw_buf_printf(out, ",\"defaultThrottlePolicy\":{\"maxReceivesPerSecond\":%d}", p->max_receives_per_sec);
    sw_buf_puts(out, ",\"defaultRequestPolicy\":{\"headerContentType\":\"text/plain; charset=UTF-8\"}}}");
}

int sw_sns_message_for_protocol(sw_arena *a, const char *json, size_t len, const char *protocol, const char **msg,
                                char *err, size_t errlen) {
    sw_value *root = NULL;
    char why[128];
    if (sw_json_decode(a, json, len, &root, why, sizeof why) || root->type != SW_V_MAP) {
        snprintf(err, errlen, "Invalid parameter: Message Structure - JSON message body failed to parse");
        return -1;
    }
    sw_value *def = sw_v_get(root, "default");
    if (!def || def->type != SW_V_STRING) {
        snprintf(err, errlen, "Invalid parameter: Message Structure - No default entry in JSON message body");
        return -1;
    }
    sw_value *own = protocol ? sw_v_get(root, protocol) : NULL;
    *msg = (own && own->type == SW_V_STRING ? own : def)->u.str.s;
    return 0;
}
