/* filter.h -- CloudWatch Logs filter patterns: one compiled matcher for FilterLogEvents, metric filters and TestMetricFilter. */
#ifndef SW_FILTER_H
#define SW_FILTER_H
#include "buf.h"
#include <stddef.h>

/* The syntax follows https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 * and its sub-pages (unstructured, JSON and space-delimited log events, regex); docs/filter-patterns.md
 * lists what is supported and where skywatch had to choose. */

#define SW_FILTER_MAX_LEN 1024 /* filterPattern length limit (PutMetricFilter / FilterLogEvents models) */
#define SW_FILTER_MAX_REGEX 2  /* "There is a limit of 2 regex for each filter pattern" */

typedef struct sw_filter sw_filter;

/* The three pattern families; metric-filter dimensions are only allowed on JSON and delimited patterns. */
typedef enum { SW_FILTER_TEXT, SW_FILTER_JSON, SW_FILTER_DELIMITED } sw_filter_kind;

/* Compiles the pattern [p, p+n) (need not be NUL-terminated). Returns a filter the caller frees with
 * sw_filter_free, or NULL with the message AWS puts in its InvalidParameterException written to err
 * (when errlen > 0), e.g. "Invalid character(s) in term ':'". The empty pattern, or one of only
 * whitespace, matches every event. Never reads outside [p, p+n). */
sw_filter *sw_filter_compile(const char *p, size_t n, char *err, size_t errlen);

/* Frees a filter from sw_filter_compile; NULL is a no-op. */
void sw_filter_free(sw_filter *f);

/* 1 if the event message [msg, msg+n) matches, 0 if not. A compiled filter is read-only, so any number of
 * threads may match with it at once. Text patterns allocate nothing; JSON patterns decode the event into
 * a per-call arena. Can't fail: an event that is not JSON simply does not match a JSON pattern. */
int sw_filter_match(const sw_filter *f, const char *msg, size_t n);

/* For metric filters (metricValue, dimensions): the value named by selector in msg, appended as text to out
 * (numbers as written in shortest form, strings unquoted and unescaped, true/false).
 * JSON patterns take "$.a.b[0]" selectors and need not have matched; delimited patterns take "$name"
 * (a field named in the pattern) or "$N" (the N-th field of the event, from 1) and return -1 unless
 * the event matches. Returns 0 on success, -1 when the value is absent, null, an object or an array,
 * or the pattern is a text pattern (out is then unchanged). */
int sw_filter_extract(const sw_filter *f, const char *msg, size_t n, const char *selector, sw_buf *out);

/* Receives one extracted field: name is "$name" or "$N", value the field's text. */
typedef void (*sw_filter_field_fn)(void *ud, const char *name, size_t nlen, const char *value, size_t vlen);

/* TestMetricFilter's extractedValues for a delimited pattern: calls fn for every field of a matching
 * event in order, named "$name" when a named pattern field took it and "$N" otherwise (as in AWS's
 * example, where "$1".."$4" come from an ellipsis). Returns the number of calls, or -1 when the pattern
 * is not delimited or the event does not match. */
int sw_filter_fields(const sw_filter *f, const char *msg, size_t n, sw_filter_field_fn fn, void *ud);

/* Literal terms every matching event contains, for skipping storage blocks with a token index: writes up
 * to max pointers into the filter's own storage (valid until sw_filter_free) and their lengths, and returns
 * how many. 0 means no such guarantee (OR patterns, JSON, delimited or regex-only patterns). */
size_t sw_filter_required_terms(const sw_filter *f, const char **terms, size_t *lens, size_t max);

/* A literal that any event the pattern matches contains, for scanning many events at once: text patterns
 * give their longest required term; JSON patterns whose conditions are ANDed give the longest string they
 * require a field to equal (or contain, with end wildcards) when that string cannot also be a JSON number,
 * true, false or null. In the raw event such a string appears as written unless the event escapes it, so
 * for JSON *backslash is set: an event holding a backslash is a candidate too. Space-delimited patterns give
 * the longest such string a field must equal (fields have no escapes). Returns 1 with the literal
 * (in the filter's storage), or 0 when there is no such guarantee. */
int sw_filter_prefilter(const sw_filter *f, const char **lit, size_t *len, int *backslash);

/* The family of a compiled pattern. Can't fail. */
sw_filter_kind sw_filter_get_kind(const sw_filter *f);

#endif
