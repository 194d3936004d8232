/* test_alarm_eval.c -- the evaluation of one alarm range against AWS's missing-data tables
 * (alarms-and-missing-data.html) and the trap where one good point and gaps stay OK under breaching. */
#include "test.h"
#include "alarm_eval.h"

/* Evaluates a row written as in AWS's tables, oldest first: '0' good, 'X' breaching, '-' missing.
 * Threshold 10, GreaterThanThreshold; good points are 1, breaching ones 20. Returns the state name
 * or "keep". */
static const char *row(const char *pts, int m, int n, sw_missing treat) {
    sw_eval_point p[16];
    size_t np = 0;
    for (const char *c = pts; *c; c++) {
        if (*c == ' ') continue;
        p[np] = (sw_eval_point){.t = (int64_t)np * 60, .present = *c != '-', .value = *c == 'X' ? 20 : 1, .sample_count = 1};
        np++;
    }
    sw_eval_input in = {p, np, n, m, SW_CMP_GT, 10, treat};
    sw_eval_result r;
    sw_alarm_evaluate(&in, &r);
    return r.keep ? "keep" : sw_alarm_state_name(r.state);
}

typedef struct { const char *pts; const char *missing, *ignore, *breaching, *not_breaching; } sw_table_row;

static void check_table(const sw_table_row *rows, size_t n, int m, int nper) {
    for (size_t i = 0; i < n; i++) {
        T_EQ_STR(row(rows[i].pts, m, nper, SW_MISSING_MISSING), rows[i].missing);
        T_EQ_STR(row(rows[i].pts, m, nper, SW_MISSING_IGNORE), rows[i].ignore);
        T_EQ_STR(row(rows[i].pts, m, nper, SW_MISSING_BREACHING), rows[i].breaching);
        T_EQ_STR(row(rows[i].pts, m, nper, SW_MISSING_NOT_BREACHING), rows[i].not_breaching);
    }
}

static void test_table_3_of_3(void) {
    static const sw_table_row rows[] = {
        {"0 - X - X", "OK", "OK", "OK", "OK"},
        {"0 - - - -", "OK", "OK", "OK", "OK"},
        {"- - - - -", "INSUFFICIENT_DATA", "keep", "ALARM", "OK"},
        {"0 X X - X", "ALARM", "ALARM", "ALARM", "ALARM"},
        {"- - - - X", "INSUFFICIENT_DATA", "keep", "ALARM", "OK"},
    };
    check_table(rows, sizeof rows / sizeof rows[0], 3, 3);
}

static void test_table_2_of_3(void) {
    static const sw_table_row rows[] = {
        {"0 - X - X", "ALARM", "ALARM", "ALARM", "ALARM"},
        {"0 0 X 0 X", "ALARM", "ALARM", "ALARM", "ALARM"},
        {"0 - X - -", "OK", "OK", "ALARM", "OK"},
        {"- - - - 0", "OK", "OK", "ALARM", "OK"},
        {"- - - - X", "INSUFFICIENT_DATA", "keep", "ALARM", "OK"},
    };
    check_table(rows, sizeof rows / sizeof rows[0], 2, 3);
}

/* The trap: a naive "fill every gap, then count" says ALARM here and pages someone at night. */
static void test_one_good_point_then_gaps_stays_ok_under_breaching(void) {
    T_EQ_STR(row("0 - - - -", 3, 3, SW_MISSING_BREACHING), "OK");
    sw_eval_point p[5] = {{0, 1, 1, 1}, {60, 0, 0, 0}, {120, 0, 0, 0}, {180, 0, 0, 0}, {240, 0, 0, 0}};
    sw_eval_input in = {p, 5, 3, 3, SW_CMP_GT, 10, SW_MISSING_BREACHING};
    sw_eval_result r;
    sw_alarm_evaluate(&in, &r);
    T_EQ_INT(r.nbreaching, 2);
    T_EQ_INT(r.nfilled, 2);
    T_EQ_INT(r.nused, 1);
    T_EQ_INT(r.used[0], 0);
}

static void test_newest_present_points_are_evaluated(void) {
    /* 1 of 1 over a range whose newest period is missing: the newest present point decides. */
    T_EQ_STR(row("0 0 X -", 1, 1, SW_MISSING_MISSING), "ALARM");
    T_EQ_STR(row("X X 0 -", 1, 1, SW_MISSING_BREACHING), "OK");
    T_EQ_STR(row("X X X X X", 5, 5, SW_MISSING_MISSING), "ALARM");
    T_EQ_STR(row("0 X X X X", 5, 5, SW_MISSING_MISSING), "OK");
}

/* One day of one-minute periods: EvaluationPeriods can be 1,440, far more than the reason lists. */
static void test_long_ranges_count_every_datapoint(void) {
    static sw_eval_point p[1442];
    for (int i = 0; i < 1442; i++) p[i] = (sw_eval_point){.t = i * 60, .present = 1, .value = 20, .sample_count = 1};
    p[0].value = 1;
    sw_eval_input in = {p, 1442, 1440, 1440, SW_CMP_GT, 10, SW_MISSING_MISSING};
    sw_eval_result r;
    sw_alarm_evaluate(&in, &r);
    T_EQ_STR(sw_alarm_state_name(r.state), "ALARM");
    T_EQ_INT(r.nreal, 1440);
    T_EQ_INT(r.nused, 64);
    p[500].value = 1;
    sw_alarm_evaluate(&in, &r);
    T_EQ_STR(sw_alarm_state_name(r.state), "OK");
}

static void test_comparison_operators(void) {
    T_ASSERT(sw_alarm_breaches(SW_CMP_GE, 10, 10));
    T_ASSERT(!sw_alarm_breaches(SW_CMP_GT, 10, 10));
    T_ASSERT(sw_alarm_breaches(SW_CMP_LE, 10, 10));
    T_ASSERT(!sw_alarm_breaches(SW_CMP_LT, 10, 10));
    T_ASSERT(sw_alarm_breaches(SW_CMP_LT, 9.99, 10));
    T_EQ_INT(sw_cmp_parse("GreaterThanOrEqualToThreshold"), SW_CMP_GE);
    T_EQ_INT(sw_cmp_parse("LessThanLowerOrGreaterThanUpperThreshold"), -1);
    T_EQ_INT(sw_missing_parse("notBreaching"), SW_MISSING_NOT_BREACHING);
    T_EQ_INT(sw_missing_parse("NotBreaching"), -1);
    T_EQ_INT(sw_alarm_state_parse("INSUFFICIENT_DATA"), SW_ALARM_INSUFFICIENT);
}

static void jd(double v, const char *want) {
    sw_buf b;
    sw_buf_init(&b);
    sw_java_double(&b, v);
    T_EQ_STR(b.data, want);
    sw_buf_free(&b);
}

static void test_java_double_format(void) {
    jd(50, "50.0");
    jd(99.50160229693434, "99.50160229693434");
    jd(0.0666851903306472, "0.0666851903306472");
    jd(1e7, "1.0E7");
    jd(12345678.5, "1.23456785E7");
    jd(0.001, "0.001");
    jd(0.0001, "1.0E-4");
    jd(-2.5, "-2.5");
    jd(0, "0.0");
    jd(1234567, "1234567.0");
}

sw_test_case sw_tests[] = {
    {"table_3_of_3", test_table_3_of_3},
    {"table_2_of_3", test_table_2_of_3},
    {"one_good_point_then_gaps_stays_ok_under_breaching", test_one_good_point_then_gaps_stays_ok_under_breaching},
    {"newest_present_points_are_evaluated", test_newest_present_points_are_evaluated},
    {"long_ranges_count_every_datapoint", test_long_ranges_count_every_datapoint},
    {"comparison_operators", test_comparison_operators},
    {"java_double_format", test_java_double_format},
    {NULL, NULL},
};
#include "test_main.h"
