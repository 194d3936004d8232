/* keys.c -- the key file: "AKID SECRET ACCOUNT [trusted]" per line, rewritten atomically, mode 0600. */
#include "keys.h"
#include "alloc.h"
#include "fileio.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct sw_keystore {
    char *path;
    pthread_mutex_t lock;
    sw_key *keys;
    size_t nkeys;
    sw_key root;
    int has_root;
    struct timespec mtime;
    off_t size;
    time_t last_check;
};

int sw_keys_valid_account(const char *s) {
    if (strlen(s) != 12) return 0;
    for (int i = 0; i < 12; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

/* Parses one line; returns 1 for a key, 0 for a blank/comment line, -1 for a malformed one. */
static int sw_keys_parse_line(char *line, sw_key *k) {
    char *save = NULL, *akid = strtok_r(line, " \t\r\n", &save);
    if (!akid || akid[0] == '#') return 0;
    char *secret = strtok_r(NULL, " \t\r\n", &save), *account = strtok_r(NULL, " \t\r\n", &save);
    char *flags = strtok_r(NULL, " \t\r\n", &save);
    if (!secret || !account || strlen(akid) >= sizeof k->akid || strlen(secret) >= sizeof k->secret ||
        !sw_keys_valid_account(account)) return -1;
    memset(k, 0, sizeof *k);
    strcpy(k->akid, akid);
    strcpy(k->secret, secret);
    strcpy(k->account, account);
    k->trusted = flags && strcmp(flags, "trusted") == 0;
    return 1;
}

/* Reads every key of the file into a new array; a missing file is empty. */
static int sw_keys_read(const char *path, sw_key **out, size_t *n) {
    *out = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (!f) return errno == ENOENT ? 0 : -1;
    char line[1024];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        sw_key k;
        if (sw_keys_parse_line(line, &k) != 1) continue;
        if (*n == cap) { cap = cap ? cap * 2 : 8; *out = sw_realloc(*out, cap * sizeof **out); }
        (*out)[(*n)++] = k;
    }
    fclose(f);
    return 0;
}

static int sw_keys_write(const char *path, const sw_key *keys, size_t n) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return -1;
    fchmod(fd, 0600);
    FILE *f = fdopen(fd, "w");
    if (!f) { close(fd); return -1; }
    fprintf(f, "# skywatch access keys: ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID [trusted]\n");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s %s %s%s\n", keys[i].akid, keys[i].secret, keys[i].account, keys[i].trusted ? " trusted" : "");
    int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) { unlink(tmp); return -1; }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    sw_fsync_dir(dirname(dir));
    return 0;
}

int sw_keys_file_add(const char *path, const sw_key *k) {
    sw_key *keys;
    size_t n;
    if (sw_keys_read(path, &keys, &n)) return -1;
    keys = sw_realloc(keys, (n + 1) * sizeof *keys);
    keys[n++] = *k;
    int rc = sw_keys_write(path, keys, n);
    sw_free(keys);
    return rc;
}

int sw_keys_file_delete(const char *path, const char *akid) {
    sw_key *keys;
    size_t n, kept = 0;
    if (sw_keys_read(path, &keys, &n)) return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i].akid, akid) != 0) keys[kept++] = keys[i];
    int rc = kept == n ? (errno = ENOENT, -1) : sw_keys_write(path, keys, kept);
    sw_free(keys);
    return rc;
}

int sw_keys_file_each(const char *path, void (*fn)(const sw_key *k, void *arg), void *arg) {
    sw_key *keys;
    size_t n;
    if (sw_keys_read(path, &keys, &n)) return -1;
    for (size_t i = 0; i < n; i++) fn(&keys[i], arg);
    sw_free(keys);
    return (int)n;
}

static void sw_random_chars(char *out, size_t n, const char *alphabet) {
    unsigned char rnd[64];
    size_t alen = strlen(alphabet);
    if (RAND_bytes(rnd, (int)n) != 1) abort();
    for (size_t i = 0; i < n; i++) out[i] = alphabet[rnd[i] % alen];
    out[n] = '\0';
}

void sw_keys_generate(sw_key *k, const char *account, int trusted) {
    memset(k, 0, sizeof *k);
    memcpy(k->akid, "AKIA", 4);
    sw_random_chars(k->akid + 4, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    sw_random_chars(k->secret, 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    if (account) snprintf(k->account, sizeof k->account, "%s", account);
    else sw_random_chars(k->account, 12, "0123456789");
    k->trusted = trusted;
}

sw_keystore *sw_keys_open(const char *path) {
    sw_keystore *ks = sw_calloc(1, sizeof *ks);
    ks->path = sw_strdup(path);
    pthread_mutex_init(&ks->lock, NULL);
    return ks;
}

void sw_keys_close(sw_keystore *ks) {
    if (!ks) return;
    sw_free(ks->keys);
    sw_free(ks->path);
    pthread_mutex_destroy(&ks->lock);
    sw_free(ks);
}

void sw_keys_set_root(sw_keystore *ks, const sw_key *root) {
    pthread_mutex_lock(&ks->lock);
    ks->root = *root;
    ks->has_root = 1;
    pthread_mutex_unlock(&ks->lock);
}

/* Re-reads the file if its mtime or size changed; called with the lock held. */
static void sw_keys_refresh(sw_keystore *ks) {
    struct stat st;
    if (stat(ks->path, &st) != 0) { ks->nkeys = 0; ks->size = -1; return; }
    if (st.st_mtim.tv_sec == ks->mtime.tv_sec && st.st_mtim.tv_nsec == ks->mtime.tv_nsec && st.st_size == ks->size && ks->keys)
        return;
    sw_key *keys;
    size_t n;
    if (sw_keys_read(ks->path, &keys, &n)) return;
    sw_free(ks->keys);
    ks->keys = keys;
    ks->nkeys = n;
    ks->mtime = st.st_mtim;
    ks->size = st.st_size;
}

static int sw_keys_find(sw_keystore *ks, const char *akid, sw_key *out) {
    if (ks->has_root && strcmp(ks->root.akid, akid) == 0) { *out = ks->root; return 0; }
    for (size_t i = 0; i < ks->nkeys; i++)
        if (strcmp(ks->keys[i].akid, akid) == 0) { *out = ks->keys[i]; return 0; }
    return -1;
}

int sw_keys_lookup(sw_keystore *ks, const char *akid, sw_key *out) {
    pthread_mutex_lock(&ks->lock);
    time_t now = time(NULL);
    if (now != ks->last_check || !ks->keys) {  /* keys created or deleted by `skywatch keys` show up within a second */
        ks->last_check = now;
        sw_keys_refresh(ks);
    }
    int rc = sw_keys_find(ks, akid, out);
    pthread_mutex_unlock(&ks->lock);
    return rc;
}

size_t sw_keys_count(sw_keystore *ks) {
    pthread_mutex_lock(&ks->lock);
    sw_keys_refresh(ks);
    size_t n = ks->nkeys + (size_t)ks->has_root;
    pthread_mutex_unlock(&ks->lock);
    return n;
}
