/* filter.c -- filter-pattern front door: compile dispatch, unstructured (text) patterns, regex terms. */
#include "filter_int.h"
#include "memfind.h"
#include "alloc.h"
#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- shared helpers ---- */

const char *sw_filter_pool_put(sw_filter *f, const char *s, size_t n) {
    char *d = f->pool + f->pool_len;
    memcpy(d, s, n);
    d[n] = '\0';
    f->pool_len += n + 1;
    return d;
}

int sw_filter_fail(sw_fparser *ps, const char *fmt, ...) {
    if (!ps->failed && ps->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err, ps->errlen, fmt, ap);
        va_end(ap);
    }
    ps->failed = 1;
    return -1;
}

/* Length of the character at s: a whole UTF-8 sequence, so the message stays valid UTF-8. */
static size_t sw_filter_char_len(const char *s, const char *end) {
    unsigned char c = (unsigned char)*s;
    size_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    while (n > 1 && (s + n > end || ((unsigned char)s[n - 1] & 0xC0) != 0x80)) n--;
    return n;
}

/* AWS reports a term it cannot read as "Invalid character(s) in term '('": the text from the start of
 * the term being read through the offending character (e.g. '$."' for the selector $."a-b"). */
int sw_filter_bad_term(sw_fparser *ps, const char *from, const char *at) {
    const char *to = at < ps->end ? at + sw_filter_char_len(at, ps->end) : ps->end;
    if (to - from > 64) from = at;
    for (const char *q = from; q < to; q++)
        if (*q == '\0') return sw_filter_fail(ps, "Invalid character(s) in term '\\0'");
    return sw_filter_fail(ps, "Invalid character(s) in term '%.*s'", (int)(to - from), from);
}

/* ---- regex: AWS's restricted syntax on PCRE2 ---- */

static void *sw_filter_pcre_malloc(size_t n, void *ud) { (void)ud; return sw_malloc(n); }
static void sw_filter_pcre_free(void *p, void *ud) { (void)ud; sw_free(p); }

static pcre2_general_context *sw_filter_gctx;
static pthread_key_t sw_filter_md_key;
static pthread_once_t sw_filter_once = PTHREAD_ONCE_INIT;

static void sw_filter_md_free(void *md) { pcre2_match_data_free(md); }

static void sw_filter_pcre_init(void) {
    sw_filter_gctx = pcre2_general_context_create(sw_filter_pcre_malloc, sw_filter_pcre_free, NULL);
    pthread_key_create(&sw_filter_md_key, sw_filter_md_free);
}

/* Match data is per thread (a compiled filter is shared read-only), made once so no event allocates. */
static pcre2_match_data *sw_filter_match_data(void) {
    pcre2_match_data *md = pthread_getspecific(sw_filter_md_key);
    if (!md) {
        md = pcre2_match_data_create(1, sw_filter_gctx);
        pthread_setspecific(sw_filter_md_key, md);
    }
    return md;
}

/* FilterAndPatternSyntax.html, "Supported regular expressions (regex) syntax": alphanumerics, the symbols
 * : _ # = @ / ; , - and the operators ^ $ ? [ ] { } | \ * + . only; "The ( and ) operators are not
 * supported" and "Multi-byte characters are not supported". */
static int sw_filter_regex_char_ok(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
    return c && strchr(":_#=@/;,-^$?[]{}|\\*+.", c) != NULL;
}

/* Compiles regex text s (without the % delimiters) into f->re; -1 with AWS-style message on error. */
int sw_filter_add_regex(sw_fparser *ps, const char *s, size_t n) {
    sw_filter *f = ps->f;
    if (f->nre == SW_FILTER_MAX_REGEX)
        return sw_filter_fail(ps, "Invalid filter pattern: a filter pattern can contain at most %d regular expressions",
                              SW_FILTER_MAX_REGEX);
    if (n == 0) return sw_filter_fail(ps, "Invalid filter pattern: empty regular expression");
    for (size_t i = 0; i < n; i++)
        if (!sw_filter_regex_char_ok((unsigned char)s[i]))
            return sw_filter_bad_term(ps, s + i, s + i);
    pthread_once(&sw_filter_once, sw_filter_pcre_init);
    int code;
    PCRE2_SIZE off;
    pcre2_compile_context *cc = pcre2_compile_context_create(sw_filter_gctx);
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)s, n, PCRE2_NEVER_UTF | PCRE2_NEVER_UCP, &code, &off, cc);
    pcre2_compile_context_free(cc);
    if (!re) {
        char msg[128];
        pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
        return sw_filter_fail(ps, "Invalid regex in filter pattern at offset %zu: %s", (size_t)off, msg);
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* best effort: the interpreter is the fallback */
    if (!f->mctx) {
        /* Bounds backtracking, so a pattern like %a*a*a*b% cannot stall ingestion on a long event. */
        f->mctx = pcre2_match_context_create(sw_filter_gctx);
        pcre2_set_match_limit(f->mctx, 200000);
        pcre2_set_depth_limit(f->mctx, 10000);
    }
    f->re[f->nre++] = re;
    return 0;
}

/* 1 if regex idx matches anywhere in [s, s+n); a match that hits the backtracking limit counts as none. */
int sw_filter_regex_search(const sw_filter *f, int idx, const char *s, size_t n) {
    pcre2_match_data *md = sw_filter_match_data();
    return pcre2_match(f->re[idx], (PCRE2_SPTR)s, n, 0, 0, md, f->mctx) >= 0;
}

/* ---- unstructured (text) patterns ---- */

static int sw_ftext_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* "Metric filter terms that include characters other than alphanumeric or underscore must be placed
 * inside double quotes" (FilterAndPatternSyntax.md, Matching Terms in Log Events). */
static int sw_ftext_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Reads the quoted phrase at *pp (on '"') into the pool, undoing \" and \\ escapes. */
static int sw_ftext_phrase(sw_fparser *ps, const char **pp, const char **text, size_t *len) {
    const char *p = *pp + 1, *e = ps->end;
    char *d = ps->f->pool + ps->f->pool_len, *d0 = d;
    while (p < e && *p != '"') {
        if (*p == '\\' && p + 1 < e && (p[1] == '"' || p[1] == '\\')) p++;
        *d++ = *p++;
    }
    if (p >= e) return sw_filter_fail(ps, "Invalid filter pattern: unbalanced quotes in '%.*s'", (int)(p - *pp > 64 ? 64 : p - *pp), *pp);
    *d = '\0';
    *text = d0;
    *len = (size_t)(d - d0);
    ps->f->pool_len += *len + 1;
    *pp = p + 1;
    return 0;
}

/* Reads one term (phrase, %regex% or bare word) at *pp into t. */
static int sw_ftext_term(sw_fparser *ps, const char **pp, const char *tok, sw_fterm *t) {
    const char *p = *pp, *e = ps->end;
    t->regex = -1;
    if (p >= e) return sw_filter_bad_term(ps, tok, p - 1);
    if (*p == '"') return sw_ftext_phrase(ps, pp, &t->text, &t->len);
    if (*p == '%') {
        const char *close = memchr(p + 1, '%', (size_t)(e - p - 1));
        if (!close) return sw_filter_fail(ps, "Invalid filter pattern: unbalanced '%%' in '%.*s'", (int)(e - p > 64 ? 64 : e - p), p);
        if (sw_filter_add_regex(ps, p + 1, (size_t)(close - p - 1))) return -1;
        t->regex = ps->f->nre - 1;
        *pp = close + 1;
        return 0;
    }
    const char *w = p;
    while (p < e && sw_ftext_word_char(*p)) p++;
    if (p == w) return sw_filter_bad_term(ps, p, p);
    t->text = sw_filter_pool_put(ps->f, w, (size_t)(p - w));
    t->len = (size_t)(p - w);
    *pp = p;
    return 0;
}

static int sw_ftext_blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) if (!sw_ftext_space(s[i])) return 0;
    return 1;
}

/* Terms are ANDed; "?term" starts an alternative (unstructured-log page, "OR pattern matching"). Terms
 * after a ?term join its group, which is how the CDK's anyTermGroup renders ?"A" "B" ?"C" "D".
 * "-term" excludes. A quoted phrase of only spaces matches everything (the page's " " example). */
static int sw_ftext_compile(sw_fparser *ps) {
    sw_filter *f = ps->f;
    const char *p = ps->p, *e = ps->end;
    int cur = -1;
    for (;;) {
        while (p < e && sw_ftext_space(*p)) p++;
        if (p >= e) return 0;
        const char *tok = p;
        int alt = 0, neg = 0;
        if (*p == '?') { alt = 1; p++; while (p < e && sw_ftext_space(*p)) p++; }
        if (p < e && *p == '-') { neg = 1; p++; while (p < e && sw_ftext_space(*p)) p++; }
        if (alt || cur < 0) {
            cur = f->ngroups++;
            f->groups[cur] = (sw_fgroup){f->nterms, 0};
        }
        sw_fterm t = {0};
        if (sw_ftext_term(ps, &p, tok, &t)) return -1;
        if (p < e && !sw_ftext_space(*p)) return sw_filter_bad_term(ps, p, p);
        t.negate = neg;
        if (t.regex < 0 && sw_ftext_blank(t.text, t.len)) continue;
        f->terms[f->nterms++] = t;
        f->groups[cur].count++;
    }
}

static int sw_ftext_term_holds(const sw_filter *f, const sw_fterm *t, const char *m, size_t n) {
    int found = t->regex >= 0 ? sw_filter_regex_search(f, t->regex, m, n)
                              : t->len <= n && sw_memfind(m, n, t->text, t->len) != NULL;
    return found != t->negate;
}

static int sw_ftext_match(const sw_filter *f, const char *m, size_t n) {
    if (f->ngroups == 0) return 1;
    for (int g = 0; g < f->ngroups; g++) {
        const sw_fgroup *gr = &f->groups[g];
        int i = 0;
        while (i < gr->count && sw_ftext_term_holds(f, &f->terms[gr->first + i], m, n)) i++;
        if (i == gr->count) return 1;
    }
    return 0;
}

/* ---- public API ---- */

static const char *sw_filter_skip_space(const char *p, const char *e) {
    while (p < e && sw_ftext_space(*p)) p++;
    return p;
}

/* Sizes every array by the pattern length: no pattern can hold more items than characters. */
static void sw_filter_alloc(sw_filter *f, size_t n) {
    size_t cap = n + 2;
    f->pool = sw_malloc(2 * n + 2);
    if (f->kind == SW_FILTER_TEXT) {
        f->terms = sw_calloc(cap, sizeof *f->terms);
        f->groups = sw_calloc(cap, sizeof *f->groups);
        return;
    }
    f->nodes = sw_calloc(cap, sizeof *f->nodes);
    if (f->kind == SW_FILTER_JSON) {
        f->segs = sw_calloc(cap, sizeof *f->segs);
        f->sels = sw_calloc(cap, sizeof *f->sels);
    } else {
        f->slots = sw_calloc(cap, sizeof *f->slots);
    }
}

sw_filter *sw_filter_compile(const char *p, size_t n, char *err, size_t errlen) {
    if (errlen) err[0] = '\0';
    if (n > SW_FILTER_MAX_LEN) {
        /* The service model's length constraint on filterPattern, as AWS words a constraint failure. */
        if (errlen)
            snprintf(err, errlen, "1 validation error detected: Value at 'filterPattern' failed to satisfy "
                                  "constraint: Member must have length less than or equal to %d", SW_FILTER_MAX_LEN);
        return NULL;
    }
    sw_filter *f = sw_calloc(1, sizeof *f);
    f->root = -1;
    const char *s = sw_filter_skip_space(p, p + n);
    f->kind = s < p + n && *s == '{' ? SW_FILTER_JSON : s < p + n && *s == '[' ? SW_FILTER_DELIMITED : SW_FILTER_TEXT;
    sw_filter_alloc(f, n);
    sw_fparser ps = {.f = f, .start = p, .p = s, .end = p + n, .err = err, .errlen = errlen};
    int rc = f->kind == SW_FILTER_JSON ? sw_fjson_compile(&ps)
           : f->kind == SW_FILTER_DELIMITED ? sw_fdelim_compile(&ps) : sw_ftext_compile(&ps);
    assert(f->pool_len <= 2 * n + 2);
    if (rc) {
        sw_filter_free(f);
        return NULL;
    }
    return f;
}

void sw_filter_free(sw_filter *f) {
    if (!f) return;
    for (int i = 0; i < f->nre; i++) pcre2_code_free(f->re[i]);
    pcre2_match_context_free(f->mctx);
    sw_free(f->pool);
    sw_free(f->terms);
    sw_free(f->groups);
    sw_free(f->nodes);
    sw_free(f->segs);
    sw_free(f->sels);
    sw_free(f->slots);
    sw_free(f);
}

int sw_filter_match(const sw_filter *f, const char *msg, size_t n) {
    switch (f->kind) {
    case SW_FILTER_JSON: return sw_fjson_match(f, msg, n);
    case SW_FILTER_DELIMITED: return sw_fdelim_match(f, msg, n);
    default: return sw_ftext_match(f, msg, n);
    }
}

int sw_filter_extract(const sw_filter *f, const char *msg, size_t n, const char *selector, sw_buf *out) {
    switch (f->kind) {
    case SW_FILTER_JSON: return sw_fjson_extract(f, msg, n, selector, out);
    case SW_FILTER_DELIMITED: return sw_fdelim_extract(f, msg, n, selector, out);
    default: return -1;
    }
}

int sw_filter_fields(const sw_filter *f, const char *msg, size_t n, sw_filter_field_fn fn, void *ud) {
    return f->kind == SW_FILTER_DELIMITED ? sw_fdelim_fields(f, msg, n, fn, ud) : -1;
}

size_t sw_filter_required_terms(const sw_filter *f, const char **terms, size_t *lens, size_t max) {
    if (f->kind != SW_FILTER_TEXT || f->ngroups != 1) return 0;
    size_t k = 0;
    const sw_fgroup *g = &f->groups[0];
    for (int i = 0; i < g->count && k < max; i++) {
        const sw_fterm *t = &f->terms[g->first + i];
        if (t->regex >= 0 || t->negate) continue;
        terms[k] = t->text;
        lens[k++] = t->len;
    }
    return k;
}

/* 1 when a JSON token other than a string could be written as these bytes (a number, true, false, null). */
static int sw_filter_nonstring_text(const char *t, size_t n) {
    if ((n == 4 && !memcmp(t, "true", 4)) || (n == 5 && !memcmp(t, "false", 5)) || (n == 4 && !memcmp(t, "null", 4))) return 1;
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789+-.eE", t[i])) return 0;
    return 1;
}

/* The longest required string under node i of a condition tree's ANDs (none under OR or negations). */
static void sw_fnode_literal(const sw_filter *f, int i, const char **lit, size_t *len) {
    if (i < 0 || i >= f->nnodes) return;
    const sw_fnode *nd = &f->nodes[i];
    if (nd->type == SW_N_AND) {
        sw_fnode_literal(f, nd->left, lit, len);
        sw_fnode_literal(f, nd->right, lit, len);
    } else if (nd->type == SW_N_CMP && nd->v.op == SW_CMP_EQ && nd->v.regex < 0 && !nd->v.numeric && nd->v.len > *len &&
               !sw_filter_nonstring_text(nd->v.text, nd->v.len)) {
        *lit = nd->v.text, *len = nd->v.len;
    }
}

int sw_filter_prefilter(const sw_filter *f, const char **lit, size_t *len, int *backslash) {
    *lit = NULL, *len = 0, *backslash = 0;
    if (f->kind == SW_FILTER_TEXT) {
        const char *terms[16];
        size_t lens[16], n = sw_filter_required_terms(f, terms, lens, 16);
        for (size_t i = 0; i < n; i++)
            if (lens[i] > *len) *lit = terms[i], *len = lens[i];
    } else if (f->kind == SW_FILTER_JSON) {
        sw_fnode_literal(f, f->root, lit, len);
        *backslash = 1;
    } else {
        /* A delimited field is the event's own bytes (quotes and brackets are only stripped), and every
         * slot's condition must hold, so an equality a slot's ANDs require appears in the raw event. */
        for (int k = 0; k < f->nslots; k++) sw_fnode_literal(f, f->slots[k].expr, lit, len);
    }
    return *len > 0;
}

sw_filter_kind sw_filter_get_kind(const sw_filter *f) { return f->kind; }
