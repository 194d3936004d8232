/* fuzz_metric_math.c -- libFuzzer target for metric math expressions: parse any bytes, list the Ids they
 * name, and evaluate over a small grid with two metrics (one with gaps) and one expression result; every
 * value produced must be a number or missing, never infinite, and arrays must hold what they say. */
#include "metric_math.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[512];
    sw_mm_expr *e = sw_mm_parse((const char *)data, size, err, sizeof err);
    if (!e) {
        if (!err[0]) abort();
        return 0;
    }
    const char *ids[16];
    int all;
    size_t nr = sw_mm_refs(e, ids, 16, &all);
    for (size_t i = 0; i < nr; i++) if (!ids[i][0]) abort();
    static const double t[6] = {0, 60, 120, 180, 240, 300};
    double a[6] = {1, NAN, 3, 0, -5, 1e300}, b[6] = {NAN, NAN, 2, 2, 0, -1};
    sw_mm_series sa = {"m1", a}, sb = {"m2", b};
    sw_mm_value va = {0, 0, 0, &sa, 1}, vb = {0, 0, 0, &sb, 1}, vc = {1, 4, 0, NULL, 0};
    const char *names[] = {"m1", "m2", "s"};
    const sw_mm_value *vals[] = {&va, &vb, &vc};
    int is_metric[] = {1, 1, 0};
    sw_mm_env env = {t, 6, 60, 3, names, vals, is_metric, NULL, NULL};
    sw_mm_value out;
    if (sw_mm_eval(e, &env, &out, err, sizeof err) == 0) {
        if (out.scalar && out.nser) abort();
        if (!out.scalar && !out.array && out.nser != 1) abort();
        for (size_t k = 0; k < out.nser; k++)
            for (int i = 0; i < 6; i++)
                if (isinf(out.ser[k].v[i])) abort();
        sw_mm_value_free(&out);
    } else if (!err[0]) abort();
    sw_mm_free(e);
    return 0;
}
