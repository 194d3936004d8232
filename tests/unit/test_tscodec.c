/* test_tscodec.c -- the series block codec: bit-exact round trips of both value encodings, the choice
 * between them, and damaged or hostile blocks refused without reading outside them. */
#include "test.h"
#include "tscodec.h"
#include <stdint.h>

static uint32_t T[SW_TS_MAX_BLOCK], T2[SW_TS_MAX_BLOCK];
static double V[SW_TS_MAX_BLOCK], V2[SW_TS_MAX_BLOCK];
static uint64_t X = 88172645463325252ull;
static uint64_t rnd(void) { X ^= X << 13; X ^= X >> 7; X ^= X << 17; return X; }
static double unit(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

/* Encodes n samples, decodes them, and checks every bit; returns the block's size. */
static size_t round_trip(size_t n, int want_kind) {
    sw_buf b;
    sw_buf_init(&b);
    T_EQ_INT(sw_ts_encode(&b, T, V, n, 3), 0);
    if (want_kind >= 0) T_EQ_INT((unsigned char)b.data[2], want_kind);
    long got = sw_ts_decode((const uint8_t *)b.data, b.len, T2, V2);
    T_EQ_INT(got, (long)n);
    int same = got == (long)n && memcmp(T, T2, n * sizeof *T) == 0 && memcmp(V, V2, n * sizeof *V) == 0;
    T_ASSERT(same);
    size_t len = b.len;
    sw_buf_free(&b);
    return len;
}

static void test_random_walk_full_precision(void) {
    double x = 100;
    for (size_t i = 0; i < 8640; i++) T[i] = 1700000000u + 10u * (uint32_t)i, V[i] = x += unit() - 0.5;
    size_t len = round_trip(8640, 1);
    T_ASSERT(len < 8640 * 8); /* below 8 bytes per sample */
}

static void test_two_decimals_use_the_decimal_encoding(void) {
    double x = 5000;
    for (size_t i = 0; i < 8640; i++) {
        x += (double)(int)(unit() * 200 - 100);
        T[i] = 1700000000u + 10u * (uint32_t)i, V[i] = x / 100;
    }
    size_t len = round_trip(8640, 0);
    T_ASSERT(len < 8640 * 3);
}

static void test_regular_timestamps_and_constant_values_cost_little(void) {
    for (size_t i = 0; i < 8640; i++) T[i] = 1700000000u + 60u * (uint32_t)i, V[i] = 1;
    T_ASSERT(round_trip(8640, 0) < 200);
}

static void test_special_values_survive(void) {
    double special[] = {0.0, -0.0, NAN, -NAN, INFINITY, -INFINITY, 5e-324, 1.7976931348623157e308, 0.1, 1e15, 1e16, -3};
    size_t n = sizeof special / sizeof special[0];
    for (size_t i = 0; i < n; i++) T[i] = 1000 + (uint32_t)i * 7, V[i] = special[i];
    round_trip(n, 1);
    for (size_t i = 0; i < 5; i++) T[i] = 42, V[i] = -0.0; /* -0.0 is not a decimal: its sign would be lost */
    round_trip(5, 1);
    V[0] = 0.1, V[1] = 0.25, V[2] = 3;
    round_trip(3, 0);
}

static void test_one_sample_and_full_block(void) {
    T[0] = 0, V[0] = 123.456;
    round_trip(1, -1);
    for (size_t i = 0; i < SW_TS_MAX_BLOCK; i++) T[i] = (uint32_t)(rnd() % 3) + (i ? T[i - 1] : 0), V[i] = unit();
    round_trip(SW_TS_MAX_BLOCK, 1);
}

static void test_bad_arguments_refused(void) {
    sw_buf b;
    sw_buf_init(&b);
    T[0] = 10, T[1] = 9;
    T_EQ_INT(sw_ts_encode(&b, T, V, 2, 3), -1);
    T_EQ_INT(sw_ts_encode(&b, T, V, 0, 3), -1);
    T_EQ_INT(sw_ts_encode(&b, T, V, SW_TS_MAX_BLOCK + 1, 3), -1);
    sw_buf_free(&b);
}

/* Every flipped byte and every truncation of a block is refused (the checksum covers the frame; the header
 * is checked field by field), read within the exact-size copy ASan watches. */
static void test_damage_refused(void) {
    double x = 1;
    for (size_t i = 0; i < 300; i++) T[i] = 500 + 10 * (uint32_t)i, V[i] = x *= 1.01;
    sw_buf b;
    sw_buf_init(&b);
    T_EQ_INT(sw_ts_encode(&b, T, V, 300, 3), 0);
    for (size_t k = 0; k < b.len; k++) {
        uint8_t *copy = malloc(b.len);
        memcpy(copy, b.data, b.len);
        copy[k] ^= 0x5a;
        long got = sw_ts_decode(copy, b.len, T2, V2);
        if (got != -1) fprintf(stderr, "  flip at %zu of %zu accepted\n", k, b.len);
        T_EQ_INT(got, -1);
        free(copy);
        copy = malloc(k ? k : 1);
        memcpy(copy, b.data, k);
        T_EQ_INT(sw_ts_decode(copy, k, T2, V2), -1);
        free(copy);
    }
    sw_buf_free(&b);
}

sw_test_case sw_tests[] = {
    {"random_walk_full_precision", test_random_walk_full_precision},
    {"two_decimals_use_the_decimal_encoding", test_two_decimals_use_the_decimal_encoding},
    {"regular_timestamps_and_constant_values_cost_little", test_regular_timestamps_and_constant_values_cost_little},
    {"special_values_survive", test_special_values_survive},
    {"one_sample_and_full_block", test_one_sample_and_full_block},
    {"bad_arguments_refused", test_bad_arguments_refused},
    {"damage_refused", test_damage_refused},
    {NULL, NULL},
};

#include "test_main.h"
