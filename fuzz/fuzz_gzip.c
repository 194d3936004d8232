/* fuzz_gzip.c -- libFuzzer target: gzip bodies inflate within the limit or fail; real gzip round-trips. */
#include "buf.h"
#include "gzip.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define FUZZ_INFLATE_LIMIT (1u << 20)

/* Inflates in[0..n) and checks the contract: 0, -1 or -2, a reason on failure, never past limit. */
static int inflate_checked(const void *in, size_t n, size_t limit, sw_buf *out) {
    char err[128] = "";
    int rc = sw_gunzip(in, n, limit, out, err, sizeof err);
    if (rc != 0 && rc != -1 && rc != -2) abort();
    if (rc != 0 && err[0] == '\0') abort();
    if (out->len > limit) abort();
    return rc;
}

/* Compresses src with a gzip wrapper (windowBits 31) at the given level into out. */
static void gzip_compress(const uint8_t *src, size_t n, int level, sw_buf *out) {
    z_stream zs = {0};
    if (deflateInit2(&zs, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) abort();
    size_t bound = deflateBound(&zs, (uLong)n);
    sw_buf_reserve(out, bound);
    zs.next_in = (Bytef *)src;
    zs.avail_in = (uInt)n;
    zs.next_out = (Bytef *)out->data;
    zs.avail_out = (uInt)bound;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) abort();
    out->len = bound - zs.avail_out;
    deflateEnd(&zs);
}

/* The first byte picks the compression level and a small limit for the round trip, so that both
 * sides of the limit (fits exactly, one byte over) are reached; the rest is the payload. */
static void round_trip(const uint8_t *data, size_t size) {
    if (size == 0) return;
    int level = data[0] % 10;
    size_t limit = data[0] & 0x80 ? size - 1 : FUZZ_INFLATE_LIMIT;
    if (data[0] & 0x40 && limit > 1) limit--;
    if (limit == 0) limit = 1; /* a zero limit admits nothing at all; the server's minimum is 1 KiB */
    const uint8_t *payload = data + 1;
    size_t n = size - 1;
    sw_buf gz, out;
    sw_buf_init(&gz);
    sw_buf_init(&out);
    gzip_compress(payload, n, level, &gz);
    int rc = inflate_checked(gz.data, gz.len, limit, &out);
    if (n <= limit) {
        if (rc != 0 || out.len != n || (n && memcmp(out.data, payload, n) != 0)) {
            fprintf(stderr, "round trip failed: rc %d, %zu bytes in, %zu out, limit %zu\n", rc, n, out.len, limit);
            abort();
        }
    } else if (rc != -2) {
        fprintf(stderr, "%zu bytes inflated past limit %zu: rc %d\n", n, limit, rc);
        abort();
    }
    /* Two members back to back are one body (RFC 1952 2.2: "a series of members"). */
    sw_buf twice;
    sw_buf_init(&twice);
    sw_buf_append(&twice, gz.data, gz.len);
    sw_buf_append(&twice, gz.data, gz.len);
    sw_buf_reset(&out);
    rc = inflate_checked(twice.data, twice.len, FUZZ_INFLATE_LIMIT, &out);
    if (2 * n <= FUZZ_INFLATE_LIMIT &&
        (rc != 0 || out.len != 2 * n || (n && (memcmp(out.data, payload, n) || memcmp(out.data + n, payload, n))))) {
        fprintf(stderr, "two members: rc %d, %zu bytes each, %zu out\n", rc, n, out.len);
        abort();
    }
    sw_buf_free(&twice);
    sw_buf_free(&gz);
    sw_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sw_buf out;
    sw_buf_init(&out);
    inflate_checked(data, size, FUZZ_INFLATE_LIMIT, &out);
    sw_buf_free(&out);
    round_trip(data, size);
    return 0;
}
