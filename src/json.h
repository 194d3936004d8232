/* json.h -- JSON (RFC 8259) codec between wire bytes and the value tree, for the AWS JSON 1.0/1.1 protocols. */
#ifndef SW_JSON_H
#define SW_JSON_H
#include "arena.h"
#include "buf.h"
#include "value.h"
#include <stddef.h>
#include <stdint.h>

#define SW_JSON_MAX_DEPTH 64 /* deepest nesting of objects and arrays sw_json_decode accepts */

/* Parses one JSON text filling [p, p+n) (surrounding whitespace allowed) into a value tree in arena a.
 * Objects -> SW_V_MAP (member order kept, duplicate keys kept; sw_v_get returns the last),
 * arrays -> SW_V_LIST, strings -> SW_V_STRING (every escape decoded to UTF-8; raw control characters,
 * invalid UTF-8 and lone surrogates rejected), numbers -> SW_V_INT when written without fraction or
 * exponent and within int64, else SW_V_DOUBLE (correctly rounded; overflow to infinity is an error),
 * true/false -> SW_V_BOOL, null -> SW_V_NULL. Nesting is limited to SW_JSON_MAX_DEPTH.
 * Never reads outside [p, p+n). Returns 0 with *out set, or -1 with *out NULL and a short reason in err
 * (when errlen > 0), e.g. "unexpected character 'x' at offset 17", "request too large" when the arena's
 * limit is reached. On failure the arena may hold partial results; they die with the arena. */
int sw_json_decode(sw_arena *a, const char *p, size_t n, sw_value **out, char *err, size_t errlen);

/* One number token as sw_json_decode reads it. */
typedef struct sw_json_num {
    const char *end;  /* just past the token */
    int is_int;       /* written without fraction or exponent and within int64: i is set, else d */
    int64_t i;
    double d;
    const char *at;   /* on failure: where */
    const char *err;  /* on failure: a reason ("leading zero in number"), or NULL for an unexpected byte at `at` */
} sw_json_num;

/* Scans the RFC 8259 number starting at p (before end) exactly as sw_json_decode does, so a value read
 * here is bit-identical to the one in the tree. Returns 0 with out's end and value set, or -1 with
 * out->at and out->err set. Never reads outside [p, end). */
int sw_json_scan_number(const char *p, const char *end, sw_json_num *out);

/* The JSON string literal at p (p < end, *p == '"'), checked as sw_json_decode checks strings (UTF-8,
 * control characters, escapes) and decoded in one pass. Without escapes, *s points into [p, end) itself
 * (not NUL-terminated) and *dst is left alone; with them, the decoded text is written at *dst,
 * NUL-terminated, *s points at it and *dst moves past the NUL. *dst needs room for the literal's length
 * with its quotes (which its decoded text and NUL never exceed) plus 16 bytes: the copy stores 16 bytes at a
 * time and may write up to 15 past the NUL. Returns the byte after the closing quote, or NULL when the
 * literal is malformed. */
const char *sw_json_string_into(const char *p, const char *end, char **dst, const char **s, size_t *len);

/* Appends the JSON text of v: MAP -> object, LIST -> array, STRING -> string, BLOB -> base64 string,
 * TIME -> epoch seconds rounded to milliseconds, DOUBLE -> shortest round-trip number with NaN and
 * infinities as the strings "NaN", "Infinity", "-Infinity" (as the AWS JSON protocols send them),
 * INT, BOOL, NULL; a NULL pointer encodes as null. The output is always valid JSON. Can't fail. */
void sw_json_encode(sw_buf *b, const sw_value *v);

/* Appends s (n bytes) as a JSON string literal with quotes: '"' and '\\' escaped, control characters as
 * \u00XX, valid UTF-8 kept as is, each byte of invalid UTF-8 replaced by U+FFFD. Can't fail. */
void sw_json_put_string(sw_buf *b, const char *s, size_t n);

#endif
