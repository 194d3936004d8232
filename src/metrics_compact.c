/* metrics_compact.c -- merging block files, roll-ups and retention (see metrics_compact.h). */
#include "metrics_compact.h"
#include "alloc.h"
#include "log.h"
#include "qsketch.h"
#include "tscodec.h"
#include "varint.h"
#include <stdlib.h>
#include <string.h>

/* One roll-up period of the series being compacted. */
typedef struct sw_group {
    uint32_t period, t;
    double count, sum, min, max;
    sw_qsketch q;
    int ok;               /* every value in the period is known to the sketch */
} sw_group;

typedef struct sw_mc {
    const sw_mc_policy *pol;
    sw_mc_result *res;
    /* decode buffers */
    uint32_t *t, *t2;
    double *c[4];
    /* the series' raw samples kept as they are */
    uint32_t *vt;
    double *vv;
    size_t nv, vcap;
    uint32_t *st;
    double *sc[4];
    size_t ns, scap;
    /* its roll-up periods: open addressing on (period, t) */
    sw_group *g;
    size_t ng, gcap;
    int32_t *slot;
    size_t nslots;
    /* output scratch */
    sw_mb_sortbuf sb;
    sw_buf sk, one;
    double *oc[4];
    size_t ocap;
} sw_mc;

static int64_t sw_align(int64_t t, int64_t p) { return t - ((t % p) + p) % p; }

static sw_group *sw_group_at(sw_mc *c, uint32_t period, uint32_t t) {
    if ((c->ng + 1) * 2 > c->nslots) {
        size_t n = c->nslots ? c->nslots * 2 : 256;
        sw_free(c->slot);
        c->slot = sw_malloc(n * sizeof *c->slot);
        for (size_t i = 0; i < n; i++) c->slot[i] = -1;
        c->nslots = n;
        for (size_t k = 0; k < c->ng; k++) {
            size_t h = ((uint64_t)c->g[k].t * 0x9E3779B97F4A7C15ull ^ c->g[k].period) & (n - 1);
            while (c->slot[h] >= 0) h = (h + 1) & (n - 1);
            c->slot[h] = (int32_t)k;
        }
    }
    size_t h = ((uint64_t)t * 0x9E3779B97F4A7C15ull ^ period) & (c->nslots - 1);
    for (; c->slot[h] >= 0; h = (h + 1) & (c->nslots - 1)) {
        sw_group *x = &c->g[c->slot[h]];
        if (x->t == t && x->period == period) return x;
    }
    if (c->ng == c->gcap) {
        c->gcap = c->gcap ? c->gcap * 2 : 64;
        c->g = sw_realloc(c->g, c->gcap * sizeof *c->g);
    }
    sw_group *x = &c->g[c->ng];
    memset(x, 0, sizeof *x);
    x->period = period, x->t = t, x->ok = 1;
    sw_qs_init(&x->q);
    c->slot[h] = (int32_t)c->ng++;
    return x;
}

static void sw_group_add(sw_group *x, double count, double sum, double min, double max) {
    if (x->count == 0) x->min = min, x->max = max;
    else {
        if (min < x->min) x->min = min;
        if (max > x->max) x->max = max;
    }
    x->count += count;
    x->sum += sum;
}

/* Where a sample of time t (from data of period p, 0 = raw) goes: -1 dropped, 0 kept as it is, else the
 * roll-up period it joins. */
static int64_t sw_target(const sw_mc_policy *pol, int64_t t, uint32_t p) {
    if (t < pol->drop_before) return -1;
    if (p == 0) return t >= pol->raw_before ? 0 : t < pol->r300_before ? 3600 : 300;
    if (p < 3600 && t < pol->r300_before) return 3600;
    return p;
}

static void sw_mc_keep_value(sw_mc *c, uint32_t t, double v) {
    if (c->nv == c->vcap) {
        c->vcap = c->vcap ? c->vcap * 2 : 4096;
        c->vt = sw_realloc(c->vt, c->vcap * sizeof *c->vt);
        c->vv = sw_realloc(c->vv, c->vcap * sizeof *c->vv);
    }
    c->vt[c->nv] = t, c->vv[c->nv++] = v;
}

static void sw_mc_keep_set(sw_mc *c, uint32_t t, double count, double sum, double min, double max) {
    if (c->ns == c->scap) {
        c->scap = c->scap ? c->scap * 2 : 1024;
        c->st = sw_realloc(c->st, c->scap * sizeof *c->st);
        for (int k = 0; k < 4; k++) c->sc[k] = sw_realloc(c->sc[k], c->scap * sizeof(double));
    }
    c->st[c->ns] = t, c->sc[0][c->ns] = count, c->sc[1][c->ns] = sum, c->sc[2][c->ns] = min, c->sc[3][c->ns] = max;
    c->ns++;
}

/* Takes one block of the series in. */
static int sw_mc_block(sw_mc *c, const sw_mb_file *f, const sw_mb_entry *e) {
    const uint8_t *p = f->map + e->off;
    if (e->kind == SW_MB_VALUES) {
        long n = sw_mb_decode_values(p, e->len, c->t, c->c[0]);
        if (n != (long)e->n) return -1;
        for (long i = 0; i < n; i++) {
            int64_t to = sw_target(c->pol, c->t[i], 0);
            if (to < 0) { c->res->dropped++; continue; }
            if (to == 0) { sw_mc_keep_value(c, c->t[i], c->c[0][i]); continue; }
            sw_group *x = sw_group_at(c, (uint32_t)to, (uint32_t)sw_align(c->t[i], to));
            sw_group_add(x, 1, c->c[0][i], c->c[0][i], c->c[0][i]);
            sw_qs_add(&x->q, c->c[0][i], 1);
            c->res->raw_rolled++;
        }
        return 0;
    }
    const uint8_t *sk = NULL, *skend = NULL;
    long n;
    if (e->kind == SW_MB_SETS) n = sw_mb_decode_sets(p, e->len, c->t, c->c[0], c->c[1], c->c[2], c->c[3], c->t2);
    else {
        size_t sklen = 0;
        n = sw_mb_decode_rollups(p, e->len, c->t, c->c[0], c->c[1], c->c[2], c->c[3], c->t2, &sk, &sklen);
        skend = sk + sklen;
    }
    if (n != (long)e->n) return -1;
    sw_qsketch tmp;
    sw_qs_init(&tmp);
    int rc = 0;
    for (long i = 0; i < n && rc == 0; i++) {
        double cnt = c->c[0][i], sum = c->c[1][i], mn = c->c[2][i], mx = c->c[3][i];
        uint64_t sklen = 0;
        if (e->kind == SW_MB_ROLLUP && (sw_varint_get(&sk, skend, &sklen) || sklen > (uint64_t)(skend - sk))) { rc = -1; break; }
        int64_t to = sw_target(c->pol, c->t[i], e->period);
        if (to < 0) { c->res->dropped++; sk += sklen; continue; }
        if (to == 0) { sw_mc_keep_set(c, c->t[i], cnt, sum, mn, mx); continue; }
        sw_group *x = sw_group_at(c, (uint32_t)to, (uint32_t)sw_align(c->t[i], to));
        sw_group_add(x, cnt, sum, mn, mx);
        if (e->kind == SW_MB_SETS) {
            c->res->raw_rolled++;
            if (mn == mx && sum == mn * cnt) sw_qs_add(&x->q, mn, cnt);
            else x->ok = 0;
        } else {
            if ((uint32_t)to != e->period) c->res->rollups_merged++;
            if (sklen == 0) x->ok = 0;
            else if (sw_qs_free(&tmp), sw_qs_decode(sk, (size_t)sklen, &tmp) != (long)sklen) rc = -1;
            else sw_qs_merge(&x->q, &tmp);
            sk += sklen;
        }
    }
    sw_qs_free(&tmp);
    if (rc == 0 && e->kind == SW_MB_ROLLUP && sk != skend) rc = -1;
    return rc;
}

static int sw_group_cmp(const void *a, const void *b) {
    const sw_group *x = a, *y = b;
    if (x->period != y->period) return (x->period > y->period) - (x->period < y->period);
    return (x->t > y->t) - (x->t < y->t);
}

/* Writes the series' kept samples and roll-ups, and empties the series state. */
static int sw_mc_emit(sw_mc *c, sw_mb_writer *w, uint32_t sid) {
    int rc = 0;
    if (c->nv) {
        double *cols[1] = {c->vv};
        sw_mb_sort(&c->sb, c->vt, cols, 1, c->nv);
        rc = sw_mb_add_values(w, sid, c->vt, c->vv, c->nv);
        c->res->samples_out += c->nv;
    }
    if (rc == 0 && c->ns) {
        sw_mb_sort(&c->sb, c->st, c->sc, 4, c->ns);
        rc = sw_mb_add_sets(w, sid, c->st, c->sc[0], c->sc[1], c->sc[2], c->sc[3], c->ns);
        c->res->samples_out += c->ns;
    }
    if (c->ng) qsort(c->g, c->ng, sizeof *c->g, sw_group_cmp);
    for (size_t i = 0; rc == 0 && i < c->ng;) {
        size_t j = i;
        while (j < c->ng && c->g[j].period == c->g[i].period) j++;
        size_t k = j - i;
        if (k > c->ocap) {
            c->ocap = k;
            for (int q = 0; q < 4; q++) c->oc[q] = sw_realloc(c->oc[q], k * sizeof(double));
        }
        uint32_t *ts = sw_malloc(k * sizeof *ts);
        sw_buf_reset(&c->sk);
        for (size_t x = 0; x < k; x++) {
            sw_group *g = &c->g[i + x];
            ts[x] = g->t;
            c->oc[0][x] = g->count, c->oc[1][x] = g->sum, c->oc[2][x] = g->min, c->oc[3][x] = g->max;
            if (g->ok && sw_qs_count(&g->q) > 0) {
                sw_buf_reset(&c->one);
                sw_qs_encode(&g->q, &c->one);
                sw_varint_put(&c->sk, c->one.len);
                sw_buf_append(&c->sk, c->one.data, c->one.len);
            } else sw_varint_put(&c->sk, 0);
        }
        rc = sw_mb_add_rollups(w, sid, c->g[i].period, ts, c->oc[0], c->oc[1], c->oc[2], c->oc[3], k, c->sk.data, c->sk.len);
        c->res->samples_out += k;
        sw_free(ts);
        i = j;
    }
    for (size_t i = 0; i < c->ng; i++) sw_qs_free(&c->g[i].q);
    c->ng = c->nv = c->ns = 0;
    if (c->nslots) for (size_t i = 0; i < c->nslots; i++) c->slot[i] = -1;
    return rc;
}

static void sw_mc_free(sw_mc *c) {
    sw_free(c->t);
    sw_free(c->t2);
    sw_free(c->vt);
    sw_free(c->vv);
    sw_free(c->st);
    for (int k = 0; k < 4; k++) { sw_free(c->c[k]); sw_free(c->sc[k]); sw_free(c->oc[k]); }
    for (size_t i = 0; i < c->ng; i++) sw_qs_free(&c->g[i].q);
    sw_free(c->g);
    sw_free(c->slot);
    sw_mb_sortbuf_free(&c->sb);
    sw_buf_free(&c->sk);
    sw_buf_free(&c->one);
}

int sw_mc_compact(const char *dir, sw_mb_file *const *in, size_t n, uint32_t version, const sw_mc_policy *pol,
                  sw_mc_result *res) {
    return sw_mc_compact_each(dir, in, n, version, pol, NULL, 0, res);
}

int sw_mc_compact_each(const char *dir, sw_mb_file *const *in, size_t n, uint32_t version, const sw_mc_policy *pols,
                       const uint8_t *spol, size_t nspol, sw_mc_result *res) {
    memset(res, 0, sizeof *res);
    if (n == 0) return -1;
    uint64_t lo = in[0]->lo, hi = in[0]->hi;
    const sw_mb_file *newest = in[0];
    for (size_t i = 0; i < n; i++) {
        if (in[i]->lo < lo) lo = in[i]->lo;
        if (in[i]->hi > hi) hi = in[i]->hi;
        if (in[i]->hi >= newest->hi) newest = in[i];
        res->samples_in += in[i]->samples;
    }
    sw_buf cat;
    sw_buf_init(&cat);
    if (sw_mb_catalog(newest, &cat)) { sw_buf_free(&cat); return -1; }
    sw_mc c;
    memset(&c, 0, sizeof c);
    c.pol = pols, c.res = res;
    c.t = sw_malloc(SW_TS_MAX_BLOCK * sizeof *c.t);
    c.t2 = sw_malloc(SW_TS_MAX_BLOCK * sizeof *c.t2);
    for (int k = 0; k < 4; k++) c.c[k] = sw_malloc(SW_TS_MAX_BLOCK * sizeof(double));
    sw_buf_init(&c.sk);
    sw_buf_init(&c.one);
    sw_mb_writer w;
    int rc = sw_mb_begin(&w, dir, lo, hi, version);
    /* Every file lists its blocks by series: one cursor per input walks them together. */
    uint32_t *cur = sw_calloc(n, sizeof *cur);
    for (;;) {
        if (rc) break;
        uint32_t sid = UINT32_MAX;
        for (size_t i = 0; i < n; i++) {
            if (cur[i] >= in[i]->nentries) continue;
            sw_mb_entry e;
            sw_mb_entry_at(in[i], cur[i], &e);
            if (e.series < sid) sid = e.series;
        }
        if (sid == UINT32_MAX) break;
        c.pol = &pols[sid < nspol ? spol[sid] : 0];
        for (size_t i = 0; i < n && rc == 0; i++) {
            uint32_t last = sid;
            while (cur[i] < in[i]->nentries) {
                sw_mb_entry e;
                sw_mb_entry_at(in[i], cur[i], &e);
                if (e.series != sid) {
                    if (e.series < last) rc = -1; /* not in series order: refuse rather than miss blocks */
                    break;
                }
                if (sw_mc_block(&c, in[i], &e)) {
                    sw_log("error", "metrics: compaction found a damaged block and left the files as they are",
                           "\"file\":\"%s\",\"offset\":%llu", in[i]->name, (unsigned long long)e.off);
                    rc = -1;
                    break;
                }
                cur[i]++;
            }
        }
        if (rc == 0) rc = sw_mc_emit(&c, &w, sid);
    }
    sw_free(cur);
    if (rc == 0) rc = sw_mb_finish(&w, cat.data, cat.len);
    else sw_mb_abort(&w);
    if (rc == 0) sw_mb_name(res->name, sizeof res->name, lo, hi, version);
    sw_buf_free(&cat);
    sw_mc_free(&c);
    return rc;
}
