/* logstore.c -- the log store's catalog: accounts, regions, log groups, streams, tags and metric filters,
 * kept in memory and made durable by a metadata log (dir/meta.wal, the same sw_wal as the metrics engine),
 * compacted into a snapshot at open when it has grown. Events live in logstore_data.c / logstore_seg.c. */
#include "alloc.h"
#include "hash.h"
#include "log.h"
#include "logstore_int.h"
#include "fileio.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Metadata records: u8 type, then u64 / i64 little-endian and strings as u32 length + bytes. */
enum { M_NEXT_ID = 1, M_GROUP, M_GROUP_DEL, M_RETENTION, M_TAG, M_TAG_DEL, M_MF, M_MF_DEL, M_STREAM, M_STREAM_DEL };

/* ---------- record encoding ---------- */

static void rec_u64(sw_buf *b, uint64_t v) {
    uint8_t p[8];
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
    sw_buf_append(b, p, 8);
}
static void rec_bytes(sw_buf *b, const void *p, size_t n) {
    uint8_t l[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    sw_buf_append(b, l, 4);
    sw_buf_append(b, p, n);
}
static void rec_str(sw_buf *b, const char *s) { rec_bytes(b, s, strlen(s)); }

typedef struct rec_reader { const uint8_t *p, *end; int bad; } rec_reader;
static uint64_t rd_u64(rec_reader *r) {
    if (r->end - r->p < 8) { r->bad = 1; return 0; }
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)r->p[i] << (8 * i);
    r->p += 8;
    return v;
}
/* Returns a NUL-terminated copy (caller frees) and its length. */
static char *rd_bytes(rec_reader *r, size_t *len) {
    if (r->end - r->p < 4) { r->bad = 1; return NULL; }
    size_t n = (size_t)r->p[0] | (size_t)r->p[1] << 8 | (size_t)r->p[2] << 16 | (size_t)r->p[3] << 24;
    r->p += 4;
    if ((size_t)(r->end - r->p) < n) { r->bad = 1; return NULL; }
    char *s = sw_strndup((const char *)r->p, n);
    r->p += n;
    if (len) *len = n;
    return s;
}

/* ---------- in-memory tables ---------- */

static int group_cmp(const char *acct, const char *region, const char *name, const ls_group *g) {
    int c = strcmp(acct, g->account);
    if (!c) c = strcmp(region, g->region);
    return c ? c : strcmp(name, g->name);
}

/* Index of the first group >= (acct, region, name). */
static size_t group_lower_bound(sw_logstore *s, const char *acct, const char *region, const char *name) {
    size_t lo = 0, hi = s->ngroups;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (group_cmp(acct, region, name, s->groups[mid]) > 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

ls_group *ls_group_find(sw_logstore *s, const sw_log_scope *sc, const char *name) {
    size_t i = group_lower_bound(s, sc->account, sc->region, name);
    return i < s->ngroups && group_cmp(sc->account, sc->region, name, s->groups[i]) == 0 ? s->groups[i] : NULL;
}

ls_group *ls_group_acquire(sw_logstore *s, const sw_log_scope *sc, const char *name) {
    pthread_rwlock_rdlock(&s->lock);
    ls_group *g = ls_group_find(s, sc, name);
    if (g) atomic_fetch_add(&g->refs, 1);
    pthread_rwlock_unlock(&s->lock);
    return g;
}

static void kv_free(ls_kv *kv, size_t n) {
    for (size_t i = 0; i < n; i++) sw_free(kv[i].key), sw_free(kv[i].val);
    sw_free(kv);
}

static void group_free(ls_group *g) {
    ls_group_close_data(g);
    for (size_t i = 0; i < g->nstreams; i++) sw_free(g->by_name[i]->name), sw_free(g->by_name[i]);
    sw_free(g->by_name), sw_free(g->by_id);
    kv_free(g->tags, g->ntags);
    kv_free(g->mfs, g->nmfs);
    pthread_rwlock_destroy(&g->lock);
    pthread_cond_destroy(&g->flushed);
    sw_free(g->account), sw_free(g->region), sw_free(g->name), sw_free(g->dir);
    sw_free(g);
}

void ls_group_release(ls_group *g) {
    if (g && atomic_fetch_sub(&g->refs, 1) == 1) group_free(g);
}

static ls_group *group_new(sw_logstore *s, uint64_t id, const char *acct, const char *region, const char *name, int64_t ms) {
    ls_group *g = sw_calloc(1, sizeof *g);
    atomic_init(&g->refs, 1);
    g->id = id;
    g->account = sw_strdup(acct), g->region = sw_strdup(region), g->name = sw_strdup(name);
    g->creation_ms = ms;
    pthread_rwlock_init(&g->lock, NULL);
    pthread_cond_init(&g->flushed, NULL);
    sw_buf p;
    sw_buf_init(&p);
    sw_buf_printf(&p, "%s/groups/%" PRIu64, s->dir, id);
    g->dir = sw_buf_detach(&p, NULL);
    g->next_seq = 1;
    return g;
}

static void group_insert(sw_logstore *s, ls_group *g) {
    size_t i = group_lower_bound(s, g->account, g->region, g->name);
    if (s->ngroups == s->cap_groups) {
        s->cap_groups = s->cap_groups ? s->cap_groups * 2 : 16;
        s->groups = sw_realloc(s->groups, s->cap_groups * sizeof *s->groups);
    }
    memmove(s->groups + i + 1, s->groups + i, (s->ngroups - i) * sizeof *s->groups);
    s->groups[i] = g;
    s->ngroups++;
}

static void group_remove(sw_logstore *s, ls_group *g) {
    size_t i = group_lower_bound(s, g->account, g->region, g->name);
    if (i < s->ngroups && s->groups[i] == g) {
        memmove(s->groups + i, s->groups + i + 1, (s->ngroups - i - 1) * sizeof *s->groups);
        s->ngroups--;
    }
}

static size_t stream_lower_bound(ls_group *g, const char *name) {
    size_t lo = 0, hi = g->nstreams;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(g->by_name[mid]->name, name) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

ls_stream *ls_stream_find(ls_group *g, const char *name) {
    size_t i = stream_lower_bound(g, name);
    return i < g->nstreams && strcmp(g->by_name[i]->name, name) == 0 ? g->by_name[i] : NULL;
}

static size_t stream_id_bound(ls_group *g, uint64_t id) {
    size_t lo = 0, hi = g->nstreams;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g->by_id[mid]->id < id) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

ls_stream *ls_stream_by_id(ls_group *g, uint64_t id) {
    size_t i = stream_id_bound(g, id);
    return i < g->nstreams && g->by_id[i]->id == id ? g->by_id[i] : NULL;
}

static void stream_insert(ls_group *g, ls_stream *st) {
    if (g->nstreams == g->cap_streams) {
        g->cap_streams = g->cap_streams ? g->cap_streams * 2 : 8;
        g->by_name = sw_realloc(g->by_name, g->cap_streams * sizeof *g->by_name);
        g->by_id = sw_realloc(g->by_id, g->cap_streams * sizeof *g->by_id);
    }
    size_t i = stream_lower_bound(g, st->name), k = stream_id_bound(g, st->id);
    memmove(g->by_name + i + 1, g->by_name + i, (g->nstreams - i) * sizeof *g->by_name);
    memmove(g->by_id + k + 1, g->by_id + k, (g->nstreams - k) * sizeof *g->by_id);
    g->by_name[i] = st, g->by_id[k] = st;
    g->nstreams++;
}

static void stream_remove(ls_group *g, ls_stream *st) {
    size_t i = stream_lower_bound(g, st->name), k = stream_id_bound(g, st->id);
    memmove(g->by_name + i, g->by_name + i + 1, (g->nstreams - i - 1) * sizeof *g->by_name);
    memmove(g->by_id + k, g->by_id + k + 1, (g->nstreams - k - 1) * sizeof *g->by_id);
    g->nstreams--;
    sw_free(st->name);
    sw_free(st);
}

static ls_stream *stream_new(uint64_t id, const char *name, int64_t ms) {
    ls_stream *st = sw_calloc(1, sizeof *st);
    st->id = id, st->name = sw_strdup(name), st->creation_ms = ms;
    return st;
}

/* Key-value lists (tags, metric filters) sorted by key. */
static size_t kv_bound(const ls_kv *kv, size_t n, const char *key) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(kv[mid].key, key) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Sets key to a copy of val; returns -ENOSPC when key is new and the list already has max entries. */
static int kv_set(ls_kv **kv, size_t *n, const char *key, const void *val, size_t vlen, size_t max) {
    size_t i = kv_bound(*kv, *n, key);
    if (i < *n && strcmp((*kv)[i].key, key) == 0) {
        sw_free((*kv)[i].val);
    } else {
        if (*n >= max) return -ENOSPC;
        *kv = sw_realloc(*kv, (*n + 1) * sizeof **kv);
        memmove(*kv + i + 1, *kv + i, (*n - i) * sizeof **kv);
        (*n)++;
        (*kv)[i].key = sw_strdup(key);
    }
    (*kv)[i].val = sw_malloc(vlen + 1);
    if (vlen) memcpy((*kv)[i].val, val, vlen);
    (*kv)[i].val[vlen] = 0;
    (*kv)[i].vlen = vlen;
    return 0;
}

static int kv_del(ls_kv *kv, size_t *n, const char *key) {
    size_t i = kv_bound(kv, *n, key);
    if (i >= *n || strcmp(kv[i].key, key) != 0) return -ENOENT;
    sw_free(kv[i].key), sw_free(kv[i].val);
    memmove(kv + i, kv + i + 1, (*n - i - 1) * sizeof *kv);
    (*n)--;
    return 0;
}

/* ---------- replay ---------- */

/* Groups by id while the metadata log is replayed (records name groups by id). */
typedef struct id_table { ls_group **slot; size_t cap; uint64_t seed; } id_table;

static ls_group **id_slot(id_table *t, uint64_t id) {
    size_t i = (size_t)sw_hash64(&id, 8, t->seed) & (t->cap - 1);
    while (t->slot[i] && t->slot[i]->id != id) i = (i + 1) & (t->cap - 1);
    return &t->slot[i];
}

typedef struct replay_ctx { sw_logstore *s; id_table ids; size_t nids; uint64_t records; } replay_ctx;

static void id_put(replay_ctx *r, ls_group *g) {
    if ((r->nids + 1) * 2 > r->ids.cap) {
        id_table old = r->ids;
        r->ids.cap = old.cap ? old.cap * 2 : 64;
        r->ids.slot = sw_calloc(r->ids.cap, sizeof *r->ids.slot);
        for (size_t i = 0; i < old.cap; i++)
            if (old.slot[i]) *id_slot(&r->ids, old.slot[i]->id) = old.slot[i];
        sw_free(old.slot);
    }
    *id_slot(&r->ids, g->id) = g;
    r->nids++;
}

static ls_group *id_get(replay_ctx *r, uint64_t id) {
    if (!r->ids.cap) return NULL;
    ls_group **p = id_slot(&r->ids, id);
    return *p && !(*p)->deleted ? *p : NULL;
}

static void bump_id(sw_logstore *s, uint64_t id) {
    if (id >= s->next_id) s->next_id = id + 1;
}

static int meta_apply_group(replay_ctx *r, int type, rec_reader *rd, uint64_t id) {
    sw_logstore *s = r->s;
    if (type == M_GROUP) {
        char *a = rd_bytes(rd, NULL), *rg = rd_bytes(rd, NULL), *n = rd_bytes(rd, NULL);
        int64_t ms = (int64_t)rd_u64(rd);
        sw_log_scope sc = {a, rg};
        int ok = !rd->bad && !ls_group_find(s, &sc, n);
        if (ok) {
            ls_group *g = group_new(s, id, a, rg, n, ms);
            group_insert(s, g);
            id_put(r, g);
            bump_id(s, id);
        }
        sw_free(a), sw_free(rg), sw_free(n);
        return ok ? 0 : -1;
    }
    ls_group *g = id_get(r, id);
    if (!g) return -1;
    char *k = NULL, *v = NULL;
    size_t vlen = 0;
    int rc = 0;
    switch (type) {
    case M_GROUP_DEL:
        group_remove(s, g);
        g->deleted = 1;  /* stays in the id table (freed at the end of replay) */
        break;
    case M_RETENTION: g->retention_days = (int)rd_u64(rd); break;
    case M_TAG: case M_MF:
        k = rd_bytes(rd, NULL), v = rd_bytes(rd, &vlen);
        if (!rd->bad) kv_set(type == M_TAG ? &g->tags : &g->mfs, type == M_TAG ? &g->ntags : &g->nmfs, k, v, vlen, SIZE_MAX);
        break;
    case M_TAG_DEL: case M_MF_DEL:
        k = rd_bytes(rd, NULL);
        if (!rd->bad) kv_del(type == M_TAG_DEL ? g->tags : g->mfs, type == M_TAG_DEL ? &g->ntags : &g->nmfs, k);
        break;
    case M_STREAM: {
        uint64_t sid = rd_u64(rd);
        k = rd_bytes(rd, NULL);
        int64_t ms = (int64_t)rd_u64(rd);
        if (!rd->bad && !ls_stream_find(g, k)) stream_insert(g, stream_new(sid, k, ms));
        bump_id(s, sid);
        break;
    }
    case M_STREAM_DEL: {
        ls_stream *st = ls_stream_by_id(g, rd_u64(rd));
        if (st) stream_remove(g, st);
        break;
    }
    default: rc = -1;
    }
    sw_free(k), sw_free(v);
    return rd->bad ? -1 : rc;
}

static int meta_replay(const uint8_t *payload, size_t len, void *arg) {
    replay_ctx *r = arg;
    rec_reader rd = {payload + 1, payload + len, 0};
    if (len < 1) return -1;
    r->records++;
    int type = payload[0];
    uint64_t id = rd_u64(&rd);
    if (rd.bad) return -1;
    if (type == M_NEXT_ID) { bump_id(r->s, id - 1); return 0; }
    return meta_apply_group(r, type, &rd, id);
}

/* ---------- the metadata log ---------- */

static void snapshot_group(sw_buf *b, sw_wal *w, const ls_group *g) {
    sw_buf_reset(b);
    sw_buf_put_u8(b, M_GROUP), rec_u64(b, g->id), rec_str(b, g->account), rec_str(b, g->region), rec_str(b, g->name);
    rec_u64(b, (uint64_t)g->creation_ms);
    sw_wal_append(w, b->data, b->len);
    if (g->retention_days) {
        sw_buf_reset(b);
        sw_buf_put_u8(b, M_RETENTION), rec_u64(b, g->id), rec_u64(b, (uint64_t)g->retention_days);
        sw_wal_append(w, b->data, b->len);
    }
    for (int kind = 0; kind < 2; kind++) {
        const ls_kv *kv = kind ? g->mfs : g->tags;
        for (size_t i = 0, n = kind ? g->nmfs : g->ntags; i < n; i++) {
            sw_buf_reset(b);
            sw_buf_put_u8(b, kind ? M_MF : M_TAG), rec_u64(b, g->id), rec_str(b, kv[i].key), rec_bytes(b, kv[i].val, kv[i].vlen);
            sw_wal_append(w, b->data, b->len);
        }
    }
    for (size_t i = 0; i < g->nstreams; i++) {
        const ls_stream *st = g->by_id[i];
        sw_buf_reset(b);
        sw_buf_put_u8(b, M_STREAM), rec_u64(b, g->id), rec_u64(b, st->id), rec_str(b, st->name), rec_u64(b, (uint64_t)st->creation_ms);
        sw_wal_append(w, b->data, b->len);
    }
}

/* Rewrites the metadata log as the current state (temp file, sync, rename), so replay stays short. */
static int meta_compact(sw_logstore *s, const char *path, char *err, size_t errlen) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    unlink(tmp);
    sw_wal *w = sw_wal_open(tmp, NULL, NULL, err, errlen);
    if (!w) return -1;
    sw_buf b;
    sw_buf_init(&b);
    sw_buf_put_u8(&b, M_NEXT_ID), rec_u64(&b, s->next_id);
    uint64_t lsn = sw_wal_append(w, b.data, b.len);
    for (size_t i = 0; i < s->ngroups; i++) snapshot_group(&b, w, s->groups[i]);
    sw_buf_reset(&b);
    sw_buf_put_u8(&b, M_NEXT_ID), rec_u64(&b, s->next_id);
    lsn = sw_wal_append(w, b.data, b.len);
    sw_buf_free(&b);
    int rc = sw_wal_sync(w, lsn);
    sw_wal_close(w);
    if (rc || rename(tmp, path) || sw_fsync_dir(s->dir)) {
        snprintf(err, errlen, "%s: cannot compact the metadata log: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Appends the record in s->metarec (caller holds the store write lock); returns its lsn or 0. */
static uint64_t meta_append(sw_logstore *s) { return sw_wal_append(s->meta, s->metarec.data, s->metarec.len); }

static int meta_sync(sw_logstore *s, uint64_t lsn) { return sw_wal_sync(s->meta, lsn) ? -EIO : 0; }

static void meta_begin(sw_logstore *s, int type, uint64_t id) {
    sw_buf_reset(&s->metarec);
    sw_buf_put_u8(&s->metarec, (uint8_t)type);
    rec_u64(&s->metarec, id);
}

/* ---------- open and close ---------- */

/* Removes dir/groups/<id> directories no live group owns (a crash between creating the directory and
 * logging the group, or between logging a deletion and removing the files). */
static void remove_tree(const char *path) {
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *e;
    char p[4096];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(path);
}

/* Removes the spare write-ahead logs a previous run kept for reuse (logstore_write.c): they hold no data. */
static void remove_spares(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char p[4096];
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, "spare-", 6)) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    closedir(d);
}

static int group_is_live(sw_logstore *s, uint64_t id) {
    for (size_t i = 0; i < s->ngroups; i++)
        if (s->groups[i]->id == id) return 1;
    return 0;
}

static void remove_orphans(sw_logstore *s) {
    char gdir[4096];
    snprintf(gdir, sizeof gdir, "%s/groups", s->dir);
    DIR *d = opendir(gdir);
    if (!d) return;
    struct dirent *e;
    uint64_t *ids = NULL;
    size_t n = 0;
    while ((e = readdir(d))) {
        char *end;
        if (e->d_name[0] == '.') continue;
        uint64_t id = strtoull(e->d_name, &end, 10);
        if (*end) continue;
        ids = sw_realloc(ids, (n + 1) * sizeof *ids);
        ids[n++] = id;
    }
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        if (group_is_live(s, ids[i])) continue;
        char p[4200];
        snprintf(p, sizeof p, "%s/%" PRIu64, gdir, ids[i]);
        sw_log("info", "logstore: removing files of a deleted log group", "\"dir\":\"%s\"", p);
        remove_tree(p);
    }
    sw_free(ids);
}

static sw_logstore *open_fail(sw_logstore *s) {
    sw_logstore_close(s);
    return NULL;
}

sw_logstore *sw_logstore_open(const char *dir, char *err, size_t errlen) {
    sw_logstore *s = sw_calloc(1, sizeof *s);
    s->dir = sw_strdup(dir);
    s->next_id = 1;
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    pthread_mutex_init(&s->fq_lock, NULL);
    pthread_cond_init(&s->fq_cv, NULL);
    pthread_cond_init(&s->fq_done, NULL);
    sw_buf_init(&s->metarec);
    ls_cache_init(s);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    s->read_parallel = cpus < 1 ? 1 : cpus > LS_READ_PARALLEL ? LS_READ_PARALLEL : (size_t)cpus;
    char path[4096];
    snprintf(path, sizeof path, "%s/groups", dir);
    if ((mkdir(dir, 0700) && errno != EEXIST) || (mkdir(path, 0700) && errno != EEXIST)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return open_fail(s);
    }
    remove_spares(dir);
    snprintf(path, sizeof path, "%s/meta.wal", dir);
    replay_ctx r = {s, {NULL, 0, 0x5eed1095u}, 0, 0};
    s->meta = sw_wal_open(path, meta_replay, &r, err, errlen);
    for (size_t i = 0; i < r.ids.cap; i++)
        if (r.ids.slot[i] && r.ids.slot[i]->deleted) ls_group_release(r.ids.slot[i]);
    sw_free(r.ids.slot);
    if (!s->meta) return open_fail(s);
    size_t live = s->ngroups;
    for (size_t i = 0; i < s->ngroups; i++) live += s->groups[i]->nstreams + s->groups[i]->ntags + s->groups[i]->nmfs;
    if (r.records > 2 * live + 1024) {
        sw_wal_close(s->meta);
        s->meta = NULL;
        if (meta_compact(s, path, err, errlen) || !(s->meta = sw_wal_open(path, NULL, NULL, err, errlen))) return open_fail(s);
    }
    remove_orphans(s);
    for (size_t i = 0; i < s->ngroups; i++)
        if (ls_group_load_data(s, s->groups[i])) {
            snprintf(err, errlen, "%s: cannot open the log group's files: %s", s->groups[i]->dir, strerror(errno));
            return open_fail(s);
        }
    if (ls_flushers_start(s)) {
        snprintf(err, errlen, "cannot start the flusher threads");
        return open_fail(s);
    }
    for (size_t i = 0; i < s->ngroups; i++)
        if (s->groups[i]->nfrozen) ls_flush_request(s, s->groups[i]);
    return s;
}

void sw_logstore_close(sw_logstore *s) {
    if (!s) return;
    ls_flushers_stop(s);
    ls_spares_drop(s);
    for (size_t i = 0; i < s->ngroups; i++) ls_group_release(s->groups[i]);
    sw_free(s->groups);
    ls_cache_free(s);
    sw_wal_close(s->meta);
    sw_buf_free(&s->metarec);
    pthread_rwlock_destroy(&s->lock);
    pthread_mutex_destroy(&s->fq_lock);
    pthread_cond_destroy(&s->fq_cv);
    pthread_cond_destroy(&s->fq_done);
    sw_free(s->fq);
    sw_free(s->dir);
    sw_free(s);
    ls_chunk_pool_drain();
    ls_dblock_pool_drain();
}

/* ---------- log groups ---------- */

int sw_logstore_create_group(sw_logstore *s, const sw_log_scope *sc, const char *group, int64_t now_ms) {
    if (!group[0]) return -EINVAL;
    pthread_rwlock_wrlock(&s->lock);
    if (ls_group_find(s, sc, group)) { pthread_rwlock_unlock(&s->lock); return -EEXIST; }
    ls_group *g = group_new(s, s->next_id++, sc->account, sc->region, group, now_ms);
    /* The directory first: a crash before the record is logged leaves only an orphan that open removes. */
    if (mkdir(g->dir, 0700) || sw_fsync_dir(s->dir)) {
        sw_log("error", "logstore: cannot create a log group directory", "\"dir\":\"%s\",\"errno\":%d", g->dir, errno);
        pthread_rwlock_unlock(&s->lock);
        ls_group_release(g);
        return -EIO;
    }
    g->head = ls_head_new(1);
    meta_begin(s, M_GROUP, g->id);
    rec_str(&s->metarec, g->account), rec_str(&s->metarec, g->region), rec_str(&s->metarec, g->name);
    rec_u64(&s->metarec, (uint64_t)now_ms);
    uint64_t lsn = meta_append(s);
    if (lsn) group_insert(s, g);
    pthread_rwlock_unlock(&s->lock);
    if (!lsn) { remove_tree(g->dir); ls_group_release(g); }
    return meta_sync(s, lsn);
}

int sw_logstore_delete_group(sw_logstore *s, const sw_log_scope *sc, const char *group) {
    pthread_rwlock_wrlock(&s->lock);
    ls_group *g = ls_group_find(s, sc, group);
    if (!g) { pthread_rwlock_unlock(&s->lock); return -ENOENT; }
    meta_begin(s, M_GROUP_DEL, g->id);
    uint64_t lsn = meta_append(s);
    if (lsn) group_remove(s, g);
    pthread_rwlock_unlock(&s->lock);
    int rc = meta_sync(s, lsn);
    if (!lsn) return rc;
    pthread_rwlock_wrlock(&g->lock);
    g->deleted = 1;
    pthread_rwlock_unlock(&g->lock);
    ls_group_wait_idle(s, g);
    if (rc == 0) remove_tree(g->dir);
    ls_group_release(g);
    return rc;
}

/* Runs a metadata change on one group under the store write lock: fn edits the group and fills
 * s->metarec (or returns a negative code to refuse); the record is then logged and synced. */
typedef int (*group_edit_fn)(sw_logstore *s, ls_group *g, void *arg);

static int group_edit(sw_logstore *s, const sw_log_scope *sc, const char *group, group_edit_fn fn, void *arg) {
    pthread_rwlock_wrlock(&s->lock);
    ls_group *g = ls_group_find(s, sc, group);
    int rc = g ? fn(s, g, arg) : -ENOENT;
    uint64_t lsn = rc == 0 ? meta_append(s) : 0;
    pthread_rwlock_unlock(&s->lock);
    return rc ? rc : meta_sync(s, lsn);
}

static int edit_retention(sw_logstore *s, ls_group *g, void *arg) {
    g->retention_days = *(int *)arg;
    meta_begin(s, M_RETENTION, g->id);
    rec_u64(&s->metarec, (uint64_t)g->retention_days);
    return 0;
}

int sw_logstore_set_retention(sw_logstore *s, const sw_log_scope *sc, const char *group, int days) {
    if (days < 0) return -EINVAL;
    return group_edit(s, sc, group, edit_retention, &days);
}

typedef struct kv_edit { int type; const char *key; const void *val; size_t vlen, max; } kv_edit;

static int edit_kv(sw_logstore *s, ls_group *g, void *arg) {
    kv_edit *e = arg;
    int tags = e->type == M_TAG || e->type == M_TAG_DEL;
    ls_kv **kv = tags ? &g->tags : &g->mfs;
    size_t *n = tags ? &g->ntags : &g->nmfs;
    int rc = e->type == M_TAG || e->type == M_MF ? kv_set(kv, n, e->key, e->val, e->vlen, e->max) : kv_del(*kv, n, e->key);
    if (rc) return rc;
    meta_begin(s, e->type, g->id);
    rec_str(&s->metarec, e->key);
    if (e->type == M_TAG || e->type == M_MF) rec_bytes(&s->metarec, e->val, e->vlen);
    return 0;
}

int sw_logstore_set_tag(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *key, const char *value) {
    kv_edit e = {M_TAG, key, value, strlen(value), SW_LOGSTORE_MAX_TAGS};
    return group_edit(s, sc, group, edit_kv, &e);
}

int sw_logstore_delete_tag(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *key) {
    kv_edit e = {M_TAG_DEL, key, NULL, 0, 0};
    return group_edit(s, sc, group, edit_kv, &e);
}

int sw_logstore_put_metric_filter(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *name, const void *blob,
                                  size_t len, size_t max) {
    kv_edit e = {M_MF, name, blob, len, max};
    return group_edit(s, sc, group, edit_kv, &e);
}

int sw_logstore_delete_metric_filter(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *name) {
    kv_edit e = {M_MF_DEL, name, NULL, 0, 0};
    return group_edit(s, sc, group, edit_kv, &e);
}

static int list_kv(sw_logstore *s, const sw_log_scope *sc, const char *group, int tags,
                   void (*fn)(const ls_kv *kv, void *fn_arg, void *arg), void *fn_arg, void *arg) {
    pthread_rwlock_rdlock(&s->lock);
    ls_group *g = ls_group_find(s, sc, group);
    int n = -ENOENT;
    if (g) {
        n = (int)(tags ? g->ntags : g->nmfs);
        for (int i = 0; i < n; i++) fn(tags ? &g->tags[i] : &g->mfs[i], fn_arg, arg);
    }
    pthread_rwlock_unlock(&s->lock);
    return n;
}

static void call_tag(const ls_kv *kv, void *fn, void *arg) { ((void (*)(const char *, const char *, void *))fn)(kv->key, kv->val, arg); }
static void call_mf(const ls_kv *kv, void *fn, void *arg) {
    ((void (*)(const char *, const char *, size_t, void *))fn)(kv->key, kv->val, kv->vlen, arg);
}

int sw_logstore_list_tags(sw_logstore *s, const sw_log_scope *sc, const char *group,
                          void (*fn)(const char *key, const char *value, void *arg), void *arg) {
    return list_kv(s, sc, group, 1, call_tag, (void *)fn, arg);
}

int sw_logstore_list_metric_filters(sw_logstore *s, const sw_log_scope *sc, const char *group,
                                    void (*fn)(const char *name, const char *blob, size_t len, void *arg), void *arg) {
    return list_kv(s, sc, group, 0, call_mf, (void *)fn, arg);
}

/* Under the store lock (read); takes the group lock for the byte counters. */
static void group_info(ls_group *g, sw_log_group_info *out) {
    uint64_t bytes = 0;
    pthread_rwlock_rdlock(&g->lock);
    for (size_t i = 0; i < g->nstreams; i++) bytes += g->by_name[i]->head_bytes + g->by_name[i]->seg_bytes;
    pthread_rwlock_unlock(&g->lock);
    *out = (sw_log_group_info){g->name, g->creation_ms, g->retention_days, bytes, g->nmfs};
}

int sw_logstore_group_info(sw_logstore *s, const sw_log_scope *sc, const char *group, sw_log_group_info *out) {
    pthread_rwlock_rdlock(&s->lock);
    ls_group *g = ls_group_find(s, sc, group);
    if (g) group_info(g, out), out->name = group;
    pthread_rwlock_unlock(&s->lock);
    return g ? 0 : -ENOENT;
}

size_t sw_logstore_list_groups(sw_logstore *s, const sw_log_scope *sc, const char *prefix, const char *after, size_t limit,
                               void (*fn)(const sw_log_group_info *g, void *arg), void *arg, int *more) {
    const char *from = prefix ? prefix : "";
    if (after && strcmp(after, from) > 0) from = after;
    size_t plen = prefix ? strlen(prefix) : 0, count = 0;
    *more = 0;
    pthread_rwlock_rdlock(&s->lock);
    for (size_t i = group_lower_bound(s, sc->account, sc->region, from); i < s->ngroups; i++) {
        ls_group *g = s->groups[i];
        if (strcmp(g->account, sc->account) || strcmp(g->region, sc->region) || strncmp(g->name, prefix ? prefix : "", plen)) break;
        if (after && strcmp(g->name, after) <= 0) continue;
        if (count == limit) { *more = 1; break; }
        sw_log_group_info gi;
        group_info(g, &gi);
        fn(&gi, arg);
        count++;
    }
    pthread_rwlock_unlock(&s->lock);
    return count;
}

/* ---------- log streams ---------- */

typedef struct stream_args { const char *name; int64_t ms; } stream_args;

static int edit_create_stream(sw_logstore *s, ls_group *g, void *arg) {
    stream_args *a = arg;
    if (!a->name[0]) return -EINVAL;
    if (ls_stream_find(g, a->name)) return -EEXIST;
    ls_stream *st = stream_new(s->next_id++, a->name, a->ms);
    pthread_rwlock_wrlock(&g->lock);  /* readers of the id table hold only the group lock */
    stream_insert(g, st);
    pthread_rwlock_unlock(&g->lock);
    meta_begin(s, M_STREAM, g->id);
    rec_u64(&s->metarec, st->id), rec_str(&s->metarec, st->name), rec_u64(&s->metarec, (uint64_t)a->ms);
    return 0;
}

static int edit_delete_stream(sw_logstore *s, ls_group *g, void *arg) {
    stream_args *a = arg;
    ls_stream *st = ls_stream_find(g, a->name);
    if (!st) return -ENOENT;
    meta_begin(s, M_STREAM_DEL, g->id);
    rec_u64(&s->metarec, st->id);
    pthread_rwlock_wrlock(&g->lock);
    stream_remove(g, st);
    pthread_rwlock_unlock(&g->lock);
    return 0;
}

int sw_logstore_create_stream(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *stream, int64_t now_ms) {
    stream_args a = {stream, now_ms};
    return group_edit(s, sc, group, edit_create_stream, &a);
}

int sw_logstore_delete_stream(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *stream) {
    stream_args a = {stream, 0};
    return group_edit(s, sc, group, edit_delete_stream, &a);
}

/* Order of DescribeLogStreams by LastEventTime: streams without events first, then by last event, then name. */
static int64_t stream_time_key(const ls_stream *st) { return st->has_events ? st->last_ms : INT64_MIN; }

static int stream_time_cmp(const void *pa, const void *pb) {
    const ls_stream *a = *(ls_stream *const *)pa, *b = *(ls_stream *const *)pb;
    int64_t ka = stream_time_key(a), kb = stream_time_key(b);
    if (ka != kb) return ka < kb ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* Compares stream st with the cursor (time key, name): <0 when st sorts before it. */
static int cursor_cmp(const ls_stream *st, int by_time, int64_t ck, const char *cname) {
    if (by_time && stream_time_key(st) != ck) return stream_time_key(st) < ck ? -1 : 1;
    return strcmp(st->name, cname);
}

int sw_logstore_list_streams(sw_logstore *s, const sw_log_scope *sc, const char *group, const sw_log_stream_query *q,
                             size_t limit, void (*fn)(const sw_log_stream_info *st, void *arg), void *arg, int *more) {
    int64_t ck = 0;
    const char *cname = q->after;
    if (q->after && q->by_last_event) {
        char *end;
        errno = 0;
        ck = strtoll(q->after, &end, 10);
        if (errno || end == q->after || *end != '/') return -EINVAL;
        cname = end + 1;
    }
    *more = 0;
    pthread_rwlock_rdlock(&s->lock);
    ls_group *g = ls_group_find(s, sc, group);
    if (!g) { pthread_rwlock_unlock(&s->lock); return -ENOENT; }
    pthread_rwlock_rdlock(&g->lock);
    ls_stream **order = g->by_name;
    if (q->by_last_event && g->nstreams) {
        order = sw_malloc(g->nstreams * sizeof *order);
        memcpy(order, g->by_name, g->nstreams * sizeof *order);
        qsort(order, g->nstreams, sizeof *order, stream_time_cmp);
    }
    size_t plen = q->prefix && !q->by_last_event ? strlen(q->prefix) : 0, count = 0;
    sw_buf cur;
    sw_buf_init(&cur);
    for (size_t k = 0; k < g->nstreams; k++) {
        ls_stream *st = order[q->descending ? g->nstreams - 1 - k : k];
        if (plen && strncmp(st->name, q->prefix, plen)) continue;
        if (cname) {
            int c = cursor_cmp(st, q->by_last_event, ck, cname);
            if (q->descending ? c >= 0 : c <= 0) continue;
        }
        if (count == limit) { *more = 1; break; }
        sw_buf_reset(&cur);
        if (q->by_last_event) sw_buf_printf(&cur, "%" PRId64 "/", stream_time_key(st));
        sw_buf_puts(&cur, st->name);
        sw_log_stream_info info = {st->name, st->creation_ms, st->first_ms, st->last_ms, st->last_ingest_ms,
                                   st->head_bytes + st->seg_bytes, st->has_events, cur.data};
        fn(&info, arg);
        count++;
    }
    sw_buf_free(&cur);
    if (order != g->by_name) sw_free(order);
    pthread_rwlock_unlock(&g->lock);
    pthread_rwlock_unlock(&s->lock);
    return (int)count;
}

void sw_logstore_get_stats(sw_logstore *s, sw_logstore_stats *out) {
    memset(out, 0, sizeof *out);
    pthread_rwlock_rdlock(&s->lock);
    out->groups = s->ngroups;
    for (size_t i = 0; i < s->ngroups; i++) {
        ls_group *g = s->groups[i];
        out->streams += g->nstreams;
        pthread_rwlock_rdlock(&g->lock);
        out->segments += g->nsegs;
        for (size_t k = 0; k < g->nsegs; k++) out->segment_bytes += g->segs[k]->size;
        out->head_bytes += g->head ? g->head->bytes : 0;
        for (size_t k = 0; k < g->nfrozen; k++) out->head_bytes += g->frozen[k]->bytes;
        pthread_rwlock_unlock(&g->lock);
    }
    pthread_rwlock_unlock(&s->lock);
    out->blocks_read = atomic_load(&s->blocks_read);
    out->blocks_skipped = atomic_load(&s->blocks_skipped);
    out->corrupt_blocks = atomic_load(&s->corrupt_blocks);
}
