/* fuzz_form.c -- libFuzzer target: query-protocol form bodies must decode or fail cleanly, never crash. */
#include "alloc.h"
#include "form.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ARENA_LIMIT (4u << 20)

/* Every leaf of a decoded tree is a string and every inner node a non-empty-keyed map. */
static void check_tree(const sw_value *v) {
    if (v->type == SW_V_STRING) {
        if (v->u.str.s[v->u.str.len] != '\0') abort();
        return;
    }
    if (v->type != SW_V_MAP) abort();
    for (size_t i = 0; i < v->u.map.n; i++) {
        if (v->u.map.items[i].klen == 0) abort();
        check_tree(v->u.map.items[i].val);
    }
}

/* Decodes data as a form body under an arena limit, then unescapes the same bytes both ways:
 * the result never grows past the input, and "+" only differs from " " in the plus_is_space run. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sw_arena a;
    sw_value *tree = NULL;
    char err[256] = "";
    sw_arena_init(&a, FUZZ_ARENA_LIMIT);
    if (sw_form_decode(&a, (const char *)data, size, &tree, err, sizeof err) == 0) check_tree(tree);
    else if (err[0] == '\0') abort();
    sw_arena_free(&a);

    char *plain = sw_malloc(size + 1), *spaced = sw_malloc(size + 1);
    long n1 = sw_form_unescape((const char *)data, size, plain, 0);
    long n2 = sw_form_unescape((const char *)data, size, spaced, 1);
    if (n1 != n2 || n1 > (long)size) abort();
    if (n1 >= 0) {
        if (plain[n1] != '\0' || spaced[n2] != '\0') abort();
        for (long i = 0; i < n1; i++)
            if (plain[i] != spaced[i] && !(plain[i] == '+' && spaced[i] == ' ')) abort();
    }
    sw_free(plain);
    sw_free(spaced);
    return 0;
}
