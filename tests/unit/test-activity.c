/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Activity counters: sliding windows, Space-Saving eviction, error bounds, cost. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "activity.h"
#include "test.h"

#define T0 1000 /* a decade's first second: windows line up with the buckets */
#define FORK ACTIVITY_BIT(ACTIVITY_FORK)
#define EXEC ACTIVITY_BIT(ACTIVITY_EXEC)
#define EXIT ACTIVITY_BIT(ACTIVITY_EXIT)
#define FAILED ACTIVITY_BIT(ACTIVITY_FAILED)
#define SHORT ACTIVITY_BIT(ACTIVITY_SHORT)

static const unsigned windows[] = { 1, 2, 5, 10, 11, 30, 59, 60 };

static void count_in(Activity *a, uint64_t now, unsigned metrics, ActivityGroup g,
		     const char *key)
{
	const char *keys[_ACTIVITY_GROUP_MAX] = {};

	keys[g] = key;
	activity_count(a, now, metrics, keys);
}

/* The row of key in the top of g (the whole table), or NULL. */
static const ActivityRow *find_row(const Activity *a, uint64_t now, ActivityGroup g,
				   unsigned window, const char *key)
{
	static ActivityRow rows[ACTIVITY_K_MAX];
	int n = activity_top(a, now, g, window, ACTIVITY_FORK, rows, ELEMENTSOF(rows));

	for (int i = 0; i < n; i++)
		if (strcmp(rows[i].key, key) == 0 && !rows[i].cut)
			return &rows[i];
	return NULL;
}

/* The window as activity.h defines it, written out: its first second */
static uint64_t ref_start(uint64_t now, unsigned w)
{
	return w <= 10 ? now - w : (now - w) / 10 * 10;
}

static void test_names(void)
{
	for (int g = 0; g < _ACTIVITY_GROUP_MAX; g++)
		TS_ASSERT_INT_EQ(activity_group_from_string(activity_group_to_string(g)), g);
	for (int m = 0; m < _ACTIVITY_METRIC_MAX; m++)
		TS_ASSERT_INT_EQ(activity_metric_from_string(activity_metric_to_string(m)), m);
	TS_ASSERT_STR_EQ(activity_group_to_string(ACTIVITY_CONTAINER), "container");
	TS_ASSERT_STR_EQ(activity_metric_to_string(ACTIVITY_SHORT), "short");
	TS_ASSERT_STR_EQ(activity_metric_to_string(ACTIVITY_FORK), "forks");
	TS_ASSERT(activity_group_to_string(_ACTIVITY_GROUP_MAX) == NULL);
	TS_ASSERT(activity_metric_to_string(_ACTIVITY_METRIC_INVALID) == NULL);
	TS_ASSERT_INT_EQ(activity_group_from_string("units"), _ACTIVITY_GROUP_INVALID);
	TS_ASSERT_INT_EQ(activity_metric_from_string(NULL), _ACTIVITY_METRIC_INVALID);
}

static void test_arguments(void)
{
	_cleanup_(activity_freep) Activity *a = NULL;
	ActivityRow row;
	uint64_t tot[_ACTIVITY_METRIC_MAX];

	TS_ASSERT_INT_EQ(activity_new(0, &a), -EINVAL);
	TS_ASSERT_INT_EQ(activity_new(ACTIVITY_K_MAX + 1, &a), -EINVAL);
	TS_ASSERT_INT_EQ(activity_new(8, &a), 0);
	TS_ASSERT_INT_EQ(activity_top(a, T0, _ACTIVITY_GROUP_MAX, 1, 0, &row, 1), -EINVAL);
	TS_ASSERT_INT_EQ(activity_top(a, T0, ACTIVITY_UNIT, 0, 0, &row, 1), -EINVAL);
	TS_ASSERT_INT_EQ(activity_top(a, T0, ACTIVITY_UNIT, 61, 0, &row, 1), -EINVAL);
	TS_ASSERT_INT_EQ(activity_top(a, T0, ACTIVITY_UNIT, 1, _ACTIVITY_METRIC_MAX, &row, 1),
			 -EINVAL);
	TS_ASSERT_INT_EQ(activity_totals(a, T0, 61, tot), -EINVAL);
	TS_ASSERT_INT_EQ(activity_span(T0, 0), 0);
	TS_ASSERT_INT_EQ(activity_span(T0, 10), 10);
	TS_ASSERT_INT_EQ(activity_span(T0, 60), 60);
	TS_ASSERT_INT_EQ(activity_span(T0 + 9, 60), 69);
	TS_ASSERT_INT_EQ(activity_span(T0 + 9, 30), 39);
	TS_ASSERT_INT_EQ(activity_span(3, 10), 3); /* no second before boot */
	/* no metric: nothing counted, not even in the totals */
	count_in(a, T0, 0, ACTIVITY_UNIT, "a.service");
	TS_ASSERT_INT_EQ(activity_totals(a, T0 + 1, 1, tot), 0);
	TS_ASSERT_INT_EQ(tot[ACTIVITY_FORK] + tot[ACTIVITY_EXEC] + tot[ACTIVITY_EXIT], 0);
	TS_ASSERT_INT_EQ(activity_top(a, T0 + 1, ACTIVITY_UNIT, 60, ACTIVITY_FORK, &row, 1), 0);
}

/* Counts enter a window when their second is over and leave it on time. */
static void test_windows_edges(void)
{
	_cleanup_(activity_freep) Activity *a = NULL;
	const ActivityRow *r;

	TS_ASSERT_INT_EQ(activity_new(8, &a), 0);
	for (int i = 0; i < 3; i++)
		count_in(a, T0, FORK, ACTIVITY_COMM, "make");
	count_in(a, T0, EXIT | FAILED | SHORT, ACTIVITY_COMM, "make");

	/* the current second is not over */
	TS_ASSERT(find_row(a, T0, ACTIVITY_COMM, 1, "make") == NULL);
	r = find_row(a, T0 + 1, ACTIVITY_COMM, 1, "make");
	TS_ASSERT(r);
	TS_ASSERT_INT_EQ(r->counts[ACTIVITY_FORK], 3);
	TS_ASSERT_INT_EQ(r->counts[ACTIVITY_EXIT], 1);
	TS_ASSERT_INT_EQ(r->counts[ACTIVITY_FAILED], 1);
	TS_ASSERT_INT_EQ(r->counts[ACTIVITY_SHORT], 1);
	TS_ASSERT_INT_EQ(r->counts[ACTIVITY_EXEC], 0);
	TS_ASSERT_INT_EQ(r->error, 0);
	TS_ASSERT(find_row(a, T0 + 2, ACTIVITY_COMM, 1, "make") == NULL);
	/* 10 s: seconds now-10 .. now-1 */
	r = find_row(a, T0 + 10, ACTIVITY_COMM, 10, "make");
	TS_ASSERT(r && r->counts[ACTIVITY_FORK] == 3);
	TS_ASSERT(find_row(a, T0 + 11, ACTIVITY_COMM, 10, "make") == NULL);
	/* 60 s: whole decades, so it stays until the decade after next has begun */
	TS_ASSERT(find_row(a, T0 + 60, ACTIVITY_COMM, 60, "make"));
	TS_ASSERT(find_row(a, T0 + 69, ACTIVITY_COMM, 60, "make"));
	TS_ASSERT(find_row(a, T0 + 70, ACTIVITY_COMM, 60, "make") == NULL);
	/* an event much later: only the new second counts */
	count_in(a, T0 + 5000, EXEC, ACTIVITY_COMM, "make");
	r = find_row(a, T0 + 5001, ACTIVITY_COMM, 60, "make");
	TS_ASSERT(r);
	TS_ASSERT_INT_EQ(r->counts[ACTIVITY_FORK], 0);
	TS_ASSERT_INT_EQ(r->counts[ACTIVITY_EXEC], 1);
}

/* Every second for 4 minutes, irregular counts and gaps, against a brute-force sum;
 * asked at every second while writing and for 70 s after the last write. */
static void test_windows_sliding(void)
{
	_cleanup_(activity_freep) Activity *a = NULL;
	enum { SECS = 240 };
	static uint32_t ref[SECS + 80][_ACTIVITY_METRIC_MAX];
	uint64_t tot[_ACTIVITY_METRIC_MAX];
	const ActivityRow *r;

	TS_ASSERT_INT_EQ(activity_new(8, &a), 0);
	memset(ref, 0, sizeof(ref));
	for (uint64_t now = T0 + 3; now < T0 + SECS + 75; now++) {
		unsigned s = (unsigned)(now - T0);

		if (s < SECS && s % 13 != 0 && s % 17 != 0)
			for (unsigned i = 0; i < (s * 7) % 11 + 1; i++) {
				unsigned m = (s + i) % 3 == 0 ? FORK : (s + i) % 3 == 1 ? EXEC : EXIT | FAILED;

				count_in(a, now, m, ACTIVITY_EXE, "/usr/bin/cc");
				for (int k = 0; k < _ACTIVITY_METRIC_MAX; k++)
					ref[s][k] += !!(m & ACTIVITY_BIT(k));
			}
		for (unsigned wi = 0; wi < ELEMENTSOF(windows); wi++) {
			unsigned w = windows[wi];
			uint64_t want[_ACTIVITY_METRIC_MAX] = {}, any = 0;

			for (uint64_t t = MAX(ref_start(now, w), (uint64_t)T0); t < now; t++)
				for (int k = 0; k < _ACTIVITY_METRIC_MAX; k++)
					want[k] += ref[t - T0][k];
			for (int k = 0; k < _ACTIVITY_METRIC_MAX; k++)
				any |= want[k];
			r = find_row(a, now, ACTIVITY_EXE, w, "/usr/bin/cc");
			TS_ASSERT(!!r == !!any);
			TS_ASSERT_INT_EQ(activity_totals(a, now, w, tot), 0);
			for (int k = 0; k < _ACTIVITY_METRIC_MAX; k++) {
				TS_ASSERT_INT_EQ(tot[k], want[k]);
				if (r)
					TS_ASSERT_INT_EQ(r->counts[k], want[k]);
			}
			TS_ASSERT_INT_EQ(activity_span(now, w), now - ref_start(now, w));
		}
	}
}

/* Sorted by the metric's count, then by key; only keys active in the window. */
static void test_top_order(void)
{
	_cleanup_(activity_freep) Activity *a = NULL;
	static const struct {
		const char *key;
		unsigned forks, execs;
	} data[] = {
		{ "b.service", 5, 1 }, { "a.service", 5, 2 }, { "c.service", 7, 0 },
		{ "d.service", 1, 9 }, { "e.service", 0, 3 },
	};
	ActivityRow rows[8];

	TS_ASSERT_INT_EQ(activity_new(16, &a), 0);
	count_in(a, T0, FORK, ACTIVITY_UNIT, "old.service");
	for (size_t i = 0; i < ELEMENTSOF(data); i++) {
		for (unsigned j = 0; j < data[i].forks; j++)
			count_in(a, T0 + 20, FORK, ACTIVITY_UNIT, data[i].key);
		for (unsigned j = 0; j < data[i].execs; j++)
			count_in(a, T0 + 20, EXEC, ACTIVITY_UNIT, data[i].key);
	}
	TS_ASSERT_INT_EQ(activity_top(a, T0 + 21, ACTIVITY_UNIT, 10, ACTIVITY_FORK, rows, 8), 5);
	TS_ASSERT_STR_EQ(rows[0].key, "c.service");
	TS_ASSERT_STR_EQ(rows[1].key, "a.service");
	TS_ASSERT_STR_EQ(rows[2].key, "b.service");
	TS_ASSERT_STR_EQ(rows[3].key, "d.service");
	TS_ASSERT_STR_EQ(rows[4].key, "e.service");
	TS_ASSERT_INT_EQ(rows[4].counts[ACTIVITY_EXEC], 3);
	/* the n best only */
	TS_ASSERT_INT_EQ(activity_top(a, T0 + 21, ACTIVITY_UNIT, 10, ACTIVITY_EXEC, rows, 2), 2);
	TS_ASSERT_STR_EQ(rows[0].key, "d.service");
	TS_ASSERT_STR_EQ(rows[1].key, "e.service");
	TS_ASSERT_INT_EQ(activity_top(a, T0 + 21, ACTIVITY_UNIT, 10, ACTIVITY_EXEC, rows, 0), 0);
	/* old.service's fork is 21 s old: in the 60 s window only, last (1 fork ties d,
	 * and "d" < "o") */
	TS_ASSERT_INT_EQ(activity_top(a, T0 + 21, ACTIVITY_UNIT, 60, ACTIVITY_FORK, rows, 8), 6);
	TS_ASSERT_STR_EQ(rows[3].key, "d.service");
	TS_ASSERT_STR_EQ(rows[4].key, "old.service");
	TS_ASSERT_STR_EQ(rows[5].key, "e.service");
}

/* Keys beyond their slot: cut at a character's start, consistently; the cut ones
 * with the same start are one row, apart from the uncut key of that start. */
static void test_long_keys(void)
{
	_cleanup_(activity_freep) Activity *a = NULL;
	char prefix[128], k1[200], k2[200], utf[200];
	ActivityRow rows[8];

	TS_ASSERT_INT_EQ(activity_new(8, &a), 0);
	memset(prefix, 'x', 127);
	prefix[127] = 0;
	snprintf(k1, sizeof(k1), "%s-one.service", prefix);
	snprintf(k2, sizeof(k2), "%s-two.service", prefix);
	count_in(a, T0, FORK, ACTIVITY_UNIT, k1);
	count_in(a, T0, FORK, ACTIVITY_UNIT, k2);
	count_in(a, T0, FORK, ACTIVITY_UNIT, k1);
	count_in(a, T0, EXEC, ACTIVITY_UNIT, prefix); /* exactly 127 bytes: fits */
	TS_ASSERT_INT_EQ(activity_top(a, T0 + 1, ACTIVITY_UNIT, 1, ACTIVITY_FORK, rows, 8), 2);
	TS_ASSERT_STR_EQ(rows[0].key, prefix);
	TS_ASSERT(rows[0].cut);
	TS_ASSERT_INT_EQ(rows[0].counts[ACTIVITY_FORK], 3);
	TS_ASSERT_STR_EQ(rows[1].key, prefix);
	TS_ASSERT(!rows[1].cut);
	TS_ASSERT_INT_EQ(rows[1].counts[ACTIVITY_EXEC], 1);
	TS_ASSERT_INT_EQ(rows[1].counts[ACTIVITY_FORK], 0);

	/* comm: 15 bytes, as the kernel */
	count_in(a, T0, FORK, ACTIVITY_COMM, "a-very-long-command-name");
	TS_ASSERT_INT_EQ(activity_top(a, T0 + 1, ACTIVITY_COMM, 1, ACTIVITY_FORK, rows, 8), 1);
	TS_ASSERT_STR_EQ(rows[0].key, "a-very-long-com");
	TS_ASSERT(rows[0].cut);

	/* user: 63 bytes; é (2 bytes) across the limit is left out whole */
	memset(utf, 'u', 62);
	strcpy(utf + 62, "\xc3\xa9z");
	count_in(a, T0, FORK, ACTIVITY_USER, utf);
	TS_ASSERT_INT_EQ(activity_top(a, T0 + 1, ACTIVITY_USER, 1, ACTIVITY_FORK, rows, 8), 1);
	TS_ASSERT_INT_EQ(strlen(rows[0].key), 62);
	TS_ASSERT(rows[0].cut);
	/* é just within the limit stays */
	memset(utf, 'v', 61);
	strcpy(utf + 61, "\xc3\xa9z");
	count_in(a, T0, FORK, ACTIVITY_USER, utf);
	TS_ASSERT_INT_EQ(activity_top(a, T0 + 1, ACTIVITY_USER, 1, ACTIVITY_FORK, rows, 8), 2);
	TS_ASSERT_INT_EQ(strlen(rows[1].key), 63);
	TS_ASSERT(memcmp(rows[1].key + 61, "\xc3\xa9", 3) == 0);
}

/* One key at 1,000 events/s among 50,000 one-off keys: it enters a full table,
 * is never evicted, is on top, and its count is within the reported error. */
static void test_heavy_hitter(void)
{
	_cleanup_(activity_freep) Activity *a = NULL;
	ActivityGroupStats st;
	ActivityRow rows[4];
	char key[32];
	uint64_t now = T0, heavy_total = 0, err60, tot[_ACTIVITY_METRIC_MAX];

	TS_ASSERT_INT_EQ(activity_new(ACTIVITY_K_DEFAULT, &a), 0);
	for (unsigned s = 0; s < 50; s++, now++) {
		for (unsigned i = 0; i < 1000; i++) {
			snprintf(key, sizeof(key), "oneoff-%u", s * 1000 + i);
			count_in(a, now, FORK, ACTIVITY_EXE, key);
			if (s >= 5) {
				count_in(a, now, FORK, ACTIVITY_EXE, "/usr/bin/heavy");
				heavy_total++;
			}
		}
		if (s < 5)
			continue;
		/* on top of the second just over: 1,000 */
		TS_ASSERT_INT_EQ(activity_top(a, now + 1, ACTIVITY_EXE, 1, ACTIVITY_FORK, rows, 4), 4);
		TS_ASSERT_STR_EQ(rows[0].key, "/usr/bin/heavy");
		TS_ASSERT_INT_EQ(rows[0].counts[ACTIVITY_FORK], 1000);
		/* it came into a full table in its first second: an error there only */
		TS_ASSERT(s == 5 ? rows[0].error > 0 : rows[0].error == 0);
		/* the one-offs below it: one each, at most */
		TS_ASSERT_INT_EQ(rows[1].counts[ACTIVITY_FORK], 1);
	}
	/* each one-off beyond the first k took an entry, and the heavy key once */
	activity_group_stats(a, ACTIVITY_EXE, &st);
	TS_ASSERT_INT_EQ(st.entries, ACTIVITY_K_DEFAULT);
	TS_ASSERT_INT_EQ(st.evictions, 50000 - ACTIVITY_K_DEFAULT + 1);
	/* 60 s: all its 45,000, exact (it never left), and an error since it came
	 * into a full table within the window */
	TS_ASSERT_INT_EQ(activity_top(a, now, ACTIVITY_EXE, 60, ACTIVITY_FORK, rows, 4), 4);
	TS_ASSERT_STR_EQ(rows[0].key, "/usr/bin/heavy");
	TS_ASSERT_INT_EQ(rows[0].counts[ACTIVITY_FORK], heavy_total);
	TS_ASSERT(rows[0].error > 0);
	err60 = rows[0].error;
	/* 10 s: it held its entry for longer, so no error */
	TS_ASSERT_INT_EQ(activity_top(a, now, ACTIVITY_EXE, 10, ACTIVITY_FORK, rows, 4), 4);
	TS_ASSERT_INT_EQ(rows[0].counts[ACTIVITY_FORK], 10000);
	TS_ASSERT_INT_EQ(rows[0].error, 0);
	/* totals: exact, though the table forgot most keys */
	TS_ASSERT_INT_EQ(activity_totals(a, now, 60, tot), 0);
	TS_ASSERT_INT_EQ(tot[ACTIVITY_FORK], 50000 + heavy_total);
	printf("# heavy hitter: 1 key among 50,000 one-offs, k=%d: %llu evictions, on top, "
	       "%llu of %llu over 60 s, error %llu\n", ACTIVITY_K_DEFAULT,
	       (unsigned long long)st.evictions, (unsigned long long)heavy_total,
	       (unsigned long long)(50000 + heavy_total), (unsigned long long)err60);
}

static uint64_t rnd_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/*
 * A skewed random stream over 1,000 keys into 32 entries, so that middling keys
 * come and go: for every row in every window, count <= true <= count + error,
 * the true count a brute force's; keys above 1/k of the stream always present.
 */
static void test_error_bounds(void)
{
	_cleanup_(activity_freep) Activity *a = NULL;
	enum { KEYS = 1000, SECS = 200, K = 32, PER_SEC = 2000 };
	static uint32_t ref[KEYS][SECS][_ACTIVITY_METRIC_MAX];
	static ActivityRow rows[K];
	uint64_t checked = 0, with_error = 0, missed = 0, max_err = 0;
	char key[32];

	TS_ASSERT_INT_EQ(activity_new(K, &a), 0);
	memset(ref, 0, sizeof(ref));
	for (unsigned s = 0; s < SECS; s++) {
		uint64_t now = T0 + s;

		for (unsigned i = 0; i < PER_SEC; i++) {
			uint64_t r = rnd();
			unsigned p = (unsigned)(r % 1000), id, m;

			/* 3 keys with 8% each (above 1/32), 40 with 0.5%, the rest spread */
			if (p < 240)
				id = p % 3;
			else if (p < 440)
				id = 3 + p % 40;
			else
				id = 43 + (unsigned)((r >> 20) % (KEYS - 43));
			m = (r >> 40) % 4 == 0 ? FORK : (r >> 40) % 4 == 1 ? EXEC : EXIT;
			if (m == EXIT && (r >> 50) % 3 == 0)
				m |= FAILED;
			if (m == EXIT && (r >> 52) % 2 == 0)
				m |= SHORT;
			snprintf(key, sizeof(key), "k%u", id);
			count_in(a, now, m, ACTIVITY_COMM, key);
			for (int k = 0; k < _ACTIVITY_METRIC_MAX; k++)
				ref[id][s][k] += !!(m & ACTIVITY_BIT(k));
		}
		if (s % 3 != 2)
			continue;
		for (unsigned wi = 0; wi < ELEMENTSOF(windows); wi++) {
			unsigned w = windows[wi];
			int n = activity_top(a, now + 1, ACTIVITY_COMM, w, ACTIVITY_EXIT, rows, K);
			bool seen[3] = {};

			TS_ASSERT(n > 0);
			for (int i = 0; i < n; i++) {
				unsigned id;

				/* one entry a key: a lookup never misses a key that is there */
				for (int j = 0; j < i; j++)
					TS_ASSERT(strcmp(rows[i].key, rows[j].key) != 0);

				TS_ASSERT(sscanf(rows[i].key, "k%u", &id) == 1 && id < KEYS);
				if (id < 3)
					seen[id] = true;
				for (int k = 0; k < _ACTIVITY_METRIC_MAX; k++) {
					uint64_t want = 0;

					for (uint64_t t = ref_start(now + 1, w); t <= now; t++)
						if (t >= T0)
							want += ref[id][t - T0][k];
					TS_ASSERT(rows[i].counts[k] <= want);
					TS_ASSERT(want <= rows[i].counts[k] + rows[i].error);
					checked++;
					missed += want - rows[i].counts[k];
				}
				with_error += rows[i].error > 0;
				max_err = MAX(max_err, rows[i].error);
			}
			TS_ASSERT(seen[0] && seen[1] && seen[2]);
		}
	}
	/* the bound was put to the test: some rows did miss events before their entry */
	TS_ASSERT(missed > 0);
	printf("# error bounds: %llu counts checked, %llu rows with an error (at most %llu), "
	       "%llu events before an entry\n", (unsigned long long)checked,
	       (unsigned long long)with_error, (unsigned long long)max_err,
	       (unsigned long long)missed);
}

/* A key busy 20 minutes or an hour ago does not keep its entry against today's. */
static void test_decay(void)
{
	static const unsigned gaps[] = { 1200, 3600 };
	static const char *const fresh[] = { "b", "c", "d", "e" };

	for (size_t gi = 0; gi < ELEMENTSOF(gaps); gi++) {
		_cleanup_(activity_freep) Activity *a = NULL;
		uint64_t now = T0 + gaps[gi];
		ActivityGroupStats st;
		const ActivityRow *r;

		TS_ASSERT_INT_EQ(activity_new(4, &a), 0);
		for (int i = 0; i < 100000; i++)
			count_in(a, T0, FORK, ACTIVITY_COMM, "old");
		for (size_t i = 0; i < ELEMENTSOF(fresh); i++)
			count_in(a, now, FORK, ACTIVITY_COMM, fresh[i]);
		/* "e" took old's entry: old weighs 100,000 * 2^-20 (or 2^-60) of an
		 * event now, so no error */
		r = find_row(a, now + 1, ACTIVITY_COMM, 1, "e");
		TS_ASSERT(r);
		TS_ASSERT_INT_EQ(r->error, 0);
		/* b, c, d kept theirs: one more event each evicts nothing */
		for (size_t i = 0; i < ELEMENTSOF(fresh); i++)
			count_in(a, now, FORK, ACTIVITY_COMM, fresh[i]);
		activity_group_stats(a, ACTIVITY_COMM, &st);
		TS_ASSERT_INT_EQ(st.evictions, 1);
		for (size_t i = 0; i < ELEMENTSOF(fresh); i++) {
			r = find_row(a, now + 1, ACTIVITY_COMM, 1, fresh[i]);
			TS_ASSERT(r);
			TS_ASSERT_INT_EQ(r->counts[ACTIVITY_FORK], 2);
		}
	}
}

/* The entry taken is the one of least weight, as it stands after every event. */
static void test_evict_least(void)
{
	_cleanup_(activity_freep) Activity *a = NULL;
	ActivityGroupStats st;
	const ActivityRow *r;

	TS_ASSERT_INT_EQ(activity_new(3, &a), 0);
	count_in(a, T0, EXEC, ACTIVITY_EXE, "/a");
	count_in(a, T0, EXEC, ACTIVITY_EXE, "/b");
	count_in(a, T0, EXEC, ACTIVITY_EXE, "/c");
	for (int i = 0; i < 10; i++)
		count_in(a, T0, EXEC, ACTIVITY_EXE, "/a");
	/* /b and /c weigh 1, /a 11: /d takes /b's (the first of equals) */
	count_in(a, T0, EXEC, ACTIVITY_EXE, "/d");
	r = find_row(a, T0 + 1, ACTIVITY_EXE, 1, "/d");
	TS_ASSERT(r);
	TS_ASSERT_INT_EQ(r->error, 1);
	count_in(a, T0, EXEC, ACTIVITY_EXE, "/a");
	activity_group_stats(a, ACTIVITY_EXE, &st);
	TS_ASSERT_INT_EQ(st.evictions, 1);
	r = find_row(a, T0 + 1, ACTIVITY_EXE, 1, "/a");
	TS_ASSERT(r);
	TS_ASSERT_INT_EQ(r->counts[ACTIVITY_EXEC], 12);
	TS_ASSERT_INT_EQ(r->error, 0);
	TS_ASSERT(find_row(a, T0 + 1, ACTIVITY_EXE, 1, "/b") == NULL);
	/* /b again takes /c's, the least now (1, /d has 2) */
	count_in(a, T0, EXEC, ACTIVITY_EXE, "/b");
	TS_ASSERT(find_row(a, T0 + 1, ACTIVITY_EXE, 1, "/c") == NULL);
	TS_ASSERT(find_row(a, T0 + 1, ACTIVITY_EXE, 1, "/d"));

	/* a new key lighter than those before it: it is the least */
	a = activity_free(a);
	TS_ASSERT_INT_EQ(activity_new(3, &a), 0);
	for (int i = 0; i < 5; i++) {
		count_in(a, T0, EXEC, ACTIVITY_EXE, "/p");
		count_in(a, T0, EXEC, ACTIVITY_EXE, "/q");
	}
	count_in(a, T0, EXEC, ACTIVITY_EXE, "/r");
	count_in(a, T0, EXEC, ACTIVITY_EXE, "/s");
	r = find_row(a, T0 + 1, ACTIVITY_EXE, 1, "/s");
	TS_ASSERT(r && r->error == 1);
	TS_ASSERT(find_row(a, T0 + 1, ACTIVITY_EXE, 1, "/r") == NULL);
	TS_ASSERT(find_row(a, T0 + 1, ACTIVITY_EXE, 1, "/p"));
	TS_ASSERT(find_row(a, T0 + 1, ACTIVITY_EXE, 1, "/q"));
}

/*
 * The error where it is tight: one entry, /x has 1,000 events, /y takes its entry
 * 29 s later, /x takes it back 20 s after that, so all its 1,000 events are
 * before its entry. They weigh 2^-49/60 each by then: the error counts them in
 * events of the window's first second, and must cover all 1,000.
 */
static void test_error_tight(void)
{
	_cleanup_(activity_freep) Activity *a = NULL;
	const ActivityRow *r;

	TS_ASSERT_INT_EQ(activity_new(1, &a), 0);
	for (int i = 0; i < 1000; i++)
		count_in(a, T0 + 1, FORK, ACTIVITY_UNIT, "x.service");
	count_in(a, T0 + 30, FORK, ACTIVITY_UNIT, "y.service");
	count_in(a, T0 + 50, FORK, ACTIVITY_UNIT, "x.service");
	r = find_row(a, T0 + 51, ACTIVITY_UNIT, 60, "x.service");
	TS_ASSERT(r);
	TS_ASSERT_INT_EQ(r->counts[ACTIVITY_FORK], 1);
	TS_ASSERT(r->error >= 1000);
	TS_ASSERT(r->error <= 2 * 1000 + 2); /* 2^(61 s / 60): not looser than that */
}

/* Over hours (weights rescaled many times) and across a jump of days: a steady
 * key keeps its entry against one-offs, exact. */
static void test_rescale(void)
{
	_cleanup_(activity_freep) Activity *a = NULL;
	ActivityGroupStats st;
	const ActivityRow *r;
	char key[32];
	uint64_t now = T0;

	TS_ASSERT_INT_EQ(activity_new(2, &a), 0);
	for (unsigned s = 0; s < 3 * 3600; s++, now++) {
		for (int i = 0; i < 3; i++)
			count_in(a, now, EXEC, ACTIVITY_UNIT, "steady.service");
		snprintf(key, sizeof(key), "run-%u.scope", s);
		count_in(a, now, EXEC, ACTIVITY_UNIT, key);
	}
	activity_group_stats(a, ACTIVITY_UNIT, &st);
	TS_ASSERT_INT_EQ(st.evictions, 3 * 3600 - 1);
	r = find_row(a, now, ACTIVITY_UNIT, 60, "steady.service");
	TS_ASSERT(r);
	TS_ASSERT_INT_EQ(r->counts[ACTIVITY_EXEC], 180);
	TS_ASSERT_INT_EQ(r->error, 0);

	now += 30 * 24 * 3600ULL;
	count_in(a, now, EXEC, ACTIVITY_UNIT, "late.service");
	count_in(a, now, EXEC, ACTIVITY_UNIT, "steady.service");
	r = find_row(a, now + 1, ACTIVITY_UNIT, 1, "late.service");
	TS_ASSERT(r);
	TS_ASSERT_INT_EQ(r->error, 0); /* what it inherited is a month old */
	TS_ASSERT(find_row(a, now + 1, ACTIVITY_UNIT, 1, "steady.service"));
}

/* Fixed at creation, and within the budget the README states. */
static void test_memory(void)
{
	_cleanup_(activity_freep) Activity *a = NULL, *b = NULL;
	size_t before;
	char key[32];

	TS_ASSERT_INT_EQ(activity_new(ACTIVITY_K_DEFAULT, &a), 0);
	TS_ASSERT_INT_EQ(activity_new(64, &b), 0);
	before = activity_memory(a);
	for (unsigned i = 0; i < 20000; i++) {
		const char *keys[_ACTIVITY_GROUP_MAX];

		snprintf(key, sizeof(key), "key-%u", i);
		for (int g = 0; g < _ACTIVITY_GROUP_MAX; g++)
			keys[g] = key;
		activity_count(a, T0 + i / 100, FORK, keys);
	}
	TS_ASSERT_INT_EQ(activity_memory(a), before);
	TS_ASSERT(before < 400 * 1024);
	TS_ASSERT(activity_memory(b) < before);
	printf("# memory: k=%d %zu bytes (%.1f KiB, %.0f bytes an entry), k=64 %zu bytes\n",
	       ACTIVITY_K_DEFAULT, before, before / 1024.0,
	       (double)before / (ACTIVITY_K_DEFAULT * _ACTIVITY_GROUP_MAX), activity_memory(b));
}

static uint64_t now_nsec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ns per activity_count with five keys; printed, not asserted (machines differ).
 * The names are made beforehand (hot in the cache, as the daemon's just read
 * ones); 1,024 distinct ones cycled through k = 128 entries are never found. */
static void bench(const char *what, unsigned fresh_groups)
{
	enum { N = 400000, POOL = 1024, LEN = 80 };
	static char names[POOL][_ACTIVITY_GROUP_MAX][LEN];
	static const char *const units[] = { "session-3.scope", "user@1000.service",
					     "docker-compose@web.service", "cron.service" };
	static const char *const users[] = { "alice", "root", "www-data", "postgres" };
	static const char *const comms[] = { "bash", "make", "cc1", "sh", "git", "sed" };
	static const char *const exes[] = { "/usr/bin/bash", "/usr/bin/make",
					    "/usr/lib/gcc/x86_64-linux-gnu/14/cc1", "/usr/bin/dash",
					    "/usr/bin/git", "/usr/bin/sed" };
	uint64_t t0, t1, best = UINT64_MAX, worst = 0;

	for (unsigned i = 0; i < POOL; i++) {
		char(*n)[LEN] = names[i];
		bool f[_ACTIVITY_GROUP_MAX];

		for (int g = 0; g < _ACTIVITY_GROUP_MAX; g++)
			f[g] = fresh_groups & (1U << g);
		if (f[ACTIVITY_UNIT])
			snprintf(n[ACTIVITY_UNIT], LEN, "run-u%u.scope", i);
		else
			snprintf(n[ACTIVITY_UNIT], LEN, "%s", units[i % 4]);
		if (f[ACTIVITY_USER])
			snprintf(n[ACTIVITY_USER], LEN, "user%u", i);
		else
			snprintf(n[ACTIVITY_USER], LEN, "%s", users[i / 4 % 4]);
		if (f[ACTIVITY_COMM])
			snprintf(n[ACTIVITY_COMM], LEN, "tool-%u", i);
		else
			snprintf(n[ACTIVITY_COMM], LEN, "%s", comms[i % 6]);
		if (f[ACTIVITY_EXE])
			snprintf(n[ACTIVITY_EXE], LEN, "/usr/lib/x86_64-linux-gnu/tool-%u", i);
		else
			snprintf(n[ACTIVITY_EXE], LEN, "%s", exes[i % 6]);
		snprintf(n[ACTIVITY_CONTAINER], LEN, "docker:%064x",
			 f[ACTIVITY_CONTAINER] ? i : i % 3);
	}
	/* the best of 5 runs: the machine may be busy with other work */
	for (int run = 0; run < 5; run++) {
		_cleanup_(activity_freep) Activity *a = NULL;

		if (activity_new(ACTIVITY_K_DEFAULT, &a) < 0)
			return;
		t0 = now_nsec();
		for (unsigned i = 0; i < N; i++) {
			const char *keys[_ACTIVITY_GROUP_MAX];

			for (int g = 0; g < _ACTIVITY_GROUP_MAX; g++)
				keys[g] = names[i % POOL][g];
			activity_count(a, T0 + i / 20000,
				       i % 3 == 0 ? FORK : i % 3 == 1 ? EXEC : EXIT, keys);
		}
		t1 = now_nsec();
		best = MIN(best, t1 - t0);
		worst = MAX(worst, t1 - t0);
	}
	printf("# timing: %-32s %6.1f ns/event, worst run %6.1f (k=%d, 5 groups)\n", what,
	       (double)best / N, (double)worst / N, ACTIVITY_K_DEFAULT);
}

static void test_timing(void)
{
	bench("all hits", 0);
	bench("comm and exe unseen (evictions)", (1U << ACTIVITY_COMM) | (1U << ACTIVITY_EXE));
	bench("all five unseen (evictions)", (1U << _ACTIVITY_GROUP_MAX) - 1);
}

int main(void)
{
	RUN_TEST(test_names);
	RUN_TEST(test_arguments);
	RUN_TEST(test_windows_edges);
	RUN_TEST(test_windows_sliding);
	RUN_TEST(test_top_order);
	RUN_TEST(test_long_keys);
	RUN_TEST(test_heavy_hitter);
	RUN_TEST(test_error_bounds);
	RUN_TEST(test_decay);
	RUN_TEST(test_evict_least);
	RUN_TEST(test_error_tight);
	RUN_TEST(test_rescale);
	RUN_TEST(test_memory);
	RUN_TEST(test_timing);
	return TEST_EXIT();
}
