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

void sw_buf_put_double(sw_buf *b, double d) {
    if (!isfinite(d)) { sw_buf_puts(b, "0"); return; }
    if (fabs(d) < 1e15 && d == (double)(long long)d && !(d == 0 && signbit(d))) {
        sw_buf_printf(b, "%lld", (long long)d);
        return;
    }
    if (d != 0 && sw_buf_put_fixed6(b, d) == 0) return;
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
