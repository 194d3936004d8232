/* logstore_bench.c -- the log store against the targets, on a synthetic corpus of realistic lines
 * (access logs, JSON lines, application logs with Java stack traces, 1-5% ERROR) in 100 streams across 10
 * groups: fsync'd ingest through sw_logstore_put in ~1 MB batches, size on disk against `zstd -3` of the raw
 * corpus, a rare-term search against `rg -F` / `grep -F` over the raw file, and the raw bytes per second
 * each kind of filter pattern covers.
 *
 *   make build/logstore_bench ... (see bench/README.md) && build/logstore_bench [dir]
 *   LOGSTORE_BENCH_MB=200 (corpus size)  LOGSTORE_BENCH_THREADS=20 (putting threads) */
#include "clock.h"
#include "filter.h"
#include "logstore.h"
#include "logs_corpus.h"
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GROUPS 10
#define STREAMS_PER_GROUP 10
#define STREAMS (GROUPS * STREAMS_PER_GROUP)
#define BATCH_BYTES (1000 * 1000)
#define RARE LL_RARE

static const sw_log_scope SC = {"123456789012", "us-east-1"};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------- corpus ---------- */

/* The corpus generator is bench/logs_corpus.h's (the wire benchmark's too), on one random state here. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static unsigned pick(unsigned n) { return ll_pick(&rng_state, n); }
static int make_event(int kind, int64_t ms, int error_pct, int rare, char *out, size_t cap) {
    return ll_make_event(&rng_state, kind, ms, error_pct, rare, out, cap);
}

typedef struct batch { sw_log_event *ev; size_t n; } batch;
typedef struct stream_data { char group[32], name[48]; batch *b; size_t nb; } stream_data;

static stream_data streams[STREAMS];
static size_t corpus_bytes, corpus_events;

/* Builds every stream's events as ~1 MB batches (the corpus lives in memory) and writes the raw file. */
static void build_corpus(size_t target, const char *raw_path) {
    FILE *raw = fopen(raw_path, "w");
    size_t per_stream = target / STREAMS;
    int64_t t0 = 1763780000000;
    char *buf = malloc(8192);
    size_t rare_every = target / 200 / 12 + 1;  /* about a dozen occurrences in the corpus */
    for (int s = 0; s < STREAMS; s++) {
        stream_data *sd = &streams[s];
        int g = s / STREAMS_PER_GROUP, kind = g % 3, error_pct = 1 + s % 5;
        snprintf(sd->group, sizeof sd->group, "/bench/group-%02d", g);
        snprintf(sd->name, sizeof sd->name, "i-%04d/app/%s", s, kind == 0 ? "access" : kind == 1 ? "json" : "java");
        int64_t ms = t0;
        size_t bytes = 0;
        batch cur = {malloc(20000 * sizeof(sw_log_event)), 0};
        size_t cur_bytes = 0;
        while (bytes < per_stream) {
            ms += 1 + (int64_t)pick(40);
            int rare = pick((unsigned)rare_every) == 0 && corpus_events % 7 == 3;
            int n = make_event(kind, ms, error_pct, rare, buf, 8192);
            if (cur_bytes + (size_t)n + 26 > BATCH_BYTES || cur.n == 10000) {
                sd->b = realloc(sd->b, (sd->nb + 1) * sizeof *sd->b);
                sd->b[sd->nb++] = cur;
                cur = (batch){malloc(20000 * sizeof(sw_log_event)), 0};
                cur_bytes = 0;
            }
            char *m = malloc((size_t)n);
            memcpy(m, buf, (size_t)n);
            cur.ev[cur.n++] = (sw_log_event){ms, 0, m, (size_t)n};
            cur_bytes += (size_t)n + 26;
            bytes += (size_t)n;
            corpus_events++;
            fwrite(buf, 1, (size_t)n, raw);
            fputc('\n', raw);
        }
        sd->b = realloc(sd->b, (sd->nb + 1) * sizeof *sd->b);
        sd->b[sd->nb++] = cur;
        corpus_bytes += bytes;
    }
    free(buf);
    fclose(raw);
}

/* ---------- ingest ---------- */

typedef struct worker { sw_logstore *s; int first, step; size_t bytes; int failed; } worker;

static void *put_worker(void *arg) {
    worker *w = arg;
    size_t round = 0;
    for (int active = 1; active; round++) {
        active = 0;
        for (int s = w->first; s < STREAMS; s += w->step) {
            stream_data *sd = &streams[s];
            if (round >= sd->nb) continue;
            active = 1;
            batch *b = &sd->b[round];
            if (sw_logstore_put(w->s, &SC, sd->group, sd->name, b->ev, b->n, sw_clock_now_ms())) w->failed = 1;
            for (size_t i = 0; i < b->n; i++) w->bytes += b->ev[i].len;
        }
    }
    return NULL;
}

/* ---------- searching ---------- */

typedef struct count_ctx { size_t events, bytes; } count_ctx;
static void count_event(const char *stream, const sw_log_event *e, uint64_t id, void *arg) {
    count_ctx *c = arg;
    c->events++;
    c->bytes += e->len;
}

/* Runs a FilterLogEvents scan of every group to the end, paging as a client would (10,000 events / 1 MB). */
static size_t filter_everything(sw_logstore *s, const char *pattern, double *secs) {
    sw_filter *f = sw_filter_compile(pattern, strlen(pattern), NULL, 0);
    if (!f) { fprintf(stderr, "bad pattern %s\n", pattern); exit(1); }
    count_ctx c = {0, 0};
    double t = now_s();
    for (int g = 0; g < GROUPS; g++) {
        uint64_t cur = 0, next = 0;
        do {
            sw_logstore_filter(s, &SC, streams[g * STREAMS_PER_GROUP].group, NULL, 0, NULL, INT64_MIN, INT64_MAX, f, cur, 10000, 1 << 20,
                               count_event, &c, &next);
            cur = next;
        } while (next);
    }
    *secs = now_s() - t;
    sw_filter_free(f);
    return c.events;
}

static double run_cmd(const char *cmd, char *out, size_t n) {
    double t = now_s();
    FILE *p = popen(cmd, "r");
    out[0] = 0;
    if (p) {
        size_t k = fread(out, 1, n - 1, p);
        out[k] = 0;
        pclose(p);
    }
    return now_s() - t;
}

int main(int argc, char **argv) {
    const char *env = getenv("LOGSTORE_BENCH_MB"), *tenv = getenv("LOGSTORE_BENCH_THREADS");
    size_t mb = env ? (size_t)atol(env) : 200;
    int threads = tenv ? atoi(tenv) : 20;
    char dir[256], raw_path[300], cmd[1024], out[4096];
    snprintf(dir, sizeof dir, "%s", argc > 1 ? argv[1] : "/tmp/logstore-bench");
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd)) return 1;
    snprintf(raw_path, sizeof raw_path, "%s/raw.log", dir);

    double t = now_s();
    build_corpus(mb << 20, raw_path);
    printf("corpus: %.1f MB raw in %zu events, %d streams in %d groups (built in %.1f s)\n", (double)corpus_bytes / 1e6, corpus_events,
           STREAMS, GROUPS, now_s() - t);

    char err[256];
    snprintf(cmd, sizeof cmd, "%s/store", dir);
    sw_logstore *s = sw_logstore_open(cmd, err, sizeof err);
    if (!s) { fprintf(stderr, "open: %s\n", err); return 1; }
    for (int i = 0; i < STREAMS; i++) {
        sw_logstore_create_group(s, &SC, streams[i].group, 1);
        sw_logstore_create_stream(s, &SC, streams[i].group, streams[i].name, 1);
    }
    pthread_t tid[256];
    worker w[256];
    if (threads > 256) threads = 256;
    t = now_s();
    for (int i = 0; i < threads; i++) {
        w[i] = (worker){s, i, threads, 0, 0};
        pthread_create(&tid[i], NULL, put_worker, &w[i]);
    }
    size_t put_bytes = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        put_bytes += w[i].bytes;
        if (w[i].failed) fprintf(stderr, "a put failed\n");
    }
    double put_s = now_s() - t;
    sw_logstore_flush(s);
    double all_s = now_s() - t;
    printf("ingest: %.0f MB/s acknowledged (fsync'd) through sw_logstore_put, %d threads, ~1 MB batches; %.0f MB/s until every "
           "event is in compressed segments\n",
           (double)put_bytes / 1e6 / put_s, threads, (double)put_bytes / 1e6 / all_s);

    sw_logstore_stats st;
    sw_logstore_get_stats(s, &st);
    snprintf(cmd, sizeof cmd, "zstd -3 -q -c '%s' | wc -c", raw_path);
    double zs = run_cmd(cmd, out, sizeof out);
    double zbytes = atof(out);
    printf("size: %.1f MB in %" PRIu64 " segments (%.2fx of raw); zstd -3 of the raw file: %.1f MB (%.2fx, %.1f s); store/zstd = %.3f\n",
           (double)st.segment_bytes / 1e6, st.segments, (double)corpus_bytes / (double)st.segment_bytes, zbytes / 1e6,
           (double)corpus_bytes / zbytes, zs, (double)st.segment_bytes / zbytes);

    /* The rare term: the store against a plain scan of the raw file (page cache warm). */
    snprintf(cmd, sizeof cmd, "cat '%s' > /dev/null", raw_path);
    run_cmd(cmd, out, sizeof out);
    const char *grep = system("command -v rg > /dev/null 2>&1") == 0 ? "rg -F -c" : "grep -F -c";
    snprintf(cmd, sizeof cmd, "%s %s '%s'", grep, RARE, raw_path);
    double g1 = run_cmd(cmd, out, sizeof out);
    double g2 = run_cmd(cmd, out, sizeof out);
    double gs = g1 < g2 ? g1 : g2;
    int glines = atoi(out);
    sw_logstore_stats before, after;
    sw_logstore_get_stats(s, &before);
    double fs;
    size_t hits = filter_everything(s, RARE, &fs);
    sw_logstore_get_stats(s, &after);
    printf("rare term: sw_logstore_filter %.1f ms (%zu events, %" PRIu64 " blocks read, %" PRIu64 " skipped) vs `%s` %.1f ms (%d lines)\n",
           fs * 1e3, hits, after.blocks_read - before.blocks_read, after.blocks_skipped - before.blocks_skipped, grep, gs * 1e3, glines);

    /* Every kind of pattern, scanning all groups to the end. */
    static const char *patterns[][2] = {
        {"term (rare)", RARE},
        {"term (common, ERROR)", "ERROR"},
        {"terms AND", "ERROR timeout"},
        {"phrase", "\"connection reset\""},
        {"exclusion", "ERROR -timeout"},
        {"OR", "?NullPointerException ?SocketTimeoutException"},
        {"regex", "%timeout=[0-9]+%"},
        {"JSON", "{ $.level = \"ERROR\" && $.latency_ms > 20000 }"},
        {"delimited", "[ip, id, user, ts, request, status = 5*, bytes > 1000, ...]"},
        {"match all (empty)", ""},
    };
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        sw_logstore_get_stats(s, &before);
        size_t n = filter_everything(s, patterns[i][1], &fs);
        sw_logstore_get_stats(s, &after);
        printf("  %-22s %-58s %8zu events %7.0f ms  %6.2f GB/s of raw text  (%" PRIu64 " blocks read, %" PRIu64 " skipped)\n", patterns[i][0],
               patterns[i][1], n, fs * 1e3, (double)corpus_bytes / fs / 1e9, after.blocks_read - before.blocks_read,
               after.blocks_skipped - before.blocks_skipped);
    }
    sw_logstore_close(s);
    return 0;
}
