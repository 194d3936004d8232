/* arena.h -- per-request bump allocator: everything a request decodes lives here and dies together. */
#ifndef SW_ARENA_H
#define SW_ARENA_H
#include <stddef.h>

typedef struct sw_arena_block sw_arena_block;
typedef struct sw_arena {
    sw_arena_block *head;
    size_t used_total;   /* bytes handed out, for limits */
    size_t limit;        /* 0 = unlimited; past it sw_arena_alloc returns NULL */
} sw_arena;

void sw_arena_init(sw_arena *a, size_t limit);
/* Returns 16-byte aligned zeroed memory, or NULL when the arena's limit would be exceeded. */
void *sw_arena_alloc(sw_arena *a, size_t n);
/* Like sw_arena_alloc but the memory is not zeroed: for bytes the caller writes in full. */
void *sw_arena_alloc_raw(sw_arena *a, size_t n);
/* Copies n bytes and appends a NUL; NULL past the limit. */
char *sw_arena_strndup(sw_arena *a, const char *s, size_t n);
void sw_arena_free(sw_arena *a);

#endif
