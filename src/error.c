/* error.c -- construction of AWS-shaped errors. */
#include "error.h"
#include "utf8.h"
#include <stdarg.h>
#include <stdio.h>

/* Messages quote client input, and %.Ns may cut a character in two: every encoder needs valid
 * UTF-8 (CBOR text strings, XML), so sw_utf8_repair turns stray bytes into '?'. */
static void sw_error_fill(sw_error *e, int status, const char *code, const char *type_name, const char *fmt, va_list ap) {
    e->status = status;
    e->code = code;
    e->type_name = type_name;
    e->sender = status < 500;
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    sw_utf8_repair(e->message);
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
