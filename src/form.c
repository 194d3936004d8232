/* form.c -- form decoding for the AWS query protocol. */
#include "form.h"
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

/* Inserts value at the dotted key; intermediate nodes are maps. The last member is checked first
 * because clients send members grouped, which keeps a 1,000-datum body linear. */
static int sw_form_insert(sw_arena *a, sw_value *root, char *key, size_t klen, sw_value *leaf, char *err, size_t errlen) {
    sw_value *node = root;
    size_t start = 0;
    for (size_t i = 0; i <= klen; i++) {
        if (i < klen && key[i] != '.') continue;
        size_t seglen = i - start;
        if (seglen == 0) { snprintf(err, errlen, "empty segment in parameter name"); return -1; }
        int last = i == klen;
        sw_value *child = sw_v_getn(node, key + start, seglen);
        if (last) {
            if (child) { snprintf(err, errlen, "parameter %.*s given twice", (int)(klen > 200 ? 200 : klen), key); return -1; }
            if (sw_v_map_put(a, node, key + start, seglen, leaf)) goto full;
            return 0;
        }
        if (!child) {
            child = sw_v_map(a);
            if (!child || sw_v_map_put(a, node, key + start, seglen, child)) goto full;
        } else if (child->type != SW_V_MAP) {
            snprintf(err, errlen, "parameter %.*s is both a value and a prefix", (int)(i > 200 ? 200 : i), key);
            return -1;
        }
        node = child;
        start = i + 1;
    }
    return 0;
full:
    snprintf(err, errlen, "request too large");
    return -1;
}

int sw_form_decode(sw_arena *a, const char *body, size_t n, sw_value **out, char *err, size_t errlen) {
    sw_value *root = sw_v_map(a);
    if (!root) { snprintf(err, errlen, "request too large"); return -1; }
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
            if (sw_form_insert(a, root, k, (size_t)kl, leaf, err, errlen)) return -1;
        }
        pos = end + 1;
    }
    *out = root;
    return 0;
}
