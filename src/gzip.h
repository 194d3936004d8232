/* gzip.h -- Content-Encoding: gzip request bodies, inflated with a hard output limit. */
#ifndef SW_GZIP_H
#define SW_GZIP_H
#include "buf.h"
#include <stddef.h>

/* Inflates gzip data (one or more members) into out. Returns 0; -1 when the data is not valid
 * gzip (reason in err); -2 when the output would exceed limit bytes (a "gzip bomb"). */
int sw_gunzip(const void *in, size_t n, size_t limit, sw_buf *out, char *err, size_t errlen);

#endif
