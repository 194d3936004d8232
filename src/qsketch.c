/* qsketch.c -- see qsketch.h. Encoded form, every integer a minimal LEB128 varint:
 *   version (1 byte, 1: a = 0.005, log bins)
 *   bins of the negative store | bins of the positive store | zero weight
 *   min, max (8 bytes each, the double's bits little-endian; only when the sketch is not empty)
 *   negative bins, then positive bins, each by ascending index: the first index zigzag, later ones as
 *   (index - previous index - 1), each followed by its weight
 * A weight w is varint 2w when w is an integer in [1, 2^53] (one byte up to 63), else varint 1 and the 8
 * bytes of the double; the zero weight may also be varint 0 (no zero bin). The decoder accepts exactly what
 * the encoder writes, so a sketch has one encoding. */
#include "qsketch.h"
#include "alloc.h"
#include "varint.h"
#include <assert.h>
#include <math.h>
#include <string.h>

#define SW_QS_VERSION 1
#define SW_QS_LN_GAMMA 0.010000083334583356     /* log((1 + a) / (1 - a)) = 2 atanh(a) */
#define SW_QS_LN_ONE_MINUS_A -0.005012541823544282 /* log(1 - a) */
#define SW_QS_MAX_INTEGRAL 9007199254740992.0     /* 2^53: integral weights up to here take a varint */

void sw_qs_init(sw_qsketch *q) {
    memset(q, 0, sizeof *q);
    q->min = INFINITY;
    q->max = -INFINITY;
}

static void sw_qs_store_free(sw_qs_store *s) {
    sw_free(s->index);
    sw_free(s->weight);
    memset(s, 0, sizeof *s);
}

void sw_qs_free(sw_qsketch *q) {
    sw_qs_store_free(&q->pos);
    sw_qs_store_free(&q->neg);
    sw_qs_init(q);
}

/* The bin of a magnitude m >= SW_QS_MIN_VALUE. */
static int32_t sw_qs_index(double m) { return (int32_t)ceil(log(m) / SW_QS_LN_GAMMA); }

/* The value a bin answers with, g^i (1 - a); computed in one exp so that it overflows only when it is
 * past DBL_MAX itself (and the clamp to max then gives a closer answer). */
static double sw_qs_bin_value(int32_t i) { return exp(i * SW_QS_LN_GAMMA + SW_QS_LN_ONE_MINUS_A); }

/* Weights add up without ever reaching infinity, so every bin weight stays encodable. */
static double sw_qs_wsum(double a, double b) {
    double s = a + b;
    return s <= DBL_MAX ? s : DBL_MAX;
}

/* Room for n bins; capacity doubles, but past SW_QS_MAX_BINS only a merge asks for more, and only for a
 * moment (sw_qs_store_merge shrinks it back). */
static void sw_qs_store_reserve(sw_qs_store *s, uint32_t n) {
    if (n <= s->cap) return;
    uint32_t cap = s->cap ? s->cap : 8;
    while (cap < n) cap *= 2;
    if (cap > SW_QS_MAX_BINS) cap = n > SW_QS_MAX_BINS ? n : SW_QS_MAX_BINS;
    s->index = sw_realloc(s->index, cap * sizeof *s->index);
    s->weight = sw_realloc(s->weight, cap * sizeof *s->weight);
    s->cap = cap;
}

/* Folds the lowest bins into the lowest of the SW_QS_MAX_BINS highest, lowest first. */
static void sw_qs_store_collapse(sw_qs_store *s) {
    if (s->n <= SW_QS_MAX_BINS) return;
    uint32_t drop = s->n - SW_QS_MAX_BINS;
    double w = s->weight[0];
    for (uint32_t k = 1; k <= drop; k++) w = sw_qs_wsum(w, s->weight[k]);
    s->weight[drop] = w;
    memmove(s->index, s->index + drop, SW_QS_MAX_BINS * sizeof *s->index);
    memmove(s->weight, s->weight + drop, SW_QS_MAX_BINS * sizeof *s->weight);
    s->n = SW_QS_MAX_BINS;
}

/* The position of bin i in s, or where it would be inserted. */
static uint32_t sw_qs_store_find(const sw_qs_store *s, int32_t i) {
    uint32_t lo = 0, hi = s->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->index[mid] < i) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Adds weight w to bin i, opening it if needed. In a full store a new bin below every other one is folded
 * into the lowest at once; any other new bin pushes the lowest out, folding it into the next. */
static void sw_qs_store_add(sw_qs_store *s, int32_t i, double w) {
    uint32_t k = sw_qs_store_find(s, i);
    if (k < s->n && s->index[k] == i) { s->weight[k] = sw_qs_wsum(s->weight[k], w); return; }
    if (s->n < SW_QS_MAX_BINS) {
        sw_qs_store_reserve(s, s->n + 1);
        memmove(s->index + k + 1, s->index + k, (s->n - k) * sizeof *s->index);
        memmove(s->weight + k + 1, s->weight + k, (s->n - k) * sizeof *s->weight);
        s->index[k] = i, s->weight[k] = w;
        s->n++;
        return;
    }
    if (k == 0) { s->weight[0] = sw_qs_wsum(s->weight[0], w); return; }
    double folded = s->weight[0];
    memmove(s->index, s->index + 1, (k - 1) * sizeof *s->index);
    memmove(s->weight, s->weight + 1, (k - 1) * sizeof *s->weight);
    s->index[k - 1] = i, s->weight[k - 1] = w;
    s->weight[0] = sw_qs_wsum(folded, s->weight[0]);
}

void sw_qs_add(sw_qsketch *q, double v, double weight) {
    if (!isfinite(v) || !(weight > 0 && weight <= DBL_MAX)) return;
    v += 0.0; /* -0.0 becomes 0.0, so min and max do not depend on which zero came first */
    if (v < q->min) q->min = v;
    if (v > q->max) q->max = v;
    if (v >= SW_QS_MIN_VALUE) sw_qs_store_add(&q->pos, sw_qs_index(v), weight);
    else if (v <= -SW_QS_MIN_VALUE) sw_qs_store_add(&q->neg, sw_qs_index(-v), weight);
    else q->zero = sw_qs_wsum(q->zero, weight);
}

/* Merges s into d from the top down, in place: d grows to hold both, bins meet at their final positions,
 * and the gap left by bins found in both closes at the end. s may be d. */
static void sw_qs_store_merge(sw_qs_store *d, const sw_qs_store *s) {
    uint32_t nd = d->n, ns = s->n;
    if (ns == 0) return;
    sw_qs_store_reserve(d, nd + ns);
    int64_t i = (int64_t)nd - 1, j = (int64_t)ns - 1, k = (int64_t)nd + ns - 1;
    for (; j >= 0; k--) {
        if (i >= 0 && d->index[i] > s->index[j]) {
            d->index[k] = d->index[i], d->weight[k] = d->weight[i], i--;
        } else if (i >= 0 && d->index[i] == s->index[j]) {
            d->weight[k] = sw_qs_wsum(d->weight[i], s->weight[j]), d->index[k] = d->index[i], i--, j--;
        } else {
            d->index[k] = s->index[j], d->weight[k] = s->weight[j], j--;
        }
    }
    /* d[0..i] are in place; the merged bins are d[k+1 ..]. */
    uint32_t top = (uint32_t)(nd + ns - 1 - k);
    memmove(d->index + i + 1, d->index + k + 1, top * sizeof *d->index);
    memmove(d->weight + i + 1, d->weight + k + 1, top * sizeof *d->weight);
    d->n = (uint32_t)(i + 1) + top;
    sw_qs_store_collapse(d);
    if (d->cap > SW_QS_MAX_BINS) {
        d->index = sw_realloc(d->index, SW_QS_MAX_BINS * sizeof *d->index);
        d->weight = sw_realloc(d->weight, SW_QS_MAX_BINS * sizeof *d->weight);
        d->cap = SW_QS_MAX_BINS;
    }
    assert(d->n <= SW_QS_MAX_BINS);
}

void sw_qs_merge(sw_qsketch *dst, const sw_qsketch *src) {
    sw_qs_store_merge(&dst->pos, &src->pos);
    sw_qs_store_merge(&dst->neg, &src->neg);
    if (src->zero > 0) dst->zero = sw_qs_wsum(dst->zero, src->zero);
    if (src->min < dst->min) dst->min = src->min;
    if (src->max > dst->max) dst->max = src->max;
}

/* The sketch read as entries in ascending order of value: the negative bins from the largest magnitude
 * down, the zero bin when it holds weight, then the positive bins. */
static size_t sw_qs_entries(const sw_qsketch *q) { return (size_t)q->neg.n + (q->zero > 0) + q->pos.n; }

static double sw_qs_entry_weight(const sw_qsketch *q, size_t k) {
    size_t zero = q->neg.n, first_pos = zero + (q->zero > 0);
    if (k < zero) return q->neg.weight[zero - 1 - k];
    return k < first_pos ? q->zero : q->pos.weight[k - first_pos];
}

/* The entry's bin value, clamped to [min, max]. */
static double sw_qs_entry_value(const sw_qsketch *q, size_t k) {
    double v = 0;
    size_t zero = q->neg.n, first_pos = zero + (q->zero > 0);
    if (k < zero) v = -sw_qs_bin_value(q->neg.index[zero - 1 - k]);
    else if (k >= first_pos) v = sw_qs_bin_value(q->pos.index[k - first_pos]);
    return v < q->min ? q->min : v > q->max ? q->max : v;
}

double sw_qs_count(const sw_qsketch *q) {
    double total = 0;
    for (size_t k = 0, n = sw_qs_entries(q); k < n; k++) total += sw_qs_entry_weight(q, k);
    return total;
}

double sw_qs_percentile(const sw_qsketch *q, double p) {
    size_t n = sw_qs_entries(q);
    if (n == 0 || isnan(p)) return NAN;
    if (p <= 0) return q->min;
    if (p >= 100) return q->max;
    /* The same sums and comparison as sw_percentile_sorted in stats.c, so both agree on the same entries. */
    double rank = p / 100.0 * sw_qs_count(q), cum = 0;
    for (size_t k = 0; k < n; k++) {
        cum += sw_qs_entry_weight(q, k);
        if (cum >= rank && cum > 0) return sw_qs_entry_value(q, k);
    }
    return sw_qs_entry_value(q, n - 1);
}

size_t sw_qs_values(const sw_qsketch *q, double *values, double *weights, size_t cap) {
    size_t n = sw_qs_entries(q);
    for (size_t k = 0; k < n && k < cap; k++) {
        values[k] = sw_qs_entry_value(q, k);
        weights[k] = sw_qs_entry_weight(q, k);
    }
    return n;
}

static void sw_qs_put_weight(sw_buf *out, double w) {
    if (w >= 1 && w <= SW_QS_MAX_INTEGRAL && w == floor(w)) { sw_varint_put(out, 2 * (uint64_t)w); return; }
    uint64_t bits;
    memcpy(&bits, &w, 8);
    uint8_t b[9] = {1};
    for (int k = 0; k < 8; k++) b[1 + k] = (uint8_t)(bits >> (8 * k));
    sw_buf_append(out, b, 9);
}

static void sw_qs_put_double(sw_buf *out, double v) {
    uint64_t bits;
    memcpy(&bits, &v, 8);
    uint8_t b[8];
    for (int k = 0; k < 8; k++) b[k] = (uint8_t)(bits >> (8 * k));
    sw_buf_append(out, b, 8);
}

static void sw_qs_put_store(sw_buf *out, const sw_qs_store *s) {
    for (uint32_t k = 0; k < s->n; k++) {
        assert(s->weight[k] > 0 && (k == 0 || s->index[k] > s->index[k - 1]));
        if (k == 0) sw_varint_put(out, sw_zigzag(s->index[0]));
        else sw_varint_put(out, (uint64_t)(s->index[k] - s->index[k - 1] - 1));
        sw_qs_put_weight(out, s->weight[k]);
    }
}

size_t sw_qs_encode(const sw_qsketch *q, sw_buf *out) {
    size_t start = out->len;
    sw_buf_put_u8(out, SW_QS_VERSION);
    sw_varint_put(out, q->neg.n);
    sw_varint_put(out, q->pos.n);
    if (q->zero > 0) sw_qs_put_weight(out, q->zero);
    else sw_varint_put(out, 0);
    if (sw_qs_entries(q) > 0) {
        sw_qs_put_double(out, q->min);
        sw_qs_put_double(out, q->max);
    }
    sw_qs_put_store(out, &q->neg);
    sw_qs_put_store(out, &q->pos);
    return out->len - start;
}

/* A varint no larger than max in its minimal form (the last byte is not 0 unless it is the only one, and
 * at most 9 bytes, as max < 2^63). */
static int sw_qs_get_varint(const uint8_t **p, const uint8_t *end, uint64_t max, uint64_t *out) {
    const uint8_t *start = *p;
    if (sw_varint_get(p, end, out)) return -1;
    size_t n = (size_t)(*p - start);
    if (n > 9 || (n > 1 && (*p)[-1] == 0) || *out > max) return -1;
    return 0;
}

static int sw_qs_get_double(const uint8_t **p, const uint8_t *end, double *out) {
    if (end - *p < 8) return -1;
    uint64_t bits = 0;
    for (int k = 0; k < 8; k++) bits |= (uint64_t)(*p)[k] << (8 * k);
    memcpy(out, &bits, 8);
    *p += 8;
    return 0;
}

/* A weight as sw_qs_put_weight writes it; 0 only when allow_zero. */
static int sw_qs_get_weight(const uint8_t **p, const uint8_t *end, int allow_zero, double *w) {
    uint64_t code;
    if (sw_qs_get_varint(p, end, 2 * (uint64_t)SW_QS_MAX_INTEGRAL, &code)) return -1;
    if (code == 0) { *w = 0; return allow_zero ? 0 : -1; }
    if (code % 2 == 0) { *w = (double)(code / 2); return 0; }
    if (code != 1 || sw_qs_get_double(p, end, w)) return -1;
    /* Finite and positive, and not one the varint form would have taken. */
    if (!(*w > 0 && *w <= DBL_MAX) || (*w >= 1 && *w <= SW_QS_MAX_INTEGRAL && *w == floor(*w))) return -1;
    return 0;
}

static int sw_qs_get_store(const uint8_t **p, const uint8_t *end, uint32_t n, sw_qs_store *s) {
    if (n == 0) return 0;
    s->index = sw_malloc(n * sizeof *s->index);
    s->weight = sw_malloc(n * sizeof *s->weight);
    s->cap = n;
    int64_t index = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint64_t z;
        if (sw_qs_get_varint(p, end, 4 * (uint64_t)SW_QS_INDEX_LIMIT, &z)) return -1;
        index = k == 0 ? sw_unzigzag(z) : index + (int64_t)z + 1;
        if (index < -SW_QS_INDEX_LIMIT || index > SW_QS_INDEX_LIMIT) return -1;
        s->index[k] = (int32_t)index;
        if (sw_qs_get_weight(p, end, 0, &s->weight[k])) return -1;
        s->n = k + 1;
    }
    return 0;
}

/* -1, 0 or 1: the store a value goes to. */
static int sw_qs_sign(double v) { return v >= SW_QS_MIN_VALUE ? 1 : v <= -SW_QS_MIN_VALUE ? -1 : 0; }

/* min and max are finite, min <= max, neither is -0.0 (sw_qs_add turns it into 0.0), and each lies in the
 * lowest (for min) or highest (for max) store that holds weight. */
static int sw_qs_bounds_ok(const sw_qsketch *q) {
    if (!isfinite(q->min) || !isfinite(q->max) || q->min > q->max) return 0;
    if ((q->min == 0 && signbit(q->min)) || (q->max == 0 && signbit(q->max))) return 0;
    int lo = q->neg.n ? -1 : q->zero > 0 ? 0 : 1, hi = q->pos.n ? 1 : q->zero > 0 ? 0 : -1;
    return sw_qs_sign(q->min) == lo && sw_qs_sign(q->max) == hi;
}

long sw_qs_decode(const uint8_t *p, size_t len, sw_qsketch *q) {
    const uint8_t *s = p, *end = p + len;
    uint64_t nneg, npos;
    sw_qs_init(q);
    if (len < 1 || *s++ != SW_QS_VERSION) return -1;
    if (sw_qs_get_varint(&s, end, SW_QS_MAX_BINS, &nneg) || sw_qs_get_varint(&s, end, SW_QS_MAX_BINS, &npos) ||
        sw_qs_get_weight(&s, end, 1, &q->zero))
        goto bad;
    if (nneg + npos + (q->zero > 0) == 0) return (long)(s - p);
    /* Each bin takes at least two bytes: refuse before allocating for bins the input cannot hold. */
    if (sw_qs_get_double(&s, end, &q->min) || sw_qs_get_double(&s, end, &q->max) ||
        (uint64_t)(end - s) < 2 * (nneg + npos))
        goto bad;
    if (sw_qs_get_store(&s, end, (uint32_t)nneg, &q->neg) || sw_qs_get_store(&s, end, (uint32_t)npos, &q->pos) ||
        !sw_qs_bounds_ok(q))
        goto bad;
    return (long)(s - p);
bad:
    sw_qs_free(q);
    return -1;
}
