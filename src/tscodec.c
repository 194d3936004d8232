/* tscodec.c -- see tscodec.h. Block: "T1" | kind (0 decimal, 1 xor) | exponent | varint n | varint raw length
 * | crc32c (4 bytes, little-endian) of the zstd frame | zstd frame of [timestamp column][value column]. */
#include "tscodec.h"
#include "varint.h"
#include "crc32c.h"
#include <math.h>
#include <string.h>
#include <zstd.h>

#define SW_TS_KIND_DECIMAL 0
#define SW_TS_KIND_XOR 1
#define SW_TS_MAX_EXP 15

static const double sw_ts_p10[SW_TS_MAX_EXP + 1] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                                                     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};


static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* The mantissa of v at exponent e when v is exactly m / 10^e (bit for bit) with |m| < 2^53; else -1. */
static int decimal_at(double v, int e, int64_t *m) {
    double x = v * sw_ts_p10[e];
    if (!(fabs(x) < 9007199254740992.0)) return -1; /* also NaN and infinities */
    int64_t k = llround(x);
    if (!same_bits((double)k / sw_ts_p10[e], v)) return -1;
    *m = k;
    return 0;
}

/* The smallest exponent that makes every value decimal, or -1. */
static int block_exponent(const double *v, size_t n) {
    int e = 0;
    int64_t m;
    for (size_t i = 0; i < n; i++) {
        while (e <= SW_TS_MAX_EXP && decimal_at(v[i], e, &m)) e++;
        if (e > SW_TS_MAX_EXP) return -1;
    }
    for (size_t i = 0; i < n; i++) /* a later value's exponent must hold for the earlier ones too */
        if (decimal_at(v[i], e, &m)) return -1;
    return e;
}

static void timestamps(sw_buf *b, const uint32_t *t, size_t n) {
    int64_t prev = 0, pdelta = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t delta = (int64_t)t[i] - prev;
        sw_varint_put(b, sw_zigzag(delta - pdelta));
        prev = t[i], pdelta = delta;
    }
}

static void values_decimal(sw_buf *b, const double *v, size_t n, int e) {
    int64_t prev = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        decimal_at(v[i], e, &m);
        sw_varint_put(b, sw_zigzag(m - prev));
        prev = m;
    }
}

static void values_xor(sw_buf *b, const double *v, size_t n) {
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t bits, x;
        memcpy(&bits, &v[i], 8);
        x = bits ^ prev;
        prev = bits;
        if (!x) { sw_buf_putc(b, 0); continue; }
        int tz = __builtin_ctzll(x) / 8, lz = __builtin_clzll(x) / 8, nb = 8 - lz - tz;
        uint8_t out[9];
        out[0] = (uint8_t)(tz << 4 | nb);
        x >>= 8 * tz;
        for (int k = 0; k < nb; k++) out[1 + k] = (uint8_t)(x >> (8 * k));
        sw_buf_append(b, out, (size_t)nb + 1);
    }
}

int sw_ts_encode(sw_buf *out, const uint32_t *t, const double *v, size_t n, int zstd_level) {
    if (n == 0 || n > SW_TS_MAX_BLOCK) return -1;
    for (size_t i = 1; i < n; i++)
        if (t[i] < t[i - 1]) return -1;
    sw_buf raw, xr;
    sw_buf_init(&raw), sw_buf_init(&xr);
    timestamps(&raw, t, n);
    int e = block_exponent(v, n), kind = SW_TS_KIND_XOR;
    size_t tlen = raw.len;
    values_xor(&xr, v, n);
    if (e >= 0) {
        values_decimal(&raw, v, n, e);
        if (raw.len - tlen <= xr.len) kind = SW_TS_KIND_DECIMAL;
        else raw.len = tlen;
    }
    if (kind == SW_TS_KIND_XOR) sw_buf_append(&raw, xr.data, xr.len);
    sw_buf_free(&xr);
    uint8_t head[3] = {'T', '1', (uint8_t)kind};
    sw_buf_append(out, head, 3);
    sw_buf_putc(out, (char)(kind == SW_TS_KIND_DECIMAL ? e : 0));
    sw_varint_put(out, n);
    sw_varint_put(out, raw.len);
    size_t bound = ZSTD_compressBound(raw.len), at = out->len + 4;
    sw_buf_reserve(out, 4 + bound);
    size_t clen = ZSTD_compress(out->data + at, bound, raw.data, raw.len, zstd_level);
    sw_buf_free(&raw);
    if (ZSTD_isError(clen)) return -1;
    uint32_t crc = sw_crc32c(0, out->data + at, clen);
    uint8_t c[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24)};
    memcpy(out->data + out->len, c, 4);
    out->len += 4 + clen;
    out->data[out->len] = '\0';
    return 0;
}

long sw_ts_decode(const uint8_t *p, size_t len, uint32_t *t, double *v) {
    const uint8_t *end = p + len;
    uint64_t n, rawlen;
    if (len < 4 || p[0] != 'T' || p[1] != '1' || p[2] > SW_TS_KIND_XOR || p[3] > SW_TS_MAX_EXP) return -1;
    int kind = p[2], e = p[3];
    p += 4;
    if (sw_varint_get(&p, end, &n) || sw_varint_get(&p, end, &rawlen) || n == 0 || n > SW_TS_MAX_BLOCK ||
        rawlen > 20 * (uint64_t)n || end - p < 4)
        return -1;
    uint32_t crc = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    p += 4;
    if (sw_crc32c(0, p, (size_t)(end - p)) != crc) return -1;
    sw_buf raw;
    sw_buf_init(&raw);
    sw_buf_reserve(&raw, rawlen);
    size_t got = ZSTD_decompress(raw.data, rawlen, p, (size_t)(end - p));
    long rc = -1;
    if (!ZSTD_isError(got) && got == rawlen) {
        const uint8_t *q = (const uint8_t *)raw.data, *qe = q + rawlen;
        int64_t prev = 0, pdelta = 0;
        size_t i = 0;
        for (; i < n; i++) {
            uint64_t z;
            if (q < qe && *q == 0 && i) { /* the regular case: the same interval again */
                q++;
                int64_t ts = prev + pdelta;
                if (ts > UINT32_MAX) break;
                t[i] = (uint32_t)ts, prev = ts;
                continue;
            }
            if (sw_varint_get(&q, qe, &z)) break;
            int64_t delta = pdelta + sw_unzigzag(z), ts = prev + delta;
            if (ts < 0 || ts > UINT32_MAX || (i && ts < prev)) break;
            t[i] = (uint32_t)ts, prev = ts, pdelta = delta;
        }
        if (i == n && kind == SW_TS_KIND_DECIMAL) {
            int64_t m = 0;
            for (i = 0; i < n; i++) {
                uint64_t z;
                if (sw_varint_get(&q, qe, &z)) break;
                m = (int64_t)((uint64_t)m + (uint64_t)sw_unzigzag(z));
                v[i] = (double)m / sw_ts_p10[e];
            }
        } else if (i == n) {
            uint64_t bits = 0;
            for (i = 0; i < n && q < qe; i++) {
                int tz = *q >> 4, nb = *q & 15;
                q++;
                if (nb > 8 || tz + nb > 8 || (nb == 0 && tz) || qe - q < nb) break;
                uint64_t x = 0;
                if (qe - q >= 8 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) { /* one load, masked to nb bytes */
                    memcpy(&x, q, 8);
                    x &= nb == 8 ? ~0ULL : (1ULL << (8 * nb)) - 1;
                } else
                    for (int k = 0; k < nb; k++) x |= (uint64_t)q[k] << (8 * k);
                q += nb;
                bits ^= x << (8 * tz);
                memcpy(&v[i], &bits, 8);
            }
        }
        if (i == n && q == qe) rc = (long)n;
    }
    sw_buf_free(&raw);
    return rc;
}
