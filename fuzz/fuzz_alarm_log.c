/* fuzz_alarm_log.c -- the alarms engine replaying a log of arbitrary records: the input is split at
 * 0x1e bytes into payloads, written as intact (checksummed) log records, then the engine opens the
 * log, evaluates once and closes. Damaged files are the WAL's business (its own tests); this target
 * checks that any record content is either applied or ignored, never a crash or a leak. */
#include "alarms.h"
#include "clock.h"
#include "wal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static void cleanup(void) {
    char path[128];
    snprintf(path, sizeof path, "%s/alarms.wal", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/alarms.wal.compact", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/metrics.wal", dir);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fuzz_alarm_log.XXXXXX");
        if (!mkdtemp(dir)) abort();
        sw_clock_set_ms(1700000000000LL);
    }
    cleanup();
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/alarms.wal", dir);
    sw_wal *w = sw_wal_open(path, NULL, NULL, err, sizeof err);
    if (!w) abort();
    uint64_t lsn = 0;
    for (size_t start = 0, i = 0; i <= size; i++)
        if (i == size || data[i] == 0x1e) {
            lsn = sw_wal_append(w, data + start, i - start);
            start = i + 1;
        }
    if (lsn) sw_wal_sync(w, lsn);
    sw_wal_close(w);
    sw_metrics *m = sw_metrics_open(dir, err, sizeof err);
    if (!m) abort();
    sw_alarms *a = sw_alarms_open(dir, m, err, sizeof err);
    if (a) {
        sw_alarms_tick(a, sw_clock_now_ms());
        sw_alarms_close(a);
    }
    sw_metrics_close(m);
    return 0;
}
