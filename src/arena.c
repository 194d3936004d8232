/* arena.c -- bump allocator with a byte limit, so a hostile body cannot exhaust memory. */
#include "arena.h"
#include "alloc.h"
#include <string.h>

struct sw_arena_block {
    sw_arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

void sw_arena_init(sw_arena *a, size_t limit) { a->head = NULL; a->used_total = 0; a->limit = limit; }

void *sw_arena_alloc_raw(sw_arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (n == 0) n = 16;
    if (a->limit && a->used_total + n > a->limit) return NULL;
    sw_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        /* Blocks double from 32 KiB to 1 MiB, so a large request needs few of them. */
        size_t size = a->head ? a->head->size * 2 : 32768;
        if (size > (1u << 20)) size = 1u << 20;
        if (size < n) size = n;
        b = sw_malloc(sizeof *b + size);
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->used_total += n;
    return p;
}

void *sw_arena_alloc(sw_arena *a, size_t n) {
    void *p = sw_arena_alloc_raw(a, n);
    if (p) memset(p, 0, n);
    return p;
}

char *sw_arena_strndup(sw_arena *a, const char *s, size_t n) {
    char *d = sw_arena_alloc_raw(a, n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void sw_arena_free(sw_arena *a) {
    sw_arena_block *b = a->head;
    while (b) { sw_arena_block *n = b->next; sw_free(b); b = n; }
    a->head = NULL;
    a->used_total = 0;
}
