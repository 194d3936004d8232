/* test_cbor.c -- CBOR codec: RFC 8949 Appendix A vectors, round trips, a PutMetricData body, hostile input. */
#include "test.h"
#include "cbor.h"
#include "alloc.h"
#include <stdint.h>

static char err[128];

/* Hex to bytes in a heap block of exactly the decoded size, so ASan flags any read past the end. */
static uint8_t *unhex(const char *h, size_t *n) {
    size_t len = strlen(h) / 2;
    uint8_t *p = sw_malloc(len);
    for (size_t i = 0; i < len; i++) sscanf(h + 2 * i, "%2hhx", &p[i]);
    *n = len;
    return p;
}

static int decode_bytes(sw_arena *a, const uint8_t *p, size_t n, sw_value **out) {
    uint8_t *copy = sw_malloc(n ? n : 1);
    if (n) memcpy(copy, p, n);
    int rc = sw_cbor_decode(a, copy, n, out, err, sizeof err);
    sw_free(copy);
    return rc;
}

/* Decodes hex into a; NULL (with err set) when decoding fails. */
static sw_value *dec(sw_arena *a, const char *h) {
    size_t n;
    uint8_t *p = unhex(h, &n);
    sw_value *v = NULL;
    int rc = sw_cbor_decode(a, p, n, &v, err, sizeof err);
    sw_free(p);
    return rc == 0 ? v : NULL;
}

/* Expects hex to be rejected with a reason containing why. */
#define T_REJECTS(h, why) do { sw_arena a_; sw_arena_init(&a_, 0); \
    sw_value *v_ = dec(&a_, h); T_ASSERT(v_ == NULL); \
    if (!v_ && !strstr(err, why)) T_FAIL_("%s: error \"%s\" lacks \"%s\"", h, err, why); \
    sw_arena_free(&a_); } while (0)

static int same_bits(double x, double y) { return memcmp(&x, &y, sizeof x) == 0; }

static int v_equal(const sw_value *x, const sw_value *y) {
    if (x->type != y->type) return 0;
    switch (x->type) {
    case SW_V_NULL: return 1;
    case SW_V_BOOL: return x->u.b == y->u.b;
    case SW_V_INT: return x->u.i == y->u.i;
    case SW_V_DOUBLE: case SW_V_TIME: return same_bits(x->u.d, y->u.d);
    case SW_V_STRING: case SW_V_BLOB: case SW_V_RAW:
        return x->u.str.len == y->u.str.len && memcmp(x->u.str.s, y->u.str.s, x->u.str.len) == 0;
    case SW_V_LIST:
        if (x->u.list.n != y->u.list.n) return 0;
        for (size_t i = 0; i < x->u.list.n; i++)
            if (!v_equal(x->u.list.items[i], y->u.list.items[i])) return 0;
        return 1;
    case SW_V_MAP:
        if (x->u.map.n != y->u.map.n) return 0;
        for (size_t i = 0; i < x->u.map.n; i++) {
            const sw_member *m = &x->u.map.items[i], *o = &y->u.map.items[i];
            if (m->klen != o->klen || memcmp(m->key, o->key, m->klen) || !v_equal(m->val, o->val)) return 0;
        }
        return 1;
    }
    return 0;
}

static void encode_hex(const sw_value *v, char *out) {
    sw_buf b;
    sw_buf_init(&b);
    sw_cbor_encode(&b, v);
    for (size_t i = 0; i < b.len; i++) sprintf(out + 2 * i, "%02x", (uint8_t)b.data[i]);
    out[2 * b.len] = '\0';
    sw_buf_free(&b);
}

/* ---- RFC 8949 Appendix A ---- */

static void test_rfc_integers(void) {
    static const struct { const char *hex; long long i; } cases[] = {
        {"00", 0}, {"01", 1}, {"0a", 10}, {"17", 23}, {"1818", 24}, {"1819", 25}, {"1864", 100},
        {"1903e8", 1000}, {"1a000f4240", 1000000}, {"1b000000e8d4a51000", 1000000000000LL},
        {"20", -1}, {"29", -10}, {"3863", -100}, {"3903e7", -1000},
        {"1b7fffffffffffffff", INT64_MAX}, {"3b7fffffffffffffff", INT64_MIN},
        {"1801", 1}, {"1b0000000000000001", 1}, /* non-shortest heads are still well-formed */
    };
    sw_arena a;
    sw_arena_init(&a, 0);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sw_value *v = dec(&a, cases[i].hex);
        T_ASSERT(v && v->type == SW_V_INT);
        if (v) T_EQ_INT(v->u.i, cases[i].i);
    }
    sw_arena_free(&a);
}

/* Integers outside int64 become the nearest double (documented in cbor.c). */
static void test_rfc_integers_beyond_int64_become_doubles(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    sw_value *v = dec(&a, "1bffffffffffffffff");
    T_ASSERT(v && v->type == SW_V_DOUBLE);
    if (v) T_EQ_DBL(v->u.d, 18446744073709551615.0, 0);
    v = dec(&a, "3bffffffffffffffff");
    T_ASSERT(v && v->type == SW_V_DOUBLE);
    if (v) T_EQ_DBL(v->u.d, -18446744073709551616.0, 0);
    v = dec(&a, "1b8000000000000000");
    T_ASSERT(v && v->type == SW_V_DOUBLE);
    if (v) T_EQ_DBL(v->u.d, 9223372036854775808.0, 0);
    sw_arena_free(&a);
}

static void test_rfc_floats(void) {
    static const struct { const char *hex; double d; } cases[] = {
        {"f90000", 0.0}, {"f93c00", 1.0}, {"fb3ff199999999999a", 1.1}, {"f93e00", 1.5},
        {"f97bff", 65504.0}, {"fa47c35000", 100000.0}, {"fa7f7fffff", 3.4028234663852886e+38},
        {"fb7e37e43c8800759c", 1.0e+300}, {"f90001", 5.960464477539063e-8}, {"f90400", 0.00006103515625},
        {"f9c400", -4.0}, {"fbc010666666666666", -4.1}, {"f903ff", 0.000060975551605224609375},
    };
    sw_arena a;
    sw_arena_init(&a, 0);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sw_value *v = dec(&a, cases[i].hex);
        T_ASSERT(v && v->type == SW_V_DOUBLE);
        if (v && !same_bits(v->u.d, cases[i].d)) T_FAIL_("%s: %.17g != %.17g", cases[i].hex, v->u.d, cases[i].d);
    }
    sw_value *nz = dec(&a, "f98000");
    T_ASSERT(nz && nz->u.d == 0 && signbit(nz->u.d));
    sw_arena_free(&a);
}

static void test_rfc_float_infinities_and_nans(void) {
    static const struct { const char *hex; int kind; } cases[] = { /* 1 = +inf, -1 = -inf, 0 = NaN */
        {"f97c00", 1}, {"f97e00", 0}, {"f9fc00", -1}, {"fa7f800000", 1}, {"fa7fc00000", 0},
        {"faff800000", -1}, {"fb7ff0000000000000", 1}, {"fb7ff8000000000000", 0}, {"fbfff0000000000000", -1},
    };
    sw_arena a;
    sw_arena_init(&a, 0);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sw_value *v = dec(&a, cases[i].hex);
        T_ASSERT(v && v->type == SW_V_DOUBLE);
        if (!v) continue;
        if (cases[i].kind == 0) T_ASSERT(isnan(v->u.d));
        else T_ASSERT(isinf(v->u.d) && (v->u.d > 0) == (cases[i].kind > 0));
    }
    sw_arena_free(&a);
}

static void test_rfc_simple_values(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    sw_value *v = dec(&a, "f4");
    T_ASSERT(v && v->type == SW_V_BOOL && v->u.b == 0);
    v = dec(&a, "f5");
    T_ASSERT(v && v->type == SW_V_BOOL && v->u.b == 1);
    v = dec(&a, "f6");
    T_ASSERT(v && v->type == SW_V_NULL);
    v = dec(&a, "f7"); /* undefined: Smithy RPC v2 CBOR says servers MUST read it as null */
    T_ASSERT(v && v->type == SW_V_NULL);
    sw_arena_free(&a);
    T_REJECTS("f0", "simple value");
    T_REJECTS("f8ff", "simple value");
    T_REJECTS("f818", "simple value");
}

static void test_rfc_strings(void) {
    static const struct { const char *hex; const char *s; size_t len; int text; } cases[] = {
        {"40", "", 0, 0}, {"4401020304", "\x01\x02\x03\x04", 4, 0}, {"60", "", 0, 1}, {"6161", "a", 1, 1},
        {"6449455446", "IETF", 4, 1}, {"62225c", "\"\\", 2, 1}, {"62c3bc", "\xc3\xbc", 2, 1},
        {"63e6b0b4", "\xe6\xb0\xb4", 3, 1}, {"64f0908591", "\xf0\x90\x85\x91", 4, 1},
    };
    sw_arena a;
    sw_arena_init(&a, 0);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sw_value *v = dec(&a, cases[i].hex);
        T_ASSERT(v && v->type == (cases[i].text ? SW_V_STRING : SW_V_BLOB));
        if (!v) continue;
        T_EQ_INT(v->u.str.len, cases[i].len);
        T_ASSERT(memcmp(v->u.str.s, cases[i].s, cases[i].len) == 0 && v->u.str.s[cases[i].len] == '\0');
    }
    sw_arena_free(&a);
}

static void test_rfc_arrays_and_maps(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    char out[256];
    sw_value *v = dec(&a, "80");
    T_ASSERT(v && v->type == SW_V_LIST && v->u.list.n == 0);
    v = dec(&a, "83010203");
    T_ASSERT(v && v->u.list.n == 3 && v->u.list.items[2]->u.i == 3);
    v = dec(&a, "8301820203820405");
    T_ASSERT(v && v->u.list.items[2]->type == SW_V_LIST && v->u.list.items[2]->u.list.items[1]->u.i == 5);
    v = dec(&a, "98190102030405060708090a0b0c0d0e0f101112131415161718181819");
    T_ASSERT(v && v->u.list.n == 25 && v->u.list.items[24]->u.i == 25);
    v = dec(&a, "a0");
    T_ASSERT(v && v->type == SW_V_MAP && v->u.map.n == 0);
    v = dec(&a, "a26161016162820203");
    T_ASSERT(v && v->u.map.n == 2 && sw_v_get_int(v, "a", 0) == 1 && sw_v_get(v, "b")->u.list.n == 2);
    v = dec(&a, "826161a161626163");
    T_ASSERT(v && strcmp(sw_v_get_str(v->u.list.items[1], "b", ""), "c") == 0);
    v = dec(&a, "a56161614161626142616361436164614461656145");
    T_ASSERT(v && v->u.map.n == 5 && strcmp(sw_v_get_str(v, "e", ""), "E") == 0);
    if (v) { encode_hex(v, out); T_EQ_STR(out, "a56161614161626142616361436164614461656145"); }
    sw_arena_free(&a);
}

static void test_rfc_indefinite_strings(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    sw_value *v = dec(&a, "5f42010243030405ff");
    T_ASSERT(v && v->type == SW_V_BLOB && v->u.str.len == 5 && memcmp(v->u.str.s, "\1\2\3\4\5", 5) == 0);
    v = dec(&a, "7f657374726561646d696e67ff");
    T_ASSERT(v && v->type == SW_V_STRING);
    if (v) T_EQ_STR(v->u.str.s, "streaming");
    v = dec(&a, "7fff");
    T_ASSERT(v && v->type == SW_V_STRING && v->u.str.len == 0);
    v = dec(&a, "5f4040ff");
    T_ASSERT(v && v->type == SW_V_BLOB && v->u.str.len == 0);
    sw_arena_free(&a);
}

/* Each indefinite example re-encodes as its definite-length equivalent. */
static void test_rfc_indefinite_containers(void) {
    static const struct { const char *in, *definite; } cases[] = {
        {"9fff", "80"},
        {"9f018202039f0405ffff", "8301820203820405"},
        {"9f01820203820405ff", "8301820203820405"},
        {"83018202039f0405ff", "8301820203820405"},
        {"83019f0203ff820405", "8301820203820405"},
        {"9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff",
         "98190102030405060708090a0b0c0d0e0f101112131415161718181819"},
        {"bf61610161629f0203ffff", "a26161016162820203"},
        {"826161bf61626163ff", "826161a161626163"},
        {"bf6346756ef563416d7421ff", "a26346756ef563416d7421"},
        {"bf7f6161ff01ff", "a1616101"}, /* indefinite-length text key */
    };
    sw_arena a;
    sw_arena_init(&a, 0);
    char out[256];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sw_value *v = dec(&a, cases[i].in);
        T_ASSERT(v != NULL);
        if (!v) { fprintf(stderr, "  %s: %s\n", cases[i].in, err); continue; }
        encode_hex(v, out);
        T_EQ_STR(out, cases[i].definite);
    }
    sw_arena_free(&a);
}

static void test_rfc_epoch_time_tag(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    sw_value *v = dec(&a, "c11a514b67b0");
    T_ASSERT(v && v->type == SW_V_TIME);
    if (v) T_EQ_DBL(v->u.d, 1363896240.0, 0);
    v = dec(&a, "c1fb41d452d9ec200000");
    T_ASSERT(v && v->type == SW_V_TIME);
    if (v) T_EQ_DBL(v->u.d, 1363896240.5, 0);
    v = dec(&a, "c1f93c00"); /* half */
    T_ASSERT(v && v->type == SW_V_TIME && v->u.d == 1.0);
    v = dec(&a, "c1fa47c35000"); /* single */
    T_ASSERT(v && v->type == SW_V_TIME && v->u.d == 100000.0);
    v = dec(&a, "c120"); /* negative int: one second before the epoch */
    T_ASSERT(v && v->type == SW_V_TIME && v->u.d == -1.0);
    sw_arena_free(&a);
    T_REJECTS("c16161", "tag 1");
    T_REJECTS("c1f5", "tag 1");
    T_REJECTS("c1c11a514b67b0", "tag 1");
}

/* Tags other than 1-4 are skipped; the tagged item decodes as if untagged. */
static void test_rfc_other_tags_are_skipped(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    sw_value *v = dec(&a, "c074323031332d30332d32315432303a30343a30305a");
    T_ASSERT(v && v->type == SW_V_STRING);
    if (v) T_EQ_STR(v->u.str.s, "2013-03-21T20:04:00Z");
    v = dec(&a, "d74401020304");
    T_ASSERT(v && v->type == SW_V_BLOB && v->u.str.len == 4);
    v = dec(&a, "d818456449455446");
    T_ASSERT(v && v->type == SW_V_BLOB && v->u.str.len == 5);
    v = dec(&a, "d82076687474703a2f2f7777772e6578616d706c652e636f6d");
    T_ASSERT(v && v->type == SW_V_STRING);
    v = dec(&a, "d9d9f7a0"); /* self-described CBOR (55799) */
    T_ASSERT(v && v->type == SW_V_MAP);
    sw_arena_free(&a);
}

/* Smithy RPC v2 CBOR: an implementation without arbitrary precision MUST fail on them. */
static void test_bignum_and_decimal_tags_rejected(void) {
    T_REJECTS("c249010000000000000000", "tags 2-4");
    T_REJECTS("c349010000000000000000", "tags 2-4");
    T_REJECTS("c48221196ab3", "tags 2-4");
    T_REJECTS("d9d9f7c249010000000000000000", "tags 2-4");
}

/* ---- encoding ---- */

static void test_encode_shortest_integer_heads(void) {
    static const struct { long long i; const char *hex; } cases[] = {
        {0, "00"}, {23, "17"}, {24, "1818"}, {255, "18ff"}, {256, "190100"}, {65535, "19ffff"},
        {65536, "1a00010000"}, {4294967295LL, "1affffffff"}, {4294967296LL, "1b0000000100000000"},
        {INT64_MAX, "1b7fffffffffffffff"}, {-1, "20"}, {-24, "37"}, {-25, "3818"}, {-256, "38ff"},
        {-257, "390100"}, {INT64_MIN, "3b7fffffffffffffff"},
    };
    sw_arena a;
    sw_arena_init(&a, 0);
    char out[64];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        encode_hex(sw_v_int(&a, cases[i].i), out);
        T_EQ_STR(out, cases[i].hex);
    }
    sw_arena_free(&a);
}

static void test_encode_scalars(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    char out[512];
    encode_hex(sw_v_null(&a), out); T_EQ_STR(out, "f6");
    encode_hex(sw_v_bool(&a, 0), out); T_EQ_STR(out, "f4");
    encode_hex(sw_v_bool(&a, 1), out); T_EQ_STR(out, "f5");
    encode_hex(sw_v_double(&a, 1.0), out); T_EQ_STR(out, "fb3ff0000000000000");
    encode_hex(sw_v_double(&a, 1.1), out); T_EQ_STR(out, "fb3ff199999999999a");
    encode_hex(sw_v_double(&a, INFINITY), out); T_EQ_STR(out, "fb7ff0000000000000");
    encode_hex(sw_v_time(&a, 1363896240.5), out); T_EQ_STR(out, "c1fb41d452d9ec200000");
    encode_hex(sw_v_time(&a, 1363896240.0004), out); T_EQ_STR(out, "c1fb41d452d9ec000000");
    encode_hex(sw_v_cstr(&a, "IETF"), out); T_EQ_STR(out, "6449455446");
    encode_hex(sw_v_blob(&a, "\1\2\3\4", 4), out); T_EQ_STR(out, "4401020304");
    encode_hex(sw_v_cstr(&a, "abcdefghijklmnopqrstuvwx"), out);
    T_EQ_STR(out, "78186162636465666768696a6b6c6d6e6f707172737475767778");
    sw_arena_free(&a);
}

static sw_value *every_type(sw_arena *a) {
    sw_value *m = sw_v_map(a), *l = sw_v_list(a);
    sw_v_map_putc(a, m, "null", sw_v_null(a));
    sw_v_map_putc(a, m, "true", sw_v_bool(a, 1));
    sw_v_map_putc(a, m, "false", sw_v_bool(a, 0));
    sw_v_map_putc(a, m, "int", sw_v_int(a, -1234567890123LL));
    sw_v_map_putc(a, m, "min", sw_v_int(a, INT64_MIN));
    sw_v_map_putc(a, m, "double", sw_v_double(a, -0.1));
    sw_v_map_putc(a, m, "nan", sw_v_double(a, NAN));
    sw_v_map_putc(a, m, "-inf", sw_v_double(a, -INFINITY));
    sw_v_map_putc(a, m, "time", sw_v_time(a, 1700000000.123));
    sw_v_map_putc(a, m, "string", sw_v_cstr(a, "caf\xc3\xa9 \xf0\x9f\x93\x88"));
    sw_v_map_putc(a, m, "blob", sw_v_blob(a, "\0\xff\0", 3));
    sw_v_map_put(a, m, "", 0, sw_v_cstr(a, ""));
    for (int i = 0; i < 300; i++) sw_v_list_push(a, l, sw_v_int(a, i * 1000));
    sw_v_list_push(a, l, sw_v_map(a));
    sw_v_list_push(a, l, sw_v_list(a));
    sw_v_map_putc(a, m, "list", l);
    return m;
}

static void test_round_trip_every_type(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    sw_value *v = every_type(&a), *back = NULL;
    sw_buf b;
    sw_buf_init(&b);
    sw_cbor_encode(&b, v);
    T_EQ_INT(decode_bytes(&a, (const uint8_t *)b.data, b.len, &back), 0);
    T_ASSERT(back && v_equal(v, back));
    if (back) T_EQ_DBL(sw_v_get(back, "time")->u.d, 1700000000.123, 0);
    sw_buf_free(&b);
    sw_arena_free(&a);
}

/* ---- a CloudWatch body ---- */

/* PutMetricData input as an rpcv2Cbor client sends it: two datums, one with a dimension and a
 * float64 timestamp, one with an integer timestamp and Values/Counts arrays. */
static const char put_metric_data_hex[] =
    "a2694e616d657370616365674170702f5765626a4d65747269634461746182a56a4d65747269634e616d65674c617465"
    "6e63796a44696d656e73696f6e7381a2644e616d6564486f73746556616c7565657765622d316954696d657374616d70"
    "c1fb41d954fc402000006556616c7565fb402900000000000064556e69746c4d696c6c697365636f6e6473a56a4d6574"
    "7269634e616d656852657175657374736954696d657374616d70c11a6553f13c6656616c75657382fb3ff00000000000"
    "00fb400000000000000066436f756e747382fb4008000000000000fb40100000000000007153746f726167655265736f"
    "6c7574696f6e01";

static void test_put_metric_data_body(void) {
    sw_arena a;
    sw_arena_init(&a, 1 << 20);
    sw_value *v = dec(&a, put_metric_data_hex);
    T_ASSERT(v != NULL);
    if (!v) { fprintf(stderr, "  %s\n", err); sw_arena_free(&a); return; }
    T_EQ_STR(sw_v_get_str(v, "Namespace", NULL), "App/Web");
    sw_value *data = sw_v_get(v, "MetricData");
    T_ASSERT(data && data->type == SW_V_LIST && data->u.list.n == 2);
    sw_value *d0 = data->u.list.items[0], *d1 = data->u.list.items[1];
    T_EQ_STR(sw_v_get_str(d0, "MetricName", NULL), "Latency");
    T_EQ_STR(sw_v_get_str(sw_v_get(d0, "Dimensions")->u.list.items[0], "Value", NULL), "web-1");
    T_EQ_INT(sw_v_get(d0, "Timestamp")->type, SW_V_TIME);
    T_EQ_DBL(sw_v_get_double(d0, "Timestamp", 0), 1700000000.5, 0);
    T_EQ_DBL(sw_v_get_double(d0, "Value", 0), 12.5, 0);
    T_EQ_STR(sw_v_get_str(d0, "Unit", NULL), "Milliseconds");
    T_EQ_INT(sw_v_get(d1, "Timestamp")->type, SW_V_TIME);
    T_EQ_DBL(sw_v_get_double(d1, "Timestamp", 0), 1700000060.0, 0);
    T_EQ_INT(sw_v_get(d1, "Counts")->u.list.n, 2);
    T_EQ_INT(sw_v_get_int(d1, "StorageResolution", 0), 1);
    /* Re-encoding is byte-identical except that the integer timestamp goes out as a float64. */
    char out[sizeof put_metric_data_hex + 16], *want = sw_strdup(put_metric_data_hex);
    char *ts = strstr(want, "c11a6553f13c");
    T_ASSERT(ts != NULL);
    encode_hex(v, out);
    T_ASSERT(strncmp(out, want, (size_t)(ts - want)) == 0);
    T_ASSERT(strncmp(out + (ts - want), "c1fb41d954fc4f000000", 20) == 0);
    T_EQ_STR(out + (ts - want) + 20, ts + 12);
    sw_free(want);
    sw_arena_free(&a);
}

/* ---- hostile input ---- */

static void test_hostile_truncated_at_every_offset(void) {
    size_t n;
    uint8_t *p = unhex(put_metric_data_hex, &n);
    for (size_t cut = 0; cut < n; cut++) {
        sw_arena a;
        sw_arena_init(&a, 0);
        sw_value *v = NULL;
        int rc = decode_bytes(&a, p, cut, &v);
        if (rc != -1) T_FAIL_("prefix of %zu bytes decoded", cut);
        sw_arena_free(&a);
    }
    sw_free(p);
    T_REJECTS("7f657374726561646d696e67", "truncated");
    T_REJECTS("9f0102", "truncated");
    T_REJECTS("bf6161", "truncated");
}

/* Declared lengths far beyond the input must fail before anything is allocated. */
static void test_hostile_huge_declared_lengths(void) {
    static const char *cases[] = {
        "5bffffffffffffffff", "7bffffffffffffffff", "9bffffffffffffffff", "bbffffffffffffffff",
        "5affffffff00", "9a7fffffff00", "ba4000000000", "5f5bffffffffffffffffff",
        "a20000", "bb0000000000000002616100",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sw_arena a;
        sw_arena_init(&a, 0);
        T_ASSERT(dec(&a, cases[i]) == NULL);
        T_ASSERT(a.used_total <= 64);
        sw_arena_free(&a);
    }
}

static char *nested(const char *open, int depth, const char *inner, const char *close) {
    size_t lo = strlen(open), li = strlen(inner), lc = strlen(close);
    char *h = sw_malloc((lo + lc) * (size_t)depth + li + 1), *q = h;
    for (int i = 0; i < depth; i++) q += sprintf(q, "%s", open);
    q += sprintf(q, "%s", inner);
    for (int i = 0; i < depth; i++) q += sprintf(q, "%s", close);
    return h;
}

static void test_hostile_nesting_100_deep(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    char *h = nested("81", SW_CBOR_MAX_DEPTH, "00", "");
    T_ASSERT(dec(&a, h) != NULL);
    sw_free(h);
    h = nested("a16161", SW_CBOR_MAX_DEPTH, "00", "");
    T_ASSERT(dec(&a, h) != NULL);
    sw_free(h);
    sw_arena_free(&a);
    h = nested("81", SW_CBOR_MAX_DEPTH + 1, "00", "");
    T_REJECTS(h, "nesting deeper than 64");
    sw_free(h);
    h = nested("81", 100, "00", "");
    T_REJECTS(h, "nesting deeper than 64");
    sw_free(h);
    h = nested("9f", 100, "", "ff");
    T_REJECTS(h, "nesting deeper than 64");
    sw_free(h);
    h = nested("bf6161", 100, "00", "ff");
    T_REJECTS(h, "nesting deeper than 64");
    sw_free(h);
}

/* Tags are unwrapped in a loop: a long chain neither recurses nor counts as nesting. */
static void test_hostile_long_tag_chain(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    char *h = nested("d864", 10000, "01", "");
    sw_value *v = dec(&a, h);
    T_ASSERT(v && v->type == SW_V_INT && v->u.i == 1);
    sw_free(h);
    sw_arena_free(&a);
}

static void test_hostile_non_string_map_keys(void) {
    T_REJECTS("a201020304", "map key is not a text string");
    T_REJECTS("a1400102", "map key is not a text string");
    T_REJECTS("bf0102ff", "map key is not a text string");
    T_REJECTS("a15fff01", "map key is not a text string");
    T_REJECTS("a1f601", "map key is not a text string");
    T_REJECTS("a1c1616101", "map key is not a text string");
}

static void test_hostile_break_outside_indefinite(void) {
    T_REJECTS("ff", "break");
    T_REJECTS("81ff", "break");
    T_REJECTS("a16161ff", "break");
    T_REJECTS("bf6161ff", "break");
    T_REJECTS("c1ff", "tag 1");
    T_REJECTS("d864ff", "break");
}

static void test_hostile_bad_indefinite_string_chunks(void) {
    T_REJECTS("5f6161ff", "chunk");
    T_REJECTS("7f4161ff", "chunk");
    T_REJECTS("7f7fffff", "chunk");
    T_REJECTS("5f01ff", "chunk");
    T_REJECTS("5fc04161ff", "chunk");
}

static void test_hostile_invalid_utf8(void) {
    static const char *cases[] = {
        "61ff", "6180", "62c328", "62c0af", "63e08080", "63eda080", "64f4908080", "64f8888080",
        "62e282", "7f61c361bcff", "a161ff00", "6c6162636465666768696a6bff",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) T_REJECTS(cases[i], "invalid UTF-8");
}

static void test_hostile_trailing_bytes(void) {
    T_REJECTS("0000", "trailing bytes");
    T_REJECTS("a0ff", "trailing bytes");
    T_REJECTS("8000", "trailing bytes");
}

static void test_hostile_reserved_and_indefinite_heads(void) {
    static const char *reserved[] = {"1c", "3d", "5e", "7c", "9d", "be", "dc", "fd", "fe"};
    for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++) T_REJECTS(reserved[i], "reserved");
    T_REJECTS("1f", "indefinite length not allowed");
    T_REJECTS("3f", "indefinite length not allowed");
    T_REJECTS("df00", "indefinite length not allowed");
}

static void test_hostile_empty_input(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    sw_value *v = NULL;
    T_EQ_INT(sw_cbor_decode(&a, NULL, 0, &v, err, sizeof err), -1);
    T_ASSERT(strstr(err, "truncated") != NULL);
    T_EQ_INT(sw_cbor_decode(&a, (const uint8_t *)"\xff", 1, &v, NULL, 0), -1);
    sw_arena_free(&a);
}

/* Every arena limit either decodes the whole body or fails cleanly with "too large". */
static void test_hostile_arena_limit_reached(void) {
    size_t n;
    uint8_t *p = unhex(put_metric_data_hex, &n);
    sw_arena a;
    sw_arena_init(&a, 64);
    sw_value *v = NULL;
    T_EQ_INT(sw_cbor_decode(&a, p, n, &v, err, sizeof err), -1);
    T_EQ_STR(err, "CBOR request too large");
    sw_arena_free(&a);
    int ok = 0;
    for (size_t limit = 16; limit <= 8192; limit += 16) {
        sw_arena_init(&a, limit);
        int rc = sw_cbor_decode(&a, p, n, &v, err, sizeof err);
        if (rc == 0) ok++;
        else if (strcmp(err, "CBOR request too large") != 0) T_FAIL_("limit %zu: %s", limit, err);
        T_ASSERT(a.used_total <= limit);
        sw_arena_free(&a);
    }
    T_ASSERT(ok > 0);
    sw_free(p);
    sw_arena_init(&a, 4096);
    T_ASSERT(dec(&a, "9a00010000") == NULL); /* array count fits no input: rejected before allocation */
    char *big = nested("00", 1000, "", "");
    char *h = sw_malloc(strlen(big) + 8);
    sprintf(h, "9903e8%s", big);
    T_ASSERT(dec(&a, h) == NULL);
    T_EQ_STR(err, "CBOR request too large");
    sw_free(h);
    sw_free(big);
    sw_arena_free(&a);
}

sw_test_case sw_tests[] = {
    {"rfc_integers", test_rfc_integers},
    {"rfc_integers_beyond_int64_become_doubles", test_rfc_integers_beyond_int64_become_doubles},
    {"rfc_floats", test_rfc_floats},
    {"rfc_float_infinities_and_nans", test_rfc_float_infinities_and_nans},
    {"rfc_simple_values", test_rfc_simple_values},
    {"rfc_strings", test_rfc_strings},
    {"rfc_arrays_and_maps", test_rfc_arrays_and_maps},
    {"rfc_indefinite_strings", test_rfc_indefinite_strings},
    {"rfc_indefinite_containers", test_rfc_indefinite_containers},
    {"rfc_epoch_time_tag", test_rfc_epoch_time_tag},
    {"rfc_other_tags_are_skipped", test_rfc_other_tags_are_skipped},
    {"bignum_and_decimal_tags_rejected", test_bignum_and_decimal_tags_rejected},
    {"encode_shortest_integer_heads", test_encode_shortest_integer_heads},
    {"encode_scalars", test_encode_scalars},
    {"round_trip_every_type", test_round_trip_every_type},
    {"put_metric_data_body", test_put_metric_data_body},
    {"hostile_truncated_at_every_offset", test_hostile_truncated_at_every_offset},
    {"hostile_huge_declared_lengths", test_hostile_huge_declared_lengths},
    {"hostile_nesting_100_deep", test_hostile_nesting_100_deep},
    {"hostile_long_tag_chain", test_hostile_long_tag_chain},
    {"hostile_non_string_map_keys", test_hostile_non_string_map_keys},
    {"hostile_break_outside_indefinite", test_hostile_break_outside_indefinite},
    {"hostile_bad_indefinite_string_chunks", test_hostile_bad_indefinite_string_chunks},
    {"hostile_invalid_utf8", test_hostile_invalid_utf8},
    {"hostile_trailing_bytes", test_hostile_trailing_bytes},
    {"hostile_reserved_and_indefinite_heads", test_hostile_reserved_and_indefinite_heads},
    {"hostile_empty_input", test_hostile_empty_input},
    {"hostile_arena_limit_reached", test_hostile_arena_limit_reached},
    {NULL, NULL},
};

#include "test_main.h"
