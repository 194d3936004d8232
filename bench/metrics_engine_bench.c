/* metrics_engine_bench.c -- issue 3's storage-engine figures, in-process (no wire): SERIES series x 1 day at 10 s
 * put through sw_metrics_put in batches of 1,000 datums (PutMetricData's size) from THREADS threads, time-major
 * as live ingest arrives; the engine seals its head into block files as it goes (every 4 Mi samples). Then:
 * the disk after a clean stop, the disk after the day's head files are merged (the engine clock moved past the
 * day), the start-up time and RSS of opening that directory, and a query of one series' day.
 * Prints one JSON line per figure.
 * Usage: metrics_engine_bench --dir DIR [--series N] [--shape full|dec2] [--threads N] */
#include "clock.h"
#include "metrics.h"
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define DAY_SAMPLES 8640
#define BATCH 1000

static size_t SERIES = 10000;
static int SHAPE, THREADS = 4;
static uint32_t T0;
static sw_metrics *M;
static char (*HOST)[32];
static double *LEVEL;

static double now_s(clockid_t c) {
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) kb = atol(line + 6);
    if (f) fclose(f);
    return kb;
}

static unsigned long long dir_bytes(const char *dir, const char *prefix) {
    DIR *d = opendir(dir);
    struct dirent *e;
    unsigned long long total = 0;
    char p[4200];
    struct stat st;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.' || strncmp(e->d_name, prefix, strlen(prefix))) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) total += (unsigned long long)st.st_size;
    }
    if (d) closedir(d);
    return total;
}

static const char *NAMES[4] = {"CPUUtilization", "Latency", "RequestCount", "FreeMemory"};

static void id_of(size_t s, sw_metric_id *id, sw_dim *dims) {
    dims[0] = (sw_dim){"Host", HOST[s]};
    dims[1] = (sw_dim){"Service", s % 3 == 0 ? "checkout" : s % 3 == 1 ? "search" : "auth"};
    *id = (sw_metric_id){"123456789012", "us-east-1", s % 2 ? "App/Web" : "App/Worker", NAMES[s % 4], dims, 2};
}

typedef struct { int k; uint64_t x; } worker;

static void *put_thread(void *arg) {
    worker *w = arg;
    sw_datum *d = calloc(BATCH, sizeof *d);
    sw_dim (*dims)[2] = calloc(BATCH, sizeof *dims);
    double *x = calloc(SERIES, sizeof *x);
    for (size_t s = (size_t)w->k; s < SERIES; s += (size_t)THREADS) x[s] = LEVEL[s];
    size_t n = 0;
    for (uint32_t i = 0; i < DAY_SAMPLES; i++) {
        for (size_t s = (size_t)w->k; s < SERIES; s += (size_t)THREADS) {
            w->x ^= w->x << 13, w->x ^= w->x >> 7, w->x ^= w->x << 17;
            x[s] += ((double)(w->x >> 11) / 9007199254740992.0 - 0.5) * LEVEL[s] * 0.01;
            id_of(s, &d[n].id, dims[n]);
            d[n].unit = "None";
            d[n].t = T0 + 10 * i;
            d[n].kind = SW_SAMPLE_VALUE;
            d[n].v = SHAPE ? (double)llround(x[s] * 100) / 100 : x[s];
            if (++n == BATCH) {
                if (sw_metrics_put(M, d, n)) { fprintf(stderr, "put failed\n"); exit(1); }
                n = 0;
            }
        }
    }
    if (n && sw_metrics_put(M, d, n)) { fprintf(stderr, "put failed\n"); exit(1); }
    free(d);
    free(dims);
    free(x);
    return NULL;
}

int main(int argc, char **argv) {
    const char *dir = NULL, *shape = "full";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--series")) SERIES = (size_t)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--shape")) shape = argv[i + 1];
        else if (!strcmp(argv[i], "--dir")) dir = argv[i + 1];
        else if (!strcmp(argv[i], "--threads")) THREADS = atoi(argv[i + 1]);
    }
    if (!dir) { fprintf(stderr, "usage: metrics_engine_bench --dir DIR [--series N] [--shape full|dec2] [--threads N]\n"); return 2; }
    SHAPE = !strcmp(shape, "dec2");
    HOST = calloc(SERIES, sizeof *HOST);
    LEVEL = calloc(SERIES, sizeof *LEVEL);
    for (size_t s = 0; s < SERIES; s++) {
        snprintf(HOST[s], sizeof HOST[s], "i-%016zx", s * 0x9E3779B1u);
        LEVEL[s] = 10 + (double)(s % 1000);
    }
    T0 = (uint32_t)(time(NULL) / 86400 * 86400 - 3 * 86400);
    sw_clock_set_ms(((int64_t)T0 + 86400 + 3600) * 1000); /* the day is raw data: no roll-ups */
    char err[256];
    M = sw_metrics_open(dir, err, sizeof err);
    if (!M) { fprintf(stderr, "%s\n", err); return 1; }
    uint64_t samples = (uint64_t)SERIES * DAY_SAMPLES;

    /* Ingest. */
    pthread_t *th = calloc((size_t)THREADS, sizeof *th);
    worker *w = calloc((size_t)THREADS, sizeof *w);
    double w0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    for (int k = 0; k < THREADS; k++) {
        w[k] = (worker){k, 0x9E3779B97F4A7C15ull + (uint64_t)k};
        pthread_create(&th[k], NULL, put_thread, &w[k]);
    }
    for (int k = 0; k < THREADS; k++) pthread_join(th[k], NULL);
    double w1 = now_s(CLOCK_MONOTONIC), c1 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    long rss_ingest = rss_kb();
    sw_metrics_stats st;
    sw_metrics_get_stats(M, &st);
    printf("{\"bench\":\"metrics-engine-ingest\",\"shape\":\"%s\",\"series\":%zu,\"samples\":%llu,\"threads\":%d,"
           "\"samples_per_s\":%.0f,\"cpu_us_per_sample\":%.3f,\"flushes\":%llu,\"rss_mb\":%.1f}\n",
           shape, SERIES, (unsigned long long)samples, THREADS, samples / (w1 - w0), (c1 - c0) * 1e6 / samples,
           (unsigned long long)st.flushes, rss_ingest / 1024.0);
    fflush(stdout);
    double s0 = now_s(CLOCK_MONOTONIC);
    sw_metrics_close(M);
    double s1 = now_s(CLOCK_MONOTONIC);
    unsigned long long blocks = dir_bytes(dir, "mb-"), wal = dir_bytes(dir, "metrics.wal");
    printf("{\"bench\":\"metrics-engine-disk-stopped\",\"shape\":\"%s\",\"bytes_per_sample\":%.3f,\"block_bytes\":%llu,"
           "\"wal_bytes\":%llu,\"clean_stop_s\":%.2f}\n", shape, (double)(blocks + wal) / samples, blocks, wal, s1 - s0);
    fflush(stdout);

    /* The day over: its head files merge into one (blocks of a whole day per series). */
    sw_clock_set_ms(((int64_t)T0 + 2 * 86400 + 3600) * 1000);
    M = sw_metrics_open(dir, err, sizeof err);
    double m0 = now_s(CLOCK_MONOTONIC), mc0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    int rc;
    while ((rc = sw_metrics_compact(M)) == 1) {}
    double m1 = now_s(CLOCK_MONOTONIC), mc1 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    sw_metrics_close(M);
    blocks = dir_bytes(dir, "mb-"), wal = dir_bytes(dir, "metrics.wal");
    printf("{\"bench\":\"metrics-engine-disk-compacted\",\"shape\":\"%s\",\"bytes_per_sample\":%.3f,\"block_bytes\":%llu,"
           "\"wal_bytes\":%llu,\"compact_s\":%.2f,\"compact_cpu_us_per_sample\":%.3f,\"rc\":%d}\n", shape,
           (double)(blocks + wal) / samples, blocks, wal, m1 - m0, (mc1 - mc0) * 1e6 / samples, rc);
    fflush(stdout);

    /* Start-up and memory. */
    long rss0 = rss_kb();
    double o0 = now_s(CLOCK_MONOTONIC);
    M = sw_metrics_open(dir, err, sizeof err);
    double o1 = now_s(CLOCK_MONOTONIC);
    long rss1 = rss_kb();
    sw_metrics_get_stats(M, &st);
    /* One series' day at 5 minutes, as GetMetricStatistics asks (decodes one block from the map). */
    sw_metric_id id;
    sw_dim dims[2];
    double q0 = now_s(CLOCK_MONOTONIC);
    size_t buckets = 0;
    for (size_t s = 0; s < 100; s++) {
        id_of(s * (SERIES / 100), &id, dims);
        sw_query_result r;
        sw_metrics_query(M, &id, NULL, T0, T0 + 86400, 300, 0, &r);
        buckets += r.nunits ? r.units[0].nbuckets : 0;
        sw_query_result_free(&r);
    }
    double q1 = now_s(CLOCK_MONOTONIC);
    printf("{\"bench\":\"metrics-engine-startup\",\"shape\":\"%s\",\"samples\":%llu,\"series\":%llu,\"files\":%llu,"
           "\"open_ms\":%.1f,\"rss_added_mb\":%.1f,\"rss_mb\":%.1f,\"query_1day_5min_us\":%.1f,\"buckets\":%zu}\n", shape,
           (unsigned long long)st.samples, (unsigned long long)st.series, (unsigned long long)st.block_files,
           (o1 - o0) * 1e3, (rss1 - rss0) / 1024.0, rss1 / 1024.0, (q1 - q0) * 1e6 / 100, buckets);
    sw_metrics_close(M);
    return 0;
}
