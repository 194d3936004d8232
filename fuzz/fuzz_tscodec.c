/* fuzz_tscodec.c -- libFuzzer target for the series block codec. Input starting with 'E': the rest is read as
 * (u32 timestamp delta, f64 value) samples, encoded and decoded back, which must give every bit again.
 * Anything else: decoded as a block, which must not crash or read outside the input, and a block that decodes
 * must re-encode to one that decodes to the same samples. */
#include "tscodec.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t T[SW_TS_MAX_BLOCK], T2[SW_TS_MAX_BLOCK];
static double V[SW_TS_MAX_BLOCK], V2[SW_TS_MAX_BLOCK];

static void check_round_trip(size_t n) {
    sw_buf b;
    sw_buf_init(&b);
    if (sw_ts_encode(&b, T, V, n, 1)) { fprintf(stderr, "encode refused valid samples\n"); abort(); }
    long got = sw_ts_decode((const uint8_t *)b.data, b.len, T2, V2);
    if (got != (long)n || memcmp(T, T2, n * sizeof *T) || memcmp(V, V2, n * sizeof *V)) {
        fprintf(stderr, "round trip differs (n=%zu got=%ld)\n", n, got);
        abort();
    }
    sw_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size && data[0] == 'E') {
        size_t n = (size - 1) / 12;
        if (n == 0 || n > SW_TS_MAX_BLOCK) return 0;
        uint32_t t = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t d;
            memcpy(&d, data + 1 + 12 * i, 4);
            t += d % 100000;
            T[i] = t;
            memcpy(&V[i], data + 1 + 12 * i + 4, 8);
        }
        check_round_trip(n);
        return 0;
    }
    uint8_t *copy = malloc(size ? size : 1); /* exact size, so ASan sees any read past the input */
    memcpy(copy, data, size);
    long n = sw_ts_decode(copy, size, T, V);
    free(copy);
    if (n > 0) check_round_trip((size_t)n);
    return 0;
}
