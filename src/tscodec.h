/* tscodec.h -- compressed blocks of one series' samples, (timestamp in seconds, double) pairs in time order:
 * the on-disk block format planned for the metrics engine (docs/storage.md), measured by bench/tscodec_bench.c.
 *
 * Timestamps: delta-of-delta, zigzag, varint (a regular 10 s or 60 s series costs one byte per sample before
 * the block's zstd pass, next to nothing after it). Values, whichever of two is smaller for the block:
 *  - decimal: when every value is exactly m / 10^e for one e <= 15 and |m| < 2^53 (counters, percentages,
 *    values rounded to a few decimals, integers), the mantissas' deltas, zigzag, varint;
 *  - XOR: each value's bits XOR the previous value's, stored as a byte count and the significant bytes
 *    (Gorilla's idea at byte granularity, which zstd then compresses better than bit-packing).
 * The encoded columns are then compressed with zstd. Decoding restores every double bit for bit (NaN payloads
 * and -0.0 included). */
#ifndef SW_TSCODEC_H
#define SW_TSCODEC_H
#include "buf.h"
#include <stddef.h>
#include <stdint.h>

#define SW_TS_MAX_BLOCK 65536 /* samples per block */

/* Appends one block holding t[0..n) and v[0..n) (n <= SW_TS_MAX_BLOCK, t non-decreasing) to out.
 * Returns 0, or -1 when the arguments break those rules or zstd fails. */
int sw_ts_encode(sw_buf *out, const uint32_t *t, const double *v, size_t n, int zstd_level);

/* Decodes the block at p (len bytes, exactly one block) into t and v (room for SW_TS_MAX_BLOCK each).
 * Returns the number of samples, or -1 when the bytes are not a valid block (never reads outside p). */
long sw_ts_decode(const uint8_t *p, size_t len, uint32_t *t, double *v);

#endif
