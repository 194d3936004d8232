/* pmd_json.c -- one-pass decoder of AWS JSON 1.0 PutMetricData bodies into typed datums, directed by
 * the operation's input shape: no value tree and no separate coercion pass. It accepts only what
 * sw_json_decode + sw_model_coerce accept, and declines the rest so that path answers the error. */
#include "pmd.h"
#include "json.h"
#include "timefmt.h"
#include "utf8.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#define SW_PMD_DECLINE 1
#define SW_PMD_DATUMS_GUESS 1000 /* PutMetricData: "up to 1000 different metrics" per request */

/* The member names of a structure this decoder reads, with their lengths. */
typedef struct sw_pmd_names { const char *const *names; const unsigned char *lens; int n, id; } sw_pmd_names;
#define SW_PMD_TABLES 4
#define SW_PMD_MAX_MEMBERS 9

/* memcmp(a, b, n) == 0 for the few bytes of a name, without a library call: a word at a time, the last
 * word overlapping the one before it (half words below 8 bytes). */
static inline int sw_pmd_same(const char *a, const char *b, size_t n) {
    if (n < 4) {
        for (size_t i = 0; i < n; i++)
            if (a[i] != b[i]) return 0;
        return 1;
    }
    if (n < 8) {
        uint32_t x0, y0, x1, y1;
        memcpy(&x0, a, 4), memcpy(&y0, b, 4), memcpy(&x1, a + n - 4, 4), memcpy(&y1, b + n - 4, 4);
        return x0 == y0 && x1 == y1;
    }
    uint64_t x, y;
    for (size_t i = 0; i + 8 < n; i += 8) {
        memcpy(&x, a + i, 8), memcpy(&y, b + i, 8);
        if (x != y) return 0;
    }
    memcpy(&x, a + n - 8, 8), memcpy(&y, b + n - 8, 8);
    return x == y;
}

/* Index of key in the names, or -1. */
static int sw_pmd_lookup(const sw_pmd_names *t, const char *key, size_t n) {
    for (int i = 0; i < t->n; i++)
        if (t->lens[i] == n && sw_pmd_same(t->names[i], key, n)) return i;
    return -1;
}

static const char *const sw_pmd_top_names[] = {"Namespace", "MetricData"};
static const unsigned char sw_pmd_top_lens[] = {9, 10};
static const char *const sw_pmd_datum_names[] = {"MetricName", "Unit", "Dimensions", "Timestamp", "Value", "Values",
                                                 "Counts", "StatisticValues", "StorageResolution"};
static const unsigned char sw_pmd_datum_lens[] = {10, 4, 10, 9, 5, 6, 6, 15, 17};
static const char *const sw_pmd_dim_names[] = {"Name", "Value"};
static const unsigned char sw_pmd_dim_lens[] = {4, 5};
static const char *const sw_pmd_set_names[] = {"SampleCount", "Sum", "Minimum", "Maximum"};
static const unsigned char sw_pmd_set_lens[] = {11, 3, 7, 7};
static const sw_pmd_names sw_pmd_top_members = {sw_pmd_top_names, sw_pmd_top_lens, 2, 0};
static const sw_pmd_names sw_pmd_datum_members = {sw_pmd_datum_names, sw_pmd_datum_lens, 9, 1};
static const sw_pmd_names sw_pmd_dim_members = {sw_pmd_dim_names, sw_pmd_dim_lens, 2, 2};
static const sw_pmd_names sw_pmd_set_members = {sw_pmd_set_names, sw_pmd_set_lens, 4, 3};

/* The shapes the decoder checks values against, looked up by member name in the input shape. */
typedef struct sw_pmd_shapes {
    const sw_shape *ns, *data, *datum, *name, *unit, *dims, *dim, *dim_name, *dim_value;
    const sw_shape *timestamp, *value, *values, *counts, *set, *set_member[4], *resolution;
    unsigned req_top, req_datum, req_dim, req_set; /* bits of the required members, by sw_pmd_names index */
} sw_pmd_shapes;

/* The last few strings read at one place of a datum (their NUL-terminated copies), with their lengths in
 * bytes; the oldest gives way. */
#define SW_PMD_RECENT 4
typedef struct sw_pmd_recent { const char *s[SW_PMD_RECENT]; size_t n[SW_PMD_RECENT]; unsigned next; } sw_pmd_recent;
#define SW_PMD_RECENT_DIMS 8 /* dimensions of a datum whose Name and Value are remembered, by position */

typedef struct sw_pmd_parser {
    sw_arena *a;
    const char *p, *end; /* the body, only read */
    const sw_pmd_shapes *sh;
    /* follow[table][i + 1]: the member that came after member i (after none: [0]) last time, or -1.
     * Bodies repeat one layout a thousand times, so the next name is nearly always that one. */
    signed char follow[SW_PMD_TABLES][SW_PMD_MAX_MEMBERS + 1];
    /* The strings of the datums before, by where they stood: datums of one request mostly share dimension
     * names, units, a few metric names and often dimension values; a repeat needs neither a scan nor a
     * validation. */
    sw_pmd_recent name, unit, dim[SW_PMD_RECENT_DIMS][2];
    size_t dim_at;   /* the position of the dimension being read */
} sw_pmd_parser;

static const sw_shape *sw_pmd_member_shape(const sw_shape *s, const char *name, sw_shape_type type) {
    const sw_shape_member *m = s && s->type == SW_S_STRUCTURE ? sw_shape_find_member(s, name, strlen(name)) : NULL;
    return m && m->shape->type == type ? m->shape : NULL;
}

/* The bits (indexes in t) of the members structure s requires; -1 when it requires one t lacks. */
static int sw_pmd_required(const sw_shape *s, const sw_pmd_names *t, unsigned *mask) {
    *mask = 0;
    for (size_t i = 0; i < s->nrequired; i++) {
        int k = sw_pmd_lookup(t, s->required[i], strlen(s->required[i]));
        if (k < 0) return -1;
        *mask |= 1u << k;
    }
    return 0;
}

/* Resolves the shapes; -1 when the model is not the form this decoder knows (it then declines all). */
static int sw_pmd_shapes_init(const sw_shape *in, sw_pmd_shapes *sh) {
    memset(sh, 0, sizeof *sh);
    sh->ns = sw_pmd_member_shape(in, "Namespace", SW_S_STRING);
    sh->data = sw_pmd_member_shape(in, "MetricData", SW_S_LIST);
    sh->datum = sh->data && sh->data->member->type == SW_S_STRUCTURE ? sh->data->member : NULL;
    sh->name = sw_pmd_member_shape(sh->datum, "MetricName", SW_S_STRING);
    sh->unit = sw_pmd_member_shape(sh->datum, "Unit", SW_S_STRING);
    sh->dims = sw_pmd_member_shape(sh->datum, "Dimensions", SW_S_LIST);
    sh->dim = sh->dims && sh->dims->member->type == SW_S_STRUCTURE ? sh->dims->member : NULL;
    sh->dim_name = sw_pmd_member_shape(sh->dim, "Name", SW_S_STRING);
    sh->dim_value = sw_pmd_member_shape(sh->dim, "Value", SW_S_STRING);
    sh->timestamp = sw_pmd_member_shape(sh->datum, "Timestamp", SW_S_TIMESTAMP);
    sh->value = sw_pmd_member_shape(sh->datum, "Value", SW_S_DOUBLE);
    sh->values = sw_pmd_member_shape(sh->datum, "Values", SW_S_LIST);
    sh->counts = sw_pmd_member_shape(sh->datum, "Counts", SW_S_LIST);
    sh->set = sw_pmd_member_shape(sh->datum, "StatisticValues", SW_S_STRUCTURE);
    for (int i = 0; i < 4; i++) sh->set_member[i] = sw_pmd_member_shape(sh->set, sw_pmd_set_names[i], SW_S_DOUBLE);
    sh->resolution = sw_pmd_member_shape(sh->datum, "StorageResolution", SW_S_INTEGER);
    if (!sh->ns || !sh->datum || !sh->name || !sh->unit || !sh->dim_name || !sh->dim_value || !sh->timestamp ||
        !sh->value || !sh->set_member[0] || !sh->set_member[1] || !sh->set_member[2] || !sh->set_member[3] ||
        !sh->resolution || !sh->values || sh->values->member->type != SW_S_DOUBLE || !sh->counts ||
        sh->counts->member->type != SW_S_DOUBLE)
        return -1;
    if (sw_pmd_required(in, &sw_pmd_top_members, &sh->req_top) || sw_pmd_required(sh->datum, &sw_pmd_datum_members, &sh->req_datum) ||
        sw_pmd_required(sh->dim, &sw_pmd_dim_members, &sh->req_dim) || sw_pmd_required(sh->set, &sw_pmd_set_members, &sh->req_set))
        return -1;
    return 0;
}

/* ---------- tokens ---------- */

static inline void sw_pmd_ws(sw_pmd_parser *j) {
    if (j->p < j->end && (unsigned char)*j->p > ' ') return; /* compact JSON has no whitespace */
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t')) j->p++;
}

/* Consumes byte c (after whitespace); 0, or SW_PMD_DECLINE when the next byte is another. */
static inline int sw_pmd_expect(sw_pmd_parser *j, char c) {
    sw_pmd_ws(j);
    if (j->p >= j->end || *j->p != c) return SW_PMD_DECLINE;
    j->p++;
    return 0;
}

/* After an item of a list or object: 0 on ',' (another follows), 1 on the closing byte, else declines. */
static inline int sw_pmd_next(sw_pmd_parser *j, char close, int *more) {
    sw_pmd_ws(j);
    if (j->p < j->end && *j->p == ',') { j->p++; *more = 1; return 0; }
    if (j->p < j->end && *j->p == close) { j->p++; *more = 0; return 0; }
    return SW_PMD_DECLINE;
}

/* The bytes of the 8 in x (in memory order) that need a look inside a string: '"', '\\', a control
 * character or a byte of a multi-byte UTF-8 sequence, each as its high bit (the classic "has a zero byte"
 * bit trick, three times). The first flagged byte is such a byte; later ones may be false alarms, as a
 * borrow runs on past the byte that caused it. 0 when none needs a look. */
static inline uint64_t sw_pmd_special8(uint64_t x) {
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    uint64_t zero = ((q - ones) & ~q) | ((b - ones) & ~b) | (x - ones * 0x20);
    return (zero | x) & highs;
}

/* The offset of the first flagged byte of a nonzero sw_pmd_special8 result. */
static inline size_t sw_pmd_first8(uint64_t flags) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (size_t)__builtin_clzll(flags) >> 3;
#else
    return (size_t)__builtin_ctzll(flags) >> 3;
#endif
}

/* Reads a string literal without escapes (well-formed UTF-8, no control characters) at j->p (after
 * whitespace): *s is where its n bytes lie in the body (not NUL-terminated), *chars its length in
 * characters. Escapes decline: botocore sends non-ASCII as \u escapes, which the generic path decodes. */
static int sw_pmd_string(sw_pmd_parser *j, const char **s, size_t *n, size_t *chars) {
    if (j->p >= j->end || *j->p != '"') return SW_PMD_DECLINE;
    const unsigned char *q = (const unsigned char *)j->p + 1, *e = (const unsigned char *)j->end;
    size_t extra = 0; /* continuation bytes */
    for (;;) {
        uint64_t x, flags = 0;
        while (e - q >= 8 && (memcpy(&x, q, 8), !(flags = sw_pmd_special8(x)))) q += 8;
        if (flags) q += sw_pmd_first8(flags);
        else
            while (q < e && *q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\') q++;
        if (q >= e || *q == '\\' || *q < 0x20) return SW_PMD_DECLINE;
        if (*q == '"') break;
        size_t k = sw_utf8_seq(q, (size_t)(e - q));
        if (!k) return SW_PMD_DECLINE;
        q += k;
        extra += k - 1;
    }
    *s = j->p + 1;
    *n = (size_t)((const char *)q - (j->p + 1));
    *chars = *n - extra;
    j->p = (const char *)q + 1;
    return 0;
}

/* 1 when the input at j->p is the string literal of the n bytes s, which hold no byte that would need a
 * look inside a string: equal bytes and a closing quote are then that exact string. Consumes it. */
static inline int sw_pmd_repeat(sw_pmd_parser *j, const char *s, size_t n) {
    if ((size_t)(j->end - j->p) < n + 2 || j->p[0] != '"' || j->p[n + 1] != '"' || !sw_pmd_same(s, j->p + 1, n)) return 0;
    j->p += n + 2;
    return 1;
}

/* A member name and its ':'. */
static int sw_pmd_key(sw_pmd_parser *j, const char **k, size_t *n) {
    size_t chars;
    return sw_pmd_string(j, k, n, &chars) || sw_pmd_expect(j, ':');
}


static int sw_pmd_number(sw_pmd_parser *j, sw_json_num *num) {
    sw_pmd_ws(j);
    if (j->p >= j->end || sw_json_scan_number(j->p, j->end, num)) return SW_PMD_DECLINE;
    j->p = num->end;
    return 0;
}

/* ---------- typed values ---------- */

/* A string under shape s. recent (NULL: none) holds the strings read at its place in the datums before:
 * when the input repeats one, that copy serves, as the same bytes under the same shape are valid again. */
static int sw_pmd_string_of(sw_pmd_parser *j, const sw_shape *s, sw_pmd_recent *recent, const char **out) {
    sw_pmd_ws(j);
    for (int i = 0; recent && i < SW_PMD_RECENT && recent->s[i]; i++)
        if (sw_pmd_repeat(j, recent->s[i], recent->n[i])) {
            *out = recent->s[i];
            return 0;
        }
    const char *in;
    size_t n, chars;
    if (sw_pmd_string(j, &in, &n, &chars)) return SW_PMD_DECLINE;
    char *copy = sw_arena_alloc_raw(j->a, n + 1);
    if (!copy) return SW_PMD_DECLINE;
    memcpy(copy, in, n);
    copy[n] = '\0';
    *out = copy;
    if (!sw_model_text_ok(s, copy, n, chars)) return SW_PMD_DECLINE;
    if (recent) {
        recent->s[recent->next] = *out, recent->n[recent->next] = n;
        recent->next = (recent->next + 1) % SW_PMD_RECENT;
    }
    return 0;
}

/* A double member as JSON numbers give it; the "NaN"/"Infinity" strings decline. */
static int sw_pmd_double(sw_pmd_parser *j, const sw_shape *s, double *out) {
    sw_json_num num;
    if (sw_pmd_number(j, &num)) return SW_PMD_DECLINE;
    *out = num.is_int ? (double)num.i : num.d;
    return sw_model_number_ok(s, *out) ? 0 : SW_PMD_DECLINE;
}

/* An integer member: an integral double below 9e15 is taken, as coercion does. */
static int sw_pmd_integer(sw_pmd_parser *j, const sw_shape *s, int64_t *out) {
    sw_json_num num;
    if (sw_pmd_number(j, &num)) return SW_PMD_DECLINE;
    if (num.is_int) *out = num.i;
    else if (num.d == floor(num.d) && fabs(num.d) < 9e15) *out = (int64_t)num.d;
    else return SW_PMD_DECLINE;
    return sw_model_number_ok(s, (double)*out) ? 0 : SW_PMD_DECLINE;
}

/* A timestamp: epoch seconds as a number, or a string sw_time_parse reads. */
static int sw_pmd_timestamp(sw_pmd_parser *j, double *out) {
    sw_pmd_ws(j);
    if (j->p < j->end && *j->p == '"') {
        const char *s;
        size_t n, chars;
        return sw_pmd_string(j, &s, &n, &chars) || sw_time_parse(s, n, out) ? SW_PMD_DECLINE : 0;
    }
    sw_json_num num;
    if (sw_pmd_number(j, &num)) return SW_PMD_DECLINE;
    *out = num.is_int ? (double)num.i : num.d;
    return 0;
}

/* 1 when a list of n items satisfies list shape s's length bounds. */
static int sw_pmd_count_ok(const sw_shape *s, size_t n) {
    return !(s->has_min && (double)n < s->min) && !(s->has_max && (double)n > s->max);
}

/* Grows an arena array of elements of size sz from cap to twice as many. */
static void *sw_pmd_grow(sw_arena *a, void *items, size_t n, size_t *cap, size_t sz) {
    size_t ncap = *cap ? *cap * 2 : 8;
    void *ni = sw_arena_alloc_raw(a, ncap * sz);
    if (!ni) return NULL;
    if (n) memcpy(ni, items, n * sz);
    *cap = ncap;
    return ni;
}

/* A list of doubles (Values, Counts) under list shape s. */
static int sw_pmd_doubles(sw_pmd_parser *j, const sw_shape *s, const double **out, size_t *n) {
    double *items = NULL;
    size_t cap = 0;
    *n = 0;
    if (sw_pmd_expect(j, '[')) return SW_PMD_DECLINE;
    sw_pmd_ws(j);
    int more = !(j->p < j->end && *j->p == ']');
    if (!more) j->p++;
    while (more) {
        if (*n == cap && !(items = sw_pmd_grow(j->a, items, *n, &cap, sizeof *items))) return SW_PMD_DECLINE;
        if (sw_pmd_double(j, s->member, &items[*n]) || sw_pmd_next(j, ']', &more)) return SW_PMD_DECLINE;
        (*n)++;
    }
    static const double none[1];
    *out = items ? items : none; /* an empty list is present */
    return sw_pmd_count_ok(s, *n) ? 0 : SW_PMD_DECLINE;
}

/* Reads a member name and its ':'; returns its index in t, or -1 (unknown name, or not a name). The
 * name that followed prev last time is tried first by comparing bytes in place: a name from the table
 * holds no byte that would need a look, so equal bytes and a closing quote are that exact string. */
static int sw_pmd_member_name(sw_pmd_parser *j, const sw_pmd_names *t, int prev) {
    sw_pmd_ws(j);
    signed char *follow = &j->follow[t->id][prev + 1];
    int g = *follow;
    if (g >= 0 && sw_pmd_repeat(j, t->names[g], t->lens[g])) return sw_pmd_expect(j, ':') ? -1 : g;
    const char *k;
    size_t kn;
    if (sw_pmd_key(j, &k, &kn)) return -1;
    *follow = (signed char)sw_pmd_lookup(t, k, kn);
    return *follow;
}

/* Object walk: calls fn(j, index of the name, arg) for each member; unknown names, repeated names and
 * null values decline, and so does a missing member the shape requires (required: its bits). */
typedef int (*sw_pmd_member_fn)(sw_pmd_parser *j, int idx, void *arg);
static int sw_pmd_object(sw_pmd_parser *j, const sw_pmd_names *names, unsigned required, sw_pmd_member_fn fn, void *arg) {
    unsigned seen = 0;
    int prev = -1;
    if (sw_pmd_expect(j, '{')) return SW_PMD_DECLINE;
    sw_pmd_ws(j);
    int more = !(j->p < j->end && *j->p == '}');
    if (!more) j->p++;
    while (more) {
        int idx = sw_pmd_member_name(j, names, prev);
        if (idx < 0 || (seen & (1u << idx))) return SW_PMD_DECLINE;
        prev = idx;
        seen |= 1u << idx;
        sw_pmd_ws(j);
        if (j->p >= j->end || *j->p == 'n' || fn(j, idx, arg) || sw_pmd_next(j, '}', &more)) return SW_PMD_DECLINE;
    }
    return (seen & required) == required ? 0 : SW_PMD_DECLINE;
}

/* ---------- structures ---------- */

static int sw_pmd_dim_member(sw_pmd_parser *j, int idx, void *arg) {
    sw_dim *d = arg;
    sw_pmd_recent *recent = j->dim_at < SW_PMD_RECENT_DIMS ? &j->dim[j->dim_at][idx] : NULL;
    return idx == 0 ? sw_pmd_string_of(j, j->sh->dim_name, recent, &d->name) : sw_pmd_string_of(j, j->sh->dim_value, recent, &d->value);
}

static int sw_pmd_dims(sw_pmd_parser *j, sw_pmd_datum *d) {
    size_t cap = 0;
    d->dims = NULL;
    d->ndims = 0;
    if (sw_pmd_expect(j, '[')) return SW_PMD_DECLINE;
    sw_pmd_ws(j);
    int more = !(j->p < j->end && *j->p == ']');
    if (!more) j->p++;
    while (more) {
        if (d->ndims == cap && !(d->dims = sw_pmd_grow(j->a, d->dims, d->ndims, &cap, sizeof *d->dims))) return SW_PMD_DECLINE;
        j->dim_at = d->ndims;
        sw_dim *dim = &d->dims[d->ndims++];
        /* Both members are read even if a model stopped requiring them: a dimension needs both. */
        if (sw_pmd_object(j, &sw_pmd_dim_members, j->sh->req_dim | 3u, sw_pmd_dim_member, dim) || sw_pmd_next(j, ']', &more))
            return SW_PMD_DECLINE;
    }
    if (!d->dims && !(d->dims = sw_arena_alloc(j->a, sizeof *d->dims))) return SW_PMD_DECLINE;
    return sw_pmd_count_ok(j->sh->dims, d->ndims) ? 0 : SW_PMD_DECLINE;
}

static int sw_pmd_set_member(sw_pmd_parser *j, int idx, void *arg) {
    double *v = arg;
    return sw_pmd_double(j, j->sh->set_member[idx], &v[idx]);
}

static int sw_pmd_datum_member(sw_pmd_parser *j, int idx, void *arg) {
    sw_pmd_datum *d = arg;
    const sw_pmd_shapes *sh = j->sh;
    double set[4];
    switch (idx) {
    case 0: return sw_pmd_string_of(j, sh->name, &j->name, &d->name);
    case 1: return sw_pmd_string_of(j, sh->unit, &j->unit, &d->unit);
    case 2: d->has |= SW_PMD_DIMS; return sw_pmd_dims(j, d);
    case 3: d->has |= SW_PMD_TIMESTAMP; return sw_pmd_timestamp(j, &d->timestamp);
    case 4: d->has |= SW_PMD_VALUE; return sw_pmd_double(j, sh->value, &d->value);
    case 5: d->has |= SW_PMD_VALUES; return sw_pmd_doubles(j, sh->values, &d->values, &d->nvalues);
    case 6: d->has |= SW_PMD_COUNTS; return sw_pmd_doubles(j, sh->counts, &d->counts, &d->ncounts);
    case 7:
        d->has |= SW_PMD_SET;
        /* All four statistics are read, as the model requires them. */
        if (sw_pmd_object(j, &sw_pmd_set_members, sh->req_set | 15u, sw_pmd_set_member, set)) return SW_PMD_DECLINE;
        d->count = set[0], d->sum = set[1], d->min = set[2], d->max = set[3];
        return 0;
    default: d->has |= SW_PMD_RESOLUTION; return sw_pmd_integer(j, sh->resolution, &d->resolution);
    }
}

static int sw_pmd_data(sw_pmd_parser *j, sw_pmd *out) {
    out->n = 0;
    if (sw_pmd_expect(j, '[')) return SW_PMD_DECLINE;
    sw_pmd_ws(j);
    int more = !(j->p < j->end && *j->p == ']');
    if (!more) j->p++;
    /* Room for the datums the rest of the body can hold (each takes at least the 18 bytes of
     * {"MetricName":"x"}), up to the 1,000 a request may carry, so the array rarely moves. */
    size_t cap = (size_t)(j->end - j->p) / 18 + 1;
    if (cap > SW_PMD_DATUMS_GUESS) cap = SW_PMD_DATUMS_GUESS;
    if (more && !(out->data = sw_arena_alloc_raw(j->a, cap * sizeof *out->data))) return SW_PMD_DECLINE;
    while (more) {
        if (out->n == cap && !(out->data = sw_pmd_grow(j->a, out->data, out->n, &cap, sizeof *out->data))) return SW_PMD_DECLINE;
        sw_pmd_datum *d = &out->data[out->n++];
        memset(d, 0, sizeof *d);
        if (sw_pmd_object(j, &sw_pmd_datum_members, j->sh->req_datum, sw_pmd_datum_member, d) || sw_pmd_next(j, ']', &more))
            return SW_PMD_DECLINE;
    }
    if (!out->data && !(out->data = sw_arena_alloc(j->a, sizeof *out->data))) return SW_PMD_DECLINE;
    return sw_pmd_count_ok(j->sh->data, out->n) ? 0 : SW_PMD_DECLINE;
}

static int sw_pmd_top_member(sw_pmd_parser *j, int idx, void *arg) {
    sw_pmd *out = arg;
    return idx == 0 ? sw_pmd_string_of(j, j->sh->ns, NULL, &out->ns) : sw_pmd_data(j, out);
}

int sw_pmd_json_decode(sw_arena *a, const sw_shape *input, const char *body, size_t len, sw_pmd *out) {
    sw_pmd_shapes sh;
    memset(out, 0, sizeof *out);
    if (!input || len == 0 || sw_pmd_shapes_init(input, &sh)) return SW_PMD_DECLINE;
    sw_pmd_parser j = {.a = a, .p = body, .end = body + len, .sh = &sh};
    memset(j.follow, -1, sizeof j.follow);
    if (sw_pmd_object(&j, &sw_pmd_top_members, sh.req_top, sw_pmd_top_member, out)) return SW_PMD_DECLINE;
    sw_pmd_ws(&j);
    return j.p == j.end ? 0 : SW_PMD_DECLINE;
}
