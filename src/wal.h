/* wal.h -- the write-ahead log: checksummed records, group commit, replay with torn-tail repair. */
#ifndef SW_WAL_H
#define SW_WAL_H
#include <stddef.h>
#include <stdint.h>

typedef struct sw_wal sw_wal;

/* Called once per intact record during open, in log order. Return 0 to go on; non-zero makes the
 * record count as damaged (the log is cut there, as for a torn record). */
typedef int (*sw_wal_replay_fn)(const uint8_t *payload, size_t len, void *arg);

/* Opens or creates the log file at path, replays every intact record through fn, and cuts a torn
 * or corrupt tail off (reported with sw_log, never fatal). Starts the group-commit writer thread.
 * Returns NULL with a reason in err only when the file cannot be opened, read or written. */
sw_wal *sw_wal_open(const char *path, sw_wal_replay_fn fn, void *arg, char *err, size_t errlen);
/* Queues one record; returns its log sequence number (> 0), or 0 if the log has failed.
 * Thread-safe; records keep the order of the calls. Not yet durable: see sw_wal_sync. */
uint64_t sw_wal_append(sw_wal *w, const void *payload, size_t len);
/* Blocks until every record up to lsn is written and fdatasync'd (one fsync serves every waiter:
 * group commit). Returns 0, or -1 if the log failed with an I/O error. */
int sw_wal_sync(sw_wal *w, uint64_t lsn);
/* Bytes of log on disk and records replayed at open, for start-up reporting. */
uint64_t sw_wal_size(sw_wal *w);
uint64_t sw_wal_replayed(sw_wal *w);
/* Flushes what is queued, stops the writer and closes the file. */
void sw_wal_close(sw_wal *w);

#endif
