/* service.h -- what a service handler sees: the caller's tenancy, an arena, typed input, typed output. */
#ifndef SW_SERVICE_H
#define SW_SERVICE_H
#include "error.h"
#include "metrics.h"
#include "model.h"
#include "value.h"

typedef struct sw_ctx {
    sw_arena *arena;       /* owns input, output and anything the handler allocates for them */
    const char *account;   /* from the access key */
    const char *region;    /* from the SigV4 credential scope */
    const char *request_id;
    int trusted;           /* key may publish into AWS/ namespaces */
    int64_t now_ms;        /* the clock, read once per request */
    sw_metrics *metrics;
    struct sw_logstore *logs;
    struct sw_alarms *alarms;
    struct sw_sns *sns;
} sw_ctx;

/* A handler reads input (already coerced to the operation's input shape) and sets *output to a
 * map following the output shape (or leaves it NULL for no output). Returns 0, or -1 with err set. */
typedef int (*sw_handler_fn)(sw_ctx *ctx, const sw_value *input, sw_value **output, sw_error *err);

/* Optional, for hot operations: reads the AWS JSON body itself in one pass (a codec such as pmd_json.c
 * does the reading) instead of the generic decode + coerce. Returns 0 or -1 with err set, as a handler
 * does, or 1 to decline before any effect, and the body then goes the generic way. */
typedef int (*sw_json_handler_fn)(sw_ctx *ctx, const sw_operation *op, const char *body, size_t len,
                                  sw_value **output, sw_error *err);

typedef struct sw_handler { const char *op; sw_handler_fn fn; } sw_handler;
typedef struct sw_json_handler { const char *op; sw_json_handler_fn fn; } sw_json_handler;

typedef struct sw_service {
    const char *signing_name;  /* SigV4 scope service, e.g. "monitoring" */
    const sw_model *model;
    const sw_handler *handlers;
    size_t nhandlers;
    const sw_json_handler *json_handlers; /* one-pass AWS JSON handlers of some of those operations */
    size_t njson_handlers;
    int query;                 /* answers the query protocol (routed by the SigV4 scope's service) */
    int query_compatible;      /* awsQueryCompatible: JSON/CBOR errors carry x-amzn-query-error */
    int cbor;                  /* answers Smithy RPC v2 CBOR */
    const char *shape_namespace; /* Smithy namespace for CBOR __type, e.g. "com.amazonaws.cloudwatch" */
    const char *validation_code; /* the code this service gives model-validation failures; NULL = ValidationError */
    size_t max_request_bytes;    /* the service's own body limit on the wire (0 = only the server's) */
} sw_service;

/* The handler for op, or NULL when the model has the operation but skywatch does not implement it. */
sw_handler_fn sw_service_handler(const sw_service *svc, const char *op);
/* The one-pass JSON handler for op, or NULL when op has none. */
sw_json_handler_fn sw_service_json_handler(const sw_service *svc, const char *op);
/* Loads an embedded model once and fills svc; aborts with a log line if the embedded model is invalid
 * (a build defect, not an input). */
void sw_service_init(sw_service *svc, const char *model_start, const char *model_end);

/* Every service skywatch answers, NULL-terminated; their models are parsed on first call. */
const sw_service *const *sw_services(void);
/* CloudWatch (monitoring): models/cloudwatch.json. */
const sw_service *sw_cloudwatch_service(void);
/* CloudWatch Logs (logs): models/logs.json. */
const sw_service *sw_logs_service(void);
/* Amazon SNS (sns, query protocol): models/sns.json. */
const sw_service *sw_sns_service(void);


#endif
