/* ple.h -- PutLogEvents decoded in one pass from an AWS JSON 1.1 body (ple_json.c). */
#ifndef SW_PLE_H
#define SW_PLE_H
#include "arena.h"
#include "logstore.h"
#include "model.h"
#include <stddef.h>

typedef struct sw_ple {
    const char *group, *stream; /* NUL-terminated, in the arena */
    sw_log_event *ev;           /* messages point into the body or the arena: valid for the request */
    size_t n;
} sw_ple;

/* Decodes body as sw_json_decode + sw_model_coerce would against the operation's input shape, accepting
 * only what that path accepts. Returns 0 when decoded, 1 when declined (out is then unspecified): the
 * caller then takes the generic path, which answers whatever error the body deserves. */
int sw_ple_json_decode(sw_arena *a, const sw_shape *input, const char *body, size_t len, sw_ple *out);

#endif
