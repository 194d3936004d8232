/* metric_math.c -- CloudWatch metric math over a GetMetricData request's series. Semantics from "Metric math
 * syntax and functions": operators + - * / ^, comparisons (1 or 0), AND/&& and OR/||; in arithmetic between
 * two series a missing value counts as 0 where the other series has one, and division by zero drops the
 * datapoint. Function names are upper case. */
#include "metric_math.h"
#include "alloc.h"
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { N_NUM, N_ID, N_STR, N_NEG, N_ADD, N_SUB, N_MUL, N_DIV, N_POW, N_EQ, N_NE, N_LT, N_LE, N_GT, N_GE, N_AND, N_OR, N_CALL };

typedef struct sw_mm_node {
    int op;
    double num;
    char *name;                 /* N_ID, N_STR, N_CALL */
    struct sw_mm_node **args;   /* operands or call arguments */
    int nargs;
} sw_mm_node;

struct sw_mm_expr { sw_mm_node *root; };

/* ---------- parsing ---------- */

typedef struct { const char *p, *end, *start; char *err; size_t errlen; int depth; } sw_mm_parser;

static int sw_mm_fail(sw_mm_parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sw_mm_fail(sw_mm_parser *ps, const char *fmt, ...) {
    if (ps->err[0]) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err, ps->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static void sw_mm_node_free(sw_mm_node *n) {
    if (!n) return;
    for (int i = 0; i < n->nargs; i++) sw_mm_node_free(n->args[i]);
    sw_free(n->args);
    sw_free(n->name);
    sw_free(n);
}

static sw_mm_node *sw_mm_new(int op) {
    sw_mm_node *n = sw_calloc(1, sizeof *n);
    n->op = op;
    return n;
}

static void sw_mm_add_arg(sw_mm_node *n, sw_mm_node *a) {
    n->args = sw_realloc(n->args, (size_t)(n->nargs + 1) * sizeof *n->args);
    n->args[n->nargs++] = a;
}

static void sw_mm_space(sw_mm_parser *ps) {
    while (ps->p < ps->end && isspace((unsigned char)*ps->p)) ps->p++;
}

/* Consumes the operator tok when it is next. */
static int sw_mm_accept(sw_mm_parser *ps, const char *tok) {
    sw_mm_space(ps);
    size_t n = strlen(tok);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, tok, n) != 0) return 0;
    /* AND / OR are words: not the start of a longer identifier. */
    if (isalpha((unsigned char)tok[0]) && ps->p + n < ps->end && (isalnum((unsigned char)ps->p[n]) || ps->p[n] == '_')) return 0;
    ps->p += n;
    return 1;
}

static sw_mm_node *sw_mm_expr_or(sw_mm_parser *ps);

static const char *const sw_mm_functions[] = {
    "ABS", "AVG", "CEIL", "DATAPOINT_COUNT", "DATE", "DAY", "DIFF", "DIFF_TIME", "EPOCH", "FILL", "FIRST", "FLOOR",
    "HOUR", "IF", "LAST", "LOG", "LOG10", "MAX", "METRICS", "METRIC_COUNT", "MIN", "MINUTE", "MONTH", "PERIOD",
    "RATE", "REMOVE_EMPTY", "RUNNING_SUM", "SEARCH", "SLICE", "SORT", "STDDEV", "SUM", "TIME_SERIES", "YEAR", NULL};
static const char *const sw_mm_unsupported[] = {"ANOMALY_DETECTION_BAND", "INSIGHT_RULE_METRIC", "SERVICE_QUOTA",
                                               "LAMBDA", NULL};

static int sw_mm_in(const char *const *list, const char *s) {
    for (; *list; list++) if (strcmp(*list, s) == 0) return 1;
    return 0;
}

static sw_mm_node *sw_mm_primary(sw_mm_parser *ps) {
    sw_mm_space(ps);
    if (ps->p >= ps->end) return sw_mm_fail(ps, "Syntax error: the expression ends too early."), NULL;
    char c = *ps->p;
    if (c == '(') {
        ps->p++;
        sw_mm_node *n = sw_mm_expr_or(ps);
        if (n && !sw_mm_accept(ps, ")")) { sw_mm_node_free(n); return sw_mm_fail(ps, "Syntax error: missing ')'."), NULL; }
        return n;
    }
    if (isdigit((unsigned char)c) || (c == '.' && ps->p + 1 < ps->end && isdigit((unsigned char)ps->p[1]))) {
        char buf[64];
        size_t k = 0;
        while (ps->p < ps->end && k < sizeof buf - 1 &&
               (isdigit((unsigned char)*ps->p) || *ps->p == '.' || *ps->p == 'e' || *ps->p == 'E' ||
                ((*ps->p == '+' || *ps->p == '-') && k > 0 && (buf[k - 1] == 'e' || buf[k - 1] == 'E'))))
            buf[k++] = *ps->p++;
        buf[k] = '\0';
        char *endp;
        double v = strtod(buf, &endp);
        if (*endp) return sw_mm_fail(ps, "Syntax error: bad number %s.", buf), NULL;
        sw_mm_node *n = sw_mm_new(N_NUM);
        n->num = v;
        return n;
    }
    if (c == '"' || c == '\'') {
        const char *q = memchr(ps->p + 1, c, (size_t)(ps->end - ps->p - 1));
        if (!q) return sw_mm_fail(ps, "Syntax error: unterminated string."), NULL;
        sw_mm_node *n = sw_mm_new(N_STR);
        n->name = sw_strndup(ps->p + 1, (size_t)(q - ps->p - 1));
        ps->p = q + 1;
        return n;
    }
    if (isalpha((unsigned char)c) || c == '_') {
        const char *s = ps->p;
        while (ps->p < ps->end && (isalnum((unsigned char)*ps->p) || *ps->p == '_')) ps->p++;
        char *name = sw_strndup(s, (size_t)(ps->p - s));
        sw_mm_space(ps);
        if (ps->p < ps->end && *ps->p == '(') {
            if (sw_mm_in(sw_mm_unsupported, name)) {
                sw_mm_fail(ps, "The function %s is not supported by skywatch.", name);
                sw_free(name);
                return NULL;
            }
            if (!sw_mm_in(sw_mm_functions, name)) {
                sw_mm_fail(ps, "Unknown function %.64s (metric math functions are upper case).", name);
                sw_free(name);
                return NULL;
            }
            ps->p++;
            sw_mm_node *n = sw_mm_new(N_CALL);
            n->name = name;
            if (sw_mm_accept(ps, ")")) return n;
            do {
                sw_mm_node *a = sw_mm_expr_or(ps);
                if (!a) { sw_mm_node_free(n); return NULL; }
                sw_mm_add_arg(n, a);
            } while (sw_mm_accept(ps, ","));
            if (!sw_mm_accept(ps, ")")) {
                sw_mm_fail(ps, "Syntax error: missing ')' after the arguments of %s.", name);
                sw_mm_node_free(n); /* frees name */
                return NULL;
            }
            return n;
        }
        sw_mm_node *n = sw_mm_new(N_ID);
        n->name = name;
        return n;
    }
    return sw_mm_fail(ps, "Syntax error: unexpected '%c' at position %zu.", c, (size_t)(ps->p - ps->start) + 1), NULL;
}

static sw_mm_node *sw_mm_unary(sw_mm_parser *ps) {
    if (++ps->depth > 200) return sw_mm_fail(ps, "The expression is nested too deeply."), NULL;
    sw_mm_node *r;
    if (sw_mm_accept(ps, "-")) {
        sw_mm_node *a = sw_mm_unary(ps);
        if (!a) r = NULL;
        else { r = sw_mm_new(N_NEG); sw_mm_add_arg(r, a); }
    } else r = sw_mm_primary(ps);
    ps->depth--;
    return r;
}

static sw_mm_node *sw_mm_binary(sw_mm_node *l, int op, sw_mm_node *r) {
    if (!l || !r) { sw_mm_node_free(l); sw_mm_node_free(r); return NULL; }
    sw_mm_node *n = sw_mm_new(op);
    sw_mm_add_arg(n, l);
    sw_mm_add_arg(n, r);
    return n;
}

static sw_mm_node *sw_mm_power(sw_mm_parser *ps) {
    sw_mm_node *l = sw_mm_unary(ps);
    if (l && sw_mm_accept(ps, "^")) return sw_mm_binary(l, N_POW, sw_mm_power(ps)); /* right associative */
    return l;
}

static sw_mm_node *sw_mm_term(sw_mm_parser *ps) {
    sw_mm_node *l = sw_mm_power(ps);
    for (;;) {
        if (!l) return NULL;
        if (sw_mm_accept(ps, "*")) l = sw_mm_binary(l, N_MUL, sw_mm_power(ps));
        else if (sw_mm_accept(ps, "/")) l = sw_mm_binary(l, N_DIV, sw_mm_power(ps));
        else return l;
    }
}

static sw_mm_node *sw_mm_sum(sw_mm_parser *ps) {
    sw_mm_node *l = sw_mm_term(ps);
    for (;;) {
        if (!l) return NULL;
        if (sw_mm_accept(ps, "+")) l = sw_mm_binary(l, N_ADD, sw_mm_term(ps));
        else if (sw_mm_accept(ps, "-")) l = sw_mm_binary(l, N_SUB, sw_mm_term(ps));
        else return l;
    }
}

static sw_mm_node *sw_mm_compare(sw_mm_parser *ps) {
    sw_mm_node *l = sw_mm_sum(ps);
    static const struct { const char *tok; int op; } ops[] = {
        {"==", N_EQ}, {"!=", N_NE}, {"<=", N_LE}, {">=", N_GE}, {"<", N_LT}, {">", N_GT}};
    for (;;) {
        if (!l) return NULL;
        size_t i = 0;
        while (i < sizeof ops / sizeof ops[0] && !sw_mm_accept(ps, ops[i].tok)) i++;
        if (i == sizeof ops / sizeof ops[0]) return l;
        l = sw_mm_binary(l, ops[i].op, sw_mm_sum(ps));
    }
}

static sw_mm_node *sw_mm_and(sw_mm_parser *ps) {
    sw_mm_node *l = sw_mm_compare(ps);
    while (l && (sw_mm_accept(ps, "&&") || sw_mm_accept(ps, "AND"))) l = sw_mm_binary(l, N_AND, sw_mm_compare(ps));
    return l;
}

static sw_mm_node *sw_mm_expr_or(sw_mm_parser *ps) {
    sw_mm_node *l = sw_mm_and(ps);
    while (l && (sw_mm_accept(ps, "||") || sw_mm_accept(ps, "OR"))) l = sw_mm_binary(l, N_OR, sw_mm_and(ps));
    return l;
}

sw_mm_expr *sw_mm_parse(const char *text, size_t len, char *err, size_t errlen) {
    err[0] = '\0';
    if (len == 0) return snprintf(err, errlen, "The expression is empty."), NULL;
    if (len > SW_MM_MAX_LEN) return snprintf(err, errlen, "The expression is longer than %d characters.", SW_MM_MAX_LEN), NULL;
    sw_mm_parser ps = {text, text + len, text, err, errlen, 0};
    sw_mm_space(&ps);
    if (ps.end - ps.p >= 6 && strncasecmp(ps.p, "SELECT", 6) == 0 && (ps.end - ps.p == 6 || isspace((unsigned char)ps.p[6])))
        return snprintf(err, errlen, "Metrics Insights queries (SELECT ...) are not supported by skywatch."), NULL;
    sw_mm_node *root = sw_mm_expr_or(&ps);
    if (root) {
        sw_mm_space(&ps);
        if (ps.p < ps.end) {
            sw_mm_fail(&ps, "Syntax error: unexpected '%c' at position %zu.", *ps.p, (size_t)(ps.p - ps.start) + 1);
            sw_mm_node_free(root);
            root = NULL;
        }
    }
    if (!root) return NULL;
    sw_mm_expr *e = sw_calloc(1, sizeof *e);
    e->root = root;
    return e;
}

void sw_mm_free(sw_mm_expr *e) {
    if (!e) return;
    sw_mm_node_free(e->root);
    sw_free(e);
}

static void sw_mm_collect(const sw_mm_node *n, const char **ids, size_t max, size_t *k, int *all) {
    if (n->op == N_ID && *k < max) {
        for (size_t i = 0; i < *k; i++) if (strcmp(ids[i], n->name) == 0) return;
        ids[(*k)++] = n->name;
    }
    if (n->op == N_CALL && strcmp(n->name, "METRICS") == 0) *all = 1;
    /* SORT's and IF's keyword arguments (ASC, SUM, ...) are names, not queries: skipped by the caller's lookup. */
    for (int i = 0; i < n->nargs; i++) sw_mm_collect(n->args[i], ids, max, k, all);
}

size_t sw_mm_refs(const sw_mm_expr *e, const char **ids, size_t max, int *all) {
    size_t k = 0;
    *all = 0;
    sw_mm_collect(e->root, ids, max, &k, all);
    return k;
}

static int64_t sw_mm_search_min(const sw_mm_node *n) {
    int64_t best = 0;
    if (n->op == N_CALL && strcmp(n->name, "SEARCH") == 0 && n->nargs == 3 && n->args[2]->op == N_NUM && n->args[2]->num >= 1)
        best = (int64_t)n->args[2]->num;
    for (int i = 0; i < n->nargs; i++) {
        int64_t p = sw_mm_search_min(n->args[i]);
        if (p && (!best || p < best)) best = p;
    }
    return best;
}

int64_t sw_mm_search_period(const sw_mm_expr *e) { return sw_mm_search_min(e->root); }

static int sw_mm_has(const sw_mm_node *n, const char *name) {
    if (n->op == N_CALL && strcmp(n->name, name) == 0) return 1;
    for (int i = 0; i < n->nargs; i++) if (sw_mm_has(n->args[i], name)) return 1;
    return 0;
}

int sw_mm_has_call(const sw_mm_expr *e, const char *name) { return sw_mm_has(e->root, name); }

/* ---------- values ---------- */

void sw_mm_value_free(sw_mm_value *v) {
    for (size_t i = 0; i < v->nser; i++) { sw_free(v->ser[i].label); sw_free(v->ser[i].v); }
    sw_free(v->ser);
    memset(v, 0, sizeof *v);
}

static sw_mm_value sw_mm_scalar(double s) { return (sw_mm_value){1, s, 0, NULL, 0}; }

static void sw_mm_push(sw_mm_value *v, const char *label, double *vals) {
    v->ser = sw_realloc(v->ser, (v->nser + 1) * sizeof *v->ser);
    v->ser[v->nser++] = (sw_mm_series){sw_strdup(label ? label : ""), vals};
}

static double *sw_mm_vec(size_t n) {
    double *v = sw_malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = NAN;
    return v;
}

static double *sw_mm_dup(const double *v, size_t n) {
    double *d = sw_malloc((n ? n : 1) * sizeof *d);
    if (n) memcpy(d, v, n * sizeof *d);
    return d;
}

static void sw_mm_copy(const sw_mm_value *src, size_t n, sw_mm_value *dst) {
    *dst = (sw_mm_value){src->scalar, src->s, src->array, NULL, 0};
    for (size_t i = 0; i < src->nser; i++) sw_mm_push(dst, src->ser[i].label, sw_mm_dup(src->ser[i].v, n));
}

/* ---------- evaluation ---------- */

typedef struct { const sw_mm_env *env; char *err; size_t errlen; } sw_mm_ev;

static int sw_mm_err(sw_mm_ev *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sw_mm_err(sw_mm_ev *ev, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev->err, ev->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int sw_mm_eval_node(sw_mm_ev *ev, const sw_mm_node *n, sw_mm_value *out);

static double sw_mm_apply(int op, double a, double b) {
    switch (op) {
    case N_ADD: return a + b;
    case N_SUB: return a - b;
    case N_MUL: return a * b;
    case N_DIV: return b == 0 ? NAN : a / b;
    case N_POW: return pow(a, b);
    case N_EQ: return a == b;
    case N_NE: return a != b;
    case N_LT: return a < b;
    case N_LE: return a <= b;
    case N_GT: return a > b;
    case N_GE: return a >= b;
    case N_AND: return a != 0 && b != 0;
    default: return a != 0 || b != 0;
    }
}

/* One series with a series or scalar: missing against present counts as 0, both missing stays missing. */
static double *sw_mm_combine(int op, const double *a, const double *b, double bs, size_t n) {
    double *r = sw_mm_vec(n);
    for (size_t i = 0; i < n; i++) {
        double x = a[i], y = b ? b[i] : bs;
        if (isnan(x) && isnan(y)) continue;
        if (b) { if (isnan(x)) x = 0; if (isnan(y)) y = 0; }
        else if (isnan(x)) continue;
        double v = sw_mm_apply(op, x, y);
        r[i] = isfinite(v) ? v : NAN;
    }
    return r;
}

static double *sw_mm_combine_left_scalar(int op, double as, const double *b, size_t n) {
    double *r = sw_mm_vec(n);
    for (size_t i = 0; i < n; i++) {
        if (isnan(b[i])) continue;
        double v = sw_mm_apply(op, as, b[i]);
        r[i] = isfinite(v) ? v : NAN;
    }
    return r;
}

static int sw_mm_binop(sw_mm_ev *ev, int op, const sw_mm_value *a, const sw_mm_value *b, sw_mm_value *out) {
    size_t n = ev->env->n;
    if (a->scalar && b->scalar) {
        double v = sw_mm_apply(op, a->s, b->s);
        *out = sw_mm_scalar(isfinite(v) ? v : NAN);
        return 0;
    }
    if (a->array && b->array && !(a->nser == 1 || b->nser == 1))
        return sw_mm_err(ev, "Error in expression: an operator cannot combine two arrays of time series.");
    const sw_mm_value *arr = a->array && a->nser != 1 ? a : b->array && b->nser != 1 ? b : NULL;
    *out = (sw_mm_value){0, 0, arr != NULL, NULL, 0};
    if (!arr) {
        /* series with series, or series with scalar */
        if (a->scalar) sw_mm_push(out, b->ser[0].label, sw_mm_combine_left_scalar(op, a->s, b->ser[0].v, n));
        else sw_mm_push(out, a->ser[0].label, sw_mm_combine(op, a->ser[0].v, b->scalar ? NULL : b->ser[0].v, b->s, n));
        return 0;
    }
    for (size_t i = 0; i < arr->nser; i++) {
        if (arr == a) sw_mm_push(out, a->ser[i].label, sw_mm_combine(op, a->ser[i].v, b->scalar ? NULL : b->ser[0].v, b->s, n));
        else if (a->scalar) sw_mm_push(out, b->ser[i].label, sw_mm_combine_left_scalar(op, a->s, b->ser[i].v, n));
        else sw_mm_push(out, b->ser[i].label, sw_mm_combine(op, a->ser[0].v, b->ser[i].v, 0, n));
    }
    return 0;
}

static double sw_mm_unary_fn(const char *f, double x) {
    if (strcmp(f, "ABS") == 0) return fabs(x);
    if (strcmp(f, "CEIL") == 0) return ceil(x);
    if (strcmp(f, "FLOOR") == 0) return floor(x);
    if (strcmp(f, "LOG") == 0) return x > 0 ? log(x) : NAN;
    if (strcmp(f, "LOG10") == 0) return x > 0 ? log10(x) : NAN;
    return -x; /* N_NEG */
}

static void sw_mm_map(sw_mm_value *v, size_t n, const char *f) {
    if (v->scalar) { v->s = sw_mm_unary_fn(f, v->s); return; }
    for (size_t k = 0; k < v->nser; k++)
        for (size_t i = 0; i < n; i++)
            if (!isnan(v->ser[k].v[i])) v->ser[k].v[i] = sw_mm_unary_fn(f, v->ser[k].v[i]);
}

/* AVG/SUM/MIN/MAX/STDDEV/DATAPOINT_COUNT over the values xs (missing ones skipped). */
static double sw_mm_reduce(const char *f, const double *xs, size_t n, size_t stride) {
    double sum = 0, sq = 0, mn = INFINITY, mx = -INFINITY;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double x = xs[i * stride];
        if (isnan(x)) continue;
        k++, sum += x, sq += x * x;
        if (x < mn) mn = x;
        if (x > mx) mx = x;
    }
    if (strcmp(f, "DATAPOINT_COUNT") == 0) return (double)k;
    if (k == 0) return NAN;
    if (strcmp(f, "SUM") == 0) return sum;
    if (strcmp(f, "AVG") == 0) return sum / (double)k;
    if (strcmp(f, "MIN") == 0) return mn;
    if (strcmp(f, "MAX") == 0) return mx;
    double mean = sum / (double)k, var = sq / (double)k - mean * mean; /* STDDEV: population */
    return sqrt(var > 0 ? var : 0);
}

static int sw_mm_need_array(sw_mm_ev *ev, const char *f, const sw_mm_value *v) {
    if (v->scalar) return sw_mm_err(ev, "Error in expression: %s takes an array of time series.", f);
    return 0;
}

static int sw_mm_argc(sw_mm_ev *ev, const sw_mm_node *n, int lo, int hi) {
    if (n->nargs < lo || n->nargs > hi) {
        if (lo == hi) return sw_mm_err(ev, "Error in expression: %s takes %d argument%s.", n->name, lo, lo == 1 ? "" : "s");
        return sw_mm_err(ev, "Error in expression: %s takes %d to %d arguments.", n->name, lo, hi);
    }
    return 0;
}

/* The time part of epoch seconds t for MINUTE..EPOCH. */
static double sw_mm_time_part(const char *f, double t) {
    time_t s = (time_t)t;
    struct tm tm;
    gmtime_r(&s, &tm);
    if (strcmp(f, "MINUTE") == 0) return tm.tm_min;
    if (strcmp(f, "HOUR") == 0) return tm.tm_hour;
    if (strcmp(f, "DAY") == 0) return tm.tm_wday == 0 ? 7 : tm.tm_wday; /* 1 Monday .. 7 Sunday */
    if (strcmp(f, "DATE") == 0) return tm.tm_mday;
    if (strcmp(f, "MONTH") == 0) return tm.tm_mon + 1;
    if (strcmp(f, "YEAR") == 0) return tm.tm_year + 1900;
    return t; /* EPOCH */
}

static int sw_mm_keyword(const sw_mm_node *n, const char *const *allowed) {
    if (n->op != N_ID && n->op != N_STR) return -1;
    for (int i = 0; allowed[i]; i++) if (strcmp(n->name, allowed[i]) == 0) return i;
    return -1;
}

typedef struct { size_t i; double key; } sw_mm_rank;
static int sw_mm_rank_cmp(const void *a, const void *b) {
    double x = ((const sw_mm_rank *)a)->key, y = ((const sw_mm_rank *)b)->key;
    if (isnan(x) != isnan(y)) return isnan(x) ? 1 : -1;
    return (x > y) - (x < y);
}

static int sw_mm_call(sw_mm_ev *ev, const sw_mm_node *n, sw_mm_value *out) {
    const char *f = n->name;
    size_t len = ev->env->n;
    const double *t = ev->env->t;
    *out = (sw_mm_value){0};
    if (strcmp(f, "METRICS") == 0) {
        if (sw_mm_argc(ev, n, 0, 1)) return -1;
        const char *filter = NULL;
        if (n->nargs == 1) {
            if (n->args[0]->op != N_STR) return sw_mm_err(ev, "Error in expression: METRICS takes a string.");
            filter = n->args[0]->name;
        }
        out->array = 1;
        for (size_t i = 0; i < ev->env->nvars; i++) {
            if (!ev->env->is_metric[i] || !ev->env->vals[i] || (filter && !strstr(ev->env->ids[i], filter))) continue;
            const sw_mm_value *v = ev->env->vals[i];
            for (size_t k = 0; k < v->nser; k++) sw_mm_push(out, v->ser[k].label, sw_mm_dup(v->ser[k].v, len));
        }
        return 0;
    }
    if (strcmp(f, "SEARCH") == 0) {
        if (sw_mm_argc(ev, n, 3, 3)) return -1;
        if (!ev->env->search) return sw_mm_err(ev, "Error in expression: SEARCH cannot be used here (alarms cannot use SEARCH).");
        if (n->args[0]->op != N_STR || n->args[1]->op != N_STR)
            return sw_mm_err(ev, "Error in expression: SEARCH takes a search string, a statistic in quotes and a period.");
        sw_mm_value p;
        if (sw_mm_eval_node(ev, n->args[2], &p)) return -1;
        int ok = p.scalar && p.s >= 1 && p.s == floor(p.s);
        int64_t period = ok ? (int64_t)p.s : 0;
        sw_mm_value_free(&p);
        if (!ok) return sw_mm_err(ev, "Error in expression: SEARCH's period must be a whole number of seconds.");
        out->array = 1;
        return ev->env->search(ev->env->search_arg, ev->env, n->args[0]->name, n->args[1]->name, period, out, ev->err, ev->errlen);
    }
    if (strcmp(f, "SORT") == 0) {
        static const char *const funcs[] = {"AVG", "MIN", "MAX", "SUM", NULL}, *const orders[] = {"ASC", "DESC", NULL};
        if (sw_mm_argc(ev, n, 3, 4)) return -1;
        int fn = sw_mm_keyword(n->args[1], funcs), order = sw_mm_keyword(n->args[2], orders);
        if (fn < 0) return sw_mm_err(ev, "Error in expression: SORT's second argument must be AVG, MIN, MAX or SUM.");
        if (order < 0) return sw_mm_err(ev, "Error in expression: SORT's third argument must be ASC or DESC.");
        sw_mm_value arr, lim = sw_mm_scalar(INFINITY);
        if (sw_mm_eval_node(ev, n->args[0], &arr)) return -1;
        if (sw_mm_need_array(ev, f, &arr) || (n->nargs == 4 && sw_mm_eval_node(ev, n->args[3], &lim))) { sw_mm_value_free(&arr); return -1; }
        if (!lim.scalar || lim.s < 0) { sw_mm_value_free(&arr); sw_mm_value_free(&lim); return sw_mm_err(ev, "Error in expression: SORT's limit must be a number of 0 or more."); }
        sw_mm_rank *r = sw_malloc((arr.nser ? arr.nser : 1) * sizeof *r);
        for (size_t i = 0; i < arr.nser; i++) r[i] = (sw_mm_rank){i, sw_mm_reduce(funcs[fn], arr.ser[i].v, len, 1) * (order ? -1 : 1)};
        qsort(r, arr.nser, sizeof *r, sw_mm_rank_cmp);
        out->array = 1;
        for (size_t i = 0; i < arr.nser && (double)i < lim.s; i++) {
            sw_mm_series *s = &arr.ser[r[i].i];
            sw_mm_push(out, s->label, s->v);
            s->v = NULL;
        }
        sw_free(r);
        sw_mm_value_free(&arr);
        return 0;
    }
    /* Every other function evaluates its arguments first. */
    sw_mm_value a[3] = {{0}};
    int na = n->nargs > 3 ? 3 : n->nargs, rc = -1;
    if (n->nargs > 3) return sw_mm_err(ev, "Error in expression: %s takes at most 3 arguments.", f);
    int keyword_fill = strcmp(f, "FILL") == 0 && n->nargs == 2 && (n->args[1]->op == N_ID) &&
                       (strcmp(n->args[1]->name, "REPEAT") == 0 || strcmp(n->args[1]->name, "LINEAR") == 0);
    for (int i = 0; i < na; i++) {
        if (keyword_fill && i == 1) continue;
        if (sw_mm_eval_node(ev, n->args[i], &a[i])) goto done;
    }
    if (!strcmp(f, "ABS") || !strcmp(f, "CEIL") || !strcmp(f, "FLOOR") || !strcmp(f, "LOG") || !strcmp(f, "LOG10")) {
        if (sw_mm_argc(ev, n, 1, 1)) goto done;
        *out = a[0], a[0] = (sw_mm_value){0};
        sw_mm_map(out, len, f);
        rc = 0;
    } else if (!strcmp(f, "AVG") || !strcmp(f, "SUM") || !strcmp(f, "MIN") || !strcmp(f, "MAX") || !strcmp(f, "STDDEV") ||
               !strcmp(f, "DATAPOINT_COUNT")) {
        if (sw_mm_argc(ev, n, 1, 1)) goto done;
        if (a[0].scalar) { *out = a[0]; rc = 0; goto done; }
        if (!a[0].array || a[0].nser == 1) {
            /* a series: one number */
            *out = sw_mm_scalar(sw_mm_reduce(f, a[0].ser[0].v, len, 1));
        } else {
            /* an array: one series, each timestamp across the array */
            double *v = sw_mm_vec(len);
            for (size_t i = 0; i < len; i++) {
                double *col = sw_malloc((a[0].nser ? a[0].nser : 1) * sizeof *col);
                for (size_t k = 0; k < a[0].nser; k++) col[k] = a[0].ser[k].v[i];
                v[i] = a[0].nser ? sw_mm_reduce(f, col, a[0].nser, 1) : NAN;
                if (!strcmp(f, "DATAPOINT_COUNT") && v[i] == 0) v[i] = NAN;
                sw_free(col);
            }
            sw_mm_push(out, f, v);
        }
        rc = 0;
    } else if (!strcmp(f, "DIFF") || !strcmp(f, "DIFF_TIME") || !strcmp(f, "RATE") || !strcmp(f, "RUNNING_SUM")) {
        if (sw_mm_argc(ev, n, 1, 1) || sw_mm_need_array(ev, f, &a[0])) goto done;
        *out = (sw_mm_value){0, 0, a[0].array, NULL, 0};
        for (size_t k = 0; k < a[0].nser; k++) {
            const double *x = a[0].ser[k].v;
            double *v = sw_mm_vec(len), run = 0;
            long prev = -1;
            for (size_t i = 0; i < len; i++) {
                if (isnan(x[i])) continue;
                if (!strcmp(f, "RUNNING_SUM")) v[i] = run += x[i];
                else if (prev >= 0) {
                    double dt = t[i] - t[prev], dv = x[i] - x[prev];
                    v[i] = !strcmp(f, "DIFF") ? dv : !strcmp(f, "DIFF_TIME") ? dt : (dt > 0 ? dv / dt : NAN);
                }
                prev = (long)i;
            }
            sw_mm_push(out, a[0].ser[k].label, v);
        }
        rc = 0;
    } else if (!strcmp(f, "FILL")) {
        if (sw_mm_argc(ev, n, 2, 2) || sw_mm_need_array(ev, f, &a[0])) goto done;
        int mode = keyword_fill ? (strcmp(n->args[1]->name, "REPEAT") == 0 ? 1 : 2) : 0;
        if (!mode && a[1].array && a[1].nser != 1) { sw_mm_err(ev, "Error in expression: FILL's value must be a number or a time series."); goto done; }
        *out = a[0], a[0] = (sw_mm_value){0};
        for (size_t k = 0; k < out->nser; k++) {
            double *x = out->ser[k].v;
            if (mode == 0) {
                for (size_t i = 0; i < len; i++) if (isnan(x[i])) x[i] = a[1].scalar ? a[1].s : a[1].ser[0].v[i];
            } else if (mode == 1) {
                for (size_t i = 1; i < len; i++) if (isnan(x[i])) x[i] = x[i - 1];
            } else {
                long prev = -1;
                for (size_t i = 0; i < len; i++) {
                    if (isnan(x[i])) continue;
                    for (long j = prev + 1; prev >= 0 && j < (long)i; j++)
                        x[j] = x[prev] + (x[i] - x[prev]) * (t[j] - t[prev]) / (t[i] - t[prev]);
                    prev = (long)i;
                }
            }
        }
        rc = 0;
    } else if (!strcmp(f, "IF")) {
        if (sw_mm_argc(ev, n, 2, 3)) goto done;
        const sw_mm_value *c = &a[0];
        if (c->scalar && a[1].scalar && (n->nargs < 3 || a[2].scalar)) {
            *out = sw_mm_scalar(c->s != 0 ? a[1].s : n->nargs == 3 ? a[2].s : NAN);
            rc = 0;
            goto done;
        }
        for (int i = 0; i < na; i++)
            if (a[i].array && a[i].nser != 1) { sw_mm_err(ev, "Error in expression: IF takes numbers and time series, not arrays."); goto done; }
        double *v = sw_mm_vec(len);
        const char *label = !c->scalar ? c->ser[0].label : !a[1].scalar ? a[1].ser[0].label : a[2].ser[0].label;
        for (size_t i = 0; i < len; i++) {
            double cv = c->scalar ? c->s : c->ser[0].v[i];
            if (isnan(cv)) continue;
            const sw_mm_value *pick = cv != 0 ? &a[1] : n->nargs == 3 ? &a[2] : NULL;
            if (pick) v[i] = pick->scalar ? pick->s : pick->ser[0].v[i];
        }
        sw_mm_push(out, label, v);
        rc = 0;
    } else if (!strcmp(f, "FIRST") || !strcmp(f, "LAST")) {
        if (sw_mm_argc(ev, n, 1, 1) || sw_mm_need_array(ev, f, &a[0])) goto done;
        if (a[0].nser == 0) { sw_mm_err(ev, "Error in expression: %s of an empty array.", f); goto done; }
        sw_mm_series *s = &a[0].ser[!strcmp(f, "FIRST") ? 0 : a[0].nser - 1];
        sw_mm_push(out, s->label, s->v);
        s->v = NULL;
        rc = 0;
    } else if (!strcmp(f, "METRIC_COUNT")) {
        if (sw_mm_argc(ev, n, 1, 1) || sw_mm_need_array(ev, f, &a[0])) goto done;
        *out = sw_mm_scalar((double)a[0].nser);
        rc = 0;
    } else if (!strcmp(f, "PERIOD")) {
        if (sw_mm_argc(ev, n, 1, 1) || sw_mm_need_array(ev, f, &a[0])) goto done;
        *out = sw_mm_scalar((double)ev->env->period);
        rc = 0;
    } else if (!strcmp(f, "REMOVE_EMPTY")) {
        if (sw_mm_argc(ev, n, 1, 1) || sw_mm_need_array(ev, f, &a[0])) goto done;
        out->array = 1;
        for (size_t k = 0; k < a[0].nser; k++) {
            size_t i = 0;
            while (i < len && isnan(a[0].ser[k].v[i])) i++;
            if (i < len) { sw_mm_push(out, a[0].ser[k].label, a[0].ser[k].v); a[0].ser[k].v = NULL; }
        }
        rc = 0;
    } else if (!strcmp(f, "SLICE")) {
        if (sw_mm_argc(ev, n, 3, 3) || sw_mm_need_array(ev, f, &a[0])) goto done;
        if (!a[1].scalar || !a[2].scalar) { sw_mm_err(ev, "Error in expression: SLICE takes an array and two numbers."); goto done; }
        out->array = 1;
        for (size_t k = 0; k < a[0].nser; k++)
            if ((double)k >= a[1].s && (double)k < a[2].s) { sw_mm_push(out, a[0].ser[k].label, a[0].ser[k].v); a[0].ser[k].v = NULL; }
        rc = 0;
    } else if (!strcmp(f, "TIME_SERIES")) {
        if (sw_mm_argc(ev, n, 1, 1)) goto done;
        if (!a[0].scalar) { sw_mm_err(ev, "Error in expression: TIME_SERIES takes a number."); goto done; }
        double *v = sw_mm_vec(len);
        for (size_t i = 0; i < len; i++) v[i] = a[0].s;
        sw_mm_push(out, "TIME_SERIES", v);
        rc = 0;
    } else { /* MINUTE HOUR DAY DATE MONTH YEAR EPOCH */
        if (sw_mm_argc(ev, n, 1, 1) || sw_mm_need_array(ev, f, &a[0])) goto done;
        *out = (sw_mm_value){0, 0, a[0].array, NULL, 0};
        for (size_t k = 0; k < a[0].nser; k++) {
            double *v = sw_mm_vec(len);
            for (size_t i = 0; i < len; i++) if (!isnan(a[0].ser[k].v[i])) v[i] = sw_mm_time_part(f, t[i]);
            sw_mm_push(out, a[0].ser[k].label, v);
        }
        rc = 0;
    }
done:
    for (int i = 0; i < 3; i++) sw_mm_value_free(&a[i]);
    if (rc) sw_mm_value_free(out);
    return rc;
}

static int sw_mm_eval_node(sw_mm_ev *ev, const sw_mm_node *n, sw_mm_value *out) {
    *out = (sw_mm_value){0};
    switch (n->op) {
    case N_NUM: *out = sw_mm_scalar(n->num); return 0;
    case N_STR: return sw_mm_err(ev, "Error in expression: a string is allowed only as an argument of METRICS or SEARCH.");
    case N_ID:
        for (size_t i = 0; i < ev->env->nvars; i++)
            if (strcmp(ev->env->ids[i], n->name) == 0) {
                if (!ev->env->vals[i]) return sw_mm_err(ev, "Error in expression: %.255s has no value yet (a cycle?).", n->name);
                sw_mm_copy(ev->env->vals[i], ev->env->n, out);
                return 0;
            }
        return sw_mm_err(ev, "Error in expression: Unrecognized identifier %.255s.", n->name);
    case N_NEG: {
        if (sw_mm_eval_node(ev, n->args[0], out)) return -1;
        sw_mm_map(out, ev->env->n, "NEG");
        return 0;
    }
    case N_CALL: return sw_mm_call(ev, n, out);
    default: {
        sw_mm_value a, b;
        if (sw_mm_eval_node(ev, n->args[0], &a)) return -1;
        if (sw_mm_eval_node(ev, n->args[1], &b)) { sw_mm_value_free(&a); return -1; }
        int rc = sw_mm_binop(ev, n->op, &a, &b, out);
        sw_mm_value_free(&a);
        sw_mm_value_free(&b);
        return rc;
    }
    }
}

int sw_mm_eval(const sw_mm_expr *e, const sw_mm_env *env, sw_mm_value *out, char *err, size_t errlen) {
    sw_mm_ev ev = {env, err, errlen};
    err[0] = '\0';
    return sw_mm_eval_node(&ev, e->root, out);
}

int sw_mm_eval_all(sw_mm_expr *const *ex, const sw_mm_env *env, const sw_mm_value **vp, sw_mm_value *vals,
                   int stop_on_error, char *err, size_t errlen) {
    size_t nq = env->nvars, left = 0;
    char msg[512];
    int *done = sw_calloc(nq + 1, sizeof *done);
    for (size_t i = 0; i < nq; i++) left += ex[i] != NULL;
    int rc = 0;
    for (int progress = 1; left > 0 && progress && !rc;) {
        progress = 0;
        for (size_t i = 0; i < nq && !rc; i++) {
            if (!ex[i] || done[i]) continue;
            const char *refs[64];
            int every, ready = 1;
            size_t nr = sw_mm_refs(ex[i], refs, 64, &every);
            for (size_t r = 0; r < nr && ready; r++)
                for (size_t k = 0; k < nq; k++)
                    if (strcmp(env->ids[k], refs[r]) == 0 && !vp[k] && ex[k] && !done[k]) ready = 0;
            if (!ready) continue;
            done[i] = 1, left--, progress = 1;
            if (sw_mm_eval(ex[i], env, &vals[i], msg, sizeof msg) == 0) vp[i] = &vals[i];
            else if (stop_on_error) {
                snprintf(err, errlen, "Error in expression %.255s: %s", env->ids[i], msg);
                rc = -1;
            }
        }
    }
    if (!rc && left > 0) {
        snprintf(err, errlen, "Error in expressions: they refer to each other in a cycle.");
        rc = -1;
    }
    sw_free(done);
    return rc;
}
