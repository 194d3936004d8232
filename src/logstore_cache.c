/* logstore_cache.c -- decoded blocks shared by every reader, least recently used first out. A page of
 * FilterLogEvents or GetLogEvents usually reopens blocks the previous page opened (blocks of different
 * streams overlap in time), so without the cache paging through a group costs many decompressions per
 * block. Entries are refcounted: eviction only drops the cache's own reference. */
#include "alloc.h"
#include "logstore_int.h"
#include <string.h>
#include <unistd.h>

#define LS_CACHE_BUCKETS 4096

static size_t bucket(uint64_t seg_uid, uint32_t block) {
    return (size_t)((seg_uid * 0x9E3779B97F4A7C15ull) ^ block * 0xBF58476D1CE4E5B9ull) >> 7 & (LS_CACHE_BUCKETS - 1);
}

void ls_cache_init(sw_logstore *s) {
    pthread_mutex_init(&s->cache_lock, NULL);
    pthread_cond_init(&s->decoded, NULL);
    s->cache_tab = sw_calloc(LS_CACHE_BUCKETS, sizeof *s->cache_tab);
}

/* Decoded blocks come and go at the rate a scan reads (a full scan evicts what it read a moment ago), so
 * their text buffers and event arrays are recycled through a small pool instead of going back to the
 * allocator: fresh memory costs a page fault and a zeroed page per 4 KiB. */
#define LS_DPOOL 16
static pthread_mutex_t dpool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { sw_buf raw; ls_sev *ev; size_t evcap; } dpool[LS_DPOOL];
static size_t dpool_n;

static void dblock_free(ls_dblock *d) {
    pthread_mutex_lock(&dpool_lock);
    int kept = dpool_n < LS_DPOOL && d->raw.cap <= 2 * LS_BLOCK_RAW + 65536;
    if (kept) {
        sw_buf_reset(&d->raw);
        dpool[dpool_n].raw = d->raw, dpool[dpool_n].ev = d->ev, dpool[dpool_n].evcap = d->evcap;
        dpool_n++;
    }
    pthread_mutex_unlock(&dpool_lock);
    if (!kept) sw_buf_free(&d->raw), sw_free(d->ev);
    sw_free(d);
}

/* A decoded block's buffers: recycled ones when the pool has some. */
static ls_dblock *dblock_new(void) {
    ls_dblock *d = sw_calloc(1, sizeof *d);
    pthread_mutex_lock(&dpool_lock);
    if (dpool_n) {
        dpool_n--;
        d->raw = dpool[dpool_n].raw, d->ev = dpool[dpool_n].ev, d->evcap = dpool[dpool_n].evcap;
    }
    pthread_mutex_unlock(&dpool_lock);
    if (!d->raw.data) sw_buf_init(&d->raw);
    return d;
}

void ls_dblock_pool_drain(void) {
    pthread_mutex_lock(&dpool_lock);
    while (dpool_n) {
        dpool_n--;
        sw_buf_free(&dpool[dpool_n].raw);
        sw_free(dpool[dpool_n].ev);
    }
    pthread_mutex_unlock(&dpool_lock);
}

void ls_dblock_release(ls_dblock *d) {
    if (d && atomic_fetch_sub(&d->refs, 1) == 1) dblock_free(d);
}

static void lru_unlink(sw_logstore *s, ls_dblock *d) {
    if (d->prev) d->prev->next = d->next;
    else s->lru_head = d->next;
    if (d->next) d->next->prev = d->prev;
    else s->lru_tail = d->prev;
    d->prev = d->next = NULL;
}

static void lru_push_front(sw_logstore *s, ls_dblock *d) {
    d->prev = NULL;
    d->next = s->lru_head;
    if (s->lru_head) s->lru_head->prev = d;
    s->lru_head = d;
    if (!s->lru_tail) s->lru_tail = d;
}

static void cache_remove(sw_logstore *s, ls_dblock *d) {
    ls_dblock **pp = &s->cache_tab[bucket(d->seg_uid, d->block)];
    while (*pp != d) pp = &(*pp)->hnext;
    *pp = d->hnext;
    lru_unlink(s, d);
    s->cache_bytes -= d->bytes;
    ls_dblock_release(d);
}

/* Under cache_lock: the entry for (uid, block) with a new reference, or NULL. */
static ls_dblock *cache_lookup(sw_logstore *s, uint64_t uid, uint32_t block) {
    for (ls_dblock *d = s->cache_tab[bucket(uid, block)]; d; d = d->hnext)
        if (d->seg_uid == uid && d->block == block) {
            lru_unlink(s, d);
            lru_push_front(s, d);
            atomic_fetch_add(&d->refs, 1);
            return d;
        }
    return NULL;
}

/* Under cache_lock: the slot of (uid, block) among the blocks being decoded, or -1. */
static long decoding_find(const sw_logstore *s, uint64_t uid, uint32_t block) {
    for (size_t i = 0; i < s->ndecoding; i++)
        if (s->decoding[i].uid == uid && s->decoding[i].block == block) return (long)i;
    return -1;
}

/* Under cache_lock: forgets a decode and wakes whoever waits for one. */
static void decoding_done(sw_logstore *s, uint64_t uid, uint32_t block) {
    long i = decoding_find(s, uid, block);
    if (i >= 0) s->decoding[i] = s->decoding[--s->ndecoding];
    pthread_cond_broadcast(&s->decoded);
}

ls_dblock *ls_block_peek(sw_logstore *s, const ls_seg *seg, const ls_block *b) {
    pthread_mutex_lock(&s->cache_lock);
    ls_dblock *d = cache_lookup(s, seg->uid, (uint32_t)(b - seg->blocks));
    pthread_mutex_unlock(&s->cache_lock);
    return d;
}

ls_dblock *ls_block_get(sw_logstore *s, const ls_seg *seg, ls_block *b) {
    uint32_t idx = (uint32_t)(b - seg->blocks);
    pthread_mutex_lock(&s->cache_lock);
    ls_dblock *d;
    /* A block another thread is decoding (a read-ahead, a parallel job) is waited for, not decoded twice. */
    while (!(d = cache_lookup(s, seg->uid, idx)) && decoding_find(s, seg->uid, idx) >= 0)
        pthread_cond_wait(&s->decoded, &s->cache_lock);
    int mine = !d && s->ndecoding < LS_DECODING_MAX;
    if (mine) s->decoding[s->ndecoding++].uid = seg->uid, s->decoding[s->ndecoding - 1].block = idx;
    pthread_mutex_unlock(&s->cache_lock);
    if (d) return d;
    d = dblock_new();
    d->n = ls_block_decode(s, seg, b, &d->raw, &d->ev, &d->evcap);
    if (d->n < 0) {
        dblock_free(d);
        if (mine) {
            pthread_mutex_lock(&s->cache_lock);
            decoding_done(s, seg->uid, idx);
            pthread_mutex_unlock(&s->cache_lock);
        }
        return NULL;
    }
    atomic_fetch_add(&s->blocks_read, 1); /* by readers: an idle rewrite's decoding is not counted */
    d->seg_uid = seg->uid, d->block = idx;
    d->bytes = d->raw.cap + d->evcap * sizeof *d->ev + sizeof *d;
    atomic_init(&d->refs, 2);  /* the caller's and the cache's */
    pthread_mutex_lock(&s->cache_lock);
    if (mine) decoding_done(s, seg->uid, idx);
    ls_dblock *other = cache_lookup(s, seg->uid, idx);  /* another reader decoded it meanwhile */
    if (other) {
        pthread_mutex_unlock(&s->cache_lock);
        dblock_free(d);
        return other;
    }
    size_t h = bucket(d->seg_uid, d->block);
    d->hnext = s->cache_tab[h];
    s->cache_tab[h] = d;
    lru_push_front(s, d);
    s->cache_bytes += d->bytes;
    while (s->cache_bytes > LS_CACHE_BYTES && s->lru_tail != d) cache_remove(s, s->lru_tail);
    pthread_mutex_unlock(&s->cache_lock);
    return d;
}

typedef struct readahead { sw_logstore *s; ls_seg *seg; ls_block *b; } readahead;

static void *readahead_run(void *arg) {
    readahead *r = arg;
    ls_dblock_release(ls_block_get(r->s, r->seg, r->b));
    ls_seg_release(r->seg);
    atomic_fetch_sub(&r->s->readaheads, 1);
    sw_free(r);
    return NULL;
}

void ls_block_readahead(sw_logstore *s, ls_seg *seg, ls_block *b) {
    if (atomic_fetch_add(&s->readaheads, 1) >= LS_READAHEAD_MAX) {
        atomic_fetch_sub(&s->readaheads, 1);
        return;
    }
    readahead *r = sw_malloc(sizeof *r);
    *r = (readahead){s, seg, b};
    atomic_fetch_add(&seg->refs, 1);
    pthread_attr_t attr;
    pthread_t t;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, readahead_run, r) != 0) {
        ls_seg_release(seg);
        atomic_fetch_sub(&s->readaheads, 1);
        sw_free(r);
    }
    pthread_attr_destroy(&attr);
}

void ls_cache_free(sw_logstore *s) {
    while (atomic_load(&s->readaheads) > 0) usleep(1000); /* detached read-aheads still decoding */
    if (!s->cache_tab) return;
    while (s->lru_tail) cache_remove(s, s->lru_tail);
    sw_free(s->cache_tab);
    pthread_mutex_destroy(&s->cache_lock);
    pthread_cond_destroy(&s->decoded);
}
