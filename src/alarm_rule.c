/* alarm_rule.c -- composite alarm rules: a recursive-descent parser to a postfix program, and its evaluator. */
#include "alarm_rule.h"
#include "alloc.h"
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Where AWS's documentation is silent, skywatch chose:
 * - Precedence: NOT binds tighter than AND, AND tighter than OR, both left-associative (the docs only say
 *   "You can use parenthesis to logically group the functions"); so `A OR B AND C` is `A OR (B AND C)`.
 * - Keywords and function names are upper-case only, as every AWS example writes them. The DeleteAlarms
 *   page tells users to set a rule to `false` (the user guide says `False`) to break a cycle; that AWS
 *   accepts those spellings is unconfirmed, so they are refused like any other unknown token.
 * - Elements (at most 500): "Elements are child alarms, TRUE or FALSE statements, and parentheses. A pair of
 *   parentheses counts as one element" (Create_Composite_Alarm.html). Each ALARM/OK/INSUFFICIENT_DATA call is
 *   one element, its own parentheses included; each grouping pair is one; AND, OR, NOT are not elements.
 * - Child alarms (at most 100) are distinct alarms: ALARM(a) OR OK(a) references one child.
 * - Inside double quotes \" and \\ stand for " and \ (the docs show no escapes; alarm names may contain
 *   quotes, so there must be a way to write them). Unquoted names end at whitespace, '(', ')' or '"'.
 * - AT_LEAST(...) (added by AWS in November 2025) is not supported and fails as an unsupported token.
 * Error texts copy the two AWS messages seen in the wild (aws-cdk#34662, aws-cdk#13953):
 *   Error in AlarmRule [Unsupported token ')' at char 1]
 *   Error in AlarmRule [Unsupported token 'Oldest' at char 67, must be: ')']
 * where char is the 0-based character offset of the token; the other messages follow that shape. */

typedef enum { SW_RULE_TRUE, SW_RULE_FALSE, SW_RULE_STATE, SW_RULE_NOT, SW_RULE_AND, SW_RULE_OR } sw_rule_opcode;

/* One postfix instruction: push a constant or a child's test, or combine the top of the stack. */
typedef struct {
    unsigned char code;  /* sw_rule_opcode */
    unsigned char state; /* SW_RULE_STATE: the sw_alarm_state tested */
    unsigned short child; /* SW_RULE_STATE: index into children */
} sw_rule_op;

/* Every primary (function, TRUE/FALSE or group) is an element and emits at most itself plus one NOT, and
 * each AND/OR joins two primaries, so a rule within the element limit needs at most 3 ops per element. */
#define SW_RULE_MAX_OPS (3 * SW_ALARM_RULE_MAX_ELEMENTS)

struct sw_alarm_rule {
    size_t nops;
    sw_rule_op *ops;
    size_t nchildren;
    char **children;
};

typedef struct {
    const char *start, *p, *end;
    const char *region, *account;
    char *err;
    size_t errlen;
    int failed;
    size_t elements;
    size_t nops;
    sw_rule_op ops[SW_RULE_MAX_OPS];
    size_t nchildren;
    char *children[SW_ALARM_RULE_MAX_CHILDREN];
} sw_rparser;

/* ---- errors ---- */

static int sw_rule_fail(sw_rparser *ps, const char *fmt, ...) {
    if (!ps->failed && ps->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err, ps->errlen, fmt, ap);
        va_end(ap);
    }
    ps->failed = 1;
    return -1;
}

/* Characters in [s, s+n): UTF-8 sequences count once, as AWS counts characters, not bytes. */
static size_t sw_rule_chars(const char *s, size_t n) {
    size_t chars = 0;
    for (size_t i = 0; i < n; i++) chars += ((unsigned char)s[i] & 0xC0) != 0x80;
    return chars;
}

/* The character offset of at, for messages. */
static size_t sw_rule_char_at(const sw_rparser *ps, const char *at) { return sw_rule_chars(ps->start, (size_t)(at - ps->start)); }

static int sw_rule_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

static void sw_rule_skip_space(sw_rparser *ps) {
    while (ps->p < ps->end && sw_rule_space(*ps->p)) ps->p++;
}

/* Length of the token at p (p < end): one parenthesis, a quoted string through its closing quote (or the
 * end), or a word running to whitespace, a parenthesis or a quote. */
static size_t sw_rule_token_len(const char *p, const char *end) {
    const char *q = p;
    if (*q == '(' || *q == ')') return 1;
    if (*q == '"') {
        for (q++; q < end && *q != '"'; q++)
            if (*q == '\\' && q + 1 < end) q++;
        return (size_t)((q < end ? q + 1 : end) - p);
    }
    while (q < end && !sw_rule_space(*q) && *q != '(' && *q != ')' && *q != '"') q++;
    return (size_t)(q - p);
}

/* "Unsupported token 'X' at char N" for the token at ps->p, with ", must be: 'Y'" when one token would do. */
static int sw_rule_unsupported(sw_rparser *ps, const char *must) {
    sw_rule_skip_space(ps);
    size_t at = sw_rule_char_at(ps, ps->p);
    if (ps->p >= ps->end)
        return must ? sw_rule_fail(ps, "Error in AlarmRule [Unexpected end of rule at char %zu, must be: '%s']", at, must)
                    : sw_rule_fail(ps, "Error in AlarmRule [Unexpected end of rule at char %zu]", at);
    size_t n = sw_rule_token_len(ps->p, ps->end);
    if (n > 64) {
        n = 64;
        while (n > 0 && ((unsigned char)ps->p[n] & 0xC0) == 0x80) n--; /* keep the message valid UTF-8 */
    }
    if (must) return sw_rule_fail(ps, "Error in AlarmRule [Unsupported token '%.*s' at char %zu, must be: '%s']", (int)n, ps->p, at, must);
    return sw_rule_fail(ps, "Error in AlarmRule [Unsupported token '%.*s' at char %zu]", (int)n, ps->p, at);
}

/* ---- tokens ---- */

/* 1 and consumes the word when the next token is exactly kw. */
static int sw_rule_accept_word(sw_rparser *ps, const char *kw) {
    sw_rule_skip_space(ps);
    size_t k = strlen(kw);
    if ((size_t)(ps->end - ps->p) < k || memcmp(ps->p, kw, k) != 0) return 0;
    if (sw_rule_token_len(ps->p, ps->end) != k) return 0;
    ps->p += k;
    return 1;
}

/* Consumes the one-character token c, or fails with "must be: 'c'". */
static int sw_rule_expect(sw_rparser *ps, char c) {
    sw_rule_skip_space(ps);
    if (ps->p < ps->end && *ps->p == c) { ps->p++; return 0; }
    char must[2] = {c, '\0'};
    return sw_rule_unsupported(ps, must);
}

static int sw_rule_emit(sw_rparser *ps, sw_rule_opcode code, int state, size_t child) {
    assert(ps->nops < SW_RULE_MAX_OPS);
    ps->ops[ps->nops++] = (sw_rule_op){(unsigned char)code, (unsigned char)state, (unsigned short)child};
    return 0;
}

/* Counts the element starting at at; fails past the limit. */
static int sw_rule_element(sw_rparser *ps, const char *at) {
    if (++ps->elements > SW_ALARM_RULE_MAX_ELEMENTS)
        return sw_rule_fail(ps, "Error in AlarmRule [The rule has more than %d elements at char %zu]",
                            SW_ALARM_RULE_MAX_ELEMENTS, sw_rule_char_at(ps, at));
    return 0;
}

/* ---- alarm references ---- */

/* Reads the function argument at ps->p into a new string: a quoted name with \" and \\ undone, or a bare
 * name. NULL on error. */
static char *sw_rule_read_name(sw_rparser *ps) {
    sw_rule_skip_space(ps);
    const char *p = ps->p, *e = ps->end;
    if (p < e && *p == '"') {
        const char *q = p + 1;
        char *name = sw_malloc((size_t)(e - q) + 1), *d = name;
        while (q < e && *q != '"') {
            if (*q == '\\' && q + 1 < e && (q[1] == '"' || q[1] == '\\')) q++;
            *d++ = *q++;
        }
        *d = '\0';
        if (q >= e) {
            sw_free(name);
            sw_rule_fail(ps, "Error in AlarmRule [Unterminated quoted alarm name at char %zu]", sw_rule_char_at(ps, p));
            return NULL;
        }
        if (d == name) {
            sw_free(name);
            sw_rule_fail(ps, "Error in AlarmRule [Empty alarm name at char %zu]", sw_rule_char_at(ps, p));
            return NULL;
        }
        ps->p = q + 1;
        return name;
    }
    size_t n = p < e && *p != '"' ? sw_rule_token_len(p, e) : 0;
    if (n == 0 || *p == '(' || *p == ')') {
        sw_rule_unsupported(ps, NULL);
        return NULL;
    }
    ps->p = p + n;
    return sw_strndup(p, n);
}

/* Resolves an ARN reference in place to the alarm name, checking that it is a CloudWatch alarm of the
 * composite's own Region and account ("all underlying alarms must be in the same AWS Region and the same
 * account", Create_Composite_Alarm.html). Names not starting "arn:" are left alone. */
static int sw_rule_resolve(sw_rparser *ps, char *ref, const char *at) {
    if (strncmp(ref, "arn:", 4) != 0) return 0;
    /* arn:PARTITION:cloudwatch:REGION:ACCOUNT:alarm:NAME -- the name may itself contain colons. */
    const char *f[7];
    size_t flen[6];
    const char *q = ref;
    for (int i = 0; i < 6; i++) {
        const char *c = strchr(q, ':');
        if (!c) return sw_rule_fail(ps, "Error in AlarmRule [Invalid alarm ARN '%.200s' at char %zu]", ref, sw_rule_char_at(ps, at));
        f[i] = q;
        flen[i] = (size_t)(c - q);
        q = c + 1;
    }
    f[6] = q;
    int ok = flen[1] >= 3 && strncmp(f[1], "aws", 3) == 0 && flen[2] == 10 && strncmp(f[2], "cloudwatch", 10) == 0 &&
             flen[3] > 0 && flen[4] > 0 && flen[5] == 5 && strncmp(f[5], "alarm", 5) == 0 && *f[6] != '\0';
    if (!ok) return sw_rule_fail(ps, "Error in AlarmRule [Invalid alarm ARN '%.200s' at char %zu]", ref, sw_rule_char_at(ps, at));
    if ((ps->region && (strlen(ps->region) != flen[3] || strncmp(f[3], ps->region, flen[3]) != 0)) ||
        (ps->account && (strlen(ps->account) != flen[4] || strncmp(f[4], ps->account, flen[4]) != 0)))
        return sw_rule_fail(ps, "Error in AlarmRule [Alarm '%.200s' at char %zu is not in the Region and account of the composite alarm]",
                            ref, sw_rule_char_at(ps, at));
    memmove(ref, f[6], strlen(f[6]) + 1);
    return 0;
}

/* The index of child name, adding it when new; takes ownership of name. -1 past the child limit. */
static int sw_rule_child_index(sw_rparser *ps, char *name, const char *at) {
    for (size_t i = 0; i < ps->nchildren; i++)
        if (strcmp(ps->children[i], name) == 0) { sw_free(name); return (int)i; }
    if (ps->nchildren == SW_ALARM_RULE_MAX_CHILDREN) {
        sw_free(name);
        return sw_rule_fail(ps, "Error in AlarmRule [The rule references more than %d child alarms at char %zu]",
                            SW_ALARM_RULE_MAX_CHILDREN, sw_rule_char_at(ps, at));
    }
    ps->children[ps->nchildren] = name;
    return (int)ps->nchildren++;
}

/* After the function word: "(" name ")". */
static int sw_rule_function(sw_rparser *ps, sw_alarm_state state) {
    if (sw_rule_expect(ps, '(')) return -1;
    sw_rule_skip_space(ps);
    const char *at = ps->p;
    char *name = sw_rule_read_name(ps);
    if (!name) return -1;
    if (sw_rule_expect(ps, ')') || sw_rule_resolve(ps, name, at)) { sw_free(name); return -1; }
    int child = sw_rule_child_index(ps, name, at);
    if (child < 0) return -1;
    return sw_rule_emit(ps, SW_RULE_STATE, (int)state, (size_t)child);
}

/* ---- expressions ---- */

static int sw_rule_or(sw_rparser *ps);

/* primary := "(" or ")" | ALARM(x) | OK(x) | INSUFFICIENT_DATA(x) | TRUE | FALSE. Recursion happens only
 * here, once per "(", and every "(" is an element, so the depth is at most the element limit. */
static int sw_rule_primary(sw_rparser *ps) {
    sw_rule_skip_space(ps);
    const char *at = ps->p;
    if (ps->p < ps->end && *ps->p == '(') {
        if (sw_rule_element(ps, at)) return -1;
        ps->p++;
        if (sw_rule_or(ps)) return -1;
        return sw_rule_expect(ps, ')');
    }
    static const struct { const char *word; sw_alarm_state state; } fns[] = {
        {"ALARM", SW_ALARM_ALARM}, {"OK", SW_ALARM_OK}, {"INSUFFICIENT_DATA", SW_ALARM_INSUFFICIENT}};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (sw_rule_accept_word(ps, fns[i].word))
            return sw_rule_element(ps, at) ? -1 : sw_rule_function(ps, fns[i].state);
    if (sw_rule_accept_word(ps, "TRUE")) return sw_rule_element(ps, at) ? -1 : sw_rule_emit(ps, SW_RULE_TRUE, 0, 0);
    if (sw_rule_accept_word(ps, "FALSE")) return sw_rule_element(ps, at) ? -1 : sw_rule_emit(ps, SW_RULE_FALSE, 0, 0);
    return sw_rule_unsupported(ps, NULL);
}

/* unary := NOT* primary. A run of NOTs is read in a loop and folded by parity, so no input recurses here. */
static int sw_rule_unary(sw_rparser *ps) {
    int negate = 0;
    while (sw_rule_accept_word(ps, "NOT")) negate ^= 1;
    if (sw_rule_primary(ps)) return -1;
    return negate ? sw_rule_emit(ps, SW_RULE_NOT, 0, 0) : 0;
}

static int sw_rule_and(sw_rparser *ps) {
    if (sw_rule_unary(ps)) return -1;
    while (sw_rule_accept_word(ps, "AND")) {
        if (sw_rule_unary(ps)) return -1;
        sw_rule_emit(ps, SW_RULE_AND, 0, 0);
    }
    return 0;
}

static int sw_rule_or(sw_rparser *ps) {
    if (sw_rule_and(ps)) return -1;
    while (sw_rule_accept_word(ps, "OR")) {
        if (sw_rule_and(ps)) return -1;
        sw_rule_emit(ps, SW_RULE_OR, 0, 0);
    }
    return 0;
}

/* ---- public ---- */

static void sw_rule_free_children(char **children, size_t n) {
    for (size_t i = 0; i < n; i++) sw_free(children[i]);
}

sw_alarm_rule *sw_alarm_rule_parse(const char *text, size_t len, const char *region, const char *account,
                                   char *err, size_t errlen) {
    if (errlen) err[0] = '\0';
    size_t chars = sw_rule_chars(text, len);
    /* The AlarmRule shape's length constraint, worded as the model layer words it. */
    if (chars < 1 || chars > SW_ALARM_RULE_MAX_LEN) {
        if (errlen)
            snprintf(err, errlen, "1 validation error detected: Value at 'alarmRule' failed to satisfy constraint: "
                     "Member must have length %s %d", chars < 1 ? "greater than or equal to" : "less than or equal to",
                     chars < 1 ? 1 : SW_ALARM_RULE_MAX_LEN);
        return NULL;
    }
    /* Names are C strings, so a NUL byte could make two names one; no alarm name holds one. */
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        if (errlen) snprintf(err, errlen, "Error in AlarmRule [Unsupported character '\\0' at char %zu]",
                              sw_rule_chars(text, (size_t)(nul - text)));
        return NULL;
    }
    sw_rparser *ps = sw_calloc(1, sizeof *ps);
    ps->start = ps->p = text;
    ps->end = text + len;
    ps->region = region;
    ps->account = account;
    ps->err = err;
    ps->errlen = errlen;
    if (sw_rule_or(ps) == 0) {
        sw_rule_skip_space(ps);
        if (ps->p < ps->end) sw_rule_unsupported(ps, NULL);
    }
    if (ps->failed) {
        sw_rule_free_children(ps->children, ps->nchildren);
        sw_free(ps);
        return NULL;
    }
    sw_alarm_rule *r = sw_malloc(sizeof *r);
    r->nops = ps->nops;
    r->ops = sw_malloc(ps->nops * sizeof *r->ops);
    memcpy(r->ops, ps->ops, ps->nops * sizeof *r->ops);
    r->nchildren = ps->nchildren;
    r->children = sw_malloc((ps->nchildren ? ps->nchildren : 1) * sizeof *r->children);
    memcpy(r->children, ps->children, ps->nchildren * sizeof *r->children);
    sw_free(ps);
    return r;
}

void sw_alarm_rule_free(sw_alarm_rule *r) {
    if (!r) return;
    sw_rule_free_children(r->children, r->nchildren);
    sw_free(r->children);
    sw_free(r->ops);
    sw_free(r);
}

size_t sw_alarm_rule_nchildren(const sw_alarm_rule *r) { return r->nchildren; }

const char *sw_alarm_rule_child(const sw_alarm_rule *r, size_t i) {
    assert(i < r->nchildren);
    return r->children[i];
}

/* Runs the postfix program on a stack of booleans. Every push is a function or TRUE/FALSE, each one an
 * element, so the stack never holds more than SW_ALARM_RULE_MAX_ELEMENTS values. */
int sw_alarm_rule_eval(const sw_alarm_rule *r, sw_alarm_state_fn lookup, void *arg) {
    signed char state[SW_ALARM_RULE_MAX_CHILDREN]; /* -2 not looked up yet, -1 no such alarm */
    unsigned char stack[SW_ALARM_RULE_MAX_ELEMENTS];
    size_t sp = 0;
    memset(state, -2, sizeof state);
    for (size_t i = 0; i < r->nops; i++) {
        const sw_rule_op *op = &r->ops[i];
        switch ((sw_rule_opcode)op->code) {
        case SW_RULE_TRUE:
        case SW_RULE_FALSE:
            assert(sp < sizeof stack);
            stack[sp++] = op->code == SW_RULE_TRUE;
            break;
        case SW_RULE_STATE:
            if (state[op->child] == -2) {
                int s = lookup ? lookup(arg, r->children[op->child]) : -1;
                state[op->child] = (signed char)(s == SW_ALARM_OK || s == SW_ALARM_ALARM || s == SW_ALARM_INSUFFICIENT ? s : -1);
            }
            assert(sp < sizeof stack);
            stack[sp++] = state[op->child] == (signed char)op->state;
            break;
        case SW_RULE_NOT:
            assert(sp >= 1);
            stack[sp - 1] ^= 1;
            break;
        case SW_RULE_AND:
            assert(sp >= 2);
            sp--;
            stack[sp - 1] &= stack[sp];
            break;
        case SW_RULE_OR:
            assert(sp >= 2);
            sp--;
            stack[sp - 1] |= stack[sp];
            break;
        }
    }
    assert(sp == 1);
    return stack[0];
}
