/* varint.h -- LEB128 varints and zigzag, shared by the log segments (logstore_seg.c) and the series block
 * codec (tscodec.c). */
#ifndef SW_VARINT_H
#define SW_VARINT_H
#include "buf.h"
#include <stddef.h>
#include <stdint.h>

static inline void sw_varint_put(sw_buf *b, uint64_t v) {
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) { tmp[n++] = (uint8_t)(v | 0x80); v >>= 7; }
    tmp[n++] = (uint8_t)v;
    sw_buf_append(b, tmp, n);
}

/* Reads one varint from [*p, end); returns -1 when it runs past end or over 10 bytes. */
static inline int sw_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 70 && *p < end; shift += 7) {
        uint8_t c = *(*p)++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) { *out = v; return 0; }
    }
    return -1;
}

static inline uint64_t sw_zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t sw_unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

#endif
