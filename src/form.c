/* form.c -- form decoding for the AWS query protocol. */
#include "form.h"
#include "hash.h"
#include "utf8.h"
#include <stdio.h>
#include <string.h>

static int sw_hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

long sw_form_unescape(const char *s, size_t n, char *dst, int plus_is_space) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '%') {
            if (i + 2 >= n) return -1;
            int h = sw_hexval(s[i + 1]), l = sw_hexval(s[i + 2]);
            if (h < 0 || l < 0) return -1;
            dst[o++] = (char)(h * 16 + l);
            i += 2;
        } else dst[o++] = (plus_is_space && ch == '+') ? ' ' : ch;
    }
    dst[o] = '\0';
    return (long)o;
}

/* An index of (parent node, segment) -> child for one decode, so each parameter is placed in
 * constant time (a plain member search would make a 1,000-datum body quadratic). */
typedef struct sw_form_slot { const sw_value *parent; const char *seg; size_t len; sw_value *child; } sw_form_slot;
typedef struct sw_form_index { sw_form_slot *slots; size_t cap, used; } sw_form_index;

static size_t sw_form_slot_of(const sw_form_index *ix, const sw_value *parent, const char *seg, size_t len) {
    size_t j = (size_t)(sw_hash64(seg, len, (uint64_t)(uintptr_t)parent) & (ix->cap - 1));
    while (ix->slots[j].parent &&
           !(ix->slots[j].parent == parent && ix->slots[j].len == len && memcmp(ix->slots[j].seg, seg, len) == 0))
        j = (j + 1) & (ix->cap - 1);
    return j;
}

/* Doubles the index when it is half full; returns -1 when the arena is exhausted. */
static int sw_form_index_grow(sw_arena *a, sw_form_index *ix) {
    if ((ix->used + 1) * 2 <= ix->cap) return 0;
    sw_form_index bigger = {sw_arena_alloc(a, ix->cap * 2 * sizeof *ix->slots), ix->cap * 2, ix->used};
    if (!bigger.slots) return -1;
    for (size_t i = 0; i < ix->cap; i++)
        if (ix->slots[i].parent)
            bigger.slots[sw_form_slot_of(&bigger, ix->slots[i].parent, ix->slots[i].seg, ix->slots[i].len)] = ix->slots[i];
    *ix = bigger;
    return 0;
}

/* Nodes with more children than this are indexed; smaller ones are scanned, which is cheaper and
 * keeps the index small enough to stay in cache (only list-member maps grow past it). */
#define SW_FORM_SCAN 16

static void sw_form_index_put(sw_form_index *ix, const sw_value *node, const sw_member *m) {
    ix->slots[sw_form_slot_of(ix, node, m->key, m->klen)] = (sw_form_slot){node, m->key, m->klen, m->val};
    ix->used++;
}

/* The child of node named seg, or NULL. The newest member is checked first: clients send
 * parameters grouped, so it is almost always the one. */
static sw_value *sw_form_child(const sw_form_index *ix, const sw_value *node, const char *seg, size_t len) {
    size_t n = node->u.map.n;
    if (n <= SW_FORM_SCAN) {
        for (size_t i = n; i-- > 0;) {
            const sw_member *m = &node->u.map.items[i];
            if (m->klen == len && memcmp(m->key, seg, len) == 0) return m->val;
        }
        return NULL;
    }
    const sw_member *last = &node->u.map.items[n - 1];
    if (last->klen == len && memcmp(last->key, seg, len) == 0) return last->val;
    return ix->slots[sw_form_slot_of(ix, node, seg, len)].child;
}

/* Adds child under node as seg; a node that outgrows scanning has all its children indexed. */
static int sw_form_add(sw_arena *a, sw_form_index *ix, sw_value *node, const char *seg, size_t len, sw_value *child) {
    if (sw_v_map_put(a, node, seg, len, child)) return -1;
    size_t n = node->u.map.n;
    if (n <= SW_FORM_SCAN) return 0;
    for (size_t i = n == SW_FORM_SCAN + 1 ? 0 : n - 1; i < n; i++) {
        if (sw_form_index_grow(a, ix)) return -1;
        sw_form_index_put(ix, node, &node->u.map.items[i]);
    }
    return 0;
}

/* Inserts value at the dotted key; intermediate nodes are maps. */
static int sw_form_insert(sw_arena *a, sw_form_index *ix, sw_value *root, char *key, size_t klen, sw_value *leaf,
                          char *err, size_t errlen) {
    sw_value *node = root;
    size_t start = 0;
    for (size_t i = 0; i <= klen; i++) {
        if (i < klen && key[i] != '.') continue;
        size_t seglen = i - start;
        if (seglen == 0) { snprintf(err, errlen, "empty segment in parameter name"); return -1; }
        sw_value *child = sw_form_child(ix, node, key + start, seglen);
        if (i == klen) {
            if (child) { snprintf(err, errlen, "parameter %.*s given twice", (int)(klen > 200 ? 200 : klen), key); return -1; }
            return sw_form_add(a, ix, node, key + start, seglen, leaf) ? (snprintf(err, errlen, "request too large"), -1) : 0;
        }
        if (!child) {
            child = sw_v_map(a);
            if (!child || sw_form_add(a, ix, node, key + start, seglen, child)) { snprintf(err, errlen, "request too large"); return -1; }
        } else if (child->type != SW_V_MAP) {
            snprintf(err, errlen, "parameter %.*s is both a value and a prefix", (int)(i > 200 ? 200 : i), key);
            return -1;
        }
        node = child;
        start = i + 1;
    }
    return 0;
}

int sw_form_decode(sw_arena *a, const char *body, size_t n, sw_value **out, char *err, size_t errlen) {
    sw_value *root = sw_v_map(a);
    sw_form_index ix = {sw_arena_alloc(a, 64 * sizeof(sw_form_slot)), 64, 0};
    if (!root || !ix.slots) { snprintf(err, errlen, "request too large"); return -1; }
    size_t pos = 0;
    while (pos < n) {
        size_t end = pos;
        while (end < n && body[end] != '&') end++;
        if (end > pos) {
            const char *eq = memchr(body + pos, '=', end - pos);
            size_t klen_raw = eq ? (size_t)(eq - (body + pos)) : end - pos;
            const char *vraw = eq ? eq + 1 : body + end;
            size_t vlen_raw = eq ? (size_t)(body + end - vraw) : 0;
            char *k = sw_arena_alloc(a, klen_raw + 1), *v = sw_arena_alloc(a, vlen_raw + 1);
            if (!k || !v) { snprintf(err, errlen, "request too large"); return -1; }
            long kl = sw_form_unescape(body + pos, klen_raw, k, 1), vl = sw_form_unescape(vraw, vlen_raw, v, 1);
            if (kl < 0 || vl < 0) { snprintf(err, errlen, "malformed percent-escape near offset %zu", pos); return -1; }
            if (kl == 0) { snprintf(err, errlen, "empty parameter name at offset %zu", pos); return -1; }
            if (!sw_utf8_valid(k, (size_t)kl) || !sw_utf8_valid(v, (size_t)vl)) {
                snprintf(err, errlen, "parameter near offset %zu is not valid UTF-8", pos);
                return -1;
            }
            sw_value *leaf = sw_arena_alloc(a, sizeof *leaf);
            if (!leaf) { snprintf(err, errlen, "request too large"); return -1; }
            leaf->type = SW_V_STRING;
            leaf->u.str.s = v;
            leaf->u.str.len = (size_t)vl;
            if (sw_form_insert(a, &ix, root, k, (size_t)kl, leaf, err, errlen)) return -1;
        }
        pos = end + 1;
    }
    *out = root;
    return 0;
}
