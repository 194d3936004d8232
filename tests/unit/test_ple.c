/* test_ple.c -- the one-pass PutLogEvents decoder (ple_json.c): what the SDKs send is taken on the fast
 * path (messages without escapes are not copied), and everything the generic path must judge is declined. */
#include "test.h"
#include "json.h"
#include "model.h"
#include "ple.h"

extern const char sw_model_logs[], sw_model_logs_end[];

static sw_model *M;
static void free_model(void) { sw_model_free(M); }

static const sw_shape *input(void) {
    static const sw_shape *shape;
    if (!shape) {
        char err[256];
        atexit(free_model);
        M = sw_model_load(sw_model_logs, (size_t)(sw_model_logs_end - sw_model_logs), err, sizeof err);
        const sw_operation *op = M ? sw_model_op(M, "PutLogEvents", 12) : NULL;
        shape = op ? op->input : NULL;
    }
    return shape;
}

static sw_arena A;
static sw_ple P;

/* 0 when the fast path takes body, 1 when it declines. */
static int dec(const char *body) {
    sw_arena_free(&A);
    sw_arena_init(&A, 0);
    return sw_ple_json_decode(&A, input(), body, strlen(body), &P);
}

static void test_botocore_shape(void) {
    const char *body = "{\"logGroupName\": \"/ecs/api\", \"logStreamName\": \"web/1\", \"logEvents\": "
                       "[{\"timestamp\": 1700000000000, \"message\": \"ERROR boom\"}, "
                       "{\"timestamp\": 1700000000001, \"message\": \"{\\\"level\\\":\\\"ERROR\\\"}\\n\\u00e9\\ud83d\\ude00\"}]}";
    T_EQ_INT(dec(body), 0);
    T_EQ_STR(P.group, "/ecs/api");
    T_EQ_STR(P.stream, "web/1");
    T_EQ_INT(P.n, 2);
    T_EQ_INT(P.ev[0].timestamp_ms, 1700000000000LL);
    T_EQ_INT(P.ev[0].len, 10);
    T_ASSERT(memcmp(P.ev[0].message, "ERROR boom", 10) == 0);
    T_ASSERT(P.ev[0].message > body && P.ev[0].message < body + strlen(body)); /* not copied */
    const char *want = "{\"level\":\"ERROR\"}\n\xC3\xA9\xF0\x9F\x98\x80";
    T_EQ_INT(P.ev[1].len, strlen(want));
    T_ASSERT(memcmp(P.ev[1].message, want, strlen(want)) == 0);
}

static void test_any_member_order_and_sequence_token(void) {
    T_EQ_INT(dec("{\"logEvents\":[{\"message\":\"x\",\"timestamp\":0}],\"sequenceToken\":\"4959\","
                 "\"logStreamName\":\"s\",\"logGroupName\":\"g\"}"), 0);
    T_EQ_INT(P.n, 1);
    T_EQ_INT(P.ev[0].timestamp_ms, 0);
    T_EQ_STR(P.group, "g");
}

static void test_many_events_grow_the_array(void) {
    static char body[1 << 20];
    size_t off = (size_t)snprintf(body, sizeof body, "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[");
    for (int i = 0; i < 5000; i++)
        off += (size_t)snprintf(body + off, sizeof body - off, "%s{\"timestamp\":%d,\"message\":\"event %d\"}", i ? "," : "", i, i);
    snprintf(body + off, sizeof body - off, "]}");
    T_EQ_INT(dec(body), 0);
    T_EQ_INT(P.n, 5000);
    T_EQ_INT(P.ev[4999].timestamp_ms, 4999);
    T_ASSERT(P.ev[4999].len == 10 && memcmp(P.ev[4999].message, "event 4999", 10) == 0);
}

/* Each of these is for the generic path to accept or refuse with AWS's message, never the fast path. */
static void test_declines(void) {
    const char *cases[] = {
        "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1.5e3,\"message\":\"x\"}]}",
        "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":-1,\"message\":\"x\"}]}",
        "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":\"1\",\"message\":\"x\"}]}",
        "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1,\"message\":\"\"}]}",
        "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1,\"message\":\"a\\u0000b\"}]}",
        "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1}]}",
        "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1,\"message\":\"x\",\"extra\":1}]}",
        "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1,\"timestamp\":2,\"message\":\"x\"}]}",
        "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[]}",
        "{\"logGroupName\":\"bad name\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1,\"message\":\"x\"}]}",
        "{\"logGroupName\":\"g\",\"logStreamName\":\"a:b\",\"logEvents\":[{\"timestamp\":1,\"message\":\"x\"}]}",
        "{\"logGroupName\":\"g\",\"logStreamName\":\"s\"}",
        "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1,\"message\":\"x\"}],\"entity\":{}}",
        "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1,\"message\":\"x\"}]} x",
        "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1,\"message\":\"x\"}],}",
        "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1,\"message\":\"\\x\"}]}",
        "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1,\"message\":\"\xff\"}]}",
        "{\"logGroupName\":\"g\",\"logGroupName\":\"h\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1,\"message\":\"x\"}]}",
        "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1,\"message\":\"x\"}",
        "",
        "{}",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = dec(cases[i]);
        if (rc != 1) fprintf(stderr, "  case %zu taken: %s\n", i, cases[i]);
        T_EQ_INT(rc, 1);
    }
}

/* Every prefix of a valid body is declined, and reading it stays inside the bytes given (ASan). */
static void test_truncated_at_every_offset(void) {
    const char *body = "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1,\"message\":\"a\\\"b\\u00e9\"}]}";
    size_t n = strlen(body);
    for (size_t k = 0; k < n; k++) {
        char *copy = malloc(k ? k : 1);
        memcpy(copy, body, k);
        sw_arena a;
        sw_arena_init(&a, 0);
        sw_ple p;
        T_EQ_INT(sw_ple_json_decode(&a, input(), copy, k, &p), 1);
        sw_arena_free(&a);
        free(copy);
    }
    T_EQ_INT(dec(body), 0);
    sw_arena_free(&A);
}

sw_test_case sw_tests[] = {
    {"botocore_shape", test_botocore_shape},
    {"any_member_order_and_sequence_token", test_any_member_order_and_sequence_token},
    {"many_events_grow_the_array", test_many_events_grow_the_array},
    {"declines", test_declines},
    {"truncated_at_every_offset", test_truncated_at_every_offset},
    {NULL, NULL},
};

#include "test_main.h"
