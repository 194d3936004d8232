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

/* Replays records from the mapped file; returns the offset of the first byte after the last intact record. */
static uint64_t sw_wal_scan(const uint8_t *p, uint64_t size, sw_wal_replay_fn fn, void *arg, uint64_t *count) {
    uint64_t off = 8;
    while (off + 8 <= size) {
        uint32_t len = sw_le32(p + off), crc = sw_le32(p + off + 4);
        if (len > SW_WAL_MAX_RECORD || off + 8 + len > size) break;
        if (sw_wal_crc(p + off, p + off + 8, len) != crc) break;
        if (fn && fn(p + off + 8, len, arg) != 0) break;
        off += 8 + (uint64_t)len;
        (*count)++;
    }
    return off;
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
    uint64_t good = sw_wal_scan(p, size, fn, arg, &w->replayed);
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
