/* qsketch.h -- a mergeable quantile sketch (DDSketch: logarithmic bins) for the percentiles and trimmed
 * statistics of rolled-up periods, where the raw values are gone and only count/sum/min/max and this sketch
 * remain. A 5-minute sketch is the merge of its five 1-minute sketches, with the same accuracy.
 *
 * Accuracy. A value v with |v| >= SW_QS_MIN_VALUE falls in bin i = ceil(log(|v|) / log(g)), g = (1+a)/(1-a),
 * which holds (g^(i-1), g^i]; the bin answers with g^i * (1-a) = 2 g^i / (1+g), which is within a relative
 * error a of every value of the bin (at most v (1+a) at the low end, at least v (1-a) at the high end).
 * Nearest rank is preserved by binning (the bin where the cumulative weight first reaches the rank is the
 * bin of the exact nearest-rank value), so a percentile returned here is within a of the exact one that
 * sw_percentile (stats.c) gives over the raw values, and answers are clamped to the exact [min, max], which
 * can only bring them closer. Merging adds bins index by index, so it never widens the error.
 * The issue asks for at most 1% relative error. We take a = 0.5%. The bound above holds up to rounding in
 * log() and exp() (about 1e-13 relative), so any a below 1% would meet it; half of it keeps the 1% promise
 * with room for what the proof does not cover (statistics the engine may later derive from several
 * answers, a change in how a bin answers). The price, measured on lognormal latencies: about 230 bins per
 * decade instead of 115, 8% more bytes for a minute of 60 samples (most samples take a bin of their own
 * either way) and 1.8 times the bytes for a wide hour of 3600. The statistics of stats.c computed over
 * sw_qs_values -- trimmed and winsorized means, trimmed sums -- are within a as well on positive values,
 * since every unit of weight keeps its rank and moves by at most a (a percentile rank PR(x:y) can only
 * miscount the values within a of x or y). Changing a changes every bin: it takes a new encoding version.
 * Reference: Masson, Rim, Lee, "DDSketch: a fast and fully-mergeable quantile sketch with relative-error
 * guarantees", VLDB 2019.
 *
 * Zero and tiny values. Every normal double is indexed (indexes -70839 .. 70978), so the bound holds for
 * every value of magnitude DBL_MIN (2.2e-308) or more, with no threshold to tune; 0 and subnormals
 * (|v| < SW_QS_MIN_VALUE = DBL_MIN) are counted in a zero bin that answers 0 (clamped to [min, max]), an
 * absolute error below 2.3e-308. Negative values are kept by magnitude in a second, mirrored set of bins.
 *
 * Memory. Bins are sparse, sorted arrays: a bin costs 12 bytes and exists only while it holds weight, and a
 * sign holds at most SW_QS_MAX_BINS bins (about 17 decades at a = 0.5%). Past that, the bins of the lowest
 * magnitude are folded into the lowest one kept (DDSketch's collapsing-lowest store): the bound then holds
 * only for quantiles whose exact value lies above the folded bins in magnitude -- the upper quantiles of
 * positive values, the lower quantiles of negative ones -- while the folded values answer with the lowest
 * kept bin's value, too large in magnitude.
 *
 * Weights are doubles > 0 (fractional counts from StatisticValues); integral weights add up exactly, so the
 * state after any order of adds and merges is the same bit for bit. Fractional weights add up in floating
 * point, so a different merge order can change a bin weight in its last bits (merge is still commutative
 * bit for bit: a + b == b + a). */
#ifndef SW_QSKETCH_H
#define SW_QSKETCH_H
#include "buf.h"
#include <float.h>
#include <stddef.h>
#include <stdint.h>

#define SW_QS_ACCURACY 0.005        /* a: relative error of every answer */
#define SW_QS_MAX_BINS 4096         /* bins per sign, before the lowest magnitudes are folded */
#define SW_QS_MIN_VALUE DBL_MIN     /* smallest magnitude given its own bin; below it, the zero bin */
#define SW_QS_INDEX_LIMIT 71000     /* |bin index| of any finite double is below this (70978 for DBL_MAX) */

/* The bins of one sign: index[k] strictly ascending, weight[k] finite and > 0, n <= SW_QS_MAX_BINS. */
typedef struct sw_qs_store {
    int32_t *index;
    double *weight;
    uint32_t n, cap;
} sw_qs_store;

/* Caller-allocated: sw_qs_init, then sw_qs_free when done. */
typedef struct sw_qsketch {
    sw_qs_store pos, neg;  /* values >= SW_QS_MIN_VALUE; values <= -SW_QS_MIN_VALUE, binned by magnitude */
    double zero;           /* weight of the values in between */
    double min, max;       /* exact; +inf and -inf while the sketch is empty */
} sw_qsketch;

/* An empty sketch; allocates nothing, can't fail. */
void sw_qs_init(sw_qsketch *q);
/* Frees the bins and leaves q empty (usable again without sw_qs_init). */
void sw_qs_free(sw_qsketch *q);

/* Adds v with weight (a count). v must be finite and weight finite and > 0: anything else is ignored
 * (PutMetricData refuses NaN, infinities and non-positive counts before they get here). A bin weight that
 * would overflow stays at DBL_MAX. Allocates only when v opens a new bin. Can't fail. */
void sw_qs_add(sw_qsketch *q, double v, double weight);
/* Adds every bin of src to dst (src may be dst: that doubles every weight). Can't fail. */
void sw_qs_merge(sw_qsketch *dst, const sw_qsketch *src);

/* The total weight, summed in ascending order of value (as sw_qs_percentile sums it). 0 when empty. */
double sw_qs_count(const sw_qsketch *q);
/* Nearest-rank percentile, as sw_percentile in stats.c defines it: the smallest value v such that the weight
 * of the values <= v is at least p% of the total. p is clamped to [0, 100]; p = 0 gives the exact minimum
 * and p = 100 the exact maximum. Within SW_QS_ACCURACY of the exact answer (see above). NAN when the sketch
 * is empty or p is NaN. */
double sw_qs_percentile(const sw_qsketch *q, double p);
/* The sketch as weighted values in ascending order, one per non-empty bin: the bin's value clamped to
 * [min, max] and the bin's weight, ready for the statistics of stats.c (sw_percentile over them gives
 * what sw_qs_percentile gives, except that p = 0 and p = 100 answer with the first and last bin's value
 * rather than the exact min and max). Writes at most cap entries and returns how many the sketch has, so
 * cap 0 (values and weights may then be NULL) sizes the arrays. */
size_t sw_qs_values(const sw_qsketch *q, double *values, double *weights, size_t cap);

/* Appends the sketch to out in its compact form (see qsketch.c) and returns the bytes appended. The bytes
 * depend only on the sketch's state, so equal sketches encode equally. Can't fail. */
size_t sw_qs_encode(const sw_qsketch *q, sw_buf *out);
/* Decodes one sketch from the start of [p, p + len) into q, which is overwritten without being freed.
 * Returns the bytes consumed, or -1 when they are not a sketch as sw_qs_encode writes it (never reads
 * outside the input; allocates at most SW_QS_MAX_BINS bins per sign). q is left a sketch to free with
 * sw_qs_free either way (empty on -1). Every sketch decoded re-encodes to the same bytes. */
long sw_qs_decode(const uint8_t *p, size_t len, sw_qsketch *q);

#endif
