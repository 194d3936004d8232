/* logstore_seg.c -- segment files: zstd-compressed blocks of events, a trigram token filter per block,
 * and a checksummed index, written once (temp name, fsync, rename, fsync dir) and mapped for reads.
 *
 * File: "SWSEG001" | block frames | token filters | index | footer
 * footer (32 bytes): u64 index_off, u32 index_len, u32 crc32c(index), u64 gen, "SWSEGEND" (or one of the
 * other LS_SEG_END_* below: how the blocks are packed)
 * index: u32 nblocks, then per block
 *   u64 off, u32 clen, rawlen, msgs_off, nevents, crc32c(frame), i64 min_ts, max_ts, u64 min_seq, max_seq,
 *   u64 filter_off, u32 filter_bits (a multiple of 64; the low 6 bits hold LS_BF_* flags), crc32c(filter),
 *   nstreams, then per stream
 *   u64 id, u32 count, raw_bytes, comp_bytes, i64 min_ts, max_ts, max_ingest
 * A block holds events sorted by (stream, timestamp, id). Decompressed it is four u32 column lengths, the
 * columns (varints, one per event: zigzag deltas of timestamp, of ingestion time and of id, then the number
 * of newlines inside the message), then the messages, each followed by a newline. Columns of like values
 * compress far better than interleaved fields, and newline-terminated messages cost zstd almost nothing to
 * delimit, where a column of lengths costs about a byte per event.
 * Blocks packed with filters hold only one kind of event: those that name an error severity (ls_sev_alert),
 * other events holding a backslash, or the rest (flagged LS_BF_NO_BACKSLASH): see ls_seg_build.
 * All integers little-endian. */
#include "alloc.h"
#include "varint.h"
#include "crc32c.h"
#include "log.h"
#include "logstore_int.h"
#include "fileio.h"
#include "memfind.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <lz4.h>
#include <zstd.h>

#define LS_SEG_MAGIC "SWSEG001"
#define LS_SEG_END "SWSEGEND"        /* blocks at LS_ZSTD_LEVEL */
#define LS_SEG_END_FAST "SWSEGFST"   /* blocks at zstd level 1 (written until 2026-12-03): rewritten when idle */
#define LS_SEG_END_LZ4 "SWSEGLZ4"    /* blocks in LZ4 (packed while behind): rewritten at LS_ZSTD_LEVEL when idle */
#define LS_SEG_END_LIVE "SWSEGLIV"   /* blocks at LS_ZSTD_LIVE, with filters: rewritten at LS_ZSTD_LEVEL when idle */
#define LS_FOOTER 32
#define LS_BLOCK_FIXED 80
#define LS_STREAM_FIXED 44
#define LS_FILTER_BITS_PER_TRIGRAM 5   /* ~18% of the bits set: a term of t trigrams passes a block by chance ~0.18^t */

/* ---------- little-endian and varint helpers ---------- */

static void put_u32(sw_buf *b, uint32_t v) {
    uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    sw_buf_append(b, p, 4);
}
static void put_u64(sw_buf *b, uint64_t v) { put_u32(b, (uint32_t)v); put_u32(b, (uint32_t)(v >> 32)); }
static uint32_t get_u32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t get_u64(const uint8_t *p) { return get_u32(p) | (uint64_t)get_u32(p + 4) << 32; }


/* ---------- token filter: hashed set of the byte trigrams of the block's messages ---------- */

/* Filter matching is case-sensitive substring search (docs/filter-patterns.md), so words are not enough:
 * a term can only occur in a block that holds every trigram of the term. */
static uint32_t trigram_slot(uint32_t t, uint32_t bits) { return (uint32_t)(((uint64_t)(t * 0x9E3779B1u) * bits) >> 32); }

/* While a block is added, its trigrams are hashed (h = t * golden, as trigram_slot does) into a bitmap of
 * 2^LS_TRI_HASH_BITS bits indexed by the top bits of h: small enough to stay in the L2 cache, so the
 * per-byte step is a shift, a multiply and a bit set, with no test and no branch (an exact set of all
 * 2^24 trigrams took a cache miss per byte and was most of the cost of packing). At emit, each set bit
 * stands for the hashes h in [j << S, (j + 1) << S) with S = 32 - LS_TRI_HASH_BITS, whose slots in the
 * final filter form one small range: setting all of it keeps every trigram of the block in the filter. */
#define LS_TRI_HASH_BITS 20
#define LS_TRI_SHIFT (32 - LS_TRI_HASH_BITS)
typedef struct trigram_set { uint64_t *seen; } trigram_set;

static void trigram_add_message(trigram_set *ts, const uint8_t *m, size_t len) {
    if (len < 3) return;
    uint64_t *seen = ts->seen;
    uint32_t t = (uint32_t)m[0] << 8 | m[1];
    for (size_t i = 2; i < len; i++) {
        t = (t << 8 | m[i]) & 0xffffff;
        uint32_t j = (t * 0x9E3779B1u) >> LS_TRI_SHIFT;
        seen[j >> 6] |= 1ull << (j & 63);
    }
}

/* Folds the hashed set into a bitmap of *nbits bits (LS_FILTER_BITS_PER_TRIGRAM per distinct hash)
 * appended to out, and clears the set. */
static void trigram_emit(trigram_set *ts, sw_buf *out, uint32_t *nbits) {
    const size_t words = ((size_t)1 << LS_TRI_HASH_BITS) / 64;
    uint64_t n = 0;
    for (size_t w = 0; w < words; w++) n += (uint64_t)__builtin_popcountll(ts->seen[w]);
    uint32_t bits = (uint32_t)((n * LS_FILTER_BITS_PER_TRIGRAM + 63) / 64 * 64);
    if (bits < 64) bits = 64;
    size_t bytes = bits / 8, at = out->len;
    sw_buf_reserve(out, bytes);
    memset(out->data + at, 0, bytes);
    out->len += bytes;
    uint8_t *bm = (uint8_t *)out->data + at;
    for (size_t w = 0; w < words; w++) {
        for (uint64_t x = ts->seen[w]; x; x &= x - 1) {
            uint64_t j = w * 64 + (uint64_t)__builtin_ctzll(x);
            uint32_t lo = (uint32_t)(((j << LS_TRI_SHIFT) * bits) >> 32);
            uint32_t hi = (uint32_t)(((((j + 1) << LS_TRI_SHIFT) - 1) * bits) >> 32);
            for (uint32_t slot = lo; slot <= hi; slot++) bm[slot >> 3] |= (uint8_t)(1u << (slot & 7));
        }
        ts->seen[w] = 0;
    }
    *nbits = bits;
}

int ls_block_may_contain(const ls_block *b, const char *const *terms, const size_t *lens, size_t nterms) {
    if (!b->filter) return 1;
    for (size_t k = 0; k < nterms; k++) {
        const uint8_t *m = (const uint8_t *)terms[k];
        if (lens[k] < 3) continue;
        uint32_t t = (uint32_t)m[0] << 8 | m[1];
        for (size_t i = 2; i < lens[k]; i++) {
            t = (t << 8 | m[i]) & 0xffffff;
            uint32_t slot = trigram_slot(t, b->filter_bits);
            if (!(b->filter[slot >> 3] & (1u << (slot & 7)))) return 0;
        }
    }
    return 1;
}

/* ---------- writing ---------- */

static uint64_t count_newlines(const char *m, size_t len) {
    uint64_t n = 0;
    for (const char *p = m, *end = m + len; (p = memchr(p, '\n', (size_t)(end - p))); p++) n++;
    return n;
}

/* The words that put an event into the error blocks: the severities that on-call searches name. A word
 * inside another one counts too (the split only places events; it never decides a match). */
int ls_sev_alert(const char *msg, size_t len) {
    static const struct { const char *w; size_t n; } words[] = {{"ERROR", 5}, {"FATAL", 5}, {"CRITICAL", 8}, {"Exception", 9}};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (sw_memfind(msg, len, words[i].w, words[i].n)) return 1;
    return 0;
}

static int sev_cmp(const void *pa, const void *pb) {
    const ls_sev *a = pa, *b = pb;
    if (a->stream != b->stream) return a->stream < b->stream ? -1 : 1;
    if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* One block's index entry while the segment is built; streams point into the builder's array. */
typedef struct block_meta { ls_block b; size_t first_stream; uint32_t filter_crc; } block_meta;

typedef struct seg_builder {
    sw_buf file, raw, filters, col[4];
    block_meta *blocks; size_t nblocks, cap;
    ls_bstream *streams; size_t nstreams, cap_streams;
    trigram_set tri;
    ZSTD_CCtx *zc;
    int level;
} seg_builder;

static ls_bstream *builder_stream(seg_builder *sb) {
    if (sb->nstreams == sb->cap_streams) {
        sb->cap_streams = sb->cap_streams ? sb->cap_streams * 2 : 64;
        sb->streams = sw_realloc(sb->streams, sb->cap_streams * sizeof *sb->streams);
    }
    return &sb->streams[sb->nstreams++];
}

/* Encodes, compresses and filters ev[0..n) (sorted) as the next block of the file; flags is LS_BF_* of
 * what the caller knows of the events (kept only with a filter). */
static int builder_add_block(seg_builder *sb, const ls_sev *ev, size_t n, uint32_t flags) {
    if (sb->nblocks == sb->cap) {
        sb->cap = sb->cap ? sb->cap * 2 : 16;
        sb->blocks = sw_realloc(sb->blocks, sb->cap * sizeof *sb->blocks);
    }
    block_meta *bm = &sb->blocks[sb->nblocks++];
    memset(bm, 0, sizeof *bm);
    ls_block *b = &bm->b;
    bm->first_stream = sb->nstreams;
    int64_t pts = 0, ping = 0;
    uint64_t pseq = 0, msg_bytes = 0;
    b->min_ts = INT64_MAX, b->max_ts = INT64_MIN, b->min_seq = UINT64_MAX;
    ls_bstream *st = NULL;
    for (int c = 0; c < 4; c++) sw_buf_reset(&sb->col[c]);
    for (size_t i = 0; i < n; i++) {
        const ls_sev *e = &ev[i];
        sw_varint_put(&sb->col[0], sw_zigzag(e->ts - pts));
        sw_varint_put(&sb->col[1], sw_zigzag(e->ingest - ping));
        sw_varint_put(&sb->col[2], sw_zigzag((int64_t)(e->seq - pseq)));
        sw_varint_put(&sb->col[3], count_newlines(e->msg, e->len));
        pts = e->ts, ping = e->ingest, pseq = e->seq;
        msg_bytes += e->len;
        if (!st || st->id != e->stream) {
            st = builder_stream(sb);
            *st = (ls_bstream){e->stream, 0, 0, 0, e->ts, e->ts, e->ingest};
        }
        st->count++;
        st->raw_bytes += e->len + LS_EVENT_OVERHEAD;
        if (e->ts > st->max_ts) st->max_ts = e->ts;
        if (e->ingest > st->max_ingest) st->max_ingest = e->ingest;
        if (e->ts < b->min_ts) b->min_ts = e->ts;
        if (e->ts > b->max_ts) b->max_ts = e->ts;
        if (e->seq < b->min_seq) b->min_seq = e->seq;
        if (e->seq > b->max_seq) b->max_seq = e->seq;
        if (sb->level >= LS_ZSTD_LIVE) trigram_add_message(&sb->tri, (const uint8_t *)e->msg, e->len);
    }
    sw_buf_reset(&sb->raw);
    for (int c = 0; c < 4; c++) put_u32(&sb->raw, (uint32_t)sb->col[c].len);
    for (int c = 0; c < 4; c++) sw_buf_append(&sb->raw, sb->col[c].data, sb->col[c].len);
    b->msgs_off = (uint32_t)sb->raw.len;
    sw_buf_reserve(&sb->raw, msg_bytes + n);
    for (size_t i = 0; i < n; i++) sw_buf_append(&sb->raw, ev[i].msg, ev[i].len), sw_buf_putc(&sb->raw, '\n');
    b->rawlen = (uint32_t)sb->raw.len;
    b->nevents = (uint32_t)n;
    b->nstreams = (uint32_t)(sb->nstreams - bm->first_stream);

    size_t clen;
    if (sb->level == LS_FAST_LZ4) {
        /* LZ4 block: about twice zstd level 1's speed here (650 against 370 MB/s per core), 3.4x against 5.7x. */
        int bound = LZ4_compressBound((int)sb->raw.len);
        sw_buf_reserve(&sb->file, (size_t)bound);
        int got = LZ4_compress_default(sb->raw.data, sb->file.data + sb->file.len, (int)sb->raw.len, bound);
        if (got <= 0) {
            sw_log("error", "logstore: compression failed", "\"reason\":\"lz4\"");
            return -1;
        }
        clen = (size_t)got;
    } else {
        size_t bound = ZSTD_compressBound(sb->raw.len);
        sw_buf_reserve(&sb->file, bound);
        clen = ZSTD_compressCCtx(sb->zc, sb->file.data + sb->file.len, bound, sb->raw.data, sb->raw.len, sb->level);
        if (ZSTD_isError(clen)) {
            sw_log("error", "logstore: compression failed", "\"reason\":\"%s\"", ZSTD_getErrorName(clen));
            return -1;
        }
    }
    b->off = sb->file.len;
    b->clen = (uint32_t)clen;
    b->crc = sw_crc32c(0, sb->file.data + sb->file.len, clen);
    sb->file.len += clen;
    /* Each stream's share of the compressed bytes, in proportion to its raw bytes (storedBytes). */
    uint64_t total = 0;
    for (size_t i = bm->first_stream; i < sb->nstreams; i++) total += sb->streams[i].raw_bytes;
    for (size_t i = bm->first_stream; i < sb->nstreams; i++)
        sb->streams[i].comp_bytes = (uint32_t)(total ? (uint64_t)clen * sb->streams[i].raw_bytes / total : 0);

    size_t foff = sb->filters.len;
    if (sb->level >= LS_ZSTD_LIVE) {
        trigram_emit(&sb->tri, &sb->filters, &b->filter_bits);
        b->flags = flags;
    } else {
        /* Packed fast while the flushers are behind: the filter, ~12 % of the packing's CPU, waits for the
         * dense rewrite at idle time. 64 bits all set pass every term, so readers scan the block. */
        static const uint8_t all[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        sw_buf_append(&sb->filters, all, sizeof all);
        b->filter_bits = 64;
    }
    bm->filter_crc = sw_crc32c(0, sb->filters.data + foff, sb->filters.len - foff);
    b->filter = (const uint8_t *)(uintptr_t)foff;  /* relative to the filter area until the file is laid out */
    return 0;
}

static void builder_index(seg_builder *sb, sw_buf *ix, uint64_t filters_off) {
    put_u32(ix, (uint32_t)sb->nblocks);
    for (size_t i = 0; i < sb->nblocks; i++) {
        const block_meta *bm = &sb->blocks[i];
        const ls_block *b = &bm->b;
        put_u64(ix, b->off);
        put_u32(ix, b->clen), put_u32(ix, b->rawlen), put_u32(ix, b->msgs_off), put_u32(ix, b->nevents), put_u32(ix, b->crc);
        put_u64(ix, (uint64_t)b->min_ts), put_u64(ix, (uint64_t)b->max_ts), put_u64(ix, b->min_seq), put_u64(ix, b->max_seq);
        put_u64(ix, filters_off + (uint64_t)(uintptr_t)b->filter);
        put_u32(ix, b->filter_bits | b->flags), put_u32(ix, bm->filter_crc), put_u32(ix, b->nstreams);
        for (size_t k = 0; k < b->nstreams; k++) {
            const ls_bstream *st = &sb->streams[bm->first_stream + k];
            put_u64(ix, st->id);
            put_u32(ix, st->count), put_u32(ix, st->raw_bytes), put_u32(ix, st->comp_bytes);
            put_u64(ix, (uint64_t)st->min_ts), put_u64(ix, (uint64_t)st->max_ts), put_u64(ix, (uint64_t)st->max_ingest);
        }
    }
}

/* Writes bytes as path via a temp name so the final name only ever holds a complete, synced file. */
static int write_file_atomic(const char *dir, const char *path, const char *data, size_t n) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    if (sw_write_all(fd, data, n) || fdatasync(fd)) {
        int e = errno;
        close(fd);
        unlink(tmp);
        errno = e;
        return -1;
    }
    close(fd);
    if (rename(tmp, path) || sw_fsync_dir(dir)) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

static void builder_free(seg_builder *sb) {
    sw_buf_free(&sb->file), sw_buf_free(&sb->raw), sw_buf_free(&sb->filters);
    for (int c = 0; c < 4; c++) sw_buf_free(&sb->col[c]);
    sw_free(sb->blocks), sw_free(sb->streams), sw_free(sb->tri.seen);
    ZSTD_freeCCtx(sb->zc);
}

/* The builder's buffers outlive one segment: a flusher packs one head after another, and fresh
 * buffers each time (the compression context alone is megabytes) cost page faults and zeroing per segment. */
struct ls_scratch { seg_builder sb; ls_sev *part; uint8_t *kind; size_t part_cap; };

ls_scratch *ls_scratch_new(void) {
    ls_scratch *x = sw_calloc(1, sizeof *x);
    x->sb.zc = ZSTD_createCCtx();
    x->sb.tri.seen = sw_calloc(((size_t)1 << LS_TRI_HASH_BITS) / 64, sizeof(uint64_t));
    return x;
}

void ls_scratch_free(ls_scratch *x) {
    if (!x) return;
    builder_free(&x->sb);
    sw_free(x->part), sw_free(x->kind);
    sw_free(x);
}

/* Empties the builder for the next segment, keeping its memory. Each block's emit clears the trigram set;
 * a segment abandoned mid-block leaves bits that are cleared here. */
static void builder_reset(seg_builder *sb) {
    sw_buf_reset(&sb->file), sw_buf_reset(&sb->raw), sw_buf_reset(&sb->filters);
    for (int c = 0; c < 4; c++) sw_buf_reset(&sb->col[c]);
    memset(sb->tri.seen, 0, ((size_t)1 << LS_TRI_HASH_BITS) / 8);
    sb->nblocks = 0, sb->nstreams = 0;
}

int ls_seg_build(ls_scratch *x, uint64_t gen, ls_sev *ev, size_t n, int level) {
    if (n > 1) qsort(ev, n, sizeof *ev, sev_cmp);
    seg_builder *sb = &x->sb;
    builder_reset(sb);
    sb->level = level;
    sw_buf_append(&sb->file, LS_SEG_MAGIC, 8);
    /* With filters, events that name an error severity go into blocks of their own after the others (each
     * part keeps its order): a search for ERROR, the most common on-call search, then passes only their
     * blocks' filters instead of decoding every block for the few percent of events that match. Other events
     * holding a backslash go into blocks of their own before those, so the rest are flagged as free of JSON
     * escapes and a JSON pattern's literal can be tested against their filters (sw_filter_prefilter). Readers
     * merge blocks by their time ranges, so the split changes nothing they return. */
    size_t cut[3] = {n, n, n};
    if (level >= LS_ZSTD_LIVE) {
        if (n > x->part_cap) {
            x->part_cap = n;
            x->part = sw_realloc(x->part, n * sizeof *x->part);
            x->kind = sw_realloc(x->kind, n);
        }
        size_t count[3] = {0, 0, 0};
        for (size_t i = 0; i < n; i++) {
            uint8_t k = ls_sev_alert(ev[i].msg, ev[i].len) ? 2 : memchr(ev[i].msg, '\\', ev[i].len) ? 1 : 0;
            x->kind[i] = k;
            count[k]++;
        }
        size_t at[3] = {0, count[0], count[0] + count[1]};
        for (size_t i = 0; i < n; i++) x->part[at[x->kind[i]]++] = ev[i];
        memcpy(ev, x->part, n * sizeof *ev);
        cut[0] = count[0], cut[1] = count[0] + count[1];
    }
    for (size_t i = 0, c = 0; i < n;) {
        while (i >= cut[c]) c++;
        size_t j = i, bytes = 0;
        while (j < cut[c] && (j == i || bytes + ev[j].len <= LS_BLOCK_RAW)) bytes += ev[j++].len;
        /* the first part (no error word, no backslash) is free of escapes */
        if (builder_add_block(sb, ev + i, j - i, level >= LS_ZSTD_LIVE && c == 0 ? LS_BF_NO_BACKSLASH : 0)) return -1;
        i = j;
    }
    uint64_t filters_off = sb->file.len;
    sw_buf_append(&sb->file, sb->filters.data, sb->filters.len);
    uint64_t index_off = sb->file.len;
    sw_buf ix;
    sw_buf_init(&ix);
    builder_index(sb, &ix, filters_off);
    sw_buf_append(&sb->file, ix.data, ix.len);
    put_u64(&sb->file, index_off);
    put_u32(&sb->file, (uint32_t)ix.len);
    put_u32(&sb->file, sw_crc32c(0, ix.data, ix.len));
    put_u64(&sb->file, gen);
    const char *end = level >= LS_ZSTD_LEVEL  ? LS_SEG_END
                      : level >= LS_ZSTD_LIVE ? LS_SEG_END_LIVE
                      : level == LS_FAST_LZ4  ? LS_SEG_END_LZ4
                                              : LS_SEG_END_FAST;
    sw_buf_append(&sb->file, end, 8);
    sw_buf_free(&ix);
    return 0;
}

ls_seg *ls_seg_commit(ls_scratch *x, const char *dir, uint64_t gen) {
    char path[4096];
    snprintf(path, sizeof path, "%s/seg-%020llu.sws", dir, (unsigned long long)gen);
    if (write_file_atomic(dir, path, x->sb.file.data, x->sb.file.len)) {
        sw_log("error", "logstore: cannot write segment", "\"file\":\"%s\",\"errno\":%d", path, errno);
        return NULL;
    }
    return ls_seg_load(path, gen);
}

ls_seg *ls_seg_write(ls_scratch *x, const char *dir, uint64_t gen, ls_sev *ev, size_t n, int level) {
    return ls_seg_build(x, gen, ev, n, level) ? NULL : ls_seg_commit(x, dir, gen);
}

/* ---------- loading ---------- */

static void seg_free(ls_seg *g) {
    if (g->map) munmap(g->map, g->size);
    for (size_t i = 0; i < g->nblocks; i++) sw_free(g->blocks[i].streams);
    sw_free(g->blocks);
    sw_free(g->path);
    sw_free(g);
}

void ls_seg_release(ls_seg *g) {
    if (g && atomic_fetch_sub(&g->refs, 1) == 1) seg_free(g);
}

static ls_seg *seg_bad(ls_seg *g, const char *why) {
    sw_log("error", "logstore: damaged segment skipped", "\"file\":\"%s\",\"reason\":\"%s\"", g->path, why);
    seg_free(g);
    return NULL;
}

/* Parses one block entry at *p (bounds-checked against end); 0 or -1. */
static int parse_block(ls_seg *g, ls_block *b, const uint8_t **pp, const uint8_t *end) {
    const uint8_t *p = *pp;
    if ((size_t)(end - p) < LS_BLOCK_FIXED) return -1;
    b->off = get_u64(p), b->clen = get_u32(p + 8), b->rawlen = get_u32(p + 12), b->msgs_off = get_u32(p + 16);
    b->nevents = get_u32(p + 20), b->crc = get_u32(p + 24);
    b->min_ts = (int64_t)get_u64(p + 28), b->max_ts = (int64_t)get_u64(p + 36);
    b->min_seq = get_u64(p + 44), b->max_seq = get_u64(p + 52);
    uint64_t foff = get_u64(p + 60);
    b->filter_bits = get_u32(p + 68);
    b->flags = b->filter_bits & LS_BF_NO_BACKSLASH; /* the low 6 bits hold flags; unknown ones are ignored */
    b->filter_bits &= ~LS_BF_MASK;
    uint32_t fcrc = get_u32(p + 72);
    b->nstreams = get_u32(p + 76);
    p += LS_BLOCK_FIXED;
    if (b->off > g->size || b->clen > g->size - b->off || b->msgs_off > b->rawlen || b->filter_bits < 64 || b->filter_bits % 64)
        return -1;
    if ((size_t)(end - p) / LS_STREAM_FIXED < b->nstreams || b->nstreams == 0) return -1;
    size_t fbytes = b->filter_bits / 8;
    if (foff > g->size || fbytes > g->size - foff) return -1;
    b->filter = g->map + foff;
    if (sw_crc32c(0, b->filter, fbytes) != fcrc) {
        sw_log("warn", "logstore: damaged token filter ignored", "\"file\":\"%s\",\"block_offset\":%llu", g->path,
               (unsigned long long)b->off);
        b->filter = NULL;
    }
    b->streams = sw_calloc(b->nstreams, sizeof *b->streams);
    for (uint32_t k = 0; k < b->nstreams; k++, p += LS_STREAM_FIXED) {
        ls_bstream *st = &b->streams[k];
        st->id = get_u64(p), st->count = get_u32(p + 8), st->raw_bytes = get_u32(p + 12), st->comp_bytes = get_u32(p + 16);
        st->min_ts = (int64_t)get_u64(p + 20), st->max_ts = (int64_t)get_u64(p + 28), st->max_ingest = (int64_t)get_u64(p + 36);
    }
    *pp = p;
    return 0;
}

ls_seg *ls_seg_load(const char *path, uint64_t gen) {
    static atomic_uint_fast64_t next_uid = 1;
    ls_seg *g = sw_calloc(1, sizeof *g);
    atomic_init(&g->refs, 1);
    g->uid = atomic_fetch_add(&next_uid, 1);
    g->gen = gen;
    g->path = sw_strdup(path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0) close(fd);
        return seg_bad(g, strerror(errno));
    }
    g->size = (size_t)st.st_size;
    if (g->size < 8 + LS_FOOTER) { close(fd); return seg_bad(g, "too short"); }
    g->map = mmap(NULL, g->size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (g->map == MAP_FAILED) { g->map = NULL; return seg_bad(g, "mmap failed"); }
    const uint8_t *f = g->map + g->size - LS_FOOTER;
    if (memcmp(g->map, LS_SEG_MAGIC, 8) ||
        (memcmp(f + 24, LS_SEG_END, 8) && memcmp(f + 24, LS_SEG_END_FAST, 8) && memcmp(f + 24, LS_SEG_END_LZ4, 8) &&
         memcmp(f + 24, LS_SEG_END_LIVE, 8)))
        return seg_bad(g, "bad magic");
    g->lz4 = memcmp(f + 24, LS_SEG_END_LZ4, 8) == 0;
    g->fast = g->lz4 || memcmp(f + 24, LS_SEG_END_FAST, 8) == 0 || memcmp(f + 24, LS_SEG_END_LIVE, 8) == 0;
    uint64_t ioff = get_u64(f);
    uint32_t ilen = get_u32(f + 8), icrc = get_u32(f + 12);
    if (ioff > g->size - LS_FOOTER || ilen != g->size - LS_FOOTER - ioff) return seg_bad(g, "bad footer");
    if (sw_crc32c(0, g->map + ioff, ilen) != icrc) return seg_bad(g, "index checksum mismatch");
    if (get_u64(f + 16) != gen) return seg_bad(g, "generation does not match the file name");
    const uint8_t *p = g->map + ioff, *end = p + ilen;
    if (ilen < 4) return seg_bad(g, "bad index");
    uint32_t nb = get_u32(p);
    p += 4;
    if (nb == 0 || (size_t)(end - p) / LS_BLOCK_FIXED < nb) return seg_bad(g, "bad index");
    g->blocks = sw_calloc(nb, sizeof *g->blocks);
    g->min_ts = INT64_MAX, g->max_ts = INT64_MIN, g->min_seq = UINT64_MAX;
    for (uint32_t i = 0; i < nb; i++) {
        ls_block *b = &g->blocks[i];
        g->nblocks = i + 1;
        if (parse_block(g, b, &p, end)) return seg_bad(g, "bad block entry");
        if (b->min_ts < g->min_ts) g->min_ts = b->min_ts;
        if (b->max_ts > g->max_ts) g->max_ts = b->max_ts;
        if (b->min_seq < g->min_seq) g->min_seq = b->min_seq;
        if (b->max_seq > g->max_seq) g->max_seq = b->max_seq;
    }
    madvise(g->map, ioff, MADV_RANDOM);
    return g;
}

const ls_bstream *ls_block_stream(const ls_block *b, uint64_t id) {
    size_t lo = 0, hi = b->nstreams;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (b->streams[mid].id < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < b->nstreams && b->streams[lo].id == id ? &b->streams[lo] : NULL;
}

/* ---------- decoding ---------- */

static long block_damaged(sw_logstore *s, const ls_seg *seg, ls_block *b, const char *why) {
    if (atomic_exchange(&b->damaged, 1) == 0) {
        atomic_fetch_add(&s->corrupt_blocks, 1);
        sw_log("error", "logstore: damaged block skipped", "\"file\":\"%s\",\"block_offset\":%llu,\"reason\":\"%s\"", seg->path,
               (unsigned long long)b->off, why);
    }
    return -1;
}

long ls_block_decode(sw_logstore *s, const ls_seg *seg, ls_block *b, sw_buf *out, ls_sev **evp, size_t *cap) {
    if (atomic_load(&b->damaged)) return -1;
    const uint8_t *frame = seg->map + b->off;
    if (sw_crc32c(0, frame, b->clen) != b->crc) return block_damaged(s, seg, b, "checksum mismatch");
    sw_buf_reset(out);
    sw_buf_reserve(out, b->rawlen);
    size_t got;
    if (seg->lz4) {
        int k = b->clen <= INT32_MAX && b->rawlen <= INT32_MAX
                    ? LZ4_decompress_safe((const char *)frame, out->data, (int)b->clen, (int)b->rawlen) : -1;
        got = k < 0 ? 0 : (size_t)k;
        if (k < 0 || got != b->rawlen) return block_damaged(s, seg, b, "does not decompress");
    } else {
        got = ZSTD_decompress(out->data, b->rawlen, frame, b->clen);
        if (ZSTD_isError(got) || got != b->rawlen) return block_damaged(s, seg, b, "does not decompress");
    }
    out->len = got;
    if (*cap < b->nevents) {
        *cap = b->nevents;
        *evp = sw_realloc(*evp, *cap * sizeof **evp);
    }
    ls_sev *ev = *evp;
    const uint8_t *base = (const uint8_t *)out->data, *col[4], *end[4];
    if (b->msgs_off < 16) return block_damaged(s, seg, b, "bad column header");
    size_t at = 16;
    for (int c = 0; c < 4; c++) {
        size_t len = get_u32(base + 4 * c);
        if (len > b->msgs_off - at) return block_damaged(s, seg, b, "bad column header");
        col[c] = base + at, end[c] = base + at + len;
        at += len;
    }
    const char *msg = out->data + b->msgs_off, *msg_end = out->data + b->rawlen;
    int64_t ts = 0, ing = 0;
    uint64_t seq = 0;
    uint32_t k = 0, left = b->streams[0].count;
    for (uint32_t i = 0; i < b->nevents; i++) {
        uint64_t dts, ding, dseq, lines;
        if (sw_varint_get(&col[0], end[0], &dts) || sw_varint_get(&col[1], end[1], &ding) || sw_varint_get(&col[2], end[2], &dseq) ||
            sw_varint_get(&col[3], end[3], &lines))
            return block_damaged(s, seg, b, "bad event encoding");
        const char *eol = msg - 1;  /* msgs_off >= 16, so this stays inside the buffer */
        for (uint64_t l = 0; l <= lines; l++)
            if (!(eol = memchr(eol + 1, '\n', (size_t)(msg_end - eol - 1)))) return block_damaged(s, seg, b, "bad event encoding");
        size_t len = (size_t)(eol - msg);
        while (left == 0 && k + 1 < b->nstreams) left = b->streams[++k].count;
        if (left == 0) return block_damaged(s, seg, b, "stream counts do not add up");
        left--;
        ts += sw_unzigzag(dts), ing += sw_unzigzag(ding), seq += (uint64_t)sw_unzigzag(dseq);
        ev[i] = (ls_sev){ts, ing, seq, b->streams[k].id, msg, (uint32_t)len};
        msg = eol + 1;
    }
    return b->nevents;
}
