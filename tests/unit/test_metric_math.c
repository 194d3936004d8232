/* test_metric_math.c -- metric math over a fixed grid of 5 minutes: m1 = 1 2 _ 4 5 (one missing), m2 = 10 0
 * 30 40 50, and an unrelated n3; every operator and function against values worked out by hand, AWS's
 * missing-value and division-by-zero rules, precedence, and malformed expressions with their messages. */
#include "test.h"
#include "metric_math.h"

static const double T[5] = {0, 60, 120, 180, 240};
static double M1[5], M2[5], N3[5];

static sw_mm_value series(double *v, const char *label) {
    sw_mm_value x = {0, 0, 0, malloc(sizeof(sw_mm_series)), 1};
    double *copy = malloc(5 * sizeof *copy);
    memcpy(copy, v, 5 * sizeof *copy);
    x.ser[0] = (sw_mm_series){strdup(label), copy};
    return x;
}

/* Evaluates expr; the result as text: "s=VALUE", or the series "a b _ d e" joined by '|' for arrays, or "error: ...". */
static const char *eval(const char *expr) {
    static char out[1024];
    M1[0] = 1, M1[1] = 2, M1[2] = NAN, M1[3] = 4, M1[4] = 5;
    M2[0] = 10, M2[1] = 0, M2[2] = 30, M2[3] = 40, M2[4] = 50;
    N3[0] = NAN, N3[1] = 7, N3[2] = NAN, N3[3] = NAN, N3[4] = 9;
    sw_mm_value m1 = series(M1, "m1"), m2 = series(M2, "m2"), n3 = series(N3, "n3");
    const char *ids[] = {"m1", "m2", "n3"};
    const sw_mm_value *vals[] = {&m1, &m2, &n3};
    int is_metric[] = {1, 1, 0};
    sw_mm_env env = {T, 5, 60, 3, ids, vals, is_metric, NULL, NULL};
    char err[512];
    sw_mm_expr *e = sw_mm_parse(expr, strlen(expr), err, sizeof err);
    sw_mm_value v = {0};
    if (!e || sw_mm_eval(e, &env, &v, err, sizeof err)) snprintf(out, sizeof out, "error: %s", err);
    else if (v.scalar) snprintf(out, sizeof out, "s=%g", v.s);
    else {
        size_t k = 0;
        out[0] = '\0';
        for (size_t s = 0; s < v.nser; s++) {
            if (s) k += (size_t)snprintf(out + k, sizeof out - k, "|");
            for (int i = 0; i < 5; i++) {
                double x = v.ser[s].v[i];
                if (isnan(x)) k += (size_t)snprintf(out + k, sizeof out - k, "%s_", i ? " " : "");
                else k += (size_t)snprintf(out + k, sizeof out - k, "%s%g", i ? " " : "", x);
            }
        }
        if (v.array) k += (size_t)snprintf(out + k, sizeof out - k, " [%zu]", v.nser);
    }
    sw_mm_value_free(&v);
    sw_mm_free(e);
    sw_mm_value_free(&m1), sw_mm_value_free(&m2), sw_mm_value_free(&n3);
    return out;
}

static void test_arithmetic_and_missing_values(void) {
    T_EQ_STR(eval("m1 + m2"), "11 2 30 44 55");      /* a missing value counts as 0 beside a present one */
    T_EQ_STR(eval("m1 * 2"), "2 4 _ 8 10");          /* but stays missing against a number */
    T_EQ_STR(eval("m1 / m2"), "0.1 _ 0 0.1 0.1");    /* division by zero drops the point */
    T_EQ_STR(eval("m2 / 0"), "_ _ _ _ _");
    T_EQ_STR(eval("100 - m1"), "99 98 _ 96 95");
    T_EQ_STR(eval("-m1"), "-1 -2 _ -4 -5");
    T_EQ_STR(eval("m1 ^ 2"), "1 4 _ 16 25");
    T_EQ_STR(eval("2 ^ 3 ^ 2"), "s=512");            /* right associative */
    T_EQ_STR(eval("1 + 2 * 3 - 4 / 2"), "s=5");
    T_EQ_STR(eval("(1 + 2) * 3"), "s=9");
    T_EQ_STR(eval("m1 > 2"), "0 0 _ 1 1");
    T_EQ_STR(eval("m1 >= 2 AND m2 > 20"), "0 0 0 1 1");   /* missing beside present counts as 0 */
    T_EQ_STR(eval("m1 == 1 || m2 == 50"), "1 0 0 0 1");
    T_EQ_STR(eval("m1 != 4 && m1 <= 5"), "1 1 _ 0 1");
}

static void test_aggregates(void) {
    T_EQ_STR(eval("SUM(m1)"), "s=12");
    T_EQ_STR(eval("AVG(m1)"), "s=3");
    T_EQ_STR(eval("MIN(m2)"), "s=0");
    T_EQ_STR(eval("MAX(m2)"), "s=50");
    T_EQ_STR(eval("DATAPOINT_COUNT(m1)"), "s=4");
    T_EQ_STR(eval("STDDEV(m1)"), "s=1.58114");
    T_EQ_STR(eval("METRICS()"), "1 2 _ 4 5|10 0 30 40 50 [2]");      /* MetricStat queries only */
    T_EQ_STR(eval("METRICS(\"2\")"), "10 0 30 40 50 [1]");
    T_EQ_STR(eval("SUM(METRICS())"), "11 2 30 44 55");
    T_EQ_STR(eval("MAX(METRICS())"), "10 2 30 40 50");
    T_EQ_STR(eval("METRIC_COUNT(METRICS())"), "s=2");
    T_EQ_STR(eval("METRICS() * 2"), "2 4 _ 8 10|20 0 60 80 100 [2]");
    T_EQ_STR(eval("m1 / SUM(m1)"), "0.0833333 0.166667 _ 0.333333 0.416667");
}

static void test_time_functions(void) {
    T_EQ_STR(eval("DIFF(m1)"), "_ 1 _ 2 1");
    T_EQ_STR(eval("DIFF_TIME(m1)"), "_ 60 _ 120 60");
    T_EQ_STR(eval("RATE(m1)"), "_ 0.0166667 _ 0.0166667 0.0166667");
    T_EQ_STR(eval("RUNNING_SUM(m1)"), "1 3 _ 7 12");
    T_EQ_STR(eval("FILL(m1, 0)"), "1 2 0 4 5");
    T_EQ_STR(eval("FILL(m1, m2)"), "1 2 30 4 5");
    T_EQ_STR(eval("FILL(n3, REPEAT)"), "_ 7 7 7 9");
    T_EQ_STR(eval("FILL(n3, LINEAR)"), "_ 7 7.66667 8.33333 9");
    T_EQ_STR(eval("PERIOD(m1)"), "s=60");
    T_EQ_STR(eval("MINUTE(m1)"), "0 1 _ 3 4");
    T_EQ_STR(eval("YEAR(m2)"), "1970 1970 1970 1970 1970");
    T_EQ_STR(eval("TIME_SERIES(3)"), "3 3 3 3 3");
}

static void test_if_sort_slice(void) {
    T_EQ_STR(eval("IF(m2 > 20, m1, 0)"), "0 0 _ 4 5");   /* a missing then-value stays missing */
    T_EQ_STR(eval("IF(m1 > 2, m2)"), "_ _ _ 40 50");     /* no else: the point is dropped */
    T_EQ_STR(eval("IF(1, 5, 6)"), "s=5");
    T_EQ_STR(eval("SORT(METRICS(), MAX, DESC)"), "10 0 30 40 50|1 2 _ 4 5 [2]");
    T_EQ_STR(eval("SORT(METRICS(), SUM, ASC, 1)"), "1 2 _ 4 5 [1]");
    T_EQ_STR(eval("SLICE(METRICS(), 1, 2)"), "10 0 30 40 50 [1]");
    T_EQ_STR(eval("FIRST(METRICS())"), "1 2 _ 4 5");
    T_EQ_STR(eval("LAST(METRICS())"), "10 0 30 40 50");
    T_EQ_STR(eval("REMOVE_EMPTY(METRICS(\"zz\"))"), " [0]");
    T_EQ_STR(eval("ABS(-m1)"), "1 2 _ 4 5");
    T_EQ_STR(eval("CEIL(m1 / 3)"), "1 1 _ 2 2");
    T_EQ_STR(eval("FLOOR(m1 / 3)"), "0 0 _ 1 1");
    T_EQ_STR(eval("LOG10(m2)"), "1 _ 1.47712 1.60206 1.69897");
}

static void test_errors(void) {
    T_EQ_STR(eval("sum(m1)"), "error: Unknown function sum (metric math functions are upper case).");
    T_EQ_STR(eval("m9 + 1"), "error: Error in expression: Unrecognized identifier m9.");
    T_EQ_STR(eval("m1 +"), "error: Syntax error: the expression ends too early.");
    T_EQ_STR(eval("(m1"), "error: Syntax error: missing ')'.");
    T_EQ_STR(eval("m1 m2"), "error: Syntax error: unexpected 'm' at position 4.");
    T_EQ_STR(eval("SEARCH('{AWS/EC2} CPUUtilization', 'Average', 300)"), "error: Error in expression: SEARCH cannot be used here (alarms cannot use SEARCH).");
    T_EQ_STR(eval("ANOMALY_DETECTION_BAND(m1)"), "error: The function ANOMALY_DETECTION_BAND is not supported by skywatch.");
    T_EQ_STR(eval("SELECT AVG(CPUUtilization) FROM SCHEMA(\"AWS/EC2\")"), "error: Metrics Insights queries (SELECT ...) are not supported by skywatch.");
    T_EQ_STR(eval("METRICS() + METRICS()"), "error: Error in expression: an operator cannot combine two arrays of time series.");
    T_EQ_STR(eval("SUM(m1, m2)"), "error: Error in expression: SUM takes 1 argument.");
    T_EQ_STR(eval("RATE(5)"), "error: Error in expression: RATE takes an array of time series.");
    T_EQ_STR(eval(""), "error: The expression is empty.");
    T_EQ_STR(eval("'abc'"), "error: Error in expression: a string is allowed only as an argument of METRICS or SEARCH.");
    char deep[700];
    memset(deep, '(', 300);
    strcpy(deep + 300, "1");
    memset(deep + 301, ')', 300);
    deep[601] = '\0';
    T_EQ_STR(eval(deep), "error: The expression is nested too deeply.");
    const char *ids[4];
    int all;
    sw_mm_expr *e = sw_mm_parse("m1 + SUM(METRICS()) * m1 - x2", 29, (char[64]){0}, 64);
    T_EQ_INT(sw_mm_refs(e, ids, 4, &all), 2);
    T_EQ_STR(ids[0], "m1");
    T_EQ_STR(ids[1], "x2");
    T_EQ_INT(all, 1);
    sw_mm_free(e);
}

sw_test_case sw_tests[] = {
    {"arithmetic_and_missing_values", test_arithmetic_and_missing_values},
    {"aggregates", test_aggregates},
    {"time_functions", test_time_functions},
    {"if_sort_slice", test_if_sort_slice},
    {"errors", test_errors},
    {NULL, NULL},
};

#include "test_main.h"
