/* value.h -- the protocol-neutral value tree: every wire codec decodes into it and encodes from it. */
#ifndef SW_VALUE_H
#define SW_VALUE_H
#include "arena.h"
#include <stddef.h>
#include <stdint.h>

typedef enum {
    SW_V_NULL,
    SW_V_BOOL,
    SW_V_INT,    /* int64 */
    SW_V_DOUBLE,
    SW_V_STRING, /* UTF-8 bytes, NUL-terminated copy in the arena, len excludes NUL */
    SW_V_BLOB,   /* raw bytes */
    SW_V_TIME,   /* seconds since the epoch, fractional (millisecond precision on the wire) */
    SW_V_LIST,
    SW_V_MAP,    /* structures and maps alike: ordered key/value pairs */
    SW_V_RAW     /* JSON text, written as is by the JSON encoder (u.str): a large list built without a tree.
                    Only JSON-protocol services may answer with it; the other encoders write null. */
} sw_vtype;

typedef struct sw_value sw_value;
typedef struct sw_member { const char *key; size_t klen; sw_value *val; } sw_member;

struct sw_value {
    sw_vtype type;
    union {
        int b;
        int64_t i;
        double d;  /* SW_V_DOUBLE and SW_V_TIME */
        struct { const char *s; size_t len; } str; /* STRING, BLOB and RAW */
        struct { sw_value **items; size_t n, cap; } list;
        struct { sw_member *items; size_t n, cap; } map;
    } u;
};

/* Constructors allocate in the arena; they return NULL only when the arena's limit is reached. */
sw_value *sw_v_null(sw_arena *a);
sw_value *sw_v_bool(sw_arena *a, int b);
sw_value *sw_v_int(sw_arena *a, int64_t i);
sw_value *sw_v_double(sw_arena *a, double d);
sw_value *sw_v_time(sw_arena *a, double epoch_seconds);
sw_value *sw_v_string(sw_arena *a, const char *s, size_t len); /* copies */
sw_value *sw_v_cstr(sw_arena *a, const char *s);                /* copies */
sw_value *sw_v_blob(sw_arena *a, const void *p, size_t len);    /* copies */
sw_value *sw_v_raw(sw_arena *a, const char *json, size_t len);  /* copies; json must be one valid JSON value */
sw_value *sw_v_list(sw_arena *a);
sw_value *sw_v_map(sw_arena *a);

/* Appends; return 0 on success, -1 when the arena is exhausted. Keys are copied. */
int sw_v_list_push(sw_arena *a, sw_value *list, sw_value *item);
int sw_v_map_put(sw_arena *a, sw_value *map, const char *key, size_t klen, sw_value *val);
int sw_v_map_putc(sw_arena *a, sw_value *map, const char *key, sw_value *val);

/* Lookup of a member by name in a SW_V_MAP (last one wins); NULL if absent or not a map. */
sw_value *sw_v_get(const sw_value *map, const char *key);
sw_value *sw_v_getn(const sw_value *map, const char *key, size_t klen);
/* Convenience accessors: return the fallback when absent or of another type. */
const char *sw_v_get_str(const sw_value *map, const char *key, const char *fallback);
double sw_v_get_double(const sw_value *map, const char *key, double fallback);
int64_t sw_v_get_int(const sw_value *map, const char *key, int64_t fallback);

#endif
