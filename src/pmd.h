/* pmd.h -- the PutMetricData input, typed: what the handler validates and stores, whichever way it
 * was decoded (the generic path's coerced value tree, or the one-pass AWS JSON 1.0 decoder). */
#ifndef SW_PMD_H
#define SW_PMD_H
#include "arena.h"
#include "metrics.h"
#include "model.h"
#include "value.h"
#include <stddef.h>
#include <stdint.h>

/* Members of a MetricDatum present in the input (JSON null counts as absent, as in coercion). */
enum {
    SW_PMD_DIMS = 1 << 0, SW_PMD_TIMESTAMP = 1 << 1, SW_PMD_VALUE = 1 << 2, SW_PMD_VALUES = 1 << 3,
    SW_PMD_COUNTS = 1 << 4, SW_PMD_SET = 1 << 5, SW_PMD_RESOLUTION = 1 << 6
};

typedef struct sw_pmd_datum {
    const char *name;               /* MetricName; NULL when absent */
    const char *unit;               /* Unit; NULL when absent */
    sw_dim *dims;                   /* Dimensions in request order (SW_PMD_DIMS) */
    size_t ndims;
    const double *values, *counts;  /* Values (SW_PMD_VALUES), Counts (SW_PMD_COUNTS) */
    size_t nvalues, ncounts;
    double timestamp;               /* epoch seconds (SW_PMD_TIMESTAMP) */
    double value;                   /* Value (SW_PMD_VALUE) */
    double count, sum, min, max;    /* StatisticValues (SW_PMD_SET) */
    int64_t resolution;             /* StorageResolution (SW_PMD_RESOLUTION) */
    unsigned has;                   /* SW_PMD_* bits */
} sw_pmd_datum;

typedef struct sw_pmd {
    const char *ns;                 /* Namespace; NULL when absent */
    sw_pmd_datum *data;             /* MetricData; NULL when absent */
    size_t n;
} sw_pmd;

/* Reads a PutMetricData input tree already coerced by sw_model_coerce (any protocol) into out; strings
 * point into the tree, arrays are allocated in a. Where the tree repeats a member the last one wins.
 * Returns 0, or -1 when the arena's limit is reached. */
int sw_pmd_from_value(sw_arena *a, const sw_value *in, sw_pmd *out);

/* Decodes an AWS JSON 1.0 PutMetricData body in one pass, straight into out, validating against the
 * operation's input shape as sw_json_decode + sw_model_coerce would. It only accepts what that path
 * accepts, with the same result as sw_pmd_from_value on its tree; it declines everything else
 * (malformed JSON, a value coercion would refuse, string escapes, null, repeated or unknown members)
 * so that path can judge it and build the exact error. Only reads the body: strings are NUL-terminated
 * copies in a (a string a datum repeats from one before it shares that one's copy). Returns 0 when
 * decoded, 1 when declined (out is then unspecified). */
int sw_pmd_json_decode(sw_arena *a, const sw_shape *input, const char *body, size_t len, sw_pmd *out);

#endif
