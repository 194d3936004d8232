/* alloc.c -- allocation wrappers with a single out-of-memory policy (abort). */
#include "alloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sw_oom(size_t n) {
    fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"out of memory\",\"bytes\":%zu}\n", n);
    abort();
}

void *sw_malloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) sw_oom(n);
    return p;
}

void *sw_calloc(size_t count, size_t size) {
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) sw_oom(count * size);
    return p;
}

void *sw_realloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) sw_oom(n);
    return q;
}

char *sw_strndup(const char *s, size_t n) {
    char *d = sw_malloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *sw_strdup(const char *s) { return sw_strndup(s, strlen(s)); }

void sw_free(void *p) { free(p); }
