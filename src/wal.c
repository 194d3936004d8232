/* wal.c -- append-only log file: a header, then records [u32 len][u32 crc][payload], little-endian.
 * Header "SWWAL002" + u64 salt (new files); the length's top 6 bits are a tag of the salt and crc =
 * crc32c(salt, len, payload). A log file can be reused (its pages stay in the page cache; see
 * sw_wal_open_reusing) with a fresh salt: the old records still in it then fail their tags and checksums,
 * so they read as the end of the log. Files of the first format, header "SWWAL001" alone and
 * crc = crc32c(len, payload), are read and appended to as they are. */
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
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SW_WAL_MAGIC_V1 "SWWAL001"
#define SW_WAL_MAGIC "SWWAL002"
#define SW_WAL_MAGIC_REUSED "SWWALR02" /* the same, in a reused file: old contents may follow the last record */
#define SW_WAL_HEADER 16
#define SW_WAL_MAX_RECORD ((64u << 20) - 1)
/* In the salted format the length field's top 6 bits carry a tag of the salt (SW_WAL_TAG), so that a header
 * of the file's old contents (another salt) or a stray 4 bytes mostly fail before any checksum is computed. */
#define SW_WAL_LEN_BITS 26
#define SW_WAL_LEN_MASK ((1u << SW_WAL_LEN_BITS) - 1)
#define SW_WAL_TAG(seed) (((seed) >> SW_WAL_LEN_BITS) << SW_WAL_LEN_BITS) /* 0 for the first format's seed 0 */

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
    uint32_t seed;         /* crc32c of the header's salt (0 for a file of the first format) */
    int reused;            /* the file was reused (header SWWALR02): writes end with an empty header */
    int failed, stopping;
};

static uint32_t sw_le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void sw_put_le32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }

static uint32_t sw_wal_crc(uint32_t seed, const uint8_t *lenbytes, const uint8_t *payload, size_t len) {
    return sw_crc32c(sw_crc32c(seed, lenbytes, 4), payload, len);
}

/* The header's size and checksum seed for a mapped file of size bytes; -1 when it is not a log. */
static int sw_wal_header(const uint8_t *p, uint64_t size, uint64_t *hdr, uint32_t *seed) {
    if (size >= 8 && memcmp(p, SW_WAL_MAGIC_V1, 8) == 0) { *hdr = 8, *seed = 0; return 0; }
    if (size >= SW_WAL_HEADER && (memcmp(p, SW_WAL_MAGIC, 8) == 0 || memcmp(p, SW_WAL_MAGIC_REUSED, 8) == 0)) {
        *hdr = SW_WAL_HEADER, *seed = sw_crc32c(0, p + 8, 8);
        return 0;
    }
    return -1;
}

/* Writes a fresh header with a new salt at the start of fd and syncs it; sets *seed. */
static int sw_wal_new_header(int fd, int reused, uint32_t *seed) {
    uint8_t h[SW_WAL_HEADER + 8] = {0}; /* a reused file also gets the empty header that ends its records */
    memcpy(h, reused ? SW_WAL_MAGIC_REUSED : SW_WAL_MAGIC, 8);
    if (getrandom(h + 8, 8, GRND_NONBLOCK) != 8) {
        /* No entropy yet (early boot): the clock and a counter differ from any earlier use of the file. */
        static atomic_uint_fast64_t counter;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t salt = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) * 0x9E3779B97F4A7C15ull ^ atomic_fetch_add(&counter, 1);
        memcpy(h + 8, &salt, 8);
    }
    *seed = sw_crc32c(0, h + 8, 8);
    size_t n = reused ? sizeof h : SW_WAL_HEADER;
    return pwrite(fd, h, n, 0) == (ssize_t)n && fdatasync(fd) == 0 ? 0 : -1;
}

/* A header at off with this file's tag and a length that fits in the file. */
static int sw_wal_plausible(const uint8_t *p, uint64_t size, uint64_t off, uint32_t seed) {
    if (off + 8 > size) return 0;
    uint32_t f = sw_le32(p + off);
    return (f & ~SW_WAL_LEN_MASK) == SW_WAL_TAG(seed) && off + 8 + (f & SW_WAL_LEN_MASK) <= size;
}

/* A record starts at off when its length fits and its checksum holds. When resyncing after damage
 * (guess set), a cheap test comes first: the headers that would follow, up to three, must each fit or the
 * file end there. Without it, a long damaged or reused stretch of binary records costs a checksum over
 * megabytes at every offset whose four bytes read as a small length. */
static int sw_wal_record_at(const uint8_t *p, uint64_t size, uint64_t off, uint32_t seed, int guess, uint32_t *len) {
    if (!sw_wal_plausible(p, size, off, seed)) return 0;
    uint32_t l = sw_le32(p + off) & SW_WAL_LEN_MASK;
    for (uint64_t next = off + 8 + l, k = 0; guess && k < 3 && next < size; k++, next += 8 + (sw_le32(p + next) & SW_WAL_LEN_MASK))
        if (!sw_wal_plausible(p, size, next, seed)) return 0;
    if (sw_wal_crc(seed, p + off, p + off + 8, l) != sw_le32(p + off + 4)) return 0;
    *len = l;
    return 1;
}

/* The first intact record after damage at or after from, or size when there is none. */
static uint64_t sw_wal_resync(const uint8_t *p, uint64_t size, uint32_t seed, uint64_t from) {
    uint32_t len;
    for (uint64_t off = from; off + 8 <= size; off++)
        if (sw_wal_record_at(p, size, off, seed, 1, &len)) return off;
    return size;
}

/* Scans the mapped file: replays every intact record through fn (when given) and reports each damaged
 * range to report. A damaged range followed by intact records is skipped, so one bad record never takes
 * the rest of the log with it; damage with nothing intact after it is the torn tail, whose offset is
 * returned (size when there is none). A record fn refuses is skipped and reported like damage. */
static uint64_t sw_wal_scan(const uint8_t *p, uint64_t size, uint64_t hdr, uint32_t seed, sw_wal_replay_fn fn, void *arg,
                            uint64_t *count, sw_wal_damage_fn report, void *rarg) {
    uint64_t off = hdr;
    int reused = memcmp(p, SW_WAL_MAGIC_REUSED, 8) == 0;
    while (off < size) {
        uint32_t len;
        /* A reused file's writer ends every write with an empty header (8 zero bytes, see sw_wal_writer):
         * what follows is the file's old contents, not damage to look past. */
        if (reused && off + 8 <= size && sw_le32(p + off) == 0 && sw_le32(p + off + 4) == 0) return off;
        if (sw_wal_record_at(p, size, off, seed, 0, &len)) {
            if (fn && fn(p + off + 8, len, arg) != 0) {
                if (report) report(off, 8 + (uint64_t)len, 1, rarg);
            } else (*count)++;
            off += 8 + (uint64_t)len;
            continue;
        }
        uint64_t next = sw_wal_resync(p, size, seed, off + 1);
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
    char head[8] = {0};
    if (size < 8 || (size < SW_WAL_HEADER && pread(w->fd, head, 8, 0) == 8 &&
                     (memcmp(head, SW_WAL_MAGIC, 8) == 0 || memcmp(head, SW_WAL_MAGIC_REUSED, 8) == 0))) {
        /* new (or torn before its header was complete): start afresh */
        if (ftruncate(w->fd, 0) || sw_wal_new_header(w->fd, 0, &w->seed)) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -1;
        }
        w->size = SW_WAL_HEADER;
        return 0;
    }
    uint8_t *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, w->fd, 0);
    if (p == MAP_FAILED) { snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno)); return -1; }
    madvise(p, size, MADV_SEQUENTIAL);
    uint64_t hdr;
    if (sw_wal_header(p, size, &hdr, &w->seed)) {
        munmap(p, size);
        snprintf(err, errlen, "%s: not a skywatch write-ahead log (bad magic)", path);
        return -1;
    }
    sw_wal_open_report r = {path, p, 0, 0};
    uint64_t good = sw_wal_scan(p, size, hdr, w->seed, fn, arg, &w->replayed, sw_wal_report_open, &r);
    int reused = w->reused = memcmp(p, SW_WAL_MAGIC_REUSED, 8) == 0;
    munmap(p, size);
    if (good < size) {
        sw_log(reused ? "info" : "warn", reused ? "wal: cut the old contents (or a torn tail) after a reused log's last record" : "wal: cut torn or corrupt tail",
               "\"file\":\"%s\",\"offset\":%llu,\"dropped_bytes\":%llu", path,
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
    if (size < SW_WAL_HEADER) {
        char head[8] = {0};
        int v1 = size >= 8 && pread(fd, head, 8, 0) == 8 && memcmp(head, SW_WAL_MAGIC_V1, 8) == 0;
        if (!v1) { close(fd); *torn = size; return 0; }
    }
    uint8_t *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) { snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno)); return -1; }
    madvise(p, size, MADV_SEQUENTIAL);
    int rc = 0;
    uint64_t hdr;
    uint32_t seed;
    if (sw_wal_header(p, size, &hdr, &seed)) { snprintf(err, errlen, "%s: not a skywatch write-ahead log (bad magic)", path); rc = -1; }
    else *torn = size - sw_wal_scan(p, size, hdr, seed, NULL, NULL, records, report, arg);
    munmap(p, size);
    return rc;
}

int sw_wal_is_log(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char head[8];
    int yes = read(fd, head, 8) == 8 && (memcmp(head, SW_WAL_MAGIC, 8) == 0 || memcmp(head, SW_WAL_MAGIC_V1, 8) == 0 ||
                                         memcmp(head, SW_WAL_MAGIC_REUSED, 8) == 0);
    close(fd);
    return yes;
}

int sw_wal_is_reused(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char head[8];
    int yes = read(fd, head, 8) == 8 && memcmp(head, SW_WAL_MAGIC_REUSED, 8) == 0;
    close(fd);
    return yes;
}

/* Queue buffers, shared by every log of the process: a log holds one only while records wait in it or are
 * being written, and gives it back after the write. Buffers grown afresh cost a page fault per 4 KiB (on a
 * VM whose freed pages go back to the host, far more), and the log store keeps a log per group: with ten
 * groups, two buffers per log grown to a few MB each were most of a 1 GiB ingest's page faults, where the
 * logs with records in flight at once need far fewer. Bounded: SW_WAL_POOL buffers of at most
 * SW_WAL_POOL_MAX bytes. */
#define SW_WAL_POOL 16
#define SW_WAL_POOL_MAX (8u << 20)
static pthread_mutex_t sw_wal_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static sw_buf sw_wal_pool[SW_WAL_POOL];
static size_t sw_wal_pool_n;

static void sw_wal_buf_take(sw_buf *b) {
    pthread_mutex_lock(&sw_wal_pool_lock);
    if (sw_wal_pool_n) *b = sw_wal_pool[--sw_wal_pool_n];
    else sw_buf_init(b);
    pthread_mutex_unlock(&sw_wal_pool_lock);
    sw_buf_reset(b);
}

static void sw_wal_buf_give(sw_buf *b) {
    pthread_mutex_lock(&sw_wal_pool_lock);
    int kept = b->data && b->cap <= SW_WAL_POOL_MAX && sw_wal_pool_n < SW_WAL_POOL;
    if (kept) sw_wal_pool[sw_wal_pool_n++] = *b;
    pthread_mutex_unlock(&sw_wal_pool_lock);
    if (kept) sw_buf_init(b);
    else sw_buf_free(b);
}

/* The group-commit loop: take everything queued, write it, fdatasync once, wake every waiter. */
static void *sw_wal_writer(void *arg) {
    sw_wal *w = arg;
    sw_buf batch;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (w->pending.len == 0 && !w->stopping) pthread_cond_wait(&w->queued, &w->lock);
        if (w->pending.len == 0 && w->stopping) break;
        batch = w->pending;
        sw_buf_init(&w->pending); /* the next append takes a pooled buffer */
        uint64_t upto = w->appended;
        pthread_mutex_unlock(&w->lock);
        /* In a reused file an empty header (8 zero bytes) follows the batch and is overwritten by the next:
         * replay stops there instead of searching the old contents after it for records. */
        size_t len = batch.len;
        if (w->reused) {
            static const uint8_t end[8];
            sw_buf_append(&batch, end, sizeof end);
        }
        int bad = sw_write_all(w->fd, batch.data, batch.len) || (w->reused && lseek(w->fd, -8, SEEK_CUR) < 0) ||
                  fdatasync(w->fd);
        pthread_mutex_lock(&w->lock);
        if (bad) {
            w->failed = 1;
            sw_log("error", "wal: write or fsync failed; refusing further writes", "\"errno\":%d", errno);
        } else {
            w->durable = upto;
            w->size += len;
        }
        pthread_cond_broadcast(&w->durable_cv);
        pthread_mutex_unlock(&w->lock);
        sw_wal_buf_give(&batch);
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Starts the writer of a log whose file is open and positioned. */
static sw_wal *sw_wal_start(sw_wal *w) {
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->queued, NULL);
    pthread_cond_init(&w->durable_cv, NULL);
    sw_buf_init(&w->pending);
    pthread_create(&w->writer, NULL, sw_wal_writer, w);
    return w;
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
    return sw_wal_start(w);
}

/* Opens the spare log file at reuse_path and gives it a fresh header (synced) before it takes a log's
 * name, so no instant exists at which that name holds the spare's old, still valid records. Returns the
 * file positioned after the header, or -1 (the spare is then unlinked). */
static int sw_wal_prepare_reuse(const char *reuse_path, uint32_t *seed) {
    int fd = reuse_path ? open(reuse_path, O_RDWR | O_CLOEXEC) : -1;
    if (fd < 0) return -1;
    if (sw_wal_new_header(fd, 1, seed) || lseek(fd, SW_WAL_HEADER, SEEK_SET) != SW_WAL_HEADER) {
        close(fd);
        unlink(reuse_path);
        return -1;
    }
    return fd;
}

sw_wal *sw_wal_open_reusing(const char *path, const char *reuse_path, const char *dir, char *err, size_t errlen) {
    uint32_t seed;
    int fd = sw_wal_prepare_reuse(reuse_path, &seed);
    if (fd >= 0 && rename(reuse_path, path) != 0) {
        close(fd);
        unlink(reuse_path);
        fd = -1;
    }
    if (fd < 0) return sw_wal_open(path, NULL, NULL, err, errlen);
    if (sw_fsync_dir(dir)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    sw_wal *w = sw_calloc(1, sizeof *w);
    w->fd = fd, w->seed = seed, w->size = SW_WAL_HEADER, w->reused = 1;
    return sw_wal_start(w);
}

uint64_t sw_wal_append(sw_wal *w, const void *payload, size_t len) {
    if (len > SW_WAL_MAX_RECORD) return 0;
    uint8_t head[8];
    sw_put_le32(head, (uint32_t)len | SW_WAL_TAG(w->seed));
    sw_put_le32(head + 4, sw_wal_crc(w->seed, head, payload, len));
    pthread_mutex_lock(&w->lock);
    uint64_t lsn = 0;
    if (!w->failed) {
        if (!w->pending.data) sw_wal_buf_take(&w->pending);
        sw_buf_append(&w->pending, head, 8);
        sw_buf_append(&w->pending, payload, len);
        w->appended += 8 + len;
        lsn = w->appended;
        pthread_cond_signal(&w->queued);
    }
    pthread_mutex_unlock(&w->lock);
    return lsn;
}

uint64_t sw_wal_append_fill(sw_wal *w, size_t len, void (*fill)(uint8_t *dst, void *arg), void *arg) {
    if (len > SW_WAL_MAX_RECORD) return 0;
    pthread_mutex_lock(&w->lock);
    uint64_t lsn = 0;
    if (!w->failed) {
        if (!w->pending.data) sw_wal_buf_take(&w->pending);
        sw_buf_reserve(&w->pending, 8 + len);
        uint8_t *head = (uint8_t *)w->pending.data + w->pending.len;
        fill(head + 8, arg);
        sw_put_le32(head, (uint32_t)len | SW_WAL_TAG(w->seed));
        sw_put_le32(head + 4, sw_wal_crc(w->seed, head, head + 8, len));
        w->pending.len += 8 + len;
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

int sw_wal_rotate(sw_wal *w, const char *path, const char *sealed_path, const char *dir, const char *reuse_path) {
    pthread_mutex_lock(&w->lock);
    /* Every queued record must be in the old file first: wait for the writer to go idle. */
    while (!w->failed && (w->pending.len || w->durable != w->appended)) pthread_cond_wait(&w->durable_cv, &w->lock);
    int rc = -1, fd = -1, from_spare = 0;
    uint32_t seed;
    /* A spare file's pages are still in the page cache: overwriting them costs no new pages. */
    int spare = w->failed ? -1 : sw_wal_prepare_reuse(reuse_path, &seed);
    if (!w->failed && rename(path, sealed_path) == 0) {
        if (spare >= 0 && rename(reuse_path, path) == 0) fd = spare, spare = -1, from_spare = 1;
        else if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) >= 0 &&
                 (sw_wal_new_header(fd, 0, &seed) || lseek(fd, SW_WAL_HEADER, SEEK_SET) != SW_WAL_HEADER)) {
            close(fd);
            fd = -1;
        }
        if (fd >= 0 && sw_fsync_dir(dir) == 0) {
            close(w->fd);
            w->fd = fd;
            w->size = SW_WAL_HEADER;
            w->seed = seed;
            w->reused = from_spare;
            rc = 0;
        }
    }
    if (spare >= 0) {
        close(spare);
        unlink(reuse_path);
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
    sw_wal_buf_give(&w->pending);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->queued);
    pthread_cond_destroy(&w->durable_cv);
    sw_free(w);
}
