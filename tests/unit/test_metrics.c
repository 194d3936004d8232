/* test_metrics.c -- the metrics engine's block files: a head written out answers every query as it did in
 * memory; a restart reads the block files and the logs not yet in one, never counting a sample twice or
 * losing one; every state a crash can leave (sealed log, half-written file, file and its log both present,
 * a finished compaction's inputs) opens to the same data; damaged files and blocks are isolated. */
#include "clock.h"
#include "metrics.h"
#include "metrics_disk.h"
#include "stats.h"
#include "test.h"
#include <dirent.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t X = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) { X ^= X << 13; X ^= X >> 7; X ^= X << 17; return X; }

#define NMET 6
#define T0 1700000000u
#define SPAN (6 * 3600)
static const char *UNITS[NMET] = {"Count", "Seconds", "None", "Count", "Percent", "Bytes"};

/* The reference: every sample put, per metric, as statistic sets (a value is a set of one). */
typedef struct { uint32_t t; double count, sum, min, max; int set; } ref_sample;
static ref_sample *REF[NMET];
static size_t NREF[NMET], CREF[NMET];

static void metric_id(int k, sw_metric_id *id, sw_dim *dims, char *host) {
    snprintf(host, 32, "host-%d", k);
    dims[0] = (sw_dim){"Host", host};
    dims[1] = (sw_dim){"Service", k % 2 ? "api" : "web"};
    *id = (sw_metric_id){"123456789012", "us-east-1", "App/Test", k < 3 ? "Latency" : "Requests", dims, 2};
}

/* Puts n random samples (values and sets, times in arrival disorder) into m and the reference. */
static void put_random(sw_metrics *m, size_t n) {
    for (size_t i = 0; i < n;) {
        sw_datum d[64];
        sw_dim dims[64][2];
        char hosts[64][32];
        size_t k = 0;
        for (; k < 64 && i < n; k++, i++) {
            int mk = (int)(rnd() % NMET);
            metric_id(mk, &d[k].id, dims[k], hosts[k]);
            d[k].unit = UNITS[mk];
            d[k].t = T0 + (uint32_t)(rnd() % SPAN);
            ref_sample r = {d[k].t, 1, 0, 0, 0, 0};
            if (rnd() % 5 == 0) {
                d[k].kind = SW_SAMPLE_SET;
                d[k].count = (double)(1 + rnd() % 10);
                d[k].min = (double)(rnd() % 100);
                d[k].max = d[k].min + (double)(rnd() % 3);
                d[k].sum = d[k].min * d[k].count + (d[k].max - d[k].min);
                r = (ref_sample){d[k].t, d[k].count, d[k].sum, d[k].min, d[k].max, 1};
            } else {
                d[k].kind = SW_SAMPLE_VALUE;
                d[k].v = (rnd() % 3 == 0) ? (double)(rnd() % 1000) / 100.0 : (double)(int64_t)(rnd() % 2000000) / 7.0;
                r = (ref_sample){d[k].t, 1, d[k].v, d[k].v, d[k].v, 0};
            }
            if (NREF[mk] == CREF[mk]) REF[mk] = realloc(REF[mk], (CREF[mk] = CREF[mk] ? CREF[mk] * 2 : 1024) * sizeof **REF);
            REF[mk][NREF[mk]++] = r;
        }
        T_EQ_INT(sw_metrics_put(m, d, k), 0);
    }
}

/* Compares every metric's 5-minute buckets (count, sum, min, max, and the raw values) with the reference. */
static void check_all(sw_metrics *m, const char *when) {
    int bad = 0;
    /* Both query paths: with raw values kept (percentiles) and without (runs summed per period). */
    for (int wv = 0; wv < 2 * NMET && !bad; wv++) {
        int mk = wv % NMET, with_values = wv >= NMET;
        sw_metric_id id;
        sw_dim dims[2];
        char host[32];
        metric_id(mk, &id, dims, host);
        sw_query_result r;
        sw_metrics_query(m, &id, NULL, T0, T0 + SPAN, 300, with_values, &r);
        size_t nb = SPAN / 300;
        double cnt[SPAN / 300] = {0}, sum[SPAN / 300] = {0}, mn[SPAN / 300], mx[SPAN / 300], nv[SPAN / 300] = {0};
        for (size_t b = 0; b < nb; b++) mn[b] = 1e300, mx[b] = -1e300;
        for (size_t i = 0; i < NREF[mk]; i++) {
            const ref_sample *x = &REF[mk][i];
            size_t b = (x->t - T0) / 300;
            cnt[b] += x->count, sum[b] += x->sum;
            if (x->min < mn[b]) mn[b] = x->min;
            if (x->max > mx[b]) mx[b] = x->max;
            nv[b] += !x->set || (x->min == x->max && x->sum == x->min * x->count);
        }
        size_t want = 0;
        for (size_t b = 0; b < nb; b++) want += cnt[b] > 0;
        if (NREF[mk] == 0) { T_EQ_INT(r.nunits, 0); continue; }
        T_EQ_INT(r.nunits, 1);
        if (r.nunits != 1) { bad = 1; break; }
        T_EQ_STR(r.units[0].unit, UNITS[mk]);
        T_EQ_INT(r.units[0].nbuckets, want);
        for (size_t i = 0; i < r.units[0].nbuckets && !bad; i++) {
            const sw_bucket *bk = &r.units[0].buckets[i];
            size_t b = (size_t)(bk->start - T0) / 300;
            if (bk->count != cnt[b] || fabs(bk->sum - sum[b]) > 1e-6 * fabs(sum[b]) + 1e-9 || bk->min != mn[b] ||
                bk->max != mx[b] || (double)bk->nvalues != (with_values ? nv[b] : 0)) {
                T_FAIL_("%s: metric %d bucket %zu: count %g/%g sum %g/%g min %g/%g max %g/%g values %zu/%g", when, mk, b,
                        bk->count, cnt[b], bk->sum, sum[b], bk->min, mn[b], bk->max, mx[b], bk->nvalues, nv[b]);
                bad = 1;
            }
        }
        sw_query_result_free(&r);
    }
    sw_test_checks++;
}

static void reset_ref(void) {
    for (int k = 0; k < NMET; k++) { free(REF[k]); REF[k] = NULL; NREF[k] = CREF[k] = 0; }
}

static char *tmpdir(void) {
    static char dirs[8][64];
    static int n;
    char *d = dirs[n++ % 8];
    snprintf(d, 64, "/tmp/sw_test_metrics_XXXXXX");
    T_ASSERT(mkdtemp(d) != NULL);
    return d;
}

static void rmtree(const char *dir) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    T_EQ_INT(system(cmd), 0);
}

static void copytree(const char *from, const char *to) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", to, from, to);
    T_EQ_INT(system(cmd), 0);
}

static int count_files(const char *dir, const char *prefix, const char *suffix) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t l = strlen(e->d_name), sl = strlen(suffix);
        n += !strncmp(e->d_name, prefix, strlen(prefix)) && l >= sl && !strcmp(e->d_name + l - sl, suffix);
    }
    if (d) closedir(d);
    return n;
}

/* Sealed logs (metrics.wal.GEN), not counting the spare kept for reuse (metrics.wal.spare). */
static int sealed_logs(const char *dir) { return count_files(dir, "metrics.wal.", "") - count_files(dir, "metrics.wal.spare", ""); }

static sw_metrics *open_ok(const char *dir) {
    char err[256] = "";
    /* The engine's clock, which decides retention: just after the samples these tests write, unless a test
     * moves it. */
    if (sw_clock_now_ms() / 1000 > T0 + 400LL * 86400) sw_clock_set_ms((T0 + SPAN) * 1000LL);
    sw_metrics *m = sw_metrics_open(dir, err, sizeof err);
    if (!m) T_FAIL_("open %s: %s", dir, err);
    return m;
}

static void test_flush_answers_as_the_head_did(void) {
    reset_ref();
    char *dir = tmpdir();
    sw_metrics *m = open_ok(dir);
    put_random(m, 20000);
    check_all(m, "head");
    T_EQ_INT(sw_metrics_flush(m), 0);
    sw_metrics_stats st;
    sw_metrics_get_stats(m, &st);
    T_EQ_INT(st.head_samples, 0);
    T_EQ_INT(st.block_files, 1);
    T_EQ_INT(st.samples, 20000);
    check_all(m, "after flush");
    sw_metrics_get_stats(m, &st);
    uint64_t misses = st.cache_misses;
    T_ASSERT(st.cache_bytes > 0);
    check_all(m, "after flush, from the decoded-block cache");
    sw_metrics_get_stats(m, &st);
    T_EQ_INT(st.cache_misses, misses); /* every block came from the cache the second time */
    T_ASSERT(st.cache_hits > 0);
    put_random(m, 5000);
    check_all(m, "blocks + head");
    T_EQ_INT(sw_metrics_flush(m), 0);
    T_EQ_INT(sw_metrics_flush(m), 0); /* nothing to write: no file */
    sw_metrics_get_stats(m, &st);
    T_EQ_INT(st.block_files, 2);
    T_EQ_INT(sealed_logs(dir), 0);
    sw_metrics_close(m);
    m = open_ok(dir);
    sw_metrics_get_stats(m, &st);
    T_EQ_INT(st.samples, 25000);
    T_EQ_INT(st.replayed_records, 0);
    T_EQ_INT(st.metrics, NMET);
    check_all(m, "reopened");
    put_random(m, 3000);
    sw_metrics_close(m); /* a clean stop writes the head out */
    m = open_ok(dir);
    sw_metrics_get_stats(m, &st);
    T_EQ_INT(st.replayed_records, 0);
    T_EQ_INT(st.block_files, 3);
    check_all(m, "reopened after a clean stop");
    sw_metrics_close(m);
    rmtree(dir);
}

static void test_large_series_splits_blocks(void) {
    reset_ref();
    char *dir = tmpdir();
    sw_metrics *m = open_ok(dir);
    /* One series with more samples than a block holds, in reverse time order. */
    sw_metric_id id;
    sw_dim dims[2];
    char host[32];
    metric_id(0, &id, dims, host);
    size_t n = 150000;
    sw_datum *d = calloc(1000, sizeof *d);
    for (size_t i = 0; i < n; i += 1000) {
        for (size_t j = 0; j < 1000; j++) {
            uint32_t t = T0 + (uint32_t)((n - 1 - i - j) * SPAN / n);
            d[j] = (sw_datum){.id = id, .unit = UNITS[0], .t = t, .kind = SW_SAMPLE_VALUE, .v = (double)(i + j)};
            if (NREF[0] == CREF[0]) REF[0] = realloc(REF[0], (CREF[0] = CREF[0] ? CREF[0] * 2 : 1024) * sizeof **REF);
            REF[0][NREF[0]++] = (ref_sample){t, 1, d[j].v, d[j].v, d[j].v, 0};
        }
        T_EQ_INT(sw_metrics_put(m, d, 1000), 0);
    }
    free(d);
    T_EQ_INT(sw_metrics_flush(m), 0);
    check_all(m, "split");
    sw_metrics_close(m);
    m = open_ok(dir);
    check_all(m, "split, reopened");
    sw_metrics_close(m);
    rmtree(dir);
}

/* Images of the directory as a crash at each step of a flush leaves it, each opening to all the data. */
static void test_crash_states_open_to_the_same_data(void) {
    reset_ref();
    char *dir = tmpdir(), *img = tmpdir(), path[512], path2[512];
    sw_metrics *m = open_ok(dir);
    put_random(m, 8000);
    T_EQ_INT(sw_metrics_flush(m), 0);
    put_random(m, 4000);
    /* 1. Killed with samples in the log only (every put returned, so they are durable). */
    copytree(dir, img);
    sw_metrics *c = open_ok(img);
    check_all(c, "killed with a head");
    sw_metrics_stats st;
    sw_metrics_get_stats(c, &st);
    T_ASSERT(st.replayed_records > 0);
    sw_metrics_close(c);
    /* 2. Killed after sealing the log, before the block file: metrics.wal.GEN beside a new metrics.wal, and a
     *    half-written temporary file. */
    copytree(dir, img);
    snprintf(path, sizeof path, "%s/metrics.wal", img);
    snprintf(path2, sizeof path2, "%s/metrics.wal.2", img);
    T_EQ_INT(rename(path, path2), 0);
    snprintf(path, sizeof path, "%s/mb-0000000000000002-0000000000000002-00000000.swb.tmp", img);
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    T_EQ_INT(write(fd, "SWMB0001garbage", 15), 15);
    close(fd);
    c = open_ok(img);
    check_all(c, "killed after the seal");
    T_EQ_INT(count_files(img, "mb-", ".tmp"), 0);
    T_EQ_INT(sw_metrics_flush(c), 0); /* the pending generation is written with the new head */
    T_EQ_INT(sealed_logs(img), 0);
    sw_metrics_close(c);
    c = open_ok(img);
    check_all(c, "after the pending generation was written");
    sw_metrics_close(c);
    /* 3. Killed after the block file was renamed into place, before the sealed log was deleted: the log
     *    must not be replayed again (every sample would count twice). */
    char saved[512];
    snprintf(saved, sizeof saved, "cp '%s/metrics.wal' '%s/sealed.copy'", dir, img);
    T_EQ_INT(system(saved), 0);
    char spare_copy[128];
    snprintf(spare_copy, sizeof spare_copy, "/tmp/sw_test_metrics_spare.%d", (int)getpid());
    snprintf(saved, sizeof saved, "cp '%s/metrics.wal' '%s'", dir, spare_copy);
    T_EQ_INT(system(saved), 0);
    T_EQ_INT(sw_metrics_flush(m), 0);
    snprintf(path, sizeof path, "%s/sealed.copy", img);
    snprintf(saved, sizeof saved, "/tmp/sw_test_metrics_sealed.%d", (int)getpid());
    T_EQ_INT(rename(path, saved), 0);
    copytree(dir, img);
    snprintf(path, sizeof path, "%s/metrics.wal.2", img);
    T_EQ_INT(rename(saved, path), 0);
    c = open_ok(img);
    check_all(c, "killed before the sealed log was deleted");
    T_EQ_INT(sealed_logs(img), 0);
    sw_metrics_close(c);
    /* 3b. A spare log left by a kill (metrics.wal.spare: records of a generation a block file holds, intact
     *     under their own salt): removed unread, so nothing counts twice. (The live log of dir is itself made
     *     from a spare by now, with old records after its own, and every open above read it right.) */
    copytree(dir, img);
    snprintf(path, sizeof path, "%s/metrics.wal.spare", img);
    T_EQ_INT(rename(spare_copy, path), 0);
    c = open_ok(img);
    check_all(c, "a spare log left beside the data");
    T_EQ_INT(count_files(img, "metrics.wal.spare", ""), 0);
    sw_metrics_close(c);
    /* 4. A compaction's inputs left beside its output: a file whose range another covers is removed. */
    copytree(dir, img);
    snprintf(path, sizeof path, "%s/mb-0000000000000001-0000000000000001-00000000.swb", img);
    snprintf(path2, sizeof path2, "%s/mb-0000000000000001-0000000000000002-00000001.swb", img);
    T_EQ_INT(link(path, path2), 0); /* stands in for a merged file covering 1..2: same data as 1 alone */
    snprintf(path, sizeof path, "%s/mb-0000000000000002-0000000000000002-00000000.swb", img);
    T_EQ_INT(unlink(path), 0);
    snprintf(path, sizeof path, "%s/mb-0000000000000001-0000000000000001-00000000.swb", img);
    c = open_ok(img);
    T_EQ_INT(access(path, F_OK), -1);
    sw_metrics_get_stats(c, &st);
    T_EQ_INT(st.block_files, 1);
    sw_metrics_close(c);
    sw_metrics_close(m);
    rmtree(dir);
    rmtree(img);
}

static long file_size(const char *p) { struct stat st; return stat(p, &st) ? -1 : (long)st.st_size; }

static void flip(const char *p, long off) {
    int fd = open(p, O_RDWR);
    unsigned char c;
    T_EQ_INT(pread(fd, &c, 1, off), 1);
    c ^= 0x40;
    T_EQ_INT(pwrite(fd, &c, 1, off), 1);
    close(fd);
}

static void test_damage_is_isolated(void) {
    reset_ref();
    char *dir = tmpdir(), *img = tmpdir(), path[512];
    sw_metrics *m = open_ok(dir);
    put_random(m, 6000);
    T_EQ_INT(sw_metrics_flush(m), 0);
    put_random(m, 6000);
    T_EQ_INT(sw_metrics_flush(m), 0);
    sw_metrics_close(m);
    /* A flipped byte in the first block of the second file: that block's samples are skipped and counted. */
    copytree(dir, img);
    snprintf(path, sizeof path, "%s/mb-0000000000000002-0000000000000002-00000000.swb", img);
    flip(path, 20);
    m = open_ok(img);
    sw_metric_id id;
    sw_dim dims[2];
    char host[32];
    size_t served = 0;
    for (int k = 0; k < NMET; k++) {
        metric_id(k, &id, dims, host);
        sw_query_result r;
        sw_metrics_query(m, &id, NULL, T0, T0 + SPAN, SPAN, 0, &r);
        for (size_t u = 0; u < r.nunits; u++)
            for (size_t b = 0; b < r.units[u].nbuckets; b++) served += (size_t)r.units[u].buckets[b].count > 0;
        sw_query_result_free(&r);
    }
    sw_metrics_stats st;
    sw_metrics_get_stats(m, &st);
    T_EQ_INT(st.damaged_blocks, 1);
    T_EQ_INT(served, NMET);
    sw_metrics_close(m);
    /* A flipped byte in the newest file's index: the file is refused, the older file's catalog names the
     * metrics, and its samples are served. */
    copytree(dir, img);
    long sz = file_size(path);
    flip(path, sz - 30);
    m = open_ok(img);
    sw_metrics_get_stats(m, &st);
    T_EQ_INT(st.damaged_files, 1);
    T_EQ_INT(st.block_files, 1);
    T_EQ_INT(st.metrics, NMET);
    T_EQ_INT(st.samples, 6000);
    sw_metrics_close(m);
    /* Truncated anywhere: refused, never a crash. */
    char err[256];
    for (long cut = 0; cut < sz; cut += 1 + cut / 3) {
        copytree(dir, img);
        T_EQ_INT(truncate(path, cut), 0);
        T_ASSERT(sw_mb_open(path, err, sizeof err) == NULL);
        m = open_ok(img);
        sw_metrics_close(m);
    }
    rmtree(dir);
    rmtree(img);
    reset_ref();
}


/* ---------- roll-ups and retention ---------- */

#define DAY 86400
#define NDAYS 500
/* One latency-like series, a value every 20 minutes and a statistic set every 3 hours over 500 days; the
 * reference keeps every raw sample. */
static void put_history(sw_metrics *m, uint32_t start) {
    reset_ref();
    sw_metric_id id;
    sw_dim dims[2];
    char host[32];
    metric_id(1, &id, dims, host);
    sw_datum d[72];
    size_t k = 0;
    for (uint32_t t = start; t < start + NDAYS * DAY; t += 1200) {
        ref_sample r;
        if ((t - start) % 10800 == 0) {
            double v = (double)(rnd() % 50), c = (double)(1 + rnd() % 4), spread = (rnd() % 3 == 0) ? 5 : 0;
            d[k] = (sw_datum){.id = id, .unit = UNITS[1], .t = t + 7, .kind = SW_SAMPLE_SET, .count = c,
                              .sum = v * c + spread, .min = v, .max = v + spread};
            r = (ref_sample){t + 7, c, v * c + spread, v, v + spread, 1};
        } else {
            double v = 20 + (double)(rnd() % 100000) / 100.0 * ((rnd() % 10) == 0 ? 10 : 1);
            d[k] = (sw_datum){.id = id, .unit = UNITS[1], .t = t, .kind = SW_SAMPLE_VALUE, .v = v};
            r = (ref_sample){t, 1, v, v, v, 0};
        }
        if (NREF[1] == CREF[1]) REF[1] = realloc(REF[1], (CREF[1] = CREF[1] ? CREF[1] * 2 : 1024) * sizeof **REF);
        REF[1][NREF[1]++] = r;
        if (++k == 72) { T_EQ_INT(sw_metrics_put(m, d, k), 0); k = 0; }
    }
    if (k) T_EQ_INT(sw_metrics_put(m, d, k), 0);
}

static int cmp_dbl(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

/* Hour buckets from the engine against the reference: samples older than drop are gone; count, sum, min and
 * max are exact everywhere; p10/p50/p90/p99 within 1% wherever every value of the hour is known (a statistic
 * set with different values makes them unavailable). Returns the buckets compared. */
static size_t check_hours(sw_metrics *m, uint32_t start, int64_t drop, const char *when) {
    sw_metric_id id;
    sw_dim dims[2];
    char host[32];
    metric_id(1, &id, dims, host);
    sw_query_result r;
    sw_metrics_query(m, &id, NULL, start, start + NDAYS * DAY, 3600, 1, &r);
    size_t nh = NDAYS * 24, compared = 0, bad = 0;
    double *cnt = calloc(nh, sizeof *cnt), *sum = calloc(nh, sizeof *sum), *mn = malloc(nh * sizeof *mn),
           *mx = malloc(nh * sizeof *mx);
    int *known = malloc(nh * sizeof *known);
    double **vals = calloc(nh, sizeof *vals);
    size_t *nv = calloc(nh, sizeof *nv);
    for (size_t h = 0; h < nh; h++) mn[h] = 1e300, mx[h] = -1e300, known[h] = 1;
    for (size_t i = 0; i < NREF[1]; i++) {
        const ref_sample *x = &REF[1][i];
        if ((int64_t)x->t < drop) continue;
        size_t h = (x->t - start) / 3600;
        cnt[h] += x->count, sum[h] += x->sum;
        if (x->min < mn[h]) mn[h] = x->min;
        if (x->max > mx[h]) mx[h] = x->max;
        if (x->set && !(x->min == x->max && x->sum == x->min * x->count)) known[h] = 0;
        size_t reps = x->set ? (size_t)x->count : 1;
        vals[h] = realloc(vals[h], (nv[h] + reps) * sizeof **vals);
        for (size_t j = 0; j < reps; j++) vals[h][nv[h]++] = x->min;
    }
    size_t want = 0;
    for (size_t h = 0; h < nh; h++) want += cnt[h] > 0;
    T_EQ_INT(r.nunits, want ? 1 : 0);
    if (r.nunits == 1) T_EQ_INT(r.units[0].nbuckets, want);
    /* Percentiles, and statistics the sketch's weighted values feed the same way (positive data: each value is
     * within the sketch's relative error, so their means are too). */
    static const char *pct[] = {"p10", "p50", "p90", "p99", "TM(10%:90%)", "IQM", "wm90", "TS(5%:95%)"};
    for (size_t i = 0; r.nunits == 1 && i < r.units[0].nbuckets && bad < 5; i++) {
        sw_bucket *bk = &r.units[0].buckets[i];
        size_t h = (size_t)(bk->start - start) / 3600;
        if (bk->count != cnt[h] || fabs(bk->sum - sum[h]) > 1e-9 * fabs(sum[h]) || bk->min != mn[h] || bk->max != mx[h] ||
            bk->exact != known[h]) {
            T_FAIL_("%s: hour %zu: count %g/%g sum %.17g/%.17g min %g/%g max %g/%g exact %d/%d", when, h, bk->count, cnt[h],
                    bk->sum, sum[h], bk->min, mn[h], bk->max, mx[h], bk->exact, known[h]);
            bad++;
            continue;
        }
        if (!known[h]) continue;
        qsort(vals[h], nv[h], sizeof **vals, cmp_dbl);
        for (size_t p = 0; p < sizeof pct / sizeof *pct; p++) {
            sw_stat st;
            double got, exact;
            T_EQ_INT(sw_stat_parse(pct[p], &st), 0);
            T_EQ_INT(sw_stat_compute(&st, bk, &got), 0);
            /* The exact value: the same statistic over a bucket of the raw values. */
            sw_bucket raw = {0};
            raw.values = malloc(nv[h] * sizeof *raw.values), raw.weights = malloc(nv[h] * sizeof *raw.weights);
            for (size_t j = 0; j < nv[h]; j++) raw.weights[j] = 1, raw.values[j] = vals[h][j];
            raw.nvalues = raw.cap = nv[h], raw.count = cnt[h], raw.sum = sum[h], raw.min = mn[h], raw.max = mx[h], raw.exact = 1;
            T_EQ_INT(sw_stat_compute(&st, &raw, &exact), 0);
            free(raw.values);
            free(raw.weights);
            if (fabs(got - exact) > 0.01 * fabs(exact)) {
                T_FAIL_("%s: hour %zu %s: %.17g against exact %.17g", when, h, pct[p], got, exact);
                bad++;
            }
        }
        compared++;
    }
    sw_query_result_free(&r);
    for (size_t h = 0; h < nh; h++) free(vals[h]);
    free(vals), free(nv), free(cnt), free(sum), free(mn), free(mx), free(known);
    sw_test_checks++;
    return compared;
}

/* The tier each sample is in at time now, as a count of blocks of each period in the engine's files. */
static void tier_counts(const char *dir, size_t out[3]) {
    out[0] = out[1] = out[2] = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512], err[256];
    while (d && (e = readdir(d))) {
        if (strncmp(e->d_name, "mb-", 3) || !strstr(e->d_name, ".swb") || strstr(e->d_name, ".tmp")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        sw_mb_file *f = sw_mb_open(path, err, sizeof err);
        for (uint32_t i = 0; f && i < f->nentries; i++) {
            sw_mb_entry en;
            sw_mb_entry_at(f, i, &en);
            out[en.period == 0 ? 0 : en.period == 300 ? 1 : 2] += en.n;
        }
        sw_mb_close(f);
    }
    if (d) closedir(d);
}

static void test_rollups_and_retention_follow_the_clock(void) {
    char *dir = tmpdir(), *img = tmpdir();
    uint32_t start = T0 - NDAYS * DAY;
    start -= start % DAY;
    sw_clock_set_ms((int64_t)(start + NDAYS * DAY) * 1000);
    sw_metrics *m = open_ok(dir);
    put_history(m, start);
    T_EQ_INT(sw_metrics_flush(m), 0);
    check_hours(m, start, 0, "before any rewrite");
    copytree(dir, img); /* the input, for the crash image below */
    /* Now 500 days after the first sample: raw samples of the last 15 days stay, 5-minute roll-ups to 63 days,
     * 1-hour roll-ups to 455 days, nothing before. */
    int64_t now = (int64_t)start + NDAYS * DAY;
    /* (The engine's own thread may do the rewrite first: either way it is done once.) */
    T_ASSERT(sw_metrics_compact(m) >= 0);
    T_EQ_INT(sw_metrics_compact(m), 0); /* nothing more is due */
    sw_metrics_stats st;
    sw_metrics_get_stats(m, &st);
    T_EQ_INT(st.compactions, 1);
    int64_t drop = (now - 455LL * DAY) / DAY * DAY;
    size_t hours = check_hours(m, start, drop, "after the first rewrite");
    T_ASSERT(hours > 400 * 24);
    size_t tiers[3];
    tier_counts(dir, tiers);
    T_EQ_INT(tiers[0], 15 * 72);         /* raw: a sample every 20 minutes */
    T_EQ_INT(tiers[1], (63 - 15) * 72);  /* a 5-minute roll-up per sample */
    T_EQ_INT(tiers[2], (455 - 63) * 24); /* a 1-hour roll-up per hour */
    /* A stop after the rewrite's rename, before its input was removed: the start removes the input, and
     * nothing counts twice. */
    char cmd[1024];
    /* First with the rewrite's output damaged (its index): the input is kept and serves everything. */
    char *img2 = tmpdir();
    copytree(img, img2);
    snprintf(cmd, sizeof cmd, "cp '%s'/mb-*.swb '%s/'", dir, img2);
    T_EQ_INT(system(cmd), 0);
    char outp[512];
    snprintf(outp, sizeof outp, "%s/mb-0000000000000001-0000000000000001-00000001.swb", img2);
    flip(outp, file_size(outp) - 30);
    sw_metrics *c = open_ok(img2);
    T_EQ_INT(count_files(img2, "mb-", ".swb"), 2);
    sw_metrics_get_stats(c, &st);
    T_EQ_INT(st.damaged_files, 1);
    check_hours(c, start, 0, "damaged rewrite output beside its intact input");
    sw_metrics_close(c);
    rmtree(img2);
    snprintf(cmd, sizeof cmd, "cp '%s'/mb-*.swb '%s/'", dir, img);
    T_EQ_INT(system(cmd), 0);
    T_EQ_INT(count_files(img, "mb-", ".swb"), 2);
    c = open_ok(img);
    T_EQ_INT(count_files(img, "mb-", ".swb"), 1);
    check_hours(c, start, drop, "rewrite and its input both on disk");
    sw_metrics_close(c);
    sw_metrics_close(m);
    m = open_ok(dir);
    check_hours(m, start, drop, "reopened after the rewrite");
    /* 100 days on: 5-minute roll-ups merge into hours, raw samples roll up, the oldest hours go. */
    sw_clock_set_ms((now + 100LL * DAY) * 1000);
    T_ASSERT(sw_metrics_compact(m) >= 0);
    sw_metrics_get_stats(m, &st);
    T_EQ_INT(st.compactions, 1);
    check_hours(m, start, (now + 100LL * DAY - 455LL * DAY) / DAY * DAY, "100 days on");
    tier_counts(dir, tiers);
    T_EQ_INT(tiers[0], 0);
    T_EQ_INT(tiers[1], 0);
    T_EQ_INT(tiers[2], (455 - 100) * 24);
    sw_metrics_close(m);
    rmtree(dir);
    rmtree(img);
    reset_ref();
    sw_clock_set_ms(-1);
}


static void test_finished_days_head_files_merge(void) {
    reset_ref();
    char *dir = tmpdir();
    sw_clock_set_ms((T0 + SPAN) * 1000LL);
    sw_metrics *m = open_ok(dir);
    for (int i = 0; i < 3; i++) {
        put_random(m, 4000);
        T_EQ_INT(sw_metrics_flush(m), 0);
    }
    T_EQ_INT(count_files(dir, "mb-", ".swb"), 3);
    T_EQ_INT(sw_metrics_compact(m), 0); /* the samples' day is not over */
    sw_clock_set_ms((T0 + 3LL * 86400) * 1000);
    T_ASSERT(sw_metrics_compact(m) >= 0);
    T_EQ_INT(count_files(dir, "mb-", ".swb"), 1);
    T_EQ_INT(count_files(dir, "mb-0000000000000001-0000000000000003-00000001", ".swb"), 1);
    check_all(m, "merged");
    sw_metrics_stats st;
    sw_metrics_get_stats(m, &st);
    T_EQ_INT(st.samples, 12000);
    put_random(m, 1000); /* a fourth head file joins the merged one (small) at the next rewrite */
    T_EQ_INT(sw_metrics_flush(m), 0);
    T_EQ_INT(sw_metrics_compact(m), 0); /* one finished head file alone is not worth a rewrite */
    sw_metrics_close(m);
    m = open_ok(dir);
    check_all(m, "merged, reopened");
    sw_metrics_close(m);
    sw_clock_set_ms(-1);
    rmtree(dir);
    reset_ref();
}


/* Flushes while puts create new series (which may move the series array): under ASan this catches a writer that
 * reads the array without the lock; afterwards every sample is there once. */
static sw_metrics *RACE_M;
static volatile int RACE_STOP;
static void *race_flusher(void *arg) {
    (void)arg;
    while (!RACE_STOP) sw_metrics_flush(RACE_M);
    return NULL;
}

static void test_flush_beside_new_series(void) {
    char *dir = tmpdir();
    sw_clock_set_ms((T0 + SPAN) * 1000LL);
    RACE_M = open_ok(dir);
    RACE_STOP = 0;
    pthread_t th;
    pthread_create(&th, NULL, race_flusher, NULL);
    size_t total = 0;
    for (int i = 0; i < 6000; i++) {
        char name[32];
        snprintf(name, sizeof name, "m%d", i);
        sw_datum d[4];
        for (int k = 0; k < 4; k++)
            d[k] = (sw_datum){.id = {"123456789012", "us-east-1", "Race", name, NULL, 0}, .unit = k % 2 ? "Count" : "Bytes",
                              .t = T0 + (uint32_t)(i % SPAN), .kind = SW_SAMPLE_VALUE, .v = (double)i};
        T_EQ_INT(sw_metrics_put(RACE_M, d, 4), 0);
        total += 4;
    }
    RACE_STOP = 1;
    pthread_join(th, NULL);
    sw_metrics_stats st;
    sw_metrics_get_stats(RACE_M, &st);
    T_EQ_INT(st.samples, total);
    T_EQ_INT(st.series, 12000);
    T_ASSERT(st.flushes > 1);
    sw_metrics_close(RACE_M);
    RACE_M = open_ok(dir);
    sw_metrics_get_stats(RACE_M, &st);
    T_EQ_INT(st.samples, total);
    sw_metric_id id = {"123456789012", "us-east-1", "Race", "m5999", NULL, 0};
    sw_query_result r;
    sw_metrics_query(RACE_M, &id, NULL, T0, T0 + SPAN, SPAN, 0, &r);
    T_EQ_INT(r.nunits, 2);
    sw_query_result_free(&r);
    sw_metrics_close(RACE_M);
    sw_clock_set_ms(-1);
    rmtree(dir);
}


/* A namespace with its own retention: its old samples roll up and go on its schedule while the default
 * namespace's stay raw; a second rewrite finds nothing due (no rewrite loop). */
static void test_namespace_retention(void) {
    char *dir = tmpdir();
    uint32_t day0 = T0 - T0 % 86400;
    sw_clock_set_ms((int64_t)(day0 + 10 * 86400) * 1000);
    sw_metrics *m = open_ok(dir);
    T_EQ_INT(sw_metrics_set_namespace_retention(m, "Short", 1, 2, 3), 0);
    const char *ns[2] = {"Short", "Long"};
    for (int k = 0; k < 2; k++)
        for (uint32_t d = 0; d < 10; d++) { /* one sample a minute for 10 days, at day0 + d days */
            sw_datum batch[1440];
            for (uint32_t i = 0; i < 1440; i++)
                batch[i] = (sw_datum){.id = {"123456789012", "us-east-1", ns[k], "M", NULL, 0}, .unit = "None",
                                      .t = day0 + d * 86400 + i * 60, .kind = SW_SAMPLE_VALUE, .v = (double)i};
            T_EQ_INT(sw_metrics_put(m, batch, 1440), 0);
        }
    T_EQ_INT(sw_metrics_flush(m), 0);
    T_ASSERT(sw_metrics_compact(m) >= 0);
    T_EQ_INT(sw_metrics_compact(m), 0);
    size_t got[2][3] = {{0}};
    for (int k = 0; k < 2; k++) {
        sw_metric_id id = {"123456789012", "us-east-1", ns[k], "M", NULL, 0};
        sw_query_result r;
        sw_metrics_query(m, &id, NULL, day0, day0 + 10 * 86400, 86400, 0, &r);
        for (size_t b = 0; r.nunits && b < r.units[0].nbuckets; b++) got[k][0] += (size_t)r.units[0].buckets[b].count;
        sw_query_result_free(&r);
    }
    /* Short keeps its last 3 days (days 7-9: the 3-day cut is day 7), every sample still counted once;
     * Long keeps all 10 days raw. */
    T_EQ_INT(got[0][0], 3 * 1440);
    T_EQ_INT(got[1][0], 10 * 1440);
    size_t tiers[3];
    tier_counts(dir, tiers);
    T_EQ_INT(tiers[0], 10 * 1440 + 1440);     /* Long's 10 days and Short's last day, raw */
    T_EQ_INT(tiers[1], 288);                  /* Short's day 8 in 5-minute roll-ups */
    T_EQ_INT(tiers[2], 24);                   /* Short's day 7 in hours */
    T_EQ_INT(sw_metrics_set_namespace_retention(m, "Short", 1, 2, 3), 0); /* the same namespace again: updated */
    sw_metrics_close(m);
    sw_clock_set_ms(-1);
    rmtree(dir);
}

static void test_name_parsing(void) {
    char n[64];
    uint64_t lo, hi;
    uint32_t v;
    sw_mb_name(n, sizeof n, 3, 0x1234abcd, 7);
    T_EQ_STR(n, "mb-0000000000000003-000000001234abcd-00000007.swb");
    T_EQ_INT(sw_mb_parse_name(n, &lo, &hi, &v), 0);
    T_EQ_INT(lo, 3);
    T_EQ_INT(hi, 0x1234abcd);
    T_EQ_INT(v, 7);
    T_EQ_INT(sw_mb_parse_name("mb-0000000000000003-0000000000000002-00000000.swb", &lo, &hi, &v), -1);
    T_EQ_INT(sw_mb_parse_name("mb-000000000000000G-0000000000000002-00000000.swb", &lo, &hi, &v), -1);
    T_EQ_INT(sw_mb_parse_name("mb-0000000000000001-0000000000000002-00000000.swb.tmp", &lo, &hi, &v), -1);
    T_EQ_INT(sw_mb_parse_name("mb-0000000000000001-0000000000000002.swb", &lo, &hi, &v), -1);
}

sw_test_case sw_tests[] = {
    {"flush_answers_as_the_head_did", test_flush_answers_as_the_head_did},
    {"large_series_splits_blocks", test_large_series_splits_blocks},
    {"crash_states_open_to_the_same_data", test_crash_states_open_to_the_same_data},
    {"damage_is_isolated", test_damage_is_isolated},
    {"name_parsing", test_name_parsing},
    {"namespace_retention", test_namespace_retention},
    {"flush_beside_new_series", test_flush_beside_new_series},
    {"finished_days_head_files_merge", test_finished_days_head_files_merge},
    {"rollups_and_retention_follow_the_clock", test_rollups_and_retention_follow_the_clock},
    {NULL, NULL},
};
#include "test_main.h"
