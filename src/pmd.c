/* pmd.c -- the PutMetricData input read from a coerced value tree (query, CBOR, and JSON bodies the
 * one-pass decoder declines). */
#include "pmd.h"
#include <string.h>

/* A coerced list of doubles as an array; NULL past the arena's limit. */
static const double *sw_pmd_doubles(sw_arena *a, const sw_value *list, size_t *n) {
    *n = list->u.list.n;
    double *d = sw_arena_alloc_raw(a, (*n ? *n : 1) * sizeof *d);
    for (size_t i = 0; d && i < *n; i++) d[i] = list->u.list.items[i]->u.d;
    return d;
}

static int sw_pmd_dims(sw_arena *a, const sw_value *dims, sw_pmd_datum *d) {
    size_t n = dims->u.list.n;
    d->dims = sw_arena_alloc(a, (n ? n : 1) * sizeof *d->dims);
    if (!d->dims) return -1;
    for (size_t i = 0; i < n; i++) {
        d->dims[i].name = sw_v_get_str(dims->u.list.items[i], "Name", "");
        d->dims[i].value = sw_v_get_str(dims->u.list.items[i], "Value", "");
    }
    d->ndims = n;
    return 0;
}

/* One member of a MetricDatum; the coerced tree holds the types the shape gives. */
static int sw_pmd_member(sw_arena *a, const sw_member *m, sw_pmd_datum *d) {
    const sw_value *v = m->val;
#define SW_IS(lit) (m->klen == sizeof lit - 1 && memcmp(m->key, lit, sizeof lit - 1) == 0)
    if (SW_IS("MetricName")) d->name = v->u.str.s;
    else if (SW_IS("Unit")) d->unit = v->u.str.s;
    else if (SW_IS("Dimensions")) { d->has |= SW_PMD_DIMS; return sw_pmd_dims(a, v, d); }
    else if (SW_IS("Timestamp")) d->has |= SW_PMD_TIMESTAMP, d->timestamp = v->u.d;
    else if (SW_IS("Value")) d->has |= SW_PMD_VALUE, d->value = v->u.d;
    else if (SW_IS("StorageResolution")) d->has |= SW_PMD_RESOLUTION, d->resolution = v->u.i;
    else if (SW_IS("Values")) { d->has |= SW_PMD_VALUES; return (d->values = sw_pmd_doubles(a, v, &d->nvalues)) ? 0 : -1; }
    else if (SW_IS("Counts")) { d->has |= SW_PMD_COUNTS; return (d->counts = sw_pmd_doubles(a, v, &d->ncounts)) ? 0 : -1; }
    else if (SW_IS("StatisticValues")) {
        d->has |= SW_PMD_SET;
        d->count = sw_v_get_double(v, "SampleCount", 0), d->sum = sw_v_get_double(v, "Sum", 0);
        d->min = sw_v_get_double(v, "Minimum", 0), d->max = sw_v_get_double(v, "Maximum", 0);
    }
#undef SW_IS
    return 0;
}

int sw_pmd_from_value(sw_arena *a, const sw_value *in, sw_pmd *out) {
    memset(out, 0, sizeof *out);
    out->ns = sw_v_get_str(in, "Namespace", NULL);
    const sw_value *data = sw_v_get(in, "MetricData");
    if (!data) return 0;
    out->n = data->type == SW_V_LIST ? data->u.list.n : 0; /* a JSON null MetricData stores nothing */
    out->data = sw_arena_alloc(a, (out->n ? out->n : 1) * sizeof *out->data);
    if (!out->data) return -1;
    for (size_t i = 0; i < out->n; i++) {
        const sw_value *datum = data->u.list.items[i];
        for (size_t k = 0; k < datum->u.map.n; k++)
            if (datum->u.map.items[k].val->type != SW_V_NULL && sw_pmd_member(a, &datum->u.map.items[k], &out->data[i]))
                return -1;
    }
    return 0;
}
