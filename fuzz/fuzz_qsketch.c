/* fuzz_qsketch.c -- libFuzzer target for the quantile sketch. Input starting with 'A': the rest is read as
 * (f64 value, weight byte) samples; the sketch of them must answer every percentile within its accuracy of
 * sw_percentile over the samples, the sketches of the two halves must merge into the same bytes, and the
 * sketch must survive encoding. Anything else: decoded as a sketch, which must not crash or read outside the
 * input, and a sketch that decodes must re-encode to exactly the bytes it came from (one encoding per
 * sketch), decode again, and answer percentiles in ascending order inside [min, max]. */
#include "qsketch.h"
#include "stats.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double P[] = {0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 100};
#define NP (sizeof P / sizeof P[0])

static void fail(const char *why) {
    fprintf(stderr, "%s\n", why);
    abort();
}

/* Percentiles ascend with p and lie in [min, max]; sw_qs_values ascends and adds up to the count. */
static void check_answers(const sw_qsketch *q) {
    double prev = -INFINITY;
    if (sw_qs_count(q) == 0) {
        if (!isnan(sw_qs_percentile(q, 50)) || sw_qs_values(q, NULL, NULL, 0) != 0) fail("empty sketch answers");
        return;
    }
    for (size_t k = 0; k < NP; k++) {
        double v = sw_qs_percentile(q, P[k]);
        if (!(v >= prev && v >= q->min && v <= q->max)) fail("percentile out of order or outside [min, max]");
        prev = v;
    }
    size_t n = sw_qs_values(q, NULL, NULL, 0);
    double *v = malloc(n * sizeof *v), *w = malloc(n * sizeof *w), total = 0;
    sw_qs_values(q, v, w, n);
    for (size_t k = 0; k < n; k++) {
        if (!(v[k] >= q->min && v[k] <= q->max) || (k && v[k] < v[k - 1]) || !(w[k] > 0)) fail("values");
        total += w[k];
    }
    if (total != sw_qs_count(q)) fail("values do not add up to the count");
    free(v), free(w);
}

static sw_buf encode(const sw_qsketch *q) {
    sw_buf b;
    sw_buf_init(&b);
    if (sw_qs_encode(q, &b) != b.len) fail("encode length");
    return b;
}

/* Decodes b (all of it, from an exact-size copy) and checks it re-encodes to b. */
static void check_reencodes(const sw_buf *b) {
    uint8_t *copy = malloc(b->len ? b->len : 1);
    memcpy(copy, b->data, b->len);
    sw_qsketch r;
    if (sw_qs_decode(copy, b->len, &r) != (long)b->len) fail("encoded sketch does not decode");
    sw_buf e = encode(&r);
    if (e.len != b->len || memcmp(e.data, b->data, e.len)) fail("decode(encode(x)) differs");
    sw_buf_free(&e);
    sw_qs_free(&r);
    free(copy);
}

static int close_enough(double got, double want) {
    if (fabs(want) < SW_QS_MIN_VALUE) return fabs(got) < SW_QS_MIN_VALUE;
    return fabs(got - want) <= SW_QS_ACCURACY * (1 + 1e-9) * fabs(want);
}

/* Samples of 9 bytes: a double (those that are not finite are skipped, as sw_qs_add skips them) and a
 * weight byte, 1 to 128 or a multiple of 1/4, so that weights add up exactly in any order. */
static void fuzz_adds(const uint8_t *data, size_t size) {
    size_t n = size / 9, m = 0;
    double *v = malloc((n ? n : 1) * sizeof *v), *w = malloc((n ? n : 1) * sizeof *w);
    sw_qsketch all, lo, hi;
    sw_qs_init(&all), sw_qs_init(&lo), sw_qs_init(&hi);
    for (size_t i = 0; i < n; i++) {
        double x;
        memcpy(&x, data + 9 * i, 8);
        uint8_t b = data[9 * i + 8];
        double wt = b & 0x80 ? (double)((b & 0x7f) + 1) / 4 : (double)b + 1;
        sw_qs_add(&all, x, wt);
        sw_qs_add(i < n / 2 ? &lo : &hi, x, wt);
        if (isfinite(x)) v[m] = x, w[m] = wt, m++;
    }
    check_answers(&all);
    if (m && all.pos.n < SW_QS_MAX_BINS && all.neg.n < SW_QS_MAX_BINS)
        for (size_t k = 0; k < NP; k++) {
            double want = sw_percentile(v, w, m, P[k]), got = sw_qs_percentile(&all, P[k]);
            if (!close_enough(got, want)) {
                fprintf(stderr, "p%g: sketch %.17g, exact %.17g\n", P[k], got, want);
                fail("percentile outside the accuracy");
            }
        }
    sw_qs_merge(&lo, &hi);
    sw_buf a = encode(&all), b = encode(&lo);
    if (a.len != b.len || memcmp(a.data, b.data, a.len)) fail("merge of the halves differs from the whole");
    check_reencodes(&a);
    sw_buf_free(&a), sw_buf_free(&b);
    sw_qs_free(&all), sw_qs_free(&lo), sw_qs_free(&hi);
    free(v), free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size && data[0] == 'A') {
        fuzz_adds(data + 1, size - 1);
        return 0;
    }
    uint8_t *copy = malloc(size ? size : 1); /* exact size, so ASan sees any read past the input */
    memcpy(copy, data, size);
    sw_qsketch q;
    long n = sw_qs_decode(copy, size, &q);
    if (n >= 0) {
        if ((size_t)n > size) fail("consumed more than the input");
        sw_buf b = encode(&q);
        if (b.len != (size_t)n || memcmp(b.data, copy, b.len)) fail("a decoded sketch encodes differently");
        check_reencodes(&b);
        check_answers(&q);
        sw_qs_merge(&q, &q);
        check_answers(&q);
        sw_buf_free(&b);
    }
    sw_qs_free(&q);
    free(copy);
    return 0;
}
