/* alarm_eval.c -- CloudWatch's evaluation of one alarm range. */
#include "alarm_eval.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sw_state_names[] = {"OK", "ALARM", "INSUFFICIENT_DATA"};
static const char *const sw_cmp_names[] = {"GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
                                           "LessThanOrEqualToThreshold"};
static const char *const sw_cmp_texts[] = {"greater than or equal to", "greater than", "less than", "less than or equal to"};
static const char *const sw_missing_names[] = {"missing", "notBreaching", "breaching", "ignore"};

static int sw_lookup(const char *const *names, int n, const char *s) {
    for (int i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0) return i;
    return -1;
}

const char *sw_alarm_state_name(sw_alarm_state s) { return sw_state_names[s]; }
int sw_alarm_state_parse(const char *s) { return sw_lookup(sw_state_names, 3, s); }
int sw_cmp_parse(const char *s) { return sw_lookup(sw_cmp_names, 4, s); }
const char *sw_cmp_name(sw_cmp c) { return sw_cmp_names[c]; }
const char *sw_cmp_words(sw_cmp c) { return sw_cmp_texts[c]; }
int sw_missing_parse(const char *s) { return sw_lookup(sw_missing_names, 4, s); }
const char *sw_missing_name(sw_missing m) { return sw_missing_names[m]; }

int sw_alarm_breaches(sw_cmp cmp, double v, double t) {
    switch (cmp) {
    case SW_CMP_GE: return v >= t;
    case SW_CMP_GT: return v > t;
    case SW_CMP_LT: return v < t;
    case SW_CMP_LE: return v <= t;
    }
    return 0;
}

void sw_alarm_evaluate(const sw_eval_input *in, sw_eval_result *out) {
    memset(out, 0, sizeof *out);
    int present = 0, good = 0;
    for (size_t i = 0; i < in->npoints; i++) present += in->points[i].present;
    /* Walk from the newest period back, taking real datapoints: all of them when fewer than N exist. */
    int taken = 0;
    for (size_t k = in->npoints; k-- > 0 && taken < in->n;) {
        const sw_eval_point *p = &in->points[k];
        if (!p->present) continue;
        taken++;
        if (out->nused < sizeof out->used / sizeof out->used[0]) out->used[out->nused++] = k;
        if (sw_alarm_breaches(in->cmp, p->value, in->threshold)) out->nbreaching++;
        else good++;
    }
    out->nreal = taken;
    out->nevaluated = taken;
    if (present < in->n && (in->treat == SW_MISSING_BREACHING || in->treat == SW_MISSING_NOT_BREACHING)) {
        out->nfilled = in->n - taken;
        out->nevaluated = in->n;
        if (in->treat == SW_MISSING_BREACHING) out->nbreaching += out->nfilled;
        else good += out->nfilled;
    }
    if (out->nbreaching >= in->m) out->state = SW_ALARM_ALARM;
    else if (good > 0) out->state = SW_ALARM_OK;
    else if (in->treat == SW_MISSING_IGNORE) out->keep = 1, out->state = SW_ALARM_INSUFFICIENT;
    else out->state = SW_ALARM_INSUFFICIENT;
}

void sw_java_double(sw_buf *b, double v) {
    if (isnan(v)) { sw_buf_puts(b, "NaN"); return; }
    if (isinf(v)) { sw_buf_puts(b, v > 0 ? "Infinity" : "-Infinity"); return; }
    if (v == 0) { sw_buf_puts(b, signbit(v) ? "-0.0" : "0.0"); return; }
    /* The shortest %.*e that reads back as v gives Java's digits. */
    char e[40];
    /* Most values need either few digits (95.0) or 16-17 (random floats): try 15 first, then search
     * upward or downward from there. */
    snprintf(e, sizeof e, "%.14e", v);
    if (strtod(e, NULL) == v) {
        char shorter[40];
        for (int prec = 0; prec < 14; prec++) {
            snprintf(shorter, sizeof shorter, "%.*e", prec, v);
            if (strtod(shorter, NULL) == v) { memcpy(e, shorter, sizeof e); break; }
        }
    } else {
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(e, sizeof e, "%.*e", prec, v);
            if (strtod(e, NULL) == v) break;
        }
    }
    char *exp = strchr(e, 'e');
    int x = atoi(exp + 1);
    *exp = '\0';
    char digits[24];
    size_t nd = 0;
    const char *p = e;
    if (*p == '-') { sw_buf_putc(b, '-'); p++; }
    for (; *p; p++)
        if (*p != '.') digits[nd++] = *p;
    digits[nd] = '\0';
    if (x >= -3 && x < 7) {
        /* Plain notation with at least one digit after the point. */
        if (x < 0) {
            sw_buf_puts(b, "0.");
            for (int i = -1; i > x; i--) sw_buf_putc(b, '0');
            sw_buf_puts(b, digits);
        } else {
            for (int i = 0; i <= x; i++) sw_buf_putc(b, i < (int)nd ? digits[i] : '0');
            sw_buf_putc(b, '.');
            if ((int)nd > x + 1) sw_buf_puts(b, digits + x + 1);
            else sw_buf_putc(b, '0');
        }
        return;
    }
    sw_buf_putc(b, digits[0]);
    sw_buf_putc(b, '.');
    sw_buf_puts(b, nd > 1 ? digits + 1 : "0");
    sw_buf_printf(b, "E%d", x);
}
