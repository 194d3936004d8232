/* alloc.h -- the one allocator wrapper: every heap allocation in skywatch goes through here. */
#ifndef SW_ALLOC_H
#define SW_ALLOC_H
#include <stddef.h>

/* These never return NULL: on out-of-memory they log and abort, so callers need no checks. */
void *sw_malloc(size_t n);
void *sw_calloc(size_t count, size_t size);
void *sw_realloc(void *p, size_t n);
char *sw_strdup(const char *s);
char *sw_strndup(const char *s, size_t n);
void sw_free(void *p);

#endif
