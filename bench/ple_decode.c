/* ple_decode.c -- micro-benchmark: decoding a 1 MB PutLogEvents body (AWS JSON 1.1) with the one-pass decoder
 * (src/ple_json.c, what the server runs) against jansson's json_loadb on the same body. The messages mix
 * the three kinds of line of the logs benchmark's corpus (bench/logs_loadgen.c): access-log lines and JSON
 * lines, whose quotes the body escapes, and plain application lines.
 *
 * Build and run (after `make`):
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Isrc -pthread -o build/ple_decode bench/ple_decode.c \
 *      $(find build/obj -name '*.o' ! -name main.o) -lmicrohttpd -ljansson -lcurl -lcrypto -lz -ldeflate -lzstd \
 *      -llz4 -lpcre2-8 -lm && build/ple_decode */
#include "buf.h"
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

static void message(sw_buf *m, int i) {
    sw_buf_reset(m);
    switch (i % 3) {
    case 0:
        sw_buf_printf(m, "10.%d.%d.%d - - [03/Dec/2026:16:06:%02d +0000] \"GET /api/v1/orders/%d?page=%d HTTP/1.1\" %d %d "
                      "\"-\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0\" "
                      "rt=%d.%03d req_id=%08x%08x", i % 7, i % 251, i % 253, i % 60, i * 7 % 100000, i % 20,
                      i % 50 ? 200 : 503, i * 37 % 20000, i % 3, i % 1000, i * 2654435761u, i * 40503u);
        break;
    case 1:
        sw_buf_printf(m, "{\"ts\":\"2026-12-03T16:06:%02d.%03dZ\",\"level\":\"%s\",\"service\":\"checkout\","
                      "\"msg\":\"payment authorised\",\"order_id\":%d,\"amount\":%d.%02d,\"trace\":\"%08x\"}",
                      i % 60, i % 1000, i % 40 ? "INFO" : "ERROR", i, i % 500, i % 100, i * 2654435761u);
        break;
    default:
        sw_buf_printf(m, "2026-12-03 16:06:%02d,%03d INFO [http-nio-8080-exec-%d] com.example.shop.CartController - "
                      "item reserved id=%d customer=%d duration=%dms", i % 60, i % 1000, i % 200, i * 13 % 1000000,
                      i * 7 % 100000, i % 3000);
    }
}

int main(void) {
    char err[256];
    sw_model *model = sw_model_load(sw_model_logs, (size_t)(sw_model_logs_end - sw_model_logs), err, sizeof err);
    const sw_operation *op = model ? sw_model_op(model, "PutLogEvents", 12) : NULL;
    if (!op) { fprintf(stderr, "model: %s\n", err); return 1; }
    sw_buf b, m;
    sw_buf_init(&b), sw_buf_init(&m);
    sw_buf_puts(&b, "{\"logGroupName\":\"/ecs/checkout\",\"logStreamName\":\"task-1\",\"logEvents\":[");
    int n = 0;
    for (; b.len < BODY_BYTES; n++) {
        message(&m, n);
        sw_buf_printf(&b, "%s{\"timestamp\":%lld,\"message\":", n ? "," : "", 1764777961000LL + n);
        sw_json_put_string(&b, m.data, m.len);
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
    printf("jansson json_loadb  %7.3f ms/body  %6.0f MB/s\n", best_jansson * 1e3, b.len / best_jansson / 1e6);
    sw_buf_free(&b), sw_buf_free(&m);
    sw_model_free(model);
    return 0;
}
