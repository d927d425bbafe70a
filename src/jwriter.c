/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The journal writer thread and its bounded queue (jwriter.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
/* sd_journal_sendv() is a macro that adds its caller's CODE_FILE, CODE_LINE and
 * CODE_FUNC: this writer thread's, in every record. A record's fields are its own
 * (log messages add the place that logged them themselves). */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>
#include <time.h>

#include "jwriter.h"

typedef struct Entry {
	struct Entry *next;
	size_t n, bytes;
	struct iovec iov[]; /* then the field bytes */
} Entry;

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;    /* writer: something queued, or stop */
	pthread_cond_t drained; /* stopper: the queue emptied */
	pthread_t thread;
	bool running, stop, busy;
	Entry *head, *tail;
	size_t max_records, max_bytes;
	JournalWriterStats stats;
} w = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
	.drained = PTHREAD_COND_INITIALIZER,
};

static void free_entry(void *p)
{
	free(p);
}

static void *writer_main(void *arg)
{
	(void)arg;
	/* cancellable only inside sd_journal_sendv: never while holding the lock */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_mutex_lock(&w.lock);
	for (;;) {
		Entry *e;
		int r;

		while (!w.head && !w.stop)
			pthread_cond_wait(&w.wake, &w.lock);
		if (!w.head)
			break;
		e = w.head;
		w.head = e->next;
		if (!w.head)
			w.tail = NULL;
		w.busy = true;
		pthread_mutex_unlock(&w.lock);

		/* the only place that may block on journald; cancellable there */
		pthread_cleanup_push(free_entry, e);
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
		r = sd_journal_sendv(e->iov, (int)e->n);
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		pthread_cleanup_pop(0);

		pthread_mutex_lock(&w.lock);
		w.busy = false;
		w.stats.queued--;
		w.stats.queued_bytes -= e->bytes;
		if (r < 0)
			w.stats.n_failed++;
		else
			w.stats.n_written++;
		free(e);
		if (!w.head)
			pthread_cond_broadcast(&w.drained);
	}
	pthread_mutex_unlock(&w.lock);
	return NULL;
}

int jwriter_start(size_t max_records, size_t max_bytes)
{
	int r = 0;

	pthread_mutex_lock(&w.lock);
	if (!w.running) {
		w.max_records = max_records;
		w.max_bytes = max_bytes;
		w.stop = false;
		r = -pthread_create(&w.thread, NULL, writer_main, NULL);
		w.running = r == 0;
	}
	pthread_mutex_unlock(&w.lock);
	return r;
}

bool jwriter_running(void)
{
	bool r;

	pthread_mutex_lock(&w.lock);
	r = w.running;
	pthread_mutex_unlock(&w.lock);
	return r;
}

/* With the lock held: wait until journald has taken everything queued, at most
 * timeout. false: it did not in time. */
static bool wait_drained(usec_t timeout)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += (time_t)(timeout / USEC_PER_SEC);
	deadline.tv_nsec += (long)(timeout % USEC_PER_SEC) * 1000;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	while (w.head || w.busy)
		if (pthread_cond_timedwait(&w.drained, &w.lock, &deadline) == ETIMEDOUT)
			return false;
	return true;
}

bool jwriter_flush(usec_t timeout)
{
	bool r = true;

	pthread_mutex_lock(&w.lock);
	if (w.running)
		r = wait_drained(timeout);
	pthread_mutex_unlock(&w.lock);
	return r;
}

void jwriter_stop(usec_t timeout)
{
	bool cancel;

	pthread_mutex_lock(&w.lock);
	if (!w.running) {
		pthread_mutex_unlock(&w.lock);
		return;
	}
	cancel = !wait_drained(timeout);
	w.stop = true;
	pthread_cond_signal(&w.wake);
	pthread_mutex_unlock(&w.lock);

	/* journald never came back: what is still queued is lost with us */
	if (cancel)
		pthread_cancel(w.thread);
	pthread_join(w.thread, NULL);

	pthread_mutex_lock(&w.lock);
	while (w.head) {
		Entry *e = w.head;

		w.head = e->next;
		w.stats.n_dropped++;
		free(e);
	}
	w.tail = NULL;
	w.stats.queued = w.stats.queued_bytes = 0;
	w.busy = false;
	w.running = false;
	pthread_mutex_unlock(&w.lock);
}

int jwriter_sendv(const struct iovec *iov, size_t n)
{
	size_t bytes = 0;
	Entry *e;
	char *p;

	for (size_t i = 0; i < n; i++)
		bytes += iov[i].iov_len;

	pthread_mutex_lock(&w.lock);
	if (!w.running) {
		pthread_mutex_unlock(&w.lock);
		return sd_journal_sendv(iov, (int)n);
	}
	if (w.stats.queued >= w.max_records || w.stats.queued_bytes + bytes > w.max_bytes) {
		w.stats.n_dropped++;
		pthread_mutex_unlock(&w.lock);
		return -ENOBUFS;
	}
	pthread_mutex_unlock(&w.lock);

	/* copied outside the lock: the writer keeps going meanwhile */
	e = malloc(sizeof(*e) + n * sizeof(struct iovec) + bytes);
	if (!e)
		return -ENOMEM;
	e->next = NULL;
	e->n = n;
	e->bytes = bytes;
	p = (char *)(e->iov + n);
	for (size_t i = 0; i < n; i++) {
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		e->iov[i] = (struct iovec){ .iov_base = p, .iov_len = iov[i].iov_len };
		p += iov[i].iov_len;
	}

	pthread_mutex_lock(&w.lock);
	if (w.tail)
		w.tail->next = e;
	else
		w.head = e;
	w.tail = e;
	w.stats.n_queued++;
	w.stats.queued++;
	w.stats.queued_bytes += bytes;
	if (w.stats.queued > w.stats.max_queued)
		w.stats.max_queued = w.stats.queued;
	pthread_cond_signal(&w.wake);
	pthread_mutex_unlock(&w.lock);
	return 0;
}

void jwriter_get_stats(JournalWriterStats *ret)
{
	pthread_mutex_lock(&w.lock);
	*ret = w.stats;
	pthread_mutex_unlock(&w.lock);
}
