/* fuzz_stat.c -- libFuzzer target for statistic names (GetMetricData Stat, alarms' ExtendedStatistic).
 * The input up to the first NUL is the name; the bytes after it are values and counts. A name that parses
 * is computed over them, and the result must lie where its definition puts it: a mean between the
 * minimum and the maximum (for WM, out to a value boundary), a count between 0 and the total, a percentile rank between 0 and 100. */
#include "stats.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, 0, size);
    size_t nlen = nul ? (size_t)(nul - data) : size;
    char name[128];
    if (nlen >= sizeof name) return 0;
    memcpy(name, data, nlen);
    name[nlen] = '\0';
    sw_stat st;
    if (sw_stat_parse(name, &st)) return 0;
    if (strcmp(st.name, name) != 0) abort();
    size_t n = nul ? (size - nlen - 1) / 2 : 0;
    if (n == 0) return 0;
    double *v = malloc(n * sizeof *v), *w = malloc(n * sizeof *w), total = 0, lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        v[i] = (double)(int8_t)nul[1 + 2 * i] / 4.0;
        w[i] = 1 + nul[2 + 2 * i] % 4;
        total += w[i];
        if (v[i] < lo) lo = v[i];
        if (v[i] > hi) hi = v[i];
    }
    sw_bucket b = {0};
    b.values = v, b.weights = w, b.nvalues = n, b.exact = 1, b.count = total, b.min = lo, b.max = hi;
    double out;
    if (sw_stat_compute(&st, &b, &out) == 0 && sw_stat_is_extended(&st)) {
        const double eps = 1e-9 * (1 + fabs(lo) + fabs(hi));
        switch (st.kind) {
        case SW_STAT_PERCENTILE: case SW_STAT_TM:
            if (!(out >= lo - eps && out <= hi + eps)) abort();
            break;
        case SW_STAT_WM: {
            /* Value boundaries move values to them, so the mean may lie out to a boundary. */
            double a = lo, z = hi;
            if (st.lo_kind == SW_BOUND_VALUE) a = fmin(a, st.lo), z = fmax(z, st.lo);
            if (st.hi_kind == SW_BOUND_VALUE) a = fmin(a, st.hi), z = fmax(z, st.hi);
            if (!(out >= a - eps - 1e-9 * fabs(a) && out <= z + eps + 1e-9 * fabs(z))) abort();
            break;
        }
        case SW_STAT_TC:
            if (!(out >= -eps && out <= total + eps)) abort();
            break;
        case SW_STAT_PR:
            if (!(out >= 0 && out <= 100 + 1e-9)) abort();
            break;
        default:
            break;
        }
    }
    free(v);
    free(w);
    return 0;
}
