/* wal.c -- append-only log file "SWWAL001" + records [u32 len][u32 crc32c(len,payload)][payload], little-endian. */
#include "wal.h"
#include "alloc.h"
#include "buf.h"
#include "crc32c.h"
#include "fileio.h"
#include "log.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SW_WAL_MAGIC "SWWAL001"
#define SW_WAL_MAX_RECORD (64u << 20)

struct sw_wal {
    int fd;
    pthread_mutex_t lock;
    pthread_cond_t queued, durable_cv;
    pthread_t writer;
    sw_buf pending;        /* records queued since the last write */
    uint64_t appended;     /* lsn of the last queued record (= bytes queued in total) */
    uint64_t durable;      /* every lsn <= durable is on disk */
    uint64_t size;
    uint64_t replayed;
    int failed, stopping;
};

static uint32_t sw_le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void sw_put_le32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }

static uint32_t sw_wal_crc(const uint8_t *lenbytes, const uint8_t *payload, size_t len) {
    return sw_crc32c(sw_crc32c(0, lenbytes, 4), payload, len);
}

/* A record starts at off when its length fits and its checksum holds. When resyncing after damage
 * (guess set), a cheap test comes first: what follows must be the end of the file or a plausible header. */
static int sw_wal_record_at(const uint8_t *p, uint64_t size, uint64_t off, int guess, uint32_t *len) {
    if (off + 8 > size) return 0;
    uint32_t l = sw_le32(p + off);
    if (l > SW_WAL_MAX_RECORD || off + 8 + l > size) return 0;
    uint64_t next = off + 8 + l;
    if (guess && next + 8 <= size && sw_le32(p + next) > SW_WAL_MAX_RECORD) return 0;
    if (sw_wal_crc(p + off, p + off + 8, l) != sw_le32(p + off + 4)) return 0;
    *len = l;
    return 1;
}

/* The first intact record after damage at or after from, or size when there is none. */
static uint64_t sw_wal_resync(const uint8_t *p, uint64_t size, uint64_t from) {
    uint32_t len;
    for (uint64_t off = from; off + 8 <= size; off++)
        if (sw_wal_record_at(p, size, off, 1, &len)) return off;
    return size;
}

/* Scans the mapped file: replays every intact record through fn (when given) and reports each damaged
 * range to report. A damaged range followed by intact records is skipped, so one bad record never takes
 * the rest of the log with it; damage with nothing intact after it is the torn tail, whose offset is
 * returned (size when there is none). A record fn refuses is skipped and reported like damage. */
static uint64_t sw_wal_scan(const uint8_t *p, uint64_t size, sw_wal_replay_fn fn, void *arg, uint64_t *count,
                            sw_wal_damage_fn report, void *rarg) {
    uint64_t off = 8;
    while (off < size) {
        uint32_t len;
        if (sw_wal_record_at(p, size, off, 0, &len)) {
            if (fn && fn(p + off + 8, len, arg) != 0) {
                if (report) report(off, 8 + (uint64_t)len, 1, rarg);
            } else (*count)++;
            off += 8 + (uint64_t)len;
            continue;
        }
        uint64_t next = sw_wal_resync(p, size, off + 1);
        if (next >= size) return off; /* the torn tail */
        if (report) report(off, next - off, 0, rarg);
        off = next;
    }
    return size;
}

typedef struct { const char *path; const uint8_t *map; uint64_t damaged, ranges; } sw_wal_open_report;

/* Damage found at open: logged, and the bytes copied to PATH.damaged-OFFSET (once) so nothing is
 * silently dropped; the log itself keeps them and skips them at every open. */
static void sw_wal_report_open(uint64_t off, uint64_t len, int refused, void *arg) {
    sw_wal_open_report *r = arg;
    r->damaged += len;
    r->ranges++;
    char qpath[4200];
    snprintf(qpath, sizeof qpath, "%s.damaged-%llu", r->path, (unsigned long long)off);
    int fd = open(qpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        if (sw_write_all(fd, r->map + off, (size_t)len) || fsync(fd)) sw_log("error", "wal: could not save damaged bytes", "\"file\":\"%s\"", qpath);
        close(fd);
    }
    sw_log("error", refused ? "wal: skipped a record its reader refused" : "wal: skipped a damaged range; the records after it are kept",
           "\"file\":\"%s\",\"offset\":%llu,\"bytes\":%llu,\"saved_as\":\"%s\"", r->path, (unsigned long long)off,
           (unsigned long long)len, qpath);
}

static int sw_wal_replay(sw_wal *w, const char *path, sw_wal_replay_fn fn, void *arg, char *err, size_t errlen) {
    struct stat st;
    if (fstat(w->fd, &st) != 0) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
    uint64_t size = (uint64_t)st.st_size;
    if (size < 8) {  /* new (or torn before its header was complete): start afresh */
        if (ftruncate(w->fd, 0) || pwrite(w->fd, SW_WAL_MAGIC, 8, 0) != 8 || fdatasync(w->fd)) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -1;
        }
        w->size = 8;
        return 0;
    }
    uint8_t *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, w->fd, 0);
    if (p == MAP_FAILED) { snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno)); return -1; }
    madvise(p, size, MADV_SEQUENTIAL);
    if (memcmp(p, SW_WAL_MAGIC, 8) != 0) {
        munmap(p, size);
        snprintf(err, errlen, "%s: not a skywatch write-ahead log (bad magic)", path);
        return -1;
    }
    sw_wal_open_report r = {path, p, 0, 0};
    uint64_t good = sw_wal_scan(p, size, fn, arg, &w->replayed, sw_wal_report_open, &r);
    munmap(p, size);
    if (good < size) {
        sw_log("warn", "wal: cut torn or corrupt tail", "\"file\":\"%s\",\"offset\":%llu,\"dropped_bytes\":%llu", path,
               (unsigned long long)good, (unsigned long long)(size - good));
        if (ftruncate(w->fd, (off_t)good) || fdatasync(w->fd)) {
            snprintf(err, errlen, "%s: truncate: %s", path, strerror(errno));
            return -1;
        }
    }
    w->size = good;
    return 0;
}

int sw_wal_check(const char *path, sw_wal_damage_fn report, void *arg, uint64_t *records, uint64_t *size_out,
                 uint64_t *torn, char *err, size_t errlen) {
    *records = *size_out = *torn = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
    struct stat st;
    if (fstat(fd, &st) != 0) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); close(fd); return -1; }
    uint64_t size = (uint64_t)st.st_size;
    *size_out = size;
    if (size < 8) { close(fd); *torn = size; return 0; }
    uint8_t *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) { snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno)); return -1; }
    madvise(p, size, MADV_SEQUENTIAL);
    int rc = 0;
    if (memcmp(p, SW_WAL_MAGIC, 8) != 0) { snprintf(err, errlen, "%s: not a skywatch write-ahead log (bad magic)", path); rc = -1; }
    else *torn = size - sw_wal_scan(p, size, NULL, NULL, records, report, arg);
    munmap(p, size);
    return rc;
}

int sw_wal_is_log(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char head[8];
    int yes = read(fd, head, 8) == 8 && memcmp(head, SW_WAL_MAGIC, 8) == 0;
    close(fd);
    return yes;
}

/* The group-commit loop: take everything queued, write it, fdatasync once, wake every waiter. */
static void *sw_wal_writer(void *arg) {
    sw_wal *w = arg;
    sw_buf batch;
    sw_buf_init(&batch);
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (w->pending.len == 0 && !w->stopping) pthread_cond_wait(&w->queued, &w->lock);
        if (w->pending.len == 0 && w->stopping) break;
        sw_buf tmp = batch;
        batch = w->pending;
        w->pending = tmp;
        sw_buf_reset(&w->pending);
        uint64_t upto = w->appended;
        pthread_mutex_unlock(&w->lock);
        int bad = sw_write_all(w->fd, batch.data, batch.len) || fdatasync(w->fd);
        pthread_mutex_lock(&w->lock);
        if (bad) {
            w->failed = 1;
            sw_log("error", "wal: write or fsync failed; refusing further writes", "\"errno\":%d", errno);
        } else {
            w->durable = upto;
            w->size += batch.len;
        }
        sw_buf_reset(&batch);
        pthread_cond_broadcast(&w->durable_cv);
    }
    pthread_mutex_unlock(&w->lock);
    sw_buf_free(&batch);
    return NULL;
}

sw_wal *sw_wal_open(const char *path, sw_wal_replay_fn fn, void *arg, char *err, size_t errlen) {
    sw_wal *w = sw_calloc(1, sizeof *w);
    w->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (w->fd < 0) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); sw_free(w); return NULL; }
    if (sw_wal_replay(w, path, fn, arg, err, errlen) || lseek(w->fd, (off_t)w->size, SEEK_SET) < 0) {
        close(w->fd);
        sw_free(w);
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->queued, NULL);
    pthread_cond_init(&w->durable_cv, NULL);
    sw_buf_init(&w->pending);
    pthread_create(&w->writer, NULL, sw_wal_writer, w);
    return w;
}

uint64_t sw_wal_append(sw_wal *w, const void *payload, size_t len) {
    if (len > SW_WAL_MAX_RECORD) return 0;
    uint8_t head[8];
    sw_put_le32(head, (uint32_t)len);
    sw_put_le32(head + 4, sw_wal_crc(head, payload, len));
    pthread_mutex_lock(&w->lock);
    uint64_t lsn = 0;
    if (!w->failed) {
        sw_buf_append(&w->pending, head, 8);
        sw_buf_append(&w->pending, payload, len);
        w->appended += 8 + len;
        lsn = w->appended;
        pthread_cond_signal(&w->queued);
    }
    pthread_mutex_unlock(&w->lock);
    return lsn;
}

int sw_wal_sync(sw_wal *w, uint64_t lsn) {
    pthread_mutex_lock(&w->lock);
    while (w->durable < lsn && !w->failed) pthread_cond_wait(&w->durable_cv, &w->lock);
    int rc = w->durable >= lsn ? 0 : -1;
    pthread_mutex_unlock(&w->lock);
    return lsn == 0 ? -1 : rc;
}

int sw_wal_rotate(sw_wal *w, const char *path, const char *sealed_path, const char *dir) {
    pthread_mutex_lock(&w->lock);
    /* Every queued record must be in the old file first: wait for the writer to go idle. */
    while (!w->failed && (w->pending.len || w->durable != w->appended)) pthread_cond_wait(&w->durable_cv, &w->lock);
    int rc = -1, fd = -1;
    if (!w->failed && rename(path, sealed_path) == 0) {
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0 && sw_write_all(fd, SW_WAL_MAGIC, 8) == 0 && fdatasync(fd) == 0 && sw_fsync_dir(dir) == 0) {
            close(w->fd);
            w->fd = fd;
            w->size = 8;
            rc = 0;
        }
    }
    if (rc) {
        if (fd >= 0) close(fd);
        w->failed = 1;
        sw_log("error", "wal: rotation failed; refusing further writes", "\"file\":\"%s\",\"errno\":%d", path, errno);
        pthread_cond_broadcast(&w->durable_cv);
    }
    pthread_mutex_unlock(&w->lock);
    return rc;
}

uint64_t sw_wal_size(sw_wal *w) {
    pthread_mutex_lock(&w->lock);
    uint64_t s = w->size;
    pthread_mutex_unlock(&w->lock);
    return s;
}

uint64_t sw_wal_replayed(sw_wal *w) { return w->replayed; }

void sw_wal_close(sw_wal *w) {
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_signal(&w->queued);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->writer, NULL);
    close(w->fd);
    sw_buf_free(&w->pending);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->queued);
    pthread_cond_destroy(&w->durable_cv);
    sw_free(w);
}
