/* ple_json.c -- one-pass decoder of AWS JSON 1.1 PutLogEvents bodies into typed events, directed by the
 * operation's input shape: no value tree, no coercion pass, and messages without escapes are not copied
 * (they point into the body, which lives as long as the request). It accepts only what sw_json_decode +
 * sw_model_coerce accept, and declines everything else (unknown or repeated members, numbers that are not
 * plain integers, entity, anything malformed) so that the generic path answers it, errors included. */
#include "ple.h"
#include "json.h"
#include <string.h>

#define SW_PLE_DECLINE 1
#define SW_PLE_EVENTS_GUESS 512

typedef struct sw_ple_shapes {
    const sw_shape *group, *stream, *events, *token, *timestamp, *message;
} sw_ple_shapes;

typedef struct sw_ple_parser {
    sw_arena *a;
    const char *p, *end;
    char *text;                  /* where the next string with escapes is decoded (room for the whole body) */
    const sw_ple_shapes *sh;
} sw_ple_parser;

static const sw_shape *sw_ple_member(const sw_shape *s, const char *name, sw_shape_type type) {
    const sw_shape_member *m = s && s->type == SW_S_STRUCTURE ? sw_shape_find_member(s, name, strlen(name)) : NULL;
    return m && m->shape->type == type ? m->shape : NULL;
}

/* The shapes this decoder checks against; -1 when the model is not the form it knows. */
static int sw_ple_shapes_init(const sw_shape *in, sw_ple_shapes *sh) {
    sh->group = sw_ple_member(in, "logGroupName", SW_S_STRING);
    sh->stream = sw_ple_member(in, "logStreamName", SW_S_STRING);
    sh->events = sw_ple_member(in, "logEvents", SW_S_LIST);
    sh->token = sw_ple_member(in, "sequenceToken", SW_S_STRING);
    const sw_shape *ev = sh->events ? sh->events->member : NULL;
    sh->timestamp = sw_ple_member(ev, "timestamp", SW_S_LONG);
    sh->message = sw_ple_member(ev, "message", SW_S_STRING);
    return sh->group && sh->stream && sh->events && sh->token && sh->timestamp && sh->message ? 0 : -1;
}

static inline void sw_ple_ws(sw_ple_parser *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t')) j->p++;
}

static inline int sw_ple_expect(sw_ple_parser *j, char c) {
    sw_ple_ws(j);
    if (j->p >= j->end || *j->p != c) return SW_PLE_DECLINE;
    j->p++;
    return 0;
}

/* After an item: 0 with *more set on ',' or the closing byte, else declines. */
static inline int sw_ple_next(sw_ple_parser *j, char close, int *more) {
    sw_ple_ws(j);
    if (j->p < j->end && *j->p == ',') { j->p++; *more = 1; return 0; }
    if (j->p < j->end && *j->p == close) { j->p++; *more = 0; return 0; }
    return SW_PLE_DECLINE;
}

/* A string literal, checked against shape s. Without escapes it stays in the body (not NUL-terminated)
 * unless copy is set, which makes it a NUL-terminated arena string (names need that, messages do not). */
static int sw_ple_string(sw_ple_parser *j, const sw_shape *s, int copy, const char **out, size_t *len) {
    sw_ple_ws(j);
    const char *str, *next = j->p < j->end ? sw_json_string_into(j->p, j->end, &j->text, &str, len) : NULL;
    if (!next) return SW_PLE_DECLINE;
    int in_body = str > j->p && str < next;
    j->p = next;
    if (copy && in_body && !(str = sw_arena_strndup(j->a, str, *len))) return SW_PLE_DECLINE;
    /* a regex needs a NUL-terminated subject: only copied (or unescaped) strings have one */
    if (s->regex && in_body && !copy) return SW_PLE_DECLINE;
    if (!sw_model_string_ok(s, str, *len)) return SW_PLE_DECLINE;
    *out = str;
    return 0;
}

/* A member name up to its ':'; names have no escapes in what botocore and the SDKs send. */
static int sw_ple_key(sw_ple_parser *j, const char **k, size_t *n) {
    sw_ple_ws(j);
    if (j->p >= j->end || *j->p != '"') return SW_PLE_DECLINE;
    const char *s = j->p + 1, *q = s;
    while (q < j->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20 && (unsigned char)*q < 0x80) q++;
    if (q >= j->end || *q != '"') return SW_PLE_DECLINE;
    *k = s;
    *n = (size_t)(q - s);
    j->p = q + 1;
    return sw_ple_expect(j, ':');
}

static inline int sw_ple_is(const char *k, size_t n, const char *name, size_t len) {
    return n == len && memcmp(k, name, len) == 0;
}

/* {"timestamp": N, "message": "..."} in either order, both required, nothing else. */
static int sw_ple_event(sw_ple_parser *j, sw_log_event *ev) {
    if (sw_ple_expect(j, '{')) return SW_PLE_DECLINE;
    int seen = 0, more = 1;
    while (more) {
        const char *k;
        size_t n;
        if (sw_ple_key(j, &k, &n)) return SW_PLE_DECLINE;
        if (sw_ple_is(k, n, "timestamp", 9) && !(seen & 1)) {
            sw_json_num num;
            sw_ple_ws(j);
            if (j->p >= j->end || sw_json_scan_number(j->p, j->end, &num) || !num.is_int) return SW_PLE_DECLINE;
            const sw_shape *s = j->sh->timestamp;
            if ((s->has_min && (double)num.i < s->min) || (s->has_max && (double)num.i > s->max)) return SW_PLE_DECLINE;
            ev->timestamp_ms = num.i;
            j->p = num.end;
            seen |= 1;
        } else if (sw_ple_is(k, n, "message", 7) && !(seen & 2)) {
            if (sw_ple_string(j, j->sh->message, 0, &ev->message, &ev->len)) return SW_PLE_DECLINE;
            seen |= 2;
        } else {
            return SW_PLE_DECLINE;
        }
        if (sw_ple_next(j, '}', &more)) return SW_PLE_DECLINE;
    }
    return seen == 3 ? 0 : SW_PLE_DECLINE;
}

static int sw_ple_events(sw_ple_parser *j, sw_ple *out) {
    if (sw_ple_expect(j, '[')) return SW_PLE_DECLINE;
    size_t cap = SW_PLE_EVENTS_GUESS, n = 0;
    sw_log_event *ev = sw_arena_alloc_raw(j->a, cap * sizeof *ev);
    if (!ev) return SW_PLE_DECLINE;
    sw_ple_ws(j);
    int more = !(j->p < j->end && *j->p == ']');
    if (!more) j->p++;
    while (more) {
        if (n == cap) {
            sw_log_event *bigger = sw_arena_alloc_raw(j->a, 2 * cap * sizeof *ev);
            if (!bigger) return SW_PLE_DECLINE;
            memcpy(bigger, ev, n * sizeof *ev);
            ev = bigger, cap *= 2;
        }
        ev[n] = (sw_log_event){0, 0, NULL, 0};
        if (sw_ple_event(j, &ev[n])) return SW_PLE_DECLINE;
        n++;
        if (sw_ple_next(j, ']', &more)) return SW_PLE_DECLINE;
    }
    const sw_shape *s = j->sh->events;
    if ((s->has_min && (double)n < s->min) || (s->has_max && (double)n > s->max)) return SW_PLE_DECLINE;
    out->ev = ev;
    out->n = n;
    return 0;
}

int sw_ple_json_decode(sw_arena *a, const sw_shape *input, const char *body, size_t len, sw_ple *out) {
    sw_ple_shapes sh;
    memset(out, 0, sizeof *out);
    if (!input || !body || len == 0 || sw_ple_shapes_init(input, &sh)) return SW_PLE_DECLINE;
    /* Decoded strings are never longer than their literals, which all fit in the body (+16: see
     * sw_json_string_into). */
    sw_ple_parser j = {.a = a, .p = body, .end = body + len, .text = sw_arena_alloc_raw(a, len + 16), .sh = &sh};
    if (!j.text) return SW_PLE_DECLINE;
    if (sw_ple_expect(&j, '{')) return SW_PLE_DECLINE;
    int seen = 0, more = 1;
    sw_ple_ws(&j);
    if (j.p < j.end && *j.p == '}') return SW_PLE_DECLINE; /* required members missing: the generic path says which */
    while (more) {
        const char *k, *tok;
        size_t n, tlen;
        if (sw_ple_key(&j, &k, &n)) return SW_PLE_DECLINE;
        if (sw_ple_is(k, n, "logGroupName", 12) && !(seen & 1)) {
            if (sw_ple_string(&j, sh.group, 1, &out->group, &n)) return SW_PLE_DECLINE;
            seen |= 1;
        } else if (sw_ple_is(k, n, "logStreamName", 13) && !(seen & 2)) {
            if (sw_ple_string(&j, sh.stream, 1, &out->stream, &n)) return SW_PLE_DECLINE;
            seen |= 2;
        } else if (sw_ple_is(k, n, "logEvents", 9) && !(seen & 4)) {
            if (sw_ple_events(&j, out)) return SW_PLE_DECLINE;
            seen |= 4;
        } else if (sw_ple_is(k, n, "sequenceToken", 13) && !(seen & 8)) {
            if (sw_ple_string(&j, sh.token, 1, &tok, &tlen)) return SW_PLE_DECLINE;
            seen |= 8;
        } else {
            return SW_PLE_DECLINE;
        }
        if (sw_ple_next(&j, '}', &more)) return SW_PLE_DECLINE;
    }
    sw_ple_ws(&j);
    return j.p == j.end && (seen & 7) == 7 ? 0 : SW_PLE_DECLINE;
}
