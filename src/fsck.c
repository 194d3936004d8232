/* fsck.c -- `skywatch fsck DIR`: reads every file of a data directory without changing it and reports
 * damage precisely: write-ahead logs record by record (damaged byte ranges and a torn tail), log segments
 * by their index and each block's checksum, and copies of damaged bytes an earlier start saved aside.
 * Exit status 0 when everything is intact, 1 when damage was found, 2 when the directory cannot be read. */
#include "fsck.h"
#include "crc32c.h"
#include "logstore_int.h"
#include "metrics_disk.h"
#include "qsketch.h"
#include "tscodec.h"
#include "varint.h"
#include "wal.h"
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    int damaged, unreadable;
    uint64_t files, logs, segments, records, blocks, mfiles, mblocks, msamples;
    const char *root;
    FILE *out;
} sw_fsck;

typedef struct { sw_fsck *f; const char *rel; } sw_fsck_file;

static void sw_fsck_damage(uint64_t off, uint64_t len, int refused, void *arg) {
    sw_fsck_file *ff = arg;
    ff->f->damaged = 1;
    fprintf(ff->f->out, "DAMAGED %s: bytes %llu-%llu (%llu bytes) %s; the records after them are intact\n", ff->rel,
            (unsigned long long)off, (unsigned long long)(off + len - 1), (unsigned long long)len,
            refused ? "are a record its reader refuses" : "are not an intact record");
}

static int sw_file_magic(const char *path, char magic[9]) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    size_t n = fread(magic, 1, 8, fp);
    fclose(fp);
    magic[n] = '\0';
    return 0;
}

static void sw_fsck_log(sw_fsck *f, const char *path, const char *rel) {
    uint64_t records, size, torn;
    char err[512];
    sw_fsck_file ff = {f, rel};
    f->logs++;
    if (sw_wal_check(path, sw_fsck_damage, &ff, &records, &size, &torn, err, sizeof err)) {
        fprintf(f->out, "DAMAGED %s: %s\n", rel, err);
        f->damaged = 1;
        return;
    }
    f->records += records;
    if (torn) {
        /* A crash mid-write leaves one; the next start cuts it. Not acknowledged data, so not damage. */
        if (sw_wal_is_reused(path))
            fprintf(f->out, "note    %s: %llu bytes after the last intact record: this reused log's old contents, or a torn "
                            "tail (cut at the next start)\n", rel, (unsigned long long)torn);
        else
            fprintf(f->out, "note    %s: %llu bytes of torn tail after the last intact record (cut at the next start)\n", rel,
                    (unsigned long long)torn);
    }
    fprintf(f->out, "ok      %s: write-ahead log, %llu records, %llu bytes\n", rel, (unsigned long long)records,
            (unsigned long long)size);
}

static void sw_fsck_segment(sw_fsck *f, const char *path, const char *rel) {
    f->segments++;
    /* The loader checks the generation in the footer against the file name, seg-GEN.sws. */
    const char *base = strrchr(path, '/');
    unsigned long long gen = 0;
    if (sscanf(base ? base + 1 : path, "seg-%llu.sws", &gen) != 1) {
        fprintf(f->out, "DAMAGED %s: a log segment whose name is not seg-GEN.sws\n", rel);
        f->damaged = 1;
        return;
    }
    ls_seg *g = ls_seg_load(path, gen);
    if (!g) {
        fprintf(f->out, "DAMAGED %s: log segment whose footer or index is unreadable (see the log line above)\n", rel);
        f->damaged = 1;
        return;
    }
    size_t bad = 0;
    for (size_t i = 0; i < g->nblocks; i++) {
        const ls_block *b = &g->blocks[i];
        const char *why = NULL;
        if (b->off + b->clen > g->size) why = "runs past the end of the file";
        else if (sw_crc32c(0, g->map + b->off, b->clen) != b->crc) why = "fails its checksum";
        else if (!b->filter) why = "has a damaged token filter";
        if (why) {
            fprintf(f->out, "DAMAGED %s: block %zu (bytes %llu-%llu, %u events, %lld..%lld ms) %s\n", rel, i,
                    (unsigned long long)b->off, (unsigned long long)(b->off + b->clen - 1), b->nevents,
                    (long long)b->min_ts, (long long)b->max_ts, why);
            bad++;
        }
    }
    f->blocks += g->nblocks;
    if (bad) f->damaged = 1;
    else fprintf(f->out, "ok      %s: log segment, %zu blocks, %zu bytes\n", rel, g->nblocks, g->size);
    ls_seg_release(g);
}

/* A metrics block file: its footer and index, then every block decoded (checksum, sample count, time range). */
static uint32_t sw_fsck_t[SW_TS_MAX_BLOCK], sw_fsck_t2[SW_TS_MAX_BLOCK];
static double sw_fsck_c[4][SW_TS_MAX_BLOCK];

/* Every sketch of a roll-up block's sketch column decodes, and there is one entry per sample. */
static int sw_fsck_sketches(const uint8_t *p, size_t len, size_t n) {
    const uint8_t *end = p + len;
    sw_qsketch q;
    sw_qs_init(&q);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        uint64_t l;
        if (sw_varint_get(&p, end, &l) || l > (uint64_t)(end - p)) rc = -1;
        else if (l && (sw_qs_free(&q), sw_qs_decode(p, (size_t)l, &q) != (long)l)) rc = -1;
        else p += l;
    }
    sw_qs_free(&q);
    return rc == 0 && p == end ? 0 : -1;
}

static void sw_fsck_mblocks(sw_fsck *f, const char *path, const char *rel) {
    char why[256];
    f->mfiles++;
    sw_mb_file *mf = sw_mb_open(path, why, sizeof why);
    if (!mf) {
        fprintf(f->out, "DAMAGED %s: metrics block file unreadable: %s; the server serves the other files\n", rel, why);
        f->damaged = 1;
        return;
    }
    uint64_t lo, hi;
    uint32_t version;
    const char *base = strrchr(path, '/');
    if (sw_mb_parse_name(base ? base + 1 : path, &lo, &hi, &version) || lo != mf->lo || hi != mf->hi) {
        fprintf(f->out, "DAMAGED %s: the name does not match the generations inside (%llu..%llu)\n", rel,
                (unsigned long long)mf->lo, (unsigned long long)mf->hi);
        f->damaged = 1;
    }
    sw_buf cat;
    sw_buf_init(&cat);
    if (sw_mb_catalog(mf, &cat)) {
        fprintf(f->out, "DAMAGED %s: the series catalog does not decompress\n", rel);
        f->damaged = 1;
    }
    sw_buf_free(&cat);
    size_t bad = 0;
    for (uint32_t i = 0; i < mf->nentries; i++) {
        sw_mb_entry e;
        sw_mb_entry_at(mf, i, &e);
        const uint8_t *sk = NULL;
        size_t sklen = 0;
        long n = e.kind == SW_MB_VALUES
                     ? sw_mb_decode_values(mf->map + e.off, e.len, sw_fsck_t, sw_fsck_c[0])
                 : e.kind == SW_MB_SETS
                     ? sw_mb_decode_sets(mf->map + e.off, e.len, sw_fsck_t, sw_fsck_c[0], sw_fsck_c[1], sw_fsck_c[2],
                                         sw_fsck_c[3], sw_fsck_t2)
                     : sw_mb_decode_rollups(mf->map + e.off, e.len, sw_fsck_t, sw_fsck_c[0], sw_fsck_c[1], sw_fsck_c[2],
                                            sw_fsck_c[3], sw_fsck_t2, &sk, &sklen);
        if (n > 0 && e.kind == SW_MB_ROLLUP && sw_fsck_sketches(sk, sklen, (size_t)n)) n = -1;
        const char *what = n < 0 ? "fails its checksum or does not decode"
                           : n != (long)e.n ? "holds a different number of samples than its index entry"
                           : sw_fsck_t[0] != e.tmin || sw_fsck_t[n - 1] != e.tmax ? "has a time range its index entry does not"
                           : NULL;
        if (what) {
            fprintf(f->out, "DAMAGED %s: block %u (series %u, bytes %llu-%llu, %u samples, %u..%u s) %s\n", rel, i, e.series,
                    (unsigned long long)e.off, (unsigned long long)(e.off + e.len - 1), e.n, e.tmin, e.tmax, what);
            bad++;
        }
    }
    f->mblocks += mf->nentries;
    f->msamples += mf->samples;
    if (bad) f->damaged = 1;
    else fprintf(f->out, "ok      %s: metrics block file, %u blocks, %llu samples, %zu bytes\n", rel, mf->nentries,
                 (unsigned long long)mf->samples, mf->size);
    sw_mb_close(mf);
}

static void sw_fsck_dir(sw_fsck *f, const char *dir, int depth) {
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(f->out, "UNREADABLE %s\n", dir);
        f->unreadable = 1;
        return;
    }
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        const char *rel = path + strlen(f->root) + 1;
        struct stat st;
        if (lstat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            if (depth < 16) sw_fsck_dir(f, path, depth + 1);
            continue;
        }
        if (!S_ISREG(st.st_mode)) continue;
        f->files++;
        char magic[9];
        if (strstr(e->d_name, ".damaged-")) {
            fprintf(f->out, "DAMAGED %s: %lld bytes an earlier start found damaged and saved aside (the log skips them)\n",
                    rel, (long long)st.st_size);
            f->damaged = 1;
        } else if (!strncmp(e->d_name, "mb-", 3) && strlen(e->d_name) > 4 && !strcmp(e->d_name + strlen(e->d_name) - 4, ".tmp")) {
            fprintf(f->out, "note    %s: an unfinished metrics block file (a stop mid-write); its samples are still in the "
                            "write-ahead logs, and the next start removes it\n", rel);
        } else if ((!strncmp(e->d_name, "spare-", 6) && strstr(e->d_name, ".wal")) || !strcmp(e->d_name, "metrics.wal.spare")) {
            fprintf(f->out, "note    %s: a spare write-ahead log the running server keeps for reuse (no data; removed at "
                            "the next start)\n", rel);
        } else if (sw_file_magic(path, magic)) {
            fprintf(f->out, "UNREADABLE %s\n", rel);
            f->unreadable = 1;
        } else if (strcmp(magic, "SWWAL001") == 0 || strcmp(magic, "SWWAL002") == 0 || strcmp(magic, "SWWALR02") == 0) sw_fsck_log(f, path, rel);
        else if (strcmp(magic, "SWSEG001") == 0) sw_fsck_segment(f, path, rel);
        else if (strcmp(magic, "SWMB0001") == 0 || (!strncmp(e->d_name, "mb-", 3) && strstr(e->d_name, ".swb")))
            sw_fsck_mblocks(f, path, rel);
    }
    closedir(d);
}

int sw_fsck_main(int argc, char **argv) {
    if (argc != 3 || argv[2][0] == '-') {
        fputs("usage: skywatch fsck DIR\n"
              "  Reads every file of the data directory DIR without changing it and reports damage: write-ahead\n"
              "  logs record by record, log segments and metrics block files block by block. Safe while the server runs.\n"
              "  Exit status: 0 intact, 1 damage found, 2 DIR unreadable.\n",
              argc == 3 && strcmp(argv[2], "--help") == 0 ? stdout : stderr);
        return argc == 3 && strcmp(argv[2], "--help") == 0 ? 0 : 2;
    }
    char root[4096];
    snprintf(root, sizeof root, "%s", argv[2]);
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/') root[--n] = '\0';
    struct stat st;
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "skywatch fsck: %s is not a directory\n", root);
        return 2;
    }
    sw_fsck f = {0};
    f.root = root, f.out = stdout;
    sw_fsck_dir(&f, root, 0);
    printf("%s: %llu files; %llu write-ahead logs (%llu intact records); %llu log segments (%llu blocks); "
           "%llu metrics block files (%llu blocks, %llu samples)\n",
           f.damaged ? "DAMAGE FOUND" : f.unreadable ? "UNREADABLE FILES" : "intact", (unsigned long long)f.files,
           (unsigned long long)f.logs, (unsigned long long)f.records, (unsigned long long)f.segments,
           (unsigned long long)f.blocks, (unsigned long long)f.mfiles, (unsigned long long)f.mblocks,
           (unsigned long long)f.msamples);
    return f.damaged ? 1 : f.unreadable ? 2 : 0;
}
