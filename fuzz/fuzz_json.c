/* fuzz_json.c -- libFuzzer target: decode hostile bytes; whatever decodes must re-encode to text that decodes. */
#include "alloc.h"
#include "json.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ARENA_LIMIT (4u << 20)

/* Decodes, then checks encode -> decode -> encode reproduces the first encoding exactly. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sw_arena a1, a2;
    sw_arena_init(&a1, FUZZ_ARENA_LIMIT);
    sw_arena_init(&a2, 0);
    char err[128];
    sw_value *v;
    if (sw_json_decode(&a1, (const char *)data, size, &v, err, sizeof err) == 0) {
        sw_buf first, second;
        sw_buf_init(&first);
        sw_buf_init(&second);
        sw_json_encode(&first, v);
        sw_value *again;
        if (sw_json_decode(&a2, first.data, first.len, &again, err, sizeof err) != 0) {
            fprintf(stderr, "re-decode failed: %s\n%.*s\n", err, (int)first.len, first.data);
            abort();
        }
        sw_json_encode(&second, again);
        if (second.len != first.len || memcmp(first.data, second.data, first.len) != 0) {
            fprintf(stderr, "encoding not stable:\n%s\n%s\n", first.data, second.data);
            abort();
        }
        sw_buf_free(&first);
        sw_buf_free(&second);
    } else if (v != NULL || err[0] == '\0') {
        abort();
    }
    sw_arena_free(&a1);
    sw_arena_free(&a2);
    return 0;
}
