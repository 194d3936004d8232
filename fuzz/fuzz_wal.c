/* fuzz_wal.c -- libFuzzer target for the write-ahead log's reader and the metrics replay. The input is a
 * list of records [u16 length][payload]; they are written as a log with correct checksums, then byte 0's
 * bits damage it (a flipped payload byte, a flipped length, a torn tail) at positions taken from the
 * input. The log is checked (fsck's path), then opened by the metrics engine, whose replay must survive
 * any record and any gap; the check's count of intact records must equal what the open replays or
 * skips, and a second open must find the log as the first left it. Byte 0 also picks the format: the
 * first ("SWWAL001", unsalted checksums) or the salted one, fresh or reused; a reused file gets records
 * checksummed under another salt after its own, as a reused file's old contents would be. */
#include "crc32c.h"
#include "metrics.h"
#include "wal.h"
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }

static void count_damage(uint64_t off, uint64_t len, int refused, void *arg) { (*(int *)arg)++; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fuzz-wal-XXXXXX");
        if (!mkdtemp(dir)) abort();
    }
    if (size < 3) return 0;
    uint8_t flags = data[0];
    uint16_t where = (uint16_t)(data[1] | data[2] << 8);
    int salted = (flags & 8) != 0, reused = salted && (flags & 16);
    size_t hdr = salted ? 16 : 8;
    size_t cap = hdr + size * 8 + 64, n = hdr; /* each 2-byte length gives 8 bytes of header, twice when reused */
    uint8_t *file = malloc(cap);
    memcpy(file, !salted ? "SWWAL001" : reused ? "SWWALR02" : "SWWAL002", 8);
    uint32_t seed = 0;
    if (salted) {
        memcpy(file + 8, &where, 2);
        memset(file + 10, 0x5a, 6);
        seed = sw_crc32c(0, file + 8, 8);
    }
    for (int pass = 0; pass < 1 + reused; pass++) {
        uint32_t s = pass ? seed ^ 1u : seed; /* pass 1: old contents under another salt */
        for (size_t i = 3; i + 2 <= size;) {
            size_t len = (size_t)(data[i] | data[i + 1] << 8) % 512;
            i += 2;
            if (len > size - i) len = size - i;
            put32(file + n, (uint32_t)len | (s >> 26) << 26); /* the salt's tag in the top bits (0 for the first format) */
            memcpy(file + n + 8, data + i, len);
            put32(file + n + 4, sw_crc32c(sw_crc32c(s, file + n, 4), file + n + 8, len));
            n += 8 + len;
            i += len;
        }
    }
    if (n > hdr) {
        if (flags & 1) file[hdr + where % (n - hdr)] ^= 0x41;
        if (flags & 2) file[hdr + (where * 7u) % (n - hdr)] ^= 0x80;
        if (flags & 4) n -= where % (n - hdr);
    }
    char path[128];
    snprintf(path, sizeof path, "%s/metrics.wal", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, file, n) != (ssize_t)n) abort();
    close(fd);
    free(file);
    uint64_t records, fsize, torn;
    int damaged = 0;
    char err[512];
    if (sw_wal_check(path, count_damage, &damaged, &records, &fsize, &torn, err, sizeof err)) abort();
    if (fsize != n || torn > n) abort();
    sw_metrics *m = sw_metrics_open(dir, err, sizeof err);
    if (!m) abort();
    sw_metrics_stats st;
    sw_metrics_get_stats(m, &st);
    if (st.replayed_records > records) abort();
    if (st.replayed_records == 0 && st.samples != 0) abort(); /* a refused record leaves none of its entries behind */
    if (st.wal_bytes != n - torn) abort();
    sw_metrics_close(m);
    uint64_t records2, fsize2, torn2;
    if (sw_wal_check(path, NULL, NULL, &records2, &fsize2, &torn2, err, sizeof err)) abort();
    /* A clean stop writes a head holding samples to a block file and starts an empty log; otherwise the log is
     * as the first open left it. */
    char mb[160];
    snprintf(mb, sizeof mb, "%s/mb-0000000000000001-0000000000000001-00000000.swb", dir);
    if (access(mb, F_OK) == 0) {
        if (records2 != 0 || torn2 != 0) abort();
    } else if (records2 != records || torn2 != 0 || fsize2 != n - torn) abort();
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -f %s/*", dir);
    if (system(cmd) != 0) abort();
    return 0;
}
