/* xml.c -- query-protocol XML serializer (botocore's QueryParser reads what this writes). */
#include "xml.h"
#include "timefmt.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

void sw_xml_escape(sw_buf *b, const char *s, size_t n) {
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        char num[8];
        switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&apos;"; break;
        default:
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') rep = "&#xFFFD;";
            else if (c == '\r' || c == '\n') { snprintf(num, sizeof num, "&#x%X;", c); rep = num; }
        }
        if (!rep) { run++; continue; }
        sw_buf_append(b, s + i - run, run);
        run = 0;
        sw_buf_puts(b, rep);
    }
    sw_buf_append(b, s + n - run, run);
}

static void sw_xml_value(sw_buf *b, const sw_shape *shape, const sw_value *v);

static void sw_xml_element(sw_buf *b, const char *name, const sw_shape *shape, const sw_value *v) {
    sw_buf_printf(b, "<%s>", name);
    sw_xml_value(b, shape, v);
    sw_buf_printf(b, "</%s>", name);
}

void sw_xml_encode_members(sw_buf *b, const sw_shape *shape, const sw_value *v) {
    if (!v || v->type != SW_V_MAP) return;
    for (size_t i = 0; i < v->u.map.n; i++) {
        const sw_member *m = &v->u.map.items[i];
        const sw_shape_member *sm = shape ? sw_shape_find_member(shape, m->key, m->klen) : NULL;
        sw_xml_element(b, sm ? sm->location_name : m->key, sm ? sm->shape : NULL, m->val);
    }
}

static void sw_xml_value(sw_buf *b, const sw_shape *shape, const sw_value *v) {
    char tmp[40];
    switch (v->type) {
    case SW_V_NULL: case SW_V_RAW: break; /* RAW: JSON-protocol services only */
    case SW_V_BOOL: sw_buf_puts(b, v->u.b ? "true" : "false"); break;
    case SW_V_INT: sw_buf_put_i64(b, v->u.i); break;
    case SW_V_DOUBLE:
        if (isnan(v->u.d)) sw_buf_puts(b, "NaN");
        else if (isinf(v->u.d)) sw_buf_puts(b, v->u.d > 0 ? "Infinity" : "-Infinity");
        else sw_buf_put_double(b, v->u.d);
        break;
    case SW_V_STRING: case SW_V_BLOB: sw_xml_escape(b, v->u.str.s, v->u.str.len); break;
    case SW_V_TIME: sw_time_format_iso(v->u.d, tmp, sizeof tmp); sw_buf_puts(b, tmp); break;
    case SW_V_LIST:
        for (size_t i = 0; i < v->u.list.n; i++)
            sw_xml_element(b, "member", shape ? shape->member : NULL, v->u.list.items[i]);
        break;
    case SW_V_MAP:
        if (shape && shape->type == SW_S_MAP) {
            for (size_t i = 0; i < v->u.map.n; i++) {
                sw_buf_puts(b, "<entry><key>");
                sw_xml_escape(b, v->u.map.items[i].key, v->u.map.items[i].klen);
                sw_buf_puts(b, "</key>");
                sw_xml_element(b, "value", shape->value, v->u.map.items[i].val);
                sw_buf_puts(b, "</entry>");
            }
        } else sw_xml_encode_members(b, shape, v);
        break;
    }
}
