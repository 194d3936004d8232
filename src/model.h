/* model.h -- AWS service models (botocore service-2.json): shapes, operations, and coercion of
 * decoded wire trees into typed, validated input trees. */
#ifndef SW_MODEL_H
#define SW_MODEL_H
#include "error.h"
#include "value.h"
#include <stddef.h>

typedef enum {
    SW_S_STRUCTURE, SW_S_LIST, SW_S_MAP, SW_S_STRING, SW_S_INTEGER, SW_S_LONG,
    SW_S_DOUBLE, SW_S_FLOAT, SW_S_BOOLEAN, SW_S_TIMESTAMP, SW_S_BLOB
} sw_shape_type;

typedef struct sw_shape sw_shape;
typedef struct sw_shape_member {
    const char *name;
    size_t name_len, location_len;
    const char *location_name; /* query/XML name; equals name unless the model says otherwise */
    sw_shape *shape;
} sw_shape_member;

struct sw_shape {
    const char *name;
    sw_shape_type type;
    sw_shape_member *members;  /* structure */
    size_t nmembers;
    const char **required;
    size_t nrequired;
    sw_shape *member;          /* list */
    sw_shape *key, *value;     /* map */
    const char *key_name, *value_name; /* map entry member names on the query wire: "key"/"value" unless locationName says (SNS: Name/Value) */
    int has_min, has_max;
    double min, max;           /* length for strings/lists/maps, range for numbers */
    const char **enums;
    size_t *enum_lens;
    size_t nenums;
    const char *pattern;       /* the model's regular expression, or NULL */
    void *regex;               /* compiled regex_t (whole-string match), NULL if absent or not POSIX-expressible */
    const char *error_code;    /* error trait: query code, or NULL if not an error shape */
    int error_status;
};

typedef struct sw_operation {
    const char *name;
    const sw_shape *input;     /* may be NULL */
    const sw_shape *output;    /* may be NULL */
    const char *result_wrapper;
} sw_operation;

typedef struct sw_model {
    const char *service_id, *api_version, *target_prefix, *xml_namespace, *signing_name, *json_version;
    sw_operation *ops;
    size_t nops;
    sw_shape *shapes;
    size_t nshapes;
    void *root;                /* the parsed JSON document owning every string above */
} sw_model;

/* Parses a trimmed service model. Returns NULL with a reason in err on malformed input. */
sw_model *sw_model_load(const char *json, size_t len, char *err, size_t errlen);
void sw_model_free(sw_model *m);
/* Lookups by exact name; NULL if absent. */
const sw_operation *sw_model_op(const sw_model *m, const char *name, size_t len);
const sw_shape *sw_model_shape(const sw_model *m, const char *name);
const sw_shape_member *sw_shape_find_member(const sw_shape *s, const char *name, size_t len);

/* Wire trees differ: query gives strings in a path tree ("member"/"entry" index maps), JSON gives
 * numbers for timestamps, CBOR gives tagged times. Coercion rewrites the tree in place into the
 * typed form the handlers read (lists as SW_V_LIST, numbers as SW_V_DOUBLE/SW_V_INT, times as
 * SW_V_TIME) and validates it against the shape: types, required members, lengths, ranges and
 * enums. Returns 0, or -1 with an AWS-shaped error (ValidationError / MissingParameter /
 * SerializationException) in err. */
typedef enum { SW_WIRE_QUERY, SW_WIRE_JSON, SW_WIRE_CBOR } sw_wire;
int sw_model_coerce(sw_arena *a, const sw_shape *shape, sw_value **v, sw_wire wire, sw_error *err);

/* The checks sw_model_coerce makes on a string or number of shape s, as predicates for decoders that
 * read a wire format straight into typed values: 1 when coercion would accept the value, 0 when it
 * would answer an error (the caller then lets the generic path build that error). str must be
 * NUL-terminated at len (regular expressions need it). Number: an integer shape's value must be
 * integral already; NaN passes only for double and float shapes. Can't fail. */
int sw_model_string_ok(const sw_shape *s, const char *str, size_t len);
/* sw_model_string_ok for a decoder that already knows str holds no NUL and counted its characters. */
int sw_model_text_ok(const sw_shape *s, const char *str, size_t len, size_t chars);
int sw_model_number_ok(const sw_shape *s, double x);

#endif
