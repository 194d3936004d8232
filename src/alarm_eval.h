/* alarm_eval.h -- one evaluation of a metric alarm: the evaluation range's datapoints, the threshold
 * comparison and CloudWatch's missing-data rules, as a pure function (no clock, no storage).
 * Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html */
#ifndef SW_ALARM_EVAL_H
#define SW_ALARM_EVAL_H
#include "buf.h"
#include <stddef.h>
#include <stdint.h>

#ifndef SW_ALARM_STATE_DEFINED
#define SW_ALARM_STATE_DEFINED
typedef enum { SW_ALARM_OK, SW_ALARM_ALARM, SW_ALARM_INSUFFICIENT } sw_alarm_state;
#endif
typedef enum { SW_CMP_GE, SW_CMP_GT, SW_CMP_LT, SW_CMP_LE } sw_cmp;
typedef enum { SW_MISSING_MISSING, SW_MISSING_NOT_BREACHING, SW_MISSING_BREACHING, SW_MISSING_IGNORE } sw_missing;

/* "OK", "ALARM", "INSUFFICIENT_DATA". */
const char *sw_alarm_state_name(sw_alarm_state s);
/* Parses a state name; -1 when it is none of the three. */
int sw_alarm_state_parse(const char *s);
/* Parses the four threshold operators by their AWS names; -1 for anything else. */
int sw_cmp_parse(const char *s);
const char *sw_cmp_name(sw_cmp c);
/* "greater than", "greater than or equal to", ... as StateReason words them. */
const char *sw_cmp_words(sw_cmp c);
/* "missing", "notBreaching", "breaching", "ignore"; -1 for anything else. */
int sw_missing_parse(const char *s);
const char *sw_missing_name(sw_missing m);

/* One period of the evaluation range. */
typedef struct sw_eval_point {
    int64_t t;           /* start of the period, epoch seconds */
    int present;         /* the metric had data in this period */
    double value;        /* the statistic, when present */
    double sample_count; /* samples behind it, when present */
} sw_eval_point;

typedef struct sw_eval_input {
    const sw_eval_point *points; /* the evaluation range, oldest first; CloudWatch fetches more periods
                                    than EvaluationPeriods, skywatch fetches N + 2 (see docs/alarms.md) */
    size_t npoints;
    int n;                       /* EvaluationPeriods */
    int m;                       /* DatapointsToAlarm */
    sw_cmp cmp;
    double threshold;
    sw_missing treat;
} sw_eval_input;

typedef struct sw_eval_result {
    int keep;                    /* 1: leave the state as it is (TreatMissingData=ignore with nothing decidable) */
    sw_alarm_state state;
    int nbreaching;              /* among the evaluated datapoints, fills included */
    int nevaluated;              /* N, or fewer when nothing could be decided */
    int nfilled;                 /* missing periods filled by the treatment */
    int nreal;                   /* real datapoints evaluated */
    size_t used[64];             /* indexes into points of the (first 64) real datapoints evaluated, newest first */
    size_t nused;
} sw_eval_result;

/* Evaluates the range. Algorithm (AWS's page above):
 *   1. At least N datapoints present: the N most recent present datapoints are evaluated; the
 *      missing-data treatment does not matter.
 *   2. Fewer present: every real datapoint in the range is evaluated and missing periods are filled
 *      by the treatment only as many times as needed to make N: breaching fills count as breaching,
 *      notBreaching fills as good. With missing or ignore no fill is used: ALARM when M real points
 *      breach, OK when some real point does not breach, else INSUFFICIENT_DATA (missing) or no
 *      change (ignore).
 * M >= 1 and N >= M. Pure; can't fail. */
void sw_alarm_evaluate(const sw_eval_input *in, sw_eval_result *out);
/* 1 when value breaches the threshold under cmp. */
int sw_alarm_breaches(sw_cmp cmp, double value, double threshold);

/* Appends a double as Java's Double.toString writes it (CloudWatch's StateReason does): "50.0",
 * "99.50160229693434", "1.0E7", "1.0E-4". Can't fail. */
void sw_java_double(sw_buf *b, double v);

#endif
