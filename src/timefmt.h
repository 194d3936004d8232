/* timefmt.h -- ISO 8601 timestamps as AWS protocols write them, and epoch conversions. */
#ifndef SW_TIMEFMT_H
#define SW_TIMEFMT_H
#include <stddef.h>

/* Parses "2024-01-02T03:04:05Z", with optional ".fff" fraction and "Z", "+hh:mm" or "-hhmm" offset
 * (a missing offset means UTC), or a plain decimal epoch-seconds number. Returns 0 and sets *epoch,
 * or -1 on anything else. Pure function over [s, s+n). */
int sw_time_parse(const char *s, size_t n, double *epoch);
/* Writes "2024-01-02T03:04:05.123Z" (milliseconds only when non-zero) into out (>= 32 bytes). */
void sw_time_format_iso(double epoch, char *out, size_t outlen);
/* Writes the SigV4 form "20240102T030405Z" into out (>= 17 bytes). */
void sw_time_format_amz(long long epoch, char *out, size_t outlen);

#endif
