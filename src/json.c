/* json.c -- hand-written JSON codec: the PutMetricData ingest path needs it (bench/json_parse.c vs jansson). */
#include "json.h"
#include "utf8.h"
#include "alloc.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define SW_JSON_MAX_NUMBER 1024 /* longest number token accepted; strtod needs a NUL-terminated copy */
#define SW_JSON_STACK_INLINE 128
#define SW_JSON_KEY_CACHE 64      /* slots of the member-name cache */
#define SW_JSON_KEY_CACHE_LEN 32  /* longest name it holds */

/* 1 for bytes that stand for themselves inside a JSON string: printable ASCII except '"' and '\\'.
 * Everything else (quote, backslash, control characters, UTF-8 lead/continuation bytes) needs a look. */
static const unsigned char sw_json_plain[256] = {
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    1,1,0,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,0,1,1,1,
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
};

/* End of the run from s of bytes sw_json_plain marks plain: 16 bytes at a time where SSE2 is there (every
 * x86-64), since messages are long runs of printable ASCII. A signed compare below 0x20 catches both the
 * control characters and every byte >= 0x80 (negative as int8), as the table does. */
static inline const unsigned char *sw_json_plain_end(const unsigned char *s, const unsigned char *e) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    while (e - s >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                                 _mm_cmplt_epi8(x, space));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits) return s + __builtin_ctz(bits);
        s += 16;
    }
#endif
    while (s < e && sw_json_plain[*s]) s++;
    return s;
}

/* Powers of ten that are exact doubles (RFC 8259 numbers with <= 15 digits and |exp| <= 22
 * are then correctly rounded by one IEEE multiply or divide: Clinger's fast path). */
static const double sw_json_pow10[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

typedef struct {
    sw_arena *a;
    const char *start, *p, *end;
    sw_member *stack;  /* children of the open containers, moved to exact-size arena arrays on close */
    size_t sp, cap;
    int heap;          /* stack moved from the caller's frame to sw_malloc'd memory */
    sw_member keys[SW_JSON_KEY_CACHE]; /* recent member names (val unused) */
    int depth;
    char *err;
    size_t errlen;
} sw_json_parser;

/* Writes code point cp (<= 0x10FFFF, not a surrogate) as UTF-8; returns the bytes written. */
static size_t sw_utf8_put(char *d, unsigned cp) {
    if (cp < 0x80) { d[0] = (char)cp; return 1; }
    if (cp < 0x800) { d[0] = (char)(0xC0 | cp >> 6); d[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        d[0] = (char)(0xE0 | cp >> 12); d[1] = (char)(0x80 | (cp >> 6 & 0x3F)); d[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | cp >> 18); d[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    d[2] = (char)(0x80 | (cp >> 6 & 0x3F)); d[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- decoding ---- */

static int sw_json_fail(sw_json_parser *j, const char *at, const char *what) {
    if (j->errlen) snprintf(j->err, j->errlen, "%s at offset %zu", what, (size_t)(at - j->start));
    return -1;
}

static int sw_json_fail_msg(sw_json_parser *j, const char *msg) {
    if (j->errlen) snprintf(j->err, j->errlen, "%s", msg);
    return -1;
}

/* Reports the byte at j->p as unexpected, or the end of input when there is none. */
static int sw_json_unexpected(sw_json_parser *j) {
    if (j->p >= j->end) return sw_json_fail(j, j->p, "unexpected end of input");
    unsigned char c = (unsigned char)*j->p;
    char what[40];
    if (c > 0x20 && c < 0x7F) snprintf(what, sizeof what, "unexpected character '%c'", c);
    else snprintf(what, sizeof what, "unexpected byte 0x%02x", c);
    return sw_json_fail(j, j->p, what);
}

static int sw_json_too_large(sw_json_parser *j) { return sw_json_fail_msg(j, "request too large"); }

static void sw_json_skip_ws(sw_json_parser *j) {
    const char *p = j->p, *e = j->end;
    while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    j->p = p;
}

/* Finds the closing quote of the string opened at j->p, checking UTF-8 and control characters on the
 * way; *esc tells whether a backslash was seen. Returns the closing quote, or NULL with err set. */
static const char *sw_json_scan_string(sw_json_parser *j, int *esc) {
    const unsigned char *s = (const unsigned char *)j->p + 1, *e = (const unsigned char *)j->end;
    for (;;) {
        s = sw_json_plain_end(s, e);
        if (s >= e) break;
        unsigned c = *s;
        if (c == '"') return (const char *)s;
        if (c == '\\') {
            if (e - s < 2) break;
            *esc = 1;
            s += 2;
        } else if (c < 0x20) {
            sw_json_fail(j, (const char *)s, "control character in string");
            return NULL;
        } else {
            size_t k = sw_utf8_seq(s, (size_t)(e - s));
            if (!k) { sw_json_fail(j, (const char *)s, "invalid UTF-8"); return NULL; }
            s += k;
        }
    }
    sw_json_fail(j, j->p, "unterminated string");
    return NULL;
}

/* Reads 4 hex digits at s (which the caller has checked are before lim); -1 if they are not hex. */
static long sw_json_hex4(const char *s, const char *lim) {
    if (lim - s < 4) return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v << 4 | d;
    }
    return v;
}

/* Decodes the \u escape at s (pointing at the 'u'), joining a surrogate pair into one code point.
 * Returns the code point and sets *next past the escape(s), or -1 with err set. */
static long sw_json_unicode_escape(sw_json_parser *j, const char *s, const char *lim, const char **next) {
    long cp = sw_json_hex4(s + 1, lim);
    if (cp < 0) { sw_json_fail(j, s - 1, "invalid \\u escape"); return -1; }
    *next = s + 5;
    if (cp >= 0xDC00 && cp <= 0xDFFF) { sw_json_fail(j, s - 1, "lone surrogate"); return -1; }
    if (cp < 0xD800 || cp > 0xDBFF) return cp;
    long lo = lim - *next >= 6 && (*next)[0] == '\\' && (*next)[1] == 'u' ? sw_json_hex4(*next + 2, lim) : -1;
    if (lo < 0xDC00 || lo > 0xDFFF) { sw_json_fail(j, s - 1, "lone surrogate"); return -1; }
    *next += 6;
    return 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
}

/* The first backslash in [s, e), or NULL. Escaped text (JSON inside log messages) has a backslash every
 * few bytes, where memchr's set-up per call costs more than this loop. */
static inline const char *sw_json_find_bslash(const char *s, const char *e) {
#if defined(__SSE2__)
    const __m128i bslash = _mm_set1_epi8('\\');
    while (e - s >= 16) {
        unsigned bits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)s), bslash));
        if (bits) return s + __builtin_ctz(bits);
        s += 16;
    }
#endif
    for (; s < e; s++)
        if (*s == '\\') return s;
    return NULL;
}

/* Decodes the escape at bs (a backslash, with at least one byte after it before lim) onto *d and moves *d
 * past it; *next is set past the escape. Returns 0, or -1 with err set. */
static int sw_json_escape(sw_json_parser *j, const char *bs, const char *lim, char **d, const char **next) {
    *next = bs + 2;
    char c;
    switch (bs[1]) {
    case '"': c = '"'; break;
    case '\\': c = '\\'; break;
    case '/': c = '/'; break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'u': {
        long cp = sw_json_unicode_escape(j, bs + 1, lim, next);
        if (cp < 0) return -1;
        *d += sw_utf8_put(*d, (unsigned)cp);
        return 0;
    }
    default: return sw_json_fail(j, bs, "invalid escape");
    }
    *(*d)++ = c;
    return 0;
}

/* Decodes the string body [s, close) holding escapes into d (room for close - s bytes, which escapes
 * never exceed: each one shrinks or keeps its length). Returns the decoded length or -1. */
static long sw_json_unescape(sw_json_parser *j, const char *s, const char *close, char *d) {
    char *d0 = d;
    while (s < close) {
        const char *bs = sw_json_find_bslash(s, close);
        size_t run = (size_t)((bs ? bs : close) - s);
        memcpy(d, s, run);
        d += run;
        if (!bs) break;
        if (sw_json_escape(j, bs, close, &d, &s)) return -1;
    }
    return (long)(d - d0);
}

/* Copies the string literal at j->p, already scanned up to its closing quote, into one arena block laid
 * out as [head bytes][text][NUL], so a value and its text cost one allocation. Returns the block (text at
 * block + head) with *len set, or NULL with err set; j->p moves past the closing quote. */
static char *sw_json_copy_string(sw_json_parser *j, const char *close, int esc, size_t head, size_t *len) {
    const char *s = j->p + 1;
    size_t raw = (size_t)(close - s);
    char *block = sw_arena_alloc_raw(j->a, head + raw + 1);
    if (!block) { sw_json_too_large(j); return NULL; }
    memset(block, 0, head);
    if (!esc) {
        memcpy(block + head, s, raw);
        block[head + raw] = '\0';
        *len = raw;
    } else {
        long n = sw_json_unescape(j, s, close, block + head);
        if (n < 0) return NULL;
        block[head + n] = '\0';
        *len = (size_t)n;
    }
    j->p = close + 1;
    return block;
}

static int sw_json_string_value(sw_json_parser *j, sw_value **out) {
    int esc = 0;
    const char *close = sw_json_scan_string(j, &esc);
    size_t len;
    char *block = close ? sw_json_copy_string(j, close, esc, sizeof(sw_value), &len) : NULL;
    if (!block) return -1;
    sw_value *v = (sw_value *)(void *)block;
    v->type = SW_V_STRING;
    v->u.str.s = block + sizeof(sw_value);
    v->u.str.len = len;
    *out = v;
    return 0;
}

/* memcmp(a, b, n) == 0 for the few bytes of a member name, without a library call. */
static inline int sw_json_same(const char *a, const unsigned char *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)a[i] != b[i]) return 0;
    return 1;
}

/* Decodes the member name at j->p. Request bodies repeat a handful of names ("Name", "Value") many
 * times, so short unescaped ones are shared through a small direct-mapped cache: keys are immutable. */
static const char *sw_json_key(sw_json_parser *j, size_t *klen) {
    int esc = 0;
    const char *close = sw_json_scan_string(j, &esc);
    if (!close) return NULL;
    const unsigned char *s = (const unsigned char *)j->p + 1;
    size_t raw = (size_t)((const unsigned char *)close - s);
    if (esc || raw > SW_JSON_KEY_CACHE_LEN) return sw_json_copy_string(j, close, esc, 0, klen);
    sw_member *c = &j->keys[(raw * 31 + s[0] * 7 + s[raw / 2]) % SW_JSON_KEY_CACHE];
    if (!c->key || c->klen != raw || !sw_json_same(c->key, s, raw)) {
        c->key = sw_json_copy_string(j, close, 0, 0, &c->klen);
        if (!c->key) return NULL;
    }
    j->p = close + 1;
    *klen = raw;
    return c->key;
}

/* Scans a run of digits into *m (significant digits only, at most 19 so it cannot overflow);
 * *nsig counts them, *big is set when more did not fit (the caller then falls back to strtod).
 * Returns the end of the run. */
static const char *sw_json_digits(const char *s, const char *e, uint64_t *m, int *nsig, int *big) {
    for (; s < e && *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (*m == 0 && d == 0) continue;
        if (*nsig < 19) { *m = *m * 10 + d; (*nsig)++; }
        else *big = 1;
    }
    return s;
}

/* Scans the exponent digits after 'e' (optional sign first) and adds them to *exp10, saturating far
 * beyond any double's range. Returns the end of the exponent, or NULL if it has no digits. */
static const char *sw_json_exponent(const char *s, const char *e, long *exp10) {
    int neg = 0;
    if (s < e && (*s == '+' || *s == '-')) neg = *s++ == '-';
    if (s >= e || *s < '0' || *s > '9') return NULL;
    long x = 0;
    for (; s < e && *s >= '0' && *s <= '9'; s++)
        if (x < 100000) x = x * 10 + (*s - '0');
    *exp10 += neg ? -x : x;
    return s;
}

/* Converts a number token the fast path could not: strtod on a NUL-terminated copy. */
static int sw_json_strtod(sw_json_num *out, const char *tok, const char *end) {
    char buf[SW_JSON_MAX_NUMBER + 1];
    size_t n = (size_t)(end - tok);
    out->at = tok;
    if (n > SW_JSON_MAX_NUMBER) { out->err = "number too long"; return -1; }
    memcpy(buf, tok, n);
    buf[n] = '\0';
    out->d = strtod(buf, NULL);
    if (isinf(out->d)) { out->err = "number out of range"; return -1; }
    return 0;
}

/* Records a syntax error: the byte at s is not what the grammar allows there. */
static int sw_json_num_unexpected(sw_json_num *out, const char *s) {
    out->at = s;
    out->err = NULL;
    return -1;
}

int sw_json_scan_number(const char *tok, const char *e, sw_json_num *out) {
    const char *s = tok;
    uint64_t m = 0;
    int nsig = 0, big = 0, neg = 0, is_int = 1;
    long exp10 = 0;
    if (s < e && *s == '-') { neg = 1; s++; }
    if (s >= e || *s < '0' || *s > '9') return sw_json_num_unexpected(out, s);
    if (*s == '0') {
        s++;
        if (s < e && *s >= '0' && *s <= '9') { out->at = tok; out->err = "leading zero in number"; return -1; }
    } else {
        s = sw_json_digits(s, e, &m, &nsig, &big);
    }
    if (s < e && *s == '.') {
        const char *f0 = ++s;
        s = sw_json_digits(s, e, &m, &nsig, &big);
        if (s == f0) return sw_json_num_unexpected(out, s);
        exp10 -= (long)(s - f0);
        is_int = 0;
    }
    if (s < e && (*s == 'e' || *s == 'E')) {
        const char *x = sw_json_exponent(s + 1, e, &exp10);
        if (!x) return sw_json_num_unexpected(out, s + 1 + (s + 1 < e && (s[1] == '+' || s[1] == '-')));
        s = x;
        is_int = 0;
    }
    out->end = s;
    out->is_int = is_int && !big && m <= (uint64_t)INT64_MAX + neg;
    if (out->is_int) {
        out->i = neg ? (int64_t)(0 - m) : (int64_t)m;
    } else if (!big && m <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
        out->d = exp10 < 0 ? (double)m / sw_json_pow10[-exp10] : (double)m * sw_json_pow10[exp10];
        if (neg) out->d = -out->d;
    } else if (sw_json_strtod(out, tok, s)) {
        return -1;
    }
    return 0;
}

/* Parses the number at j->p into an INT or DOUBLE value. */
static int sw_json_number(sw_json_parser *j, sw_value **out) {
    sw_json_num num;
    if (sw_json_scan_number(j->p, j->end, &num)) {
        if (num.err) return sw_json_fail(j, num.at, num.err);
        j->p = num.at;
        return sw_json_unexpected(j);
    }
    j->p = num.end;
    *out = num.is_int ? sw_v_int(j->a, num.i) : sw_v_double(j->a, num.d);
    return *out ? 0 : sw_json_too_large(j);
}

/* Matches the literal word (true, false, null) at j->p, whose value v the caller made. */
static int sw_json_literal(sw_json_parser *j, const char *word, size_t n, sw_value *v, sw_value **out) {
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0) {
        for (size_t i = 0; j->p < j->end && i < n && *j->p == word[i]; i++) j->p++;
        return sw_json_unexpected(j);
    }
    if (!v) return sw_json_too_large(j);
    j->p += n;
    *out = v;
    return 0;
}

/* Doubles the child stack, moving it to the heap the first time. */
static void sw_json_grow(sw_json_parser *j) {
    j->cap *= 2;
    if (j->heap) {
        j->stack = sw_realloc(j->stack, j->cap * sizeof *j->stack);
    } else {
        sw_member *st = sw_malloc(j->cap * sizeof *st);
        memcpy(st, j->stack, j->sp * sizeof *st);
        j->stack = st;
        j->heap = 1;
    }
}

/* Pushes one child (a member, or an element with key NULL) of the container being parsed. */
static inline void sw_json_push(sw_json_parser *j, const char *key, size_t klen, sw_value *val) {
    if (j->sp == j->cap) sw_json_grow(j);
    j->stack[j->sp++] = (sw_member){key, klen, val};
}

static int sw_json_value(sw_json_parser *j, sw_value **out);

/* Allocates a container node with room for its exact-size item array right behind it. Appending
 * later (sw_v_list_push, sw_v_map_put) still works: cap == n makes them move the items elsewhere. */
static sw_value *sw_json_node(sw_json_parser *j, sw_vtype type, size_t extra) {
    sw_value *v = sw_arena_alloc(j->a, sizeof *v + extra);
    if (!v) { sw_json_too_large(j); return NULL; }
    v->type = type;
    return v;
}

/* Parses the array at j->p (on '[') into an exact-size SW_V_LIST. */
static int sw_json_array(sw_json_parser *j, sw_value **out) {
    size_t base = j->sp;
    j->p++;
    sw_json_skip_ws(j);
    if (j->p < j->end && *j->p == ']') j->p++;
    else for (;;) {
        sw_value *v;
        if (sw_json_value(j, &v)) return -1;
        sw_json_push(j, NULL, 0, v);
        sw_json_skip_ws(j);
        if (j->p < j->end && *j->p == ',') { j->p++; continue; }
        if (j->p < j->end && *j->p == ']') { j->p++; break; }
        return sw_json_unexpected(j);
    }
    size_t n = j->sp - base;
    sw_value *list = sw_json_node(j, SW_V_LIST, n * sizeof(sw_value *));
    if (!list) return -1;
    sw_value **items = n ? (sw_value **)(void *)(list + 1) : NULL;
    for (size_t i = 0; i < n; i++) items[i] = j->stack[base + i].val;
    list->u.list.items = items;
    list->u.list.n = list->u.list.cap = n;
    j->sp = base;
    *out = list;
    return 0;
}

/* Parses one "key": value member of an object, pushing it on the child stack. */
static int sw_json_member(sw_json_parser *j) {
    if (j->p >= j->end || *j->p != '"') return sw_json_unexpected(j);
    size_t klen;
    const char *key = sw_json_key(j, &klen);
    if (!key) return -1;
    sw_json_skip_ws(j);
    if (j->p >= j->end || *j->p != ':') return sw_json_unexpected(j);
    j->p++;
    sw_value *v;
    if (sw_json_value(j, &v)) return -1;
    sw_json_push(j, key, klen, v);
    return 0;
}

/* Parses the object at j->p (on '{') into an exact-size SW_V_MAP keeping order and duplicates. */
static int sw_json_object(sw_json_parser *j, sw_value **out) {
    size_t base = j->sp;
    j->p++;
    sw_json_skip_ws(j);
    if (j->p < j->end && *j->p == '}') j->p++;
    else for (;;) {
        if (sw_json_member(j)) return -1;
        sw_json_skip_ws(j);
        if (j->p < j->end && *j->p == ',') { j->p++; sw_json_skip_ws(j); continue; }
        if (j->p < j->end && *j->p == '}') { j->p++; break; }
        return sw_json_unexpected(j);
    }
    size_t n = j->sp - base;
    sw_value *map = sw_json_node(j, SW_V_MAP, n * sizeof(sw_member));
    if (!map) return -1;
    sw_member *items = n ? (sw_member *)(void *)(map + 1) : NULL;
    if (n) memcpy(items, j->stack + base, n * sizeof *items);
    map->u.map.items = items;
    map->u.map.n = map->u.map.cap = n;
    j->sp = base;
    *out = map;
    return 0;
}

/* Parses a container at j->p, enforcing the nesting limit. */
static int sw_json_container(sw_json_parser *j, sw_value **out) {
    if (j->depth >= SW_JSON_MAX_DEPTH) return sw_json_fail_msg(j, "nesting deeper than 64");
    j->depth++;
    int rc = *j->p == '[' ? sw_json_array(j, out) : sw_json_object(j, out);
    j->depth--;
    return rc;
}

/* Parses the value at j->p (after optional whitespace). */
static int sw_json_value(sw_json_parser *j, sw_value **out) {
    sw_json_skip_ws(j);
    if (j->p >= j->end) return sw_json_unexpected(j);
    switch (*j->p) {
    case '"': return sw_json_string_value(j, out);
    case '{': case '[': return sw_json_container(j, out);
    case 't': return sw_json_literal(j, "true", 4, sw_v_bool(j->a, 1), out);
    case 'f': return sw_json_literal(j, "false", 5, sw_v_bool(j->a, 0), out);
    case 'n': return sw_json_literal(j, "null", 4, sw_v_null(j->a), out);
    default:
        if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) return sw_json_number(j, out);
        return sw_json_unexpected(j);
    }
}

int sw_json_decode(sw_arena *a, const char *p, size_t n, sw_value **out, char *err, size_t errlen) {
    sw_member inline_stack[SW_JSON_STACK_INLINE];
    sw_json_parser j = {
        .a = a, .start = p, .p = p, .end = p + n,
        .stack = inline_stack, .cap = SW_JSON_STACK_INLINE,
        .err = err, .errlen = err ? errlen : 0,
    };
    *out = NULL;
    int rc = sw_json_value(&j, out);
    if (rc == 0) {
        sw_json_skip_ws(&j);
        if (j.p < j.end) rc = sw_json_unexpected(&j);
    }
    if (j.heap) sw_free(j.stack);
    if (rc) *out = NULL;
    return rc;
}

/* Like sw_json_plain_end, copying what it passes over to *d (advanced as far as s): 16-byte stores, so up
 * to 15 bytes past the copy's end are written too. */
static inline const unsigned char *sw_json_plain_copy(const unsigned char *s, const unsigned char *e, char **d) {
    char *o = *d;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    while (e - s >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
        _mm_storeu_si128((__m128i *)(void *)o, x);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                                 _mm_cmplt_epi8(x, space));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits) {
            unsigned k = (unsigned)__builtin_ctz(bits);
            *d = o + k;
            return s + k;
        }
        s += 16, o += 16;
    }
#endif
    while (s < e && sw_json_plain[*s]) *o++ = (char)*s++;
    *d = o;
    return s;
}

const char *sw_json_string_into(const char *p, const char *end, char **dst, const char **s, size_t *len) {
    /* Only the fields the string functions use: an initialiser would zero the whole parser, key cache
     * included (1.6 KB per string, a tenth of PutLogEvents' decoding time). */
    sw_json_parser j;
    j.a = NULL, j.start = p, j.p = p, j.end = end, j.err = NULL, j.errlen = 0;
    if (p >= end || *p != '"') return NULL;
    const unsigned char *q = (const unsigned char *)p + 1, *e = (const unsigned char *)end;
    char *d = NULL; /* from the first escape on, the decoded text is written here as q advances */
    for (;;) {
        q = d ? sw_json_plain_copy(q, e, &d) : sw_json_plain_end(q, e);
        if (q >= e) return NULL;
        unsigned c = *q;
        if (c == '"') break;
        if (c == '\\') {
            if (e - q < 2) return NULL;
            if (!d) {
                size_t n = (size_t)((const char *)q - (p + 1));
                memcpy(*dst, p + 1, n);
                d = *dst + n;
            }
            const char *next;
            if (sw_json_escape(&j, (const char *)q, end, &d, &next)) return NULL;
            q = (const unsigned char *)next;
        } else if (c < 0x20) {
            return NULL;
        } else {
            size_t k = sw_utf8_seq(q, (size_t)(e - q));
            if (!k) return NULL;
            if (d) memcpy(d, q, k), d += k;
            q += k;
        }
    }
    if (!d) {
        *s = p + 1;
        *len = (size_t)((const char *)q - (p + 1));
    } else {
        *d = '\0';
        *s = *dst;
        *len = (size_t)(d - *dst);
        *dst = d + 1;
    }
    return (const char *)q + 1;
}

/* ---- encoding ---- */

/* End of the run from s of bytes a JSON string can carry unescaped: plain ASCII and valid UTF-8. */
static const unsigned char *sw_json_safe_run(const unsigned char *s, const unsigned char *e) {
    while (s < e) {
        s = sw_json_plain_end(s, e);
        if (s >= e) break;
        size_t k = *s >= 0x80 ? sw_utf8_seq(s, (size_t)(e - s)) : 0;
        if (!k) break;
        s += k;
    }
    return s;
}

void sw_json_put_string(sw_buf *b, const char *str, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str, *e = s + n;
    sw_buf_reserve(b, n + 2);
    sw_buf_putc(b, '"');
    while (s < e) {
        const unsigned char *run = s;
        s = sw_json_safe_run(s, e);
        sw_buf_append(b, run, (size_t)(s - run));
        if (s >= e) break;
        unsigned c = *s++;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            sw_buf_append(b, esc, 2);
        } else if (c < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            sw_buf_append(b, esc, 6);
        } else {
            sw_buf_append(b, "\xEF\xBF\xBD", 3);
        }
    }
    sw_buf_putc(b, '"');
}

/* Appends a finite double in shortest round-trip form. sw_buf_put_double converts to long long
 * first, which is undefined past 2^63, so large magnitudes take the %g search here instead. */
static void sw_json_put_finite(sw_buf *b, double d) {
    if (d == 0 && signbit(d)) { sw_buf_puts(b, "-0.0"); return; }
    if (fabs(d) < 1e18) { sw_buf_put_double(b, d); return; }
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d) break;
    }
    sw_buf_puts(b, tmp);
}

/* AWS JSON protocols send non-finite doubles as these strings (botocore's serializer does the same). */
static void sw_json_put_double(sw_buf *b, double d) {
    if (isnan(d)) sw_buf_puts(b, "\"NaN\"");
    else if (isinf(d)) sw_buf_puts(b, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    else sw_json_put_finite(b, d);
}

/* Timestamps go out as epoch seconds with millisecond precision, the JSON protocols' default format. */
static void sw_json_put_time(sw_buf *b, double t) {
    if (fabs(t) < 1e15) sw_json_put_finite(b, round(t * 1000) / 1000);
    else sw_json_put_double(b, t);
}

static void sw_json_put_base64(sw_buf *b, const unsigned char *s, size_t n) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    sw_buf_reserve(b, (n + 2) / 3 * 4 + 2);
    sw_buf_putc(b, '"');
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
        char q[4] = {tab[v >> 18], tab[v >> 12 & 63], i + 1 < n ? tab[v >> 6 & 63] : '=', i + 2 < n ? tab[v & 63] : '='};
        sw_buf_append(b, q, 4);
    }
    sw_buf_putc(b, '"');
}

static void sw_json_put_list(sw_buf *b, const sw_value *v) {
    sw_buf_putc(b, '[');
    for (size_t i = 0; i < v->u.list.n; i++) {
        if (i) sw_buf_putc(b, ',');
        sw_json_encode(b, v->u.list.items[i]);
    }
    sw_buf_putc(b, ']');
}

static void sw_json_put_map(sw_buf *b, const sw_value *v) {
    sw_buf_putc(b, '{');
    for (size_t i = 0; i < v->u.map.n; i++) {
        const sw_member *m = &v->u.map.items[i];
        if (i) sw_buf_putc(b, ',');
        sw_json_put_string(b, m->key, m->klen);
        sw_buf_putc(b, ':');
        sw_json_encode(b, m->val);
    }
    sw_buf_putc(b, '}');
}

void sw_json_encode(sw_buf *b, const sw_value *v) {
    if (!v) { sw_buf_puts(b, "null"); return; }
    switch (v->type) {
    case SW_V_NULL: sw_buf_puts(b, "null"); break;
    case SW_V_BOOL: sw_buf_puts(b, v->u.b ? "true" : "false"); break;
    case SW_V_INT: sw_buf_put_i64(b, v->u.i); break;
    case SW_V_DOUBLE: sw_json_put_double(b, v->u.d); break;
    case SW_V_TIME: sw_json_put_time(b, v->u.d); break;
    case SW_V_STRING: sw_json_put_string(b, v->u.str.s, v->u.str.len); break;
    case SW_V_BLOB: sw_json_put_base64(b, (const unsigned char *)v->u.str.s, v->u.str.len); break;
    case SW_V_LIST: sw_json_put_list(b, v); break;
    case SW_V_MAP: sw_json_put_map(b, v); break;
    case SW_V_RAW: sw_buf_append(b, v->u.str.s, v->u.str.len); break;
    }
}
