/* form.h -- application/x-www-form-urlencoded bodies (AWS query protocol) into a path tree. */
#ifndef SW_FORM_H
#define SW_FORM_H
#include "value.h"
#include <stddef.h>

/* Decodes "A.member.1.B=x&Action=Op" into nested maps split on '.': {"A":{"member":{"1":{"B":"x"}}},
 * "Action":"Op"}; leaves are SW_V_STRING. '+' is a space, %XX is decoded, invalid escapes and a
 * key that is both a leaf and a prefix are errors. Returns 0, or -1 with a reason in err. */
int sw_form_decode(sw_arena *a, const char *body, size_t n, sw_value **out, char *err, size_t errlen);
/* Percent-decodes [s, s+n) into dst (capacity >= n + 1, NUL-terminated); plus_is_space turns '+' into ' '.
 * Returns the decoded length, or -1 on a malformed escape. */
long sw_form_unescape(const char *s, size_t n, char *dst, int plus_is_space);

#endif
