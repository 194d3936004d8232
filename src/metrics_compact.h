/* metrics_compact.h -- rewrites block files: merges several into one, rolls old samples up into CloudWatch's
 * coarser periods and drops what has passed its retention (docs/storage.md, "Roll-ups and retention").
 *
 * A roll-up keeps, per period and series, SampleCount, Sum, Minimum and Maximum exactly, and a mergeable
 * quantile sketch (qsketch.c, within 0.5% relative error) of the values when they are known: raw values and
 * statistic sets whose values are all equal. A period that also holds other statistic sets has no sketch, and
 * its percentiles are unavailable, as they would be over the raw data. */
#ifndef SW_METRICS_COMPACT_H
#define SW_METRICS_COMPACT_H
#include "metrics_disk.h"

/* Cut-offs in epoch seconds (each a multiple of 3600). */
typedef struct sw_mc_policy {
    int64_t raw_before;   /* raw samples older than this become 5-minute roll-ups (1-hour ones if also older
                             than r300_before) */
    int64_t r300_before;  /* 5-minute roll-ups older than this merge into 1-hour roll-ups */
    int64_t drop_before;  /* everything older than this is dropped */
} sw_mc_policy;

typedef struct sw_mc_result {
    char name[64];                 /* the file written */
    uint64_t samples_in, samples_out, raw_rolled, rollups_merged, dropped;
} sw_mc_result;

/* Writes one file in dir holding everything in[0..n) holds (n >= 1, in generation order, together covering a
 * contiguous range of generations: the output covers lo of the first to hi of the last, at the given version),
 * with the policy applied, and the catalog of the input with the newest generation. Blocks of a series are
 * merged across inputs. The inputs are not touched. Returns 0, or -1 (nothing left behind) when a block does
 * not decode or the file cannot be written. */
int sw_mc_compact(const char *dir, sw_mb_file *const *in, size_t n, uint32_t version, const sw_mc_policy *pol,
                  sw_mc_result *res);
/* The same with a policy per series: series s follows pols[spol[s]] (pols[0] for s >= nspol). */
int sw_mc_compact_each(const char *dir, sw_mb_file *const *in, size_t n, uint32_t version, const sw_mc_policy *pols,
                       const uint8_t *spol, size_t nspol, sw_mc_result *res);

#endif
