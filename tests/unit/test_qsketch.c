/* test_qsketch.c -- the quantile sketch of roll-ups: every percentile within its accuracy of the exact
 * nearest-rank value (sw_percentile over the raw values) for several shapes of data, merges that lose
 * nothing and do not depend on their order, exact and canonical encodings, damaged or hostile bytes
 * refused, the bin cap and what folding does to low quantiles, and trimmed means from stats.c over the
 * sketch's values. */
#include "test.h"
#include "qsketch.h"
#include "stats.h"
#include <float.h>
#include <stdint.h>

#define N_MAX 20000

static double V[N_MAX], W[N_MAX];
static uint64_t X = 88172645463325252ull;
static uint64_t rnd(void) { X ^= X << 13; X ^= X >> 7; X ^= X << 17; return X; }
static double unit(void) { return (double)((rnd() >> 11) + 1) / 9007199254740993.0; } /* (0, 1) */
static double normal(void) { return sqrt(-2 * log(unit())) * cos(6.283185307179586 * unit()); }

static const double P[] = {0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 100};
#define NP (sizeof P / sizeof P[0])

/* The sketch's promise: within SW_QS_ACCURACY (so within the 1%) of the exact value, or, for an
 * exact value in the zero bin, an answer in the zero bin too. */
static int close_enough(double got, double want) {
    if (fabs(want) < SW_QS_MIN_VALUE) return fabs(got) < SW_QS_MIN_VALUE;
    return fabs(got - want) <= SW_QS_ACCURACY * (1 + 1e-9) * fabs(want);
}
#define T_CLOSE(got, want, what, p) do { double _g = (got), _w = (want); sw_test_checks++; \
    if (!close_enough(_g, _w)) T_FAIL_("%s p%g: sketch %.17g, exact %.17g (relative error %.3g)", what, p, _g, _w, \
                                        fabs(_g - _w) / fabs(_w)); } while (0)

/* The exact nearest-rank percentile over v/w[0..n) (copied: sw_percentile sorts). */
static double exact_percentile(const double *v, const double *w, size_t n, double p) {
    double *cv = malloc(n * sizeof *cv), *cw = malloc(n * sizeof *cw);
    memcpy(cv, v, n * sizeof *cv);
    memcpy(cw, w, n * sizeof *cw);
    double r = sw_percentile(cv, cw, n, p);
    free(cv), free(cw);
    return r;
}

static void sketch_of(sw_qsketch *q, const double *v, const double *w, size_t n) {
    sw_qs_init(q);
    for (size_t i = 0; i < n; i++) sw_qs_add(q, v[i], w[i]);
}

/* Checks q against the raw values it was built from: every percentile of P from sw_qs_percentile and from
 * sw_percentile over sw_qs_values within the accuracy of the exact one; sw_qs_values ascending and adding
 * up to the count. exact_sums: the weights add up exactly in any order (integers, quarters), and then the
 * two ways of asking agree bit for bit between p0 and p100. */
static void check_against(const char *what, const sw_qsketch *q, const double *v, const double *w, size_t n,
                          int exact_sums) {
    size_t nv = sw_qs_values(q, NULL, NULL, 0);
    double *sv = malloc(nv * sizeof *sv), *sw = malloc(nv * sizeof *sw), total = 0, raw_total = 0;
    T_EQ_INT(sw_qs_values(q, sv, sw, nv), nv);
    int ascending = 1;
    for (size_t k = 0; k < nv; k++) {
        total += sw[k];
        if (k && sv[k] < sv[k - 1]) ascending = 0;
    }
    for (size_t i = 0; i < n; i++) raw_total += w[i];
    T_ASSERT(ascending);
    T_EQ_DBL(total, sw_qs_count(q), 0);
    T_EQ_DBL(sw_qs_count(q), raw_total, exact_sums ? 0 : 1e-12 * raw_total);
    for (size_t k = 0; k < NP; k++) {
        double want = exact_percentile(v, w, n, P[k]), got = sw_qs_percentile(q, P[k]);
        T_CLOSE(got, want, what, P[k]);
        double from_values = exact_percentile(sv, sw, nv, P[k]);
        T_CLOSE(from_values, want, what, P[k]);
        if (exact_sums && P[k] > 0 && P[k] < 100) T_EQ_DBL(from_values, got, 0);
    }
    T_EQ_DBL(sw_qs_percentile(q, 0), exact_percentile(v, w, n, 0), 0);     /* the exact min */
    T_EQ_DBL(sw_qs_percentile(q, 100), exact_percentile(v, w, n, 100), 0); /* the exact max */
    free(sv), free(sw);
}

static void check_distribution(const char *what, size_t n, int exact_sums) {
    sw_qsketch q;
    sketch_of(&q, V, W, n);
    check_against(what, &q, V, W, n, exact_sums);
    sw_qs_free(&q);
}

static void unit_weights(size_t n) { for (size_t i = 0; i < n; i++) W[i] = 1; }

static void test_uniform(void) {
    for (size_t i = 0; i < N_MAX; i++) V[i] = unit() * 1000;
    unit_weights(N_MAX);
    check_distribution("uniform", N_MAX, 1);
}

static void test_lognormal_latency(void) {
    for (size_t i = 0; i < N_MAX; i++) V[i] = 0.05 * exp(1.2 * normal()); /* seconds, median 50 ms */
    unit_weights(N_MAX);
    check_distribution("lognormal", N_MAX, 1);
}

static void test_pareto_heavy_tail(void) {
    for (size_t i = 0; i < N_MAX; i++) V[i] = pow(unit(), -1 / 1.1);
    unit_weights(N_MAX);
    check_distribution("pareto", N_MAX, 1);
}

static void test_constant(void) {
    for (size_t i = 0; i < 1000; i++) V[i] = 42.5;
    unit_weights(1000);
    check_distribution("constant", 1000, 1);
    sw_qsketch q;
    sketch_of(&q, V, W, 1000);
    for (size_t k = 0; k < NP; k++) T_EQ_DBL(sw_qs_percentile(&q, P[k]), 42.5, 0); /* clamped to min = max */
    sw_qs_free(&q);
}

static void test_negative_and_positive(void) {
    for (size_t i = 0; i < N_MAX; i++) V[i] = 100 * normal();
    unit_weights(N_MAX);
    check_distribution("normal(0, 100)", N_MAX, 1);
    for (size_t i = 0; i < N_MAX; i++) V[i] = -0.05 * exp(normal()); /* negative only */
    check_distribution("negative lognormal", N_MAX, 1);
}

/* Zeros (both signs), magnitudes from 1e-15 to 1e-3 and a few near 1e-300 of either sign, and subnormals,
 * which share the zero bin with 0. */
static void test_values_around_zero(void) {
    for (size_t i = 0; i < N_MAX; i++) {
        double sign = rnd() % 2 ? 1 : -1;
        switch (rnd() % 6) {
        case 0: V[i] = sign > 0 ? 0.0 : -0.0; break;
        case 1: V[i] = 5e-324 * (double)(rnd() % 1000) * sign; break;
        case 2: V[i] = 1e-300 * (double)(1 + rnd() % 10) * sign; break;
        default: V[i] = pow(10, -3 - 12 * unit()) * sign;
        }
    }
    unit_weights(N_MAX);
    check_distribution("around zero", N_MAX, 1);
}

static void test_integer_counters(void) {
    for (size_t i = 0; i < N_MAX; i++) V[i] = (double)(rnd() % 4 ? 0 : 1 + rnd() % 20);
    unit_weights(N_MAX);
    check_distribution("counters", N_MAX, 1);
    for (size_t i = 0; i < N_MAX; i++) V[i] = (double)(1000000 + rnd() % 5000000); /* byte counts */
    check_distribution("byte counts", N_MAX, 1);
}

/* StatisticValues-style weights: quarters (exact sums) and arbitrary fractions. */
static void test_fractional_weights(void) {
    static const double quarters[] = {0.25, 0.5, 1.5, 3, 7.75};
    for (size_t i = 0; i < N_MAX; i++) V[i] = 0.05 * exp(normal()), W[i] = quarters[rnd() % 5];
    check_distribution("quarter weights", N_MAX, 1);
    for (size_t i = 0; i < N_MAX; i++) V[i] = 10 * normal(), W[i] = 1e-3 + 10 * unit();
    check_distribution("fractional weights", N_MAX, 0);
}

/* The whole range PutMetricData accepts (|v| up to 2^360) and the extremes of a double. */
static void test_extreme_magnitudes(void) {
    for (size_t i = 0; i < 3000; i++) V[i] = pow(2, -360 + 720 * unit()) * (rnd() % 3 ? 1 : -1);
    unit_weights(3000);
    check_distribution("2^-360 .. 2^360", 3000, 1);
    double ext[] = {DBL_MAX, -DBL_MAX, DBL_MIN, -DBL_MIN, DBL_MAX / 1.005, 1, -1, 0};
    size_t n = sizeof ext / sizeof ext[0];
    memcpy(V, ext, sizeof ext);
    unit_weights(n);
    check_distribution("extremes", n, 1);
}

/* Bin edges are where rounding in log() could put a value in the next bin: a sweep over every magnitude,
 * with the edges g^i themselves, each answered between two neighbours that keep the clamp out of it. */
static void test_every_magnitude_within_accuracy(void) {
    double g = (1 + SW_QS_ACCURACY) / (1 - SW_QS_ACCURACY), w[3] = {1, 1, 1};
    for (int k = -70000; k <= 70000; k += 7) {
        double x[3];
        x[1] = k % 2 ? exp(k / 100.0) : pow(g, k);
        x[0] = x[1] / 2, x[2] = x[1] * 2;
        if (!isfinite(x[2]) || x[0] < DBL_MIN) continue;
        sw_qsketch q;
        sketch_of(&q, x, w, 3);
        T_CLOSE(sw_qs_percentile(&q, 50), x[1], "sweep", 50.0);
        sw_qs_free(&q);
    }
}

static void test_empty_and_ignored_input(void) {
    sw_qsketch q, e;
    sw_qs_init(&q), sw_qs_init(&e);
    T_EQ_DBL(sw_qs_count(&q), 0, 0);
    T_ASSERT(isnan(sw_qs_percentile(&q, 50)));
    T_EQ_INT(sw_qs_values(&q, NULL, NULL, 0), 0);
    sw_qs_add(&q, NAN, 1);
    sw_qs_add(&q, INFINITY, 1);
    sw_qs_add(&q, -INFINITY, 1);
    sw_qs_add(&q, 1, 0);
    sw_qs_add(&q, 1, -1);
    sw_qs_add(&q, 1, NAN);
    sw_qs_add(&q, 1, INFINITY);
    T_EQ_DBL(sw_qs_count(&q), 0, 0);
    sw_buf a, b;
    sw_buf_init(&a), sw_buf_init(&b);
    T_EQ_INT(sw_qs_encode(&q, &a), 4);
    sw_qs_encode(&e, &b);
    T_ASSERT(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    sw_qs_add(&q, 3, 2);
    T_ASSERT(isnan(sw_qs_percentile(&q, NAN)));
    T_EQ_DBL(sw_qs_percentile(&q, -5), 3, 0);
    T_EQ_DBL(sw_qs_percentile(&q, 250), 3, 0);
    sw_buf_free(&a), sw_buf_free(&b);
    sw_qs_free(&q), sw_qs_free(&e);
}

/* -0.0 is counted as 0.0 and never becomes the minimum or maximum, whichever zero comes first. */
static void test_negative_zero_is_zero(void) {
    sw_qsketch q;
    sw_qs_init(&q);
    sw_qs_add(&q, -0.0, 1);
    sw_qs_add(&q, 0.0, 1);
    T_ASSERT(q.min == 0 && !signbit(q.min) && !signbit(q.max));
    T_ASSERT(!signbit(sw_qs_percentile(&q, 50)));
    sw_qs_free(&q);
}

static void test_weights_saturate(void) {
    sw_qsketch q, r;
    sw_qs_init(&q);
    sw_qs_add(&q, 5, DBL_MAX);
    sw_qs_add(&q, 5, DBL_MAX);
    sw_qs_add(&q, 0, DBL_MAX);
    sw_qs_merge(&q, &q);
    T_EQ_DBL(q.pos.weight[0], DBL_MAX, 0);
    T_EQ_DBL(q.zero, DBL_MAX, 0);
    sw_buf b;
    sw_buf_init(&b);
    sw_qs_encode(&q, &b);
    T_EQ_INT(sw_qs_decode((const uint8_t *)b.data, b.len, &r), (long)b.len);
    T_EQ_DBL(sw_qs_percentile(&r, 100), 5, 0);
    sw_buf_free(&b);
    sw_qs_free(&q), sw_qs_free(&r);
}

static void test_values_respects_cap(void) {
    sw_qsketch q;
    sw_qs_init(&q);
    for (int i = 1; i <= 10; i++) sw_qs_add(&q, i * 10.0, 1);
    double v[6], w[6];
    v[5] = w[5] = -7;
    T_EQ_INT(sw_qs_values(&q, v, w, 5), 10);
    T_EQ_DBL(v[5], -7, 0);
    T_EQ_DBL(w[5], -7, 0);
    T_ASSERT(v[0] >= 10 && v[0] < 10.1 && v[4] > 49.7 && v[4] < 50.3 && w[4] == 1);
    sw_qs_free(&q);
}

/* The encoding of q, in a buffer the caller frees. */
static sw_buf encoded(const sw_qsketch *q) {
    sw_buf b;
    sw_buf_init(&b);
    T_EQ_INT(sw_qs_encode(q, &b), b.len);
    return b;
}

static int same_encoding(const sw_qsketch *a, const sw_qsketch *b) {
    sw_buf x = encoded(a), y = encoded(b);
    int same = x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
    sw_buf_free(&x), sw_buf_free(&y);
    return same;
}

/* Values spread over k sketches (integer weights) merge to exactly the sketch of all the values, in any
 * order and grouping, and keep the accuracy. */
static void test_merge_order_and_grouping(void) {
    enum { K = 7 };
    size_t n = N_MAX;
    for (size_t i = 0; i < n; i++) V[i] = 0.05 * exp(1.5 * normal()) * (rnd() % 10 ? 1 : -1), W[i] = (double)(1 + rnd() % 5);
    sw_qsketch part[K], all, fwd, rev, tree, left, right;
    for (int k = 0; k < K; k++) sw_qs_init(&part[k]);
    for (size_t i = 0; i < n; i++) sw_qs_add(&part[rnd() % K], V[i], W[i]);
    sketch_of(&all, V, W, n);
    sw_qs_init(&fwd), sw_qs_init(&rev), sw_qs_init(&tree), sw_qs_init(&left), sw_qs_init(&right);
    for (int k = 0; k < K; k++) sw_qs_merge(&fwd, &part[k]), sw_qs_merge(&rev, &part[K - 1 - k]);
    sw_qs_merge(&left, &part[0]), sw_qs_merge(&left, &part[1]);  /* ((6 5 4) ((0 1) (2 3))) */
    sw_qs_merge(&tree, &part[2]), sw_qs_merge(&tree, &part[3]);
    sw_qs_merge(&left, &tree);
    sw_qs_free(&tree);
    sw_qs_merge(&right, &part[6]), sw_qs_merge(&right, &part[5]), sw_qs_merge(&right, &part[4]);
    sw_qs_merge(&tree, &right), sw_qs_merge(&tree, &left);
    T_ASSERT(same_encoding(&fwd, &all));
    T_ASSERT(same_encoding(&rev, &all));
    T_ASSERT(same_encoding(&tree, &all));
    check_against("merged", &fwd, V, W, n, 1);
    for (int k = 0; k < K; k++) sw_qs_free(&part[k]);
    sw_qs_free(&all), sw_qs_free(&fwd), sw_qs_free(&rev), sw_qs_free(&tree), sw_qs_free(&left), sw_qs_free(&right);
}

/* A 5-minute period as the merge of five 1-minute periods of 60 samples, against the 300 raw values. */
static void test_five_minutes_from_one_minute_periods(void) {
    sw_qsketch minute[5], five;
    sw_qs_init(&five);
    for (int m = 0; m < 5; m++) {
        sw_qs_init(&minute[m]);
        for (int s = 0; s < 60; s++) {
            size_t i = (size_t)(60 * m + s);
            V[i] = 0.02 * exp(0.8 * normal()) * (1 + m), W[i] = 1;
            sw_qs_add(&minute[m], V[i], 1);
        }
        check_against("one minute", &minute[m], V + 60 * m, W, 60, 1);
        sw_qs_merge(&five, &minute[m]);
        sw_qs_free(&minute[m]);
    }
    check_against("five minutes", &five, V, W, 300, 1);
    sw_qs_free(&five);
}

/* Fractional weights: the merge is commutative bit for bit, and keeps the accuracy in any order. */
static void test_merge_fractional_weights(void) {
    size_t n = 5000;
    sw_qsketch a, b, ab, ba;
    sw_qs_init(&a), sw_qs_init(&b), sw_qs_init(&ab), sw_qs_init(&ba);
    for (size_t i = 0; i < n; i++) {
        V[i] = 100 * normal(), W[i] = 0.01 + 3 * unit();
        sw_qs_add(i % 3 ? &a : &b, V[i], W[i]);
    }
    sw_qs_merge(&ab, &a), sw_qs_merge(&ab, &b);
    sw_qs_merge(&ba, &b), sw_qs_merge(&ba, &a);
    T_ASSERT(same_encoding(&ab, &ba));
    check_against("merged fractional", &ab, V, W, n, 0);
    sw_qs_free(&a), sw_qs_free(&b), sw_qs_free(&ab), sw_qs_free(&ba);
}

static void test_merge_with_itself_and_empty(void) {
    sw_qsketch q, e, twice;
    sw_qs_init(&e);
    for (size_t i = 0; i < 1000; i++) V[i] = 1 + (double)(rnd() % 1000), W[i] = 1;
    sketch_of(&q, V, W, 1000);
    sketch_of(&twice, V, W, 1000);
    for (size_t i = 0; i < 1000; i++) sw_qs_add(&twice, V[i], W[i]);
    sw_qs_merge(&q, &e);
    sw_qs_merge(&e, &q);
    T_ASSERT(same_encoding(&q, &e));
    sw_qs_merge(&q, &q);
    T_ASSERT(same_encoding(&q, &twice));
    T_EQ_DBL(sw_qs_count(&q), 2000, 0);
    sw_qs_free(&q), sw_qs_free(&e), sw_qs_free(&twice);
}

/* Decodes b exactly (every byte consumed, in a copy of exact size) and checks the result re-encodes to b. */
static void check_round_trip(const char *what, const sw_qsketch *q) {
    sw_buf b = encoded(q);
    uint8_t *copy = malloc(b.len);
    memcpy(copy, b.data, b.len);
    sw_qsketch r;
    long got = sw_qs_decode(copy, b.len, &r);
    if (got != (long)b.len) fprintf(stderr, "  %s: decode gave %ld of %zu\n", what, got, b.len);
    T_EQ_INT(got, (long)b.len);
    T_ASSERT(same_encoding(q, &r));
    T_ASSERT(q->pos.n == r.pos.n && q->neg.n == r.neg.n);
    T_ASSERT(memcmp(&q->min, &r.min, 8) == 0 && memcmp(&q->max, &r.max, 8) == 0 && q->zero == r.zero);
    int same_bins = 1;
    for (uint32_t k = 0; k < q->pos.n && k < r.pos.n; k++)
        same_bins &= q->pos.index[k] == r.pos.index[k] && memcmp(&q->pos.weight[k], &r.pos.weight[k], 8) == 0;
    for (uint32_t k = 0; k < q->neg.n && k < r.neg.n; k++)
        same_bins &= q->neg.index[k] == r.neg.index[k] && memcmp(&q->neg.weight[k], &r.neg.weight[k], 8) == 0;
    T_ASSERT(same_bins);
    for (size_t k = 0; k < NP; k++) {
        double was = sw_qs_percentile(q, P[k]), now = sw_qs_percentile(&r, P[k]);
        T_ASSERT(memcmp(&was, &now, sizeof was) == 0); /* NaN for the empty sketch */
    }
    sw_qs_free(&r);
    free(copy);
    sw_buf_free(&b);
}

static void test_round_trips(void) {
    sw_qsketch q;
    sw_qs_init(&q);
    check_round_trip("empty", &q);
    sw_qs_add(&q, 0, 0.5);
    check_round_trip("zero only", &q);
    sw_qs_add(&q, -3, 1);
    check_round_trip("negative and zero", &q);
    sw_qs_add(&q, DBL_MAX, 9007199254740992.0);
    sw_qs_add(&q, -DBL_MAX, 9007199254740994.0); /* past 2^53: eight bytes */
    sw_qs_add(&q, DBL_MIN, 5e-324);
    sw_qs_add(&q, -DBL_MIN, 0.1);
    check_round_trip("extremes", &q);
    sw_qs_free(&q);
    for (size_t i = 0; i < N_MAX; i++) V[i] = 10 * normal(), W[i] = rnd() % 2 ? 1 + (double)(rnd() % 100) : unit();
    sketch_of(&q, V, W, N_MAX);
    check_round_trip("mixed", &q);
    sw_qs_free(&q);
}

/* A sketch read from bytes is one the functions here could have built: checked field by field. */
static int well_formed(const sw_qsketch *q) {
    const sw_qs_store *st[2] = {&q->neg, &q->pos};
    for (int s = 0; s < 2; s++) {
        if (st[s]->n > SW_QS_MAX_BINS) return 0;
        for (uint32_t k = 0; k < st[s]->n; k++) {
            if (k && st[s]->index[k] <= st[s]->index[k - 1]) return 0;
            if (!(st[s]->weight[k] > 0 && st[s]->weight[k] <= DBL_MAX)) return 0;
        }
    }
    if (sw_qs_count(q) == 0) return 1;
    return q->min <= q->max && sw_qs_percentile(q, 50) >= q->min && sw_qs_percentile(q, 50) <= q->max;
}

/* Every truncation of an encoded sketch is refused; every flipped byte is refused or gives a well-formed
 * sketch whose encoding is those very bytes (one encoding per sketch). Copies of exact size, for ASan. */
static void test_damage_refused_or_canonical(void) {
    sw_qsketch q;
    sw_qs_init(&q);
    for (int i = 0; i < 80; i++) sw_qs_add(&q, 0.05 * exp(normal()) * (i % 4 ? 1 : -1), i % 3 ? 1 + i : 0.3 * i);
    sw_qs_add(&q, 0, 2);
    sw_buf b = encoded(&q);
    static const uint8_t masks[] = {0x01, 0x02, 0x40, 0x80, 0xff, 0x5a};
    size_t accepted = 0;
    for (size_t k = 0; k < b.len; k++) {
        uint8_t *copy = malloc(k ? k : 1);
        memcpy(copy, b.data, k);
        sw_qsketch r;
        T_EQ_INT(sw_qs_decode(copy, k, &r), -1);
        sw_qs_free(&r);
        free(copy);
        for (size_t m = 0; m < sizeof masks; m++) {
            copy = malloc(b.len);
            memcpy(copy, b.data, b.len);
            copy[k] ^= masks[m];
            long got = sw_qs_decode(copy, b.len, &r);
            if (got >= 0) {
                accepted++;
                T_ASSERT(well_formed(&r));
                sw_buf e = encoded(&r);
                T_ASSERT(e.len == (size_t)got && memcmp(e.data, copy, e.len) == 0);
                sw_buf_free(&e);
            }
            sw_qs_free(&r);
            free(copy);
        }
    }
    T_ASSERT(accepted > 0); /* flipped weights and index gaps are sketches too */
    sw_buf_free(&b);
    sw_qs_free(&q);
}

/* Decodes hand-built bytes (version, counts and zero weight, then what the case needs) from an exact-size
 * copy; a refused input leaves the sketch empty. */
static long decode_bytes(const uint8_t *bytes, size_t n) {
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, bytes, n);
    sw_qsketch r;
    long got = sw_qs_decode(copy, n, &r);
    if (got < 0) T_ASSERT(r.pos.n == 0 && r.neg.n == 0 && r.zero == 0 && r.min == INFINITY && r.max == -INFINITY);
    sw_qs_free(&r);
    free(copy);
    return got;
}
#define DECODE(...) decode_bytes((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))
#define D1 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f  /* 1.0 */
#define D2 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40  /* 2.0 */
#define DM1 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0xbf /* -1.0 */
#define DNAN 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x7f
#define DNEGZERO 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80

static void test_hostile_encodings(void) {
    /* one positive bin (index 0, weight 1) holding min 1 and max 1, as the encoder writes it */
    T_EQ_INT(DECODE(1, 0, 1, 0, D1, D1, 0, 2), 22);
    T_EQ_INT(DECODE(1, 0, 1, 0, D1, D1, 0, 2, 0xee, 0xee), 22); /* what follows is the caller's */
    T_EQ_INT(DECODE(1, 0, 0, 0), 4);                             /* empty */
    T_EQ_INT(decode_bytes((const uint8_t *)"", 0), -1);
    T_EQ_INT(DECODE(2, 0, 0, 0), -1);                            /* unknown version */
    T_EQ_INT(DECODE(1, 0x81, 0x20, 0, 0), -1);                   /* 4097 negative bins: over the cap */
    T_EQ_INT(DECODE(1, 0, 0x80, 0x20, 0, D1, D1, 0, 2), -1);     /* 4096 bins promised, one present */
    T_EQ_INT(DECODE(1, 0x80, 0x00, 0, 0), -1);                   /* non-minimal varint for 0 */
    T_EQ_INT(DECODE(1, 0, 1, 0, D1, D1, 0x80, 0x00, 2), -1);     /* non-minimal index */
    T_EQ_INT(DECODE(1, 0, 1, 0, D1, D1, 0, 0), -1);              /* a bin of weight 0 */
    T_EQ_INT(DECODE(1, 0, 1, 0, D1, D1, 0, 3), -1);              /* odd weight code */
    T_EQ_INT(DECODE(1, 0, 1, 0, D1, D1, 0, 1, D2), -1);          /* integral weight 2 as a double */
    T_EQ_INT(DECODE(1, 0, 1, 0, D1, D1, 0, 1, DNAN), -1);        /* NaN weight */
    T_EQ_INT(DECODE(1, 0, 0, 1, DM1), -1);                       /* negative zero-bin weight */
    T_EQ_INT(DECODE(1, 0, 1, 0, D1, D1, 0, 1, DM1), -1);         /* negative weight */
    T_EQ_INT(DECODE(1, 0, 1, 0, DNAN, D1, 0, 2), -1);            /* NaN min */
    T_EQ_INT(DECODE(1, 0, 1, 0, D2, D1, 0, 2), -1);              /* min > max */
    T_EQ_INT(DECODE(1, 0, 1, 0, DM1, D1, 0, 2), -1);             /* negative min, no negative bin */
    T_EQ_INT(DECODE(1, 0, 0, 2, DNEGZERO, DNEGZERO), -1);        /* -0.0, which sw_qs_add never keeps */
    T_EQ_INT(DECODE(1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 20); /* zero bin, 0.0 */
    T_EQ_INT(DECODE(1, 0, 1, 0, D1, D1, 0xb2, 0xd5, 0x08, 2), -1); /* index 71001: past every double */
    T_EQ_INT(DECODE(1, 0, 1, 0, D1, D1, 0xb0, 0xd5, 0x08, 2), 24); /* index 71000: allowed */
    T_EQ_INT(DECODE(1, 0, 2, 0, D1, D2, 0, 2, 0xaf, 0xd5, 0x08, 2), -1); /* the next index past the limit */
    T_EQ_INT(DECODE(1, 0, 1, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), -1); /* 10-byte varint */
}

/* Values 1.1% apart, so each opens a bin: past SW_QS_MAX_BINS the lowest magnitudes fold into the lowest
 * bin kept. Upper quantiles keep the accuracy; the folded ones answer with that bin's value, too high. */
static void test_bin_cap_folds_lowest_magnitudes(void) {
    size_t n = 10000, folded = n - SW_QS_MAX_BINS; /* values 0 .. folded share the lowest bin kept */
    for (size_t i = 0; i < n; i++) V[i] = 1e-20 * pow(1.011, (double)i), W[i] = 1;
    sw_qsketch q;
    sketch_of(&q, V, W, n);
    T_EQ_INT(q.pos.n, SW_QS_MAX_BINS);
    T_ASSERT(q.pos.cap <= SW_QS_MAX_BINS);
    T_EQ_DBL(q.pos.weight[0], (double)folded + 1, 0);
    T_EQ_DBL(sw_qs_count(&q), (double)n, 0);
    double upper[] = {60, 75, 90, 99, 99.9, 100};
    for (size_t k = 0; k < sizeof upper / sizeof upper[0]; k++)
        T_CLOSE(sw_qs_percentile(&q, upper[k]), exact_percentile(V, W, n, upper[k]), "folded, upper", upper[k]);
    T_EQ_DBL(sw_qs_percentile(&q, 0), V[0], 0);
    double lowest_kept = sw_qs_percentile(&q, 50);
    T_CLOSE(lowest_kept, V[folded], "lowest bin kept", 50.0);
    T_EQ_DBL(sw_qs_percentile(&q, 1), lowest_kept, 0);
    T_ASSERT(sw_qs_percentile(&q, 10) > exact_percentile(V, W, n, 10) * 100);
    sw_qs_free(&q);
    /* Negative values mirror it: the most negative keep the accuracy, those nearest zero fold. */
    for (size_t i = 0; i < n; i++) V[i] = -V[i];
    sketch_of(&q, V, W, n);
    T_EQ_INT(q.neg.n, SW_QS_MAX_BINS);
    double lower[] = {0, 0.1, 1, 10, 25, 40};
    for (size_t k = 0; k < sizeof lower / sizeof lower[0]; k++)
        T_CLOSE(sw_qs_percentile(&q, lower[k]), exact_percentile(V, W, n, lower[k]), "folded, lower", lower[k]);
    T_ASSERT(sw_qs_percentile(&q, 90) < exact_percentile(V, W, n, 90) * 100);
    sw_qs_free(&q);
}

/* Folding gives the same sketch whatever the order of the adds, and whether it happens in adds or in a
 * merge; a merge past the cap leaves no more than SW_QS_MAX_BINS bins of memory. */
static void test_bin_cap_is_order_independent(void) {
    size_t n = 6000;
    for (size_t i = 0; i < n; i++) V[i] = 1e-20 * pow(1.011, (double)i), W[i] = 1 + (double)(i % 3);
    sw_qsketch sorted, shuffled, a, b;
    sketch_of(&sorted, V, W, n);
    sw_qs_init(&shuffled), sw_qs_init(&a), sw_qs_init(&b);
    size_t *order = malloc(n * sizeof *order);
    for (size_t i = 0; i < n; i++) order[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = rnd() % (i + 1), t = order[i];
        order[i] = order[j], order[j] = t;
    }
    for (size_t i = 0; i < n; i++) sw_qs_add(&shuffled, V[order[i]], W[order[i]]);
    T_ASSERT(same_encoding(&sorted, &shuffled));
    for (size_t i = 0; i < n; i++) sw_qs_add(i < 3000 ? &a : &b, V[i], W[i]); /* 3000 bins each */
    T_EQ_INT(a.pos.n, 3000);
    sw_qs_merge(&a, &b);
    T_EQ_INT(a.pos.n, SW_QS_MAX_BINS);
    T_ASSERT(a.pos.cap <= SW_QS_MAX_BINS);
    T_ASSERT(same_encoding(&a, &sorted));
    sw_qs_merge(&b, &a);
    sw_qs_merge(&b, &b);
    T_EQ_INT(b.pos.n, SW_QS_MAX_BINS);
    T_ASSERT(b.pos.cap <= SW_QS_MAX_BINS);
    free(order);
    sw_qs_free(&sorted), sw_qs_free(&shuffled), sw_qs_free(&a), sw_qs_free(&b);
}

/* What the engine will do for a rolled-up period: stats.c over sw_qs_values, against stats.c over the raw
 * values. On positive values each of these is within the accuracy. */
static void test_statistics_over_sketch_values(void) {
    static const char *names[] = {"TM(10%:90%)", "IQM", "tm99", "WM(5%:95%)", "TS(10%:90%)", "p99", "p50"};
    size_t n = N_MAX;
    for (size_t i = 0; i < n; i++) V[i] = 0.05 * exp(1.2 * normal()), W[i] = 1 + (double)(rnd() % 3);
    sw_qsketch q;
    sketch_of(&q, V, W, n);
    size_t nv = sw_qs_values(&q, NULL, NULL, 0);
    sw_bucket raw = {.values = malloc(n * sizeof(double)), .weights = malloc(n * sizeof(double)), .nvalues = n,
                     .exact = 1};
    sw_bucket sk = {.values = malloc(nv * sizeof(double)), .weights = malloc(nv * sizeof(double)), .nvalues = nv,
                    .exact = 1};
    memcpy(raw.values, V, n * sizeof(double));
    memcpy(raw.weights, W, n * sizeof(double));
    sw_qs_values(&q, sk.values, sk.weights, nv);
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        sw_stat st;
        double want, got;
        T_EQ_INT(sw_stat_parse(names[k], &st), 0);
        T_EQ_INT(sw_stat_compute(&st, &raw, &want), 0);
        T_EQ_INT(sw_stat_compute(&st, &sk, &got), 0);
        T_CLOSE(got, want, names[k], 0.0);
    }
    free(raw.values), free(raw.weights), free(sk.values), free(sk.weights);
    sw_qs_free(&q);
}

sw_test_case sw_tests[] = {
    {"uniform", test_uniform},
    {"lognormal_latency", test_lognormal_latency},
    {"pareto_heavy_tail", test_pareto_heavy_tail},
    {"constant", test_constant},
    {"negative_and_positive", test_negative_and_positive},
    {"values_around_zero", test_values_around_zero},
    {"integer_counters", test_integer_counters},
    {"fractional_weights", test_fractional_weights},
    {"extreme_magnitudes", test_extreme_magnitudes},
    {"every_magnitude_within_accuracy", test_every_magnitude_within_accuracy},
    {"empty_and_ignored_input", test_empty_and_ignored_input},
    {"negative_zero_is_zero", test_negative_zero_is_zero},
    {"weights_saturate", test_weights_saturate},
    {"values_respects_cap", test_values_respects_cap},
    {"merge_order_and_grouping", test_merge_order_and_grouping},
    {"five_minutes_from_one_minute_periods", test_five_minutes_from_one_minute_periods},
    {"merge_fractional_weights", test_merge_fractional_weights},
    {"merge_with_itself_and_empty", test_merge_with_itself_and_empty},
    {"round_trips", test_round_trips},
    {"damage_refused_or_canonical", test_damage_refused_or_canonical},
    {"hostile_encodings", test_hostile_encodings},
    {"bin_cap_folds_lowest_magnitudes", test_bin_cap_folds_lowest_magnitudes},
    {"bin_cap_is_order_independent", test_bin_cap_is_order_independent},
    {"statistics_over_sketch_values", test_statistics_over_sketch_values},
    {NULL, NULL},
};

#include "test_main.h"
