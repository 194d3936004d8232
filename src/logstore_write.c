/* logstore_write.c -- the write path of the log store: puts into a group's write-ahead log and in-memory
 * head, background flushers that pack full heads into segments and trim the log, recovery at open,
 * and retention.
 *
 * A group's files: wal-<gen>.log holds the events of head <gen>; seg-<gen>.sws holds every event of
 * the logs up to <gen> not in an earlier segment. A log is unlinked only after its segment is renamed
 * into place and the directory synced, and open ignores (and removes) logs a segment already covers,
 * so a crash at any instant neither loses an acknowledged event nor replays one twice. */
#include "alloc.h"
#include "clock.h"
#include "log.h"
#include "logstore_int.h"
#include "fileio.h"
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Write-ahead record of one put: u64 stream, u64 first id, i64 ingestion ms, u32 n, then per event
 * i64 timestamp, u32 length, message. Native byte order, as the metrics engine's records. */
#define LS_REC_HEAD 28
#define LS_REC_EVENT 12

/* ---------- heads ---------- */

ls_head *ls_head_new(uint64_t gen) {
    ls_head *h = sw_calloc(1, sizeof *h);
    atomic_init(&h->refs, 1);
    h->gen = gen;
    return h;
}

/* Chunks of the standard size are recycled through a small pool rather than freed: every put fills head
 * chunks and every packed segment empties them, and memory the allocator hands back fresh costs a page
 * fault and a zeroed page per 4 KiB (on a VM whose freed pages go back to the host, far more). The pool
 * is process-wide and bounded (LS_CHUNK_POOL chunks, about 2.6 MB each). */
#define LS_CHUNK_EVENTS 16384
#define LS_CHUNK_DATA (2u << 20)
#define LS_CHUNK_POOL 24
static pthread_mutex_t chunk_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static ls_chunk *chunk_pool[LS_CHUNK_POOL];
static size_t chunk_pool_n;

static void chunk_free(ls_chunk *c) {
    if (c->cap == LS_CHUNK_EVENTS && c->dcap == LS_CHUNK_DATA) {
        pthread_mutex_lock(&chunk_pool_lock);
        int kept = chunk_pool_n < LS_CHUNK_POOL;
        if (kept) chunk_pool[chunk_pool_n++] = c;
        pthread_mutex_unlock(&chunk_pool_lock);
        if (kept) return;
    }
    sw_free(c->ev), sw_free(c->data), sw_free(c);
}

static ls_chunk *chunk_new(size_t len) {
    ls_chunk *c = NULL;
    if (len <= LS_CHUNK_DATA) {
        pthread_mutex_lock(&chunk_pool_lock);
        if (chunk_pool_n) c = chunk_pool[--chunk_pool_n];
        pthread_mutex_unlock(&chunk_pool_lock);
    }
    if (!c) {
        c = sw_calloc(1, sizeof *c);
        c->cap = LS_CHUNK_EVENTS;
        c->dcap = len > LS_CHUNK_DATA ? len : LS_CHUNK_DATA;
        c->ev = sw_malloc(c->cap * sizeof *c->ev);
        c->data = sw_malloc(c->dcap);
    }
    c->n = 0, c->dlen = 0;
    c->min_ts = INT64_MAX, c->max_ts = INT64_MIN;
    return c;
}

void ls_chunk_pool_drain(void) {
    pthread_mutex_lock(&chunk_pool_lock);
    while (chunk_pool_n) {
        ls_chunk *c = chunk_pool[--chunk_pool_n];
        sw_free(c->ev), sw_free(c->data), sw_free(c);
    }
    pthread_mutex_unlock(&chunk_pool_lock);
}

void ls_head_release(ls_head *h) {
    if (!h || atomic_fetch_sub(&h->refs, 1) != 1) return;
    for (size_t i = 0; i < h->nchunks; i++) chunk_free(h->chunks[i]);
    sw_free(h->chunks);
    sw_free(h);
}

/* The chunk that can take an event of len bytes; chunks are never reallocated (see ls_chunk). */
static ls_chunk *head_chunk(ls_head *h, size_t len) {
    ls_chunk *c = h->nchunks ? h->chunks[h->nchunks - 1] : NULL;
    if (c && c->n < c->cap && c->dcap - c->dlen >= len) return c;
    if (h->nchunks == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 8;
        h->chunks = sw_realloc(h->chunks, h->cap * sizeof *h->chunks);
    }
    c = chunk_new(len);
    h->chunks[h->nchunks++] = c;
    return c;
}

void ls_head_append(ls_head *h, uint64_t stream, uint64_t seq, int64_t ts, int64_t ingest, const char *msg, size_t len) {
    ls_chunk *c = head_chunk(h, len);
    if (len) memcpy(c->data + c->dlen, msg, len);
    c->ev[c->n++] = (ls_hev){ts, ingest, seq, stream, (uint32_t)c->dlen, (uint32_t)len};
    c->dlen += len;
    if (ts < c->min_ts) c->min_ts = ts;
    if (ts > c->max_ts) c->max_ts = ts;
    h->bytes += len + LS_EVENT_OVERHEAD;
    h->nevents++;
}

/* ---------- write-ahead log generations ---------- */

static void wal_path(const ls_group *g, uint64_t gen, char *out, size_t n) {
    snprintf(out, n, "%s/wal-%020" PRIu64 ".log", g->dir, gen);
}

static void wal_unref(ls_wal *w) {
    if (w && atomic_fetch_sub(&w->refs, 1) == 1) {
        sw_wal_close(w->w);
        sw_free(w);
    }
}

/* ---------- stream statistics (under the group lock) ---------- */

static void stream_note_event(ls_stream *st, int64_t ts, int64_t ingest) {
    if (!st->has_events || ts < st->first_ms) st->first_ms = ts;
    if (!st->has_events || ts > st->last_ms) st->last_ms = ts;
    if (!st->has_events || ingest > st->last_ingest_ms) st->last_ingest_ms = ingest;
    st->has_events = 1;
}

/* Adds (sign 1) or removes (-1) a segment's bytes from its live streams; ids of deleted streams are skipped. */
static void seg_account(ls_group *g, const ls_seg *seg, int sign, int from_head) {
    for (size_t i = 0; i < seg->nblocks; i++)
        for (uint32_t k = 0; k < seg->blocks[i].nstreams; k++) {
            const ls_bstream *bs = &seg->blocks[i].streams[k];
            ls_stream *st = ls_stream_by_id(g, bs->id);
            if (!st) continue;
            if (sign > 0) {
                st->seg_bytes += bs->comp_bytes;
                if (from_head) st->head_bytes -= st->head_bytes < bs->raw_bytes ? st->head_bytes : bs->raw_bytes;
                else stream_note_event(st, bs->min_ts, bs->max_ingest), stream_note_event(st, bs->max_ts, bs->max_ingest);
            } else {
                st->seg_bytes -= st->seg_bytes < bs->comp_bytes ? st->seg_bytes : bs->comp_bytes;
            }
        }
}

/* ---------- put ---------- */

/* One put's record, written straight into the log's queue (sw_wal_append_fill): no copy built first. */
typedef struct put_rec { uint64_t stream, first; int64_t now_ms; const sw_log_event *ev; size_t n; } put_rec;

static size_t put_rec_len(const sw_log_event *ev, size_t n) {
    size_t total = LS_REC_HEAD;
    for (size_t i = 0; i < n; i++) total += LS_REC_EVENT + ev[i].len;
    return total;
}

static void put_rec_fill(uint8_t *p, void *arg) {
    const put_rec *r = arg;
    uint32_t n32 = (uint32_t)r->n;
    memcpy(p, &r->stream, 8), memcpy(p + 8, &r->first, 8), memcpy(p + 16, &r->now_ms, 8), memcpy(p + 24, &n32, 4);
    p += LS_REC_HEAD;
    for (size_t i = 0; i < r->n; i++) {
        uint32_t len = (uint32_t)r->ev[i].len;
        memcpy(p, &r->ev[i].timestamp_ms, 8), memcpy(p + 8, &len, 4);
        if (len) memcpy(p + LS_REC_EVENT, r->ev[i].message, len);
        p += LS_REC_EVENT + len;
    }
}

/* Waits while the flushers are far behind, so memory stays bounded under sustained ingest. */
static void put_backpressure(sw_logstore *s) {
    pthread_mutex_lock(&s->fq_lock);
    while (s->backlog > LS_BACKLOG_BYTES && !s->stopping) pthread_cond_wait(&s->fq_done, &s->fq_lock);
    pthread_mutex_unlock(&s->fq_lock);
}

/* Appends the encoded put to the group's log and head (group write lock held). Returns the log's
 * reference and lsn through w/lsn, or -EIO. */
static void freeze_head(sw_logstore *s, ls_group *g);

static int put_locked(sw_logstore *s, ls_group *g, ls_stream *st, const sw_log_event *ev, size_t n, int64_t now_ms,
                      ls_wal **w, uint64_t *lsn) {
    if (!g->wal) {
        char path[4096], spare[4096], err[256];
        wal_path(g, g->head->gen, path, sizeof path);
        sw_wal *sw = sw_wal_open_reusing(path, ls_spare_take(s, spare, sizeof spare) ? spare : NULL, g->dir, err, sizeof err);
        if (!sw) {
            sw_log("error", "logstore: cannot open a write-ahead log", "\"reason\":\"%s\"", err);
            return -EIO;
        }
        g->wal = sw_calloc(1, sizeof *g->wal);
        g->wal->w = sw, g->wal->gen = g->head->gen;
        atomic_init(&g->wal->refs, 1);
    }
    uint64_t first = g->next_seq;
    put_rec r = {st->id, first, now_ms, ev, n};
    *lsn = sw_wal_append_fill(g->wal->w, put_rec_len(ev, n), put_rec_fill, &r);
    if (!*lsn) return -EIO;
    g->next_seq += n;
    for (size_t i = 0; i < n; i++) {
        ls_head_append(g->head, st->id, first + i, ev[i].timestamp_ms, now_ms, ev[i].message, ev[i].len);
        stream_note_event(st, ev[i].timestamp_ms, now_ms);
        st->head_bytes += ev[i].len + LS_EVENT_OVERHEAD;
    }
    atomic_fetch_add(&g->wal->refs, 1);
    *w = g->wal;
    return 0;
}

int sw_logstore_put(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *stream, const sw_log_event *ev,
                    size_t n, int64_t now_ms) {
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) bytes += ev[i].len + LS_REC_EVENT;
    if (bytes > LS_MAX_BATCH) return -EINVAL;
    atomic_store(&s->last_put_ms, now_ms);
    put_backpressure(s);
    pthread_rwlock_rdlock(&s->lock);
    ls_group *g = ls_group_find(s, sc, group);
    ls_stream *st = g ? ls_stream_find(g, stream) : NULL;
    int rc = st ? 0 : -ENOENT;
    ls_wal *w = NULL;
    uint64_t lsn = 0;
    int flush = 0;
    if (st && n) {
        pthread_rwlock_wrlock(&g->lock);
        rc = put_locked(s, g, st, ev, n, now_ms, &w, &lsn);
        /* Freeze a full head here, not when a flusher gets to the group: frozen heads count in the backlog
         * that put_backpressure bounds, while an active head would keep growing behind a busy flusher. */
        flush = g->head->bytes >= LS_FLUSH_BYTES;
        if (flush) freeze_head(s, g);
        pthread_rwlock_unlock(&g->lock);
        if (flush) ls_flush_request(s, g);
    }
    pthread_rwlock_unlock(&s->lock);
    if (w) {
        if (sw_wal_sync(w->w, lsn)) rc = -EIO;
        wal_unref(w);
    }
    return rc;
}

/* ---------- flushing ---------- */

/* Collects the head's events as segment input (messages point into the head's chunks). */
/* The head's events as an array for ls_seg_write, in *buf (grown as needed, kept by the caller). */
static ls_sev *head_events(const ls_head *h, size_t *n, ls_sev **buf, size_t *cap) {
    if (*cap < h->nevents || !*buf) {
        *cap = h->nevents > *cap ? h->nevents : (*cap ? *cap : 1);
        sw_free(*buf);
        *buf = sw_malloc(*cap * sizeof **buf);
    }
    ls_sev *ev = *buf;
    size_t k = 0;
    for (size_t i = 0; i < h->nchunks; i++) {
        const ls_chunk *c = h->chunks[i];
        for (size_t j = 0; j < c->n; j++) {
            const ls_hev *e = &c->ev[j];
            ev[k++] = (ls_sev){e->ts, e->ingest, e->seq, e->stream, c->data + e->off, e->len};
        }
    }
    *n = k;
    return ev;
}

/* ---------- spare write-ahead logs ---------- */

/* A packed head's log is kept as a spare for a later head of any group (renamed into the store's directory)
 * rather than unlinked: its pages stay in the page cache, so the next log overwrites them instead of
 * taking fresh ones (each a page fault and a zeroed page, and on a VM whose freed pages go back to the
 * host, far more), and fdatasync of an overwrite needs no journal commit. At most LS_SPARES are kept;
 * they are dropped when the store goes idle and at open and close, so they never count as stored data. */
static void spare_path(const sw_logstore *s, uint64_t n, char *out, size_t len) {
    snprintf(out, len, "%s/spare-%020" PRIu64 ".wal", s->dir, n);
}

static void spare_give(sw_logstore *s, const char *path) {
    char to[4096];
    pthread_mutex_lock(&s->fq_lock);
    int keep = s->nspares < LS_SPARES && !s->stopping;
    uint64_t n = keep ? ++s->spare_seq : 0;
    if (keep) {
        spare_path(s, n, to, sizeof to);
        keep = rename(path, to) == 0;
        if (keep) s->spares[s->nspares++] = n;
    }
    pthread_mutex_unlock(&s->fq_lock);
    if (!keep) unlink(path);
}

int ls_spare_take(sw_logstore *s, char *out, size_t len) {
    pthread_mutex_lock(&s->fq_lock);
    int got = s->nspares > 0;
    if (got) spare_path(s, s->spares[--s->nspares], out, len);
    pthread_mutex_unlock(&s->fq_lock);
    return got;
}

void ls_spares_drop(sw_logstore *s) {
    char path[4096];
    pthread_mutex_lock(&s->fq_lock);
    while (s->nspares) {
        spare_path(s, s->spares[--s->nspares], path, sizeof path);
        unlink(path);
    }
    pthread_mutex_unlock(&s->fq_lock);
}

/* Retires every write-ahead log of gen <= upto (their events are in segments now): a spare, or unlinked. */
static void trim_wals(sw_logstore *s, ls_group *g, uint64_t upto) {
    DIR *d = opendir(g->dir);
    if (!d) return;
    struct dirent *e;
    char path[4096];
    unsigned long long gen;
    int n;
    while ((e = readdir(d)))
        if (sscanf(e->d_name, "wal-%llu.log%n", &gen, &n) == 1 && e->d_name[n] == 0 && gen <= upto) {
            snprintf(path, sizeof path, "%s/%s", g->dir, e->d_name);
            spare_give(s, path);
        }
    closedir(d);
}

static void segs_push(ls_group *g, ls_seg *seg) {
    if (g->nsegs == g->cap_segs) {
        g->cap_segs = g->cap_segs ? g->cap_segs * 2 : 16;
        g->segs = sw_realloc(g->segs, g->cap_segs * sizeof *g->segs);
    }
    g->segs[g->nsegs++] = seg;
}

/* Freezes the active head (if it holds events) so the flusher can pack it. Group write lock held. */
static void freeze_head(sw_logstore *s, ls_group *g) {
    if (!g->head->nevents) return;
    if (g->nfrozen == g->cap_frozen) {
        g->cap_frozen = g->cap_frozen ? g->cap_frozen * 2 : 4;
        g->frozen = sw_realloc(g->frozen, g->cap_frozen * sizeof *g->frozen);
    }
    g->frozen[g->nfrozen++] = g->head;
    pthread_mutex_lock(&s->fq_lock);
    s->backlog += g->head->bytes;
    pthread_mutex_unlock(&s->fq_lock);
    g->head = ls_head_new(g->head->gen + 1);
    wal_unref(g->wal);
    g->wal = NULL;
}

/* Packs the oldest frozen head into a segment. Returns 1 if one was packed, 0 if none waits, -1 on error. */
/* What one flusher keeps between segments (see ls_scratch). */
typedef struct flush_mem { ls_scratch *x; ls_sev *ev; size_t cap; sw_buf text, block; ls_sev *bev; size_t bcap; } flush_mem;

static int flush_one(sw_logstore *s, ls_group *g, flush_mem *fm) {
    pthread_rwlock_wrlock(&g->lock);
    ls_head *h = g->nfrozen && !g->deleted ? g->frozen[0] : NULL;
    if (h) atomic_fetch_add(&h->refs, 1);
    pthread_rwlock_unlock(&g->lock);
    if (!h) return 0;
    size_t n;
    ls_sev *ev = head_events(h, &n, &fm->ev, &fm->cap);
    /* Behind (more than a head or two waiting): pack fast and leave the dense rewrite for idle time. */
    pthread_mutex_lock(&s->fq_lock);
    int level = s->backlog > s->fast_backlog ? LS_FAST_LZ4 : LS_ZSTD_LIVE;
    pthread_mutex_unlock(&s->fq_lock);
    ls_seg *seg = ls_seg_write(fm->x, g->dir, h->gen, ev, n, level);
    if (seg) {
        pthread_rwlock_rdlock(&s->lock);
        pthread_rwlock_wrlock(&g->lock);
        segs_push(g, seg);
        seg_account(g, seg, 1, 1);
        memmove(g->frozen, g->frozen + 1, (g->nfrozen - 1) * sizeof *g->frozen);
        g->nfrozen--;
        pthread_rwlock_unlock(&g->lock);
        pthread_rwlock_unlock(&s->lock);
        trim_wals(s, g, h->gen);
        pthread_mutex_lock(&s->fq_lock);
        s->backlog -= h->bytes;
        pthread_cond_broadcast(&s->fq_done);
        pthread_mutex_unlock(&s->fq_lock);
        ls_head_release(h);  /* the frozen list's reference */
    }
    ls_head_release(h);
    return seg ? 1 : -1;
}

/* Decodes every event of seg into fm (messages copied into fm->text); the event count, or -1 on a damaged block. */
static long seg_events(sw_logstore *s, ls_seg *seg, flush_mem *fm) {
    size_t n = 0;
    sw_buf_reset(&fm->text);
    for (size_t i = 0; i < seg->nblocks; i++) {
        long k = ls_block_decode(s, seg, &seg->blocks[i], &fm->block, &fm->bev, &fm->bcap);
        if (k < 0) return -1;
        if (fm->cap < n + (size_t)k) {
            fm->cap = (n + (size_t)k) * 2;
            fm->ev = sw_realloc(fm->ev, fm->cap * sizeof *fm->ev);
        }
        for (long j = 0; j < k; j++) {
            ls_sev e = fm->bev[j];
            size_t off = fm->text.len;
            sw_buf_append(&fm->text, e.msg, e.len);
            e.msg = (const char *)(uintptr_t)off; /* an offset until the text stops moving */
            fm->ev[n++] = e;
        }
    }
    for (size_t i = 0; i < n; i++) fm->ev[i].msg = fm->text.data + (uintptr_t)fm->ev[i].msg;
    return (long)n;
}

/* Rewrites one segment packed at the fast level at LS_ZSTD_LEVEL, in place (same name, atomic rename) and
 * only while the group still holds it: retention or a group deletion in between wins. Returns 1 when one
 * was taken (rewritten or found damaged), 0 when none waits. */
static int rewrite_one(sw_logstore *s, flush_mem *fm) {
    ls_group *g = NULL;
    ls_seg *seg = NULL;
    pthread_rwlock_rdlock(&s->lock);
    for (size_t i = 0; i < s->ngroups && !seg; i++) {
        ls_group *c = s->groups[i];
        pthread_rwlock_rdlock(&c->lock);
        for (size_t k = 0; k < c->nsegs && !c->deleted; k++) {
            ls_seg *cand = c->segs[k];
            if (cand->fast && !atomic_load(&cand->keep) && atomic_exchange(&cand->busy, 1) == 0) {
                seg = cand, g = c;
                atomic_fetch_add(&seg->refs, 1);
                atomic_fetch_add(&g->refs, 1);
                break;
            }
        }
        pthread_rwlock_unlock(&c->lock);
    }
    pthread_rwlock_unlock(&s->lock);
    if (!seg) return 0;
    long n = seg_events(s, seg, fm);
    if (n < 0 || ls_seg_build(fm->x, seg->gen, fm->ev, (size_t)n, LS_ZSTD_LEVEL)) {
        atomic_store(&seg->keep, 1); /* the damage is reported and isolated by the reader; the file stays as it is */
    } else {
        pthread_rwlock_rdlock(&s->lock);
        pthread_rwlock_wrlock(&g->lock);
        size_t at = g->nsegs;
        for (size_t k = 0; k < g->nsegs; k++)
            if (g->segs[k] == seg) at = k;
        ls_seg *dense = at < g->nsegs && !g->deleted ? ls_seg_commit(fm->x, g->dir, seg->gen) : NULL;
        if (dense) {
            seg_account(g, seg, -1, 0);
            seg_account(g, dense, 1, 0);
            g->segs[at] = dense;
            ls_seg_release(seg); /* the group's reference */
            atomic_fetch_add(&s->rewritten, 1);
        } else if (at < g->nsegs) {
            atomic_store(&seg->keep, 1);
        }
        pthread_rwlock_unlock(&g->lock);
        pthread_rwlock_unlock(&s->lock);
    }
    atomic_store(&seg->busy, 0);
    ls_seg_release(seg);
    ls_group_release(g);
    return 1;
}

static int flush_group(sw_logstore *s, ls_group *g, flush_mem *fm) {
    pthread_rwlock_wrlock(&g->lock);
    if (!g->deleted) freeze_head(s, g);
    pthread_rwlock_unlock(&g->lock);
    int rc;
    while ((rc = flush_one(s, g, fm)) > 0) {}
    return rc;
}

/* Takes the first queued group no other flusher is working on (fq_lock held), or NULL. */
static ls_group *fq_take(sw_logstore *s) {
    for (size_t i = 0; i < s->nfq; i++) {
        ls_group *g = s->fq[i];
        if (g->flushing) continue;
        memmove(s->fq + i, s->fq + i + 1, (s->nfq - i - 1) * sizeof *s->fq);
        s->nfq--;
        g->queued = 0;
        g->flushing = 1;
        return g;
    }
    return NULL;
}

static void *flusher_main(void *arg) {
    sw_logstore *s = arg;
    flush_mem fm = {.x = ls_scratch_new()};
    sw_buf_init(&fm.text), sw_buf_init(&fm.block);
    pthread_mutex_lock(&s->fq_lock);
    while (!s->stopping) {
        ls_group *g = fq_take(s);
        if (!g && !s->backlog && !s->nfq) { /* idle: rewrite a fast segment densely, one per turn so flushes come first */
            /* Not while puts keep coming: the backlog empties between heads during a sustained load, and a
             * rewrite (~0.2 s of CPU per 8 MB segment at level 9) would take a core from the puts. */
            int64_t quiet = sw_clock_now_ms() - atomic_load(&s->last_put_ms);
            if (quiet >= 0 && quiet < s->rewrite_quiet_ms) {
                struct timespec until;
                clock_gettime(CLOCK_REALTIME, &until);
                int64_t ns = until.tv_nsec + (s->rewrite_quiet_ms - quiet) * 1000000;
                until.tv_sec += (time_t)(ns / 1000000000), until.tv_nsec = (long)(ns % 1000000000);
                pthread_cond_timedwait(&s->fq_cv, &s->fq_lock, &until);
                continue;
            }
            pthread_mutex_unlock(&s->fq_lock);
            int did = rewrite_one(s, &fm);
            if (!did) ls_spares_drop(s);
            pthread_mutex_lock(&s->fq_lock);
            /* a flush request or the stop may have been signalled while the lock was free: look again */
            if (did || s->stopping || s->nfq) continue;
        }
        if (!g) { pthread_cond_wait(&s->fq_cv, &s->fq_lock); continue; }
        pthread_mutex_unlock(&s->fq_lock);
        flush_group(s, g, &fm);
        pthread_mutex_lock(&s->fq_lock);
        g->flushing = 0;
        pthread_cond_broadcast(&g->flushed);
        pthread_cond_broadcast(&s->fq_cv);
        pthread_mutex_unlock(&s->fq_lock);
        ls_group_release(g);
        pthread_mutex_lock(&s->fq_lock);
    }
    pthread_mutex_unlock(&s->fq_lock);
    ls_scratch_free(fm.x);
    sw_free(fm.ev), sw_free(fm.bev);
    sw_buf_free(&fm.text), sw_buf_free(&fm.block);
    return NULL;
}

void ls_flush_request(sw_logstore *s, ls_group *g) {
    pthread_mutex_lock(&s->fq_lock);
    if (!g->queued && !s->stopping) {
        if (s->nfq == s->cap_fq) {
            s->cap_fq = s->cap_fq ? s->cap_fq * 2 : 16;
            s->fq = sw_realloc(s->fq, s->cap_fq * sizeof *s->fq);
        }
        atomic_fetch_add(&g->refs, 1);
        g->queued = 1;
        s->fq[s->nfq++] = g;
        pthread_cond_signal(&s->fq_cv);
    }
    pthread_mutex_unlock(&s->fq_lock);
}

void ls_group_wait_idle(sw_logstore *s, ls_group *g) {
    pthread_mutex_lock(&s->fq_lock);
    while (g->queued || g->flushing) pthread_cond_wait(&g->flushed, &s->fq_lock);
    pthread_mutex_unlock(&s->fq_lock);
}

int ls_flushers_start(sw_logstore *s) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    s->fast_backlog = LS_FAST_BACKLOG;
    s->rewrite_quiet_ms = LS_REWRITE_QUIET_MS;
    s->nflushers = cpus < 1 ? 1 : cpus > 4 ? 4 : (size_t)cpus;
    s->flushers = sw_calloc(s->nflushers, sizeof *s->flushers);
    for (size_t i = 0; i < s->nflushers; i++)
        if (pthread_create(&s->flushers[i], NULL, flusher_main, s)) {
            s->nflushers = i;
            return -1;
        }
    return 0;
}

void ls_flushers_stop(sw_logstore *s) {
    pthread_mutex_lock(&s->fq_lock);
    s->stopping = 1;
    pthread_cond_broadcast(&s->fq_cv);
    pthread_cond_broadcast(&s->fq_done);
    pthread_mutex_unlock(&s->fq_lock);
    for (size_t i = 0; i < s->nflushers; i++) pthread_join(s->flushers[i], NULL);
    sw_free(s->flushers);
    s->flushers = NULL;
    s->nflushers = 0;
    for (size_t i = 0; i < s->nfq; i++) {
        s->fq[i]->queued = 0;
        pthread_cond_broadcast(&s->fq[i]->flushed);
        ls_group_release(s->fq[i]);
    }
    s->nfq = 0;
}

int sw_logstore_flush(sw_logstore *s) {
    pthread_rwlock_rdlock(&s->lock);
    size_t n = s->ngroups;
    ls_group **gs = sw_malloc((n ? n : 1) * sizeof *gs);
    for (size_t i = 0; i < n; i++) {
        gs[i] = s->groups[i];
        atomic_fetch_add(&gs[i]->refs, 1);
        ls_flush_request(s, gs[i]);
    }
    pthread_rwlock_unlock(&s->lock);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        ls_group_wait_idle(s, gs[i]);
        /* A flush requested while this group was already being flushed may have missed the head. */
        pthread_rwlock_rdlock(&gs[i]->lock);
        int left = gs[i]->head->nevents > 0 && !gs[i]->deleted;
        pthread_rwlock_unlock(&gs[i]->lock);
        if (left) {
            ls_flush_request(s, gs[i]);
            ls_group_wait_idle(s, gs[i]);
        }
        pthread_rwlock_rdlock(&gs[i]->lock);
        if (gs[i]->nfrozen && !gs[i]->deleted) rc = -EIO;
        pthread_rwlock_unlock(&gs[i]->lock);
        ls_group_release(gs[i]);
    }
    sw_free(gs);
    return rc;
}

/* ---------- recovery at open ---------- */

typedef struct replay_ctx { ls_group *g; ls_head *h; uint64_t max_seq; } replay_ctx;

static int replay_put(const uint8_t *p, size_t len, void *arg) {
    replay_ctx *r = arg;
    if (len < LS_REC_HEAD) return -1;
    uint64_t stream, first;
    int64_t ingest;
    uint32_t n;
    memcpy(&stream, p, 8), memcpy(&first, p + 8, 8), memcpy(&ingest, p + 16, 8), memcpy(&n, p + 24, 4);
    ls_stream *st = ls_stream_by_id(r->g, stream);
    size_t off = LS_REC_HEAD;
    for (uint32_t i = 0; i < n; i++) {
        int64_t ts;
        uint32_t l;
        if (len - off < LS_REC_EVENT) return -1;
        memcpy(&ts, p + off, 8), memcpy(&l, p + off + 8, 4);
        off += LS_REC_EVENT;
        if (len - off < l) return -1;
        if (st) {
            ls_head_append(r->h, stream, first + i, ts, ingest, (const char *)p + off, l);
            stream_note_event(st, ts, ingest);
            st->head_bytes += l + LS_EVENT_OVERHEAD;
        }
        off += l;
    }
    if (n && first + n - 1 > r->max_seq) r->max_seq = first + n - 1;
    return 0;
}

typedef struct gen_list { uint64_t *v; size_t n; } gen_list;

static void gen_push(gen_list *l, uint64_t gen) {
    l->v = sw_realloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = gen;
}

static int gen_cmp(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Lists seg-<gen>.sws and wal-<gen>.log; removes temp files left by a crash mid-write. */
static int scan_group_dir(ls_group *g, gen_list *segs, gen_list *wals) {
    DIR *d = opendir(g->dir);
    if (!d) return -1;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d))) {
        unsigned long long gen;
        int n = 0;
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".tmp") == 0) {
            snprintf(path, sizeof path, "%s/%s", g->dir, e->d_name);
            unlink(path);
        } else if (sscanf(e->d_name, "seg-%llu.sws%n", &gen, &n) == 1 && e->d_name[n] == 0) {
            gen_push(segs, gen);
        } else if (sscanf(e->d_name, "wal-%llu.log%n", &gen, &n) == 1 && e->d_name[n] == 0) {
            gen_push(wals, gen);
        }
    }
    closedir(d);
    if (segs->n > 1) qsort(segs->v, segs->n, sizeof *segs->v, gen_cmp);
    if (wals->n > 1) qsort(wals->v, wals->n, sizeof *wals->v, gen_cmp);
    return 0;
}

/* Replays the logs no segment covers into one head, frozen so the flushers pack it after open. */
static int replay_wals(ls_group *g, const gen_list *wals, uint64_t covered, uint64_t *max_seq, uint64_t *next_gen) {
    char path[4096], err[512];
    replay_ctx r = {g, NULL, 0};
    uint64_t last = 0;
    for (size_t i = 0; i < wals->n; i++) {
        wal_path(g, wals->v[i], path, sizeof path);
        if (wals->v[i] <= covered) { unlink(path); continue; }
        if (!r.h) r.h = ls_head_new(0);
        sw_wal *w = sw_wal_open(path, replay_put, &r, err, sizeof err);
        if (!w) {
            sw_log("error", "logstore: cannot replay a write-ahead log", "\"reason\":\"%s\"", err);
            ls_head_release(r.h);
            return -1;
        }
        sw_wal_close(w);
        last = wals->v[i];
    }
    if (r.h && r.h->nevents) {
        r.h->gen = last;
        g->frozen = sw_malloc(sizeof *g->frozen);
        g->frozen[0] = r.h;
        g->nfrozen = g->cap_frozen = 1;
    } else {
        ls_head_release(r.h);
    }
    if (r.max_seq > *max_seq) *max_seq = r.max_seq;
    if (last >= *next_gen) *next_gen = last + 1;
    return 0;
}

int ls_group_load_data(sw_logstore *s, ls_group *g) {
    gen_list segs = {0}, wals = {0};
    if (scan_group_dir(g, &segs, &wals)) return -1;
    uint64_t max_seq = 0, covered = segs.n ? segs.v[segs.n - 1] : 0, next_gen = covered + 1;
    char path[4096];
    for (size_t i = 0; i < segs.n; i++) {
        snprintf(path, sizeof path, "%s/seg-%020" PRIu64 ".sws", g->dir, segs.v[i]);
        ls_seg *seg = ls_seg_load(path, segs.v[i]);
        if (!seg) continue;
        segs_push(g, seg);
        seg_account(g, seg, 1, 0);
        if (seg->max_seq > max_seq) max_seq = seg->max_seq;
    }
    int rc = replay_wals(g, &wals, covered, &max_seq, &next_gen);
    g->next_seq = max_seq + 1;
    g->head = ls_head_new(next_gen);
    if (g->nfrozen) s->backlog += g->frozen[0]->bytes;
    sw_free(segs.v), sw_free(wals.v);
    return rc;
}

void ls_group_close_data(ls_group *g) {
    wal_unref(g->wal);
    g->wal = NULL;
    ls_head_release(g->head);
    for (size_t i = 0; i < g->nfrozen; i++) ls_head_release(g->frozen[i]);
    sw_free(g->frozen);
    for (size_t i = 0; i < g->nsegs; i++) ls_seg_release(g->segs[i]);
    sw_free(g->segs);
}

/* ---------- retention ---------- */

int64_t ls_retention_cutoff(const ls_group *g, int64_t now_ms) {
    return g->retention_days > 0 ? now_ms - (int64_t)g->retention_days * 86400000 : INT64_MIN;
}

/* Removes g's segments whose newest event is older than the cutoff; returns how many. */
static int retain_group(sw_logstore *s, ls_group *g, int64_t now_ms) {
    ls_seg **gone = NULL;
    size_t ngone = 0;
    pthread_rwlock_rdlock(&s->lock);
    pthread_rwlock_wrlock(&g->lock);
    int64_t cutoff = ls_retention_cutoff(g, now_ms);
    size_t keep = 0;
    for (size_t i = 0; i < g->nsegs; i++) {
        ls_seg *seg = g->segs[i];
        if (!g->deleted && seg->max_ts < cutoff) {
            seg_account(g, seg, -1, 0);
            gone = sw_realloc(gone, (ngone + 1) * sizeof *gone);
            gone[ngone++] = seg;
        } else {
            g->segs[keep++] = seg;
        }
    }
    g->nsegs = keep;
    pthread_rwlock_unlock(&g->lock);
    pthread_rwlock_unlock(&s->lock);
    for (size_t i = 0; i < ngone; i++) {
        sw_log("info", "logstore: segment expired", "\"file\":\"%s\",\"newest_ms\":%" PRId64, gone[i]->path, gone[i]->max_ts);
        unlink(gone[i]->path);
        ls_seg_release(gone[i]);
    }
    if (ngone) sw_fsync_dir(g->dir);
    sw_free(gone);
    return (int)ngone;
}

int sw_logstore_apply_retention(sw_logstore *s, int64_t now_ms) {
    pthread_rwlock_rdlock(&s->lock);
    size_t n = 0;
    ls_group **gs = sw_malloc((s->ngroups ? s->ngroups : 1) * sizeof *gs);
    for (size_t i = 0; i < s->ngroups; i++)
        if (s->groups[i]->retention_days > 0) {
            gs[n] = s->groups[i];
            atomic_fetch_add(&gs[n++]->refs, 1);
        }
    pthread_rwlock_unlock(&s->lock);
    int removed = 0;
    for (size_t i = 0; i < n; i++) {
        removed += retain_group(s, gs[i], now_ms);
        ls_group_release(gs[i]);
    }
    sw_free(gs);
    return removed;
}
