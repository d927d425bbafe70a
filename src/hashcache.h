/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * SHA-256 of executables (exe-hash = sha256), off the event loop. An exec looks
 * its file up by device, inode, size and change times (from the fstat the exec
 * read does anyway); a file not seen before gets an entry "pending" and its
 * descriptor (opened through /proc/PID/exe while the process lives: deleted
 * files and memfds too) goes to a worker thread, which hashes it with OpenSSL's
 * EVP interface and posts the result back through an eventfd. The main loop
 * then fills the entry in, which every process running that file shares (by
 * reference), so later records of the same process carry the hash as well.
 *
 * Bounded: at most HASHCACHE_MAX entries in the table (when full, the finished
 * ones are dropped; processes keep theirs), HASHCACHE_QUEUE_MAX files waiting
 * for the worker (beyond: "queue-full", tried again at the next exec), and
 * files larger than HASHCACHE_MAX_SIZE are not read ("too-large").
 *
 * Everything but the worker runs in the main thread; the worker only sees a
 * descriptor and an opaque job.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#define HASHCACHE_MAX 4096
#define HASHCACHE_QUEUE_MAX 1024
#define HASHCACHE_MAX_SIZE (256ULL << 20)

typedef enum ExeHashState {
	EXE_HASH_PENDING,
	EXE_HASH_DONE,
	EXE_HASH_TOO_LARGE,
	EXE_HASH_UNREADABLE,
	EXE_HASH_QUEUE_FULL,
	_EXE_HASH_STATE_MAX,
} ExeHashState;

typedef struct ExeHash ExeHash; /* one file's; shared, by reference */
typedef struct HashCache HashCache;

typedef struct HashCacheStats {
	uint64_t n_hashed;    /* files hashed */
	uint64_t n_bytes;     /* bytes read to hash them */
	uint64_t n_hits;      /* execs whose file's hash was known or pending */
	uint64_t n_failed;    /* too large or unreadable */
	uint64_t n_queue_full;
} HashCacheStats;

int hashcache_new(HashCache **ret);
/* Stops the worker (waiting for the file it reads) and drops the table;
 * entries processes still hold stay valid. */
HashCache *hashcache_free(HashCache *hc);

/* The descriptor the main loop watches (readable: results to dispatch). */
int hashcache_fd(const HashCache *hc);
/* Takes the worker's results into their entries. */
void hashcache_dispatch(HashCache *hc);

/*
 * The entry of the executable st describes (a new reference, NULL only on
 * ENOMEM): known, or now pending with a descriptor opened as exe relative to
 * dirfd (/proc/PID). st is the stat of that very file.
 */
ExeHash *hashcache_get(HashCache *hc, int dirfd, const struct stat *st);

ExeHash *exe_hash_ref(ExeHash *h);
void exe_hash_unref(ExeHash *h);
ExeHashState exe_hash_state(const ExeHash *h);
/* the digest in lowercase hex, when EXE_HASH_DONE; else NULL */
const char *exe_hash_hex(const ExeHash *h);
/* why there is no digest: "pending", "too-large", "unreadable", "queue-full" */
const char *exe_hash_state_to_string(ExeHashState s);

const HashCacheStats *hashcache_stats(const HashCache *hc);
