/* metrics_disk.h -- the metrics engine's block files: the head's samples, sealed with their write-ahead log
 * generation, written per series as compressed blocks (tscodec.c) with the series catalog and an index.
 *
 * A file covers the write-ahead log generations lo..hi: every sample those logs held is in it, so once it is
 * durable they are deleted. Layout (little-endian):
 *
 *   "SWMB0001" | blocks ... | index | footer
 *   index  = u64 lo | u64 hi | u32 catalog raw length | u32 catalog zstd length | catalog (zstd)
 *            | u32 entries | entries of 33 bytes: u32 series | u8 kind | u32 samples | u32 tmin | u32 tmax
 *                                                | u64 offset | u32 length | u32 period (roll-ups; else 0)
 *   footer = u64 index offset | u32 index length | u32 crc32c(index) | "SWMBEND1"
 *   block of kind 0 (values) = one tscodec block of (t, value)
 *   block of kind 1 (statistic sets) = four tscodec blocks (count, sum, min, max over the same t), each
 *            preceded by its u32 length
 *   block of kind 2 (roll-ups: one per period, t its start) = the four columns of kind 1, then u32 length |
 *            u32 crc32c | per sample: varint sketch length (0: percentiles unavailable) | sketch (qsketch.c)
 *   catalog = u32 metrics | per metric: u32 key length | key | u32 newest sample time
 *            | u32 series | per series: u32 metric sequence number (0: lost) | u8 unit length | unit
 *
 * The catalog is complete (every metric and series known when the file was sealed), so the newest intact file
 * names everything; older files are read for their index alone. Every block carries its own CRC-32C (tscodec),
 * the index and catalog the footer's. */
#ifndef SW_METRICS_DISK_H
#define SW_METRICS_DISK_H
#include "buf.h"
#include <stddef.h>
#include <stdint.h>

#define SW_MB_VALUES 0
#define SW_MB_SETS 1
#define SW_MB_ROLLUP 2

typedef struct sw_mb_file {
    char *path, *name;          /* name: the file name alone, for messages */
    const uint8_t *map;
    size_t size;
    uint64_t lo, hi;
    uint32_t version;           /* 0 for a head written out, then one more at each rewrite */
    const uint8_t *catalog;     /* zstd frame */
    uint32_t catalog_raw, catalog_len;
    const uint8_t *entries;
    uint32_t nentries;
    uint64_t samples;
} sw_mb_file;

typedef struct sw_mb_entry {
    uint32_t series, n, tmin, tmax, len, period;
    uint8_t kind;
    uint64_t off;
} sw_mb_entry;

/* Maps the file at path and checks its footer, index checksum and every entry's bounds (not the blocks: each
 * is checked when decoded). NULL with the reason in err when it is not an intact block file. */
sw_mb_file *sw_mb_open(const char *path, char *err, size_t errlen);
void sw_mb_close(sw_mb_file *f);
void sw_mb_entry_at(const sw_mb_file *f, uint32_t i, sw_mb_entry *e);
/* Decompresses the catalog into out (reset first). 0, or -1 when it does not decompress to its length. */
int sw_mb_catalog(const sw_mb_file *f, sw_buf *out);

/* Decodes a block of kind 0 into t/v, or of kind 1 into t and the four columns (each with room for
 * SW_TS_MAX_BLOCK). Returns the samples, or -1 when the block is damaged. */
long sw_mb_decode_values(const uint8_t *p, size_t len, uint32_t *t, double *v);
long sw_mb_decode_sets(const uint8_t *p, size_t len, uint32_t *t, double *count, double *sum, double *min, double *max,
                       uint32_t *tscratch);
/* A block of kind 2: the four columns as for kind 1, and the sketch column checked and returned in place. */
long sw_mb_decode_rollups(const uint8_t *p, size_t len, uint32_t *t, double *count, double *sum, double *min, double *max,
                          uint32_t *tscratch, const uint8_t **sketches, size_t *sketches_len);

/* Orders t[0..n) and the columns cols[0..ncols) with it by time (stable: equal times keep their order), as the
 * writers need them; nothing is done when they already are. sb holds the scratch between calls. */
typedef struct sw_mb_sortbuf { struct sw_mb_tpos *pos; double *tmp; size_t cap; } sw_mb_sortbuf;
void sw_mb_sort(sw_mb_sortbuf *sb, uint32_t *t, double *const *cols, int ncols, size_t n);
void sw_mb_sortbuf_free(sw_mb_sortbuf *sb);

/* Writing one file: blocks are appended in any order, then finish writes the index and footer, fsyncs, renames
 * the temporary file to its name and fsyncs the directory. */
typedef struct sw_mb_writer {
    int fd;
    char tmp[4200], path[4200], dir[4096];
    uint64_t off, lo, hi, samples;
    uint32_t version;
    sw_buf block, entries, scratch;
    uint32_t nentries;
    int failed;
} sw_mb_writer;

/* The file name of the file covering lo..hi at a version: "mb-LO-HI-VERSION.swb" in hex (16, 16, 8 digits). */
void sw_mb_name(char *out, size_t outlen, uint64_t lo, uint64_t hi, uint32_t version);
/* Parses such a name; 0 or -1. */
int sw_mb_parse_name(const char *name, uint64_t *lo, uint64_t *hi, uint32_t *version);
int sw_mb_begin(sw_mb_writer *w, const char *dir, uint64_t lo, uint64_t hi, uint32_t version);
/* Appends one series' samples (t non-decreasing, n > 0), split into blocks of at most SW_TS_MAX_BLOCK. */
int sw_mb_add_values(sw_mb_writer *w, uint32_t series, const uint32_t *t, const double *v, size_t n);
int sw_mb_add_sets(sw_mb_writer *w, uint32_t series, const uint32_t *t, const double *count, const double *sum,
                   const double *min, const double *max, size_t n);
/* Appends roll-ups of one period: sketches holds, per sample, a varint length and the sketch (0: none). */
int sw_mb_add_rollups(sw_mb_writer *w, uint32_t series, uint32_t period, const uint32_t *t, const double *count,
                      const double *sum, const double *min, const double *max, size_t n, const void *sketches,
                      size_t sketches_len);
/* Copies an intact block from another file as it is (compaction of blocks that need no change). */
int sw_mb_add_raw(sw_mb_writer *w, const sw_mb_entry *e, const uint8_t *bytes);
/* Writes the catalog (raw bytes as described above), index and footer and makes the file durable. 0 or -1;
 * either way the writer is released (on failure the temporary file is removed). */
int sw_mb_finish(sw_mb_writer *w, const void *catalog, size_t catalog_len);
void sw_mb_abort(sw_mb_writer *w);

#endif
