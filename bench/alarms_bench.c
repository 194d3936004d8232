/* alarms_bench.c -- alarm evaluation against issue 4's target: 100,000 metric alarms over 100,000 series,
 * CPU seconds per evaluation cycle (target under 5 s on one core) and RSS, in-process through the metrics
 * and alarms engines (no HTTP), on the manual clock, with the logs fsync'd on the repository's disk.
 *
 * Setup: one datapoint per series per minute for the last 30 minutes (AWS/ECS CPUUtilization, dimensions
 * ClusterName/ServiceName) through sw_metrics_put in batches of 1,000; one alarm per series through
 * sw_alarms_put (the PutMetricAlarm path without the wire): Average > 80 for 2 of 3 periods of 60 s, p99
 * instead of Average on 10 %, Period 300 on 20 %, no actions. 10 % of the series breach. Then evaluation
 * cycles of sw_alarms_tick one minute apart; before each later cycle every series gets the next minute's
 * datapoint (untimed), and 1 % of the series start breaching, so the third cycle has a few transitions.
 *
 *   bash bench/alarms_run.sh          (builds and runs it; see bench/README.md)
 *   build/bench/alarms_bench DIR [RESULTS.jsonl]
 *   ALARMS_BENCH_N=100000 (alarms = series)  ALARMS_BENCH_CYCLES=3 */
#include "alarms.h"
#include "alloc.h"
#include "clock.h"
#include "metrics.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define ACCOUNT "123456789012"
#define REGION "us-east-1"
#define BATCH 1000
#define MINUTES 30
#define NOW_MS 1795348800000LL /* 2026-11-22T12:00:00Z, a minute boundary */

typedef struct series_name { char cluster[24], service[32]; } series_name;

static size_t nseries;
static series_name *names;
static FILE *results;

/* ---------- measuring ---------- */

static double clock_s(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct sample { double wall, proc, thread; } sample;
static sample sample_now(void) {
    return (sample){clock_s(CLOCK_MONOTONIC), clock_s(CLOCK_PROCESS_CPUTIME_ID), clock_s(CLOCK_THREAD_CPUTIME_ID)};
}
static sample sample_since(sample a) {
    sample b = sample_now();
    return (sample){b.wall - a.wall, b.proc - a.proc, b.thread - a.thread};
}

/* VmRSS (or another /proc/self/status field) in bytes. */
static double status_bytes(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = 0;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') kb = atof(line + n + 1);
    if (f) fclose(f);
    return kb * 1024;
}

static double file_bytes(const char *dir, const char *name) {
    char path[1100];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 ? (double)st.st_size : 0;
}

/* ---------- the series and their datapoints ---------- */

/* 10 % breach from the start (every kind of alarm among them); another 1 % from minute 0 on. */
static int breaches_at(size_t i, int minute) { return i % 100 < 10 || (minute >= 0 && i % 100 == 10); }

static double value_of(size_t i, int minute) {
    uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ (uint64_t)(minute + 1000) * 0xBF58476D1CE4E5B9ull;
    x ^= x >> 31, x *= 0x94D049BB133111EBull, x ^= x >> 29;
    return breaches_at(i, minute) ? 85 + (double)(x % 1000) / 100 : 10 + (double)(x % 5000) / 100;
}

/* Puts the datapoint of minute m (relative to NOW_MS; -1 is the minute before now) for every series. */
static void put_minute(sw_metrics *m, int minute) {
    static sw_datum batch[BATCH];
    static sw_dim dims[BATCH][2];
    size_t n = 0;
    for (size_t i = 0; i < nseries; i++) {
        dims[n][0] = (sw_dim){"ClusterName", names[i].cluster};
        dims[n][1] = (sw_dim){"ServiceName", names[i].service};
        batch[n] = (sw_datum){.id = {ACCOUNT, REGION, "AWS/ECS", "CPUUtilization", dims[n], 2},
                              .unit = "Percent",
                              .t = (uint32_t)(NOW_MS / 1000 + minute * 60 + (int)(i % 60)),
                              .kind = SW_SAMPLE_VALUE,
                              .v = value_of(i, minute)};
        if (++n == BATCH || i + 1 == nseries) {
            if (sw_metrics_put(m, batch, n)) { fprintf(stderr, "sw_metrics_put failed\n"); exit(1); }
            n = 0;
        }
    }
}

/* ---------- the alarms ---------- */

static sw_alarm *make_alarm(size_t i) {
    sw_alarm *al = sw_calloc(1, sizeof *al);
    char name[128];
    snprintf(name, sizeof name, "ecs-cpu-high-%s-%s", names[i].cluster, names[i].service);
    al->account = sw_strdup(ACCOUNT);
    al->region = sw_strdup(REGION);
    al->name = sw_strdup(name);
    al->actions_enabled = 1;
    al->ns = sw_strdup("AWS/ECS");
    al->metric = sw_strdup("CPUUtilization");
    al->dims[0] = (sw_kv){sw_strdup("ClusterName"), sw_strdup(names[i].cluster)};
    al->dims[1] = (sw_kv){sw_strdup("ServiceName"), sw_strdup(names[i].service)};
    al->ndims = 2;
    if (i % 10 == 3) al->extended = sw_strdup("p99");
    else al->statistic = sw_strdup("Average");
    al->period = i % 5 == 1 ? 300 : 60;
    al->eval_periods = 3;
    al->datapoints = 2;
    al->threshold = 80;
    al->cmp = SW_CMP_GT;
    al->treat = SW_MISSING_MISSING;
    return al;
}

typedef struct states { size_t ok, alarm, insufficient; } states;

/* Counts states and, when prev is given, the alarms whose state differs from prev (same sorted list). */
static states count_states(sw_alarms *a, unsigned char *prev, size_t *changed) {
    states s = {0, 0, 0};
    size_t n;
    sw_alarms_lock(a);
    sw_alarm **all = sw_alarms_list(a, ACCOUNT, REGION, &n);
    if (changed) *changed = 0;
    for (size_t i = 0; i < n; i++) {
        sw_alarm_state st = all[i]->state;
        if (st == SW_ALARM_OK) s.ok++;
        else if (st == SW_ALARM_ALARM) s.alarm++;
        else s.insufficient++;
        if (changed && prev[i] != (unsigned char)st) (*changed)++;
        prev[i] = (unsigned char)st;
    }
    sw_alarms_unlock(a);
    sw_free(all);
    return s;
}

static size_t history_items(sw_alarms *a) {
    size_t n;
    sw_alarms_lock(a);
    sw_alarms_history(a, &n);
    sw_alarms_unlock(a);
    return n;
}

typedef struct cycle { sample cost; size_t transitions, history; states st; double rss, wal, ingest_s; } cycle;

int main(int argc, char **argv) {
    const char *env = getenv("ALARMS_BENCH_N"), *cenv = getenv("ALARMS_BENCH_CYCLES");
    nseries = env ? (size_t)atol(env) : 100000;
    int ncycles = cenv ? atoi(cenv) : 3;
    if (ncycles < 1 || ncycles > 60) ncycles = 3;
    const char *dir = argc > 1 ? argv[1] : "build/bench/alarms-data";
    char cmd[1200], err[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd)) return 1;
    if (argc > 2 && !(results = fopen(argv[2], "a"))) { perror(argv[2]); return 1; }

    names = sw_calloc(nseries, sizeof *names);
    for (size_t i = 0; i < nseries; i++) {
        snprintf(names[i].cluster, sizeof names[i].cluster, "cluster-%02zu", i % 50);
        snprintf(names[i].service, sizeof names[i].service, "service-%06u", (unsigned)i);
    }
    sw_clock_set_ms(NOW_MS);
    double rss_empty = status_bytes("VmRSS");

    sw_metrics *m = sw_metrics_open(dir, err, sizeof err);
    if (!m) { fprintf(stderr, "metrics: %s\n", err); return 1; }
    sample t = sample_now();
    for (int k = -MINUTES; k < 0; k++) put_minute(m, k);
    sample ingest = sample_since(t);
    double rss_metrics = status_bytes("VmRSS");
    fprintf(stderr, "datapoints: %zu series x %d minutes in %.1f s (%.1f s CPU), RSS %.0f MB\n", nseries, MINUTES, ingest.wall,
            ingest.proc, rss_metrics / 1e6);

    sw_alarms *a = sw_alarms_open(dir, m, err, sizeof err);
    if (!a) { fprintf(stderr, "alarms: %s\n", err); return 1; }
    t = sample_now();
    for (size_t i = 0; i < nseries; i++) {
        sw_alarms_lock(a);
        int rc = sw_alarms_put(a, make_alarm(i), NOW_MS);
        sw_alarms_unlock(a);
        if (rc) { fprintf(stderr, "sw_alarms_put failed at %zu\n", i); return 1; }
        if ((i + 1) % 10000 == 0) fprintf(stderr, "  %zu alarms, %.1f s\n", i + 1, sample_since(t).wall);
    }
    if (sw_alarms_sync(a)) { fprintf(stderr, "sw_alarms_sync failed\n"); return 1; }
    sample create = sample_since(t);
    double rss_setup = status_bytes("VmRSS"), wal_setup = file_bytes(dir, "alarms.wal");
    fprintf(stderr, "alarms: %zu created in %.1f s (%.1f s CPU), alarms.wal %.1f MB, RSS %.0f MB\n", nseries, create.wall,
            create.proc, wal_setup / 1e6, rss_setup / 1e6);

    unsigned char *prev = sw_calloc(nseries, 1);
    count_states(a, prev, NULL);
    cycle cy[60];
    for (int c = 0; c < ncycles; c++) {
        int64_t now = NOW_MS + c * 60000LL;
        sample in = sample_now();
        if (c > 0) put_minute(m, c - 1); /* the minute that just ended */
        cy[c].ingest_s = sample_since(in).wall;
        sw_clock_set_ms(now);
        size_t h0 = history_items(a);
        t = sample_now();
        sw_alarms_tick(a, now);
        cy[c].cost = sample_since(t);
        cy[c].history = history_items(a) - h0;
        cy[c].st = count_states(a, prev, &cy[c].transitions);
        cy[c].rss = status_bytes("VmRSS");
        cy[c].wal = file_bytes(dir, "alarms.wal");
        /* The monotonic times let `perf record -k mono` be cut to the cycle (perf report --time). */
        fprintf(stderr, "cycle %d [monotonic %.3f,%.3f]: %.2f s wall, %.2f s CPU (%.2f s this thread), %zu transitions, OK %zu "
                "ALARM %zu INSUFFICIENT %zu, RSS %.0f MB (next minute's datapoints put in %.1f s before)\n",
                c + 1, t.wall, t.wall + cy[c].cost.wall, cy[c].cost.wall, cy[c].cost.proc, cy[c].cost.thread, cy[c].transitions, cy[c].st.ok, cy[c].st.alarm,
                cy[c].st.insufficient, cy[c].rss / 1e6, cy[c].ingest_s);
    }

    double hwm_cycles = status_bytes("VmHWM");
    /* Restart: replaying alarms.wal (alarms, their history and the state records of the cycles). */
    sw_alarms_close(a);
    t = sample_now();
    a = sw_alarms_open(dir, m, err, sizeof err);
    sample reopen = sample_since(t);
    if (!a) { fprintf(stderr, "reopen: %s\n", err); return 1; }
    double hwm = status_bytes("VmHWM");

    double per_alarm = (rss_setup - rss_metrics) / (double)nseries;
    printf("\n| Alarm evaluation, %zu alarms over %zu series | skywatch |\n|---|---|\n", nseries, nseries);
    printf("| datapoints put (%d min x %zu series, batches of %d, fsync'd) | %.1f s wall, %.1f s CPU |\n", MINUTES, nseries, BATCH,
           ingest.wall, ingest.proc);
    printf("| create %zu alarms (sw_alarms_put, one fsync at the end) | %.1f s wall, %.1f s CPU (%.0f µs wall per alarm) |\n", nseries,
           create.wall, create.proc, create.wall / (double)nseries * 1e6);
    printf("| alarms.wal after create / after cycles | %.1f MB / %.1f MB |\n", wal_setup / 1e6, cy[ncycles - 1].wal / 1e6);
    for (int c = 0; c < ncycles; c++)
        printf("| cycle %d: CPU s (process / evaluating thread), wall s | **%.2f** / %.2f, %.2f (%zu transitions, %zu history items) |\n",
               c + 1, cy[c].cost.proc, cy[c].cost.thread, cy[c].cost.wall, cy[c].transitions, cy[c].history);
    printf("| RSS: empty / metrics loaded / + alarms / after cycles / peak | %.0f / %.0f / %.0f / %.0f / %.0f MB |\n", rss_empty / 1e6,
           rss_metrics / 1e6, rss_setup / 1e6, cy[ncycles - 1].rss / 1e6, hwm / 1e6);
    printf("| peak RSS before the reopen | %.0f MB |\n", hwm_cycles / 1e6);
    printf("| RSS per alarm (after create, over metrics loaded) | %.0f bytes |\n", per_alarm);
    printf("| RSS per alarm after the cycles | %.0f bytes |\n", (cy[ncycles - 1].rss - rss_metrics) / (double)nseries);
    printf("| reopen (replay alarms.wal) | %.2f s wall, %.2f s CPU |\n", reopen.wall, reopen.proc);

    if (results) {
        fprintf(results,
                "{\"server\":\"skywatch\",\"step\":\"alarms_setup\",\"alarms\":%zu,\"series\":%zu,\"datapoints\":%zu,"
                "\"ingest_wall_s\":%.3f,\"ingest_cpu_s\":%.3f,\"create_wall_s\":%.3f,\"create_cpu_s\":%.3f,"
                "\"wal_bytes\":%.0f,\"rss_empty_bytes\":%.0f,\"rss_metrics_bytes\":%.0f,\"rss_alarms_bytes\":%.0f,"
                "\"rss_per_alarm_bytes\":%.0f,\"reopen_wall_s\":%.3f,\"rss_peak_cycles_bytes\":%.0f,\"rss_peak_bytes\":%.0f}\n",
                nseries, nseries, nseries * MINUTES, ingest.wall, ingest.proc, create.wall, create.proc, wal_setup, rss_empty,
                rss_metrics, rss_setup, per_alarm, reopen.wall, hwm_cycles, hwm);
        for (int c = 0; c < ncycles; c++)
            fprintf(results,
                    "{\"server\":\"skywatch\",\"step\":\"alarms_cycle%d\",\"alarms\":%zu,\"cpu_s\":%.3f,\"thread_cpu_s\":%.3f,"
                    "\"wall_s\":%.3f,\"transitions\":%zu,\"history_items\":%zu,\"ok\":%zu,\"alarm\":%zu,\"insufficient\":%zu,"
                    "\"rss_bytes\":%.0f,\"wal_bytes\":%.0f}\n",
                    c + 1, nseries, cy[c].cost.proc, cy[c].cost.thread, cy[c].cost.wall, cy[c].transitions, cy[c].history,
                    cy[c].st.ok, cy[c].st.alarm, cy[c].st.insufficient, cy[c].rss, cy[c].wal);
        fclose(results);
    }
    sw_alarms_close(a);
    sw_metrics_close(m);
    sw_free(prev);
    sw_free(names);
    return 0;
}
