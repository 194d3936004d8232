/* value.c -- constructors and accessors of the protocol-neutral value tree. */
#include "value.h"
#include <string.h>

static sw_value *sw_v_new(sw_arena *a, sw_vtype t) {
    sw_value *v = sw_arena_alloc(a, sizeof *v);
    if (v) v->type = t;
    return v;
}

sw_value *sw_v_null(sw_arena *a) { return sw_v_new(a, SW_V_NULL); }
sw_value *sw_v_bool(sw_arena *a, int b) { sw_value *v = sw_v_new(a, SW_V_BOOL); if (v) v->u.b = !!b; return v; }
sw_value *sw_v_int(sw_arena *a, int64_t i) { sw_value *v = sw_v_new(a, SW_V_INT); if (v) v->u.i = i; return v; }
sw_value *sw_v_double(sw_arena *a, double d) { sw_value *v = sw_v_new(a, SW_V_DOUBLE); if (v) v->u.d = d; return v; }
sw_value *sw_v_time(sw_arena *a, double t) { sw_value *v = sw_v_new(a, SW_V_TIME); if (v) v->u.d = t; return v; }

static sw_value *sw_v_bytes(sw_arena *a, sw_vtype t, const void *p, size_t len) {
    sw_value *v = sw_v_new(a, t);
    if (!v) return NULL;
    char *s = sw_arena_strndup(a, p, len);
    if (!s) return NULL;
    v->u.str.s = s;
    v->u.str.len = len;
    return v;
}

sw_value *sw_v_string(sw_arena *a, const char *s, size_t len) { return sw_v_bytes(a, SW_V_STRING, s, len); }
sw_value *sw_v_cstr(sw_arena *a, const char *s) { return sw_v_bytes(a, SW_V_STRING, s, strlen(s)); }
sw_value *sw_v_blob(sw_arena *a, const void *p, size_t len) { return sw_v_bytes(a, SW_V_BLOB, p, len); }
sw_value *sw_v_raw(sw_arena *a, const char *json, size_t len) { return sw_v_bytes(a, SW_V_RAW, json, len); }
sw_value *sw_v_list(sw_arena *a) { return sw_v_new(a, SW_V_LIST); }
sw_value *sw_v_map(sw_arena *a) { return sw_v_new(a, SW_V_MAP); }

/* Grows an arena-backed array by doubling; old storage is simply abandoned in the arena. */
static void *sw_grow(sw_arena *a, void *items, size_t n, size_t *cap, size_t elem) {
    if (n < *cap) return items;
    size_t ncap = *cap ? *cap * 2 : 4;
    void *p = sw_arena_alloc(a, ncap * elem);
    if (!p) return NULL;
    if (n) memcpy(p, items, n * elem);
    *cap = ncap;
    return p;
}

int sw_v_list_push(sw_arena *a, sw_value *list, sw_value *item) {
    if (!list || !item || list->type != SW_V_LIST) return -1;
    sw_value **items = sw_grow(a, list->u.list.items, list->u.list.n, &list->u.list.cap, sizeof *items);
    if (!items) return -1;
    list->u.list.items = items;
    items[list->u.list.n++] = item;
    return 0;
}

int sw_v_map_put(sw_arena *a, sw_value *map, const char *key, size_t klen, sw_value *val) {
    if (!map || !val || map->type != SW_V_MAP) return -1;
    char *k = sw_arena_strndup(a, key, klen);
    if (!k) return -1;
    sw_member *items = sw_grow(a, map->u.map.items, map->u.map.n, &map->u.map.cap, sizeof *items);
    if (!items) return -1;
    map->u.map.items = items;
    items[map->u.map.n].key = k;
    items[map->u.map.n].klen = klen;
    items[map->u.map.n].val = val;
    map->u.map.n++;
    return 0;
}

int sw_v_map_putc(sw_arena *a, sw_value *map, const char *key, sw_value *val) {
    return sw_v_map_put(a, map, key, strlen(key), val);
}

sw_value *sw_v_getn(const sw_value *map, const char *key, size_t klen) {
    if (!map || map->type != SW_V_MAP) return NULL;
    for (size_t i = map->u.map.n; i-- > 0;) {
        const sw_member *m = &map->u.map.items[i];
        if (m->klen == klen && memcmp(m->key, key, klen) == 0) return m->val;
    }
    return NULL;
}

sw_value *sw_v_get(const sw_value *map, const char *key) { return sw_v_getn(map, key, strlen(key)); }

const char *sw_v_get_str(const sw_value *map, const char *key, const char *fallback) {
    sw_value *v = sw_v_get(map, key);
    return v && v->type == SW_V_STRING ? v->u.str.s : fallback;
}

double sw_v_get_double(const sw_value *map, const char *key, double fallback) {
    sw_value *v = sw_v_get(map, key);
    if (!v) return fallback;
    if (v->type == SW_V_DOUBLE || v->type == SW_V_TIME) return v->u.d;
    if (v->type == SW_V_INT) return (double)v->u.i;
    return fallback;
}

int64_t sw_v_get_int(const sw_value *map, const char *key, int64_t fallback) {
    sw_value *v = sw_v_get(map, key);
    if (!v) return fallback;
    if (v->type == SW_V_INT) return v->u.i;
    return fallback;
}
