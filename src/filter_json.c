/* filter_json.c -- JSON filter patterns: { SELECTOR OP VALUE && ... }, compiled to a condition tree. */
#include "filter_int.h"
#include "json.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* "Property selectors are alphanumeric strings that also support '-' and '_' characters" (JSON page). */
static int sw_fjson_key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Reads the next segment of selector text at *pp: ".key" or "[N]" ("Array elements are denoted with
 * [NUMBER] syntax, and must follow a property"). 1 with *seg set, 0 at the end, -1 on bad syntax. */
static int sw_fjson_segment(const char **pp, const char *e, int first, sw_fseg *seg) {
    const char *p = *pp;
    if (p >= e) return 0;
    if (*p == '.') {
        const char *k = ++p;
        while (p < e && sw_fjson_key_char(*p)) p++;
        if (p == k) return -1;
        *seg = (sw_fseg){k, (size_t)(p - k), 0};
    } else if (*p == '[' && !first) {
        long idx = 0;
        const char *d = ++p;
        while (p < e && *p >= '0' && *p <= '9' && p - d < 9) idx = idx * 10 + (*p++ - '0');
        if (p == d || p >= e || *p != ']') return -1;
        p++;
        *seg = (sw_fseg){NULL, 0, idx};
    } else {
        return -1;
    }
    *pp = p;
    return 1;
}

/* Compiles the selector token into f->sels/f->segs; returns its index or -1. */
static int sw_fjson_selector(sw_fparser *ps) {
    sw_filter *f = ps->f;
    const char *p = ps->ts + 1, *e = ps->ts + ps->tn;
    int first = f->nsegs, rc;
    sw_fseg seg;
    while ((rc = sw_fjson_segment(&p, e, f->nsegs == first, &seg)) == 1) {
        if (seg.key) seg.key = sw_filter_pool_put(f, seg.key, seg.klen);
        f->segs[f->nsegs++] = seg;
    }
    if (rc < 0 || f->nsegs == first) return sw_filter_bad_term(ps, ps->ts, p < e ? p : e - 1);
    f->sels[f->nsels] = (sw_fsel){first, f->nsegs - first};
    return f->nsels++;
}

/* SELECTOR IS NULL | IS TRUE | IS FALSE | NOT EXISTS | OP VALUE, with the current token on the selector. */
static int sw_fjson_condition(sw_fparser *ps) {
    int sel = sw_fjson_selector(ps);
    if (sel < 0) return -1;
    sw_flex_next(ps);
    sw_ntype type;
    sw_cmp op;
    if (sw_flex_is_word(ps, "IS")) {
        sw_flex_next(ps);
        if (sw_flex_is_word(ps, "NULL")) type = SW_N_IS_NULL;
        else if (sw_flex_is_word(ps, "TRUE")) type = SW_N_IS_TRUE;
        else if (sw_flex_is_word(ps, "FALSE")) type = SW_N_IS_FALSE;
        else return sw_filter_fail(ps, "Invalid filter pattern: expected NULL, TRUE or FALSE after IS");
        sw_flex_next(ps);
    } else if (sw_flex_is_word(ps, "NOT")) {
        sw_flex_next(ps);
        if (!sw_flex_is_word(ps, "EXISTS")) return sw_filter_fail(ps, "Invalid filter pattern: expected EXISTS after NOT");
        type = SW_N_NOT_EXISTS;
        sw_flex_next(ps);
    } else if (sw_fparse_cmp(ps, &op)) {
        int i = sw_fnode_new(ps, SW_N_CMP, -1, -1);
        ps->f->nodes[i].ref = sel;
        return sw_fparse_value(ps, op, &ps->f->nodes[i].v) ? -1 : i;
    } else {
        if (ps->failed) return -1;
        if (ps->t == SW_T_WORD)
            return sw_filter_fail(ps, "Invalid filter pattern: expected an operator, IS or NOT EXISTS after the selector, not '%.*s'",
                                  (int)(ps->tn > 64 ? 64 : ps->tn), ps->ts);
        if (ps->t == SW_T_EOF || ps->t == SW_T_RBRACE || ps->t == SW_T_RPAREN)
            return sw_filter_fail(ps, "Invalid filter pattern: missing operator after selector");
        return sw_filter_bad_term(ps, ps->ts, ps->ts);
    }
    int i = sw_fnode_new(ps, type, -1, -1);
    ps->f->nodes[i].ref = sel;
    return ps->failed ? -1 : i;
}

static int sw_fjson_or(sw_fparser *ps);

/* ( expr ) | condition */
static int sw_fjson_primary(sw_fparser *ps) {
    if (ps->t == SW_T_LPAREN) {
        if (++ps->depth > SW_FILTER_MAX_DEPTH) return sw_filter_fail(ps, "Invalid filter pattern: parentheses nested too deeply");
        sw_flex_next(ps);
        int e = sw_fjson_or(ps);
        if (e < 0) return -1;
        if (ps->t != SW_T_RPAREN) return sw_filter_fail(ps, "Invalid filter pattern: unbalanced parentheses");
        ps->depth--;
        sw_flex_next(ps);
        return ps->failed ? -1 : e;
    }
    if (ps->t == SW_T_SEL) return sw_fjson_condition(ps);
    if (ps->failed) return -1;
    if (ps->t == SW_T_EOF || ps->t == SW_T_RBRACE) return sw_filter_fail(ps, "Invalid filter pattern: expected a condition");
    return sw_filter_bad_term(ps, ps->ts, ps->ts);
}

/* "Parenthesis are allowed and the syntax follows standard order of operations () > && > ||". */
static int sw_fjson_and(sw_fparser *ps) {
    int l = sw_fjson_primary(ps);
    while (l >= 0 && ps->t == SW_T_AND) {
        sw_flex_next(ps);
        int r = sw_fjson_primary(ps);
        l = r < 0 ? -1 : sw_fnode_new(ps, SW_N_AND, l, r);
    }
    return l;
}

static int sw_fjson_or(sw_fparser *ps) {
    int l = sw_fjson_and(ps);
    while (l >= 0 && ps->t == SW_T_OR) {
        sw_flex_next(ps);
        int r = sw_fjson_and(ps);
        l = r < 0 ? -1 : sw_fnode_new(ps, SW_N_OR, l, r);
    }
    return l;
}

int sw_fjson_compile(sw_fparser *ps) {
    ps->p++; /* the '{' */
    sw_flex_next(ps);
    int root = sw_fjson_or(ps);
    if (root < 0) return -1;
    if (ps->t != SW_T_RBRACE) {
        if (ps->t == SW_T_EOF && !ps->failed) return sw_filter_fail(ps, "Invalid filter pattern: unbalanced braces");
        return ps->failed ? -1 : sw_filter_bad_term(ps, ps->ts, ps->ts);
    }
    sw_flex_next(ps);
    if (ps->t != SW_T_EOF || ps->failed)
        return ps->failed ? -1 : sw_filter_fail(ps, "Invalid filter pattern: unexpected '%.*s' after '}'", (int)(ps->tn > 64 ? 64 : ps->tn), ps->ts);
    ps->f->root = root;
    return 0;
}

/* ---- matching ---- */

static const sw_value *sw_fjson_step(const sw_value *v, const sw_fseg *s) {
    if (!v) return NULL;
    if (s->key) return v->type == SW_V_MAP ? sw_v_getn(v, s->key, s->klen) : NULL;
    return v->type == SW_V_LIST && (size_t)s->index < v->u.list.n ? v->u.list.items[s->index] : NULL;
}

static const sw_value *sw_fjson_resolve(const sw_filter *f, int sel, const sw_value *root) {
    const sw_fsel *s = &f->sels[sel];
    const sw_value *v = root;
    for (int i = 0; i < s->count && v; i++) v = sw_fjson_step(v, &f->segs[s->first + i]);
    return v;
}

/* Shortest text that reads back as d ("1.5", "2000"), for string comparisons against a JSON number. */
static size_t sw_fjson_number_text(double d, char *buf, size_t cap) {
    int n = 0;
    for (int prec = 1; prec <= 17; prec++) {
        n = snprintf(buf, cap, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) break;
    }
    return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* "The SELECTOR must point to a value node (string or number)": on an object, array, null or a
 * missing member both = and != are false. Booleans compare as the words true and false. */
static int sw_fjson_compare(const sw_filter *f, const sw_fvalue *v, const sw_value *x) {
    char buf[48];
    size_t n;
    switch (x->type) {
    case SW_V_STRING: /* < > <= >= compare numbers only: a JSON string is not one */
        return v->op < SW_CMP_LT && sw_fvalue_match_text(f, v, x->u.str.s, x->u.str.len);
    case SW_V_BOOL: return x->u.b ? sw_fvalue_match_text(f, v, "true", 4) : sw_fvalue_match_text(f, v, "false", 5);
    case SW_V_INT:
        if (v->regex < 0 && (v->numeric || v->op >= SW_CMP_LT)) return sw_fvalue_match_number(f, v, (double)x->u.i);
        n = (size_t)snprintf(buf, sizeof buf, "%" PRId64, x->u.i);
        return sw_fvalue_match_text(f, v, buf, n);
    case SW_V_DOUBLE:
        if (v->regex < 0 && (v->numeric || v->op >= SW_CMP_LT)) return sw_fvalue_match_number(f, v, x->u.d);
        n = sw_fjson_number_text(x->u.d, buf, sizeof buf);
        return sw_fvalue_match_text(f, v, buf, n);
    default: return 0;
    }
}

static int sw_fjson_eval(const sw_filter *f, int i, const sw_value *root) {
    const sw_fnode *nd = &f->nodes[i];
    const sw_value *x;
    switch (nd->type) {
    case SW_N_AND: return sw_fjson_eval(f, nd->left, root) && sw_fjson_eval(f, nd->right, root);
    case SW_N_OR: return sw_fjson_eval(f, nd->left, root) || sw_fjson_eval(f, nd->right, root);
    default: break;
    }
    x = sw_fjson_resolve(f, nd->ref, root);
    switch (nd->type) {
    case SW_N_NOT_EXISTS: return x == NULL;
    case SW_N_IS_NULL: return x && x->type == SW_V_NULL;
    case SW_N_IS_TRUE: return x && x->type == SW_V_BOOL && x->u.b;
    case SW_N_IS_FALSE: return x && x->type == SW_V_BOOL && !x->u.b;
    default: return x && sw_fjson_compare(f, &nd->v, x);
    }
}

/* Decodes an event that is a JSON object into arena a; NULL for anything else (which never matches). */
static const sw_value *sw_fjson_decode(sw_arena *a, const char *msg, size_t n) {
    size_t i = 0;
    while (i < n && (msg[i] == ' ' || msg[i] == '\t' || msg[i] == '\n' || msg[i] == '\r')) i++;
    if (i >= n || msg[i] != '{') return NULL;
    /* The tree of a hostile event (e.g. [0,0,0,...]) is bounded to a multiple of its size. */
    sw_arena_init(a, 64 * n + 65536);
    sw_value *root;
    if (sw_json_decode(a, msg, n, &root, NULL, 0) != 0) return NULL;
    return root->type == SW_V_MAP ? root : NULL;
}

int sw_fjson_match(const sw_filter *f, const char *msg, size_t n) {
    sw_arena a = {0};
    const sw_value *root = sw_fjson_decode(&a, msg, n);
    int ok = root && sw_fjson_eval(f, f->root, root);
    sw_arena_free(&a);
    return ok;
}

static int sw_fjson_put(const sw_value *x, sw_buf *out) {
    switch (x->type) {
    case SW_V_STRING: sw_buf_append(out, x->u.str.s, x->u.str.len); return 0;
    case SW_V_INT: sw_buf_printf(out, "%" PRId64, x->u.i); return 0;
    case SW_V_DOUBLE: sw_buf_put_double(out, x->u.d); return 0;
    case SW_V_BOOL: sw_buf_puts(out, x->u.b ? "true" : "false"); return 0;
    default: return -1;
    }
}

int sw_fjson_extract(const sw_filter *f, const char *msg, size_t n, const char *selector, sw_buf *out) {
    (void)f;
    size_t sn = strlen(selector);
    if (sn < 2 || selector[0] != '$') return -1;
    sw_arena a = {0};
    const sw_value *v = sw_fjson_decode(&a, msg, n);
    const char *p = selector + 1, *e = selector + sn;
    sw_fseg seg;
    int rc, first = 1;
    while (v && (rc = sw_fjson_segment(&p, e, first, &seg)) == 1) { v = sw_fjson_step(v, &seg); first = 0; }
    int ok = v && p == e ? sw_fjson_put(v, out) : -1;
    sw_arena_free(&a);
    return ok;
}
