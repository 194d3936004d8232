/* gzip.c -- zlib inflate with an output limit, so a small body cannot expand without bound. */
#include "gzip.h"
#include <stdio.h>
#include <zlib.h>

int sw_gunzip(const void *in, size_t n, size_t limit, sw_buf *out, char *err, size_t errlen) {
    z_stream zs = {0};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) { snprintf(err, errlen, "zlib init failed"); return -1; }
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)n;
    int rc = Z_OK;
    while (1) {
        if (out->len >= limit) { rc = -2; break; }
        size_t room = limit - out->len < 65536 ? limit - out->len : 65536;
        sw_buf_reserve(out, room);
        zs.next_out = (Bytef *)out->data + out->len;
        zs.avail_out = (uInt)room;
        int z = inflate(&zs, Z_NO_FLUSH);
        out->len += room - zs.avail_out;
        out->data[out->len] = '\0';
        if (z == Z_STREAM_END) {
            if (zs.avail_in == 0) { rc = 0; break; }
            inflateReset(&zs); /* concatenated gzip members */
            continue;
        }
        if (z == Z_BUF_ERROR && zs.avail_in == 0) { snprintf(err, errlen, "truncated gzip body"); rc = -1; break; }
        if (z != Z_OK && z != Z_BUF_ERROR) {
            snprintf(err, errlen, "invalid gzip body: %s", zs.msg ? zs.msg : "corrupt data");
            rc = -1;
            break;
        }
    }
    inflateEnd(&zs);
    if (rc == -2) snprintf(err, errlen, "decompressed body exceeds %zu bytes", limit);
    return rc;
}
