/* fuzz_alarm_rule.c -- libFuzzer target: the first byte seeds a pseudo-random world of alarm states, the rest
 * is an AlarmRule; parse, list children, evaluate, and check that NOT (rule) evaluates to the opposite. */
#include "alarm_rule.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct { uint32_t seed; int calls; } fuzz_world;

/* A state from a hash of the name and the seed; some names do not exist (-1) or answer out of range. */
static int fuzz_lookup(void *arg, const char *name) {
    fuzz_world *w = arg;
    uint32_t h = 2166136261u ^ w->seed;
    for (const char *p = name; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    w->calls++;
    switch (h % 5) {
    case 0: return SW_ALARM_OK;
    case 1: return SW_ALARM_ALARM;
    case 2: return SW_ALARM_INSUFFICIENT;
    case 3: return -1;
    default: return (int)(h >> 8);
    }
}

static int fuzz_eval(const sw_alarm_rule *r, uint32_t seed) {
    fuzz_world w = {seed, 0};
    int v = sw_alarm_rule_eval(r, fuzz_lookup, &w);
    if (v != 0 && v != 1) abort();
    if ((size_t)w.calls > sw_alarm_rule_nchildren(r)) abort(); /* one lookup per child at most */
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint32_t seed = data[0];
    const char *rule = (const char *)data + 1;
    size_t len = size - 1;
    char err[256];
    sw_alarm_rule *r = sw_alarm_rule_parse(rule, len, "us-east-1", "123456789012", err, sizeof err);
    if (!r) {
        if (!err[0]) abort(); /* every refusal says why */
        return 0;
    }
    size_t n = sw_alarm_rule_nchildren(r);
    if (n > SW_ALARM_RULE_MAX_CHILDREN) abort();
    for (size_t i = 0; i < n; i++) {
        const char *c = sw_alarm_rule_child(r, i);
        if (!c[0] || strlen(c) > len) abort(); /* an ARN's NAME may itself start "arn:", so no more to check */
        for (size_t j = 0; j < i; j++)
            if (!strcmp(c, sw_alarm_rule_child(r, j))) abort(); /* distinct */
    }
    int v = fuzz_eval(r, seed);
    if (fuzz_eval(r, seed) != v) abort();
    if (sw_alarm_rule_eval(r, NULL, NULL) > 1) abort();

    char *neg = malloc(len + 7);
    memcpy(neg, "NOT (", 5);
    memcpy(neg + 5, rule, len);
    neg[len + 5] = ')';
    sw_alarm_rule *nr = sw_alarm_rule_parse(neg, len + 6, "us-east-1", "123456789012", err, sizeof err);
    if (nr) {
        if (fuzz_eval(nr, seed) != !v) abort();
        sw_alarm_rule_free(nr);
    }
    free(neg);
    sw_alarm_rule_free(r);
    return 0;
}
