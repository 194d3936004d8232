/* test_json.c -- JSON codec: every type, escapes, number edges, round trips, and hostile input. */
#include "test.h"
#include "alloc.h"
#include "json.h"
#include <stdint.h>

static sw_arena A;
static char ERR[128];

/* Decodes a C string with an unlimited arena (reset per call); NULL on error with ERR set. */
static sw_value *dec(const char *s) {
    sw_value *v;
    sw_arena_free(&A);
    sw_arena_init(&A, 0);
    ERR[0] = '\0';
    return sw_json_decode(&A, s, strlen(s), &v, ERR, sizeof ERR) == 0 ? v : NULL;
}

/* Decodes n bytes copied into an exact-size heap block, so ASan catches any read past n. */
static int dec_exact(const char *s, size_t n, size_t limit) {
    char *copy = sw_malloc(n ? n : 1);
    memcpy(copy, s, n);
    sw_arena a;
    sw_arena_init(&a, limit);
    sw_value *v;
    int rc = sw_json_decode(&a, copy, n, &v, ERR, sizeof ERR);
    sw_arena_free(&a);
    sw_free(copy);
    return rc;
}

/* Encodes v into a static buffer's text (valid until the next call). */
static const char *enc(const sw_value *v) {
    static sw_buf b;
    sw_buf_reset(&b);
    sw_json_encode(&b, v);
    return b.data;
}

#define T_REJECTS(s) do { T_ASSERT(dec(s) == NULL); T_ASSERT(ERR[0] != '\0'); } while (0)

static void test_scalars(void) {
    sw_value *v = dec("null");
    T_ASSERT(v && v->type == SW_V_NULL);
    v = dec("true");
    T_ASSERT(v && v->type == SW_V_BOOL && v->u.b == 1);
    v = dec("false");
    T_ASSERT(v && v->type == SW_V_BOOL && v->u.b == 0);
    v = dec("42");
    T_ASSERT(v && v->type == SW_V_INT);
    T_EQ_INT(v->u.i, 42);
    v = dec("-7");
    T_EQ_INT(v->u.i, -7);
    v = dec("\"hi\"");
    T_ASSERT(v && v->type == SW_V_STRING);
    T_EQ_STR(v->u.str.s, "hi");
    T_EQ_INT(v->u.str.len, 2);
    v = dec("\"\"");
    T_ASSERT(v && v->type == SW_V_STRING && v->u.str.len == 0 && v->u.str.s[0] == '\0');
    T_REJECTS("tru");
    T_REJECTS("nul");
    T_REJECTS("True");
    T_REJECTS("nulll");
}

static void test_containers(void) {
    sw_value *v = dec("{}");
    T_ASSERT(v && v->type == SW_V_MAP && v->u.map.n == 0);
    v = dec("[]");
    T_ASSERT(v && v->type == SW_V_LIST && v->u.list.n == 0);
    v = dec("[1,\"a\",null,[true],{\"k\":false}]");
    T_ASSERT(v && v->type == SW_V_LIST);
    T_EQ_INT(v->u.list.n, 5);
    T_EQ_INT(v->u.list.items[0]->u.i, 1);
    T_EQ_STR(v->u.list.items[1]->u.str.s, "a");
    T_EQ_INT(v->u.list.items[2]->type, SW_V_NULL);
    T_EQ_INT(v->u.list.items[3]->u.list.items[0]->u.b, 1);
    T_EQ_INT(sw_v_get(v->u.list.items[4], "k")->type, SW_V_BOOL);
    v = dec("{\"b\":1,\"a\":2}");
    T_EQ_STR(v->u.map.items[0].key, "b");
    T_EQ_STR(v->u.map.items[1].key, "a");
    T_REJECTS("[1,]");
    T_REJECTS("{\"a\":1,}");
    T_REJECTS("[1 2]");
    T_REJECTS("{\"a\" 1}");
    T_REJECTS("{a:1}");
    T_REJECTS("{\"a\":}");
    T_REJECTS("[,]");
}

static void test_duplicate_keys_kept_last_wins(void) {
    sw_value *v = dec("{\"a\":1,\"b\":2,\"a\":3}");
    T_ASSERT(v != NULL);
    T_EQ_INT(v->u.map.n, 3);
    T_EQ_INT(sw_v_get_int(v, "a", 0), 3);
    T_EQ_INT(v->u.map.items[0].val->u.i, 1);
}

static void test_whitespace(void) {
    sw_value *v = dec(" \t\r\n{ \"a\" :\n[ 1 , 2 ] ,\t\"b\" : { } } \n");
    T_ASSERT(v && v->type == SW_V_MAP);
    T_EQ_INT(sw_v_get(v, "a")->u.list.n, 2);
    T_REJECTS("");
    T_REJECTS("   ");
    T_REJECTS("\f1");      /* form feed is not JSON whitespace */
    T_REJECTS("\xC2\xA0" "1"); /* nor is NBSP */
}

static void test_escapes(void) {
    sw_value *v = dec("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"");
    T_ASSERT(v != NULL);
    T_EQ_STR(v->u.str.s, "\" \\ / \b \f \n \r \t");
    v = dec("\"caf\\u00e9\"");
    T_EQ_STR(v->u.str.s, "caf\xC3\xA9");
    v = dec("\"\\ud83d\\ude00!\"");
    T_EQ_STR(v->u.str.s, "\xF0\x9F\x98\x80!");
    T_EQ_INT(v->u.str.len, 5);
    v = dec("\"\\u20AC\\u0041\"");
    T_EQ_STR(v->u.str.s, "\xE2\x82\xAC" "A");
    v = dec("\"a\\u0000b\"");
    T_ASSERT(v && v->u.str.len == 3 && memcmp(v->u.str.s, "a\0b", 4) == 0);
    v = dec("\"raw \xC3\xA9 \xF0\x9F\x98\x80\"");
    T_EQ_STR(v->u.str.s, "raw \xC3\xA9 \xF0\x9F\x98\x80");
    T_REJECTS("\"\\x\"");
    T_REJECTS("\"\\u12\"");
    T_REJECTS("\"\\u12g4\"");
    T_REJECTS("\"\\'\"");
}

static void test_numbers(void) {
    sw_value *v = dec("-0");
    T_ASSERT(v && v->type == SW_V_INT && v->u.i == 0);
    v = dec("-0.0");
    T_ASSERT(v && v->type == SW_V_DOUBLE && v->u.d == 0 && signbit(v->u.d));
    v = dec("1e308");
    T_ASSERT(v && v->type == SW_V_DOUBLE && v->u.d == 1e308);
    T_REJECTS("1e309");
    T_REJECTS("-1e309");
    T_ASSERT(strstr(ERR, "out of range") != NULL);
    v = dec("9223372036854775807");
    T_ASSERT(v && v->type == SW_V_INT && v->u.i == INT64_MAX);
    v = dec("-9223372036854775808");
    T_ASSERT(v && v->type == SW_V_INT && v->u.i == INT64_MIN);
    v = dec("9223372036854775808");
    T_ASSERT(v && v->type == SW_V_DOUBLE && v->u.d == 9223372036854775808.0);
    v = dec("-9223372036854775809");
    T_ASSERT(v && v->type == SW_V_DOUBLE);
    v = dec("123456789012345678901234567890");
    T_ASSERT(v && v->type == SW_V_DOUBLE && v->u.d == 123456789012345678901234567890.0);
    v = dec("0.1");
    T_ASSERT(v && v->type == SW_V_DOUBLE && v->u.d == 0.1);
    v = dec("-1.5e-7");
    T_ASSERT(v && v->u.d == -1.5e-7);
    v = dec("1E+2");
    T_ASSERT(v && v->type == SW_V_DOUBLE && v->u.d == 100.0);
    v = dec("1e-400");
    T_ASSERT(v && v->type == SW_V_DOUBLE && v->u.d == 0.0);
    v = dec("2.2250738585072011e-308");
    T_ASSERT(v && v->u.d == strtod("2.2250738585072011e-308", NULL));
    v = dec("0.30000000000000004");
    T_ASSERT(v && v->u.d == 0.30000000000000004);
    v = dec("0.000000000000000000000000000001");
    T_ASSERT(v && v->u.d == 1e-30);
    v = dec("1700000000.5");
    T_ASSERT(v && v->u.d == 1700000000.5);
    T_REJECTS("01");
    T_REJECTS("-01");
    T_REJECTS("1.");
    T_REJECTS(".5");
    T_REJECTS("-");
    T_REJECTS("+1");
    T_REJECTS("1e");
    T_REJECTS("1e+");
    T_REJECTS("0x10");
    T_REJECTS("NaN");
    T_REJECTS("Infinity");
    T_REJECTS("-Infinity");
}

/* The fast path (15 digits, |exponent| <= 22) and strtod must agree on every double we can write. */
static void test_numbers_match_strtod(void) {
    static const char *cases[] = {
        "1.25", "3.14159", "123456.789e3", "9007199254740993.0", "9007199254740992e-3",
        "1e22", "1e23", "1e-22", "1e-23", "0.1e1", "4.35", "8.589973e9", "0.000123456789012345",
        "2.5e-324", "1.7976931348623157e308", "123456789012345.6", "-5e-324", NULL,
    };
    for (int i = 0; cases[i]; i++) {
        sw_value *v = dec(cases[i]);
        T_ASSERT(v && v->type == SW_V_DOUBLE);
        if (v) T_EQ_DBL(v->u.d, strtod(cases[i], NULL), 0);
    }
}

static void test_errors_name_the_offset(void) {
    T_REJECTS("{\"a\":1 x}");
    T_EQ_STR(ERR, "unexpected character 'x' at offset 7");
    T_REJECTS("[\"abc");
    T_EQ_STR(ERR, "unterminated string at offset 1");
    T_REJECTS("[1,");
    T_EQ_STR(ERR, "unexpected end of input at offset 3");
}

static void test_putmetricdata_as_botocore_sends_it(void) {
    sw_value *v = dec("{\"Namespace\":\"App\",\"MetricData\":[{\"MetricName\":\"Latency\","
                      "\"Dimensions\":[{\"Name\":\"Host\",\"Value\":\"a\"}],\"Timestamp\":1700000000.5,"
                      "\"Value\":1.25,\"Unit\":\"Milliseconds\"}]}");
    T_ASSERT(v != NULL);
    T_EQ_STR(sw_v_get_str(v, "Namespace", NULL), "App");
    sw_value *md = sw_v_get(v, "MetricData");
    T_ASSERT(md && md->type == SW_V_LIST && md->u.list.n == 1);
    sw_value *d = md->u.list.items[0];
    T_EQ_STR(sw_v_get_str(d, "MetricName", NULL), "Latency");
    T_EQ_DBL(sw_v_get_double(d, "Timestamp", 0), 1700000000.5, 0);
    T_EQ_DBL(sw_v_get_double(d, "Value", 0), 1.25, 0);
    T_EQ_STR(sw_v_get_str(d, "Unit", NULL), "Milliseconds");
    sw_value *dim = sw_v_get(d, "Dimensions")->u.list.items[0];
    T_EQ_STR(sw_v_get_str(dim, "Name", NULL), "Host");
    T_EQ_STR(sw_v_get_str(dim, "Value", NULL), "a");
}

static void test_encode_types(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    sw_value *m = sw_v_map(&a);
    sw_v_map_putc(&a, m, "n", sw_v_null(&a));
    sw_v_map_putc(&a, m, "t", sw_v_bool(&a, 1));
    sw_v_map_putc(&a, m, "i", sw_v_int(&a, INT64_MIN));
    sw_v_map_putc(&a, m, "d", sw_v_double(&a, 0.1));
    sw_v_map_putc(&a, m, "s", sw_v_cstr(&a, "q\"b\\c\x01\n\xC3\xA9"));
    sw_v_map_putc(&a, m, "l", sw_v_list(&a));
    T_EQ_STR(enc(m), "{\"n\":null,\"t\":true,\"i\":-9223372036854775808,\"d\":0.1,"
                     "\"s\":\"q\\\"b\\\\c\\u0001\\u000a\xC3\xA9\",\"l\":[]}");
    T_EQ_STR(enc(sw_v_double(&a, NAN)), "\"NaN\"");
    T_EQ_STR(enc(sw_v_double(&a, INFINITY)), "\"Infinity\"");
    T_EQ_STR(enc(sw_v_double(&a, -INFINITY)), "\"-Infinity\"");
    T_EQ_STR(enc(sw_v_double(&a, -0.0)), "-0.0");
    T_EQ_STR(enc(sw_v_double(&a, 1e300)), "1e+300");
    T_EQ_STR(enc(sw_v_double(&a, -1.5e-7)), "-1.5e-07");
    T_EQ_STR(enc(sw_v_time(&a, 1700000000.123)), "1700000000.123");
    T_EQ_STR(enc(sw_v_time(&a, 1700000000.0)), "1700000000");
    T_EQ_STR(enc(sw_v_time(&a, 1700000000.1234)), "1700000000.123");
    T_EQ_STR(enc(sw_v_blob(&a, "", 0)), "\"\"");
    T_EQ_STR(enc(sw_v_blob(&a, "f", 1)), "\"Zg==\"");
    T_EQ_STR(enc(sw_v_blob(&a, "fo", 2)), "\"Zm8=\"");
    T_EQ_STR(enc(sw_v_blob(&a, "foobar", 6)), "\"Zm9vYmFy\"");
    T_EQ_STR(enc(sw_v_blob(&a, "\xff\xfe", 2)), "\"//4=\"");
    T_EQ_STR(enc(NULL), "null");
    sw_value *r = sw_v_map(&a);  /* pre-encoded JSON goes out as is, wherever it sits */
    sw_v_map_putc(&a, r, "events", sw_v_raw(&a, "[{\"a\":1},{\"b\":\"x\"}]", 19));
    sw_v_map_putc(&a, r, "n", sw_v_int(&a, 7));
    T_EQ_STR(enc(r), "{\"events\":[{\"a\":1},{\"b\":\"x\"}],\"n\":7}");
    sw_arena_free(&a);
}

static void test_put_string_replaces_invalid_utf8(void) {
    sw_buf b;
    sw_buf_init(&b);
    sw_json_put_string(&b, "a\xFF" "b\xC3", 4);
    T_EQ_STR(b.data, "\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD\"");
    sw_buf_free(&b);
}

/* Decode, encode, decode again, encode again: the two texts must be identical. */
static void test_round_trips(void) {
    static const char *docs[] = {
        "{\"a\":[1,-2,3.5,-0.0,1e+300,true,false,null,\"x\\u0001\\\"\"],\"b\":{}}",
        "[\"caf\xC3\xA9 \xF0\x9F\x98\x80\",\"\\u0000\",0.1,1.7976931348623157e+308,5e-324]",
        "{\"dup\":1,\"dup\":2}",
        "9223372036854775807",
        NULL,
    };
    for (int i = 0; docs[i]; i++) {
        sw_value *v = dec(docs[i]);
        T_ASSERT(v != NULL);
        if (!v) continue;
        char *first = sw_strdup(enc(v));
        v = dec(first);
        T_ASSERT(v != NULL);
        if (v) T_EQ_STR(enc(v), first);
        sw_free(first);
    }
    sw_value *v = dec("[0.1,1.7976931348623157e+308,5e-324,-1.5e-7]");
    v = dec(enc(v));
    T_ASSERT(v && v->u.list.items[0]->u.d == 0.1 && v->u.list.items[1]->u.d == 1.7976931348623157e+308);
    T_ASSERT(v && v->u.list.items[2]->u.d == 5e-324 && v->u.list.items[3]->u.d == -1.5e-7);
}

static void test_hostile_truncated_at_every_offset(void) {
    const char *doc = "{\"Namespace\":\"App\",\"MetricData\":[{\"MetricName\":\"L\\u00e9\\ud83d\\ude00\","
                      "\"Values\":[1,-2.5e3,true,false,null],\"Timestamp\":1700000000.5}]}";
    size_t n = strlen(doc);
    T_EQ_INT(dec_exact(doc, n, 0), 0);
    for (size_t i = 0; i < n; i++) {
        int rc = dec_exact(doc, i, 0);
        if (rc != -1) T_FAIL_("prefix of %zu bytes accepted", i);
    }
    sw_test_checks++;
}

static void test_hostile_nesting_1000_deep(void) {
    char doc[2001];
    memset(doc, '[', 1000);
    memset(doc + 1000, ']', 1000);
    doc[2000] = '\0';
    T_REJECTS(doc);
    T_EQ_STR(ERR, "nesting deeper than 64");
    for (int i = 0; i < 1000; i++) doc[i] = i % 2 ? '{' : '[';
    T_REJECTS(doc);
    char ok[129];
    memset(ok, '[', 64);
    memset(ok + 64, ']', 64);
    ok[128] = '\0';
    T_ASSERT(dec(ok) != NULL);
    char deep[131];
    memset(deep, '[', 65);
    memset(deep + 65, ']', 65);
    deep[130] = '\0';
    T_REJECTS(deep);
}

static void test_hostile_nul_bytes(void) {
    T_EQ_INT(dec_exact("\"a\0b\"", 5, 0), -1);
    T_ASSERT(strstr(ERR, "control character") != NULL);
    T_EQ_INT(dec_exact("[1,\0 2]", 7, 0), -1);
    T_EQ_INT(dec_exact("{}\0", 3, 0), -1);
    T_EQ_INT(dec_exact("\0{}", 3, 0), -1);
    T_EQ_INT(dec_exact("\"\t\"", 3, 0), -1);
}

static void test_hostile_invalid_utf8(void) {
    static const char *bad[] = {
        "\"\x80\"", "\"\xC0\xAF\"", "\"\xC3\"", "\"\xC3(\"", "\"\xE0\x80\xAF\"", "\"\xED\xA0\x80\"",
        "\"\xF4\x90\x80\x80\"", "\"\xF5\x80\x80\x80\"", "\"\xFF\"", "\"\xF0\x9F\x98\"", NULL,
    };
    for (int i = 0; bad[i]; i++) T_REJECTS(bad[i]);
    T_ASSERT(strstr(ERR, "invalid UTF-8") != NULL);
    T_REJECTS("{\"\xFF\":1}");
    T_REJECTS("\xC3\xA9");
}

static void test_hostile_lone_surrogates(void) {
    T_REJECTS("\"\\ud83d\"");
    T_ASSERT(strstr(ERR, "lone surrogate") != NULL);
    T_REJECTS("\"\\ude00\"");
    T_REJECTS("\"\\ud83dx\"");
    T_REJECTS("\"\\ud83d\\u0041\"");
    T_REJECTS("\"\\ud83d\\ud83d\"");
    T_REJECTS("\"\\ud83d\\u");
    T_REJECTS("\"\\ud83d\\n\"");
}

static void test_hostile_trailing_garbage(void) {
    T_REJECTS("{}x");
    T_REJECTS("{} {}");
    T_REJECTS("1 2");
    T_REJECTS("\"a\"\"b\"");
    T_REJECTS("[1]]");
    T_REJECTS("truex");
    T_REJECTS("12a");
}

static void test_hostile_10mb_string_with_1mb_arena(void) {
    size_t n = 10 * 1024 * 1024;
    char *doc = sw_malloc(n + 2);
    doc[0] = '"';
    memset(doc + 1, 'x', n);
    doc[n + 1] = '"';
    T_EQ_INT(dec_exact(doc, n + 2, 1024 * 1024), -1);
    T_EQ_STR(ERR, "request too large");
    sw_free(doc);
}

/* Many small values fill the limit too, at whatever allocation the limit falls on. */
static void test_hostile_arena_limit_every_size(void) {
    const char *doc = "{\"a\":[1,2.5,\"s\\n\",true,null,{\"k\":[]}],\"b\":\"x\"}";
    int ok_seen = 0;
    for (size_t limit = 16; limit < 2048; limit += 16) {
        int rc = dec_exact(doc, strlen(doc), limit);
        if (rc == 0) ok_seen = 1;
        else if (ok_seen || strcmp(ERR, "request too large") != 0) T_FAIL_("limit %zu: rc %d err %s", limit, rc, ERR);
    }
    T_ASSERT(ok_seen);
}

static void test_many_children_outgrow_the_inline_stack(void) {
    sw_buf b;
    sw_buf_init(&b);
    sw_buf_puts(&b, "{\"l\":[");
    for (int i = 0; i < 5000; i++) sw_buf_printf(&b, "%s{\"k%d\":%d}", i ? "," : "", i, i);
    sw_buf_puts(&b, "]}");
    sw_value *v = dec(b.data);
    T_ASSERT(v != NULL);
    sw_value *l = sw_v_get(v, "l");
    T_EQ_INT(l->u.list.n, 5000);
    T_EQ_INT(sw_v_get_int(l->u.list.items[4321], "k4321", -1), 4321);
    sw_buf_free(&b);
}

static void test_null_err_buffer_allowed(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    sw_value *v;
    T_EQ_INT(sw_json_decode(&a, "[x", 2, &v, NULL, 0), -1);
    T_ASSERT(v == NULL);
    sw_arena_free(&a);
}

/* sw_json_string_into: one pass; text without escapes stays in the input, text with escapes is decoded
 * into the caller's buffer (NUL-terminated, within the literal's length), and what sw_json_decode refuses
 * is refused here too. */
static void test_string_into(void) {
    static const struct { const char *lit, *want; int in_place; } ok[] = {
        {"\"plain text\"", "plain text", 1},
        {"\"\"", "", 1},
        {"\"caf\xc3\xa9\"", "caf\xc3\xa9", 1},
        {"\"say \\\"hi\\\"\"", "say \"hi\"", 0},
        {"\"\\\\\\/\\b\\f\\n\\r\\t\"", "\\/\b\f\n\r\t", 0},
        {"\"\\u00e9\\u20ac\"", "\xc3\xa9\xe2\x82\xac", 0},
        {"\"x\\ud83d\\ude00y\"", "x\xf0\x9f\x98\x80y", 0},
        {"\"{\\\"level\\\":\\\"ERROR\\\"}\"", "{\"level\":\"ERROR\"}", 0},
        /* runs of 16 bytes and more after an escape (copied 16 at a time), and UTF-8 among them */
        {"\"a\\tthirty-two bytes of plain text to copy, caf\xc3\xa9 \xe2\x82\xac, then\\nmore than sixteen bytes again\"",
         "a\tthirty-two bytes of plain text to copy, caf\xc3\xa9 \xe2\x82\xac, then\nmore than sixteen bytes again", 0},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const char *lit = ok[i].lit, *end = lit + strlen(lit), *s = NULL;
        char buf[256], *dst = buf;
        size_t len = 0;
        memset(buf, 'Z', sizeof buf);
        const char *next = sw_json_string_into(lit, end, &dst, &s, &len);
        T_ASSERT(next == end);
        T_EQ_INT(len, strlen(ok[i].want));
        T_ASSERT(memcmp(s, ok[i].want, len) == 0);
        if (ok[i].in_place) {
            T_ASSERT(s == lit + 1 && dst == buf);
        } else {
            T_ASSERT(s == buf && s[len] == '\0' && dst == buf + len + 1);
            T_ASSERT((size_t)(dst - buf) <= strlen(lit)); /* the room the caller gives is enough */
        }
        /* what follows the literal is left to the caller */
        char two[256];
        snprintf(two, sizeof two, "%s,\"next\"", lit);
        dst = buf;
        T_ASSERT(sw_json_string_into(two, two + strlen(two), &dst, &s, &len) == two + strlen(lit));
    }
    static const char *bad[] = {
        "\"unterminated", "\"ends in a backslash\\", "\"bad \\x escape\"", "\"ctl \x01 char\"", "\"tab\tinside\"",
        "\"\\ud83d alone\"", "\"\\ude00 low\"", "\"\\u12g4\"", "\"\\u12\"", "\"bad \xc3\x28 utf8\"", "\"\xff\"", "no quote",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[64], *dst = buf;
        const char *s;
        size_t len;
        T_ASSERT(sw_json_string_into(bad[i], bad[i] + strlen(bad[i]), &dst, &s, &len) == NULL);
        sw_arena a;
        sw_arena_init(&a, 0);
        sw_value *v;
        char msg[128];
        T_ASSERT(sw_json_decode(&a, bad[i], strlen(bad[i]), &v, msg, sizeof msg) != 0); /* the generic decoder agrees */
        sw_arena_free(&a);
    }
}

sw_test_case sw_tests[] = {
    {"scalars", test_scalars},
    {"containers", test_containers},
    {"duplicate_keys_kept_last_wins", test_duplicate_keys_kept_last_wins},
    {"whitespace", test_whitespace},
    {"escapes", test_escapes},
    {"numbers", test_numbers},
    {"numbers_match_strtod", test_numbers_match_strtod},
    {"errors_name_the_offset", test_errors_name_the_offset},
    {"putmetricdata_as_botocore_sends_it", test_putmetricdata_as_botocore_sends_it},
    {"encode_types", test_encode_types},
    {"put_string_replaces_invalid_utf8", test_put_string_replaces_invalid_utf8},
    {"round_trips", test_round_trips},
    {"hostile_truncated_at_every_offset", test_hostile_truncated_at_every_offset},
    {"hostile_nesting_1000_deep", test_hostile_nesting_1000_deep},
    {"hostile_nul_bytes", test_hostile_nul_bytes},
    {"hostile_invalid_utf8", test_hostile_invalid_utf8},
    {"hostile_lone_surrogates", test_hostile_lone_surrogates},
    {"hostile_trailing_garbage", test_hostile_trailing_garbage},
    {"hostile_10mb_string_with_1mb_arena", test_hostile_10mb_string_with_1mb_arena},
    {"hostile_arena_limit_every_size", test_hostile_arena_limit_every_size},
    {"many_children_outgrow_the_inline_stack", test_many_children_outgrow_the_inline_stack},
    {"null_err_buffer_allowed", test_null_err_buffer_allowed},
    {"string_into", test_string_into},
    {NULL, NULL},
};

#include "test_main.h"
