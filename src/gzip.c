/* gzip.c -- gzip request bodies inflated with libdeflate (about twice zlib's speed on the ingest path)
 * under a hard output limit, so a small body cannot expand without bound. */
#include "gzip.h"
#include <libdeflate.h>
#include <stdio.h>

/* The gzip trailer's ISIZE (RFC 1952: size of the input modulo 2^32) of the last member: only a hint
 * for the first buffer size, since a hostile body can say anything there. */
static size_t sw_gzip_size_hint(const unsigned char *in, size_t n) {
    if (n < 18) return 0;
    const unsigned char *t = in + n - 4;
    return (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
}

int sw_gunzip(const void *in, size_t n, size_t limit, sw_buf *out, char *err, size_t errlen) {
    const unsigned char *p = in;
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (!d) { snprintf(err, errlen, "out of memory"); return -1; }
    size_t hint = sw_gzip_size_hint(p, n), cap = hint + 1 < 65536 ? 65536 : hint + 1, pos = 0;
    int rc = 0;
    if (n == 0) { snprintf(err, errlen, "empty gzip body"); rc = -1; }
    while (rc == 0 && pos < n) {  /* one gzip member per round: concatenated members are one body */
        if (cap > limit) cap = limit;
        sw_buf_reserve(out, cap > out->len ? cap - out->len : 0);
        size_t used_in = 0, used_out = 0, avail = cap > out->len ? cap - out->len : 0;
        enum libdeflate_result r = libdeflate_gzip_decompress_ex(d, p + pos, n - pos, out->data + out->len, avail,
                                                                 &used_in, &used_out);
        if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
            if (cap >= limit) rc = -2;
            cap *= 2;
            continue;
        }
        if (r != LIBDEFLATE_SUCCESS) {
            snprintf(err, errlen, "invalid or truncated gzip body");
            rc = -1;
            break;
        }
        out->len += used_out;
        pos += used_in;
    }
    if (out->data) out->data[out->len] = '\0';
    libdeflate_free_decompressor(d);
    if (rc == -2) snprintf(err, errlen, "decompressed body exceeds %zu bytes", limit);
    return rc;
}
