/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loss accounting from the kernel's two witnesses, and loss episodes. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "loss.h"
#include "test.h"

#define MS USEC_PER_MSEC

static void test_nothing_lost(void)
{
	LossTracker t = {};
	LossEpisode e;

	TS_ASSERT(!loss_update(&t, 0, 0, 0, 1000));
	TS_ASSERT(!loss_update(&t, 0, -1, 0, 2000));
	TS_ASSERT_INT_EQ(t.lost_total, 0);
	TS_ASSERT(!loss_close(&t, &e));
}

/* drops are seen at once, the same losses as gaps only later: never counted twice */
static void test_drops_then_gaps(void)
{
	LossTracker t = {};
	LossEpisode e;

	TS_ASSERT(loss_update(&t, 0, 100, 2, 10 * MS));
	TS_ASSERT_INT_EQ(t.lost_total, 100);
	TS_ASSERT(!loss_update(&t, 60, 100, 0, 20 * MS));
	TS_ASSERT(!loss_update(&t, 100, 100, 0, 30 * MS));
	TS_ASSERT_INT_EQ(t.lost_total, 100);
	TS_ASSERT(loss_close(&t, &e));
	TS_ASSERT_INT_EQ(e.lost, 100);
	TS_ASSERT_INT_EQ(e.overflows, 2);
	TS_ASSERT_INT_EQ(e.start, 10 * MS);
	TS_ASSERT_INT_EQ(e.last, 10 * MS);
}

/* gaps beyond the drops: events the kernel could not even allocate */
static void test_gaps_beyond_drops(void)
{
	LossTracker t = {};
	LossEpisode e;

	TS_ASSERT(loss_update(&t, 7, 0, 0, 5 * MS));
	TS_ASSERT(loss_update(&t, 7, 40, 1, 6 * MS));
	TS_ASSERT(loss_update(&t, 50, 40, 0, 7 * MS));
	TS_ASSERT_INT_EQ(t.lost_total, 50);
	TS_ASSERT(loss_close(&t, &e));
	TS_ASSERT_INT_EQ(e.lost, 50);
	TS_ASSERT_INT_EQ(e.start, 5 * MS);
	TS_ASSERT_INT_EQ(e.last, 7 * MS);
	/* a second episode counts only what is new */
	TS_ASSERT(loss_update(&t, 50, 45, 1, 900 * MS) == true);
	TS_ASSERT_INT_EQ(t.lost_total, 50);
	TS_ASSERT(loss_update(&t, 58, 45, 0, 901 * MS));
	TS_ASSERT(loss_close(&t, &e));
	TS_ASSERT_INT_EQ(e.lost, 8);
	TS_ASSERT_INT_EQ(e.overflows, 1);
	TS_ASSERT_INT_EQ(t.lost_total, 58);
}

/* an overflow with no count available still opens an episode (how many: unknown) */
static void test_overflow_unknown_count(void)
{
	LossTracker t = {};
	LossEpisode e;

	TS_ASSERT(loss_update(&t, 0, -1, 3, 100));
	TS_ASSERT(loss_close(&t, &e));
	TS_ASSERT_INT_EQ(e.lost, 0);
	TS_ASSERT_INT_EQ(e.overflows, 3);
}

/* closed after a quiet spell, or at the latest max after it began */
static void test_deadline(void)
{
	LossTracker t = {};

	loss_update(&t, 0, 10, 1, 1000 * MS);
	TS_ASSERT_INT_EQ(loss_deadline(&t, 200 * MS, 1000 * MS), 1200 * MS);
	loss_update(&t, 0, 20, 1, 1150 * MS);
	TS_ASSERT_INT_EQ(loss_deadline(&t, 200 * MS, 1000 * MS), 1350 * MS);
	loss_update(&t, 0, 30, 1, 1900 * MS);
	TS_ASSERT_INT_EQ(loss_deadline(&t, 200 * MS, 1000 * MS), 2000 * MS);
}

int main(void)
{
	RUN_TEST(test_nothing_lost);
	RUN_TEST(test_drops_then_gaps);
	RUN_TEST(test_gaps_beyond_drops);
	RUN_TEST(test_overflow_unknown_count);
	RUN_TEST(test_deadline);
	return TEST_EXIT();
}
