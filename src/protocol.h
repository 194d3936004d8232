/* protocol.h -- one request pipeline for every wire protocol: route, authenticate, inflate, decode
 * into the value tree, coerce by the model, call the handler, encode the answer or the error. */
#ifndef SW_PROTOCOL_H
#define SW_PROTOCOL_H
#include "buf.h"
#include "keys.h"
#include "metrics.h"
#include "sigv4.h"

typedef struct sw_server {
    sw_metrics *metrics;
    struct sw_logstore *logs;
    struct sw_alarms *alarms;
    struct sw_sns *sns;
    sw_keystore *keys;
    size_t max_request_bytes;  /* on the wire; past it: 413 */
    size_t max_inflated_bytes; /* after Content-Encoding: gzip */
    int request_log;           /* one log line per request */
    int manual_clock;          /* serve --manual-clock: POST /_skywatch/clock drives time (tests) */
} sw_server;

typedef struct sw_http_request {
    const char *method;
    const char *path; size_t path_len;    /* raw, percent-encoded, without the query */
    const char *query; size_t query_len;  /* raw, without '?' */
    const sw_header *headers; size_t nheaders;
    const char *body; size_t body_len;
    int body_too_large;                   /* the front end stopped reading past max_request_bytes */
    const char *remote;                   /* peer address for the log, may be NULL */
} sw_http_request;

typedef struct sw_http_response {
    int status;
    const char *content_type;   /* NULL = no body */
    sw_buf body;
    const char *smithy_protocol;   /* "rpc-v2-cbor" for CBOR responses */
    char query_error[192];         /* x-amzn-query-error value, "" if none */
    char request_id[40];
    /* for the request log */
    const char *protocol;
    char operation[64];
    char access_key[32];
} sw_http_response;

/* Handles one complete request. resp is initialised here; the caller frees resp->body.
 * Never fails: every problem becomes an AWS-shaped error response. */
void sw_dispatch(sw_server *srv, const sw_http_request *req, sw_http_response *resp);
/* Case-insensitive header lookup; returns the value's length in *len, or NULL when absent. */
const char *sw_header_get(const sw_http_request *req, const char *name, size_t *len);

#endif
