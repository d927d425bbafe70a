/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * /proc snapshots taken the moment an EXEC arrives on the prefetch socket, held
 * until the main socket's copy of the same event is applied. The main socket is
 * read in batches (cheap), the prefetch socket at once (a short-lived program's
 * argv is gone within a millisecond). An event is identified by its pid and its
 * kernel timestamp: both sockets receive the very same message.
 *
 * Bounded: when full, the oldest snapshot goes (its event then reads /proc late,
 * as without prefetch). Pure bookkeeping, no I/O.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proctable.h"

typedef struct PrefetchStats {
	uint64_t n_taken;   /* snapshots stored */
	uint64_t n_used;    /* handed to their event */
	uint64_t n_missed;  /* execs the main socket had no snapshot for */
	uint64_t n_evicted; /* dropped unused: full, or their event never came */
} PrefetchStats;

typedef struct PrefetchEntry {
	pid_t pid;             /* 0: free */
	uint64_t timestamp_ns;
	bool handled;          /* a marker: the event was applied before it came here */
	ProcSnapshot snap;
} PrefetchEntry;

typedef struct Prefetch {
	PrefetchEntry *ring;
	size_t cap, head, n; /* n slots from head, some may be freed already */
	PrefetchStats stats;
} Prefetch;

/* q zeroed, or done: its stats carry over (counted for the daemon's life, even
 * when the prefetch is closed and opened again by a reload). */
int prefetch_init(Prefetch *q, size_t cap);
void prefetch_done(Prefetch *q);

/* A slot for the snapshot of (pid, timestamp_ns), to be filled by the caller;
 * the oldest entry is dropped to make room. NULL if the event was applied
 * already (prefetch_take came first): nothing to read. */
ProcSnapshot *prefetch_slot(Prefetch *q, pid_t pid, uint64_t timestamp_ns);

/* Move the snapshot of (pid, timestamp_ns) to *ret (the caller frees it with
 * proc_snapshot_done). false if there is none; ret->result is then -ENODATA, and
 * the event is remembered as applied for prefetch_slot. */
bool prefetch_take(Prefetch *q, pid_t pid, uint64_t timestamp_ns, ProcSnapshot *ret);

/* Drop snapshots of events older than before_ns: their event is not coming. */
void prefetch_expire(Prefetch *q, uint64_t before_ns);

size_t prefetch_pending(const Prefetch *q);
