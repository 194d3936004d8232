/* tscodec_bench.c -- the series block codec (src/tscodec.c) on issue 3's data: SERIES series x 1 day at 10 s,
 * in two shapes (full-precision random-walk floats; values rounded to 2 decimals), one block per series-day.
 * Prints bytes per sample and encode/decode CPU per sample as JSON lines. With --vm-import FILE it also writes
 * the same samples as VictoriaMetrics /api/v1/import JSON lines (bench/tscodec_run.sh feeds them to
 * victoria-metrics and measures its disk in the same run).
 * Usage: tscodec_bench [--series N] [--shape full|dec2|sig12] [--vm-import FILE] */
#include "tscodec.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>

#define DAY_SAMPLES 8640 /* 1 day at 10 s */

static uint64_t X = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) { X ^= X << 13; X ^= X >> 7; X ^= X << 17; return X; }
static double unit(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One series' day: a random walk around a per-series level; dec2 rounds every value to 2 decimals, sig12 to
 * 12 significant digits (what VictoriaMetrics keeps of a full-precision value: see docs/storage.md). */
static void gen(size_t s, int shape, uint32_t t0, uint32_t *t, double *v) {
    double level = 10 + (double)(s % 1000), x = level;
    char tmp[40];
    for (size_t i = 0; i < DAY_SAMPLES; i++) {
        x += (unit() - 0.5) * level * 0.01;
        t[i] = t0 + 10u * (uint32_t)i;
        if (shape == 1) v[i] = (double)llround(x * 100) / 100;
        else if (shape == 2) snprintf(tmp, sizeof tmp, "%.12g", x), v[i] = strtod(tmp, NULL);
        else v[i] = x;
    }
}

int main(int argc, char **argv) {
    size_t series = 10000;
    const char *shape = "full", *vm = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--series")) series = (size_t)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--shape")) shape = argv[i + 1];
        else if (!strcmp(argv[i], "--vm-import")) vm = argv[i + 1];
    }
    int kind = !strcmp(shape, "dec2") ? 1 : !strcmp(shape, "sig12") ? 2 : 0;
    uint32_t t0 = (uint32_t)(time(NULL) / 86400 * 86400 - 2 * 86400); /* two days ago, at midnight UTC */
    static uint32_t t[DAY_SAMPLES], t2[SW_TS_MAX_BLOCK];
    static double v[DAY_SAMPLES], v2[SW_TS_MAX_BLOCK];
    FILE *out = vm ? fopen(vm, "w") : NULL;
    sw_buf b;
    sw_buf_init(&b);
    size_t bytes = 0, samples = 0;
    double enc = 0, dec = 0;
    for (size_t s = 0; s < series; s++) {
        gen(s, kind, t0, t, v);
        sw_buf_reset(&b);
        double c0 = cpu_s();
        if (sw_ts_encode(&b, t, v, DAY_SAMPLES, 3)) { fprintf(stderr, "encode failed\n"); return 1; }
        double c1 = cpu_s();
        long n = sw_ts_decode((const uint8_t *)b.data, b.len, t2, v2);
        double c2 = cpu_s();
        if (n != DAY_SAMPLES || memcmp(v, v2, sizeof v)) { fprintf(stderr, "round trip failed\n"); return 1; }
        enc += c1 - c0, dec += c2 - c1;
        bytes += b.len, samples += DAY_SAMPLES;
        if (out) { /* realistic identity: namespace, metric name and two dimensions */
            fprintf(out, "{\"metric\":{\"__name__\":\"AWS_EC2_CPUUtilization\",\"InstanceId\":\"i-%012zx\",\"AutoScalingGroupName\":\"asg-%zu\"},\"values\":[",
                    s, s % 50);
            for (size_t i = 0; i < DAY_SAMPLES; i++) fprintf(out, i ? ",%.17g" : "%.17g", v[i]);
            fprintf(out, "],\"timestamps\":[");
            for (size_t i = 0; i < DAY_SAMPLES; i++) fprintf(out, i ? ",%llu" : "%llu", (unsigned long long)t[i] * 1000);
            fprintf(out, "]}\n");
        }
    }
    if (out) fclose(out);
    sw_buf_free(&b);
    printf("{\"bench\":\"tscodec\",\"shape\":\"%s\",\"series\":%zu,\"samples\":%zu,\"bytes\":%zu,\"bytes_per_sample\":%.3f,"
           "\"encode_us_per_sample\":%.4f,\"decode_us_per_sample\":%.4f,\"encode_samples_per_s\":%.0f,\"decode_samples_per_s\":%.0f}\n",
           shape, series, samples, bytes, (double)bytes / samples, enc * 1e6 / samples, dec * 1e6 / samples, samples / enc,
           samples / dec);
    return 0;
}
