/* filter_delim.c -- space-delimited filter patterns: [ip, user, ..., status_code=4*, bytes>1000]. */
#include "filter_int.h"
#include <stdio.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Where one event field lies (its text without quotes or brackets) and its position, from 1. */
typedef struct sw_span { size_t off, len, idx; } sw_span;

/* What a condition reads: the event, the aligned fields, and the field of the slot being tried. */
typedef struct sw_fdctx {
    const char *m;
    size_t n;
    const sw_span *sp;
    int cur;
    size_t cur_off, cur_len;
} sw_fdctx;

/* ---- compiling ---- */

static int sw_fdelim_name_ok(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return 0;
    }
    return 1;
}

static int sw_fdelim_is_cmp(sw_ttype t) { return t >= SW_T_EQ && t <= SW_T_GE; }

static int sw_fdelim_or(sw_fparser *ps, int slot, int *implicit);

/* [name] OP VALUE, or ( expr ). The first comparison of a field may leave out the field's own name. */
static int sw_fdelim_primary(sw_fparser *ps, int slot, int *implicit) {
    sw_filter *f = ps->f;
    if (ps->t == SW_T_LPAREN) {
        if (++ps->depth > SW_FILTER_MAX_DEPTH) return sw_filter_fail(ps, "Invalid filter pattern: parentheses nested too deeply");
        sw_flex_next(ps);
        int e = sw_fdelim_or(ps, slot, implicit);
        if (e < 0) return -1;
        if (ps->t != SW_T_RPAREN) return sw_filter_fail(ps, "Invalid filter pattern: unbalanced parentheses");
        ps->depth--;
        sw_flex_next(ps);
        return ps->failed ? -1 : e;
    }
    int i = sw_fnode_new(ps, SW_N_CMP, -1, -1);
    if (*implicit && sw_fdelim_is_cmp(ps->t)) {
        f->nodes[i].ref = slot;
    } else if (ps->t == SW_T_WORD && sw_fdelim_name_ok(ps->ts, ps->tn)) {
        f->nodes[i].rname = ps->ts;
        f->nodes[i].rlen = ps->tn;
        sw_flex_next(ps);
    } else if (ps->t == SW_T_SEL && ps->tn > 1 && ps->ts[1] >= '0' && ps->ts[1] <= '9' && ps->tn < 8) {
        int k = 0;
        for (size_t j = 1; j < ps->tn; j++) k = k * 10 + (ps->ts[j] - '0');
        f->nodes[i].ref = k > 0 ? -k : SW_REF_UNKNOWN;
        sw_flex_next(ps);
    } else {
        if (ps->failed) return -1;
        if (ps->t == SW_T_EOF) return sw_filter_fail(ps, "Invalid filter pattern: unbalanced brackets");
        return sw_filter_bad_term(ps, ps->ts, ps->ts);
    }
    *implicit = 0;
    sw_cmp op;
    if (!sw_fparse_cmp(ps, &op)) {
        if (ps->failed) return -1;
        return sw_filter_fail(ps, "Invalid filter pattern: expected a comparison operator after a field name");
    }
    return sw_fparse_value(ps, op, &f->nodes[i].v) ? -1 : i;
}

/* Within a field, && binds tighter than || ("[w1=ERROR || w1=WARN, w2]", "status_code = 4* && ..."). */
static int sw_fdelim_and(sw_fparser *ps, int slot, int *implicit) {
    int l = sw_fdelim_primary(ps, slot, implicit);
    while (l >= 0 && ps->t == SW_T_AND) {
        sw_flex_next(ps);
        int r = sw_fdelim_primary(ps, slot, implicit);
        l = r < 0 ? -1 : sw_fnode_new(ps, SW_N_AND, l, r);
    }
    return l;
}

static int sw_fdelim_or(sw_fparser *ps, int slot, int *implicit) {
    int l = sw_fdelim_and(ps, slot, implicit);
    while (l >= 0 && ps->t == SW_T_OR) {
        sw_flex_next(ps);
        int r = sw_fdelim_and(ps, slot, implicit);
        l = r < 0 ? -1 : sw_fnode_new(ps, SW_N_OR, l, r);
    }
    return l;
}

/* One comma-separated field of the pattern: "...", empty (unnamed), name, or name with conditions. */
static int sw_fdelim_slot(sw_fparser *ps) {
    sw_filter *f = ps->f;
    int idx = f->nslots++;
    sw_fslot *s = &f->slots[idx];
    *s = (sw_fslot){.expr = -1, .local = 1};
    if (ps->t == SW_T_ELLIPSIS) { s->ellipsis = 1; sw_flex_next(ps); return ps->failed ? -1 : 0; }
    if (ps->t == SW_T_COMMA || ps->t == SW_T_RBRACKET) return 0;
    int implicit = 1;
    if (ps->t == SW_T_SEL) {
        implicit = 0; /* an unnamed field whose condition reads $N, e.g. [..., $6 = 500, bytes] */
    } else if (ps->t != SW_T_WORD || !sw_fdelim_name_ok(ps->ts, ps->tn)) {
        if (ps->failed) return -1;
        if (ps->t == SW_T_EOF) return sw_filter_fail(ps, "Invalid filter pattern: unbalanced brackets");
        const char *bad = ps->ts;
        while (ps->t == SW_T_WORD && bad < ps->ts + ps->tn - 1 && sw_fdelim_name_ok(bad, 1)) bad++;
        return sw_filter_bad_term(ps, ps->ts, bad);
    } else {
        s->name = sw_filter_pool_put(f, ps->ts, ps->tn);
        s->nlen = ps->tn;
        sw_flex_next(ps);
        if (!sw_fdelim_is_cmp(ps->t)) return ps->failed ? -1 : 0;
    }
    int e = sw_fdelim_or(ps, idx, &implicit);
    f->slots[idx].expr = e;
    return e < 0 ? -1 : 0;
}

/* Resolves condition operands written by name to the slot of that name (first one wins). */
static void sw_fdelim_resolve(sw_filter *f) {
    for (int i = 0; i < f->nnodes; i++) {
        sw_fnode *nd = &f->nodes[i];
        if (!nd->rname) continue;
        nd->ref = SW_REF_UNKNOWN;
        for (int k = 0; k < f->nslots && nd->ref == SW_REF_UNKNOWN; k++)
            if (f->slots[k].name && f->slots[k].nlen == nd->rlen && memcmp(f->slots[k].name, nd->rname, nd->rlen) == 0)
                nd->ref = k;
        nd->rname = NULL; /* pointed into the pattern text */
    }
}

static int sw_fdelim_local(const sw_filter *f, int i, int slot) {
    const sw_fnode *nd = &f->nodes[i];
    if (nd->type == SW_N_AND || nd->type == SW_N_OR)
        return sw_fdelim_local(f, nd->left, slot) && sw_fdelim_local(f, nd->right, slot);
    return nd->ref == slot;
}

int sw_fdelim_compile(sw_fparser *ps) {
    sw_filter *f = ps->f;
    ps->p++; /* the '[' */
    sw_flex_next(ps);
    for (;;) {
        if (sw_fdelim_slot(ps)) return -1;
        if (ps->t == SW_T_COMMA) { sw_flex_next(ps); continue; }
        if (ps->t == SW_T_RBRACKET) break;
        if (ps->failed) return -1;
        if (ps->t == SW_T_EOF) return sw_filter_fail(ps, "Invalid filter pattern: unbalanced brackets");
        return sw_filter_bad_term(ps, ps->ts, ps->ts);
    }
    sw_flex_next(ps);
    if (ps->failed) return -1;
    if (ps->t != SW_T_EOF)
        return sw_filter_fail(ps, "Invalid filter pattern: unexpected '%.*s' after ']'", (int)(ps->tn > 64 ? 64 : ps->tn), ps->ts);
    sw_fdelim_resolve(f);
    for (int k = 0; k < f->nslots; k++) {
        sw_fslot *s = &f->slots[k];
        if (s->expr >= 0) s->local = sw_fdelim_local(f, s->expr, k);
        if (!s->local) f->deferred = 1;
    }
    return 0;
}

/* ---- splitting events into fields ---- */

static int sw_fdelim_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* The splitter runs on every event a delimited pattern scans, so its three scans are 16 bytes at a time
 * (SSE2) and inlined: a call to memchr per quoted or bracketed field cost more than the scan itself. */
#if defined(__SSE2__)
static inline unsigned sw_fdelim_ws_bits(__m128i x) {
    __m128i w = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\t'))),
                             _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\n')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\r'))));
    return (unsigned)_mm_movemask_epi8(w);
}
#endif

/* The end of the unquoted field starting at p: the first space, tab, CR or LF at or after p, or n. */
static inline size_t sw_fdelim_field_end(const char *m, size_t p, size_t n) {
#if defined(__SSE2__)
    for (; p + 16 <= n; p += 16) {
        unsigned bits = sw_fdelim_ws_bits(_mm_loadu_si128((const __m128i *)(const void *)(m + p)));
        if (bits) return p + (unsigned)__builtin_ctz(bits);
    }
#endif
    while (p < n && !sw_fdelim_space(m[p])) p++;
    return p;
}

/* The first '"' at or after p, or n. */
static inline size_t sw_fdelim_quote_end(const char *m, size_t p, size_t n) {
#if defined(__SSE2__)
    for (; p + 16 <= n; p += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(m + p));
        unsigned bits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
        if (bits) return p + (unsigned)__builtin_ctz(bits);
    }
#endif
    while (p < n && m[p] != '"') p++;
    return p;
}

/* The ']' closing the '[' before p (nested pairs counted), or n. */
static inline size_t sw_fdelim_bracket_end(const char *m, size_t p, size_t n) {
    int depth = 1;
#if defined(__SSE2__)
    for (; p + 16 <= n; p += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(m + p));
        unsigned bits = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('[')), _mm_cmpeq_epi8(x, _mm_set1_epi8(']'))));
        for (; bits; bits &= bits - 1) {
            size_t q = p + (unsigned)__builtin_ctz(bits);
            if (m[q] == '[') depth++;
            else if (--depth == 0) return q;
        }
    }
#endif
    for (; p < n; p++) {
        if (m[p] == '[') depth++;
        else if (m[p] == ']' && --depth == 0) return p;
    }
    return n;
}

/* Reads the field at or after *pos into *off and *len and moves *pos past it; 0 when none is left.
 * "The characters between a pair of square brackets [] or two double quotes ("") are treated as a
 * single field" (space-delimited page); the delimiters are not part of the value ($4 in its example). */
static inline __attribute__((always_inline)) int sw_fdelim_next(const char *m, size_t n, size_t *pos, size_t *off, size_t *len) {
    size_t p = *pos, q;
    while (p < n && sw_fdelim_space(m[p])) p++;
    if (p >= n) { *pos = n; return 0; }
    if (m[p] == '"' || m[p] == '[') {
        q = m[p] == '"' ? sw_fdelim_quote_end(m, p + 1, n) : sw_fdelim_bracket_end(m, p + 1, n);
        *off = p + 1;
        *len = q - p - 1;
        *pos = q < n ? q + 1 : n;
    } else {
        q = sw_fdelim_field_end(m, p, n);
        *off = p;
        *len = q - p;
        *pos = q;
    }
    return 1;
}

/* The k-th field of the event (from 1); 0 if there are fewer fields. */
static int sw_fdelim_field_at(const char *m, size_t n, size_t k, size_t *off, size_t *len) {
    size_t pos = 0;
    for (size_t i = 1; sw_fdelim_next(m, n, &pos, off, len); i++)
        if (i == k) return 1;
    return 0;
}

/* ---- matching ---- */

static int sw_fdelim_operand(const sw_fdctx *c, int ref, const char **s, size_t *len) {
    size_t off;
    if (ref == c->cur) { *s = c->m + c->cur_off; *len = c->cur_len; return 1; }
    if (ref >= 0) { *s = c->m + c->sp[ref].off; *len = c->sp[ref].len; return 1; }
    if (ref == SW_REF_UNKNOWN || !sw_fdelim_field_at(c->m, c->n, (size_t)-ref, &off, len)) return 0;
    *s = c->m + off;
    return 1;
}

static int sw_fdelim_eval(const sw_filter *f, int i, const sw_fdctx *c) {
    const sw_fnode *nd = &f->nodes[i];
    const char *s;
    size_t len;
    switch (nd->type) {
    case SW_N_AND: return sw_fdelim_eval(f, nd->left, c) && sw_fdelim_eval(f, nd->right, c);
    case SW_N_OR: return sw_fdelim_eval(f, nd->left, c) || sw_fdelim_eval(f, nd->right, c);
    default: return sw_fdelim_operand(c, nd->ref, &s, &len) && sw_fvalue_match_text(f, &nd->v, s, len);
    }
}

/* Whether field [off, off+len) can take slot si while aligning (conditions on other fields wait). */
static int sw_fdelim_slot_ok(const sw_filter *f, int si, const char *m, size_t n, size_t off, size_t len) {
    const sw_fslot *s = &f->slots[si];
    if (s->expr < 0 || !s->local) return 1;
    sw_fdctx c = {m, n, NULL, si, off, len};
    return sw_fdelim_eval(f, s->expr, &c);
}

/* Aligns the event's fields with the pattern's, "..." taking any number of fields: the classic
 * wildcard-matching walk that, on a mismatch, lets the last ellipsis take one more field. Fills sp for
 * every non-ellipsis slot; linear in practice, O(fields x slots) at worst, and allocates nothing. */
static int sw_fdelim_align(const sw_filter *f, const char *m, size_t n, sw_span *sp) {
    int si = 0, star = -1, ns = f->nslots;
    size_t pos = 0, idx = 0, star_pos = 0, star_idx = 0, off, len;
    for (;;) {
        /* Every slot is placed and the last is "...": it takes whatever fields are left, so the rest of
         * the event need not be split (the common [a, b, c, ...] reads only its first fields). */
        if (si == ns && ns > 0 && f->slots[ns - 1].ellipsis) return 1;
        size_t next = pos;
        if (!sw_fdelim_next(m, n, &next, &off, &len)) break;
        if (si < ns && f->slots[si].ellipsis) { star = si++; star_pos = pos; star_idx = idx; continue; }
        if (si < ns && sw_fdelim_slot_ok(f, si, m, n, off, len)) {
            sp[si++] = (sw_span){off, len, idx + 1};
            pos = next;
            idx++;
            continue;
        }
        if (star < 0) return 0;
        sw_fdelim_next(m, n, &star_pos, &off, &len);
        star_idx++;
        si = star + 1;
        pos = star_pos;
        idx = star_idx;
    }
    while (si < ns && f->slots[si].ellipsis) si++;
    return si == ns;
}

/* Aligns, then checks conditions that read other fields against the alignment found. */
static int sw_fdelim_run(const sw_filter *f, const char *m, size_t n, sw_span *sp) {
    if (!sw_fdelim_align(f, m, n, sp)) return 0;
    if (!f->deferred) return 1;
    for (int k = 0; k < f->nslots; k++) {
        const sw_fslot *s = &f->slots[k];
        if (s->local) continue;
        sw_fdctx c = {m, n, sp, k, sp[k].off, sp[k].len};
        if (!sw_fdelim_eval(f, s->expr, &c)) return 0;
    }
    return 1;
}

int sw_fdelim_match(const sw_filter *f, const char *msg, size_t n) {
    sw_span sp[SW_FILTER_MAX_LEN + 2];
    return sw_fdelim_run(f, msg, n, sp);
}

int sw_fdelim_extract(const sw_filter *f, const char *msg, size_t n, const char *selector, sw_buf *out) {
    sw_span sp[SW_FILTER_MAX_LEN + 2];
    size_t sn = strlen(selector), off, len;
    if (sn < 2 || selector[0] != '$' || !sw_fdelim_run(f, msg, n, sp)) return -1;
    if (selector[1] >= '0' && selector[1] <= '9') {
        size_t k = 0;
        for (size_t i = 1; i < sn; i++) {
            if (selector[i] < '0' || selector[i] > '9' || i > 9) return -1;
            k = k * 10 + (size_t)(selector[i] - '0');
        }
        if (!sw_fdelim_field_at(msg, n, k, &off, &len)) return -1;
        sw_buf_append(out, msg + off, len);
        return 0;
    }
    for (int k = 0; k < f->nslots; k++) {
        const sw_fslot *s = &f->slots[k];
        if (s->name && s->nlen == sn - 1 && memcmp(s->name, selector + 1, sn - 1) == 0) {
            sw_buf_append(out, msg + sp[k].off, sp[k].len);
            return 0;
        }
    }
    return -1;
}

int sw_fdelim_fields(const sw_filter *f, const char *msg, size_t n, sw_filter_field_fn fn, void *ud) {
    sw_span sp[SW_FILTER_MAX_LEN + 2];
    char name[SW_FILTER_MAX_LEN + 2];
    if (!sw_fdelim_run(f, msg, n, sp)) return -1;
    size_t pos = 0, off, len, idx = 0;
    int k = 0, calls = 0;
    while (sw_fdelim_next(msg, n, &pos, &off, &len)) {
        idx++;
        while (k < f->nslots && (f->slots[k].ellipsis || sp[k].idx < idx)) k++;
        const sw_fslot *s = k < f->nslots && sp[k].idx == idx ? &f->slots[k] : NULL;
        int nl = s && s->name ? snprintf(name, sizeof name, "$%.*s", (int)s->nlen, s->name)
                              : snprintf(name, sizeof name, "$%zu", idx);
        fn(ud, name, (size_t)nl, msg + off, len);
        calls++;
    }
    return calls;
}
