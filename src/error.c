/* error.c -- construction of AWS-shaped errors. */
#include "error.h"
#include <stdarg.h>
#include <stdio.h>

static void sw_error_fill(sw_error *e, int status, const char *code, const char *type_name, const char *fmt, va_list ap) {
    e->status = status;
    e->code = code;
    e->type_name = type_name;
    e->sender = status < 500;
    vsnprintf(e->message, sizeof e->message, fmt, ap);
}

int sw_error_set(sw_error *e, int status, const char *code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sw_error_fill(e, status, code, NULL, fmt, ap);
    va_end(ap);
    return -1;
}

int sw_error_set_typed(sw_error *e, int status, const char *code, const char *type_name, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sw_error_fill(e, status, code, type_name, fmt, ap);
    va_end(ap);
    return -1;
}
