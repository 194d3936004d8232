/* logstore.h -- the CloudWatch Logs storage engine: log groups, log streams and their events, per
 * account and region, on disk. It never sees a wire format or an AWS error name: failures are
 * negative errno codes (-ENOENT, -EEXIST, -EINVAL, -ENOSPC, -EIO). docs/log-storage.md has the design. */
#ifndef SW_LOGSTORE_H
#define SW_LOGSTORE_H
#include "filter.h"
#include <stddef.h>
#include <stdint.h>

typedef struct sw_logstore sw_logstore;

/* Which tenant a call is about. Accounts and regions never see each other's groups. */
typedef struct sw_log_scope { const char *account, *region; } sw_log_scope;

/* One log event. ingestion_ms is set by the store on reads (the put's now_ms); puts ignore it. */
typedef struct sw_log_event {
    int64_t timestamp_ms;
    int64_t ingestion_ms;
    const char *message;  /* not NUL-terminated; valid only during the callback that receives it */
    size_t len;
} sw_log_event;

/* ---------- the store ---------- */

/* Opens (creating dir if needed) and recovers the store: replays the metadata log, loads every
 * segment's index (checking its checksums) and replays each group's write-ahead log. Damage (torn
 * log tails, corrupt blocks or indexes) is reported with sw_log and skipped, never fatal. Starts the
 * background flushers. Returns NULL with a reason in err only when dir cannot be used at all. */
sw_logstore *sw_logstore_open(const char *dir, char *err, size_t errlen);
/* Stops the flushers and closes every file. Events not yet in segments stay in the write-ahead logs
 * and are replayed by the next open. NULL is a no-op. */
void sw_logstore_close(sw_logstore *s);

/* ---------- log groups ---------- */

/* Returns 0, -EEXIST, -EINVAL (empty name), or -EIO when the metadata log failed. Durable on return. */
int sw_logstore_create_group(sw_logstore *s, const sw_log_scope *sc, const char *group, int64_t now_ms);
/* Deletes the group, its streams, events and files. Returns 0, -ENOENT or -EIO. */
int sw_logstore_delete_group(sw_logstore *s, const sw_log_scope *sc, const char *group);
/* days 0 = never expire. Returns 0, -ENOENT, -EINVAL (days < 0) or -EIO. Expired events are hidden at
 * once and their segments removed by the next sw_logstore_apply_retention. */
int sw_logstore_set_retention(sw_logstore *s, const sw_log_scope *sc, const char *group, int days);

typedef struct sw_log_group_info {
    const char *name;          /* valid during the callback (sw_logstore_group_info: the caller's string) */
    int64_t creation_ms;
    int retention_days;        /* 0 = never expire */
    uint64_t stored_bytes;     /* sum over the group's live streams (see sw_log_stream_info) */
    size_t metric_filters;
} sw_log_group_info;

/* Fills *out for one group. Returns 0 or -ENOENT. */
int sw_logstore_group_info(sw_logstore *s, const sw_log_scope *sc, const char *group, sw_log_group_info *out);
/* Groups of the scope in byte order of their names, only those starting with prefix (NULL = all),
 * strictly after the name `after` (NULL = from the start); calls fn for at most limit of them and
 * returns how many. *more is set to 1 when further groups follow. fn must not call into the store. */
size_t sw_logstore_list_groups(sw_logstore *s, const sw_log_scope *sc, const char *prefix, const char *after, size_t limit,
                               void (*fn)(const sw_log_group_info *g, void *arg), void *arg, int *more);

/* Tags: a map of key to value per group. set_tag adds or replaces; -ENOSPC when the group already has
 * SW_LOGSTORE_MAX_TAGS other keys. delete_tag returns -ENOENT when the group or the key is missing.
 * list_tags calls fn for each tag in key order and returns the count, or -ENOENT. */
#define SW_LOGSTORE_MAX_TAGS 50
int sw_logstore_set_tag(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *key, const char *value);
int sw_logstore_delete_tag(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *key);
int sw_logstore_list_tags(sw_logstore *s, const sw_log_scope *sc, const char *group,
                          void (*fn)(const char *key, const char *value, void *arg), void *arg);

/* Metric filters are opaque blobs the handler encodes; the store only keeps them, by name, durably.
 * put adds or replaces (-ENOSPC when adding would exceed max filters); delete returns -ENOENT when the
 * group or the filter is missing; list calls fn in name order and returns the count, or -ENOENT. */
int sw_logstore_put_metric_filter(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *name,
                                  const void *blob, size_t len, size_t max);
int sw_logstore_delete_metric_filter(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *name);
int sw_logstore_list_metric_filters(sw_logstore *s, const sw_log_scope *sc, const char *group,
                                    void (*fn)(const char *name, const char *blob, size_t len, void *arg), void *arg);

/* ---------- log streams ---------- */

/* Returns 0, -ENOENT (no such group), -EEXIST, -EINVAL (empty name) or -EIO. Durable on return. */
int sw_logstore_create_stream(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *stream, int64_t now_ms);
/* Removes the stream; its events disappear at once (their bytes leave the disk when their segments
 * expire). A stream created later under the same name starts empty. Returns 0, -ENOENT or -EIO. */
int sw_logstore_delete_stream(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *stream);

typedef struct sw_log_stream_info {
    const char *name;
    int64_t creation_ms, first_event_ms, last_event_ms, last_ingestion_ms;
    uint64_t stored_bytes;     /* compressed bytes in segments (the stream's share of each block) + raw head bytes */
    int has_events;            /* 0: the three event times are meaningless */
    const char *cursor;        /* text to pass as sw_log_stream_query.after to continue after this stream */
} sw_log_stream_info;

typedef struct sw_log_stream_query {
    const char *prefix;        /* name prefix, NULL = all (only meaningful when ordering by name) */
    int by_last_event;         /* 0: by name; 1: by last event time (streams without events first), then name */
    int descending;
    const char *after;         /* a cursor from sw_log_stream_info, NULL = from the start */
} sw_log_stream_query;

/* Calls fn for at most limit streams of the group in the query's order and returns the count, or
 * -ENOENT (no group) or -EINVAL (a malformed cursor). *more = 1 when further streams follow. */
int sw_logstore_list_streams(sw_logstore *s, const sw_log_scope *sc, const char *group, const sw_log_stream_query *q,
                             size_t limit, void (*fn)(const sw_log_stream_info *st, void *arg), void *arg, int *more);

/* ---------- events ---------- */

/* Appends n events (validated and sorted by timestamp by the caller) to a stream, with ingestion
 * time now_ms. Returns 0 once they are durable (fdatasync'd; concurrent puts share one fsync), or
 * -ENOENT (group or stream missing), -EINVAL (batch over 32 MB), -EIO (the log failed). Safe from
 * any number of threads. Each event gets an id (the `id` of the read callbacks): unique within the
 * group, stable, and increasing in arrival order. */
int sw_logstore_put(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *stream, const sw_log_event *ev,
                    size_t n, int64_t now_ms);

/* Events are ordered by (timestamp, stream, arrival). Positions are event ids: reads continue strictly
 * after (forward) or before (backward) the event a position names. Page limits: at most limit events
 * and at most max_bytes counted as message bytes + 26 per event (PutLogEvents' accounting), but always
 * at least one event when any remains. Events older than the group's retention are never returned. */

/* GetLogEvents: events of one stream with start <= timestamp < end (INT64_MIN / INT64_MAX for open
 * ends). Forward reads from pos (0 = the oldest event); backward reads the page just before pos
 * (UINT64_MAX = the newest). Either way fn sees the page in ascending order, and *first / *last are
 * set to the ids of the page's first and last events (unchanged when the page is empty).
 * Returns the number of events, -ENOENT (group or stream missing) or -EINVAL (pos names no event of
 * this stream). */
long sw_logstore_read_stream(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *stream, int64_t start,
                             int64_t end, int forward, uint64_t pos, size_t limit, size_t max_bytes,
                             void (*fn)(const sw_log_event *e, uint64_t id, void *arg), void *arg, uint64_t *first,
                             uint64_t *last);

/* FilterLogEvents: events of the group with start <= timestamp < end, from the named streams (nstreams
 * > 0), or the streams whose name starts with prefix (non-NULL), or all streams; matching filter (NULL
 * = every event); in (timestamp, stream, arrival) order, after the event whose id is cursor (0 = from
 * the start). Calls fn(stream name, event, id) and returns the count; *next is the id to continue after,
 * or 0 when the scan is complete. Blocks whose time range, streams or token filter (built from
 * sw_filter_required_terms) rule them out are never decompressed. Returns -ENOENT (no group) or
 * -EINVAL (cursor names no event of the group). */
long sw_logstore_filter(sw_logstore *s, const sw_log_scope *sc, const char *group, const char *const *streams, size_t nstreams,
                        const char *prefix, int64_t start, int64_t end, const sw_filter *filter, uint64_t cursor, size_t limit,
                        size_t max_bytes, void (*fn)(const char *stream, const sw_log_event *e, uint64_t id, void *arg),
                        void *arg, uint64_t *next);

/* ---------- maintenance ---------- */

/* Deletes every segment whose newest event is older than its group's retention at now_ms (from
 * sw_clock_now_ms in the server's scheduler). Returns the number of segments removed. */
int sw_logstore_apply_retention(sw_logstore *s, int64_t now_ms);
/* Packs every group's in-memory head into segments and trims the write-ahead logs; returns when done.
 * For the scheduler (bounding memory and replay time of idle groups), tests and benchmarks. Returns 0
 * or -EIO if a segment could not be written (the events stay safe in the log). */
int sw_logstore_flush(sw_logstore *s);

typedef struct sw_logstore_stats {
    uint64_t groups, streams, segments;
    uint64_t segment_bytes;          /* on disk */
    uint64_t head_bytes;             /* in memory and in the write-ahead logs, not yet in segments */
    uint64_t blocks_read;            /* blocks decompressed by reads since open (a debug counter for tests) */
    uint64_t blocks_skipped;         /* blocks a filter ruled out by time, stream or token filter */
    uint64_t corrupt_blocks;         /* blocks found damaged by reads since open */
} sw_logstore_stats;
void sw_logstore_get_stats(sw_logstore *s, sw_logstore_stats *out);

#endif
