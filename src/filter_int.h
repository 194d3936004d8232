/* filter_int.h -- internals shared by the filter-pattern compiler and its matchers (filter_*.c only). */
#ifndef SW_FILTER_INT_H
#define SW_FILTER_INT_H
#define PCRE2_CODE_UNIT_WIDTH 8
#include "filter.h"
#include <pcre2.h>
#include <stddef.h>

typedef enum { SW_CMP_EQ, SW_CMP_NE, SW_CMP_LT, SW_CMP_GT, SW_CMP_LE, SW_CMP_GE } sw_cmp;

/* The right-hand side of a comparison: a string with optional '*' at either end, a number, or a regex. */
typedef struct sw_fvalue {
    sw_cmp op;
    const char *text;     /* literal without the wildcard stars, in f->pool */
    size_t len;
    unsigned char star_head, star_tail; /* "*Event", "Event*": wildcards only at the ends */
    unsigned char numeric; /* written unquoted as a number: compares numerically when the operand is one */
    double num;
    int regex;            /* index into f->re, or -1 */
} sw_fvalue;

typedef enum { SW_N_AND, SW_N_OR, SW_N_CMP, SW_N_IS_NULL, SW_N_NOT_EXISTS, SW_N_IS_TRUE, SW_N_IS_FALSE } sw_ntype;

#define SW_REF_UNKNOWN (-1000000) /* a delimited condition naming a field the pattern does not have */

/* One node of a condition tree (JSON patterns, and per-field conditions of delimited patterns). */
typedef struct sw_fnode {
    sw_ntype type;
    int left, right;      /* SW_N_AND / SW_N_OR children */
    int ref;              /* JSON: selector index; delimited: slot index, or -N for the event's field $N */
    const char *rname;    /* delimited: the field name as written, resolved to ref after parsing */
    size_t rlen;
    sw_fvalue v;
} sw_fnode;

typedef struct sw_fseg { const char *key; size_t klen; long index; } sw_fseg; /* key NULL: [index] */
typedef struct sw_fsel { int first, count; } sw_fsel;                         /* segments in f->segs */

typedef struct sw_fterm { const char *text; size_t len; int regex; int negate; } sw_fterm;
typedef struct sw_fgroup { int first, count; } sw_fgroup; /* terms ANDed; groups ORed */

typedef struct sw_fslot {
    const char *name;     /* NULL for an unnamed field */
    size_t nlen;
    int ellipsis;         /* "..." : any number of fields */
    int expr;             /* condition tree root, or -1 */
    int local;            /* the condition only reads this slot's own field */
} sw_fslot;

struct sw_filter {
    sw_filter_kind kind;
    char *pool;           /* unescaped strings, NUL-terminated; never longer than the pattern */
    size_t pool_len;
    sw_fterm *terms; int nterms;
    sw_fgroup *groups; int ngroups;
    sw_fnode *nodes; int nnodes; int root;
    sw_fseg *segs; int nsegs;
    sw_fsel *sels; int nsels;
    sw_fslot *slots; int nslots;
    int deferred;         /* some slot condition reads another field: checked after alignment */
    pcre2_code *re[SW_FILTER_MAX_REGEX];
    int nre;
    pcre2_match_context *mctx;
};

/* The structured-pattern parser state (JSON and delimited patterns share the lexer). */
typedef enum {
    SW_T_EOF, SW_T_WORD, SW_T_STRING, SW_T_REGEX, SW_T_SEL, SW_T_EQ, SW_T_NE, SW_T_LT, SW_T_GT, SW_T_LE,
    SW_T_GE, SW_T_AND, SW_T_OR, SW_T_LPAREN, SW_T_RPAREN, SW_T_COMMA, SW_T_BANG, SW_T_RBRACE,
    SW_T_RBRACKET, SW_T_ELLIPSIS
} sw_ttype;

typedef struct sw_fparser {
    sw_filter *f;
    const char *start, *p, *end;
    sw_ttype t;           /* current token and its raw text */
    const char *ts;
    size_t tn;
    char *err;
    size_t errlen;
    int failed;
    int depth;
} sw_fparser;

#define SW_FILTER_MAX_DEPTH 256 /* nested parentheses */

/* filter.c: pool and error helpers. */
const char *sw_filter_pool_put(sw_filter *f, const char *s, size_t n);
int sw_filter_fail(sw_fparser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sw_filter_bad_term(sw_fparser *ps, const char *from, const char *at);
int sw_filter_add_regex(sw_fparser *ps, const char *s, size_t n);
int sw_filter_regex_search(const sw_filter *f, int idx, const char *s, size_t n);

/* filter_value.c: the lexer for structured patterns, values and comparisons. */
void sw_flex_next(sw_fparser *ps);
int sw_flex_is_word(const sw_fparser *ps, const char *kw);
int sw_fparse_value(sw_fparser *ps, sw_cmp op, sw_fvalue *v);
int sw_fparse_cmp(sw_fparser *ps, sw_cmp *op);
int sw_fnode_new(sw_fparser *ps, sw_ntype type, int left, int right);
int sw_fnumber_parse(const char *s, size_t n, double *d);
int sw_fvalue_match_text(const sw_filter *f, const sw_fvalue *v, const char *s, size_t n);
int sw_fvalue_match_number(const sw_filter *f, const sw_fvalue *v, double d);

/* filter_json.c */
int sw_fjson_compile(sw_fparser *ps);
int sw_fjson_match(const sw_filter *f, const char *msg, size_t n);
int sw_fjson_extract(const sw_filter *f, const char *msg, size_t n, const char *selector, sw_buf *out);

/* filter_delim.c */
int sw_fdelim_compile(sw_fparser *ps);
int sw_fdelim_match(const sw_filter *f, const char *msg, size_t n);
int sw_fdelim_extract(const sw_filter *f, const char *msg, size_t n, const char *selector, sw_buf *out);
int sw_fdelim_fields(const sw_filter *f, const char *msg, size_t n, sw_filter_field_fn fn, void *ud);

#endif
