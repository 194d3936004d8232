/* fuzz_pmd_json.c -- libFuzzer target, differential: the one-pass PutMetricData decoder (pmd_json.c)
 * must accept only bodies that sw_json_decode + sw_model_coerce accept, and read exactly the typed input
 * sw_pmd_from_value reads from that tree. */
#include "json.h"
#include "model.h"
#include "pmd.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ARENA_LIMIT (4u << 20)

extern const char sw_model_cloudwatch[], sw_model_cloudwatch_end[];

static const sw_shape *input_shape(void) {
    static sw_model *m; /* kept for the process's life */
    static const sw_shape *shape;
    if (!shape) {
        char err[256];
        m = sw_model_load(sw_model_cloudwatch, (size_t)(sw_model_cloudwatch_end - sw_model_cloudwatch), err, sizeof err);
        if (!m) { fprintf(stderr, "embedded model: %s\n", err); abort(); }
        const sw_operation *op = sw_model_op(m, "PutMetricData", 13);
        if (!op || !op->input) abort();
        shape = op->input;
    }
    return shape;
}

static void differ(const char *what, size_t datum) {
    fprintf(stderr, "one-pass and generic PutMetricData decoders differ: %s (datum %zu)\n", what, datum);
    abort();
}

/* Strings equal (both absent, or the same bytes). */
static int same_str(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }
/* Doubles bit-identical (NaN never reaches a typed datum from JSON numbers, but compare bits anyway). */
static int same_num(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static void compare_datum(const sw_pmd_datum *f, const sw_pmd_datum *g, size_t i) {
    if (f->has != g->has) differ("members present", i);
    if (!same_str(f->name, g->name) || !same_str(f->unit, g->unit)) differ("MetricName or Unit", i);
    if (f->has & SW_PMD_DIMS) {
        if (f->ndims != g->ndims) differ("dimension count", i);
        for (size_t k = 0; k < f->ndims; k++)
            if (!same_str(f->dims[k].name, g->dims[k].name) || !same_str(f->dims[k].value, g->dims[k].value)) differ("dimension", i);
    }
    if ((f->has & SW_PMD_TIMESTAMP) && !same_num(f->timestamp, g->timestamp)) differ("Timestamp", i);
    if ((f->has & SW_PMD_VALUE) && !same_num(f->value, g->value)) differ("Value", i);
    if ((f->has & SW_PMD_RESOLUTION) && f->resolution != g->resolution) differ("StorageResolution", i);
    if ((f->has & SW_PMD_SET) && (!same_num(f->count, g->count) || !same_num(f->sum, g->sum) || !same_num(f->min, g->min) ||
                                  !same_num(f->max, g->max)))
        differ("StatisticValues", i);
    if (f->has & SW_PMD_VALUES) {
        if (f->nvalues != g->nvalues) differ("Values count", i);
        for (size_t k = 0; k < f->nvalues; k++)
            if (!same_num(f->values[k], g->values[k])) differ("Values", i);
    }
    if (f->has & SW_PMD_COUNTS) {
        if (f->ncounts != g->ncounts) differ("Counts count", i);
        for (size_t k = 0; k < f->ncounts; k++)
            if (!same_num(f->counts[k], g->counts[k])) differ("Counts", i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const sw_shape *shape = input_shape();
    sw_arena fa, ga;
    sw_arena_init(&fa, FUZZ_ARENA_LIMIT);
    sw_arena_init(&ga, FUZZ_ARENA_LIMIT);
    sw_pmd fast;
    if (sw_pmd_json_decode(&fa, shape, (const char *)data, size, &fast) == 0) {
        char msg[128];
        sw_value *tree = NULL;
        sw_error err = {0};
        sw_pmd generic;
        if (sw_json_decode(&ga, (const char *)data, size, &tree, msg, sizeof msg)) differ("generic JSON decode failed", 0);
        if (sw_model_coerce(&ga, shape, &tree, SW_WIRE_JSON, &err)) differ(err.message, 0);
        if (sw_pmd_from_value(&ga, tree, &generic)) abort();
        if (!same_str(fast.ns, generic.ns)) differ("Namespace", 0);
        if (!fast.data != !generic.data || fast.n != generic.n) differ("MetricData count", 0);
        for (size_t i = 0; i < fast.n; i++) compare_datum(&fast.data[i], &generic.data[i], i + 1);
    }
    sw_arena_free(&fa);
    sw_arena_free(&ga);
    return 0;
}
