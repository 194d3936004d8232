/* fuzz_mblock.c -- libFuzzer target for the metrics engine's block files (metrics_disk.c) and their loading
 * (the catalog and index in metrics.c). The input is the body of a block file: the target wraps it in the magic
 * and a footer whose index checksum holds (the first two bytes choose where the index starts), so the fuzzer
 * reaches the index, catalog and block parsers instead of stopping at the checksum. The file is opened, every
 * entry decoded, then a data directory holding it is opened by the engine, queried, listed and closed. The
 * raw input is also decoded as a block of each kind. Nothing may crash or read outside the file. */
#include "crc32c.h"
#include "metrics.h"
#include "metrics_disk.h"
#include "qsketch.h"
#include "tscodec.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t T[SW_TS_MAX_BLOCK], T2[SW_TS_MAX_BLOCK];
static double C[4][SW_TS_MAX_BLOCK];
static char DIR_[64], PATH[128];

static void list_one(const sw_metric_id *id, void *arg) { (*(size_t *)arg) += strlen(id->name); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *sk;
    size_t sklen;
    sw_mb_decode_sets(data, size, T, C[0], C[1], C[2], C[3], T2);
    sw_mb_decode_rollups(data, size, T, C[0], C[1], C[2], C[3], T2, &sk, &sklen);
    if (size < 2) return 0;
    if (!DIR_[0]) {
        snprintf(DIR_, sizeof DIR_, "/tmp/fuzz_mblock_XXXXXX");
        if (!mkdtemp(DIR_)) abort();
        snprintf(PATH, sizeof PATH, "%s/mb-0000000000000001-0000000000000001-00000000.swb", DIR_);
    }
    size_t body = size - 2, ioff = 8 + ((size_t)data[0] | (size_t)data[1] << 8) % (body + 1);
    uint8_t *file = malloc(8 + body + 24);
    memcpy(file, "SWMB0001", 8);
    memcpy(file + 8, data + 2, body);
    uint64_t io = ioff;
    uint32_t ilen = (uint32_t)(8 + body - ioff), crc = sw_crc32c(0, file + ioff, ilen);
    memcpy(file + 8 + body, &io, 8);
    memcpy(file + 8 + body + 8, &ilen, 4);
    memcpy(file + 8 + body + 12, &crc, 4);
    memcpy(file + 8 + body + 16, "SWMBEND1", 8);
    int fd = open(PATH, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, file, 8 + body + 24) != (ssize_t)(8 + body + 24)) abort();
    close(fd);
    free(file);

    char err[256];
    sw_mb_file *f = sw_mb_open(PATH, err, sizeof err);
    if (f) {
        sw_buf cat;
        sw_buf_init(&cat);
        sw_mb_catalog(f, &cat);
        sw_buf_free(&cat);
        for (uint32_t i = 0; i < f->nentries; i++) {
            sw_mb_entry e;
            sw_mb_entry_at(f, i, &e);
            if (e.kind == SW_MB_VALUES) sw_mb_decode_values(f->map + e.off, e.len, T, C[0]);
            else if (e.kind == SW_MB_SETS) sw_mb_decode_sets(f->map + e.off, e.len, T, C[0], C[1], C[2], C[3], T2);
            else sw_mb_decode_rollups(f->map + e.off, e.len, T, C[0], C[1], C[2], C[3], T2, &sk, &sklen);
        }
        sw_mb_close(f);
        /* The engine on a directory holding this file (and nothing else but what it creates). */
        sw_metrics *m = sw_metrics_open(DIR_, err, sizeof err);
        if (m) {
            sw_dim dims[1] = {{"Host", "a"}};
            sw_metric_id id = {"123456789012", "us-east-1", "NS", "M", dims, 1};
            sw_query_result r;
            sw_metrics_query(m, &id, NULL, 0, 4000000000LL, 86400 * 30, 1, &r);
            sw_query_result_free(&r);
            sw_list_filter lf = {"123456789012", "us-east-1", NULL, NULL, NULL, 0, 0};
            size_t total = 0;
            uint64_t next;
            sw_metrics_list(m, &lf, 0, 1000, list_one, &total, &next);
            sw_metrics_close(m);
        }
        /* What open left behind (a new log), so every run starts from the same directory. */
        char p[160];
        snprintf(p, sizeof p, "%s/metrics.wal", DIR_);
        unlink(p);
    }
    unlink(PATH);
    return 0;
}
