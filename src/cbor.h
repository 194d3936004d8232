/* cbor.h -- CBOR (RFC 8949) codec between request/response bodies and the value tree, for Smithy RPC v2 CBOR. */
#ifndef SW_CBOR_H
#define SW_CBOR_H
#include "arena.h"
#include "buf.h"
#include "value.h"
#include <stddef.h>
#include <stdint.h>

/* Containers (arrays, maps) may nest at most this deep; deeper input is rejected. */
#define SW_CBOR_MAX_DEPTH 64

/* Decodes exactly one CBOR data item that must fill [p, p+n) into a value tree in arena a.
 * Returns 0 and sets *out, or -1 with a short human-readable reason in err (always NUL-terminated
 * when errlen > 0; err may be NULL); on failure *out is untouched and partial results stay in the
 * arena until it is freed. Never reads outside [p, p+n) and does work linear in n; every
 * allocation is bounded by n and by the arena's limit, whose exhaustion is reported as an error.
 * An empty input (n == 0) is an error: the caller decides what an empty body means.
 * Map members keep wire order, duplicate keys included (sw_v_get finds the last).
 * Type mapping: ints -> SW_V_INT, or SW_V_DOUBLE when outside int64; byte strings -> SW_V_BLOB;
 * text strings (UTF-8 checked) -> SW_V_STRING; arrays -> SW_V_LIST; maps with text keys -> SW_V_MAP;
 * tag 1 over a number -> SW_V_TIME; tags 2-4 (bignums, decimal fraction) are rejected, others skipped;
 * false/true -> SW_V_BOOL; null/undefined -> SW_V_NULL; half/single/double floats -> SW_V_DOUBLE. */
int sw_cbor_decode(sw_arena *a, const uint8_t *p, size_t n, sw_value **out, char *err, size_t errlen);

/* Appends the CBOR encoding of v to b: definite lengths, shortest heads, every float as float64,
 * SW_V_TIME as tag 1 over a float64 rounded to milliseconds. Can't fail (sw_buf aborts on OOM). */
void sw_cbor_encode(sw_buf *b, const sw_value *v);

#endif
