/* logstore_read.c -- GetLogEvents and FilterLogEvents over a group: a snapshot of its segments and heads
 * taken under the group lock, then a merge in (timestamp, stream, id) order that opens a block only when
 * the next event could come from it, and never opens one whose time range, streams or token filter rule
 * it out. Nothing here holds a lock while decompressing or matching. */
#include "alloc.h"
#include "clock.h"
#include "logstore_int.h"
#include "memfind.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---------- snapshots ---------- */

typedef struct snap_stream { uint64_t id; char *name; } snap_stream;
typedef struct snap_chunk { const ls_chunk *c; size_t n; int64_t min_ts, max_ts; } snap_chunk;

typedef struct ls_snap {
    ls_seg **segs; size_t nsegs;
    ls_head **heads; size_t nheads;
    snap_chunk *chunks; size_t nchunks;
    snap_stream *streams; size_t nstreams;   /* the streams read, sorted by id */
    int64_t start, end;                       /* requested range clipped to the retention cutoff */
    uint64_t next_seq;
} ls_snap;

typedef struct stream_sel { const char *const *names; size_t nnames; const char *prefix; } stream_sel;

static int snap_stream_cmp(const void *a, const void *b) {
    uint64_t x = ((const snap_stream *)a)->id, y = ((const snap_stream *)b)->id;
    return x < y ? -1 : x > y;
}

static void snap_add_stream(ls_snap *sn, const ls_stream *st) {
    sn->streams = sw_realloc(sn->streams, (sn->nstreams + 1) * sizeof *sn->streams);
    sn->streams[sn->nstreams++] = (snap_stream){st->id, sw_strdup(st->name)};
}

static void snap_select(ls_snap *sn, ls_group *g, const stream_sel *sel) {
    if (sel->nnames) {
        for (size_t i = 0; i < sel->nnames; i++) {
            ls_stream *st = ls_stream_find(g, sel->names[i]);
            int dup = 0;
            for (size_t k = 0; st && k < sn->nstreams && !dup; k++) dup = sn->streams[k].id == st->id;
            if (st && !dup) snap_add_stream(sn, st);
        }
    } else {
        size_t plen = sel->prefix ? strlen(sel->prefix) : 0;
        for (size_t i = 0; i < g->nstreams; i++)
            if (!plen || strncmp(g->by_name[i]->name, sel->prefix, plen) == 0) snap_add_stream(sn, g->by_name[i]);
    }
    if (sn->nstreams > 1) qsort(sn->streams, sn->nstreams, sizeof *sn->streams, snap_stream_cmp);
}

static void snap_head(ls_snap *sn, ls_head *h) {
    atomic_fetch_add(&h->refs, 1);
    sn->heads[sn->nheads++] = h;
    sn->chunks = sw_realloc(sn->chunks, (sn->nchunks + h->nchunks + 1) * sizeof *sn->chunks);
    for (size_t i = 0; i < h->nchunks; i++) {
        const ls_chunk *c = h->chunks[i];
        if (c->n) sn->chunks[sn->nchunks++] = (snap_chunk){c, c->n, c->min_ts, c->max_ts};
    }
}

/* Takes the snapshot; -ENOENT when the group (or, with need_stream, the single named stream) is missing. */
static int snap_take(sw_logstore *s, ls_snap *sn, const sw_log_scope *sc, const char *group, const stream_sel *sel, int need_stream,
                     int64_t start, int64_t end) {
    memset(sn, 0, sizeof *sn);
    pthread_rwlock_rdlock(&s->lock);
    ls_group *g = ls_group_find(s, sc, group);
    if (!g || (need_stream && !ls_stream_find(g, sel->names[0]))) {
        pthread_rwlock_unlock(&s->lock);
        return -ENOENT;
    }
    snap_select(sn, g, sel);
    int64_t cutoff = ls_retention_cutoff(g, sw_clock_now_ms());
    sn->start = start > cutoff ? start : cutoff;
    sn->end = end;
    pthread_rwlock_rdlock(&g->lock);
    sn->segs = sw_malloc((g->nsegs + 1) * sizeof *sn->segs);
    for (size_t i = 0; i < g->nsegs; i++) {
        atomic_fetch_add(&g->segs[i]->refs, 1);
        sn->segs[sn->nsegs++] = g->segs[i];
    }
    sn->heads = sw_malloc((g->nfrozen + 1) * sizeof *sn->heads);
    for (size_t i = 0; i < g->nfrozen; i++) snap_head(sn, g->frozen[i]);
    snap_head(sn, g->head);
    sn->next_seq = g->next_seq;
    pthread_rwlock_unlock(&g->lock);
    pthread_rwlock_unlock(&s->lock);
    return 0;
}

static void snap_release(ls_snap *sn) {
    for (size_t i = 0; i < sn->nsegs; i++) ls_seg_release(sn->segs[i]);
    for (size_t i = 0; i < sn->nheads; i++) ls_head_release(sn->heads[i]);
    for (size_t i = 0; i < sn->nstreams; i++) sw_free(sn->streams[i].name);
    sw_free(sn->segs), sw_free(sn->heads), sw_free(sn->chunks), sw_free(sn->streams);
}

static const snap_stream *snap_stream_find(const ls_snap *sn, uint64_t id) {
    size_t lo = 0, hi = sn->nstreams;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (sn->streams[mid].id < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < sn->nstreams && sn->streams[lo].id == id ? &sn->streams[lo] : NULL;
}

/* ---------- event keys and cursors ---------- */

typedef struct ev_key { int64_t ts; uint64_t stream, seq; } ev_key;

static int key_cmp(const ev_key *a, const ev_key *b) {
    if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
    if (a->stream != b->stream) return a->stream < b->stream ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Finds the event with id seq in the snapshot. 0 found, -1 not there. */
static int snap_find_seq(sw_logstore *s, const ls_snap *sn, uint64_t seq, ev_key *out) {
    for (size_t i = 0; i < sn->nchunks; i++) {
        const snap_chunk *sc = &sn->chunks[i];
        const ls_hev *ev = sc->c->ev;
        if (seq < ev[0].seq || seq > ev[sc->n - 1].seq) continue;
        size_t lo = 0, hi = sc->n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (ev[mid].seq < seq) lo = mid + 1;
            else hi = mid;
        }
        if (lo < sc->n && ev[lo].seq == seq) { *out = (ev_key){ev[lo].ts, ev[lo].stream, seq}; return 0; }
    }
    /* Blocks' id ranges overlap (a block holds one stream's share, or the error events: ls_seg_build), so
     * several may span seq. The previous page read the event's block, so the cache is looked at first;
     * blocks are decoded only when it is not there. */
    int found = -1;
    for (int pass = 0; pass < 2 && found; pass++) {
        for (size_t i = 0; i < sn->nsegs && found; i++) {
            ls_seg *seg = sn->segs[i];
            if (seq < seg->min_seq || seq > seg->max_seq) continue;
            for (size_t b = 0; b < seg->nblocks && found; b++) {
                if (seq < seg->blocks[b].min_seq || seq > seg->blocks[b].max_seq) continue;
                ls_dblock *d = pass ? ls_block_get(s, seg, &seg->blocks[b]) : ls_block_peek(s, seg, &seg->blocks[b]);
                for (long k = 0; d && k < d->n; k++)
                    if (d->ev[k].seq == seq) { *out = (ev_key){d->ev[k].ts, d->ev[k].stream, seq}; found = 0; break; }
                ls_dblock_release(d);
            }
        }
    }
    return found;
}

/* ---------- the merge ---------- */

/* A place events come from: one block of a segment, or one chunk of a head. */
typedef struct source { int64_t min_ts, max_ts; ls_seg *seg; ls_block *b; const snap_chunk *chunk; } source;

/* A decoded block held for the pending events that point into it. */
typedef struct open_buf { ls_dblock *d; size_t pending; } open_buf;

typedef struct pending { ev_key k; int64_t ingest; const char *msg; uint32_t len; open_buf *buf; } pending;

/* A sorted run of wanted events (one stream's slice of a block, or a head chunk sorted), sharing its
 * array with the other runs of the same source. The heap holds runs, ordered by their next event. */
typedef struct run_array { pending *items; size_t live_runs; } run_array;
typedef struct run { run_array *arr; size_t first, n, pos; } run;

typedef struct merge {
    sw_logstore *s;
    const ls_snap *sn;
    int fwd;
    int has_cursor;
    ev_key cursor;
    const sw_filter *filter;
    const char *terms[16];
    size_t lens[16], nterms;
    const char *lit;           /* sw_filter_prefilter's literal, or NULL */
    size_t litlen;
    int lit_bs;
    int lit_blocks;            /* lit is not among terms: test it against block filters too */
    source *src; size_t nsrc, next;
    size_t consumed;           /* sources opened by this call (widens the opening window) */
    struct opener *op;         /* opening ahead, once more than one source is needed */
    run **heap; size_t nheap, cap;
} merge;

/* The run's next event in the merge direction. */
static const pending *run_next(const merge *m, const run *r) {
    return &r->arr->items[r->first + (m->fwd ? r->pos : r->n - 1 - r->pos)];
}

/* Heap order: the run whose next event comes first on top (smallest key forward, largest backward). */
static int heap_before(const merge *m, const run *a, const run *b) {
    int c = key_cmp(&run_next(m, a)->k, &run_next(m, b)->k);
    return m->fwd ? c < 0 : c > 0;
}

static void heap_push(merge *m, run *r) {
    if (m->nheap == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->heap = sw_realloc(m->heap, m->cap * sizeof *m->heap);
    }
    size_t i = m->nheap++;
    while (i > 0 && heap_before(m, r, m->heap[(i - 1) / 2])) {
        m->heap[i] = m->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    m->heap[i] = r;
}

static void heap_sift_down(merge *m, size_t i) {
    run *r = m->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= m->nheap) break;
        if (c + 1 < m->nheap && heap_before(m, m->heap[c + 1], m->heap[c])) c++;
        if (!heap_before(m, m->heap[c], r)) break;
        m->heap[i] = m->heap[c];
        i = c;
    }
    m->heap[i] = r;
}

/* Takes the next event in order off the heap. */
static pending heap_pop(merge *m) {
    run *r = m->heap[0];
    pending p = *run_next(m, r);
    if (++r->pos < r->n) {
        heap_sift_down(m, 0);
        return p;
    }
    if (--r->arr->live_runs == 0) sw_free(r->arr->items), sw_free(r->arr);
    sw_free(r);
    m->heap[0] = m->heap[--m->nheap];
    if (m->nheap) heap_sift_down(m, 0);
    return p;
}

static void buf_done(open_buf *b) {
    if (b && --b->pending == 0) {
        ls_dblock_release(b->d);
        sw_free(b);
    }
}

/* Whether an event passes the range, the cursor and the pattern (streams are checked by the caller). */
static int event_wanted(const merge *m, const ev_key *k, const char *msg, size_t len) {
    if (k->ts < m->sn->start || k->ts >= m->sn->end) return 0;
    if (m->has_cursor) {
        int c = key_cmp(k, &m->cursor);
        if (m->fwd ? c <= 0 : c >= 0) return 0;
    }
    return !m->filter || sw_filter_match(m->filter, msg, len);
}

/* Opening a source: its wanted events as pending entries. Several sources open at once on worker threads
 * (a full scan is bound by decompression and matching); the heap is only touched afterwards. */
typedef struct open_job {
    const merge *m;
    const source *src;
    pending *out; size_t n, cap;
    size_t *starts; size_t nstarts;   /* where each sorted run begins in out */
} open_job;

static void job_run_start(open_job *j) {
    j->starts = sw_realloc(j->starts, (j->nstarts + 1) * sizeof *j->starts);
    j->starts[j->nstarts++] = j->n;
}

static void job_push(open_job *j, const pending *p) {
    if (j->n == j->cap) {
        j->cap = j->cap ? j->cap * 2 : 256;
        j->out = sw_realloc(j->out, j->cap * sizeof *j->out);
    }
    j->out[j->n++] = *p;
}

static void job_open_block(open_job *j) {
    ls_dblock *d = ls_block_get(j->m->s, j->src->seg, j->src->b);
    if (!d) return;
    open_buf *ob = sw_calloc(1, sizeof *ob);
    ob->d = d;
    uint64_t last_stream = UINT64_MAX;
    int selected = 0;
    /* A pattern with required terms: one scan of the block's message area for the longest term finds the
     * only events that can match (messages lie in order, '\n' between them), so the matcher runs on those
     * instead of on every event. */
    const char *lit = j->m->lit, *hit = NULL, *bs = NULL, *area_end = d->n ? d->ev[d->n - 1].msg + d->ev[d->n - 1].len : NULL;
    size_t litlen = j->m->litlen;
    for (long i = 0; i < d->n; i++) {
        const ls_sev *e = &d->ev[i];
        if (e->stream != last_stream) {
            last_stream = e->stream, selected = snap_stream_find(j->m->sn, e->stream) != NULL;
            if (selected) job_run_start(j);  /* a block is sorted by stream, then time: one run per stream */
        }
        if (!selected) continue;
        if (lit) {
            if (hit < e->msg) hit = sw_memfind(e->msg, (size_t)(area_end - e->msg), lit, litlen);
            /* JSON: an event that escapes something may spell the literal with escapes; it is a candidate */
            if (j->m->lit_bs && bs < e->msg && bs != area_end) {
                bs = memchr(e->msg, '\\', (size_t)(area_end - e->msg));
                if (!bs) bs = area_end;
            }
            int in_lit = hit && hit < e->msg + e->len, in_bs = j->m->lit_bs && bs < e->msg + e->len;
            if (!in_lit && !in_bs) {
                if (!hit && (!j->m->lit_bs || bs == area_end)) break; /* nothing in the rest of the block */
                continue;
            }
        }
        ev_key k = {e->ts, e->stream, e->seq};
        if (!event_wanted(j->m, &k, e->msg, e->len)) continue;
        ob->pending++;
        job_push(j, &(pending){k, e->ingest, e->msg, e->len, ob});
    }
    ob->pending++;
    buf_done(ob);
}

static int pending_cmp(const void *a, const void *b) { return key_cmp(&((const pending *)a)->k, &((const pending *)b)->k); }

static void job_open_chunk(open_job *j) {
    const snap_chunk *sc = j->src->chunk;
    uint64_t last_stream = UINT64_MAX;
    int selected = 0;
    job_run_start(j);
    for (size_t i = 0; i < sc->n; i++) {
        const ls_hev *e = &sc->c->ev[i];
        if (e->stream != last_stream) last_stream = e->stream, selected = snap_stream_find(j->m->sn, e->stream) != NULL;
        ev_key k = {e->ts, e->stream, e->seq};
        const char *msg = sc->c->data + e->off;
        if (selected && event_wanted(j->m, &k, msg, e->len)) job_push(j, &(pending){k, e->ingest, msg, e->len, NULL});
    }
    if (j->n > 1) qsort(j->out, j->n, sizeof *j->out, pending_cmp);  /* a head chunk is in arrival order */
}

static void *job_run(void *arg) {
    open_job *j = arg;
    if (j->src->b) job_open_block(j);
    else job_open_chunk(j);
    return NULL;
}

/* Moves a job's non-empty runs onto the heap. */
static void add_runs(merge *m, open_job *j) {
    run_array *arr = sw_calloc(1, sizeof *arr);
    arr->items = j->out;
    for (size_t r = 0; r < j->nstarts; r++) {
        size_t from = j->starts[r], to = r + 1 < j->nstarts ? j->starts[r + 1] : j->n;
        if (to == from) continue;
        run *rn = sw_malloc(sizeof *rn);
        *rn = (run){arr, from, to - from, 0};
        arr->live_runs++;
        heap_push(m, rn);
    }
    if (!arr->live_runs) sw_free(arr->items), sw_free(arr);
    sw_free(j->starts);
}

/* Read-ahead at the end of a page: decodes the blocks of sources [from, from + n) into the block cache on
 * detached threads, so the client's round trip is not idle time; a reader that reaches a block still
 * being decoded waits for it (ls_block_get). */
static void read_ahead(merge *m, size_t from, size_t n) {
    if (m->s->read_parallel < 2) return;
    for (size_t i = from; i < from + n && i < m->nsrc; i++)
        if (m->src[i].b) ls_block_readahead(m->s, m->src[i].seg, m->src[i].b);
}

/* Opening sources ahead of the merge: worker threads (read_parallel - 1 of them, and the merging thread
 * while it waits) decode and match the sources after the next one the merge needs, up to a window that
 * grows with the sources this call has consumed, so a long scan keeps every core busy without a barrier
 * per batch, while a page that needs few sources opens few. Results are taken in source order. */
#define LS_OPEN_WINDOW_MAX 8

typedef struct opener {
    pthread_mutex_t lock;
    pthread_cond_t work, done;
    open_job *jobs;              /* one per source, filled when claimed */
    unsigned char *state;        /* per source: 0 unclaimed, 1 running, 2 done */
    size_t claim, limit;         /* next source to claim; claims stop before limit */
    int stop;
    pthread_t tid[LS_READ_PARALLEL];
    size_t nthreads;
} opener;

/* Under o->lock, with a source left to claim: claims the next one and opens it outside the lock. */
static void opener_run_next(opener *o) {
    size_t k = o->claim++;
    o->state[k] = 1;
    pthread_mutex_unlock(&o->lock);
    job_run(&o->jobs[k]);
    pthread_mutex_lock(&o->lock);
    o->state[k] = 2;
    pthread_cond_broadcast(&o->done);
}

static void *opener_worker(void *arg) {
    merge *m = arg;
    opener *o = m->op;
    pthread_mutex_lock(&o->lock);
    for (;;) {
        while (!o->stop && o->claim >= o->limit) pthread_cond_wait(&o->work, &o->lock);
        if (o->stop) break;
        opener_run_next(o);
    }
    pthread_mutex_unlock(&o->lock);
    return NULL;
}

/* Opens source m->next (waiting for a worker, or running it here) and puts its events on the heap. */
static void open_next(merge *m) {
    size_t i = m->next, window = m->s->read_parallel + m->consumed;
    if (window > LS_OPEN_WINDOW_MAX) window = LS_OPEN_WINDOW_MAX;
    if (m->s->read_parallel < 2 || (!m->op && i + 1 == m->nsrc)) {
        open_job j = {m, &m->src[i], NULL, 0, 0, NULL, 0};
        job_run(&j);
        add_runs(m, &j);
        m->next++, m->consumed++;
        return;
    }
    opener *o = m->op;
    if (!o) {
        o = m->op = sw_calloc(1, sizeof *o);
        pthread_mutex_init(&o->lock, NULL);
        pthread_cond_init(&o->work, NULL), pthread_cond_init(&o->done, NULL);
        o->jobs = sw_calloc(m->nsrc, sizeof *o->jobs);
        o->state = sw_calloc(m->nsrc, 1);
        o->claim = o->limit = i;
        for (size_t t = 0; t + 1 < m->s->read_parallel; t++)
            if (pthread_create(&o->tid[o->nthreads], NULL, opener_worker, m) == 0) o->nthreads++;
    }
    pthread_mutex_lock(&o->lock);
    size_t limit = i + window < m->nsrc ? i + window : m->nsrc;
    for (size_t k = o->limit; k < limit; k++) o->jobs[k] = (open_job){m, &m->src[k], NULL, 0, 0, NULL, 0};
    if (limit > o->limit) o->limit = limit, pthread_cond_broadcast(&o->work);
    while (o->state[i] != 2) {
        if (o->claim >= o->limit) {
            pthread_cond_wait(&o->done, &o->lock);
            continue;
        }
        /* run the next unclaimed source here: the needed one if nobody has started it (claims go in
         * order), else one after it while a worker finishes it */
        opener_run_next(o);
    }
    pthread_mutex_unlock(&o->lock);
    add_runs(m, &o->jobs[i]);
    m->next++, m->consumed++;
}

/* Stops the workers and drops what they opened beyond the merge. */
static void opener_free(merge *m) {
    opener *o = m->op;
    if (!o) return;
    pthread_mutex_lock(&o->lock);
    o->stop = 1;
    pthread_cond_broadcast(&o->work);
    pthread_mutex_unlock(&o->lock);
    for (size_t t = 0; t < o->nthreads; t++) pthread_join(o->tid[t], NULL);
    for (size_t k = m->next; k < o->limit; k++) {
        if (o->state[k] != 2) continue;
        open_job *j = &o->jobs[k];
        for (size_t e = 0; e < j->n; e++) buf_done(j->out[e].buf);
        sw_free(j->out), sw_free(j->starts);
    }
    pthread_mutex_destroy(&o->lock);
    pthread_cond_destroy(&o->work), pthread_cond_destroy(&o->done);
    sw_free(o->jobs), sw_free(o->state), sw_free(o);
    m->op = NULL;
}

/* Whether any selected stream of block b has events in the range (from the block's index). */
static int block_has_streams(const merge *m, const ls_block *b) {
    for (uint32_t k = 0; k < b->nstreams; k++) {
        const ls_bstream *bs = &b->streams[k];
        if (bs->max_ts < m->sn->start || bs->min_ts >= m->sn->end) continue;
        if (snap_stream_find(m->sn, bs->id)) return 1;
    }
    return 0;
}

/* A source can be skipped when its time range misses the range or lies wholly before the cursor. */
static int range_excludes(const merge *m, int64_t min_ts, int64_t max_ts) {
    if (max_ts < m->sn->start || min_ts >= m->sn->end) return 1;
    if (m->has_cursor) return m->fwd ? max_ts < m->cursor.ts : min_ts > m->cursor.ts;
    return 0;
}

static void add_source(merge *m, const source *src) {
    m->src = sw_realloc(m->src, (m->nsrc + 1) * sizeof *m->src);
    m->src[m->nsrc++] = *src;
}

static int source_cmp_fwd(const void *a, const void *b) {
    int64_t x = ((const source *)a)->min_ts, y = ((const source *)b)->min_ts;
    return x < y ? -1 : x > y;
}

static int source_cmp_back(const void *a, const void *b) {
    int64_t x = ((const source *)a)->max_ts, y = ((const source *)b)->max_ts;
    return x > y ? -1 : x < y;
}

static void collect_sources(merge *m) {
    const ls_snap *sn = m->sn;
    uint64_t skipped = 0;
    for (size_t i = 0; i < sn->nsegs; i++) {
        ls_seg *seg = sn->segs[i];
        if (range_excludes(m, seg->min_ts, seg->max_ts)) { skipped += seg->nblocks; continue; }
        for (size_t k = 0; k < seg->nblocks; k++) {
            ls_block *b = &seg->blocks[k];
            if (range_excludes(m, b->min_ts, b->max_ts) || !block_has_streams(m, b) ||
                !ls_block_may_contain(b, m->terms, m->lens, m->nterms) ||
                /* the prefilter's literal; for JSON only in blocks without a backslash, which could escape it */
                (m->lit_blocks && (!m->lit_bs || (b->flags & LS_BF_NO_BACKSLASH)) &&
                 !ls_block_may_contain(b, &m->lit, &m->litlen, 1))) {
                skipped++;
                continue;
            }
            add_source(m, &(source){b->min_ts, b->max_ts, seg, b, NULL});
        }
    }
    for (size_t i = 0; i < sn->nchunks; i++)
        if (!range_excludes(m, sn->chunks[i].min_ts, sn->chunks[i].max_ts))
            add_source(m, &(source){sn->chunks[i].min_ts, sn->chunks[i].max_ts, NULL, NULL, &sn->chunks[i]});
    if (m->nsrc > 1) qsort(m->src, m->nsrc, sizeof *m->src, m->fwd ? source_cmp_fwd : source_cmp_back);
    atomic_fetch_add(&m->s->blocks_skipped, skipped);
}

/* Opens sources until the heap's top is the next event in order (or nothing is left). Returns 0 when
 * no event remains. */
static int merge_ready(merge *m) {
    while (m->next < m->nsrc) {
        const source *src = &m->src[m->next];
        if (m->nheap) {
            int64_t top = run_next(m, m->heap[0])->k.ts;
            if (m->fwd ? src->min_ts > top : src->max_ts < top) break;
        }
        open_next(m);
    }
    return m->nheap > 0;
}

static void merge_free(merge *m) {
    opener_free(m);
    while (m->nheap) buf_done(heap_pop(m).buf);
    sw_free(m->heap), sw_free(m->src);
}

/* Emits up to limit events (max_bytes as documented in logstore.h) in ascending order through emit;
 * returns the count and sets *more when events may remain, *first / *last to the page's ids. */
typedef void (*emit_fn)(const ls_snap *sn, const pending *p, void *ctx);

static size_t merge_run(merge *m, size_t limit, size_t max_bytes, emit_fn emit, void *ctx, int *more, uint64_t *first,
                        uint64_t *last) {
    size_t count = 0, bytes = 0;
    pending *page = NULL;  /* backward pages are gathered, then emitted oldest first */
    while (count < limit && merge_ready(m)) {
        size_t sz = run_next(m, m->heap[0])->len + LS_EVENT_OVERHEAD;
        if (count && bytes + sz > max_bytes) break;
        pending p = heap_pop(m);
        bytes += sz;
        if (m->fwd) {
            emit(m->sn, &p, ctx);
            if (!count) *first = p.k.seq;
            *last = p.k.seq;
            buf_done(p.buf);
        } else {
            page = sw_realloc(page, (count + 1) * sizeof *page);
            page[count] = p;
        }
        count++;
    }
    *more = m->nheap > 0 || m->next < m->nsrc;
    for (size_t i = count; !m->fwd && i-- > 0;) {
        emit(m->sn, &page[i], ctx);
        buf_done(page[i].buf);
    }
    if (!m->fwd && count) *first = page[count - 1].k.seq, *last = page[0].k.seq;
    sw_free(page);
    return count;
}

/* Sets up the cursor from an event id. Returns 0, 1 when the page is empty by construction (backward
 * from an event that no longer exists), or -EINVAL. */
static int merge_cursor(merge *m, uint64_t pos, uint64_t stream) {
    if (pos == 0 || pos == UINT64_MAX) return 0;
    if (pos >= m->sn->next_seq) return -EINVAL;
    if (snap_find_seq(m->s, m->sn, pos, &m->cursor)) return m->fwd ? 0 : 1;  /* expired: everything left is after it */
    if (stream && m->cursor.stream != stream) return -EINVAL;
    m->has_cursor = 1;
    return 0;
}

/* ---------- GetLogEvents ---------- */

typedef struct stream_emit { void (*fn)(const sw_log_event *, uint64_t, void *); void *arg; } stream_emit;

static void emit_stream(const ls_snap *sn, const pending *p, void *ctx) {
    stream_emit *se = ctx;
    sw_log_event e = {p->k.ts, p->ingest, p->msg, p->len};
    se->fn(&e, p->k.seq, se->arg);
}

long sw_logstore_read_stream(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *stream, int64_t start,
                             int64_t end, int forward, uint64_t pos, size_t limit, size_t max_bytes,
                             void (*fn)(const sw_log_event *e, uint64_t id, void *arg), void *arg, uint64_t *first,
                             uint64_t *last) {
    ls_snap sn;
    stream_sel sel = {&stream, 1, NULL};
    int rc = snap_take(s, &sn, sc, group, &sel, 1, start, end);
    if (rc) return rc;
    merge m = {.s = s, .sn = &sn, .fwd = forward != 0};
    rc = merge_cursor(&m, pos, sn.streams[0].id);
    long n = rc;
    if (rc == 0) {
        collect_sources(&m);
        stream_emit se = {fn, arg};
        int more;
        n = (long)merge_run(&m, limit, max_bytes, emit_stream, &se, &more, first, last);
    } else if (rc == 1) {
        n = 0;
    }
    merge_free(&m);
    snap_release(&sn);
    return n;
}

/* ---------- FilterLogEvents ---------- */

typedef struct group_emit { void (*fn)(const char *, const sw_log_event *, uint64_t, void *); void *arg; } group_emit;

static void emit_group(const ls_snap *sn, const pending *p, void *ctx) {
    group_emit *ge = ctx;
    sw_log_event e = {p->k.ts, p->ingest, p->msg, p->len};
    ge->fn(snap_stream_find(sn, p->k.stream)->name, &e, p->k.seq, ge->arg);
}

long sw_logstore_filter(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *const *streams, size_t nstreams,
                        const char *prefix, int64_t start, int64_t end, const sw_filter *filter, uint64_t cursor, size_t limit,
                        size_t max_bytes, void (*fn)(const char *stream, const sw_log_event *e, uint64_t id, void *arg),
                        void *arg, uint64_t *next) {
    ls_snap sn;
    stream_sel sel = {streams, nstreams, prefix};
    *next = 0;
    int rc = snap_take(s, &sn, sc, group, &sel, 0, start, end);
    if (rc) return rc;
    merge m = {.s = s, .sn = &sn, .fwd = 1, .filter = filter};
    if (filter) m.nterms = sw_filter_required_terms(filter, m.terms, m.lens, 16);
    if (filter && !sw_filter_prefilter(filter, &m.lit, &m.litlen, &m.lit_bs)) m.lit = NULL;
    m.lit_blocks = m.lit && sw_filter_get_kind(filter) != SW_FILTER_TEXT; /* a text literal is one of terms */
    long n = rc = merge_cursor(&m, cursor, 0);
    if (rc == 0) {
        collect_sources(&m);
        group_emit ge = {fn, arg};
        int more;
        uint64_t first = 0, last = 0;
        n = (long)merge_run(&m, limit, max_bytes, emit_group, &ge, &more, &first, &last);
        if (more && n) {
            *next = last;
            read_ahead(&m, m.next, LS_READAHEAD_MAX);
        }
    }
    merge_free(&m);
    snap_release(&sn);
    return n;
}
