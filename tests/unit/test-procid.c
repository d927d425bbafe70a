/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stable process ids: the text form round-trips, bad text is refused, and the
 * start tick of a fork is computed as /proc counts it, with the margin flagged. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "procid.h"
#include "test.h"

static void test_format_parse(void)
{
	char buf[PROC_ID_MAX];
	ProcId id = { .pid = 4711, .start_ticks = 123456 }, back;

	TS_ASSERT_STR_EQ(proc_id_format(id, buf), "4711@123456");
	TS_ASSERT_INT_EQ(proc_id_parse(buf, &back), 0);
	TS_ASSERT(proc_id_equal(id, back));
	/* the largest pid and tick still fit */
	id = (ProcId){ .pid = 2147483647, .start_ticks = UINT64_MAX };
	TS_ASSERT_STR_EQ(proc_id_format(id, buf), "2147483647@18446744073709551615");
	TS_ASSERT_INT_EQ(proc_id_parse(buf, &back), 0);
	TS_ASSERT(proc_id_equal(id, back));
	/* a process started in the boot's first tick */
	TS_ASSERT_INT_EQ(proc_id_parse("1@0", &back), 0);
	TS_ASSERT_INT_EQ(back.pid, 1);
	TS_ASSERT(back.start_ticks == 0);
	TS_ASSERT(proc_id_format((ProcId){}, buf) == NULL);
}

static void test_parse_refuses(void)
{
	static const char *const bad[] = {
		"", "@", "4711", "4711@", "@123", "0@5", "-1@5", "4711@-5", "4711@12x",
		"4711@1@2", " 4711@1", "4711@1 ", "2147483648@1", "4711@18446744073709551616",
		"+4711@1", "4711@0x10", "99999999999999999999999@1",
	};
	ProcId id = { .pid = 9, .start_ticks = 9 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (proc_id_parse(bad[i], &id) != -EINVAL)
			fprintf(stderr, "accepted \"%s\"\n", bad[i]);
		TS_ASSERT_INT_EQ(proc_id_parse(bad[i], &id), -EINVAL);
	}
	TS_ASSERT_INT_EQ(proc_id_parse(NULL, &id), -EINVAL);
	/* untouched on failure */
	TS_ASSERT_INT_EQ(id.pid, 9);
}

static void test_start_ticks(void)
{
	bool amb;

	/* 12.345678 s of monotonic time, none suspended: tick 1234 of 10 ms */
	TS_ASSERT(proc_start_ticks(12345678000ULL, 0, 100, &amb) == 1234);
	TS_ASSERT(!amb);
	/* time spent suspended counts in /proc's clock */
	TS_ASSERT(proc_start_ticks(12345678000ULL, 5000000000ULL, 100, &amb) == 1734);
	/* just after a tick began: the child may have been stamped in the one before */
	TS_ASSERT(proc_start_ticks(12340000000ULL + START_MARGIN_NS - 1, 0, 100, &amb) == 1234);
	TS_ASSERT(amb);
	TS_ASSERT(proc_start_ticks(12340000000ULL + START_MARGIN_NS, 0, 100, &amb) == 1234);
	TS_ASSERT(!amb);
	/* another USER_HZ (alpha: 1024) */
	TS_ASSERT(proc_start_ticks(2000000000ULL, 0, 1024, NULL) == 2 * 1024 - 1 ||
		  proc_start_ticks(2000000000ULL, 0, 1024, NULL) == 2 * 1024);
}

int main(void)
{
	RUN_TEST(test_format_parse);
	RUN_TEST(test_parse_refuses);
	RUN_TEST(test_start_ticks);
	return TEST_EXIT();
}
