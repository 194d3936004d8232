/* error.h -- an AWS-shaped error: query code, HTTP status, fault side and message. */
#ifndef SW_ERROR_H
#define SW_ERROR_H

typedef struct sw_error {
    int status;             /* HTTP status; 0 = no error */
    const char *code;       /* the query-protocol code, e.g. "InvalidParameterValue" (static string) */
    const char *type_name;  /* the model's shape name for JSON/CBOR __type, or NULL to use code */
    int sender;             /* 1 = Sender fault, 0 = Receiver */
    char message[1024];
} sw_error;

/* Fills e; the message is printf-formatted and truncated to fit. Returns -1 so handlers can `return sw_error_set(...)`. */
int sw_error_set(sw_error *e, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Same, with the model's shape name for __type (e.g. "InvalidParameterValueException"). */
int sw_error_set_typed(sw_error *e, int status, const char *code, const char *type_name, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* CloudWatch's modeled errors, by the shape names in the service model. */
#define SW_ERR_INVALID_PARAMETER(e, ...) sw_error_set_typed(e, 400, "InvalidParameterValue", "InvalidParameterValueException", __VA_ARGS__)
#define SW_ERR_MISSING_PARAMETER(e, ...) sw_error_set_typed(e, 400, "MissingParameter", "MissingRequiredParameterException", __VA_ARGS__)
#define SW_ERR_INVALID_COMBINATION(e, ...) sw_error_set_typed(e, 400, "InvalidParameterCombination", "InvalidParameterCombinationException", __VA_ARGS__)
#define SW_ERR_INVALID_NEXT_TOKEN(e, ...) sw_error_set_typed(e, 400, "InvalidNextToken", "InvalidNextToken", __VA_ARGS__)
#define SW_ERR_INTERNAL(e, ...) sw_error_set_typed(e, 500, "InternalServiceError", "InternalServiceFault", __VA_ARGS__)

#endif
