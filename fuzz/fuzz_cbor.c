/* fuzz_cbor.c -- libFuzzer target: CBOR decode must never crash, and what it decodes must round-trip. */
#include "cbor.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ARENA_LIMIT (4u << 20)

/* Decodes data; on success encodes the tree, which must decode again and re-encode to the very
 * same bytes (the encoder's output is canonical: definite lengths, shortest heads, float64). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sw_arena a;
    sw_value *v = NULL, *again = NULL;
    char err[128];
    sw_arena_init(&a, FUZZ_ARENA_LIMIT);
    if (sw_cbor_decode(&a, data, size, &v, err, sizeof err) != 0) {
        if (err[0] == '\0') abort();
        sw_arena_free(&a);
        return 0;
    }
    sw_buf first, second;
    sw_buf_init(&first);
    sw_buf_init(&second);
    sw_cbor_encode(&first, v);
    sw_arena second_arena;
    sw_arena_init(&second_arena, 0);
    if (sw_cbor_decode(&second_arena, (const uint8_t *)first.data, first.len, &again, err, sizeof err) != 0) {
        fprintf(stderr, "re-decode failed: %s\n", err);
        abort();
    }
    sw_cbor_encode(&second, again);
    if (first.len != second.len || memcmp(first.data, second.data, first.len) != 0) abort();
    sw_buf_free(&first);
    sw_buf_free(&second);
    sw_arena_free(&second_arena);
    sw_arena_free(&a);
    return 0;
}
