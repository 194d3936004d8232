/* metrics_disk.c -- block files of the metrics engine (format in metrics_disk.h). */
#include "metrics_disk.h"
#include "alloc.h"
#include "crc32c.h"
#include "fileio.h"
#include "tscodec.h"
#include "varint.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define SW_MB_MAGIC "SWMB0001"
#define SW_MB_END "SWMBEND1"
#define SW_MB_FOOTER 24
#define SW_MB_ENTRY 33
#define SW_MB_CATALOG_MAX (1u << 30)
/* Raw values per block: the most a block holds. Whole days of 10-second data (8,640 samples) compress some 5%
 * better than blocks of 2,048 on 2-decimal values; the decoded-block cache (metrics.c) spares repeated
 * queries the cost of decoding a long block for a short range. */
#define SW_MB_BLOCK_SAMPLES SW_TS_MAX_BLOCK

static uint32_t sw_rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t sw_rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void sw_put32(sw_buf *b, uint32_t v) { sw_buf_append(b, &v, 4); }
static void sw_put64(sw_buf *b, uint64_t v) { sw_buf_append(b, &v, 8); }

void sw_mb_name(char *out, size_t outlen, uint64_t lo, uint64_t hi, uint32_t version) {
    snprintf(out, outlen, "mb-%016" PRIx64 "-%016" PRIx64 "-%08" PRIx32 ".swb", lo, hi, version);
}

int sw_mb_parse_name(const char *name, uint64_t *lo, uint64_t *hi, uint32_t *version) {
    if (strlen(name) != 3 + 16 + 1 + 16 + 1 + 8 + 4 || strncmp(name, "mb-", 3) || name[19] != '-' || name[36] != '-' ||
        strcmp(name + 45, ".swb"))
        return -1;
    uint64_t v[3] = {0, 0, 0};
    static const int at[3] = {3, 20, 37}, len[3] = {16, 16, 8};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < len[k]; i++) {
            char c = name[at[k] + i];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0) return -1;
            v[k] = v[k] << 4 | (uint64_t)d;
        }
    if (v[0] > v[1]) return -1;
    *lo = v[0], *hi = v[1], *version = (uint32_t)v[2];
    return 0;
}

/* ---------- reading ---------- */

sw_mb_file *sw_mb_open(const char *path, char *err, size_t errlen) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { snprintf(err, errlen, "%s", strerror(errno)); return NULL; }
    struct stat st;
    if (fstat(fd, &st) != 0) { snprintf(err, errlen, "%s", strerror(errno)); close(fd); return NULL; }
    size_t size = (size_t)st.st_size;
    if (size < 8 + SW_MB_FOOTER) { close(fd); snprintf(err, errlen, "%zu bytes: shorter than a header and footer", size); return NULL; }
    uint8_t *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) { snprintf(err, errlen, "mmap: %s", strerror(errno)); return NULL; }
    const uint8_t *ft = map + size - SW_MB_FOOTER;
    uint64_t ioff = sw_rd64(ft);
    uint32_t ilen = sw_rd32(ft + 8), icrc = sw_rd32(ft + 12);
    const char *why = NULL;
    if (memcmp(map, SW_MB_MAGIC, 8)) why = "bad magic";
    else if (memcmp(ft + 16, SW_MB_END, 8)) why = "bad footer (torn or overwritten end)";
    else if (ioff < 8 || ioff > size - SW_MB_FOOTER || ilen != size - SW_MB_FOOTER - ioff || ilen < 28) why = "index out of bounds";
    else if (sw_crc32c(0, map + ioff, ilen) != icrc) why = "index checksum mismatch";
    sw_mb_file *f = NULL;
    if (!why) {
        const uint8_t *ix = map + ioff, *end = ix + ilen;
        f = sw_calloc(1, sizeof *f);
        f->map = map, f->size = size;
        f->lo = sw_rd64(ix), f->hi = sw_rd64(ix + 8);
        f->catalog_raw = sw_rd32(ix + 16), f->catalog_len = sw_rd32(ix + 20);
        f->catalog = ix + 24;
        if (f->catalog_raw > SW_MB_CATALOG_MAX || (size_t)(end - f->catalog) < (size_t)f->catalog_len + 4) why = "catalog out of bounds";
        else {
            const uint8_t *p = f->catalog + f->catalog_len;
            f->nentries = sw_rd32(p);
            f->entries = p + 4;
            if ((size_t)(end - f->entries) != (size_t)f->nentries * SW_MB_ENTRY) why = "index length does not match its entries";
            for (uint32_t i = 0; !why && i < f->nentries; i++) {
                sw_mb_entry e;
                sw_mb_entry_at(f, i, &e);
                if (e.off < 8 || e.off > ioff || e.len > ioff - e.off || e.kind > SW_MB_ROLLUP || e.n == 0 ||
                    e.n > SW_TS_MAX_BLOCK || e.tmin > e.tmax || (e.kind == SW_MB_ROLLUP) != (e.period > 0))
                    why = "an index entry points outside the blocks";
                f->samples += e.n;
            }
        }
    }
    if (why) {
        snprintf(err, errlen, "%s", why);
        sw_free(f);
        munmap(map, size);
        return NULL;
    }
    f->path = sw_strdup(path);
    const char *slash = strrchr(f->path, '/');
    f->name = slash ? (char *)slash + 1 : f->path;
    uint64_t nlo, nhi;
    if (sw_mb_parse_name(f->name, &nlo, &nhi, &f->version)) f->version = 0;
    madvise((void *)map, size, MADV_RANDOM);
    return f;
}

void sw_mb_close(sw_mb_file *f) {
    if (!f) return;
    munmap((void *)f->map, f->size);
    sw_free(f->path);
    sw_free(f);
}

void sw_mb_entry_at(const sw_mb_file *f, uint32_t i, sw_mb_entry *e) {
    const uint8_t *p = f->entries + (size_t)i * SW_MB_ENTRY;
    e->series = sw_rd32(p);
    e->kind = p[4];
    e->n = sw_rd32(p + 5);
    e->tmin = sw_rd32(p + 9);
    e->tmax = sw_rd32(p + 13);
    e->off = sw_rd64(p + 17);
    e->len = sw_rd32(p + 25);
    e->period = sw_rd32(p + 29);
}

int sw_mb_catalog(const sw_mb_file *f, sw_buf *out) {
    /* Streamed, the output growing as bytes come out: a damaged length can never make it allocate more than
     * the frame really decompresses to (and that is refused past the length the index states). */
    sw_buf_reset(out);
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    if (!dc) return -1;
    ZSTD_inBuffer in = {f->catalog, f->catalog_len, 0};
    size_t rc = 1;
    while (!ZSTD_isError(rc) && out->len <= f->catalog_raw && (rc != 0 || in.pos < in.size)) {
        size_t room = f->catalog_raw + 1 - out->len, step = room < (1u << 20) ? room : (1u << 20);
        sw_buf_reserve(out, step);
        ZSTD_outBuffer o = {out->data + out->len, step, 0};
        size_t before = in.pos;
        rc = ZSTD_decompressStream(dc, &o, &in);
        out->len += o.pos;
        if (rc == 0 && in.pos == in.size) break;
        if (o.pos == 0 && in.pos == before) break; /* no progress: truncated frame */
    }
    ZSTD_freeDCtx(dc);
    return !ZSTD_isError(rc) && rc == 0 && in.pos == in.size && out->len == f->catalog_raw ? 0 : -1;
}

long sw_mb_decode_values(const uint8_t *p, size_t len, uint32_t *t, double *v) { return sw_ts_decode(p, len, t, v); }

/* The four columns of kinds 1 and 2; *rest is what follows them. */
static long sw_mb_decode_cols(const uint8_t *p, size_t len, uint32_t *t, double *count, double *sum, double *min,
                              double *max, uint32_t *tscratch, const uint8_t **rest, size_t *restlen) {
    double *cols[4] = {count, sum, min, max};
    long n = -1;
    *restlen = 0;
    for (int c = 0; c < 4; c++) {
        if (len < 4) return -1;
        uint32_t l = sw_rd32(p);
        if (l > len - 4) return -1;
        long k = sw_ts_decode(p + 4, l, c == 0 ? t : tscratch, cols[c]);
        if (k < 0 || (c > 0 && (k != n || memcmp(t, tscratch, (size_t)k * sizeof *t)))) return -1;
        n = k;
        p += 4 + l, len -= 4 + (size_t)l;
    }
    *rest = p, *restlen = len;
    return n;
}

long sw_mb_decode_sets(const uint8_t *p, size_t len, uint32_t *t, double *count, double *sum, double *min, double *max,
                       uint32_t *tscratch) {
    const uint8_t *rest;
    size_t restlen;
    long n = sw_mb_decode_cols(p, len, t, count, sum, min, max, tscratch, &rest, &restlen);
    return restlen == 0 ? n : -1;
}

long sw_mb_decode_rollups(const uint8_t *p, size_t len, uint32_t *t, double *count, double *sum, double *min, double *max,
                          uint32_t *tscratch, const uint8_t **sketches, size_t *sketches_len) {
    const uint8_t *rest;
    size_t restlen;
    long n = sw_mb_decode_cols(p, len, t, count, sum, min, max, tscratch, &rest, &restlen);
    if (n < 0 || restlen < 8) return -1;
    uint32_t l = sw_rd32(rest), crc = sw_rd32(rest + 4);
    if (l != restlen - 8 || sw_crc32c(0, rest + 8, l) != crc) return -1;
    *sketches = rest + 8, *sketches_len = l;
    return n;
}

/* ---------- writing ---------- */

struct sw_mb_tpos { uint32_t t, i; };

static int sw_mb_tpos_cmp(const void *a, const void *b) {
    const struct sw_mb_tpos *x = a, *y = b;
    return x->t != y->t ? (x->t > y->t) - (x->t < y->t) : (x->i > y->i) - (x->i < y->i);
}

void sw_mb_sort(sw_mb_sortbuf *sb, uint32_t *t, double *const *cols, int ncols, size_t n) {
    size_t i = 1;
    while (i < n && t[i - 1] <= t[i]) i++;
    if (i >= n) return;
    if (n > sb->cap) {
        sb->cap = n;
        sb->pos = sw_realloc(sb->pos, n * sizeof *sb->pos);
        sb->tmp = sw_realloc(sb->tmp, n * sizeof *sb->tmp);
    }
    for (i = 0; i < n; i++) sb->pos[i] = (struct sw_mb_tpos){t[i], (uint32_t)i};
    qsort(sb->pos, n, sizeof *sb->pos, sw_mb_tpos_cmp);
    for (int k = 0; k < ncols; k++) {
        for (i = 0; i < n; i++) sb->tmp[i] = cols[k][sb->pos[i].i];
        memcpy(cols[k], sb->tmp, n * sizeof *sb->tmp);
    }
    for (i = 0; i < n; i++) t[i] = sb->pos[i].t;
}

void sw_mb_sortbuf_free(sw_mb_sortbuf *sb) {
    sw_free(sb->pos);
    sw_free(sb->tmp);
    sb->pos = NULL, sb->tmp = NULL, sb->cap = 0;
}

int sw_mb_begin(sw_mb_writer *w, const char *dir, uint64_t lo, uint64_t hi, uint32_t version) {
    memset(w, 0, sizeof *w);
    char name[64];
    sw_mb_name(name, sizeof name, lo, hi, version);
    snprintf(w->dir, sizeof w->dir, "%s", dir);
    snprintf(w->path, sizeof w->path, "%s/%s", dir, name);
    snprintf(w->tmp, sizeof w->tmp, "%s/%s.tmp", dir, name);
    w->lo = lo, w->hi = hi;
    sw_buf_init(&w->block);
    sw_buf_init(&w->entries);
    sw_buf_init(&w->scratch);
    w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (w->fd < 0 || sw_write_all(w->fd, SW_MB_MAGIC, 8)) { sw_mb_abort(w); return -1; }
    w->off = 8;
    return 0;
}

static int sw_mb_emit(sw_mb_writer *w, uint32_t series, uint8_t kind, uint32_t n, uint32_t tmin, uint32_t tmax,
                      uint32_t period) {
    if (w->failed) return -1;
    if (sw_write_all(w->fd, w->block.data, w->block.len)) { w->failed = 1; return -1; }
    sw_put32(&w->entries, series);
    sw_buf_putc(&w->entries, (char)kind);
    sw_put32(&w->entries, n);
    sw_put32(&w->entries, tmin);
    sw_put32(&w->entries, tmax);
    sw_put64(&w->entries, w->off);
    sw_put32(&w->entries, (uint32_t)w->block.len);
    sw_put32(&w->entries, period);
    w->off += w->block.len;
    w->nentries++;
    w->samples += n;
    return 0;
}

int sw_mb_add_values(sw_mb_writer *w, uint32_t series, const uint32_t *t, const double *v, size_t n) {
    for (size_t i = 0; i < n; i += SW_MB_BLOCK_SAMPLES) {
        size_t k = n - i < SW_MB_BLOCK_SAMPLES ? n - i : SW_MB_BLOCK_SAMPLES;
        sw_buf_reset(&w->block);
        if (sw_ts_encode(&w->block, t + i, v + i, k, 3) || sw_mb_emit(w, series, SW_MB_VALUES, (uint32_t)k, t[i], t[i + k - 1], 0)) {
            w->failed = 1;
            return -1;
        }
    }
    return 0;
}

/* The four columns of samples [i, i + k) into w->block. */
static int sw_mb_put_cols(sw_mb_writer *w, const uint32_t *t, const double *const cols[4], size_t i, size_t k) {
    for (int c = 0; c < 4; c++) {
        size_t at = w->block.len;
        sw_put32(&w->block, 0);
        if (sw_ts_encode(&w->block, t + i, cols[c] + i, k, 3)) { w->failed = 1; return -1; }
        uint32_t l = (uint32_t)(w->block.len - at - 4);
        memcpy(w->block.data + at, &l, 4);
    }
    return 0;
}

int sw_mb_add_sets(sw_mb_writer *w, uint32_t series, const uint32_t *t, const double *count, const double *sum,
                   const double *min, const double *max, size_t n) {
    const double *const cols[4] = {count, sum, min, max};
    for (size_t i = 0; i < n; i += SW_TS_MAX_BLOCK) {
        size_t k = n - i < SW_TS_MAX_BLOCK ? n - i : SW_TS_MAX_BLOCK;
        sw_buf_reset(&w->block);
        if (sw_mb_put_cols(w, t, cols, i, k) || sw_mb_emit(w, series, SW_MB_SETS, (uint32_t)k, t[i], t[i + k - 1], 0))
            return -1;
    }
    return 0;
}

int sw_mb_add_rollups(sw_mb_writer *w, uint32_t series, uint32_t period, const uint32_t *t, const double *count,
                      const double *sum, const double *min, const double *max, size_t n, const void *sketches,
                      size_t sketches_len) {
    const double *const cols[4] = {count, sum, min, max};
    const uint8_t *sp = sketches, *send = sp + sketches_len;
    for (size_t i = 0; i < n; i += SW_TS_MAX_BLOCK) {
        size_t k = n - i < SW_TS_MAX_BLOCK ? n - i : SW_TS_MAX_BLOCK;
        sw_buf_reset(&w->block);
        if (sw_mb_put_cols(w, t, cols, i, k)) return -1;
        /* This block's share of the sketch column: k length-prefixed entries. */
        const uint8_t *from = sp;
        for (size_t j = 0; j < k; j++) {
            uint64_t l;
            if (sw_varint_get(&sp, send, &l) || l > (uint64_t)(send - sp)) { w->failed = 1; return -1; }
            sp += l;
        }
        uint32_t l = (uint32_t)(sp - from), crc = sw_crc32c(0, from, l);
        sw_put32(&w->block, l);
        sw_put32(&w->block, crc);
        sw_buf_append(&w->block, from, l);
        if (sw_mb_emit(w, series, SW_MB_ROLLUP, (uint32_t)k, t[i], t[i + k - 1], period)) return -1;
    }
    return 0;
}

int sw_mb_add_raw(sw_mb_writer *w, const sw_mb_entry *e, const uint8_t *bytes) {
    sw_buf_reset(&w->block);
    sw_buf_append(&w->block, bytes, e->len);
    return sw_mb_emit(w, e->series, e->kind, e->n, e->tmin, e->tmax, e->period);
}

void sw_mb_abort(sw_mb_writer *w) {
    if (w->fd >= 0) close(w->fd);
    w->fd = -1;
    if (w->tmp[0]) unlink(w->tmp);
    sw_buf_free(&w->block);
    sw_buf_free(&w->entries);
    sw_buf_free(&w->scratch);
}

int sw_mb_finish(sw_mb_writer *w, const void *catalog, size_t catalog_len) {
    if (w->failed || catalog_len > SW_MB_CATALOG_MAX) { sw_mb_abort(w); return -1; }
    sw_buf *ix = &w->scratch;
    sw_buf_reset(ix);
    sw_put64(ix, w->lo);
    sw_put64(ix, w->hi);
    sw_put32(ix, (uint32_t)catalog_len);
    size_t at = ix->len;
    sw_put32(ix, 0);
    size_t bound = ZSTD_compressBound(catalog_len);
    sw_buf_reserve(ix, bound);
    size_t z = ZSTD_compress(ix->data + ix->len, bound, catalog, catalog_len, 3);
    if (ZSTD_isError(z)) { sw_mb_abort(w); return -1; }
    ix->len += z;
    uint32_t z32 = (uint32_t)z;
    memcpy(ix->data + at, &z32, 4);
    sw_put32(ix, w->nentries);
    sw_buf_append(ix, w->entries.data, w->entries.len);
    uint8_t ft[SW_MB_FOOTER];
    uint64_t ioff = w->off;
    uint32_t ilen = (uint32_t)ix->len, crc = sw_crc32c(0, ix->data, ix->len);
    memcpy(ft, &ioff, 8);
    memcpy(ft + 8, &ilen, 4);
    memcpy(ft + 12, &crc, 4);
    memcpy(ft + 16, SW_MB_END, 8);
    int bad = sw_write_all(w->fd, ix->data, ix->len) || sw_write_all(w->fd, ft, sizeof ft) || fdatasync(w->fd);
    if (bad || rename(w->tmp, w->path) || sw_fsync_dir(w->dir)) { sw_mb_abort(w); return -1; }
    w->tmp[0] = '\0';
    sw_mb_abort(w); /* releases the buffers and the descriptor; the file stays */
    return 0;
}
