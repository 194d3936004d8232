/* wal.h -- the write-ahead log: checksummed records, group commit, replay with torn-tail repair. */
#ifndef SW_WAL_H
#define SW_WAL_H
#include <stddef.h>
#include <stdint.h>

typedef struct sw_wal sw_wal;

/* Called once per intact record during open, in log order. Return 0 to go on; non-zero makes the
 * record count as damaged (the log is cut there, as for a torn record). */
typedef int (*sw_wal_replay_fn)(const uint8_t *payload, size_t len, void *arg);

/* Told of each damaged range of a log: offset and length in bytes; refused is 1 for an intact record
 * that the replay function refused, 0 for bytes that are not an intact record. */
typedef void (*sw_wal_damage_fn)(uint64_t offset, uint64_t len, int refused, void *arg);

/* Opens or creates the log file at path and replays every intact record through fn. Damage in the
 * middle of the log (bytes that are not an intact record, followed by intact records) is skipped, logged
 * and copied to PATH.damaged-OFFSET: the records after it are replayed. A torn or corrupt tail (nothing
 * intact after it) is cut off and logged. Neither is fatal. Starts the group-commit writer thread.
 * Returns NULL with a reason in err only when the file cannot be opened, read or written. */
sw_wal *sw_wal_open(const char *path, sw_wal_replay_fn fn, void *arg, char *err, size_t errlen);
/* Opens a new, empty log at path made from the spare log file at reuse_path (renamed; its old records fail
 * their checksums under the new header's salt, so they read as the end of the log), then syncs the header
 * and directory dir. Writing over a file whose pages are in the page cache costs no new pages, and
 * fdatasync of an overwrite needs no journal commit. Without reuse_path, or when it cannot be renamed,
 * this is sw_wal_open of a new file. */
sw_wal *sw_wal_open_reusing(const char *path, const char *reuse_path, const char *dir, char *err, size_t errlen);
/* Queues one record; returns its log sequence number (> 0), or 0 if the log has failed.
 * Thread-safe; records keep the order of the calls. Not yet durable: see sw_wal_sync. */
uint64_t sw_wal_append(sw_wal *w, const void *payload, size_t len);
/* sw_wal_append of a record of len bytes that fill writes in place (into the log's queue, under its lock),
 * saving the copy of a payload built elsewhere. fill must write exactly len bytes. */
uint64_t sw_wal_append_fill(sw_wal *w, size_t len, void (*fill)(uint8_t *dst, void *arg), void *arg);
/* Blocks until every record up to lsn is written and fdatasync'd (one fsync serves every waiter:
 * group commit). Returns 0, or -1 if the log failed with an I/O error. */
int sw_wal_sync(sw_wal *w, uint64_t lsn);
/* Seals the log: once every queued record is durable, renames the file at path (the log's own path) to
 * sealed_path and goes on in a new empty file at path (directory dir fsync'd), made from the spare log file
 * reuse_path when it is given and exists (as sw_wal_open_reusing). Callers stop appending for the
 * duration. Returns 0, or -1 (the log then refuses every write: nothing more could be made durable). */
int sw_wal_rotate(sw_wal *w, const char *path, const char *sealed_path, const char *dir, const char *reuse_path);
/* Bytes of log on disk and records replayed at open, for start-up reporting. */
uint64_t sw_wal_size(sw_wal *w);
uint64_t sw_wal_replayed(sw_wal *w);
/* Reads the log at path without changing it (fsck): counts intact records, reports each damaged range
 * that has intact records after it, and sets *torn to the bytes of an unreadable tail. Returns 0, or -1
 * with a reason in err when the file cannot be read or is not a log. */
int sw_wal_check(const char *path, sw_wal_damage_fn report, void *arg, uint64_t *records, uint64_t *size,
                 uint64_t *torn, char *err, size_t errlen);
/* 1 when the file at path starts with the log's magic. */
int sw_wal_is_log(const char *path);
/* 1 when the log at path is a reused file (sw_wal_open_reusing): bytes after its last record may be old contents. */
int sw_wal_is_reused(const char *path);
/* Flushes what is queued, stops the writer and closes the file. */
void sw_wal_close(sw_wal *w);

#endif
