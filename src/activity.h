/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Activity counters for `cnprocctl top`, pure: who forks, execs and exits, per
 * systemd unit, user, comm, executable and container, over the last 1, 10 and
 * 60 seconds. Fed from the events the daemon handles anyway (no /proc read), in
 * memory fixed at activity_new() however many distinct keys appear.
 *
 * Eviction: Space-Saving (Metwally, Agrawal, El Abbadi 2005). Each group has k
 * entries; an unseen key takes over the entry of least weight and inherits that
 * weight as its error bound. Chosen because it is bounded (k entries, no
 * allocation after activity_new), deterministic (same events, same table),
 * keeps the heavy hitters (a key whose weight exceeds 1/k of its group's total
 * is always in the table) and its overestimate is bounded by the inherited
 * weight, which is reported.
 *
 * Weight: recent activity, so that a key busy an hour ago does not squat an
 * entry. A count over a sliding window would do that but falls as time slides,
 * which breaks Space-Saving's proof (the least weight must never fall). So each
 * event weighs 2^((t - L) / H), t its second, H = ACTIVITY_HALF_LIFE_SEC, L a
 * landmark moved now and then (all weights rescaled by the same power of two):
 * forward decay (Cormode et al. 2009). Weights only grow, the proof holds as it
 * is, and compared at one instant they are counts with a 60 s half-life: at
 * steady rates, a key with more than 1/k of its group's events stays. Every
 * event weighs the same, whatever its metrics (an exit that failed young is one
 * event).
 *
 * Counts: a row shows the key's own events since it took its entry, exact: the
 * lower end of Space-Saving's estimate, so a newcomer reads 1, not the weight it
 * inherited. Its error bounds the events it had before and that fall in the
 * window: their weight is at most the inherited one, and each weighs at least
 * an event of the window's first second. So the true count is within
 * [count, count + error], for every metric. A key that has held its entry since
 * before the window has error 0; so has every key while the table was never
 * full.
 *
 * Windows are made of whole seconds that are over: the current second counts
 * from the next one on, so a 1 s window is the last full second, a rate. Each
 * entry keeps, per metric, 11 one-second buckets (the current second and the 10
 * before) and 7 ten-second buckets (the current decade and the 6 before), uint32
 * each: 360 bytes a key, where 60 one-second buckets would take 1.2 KB.
 * Windows of 1 to 10 s are exact. Longer ones (up to 60 s) take whole decades
 * from their first second's, plus the current decade's seconds that are over,
 * so they are exact counts over a span a little longer than asked, never
 * shorter: 60 s is 60 to 69 s (up to 9 s of the oldest bucket more than a strict
 * 60 s). activity_span() says how long, for rates.
 *
 * Finding the least weight: a binary min-heap of the entries by weight. A scan
 * of k = 128 weights at every unseen key cost 300 ns (measured: a chain of
 * dependent compares), more than all the rest of an event; with the heap the
 * least is at the root. Weights only grow, so an entry only moves down: a busy
 * key's sits at the bottom (one comparison), a newcomer sinks at most log2 k.
 *
 * Hashing: one lookup per group and event needs a hash table, and the libraries
 * the daemon links export no string hash (jansson's and libsystemd's are
 * internal; glibc's hsearch_r cannot delete, tsearch allocates a node per key).
 * Keys cannot go by identity either: comm lives in each process, units and
 * executables are shared strings but not interned. The hash is xxHash's XXH3
 * (libxxhash): a few ns for a 71-byte container id, where FNV-1a's multiply per
 * byte took 1.5 ns a byte. Each group indexes its entries by open addressing
 * over 2k slots (fixed, part of the table: nothing is allocated per key); the
 * full 64-bit hash is compared before the bytes. Keys made to collide only
 * lengthen probes, and a table of k keys bounds a lookup by k comparisons.
 *
 * Keys are copied into fixed slots: comm 15 bytes (the kernel's own limit),
 * user 63, unit, executable and container 127 (a container's 64-hex id with its
 * runtime fits). A longer key is cut at a UTF-8 character's start at or before
 * that length and marked cut: long keys with the same first bytes are then one
 * row, its key their common start, apart from the uncut key of exactly those
 * bytes.
 *
 * Memory, fixed: 400 bytes an entry, plus its key slot and 16 bytes of index,
 * heap and weight: 432 (comm) to 544 bytes (unit, exe, container). With k = 128,
 * 54 to 68 KiB a group, 319 KiB in all (activity_memory()).
 *
 * Not thread-safe: the main loop's.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

typedef enum ActivityGroup {
	ACTIVITY_UNIT,
	ACTIVITY_USER,
	ACTIVITY_COMM,
	ACTIVITY_EXE,
	ACTIVITY_CONTAINER,
	_ACTIVITY_GROUP_MAX,
	_ACTIVITY_GROUP_INVALID = -1,
} ActivityGroup;

typedef enum ActivityMetric {
	ACTIVITY_FORK,
	ACTIVITY_EXEC,
	ACTIVITY_EXIT,
	ACTIVITY_FAILED, /* an exit with a non-zero code or by a signal */
	ACTIVITY_SHORT,  /* an exit less than a second after the fork */
	_ACTIVITY_METRIC_MAX,
	_ACTIVITY_METRIC_INVALID = -1,
} ActivityMetric;

#define ACTIVITY_BIT(m) (1U << (m))

#define ACTIVITY_K_DEFAULT 128   /* entries per group */
#define ACTIVITY_K_MAX 4096      /* 16-bit indexes; a query reads all k */
#define ACTIVITY_KEY_MAX 128     /* the largest key slot, with its NUL */
#define ACTIVITY_WINDOW_MAX 60   /* seconds */
#define ACTIVITY_HALF_LIFE_SEC 60

typedef struct Activity Activity;

typedef struct ActivityRow {
	char key[ACTIVITY_KEY_MAX];
	bool cut;                                /* key is the start of longer ones */
	uint64_t counts[_ACTIVITY_METRIC_MAX];   /* own events in the window, exact */
	uint64_t error;                          /* true: counts[m] .. counts[m] + error */
} ActivityRow;

typedef struct ActivityGroupStats {
	size_t entries, capacity;
	uint64_t evictions; /* unseen keys that took over an entry */
} ActivityGroupStats;

/* k entries per group, 1..ACTIVITY_K_MAX: -EINVAL, -ENOMEM or 0. */
int activity_new(size_t k, Activity **ret);
Activity *activity_free(Activity *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(Activity *, activity_free);

/*
 * One event at now_sec (CLOCK_MONOTONIC seconds; an earlier time than one seen
 * before counts as that one), counted in every metric of the mask
 * (ACTIVITY_BIT()), for the process's key in each group (NULL: none, e.g. not in
 * a container; not counted in that group). The totals count it in any case.
 * One call per event: an exit that failed young is EXIT|FAILED|SHORT.
 */
void activity_count(Activity *a, uint64_t now_sec, unsigned metrics,
		    const char *const keys[_ACTIVITY_GROUP_MAX]);

/* The seconds a window of window_sec (1..ACTIVITY_WINDOW_MAX) covers at now_sec,
 * 0 if window_sec is out of range. */
unsigned activity_span(uint64_t now_sec, unsigned window_sec);

/*
 * The keys of group g active in the window (any own count not 0), by
 * counts[sort_by] descending, then key (uncut first): the first n into rows.
 * Returns how many were written, or -EINVAL.
 */
int activity_top(const Activity *a, uint64_t now_sec, ActivityGroup g, unsigned window_sec,
		 ActivityMetric sort_by, ActivityRow *rows, size_t n);

/* Every event in the window, keyed or not, exact. -EINVAL or 0. */
int activity_totals(const Activity *a, uint64_t now_sec, unsigned window_sec,
		    uint64_t ret[_ACTIVITY_METRIC_MAX]);

void activity_group_stats(const Activity *a, ActivityGroup g, ActivityGroupStats *ret);

/* Bytes allocated, all fixed at activity_new(). */
size_t activity_memory(const Activity *a);

/* "unit", "user", "comm", "exe", "container"; NULL if out of range */
const char *activity_group_to_string(ActivityGroup g);
ActivityGroup activity_group_from_string(const char *s);
/* "forks", "execs", "exits", "failed", "short"; NULL if out of range */
const char *activity_metric_to_string(ActivityMetric m);
ActivityMetric activity_metric_from_string(const char *s);
