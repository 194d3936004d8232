/* fuzz_sns.c -- libFuzzer target: SNS's parsers of untrusted JSON. The first byte picks one: a topic
 * DeliveryPolicy, a subscription DeliveryPolicy, or a MessageStructure=json message; the rest is the
 * text. Checks that a refusal says why and that an accepted policy yields a sane retry schedule. */
#include "sns_int.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void fuzz_policy(const char *text, size_t n, int topic) {
    sw_sns_retry_policy p;
    char err[256] = "";
    sw_sns_policy_default(&p);
    if (sw_sns_policy_parse(text, n, topic, &p, err, sizeof err) != 0) {
        if (!err[0]) abort();
        return;
    }
    if (p.num_retries < 0 || p.num_retries > 100 || p.min_delay_s > p.max_delay_s) abort();
    int total = 0;
    for (int r = 1; r <= p.num_retries; r++) {
        int d = sw_sns_policy_delay(&p, r);
        if (d < 0 || d > p.max_delay_s) abort();
        total += d;
    }
    if (sw_sns_policy_delay(&p, p.num_retries + 1) != -1 || sw_sns_policy_delay(&p, 0) != -1) abort();
    if (total > 100 * 3600) abort();
    sw_buf b;
    sw_buf_init(&b);
    sw_sns_policy_effective_json(&p, &b);
    sw_buf_free(&b);
}

static void fuzz_structure(const char *text, size_t n) {
    static const char *protocols[] = {"http", "https", "email", "email-json", NULL};
    sw_arena a;
    sw_arena_init(&a, 1 << 22);
    for (size_t i = 0; i < sizeof protocols / sizeof protocols[0]; i++) {
        const char *msg = NULL;
        char err[256] = "";
        if (sw_sns_message_for_protocol(&a, text, n, protocols[i], &msg, err, sizeof err) != 0) {
            if (!err[0] || msg) abort();
        } else if (!msg) {
            abort();
        }
    }
    sw_arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 3) {
    case 0: fuzz_policy(text, n, 1); break;
    case 1: fuzz_policy(text, n, 0); break;
    default: fuzz_structure(text, n); break;
    }
    return 0;
}
