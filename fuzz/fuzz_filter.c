/* fuzz_filter.c -- libFuzzer target: the first line is a filter pattern, the rest an event; compile, match,
 * extract, list fields and required terms, checking that every required term (and the prefilter's literal)
 * is in a matching event. */
#include "filter.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fuzz_field(void *ud, const char *name, size_t nlen, const char *value, size_t vlen) {
    size_t *total = ud;
    if (nlen < 2 || name[0] != '$') abort();
    *total += vlen + (value ? 0 : 1);
}

/* Extracts with the selector written right after the first '$' of the pattern, and a few fixed ones. */
static void fuzz_extract(const sw_filter *f, const char *pat, size_t plen, const char *ev, size_t elen) {
    static const char *fixed[] = {"$.a", "$.a.b[0]", "$1", "$3", "$status", "$", "$.", "$0", "$99999999999"};
    sw_buf b;
    sw_buf_init(&b);
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        size_t before = b.len;
        if (sw_filter_extract(f, ev, elen, fixed[i], &b) != 0 && b.len != before) abort();
    }
    const char *d = memchr(pat, '$', plen);
    if (d) {
        char sel[64];
        size_t k = 0;
        while (d + k < pat + plen && k < sizeof sel - 1 && d[k] && !strchr(" =!<>&|,)]}", d[k])) { sel[k] = d[k]; k++; }
        sel[k] = '\0';
        sw_filter_extract(f, ev, elen, sel, &b);
    }
    sw_buf_free(&b);
}

/* The space-delimited field rules, one byte at a time: the reference the matcher's splitter must agree with. */
static int ref_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static int ref_next(const char *m, size_t n, size_t *pos, size_t *off, size_t *len) {
    size_t p = *pos, q;
    while (p < n && ref_space(m[p])) p++;
    if (p >= n) { *pos = n; return 0; }
    if (m[p] == '"') {
        for (q = p + 1; q < n && m[q] != '"'; q++) {}
    } else if (m[p] == '[') {
        int depth = 1;
        for (q = p + 1; q < n; q++) {
            depth += m[q] == '[' ? 1 : m[q] == ']' ? -1 : 0;
            if (depth == 0) break;
        }
    } else {
        for (q = p; q < n && !ref_space(m[q]); q++) {}
        *off = p, *len = q - p, *pos = q;
        return 1;
    }
    *off = p + 1, *len = q - p - 1, *pos = q < n ? q + 1 : n;
    return 1;
}

typedef struct fields_seen { const char *ev; size_t elen, pos, count; int bad; } fields_seen;

static void check_field(void *ud, const char *name, size_t nlen, const char *value, size_t vlen) {
    fields_seen *fs = ud;
    size_t off, len;
    if (!ref_next(fs->ev, fs->elen, &fs->pos, &off, &len) || value != fs->ev + off || vlen != len) fs->bad = 1;
    fs->count++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *in = (const char *)data;
    const char *nl = memchr(in, '\n', size);
    size_t plen = nl ? (size_t)(nl - in) : size;
    const char *ev = nl ? nl + 1 : in + size;
    size_t elen = size - plen - (nl ? 1 : 0);
    /* Splitting: "[...]" takes every event, and its fields must be exactly the reference's. */
    static sw_filter *all;
    if (!all) all = sw_filter_compile("[...]", 5, NULL, 0);
    fields_seen fs = {ev, elen, 0, 0, 0};
    int nfields = sw_filter_fields(all, ev, elen, check_field, &fs);
    size_t off, len;
    if (fs.bad || nfields != (int)fs.count || ref_next(ev, elen, &fs.pos, &off, &len)) abort();
    char err[256];
    sw_filter *f = sw_filter_compile(in, plen, err, sizeof err);
    if (!f) {
        if (!err[0]) abort(); /* every refusal says why */
        return 0;
    }
    int m = sw_filter_match(f, ev, elen);
    if (m != 0 && m != 1) abort();
    if (sw_filter_match(f, ev, elen) != m) abort();
    const char *terms[16];
    size_t lens[16];
    size_t nt = sw_filter_required_terms(f, terms, lens, 16);
    for (size_t i = 0; m && i < nt; i++)
        if (!memmem(ev, elen, terms[i], lens[i])) abort();
    /* The prefilter's literal (block skipping and the per-event scan) is in every matching event, unless
     * the pattern is JSON and the event has a backslash that may escape it. */
    const char *lit;
    size_t litlen;
    int bs;
    if (m && sw_filter_prefilter(f, &lit, &litlen, &bs) && !memmem(ev, elen, lit, litlen) && !(bs && memchr(ev, '\\', elen)))
        abort();
    fuzz_extract(f, in, plen, ev, elen);
    size_t total = 0;
    int nf = sw_filter_fields(f, ev, elen, fuzz_field, &total);
    if (sw_filter_get_kind(f) == SW_FILTER_DELIMITED && (nf >= 0) != m) abort();
    if (sw_filter_get_kind(f) != SW_FILTER_DELIMITED && nf != -1) abort();
    sw_filter_free(f);
    return 0;
}
