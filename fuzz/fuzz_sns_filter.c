/* fuzz_sns_filter.c -- libFuzzer target for SNS filter policies. Byte 0 picks the scope (bit 0: MessageBody);
 * the rest is "policy\ndocument". A policy that parses is matched against the document (parsed as JSON;
 * for the attribute scope also as MessageAttributes built from it), and the answer must not change when the
 * policy is wrapped as {"$or":[P,P]}. */
#include "arena.h"
#include "sns_filter.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    int body = data[0] & 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    const char *nl = memchr(text, '\n', len);
    size_t plen = nl ? (size_t)(nl - text) : len;
    char err[512];
    json_t *p = sw_sns_filter_parse(text, plen, body, err, sizeof err);
    if (!p) {
        if (strncmp(err, "Invalid parameter: ", 19) != 0) abort();
        return 0;
    }
    json_t *doc = nl ? json_loadb(nl + 1, len - plen - 1, JSON_DECODE_ANY, NULL) : NULL;
    const json_t *d = json_is_object(doc) ? doc : NULL;
    int m = sw_sns_filter_match(p, d);
    if (m != 0 && m != 1) abort();
    char *ptext = json_dumps(p, JSON_COMPACT);
    size_t wl = strlen(ptext) * 2 + 16;
    char *wrapped = malloc(wl);
    snprintf(wrapped, wl, "{\"$or\":[%s,%s]}", ptext, ptext);
    json_t *w = sw_sns_filter_parse(wrapped, strlen(wrapped), body, err, sizeof err);
    if (w && sw_sns_filter_match(w, d) != m) abort();
    json_decref(w);
    free(wrapped);
    free(ptext);
    /* The same document as string MessageAttributes. */
    if (!body && d) {
        sw_arena a;
        sw_arena_init(&a, 1 << 20);
        sw_value *attrs = sw_v_map(&a);
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)d, k, v) {
            sw_value *at = sw_v_map(&a);
            const char *s = json_string_value(v);
            sw_v_map_putc(&a, at, "DataType", sw_v_cstr(&a, json_is_number(v) ? "Number" : "String"));
            char num[64];
            if (json_is_number(v)) snprintf(num, sizeof num, "%.17g", json_number_value(v)), s = num;
            sw_v_map_putc(&a, at, "StringValue", sw_v_cstr(&a, s ? s : ""));
            sw_v_map_putc(&a, attrs, k, at);
        }
        json_t *ad = sw_sns_filter_attributes_doc(attrs);
        int am = sw_sns_filter_match(p, ad);
        if (am != 0 && am != 1) abort();
        json_decref(ad);
        sw_arena_free(&a);
    }
    json_decref(doc);
    json_decref(p);
    return 0;
}
