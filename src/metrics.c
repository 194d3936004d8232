/* metrics.c -- metric index (hash table over identity keys), per-unit series of samples in growing
 * blocks (12 bytes per plain sample), and the write-ahead log records that rebuild them. */
#include "metrics.h"
#include "alloc.h"
#include "buf.h"
#include "clock.h"
#include "hash.h"
#include "log.h"
#include "metrics_compact.h"
#include "metrics_disk.h"
#include "qsketch.h"
#include "tscodec.h"
#include "varint.h"
#include "wal.h"
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SW_BLOCK_MAX 256
/* The head is sealed and written to a block file when it holds this many samples (~50 MB of head and
 * ~70 MB of log), or when its oldest sample arrived this long ago on the engine's clock. */
#define SW_FLUSH_SAMPLES (4u << 20)
#define SW_FLUSH_INTERVAL_MS (2 * 3600 * 1000LL)

/* Log record entries (one record per put, so a put is atomic on replay). */
enum { SW_REC_METRIC = 'M', SW_REC_SERIES = 'U', SW_REC_VALUE = 'V', SW_REC_SET = 'A' };
#define SW_REC_SAMPLE_MAX 41 /* a set entry: tag, series, time, 4 doubles (a value entry is 17 bytes) */

typedef struct sw_block {
    uint32_t n, cap, tmin, tmax;
    uint32_t *t;
    double *v;
} sw_block;

typedef struct sw_set_sample { uint32_t t; double count, sum, min, max; } sw_set_sample;

/* A block of samples in a block file (metrics_disk.h). */
typedef struct sw_dref {
    const sw_mb_file *f;
    uint64_t off;
    uint32_t len, n, tmin, tmax;
    uint8_t kind;
} sw_dref;

typedef struct sw_series {
    char *unit;
    uint32_t owner;       /* the metric's sequence number; 0 for a series of m->lost */
    sw_block *blocks;     /* the head: samples since the last seal, in arrival order */
    size_t nblocks, bcap;
    sw_set_sample *sets;
    size_t nsets, scap;
    sw_block *fblocks;    /* sealed and being written to a block file (read-only until it is) */
    size_t nfblocks;
    sw_set_sample *fsets;
    size_t nfsets;
    sw_dref *refs;        /* blocks on disk */
    size_t nrefs, rcap;
} sw_series;

typedef struct sw_metric {
    uint64_t hash;
    char *key;            /* account\0region\0ns\0name\0(dimname\0dimvalue\0)* with dims sorted by name */
    size_t keylen;
    sw_metric_id id;      /* points into key */
    sw_dim *dims;
    uint32_t seq;         /* 1-based creation order: the log's metric id and ListMetrics' cursor */
    uint32_t last_t;      /* newest sample timestamp */
    uint32_t *series;     /* indices into sw_metrics.series */
    size_t nseries;
} sw_metric;

struct sw_metrics {
    pthread_rwlock_t lock;
    sw_wal *wal;
    sw_metric **metrics;  /* by seq - 1 */
    size_t nmetrics, mcap;
    sw_metric *lost;      /* owner of series whose metric a damaged log record took with it (see sw_replay) */
    size_t lost_records_metrics;
    sw_metric **table;    /* open addressing, power of two */
    size_t tcap;
    sw_series *series;
    size_t nseries, scap;
    uint64_t samples;
    uint64_t seed;
    sw_buf rec;           /* the record being built, under the write lock */
    /* Block files and the log's generations: the log being written becomes metrics.wal.GEN when sealed; a
     * block file mb-LO-HI.swb holds every sample of generations LO..HI. */
    char *dir;
    sw_mb_file **files;
    size_t nfiles, fcap;
    uint64_t covered;     /* the newest generation in a block file */
    uint64_t next_gen;    /* the generation the log being written gets when sealed */
    uint64_t pending_lo;  /* the oldest sealed generation not yet in a block file (0: none) */
    uint64_t head_samples, flushes, damaged_blocks, damaged_files;
    size_t flush_samples; /* seal the head when it holds this many samples */
    int64_t flush_interval_ms, last_flush_ms;
    pthread_mutex_t flush_lock;   /* one seal-and-write at a time */
    pthread_mutex_t compact_lock; /* one rewrite at a time: the only thing that removes files */
    pthread_mutex_t bg_lock;
    pthread_cond_t bg_cv;
    pthread_t bg;
    int bg_running, bg_stop;
    pthread_mutex_t scratch_lock;
    struct sw_scratch *scratch_free;
    uint64_t (*bad)[2];   /* generation ranges of damaged files: a rewrite never spans them */
    size_t nbad;
    int64_t keep_raw_s, keep_300_s, keep_3600_s;  /* retention of each tier, seconds */
    char ns_name[32][256];                         /* namespaces with their own retention (SW_NS_POLICIES) */
    int64_t ns_keep[32][3];
    size_t nns;
    uint64_t compactions, compact_failures;
    struct sw_bcache *cache;
};

/* ---------- identity keys ---------- */

#define SW_KEY_DIMS 64 /* dimensions kept in a key (the model allows 30) */

/* A metric identity taken apart in key order: account, region, namespace, name, then each dimension's
 * name and value, sorted by name. Lookups hash and compare these parts where they lie, so no key
 * string is built for a datum of an existing metric; the key bytes are written only for a new one. */
typedef struct sw_key_parts {
    const char *s[4 + 2 * SW_KEY_DIMS];
    size_t len[4 + 2 * SW_KEY_DIMS];
    size_t n, total;      /* parts, and the key's length (each part and its NUL) */
    uint64_t hash;
} sw_key_parts;

/* What the previous identity taken apart had, for the next to reuse where its strings are the same
 * pointers: every datum of a request shares the account, region and namespace, and datums of one request
 * often share dimensions (the JSON decoder hands a repeated string over as the same pointer). Holds the
 * first three parts with their lengths and the hash state after them, then the dimensions: as given, in
 * key order with their lengths, and the hash state after them. Zeroed before first use. */
typedef struct sw_key_memo {
    const char *account, *region, *ns;
    size_t len[3];
    uint64_t hash;
    size_t ndims;                    /* SIZE_MAX: the dimensions below are not for this prefix */
    sw_dim given[SW_KEY_DIMS];
    unsigned char order[SW_KEY_DIMS]; /* order[k]: the index in given of the k-th dimension in key order */
    const char *s[2 * SW_KEY_DIMS];
    size_t slen[2 * SW_KEY_DIMS];
    size_t total;                    /* bytes of the dimension parts, NULs included */
    uint64_t dims_hash;
} sw_key_memo;

/* strcmp, deciding on the first byte without a call when it differs (dimension names mostly do). */
static inline int sw_name_cmp(const char *a, const char *b) {
    unsigned char x = (unsigned char)a[0], y = (unsigned char)b[0];
    return x != y || x == 0 ? (int)x - (int)y : strcmp(a + 1, b + 1);
}

/* memcmp(a, b, n) == 0 for the short parts of an identity, a word at a time, without a call. */
static inline int sw_bytes_equal(const char *a, const char *b, size_t n) {
    for (; n >= 8; a += 8, b += 8, n -= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y) return 0;
    }
    while (n--)
        if (*a++ != *b++) return 0;
    return 1;
}

/* Brings the account, region and namespace in memo up to id's. */
static void sw_key_memo_prefix(sw_key_memo *memo, const sw_metric_id *id, uint64_t seed) {
    if (memo->account == id->account && memo->region == id->region && memo->ns == id->ns) return;
    const char *first[3] = {id->account, id->region, id->ns};
    memo->account = id->account, memo->region = id->region, memo->ns = id->ns;
    memo->hash = seed;
    for (int i = 0; i < 3; i++) {
        memo->len[i] = strlen(first[i]);
        memo->hash = sw_hash64(first[i], memo->len[i], memo->hash);
    }
    memo->ndims = SIZE_MAX;
}

/* Brings the dimensions in memo up to dims (n of them), measuring and hashing only what changed. */
static void sw_key_memo_dims(sw_key_memo *memo, const sw_dim *dims, size_t n) {
    int same_names = memo->ndims == n;
    for (size_t i = 0; same_names && i < n; i++) same_names = dims[i].name == memo->given[i].name;
    int changed = !same_names;
    if (!same_names) {
        /* Insertion sort by name: at most 30 dimensions, and clients usually send them in the same order. */
        for (size_t i = 0; i < n; i++) {
            size_t j = i;
            while (j > 0 && sw_name_cmp(dims[memo->order[j - 1]].name, dims[i].name) > 0) { memo->order[j] = memo->order[j - 1]; j--; }
            memo->order[j] = (unsigned char)i;
        }
        for (size_t k = 0; k < n; k++) memo->slen[2 * k] = strlen(dims[memo->order[k]].name);
        memo->ndims = n;
    }
    for (size_t k = 0; k < n; k++) {
        size_t i = memo->order[k];
        if (!same_names || dims[i].value != memo->given[i].value) memo->slen[2 * k + 1] = strlen(dims[i].value), changed = 1;
        memo->s[2 * k] = dims[i].name, memo->s[2 * k + 1] = dims[i].value;
    }
    if (!changed) return;
    if (n) memcpy(memo->given, dims, n * sizeof *dims); /* dims may be NULL when n is 0 */
    uint64_t h = memo->hash;
    size_t total = 0;
    for (size_t k = 0; k < 2 * n; k++) {
        h = sw_hash64(memo->s[k], memo->slen[k], h);
        total += memo->slen[k] + 1;
    }
    memo->dims_hash = h;
    memo->total = total;
}

/* Takes id apart and hashes it: the first three parts, the dimensions in key order, then the name (so
 * the hash of the same identity is the same whatever the dimension order). memo carries what the
 * previous call's strings gave to this one (see sw_key_memo). */
static void sw_key_parts_of(const sw_metric_id *id, uint64_t seed, sw_key_memo *memo, sw_key_parts *kp) {
    size_t n = id->ndims < SW_KEY_DIMS ? id->ndims : SW_KEY_DIMS;
    sw_key_memo_prefix(memo, id, seed);
    sw_key_memo_dims(memo, id->dims, n);
    kp->s[0] = id->account, kp->s[1] = id->region, kp->s[2] = id->ns, kp->s[3] = id->name;
    kp->len[0] = memo->len[0], kp->len[1] = memo->len[1], kp->len[2] = memo->len[2], kp->len[3] = strlen(id->name);
    memcpy(kp->s + 4, memo->s, 2 * n * sizeof *kp->s);
    memcpy(kp->len + 4, memo->slen, 2 * n * sizeof *kp->len);
    kp->n = 4 + 2 * n;
    kp->total = kp->len[0] + kp->len[1] + kp->len[2] + kp->len[3] + 4 + memo->total;
    kp->hash = sw_hash64(id->name, kp->len[3], memo->dims_hash);
}

/* 1 when the key bytes (account\0region\0ns\0name\0(dimname\0dimvalue\0)*) are those parts. */
static int sw_key_parts_equal(const sw_key_parts *kp, const char *key, size_t keylen) {
    if (keylen != kp->total) return 0;
    for (size_t i = 0; i < kp->n; i++) {
        if (!sw_bytes_equal(key, kp->s[i], kp->len[i]) || key[kp->len[i]] != '\0') return 0;
        key += kp->len[i] + 1;
    }
    return 1;
}

/* Writes the canonical key of the parts into b with one reservation. */
static void sw_key_parts_write(const sw_key_parts *kp, sw_buf *b) {
    sw_buf_reset(b);
    sw_buf_reserve(b, kp->total);
    char *p = b->data;
    for (size_t i = 0; i < kp->n; i++) {
        memcpy(p, kp->s[i], kp->len[i]);
        p[kp->len[i]] = '\0';
        p += kp->len[i] + 1;
    }
    b->len = kp->total;
}

/* 1 when len bytes from a log record or catalog are a key sw_metric_parse_key can take: NUL-terminated
 * parts, at least account, region, namespace and name, then dimension name/value pairs. */
static int sw_key_valid(const char *key, size_t len) {
    if (len < 4 || key[len - 1] != '\0') return 0;
    size_t parts = 0;
    for (size_t i = 0; i < len; i++) parts += key[i] == '\0';
    return parts >= 4 && (parts - 4) % 2 == 0;
}

/* Points id/dims into the key bytes. */
static void sw_metric_parse_key(sw_metric *mt) {
    const char *p = mt->key, *end = mt->key + mt->keylen;
    const char **slots[4] = {&mt->id.account, &mt->id.region, &mt->id.ns, &mt->id.name};
    for (int i = 0; i < 4; i++) { *slots[i] = p; p += strlen(p) + 1; }
    size_t nd = 0;
    for (const char *q = p; q < end; q += strlen(q) + 1) nd++;
    mt->dims = sw_calloc(nd / 2 + 1, sizeof *mt->dims);
    for (size_t i = 0; i < nd / 2; i++) {
        mt->dims[i].name = p; p += strlen(p) + 1;
        mt->dims[i].value = p; p += strlen(p) + 1;
    }
    mt->id.dims = mt->dims;
    mt->id.ndims = nd / 2;
}

static sw_metric *sw_table_find(sw_metrics *m, const sw_key_parts *kp) {
    if (!m->tcap) return NULL;
    for (size_t i = kp->hash & (m->tcap - 1);; i = (i + 1) & (m->tcap - 1)) {
        sw_metric *mt = m->table[i];
        if (!mt) return NULL;
        if (mt->hash == kp->hash && sw_key_parts_equal(kp, mt->key, mt->keylen)) return mt;
    }
}

static void sw_table_insert(sw_metrics *m, sw_metric *mt) {
    if ((m->nmetrics + 1) * 2 > m->tcap) {
        size_t ncap = m->tcap ? m->tcap * 2 : 1024;
        sw_metric **nt = sw_calloc(ncap, sizeof *nt);
        for (size_t i = 0; i < m->tcap; i++) {
            sw_metric *x = m->table[i];
            if (!x) continue;
            size_t j = x->hash & (ncap - 1);
            while (nt[j]) j = (j + 1) & (ncap - 1);
            nt[j] = x;
        }
        sw_free(m->table);
        m->table = nt;
        m->tcap = ncap;
    }
    size_t j = mt->hash & (m->tcap - 1);
    while (m->table[j]) j = (j + 1) & (m->tcap - 1);
    m->table[j] = mt;
}

/* Adds the metric with key bytes [key, key+len) (as sw_key_parts_write lays them out). */
static sw_metric *sw_metric_create(sw_metrics *m, const char *key, size_t len) {
    sw_metric *mt = sw_calloc(1, sizeof *mt);
    mt->key = sw_malloc(len);
    memcpy(mt->key, key, len);
    mt->keylen = len;
    sw_metric_parse_key(mt);
    sw_key_memo memo = {0};
    sw_key_parts kp;
    sw_key_parts_of(&mt->id, m->seed, &memo, &kp);
    mt->hash = kp.hash;
    if (m->nmetrics == m->mcap) {
        m->mcap = m->mcap ? m->mcap * 2 : 1024;
        m->metrics = sw_realloc(m->metrics, m->mcap * sizeof *m->metrics);
    }
    sw_table_insert(m, mt);
    m->metrics[m->nmetrics++] = mt;
    mt->seq = (uint32_t)m->nmetrics;
    return mt;
}

static uint32_t sw_series_create(sw_metrics *m, sw_metric *mt, const char *unit) {
    if (m->nseries == m->scap) {
        m->scap = m->scap ? m->scap * 2 : 1024;
        m->series = sw_realloc(m->series, m->scap * sizeof *m->series);
    }
    sw_series *s = &m->series[m->nseries];
    memset(s, 0, sizeof *s);
    s->unit = sw_strdup(unit);
    s->owner = mt->seq;
    if ((mt->nseries & (mt->nseries - 1)) == 0) /* capacity: the next power of two */
        mt->series = sw_realloc(mt->series, (mt->nseries ? 2 * mt->nseries : 1) * sizeof *mt->series);
    mt->series[mt->nseries++] = (uint32_t)m->nseries;
    return (uint32_t)m->nseries++;
}

static int64_t sw_series_find(sw_metrics *m, sw_metric *mt, const char *unit) {
    for (size_t i = 0; i < mt->nseries; i++)
        if (sw_name_cmp(m->series[mt->series[i]].unit, unit) == 0) return mt->series[i];
    return -1;
}

/* ---------- samples ---------- */

static void sw_series_add_value(sw_series *s, uint32_t t, double v) {
    sw_block *b = s->nblocks ? &s->blocks[s->nblocks - 1] : NULL;
    if (!b || b->n == b->cap) {
        if (!b || b->cap == SW_BLOCK_MAX) {
            if (s->nblocks == s->bcap) {
                s->bcap = s->bcap ? s->bcap * 2 : 2;
                s->blocks = sw_realloc(s->blocks, s->bcap * sizeof *s->blocks);
            }
            b = &s->blocks[s->nblocks++];
            memset(b, 0, sizeof *b);
            b->tmin = UINT32_MAX;
        }
        /* Blocks grow 8, 16, ... 256 samples, so a series with few samples costs little. */
        uint32_t ncap = b->cap ? b->cap * 2 : 8;
        b->t = sw_realloc(b->t, ncap * sizeof *b->t);
        b->v = sw_realloc(b->v, ncap * sizeof *b->v);
        b->cap = ncap;
    }
    b->t[b->n] = t;
    b->v[b->n] = v;
    b->n++;
    if (t < b->tmin) b->tmin = t;
    if (t > b->tmax) b->tmax = t;
}

static void sw_series_add_set(sw_series *s, uint32_t t, double count, double sum, double min, double max) {
    if (s->nsets == s->scap) {
        s->scap = s->scap ? s->scap * 2 : 8;
        s->sets = sw_realloc(s->sets, s->scap * sizeof *s->sets);
    }
    s->sets[s->nsets++] = (sw_set_sample){t, count, sum, min, max};
}

/* ---------- log records ---------- */

static void sw_rec_u32(sw_buf *b, uint32_t v) { sw_buf_append(b, &v, 4); }

/* Applies one datum whose identity is taken apart in kp (write lock held), appending its log entries to m->rec. */
static void sw_apply(sw_metrics *m, const sw_datum *d, const sw_key_parts *kp, sw_buf *keybuf) {
    sw_metric *mt = sw_table_find(m, kp);
    if (!mt) {
        sw_key_parts_write(kp, keybuf);
        mt = sw_metric_create(m, keybuf->data, keybuf->len);
        sw_buf_putc(&m->rec, SW_REC_METRIC);
        sw_rec_u32(&m->rec, mt->seq);
        sw_rec_u32(&m->rec, (uint32_t)keybuf->len);
        sw_buf_append(&m->rec, keybuf->data, keybuf->len);
    }
    int64_t sid = sw_series_find(m, mt, d->unit);
    if (sid < 0) {
        sid = sw_series_create(m, mt, d->unit);
        size_t ulen = strlen(d->unit);
        sw_buf_putc(&m->rec, SW_REC_SERIES);
        sw_rec_u32(&m->rec, (uint32_t)sid);
        sw_rec_u32(&m->rec, mt->seq);
        sw_rec_u32(&m->rec, (uint32_t)ulen);
        sw_buf_append(&m->rec, d->unit, ulen);
    }
    sw_series *s = &m->series[sid];
    /* The sample entry is written in place with one reservation: it runs for every datapoint. */
    sw_buf_reserve(&m->rec, SW_REC_SAMPLE_MAX);
    char *p = m->rec.data + m->rec.len;
    uint32_t sid32 = (uint32_t)sid;
    p[0] = d->kind == SW_SAMPLE_VALUE ? SW_REC_VALUE : SW_REC_SET;
    memcpy(p + 1, &sid32, 4);
    memcpy(p + 5, &d->t, 4);
    if (d->kind == SW_SAMPLE_VALUE) {
        sw_series_add_value(s, d->t, d->v);
        memcpy(p + 9, &d->v, 8);
        m->rec.len += 17;
    } else {
        sw_series_add_set(s, d->t, d->count, d->sum, d->min, d->max);
        const double set[4] = {d->count, d->sum, d->min, d->max};
        memcpy(p + 9, set, sizeof set);
        m->rec.len += SW_REC_SAMPLE_MAX;
    }
    if (d->t > mt->last_t) mt->last_t = d->t;
    m->samples++;
    m->head_samples++;
}

/* Datums applied as one group: their lookups are independent, and each waits on memory several times
 * over (the table slot, the metric, its key, its series, the series' last block), so the lines of the
 * whole group are asked for, one level at a time, before any of them is used: the waits overlap. */
#define SW_PUT_GROUP 8

static void sw_apply_group(sw_metrics *m, const sw_datum *d, size_t n, sw_key_memo *memo, sw_buf *keybuf) {
    sw_key_parts kp[SW_PUT_GROUP];
    sw_metric *mt[SW_PUT_GROUP];
    size_t mask = m->tcap - 1;
    for (size_t i = 0; i < n; i++) {
        sw_key_parts_of(&d[i].id, m->seed, memo, &kp[i]);
        if (m->tcap) __builtin_prefetch(&m->table[kp[i].hash & mask]);
    }
    for (size_t i = 0; i < n; i++) {
        mt[i] = m->tcap ? m->table[kp[i].hash & mask] : NULL;
        if (mt[i]) __builtin_prefetch(mt[i]);
    }
    for (size_t i = 0; i < n; i++)
        if (mt[i]) __builtin_prefetch(mt[i]->key), __builtin_prefetch(mt[i]->series);
    sw_series *s[SW_PUT_GROUP];
    for (size_t i = 0; i < n; i++) {
        s[i] = mt[i] && mt[i]->nseries ? &m->series[mt[i]->series[0]] : NULL;
        if (s[i]) __builtin_prefetch(s[i]);
    }
    for (size_t i = 0; i < n; i++)
        if (s[i]) {
            __builtin_prefetch(s[i]->unit);
            if (s[i]->nblocks) __builtin_prefetch(&s[i]->blocks[s[i]->nblocks - 1]);
        }
    for (size_t i = 0; i < n; i++)
        if (s[i] && s[i]->nblocks) {
            const sw_block *b = &s[i]->blocks[s[i]->nblocks - 1];
            __builtin_prefetch(&b->t[b->n]), __builtin_prefetch(&b->v[b->n]);
        }
    for (size_t i = 0; i < n; i++) sw_apply(m, &d[i], &kp[i], keybuf);
}

int sw_metrics_put(sw_metrics *m, const sw_datum *d, size_t n) {
    sw_buf key;
    sw_key_memo memo = {0};
    sw_buf_init(&key);
    pthread_rwlock_wrlock(&m->lock);
    sw_buf_reset(&m->rec);
    for (size_t i = 0; i < n; i += SW_PUT_GROUP) sw_apply_group(m, d + i, n - i < SW_PUT_GROUP ? n - i : SW_PUT_GROUP, &memo, &key);
    uint64_t lsn = sw_wal_append(m->wal, m->rec.data, m->rec.len);
    int full = m->head_samples >= m->flush_samples;
    pthread_rwlock_unlock(&m->lock);
    if (full) {
        pthread_mutex_lock(&m->bg_lock);
        pthread_cond_signal(&m->bg_cv);
        pthread_mutex_unlock(&m->bg_lock);
    }
    sw_buf_free(&key);
    return sw_wal_sync(m->wal, lsn);
}

typedef struct sw_reader { const uint8_t *p, *end; int bad; } sw_reader;

static uint32_t sw_rd_u32(sw_reader *r) {
    uint32_t v = 0;
    if (r->end - r->p < 4) { r->bad = 1; return 0; }
    memcpy(&v, r->p, 4);
    r->p += 4;
    return v;
}

static double sw_rd_f64(sw_reader *r) {
    double v = 0;
    if (r->end - r->p < 8) { r->bad = 1; return 0; }
    memcpy(&v, r->p, 8);
    r->p += 8;
    return v;
}

static const char *sw_rd_bytes(sw_reader *r, uint32_t len) {
    if ((size_t)(r->end - r->p) < len) { r->bad = 1; return NULL; }
    const char *s = (const char *)r->p;
    r->p += len;
    return s;
}

/* When the log skipped a damaged record (wal.c keeps the records after it), the metrics and series it
 * defined are missing, and later records number theirs past a gap. Placeholders fill the gap so the
 * numbering holds: a lost metric has the empty identity (no account, so no request ever matches it) and
 * is not in the lookup table; a lost series belongs to m->lost, which no query reaches. Samples written
 * later to a lost series are kept there, unreachable: their metric's name died with the damaged record. */
/* The most metrics or series a damaged range can take with it, as a sanity bound: one record is one
 * PutMetricData (at most 1,000 new metrics and series), so this is some 65 consecutive full records. A
 * record claiming a larger gap is refused rather than believed. */
#define SW_MAX_GAP (1u << 16)

static void sw_lost_metrics_upto(sw_metrics *m, uint32_t seq) {
    while (m->nmetrics < seq) {
        sw_metric *mt = sw_calloc(1, sizeof *mt);
        mt->key = sw_calloc(1, 4);
        mt->keylen = 4;
        sw_metric_parse_key(mt);
        if (m->nmetrics == m->mcap) {
            m->mcap = m->mcap ? m->mcap * 2 : 1024;
            m->metrics = sw_realloc(m->metrics, m->mcap * sizeof *m->metrics);
        }
        m->metrics[m->nmetrics++] = mt;
        mt->seq = (uint32_t)m->nmetrics;
        m->lost_records_metrics++;
    }
}

static void sw_lost_series_upto(sw_metrics *m, uint32_t sid) {
    if (m->nseries >= sid) return; /* nothing missing: no placeholder metric (and no "lost" report) */
    if (!m->lost) {
        m->lost = sw_calloc(1, sizeof *m->lost);
        m->lost->key = sw_calloc(1, 4);
        m->lost->keylen = 4;
        sw_metric_parse_key(m->lost);
    }
    while (m->nseries < sid) sw_series_create(m, m->lost, "");
}

/* Replays one record; any inconsistency (ids out of order, bad lengths) marks the record damaged. */
/* One pass over a record: with apply 0 it only checks every entry (against the counts the entries before it
 * would leave), with apply 1 it applies them. Returns -1 on the first inconsistency. */
static int sw_replay_pass(sw_metrics *m, const uint8_t *payload, size_t len, int apply) {
    sw_reader r = {payload, payload + len, 0};
    size_t nm = m->nmetrics, ns = m->nseries; /* what the entries read so far leave */
    while (r.p < r.end && !r.bad) {
        uint8_t tag = *r.p++;
        if (tag == SW_REC_METRIC) {
            uint32_t seq = sw_rd_u32(&r), klen = sw_rd_u32(&r);
            const char *key = sw_rd_bytes(&r, klen);
            if (r.bad || seq <= nm || seq - nm > SW_MAX_GAP || klen < 8 || !sw_key_valid(key, klen)) return -1;
            if (apply) {
                sw_lost_metrics_upto(m, seq - 1);
                sw_metric_create(m, key, klen);
            }
            nm = seq;
        } else if (tag == SW_REC_SERIES) {
            uint32_t sid = sw_rd_u32(&r), seq = sw_rd_u32(&r), ulen = sw_rd_u32(&r);
            const char *unit = sw_rd_bytes(&r, ulen);
            if (r.bad || sid < ns || sid - ns > SW_MAX_GAP || seq < 1 || seq > nm + SW_MAX_GAP || ulen > 63) return -1;
            if (apply) {
                sw_lost_metrics_upto(m, seq);
                sw_lost_series_upto(m, sid);
                char u[64];
                memcpy(u, unit, ulen);
                u[ulen] = '\0';
                sw_series_create(m, m->metrics[seq - 1], u);
            }
            if (seq > nm) nm = seq;
            ns = (size_t)sid + 1;
        } else if (tag == SW_REC_VALUE || tag == SW_REC_SET) {
            uint32_t sid = sw_rd_u32(&r), t = sw_rd_u32(&r);
            double a = sw_rd_f64(&r), b = 0, c = 0, d = 0;
            if (tag == SW_REC_SET) b = sw_rd_f64(&r), c = sw_rd_f64(&r), d = sw_rd_f64(&r);
            if (r.bad || sid >= ns + SW_MAX_GAP) return -1;
            if (apply) {
                sw_lost_series_upto(m, sid + 1);
                if (tag == SW_REC_VALUE) sw_series_add_value(&m->series[sid], t, a);
                else sw_series_add_set(&m->series[sid], t, a, b, c, d);
                m->samples++;
                m->head_samples++;
            }
            if ((size_t)sid + 1 > ns) ns = (size_t)sid + 1;
        } else return -1;
    }
    return r.bad ? -1 : 0;
}

/* Replays one record, all or nothing: a record with any inconsistency (ids out of order, bad lengths) is
 * refused before any of its entries is applied, so a damaged record never leaves half of itself behind. */
static int sw_replay(const uint8_t *payload, size_t len, void *arg) {
    sw_metrics *m = arg;
    return sw_replay_pass(m, payload, len, 0) ? -1 : sw_replay_pass(m, payload, len, 1);
}

static void sw_metrics_fix_last_t(sw_metrics *m) {
    for (size_t i = 0; i < m->nmetrics; i++) {
        sw_metric *mt = m->metrics[i];
        for (size_t j = 0; j < mt->nseries; j++) {
            sw_series *s = &m->series[mt->series[j]];
            for (size_t k = 0; k < s->nblocks; k++)
                if (s->blocks[k].n && s->blocks[k].tmax > mt->last_t) mt->last_t = s->blocks[k].tmax;
            for (size_t k = 0; k < s->nsets; k++)
                if (s->sets[k].t > mt->last_t) mt->last_t = s->sets[k].t;
        }
    }
}

/* ---------- block files ---------- */

/* Decode buffers for one block (a query or a flush borrows one; they are kept for reuse). */
typedef struct sw_scratch {
    struct sw_scratch *next;
    uint32_t t[SW_TS_MAX_BLOCK], t2[SW_TS_MAX_BLOCK];
    double v[SW_TS_MAX_BLOCK], sum[SW_TS_MAX_BLOCK], min[SW_TS_MAX_BLOCK], max[SW_TS_MAX_BLOCK];
    double qv[2 * SW_QS_MAX_BINS + 1], qw[2 * SW_QS_MAX_BINS + 1];
    sw_qsketch q;
} sw_scratch;

static sw_scratch *sw_scratch_get(sw_metrics *m) {
    pthread_mutex_lock(&m->scratch_lock);
    sw_scratch *s = m->scratch_free;
    if (s) m->scratch_free = s->next;
    pthread_mutex_unlock(&m->scratch_lock);
    if (!s) {
        s = sw_malloc(sizeof *s);
        sw_qs_init(&s->q);
    }
    return s;
}

static void sw_scratch_put(sw_metrics *m, sw_scratch *s) {
    if (!s) return;
    pthread_mutex_lock(&m->scratch_lock);
    s->next = m->scratch_free;
    m->scratch_free = s;
    pthread_mutex_unlock(&m->scratch_lock);
}

/* ---------- decoded-block cache ---------- */

/* Raw-value blocks decoded by queries, kept (least recently used out) so the next query over the same data
 * (a dashboard's refresh, an alarm's next evaluation) neither decompresses nor decodes it again. Entries are
 * keyed by file and offset; a rewrite drops its input files' entries before unmapping them. A reader pins an
 * entry while it aggregates from it, so eviction never frees arrays in use. */
#define SW_CACHE_BYTES (64u << 20)
typedef struct sw_cblock {
    const sw_mb_file *f;
    uint64_t off;
    uint32_t n, pins;
    uint32_t *t;
    double *v;
    struct sw_cblock *prev, *next, *hnext; /* LRU list (head = newest), hash chain */
} sw_cblock;

typedef struct sw_bcache {
    pthread_mutex_t lock;
    sw_cblock **table;
    size_t tcap, bytes, entries;
    sw_cblock *head, *tail;
    uint64_t hits, misses;
} sw_bcache;

static size_t sw_cb_hash(const sw_bcache *c, const sw_mb_file *f, uint64_t off) {
    return (size_t)(((uintptr_t)f * 0x9E3779B97F4A7C15ull) ^ (off * 0xC2B2AE3D27D4EB4Full)) & (c->tcap - 1);
}

static void sw_cb_unlink(sw_bcache *c, sw_cblock *e) {
    if (e->prev) e->prev->next = e->next; else c->head = e->next;
    if (e->next) e->next->prev = e->prev; else c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void sw_cb_push(sw_bcache *c, sw_cblock *e) {
    e->prev = NULL, e->next = c->head;
    if (c->head) c->head->prev = e; else c->tail = e;
    c->head = e;
}

static void sw_cb_remove(sw_bcache *c, sw_cblock *e) {
    sw_cblock **pp = &c->table[sw_cb_hash(c, e->f, e->off)];
    while (*pp != e) pp = &(*pp)->hnext;
    *pp = e->hnext;
    sw_cb_unlink(c, e);
    c->bytes -= (size_t)e->n * 12;
    c->entries--;
    sw_free(e->t);
    sw_free(e->v);
    sw_free(e);
}

/* A pinned entry for the block, or NULL (a miss: the caller decodes and may offer it with sw_cb_put). */
static sw_cblock *sw_cb_get(sw_bcache *c, const sw_mb_file *f, uint64_t off) {
    pthread_mutex_lock(&c->lock);
    sw_cblock *e = c->tcap ? c->table[sw_cb_hash(c, f, off)] : NULL;
    while (e && (e->f != f || e->off != off)) e = e->hnext;
    if (e) {
        e->pins++;
        sw_cb_unlink(c, e);
        sw_cb_push(c, e);
        c->hits++;
    } else c->misses++;
    pthread_mutex_unlock(&c->lock);
    return e;
}

static void sw_cb_unpin(sw_bcache *c, sw_cblock *e) {
    pthread_mutex_lock(&c->lock);
    e->pins--;
    pthread_mutex_unlock(&c->lock);
}

/* Copies a decoded block in, evicting the least recently used unpinned entries past the budget. */
static void sw_cb_put(sw_bcache *c, const sw_mb_file *f, uint64_t off, const uint32_t *t, const double *v, uint32_t n) {
    size_t bytes = (size_t)n * 12;
    if (bytes > SW_CACHE_BYTES / 8) return;
    sw_cblock *e = sw_calloc(1, sizeof *e);
    e->f = f, e->off = off, e->n = n;
    e->t = sw_malloc((size_t)n * sizeof *t);
    e->v = sw_malloc((size_t)n * sizeof *v);
    memcpy(e->t, t, (size_t)n * sizeof *t);
    memcpy(e->v, v, (size_t)n * sizeof *v);
    pthread_mutex_lock(&c->lock);
    if (!c->tcap) {
        c->tcap = 16384;
        c->table = sw_calloc(c->tcap, sizeof *c->table);
    }
    sw_cblock *x = c->table[sw_cb_hash(c, f, off)];
    while (x && (x->f != f || x->off != off)) x = x->hnext;
    if (x) { /* another query put it first */
        pthread_mutex_unlock(&c->lock);
        sw_free(e->t), sw_free(e->v), sw_free(e);
        return;
    }
    for (sw_cblock *y = c->tail; y && c->bytes + bytes > SW_CACHE_BYTES;) {
        sw_cblock *prev = y->prev;
        if (!y->pins) sw_cb_remove(c, y);
        y = prev;
    }
    size_t h = sw_cb_hash(c, f, off);
    e->hnext = c->table[h];
    c->table[h] = e;
    sw_cb_push(c, e);
    c->bytes += bytes;
    c->entries++;
    pthread_mutex_unlock(&c->lock);
}

/* Drops every entry of file f (before it is unmapped; no query can reach it any more). */
static void sw_cb_drop_file(sw_bcache *c, const sw_mb_file *f) {
    pthread_mutex_lock(&c->lock);
    for (sw_cblock *e = c->head; e;) {
        sw_cblock *next = e->next;
        if (e->f == f) sw_cb_remove(c, e);
        e = next;
    }
    pthread_mutex_unlock(&c->lock);
}

static void sw_cb_free(sw_bcache *c) {
    while (c->head) sw_cb_remove(c, c->head);
    sw_free(c->table);
    pthread_mutex_destroy(&c->lock);
}

/* The samples of a time-ordered run with start <= t < end: the range [*lo, *hi) of it. */
static void sw_sorted_range(const uint32_t *t, size_t n, int64_t start, int64_t end, size_t *lo, size_t *hi) {
    size_t a = 0, b = n;
    while (a < b) { size_t mid = (a + b) / 2; if ((int64_t)t[mid] < start) a = mid + 1; else b = mid; }
    *lo = a;
    b = n;
    while (a < b) { size_t mid = (a + b) / 2; if ((int64_t)t[mid] < end) a = mid + 1; else b = mid; }
    *hi = a;
}

static void sw_series_add_ref(sw_series *s, const sw_mb_file *f, const sw_mb_entry *e) {
    if (s->nrefs == s->rcap) {
        s->rcap = s->rcap ? s->rcap * 2 : 4;
        s->refs = sw_realloc(s->refs, s->rcap * sizeof *s->refs);
    }
    s->refs[s->nrefs++] = (sw_dref){f, e->off, e->len, e->n, e->tmin, e->tmax, e->kind};
}

static void sw_wal_path(const sw_metrics *m, uint64_t gen, char *out, size_t outlen) {
    if (gen) snprintf(out, outlen, "%s/metrics.wal.%llu", m->dir, (unsigned long long)gen);
    else snprintf(out, outlen, "%s/metrics.wal", m->dir);
}

/* A covered log kept for reuse by the next seal (no data: removed at open and at close). */
static void sw_wal_spare_path(const sw_metrics *m, char *out, size_t outlen) {
    snprintf(out, outlen, "%s/metrics.wal.spare", m->dir);
}

/* The catalog of a block file (format in metrics_disk.h), built under the write lock. */
static void sw_catalog_build(sw_metrics *m, sw_buf *b) {
    sw_buf_reset(b);
    uint32_t n = (uint32_t)m->nmetrics;
    sw_buf_append(b, &n, 4);
    for (size_t i = 0; i < m->nmetrics; i++) {
        const sw_metric *mt = m->metrics[i];
        uint32_t kl = (uint32_t)mt->keylen;
        sw_buf_append(b, &kl, 4);
        sw_buf_append(b, mt->key, mt->keylen);
        sw_buf_append(b, &mt->last_t, 4);
    }
    n = (uint32_t)m->nseries;
    sw_buf_append(b, &n, 4);
    for (size_t i = 0; i < m->nseries; i++) {
        const sw_series *s = &m->series[i];
        uint8_t ul = (uint8_t)strlen(s->unit);
        sw_buf_append(b, &s->owner, 4);
        sw_buf_putc(b, (char)ul);
        sw_buf_append(b, s->unit, ul);
    }
}

/* Rebuilds metrics and series from a catalog into an empty engine. -1 (and the engine left empty of
 * nothing it cannot hold) when the bytes are inconsistent: the caller then tries an older catalog. */
static int sw_catalog_load(sw_metrics *m, const uint8_t *p, size_t len) {
    sw_reader r = {p, p + len, 0};
    uint32_t nm = sw_rd_u32(&r);
    if (r.bad || nm > len / 8) return -1;
    for (uint32_t i = 0; i < nm; i++) {
        uint32_t kl = sw_rd_u32(&r);
        const char *key = sw_rd_bytes(&r, kl);
        uint32_t last = sw_rd_u32(&r);
        if (r.bad) return -1;
        if (kl == 4 && !memcmp(key, "\0\0\0\0", 4)) {
            sw_lost_metrics_upto(m, m->nmetrics + 1);
        } else {
            if (kl < 8 || !sw_key_valid(key, kl)) return -1;
            sw_metric_create(m, key, kl);
        }
        m->metrics[m->nmetrics - 1]->last_t = last;
    }
    uint32_t ns = sw_rd_u32(&r);
    if (r.bad || ns > len / 5) return -1;
    for (uint32_t i = 0; i < ns; i++) {
        uint32_t owner = sw_rd_u32(&r);
        if (r.bad || r.p >= r.end) return -1;
        uint8_t ul = *r.p++;
        const char *u = sw_rd_bytes(&r, ul);
        if (r.bad || ul > 63 || owner > m->nmetrics) return -1;
        char unit[64];
        memcpy(unit, u, ul);
        unit[ul] = '\0';
        if (owner == 0) sw_lost_series_upto(m, (uint32_t)m->nseries + 1);
        else sw_series_create(m, m->metrics[owner - 1], unit);
    }
    return r.p == r.end ? 0 : -1;
}

static void sw_metrics_add_file(sw_metrics *m, sw_mb_file *f) {
    if (m->nfiles == m->fcap) {
        m->fcap = m->fcap ? m->fcap * 2 : 16;
        m->files = sw_realloc(m->files, m->fcap * sizeof *m->files);
    }
    m->files[m->nfiles++] = f;
    for (uint32_t i = 0; i < f->nentries; i++) {
        sw_mb_entry e;
        sw_mb_entry_at(f, i, &e);
        /* Series only ever get new numbers, and the newest catalog names every series any file refers to:
         * an entry past it is damage (no placeholders are made for it). */
        if (e.series >= m->nseries) { m->damaged_blocks++; continue; }
        sw_series_add_ref(&m->series[e.series], f, &e);
    }
}

/* One series' sealed samples gathered for the writer, then put in time order (sw_mb_sort). */
typedef struct sw_flush_buf {
    uint32_t *t;
    double *c[4];
    size_t cap;
    sw_mb_sortbuf sb;
} sw_flush_buf;

static void sw_flush_buf_reserve(sw_flush_buf *fb, size_t n) {
    if (n <= fb->cap) return;
    fb->cap = n * 2;
    fb->t = sw_realloc(fb->t, fb->cap * sizeof *fb->t);
    for (int k = 0; k < 4; k++) fb->c[k] = sw_realloc(fb->c[k], fb->cap * sizeof(double));
}

static void sw_flush_buf_free(sw_flush_buf *fb) {
    sw_free(fb->t);
    for (int k = 0; k < 4; k++) sw_free(fb->c[k]);
    sw_mb_sortbuf_free(&fb->sb);
}

/* One series' sealed head, as the seal left it: the writer reads these copies, never m->series, which a put
 * adding a series may move meanwhile. */
typedef struct sw_sealed {
    const sw_block *fblocks;
    size_t nfblocks;
    const sw_set_sample *fsets;
    size_t nfsets;
} sw_sealed;

/* Writes one series' sealed samples. */
static int sw_flush_series(sw_mb_writer *w, uint32_t sid, const sw_sealed *s, sw_flush_buf *fb) {
    size_t n = 0;
    for (size_t k = 0; k < s->nfblocks; k++) n += s->fblocks[k].n;
    if (n) {
        sw_flush_buf_reserve(fb, n);
        n = 0;
        for (size_t k = 0; k < s->nfblocks; k++) {
            memcpy(fb->t + n, s->fblocks[k].t, s->fblocks[k].n * sizeof *fb->t);
            memcpy(fb->c[0] + n, s->fblocks[k].v, s->fblocks[k].n * sizeof(double));
            n += s->fblocks[k].n;
        }
        sw_mb_sort(&fb->sb, fb->t, fb->c, 1, n);
        if (sw_mb_add_values(w, sid, fb->t, fb->c[0], n)) return -1;
    }
    if (s->nfsets) {
        n = s->nfsets;
        sw_flush_buf_reserve(fb, n);
        for (size_t k = 0; k < n; k++) {
            const sw_set_sample *x = &s->fsets[k];
            fb->t[k] = x->t, fb->c[0][k] = x->count, fb->c[1][k] = x->sum, fb->c[2][k] = x->min, fb->c[3][k] = x->max;
        }
        sw_mb_sort(&fb->sb, fb->t, fb->c, 4, n);
        if (sw_mb_add_sets(w, sid, fb->t, fb->c[0], fb->c[1], fb->c[2], fb->c[3], n)) return -1;
    }
    return 0;
}

static void sw_series_free_sealed(sw_series *s) {
    for (size_t k = 0; k < s->nfblocks; k++) { sw_free(s->fblocks[k].t); sw_free(s->fblocks[k].v); }
    sw_free(s->fblocks);
    sw_free(s->fsets);
    s->fblocks = NULL, s->fsets = NULL;
    s->nfblocks = s->nfsets = 0;
}

/* Puts sealed samples back in the head after a failed write, so they are kept (and written next time). */
static void sw_series_unseal(sw_series *s) {
    for (size_t k = 0; k < s->nfblocks; k++) {
        for (uint32_t i = 0; i < s->fblocks[k].n; i++) sw_series_add_value(s, s->fblocks[k].t[i], s->fblocks[k].v[i]);
    }
    for (size_t k = 0; k < s->nfsets; k++) {
        const sw_set_sample *x = &s->fsets[k];
        sw_series_add_set(s, x->t, x->count, x->sum, x->min, x->max);
    }
    sw_series_free_sealed(s);
}

int sw_metrics_flush(sw_metrics *m) {
    pthread_mutex_lock(&m->flush_lock);
    sw_buf catalog;
    sw_buf_init(&catalog);
    pthread_rwlock_wrlock(&m->lock);
    if (m->head_samples == 0 && !m->pending_lo) {
        pthread_rwlock_unlock(&m->lock);
        pthread_mutex_unlock(&m->flush_lock);
        sw_buf_free(&catalog);
        return 0;
    }
    /* Seal: the head becomes read-only, the log moves to its generation's name, and a new log starts. */
    uint64_t gen = m->next_gen, lo = m->pending_lo ? m->pending_lo : gen;
    char live[4200], sealed[4200], spare[4200];
    sw_wal_path(m, 0, live, sizeof live);
    sw_wal_path(m, gen, sealed, sizeof sealed);
    sw_wal_spare_path(m, spare, sizeof spare);
    if (sw_wal_rotate(m->wal, live, sealed, m->dir, spare)) {
        pthread_rwlock_unlock(&m->lock);
        pthread_mutex_unlock(&m->flush_lock);
        sw_buf_free(&catalog);
        return -1;
    }
    m->next_gen++;
    m->pending_lo = lo;
    size_t nseries = m->nseries;
    uint64_t sealed_samples = m->head_samples;
    sw_sealed *seal = sw_calloc(nseries ? nseries : 1, sizeof *seal);
    for (size_t i = 0; i < nseries; i++) {
        sw_series *s = &m->series[i];
        s->fblocks = s->blocks, s->nfblocks = s->nblocks;
        s->fsets = s->sets, s->nfsets = s->nsets;
        s->blocks = NULL, s->sets = NULL;
        s->nblocks = s->bcap = s->nsets = s->scap = 0;
        seal[i] = (sw_sealed){s->fblocks, s->nfblocks, s->fsets, s->nfsets};
    }
    m->head_samples = 0;
    m->last_flush_ms = sw_clock_now_ms();
    sw_catalog_build(m, &catalog);
    pthread_rwlock_unlock(&m->lock);

    /* Write: the sealed blocks are read-only now, so this runs beside puts and queries. */
    int64_t t0 = sw_clock_real_ms();
    sw_mb_writer w;
    sw_flush_buf fb = {0};
    int rc = sw_mb_begin(&w, m->dir, lo, gen, 0);
    for (size_t i = 0; rc == 0 && i < nseries; i++) rc = sw_flush_series(&w, (uint32_t)i, &seal[i], &fb);
    sw_free(seal);
    if (rc == 0) rc = sw_mb_finish(&w, catalog.data, catalog.len);
    else sw_mb_abort(&w);
    sw_flush_buf_free(&fb);
    sw_buf_free(&catalog);
    sw_mb_file *f = NULL;
    char path[4200], name[64], why[256] = "";
    sw_mb_name(name, sizeof name, lo, gen, 0);
    snprintf(path, sizeof path, "%s/%s", m->dir, name);
    if (rc == 0 && !(f = sw_mb_open(path, why, sizeof why))) rc = -1;

    pthread_rwlock_wrlock(&m->lock);
    for (size_t i = 0; i < nseries; i++) {
        if (rc == 0) sw_series_free_sealed(&m->series[i]);
        else sw_series_unseal(&m->series[i]);
    }
    if (rc == 0) {
        sw_metrics_add_file(m, f);
        m->covered = gen;
        m->pending_lo = 0;
        m->flushes++;
    } else {
        m->head_samples += sealed_samples;
    }
    pthread_rwlock_unlock(&m->lock);
    /* The sealed head's blocks are freed: give the memory back to the system rather than keep it in the
     * allocator's arenas (one per writing thread), so RSS follows the head. */
    malloc_trim(0);
    if (rc == 0) {
        /* The file holds every sample of generations lo..gen: their logs can go. The newest is kept as the
         * spare the next seal's log is made from (sw_wal_rotate): its pages are still in the page cache. */
        for (uint64_t g = lo; g <= gen; g++) {
            sw_wal_path(m, g, sealed, sizeof sealed);
            if (g < gen || rename(sealed, spare)) unlink(sealed);
        }
        sw_log("info", "metrics: head written to a block file", "\"file\":\"%s\",\"samples\":%llu,\"ms\":%lld", name,
               (unsigned long long)f->samples, (long long)(sw_clock_real_ms() - t0));
    } else {
        sw_log("error", "metrics: could not write a block file; the samples stay in the head and their logs are kept",
               "\"file\":\"%s\",\"errno\":%d,\"reason\":\"%s\"", name, errno, why);
    }
    pthread_mutex_unlock(&m->flush_lock);
    return rc;
}

/* ---------- rewrites: merging, roll-ups, retention ---------- */

#define SW_DAY 86400
#define SW_SMALL_FILE (64u << 20) /* older rewritten files below this join the next rewrite */

typedef struct sw_file_info {
    sw_mb_file *f;
    int64_t tmax;
    int due;              /* holds data past its series' cut-offs */
} sw_file_info;

#define SW_NS_POLICIES 32 /* namespaces with their own retention, besides the default */

static int sw_file_info_cmp(const void *a, const void *b) {
    uint64_t x = ((const sw_file_info *)a)->f->lo, y = ((const sw_file_info *)b)->f->lo;
    return (x > y) - (x < y);
}

static int sw_spans_damage(const sw_metrics *m, uint64_t lo, uint64_t hi) {
    for (size_t i = 0; i < m->nbad; i++)
        if (m->bad[i][0] <= hi && lo <= m->bad[i][1]) return 1;
    return 0;
}

int sw_metrics_set_namespace_retention(sw_metrics *m, const char *ns, int raw_days, int r300_days, int r3600_days) {
    pthread_rwlock_wrlock(&m->lock);
    size_t i = 0;
    while (i < m->nns && strcmp(m->ns_name[i], ns)) i++;
    int rc = -1;
    if (i < SW_NS_POLICIES) {
        if (i == m->nns) snprintf(m->ns_name[m->nns++], sizeof m->ns_name[0], "%s", ns);
        m->ns_keep[i][0] = (int64_t)raw_days * SW_DAY;
        m->ns_keep[i][1] = (int64_t)r300_days * SW_DAY;
        m->ns_keep[i][2] = (int64_t)r3600_days * SW_DAY;
        rc = 0;
    }
    pthread_rwlock_unlock(&m->lock);
    return rc;
}

void sw_metrics_set_retention(sw_metrics *m, int raw_days, int r300_days, int r3600_days) {
    pthread_rwlock_wrlock(&m->lock);
    m->keep_raw_s = (int64_t)raw_days * SW_DAY;
    m->keep_300_s = (int64_t)r300_days * SW_DAY;
    m->keep_3600_s = (int64_t)r3600_days * SW_DAY;
    pthread_rwlock_unlock(&m->lock);
}

/* The cut-offs at engine time now (seconds) of the retention keep[3], each on a day boundary so a day's data moves
 * in one rewrite. */
static void sw_policy_at(const int64_t keep[3], int64_t now, sw_mc_policy *pol) {
    pol->raw_before = (now - keep[0]) / SW_DAY * SW_DAY;
    pol->r300_before = (now - keep[1]) / SW_DAY * SW_DAY;
    pol->drop_before = (now - keep[2]) / SW_DAY * SW_DAY;
    if (pol->r300_before > pol->raw_before) pol->r300_before = pol->raw_before;
    if (pol->drop_before > pol->r300_before) pol->drop_before = pol->r300_before;
}

/* pols[0] the default, pols[1 + i] namespace i's; spol[s] the policy of series s (by its metric's namespace). */
static uint8_t *sw_policies_at(const sw_metrics *m, int64_t now, sw_mc_policy *pols) {
    int64_t def[3] = {m->keep_raw_s, m->keep_300_s, m->keep_3600_s};
    sw_policy_at(def, now, &pols[0]);
    for (size_t i = 0; i < m->nns; i++) sw_policy_at(m->ns_keep[i], now, &pols[1 + i]);
    uint8_t *spol = sw_calloc(m->nseries ? m->nseries : 1, 1);
    for (size_t s = 0; m->nns && s < m->nseries; s++) {
        uint32_t owner = m->series[s].owner;
        if (!owner) continue;
        const char *ns = m->metrics[owner - 1]->id.ns;
        for (size_t i = 0; i < m->nns; i++)
            if (!strcmp(ns, m->ns_name[i])) { spol[s] = (uint8_t)(1 + i); break; }
    }
    return spol;
}

/* Chooses the next rewrite, if any: the run of files (consecutive in generation order, never across a damaged
 * file) from the first to the last that holds data past a cut-off, widened backwards over small rewritten
 * files; or else the head files (version 0) whose samples all lie in past days, two or more, with the small
 * rewritten file before them. Returns the number of files chosen into out (0: nothing to do). */
static size_t sw_plan(sw_metrics *m, const sw_mc_policy *pols, const uint8_t *spol, int64_t today, sw_mb_file **out) {
    size_t n = m->nfiles;
    if (n == 0) return 0;
    sw_file_info *fi = sw_calloc(n, sizeof *fi);
    for (size_t i = 0; i < n; i++) {
        sw_file_info *x = &fi[i];
        x->f = m->files[i];
        for (uint32_t k = 0; k < x->f->nentries; k++) {
            sw_mb_entry e;
            sw_mb_entry_at(x->f, k, &e);
            if ((int64_t)e.tmax > x->tmax) x->tmax = e.tmax;
            const sw_mc_policy *pol = &pols[e.series < m->nseries ? spol[e.series] : 0];
            if ((e.period == 0 && e.tmin < pol->raw_before) || (e.period == 300 && e.tmin < pol->r300_before) ||
                e.tmin < pol->drop_before)
                x->due = 1;
        }
    }
    qsort(fi, n, sizeof *fi, sw_file_info_cmp);
    size_t first = n, last = 0;
    for (size_t i = 0; i < n; i++) {
        const sw_file_info *x = &fi[i];
        if (x->due) {
            if (first == n) first = i;
            last = i;
        }
    }
    if (first == n) {
        /* No cut-off passed: merge the finished days' head files. */
        for (size_t i = 0; i < n; i++) {
            if (fi[i].f->version != 0 || fi[i].tmax >= today) continue;
            size_t j = i;
            while (j + 1 < n && fi[j + 1].f->version == 0 && fi[j + 1].tmax < today) j++;
            if (j > i) { first = i, last = j; break; }
            i = j;
        }
    }
    size_t count = 0;
    if (first < n) {
        uint64_t size = 0;
        while (first > 0 && fi[first - 1].f->version > 0 && fi[first - 1].f->size < SW_SMALL_FILE &&
               size + fi[first - 1].f->size < SW_SMALL_FILE) {
            size += fi[first - 1].f->size;
            first--;
        }
        for (size_t i = first; i <= last; i++) out[count++] = fi[i].f;
        if (sw_spans_damage(m, out[0]->lo, out[count - 1]->hi) || (count == 1 && !fi[first].due)) count = 0;
    }
    sw_free(fi);
    return count;
}

static int sw_metrics_compact_locked(sw_metrics *m);

int sw_metrics_compact(sw_metrics *m) {
    pthread_mutex_lock(&m->compact_lock);
    int rc = sw_metrics_compact_locked(m);
    pthread_mutex_unlock(&m->compact_lock);
    return rc;
}

static int sw_metrics_compact_locked(sw_metrics *m) {
    int64_t now = sw_clock_now_ms() / 1000;
    sw_mc_policy pols[1 + SW_NS_POLICIES];
    pthread_rwlock_rdlock(&m->lock);
    uint8_t *spol = sw_policies_at(m, now, pols);
    size_t nspol = m->nseries;
    sw_mb_file **in = sw_calloc(m->nfiles ? m->nfiles : 1, sizeof *in);
    size_t n = sw_plan(m, pols, spol, now / SW_DAY * SW_DAY, in);
    uint32_t version = 0;
    for (size_t i = 0; i < n; i++)
        if (in[i]->version > version) version = in[i]->version;
    pthread_rwlock_unlock(&m->lock);
    if (n == 0) { sw_free(in); sw_free(spol); return 0; }
    /* Only a rewrite removes files (one at a time), so the inputs stay mapped while it reads them unlocked. */
    int64_t t0 = sw_clock_real_ms();
    sw_mc_result res;
    char path[4200], why[256] = "";
    sw_mb_file *out = NULL;
    int rc = sw_mc_compact_each(m->dir, in, n, version + 1, pols, spol, nspol, &res);
    sw_free(spol);
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/%s", m->dir, res.name);
        if (!(out = sw_mb_open(path, why, sizeof why))) { unlink(path); rc = -1; }
    }
    if (rc) {
        m->compact_failures++;
        sw_log("error", "metrics: a rewrite of block files failed; they stay as they are", "\"files\":%zu,\"reason\":\"%s\"",
               n, why);
        sw_free(in);
        return -1;
    }
    pthread_rwlock_wrlock(&m->lock);
    for (size_t i = 0; i < m->nseries; i++) {
        sw_series *s = &m->series[i];
        size_t k = 0;
        for (size_t j = 0; j < s->nrefs; j++) {
            int gone = 0;
            for (size_t q = 0; q < n && !gone; q++) gone = s->refs[j].f == in[q];
            if (!gone) s->refs[k++] = s->refs[j];
        }
        s->nrefs = k;
    }
    size_t k = 0;
    for (size_t j = 0; j < m->nfiles; j++) {
        int gone = 0;
        for (size_t q = 0; q < n && !gone; q++) gone = m->files[j] == in[q];
        if (!gone) m->files[k++] = m->files[j];
    }
    m->nfiles = k;
    for (size_t i = 0; i < n; i++) sw_cb_drop_file(m->cache, in[i]);
    sw_metrics_add_file(m, out);
    m->samples = m->samples - res.samples_in + res.samples_out;
    m->compactions++;
    pthread_rwlock_unlock(&m->lock);
    /* The output replaces the inputs (a start after a stop here removes them: see sw_mb_obsolete). */
    for (size_t i = 0; i < n; i++) {
        unlink(in[i]->path);
        sw_mb_close(in[i]);
    }
    sw_free(in);
    sw_log("info", "metrics: block files rewritten", "\"file\":\"%s\",\"inputs\":%zu,\"samples_in\":%llu,\"samples_out\":%llu,"
           "\"rolled_up\":%llu,\"merged_rollups\":%llu,\"dropped\":%llu,\"ms\":%lld", res.name, n,
           (unsigned long long)res.samples_in, (unsigned long long)res.samples_out, (unsigned long long)res.raw_rolled,
           (unsigned long long)res.rollups_merged, (unsigned long long)res.dropped, (long long)(sw_clock_real_ms() - t0));
    return 1;
}

/* The background thread: seals the head when it is large or old (on the injectable clock), and rewrites block
 * files as their data ages. */
static void *sw_metrics_bg(void *arg) {
    sw_metrics *m = arg;
    pthread_mutex_lock(&m->bg_lock);
    while (!m->bg_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&m->bg_cv, &m->bg_lock, &ts);
        if (m->bg_stop) break;
        pthread_mutex_unlock(&m->bg_lock);
        pthread_rwlock_rdlock(&m->lock);
        int due = m->pending_lo || m->head_samples >= m->flush_samples ||
                  (m->head_samples && sw_clock_now_ms() - m->last_flush_ms >= m->flush_interval_ms);
        pthread_rwlock_unlock(&m->lock);
        if (due) sw_metrics_flush(m);
        /* One rewrite per tick at most, and none after a failure until the next tick. */
        sw_metrics_compact(m);
        pthread_mutex_lock(&m->bg_lock);
    }
    pthread_mutex_unlock(&m->bg_lock);
    return NULL;
}

typedef struct { uint64_t gen; char name[256]; } sw_gen_file;
static int sw_gen_cmp(const void *a, const void *b) {
    uint64_t x = ((const sw_gen_file *)a)->gen, y = ((const sw_gen_file *)b)->gen;
    return (x > y) - (x < y);
}

typedef struct { uint64_t lo, hi; uint32_t version; char name[256]; } sw_mb_name_t;
static int sw_mb_hi_cmp(const void *a, const void *b) {
    const sw_mb_name_t *x = a, *y = b;
    if (x->hi != y->hi) return (x->hi > y->hi) - (x->hi < y->hi);
    if (x->lo != y->lo) return (x->lo < y->lo) - (x->lo > y->lo);
    return (x->version > y->version) - (x->version < y->version);
}

/* 1 when file a's generations are inside b's and b replaced it: a rewrite's input left behind by a stop
 * between the rewrite's rename and the removal of its inputs. */
static int sw_mb_obsolete(const sw_mb_name_t *a, const sw_mb_name_t *b) {
    if (b->lo > a->lo || a->hi > b->hi) return 0;
    return b->lo != a->lo || b->hi != a->hi || b->version > a->version;
}

/* Loads the block files of dir: the newest intact catalog names metrics and series, every intact file adds
 * its blocks. Files another file covers (a finished compaction's inputs) are removed; damaged files are
 * reported and left in place for fsck and the operator, their samples unserved. */
static int sw_metrics_load_files(sw_metrics *m, sw_gen_file **sealed, size_t *nsealed) {
    DIR *d = opendir(m->dir);
    if (!d) return -1;
    sw_mb_name_t *names = NULL;
    size_t nn = 0, cap = 0, ns = 0, scap = 0;
    struct dirent *e;
    char path[4200];
    while ((e = readdir(d))) {
        uint64_t lo, hi;
        uint32_t version;
        const char *dot;
        if (sw_mb_parse_name(e->d_name, &lo, &hi, &version) == 0) {
            if (nn == cap) names = sw_realloc(names, (cap = cap ? cap * 2 : 16) * sizeof *names);
            names[nn].lo = lo, names[nn].hi = hi, names[nn].version = version;
            snprintf(names[nn++].name, sizeof names->name, "%s", e->d_name);
        } else if ((!strncmp(e->d_name, "mb-", 3) && (dot = strrchr(e->d_name, '.')) && !strcmp(dot, ".tmp")) ||
                   !strcmp(e->d_name, "metrics.wal.spare")) {
            snprintf(path, sizeof path, "%s/%s", m->dir, e->d_name);
            unlink(path); /* a write that never finished (its logs are still there), or a spare log */
        } else if (!strncmp(e->d_name, "metrics.wal.", 12) && e->d_name[12] >= '1' && e->d_name[12] <= '9' &&
                   strspn(e->d_name + 12, "0123456789") == strlen(e->d_name + 12) && strlen(e->d_name + 12) < 20) {
            if (ns == scap) *sealed = sw_realloc(*sealed, (scap = scap ? scap * 2 : 8) * sizeof **sealed);
            (*sealed)[ns].gen = strtoull(e->d_name + 12, NULL, 10);
            snprintf((*sealed)[ns++].name, sizeof (*sealed)->name, "%s", e->d_name);
        }
    }
    closedir(d);
    if (ns) qsort(*sealed, ns, sizeof **sealed, sw_gen_cmp);
    *nsealed = ns;
    if (nn) qsort(names, nn, sizeof *names, sw_mb_hi_cmp);
    /* Every file is opened first; then a file inside an intact file's range is a rewrite's input left behind
     * and goes. A damaged rewrite output never costs its inputs: they stay and are served. */
    sw_mb_file **open_files = sw_calloc(nn ? nn : 1, sizeof *open_files);
    for (size_t i = 0; i < nn; i++) {
        snprintf(path, sizeof path, "%s/%s", m->dir, names[i].name);
        if (names[i].hi > m->covered) m->covered = names[i].hi;
        char why[256];
        open_files[i] = sw_mb_open(path, why, sizeof why);
        if (!open_files[i])
            sw_log("error", "metrics: a block file is damaged; its samples are not served (run skywatch fsck)",
                   "\"file\":\"%s\",\"reason\":\"%s\"", names[i].name, why);
    }
    for (size_t i = 0; i < nn; i++) {
        int covered = 0;
        for (size_t j = 0; j < nn && !covered; j++) covered = j != i && open_files[j] && sw_mb_obsolete(&names[i], &names[j]);
        if (covered) {
            snprintf(path, sizeof path, "%s/%s", m->dir, names[i].name);
            unlink(path);
            sw_mb_close(open_files[i]);
            open_files[i] = NULL;
        } else if (!open_files[i]) {
            m->damaged_files++;
            m->bad = sw_realloc(m->bad, (m->nbad + 1) * sizeof *m->bad);
            m->bad[m->nbad][0] = names[i].lo, m->bad[m->nbad++][1] = names[i].hi;
        }
    }
    /* The catalog: the newest intact one. */
    sw_buf cat;
    sw_buf_init(&cat);
    for (size_t i = nn; i-- > 0;) {
        if (!open_files[i]) continue;
        if (sw_mb_catalog(open_files[i], &cat) == 0 && sw_catalog_load(m, (const uint8_t *)cat.data, cat.len) == 0) break;
        sw_log("error", "metrics: a block file's catalog is unreadable; an older one is used",
               "\"file\":\"%s\"", open_files[i]->name);
        /* Start again from nothing for the next candidate. */
        for (size_t k = 0; k < m->nmetrics; k++) {
            sw_free(m->metrics[k]->key); sw_free(m->metrics[k]->dims); sw_free(m->metrics[k]->series); sw_free(m->metrics[k]);
        }
        for (size_t k = 0; k < m->nseries; k++) sw_free(m->series[k].unit);
        m->nmetrics = m->nseries = 0;
        if (m->table) memset(m->table, 0, m->tcap * sizeof *m->table);
        if (m->lost) { sw_free(m->lost->key); sw_free(m->lost->dims); sw_free(m->lost->series); sw_free(m->lost); m->lost = NULL; }
    }
    sw_buf_free(&cat);
    for (size_t i = 0; i < nn; i++)
        if (open_files[i]) {
            sw_metrics_add_file(m, open_files[i]);
            m->samples += open_files[i]->samples;
        }
    sw_free(open_files);
    sw_free(names);
    return 0;
}

sw_metrics *sw_metrics_open(const char *dir, char *err, size_t errlen) {
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) { snprintf(err, errlen, "%s: %s", dir, strerror(errno)); return NULL; }
    sw_metrics *m = sw_calloc(1, sizeof *m);
    pthread_rwlock_init(&m->lock, NULL);
    pthread_mutex_init(&m->flush_lock, NULL);
    pthread_mutex_init(&m->compact_lock, NULL);
    pthread_mutex_init(&m->bg_lock, NULL);
    pthread_mutex_init(&m->scratch_lock, NULL);
    pthread_cond_init(&m->bg_cv, NULL);
    sw_buf_init(&m->rec);
    m->dir = sw_strdup(dir);
    m->cache = sw_calloc(1, sizeof *m->cache);
    pthread_mutex_init(&m->cache->lock, NULL);
    m->flush_samples = SW_FLUSH_SAMPLES;
    m->flush_interval_ms = SW_FLUSH_INTERVAL_MS;
    m->keep_raw_s = 15 * SW_DAY, m->keep_300_s = 63 * SW_DAY, m->keep_3600_s = 455 * SW_DAY;
    const char *fs = getenv("SKYWATCH_METRICS_FLUSH_SAMPLES"); /* tests and benchmarks: seal sooner */
    if (fs && atol(fs) > 0) m->flush_samples = (size_t)atol(fs);
    FILE *ur = fopen("/dev/urandom", "rb");
    if (!ur || fread(&m->seed, sizeof m->seed, 1, ur) != 1) m->seed = 0x5EED5EED5EEDULL;
    if (ur) fclose(ur);
    sw_gen_file *sealed = NULL;
    size_t nsealed = 0;
    if (sw_metrics_load_files(m, &sealed, &nsealed)) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        sw_free(sealed);
        sw_metrics_close(m);
        return NULL;
    }
    /* Sealed logs: those a block file covers are done with; the others are replayed in order. */
    char path[4200];
    uint64_t maxgen = m->covered;
    for (size_t i = 0; i < nsealed; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, sealed[i].name);
        if (sealed[i].gen > maxgen) maxgen = sealed[i].gen;
        if (sealed[i].gen <= m->covered) { unlink(path); continue; }
        sw_wal *w = sw_wal_open(path, sw_replay, m, err, errlen);
        if (!w) { sw_free(sealed); sw_metrics_close(m); return NULL; }
        sw_wal_close(w);
        if (!m->pending_lo) m->pending_lo = sealed[i].gen;
    }
    sw_free(sealed);
    m->next_gen = maxgen + 1;
    sw_wal_path(m, 0, path, sizeof path);
    m->wal = sw_wal_open(path, sw_replay, m, err, errlen);
    if (!m->wal) { sw_metrics_close(m); return NULL; }
    sw_metrics_fix_last_t(m);
    if (m->lost_records_metrics || m->lost)
        sw_log("error", "metrics: a damaged log record or block file took metric definitions with it; the rest is served",
               "\"lost_metrics\":%zu,\"lost_series\":%zu", m->lost_records_metrics, m->lost ? m->lost->nseries : (size_t)0);
    m->last_flush_ms = sw_clock_now_ms();
    m->bg_running = pthread_create(&m->bg, NULL, sw_metrics_bg, m) == 0;
    return m;
}

void sw_metrics_close(sw_metrics *m) {
    if (!m) return;
    if (m->bg_running) {
        pthread_mutex_lock(&m->bg_lock);
        m->bg_stop = 1;
        pthread_cond_signal(&m->bg_cv);
        pthread_mutex_unlock(&m->bg_lock);
        pthread_join(m->bg, NULL);
        /* A clean stop writes the head out, so the next start reads block indexes instead of a log. */
        if (m->wal && m->head_samples) sw_metrics_flush(m);
    }
    if (m->wal) sw_wal_close(m->wal);
    char spare[4200];
    sw_wal_spare_path(m, spare, sizeof spare);
    unlink(spare);
    for (size_t i = 0; i < m->nmetrics; i++) {
        sw_free(m->metrics[i]->key);
        sw_free(m->metrics[i]->dims);
        sw_free(m->metrics[i]->series);
        sw_free(m->metrics[i]);
    }
    if (m->lost) {
        sw_free(m->lost->key);
        sw_free(m->lost->dims);
        sw_free(m->lost->series);
        sw_free(m->lost);
    }
    for (size_t i = 0; i < m->nseries; i++) {
        sw_series *s = &m->series[i];
        for (size_t k = 0; k < s->nblocks; k++) { sw_free(s->blocks[k].t); sw_free(s->blocks[k].v); }
        sw_free(s->blocks);
        sw_free(s->sets);
        sw_series_free_sealed(s);
        sw_free(s->refs);
        sw_free(s->unit);
    }
    if (m->cache) {
        sw_cb_free(m->cache);
        sw_free(m->cache);
    }
    for (size_t i = 0; i < m->nfiles; i++) sw_mb_close(m->files[i]);
    sw_free(m->files);
    while (m->scratch_free) {
        sw_scratch *s = m->scratch_free;
        m->scratch_free = s->next;
        sw_qs_free(&s->q);
        sw_free(s);
    }
    sw_free(m->series);
    sw_free(m->metrics);
    sw_free(m->table);
    sw_free(m->dir);
    sw_free(m->bad);
    sw_buf_free(&m->rec);
    pthread_rwlock_destroy(&m->lock);
    pthread_mutex_destroy(&m->flush_lock);
    pthread_mutex_destroy(&m->compact_lock);
    pthread_mutex_destroy(&m->bg_lock);
    pthread_mutex_destroy(&m->scratch_lock);
    pthread_cond_destroy(&m->bg_cv);
    sw_free(m);
}

/* ---------- queries ---------- */

/* The buckets of one query: a dense array when the range has few periods, else a hash table keyed
 * by period index, so memory follows the samples present, never the width of the requested range. */
#define SW_DENSE_SLOTS 65536
typedef struct sw_slots {
    int64_t start;
    int period;
    size_t nslots;
    sw_bucket *b;     /* dense: nslots entries; sparse: cap entries */
    int64_t *keys;    /* sparse only: period index per entry, -1 = empty */
    size_t cap, used;
} sw_slots;

static void sw_slots_init(sw_slots *s, int64_t start, int period, size_t nslots) {
    memset(s, 0, sizeof *s);
    s->start = start;
    s->period = period;
    s->nslots = nslots;
    if (nslots <= SW_DENSE_SLOTS) {
        s->b = sw_calloc(nslots ? nslots : 1, sizeof *s->b);
        for (size_t i = 0; i < nslots; i++) s->b[i].start = start + (int64_t)i * period;
    }
}

static void sw_slots_grow(sw_slots *s) {
    size_t ncap = s->cap ? s->cap * 2 : 64;
    sw_bucket *nb = sw_calloc(ncap, sizeof *nb);
    int64_t *nk = sw_malloc(ncap * sizeof *nk);
    for (size_t i = 0; i < ncap; i++) nk[i] = -1;
    for (size_t i = 0; i < s->cap; i++) {
        if (s->keys[i] < 0) continue;
        size_t j = (size_t)s->keys[i] * 0x9E3779B97F4A7C15ULL & (ncap - 1);
        while (nk[j] >= 0) j = (j + 1) & (ncap - 1);
        nk[j] = s->keys[i];
        nb[j] = s->b[i];
    }
    sw_free(s->b);
    sw_free(s->keys);
    s->b = nb;
    s->keys = nk;
    s->cap = ncap;
}

static sw_bucket *sw_bucket_at(sw_slots *s, uint32_t t) {
    int64_t idx = ((int64_t)t - s->start) / s->period;
    if (s->nslots <= SW_DENSE_SLOTS) return &s->b[idx];
    if ((s->used + 1) * 2 > s->cap) sw_slots_grow(s);
    size_t j = (size_t)idx * 0x9E3779B97F4A7C15ULL & (s->cap - 1);
    while (s->keys[j] >= 0 && s->keys[j] != idx) j = (j + 1) & (s->cap - 1);
    if (s->keys[j] < 0) {
        s->keys[j] = idx;
        s->b[j].start = s->start + idx * s->period;
        s->used++;
    }
    return &s->b[j];
}

static void sw_bucket_add(sw_bucket *b, double count, double sum, double min, double max) {
    if (b->count == 0) { b->min = min; b->max = max; b->exact = 1; }
    else { if (min < b->min) b->min = min; if (max > b->max) b->max = max; }
    b->count += count;
    b->sum += sum;
}

static void sw_bucket_keep(sw_bucket *b, double v, double w) {
    if (b->nvalues == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->values = sw_realloc(b->values, b->cap * sizeof *b->values);
        b->weights = sw_realloc(b->weights, b->cap * sizeof *b->weights);
    }
    b->values[b->nvalues] = v;
    b->weights[b->nvalues++] = w;
}

static void sw_values_aggregate(const uint32_t *t, const double *v, size_t n, int64_t start, int64_t end,
                                int with_values, sw_slots *slots) {
    if (!with_values && slots->nslots <= SW_DENSE_SLOTS) {
        /* Dense buckets, no raw values kept: runs of samples in one period (a block is in time order) are summed
         * in registers and added once, without a division per sample. */
        size_t i = 0;
        while (i < n) {
            if (t[i] < start || t[i] >= end) { i++; continue; }
            int64_t idx = ((int64_t)t[i] - start) / slots->period;
            int64_t hi = start + (idx + 1) * slots->period;
            if (hi > end) hi = end;
            int64_t lo = start + idx * slots->period;
            double sum = 0, mn = v[i], mx = v[i], cnt = 0;
            for (; i < n && t[i] >= lo && t[i] < hi; i++) {
                sum += v[i], cnt += 1;
                mn = v[i] < mn ? v[i] : mn;
                mx = v[i] > mx ? v[i] : mx;
            }
            sw_bucket *bk = &slots->b[idx];
            int fresh = bk->count == 0;
            sw_bucket_add(bk, cnt, sum, mn, mx);
            if (fresh) bk->exact = 1;
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (t[i] < start || t[i] >= end) continue;
        sw_bucket *bk = sw_bucket_at(slots, t[i]);
        int fresh = bk->count == 0;
        sw_bucket_add(bk, 1, v[i], v[i], v[i]);
        if (fresh) bk->exact = 1;
        if (with_values) sw_bucket_keep(bk, v[i], 1);
    }
}

static void sw_set_aggregate(const sw_set_sample *x, int with_values, sw_slots *slots) {
    sw_bucket *bk = sw_bucket_at(slots, x->t);
    int fresh = bk->count == 0;
    sw_bucket_add(bk, x->count, x->sum, x->min, x->max);
    if (fresh) bk->exact = 1;
    /* Percentiles over a statistic set are known only when every value in it is the same
     * (AWS: "Min and Max are equal, and Sum is equal to Min multiplied by SampleCount"). */
    if (x->min == x->max && x->sum == x->min * x->count) {
        if (with_values) sw_bucket_keep(bk, x->min, x->count);
    } else bk->exact = 0;
}

/* A roll-up block: exact count/sum/min/max per period, and the sketch's weighted values for percentiles (a
 * period without a sketch makes them unavailable, as a statistic set does). -1 when the block is damaged. */
static int sw_rollup_aggregate(const sw_dref *r, sw_scratch *x, int64_t start, int64_t end, int with_values,
                               sw_slots *slots) {
    const uint8_t *sk, *skend;
    size_t sklen;
    long n = sw_mb_decode_rollups(r->f->map + r->off, r->len, x->t, x->v, x->sum, x->min, x->max, x->t2, &sk, &sklen);
    if (n != (long)r->n) return -1;
    skend = sk + sklen;
    for (long i = 0; i < n; i++) {
        uint64_t l = 0;
        if (with_values && (sw_varint_get(&sk, skend, &l) || l > (uint64_t)(skend - sk))) return -1;
        if (x->t[i] < start || x->t[i] >= end) { sk += l; continue; }
        sw_bucket *bk = sw_bucket_at(slots, x->t[i]);
        int fresh = bk->count == 0;
        sw_bucket_add(bk, x->v[i], x->sum[i], x->min[i], x->max[i]);
        if (fresh) bk->exact = 1;
        if (!with_values) continue;
        if (l == 0) { bk->exact = 0; continue; }
        sw_qs_free(&x->q); /* sw_qs_decode overwrites without freeing */
        if (sw_qs_decode(sk, (size_t)l, &x->q) != (long)l) return -1;
        sk += l;
        size_t k = sw_qs_values(&x->q, x->qv, x->qw, sizeof x->qv / sizeof *x->qv);
        if (k > sizeof x->qv / sizeof *x->qv) return -1;
        for (size_t j = 0; j < k; j++) sw_bucket_keep(bk, x->qv[j], x->qw[j]);
    }
    return 0;
}

static void sw_ref_damaged(sw_metrics *m, const sw_dref *r) {
    __atomic_add_fetch(&m->damaged_blocks, 1, __ATOMIC_RELAXED);
    sw_log("error", "metrics: a damaged block was skipped (run skywatch fsck)", "\"file\":\"%s\",\"offset\":%llu",
           r->f->name, (unsigned long long)r->off);
}

/* Blocks on disk: decoded into a borrowed scratch (a damaged block is counted and skipped). */
static void sw_refs_aggregate(sw_metrics *m, const sw_series *s, int64_t start, int64_t end, int with_values,
                              sw_slots *slots, sw_scratch **sc) {
    for (size_t k = 0; k < s->nrefs; k++) {
        const sw_dref *r = &s->refs[k];
        if (r->tmax < start || r->tmin >= end) continue;
        if (!*sc) *sc = sw_scratch_get(m);
        sw_scratch *x = *sc;
        const uint8_t *p = r->f->map + r->off;
        if (r->kind == SW_MB_VALUES) {
            /* Blocks on disk are in time order: only the samples of the range are visited. */
            size_t lo, hi;
            sw_cblock *cb = sw_cb_get(m->cache, r->f, r->off);
            if (cb) {
                sw_sorted_range(cb->t, cb->n, start, end, &lo, &hi);
                sw_values_aggregate(cb->t + lo, cb->v + lo, hi - lo, start, end, with_values, slots);
                sw_cb_unpin(m->cache, cb);
                continue;
            }
            long n = sw_mb_decode_values(p, r->len, x->t, x->v);
            if (n != (long)r->n) { sw_ref_damaged(m, r); continue; }
            sw_cb_put(m->cache, r->f, r->off, x->t, x->v, (uint32_t)n);
            sw_sorted_range(x->t, (size_t)n, start, end, &lo, &hi);
            sw_values_aggregate(x->t + lo, x->v + lo, hi - lo, start, end, with_values, slots);
        } else if (r->kind == SW_MB_SETS) {
            long n = sw_mb_decode_sets(p, r->len, x->t, x->v, x->sum, x->min, x->max, x->t2);
            if (n != (long)r->n) { sw_ref_damaged(m, r); continue; }
            for (long i = 0; i < n; i++) {
                if (x->t[i] < start || x->t[i] >= end) continue;
                sw_set_sample ss = {x->t[i], x->v[i], x->sum[i], x->min[i], x->max[i]};
                sw_set_aggregate(&ss, with_values, slots);
            }
        } else if (sw_rollup_aggregate(r, x, start, end, with_values, slots)) sw_ref_damaged(m, r);
    }
}

static void sw_head_aggregate(const sw_block *blocks, size_t nblocks, const sw_set_sample *sets, size_t nsets,
                              int64_t start, int64_t end, int with_values, sw_slots *slots) {
    for (size_t k = 0; k < nblocks; k++) {
        const sw_block *b = &blocks[k];
        if (b->n && b->tmax >= start && b->tmin < end) sw_values_aggregate(b->t, b->v, b->n, start, end, with_values, slots);
    }
    for (size_t k = 0; k < nsets; k++)
        if (sets[k].t >= start && sets[k].t < end) sw_set_aggregate(&sets[k], with_values, slots);
}

/* Fills one unit's buckets from a series (disk blocks, sealed head, head); slots has one entry per period. */
static void sw_series_aggregate(sw_metrics *m, const sw_series *s, int64_t start, int64_t end, int with_values,
                                sw_slots *slots, sw_scratch **sc) {
    sw_refs_aggregate(m, s, start, end, with_values, slots, sc);
    sw_head_aggregate(s->fblocks, s->nfblocks, s->fsets, s->nfsets, start, end, with_values, slots);
    sw_head_aggregate(s->blocks, s->nblocks, s->sets, s->nsets, start, end, with_values, slots);
}

static int sw_bucket_start_cmp(const void *a, const void *b) {
    int64_t x = ((const sw_bucket *)a)->start, y = ((const sw_bucket *)b)->start;
    return (x > y) - (x < y);
}

/* Moves the non-empty buckets into r in time order and releases the slots. */
static void sw_collect_buckets(sw_slots *slots, sw_series_result *r) {
    size_t total = slots->nslots <= SW_DENSE_SLOTS ? slots->nslots : slots->cap, n = 0;
    for (size_t i = 0; i < total; i++) n += slots->b[i].count > 0;
    r->buckets = sw_calloc(n ? n : 1, sizeof *r->buckets);
    for (size_t i = 0; i < total; i++)
        if (slots->b[i].count > 0) r->buckets[r->nbuckets++] = slots->b[i];
    if (slots->nslots > SW_DENSE_SLOTS) qsort(r->buckets, r->nbuckets, sizeof *r->buckets, sw_bucket_start_cmp);
    sw_free(slots->b);
    sw_free(slots->keys);
}

int sw_metrics_query(sw_metrics *m, const sw_metric_id *id, const char *unit, int64_t start, int64_t end,
                     int period, int with_values, sw_query_result *out) {
    memset(out, 0, sizeof *out);
    if (period <= 0 || end <= start) return 0;
    size_t nslots = (size_t)((end - start + period - 1) / period);
    sw_key_memo memo = {0};
    sw_key_parts kp;
    sw_key_parts_of(id, m->seed, &memo, &kp);
    sw_scratch *sc = NULL;
    pthread_rwlock_rdlock(&m->lock);
    sw_metric *mt = sw_table_find(m, &kp);
    if (mt && mt->nseries) {
        out->units = sw_calloc(mt->nseries, sizeof *out->units);
        for (size_t j = 0; j < mt->nseries; j++) {
            const sw_series *s = &m->series[mt->series[j]];
            if (unit && strcmp(unit, s->unit) != 0) continue;
            sw_slots slots;
            sw_slots_init(&slots, start, period, nslots);
            sw_series_aggregate(m, s, start, end, with_values, &slots, &sc);
            sw_series_result *r = &out->units[out->nunits++];
            snprintf(r->unit, sizeof r->unit, "%s", s->unit);
            sw_collect_buckets(&slots, r);
        }
    }
    pthread_rwlock_unlock(&m->lock);
    sw_scratch_put(m, sc);
    return 0;
}

void sw_query_result_free(sw_query_result *r) {
    for (size_t u = 0; u < r->nunits; u++) {
        for (size_t i = 0; i < r->units[u].nbuckets; i++) {
            sw_free(r->units[u].buckets[i].values);
            sw_free(r->units[u].buckets[i].weights);
        }
        sw_free(r->units[u].buckets);
    }
    sw_free(r->units);
    memset(r, 0, sizeof *r);
}

static int sw_metric_matches(const sw_metric *mt, const sw_list_filter *f) {
    if (strcmp(mt->id.account, f->account) || strcmp(mt->id.region, f->region)) return 0;
    if (f->ns && strcmp(mt->id.ns, f->ns)) return 0;
    if (f->name && strcmp(mt->id.name, f->name)) return 0;
    if ((int64_t)mt->last_t < f->active_since) return 0;
    for (size_t i = 0; i < f->ndims; i++) {
        int found = 0;
        for (size_t j = 0; j < mt->id.ndims && !found; j++)
            found = strcmp(mt->id.dims[j].name, f->dims[i].name) == 0 &&
                    (!f->dims[i].value || strcmp(mt->id.dims[j].value, f->dims[i].value) == 0);
        if (!found) return 0;
    }
    return 1;
}

size_t sw_metrics_list(sw_metrics *m, const sw_list_filter *f, uint64_t after, size_t limit, sw_metric_fn fn,
                       void *arg, uint64_t *next) {
    size_t count = 0;
    *next = 0;
    pthread_rwlock_rdlock(&m->lock);
    for (size_t i = after; i < m->nmetrics; i++) {
        const sw_metric *mt = m->metrics[i];
        if (!sw_metric_matches(mt, f)) continue;
        if (count == limit) { *next = i; break; }
        fn(&mt->id, arg);
        count++;
    }
    pthread_rwlock_unlock(&m->lock);
    return count;
}

void sw_metrics_get_stats(sw_metrics *m, sw_metrics_stats *s) {
    pthread_rwlock_rdlock(&m->lock);
    s->metrics = m->nmetrics;
    s->series = m->nseries;
    s->samples = m->samples;
    s->wal_bytes = sw_wal_size(m->wal);
    s->replayed_records = sw_wal_replayed(m->wal);
    s->head_samples = m->head_samples;
    s->block_files = m->nfiles;
    s->flushes = m->flushes;
    s->compactions = m->compactions;
    pthread_mutex_lock(&m->cache->lock);
    s->cache_hits = m->cache->hits, s->cache_misses = m->cache->misses, s->cache_bytes = m->cache->bytes;
    pthread_mutex_unlock(&m->cache->lock);
    s->damaged_files = m->damaged_files;
    s->damaged_blocks = __atomic_load_n(&m->damaged_blocks, __ATOMIC_RELAXED);
    pthread_rwlock_unlock(&m->lock);
}
