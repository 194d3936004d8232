/* cbor.c -- CBOR decoder into the value tree and encoder from it (RFC 8949, Smithy RPC v2 CBOR). */
#include "cbor.h"
#include "utf8.h"
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Major types, RFC 8949 §3.1. */
enum {
    SW_CBOR_UINT, SW_CBOR_NEGINT, SW_CBOR_BYTES, SW_CBOR_TEXT,
    SW_CBOR_ARRAY, SW_CBOR_MAP, SW_CBOR_TAG, SW_CBOR_SIMPLE
};
#define SW_CBOR_INDEFINITE 31  /* additional information: indefinite length, or break in major 7 */
#define SW_CBOR_BREAK 0xff
#define SW_CBOR_STR_(x) #x
#define SW_CBOR_STR(x) SW_CBOR_STR_(x)

typedef struct {
    sw_arena *a;
    const uint8_t *start, *p, *end;
    char *err;
    size_t errlen;
    int failed;
} sw_cbor_dec;

/* One initial byte and its argument (RFC 8949 §3). */
typedef struct {
    size_t off;    /* offset of the initial byte, for error messages */
    uint8_t major;
    uint8_t ai;    /* additional information, the low five bits */
    uint64_t arg;  /* 0 when ai == SW_CBOR_INDEFINITE */
} sw_cbor_head;

/* ---- errors ---- */

/* Records the first error only; returns NULL so pointer-returning callers can `return` it. */
static void *sw_cbor_fail(sw_cbor_dec *d, size_t off, const char *what) {
    if (!d->failed && d->errlen) snprintf(d->err, d->errlen, "%s at offset %zu", what, off);
    d->failed = 1;
    return NULL;
}

static void *sw_cbor_truncated(sw_cbor_dec *d, size_t off) {
    return sw_cbor_fail(d, off, "truncated CBOR item");
}

/* The arena's byte limit is the request-size policy: exhausting it rejects the request. */
static void *sw_cbor_too_large(sw_cbor_dec *d) {
    if (!d->failed && d->errlen) snprintf(d->err, d->errlen, "CBOR request too large");
    d->failed = 1;
    return NULL;
}

static size_t sw_cbor_left(const sw_cbor_dec *d) { return (size_t)(d->end - d->p); }

/* ---- heads ---- */

/* Reads an initial byte and its 0/1/2/4/8-byte argument. Returns 0, or -1 on truncation, on the
 * reserved additional information values 28-30, and on indefinite length for majors 0, 1 and 6,
 * all "not well-formed" per RFC 8949 §3 and §3.2.4. Non-shortest arguments are accepted (§5.3). */
static int sw_cbor_read_head(sw_cbor_dec *d, sw_cbor_head *h) {
    h->off = (size_t)(d->p - d->start);
    if (d->p == d->end) { sw_cbor_truncated(d, h->off); return -1; }
    uint8_t ib = *d->p++;
    h->major = ib >> 5;
    h->ai = ib & 0x1f;
    h->arg = h->ai;
    if (h->ai < 24) return 0;
    if (h->ai == SW_CBOR_INDEFINITE) {
        h->arg = 0;
        if (h->major == SW_CBOR_UINT || h->major == SW_CBOR_NEGINT || h->major == SW_CBOR_TAG) {
            sw_cbor_fail(d, h->off, "indefinite length not allowed for this CBOR major type");
            return -1;
        }
        return 0;
    }
    if (h->ai > 27) { sw_cbor_fail(d, h->off, "reserved CBOR additional information value"); return -1; }
    size_t len = (size_t)1 << (h->ai - 24);
    if (sw_cbor_left(d) < len) { sw_cbor_truncated(d, h->off); return -1; }
    uint64_t arg = 0;
    for (size_t i = 0; i < len; i++) arg = arg << 8 | d->p[i];
    d->p += len;
    h->arg = arg;
    return 0;
}

static sw_value *sw_cbor_new(sw_cbor_dec *d, sw_vtype t) {
    sw_value *v = sw_arena_alloc(d->a, sizeof *v);
    if (!v) return sw_cbor_too_large(d);
    v->type = t;
    return v;
}

/* ---- scalars ---- */

/* Major 0 is arg, major 1 is -1 - arg (RFC 8949 §3.1). Values outside int64 become the nearest
 * double rather than an error: no CloudWatch shape is a 64-bit unsigned, and a double keeps the
 * magnitude, as awsJson clients sending the same number would get. */
static double sw_cbor_int_as_double(const sw_cbor_head *h) {
    return h->major == SW_CBOR_UINT ? (double)h->arg : -1.0 - (double)h->arg;
}

static sw_value *sw_cbor_int(sw_cbor_dec *d, const sw_cbor_head *h) {
    if (h->arg > INT64_MAX) {
        sw_value *v = sw_cbor_new(d, SW_V_DOUBLE);
        if (v) v->u.d = sw_cbor_int_as_double(h);
        return v;
    }
    sw_value *v = sw_cbor_new(d, SW_V_INT);
    if (v) v->u.i = h->major == SW_CBOR_UINT ? (int64_t)h->arg : -1 - (int64_t)h->arg;
    return v;
}

/* IEEE 754 binary16 (1 sign, 5 exponent bits biased by 15, 10 fraction bits), as in RFC 8949
 * Appendix D: exponent 0 is zero/subnormal, exponent 31 is infinity/NaN. */
static double sw_cbor_half(uint16_t half) {
    int exp = (half >> 10) & 0x1f;
    unsigned mant = half & 0x3ff;
    double v;
    if (exp == 0) v = ldexp(mant, -24);
    else if (exp == 31) v = mant ? NAN : INFINITY;
    else v = ldexp(mant + 1024, exp - 25);
    return half & 0x8000 ? -v : v;
}

/* Major 7 with additional information 25/26/27: half, single, double (RFC 8949 §3.3). */
static double sw_cbor_float(const sw_cbor_head *h) {
    if (h->ai == 25) return sw_cbor_half((uint16_t)h->arg);
    if (h->ai == 26) {
        uint32_t bits = (uint32_t)h->arg;
        float f;
        memcpy(&f, &bits, sizeof f);
        return f;
    }
    double x;
    memcpy(&x, &h->arg, sizeof x);
    return x;
}

static int sw_cbor_is_float(const sw_cbor_head *h) {
    return h->major == SW_CBOR_SIMPLE && h->ai >= 25 && h->ai <= 27;
}

/* Major 7 (RFC 8949 §3.3): false/true, null, and floats of every width (half precision included,
 * which Smithy RPC v2 CBOR says implementations MUST be able to deserialize). undefined becomes
 * null, as that spec requires of servers. Other simple values mean nothing to Smithy: rejected. */
static sw_value *sw_cbor_simple(sw_cbor_dec *d, const sw_cbor_head *h) {
    sw_value *v;
    switch (h->ai) {
    case 20: case 21:
        if ((v = sw_cbor_new(d, SW_V_BOOL))) v->u.b = h->ai == 21;
        return v;
    case 22: case 23:
        return sw_cbor_new(d, SW_V_NULL);
    case 25: case 26: case 27:
        if ((v = sw_cbor_new(d, SW_V_DOUBLE))) v->u.d = sw_cbor_float(h);
        return v;
    case SW_CBOR_INDEFINITE:
        return sw_cbor_fail(d, h->off, "CBOR break (0xff) outside an indefinite-length item");
    default:
        return sw_cbor_fail(d, h->off, "unsupported CBOR simple value");
    }
}

/* Tag 1 (RFC 8949 §3.4.2) over an integer or a half, single or double float: the encodings the
 * Smithy RPC v2 CBOR spec lists under "Timestamp type serialization". */
static sw_value *sw_cbor_epoch(sw_cbor_dec *d) {
    sw_cbor_head h;
    if (sw_cbor_read_head(d, &h)) return NULL;
    double t;
    if (h.major == SW_CBOR_UINT || h.major == SW_CBOR_NEGINT) t = sw_cbor_int_as_double(&h);
    else if (sw_cbor_is_float(&h)) t = sw_cbor_float(&h);
    else return sw_cbor_fail(d, h.off, "tag 1 (epoch time) must enclose a number");
    sw_value *v = sw_cbor_new(d, SW_V_TIME);
    if (v) v->u.d = t;
    return v;
}

/* ---- strings ---- */


/* Consumes the payload of a definite-length string head, checking its declared length against
 * the remaining input before anything is allocated. Sets *bytes to the payload in the input. */
static int sw_cbor_span(sw_cbor_dec *d, const sw_cbor_head *h, const uint8_t **bytes) {
    if (h->arg > sw_cbor_left(d)) { sw_cbor_truncated(d, h->off); return -1; }
    if (h->major == SW_CBOR_TEXT && !sw_utf8_valid((const char *)d->p, (size_t)h->arg)) {
        sw_cbor_fail(d, h->off, "invalid UTF-8 in text string");
        return -1;
    }
    *bytes = d->p;
    d->p += h->arg;
    return 0;
}

/* Indefinite-length string (RFC 8949 §3.2.3): definite chunks of the same major type up to a break.
 * Text chunks are validated one by one, as a chunk may not split a UTF-8 character. The first pass
 * validates and sums lengths, the second copies into a single arena allocation. */
static int sw_cbor_chunked(sw_cbor_dec *d, const sw_cbor_head *h, char **out, size_t *len) {
    const uint8_t *first = d->p, *bytes;
    size_t total = 0;
    sw_cbor_head c;
    for (;;) {
        if (d->p == d->end) { sw_cbor_truncated(d, h->off); return -1; }
        if (*d->p == SW_CBOR_BREAK) break;
        if (sw_cbor_read_head(d, &c) || (c.major != h->major || c.ai == SW_CBOR_INDEFINITE)) {
            sw_cbor_fail(d, c.off, "indefinite-length string chunk is not a definite string of the same type");
            return -1;
        }
        if (sw_cbor_span(d, &c, &bytes)) return -1;
        total += (size_t)c.arg;
    }
    const uint8_t *after = d->p + 1;
    char *s = sw_arena_alloc_raw(d->a, total + 1);
    if (!s) { sw_cbor_too_large(d); return -1; }
    size_t at = 0;
    for (d->p = first; *d->p != SW_CBOR_BREAK; d->p += c.arg, at += (size_t)c.arg) {
        int rc = sw_cbor_read_head(d, &c);
        assert(rc == 0);
        (void)rc;
        memcpy(s + at, d->p, (size_t)c.arg);
    }
    s[total] = '\0';
    d->p = after;
    *out = s;
    *len = total;
    return 0;
}

/* Reads a byte or text string of either length kind into a NUL-terminated arena copy. */
static int sw_cbor_string(sw_cbor_dec *d, const sw_cbor_head *h, char **out, size_t *len) {
    if (h->ai == SW_CBOR_INDEFINITE) return sw_cbor_chunked(d, h, out, len);
    const uint8_t *bytes;
    if (sw_cbor_span(d, h, &bytes)) return -1;
    *out = sw_arena_strndup(d->a, (const char *)bytes, (size_t)h->arg);
    if (!*out) { sw_cbor_too_large(d); return -1; }
    *len = (size_t)h->arg;
    return 0;
}

static sw_value *sw_cbor_str_value(sw_cbor_dec *d, const sw_cbor_head *h) {
    sw_value *v = sw_cbor_new(d, h->major == SW_CBOR_TEXT ? SW_V_STRING : SW_V_BLOB);
    char *s;
    size_t len;
    if (!v || sw_cbor_string(d, h, &s, &len)) return NULL;
    v->u.str.s = s;
    v->u.str.len = len;
    return v;
}

/* ---- containers ---- */

static sw_value *sw_cbor_item(sw_cbor_dec *d, int depth);

/* Replaces an arena array by one of ncap elements holding the first n; NULL past the limit. */
static void *sw_cbor_resize(sw_cbor_dec *d, void *items, size_t n, size_t ncap, size_t elem) {
    if (ncap > SIZE_MAX / elem) return sw_cbor_too_large(d);
    void *p = sw_arena_alloc(d->a, ncap * elem);
    if (!p) return sw_cbor_too_large(d);
    if (n) memcpy(p, items, n * elem);
    return p;
}

/* 1 when container h has another element after the first i, 0 at its end, -1 on error: counted
 * for definite lengths, up to the break byte for indefinite ones (RFC 8949 §3.2.2). */
static int sw_cbor_more(sw_cbor_dec *d, const sw_cbor_head *h, size_t i) {
    if (h->ai != SW_CBOR_INDEFINITE) return i < h->arg;
    if (d->p == d->end) { sw_cbor_truncated(d, h->off); return -1; }
    if (*d->p != SW_CBOR_BREAK) return 1;
    d->p++;
    return 0;
}

/* Every element needs at least min_bytes of input, so a declared count the remaining input cannot
 * hold is rejected up front; this also bounds every allocation by the input size. */
static int sw_cbor_count_fits(sw_cbor_dec *d, const sw_cbor_head *h, size_t min_bytes) {
    if (h->ai == SW_CBOR_INDEFINITE || h->arg <= sw_cbor_left(d) / min_bytes) return 1;
    sw_cbor_fail(d, h->off, "CBOR declared length exceeds remaining input");
    return 0;
}

static sw_value *sw_cbor_array(sw_cbor_dec *d, const sw_cbor_head *h, int depth) {
    if (!sw_cbor_count_fits(d, h, 1)) return NULL;
    sw_value *v = sw_cbor_new(d, SW_V_LIST);
    if (!v) return NULL;
    sw_value **items = NULL;
    size_t n = 0, cap = h->ai == SW_CBOR_INDEFINITE ? 0 : (size_t)h->arg;
    if (cap && !(items = sw_cbor_resize(d, NULL, 0, cap, sizeof *items))) return NULL;
    int more;
    while ((more = sw_cbor_more(d, h, n)) > 0) {
        sw_value *item = sw_cbor_item(d, depth + 1);
        if (!item) return NULL;
        if (n == cap) {
            cap = cap ? cap * 2 : 4;
            if (!(items = sw_cbor_resize(d, items, n, cap, sizeof *items))) return NULL;
        }
        items[n++] = item;
    }
    v->u.list.items = items;
    v->u.list.n = n;
    v->u.list.cap = cap;
    return more < 0 ? NULL : v;
}

/* Smithy RPC v2 CBOR encodes structures and maps as CBOR maps keyed by text strings; any other
 * key type is rejected rather than stringified. */
static int sw_cbor_key(sw_cbor_dec *d, sw_member *m) {
    sw_cbor_head h;
    char *key;
    if (sw_cbor_read_head(d, &h)) return -1;
    if (h.major != SW_CBOR_TEXT) { sw_cbor_fail(d, h.off, "map key is not a text string"); return -1; }
    if (sw_cbor_string(d, &h, &key, &m->klen)) return -1;
    m->key = key;
    return 0;
}

static sw_value *sw_cbor_map(sw_cbor_dec *d, const sw_cbor_head *h, int depth) {
    if (!sw_cbor_count_fits(d, h, 2)) return NULL;
    sw_value *v = sw_cbor_new(d, SW_V_MAP);
    if (!v) return NULL;
    sw_member *items = NULL, m;
    size_t n = 0, cap = h->ai == SW_CBOR_INDEFINITE ? 0 : (size_t)h->arg;
    if (cap && !(items = sw_cbor_resize(d, NULL, 0, cap, sizeof *items))) return NULL;
    int more;
    while ((more = sw_cbor_more(d, h, n)) > 0) {
        if (sw_cbor_key(d, &m) || !(m.val = sw_cbor_item(d, depth + 1))) return NULL;
        if (n == cap) {
            cap = cap ? cap * 2 : 4;
            if (!(items = sw_cbor_resize(d, items, n, cap, sizeof *items))) return NULL;
        }
        items[n++] = m;
    }
    v->u.map.items = items;
    v->u.map.n = n;
    v->u.map.cap = cap;
    return more < 0 ? NULL : v;
}

/* ---- items ---- */

/* Reads heads up to the first one that is not a tag. Tag 1 decodes the epoch time it encloses.
 * Tags 2 and 3 (bignums) and 4 (decimal fraction) carry Smithy's bigInteger and bigDecimal, which
 * skywatch does not support, and the Smithy RPC v2 CBOR spec ("Shape serialization") says such an
 * implementation MUST fail to deserialize them. Any other tag is skipped and its content decoded
 * as if untagged: RFC 8949 §3.4 lets a generic decoder pass on tag content it does not interpret,
 * and no Smithy shape gives other tags a meaning. Returns 1 with *h set, 0 with *tv set to a
 * decoded timestamp, or -1 on error. A loop, not recursion, so a chain of tags cannot exhaust
 * the stack. */
static int sw_cbor_untag(sw_cbor_dec *d, sw_cbor_head *h, sw_value **tv) {
    for (;;) {
        if (sw_cbor_read_head(d, h)) return -1;
        if (h->major != SW_CBOR_TAG) return 1;
        if (h->arg == 1) return (*tv = sw_cbor_epoch(d)) ? 0 : -1;
        if (h->arg >= 2 && h->arg <= 4) {
            sw_cbor_fail(d, h->off, "CBOR bignum or decimal fraction (tags 2-4) is not supported");
            return -1;
        }
    }
}

/* Decodes one data item; depth counts the arrays and maps enclosing it. NULL on error. */
static sw_value *sw_cbor_item(sw_cbor_dec *d, int depth) {
    sw_cbor_head h;
    sw_value *tv;
    int rc = sw_cbor_untag(d, &h, &tv);
    if (rc <= 0) return rc == 0 ? tv : NULL;
    switch (h.major) {
    case SW_CBOR_UINT: case SW_CBOR_NEGINT:
        return sw_cbor_int(d, &h);
    case SW_CBOR_BYTES: case SW_CBOR_TEXT:
        return sw_cbor_str_value(d, &h);
    case SW_CBOR_ARRAY: case SW_CBOR_MAP:
        if (depth >= SW_CBOR_MAX_DEPTH)
            return sw_cbor_fail(d, h.off, "CBOR nesting deeper than " SW_CBOR_STR(SW_CBOR_MAX_DEPTH));
        return h.major == SW_CBOR_ARRAY ? sw_cbor_array(d, &h, depth) : sw_cbor_map(d, &h, depth);
    default:
        return sw_cbor_simple(d, &h);
    }
}

int sw_cbor_decode(sw_arena *a, const uint8_t *p, size_t n, sw_value **out, char *err, size_t errlen) {
    sw_cbor_dec d = {a, p, p, p, err, err ? errlen : 0, 0};
    if (d.errlen) err[0] = '\0';
    if (n == 0) { sw_cbor_truncated(&d, 0); return -1; }
    d.end = p + n;
    sw_value *v = sw_cbor_item(&d, 0);
    if (!v) return -1;
    if (d.p != d.end) { sw_cbor_fail(&d, (size_t)(d.p - d.start), "trailing bytes after CBOR item"); return -1; }
    *out = v;
    return 0;
}

/* ---- encoding ---- */

/* Shortest argument form (RFC 8949 §4.2.1, preferred serialization). */
static void sw_cbor_put_head(sw_buf *b, unsigned major, uint64_t arg) {
    uint8_t mt = (uint8_t)(major << 5);
    if (arg < 24) sw_buf_put_u8(b, mt | (uint8_t)arg);
    else if (arg <= UINT8_MAX) { sw_buf_put_u8(b, mt | 24); sw_buf_put_u8(b, (uint8_t)arg); }
    else if (arg <= UINT16_MAX) { sw_buf_put_u8(b, mt | 25); sw_buf_put_u16be(b, (uint16_t)arg); }
    else if (arg <= UINT32_MAX) { sw_buf_put_u8(b, mt | 26); sw_buf_put_u32be(b, (uint32_t)arg); }
    else { sw_buf_put_u8(b, mt | 27); sw_buf_put_u64be(b, arg); }
}

static void sw_cbor_put_double(sw_buf *b, double x) {
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    sw_buf_put_u8(b, 0xfb);
    sw_buf_put_u64be(b, bits);
}

/* Timestamps go out with millisecond resolution (Smithy RPC v2 CBOR, "Timestamp type
 * serialization": epoch-seconds with millisecond resolution). Beyond ±1e11 s (year 5138) rounding through
 * milliseconds would no longer be exact, so such values go out as they are. */
static double sw_cbor_millis(double t) {
    return fabs(t) < 1e11 ? round(t * 1000.0) / 1000.0 : t;
}

static void sw_cbor_put_bytes(sw_buf *b, unsigned major, const char *s, size_t len) {
    sw_cbor_put_head(b, major, len);
    sw_buf_append(b, s, len);
}

void sw_cbor_encode(sw_buf *b, const sw_value *v) {
    assert(v);
    switch (v->type) {
    case SW_V_NULL: case SW_V_RAW: sw_buf_put_u8(b, 0xf6); break; /* RAW: JSON-protocol services only */
    case SW_V_BOOL: sw_buf_put_u8(b, v->u.b ? 0xf5 : 0xf4); break;
    case SW_V_INT:
        /* -1 - i computed as ~i on the bits, which cannot overflow at INT64_MIN. */
        if (v->u.i >= 0) sw_cbor_put_head(b, SW_CBOR_UINT, (uint64_t)v->u.i);
        else sw_cbor_put_head(b, SW_CBOR_NEGINT, ~(uint64_t)v->u.i);
        break;
    case SW_V_DOUBLE: sw_cbor_put_double(b, v->u.d); break;
    case SW_V_TIME:
        sw_buf_put_u8(b, 0xc1);
        sw_cbor_put_double(b, sw_cbor_millis(v->u.d));
        break;
    case SW_V_STRING: sw_cbor_put_bytes(b, SW_CBOR_TEXT, v->u.str.s, v->u.str.len); break;
    case SW_V_BLOB: sw_cbor_put_bytes(b, SW_CBOR_BYTES, v->u.str.s, v->u.str.len); break;
    case SW_V_LIST:
        sw_cbor_put_head(b, SW_CBOR_ARRAY, v->u.list.n);
        for (size_t i = 0; i < v->u.list.n; i++) sw_cbor_encode(b, v->u.list.items[i]);
        break;
    case SW_V_MAP:
        sw_cbor_put_head(b, SW_CBOR_MAP, v->u.map.n);
        for (size_t i = 0; i < v->u.map.n; i++) {
            const sw_member *m = &v->u.map.items[i];
            sw_cbor_put_bytes(b, SW_CBOR_TEXT, m->key, m->klen);
            sw_cbor_encode(b, m->val);
        }
        break;
    }
}
