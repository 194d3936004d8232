/* logstore_int.h -- what the log store's files share: groups, streams, heads, segments, their locks. */
#ifndef SW_LOGSTORE_INT_H
#define SW_LOGSTORE_INT_H
#include "buf.h"
#include "logstore.h"
#include "wal.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* Locking: the store lock (writer-preferring rwlock) guards the group table and, inside each group, its
 * metadata and stream tables. A group's lock guards its data: head, segments, write-ahead log, and the
 * per-stream statistics. Order: store lock, then one group lock. Nothing slow (fsync, compression,
 * decompression) runs under either; reads work on refcounted snapshots. */

#define LS_BLOCK_RAW (1u << 20)         /* target message bytes per compressed block */
#define LS_FLUSH_BYTES (8u << 20)       /* a group's head is packed into a segment at this size */
#define LS_BACKLOG_BYTES (256u << 20)   /* puts wait while this much is frozen but not yet in segments */
#define LS_ZSTD_LEVEL 9                 /* see docs/log-storage.md: segments at rest (decode ~30 % faster than 5) */
#define LS_ZSTD_LIVE 5                  /* segments packed while ingest runs and the flushers keep up: rewritten
                                           at LS_ZSTD_LEVEL when idle (docs/log-storage.md) */
#define LS_FAST_LZ4 -100                /* "level" of segments packed in LZ4 while the flushers are behind,
                                           rewritten at LS_ZSTD_LEVEL when idle (docs/log-storage.md) */
#define LS_FAST_BACKLOG (2 * LS_FLUSH_BYTES) /* frozen bytes waiting beyond which flushers pack at the fast level */
#define LS_REWRITE_QUIET_MS 2000        /* no put for this long (sw_clock_now_ms) before idle rewrites start */
#define LS_EVENT_OVERHEAD 26            /* PutLogEvents counts 26 bytes per event on top of the message */
#define LS_MAX_BATCH (32u << 20)
#define LS_CACHE_BYTES (128u << 20)     /* decoded blocks kept for readers */
#define LS_SPARES 6                     /* packed heads' write-ahead logs kept for reuse, store-wide */
#define LS_DECODING_MAX 64              /* blocks decoded at once, store-wide, that others can wait for */
#define LS_READAHEAD_MAX 4              /* detached read-ahead threads at once, store-wide */
#define LS_READ_PARALLEL 4              /* at most this many blocks decoded and matched at once per read */

typedef struct ls_stream {
    char *name;
    uint64_t id;                        /* unique in the store, never reused: events carry it */
    int64_t creation_ms;
    /* under the group lock: */
    int64_t first_ms, last_ms, last_ingest_ms;
    uint64_t head_bytes, seg_bytes;
    int has_events;
} ls_stream;

typedef struct ls_kv { char *key; char *val; size_t vlen; } ls_kv;

/* The write-ahead log of one generation: closed by whoever drops the last reference. */
typedef struct ls_wal {
    sw_wal *w;
    uint64_t gen;
    atomic_int refs;
} ls_wal;

/* Events held in memory until they are packed into a segment. Chunks never move or grow once
 * allocated, so a reader that copied (chunk, count) under the group lock reads them without it. */
typedef struct ls_hev { int64_t ts, ingest; uint64_t seq, stream; uint32_t off, len; } ls_hev;
typedef struct ls_chunk {
    ls_hev *ev;
    size_t n, cap;
    char *data;
    size_t dlen, dcap;
    int64_t min_ts, max_ts;
} ls_chunk;
typedef struct ls_head {
    atomic_int refs;
    ls_chunk **chunks;
    size_t nchunks, cap;
    uint64_t gen;                        /* the segment this head becomes: seg-<gen> */
    uint64_t bytes;                      /* message + overhead bytes */
    size_t nevents;
} ls_head;

/* One block as the segment index describes it. */
typedef struct ls_bstream { uint64_t id; uint32_t count, raw_bytes, comp_bytes; int64_t min_ts, max_ts, max_ingest; } ls_bstream;
typedef struct ls_block {
    uint64_t off;
    uint32_t clen, rawlen, msgs_off, nevents, crc;
    int64_t min_ts, max_ts;
    uint64_t min_seq, max_seq;
    const uint8_t *filter;               /* token filter bitmap in the mapping, filter_bits bits (NULL: damaged) */
    uint32_t filter_bits;
    uint32_t flags;                      /* LS_BF_*: stored in the low 6 bits of the index's filter_bits */
    uint32_t nstreams;
    ls_bstream *streams;                 /* sorted by id */
    atomic_int damaged;                  /* reported once */
} ls_block;

#define LS_BF_NO_BACKSLASH 1u            /* no message in the block holds a backslash, so no JSON string escapes */
#define LS_BF_MASK 63u

/* An immutable segment file, mapped. Deleted (unlinked) by retention or group deletion; the mapping
 * lives until the last reader lets go. */
typedef struct ls_seg {
    atomic_int refs;
    uint64_t gen;
    uint64_t uid;                        /* unique for the process's lifetime: the block cache's key */
    char *path;
    uint8_t *map;
    size_t size;
    ls_block *blocks;
    size_t nblocks;
    int64_t min_ts, max_ts;
    uint64_t min_seq, max_seq;
    int fast;                            /* packed below LS_ZSTD_LEVEL (LZ4, LS_ZSTD_LIVE, or zstd level 1 before):
                                            rewritten at LS_ZSTD_LEVEL when idle */
    int lz4;                             /* blocks are LZ4 blocks, not zstd frames */
    atomic_int busy;                     /* a flusher is rewriting it */
    atomic_int keep;                     /* rewriting failed (a damaged block): left as it is */
} ls_seg;

typedef struct ls_group {
    atomic_int refs;
    char *account, *region, *name;
    uint64_t id;
    int64_t creation_ms;
    int retention_days;
    ls_kv *tags; size_t ntags;
    ls_kv *mfs; size_t nmfs;
    ls_stream **by_name; size_t nstreams, cap_streams;   /* sorted by name */
    ls_stream **by_id;                                   /* same streams sorted by id */
    /* data, under lock: */
    pthread_rwlock_t lock;
    char *dir;
    ls_seg **segs; size_t nsegs, cap_segs;               /* by gen */
    ls_head *head;                                       /* the one receiving puts */
    ls_head **frozen; size_t nfrozen, cap_frozen;        /* waiting to become segments, oldest first */
    ls_wal *wal;                                         /* the active head's log, opened by the first put */
    uint64_t next_seq;
    int flushing, deleted, queued;
    pthread_cond_t flushed;                              /* with the store's flush mutex */
} ls_group;

struct sw_logstore {
    char *dir;
    pthread_rwlock_t lock;
    ls_group **groups; size_t ngroups, cap_groups;       /* sorted by (account, region, name) */
    uint64_t next_id;
    sw_wal *meta;
    sw_buf metarec;                                      /* under the store write lock */
    /* flushers */
    pthread_mutex_t fq_lock;
    pthread_cond_t fq_cv, fq_done;
    ls_group **fq; size_t nfq, cap_fq;
    pthread_t *flushers; size_t nflushers;
    int stopping;
    uint64_t backlog;                                    /* bytes frozen, not yet in segments (under fq_lock) */
    uint64_t spares[LS_SPARES]; size_t nspares;          /* spare-<n>.wal: logs kept for reuse (under fq_lock) */
    uint64_t spare_seq;                                  /* under fq_lock */
    uint64_t fast_backlog;                               /* LS_FAST_BACKLOG; tests lower it (under fq_lock) */
    int64_t rewrite_quiet_ms;                            /* LS_REWRITE_QUIET_MS; tests lower it (under fq_lock) */
    _Atomic int64_t last_put_ms;                         /* the latest put's now_ms (from sw_clock_now_ms) */
    atomic_uint_fast64_t rewritten;                      /* fast segments rewritten at LS_ZSTD_LEVEL */
    atomic_uint_fast64_t blocks_read, blocks_skipped, corrupt_blocks;
    size_t read_parallel;
    /* the decoded-block cache (logstore_cache.c) */
    pthread_mutex_t cache_lock;
    struct ls_dblock **cache_tab, *lru_head, *lru_tail;
    size_t cache_bytes;
    /* blocks being decoded (under cache_lock): a second reader of one waits for it instead of decoding it too */
    struct { uint64_t uid; uint32_t block; } decoding[LS_DECODING_MAX];
    size_t ndecoding;
    pthread_cond_t decoded;
    atomic_int readaheads;                               /* detached read-ahead threads running (logstore_read.c) */
};

/* logstore.c */
ls_group *ls_group_find(sw_logstore *s, const sw_log_scope *sc, const char *name);   /* under the store lock */
ls_stream *ls_stream_find(ls_group *g, const char *name);                             /* under the store lock */
ls_stream *ls_stream_by_id(ls_group *g, uint64_t id);                                 /* under the store lock */
ls_group *ls_group_acquire(sw_logstore *s, const sw_log_scope *sc, const char *name); /* takes a reference */
void ls_group_release(ls_group *g);

/* logstore_write.c: spare write-ahead log files. Takes one (its path in out, 1) or returns 0; drops all. */
int ls_spare_take(sw_logstore *s, char *out, size_t n);
void ls_spares_drop(sw_logstore *s);

/* logstore_seg.c: building, writing, loading and decoding segments. */
typedef struct ls_scratch ls_scratch;
typedef struct ls_sev { int64_t ts, ingest; uint64_t seq, stream; const char *msg; uint32_t len; } ls_sev;
/* Writes the events (any order; sorted here) as dir/seg-<gen>.sws: temp file, fsync, rename, fsync dir.
 * Returns the loaded segment, or NULL (reported) on an I/O error. */
ls_seg *ls_seg_write(ls_scratch *x, const char *dir, uint64_t gen, ls_sev *ev, size_t n, int level);
/* The two halves of ls_seg_write: the file's bytes built in x at a zstd level (0 or -1), then written as
 * dir/seg-<gen>.sws (temp file, fsync, rename, fsync dir) and loaded. */
int ls_seg_build(ls_scratch *x, uint64_t gen, ls_sev *ev, size_t n, int level);
/* Whether a message names an error severity (ERROR, FATAL, CRITICAL, Exception): such events are packed
 * in blocks of their own (ls_seg_build). */
int ls_sev_alert(const char *msg, size_t len);
ls_seg *ls_seg_commit(ls_scratch *x, const char *dir, uint64_t gen);
/* Working memory for ls_seg_write kept from one segment to the next (one per flusher thread). */
ls_scratch *ls_scratch_new(void);
void ls_scratch_free(ls_scratch *x);
/* Free the head chunks and decoded-block buffers kept for reuse (sw_logstore_close). */
void ls_chunk_pool_drain(void);
void ls_dblock_pool_drain(void);
/* Maps and checks path; NULL (reported) when the file or its index is damaged. */
ls_seg *ls_seg_load(const char *path, uint64_t gen);
void ls_seg_release(ls_seg *g);
/* Decompresses block b into out (rawlen bytes) and decodes its events: ev[i].msg points into out.
 * Returns the event count, or -1 if the block is damaged (reported once). */
long ls_block_decode(sw_logstore *s, const ls_seg *seg, ls_block *b, sw_buf *out, ls_sev **ev, size_t *cap);
/* A decoded block from the cache (logstore_cache.c): events point into raw. */
typedef struct ls_dblock {
    atomic_int refs;
    uint64_t seg_uid;
    uint32_t block;
    size_t bytes;
    sw_buf raw;
    ls_sev *ev;
    size_t evcap;                           /* slots in ev */
    long n;
    struct ls_dblock *prev, *next, *hnext;  /* LRU list and hash chain, under cache_lock */
} ls_dblock;
/* The block if it is in the cache already (a reference: ls_dblock_release), or NULL; never decodes. */
ls_dblock *ls_block_peek(sw_logstore *s, const ls_seg *seg, const ls_block *b);
/* The decoded block b of seg, from the cache or decompressed now; a reference the caller releases, or
 * NULL when the block is damaged. */
ls_dblock *ls_block_get(sw_logstore *s, const ls_seg *seg, ls_block *b);
/* Decodes the block into the cache on a detached thread (the segment referenced meanwhile), unless
 * LS_READAHEAD_MAX are running; sw_logstore_close waits for them. */
void ls_block_readahead(sw_logstore *s, ls_seg *seg, ls_block *b);
void ls_dblock_release(ls_dblock *d);
void ls_cache_init(sw_logstore *s);
void ls_cache_free(sw_logstore *s);
/* 0 when the block's token filter proves some term absent, 1 when the block may hold all terms. */
int ls_block_may_contain(const ls_block *b, const char *const *terms, const size_t *lens, size_t nterms);
const ls_bstream *ls_block_stream(const ls_block *b, uint64_t id);

/* logstore_data.c */
void ls_head_release(ls_head *h);
ls_head *ls_head_new(uint64_t gen);
void ls_head_append(ls_head *h, uint64_t stream, uint64_t seq, int64_t ts, int64_t ingest, const char *msg, size_t len);
int ls_group_load_data(sw_logstore *s, ls_group *g);                 /* at open: segments and log replay */
void ls_group_close_data(ls_group *g);
int ls_flushers_start(sw_logstore *s);
void ls_flushers_stop(sw_logstore *s);
void ls_flush_request(sw_logstore *s, ls_group *g);
void ls_group_wait_idle(sw_logstore *s, ls_group *g);               /* no flush running or queued for g */
int64_t ls_retention_cutoff(const ls_group *g, int64_t now_ms);

#endif
