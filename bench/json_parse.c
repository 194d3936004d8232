/* json_parse.c -- benchmark: sw_json_decode against jansson's json_loadb on a 1,000-datum PutMetricData body. */
#include "arena.h"
#include "buf.h"
#include "json.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DATUMS 1000
#define ROUNDS 7

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Appends one datum the way botocore serializes it: 3 dimensions, a timestamp with milliseconds,
 * and either a Value or (every 10th datum) StatisticValues. */
static void put_datum(sw_buf *b, int i) {
    static const char *names[] = {"Latency", "RequestCount", "ErrorRate", "CPUUtilization"};
    static const char *units[] = {"Milliseconds", "Count", "Percent", "Percent"};
    sw_buf_printf(b, "%s{\"MetricName\":\"%s\",\"Dimensions\":[{\"Name\":\"Host\",\"Value\":\"i-0a1b2c3d4e5f%05d\"},"
                  "{\"Name\":\"Region\",\"Value\":\"us-east-1\"},{\"Name\":\"Endpoint\",\"Value\":\"/api/v1/orders/%d\"}],"
                  "\"Timestamp\":%d.%03d,", i ? "," : "", names[i % 4], i % 97, i % 13, 1700000000 + i / 10, (i * 37) % 1000);
    if (i % 10 == 9)
        sw_buf_printf(b, "\"StatisticValues\":{\"SampleCount\":%d,\"Sum\":%d.%d,\"Minimum\":0.%d,\"Maximum\":%d.75},",
                      60 + i % 7, 1000 + i, i % 10, i % 9 + 1, 90 + i % 10);
    else
        sw_buf_printf(b, "\"Value\":%d.%02d,", (i * 7919) % 5000, i % 100);
    sw_buf_printf(b, "\"Unit\":\"%s\"}", units[i % 4]);
}

static double bench_sw(const char *body, size_t len, int iters) {
    double best = 1e300;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_ns();
        for (int k = 0; k < iters; k++) {
            sw_arena a;
            sw_arena_init(&a, 64u << 20);
            sw_value *v;
            char err[128];
            if (sw_json_decode(&a, body, len, &v, err, sizeof err) != 0) { fprintf(stderr, "sw: %s\n", err); exit(1); }
            if (sw_v_get(v, "MetricData")->u.list.n != DATUMS) exit(1);
            sw_arena_free(&a);
        }
        double t = (now_ns() - t0) / iters;
        if (t < best) best = t;
    }
    return best;
}

static double bench_jansson(const char *body, size_t len, int iters) {
    double best = 1e300;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_ns();
        for (int k = 0; k < iters; k++) {
            json_error_t err;
            json_t *v = json_loadb(body, len, 0, &err);
            if (!v) { fprintf(stderr, "jansson: %s\n", err.text); exit(1); }
            if (json_array_size(json_object_get(v, "MetricData")) != DATUMS) exit(1);
            json_decref(v);
        }
        double t = (now_ns() - t0) / iters;
        if (t < best) best = t;
    }
    return best;
}

static void print_arena_use(const char *body, size_t len) {
    sw_arena a;
    sw_arena_init(&a, 0);
    sw_value *v;
    sw_json_decode(&a, body, len, &v, NULL, 0);
    printf("sw_json arena: %zu bytes for the decoded tree\n", a.used_total);
    sw_arena_free(&a);
}

static void report(const char *name, double ns_per_body, size_t len) {
    printf("%-14s %9.1f us/body %8.1f ns/datum %8.1f MB/s\n", name, ns_per_body / 1e3, ns_per_body / DATUMS,
           len / (ns_per_body / 1e9) / 1e6);
}

/* Usage: bench_json [iterations [sw_json|jansson]] */
int main(int argc, char **argv) {
    int iters = argc > 1 ? atoi(argv[1]) : 300;
    const char *only = argc > 2 ? argv[2] : "";  /* "sw_json" or "jansson" runs just that one, for perf */
    sw_buf b;
    sw_buf_init(&b);
    sw_buf_puts(&b, "{\"Namespace\":\"MyCompany/OrderService\",\"MetricData\":[");
    for (int i = 0; i < DATUMS; i++) put_datum(&b, i);
    sw_buf_puts(&b, "]}");
    printf("body: %zu bytes, %d datums, %d iterations x %d rounds (best round)\n", b.len, DATUMS, iters, ROUNDS);
    print_arena_use(b.data, b.len);
    if (strcmp(only, "jansson") != 0) report("sw_json", bench_sw(b.data, b.len, iters), b.len);
    if (strcmp(only, "sw_json") != 0) report("jansson", bench_jansson(b.data, b.len, iters), b.len);
    sw_buf_free(&b);
    return 0;
}
