/* metrics.c -- metric index (hash table over identity keys), per-unit series of samples in growing
 * blocks (12 bytes per plain sample), and the write-ahead log records that rebuild them. */
#include "metrics.h"
#include "alloc.h"
#include "buf.h"
#include "hash.h"
#include "log.h"
#include "wal.h"
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SW_BLOCK_MAX 256

/* Log record entries (one record per put, so a put is atomic on replay). */
enum { SW_REC_METRIC = 'M', SW_REC_SERIES = 'U', SW_REC_VALUE = 'V', SW_REC_SET = 'A' };
#define SW_REC_SAMPLE_MAX 41 /* a set entry: tag, series, time, 4 doubles (a value entry is 17 bytes) */

typedef struct sw_block {
    uint32_t n, cap, tmin, tmax;
    uint32_t *t;
    double *v;
} sw_block;

typedef struct sw_set_sample { uint32_t t; double count, sum, min, max; } sw_set_sample;

typedef struct sw_series {
    char *unit;
    sw_block *blocks;
    size_t nblocks, bcap;
    sw_set_sample *sets;
    size_t nsets, scap;
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

/* The account/region/namespace of the previous datum of one put, with their lengths and hash state:
 * every datum of a request shares them. */
typedef struct sw_key_prefix { const char *account, *region, *ns; size_t len[3]; uint64_t hash; } sw_key_prefix;

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

/* Takes id apart and hashes it (the hash of the same identity is the same whatever the dimension
 * order); pre caches the shared first three parts across calls with the same strings. */
static void sw_key_parts_of(const sw_metric_id *id, uint64_t seed, sw_key_prefix *pre, sw_key_parts *kp) {
    if (pre->account != id->account || pre->region != id->region || pre->ns != id->ns) {
        const char *first[3] = {id->account, id->region, id->ns};
        pre->account = id->account, pre->region = id->region, pre->ns = id->ns;
        pre->hash = seed;
        for (int i = 0; i < 3; i++) {
            pre->len[i] = strlen(first[i]);
            pre->hash = sw_hash64(first[i], pre->len[i], pre->hash);
        }
    }
    kp->s[0] = id->account, kp->s[1] = id->region, kp->s[2] = id->ns, kp->s[3] = id->name;
    kp->len[0] = pre->len[0], kp->len[1] = pre->len[1], kp->len[2] = pre->len[2], kp->len[3] = strlen(id->name);
    uint64_t h = sw_hash64(id->name, kp->len[3], pre->hash);
    size_t total = kp->len[0] + kp->len[1] + kp->len[2] + kp->len[3] + 4;
    /* Insertion sort by name: at most 30 dimensions, and clients usually send them in the same order. */
    size_t n = id->ndims < SW_KEY_DIMS ? id->ndims : SW_KEY_DIMS;
    const sw_dim *sorted[SW_KEY_DIMS];
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && sw_name_cmp(sorted[j - 1]->name, id->dims[i].name) > 0) { sorted[j] = sorted[j - 1]; j--; }
        sorted[j] = &id->dims[i];
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = 4 + 2 * i;
        kp->s[k] = sorted[i]->name, kp->s[k + 1] = sorted[i]->value;
        kp->len[k] = strlen(sorted[i]->name), kp->len[k + 1] = strlen(sorted[i]->value);
        h = sw_hash64(kp->s[k + 1], kp->len[k + 1], sw_hash64(kp->s[k], kp->len[k], h));
        total += kp->len[k] + kp->len[k + 1] + 2;
    }
    kp->n = 4 + 2 * n;
    kp->total = total;
    kp->hash = h;
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
    sw_key_prefix pre = {0};
    sw_key_parts kp;
    sw_key_parts_of(&mt->id, m->seed, &pre, &kp);
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
    mt->series = sw_realloc(mt->series, (mt->nseries + 1) * sizeof *mt->series);
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

/* Applies one datum (write lock held), appending its log entries to m->rec. */
static void sw_apply(sw_metrics *m, const sw_datum *d, sw_key_prefix *pre, sw_buf *keybuf) {
    sw_key_parts kp;
    sw_key_parts_of(&d->id, m->seed, pre, &kp);
    sw_metric *mt = sw_table_find(m, &kp);
    if (!mt) {
        sw_key_parts_write(&kp, keybuf);
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
}

int sw_metrics_put(sw_metrics *m, const sw_datum *d, size_t n) {
    sw_buf key;
    sw_key_prefix pre = {0};
    sw_buf_init(&key);
    pthread_rwlock_wrlock(&m->lock);
    sw_buf_reset(&m->rec);
    for (size_t i = 0; i < n; i++) sw_apply(m, &d[i], &pre, &key);
    uint64_t lsn = sw_wal_append(m->wal, m->rec.data, m->rec.len);
    pthread_rwlock_unlock(&m->lock);
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
    if (!m->lost) {
        m->lost = sw_calloc(1, sizeof *m->lost);
        m->lost->key = sw_calloc(1, 4);
        m->lost->keylen = 4;
        sw_metric_parse_key(m->lost);
    }
    while (m->nseries < sid) sw_series_create(m, m->lost, "");
}

/* Replays one record; any inconsistency (ids out of order, bad lengths) marks the record damaged. */
static int sw_replay(const uint8_t *payload, size_t len, void *arg) {
    sw_metrics *m = arg;
    sw_reader r = {payload, payload + len, 0};
    while (r.p < r.end && !r.bad) {
        uint8_t tag = *r.p++;
        if (tag == SW_REC_METRIC) {
            uint32_t seq = sw_rd_u32(&r), klen = sw_rd_u32(&r);
            const char *key = sw_rd_bytes(&r, klen);
            if (r.bad || seq <= m->nmetrics || seq - m->nmetrics > SW_MAX_GAP || klen < 8 || key[klen - 1] != '\0') return -1;
            sw_lost_metrics_upto(m, seq - 1);
            sw_metric_create(m, key, klen);
        } else if (tag == SW_REC_SERIES) {
            uint32_t sid = sw_rd_u32(&r), seq = sw_rd_u32(&r), ulen = sw_rd_u32(&r);
            const char *unit = sw_rd_bytes(&r, ulen);
            if (r.bad || sid < m->nseries || sid - m->nseries > SW_MAX_GAP || seq < 1 || seq > m->nmetrics + SW_MAX_GAP || ulen > 63)
                return -1;
            sw_lost_metrics_upto(m, seq);
            sw_lost_series_upto(m, sid);
            char u[64];
            memcpy(u, unit, ulen);
            u[ulen] = '\0';
            sw_series_create(m, m->metrics[seq - 1], u);
        } else if (tag == SW_REC_VALUE || tag == SW_REC_SET) {
            uint32_t sid = sw_rd_u32(&r), t = sw_rd_u32(&r);
            double a = sw_rd_f64(&r);
            if (r.bad || sid >= m->nseries + SW_MAX_GAP) return -1;
            sw_lost_series_upto(m, sid + 1);
            if (tag == SW_REC_VALUE) {
                sw_series_add_value(&m->series[sid], t, a);
            } else {
                double b = sw_rd_f64(&r), c = sw_rd_f64(&r), d = sw_rd_f64(&r);
                if (r.bad) return -1;
                sw_series_add_set(&m->series[sid], t, a, b, c, d);
            }
            m->samples++;
        } else return -1;
    }
    if (r.bad) return -1;
    /* Recompute last_t lazily: cheap enough to do per record for the touched metrics at list time. */
    return 0;
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

sw_metrics *sw_metrics_open(const char *dir, char *err, size_t errlen) {
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) { snprintf(err, errlen, "%s: %s", dir, strerror(errno)); return NULL; }
    sw_metrics *m = sw_calloc(1, sizeof *m);
    pthread_rwlock_init(&m->lock, NULL);
    sw_buf_init(&m->rec);
    FILE *ur = fopen("/dev/urandom", "rb");
    if (!ur || fread(&m->seed, sizeof m->seed, 1, ur) != 1) m->seed = 0x5EED5EED5EEDULL;
    if (ur) fclose(ur);
    char path[4096];
    snprintf(path, sizeof path, "%s/metrics.wal", dir);
    m->wal = sw_wal_open(path, sw_replay, m, err, errlen);
    if (!m->wal) { sw_metrics_close(m); return NULL; }
    sw_metrics_fix_last_t(m);
    if (m->lost_records_metrics || m->lost)
        sw_log("error", "metrics: a damaged log record took metric definitions with it; the rest is served",
               "\"lost_metrics\":%zu,\"lost_series\":%zu", m->lost_records_metrics, m->lost ? m->lost->nseries : (size_t)0);
    return m;
}

void sw_metrics_close(sw_metrics *m) {
    if (!m) return;
    if (m->wal) sw_wal_close(m->wal);
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
        sw_free(s->unit);
    }
    sw_free(m->series);
    sw_free(m->metrics);
    sw_free(m->table);
    sw_buf_free(&m->rec);
    pthread_rwlock_destroy(&m->lock);
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

/* Fills one unit's buckets from a series; slots has one entry per period of the range. */
static void sw_series_aggregate(const sw_series *s, int64_t start, int64_t end, int with_values, sw_slots *slots) {
    for (size_t k = 0; k < s->nblocks; k++) {
        const sw_block *b = &s->blocks[k];
        if (!b->n || b->tmax < start || b->tmin >= end) continue;
        for (uint32_t i = 0; i < b->n; i++) {
            uint32_t t = b->t[i];
            if (t < start || t >= end) continue;
            sw_bucket *bk = sw_bucket_at(slots, t);
            int fresh = bk->count == 0;
            sw_bucket_add(bk, 1, b->v[i], b->v[i], b->v[i]);
            if (fresh) bk->exact = 1;
            if (with_values) sw_bucket_keep(bk, b->v[i], 1);
        }
    }
    for (size_t k = 0; k < s->nsets; k++) {
        const sw_set_sample *x = &s->sets[k];
        if (x->t < start || x->t >= end) continue;
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
    sw_key_prefix pre = {0};
    sw_key_parts kp;
    sw_key_parts_of(id, m->seed, &pre, &kp);
    pthread_rwlock_rdlock(&m->lock);
    sw_metric *mt = sw_table_find(m, &kp);
    if (mt && mt->nseries) {
        out->units = sw_calloc(mt->nseries, sizeof *out->units);
        for (size_t j = 0; j < mt->nseries; j++) {
            const sw_series *s = &m->series[mt->series[j]];
            if (unit && strcmp(unit, s->unit) != 0) continue;
            sw_slots slots;
            sw_slots_init(&slots, start, period, nslots);
            sw_series_aggregate(s, start, end, with_values, &slots);
            sw_series_result *r = &out->units[out->nunits++];
            snprintf(r->unit, sizeof r->unit, "%s", s->unit);
            sw_collect_buckets(&slots, r);
        }
    }
    pthread_rwlock_unlock(&m->lock);
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
    pthread_rwlock_unlock(&m->lock);
}
