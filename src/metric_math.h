/* metric_math.h -- CloudWatch metric math ("Metric math syntax and functions"): expressions over the time
 * series of a GetMetricData request. Values are scalars, series or arrays of series; a series holds one
 * value per timestamp of the request's grid, NAN where it has no datapoint. Pure: no I/O, no clock. */
#ifndef SW_METRIC_MATH_H
#define SW_METRIC_MATH_H
#include <stddef.h>
#include <stdint.h>

#define SW_MM_MAX_LEN 2048  /* MetricExpression's length limit in the service model */

typedef struct sw_mm_series { char *label; double *v; } sw_mm_series;

typedef struct sw_mm_value {
    int scalar;          /* 1: a scalar in s */
    double s;
    int array;           /* 1: an array of series (possibly one, possibly none); 0: one series */
    sw_mm_series *ser;
    size_t nser;
} sw_mm_value;

struct sw_mm_env;
/* SEARCH(query, stat, period): fills out with an array of series on env's grid, or returns -1 with err. */
typedef int (*sw_mm_search_fn)(void *arg, const struct sw_mm_env *env, const char *query, const char *stat, int64_t period,
                               struct sw_mm_value *out, char *err, size_t errlen);

/* What an expression can see: the grid and the results of the request's other queries by Id. */
typedef struct sw_mm_env {
    const double *t;          /* grid timestamps, ascending, epoch seconds */
    size_t n;
    int64_t period;           /* seconds */
    size_t nvars;
    const char *const *ids;
    const sw_mm_value *const *vals;  /* NULL for a query not evaluated yet */
    const int *is_metric;     /* 1 for MetricStat queries: what METRICS() returns */
    sw_mm_search_fn search;   /* NULL where SEARCH is not allowed (alarms) */
    void *search_arg;
} sw_mm_env;

typedef struct sw_mm_expr sw_mm_expr;

/* Compiles an expression; NULL with AWS-style reason in err. */
sw_mm_expr *sw_mm_parse(const char *text, size_t len, char *err, size_t errlen);
void sw_mm_free(sw_mm_expr *e);
/* The query Ids the expression names; *all set when it calls METRICS() (it then needs every MetricStat). */
size_t sw_mm_refs(const sw_mm_expr *e, const char **ids, size_t max, int *all);
/* 1 when the expression calls the function name. */
int sw_mm_has_call(const sw_mm_expr *e, const char *name);
/* The smallest Period literal of the expression's SEARCH calls, 0 when it has none. */
int64_t sw_mm_search_period(const sw_mm_expr *e);
/* Evaluates into out (caller frees with sw_mm_value_free). Returns 0, or -1 with the reason in err. */
int sw_mm_eval(const sw_mm_expr *e, const sw_mm_env *env, sw_mm_value *out, char *err, size_t errlen);
void sw_mm_value_free(sw_mm_value *v);
/* Evaluates the expressions ex[i] (NULL for the other queries) of a request or an alarm in dependency
 * order: env->vals[i] must point at vals[i], set for the MetricStat queries; each evaluated expression's
 * value goes to vals[i] and env->vals[i] is set. With stop_on_error, the first failure returns -1 with the
 * reason (naming the Id) in err; without it a failed expression simply has no value. A cycle is an error. */
int sw_mm_eval_all(sw_mm_expr *const *ex, const sw_mm_env *env, const sw_mm_value **vp, sw_mm_value *vals,
                   int stop_on_error, char *err, size_t errlen);

#endif
