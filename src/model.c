/* model.c -- loads botocore service models with jansson and coerces wire trees against their shapes. */
#include "model.h"
#include "alloc.h"
#include "buf.h"
#include "timefmt.h"
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- loading ---------- */

static int sw_shape_cmp(const void *a, const void *b) {
    return strcmp(((const sw_shape *)a)->name, ((const sw_shape *)b)->name);
}

static int sw_op_cmp(const void *a, const void *b) {
    return strcmp(((const sw_operation *)a)->name, ((const sw_operation *)b)->name);
}

static const char *sw_jstr(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int sw_shape_type_parse(const char *t, sw_shape_type *out) {
    static const struct { const char *name; sw_shape_type type; } types[] = {
        {"structure", SW_S_STRUCTURE}, {"list", SW_S_LIST}, {"map", SW_S_MAP}, {"string", SW_S_STRING},
        {"integer", SW_S_INTEGER}, {"long", SW_S_LONG}, {"double", SW_S_DOUBLE}, {"float", SW_S_FLOAT},
        {"boolean", SW_S_BOOLEAN}, {"timestamp", SW_S_TIMESTAMP}, {"blob", SW_S_BLOB}};
    for (size_t i = 0; t && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(t, types[i].name) == 0) { *out = types[i].type; return 0; }
    return -1;
}

static sw_shape *sw_model_shape_mut(const sw_model *m, const char *name) {
    sw_shape key = {.name = name};
    return name ? bsearch(&key, m->shapes, m->nshapes, sizeof key, sw_shape_cmp) : NULL;
}

/* Translates the Java-regex escapes the models use into POSIX extended syntax: inside a bracket
 * expression \. \_ \/ etc. are plain characters, \- moves to the end as a literal '-', \w and \d
 * become classes; outside, \d and \w become bracket expressions. Returns 0, or -1 for anything else
 * (\p{..} classes, anchors inside, lookarounds): such a pattern is not enforced. */
static int sw_pattern_to_posix(const char *java, sw_buf *out) {
    int in_bracket = 0, dash = 0;
    for (const char *p = java; *p; p++) {
        if (*p == '[' && !in_bracket) { in_bracket = 1; dash = 0; sw_buf_putc(out, '['); if (p[1] == '^') sw_buf_putc(out, *++p); continue; }
        if (*p == ']' && in_bracket) { if (dash) sw_buf_putc(out, '-'); in_bracket = 0; sw_buf_putc(out, ']'); continue; }
        if (*p != '\\') { sw_buf_putc(out, *p); continue; }
        char c = *++p;
        if (!c) return -1;
        if (in_bracket) {
            if (c == '-') dash = 1;
            else if (c == 'w') sw_buf_puts(out, "[:alnum:]_");
            else if (c == 'd') sw_buf_puts(out, "0-9");
            else if (c == 's') sw_buf_puts(out, "[:space:]");
            else if (c == ']' || c == '[' || c == '^' || c == '\\' || c == 'p' || c == 'P' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return -1;
            else sw_buf_putc(out, c);
        } else if (c == 'd') sw_buf_puts(out, "[0-9]");
        else if (c == 'w') sw_buf_puts(out, "[[:alnum:]_]");
        else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return -1;
        else { sw_buf_putc(out, '\\'); sw_buf_putc(out, c); }
    }
    return in_bracket ? -1 : 0;
}

/* Patterns are Java regular expressions matched against the whole value. Those POSIX extended syntax
 * can express after sw_pattern_to_posix (Namespace's "[^:].*", LogGroupName's "[\.\-_/#A-Za-z0-9]+") are
 * enforced; the others (\p{L} classes and the like) are not. */
static void sw_shape_compile_pattern(sw_shape *s, const char *pattern) {
    sw_buf posix;
    sw_buf_init(&posix);
    sw_buf_puts(&posix, "^(");
    int ok = sw_pattern_to_posix(pattern, &posix) == 0;
    sw_buf_puts(&posix, ")$");
    regex_t *re = sw_malloc(sizeof *re);
    if (!ok || regcomp(re, posix.data, REG_EXTENDED | REG_NOSUB) != 0) sw_free(re);
    else { s->pattern = pattern; s->regex = re; }
    sw_buf_free(&posix);
}

/* First pass: names, types and scalar traits; references are resolved in the second pass. */
static int sw_shape_load_traits(sw_shape *s, json_t *js) {
    if (sw_shape_type_parse(sw_jstr(js, "type"), &s->type)) return -1;
    json_t *v;
    if ((v = json_object_get(js, "min")) && json_is_number(v)) { s->has_min = 1; s->min = json_number_value(v); }
    if ((v = json_object_get(js, "max")) && json_is_number(v)) { s->has_max = 1; s->max = json_number_value(v); }
    if ((v = json_object_get(js, "enum")) && json_is_array(v)) {
        s->nenums = json_array_size(v);
        s->enums = sw_calloc(s->nenums, sizeof *s->enums);
        s->enum_lens = sw_calloc(s->nenums, sizeof *s->enum_lens);
        for (size_t i = 0; i < s->nenums; i++) {
            s->enums[i] = json_string_value(json_array_get(v, i));
            s->enum_lens[i] = s->enums[i] ? strlen(s->enums[i]) : 0;
        }
    }
    if ((v = json_object_get(js, "pattern")) && json_is_string(v)) sw_shape_compile_pattern(s, json_string_value(v));
    if ((v = json_object_get(js, "error")) && json_is_object(v)) {
        s->error_code = sw_jstr(v, "code") ? sw_jstr(v, "code") : s->name;
        json_t *st = json_object_get(v, "httpStatusCode");
        s->error_status = json_is_integer(st) ? (int)json_integer_value(st) : 400;
    }
    return 0;
}

static int sw_shape_load_refs(sw_model *m, sw_shape *s, json_t *js) {
    if (s->type == SW_S_LIST) {
        s->member = sw_model_shape_mut(m, sw_jstr(json_object_get(js, "member"), "shape"));
        return s->member ? 0 : -1;
    }
    if (s->type == SW_S_MAP) {
        s->key = sw_model_shape_mut(m, sw_jstr(json_object_get(js, "key"), "shape"));
        s->value = sw_model_shape_mut(m, sw_jstr(json_object_get(js, "value"), "shape"));
        s->key_name = sw_jstr(json_object_get(js, "key"), "locationName") ? sw_jstr(json_object_get(js, "key"), "locationName") : "key";
        s->value_name = sw_jstr(json_object_get(js, "value"), "locationName") ? sw_jstr(json_object_get(js, "value"), "locationName") : "value";
        return s->key && s->value ? 0 : -1;
    }
    if (s->type != SW_S_STRUCTURE) return 0;
    json_t *members = json_object_get(js, "members"), *mv;
    const char *mname;
    s->members = sw_calloc(json_object_size(members), sizeof *s->members);
    json_object_foreach(members, mname, mv) {
        sw_shape_member *mem = &s->members[s->nmembers++];
        mem->name = mname;
        mem->location_name = sw_jstr(mv, "locationName") ? sw_jstr(mv, "locationName") : mname;
        mem->shape = sw_model_shape_mut(m, sw_jstr(mv, "shape"));
        mem->name_len = strlen(mem->name);
        mem->location_len = strlen(mem->location_name);
        if (!mem->shape) return -1;
    }
    json_t *req = json_object_get(js, "required");
    if (json_is_array(req)) {
        s->nrequired = json_array_size(req);
        s->required = sw_calloc(s->nrequired, sizeof *s->required);
        for (size_t i = 0; i < s->nrequired; i++) s->required[i] = json_string_value(json_array_get(req, i));
    }
    return 0;
}

static int sw_model_load_ops(sw_model *m, json_t *ops) {
    const char *name;
    json_t *op;
    m->ops = sw_calloc(json_object_size(ops), sizeof *m->ops);
    json_object_foreach(ops, name, op) {
        sw_operation *o = &m->ops[m->nops++];
        o->name = name;
        json_t *in = json_object_get(op, "input"), *out = json_object_get(op, "output");
        o->input = in ? sw_model_shape_mut(m, sw_jstr(in, "shape")) : NULL;
        o->output = out ? sw_model_shape_mut(m, sw_jstr(out, "shape")) : NULL;
        o->result_wrapper = out ? sw_jstr(out, "resultWrapper") : NULL;
        if ((in && !o->input) || (out && !o->output)) return -1;
    }
    qsort(m->ops, m->nops, sizeof *m->ops, sw_op_cmp);
    return 0;
}

sw_model *sw_model_load(const char *json, size_t len, char *err, size_t errlen) {
    json_error_t jerr;
    json_t *root = json_loadb(json, len, 0, &jerr);
    if (!root) { snprintf(err, errlen, "model: %s at line %d", jerr.text, jerr.line); return NULL; }
    sw_model *m = sw_calloc(1, sizeof *m);
    m->root = root;
    json_t *meta = json_object_get(root, "metadata"), *shapes = json_object_get(root, "shapes"), *js;
    m->service_id = sw_jstr(meta, "serviceId");
    m->api_version = sw_jstr(meta, "apiVersion");
    m->target_prefix = sw_jstr(meta, "targetPrefix");
    m->xml_namespace = sw_jstr(meta, "xmlNamespace");
    m->signing_name = sw_jstr(meta, "signingName") ? sw_jstr(meta, "signingName") : sw_jstr(meta, "endpointPrefix");
    m->json_version = sw_jstr(meta, "jsonVersion");
    const char *name;
    m->shapes = sw_calloc(json_object_size(shapes), sizeof *m->shapes);
    json_object_foreach(shapes, name, js) m->shapes[m->nshapes++].name = name;
    qsort(m->shapes, m->nshapes, sizeof *m->shapes, sw_shape_cmp);
    int bad = 0;
    for (size_t i = 0; i < m->nshapes && !bad; i++)
        bad = sw_shape_load_traits(&m->shapes[i], json_object_get(shapes, m->shapes[i].name));
    for (size_t i = 0; i < m->nshapes && !bad; i++)
        bad = sw_shape_load_refs(m, &m->shapes[i], json_object_get(shapes, m->shapes[i].name));
    if (!bad) bad = sw_model_load_ops(m, json_object_get(root, "operations"));
    if (bad || !m->api_version) {
        snprintf(err, errlen, "model: unresolved shape reference or missing metadata");
        sw_model_free(m);
        return NULL;
    }
    return m;
}

void sw_model_free(sw_model *m) {
    if (!m) return;
    for (size_t i = 0; i < m->nshapes; i++) {
        sw_free(m->shapes[i].members);
        sw_free(m->shapes[i].required);
        sw_free(m->shapes[i].enums);
        sw_free(m->shapes[i].enum_lens);
        if (m->shapes[i].regex) { regfree(m->shapes[i].regex); sw_free(m->shapes[i].regex); }
    }
    sw_free(m->shapes);
    sw_free(m->ops);
    json_decref(m->root);
    sw_free(m);
}

const sw_operation *sw_model_op(const sw_model *m, const char *name, size_t len) {
    char tmp[128];
    if (len >= sizeof tmp) return NULL;
    memcpy(tmp, name, len);
    tmp[len] = '\0';
    sw_operation key = {.name = tmp};
    return bsearch(&key, m->ops, m->nops, sizeof key, sw_op_cmp);
}

const sw_shape *sw_model_shape(const sw_model *m, const char *name) { return sw_model_shape_mut(m, name); }

const sw_shape_member *sw_shape_find_member(const sw_shape *s, const char *name, size_t len) {
    for (size_t i = 0; i < s->nmembers; i++)
        if (strlen(s->members[i].name) == len && memcmp(s->members[i].name, name, len) == 0) return &s->members[i];
    return NULL;
}

/* ---------- coercion ---------- */

/* The validation path is kept as a stack of segments and rendered only when an error needs it, so a
 * valid request pays nothing for it. */
typedef struct sw_seg { const char *name; size_t index; } sw_seg; /* name NULL: list item `index` */

typedef struct sw_coerce {
    sw_arena *a;
    sw_wire wire;
    sw_error *err;
    sw_seg segs[72];
    int nsegs;
    char path[512]; /* AWS's validation path: 'metricData.1.member.value' */
    int depth;
} sw_coerce;

static void sw_path_push(sw_coerce *c, const char *name, size_t index) {
    if (c->nsegs < (int)(sizeof c->segs / sizeof c->segs[0])) c->segs[c->nsegs] = (sw_seg){name, index};
    c->nsegs++;
}

static void sw_path_pop(sw_coerce *c) { c->nsegs--; }

/* Renders the path as AWS writes it: member names with a lowercase first letter, list items as "N.member". */
static const char *sw_path(sw_coerce *c) {
    size_t off = 0;
    int n = c->nsegs < 72 ? c->nsegs : 72;
    c->path[0] = '\0';
    for (int i = 0; i < n && off < sizeof c->path - 1; i++) {
        const sw_seg *g = &c->segs[i];
        int w = g->name ? snprintf(c->path + off, sizeof c->path - off, "%s%c%s", off ? "." : "", (char)tolower((unsigned char)g->name[0]), g->name[0] ? g->name + 1 : "")
                        : snprintf(c->path + off, sizeof c->path - off, "%s%zu.member", off ? "." : "", g->index);
        if (w < 0) break;
        off += (size_t)w;
    }
    return c->path;
}

static int sw_type_error(sw_coerce *c, const char *what) {
    if (c->wire == SW_WIRE_QUERY)
        return sw_error_set(c->err, 400, "InvalidParameterValue", "Value at '%s' is not a valid %s.", sw_path(c), what);
    return sw_error_set(c->err, 400, "SerializationException", "Expected %s at '%s'.", what, sw_path(c));
}

static int sw_constraint_error(sw_coerce *c, const sw_value *v, const char *constraint) {
    char shown[160] = "[...]";
    if (v && v->type == SW_V_STRING) snprintf(shown, sizeof shown, "%.128s", v->u.str.s);
    else if (v && v->type == SW_V_INT) snprintf(shown, sizeof shown, "%lld", (long long)v->u.i);
    else if (v && v->type == SW_V_DOUBLE) snprintf(shown, sizeof shown, "%g", v->u.d);
    return sw_error_set(c->err, 400, "ValidationError",
                        "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", shown,
                        sw_path(c), constraint);
}

/* Characters in n bytes of UTF-8: the bytes that are not continuation bytes (10xxxxxx), 8 at a time. */
static size_t sw_utf8_chars(const char *s, size_t n) {
    size_t cont = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        cont += (size_t)__builtin_popcountll(w & ~(w << 1) & 0x8080808080808080ull);
    }
    for (; i < n; i++) cont += ((unsigned char)s[i] & 0xC0) == 0x80;
    return n - cont;
}

static int sw_check_length(sw_coerce *c, const sw_shape *s, sw_value *v, size_t len) {
    char msg[96];
    if (s->has_min && (double)len < s->min) {
        snprintf(msg, sizeof msg, "Member must have length greater than or equal to %.0f", s->min);
        return sw_constraint_error(c, v, msg);
    }
    if (s->has_max && (double)len > s->max) {
        snprintf(msg, sizeof msg, "Member must have length less than or equal to %.0f", s->max);
        return sw_constraint_error(c, v, msg);
    }
    return 0;
}

static int sw_check_range(sw_coerce *c, const sw_shape *s, sw_value *v, double x) {
    char msg[96];
    if (s->has_min && x < s->min) {
        snprintf(msg, sizeof msg, "Member must have value greater than or equal to %.0f", s->min);
        return sw_constraint_error(c, v, msg);
    }
    if (s->has_max && x > s->max) {
        snprintf(msg, sizeof msg, "Member must have value less than or equal to %.0f", s->max);
        return sw_constraint_error(c, v, msg);
    }
    return 0;
}

static int sw_coerce_value(sw_coerce *c, const sw_shape *s, sw_value *v);

/* Query lists arrive as {"member": {"1": x, "2": y}}; collect the items in index order. */
static int sw_query_indexed(sw_coerce *c, sw_value *v, const char *wrapper, sw_value *out_list) {
    if (v->type == SW_V_STRING && v->u.str.len == 0) return 0; /* "Param=" is AWS's empty list */
    sw_value *idx = v->type == SW_V_MAP ? sw_v_get(v, wrapper) : NULL;
    if (!idx || idx->type != SW_V_MAP) return sw_type_error(c, "list");
    size_t n = idx->u.map.n;
    if (n > 100000) return sw_type_error(c, "list of at most 100000 members");
    sw_value **slots = sw_arena_alloc(c->a, (n ? n : 1) * sizeof *slots);
    if (!slots) return sw_error_set(c->err, 413, "RequestEntityTooLarge", "Request too large.");
    for (size_t i = 0; i < n; i++) {
        sw_member *m = &idx->u.map.items[i];
        char *end;
        errno = 0;
        unsigned long k = strtoul(m->key, &end, 10);
        if (*end || m->klen == 0 || k < 1 || k > n || errno || slots[k - 1])
            return sw_type_error(c, "list index (members are numbered 1, 2, ...)");
        slots[k - 1] = m->val;
    }
    for (size_t i = 0; i < n; i++)
        if (sw_v_list_push(c->a, out_list, slots[i])) return sw_error_set(c->err, 413, "RequestEntityTooLarge", "Request too large.");
    return 0;
}

/* Finds the shape member a wire key names (query uses locationName); lengths are compared first. */
static const sw_shape_member *sw_member_for_key(const sw_shape *s, const sw_member *kv, sw_wire wire) {
    for (size_t i = 0; i < s->nmembers; i++) {
        const sw_shape_member *m = &s->members[i];
        const char *name = wire == SW_WIRE_QUERY ? m->location_name : m->name;
        size_t len = wire == SW_WIRE_QUERY ? m->location_len : m->name_len;
        if (len == kv->klen && name[0] == kv->key[0] && memcmp(name, kv->key, len) == 0) return m;
    }
    return NULL;
}

static int sw_coerce_structure(sw_coerce *c, const sw_shape *s, sw_value *v) {
    if (v->type != SW_V_MAP) return sw_type_error(c, "structure");
    for (size_t j = 0; j < v->u.map.n; j++) {
        sw_member *mv = &v->u.map.items[j];
        const sw_shape_member *m = sw_member_for_key(s, mv, c->wire);
        if (!m || mv->val->type == SW_V_NULL) continue; /* unknown members are ignored; JSON null = absent */
        if (mv->key != m->name) mv->key = m->name, mv->klen = m->name_len;
        sw_path_push(c, m->name, 0);
        int rc = sw_coerce_value(c, m->shape, mv->val);
        sw_path_pop(c);
        if (rc) return rc;
    }
    for (size_t i = 0; i < s->nrequired; i++) {
        sw_value *mv = sw_v_get(v, s->required[i]);
        if (mv && mv->type != SW_V_NULL) continue;
        if (c->depth == 1)
            return sw_error_set_typed(c->err, 400, "MissingParameter", "MissingRequiredParameterException",
                                      "The parameter %s is required.", s->required[i]);
        sw_path_push(c, s->required[i], 0);
        sw_error_set(c->err, 400, "ValidationError",
                     "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null",
                     sw_path(c));
        sw_path_pop(c);
        return -1;
    }
    return 0;
}

static int sw_coerce_list(sw_coerce *c, const sw_shape *s, sw_value *v) {
    if (c->wire == SW_WIRE_QUERY) {
        sw_value *list = sw_v_list(c->a);
        if (!list || sw_query_indexed(c, v, "member", list)) return -1;
        *v = *list;
    }
    if (v->type != SW_V_LIST) return sw_type_error(c, "list");
    if (sw_check_length(c, s, v, v->u.list.n)) return -1;
    for (size_t i = 0; i < v->u.list.n; i++) {
        sw_path_push(c, NULL, i + 1);
        int rc = sw_coerce_value(c, s->member, v->u.list.items[i]);
        sw_path_pop(c);
        if (rc) return rc;
    }
    return 0;
}

static int sw_coerce_map(sw_coerce *c, const sw_shape *s, sw_value *v) {
    if (c->wire == SW_WIRE_QUERY) {
        sw_value *entries = sw_v_list(c->a), *map = sw_v_map(c->a);
        if (!entries || !map || sw_query_indexed(c, v, "entry", entries)) return -1;
        for (size_t i = 0; i < entries->u.list.n; i++) {
            sw_value *e = entries->u.list.items[i], *k = sw_v_get(e, s->key_name), *val = sw_v_get(e, s->value_name);
            if (!k || k->type != SW_V_STRING || !val) return sw_type_error(c, "map entry with key and value");
            if (sw_v_map_put(c->a, map, k->u.str.s, k->u.str.len, val)) return -1;
        }
        *v = *map;
    }
    if (v->type != SW_V_MAP) return sw_type_error(c, "map");
    if (sw_check_length(c, s, v, v->u.map.n)) return -1;
    for (size_t i = 0; i < v->u.map.n; i++) {
        sw_path_push(c, v->u.map.items[i].key, 0);
        int rc = sw_coerce_value(c, s->value, v->u.map.items[i].val);
        sw_path_pop(c);
        if (rc) return rc;
    }
    return 0;
}

int sw_model_string_ok(const sw_shape *s, const char *str, size_t len) {
    if (memchr(str, '\0', len)) return 0;
    /* A UTF-8 character is 1 to 4 bytes, so len/4 <= chars <= len: count only when those bounds do not
     * already settle the length constraints (a message with min 1 never needs the count). */
    size_t chars = len;
    if ((s->has_max && (double)len > s->max) || (s->has_min && (double)len < 4.0 * s->min)) chars = sw_utf8_chars(str, len);
    return sw_model_text_ok(s, str, len, chars);
}

int sw_model_text_ok(const sw_shape *s, const char *str, size_t len, size_t chars) {
    if ((s->has_min && (double)chars < s->min) || (s->has_max && (double)chars > s->max)) return 0;
    if (s->regex && regexec(s->regex, str, 0, NULL, 0) != 0) return 0;
    if (!s->nenums) return 1;
    for (size_t i = 0; i < s->nenums; i++)
        if (s->enum_lens[i] == len && memcmp(s->enums[i], str, len) == 0) return 1;
    return 0;
}

int sw_model_number_ok(const sw_shape *s, double x) {
    if (isnan(x)) return s->type == SW_S_DOUBLE || s->type == SW_S_FLOAT;
    if (s->type == SW_S_INTEGER && (x > 2147483647.0 || x < -2147483648.0)) return 0;
    return !(s->has_min && x < s->min) && !(s->has_max && x > s->max);
}

static int sw_coerce_string(sw_coerce *c, const sw_shape *s, sw_value *v) {
    if (v->type != SW_V_STRING) return sw_type_error(c, "string");
    if (sw_model_string_ok(s, v->u.str.s, v->u.str.len)) return 0;
    if (memchr(v->u.str.s, '\0', v->u.str.len)) return sw_constraint_error(c, v, "Member must not contain the NUL character");
    if ((s->has_min || s->has_max) && sw_check_length(c, s, v, sw_utf8_chars(v->u.str.s, v->u.str.len))) return -1;
    if (s->regex && regexec(s->regex, v->u.str.s, 0, NULL, 0) != 0) {
        char msg[600];
        snprintf(msg, sizeof msg, "Member must satisfy regular expression pattern: %.500s", s->pattern);
        return sw_constraint_error(c, v, msg);
    }
    if (!s->nenums) return 0;
    for (size_t i = 0; i < s->nenums; i++)
        if (s->enum_lens[i] == v->u.str.len && memcmp(s->enums[i], v->u.str.s, v->u.str.len) == 0) return 0;
    char msg[900];
    size_t off = (size_t)snprintf(msg, sizeof msg, "Member must satisfy enum value set: [");
    for (size_t i = 0; i < s->nenums && off < sizeof msg - 64; i++)
        off += (size_t)snprintf(msg + off, sizeof msg - off, "%s%s", i ? ", " : "", s->enums[i]);
    snprintf(msg + off, sizeof msg - off, "]");
    return sw_constraint_error(c, v, msg);
}

/* Parses the whole string as a number; strict (no trailing bytes, no empty string). */
static int sw_parse_double(const sw_value *v, double *out) {
    if (v->type != SW_V_STRING || v->u.str.len == 0 || isspace((unsigned char)v->u.str.s[0])) return -1;
    char *end;
    *out = strtod(v->u.str.s, &end);
    return *end ? -1 : 0;
}

static int sw_coerce_integer(sw_coerce *c, const sw_shape *s, sw_value *v) {
    if (v->type == SW_V_STRING && c->wire == SW_WIRE_QUERY) {
        char *end;
        errno = 0;
        long long x = strtoll(v->u.str.s, &end, 10);
        if (*end || v->u.str.len == 0 || errno) return sw_type_error(c, "integer");
        v->type = SW_V_INT;
        v->u.i = x;
    } else if (v->type == SW_V_DOUBLE && v->u.d == floor(v->u.d) && fabs(v->u.d) < 9e15) {
        double d = v->u.d;
        v->type = SW_V_INT;
        v->u.i = (int64_t)d;
    }
    if (v->type != SW_V_INT) return sw_type_error(c, "integer");
    if (s->type == SW_S_INTEGER && (v->u.i > 2147483647LL || v->u.i < -2147483648LL)) return sw_type_error(c, "32-bit integer");
    return sw_check_range(c, s, v, (double)v->u.i);
}

static int sw_coerce_double(sw_coerce *c, const sw_shape *s, sw_value *v) {
    double d;
    if (v->type == SW_V_INT) d = (double)v->u.i;
    else if (v->type == SW_V_DOUBLE) d = v->u.d;
    else if (v->type == SW_V_STRING && c->wire != SW_WIRE_QUERY) {
        /* AWS JSON protocols send non-finite doubles as strings. */
        if (strcmp(v->u.str.s, "NaN") == 0) d = NAN;
        else if (strcmp(v->u.str.s, "Infinity") == 0) d = INFINITY;
        else if (strcmp(v->u.str.s, "-Infinity") == 0) d = -INFINITY;
        else return sw_type_error(c, "number");
    } else if (sw_parse_double(v, &d)) return sw_type_error(c, "number");
    v->type = SW_V_DOUBLE;
    v->u.d = d;
    return isnan(d) ? 0 : sw_check_range(c, s, v, d);
}

static int sw_coerce_scalar(sw_coerce *c, const sw_shape *s, sw_value *v) {
    double t;
    switch (s->type) {
    case SW_S_BOOLEAN:
        if (v->type == SW_V_STRING && c->wire == SW_WIRE_QUERY) {
            if (strcmp(v->u.str.s, "true") && strcmp(v->u.str.s, "false")) return sw_type_error(c, "boolean");
            int b = strcmp(v->u.str.s, "true") == 0;
            v->type = SW_V_BOOL;
            v->u.b = b;
        }
        return v->type == SW_V_BOOL ? 0 : sw_type_error(c, "boolean");
    case SW_S_TIMESTAMP:
        if (v->type == SW_V_TIME) return 0;
        if (v->type == SW_V_INT) t = (double)v->u.i;
        else if (v->type == SW_V_DOUBLE && isfinite(v->u.d)) t = v->u.d;
        else if (v->type != SW_V_STRING || sw_time_parse(v->u.str.s, v->u.str.len, &t)) return sw_type_error(c, "timestamp");
        v->type = SW_V_TIME;
        v->u.d = t;
        return 0;
    case SW_S_BLOB:
        /* Blobs are base64 text in query and JSON; the handlers of this issue take none. */
        return v->type == SW_V_BLOB || v->type == SW_V_STRING ? 0 : sw_type_error(c, "blob");
    default:
        return sw_type_error(c, "value");
    }
}

static int sw_coerce_value(sw_coerce *c, const sw_shape *s, sw_value *v) {
    if (++c->depth > 64) return sw_type_error(c, "value nested at most 64 deep");
    int rc;
    switch (s->type) {
    case SW_S_STRUCTURE: rc = sw_coerce_structure(c, s, v); break;
    case SW_S_LIST: rc = sw_coerce_list(c, s, v); break;
    case SW_S_MAP: rc = sw_coerce_map(c, s, v); break;
    case SW_S_STRING: rc = sw_coerce_string(c, s, v); break;
    case SW_S_INTEGER: case SW_S_LONG: rc = sw_coerce_integer(c, s, v); break;
    case SW_S_DOUBLE: case SW_S_FLOAT: rc = sw_coerce_double(c, s, v); break;
    default: rc = sw_coerce_scalar(c, s, v); break;
    }
    c->depth--;
    return rc;
}

int sw_model_coerce(sw_arena *a, const sw_shape *shape, sw_value **v, sw_wire wire, sw_error *err) {
    sw_coerce c = {.a = a, .wire = wire, .err = err};
    if (!*v) *v = sw_v_map(a);
    if (!*v) return sw_error_set(err, 413, "RequestEntityTooLarge", "Request too large.");
    if (!shape) return 0;
    return sw_coerce_value(&c, shape, *v);
}
