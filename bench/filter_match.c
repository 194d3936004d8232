/* filter_match.c -- micro-benchmark: sw_filter_match alone (no store, no decompression) over events of the
 * logs benchmark's corpus (bench/logs_corpus.h), one pattern, best of 15 passes over 600,000 events. KIND
 * picks one kind of stream (0 access-log lines, 1 JSON lines, 2 Java logs); without it the kinds take turns
 * as the corpus's ten groups do. The default pattern is the benchmark's delimited one.
 *
 * Build and run (after `make`):
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Isrc -Ibench -pthread -o build/filter_match bench/filter_match.c \
 *      $(find build/obj -name '*.o' ! -name main.o) -lmicrohttpd -ljansson -lcurl -lcrypto -lz -ldeflate -lzstd \
 *      -llz4 -lpcre2-8 -lm && KIND=0 build/filter_match ['PATTERN'] */
#include "filter.h"
#include "logs_corpus.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVENTS 600000
#define ROUNDS 15
#define EVENT_MAX 700

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    const char *pat = argc > 1 ? argv[1] : "[ip, id, user, ts, request, status = 5*, bytes > 1000, ...]";
    const char *kind_env = getenv("KIND");
    char *text = malloc((size_t)EVENTS * EVENT_MAX);
    size_t *off = malloc(EVENTS * sizeof *off), *len = malloc(EVENTS * sizeof *len), pos = 0;
    uint64_t state[10];
    for (int g = 0; g < 10; g++) state[g] = 0x9E3779B97F4A7C15ull * (uint64_t)(g + 1);
    for (size_t i = 0; i < EVENTS; i++) {
        int g = (int)(i % 10), kind = kind_env ? atoi(kind_env) : g % 3;
        int n = ll_make_event(&state[g], kind, 1764800000000LL + (int64_t)i, 3, 0, text + pos, EVENT_MAX);
        off[i] = pos, len[i] = (size_t)n, pos += (size_t)n;
    }
    char err[256];
    sw_filter *f = sw_filter_compile(pat, strlen(pat), err, sizeof err);
    if (!f) { fprintf(stderr, "%s\n", err); return 1; }
    double best = 1e9;
    size_t hits = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double t = now_s();
        hits = 0;
        for (size_t i = 0; i < EVENTS; i++) hits += (size_t)sw_filter_match(f, text + off[i], len[i]);
        t = now_s() - t;
        if (t < best) best = t;
    }
    printf("%s (kind %s): %d events, %.1f MB, %zu match; best %.1f ms: %.1f ns per event, %.2f GB/s\n", pat,
           kind_env ? kind_env : "mixed", EVENTS, pos / 1e6, hits, best * 1e3, best * 1e9 / EVENTS, pos / best / 1e9);
    sw_filter_free(f);
    free(text), free(off), free(len);
    return 0;
}
