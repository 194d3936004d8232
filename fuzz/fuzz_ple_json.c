/* fuzz_ple_json.c -- libFuzzer target, differential: the one-pass PutLogEvents decoder (ple_json.c) must
 * accept only bodies that sw_json_decode + sw_model_coerce accept (Logs model), and read exactly the group,
 * stream and events the generic path reads from that tree. */
#include "json.h"
#include "model.h"
#include "ple.h"
#include "value.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ARENA_LIMIT (4u << 20)

extern const char sw_model_logs[], sw_model_logs_end[];

static const sw_shape *input_shape(void) {
    static sw_model *m; /* kept for the process's life */
    static const sw_shape *shape;
    if (!shape) {
        char err[256];
        m = sw_model_load(sw_model_logs, (size_t)(sw_model_logs_end - sw_model_logs), err, sizeof err);
        if (!m) { fprintf(stderr, "embedded model: %s\n", err); abort(); }
        const sw_operation *op = sw_model_op(m, "PutLogEvents", 12);
        if (!op || !op->input) abort();
        shape = op->input;
    }
    return shape;
}

static void differ(const char *what, size_t event) {
    fprintf(stderr, "one-pass and generic PutLogEvents decoders differ: %s (event %zu)\n", what, event);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const sw_shape *shape = input_shape();
    sw_arena fa, ga;
    sw_arena_init(&fa, FUZZ_ARENA_LIMIT);
    sw_arena_init(&ga, FUZZ_ARENA_LIMIT);
    sw_ple fast;
    if (sw_ple_json_decode(&fa, shape, (const char *)data, size, &fast) == 0) {
        char msg[128];
        sw_value *tree = NULL;
        sw_error err = {0};
        if (sw_json_decode(&ga, (const char *)data, size, &tree, msg, sizeof msg)) differ("generic JSON decode failed", 0);
        if (sw_model_coerce(&ga, shape, &tree, SW_WIRE_JSON, &err)) differ(err.message, 0);
        if (strcmp(fast.group, sw_v_get_str(tree, "logGroupName", "")) != 0) differ("logGroupName", 0);
        if (strcmp(fast.stream, sw_v_get_str(tree, "logStreamName", "")) != 0) differ("logStreamName", 0);
        const sw_value *events = sw_v_get(tree, "logEvents");
        if (!events || events->u.list.n != fast.n) differ("event count", 0);
        for (size_t i = 0; i < fast.n; i++) {
            const sw_value *e = events->u.list.items[i], *m = sw_v_get(e, "message");
            if (sw_v_get_int(e, "timestamp", -1) != fast.ev[i].timestamp_ms) differ("timestamp", i);
            if (!m || m->u.str.len != fast.ev[i].len || memcmp(m->u.str.s, fast.ev[i].message, fast.ev[i].len) != 0)
                differ("message", i);
        }
    }
    sw_arena_free(&fa);
    sw_arena_free(&ga);
    return 0;
}
