/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-256 of executables, by a worker thread, cached by file identity (hashcache.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <dlfcn.h>
#include <openssl/evp.h>

#include "config.h"

#include "hashcache.h"
#include "list.h"
#include "macro.h"

#define SLOTS (2 * HASHCACHE_MAX) /* open addressing: at most half full */
#define READ_CHUNK (64 * 1024)

/* What identifies one version of a file: a file changed in place gets new
 * times, a replaced one a new inode. */
typedef struct FileKey {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
} FileKey;

struct ExeHash {
	unsigned n_ref;
	FileKey key;
	ExeHashState state;
	char hex[65];
};

/* A file for the worker, and then its result for the main thread. */
typedef struct Job Job;
struct Job {
	ExeHash *entry; /* the main thread's: the worker never touches it */
	int fd;
	ExeHashState state;
	uint64_t bytes;
	char hex[65];
	Job *next, *prev;
};

struct HashCache {
	ExeHash *slots[SLOTS];
	size_t n;

	pthread_t worker;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;              /* under lock */
	Job *todo, *todo_tail, *done; /* under lock */
	size_t n_queued;            /* main thread: jobs not yet dispatched back */
	int event_fd;

	HashCacheStats stats;
};

static bool key_equal(const FileKey *a, const FileKey *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static size_t key_slot(const FileKey *k)
{
	uint64_t h = (uint64_t)k->ino * 11400714819323198485ULL ^ (uint64_t)k->dev;

	h ^= (uint64_t)k->mtime.tv_nsec * 0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 20) & (SLOTS - 1);
}

ExeHash *exe_hash_ref(ExeHash *h)
{
	if (h)
		h->n_ref++;
	return h;
}

void exe_hash_unref(ExeHash *h)
{
	if (h && --h->n_ref == 0)
		free(h);
}

ExeHashState exe_hash_state(const ExeHash *h)
{
	return h->state;
}

const char *exe_hash_hex(const ExeHash *h)
{
	return h && h->state == EXE_HASH_DONE ? h->hex : NULL;
}

const char *exe_hash_state_to_string(ExeHashState s)
{
	static const char *const names[_EXE_HASH_STATE_MAX] = {
		[EXE_HASH_PENDING] = "pending",
		[EXE_HASH_DONE] = "done",
		[EXE_HASH_TOO_LARGE] = "too-large",
		[EXE_HASH_UNREADABLE] = "unreadable",
		[EXE_HASH_QUEUE_FULL] = "queue-full",
	};

	return s < _EXE_HASH_STATE_MAX ? names[s] : "?";
}

/* libcrypto, opened when hashing starts (configure.ac says why) */
static struct {
	void *dl;
	EVP_MD_CTX *(*ctx_new)(void);
	void (*ctx_free)(EVP_MD_CTX *);
	int (*init)(EVP_MD_CTX *, const EVP_MD *, ENGINE *);
	int (*update)(EVP_MD_CTX *, const void *, size_t);
	int (*final)(EVP_MD_CTX *, unsigned char *, unsigned *);
	const EVP_MD *(*sha256)(void);
} crypto;

static int crypto_open(void)
{
	if (crypto.dl)
		return 0;
	crypto.dl = dlopen(LIBCRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!crypto.dl)
		return -EOPNOTSUPP;
	/* POSIX: a function pointer may be converted from dlsym's void * */
	*(void **)&crypto.ctx_new = dlsym(crypto.dl, "EVP_MD_CTX_new");
	*(void **)&crypto.ctx_free = dlsym(crypto.dl, "EVP_MD_CTX_free");
	*(void **)&crypto.init = dlsym(crypto.dl, "EVP_DigestInit_ex");
	*(void **)&crypto.update = dlsym(crypto.dl, "EVP_DigestUpdate");
	*(void **)&crypto.final = dlsym(crypto.dl, "EVP_DigestFinal_ex");
	*(void **)&crypto.sha256 = dlsym(crypto.dl, "EVP_sha256");
	if (!crypto.ctx_new || !crypto.ctx_free || !crypto.init || !crypto.update ||
	    !crypto.final || !crypto.sha256) {
		dlclose(crypto.dl);
		crypto.dl = NULL;
		return -EOPNOTSUPP;
	}
	return 0;
}

/* The worker: SHA-256 of what fd holds, at most HASHCACHE_MAX_SIZE bytes. */
static void hash_fd(Job *j)
{
	static const char hexdigits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;
	_cleanup_free_ char *buf = malloc(READ_CHUNK);
	EVP_MD_CTX *ctx = crypto.ctx_new();
	struct stat st;

	j->state = EXE_HASH_UNREADABLE;
	if (!buf || !ctx || fstat(j->fd, &st) < 0)
		goto out;
	if ((uint64_t)st.st_size > HASHCACHE_MAX_SIZE) {
		j->state = EXE_HASH_TOO_LARGE;
		goto out;
	}
	if (crypto.init(ctx, crypto.sha256(), NULL) != 1)
		goto out;
	for (;;) {
		ssize_t n = read(j->fd, buf, READ_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		j->bytes += (uint64_t)n;
		/* a file growing while it is read is not what ran */
		if (j->bytes > HASHCACHE_MAX_SIZE) {
			j->state = EXE_HASH_TOO_LARGE;
			goto out;
		}
		if (crypto.update(ctx, buf, (size_t)n) != 1)
			goto out;
	}
	if (crypto.final(ctx, md, &md_len) != 1 || md_len != 32)
		goto out;
	for (unsigned i = 0; i < md_len; i++) {
		j->hex[2 * i] = hexdigits[md[i] >> 4];
		j->hex[2 * i + 1] = hexdigits[md[i] & 0xf];
	}
	j->hex[64] = 0;
	j->state = EXE_HASH_DONE;
out:
	crypto.ctx_free(ctx);
	close(j->fd);
	j->fd = -1;
}

static void *worker_main(void *userdata)
{
	HashCache *hc = userdata;
	uint64_t one = 1;

	pthread_mutex_lock(&hc->lock);
	for (;;) {
		Job *j;

		while (!hc->todo && !hc->stopping)
			pthread_cond_wait(&hc->wake, &hc->lock);
		if (hc->stopping)
			break;
		j = hc->todo;
		hc->todo = j->next;
		if (!hc->todo)
			hc->todo_tail = NULL;
		pthread_mutex_unlock(&hc->lock);

		hash_fd(j);

		pthread_mutex_lock(&hc->lock);
		j->next = hc->done;
		hc->done = j;
		(void)!write(hc->event_fd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&hc->lock);
	return NULL;
}

int hashcache_new(HashCache **ret)
{
	HashCache *hc = calloc(1, sizeof(*hc));
	sigset_t all, old;
	int r;

	if (!hc)
		return -ENOMEM;
	r = crypto_open();
	if (r < 0) {
		free(hc);
		return r;
	}
	hc->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (hc->event_fd < 0) {
		r = -errno;
		free(hc);
		return r;
	}
	pthread_mutex_init(&hc->lock, NULL);
	pthread_cond_init(&hc->wake, NULL);
	/* signals belong to the main loop's signalfd, not to the worker */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&hc->worker, NULL, worker_main, hc);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		hashcache_free(hc);
		return r;
	}
	hc->started = true;
	*ret = hc;
	return 0;
}

static void jobs_free(Job *j)
{
	while (j) {
		Job *next = j->next;

		if (j->fd >= 0)
			close(j->fd);
		exe_hash_unref(j->entry);
		free(j);
		j = next;
	}
}

HashCache *hashcache_free(HashCache *hc)
{
	if (!hc)
		return NULL;
	if (hc->started) {
		pthread_mutex_lock(&hc->lock);
		hc->stopping = true;
		pthread_cond_signal(&hc->wake);
		pthread_mutex_unlock(&hc->lock);
		pthread_join(hc->worker, NULL);
	}
	jobs_free(hc->todo);
	jobs_free(hc->done);
	for (size_t i = 0; i < SLOTS; i++)
		exe_hash_unref(hc->slots[i]);
	if (hc->event_fd >= 0)
		close(hc->event_fd);
	pthread_mutex_destroy(&hc->lock);
	pthread_cond_destroy(&hc->wake);
	free(hc);
	return NULL;
}

int hashcache_fd(const HashCache *hc)
{
	return hc->event_fd;
}

void hashcache_dispatch(HashCache *hc)
{
	uint64_t n;
	Job *done;

	(void)!read(hc->event_fd, &n, sizeof(n));
	pthread_mutex_lock(&hc->lock);
	done = hc->done;
	hc->done = NULL;
	pthread_mutex_unlock(&hc->lock);

	while (done) {
		Job *j = done;

		done = j->next;
		j->entry->state = j->state;
		memcpy(j->entry->hex, j->hex, sizeof(j->hex));
		if (j->state == EXE_HASH_DONE) {
			hc->stats.n_hashed++;
			hc->stats.n_bytes += j->bytes;
		} else
			hc->stats.n_failed++;
		hc->n_queued--;
		exe_hash_unref(j->entry);
		free(j);
	}
}

/* Full: drop what is finished (processes keep their references); pending
 * entries stay, their result is on its way. */
static void table_prune(HashCache *hc)
{
	ExeHash *keep[SLOTS];
	size_t n_keep = 0;

	for (size_t i = 0; i < SLOTS; i++) {
		ExeHash *e = hc->slots[i];

		if (!e)
			continue;
		hc->slots[i] = NULL;
		if (e->state == EXE_HASH_PENDING)
			keep[n_keep++] = e;
		else
			exe_hash_unref(e);
	}
	hc->n = 0;
	for (size_t i = 0; i < n_keep; i++) {
		size_t s = key_slot(&keep[i]->key);

		while (hc->slots[s])
			s = (s + 1) & (SLOTS - 1);
		hc->slots[s] = keep[i];
		hc->n++;
	}
}

/* 0: queued; -EAGAIN: the queue is full; else why the file could not be opened */
static int enqueue(HashCache *hc, ExeHash *e, int dirfd)
{
	Job *j;
	int fd;

	if (hc->n_queued >= HASHCACHE_QUEUE_MAX)
		return -EAGAIN;
	/* the file itself, whatever became of its path: /proc/PID/exe */
	fd = openat(dirfd, "exe", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	j = calloc(1, sizeof(*j));
	if (!j) {
		close(fd);
		return -ENOMEM;
	}
	j->entry = exe_hash_ref(e);
	j->fd = fd;
	hc->n_queued++;
	pthread_mutex_lock(&hc->lock);
	if (hc->todo_tail)
		hc->todo_tail->next = j;
	else
		hc->todo = j;
	hc->todo_tail = j;
	pthread_cond_signal(&hc->wake);
	pthread_mutex_unlock(&hc->lock);
	return 0;
}

ExeHash *hashcache_get(HashCache *hc, int dirfd, const struct stat *st)
{
	FileKey k = { .dev = st->st_dev, .ino = st->st_ino, .size = st->st_size,
		      .mtime = st->st_mtim, .ctime = st->st_ctim };
	size_t s = key_slot(&k);
	ExeHash *e;
	int r;

	for (; hc->slots[s]; s = (s + 1) & (SLOTS - 1))
		if (key_equal(&hc->slots[s]->key, &k)) {
			hc->stats.n_hits++;
			return exe_hash_ref(hc->slots[s]);
		}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	*e = (ExeHash){ .n_ref = 1, .key = k, .state = EXE_HASH_PENDING };
	if ((uint64_t)st->st_size > HASHCACHE_MAX_SIZE) {
		e->state = EXE_HASH_TOO_LARGE;
		hc->stats.n_failed++;
	} else if ((r = enqueue(hc, e, dirfd)) < 0) {
		/* not kept: the next exec of the file tries again (this process may
		 * have exited already, or the worker is behind) */
		e->state = r == -EAGAIN ? EXE_HASH_QUEUE_FULL : EXE_HASH_UNREADABLE;
		if (r == -EAGAIN)
			hc->stats.n_queue_full++;
		else
			hc->stats.n_failed++;
		return e;
	}
	if (hc->n >= HASHCACHE_MAX) {
		table_prune(hc);
		s = key_slot(&k);
		while (hc->slots[s])
			s = (s + 1) & (SLOTS - 1);
	}
	hc->slots[s] = exe_hash_ref(e);
	hc->n++;
	return e;
}

const HashCacheStats *hashcache_stats(const HashCache *hc)
{
	return &hc->stats;
}
