/* keys.h -- credentials: access key id -> secret -> account, in a mode-0600 file of the data directory. */
#ifndef SW_KEYS_H
#define SW_KEYS_H
#include <stddef.h>

typedef struct sw_key {
    char akid[129];
    char secret[129];
    char account[13];  /* 12 digits */
    int trusted;       /* trusted publishers may write AWS/ namespaces */
} sw_key;

typedef struct sw_keystore sw_keystore;

/* Opens the key file at path (it may not exist yet). Never NULL. */
sw_keystore *sw_keys_open(const char *path);
void sw_keys_close(sw_keystore *ks);
/* The administrator key from the environment: held in memory only, never written to the file. */
void sw_keys_set_root(sw_keystore *ks, const sw_key *root);
/* Finds akid; re-reads the file when it changed on disk (so `skywatch keys create` needs no restart).
 * Returns 0 and fills out, or -1 if unknown. Thread-safe. */
int sw_keys_lookup(sw_keystore *ks, const char *akid, sw_key *out);
/* Number of keys in the file plus the root key. */
size_t sw_keys_count(sw_keystore *ks);

/* File operations used by `skywatch keys`: each rewrites the file atomically with mode 0600.
 * Return 0, or -1 with errno set (sw_keys_file_delete: -1 and ENOENT when akid is absent). */
int sw_keys_file_add(const char *path, const sw_key *k);
int sw_keys_file_delete(const char *path, const char *akid);
/* Calls fn for each key of the file; returns the count, or -1 when the file cannot be read
 * (a missing file counts as empty). */
int sw_keys_file_each(const char *path, void (*fn)(const sw_key *k, void *arg), void *arg);

/* Fills k with a fresh random AKIA... id, a 40-character secret, and account (or 12 random digits if NULL). */
void sw_keys_generate(sw_key *k, const char *account, int trusted);
/* 1 when s is exactly 12 ASCII digits. */
int sw_keys_valid_account(const char *s);

#endif
