/* buf.c -- growable byte buffer. */
#include "buf.h"
#include "alloc.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sw_buf_init(sw_buf *b) { b->data = NULL; b->len = b->cap = 0; }

void sw_buf_free(sw_buf *b) { sw_free(b->data); sw_buf_init(b); }

void sw_buf_reset(sw_buf *b) { b->len = 0; if (b->data) b->data[0] = '\0'; }

void sw_buf_reserve(sw_buf *b, size_t extra) {
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    b->data = sw_realloc(b->data, cap);
    b->cap = cap;
}

void sw_buf_append(sw_buf *b, const void *p, size_t n) {
    sw_buf_reserve(b, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void sw_buf_puts(sw_buf *b, const char *s) { sw_buf_append(b, s, strlen(s)); }

void sw_buf_putc(sw_buf *b, char c) {
    sw_buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void sw_buf_printf(sw_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) { sw_buf_append(b, tmp, (size_t)n); return; }
    sw_buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Responses carry an integer per timestamp and id: vsnprintf's format parsing cost more than the digits. */
void sw_buf_put_u64_dec(sw_buf *b, uint64_t v) {
    char tmp[20], *e = tmp + sizeof tmp, *o = e;
    do *--o = (char)('0' + v % 10), v /= 10; while (v);
    sw_buf_append(b, o, (size_t)(e - o));
}

void sw_buf_put_i64(sw_buf *b, int64_t v) {
    if (v < 0) {
        sw_buf_putc(b, '-');
        sw_buf_put_u64_dec(b, 0 - (uint64_t)v); /* INT64_MIN too: its magnitude fits in uint64_t */
    } else {
        sw_buf_put_u64_dec(b, (uint64_t)v);
    }
}

void sw_buf_put_u8(sw_buf *b, uint8_t v) { sw_buf_append(b, &v, 1); }
void sw_buf_put_u16be(sw_buf *b, uint16_t v) {
    uint8_t t[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    sw_buf_append(b, t, 2);
}
void sw_buf_put_u32be(sw_buf *b, uint32_t v) {
    uint8_t t[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    sw_buf_append(b, t, 4);
}
void sw_buf_put_u64be(sw_buf *b, uint64_t v) {
    sw_buf_put_u32be(b, (uint32_t)(v >> 32));
    sw_buf_put_u32be(b, (uint32_t)v);
}

/* Most metric values have few decimals: print those exactly without printf's big-number arithmetic.
 * Returns 0 when d is k / 10^6 exactly (as a double) for an integer k of at most 15 digits. */
static int sw_buf_put_fixed6(sw_buf *b, double d) {
    if (!(fabs(d) < 1e9)) return -1;
    double scaled = d * 1e6;
    long long k = llround(scaled);
    if ((double)k / 1e6 != d) return -1;
    char tmp[32], *p = tmp + sizeof tmp;
    unsigned long long u = (unsigned long long)(k < 0 ? -k : k);
    int frac_digits = 6;
    while (frac_digits > 0 && u % 10 == 0) { u /= 10; frac_digits--; }
    *--p = '\0';
    for (int i = 0; i < frac_digits; i++) { *--p = (char)('0' + u % 10); u /= 10; }
    if (frac_digits) *--p = '.';
    do { *--p = (char)('0' + u % 10); u /= 10; } while (u);
    if (k < 0) *--p = '-';
    sw_buf_puts(b, p);
    return 0;
}

/* The shortest of 15, 16 or 17 significant digits that reads back as d, without printf or strtod. A candidate
 * m (p digits, value m * 10^-k) comes from an 80-bit product; it reads back as d exactly when it lies strictly
 * inside d's rounding interval (d minus half the gap to the double below, d plus half the gap above), which is
 * also computed in 80 bits: a +- half a gap has 54 significant bits and 10^k (k <= 27) at most 63, so each bound
 * carries one rounding, a relative error of 2^-64 (0.005 of a unit of m at 17 digits). A candidate within four
 * times that of a bound is not decided here: the caller uses printf. Writes the number as %g would (trailing
 * zeros dropped) and returns 0, or -1 when undecided or out of range. */
static int sw_buf_put_short(sw_buf *b, double d) {
    static const long double p10[28] = {1e0L, 1e1L, 1e2L, 1e3L, 1e4L, 1e5L, 1e6L, 1e7L, 1e8L, 1e9L, 1e10L, 1e11L, 1e12L,
                                        1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L, 1e21L, 1e22L, 1e23L,
                                        1e24L, 1e25L, 1e26L, 1e27L};
    double a = fabs(d);
    if (!(a >= 1e-250 && a <= 1e250)) return -1;
    int e10 = (int)floor(log10(a));
    long double below = ((long double)a + (long double)nextafter(a, 0)) / 2,
                above = ((long double)a + (long double)nextafter(a, INFINITY)) / 2;
    for (int p = 15; p <= 17; p++) {
        for (int tries = 0;; tries++) {
            int k = p - 1 - e10; /* a * 10^k has p digits before the point */
            if (k < -27 || k > 27 || tries > 2) return -1;
            long double x, lo, hi;
            if (k >= 0) x = a * p10[k], lo = below * p10[k], hi = above * p10[k];
            else x = a / p10[-k], lo = below / p10[-k], hi = above / p10[-k];
            long double m = roundl(x);
            if (m >= p10[p]) { e10++; continue; } /* log10 or rounding was one off */
            if (m < p10[p - 1]) { e10--; continue; }
            long double margin = m * 0x1p-62L; /* four times the bounds' rounding error */
            if (m - lo <= margin || hi - m <= margin) {
                if (m - lo > -margin && hi - m > -margin) return -1; /* too close to a bound to decide */
                break; /* outside: p digits are not enough */
            }
            /* m has p digits; the value is m * 10^-k, the first digit's power of ten e10. */
            unsigned long long u = (unsigned long long)m;
            int nd = p;
            while (nd > 1 && u % 10 == 0) { u /= 10; nd--; }
            char dig[24], out[48], *o = out;
            for (int i = nd - 1; i >= 0; i--) { dig[i] = (char)('0' + u % 10); u /= 10; }
            if (d < 0) *o++ = '-';
            if (e10 < -4 || e10 >= p) {
                *o++ = dig[0];
                if (nd > 1) { *o++ = '.'; memcpy(o, dig + 1, (size_t)nd - 1); o += nd - 1; }
                *o++ = 'e', *o++ = e10 < 0 ? '-' : '+';
                int ae = e10 < 0 ? -e10 : e10;
                if (ae >= 100) *o++ = (char)('0' + ae / 100);
                *o++ = (char)('0' + ae / 10 % 10), *o++ = (char)('0' + ae % 10);
            } else if (e10 < 0) {
                *o++ = '0', *o++ = '.';
                for (int i = -1; i > e10; i--) *o++ = '0';
                memcpy(o, dig, (size_t)nd), o += nd;
            } else {
                for (int i = 0; i < nd || i <= e10; i++) {
                    if (i == e10 + 1) *o++ = '.';
                    *o++ = i < nd ? dig[i] : '0';
                }
            }
            sw_buf_append(b, out, (size_t)(o - out));
            return 0;
        }
    }
    return -1;
}

void sw_buf_put_double(sw_buf *b, double d) {
    if (!isfinite(d)) { sw_buf_puts(b, "0"); return; }
    if (fabs(d) < 1e15 && d == (double)(long long)d && !(d == 0 && signbit(d))) {
        sw_buf_put_i64(b, (int64_t)d);
        return;
    }
    if (d != 0 && sw_buf_put_fixed6(b, d) == 0) return;
    if (d != 0 && sw_buf_put_short(b, d) == 0) return;
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d) break;
    }
    sw_buf_puts(b, tmp);
}

char *sw_buf_detach(sw_buf *b, size_t *len) {
    if (!b->data) sw_buf_reserve(b, 0), b->data[0] = '\0';
    char *p = b->data;
    if (len) *len = b->len;
    sw_buf_init(b);
    return p;
}
