/* protocol.c -- the request pipeline shared by query (XML), AWS JSON 1.0 and Smithy RPC v2 CBOR.
 * Wire formats: https://smithy.io/2.0/aws/protocols/ and .../additional-specs/protocols/smithy-rpc-v2.html */
#include "protocol.h"
#include "cbor.h"
#include "clock.h"
#include "form.h"
#include "gzip.h"
#include "json.h"
#include "log.h"
#include "model.h"
#include "scheduler.h"
#include "sns.h"
#include "service.h"
#include "xml.h"
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SW_ARENA_LIMIT (256u << 20)

typedef enum { SW_PROTO_QUERY, SW_PROTO_JSON, SW_PROTO_CBOR } sw_proto;

typedef struct sw_call {
    sw_server *srv;
    const sw_http_request *req;
    sw_http_response *resp;
    sw_proto proto;
    const sw_service *svc;
    char op[64];
    sw_arena arena;
    sw_error err;
    sw_buf inflated;
    const char *body;
    size_t body_len;
    sw_key key;
    sw_sigv4_auth auth;
} sw_call;

const char *sw_header_get(const sw_http_request *req, const char *name, size_t *len) {
    size_t n = strlen(name);
    for (size_t i = 0; i < req->nheaders; i++)
        if (req->headers[i].nlen == n && strncasecmp(req->headers[i].name, name, n) == 0) {
            if (len) *len = req->headers[i].vlen;
            return req->headers[i].value;
        }
    return NULL;
}

static int sw_header_is(const sw_http_request *req, const char *name, const char *prefix) {
    size_t len;
    const char *v = sw_header_get(req, name, &len);
    size_t pl = strlen(prefix);
    return v && len >= pl && strncasecmp(v, prefix, pl) == 0;
}

static void sw_request_id(char out[40]) {
    unsigned char r[16];
    RAND_bytes(r, sizeof r);
    r[6] = (r[6] & 0x0F) | 0x40;
    r[8] = (r[8] & 0x3F) | 0x80;
    snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3],
             r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

/* ---------- encoding answers ---------- */

static const char *sw_xml_ns(const sw_call *c) {
    return c->svc && c->svc->model->xml_namespace ? c->svc->model->xml_namespace : "http://monitoring.amazonaws.com/doc/2010-08-01/";
}

/* AWS JSON 1.0 or 1.1, as the service's model says. */
static const char *sw_json_content_type(const sw_call *c) {
    return c->svc && c->svc->model->json_version && strcmp(c->svc->model->json_version, "1.1") == 0
               ? "application/x-amz-json-1.1"
               : "application/x-amz-json-1.0";
}

static void sw_encode_error(sw_call *c) {
    sw_http_response *r = c->resp;
    sw_error *e = &c->err;
    const char *type = e->type_name ? e->type_name : e->code;
    r->status = e->status;
    sw_buf_reset(&r->body);
    if (!c->svc || c->svc->query_compatible)
        snprintf(r->query_error, sizeof r->query_error, "%s;%s", e->code, e->sender ? "Sender" : "Receiver");
    /* InternalServiceFault and ConflictException name their member "Message"; every other CloudWatch error "message". */
    const char *msgkey = type && (strcmp(type, "InternalServiceFault") == 0 || strcmp(type, "ConflictException") == 0) ? "Message" : "message";
    if (c->proto == SW_PROTO_QUERY) {
        r->content_type = "text/xml";
        r->query_error[0] = '\0';
        sw_buf_printf(&r->body, "<ErrorResponse xmlns=\"%s\"><Error><Type>%s</Type><Code>", sw_xml_ns(c), e->sender ? "Sender" : "Receiver");
        sw_xml_escape(&r->body, e->code, strlen(e->code));
        sw_buf_puts(&r->body, "</Code><Message>");
        sw_xml_escape(&r->body, e->message, strlen(e->message));
        sw_buf_printf(&r->body, "</Message></Error><RequestId>%s</RequestId></ErrorResponse>", r->request_id);
    } else if (c->proto == SW_PROTO_JSON) {
        r->content_type = sw_json_content_type(c);
        sw_buf_puts(&r->body, "{\"__type\":");
        sw_json_put_string(&r->body, type, strlen(type));
        sw_buf_printf(&r->body, ",\"%s\":", msgkey);
        sw_json_put_string(&r->body, e->message, strlen(e->message));
        sw_buf_putc(&r->body, '}');
    } else {
        sw_arena a;
        sw_arena_init(&a, 0);
        char full[160];
        snprintf(full, sizeof full, "%s#%s", c->svc && c->svc->shape_namespace ? c->svc->shape_namespace : "com.amazonaws.cloudwatch", type);
        sw_value *m = sw_v_map(&a);
        sw_v_map_putc(&a, m, "__type", sw_v_cstr(&a, full));
        sw_v_map_putc(&a, m, msgkey, sw_v_cstr(&a, e->message));
        r->content_type = "application/cbor";
        r->smithy_protocol = "rpc-v2-cbor";
        sw_cbor_encode(&r->body, m);
        sw_arena_free(&a);
    }
}

static void sw_encode_output(sw_call *c, const sw_operation *op, const sw_value *out) {
    sw_http_response *r = c->resp;
    r->status = 200;
    if (c->proto == SW_PROTO_QUERY) {
        r->content_type = "text/xml";
        sw_buf_printf(&r->body, "<%sResponse xmlns=\"%s\">", op->name, sw_xml_ns(c));
        if (op->output) {
            const char *wrapper = op->result_wrapper;
            if (wrapper) sw_buf_printf(&r->body, "<%s>", wrapper);
            sw_xml_encode_members(&r->body, op->output, out);
            if (wrapper) sw_buf_printf(&r->body, "</%s>", wrapper);
        }
        sw_buf_printf(&r->body, "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>",
                      r->request_id, op->name);
    } else if (c->proto == SW_PROTO_JSON) {
        r->content_type = sw_json_content_type(c);
        if (out) sw_json_encode(&r->body, out);
        else sw_buf_puts(&r->body, "{}");
    } else {
        r->smithy_protocol = "rpc-v2-cbor";
        /* Smithy RPC v2: an operation without output answers with an empty body. */
        if (op->output) {
            r->content_type = "application/cbor";
            sw_value empty = {.type = SW_V_MAP};
            sw_cbor_encode(&r->body, out ? out : &empty);
        }
    }
}

/* ---------- routing ---------- */

/* Finds "/service/<name>/operation/<op>" at the end of the path (a prefix path is allowed). */
static int sw_cbor_route(sw_call *c) {
    const char *p = c->req->path, *end = p + c->req->path_len;
    const char *seg[4];
    size_t segl[4];
    int n = 0;
    while (end > p && n < 4) {
        const char *s = end;
        while (s > p && s[-1] != '/') s--;
        seg[3 - n] = s;
        segl[3 - n] = (size_t)(end - s);
        n++;
        end = s > p ? s - 1 : s;
    }
    if (n < 4 || segl[0] != 7 || memcmp(seg[0], "service", 7) || segl[2] != 9 || memcmp(seg[2], "operation", 9))
        return sw_error_set(&c->err, 404, "UnknownOperationException", "Expected a path ending in /service/<ServiceName>/operation/<OperationName>.");
    for (const sw_service *const *sv = sw_services(); *sv && !c->svc; sv++) {
        if (!(*sv)->cbor || !(*sv)->model->target_prefix) continue; /* e.g. SNS: query protocol only */
        const char *name = (*sv)->model->target_prefix, *ns = (*sv)->shape_namespace;
        size_t nl = strlen(name), nsl = ns ? strlen(ns) : 0;
        /* The service name may be bare or qualified by its Smithy namespace. */
        if ((*sv)->cbor && ((segl[1] == nl && memcmp(seg[1], name, nl) == 0) ||
                            (ns && segl[1] == nsl + 1 + nl && memcmp(seg[1], ns, nsl) == 0 && seg[1][nsl] == '.' &&
                             memcmp(seg[1] + nsl + 1, name, nl) == 0)))
            c->svc = *sv;
    }
    if (!c->svc) return sw_error_set(&c->err, 404, "UnknownOperationException", "Unknown service %.*s.", (int)(segl[1] > 64 ? 64 : segl[1]), seg[1]);
    if (segl[3] == 0 || segl[3] >= sizeof c->op) return sw_error_set(&c->err, 404, "UnknownOperationException", "Missing operation name.");
    memcpy(c->op, seg[3], segl[3]);
    c->op[segl[3]] = '\0';
    return 0;
}

static int sw_json_route(sw_call *c) {
    size_t len;
    const char *t = sw_header_get(c->req, "x-amz-target", &len);
    const char *dot = memchr(t, '.', len);
    for (const sw_service *const *sv = sw_services(); *sv && dot && !c->svc; sv++) {
        const char *prefix = (*sv)->model->target_prefix;
        if (prefix && strlen(prefix) == (size_t)(dot - t) && memcmp(t, prefix, (size_t)(dot - t)) == 0) c->svc = *sv;
    }
    size_t oplen = dot ? len - (size_t)(dot - t) - 1 : 0;
    if (!c->svc || oplen == 0 || oplen >= sizeof c->op)
        return sw_error_set(&c->err, 400, "UnknownOperationException", "Unknown target %.*s.", (int)(len > 128 ? 128 : len), t);
    memcpy(c->op, dot + 1, oplen);
    c->op[oplen] = '\0';
    const char *ct = sw_json_content_type(c);
    if (!sw_header_is(c->req, "content-type", ct) && !sw_header_is(c->req, "content-type", "application/json"))
        return sw_error_set(&c->err, 415, "UnsupportedMediaType", "Content-Type must be %s for X-Amz-Target requests.", ct);
    return 0;
}

static sw_proto sw_detect(const sw_http_request *req) {
    if (sw_header_get(req, "smithy-protocol", NULL)) return SW_PROTO_CBOR;
    if (sw_header_get(req, "x-amz-target", NULL)) return SW_PROTO_JSON;
    return SW_PROTO_QUERY;
}

static int sw_route(sw_call *c) {
    const sw_http_request *req = c->req;
    if (c->proto == SW_PROTO_CBOR) {
        size_t len;
        const char *v = sw_header_get(req, "smithy-protocol", &len);
        if (len != 11 || strncmp(v, "rpc-v2-cbor", 11) != 0)
            return sw_error_set(&c->err, 400, "UnsupportedProtocol", "Smithy-Protocol must be rpc-v2-cbor.");
        /* "Requests for the rpcv2Cbor protocol MUST NOT contain an X-Amz-Target or X-Amzn-Target header." */
        if (sw_header_get(req, "x-amz-target", NULL) || sw_header_get(req, "x-amzn-target", NULL))
            return sw_error_set(&c->err, 400, "SerializationException", "An RPC v2 CBOR request must not carry X-Amz-Target.");
        if (strcmp(req->method, "POST") != 0)
            return sw_error_set(&c->err, 405, "MethodNotAllowed", "RPC v2 CBOR requests use POST.");
        return sw_cbor_route(c);
    }
    if (c->proto == SW_PROTO_JSON) {
        if (strcmp(req->method, "POST") != 0) return sw_error_set(&c->err, 405, "MethodNotAllowed", "JSON requests use POST.");
        return sw_json_route(c);
    }
    /* Query services share one URL: the SigV4 scope names the service (CloudWatch "monitoring", SNS "sns").
     * Without a readable scope the request goes to CloudWatch, whose authentication step then answers. */
    c->svc = sw_cloudwatch_service();
    sw_sigv4_request sreq = {req->method, req->path, req->path_len, req->query, req->query_len, req->headers, req->nheaders, ""};
    sw_sigv4_auth auth;
    if (sw_sigv4_parse(&sreq, &auth, NULL, 0) == SW_SIGV4_OK)
        for (const sw_service *const *sv = sw_services(); *sv; sv++)
            if ((*sv)->query && strcmp((*sv)->signing_name, auth.service) == 0) c->svc = *sv;
    if (strcmp(req->method, "POST") == 0 && !sw_header_is(req, "content-type", "application/x-www-form-urlencoded"))
        return sw_error_set(&c->err, 415, "UnsupportedMediaType",
                            "Query requests must be application/x-www-form-urlencoded; JSON requests need X-Amz-Target; CBOR requests need Smithy-Protocol.");
    if (strcmp(req->method, "POST") != 0 && strcmp(req->method, "GET") != 0)
        return sw_error_set(&c->err, 405, "MethodNotAllowed", "Query requests use POST or GET.");
    return 0;
}

/* ---------- authentication ---------- */

static int sw_authenticate(sw_call *c) {
    const sw_http_request *req = c->req;
    char hash[65], msg[512];
    sw_sigv4_sha256_hex(req->body, req->body_len, hash);
    sw_sigv4_request sreq = {req->method, req->path, req->path_len, req->query, req->query_len, req->headers, req->nheaders, hash};
    sw_sigv4_status st = sw_sigv4_parse(&sreq, &c->auth, msg, sizeof msg);
    if (st == SW_SIGV4_MISSING) return sw_error_set(&c->err, 403, "MissingAuthenticationToken", "%s", msg);
    if (st != SW_SIGV4_OK) return sw_error_set(&c->err, 400, "IncompleteSignature", "%s", msg);
    snprintf(c->resp->access_key, sizeof c->resp->access_key, "%.31s", c->auth.access_key);
    if (strcmp(c->auth.service, c->svc->signing_name) != 0)
        return sw_error_set(&c->err, 403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: '%s'.", c->svc->signing_name);
    if (sw_keys_lookup(c->srv->keys, c->auth.access_key, &c->key) != 0)
        return sw_error_set(&c->err, 403, "InvalidClientTokenId", "The security token included in the request is invalid.");
    st = sw_sigv4_verify(&sreq, &c->auth, c->key.secret, sw_clock_real_ms() / 1000, msg, sizeof msg);
    if (st == SW_SIGV4_OK) return 0;
    if (st == SW_SIGV4_EXPIRED) {
        /* JSON services answer InvalidSignatureException (400); query services SignatureDoesNotMatch (403). */
        if (c->proto == SW_PROTO_QUERY) return sw_error_set(&c->err, 403, "SignatureDoesNotMatch", "%s", msg);
        return sw_error_set(&c->err, 400, "InvalidSignatureException", "%s", msg);
    }
    /* AWS reports an unsupported algorithm as IncompleteSignature, a wrong scope date or terminator as a mismatch. */
    if (st == SW_SIGV4_INCOMPLETE || (st == SW_SIGV4_BAD_SCOPE && strcmp(c->auth.algorithm, SW_SIGV4_ALGORITHM) != 0))
        return sw_error_set(&c->err, 400, "IncompleteSignature", "%s", msg);
    return sw_error_set(&c->err, 403, "SignatureDoesNotMatch", "%s", msg);
}

static int sw_region_ok(const char *r) {
    size_t n = strlen(r);
    if (n == 0 || n > 32) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') || r[i] == '-')) return 0;
    return 1;
}

/* ---------- body ---------- */

static int sw_inflate(sw_call *c) {
    size_t len;
    const char *enc = sw_header_get(c->req, "content-encoding", &len);
    c->body = c->req->body;
    c->body_len = c->req->body_len;
    if (!enc || (len == 8 && strncasecmp(enc, "identity", 8) == 0)) return 0;
    if (!(len == 4 && strncasecmp(enc, "gzip", 4) == 0))
        return sw_error_set(&c->err, 415, "UnsupportedMediaType", "Content-Encoding %.*s is not supported; use gzip.", (int)(len > 32 ? 32 : len), enc);
    char msg[128];
    int rc = sw_gunzip(c->req->body, c->req->body_len, c->srv->max_inflated_bytes, &c->inflated, msg, sizeof msg);
    if (rc == -2) return sw_error_set(&c->err, 413, "RequestEntityTooLarge", "The decompressed request body exceeds %zu bytes.", c->srv->max_inflated_bytes);
    if (rc) return sw_error_set(&c->err, 400, "SerializationException", "Could not decompress the request body: %s.", msg);
    c->body = c->inflated.data ? c->inflated.data : "";
    c->body_len = c->inflated.len;
    return 0;
}

/* Decodes the body (and, for query, the URL's parameters) into the generic tree. */
static int sw_decode(sw_call *c, sw_value **tree) {
    char msg[256] = "";
    if (c->proto == SW_PROTO_JSON) {
        if (c->body_len == 0) { *tree = sw_v_map(&c->arena); return 0; }
        if (sw_json_decode(&c->arena, c->body, c->body_len, tree, msg, sizeof msg) == 0) return 0;
        return sw_error_set(&c->err, 400, "SerializationException", "Malformed JSON request body: %s.", msg);
    }
    if (c->proto == SW_PROTO_CBOR) {
        if (c->body_len == 0) { *tree = sw_v_map(&c->arena); return 0; }
        if (sw_cbor_decode(&c->arena, (const uint8_t *)c->body, c->body_len, tree, msg, sizeof msg) == 0) return 0;
        return sw_error_set(&c->err, 400, "SerializationException", "Malformed CBOR request body: %s.", msg);
    }
    const char *src = strcmp(c->req->method, "GET") == 0 ? c->req->query : c->body;
    size_t n = strcmp(c->req->method, "GET") == 0 ? c->req->query_len : c->body_len;
    if (sw_form_decode(&c->arena, src ? src : "", n, tree, msg, sizeof msg) == 0) return 0;
    return sw_error_set(&c->err, 400, "MalformedQueryString", "%s", msg);
}

static int sw_find_operation(sw_call *c, sw_value *tree, const sw_operation **op) {
    if (c->proto == SW_PROTO_QUERY) {
        const char *action = sw_v_get_str(tree, "Action", NULL);
        if (!action) return sw_error_set(&c->err, 400, "MissingAction", "The request must contain the parameter Action.");
        snprintf(c->op, sizeof c->op, "%s", action);
        const char *version = sw_v_get_str(tree, "Version", NULL);
        if (version && strcmp(version, c->svc->model->api_version) != 0)
            return sw_error_set(&c->err, 400, "InvalidParameterValue", "Version %.32s is not supported; use %s.", version, c->svc->model->api_version);
    }
    snprintf(c->resp->operation, sizeof c->resp->operation, "%s", c->op);
    *op = sw_model_op(c->svc->model, c->op, strlen(c->op));
    const char *code = c->proto == SW_PROTO_QUERY ? "InvalidAction" : "UnknownOperationException";
    int status = c->proto == SW_PROTO_CBOR ? 404 : 400;
    if (!*op) return sw_error_set(&c->err, status, code, "The action %.64s is not valid for this web service.", c->op);
    if (!sw_service_handler(c->svc, c->op))
        return sw_error_set(&c->err, status, code, "The action %.64s is not implemented by skywatch yet.", c->op);
    return 0;
}

/* ---------- the clock endpoint (serve --manual-clock only) ---------- */

/* POST /_skywatch/clock {"advance_ms":N} or {"set_ms":N} moves a manual clock forward, running every
 * scheduled task (alarm evaluation, retention, delivery retries) at each due time on the way; GET
 * reads it. Signed with SigV4 for the service "skywatch" by a trusted key. */
static int sw_admin(sw_call *c) {
    static const sw_service admin = {.signing_name = "skywatch"};
    c->proto = SW_PROTO_JSON;
    c->resp->protocol = "admin";
    snprintf(c->resp->operation, sizeof c->resp->operation, "clock");
    if (c->req->path_len != 16 || memcmp(c->req->path, "/_skywatch/clock", 16) != 0)
        return sw_error_set(&c->err, 404, "NotFound", "The only administrative path is /_skywatch/clock.");
    c->svc = &admin;
    int rc = sw_authenticate(c);
    c->svc = NULL;
    if (rc) return -1;
    if (!c->key.trusted) return sw_error_set(&c->err, 403, "AccessDenied", "Only a trusted key may drive the clock.");
    if (!c->srv->manual_clock)
        return sw_error_set(&c->err, 400, "ClockNotManual", "The server runs on the real clock; start it with --manual-clock to drive time.");
    int64_t now = sw_clock_now_ms(), target = now;
    long runs = 0;
    if (strcmp(c->req->method, "POST") == 0) {
        sw_value *tree = NULL;
        char msg[256];
        if (sw_json_decode(&c->arena, c->req->body ? c->req->body : "", c->req->body_len, &tree, msg, sizeof msg) || tree->type != SW_V_MAP)
            return sw_error_set(&c->err, 400, "SerializationException", "Expected a JSON object with advance_ms or set_ms.");
        sw_value *adv = sw_v_get(tree, "advance_ms"), *set = sw_v_get(tree, "set_ms");
        sw_value *v = adv ? adv : set;
        if (!v || (adv && set) || v->type != SW_V_INT)
            return sw_error_set(&c->err, 400, "ValidationException", "Give exactly one of advance_ms or set_ms, as an integer.");
        target = adv ? now + v->u.i : v->u.i;
        if (target < now || (adv && v->u.i < 0))
            return sw_error_set(&c->err, 400, "ValidationException", "The clock only moves forward (now %lld ms).", (long long)now);
        runs = sw_scheduler_advance_to(target);
    } else if (strcmp(c->req->method, "GET") != 0) {
        return sw_error_set(&c->err, 405, "MethodNotAllowed", "Use GET to read the clock and POST to move it.");
    }
    c->resp->status = 200;
    c->resp->content_type = "application/json";
    sw_buf_printf(&c->resp->body, "{\"now_ms\":%lld,\"task_runs\":%ld}", (long long)sw_clock_now_ms(), runs);
    return 0;
}

static void sw_ctx_init(sw_call *c, sw_ctx *ctx) {
    *ctx = (sw_ctx){&c->arena, c->key.account, c->auth.region, c->resp->request_id, c->key.trusted, sw_clock_now_ms(),
                    c->srv->metrics, c->srv->logs, c->srv->alarms, c->srv->sns};
}

/* AWS JSON operations with a one-pass handler (PutMetricData) skip the value tree. Returns 0 or -1 as
 * sw_run does when it handled the call, 1 when the generic path must (no such handler, or it declined). */
static int sw_run_json_handler(sw_call *c) {
    if (c->proto != SW_PROTO_JSON) return 1;
    const sw_operation *op = sw_model_op(c->svc->model, c->op, strlen(c->op));
    sw_json_handler_fn fn = op ? sw_service_json_handler(c->svc, c->op) : NULL;
    if (!fn) return 1;
    sw_ctx ctx;
    sw_ctx_init(c, &ctx);
    sw_value *out = NULL;
    int rc = fn(&ctx, op, c->body, c->body_len, &out, &c->err);
    if (rc == 1) return 1;
    snprintf(c->resp->operation, sizeof c->resp->operation, "%s", c->op);
    if (rc) return -1;
    sw_encode_output(c, op, out);
    return 0;
}

static int sw_run(sw_call *c) {
    if (c->req->body_too_large)
        return sw_error_set(&c->err, 413, "RequestEntityTooLarge", "The request body exceeds %zu bytes.", c->srv->max_request_bytes);
    if (c->req->path_len >= 11 && memcmp(c->req->path, "/_skywatch/", 11) == 0) return sw_admin(c);
    if (sw_route(c)) return -1;
    if (c->svc->max_request_bytes && c->req->body_len > c->svc->max_request_bytes)
        return sw_error_set(&c->err, 413, "RequestEntityTooLarge", "The request body exceeds %zu bytes.", c->svc->max_request_bytes);
    if (sw_authenticate(c)) return -1;
    if (!sw_region_ok(c->auth.region)) return sw_error_set(&c->err, 400, "InvalidParameterValue", "The region in the credential scope is not valid.");
    sw_value *tree = NULL, *out = NULL;
    const sw_operation *op = NULL;
    if (sw_inflate(c)) return -1;
    int fast = sw_run_json_handler(c);
    if (fast <= 0) return fast;
    if (sw_decode(c, &tree) || sw_find_operation(c, tree, &op)) return -1;
    sw_wire wire = c->proto == SW_PROTO_QUERY ? SW_WIRE_QUERY : c->proto == SW_PROTO_JSON ? SW_WIRE_JSON : SW_WIRE_CBOR;
    if (sw_model_coerce(&c->arena, op->input, &tree, wire, &c->err)) {
        /* CloudWatch answers ValidationError/MissingParameter; CloudWatch Logs InvalidParameterException. */
        if (c->svc->validation_code && c->err.status == 400 && strcmp(c->err.code, "SerializationException") != 0)
            c->err.code = c->err.type_name = c->svc->validation_code;
        return -1;
    }
    sw_ctx ctx;
    sw_ctx_init(c, &ctx);
    if (sw_service_handler(c->svc, op->name)(&ctx, tree, &out, &c->err)) return -1;
    sw_encode_output(c, op, out);
    return 0;
}

static const char *sw_proto_name(sw_proto p) { return p == SW_PROTO_QUERY ? "query" : p == SW_PROTO_JSON ? "json" : "cbor"; }

void sw_dispatch(sw_server *srv, const sw_http_request *req, sw_http_response *resp) {
    memset(resp, 0, sizeof *resp);
    sw_buf_init(&resp->body);
    sw_request_id(resp->request_id);
    if (sw_sns_public_request(srv, req, resp)) return; /* SubscribeURL, UnsubscribeURL, SigningCertURL: unsigned */
    sw_call c = {.srv = srv, .req = req, .resp = resp, .proto = sw_detect(req)};
    resp->protocol = sw_proto_name(c.proto);
    sw_arena_init(&c.arena, SW_ARENA_LIMIT);
    sw_buf_init(&c.inflated);
    if (sw_run(&c)) {
        if (c.err.status == 0) sw_error_set(&c.err, 500, "InternalServiceError", "Internal error.");
        sw_encode_error(&c);
    }
    sw_arena_free(&c.arena);
    sw_buf_free(&c.inflated);
}
