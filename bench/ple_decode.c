/* ple_decode.c -- micro-benchmark: decoding a 1 MB PutLogEvents body (AWS JSON 1.1) with the one-pass decoder
 * (src/ple_json.c, what the server runs) against jansson's json_loadb on the same body. The messages are
 * the logs benchmark's corpus (bench/logs_corpus.h), its three kinds of stream in turn, 3 % errors:
 * access-log and JSON lines, whose quotes the body escapes, and Java application logs.
 *
 * Build and run (after `make`):
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Isrc -Ibench -pthread -o build/ple_decode bench/ple_decode.c \
 *      $(find build/obj -name '*.o' ! -name main.o) -lmicrohttpd -ljansson -lcurl -lcrypto -lz -ldeflate -lzstd \
 *      -llz4 -lpcre2-8 -lm && build/ple_decode */
#include "buf.h"
#include "logs_corpus.h"
#include "json.h"
#include "model.h"
#include "ple.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BODY_BYTES 1000000
#define ROUNDS 300

extern const char sw_model_logs[], sw_model_logs_end[];

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Usage: ple_decode [KIND [sw]] -- KIND 0, 1 or 2: every message of that kind (a request carries one stream,
 * so one kind); -1 (the default): the three in turn. "sw" times the one-pass decoder alone (for perf). */
int main(int argc, char **argv) {
    int kind = argc > 1 ? atoi(argv[1]) : -1;
    int sw_only = argc > 2 && strcmp(argv[2], "sw") == 0;
    char err[256];
    sw_model *model = sw_model_load(sw_model_logs, (size_t)(sw_model_logs_end - sw_model_logs), err, sizeof err);
    const sw_operation *op = model ? sw_model_op(model, "PutLogEvents", 12) : NULL;
    if (!op) { fprintf(stderr, "model: %s\n", err); return 1; }
    sw_buf b;
    sw_buf_init(&b);
    sw_buf_puts(&b, "{\"logGroupName\":\"/bench/group-00\",\"logStreamName\":\"i-0000/app/mixed\",\"logEvents\":[");
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    static char ev[8192];
    int n = 0;
    for (; b.len < BODY_BYTES; n++) {
        long long ms = 1764777961000LL + n;
        int len = ll_make_event(&rng, kind >= 0 && kind < 3 ? kind : n % 3, ms, 3, 0, ev, sizeof ev);
        sw_buf_printf(&b, "%s{\"timestamp\":%lld,\"message\":", n ? "," : "", ms);
        sw_json_put_string(&b, ev, (size_t)len);
        sw_buf_putc(&b, '}');
    }
    sw_buf_puts(&b, "]}");
    double best_sw = 1e300, best_jansson = 1e300;
    for (int r = 0; r < ROUNDS; r++) {
        sw_arena a;
        sw_arena_init(&a, 0);
        sw_ple p;
        double t = now_s();
        if (sw_ple_json_decode(&a, op->input, b.data, b.len, &p) != 0 || p.n != (size_t)n) { fprintf(stderr, "declined\n"); return 1; }
        t = now_s() - t;
        if (t < best_sw) best_sw = t;
        sw_arena_free(&a);
        if (sw_only) continue;
        json_error_t jerr;
        t = now_s();
        json_t *v = json_loadb(b.data, b.len, 0, &jerr);
        t = now_s() - t;
        if (!v || json_array_size(json_object_get(v, "logEvents")) != (size_t)n) { fprintf(stderr, "jansson\n"); return 1; }
        json_decref(v);
        if (t < best_jansson) best_jansson = t;
    }
    printf("body: %zu bytes, %d events; best of %d rounds\n", b.len, n, ROUNDS);
    printf("sw_ple_json_decode  %7.3f ms/body  %6.0f MB/s\n", best_sw * 1e3, b.len / best_sw / 1e6);
    if (!sw_only) printf("jansson json_loadb  %7.3f ms/body  %6.0f MB/s\n", best_jansson * 1e3, b.len / best_jansson / 1e6);
    sw_buf_free(&b);
    sw_model_free(model);
    return 0;
}
