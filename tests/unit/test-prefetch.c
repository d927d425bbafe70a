/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exec prefetch queue: snapshots matched to their event, bounded, expired. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prefetch.h"
#include "rcstr.h"
#include "test.h"

/* a snapshot as proctable_prefetch leaves it: read, with an argv of its own */
static void fill(ProcSnapshot *s, pid_t pid, const char *argv)
{
	s->result = 0;
	s->data = (Process){ .pid = pid };
	s->data.argv = rcstr_newn(argv, strlen(argv)); /* the table's strings are shared */
	s->data.argv_len = strlen(argv) + 1;
}

static void test_take_by_pid_and_time(void)
{
	Prefetch q = {};
	ProcSnapshot s;

	TS_ASSERT_INT_EQ(prefetch_init(&q, 8), 0);
	fill(prefetch_slot(&q, 100, 1000), 100, "first");
	fill(prefetch_slot(&q, 100, 2000), 100, "second"); /* exec'd again */
	fill(prefetch_slot(&q, 200, 1500), 200, "other");
	TS_ASSERT_INT_EQ(prefetch_pending(&q), 3);

	/* same pid, another exec: not this one */
	TS_ASSERT(!prefetch_take(&q, 100, 3000, &s));
	TS_ASSERT_INT_EQ(s.result, -ENODATA);
	/* out of order: the kernel may queue two CPUs' events differently per socket */
	TS_ASSERT(prefetch_take(&q, 100, 2000, &s));
	TS_ASSERT_STR_EQ(s.data.argv, "second");
	proc_snapshot_done(&s);
	TS_ASSERT(prefetch_take(&q, 100, 1000, &s));
	TS_ASSERT_STR_EQ(s.data.argv, "first");
	proc_snapshot_done(&s);
	/* taken once only */
	TS_ASSERT(!prefetch_take(&q, 100, 1000, &s));
	TS_ASSERT_INT_EQ(prefetch_pending(&q), 1);
	TS_ASSERT_INT_EQ(q.stats.n_taken, 3);
	TS_ASSERT_INT_EQ(q.stats.n_used, 2);
	TS_ASSERT_INT_EQ(q.stats.n_missed, 2);
	prefetch_done(&q); /* frees "other" (ASan: no leak) */
	/* the counts outlive the queue: a reload may close and open it again */
	TS_ASSERT_INT_EQ(q.stats.n_used, 2);
	TS_ASSERT_INT_EQ(prefetch_init(&q, 4), 0);
	TS_ASSERT_INT_EQ(q.stats.n_taken, 3);
	TS_ASSERT_INT_EQ(prefetch_pending(&q), 0);
	prefetch_done(&q);
}

/* the main socket got there first: the prefetch socket's copy is not read at all */
static void test_applied_first(void)
{
	Prefetch q = {};
	ProcSnapshot s;

	TS_ASSERT_INT_EQ(prefetch_init(&q, 4), 0);
	TS_ASSERT(!prefetch_take(&q, 400, 7, &s));
	TS_ASSERT_INT_EQ(prefetch_pending(&q), 0);
	TS_ASSERT(prefetch_slot(&q, 400, 7) == NULL);
	/* the marker is gone with it: a later exec of the same pid is read */
	TS_ASSERT(prefetch_slot(&q, 400, 8) != NULL);
	TS_ASSERT_INT_EQ(q.stats.n_taken, 1);
	/* markers never pile up: the oldest goes when full, not counted as evicted */
	for (int i = 0; i < 10; i++)
		TS_ASSERT(!prefetch_take(&q, 500 + i, 9, &s));
	TS_ASSERT(q.n <= 4);
	TS_ASSERT_INT_EQ(q.stats.n_evicted, 1); /* (400, 8), never taken */
	prefetch_expire(&q, 100);
	TS_ASSERT_INT_EQ(q.n, 0);
	prefetch_done(&q);
}

/* a process that could not be read is stored as such: its event learns why */
static void test_unread(void)
{
	Prefetch q = {};
	ProcSnapshot s;

	TS_ASSERT_INT_EQ(prefetch_init(&q, 4), 0);
	prefetch_slot(&q, 300, 10)->result = -ESRCH;
	TS_ASSERT(prefetch_take(&q, 300, 10, &s));
	TS_ASSERT_INT_EQ(s.result, -ESRCH);
	proc_snapshot_done(&s);
	TS_ASSERT(!prefetch_slot(&q, 0, 10));
	prefetch_done(&q);
}

/* full: the oldest goes, and the ring wraps around */
static void test_bounded(void)
{
	Prefetch q = {};
	ProcSnapshot s;
	char name[16];

	TS_ASSERT_INT_EQ(prefetch_init(&q, 4), 0);
	for (int i = 1; i <= 10; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		fill(prefetch_slot(&q, i, (uint64_t)i * 10), i, name);
		TS_ASSERT(prefetch_pending(&q) <= 4);
	}
	TS_ASSERT_INT_EQ(q.stats.n_evicted, 6);
	for (int i = 7; i <= 10; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		TS_ASSERT(prefetch_take(&q, i, (uint64_t)i * 10, &s));
		TS_ASSERT_STR_EQ(s.data.argv, name);
		proc_snapshot_done(&s);
	}
	TS_ASSERT_INT_EQ(prefetch_pending(&q), 0);
	TS_ASSERT_INT_EQ(q.n, 0);
	TS_ASSERT(!prefetch_take(&q, 6, 60, &s)); /* evicted */
	prefetch_expire(&q, 100);
	TS_ASSERT_INT_EQ(q.n, 0);

	/* a hole in the middle is reclaimed once the head moves past it */
	fill(prefetch_slot(&q, 1, 100), 1, "a");
	fill(prefetch_slot(&q, 2, 200), 2, "b");
	fill(prefetch_slot(&q, 3, 300), 3, "c");
	TS_ASSERT(prefetch_take(&q, 2, 200, &s));
	proc_snapshot_done(&s);
	TS_ASSERT_INT_EQ(q.n, 3);
	TS_ASSERT(prefetch_take(&q, 1, 100, &s));
	proc_snapshot_done(&s);
	TS_ASSERT_INT_EQ(q.n, 1);
	prefetch_done(&q);
}

/* a snapshot whose event never came on the main socket (lost there) goes by age */
static void test_expire(void)
{
	Prefetch q = {};
	ProcSnapshot s;

	TS_ASSERT_INT_EQ(prefetch_init(&q, 8), 0);
	fill(prefetch_slot(&q, 1, 100), 1, "old");
	fill(prefetch_slot(&q, 2, 500), 2, "new");
	fill(prefetch_slot(&q, 3, 50), 3, "older, stored later");
	prefetch_expire(&q, 200);
	TS_ASSERT_INT_EQ(prefetch_pending(&q), 1);
	TS_ASSERT_INT_EQ(q.stats.n_evicted, 2);
	TS_ASSERT(!prefetch_take(&q, 1, 100, &s));
	TS_ASSERT(prefetch_take(&q, 2, 500, &s));
	proc_snapshot_done(&s);
	prefetch_done(&q);
	prefetch_done(&q); /* twice is harmless */
}

int main(void)
{
	RUN_TEST(test_take_by_pid_and_time);
	RUN_TEST(test_applied_first);
	RUN_TEST(test_unread);
	RUN_TEST(test_bounded);
	RUN_TEST(test_expire);
	return TEST_EXIT();
}
