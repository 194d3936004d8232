/* sns_filter.c -- SNS subscription filter policies. The rules and limits are AWS's ("Amazon SNS message
 * filtering", "Filter policy constraints"): a policy is a JSON object whose keys name message attributes
 * (or, with FilterPolicyScope MessageBody, properties of a JSON message, nested); each key holds an array
 * of conditions, any of which may match (OR), and every key must match (AND); "$or" holds alternative
 * sub-policies. Conditions: exact strings, numbers (five decimal places), true/false/null, and the
 * operators prefix, suffix, equals-ignore-case, anything-but (a value, a list, or a prefix/suffix),
 * numeric ranges, exists and cidr. A message array (String.Array, or an array in the body) matches when
 * one of its elements does. */
#include "sns_filter.h"
#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SW_FILTER_MAX_NUMBER 1e9

static int sw_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int sw_fail(char *err, size_t errlen, const char *fmt, ...) {
    int n = snprintf(err, errlen, "Invalid parameter: FilterPolicy: ");
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < errlen) vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---------- checking ---------- */

static int sw_number_ok(const json_t *v, char *err, size_t errlen) {
    double d = json_number_value(v);
    if (!isfinite(d) || d <= -SW_FILTER_MAX_NUMBER || d >= SW_FILTER_MAX_NUMBER)
        return sw_fail(err, errlen, "Numeric values must be between -1.0E9 and 1.0E9");
    return 0;
}

/* "a.b.c.d/n" or an IPv6 prefix; fills the address bytes and prefix length. */
static int sw_cidr_parse(const char *s, unsigned char addr[16], int *family, int *bits) {
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *family = strchr(buf, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(*family, buf, addr) != 1) return -1;
    int max = *family == AF_INET ? 32 : 128;
    if (!slash) { *bits = max; return 0; }
    char *end;
    long b = strtol(slash + 1, &end, 10);
    if (*end || end == slash + 1 || b < 0 || b > max) return -1;
    *bits = (int)b;
    return 0;
}

static int sw_numeric_check(const json_t *ops, char *err, size_t errlen) {
    size_t n = json_is_array(ops) ? json_array_size(ops) : 0;
    if (n == 0) return sw_fail(err, errlen, "Invalid member in numeric match: ]");
    for (size_t i = 0; i < n; i += 2) {
        const json_t *op = json_array_get(ops, i), *val = json_array_get(ops, i + 1);
        const char *o = json_string_value(op);
        if (!o) return sw_fail(err, errlen, "Invalid member in numeric match: it must be an operator");
        if (strcmp(o, "<") && strcmp(o, "<=") && strcmp(o, "=") && strcmp(o, ">") && strcmp(o, ">="))
            return sw_fail(err, errlen, "Unrecognized numeric range operator: %.32s", o);
        if (!json_is_number(val)) return sw_fail(err, errlen, "Value of %s must be numeric", o);
        if (sw_number_ok(val, err, errlen)) return -1;
        if (i == 2) {
            /* A range: a lower bound first, then an upper bound above it. */
            const char *lo = json_string_value(json_array_get(ops, 0));
            if (strcmp(lo, ">") && strcmp(lo, ">=")) return sw_fail(err, errlen, "Too many elements in numeric expression");
            if (strcmp(o, "<") && strcmp(o, "<=")) return sw_fail(err, errlen, "Bad numeric range operator: %s", o);
            if (json_number_value(val) <= json_number_value(json_array_get(ops, 1)))
                return sw_fail(err, errlen, "Bottom must be less than top");
        }
        if (i >= 4) return sw_fail(err, errlen, "Too many elements in numeric expression");
    }
    return 0;
}

static int sw_string_operand(const char *op, const json_t *v, char *err, size_t errlen) {
    if (!json_is_string(v)) return sw_fail(err, errlen, "%s match pattern must be a string", op);
    return 0;
}

static int sw_condition_check(const json_t *c, char *err, size_t errlen) {
    if (json_is_string(c) || json_is_boolean(c) || json_is_null(c)) return 0;
    if (json_is_number(c)) return sw_number_ok(c, err, errlen);
    if (!json_is_object(c)) return sw_fail(err, errlen, "Match value must be String, number, true, false, or null");
    if (json_object_size(c) != 1) return sw_fail(err, errlen, "A match object must have exactly one member");
    const char *op = json_object_iter_key(json_object_iter((json_t *)c));
    const json_t *v = json_object_iter_value(json_object_iter((json_t *)c));
    if (strcmp(op, "prefix") == 0 || strcmp(op, "suffix") == 0 || strcmp(op, "equals-ignore-case") == 0)
        return sw_string_operand(op, v, err, errlen);
    if (strcmp(op, "exists") == 0)
        return json_is_boolean(v) ? 0 : sw_fail(err, errlen, "exists match pattern must be either true or false.");
    if (strcmp(op, "numeric") == 0) return sw_numeric_check(v, err, errlen);
    if (strcmp(op, "cidr") == 0) {
        unsigned char a[16];
        int family, bits;
        if (!json_is_string(v) || sw_cidr_parse(json_string_value(v), a, &family, &bits))
            return sw_fail(err, errlen, "Malformed CIDR, one '/' required");
        return 0;
    }
    if (strcmp(op, "anything-but") == 0) {
        if (json_is_string(v)) return 0;
        if (json_is_number(v)) return sw_number_ok(v, err, errlen);
        if (json_is_object(v)) {
            const char *k = json_object_size(v) == 1 ? json_object_iter_key(json_object_iter((json_t *)v)) : "";
            if (strcmp(k, "prefix") && strcmp(k, "suffix"))
                return sw_fail(err, errlen, "Unsupported anything-but pattern: %.64s", k);
            return sw_string_operand(k, json_object_get(v, k), err, errlen);
        }
        if (json_is_array(v) && json_array_size(v) > 0) {
            int strings = json_is_string(json_array_get(v, 0));
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) {
                if (strings ? !json_is_string(e) : !json_is_number(e))
                    return sw_fail(err, errlen, "Inside anything but list, all values must be strings or all numbers");
                if (!strings && sw_number_ok(e, err, errlen)) return -1;
            }
            return 0;
        }
        return sw_fail(err, errlen, "Value of anything-but must be an array or single string/number value.");
    }
    return sw_fail(err, errlen, "Unrecognized match type %.64s", op);
}

/* Checks an object of the policy; adds its leaf keys to *keys; its combinations into *combos (saturated). */
static int sw_object_check(const json_t *o, int body_scope, int depth, size_t *keys, double *combos, char *err,
                           size_t errlen) {
    const char *k;
    json_t *v;
    double prod = 1;
    if (depth > 32) return sw_fail(err, errlen, "Filter policy is nested too deeply");
    json_object_foreach((json_t *)o, k, v) {
        if (strcmp(k, "$or") == 0) {
            if (!json_is_array(v) || json_array_size(v) < 2)
                return sw_fail(err, errlen, "$or must be an array of at least two objects");
            double sum = 0;
            size_t i;
            json_t *alt;
            json_array_foreach(v, i, alt) {
                if (!json_is_object(alt) || json_object_size(alt) == 0)
                    return sw_fail(err, errlen, "$or must be an array of at least two objects");
                double c = 1;
                if (sw_object_check(alt, body_scope, depth + 1, keys, &c, err, errlen)) return -1;
                sum += c;
            }
            prod *= sum;
        } else if (json_is_object(v)) {
            if (!body_scope)
                return snprintf(err, errlen, "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy"), -1;
            if (json_object_size(v) == 0) return sw_fail(err, errlen, "\"%.128s\" must not be an empty object", k);
            double c = 1;
            if (sw_object_check(v, body_scope, depth + 1, keys, &c, err, errlen)) return -1;
            prod *= c;
        } else if (json_is_array(v)) {
            if (json_array_size(v) == 0) return sw_fail(err, errlen, "Empty arrays are not allowed");
            size_t i;
            json_t *c;
            json_array_foreach(v, i, c) if (sw_condition_check(c, err, errlen)) return -1;
            prod *= (double)json_array_size(v);
            (*keys)++;
        } else {
            return sw_fail(err, errlen, "\"%.128s\" must be an object or an array", k);
        }
        if (prod > 1e9) prod = 1e9;
    }
    *combos = prod;
    return 0;
}

json_t *sw_sns_filter_parse(const char *policy, size_t len, int body_scope, char *err, size_t errlen) {
    if (len > SW_SNS_FILTER_MAX_BYTES) return sw_fail(err, errlen, "Filter policy is too large"), NULL;
    json_error_t je;
    json_t *p = json_loadb(policy, len, JSON_REJECT_DUPLICATES, &je);
    if (!p) return sw_fail(err, errlen, "failed to parse JSON. %.200s", je.text), NULL;
    if (!json_is_object(p)) {
        json_decref(p);
        return sw_fail(err, errlen, "Filter policy must be a JSON object"), NULL;
    }
    size_t keys = 0;
    double combos = 1;
    if (sw_object_check(p, body_scope, 0, &keys, &combos, err, errlen)) { json_decref(p); return NULL; }
    if (keys > SW_SNS_FILTER_MAX_KEYS) {
        json_decref(p);
        return sw_fail(err, errlen, "Filter policy can not have more than %d keys", SW_SNS_FILTER_MAX_KEYS), NULL;
    }
    if (combos > SW_SNS_FILTER_MAX_COMBINATIONS) {
        json_decref(p);
        return sw_fail(err, errlen, "Filter policy is too complex"), NULL;
    }
    return p;
}

/* ---------- the attributes document ---------- */

json_t *sw_sns_filter_attributes_doc(const sw_value *attrs) {
    json_t *doc = json_object();
    for (size_t i = 0; attrs && attrs->type == SW_V_MAP && i < attrs->u.map.n; i++) {
        const sw_value *a = attrs->u.map.items[i].val;
        const char *type = sw_v_get_str(a, "DataType", ""), *s = sw_v_get_str(a, "StringValue", NULL);
        json_t *v;
        if (strncmp(type, "Binary", 6) == 0 || !s) v = json_object();
        else if (strncmp(type, "Number", 6) == 0) v = json_real(strtod(s, NULL));
        else if (strcmp(type, "String.Array") == 0) {
            v = json_loads(s, JSON_DECODE_ANY, NULL);
            if (!json_is_array(v)) { json_decref(v); v = json_string(s); }
        } else v = json_string(s);
        json_object_set_new(doc, attrs->u.map.items[i].key, v ? v : json_null());
    }
    return doc;
}

/* ---------- matching ---------- */

static int sw_num_eq(double a, double b) { return llround(a * 1e5) == llround(b * 1e5); }

static int sw_prefix(const json_t *v, const char *p) {
    return json_is_string(v) && strncmp(json_string_value(v), p, strlen(p)) == 0;
}

static int sw_suffix(const json_t *v, const char *s) {
    if (!json_is_string(v)) return 0;
    size_t n = json_string_length(v), m = strlen(s);
    return m <= n && memcmp(json_string_value(v) + n - m, s, m) == 0;
}

static int sw_same(const json_t *c, const json_t *v) {
    if (json_is_string(c)) return json_is_string(v) && json_equal((json_t *)c, (json_t *)v);
    if (json_is_number(c)) return json_is_number(v) && sw_num_eq(json_number_value(c), json_number_value(v));
    if (json_is_boolean(c)) return json_is_boolean(v) && json_is_true(c) == json_is_true(v);
    if (json_is_null(c)) return json_is_null(v);
    return 0;
}

static int sw_numeric_match(const json_t *ops, double x) {
    for (size_t i = 0; i + 1 < json_array_size(ops); i += 2) {
        const char *o = json_string_value(json_array_get(ops, i));
        double y = json_number_value(json_array_get(ops, i + 1));
        int ok = strcmp(o, "<") == 0    ? x < y
                 : strcmp(o, "<=") == 0 ? x <= y
                 : strcmp(o, ">") == 0  ? x > y
                 : strcmp(o, ">=") == 0 ? x >= y
                                        : sw_num_eq(x, y);
        if (!ok) return 0;
    }
    return 1;
}

static int sw_cidr_match(const char *cidr, const json_t *v) {
    unsigned char net[16], ip[16];
    int family, bits;
    if (!json_is_string(v) || sw_cidr_parse(cidr, net, &family, &bits)) return 0;
    if (inet_pton(family, json_string_value(v), ip) != 1) return 0;
    int full = bits / 8, rest = bits % 8;
    if (memcmp(net, ip, (size_t)full) != 0) return 0;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return rest == 0 || (net[full] & mask) == (ip[full] & mask);
}

/* One condition against one scalar value. */
static int sw_condition_scalar(const json_t *c, const json_t *v) {
    if (!json_is_object(c)) return sw_same(c, v);
    const char *op = json_object_iter_key(json_object_iter((json_t *)c));
    const json_t *x = json_object_iter_value(json_object_iter((json_t *)c));
    if (strcmp(op, "prefix") == 0) return sw_prefix(v, json_string_value(x));
    if (strcmp(op, "suffix") == 0) return sw_suffix(v, json_string_value(x));
    if (strcmp(op, "equals-ignore-case") == 0)
        return json_is_string(v) && json_string_length(v) == json_string_length(x) &&
               strcasecmp(json_string_value(v), json_string_value(x)) == 0;
    if (strcmp(op, "numeric") == 0) return json_is_number(v) && sw_numeric_match(x, json_number_value(v));
    if (strcmp(op, "cidr") == 0) return sw_cidr_match(json_string_value(x), v);
    if (strcmp(op, "anything-but") == 0) {
        if (json_is_object(x)) {
            const char *k = json_object_iter_key(json_object_iter((json_t *)x));
            const char *s = json_string_value(json_object_get(x, k));
            /* Only a string can start or end with something; other values are "anything but" it. */
            if (!json_is_string(v)) return 0;
            return strcmp(k, "prefix") == 0 ? !sw_prefix(v, s) : !sw_suffix(v, s);
        }
        if (json_is_array(x)) {
            size_t i;
            json_t *e;
            json_array_foreach(x, i, e) if (sw_same(e, v)) return 0;
            return !json_is_object(v);
        }
        return !sw_same(x, v) && !json_is_object(v);
    }
    return 0;
}

/* The conditions of one key against its value (NULL when the key is absent). */
static int sw_leaf_match(const json_t *conds, const json_t *v) {
    size_t i;
    json_t *c;
    json_array_foreach(conds, i, c) {
        if (json_is_object(c) && json_object_get(c, "exists")) {
            if (json_is_true(json_object_get(c, "exists")) == (v != NULL)) return 1;
            continue;
        }
        if (!v) continue;
        if (json_is_array(v)) {
            size_t k;
            json_t *e;
            json_array_foreach(v, k, e) if (!json_is_array(e) && sw_condition_scalar(c, e)) return 1;
        } else if (sw_condition_scalar(c, v)) return 1;
    }
    return 0;
}

static int sw_object_match(const json_t *p, const json_t *doc) {
    const char *k;
    json_t *cond;
    json_object_foreach((json_t *)p, k, cond) {
        int ok = 0;
        if (strcmp(k, "$or") == 0) {
            size_t i;
            json_t *alt;
            json_array_foreach(cond, i, alt) if ((ok = sw_object_match(alt, doc))) break;
        } else {
            const json_t *v = json_is_object(doc) ? json_object_get(doc, k) : NULL;
            if (json_is_array(cond)) ok = sw_leaf_match(cond, v);
            else if (json_is_array(v)) {
                /* A nested policy over an array of objects: one element must match it whole. */
                size_t i;
                json_t *e;
                json_array_foreach(v, i, e) if (json_is_object(e) && (ok = sw_object_match(cond, e))) break;
            } else ok = sw_object_match(cond, json_is_object(v) ? v : NULL);
        }
        if (!ok) return 0;
    }
    return 1;
}

int sw_sns_filter_match(const json_t *policy, const json_t *doc) {
    return policy && sw_object_match(policy, doc);
}
