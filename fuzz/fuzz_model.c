/* fuzz_model.c -- libFuzzer target: decoded wire trees (JSON, CBOR, query form) coerced against the
 * CloudWatch input shapes must validate or fail with an AWS-shaped error, never crash. */
#include "buf.h"
#include "cbor.h"
#include "form.h"
#include "json.h"
#include "model.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ARENA_LIMIT (4u << 20)

extern const char sw_model_cloudwatch[], sw_model_cloudwatch_end[];

/* The operations skywatch implements; their input shapes are what the handlers trust. */
static const char *const implemented[] = {"PutMetricData", "GetMetricData", "GetMetricStatistics", "ListMetrics"};
#define NIMPLEMENTED (sizeof implemented / sizeof implemented[0])

static const sw_model *model(void) {
    static sw_model *m;
    if (!m) {
        char err[256];
        m = sw_model_load(sw_model_cloudwatch, (size_t)(sw_model_cloudwatch_end - sw_model_cloudwatch), err, sizeof err);
        if (!m) { fprintf(stderr, "embedded model: %s\n", err); abort(); }
    }
    return m;
}

typedef int (*decode_fn)(sw_arena *a, const uint8_t *p, size_t n, sw_value **out);

static int decode_json(sw_arena *a, const uint8_t *p, size_t n, sw_value **out) {
    char err[128];
    return sw_json_decode(a, (const char *)p, n, out, err, sizeof err);
}

static int decode_cbor(sw_arena *a, const uint8_t *p, size_t n, sw_value **out) {
    char err[128];
    return sw_cbor_decode(a, p, n, out, err, sizeof err);
}

static int decode_form(sw_arena *a, const uint8_t *p, size_t n, sw_value **out) {
    char err[128];
    return sw_form_decode(a, (const char *)p, n, out, err, sizeof err);
}

/* Coercion rewrites the tree in place, so every shape gets a freshly decoded tree. A success leaves
 * a tree every encoder accepts; a failure carries a status, a code and a message. */
static void coerce(decode_fn decode, sw_wire wire, const sw_shape *shape, const uint8_t *data, size_t size) {
    sw_arena a;
    sw_value *tree = NULL;
    sw_arena_init(&a, FUZZ_ARENA_LIMIT);
    if (decode(&a, data, size, &tree) == 0) {
        sw_error err = {0};
        if (sw_model_coerce(&a, shape, &tree, wire, &err) == 0) {
            if (!tree || err.status != 0) abort();
            sw_buf out;
            sw_buf_init(&out);
            sw_json_encode(&out, tree);
            sw_buf_reset(&out);
            sw_cbor_encode(&out, tree);
            sw_buf_free(&out);
        } else if (err.status < 400 || !err.code || err.message[0] == '\0') {
            abort();
        }
    }
    sw_arena_free(&a);
}

/* Every input runs against the four implemented input shapes in each wire flavour, plus one other
 * operation of the model (picked by the input's length) so the rest of the shapes get coverage too. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const sw_model *m = model();
    const sw_shape *shapes[NIMPLEMENTED + 1];
    for (size_t i = 0; i < NIMPLEMENTED; i++) {
        const sw_operation *op = sw_model_op(m, implemented[i], strlen(implemented[i]));
        if (!op || !op->input) abort();
        shapes[i] = op->input;
    }
    shapes[NIMPLEMENTED] = m->nops ? m->ops[size % m->nops].input : NULL;
    for (size_t i = 0; i <= NIMPLEMENTED; i++) {
        coerce(decode_json, SW_WIRE_JSON, shapes[i], data, size);
        coerce(decode_form, SW_WIRE_QUERY, shapes[i], data, size);
        coerce(decode_cbor, SW_WIRE_CBOR, shapes[i], data, size);
    }
    return 0;
}
