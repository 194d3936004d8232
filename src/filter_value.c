/* filter_value.c -- lexer of JSON and space-delimited filter patterns, their values and comparisons. */
#include "filter_int.h"
#include "memfind.h"
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int sw_flex_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static int sw_flex_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Unquoted values: alphanumerics plus the characters numbers and wildcards need ("123.123.*", "-1",
 * "+1000", "10e-3", "*html*"). Anything else must be quoted, as the JSON page says of '@', '$', '\'. */
static int sw_flex_word_char(char c) {
    return sw_flex_alnum(c) || c == '-' || c == '.' || c == '*' || c == '+';
}

/* Characters that may directly follow a selector: whitespace, end, or the start of an operator. */
static int sw_flex_after_sel(const char *p, const char *e) {
    return p >= e || sw_flex_space(*p) || strchr("=!<>&|),]}", *p) != NULL;
}

/* Scans a selector from p (on '$'): "$.key", "$.a.b[0][1]", or the positional "$3". */
static const char *sw_flex_selector(const char *p, const char *e) {
    const char *q = p + 1;
    while (q < e && *q >= '0' && *q <= '9') q++;
    if (q > p + 1) return q;
    for (;;) {
        if (q < e && *q == '.') {
            q++;
            while (q < e && (sw_flex_alnum(*q) || *q == '-')) q++;
        } else if (q < e && *q == '[') {
            const char *d = q + 1;
            while (d < e && *d >= '0' && *d <= '9') d++;
            if (d == q + 1 || d >= e || *d != ']') return q;
            q = d + 1;
        } else {
            return q;
        }
    }
}

/* Finds the end of a quoted string from p (on '"'), honouring \" escapes; NULL if unterminated. */
static const char *sw_flex_string_end(const char *p, const char *e) {
    for (p++; p < e; p++) {
        if (*p == '\\' && p + 1 < e) p++;
        else if (*p == '"') return p + 1;
    }
    return NULL;
}

static void sw_flex_set(sw_fparser *ps, sw_ttype t, const char *s, size_t n) {
    ps->t = t;
    ps->ts = s;
    ps->tn = n;
    ps->p = s + n;
}

/* Reads an operator token at p; 0 if p does not start one. */
static int sw_flex_operator(sw_fparser *ps, const char *p, const char *e) {
    char c = *p, d = p + 1 < e ? p[1] : '\0';
    switch (c) {
    case '&': if (d != '&') return 0; sw_flex_set(ps, SW_T_AND, p, 2); return 1;
    case '|': if (d != '|') return 0; sw_flex_set(ps, SW_T_OR, p, 2); return 1;
    case '!': if (d == '=') sw_flex_set(ps, SW_T_NE, p, 2); else sw_flex_set(ps, SW_T_BANG, p, 1); return 1;
    case '<': if (d == '=') sw_flex_set(ps, SW_T_LE, p, 2); else sw_flex_set(ps, SW_T_LT, p, 1); return 1;
    case '>': if (d == '=') sw_flex_set(ps, SW_T_GE, p, 2); else sw_flex_set(ps, SW_T_GT, p, 1); return 1;
    case '=': sw_flex_set(ps, SW_T_EQ, p, 1); return 1;
    case '(': sw_flex_set(ps, SW_T_LPAREN, p, 1); return 1;
    case ')': sw_flex_set(ps, SW_T_RPAREN, p, 1); return 1;
    case ',': sw_flex_set(ps, SW_T_COMMA, p, 1); return 1;
    case '}': sw_flex_set(ps, SW_T_RBRACE, p, 1); return 1;
    case ']': sw_flex_set(ps, SW_T_RBRACKET, p, 1); return 1;
    default: return 0;
    }
}

/* Advances to the next token; on a lexical error records AWS's message and yields SW_T_EOF. */
void sw_flex_next(sw_fparser *ps) {
    const char *p = ps->p, *e = ps->end;
    while (p < e && sw_flex_space(*p)) p++;
    sw_flex_set(ps, SW_T_EOF, p, 0);
    if (p >= e || ps->failed) return;
    if (*p == '"') {
        const char *q = sw_flex_string_end(p, e);
        if (!q) { sw_filter_fail(ps, "Invalid filter pattern: unbalanced quotes in '%.*s'", (int)(e - p > 64 ? 64 : e - p), p); return; }
        sw_flex_set(ps, SW_T_STRING, p, (size_t)(q - p));
    } else if (*p == '%') {
        const char *q = memchr(p + 1, '%', (size_t)(e - p - 1));
        if (!q) { sw_filter_fail(ps, "Invalid filter pattern: unbalanced '%%' in '%.*s'", (int)(e - p > 64 ? 64 : e - p), p); return; }
        sw_flex_set(ps, SW_T_REGEX, p, (size_t)(q + 1 - p));
    } else if (*p == '$') {
        const char *q = sw_flex_selector(p, e);
        if (!sw_flex_after_sel(q, e) || q == p + 1) { sw_filter_bad_term(ps, p, q < e ? q : e - 1); return; }
        sw_flex_set(ps, SW_T_SEL, p, (size_t)(q - p));
    } else if (sw_flex_word_char(*p)) {
        const char *q = p;
        while (q < e && sw_flex_word_char(*q)) q++;
        sw_flex_set(ps, q - p == 3 && memcmp(p, "...", 3) == 0 ? SW_T_ELLIPSIS : SW_T_WORD, p, (size_t)(q - p));
    } else if (!sw_flex_operator(ps, p, e)) {
        sw_filter_bad_term(ps, p, p);
    }
}

/* 1 if the current token is the keyword kw (IS, NULL, NOT, EXISTS, TRUE, FALSE), in any case. */
int sw_flex_is_word(const sw_fparser *ps, const char *kw) {
    return ps->t == SW_T_WORD && ps->tn == strlen(kw) && strncasecmp(ps->ts, kw, ps->tn) == 0;
}

/* If the current token is a comparison operator, stores it in *op, advances and returns 1. */
int sw_fparse_cmp(sw_fparser *ps, sw_cmp *op) {
    switch (ps->t) {
    case SW_T_EQ: *op = SW_CMP_EQ; break;
    case SW_T_NE: *op = SW_CMP_NE; break;
    case SW_T_LT: *op = SW_CMP_LT; break;
    case SW_T_GT: *op = SW_CMP_GT; break;
    case SW_T_LE: *op = SW_CMP_LE; break;
    case SW_T_GE: *op = SW_CMP_GE; break;
    default: return 0;
    }
    sw_flex_next(ps);
    return 1;
}

int sw_fnode_new(sw_fparser *ps, sw_ntype type, int left, int right) {
    sw_filter *f = ps->f;
    assert((size_t)f->nnodes < (size_t)(ps->end - ps->start) + 2);
    int i = f->nnodes++;
    f->nodes[i] = (sw_fnode){.type = type, .left = left, .right = right, .ref = -1, .v.regex = -1};
    return i;
}

/* Parses [s, s+n) as a whole number as the JSON page describes NUMBER: optional sign, integer or
 * decimal, optional e/E exponent with optional sign. 1 with *d set, 0 if it is not one. */
int sw_fnumber_parse(const char *s, size_t n, double *d) {
    char buf[400];
    size_t i = 0, digits = 0;
    if (n == 0 || n >= sizeof buf) return 0;
    if (s[i] == '+' || s[i] == '-') i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
    if (i < n && s[i] == '.') for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) digits++;
    if (!digits) return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t e0 = ++i;
        if (i < n && (s[i] == '+' || s[i] == '-')) e0 = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == e0) return 0;
    }
    if (i != n) return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *d = strtod(buf, NULL);
    return 1;
}

/* Copies the quoted string token (with its quotes) into the pool, undoing \" and \\ escapes. */
static const char *sw_fparse_unquote(sw_filter *f, const char *s, size_t n, size_t *len) {
    char *d = f->pool + f->pool_len, *d0 = d;
    for (size_t i = 1; i + 1 < n; i++) {
        if (s[i] == '\\' && i + 2 < n && (s[i + 1] == '"' || s[i + 1] == '\\')) i++;
        *d++ = s[i];
    }
    *d = '\0';
    *len = (size_t)(d - d0);
    f->pool_len += *len + 1;
    return d0;
}

/* Wildcards: "*Event", "Event*", "*Event*"; a star inside ("Ev*ent") is literal (JSON page, STRING). */
static void sw_fvalue_stars(sw_fvalue *v) {
    if (v->len && v->text[0] == '*') { v->star_head = 1; v->text++; v->len--; }
    if (v->len && v->text[v->len - 1] == '*') { v->star_tail = 1; v->len--; }
}

/* Parses the value after a comparison operator into v and advances past it. "=!x" reads as "!= x",
 * as in the OR-matching example [w1=!ERROR&&w1=!WARN, w2]. */
int sw_fparse_value(sw_fparser *ps, sw_cmp op, sw_fvalue *v) {
    sw_filter *f = ps->f;
    if (ps->t == SW_T_BANG && op == SW_CMP_EQ) { op = SW_CMP_NE; sw_flex_next(ps); }
    *v = (sw_fvalue){.op = op, .regex = -1};
    if (ps->failed) return -1;
    if (ps->t == SW_T_REGEX) {
        if (op != SW_CMP_EQ && op != SW_CMP_NE)
            return sw_filter_fail(ps, "Invalid filter pattern: a regex can only be compared with = or !=");
        if (sw_filter_add_regex(ps, ps->ts + 1, ps->tn - 2)) return -1;
        v->regex = f->nre - 1;
    } else if (ps->t == SW_T_STRING || ps->t == SW_T_WORD) {
        if (ps->t == SW_T_STRING) v->text = sw_fparse_unquote(f, ps->ts, ps->tn, &v->len);
        else { v->text = sw_filter_pool_put(f, ps->ts, ps->tn); v->len = ps->tn; }
        v->numeric = ps->t == SW_T_WORD && sw_fnumber_parse(v->text, v->len, &v->num);
        if (op >= SW_CMP_LT && !v->numeric)
            return sw_filter_fail(ps, "Invalid filter pattern: '%.*s' is not a number", (int)(ps->tn > 64 ? 64 : ps->tn), ps->ts);
        if (!v->numeric) sw_fvalue_stars(v);
    } else if (ps->t == SW_T_EOF) {
        return sw_filter_fail(ps, "Invalid filter pattern: missing value after comparison operator");
    } else {
        return sw_filter_bad_term(ps, ps->ts, ps->ts);
    }
    sw_flex_next(ps);
    return ps->failed ? -1 : 0;
}

static int sw_fvalue_glob(const sw_fvalue *v, const char *s, size_t n) {
    if (v->len > n) return 0;
    if (v->star_head && v->star_tail) return v->len == 0 || sw_memfind(s, n, v->text, v->len) != NULL;
    if (v->star_head) return memcmp(s + n - v->len, v->text, v->len) == 0;
    if (v->star_tail) return memcmp(s, v->text, v->len) == 0;
    return n == v->len && memcmp(s, v->text, n) == 0;
}

/* Numeric comparison of the operand d against the value's number; v->op is any operator. */
int sw_fvalue_match_number(const sw_filter *f, const sw_fvalue *v, double d) {
    (void)f;
    switch (v->op) {
    case SW_CMP_EQ: return d == v->num;
    case SW_CMP_NE: return d != v->num;
    case SW_CMP_LT: return d < v->num;
    case SW_CMP_GT: return d > v->num;
    case SW_CMP_LE: return d <= v->num;
    default: return d >= v->num;
    }
}

/* Compares a textual operand (a delimited field, a JSON string, a rendered JSON number or boolean):
 * regexes search it; < > <= >= need it to be a number; = and != compare numerically when both sides
 * are numbers, else as strings with the value's wildcards. */
int sw_fvalue_match_text(const sw_filter *f, const sw_fvalue *v, const char *s, size_t n) {
    double d;
    if (v->regex >= 0) {
        int m = sw_filter_regex_search(f, v->regex, s, n);
        return v->op == SW_CMP_EQ ? m : !m;
    }
    if (v->op >= SW_CMP_LT) return sw_fnumber_parse(s, n, &d) && sw_fvalue_match_number(f, v, d);
    int eq = v->numeric && sw_fnumber_parse(s, n, &d) ? d == v->num : sw_fvalue_glob(v, s, n);
    return v->op == SW_CMP_EQ ? eq : !eq;
}
