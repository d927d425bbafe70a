/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Exec /proc snapshots waiting for their event (prefetch.h). */

#include <errno.h>
#include <stdlib.h>

#include "prefetch.h"

int prefetch_init(Prefetch *q, size_t cap)
{
	*q = (Prefetch){ .stats = q->stats };
	q->ring = calloc(cap, sizeof(*q->ring));
	if (!q->ring)
		return -ENOMEM;
	q->cap = cap;
	return 0;
}

static PrefetchEntry *at(const Prefetch *q, size_t i)
{
	return &q->ring[(q->head + i) % q->cap];
}

static void entry_free(PrefetchEntry *e)
{
	proc_snapshot_done(&e->snap);
	e->pid = 0;
	e->handled = false;
}

/* Freed slots at the head are reclaimed; in the middle they wait their turn
 * (events are taken nearly in the order they were stored). */
static void trim(Prefetch *q)
{
	while (q->n > 0 && at(q, 0)->pid == 0) {
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
}

static void drop_oldest(Prefetch *q)
{
	PrefetchEntry *e = at(q, 0);

	if (e->pid != 0) {
		q->stats.n_evicted += !e->handled;
		entry_free(e);
	}
	q->head = (q->head + 1) % q->cap;
	q->n--;
	trim(q);
}

void prefetch_done(Prefetch *q)
{
	if (!q->ring)
		return;
	for (size_t i = 0; i < q->n; i++)
		if (at(q, i)->pid != 0)
			entry_free(at(q, i));
	free(q->ring);
	*q = (Prefetch){ .stats = q->stats };
}

/* A new entry at the tail; the oldest goes to make room. */
static PrefetchEntry *append(Prefetch *q, pid_t pid, uint64_t timestamp_ns, bool handled)
{
	PrefetchEntry *e;

	if (q->n == q->cap)
		drop_oldest(q);
	e = at(q, q->n++);
	e->pid = pid;
	e->timestamp_ns = timestamp_ns;
	e->handled = handled;
	e->snap.result = -ENODATA;
	return e;
}

static PrefetchEntry *find(Prefetch *q, pid_t pid, uint64_t timestamp_ns)
{
	for (size_t i = 0; i < q->n; i++) {
		PrefetchEntry *e = at(q, i);

		if (e->pid == pid && e->timestamp_ns == timestamp_ns)
			return e;
	}
	return NULL;
}

ProcSnapshot *prefetch_slot(Prefetch *q, pid_t pid, uint64_t timestamp_ns)
{
	PrefetchEntry *e;

	if (q->cap == 0 || pid <= 0)
		return NULL;
	e = find(q, pid, timestamp_ns);
	if (e && e->handled) {
		/* its event was applied already: reading /proc now would be wasted */
		entry_free(e);
		trim(q);
		return NULL;
	}
	q->stats.n_taken++;
	return &append(q, pid, timestamp_ns, false)->snap;
}

bool prefetch_take(Prefetch *q, pid_t pid, uint64_t timestamp_ns, ProcSnapshot *ret)
{
	PrefetchEntry *e = find(q, pid, timestamp_ns);

	ret->result = -ENODATA;
	if (e && !e->handled) {
		*ret = e->snap; /* moved: the strings go with it */
		e->snap.result = -ENODATA;
		e->pid = 0;
		trim(q);
		q->stats.n_used++;
		return true;
	}
	q->stats.n_missed++;
	if (q->cap == 0 || pid <= 0 || e)
		return false;
	/* the prefetch socket has not delivered it yet: when it does, there is
	 * nothing to read (a marker, so the queue does not fill with snapshots
	 * nobody takes) */
	append(q, pid, timestamp_ns, true);
	return false;
}

void prefetch_expire(Prefetch *q, uint64_t before_ns)
{
	for (size_t i = 0; i < q->n; i++) {
		PrefetchEntry *e = at(q, i);

		if (e->pid != 0 && e->timestamp_ns < before_ns) {
			q->stats.n_evicted += !e->handled;
			entry_free(e);
		}
	}
	trim(q);
}

size_t prefetch_pending(const Prefetch *q)
{
	size_t n = 0;

	for (size_t i = 0; i < q->n; i++)
		n += at(q, i)->pid != 0 && !at(q, i)->handled;
	return n;
}
