/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cnprocctl report's summaries (src/cnprocctl/report.c), fed records as the
 * journal gives them: "NAME=value" items through jrecord. */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "journal.h"
#include "jrecord.h"
#include "macro.h"
#include "report.h"
#include "test.h"

/* 2023-11-14 22:13:20 UTC */
#define T0 UINT64_C(1700000000000000)
#define SEC UINT64_C(1000000)

#define PID "CNPROCD_PID=100"
#define EXEC "MESSAGE_ID=" CNPROCD_MESSAGE_EXEC, "CNPROCD_EVENT=exec", PID
#define EXIT "MESSAGE_ID=" CNPROCD_MESSAGE_EXIT, "CNPROCD_EVENT=exit", PID
#define FORK "MESSAGE_ID=" CNPROCD_MESSAGE_FORK, "CNPROCD_EVENT=fork", PID
#define COMM "MESSAGE_ID=" CNPROCD_MESSAGE_COMM, "CNPROCD_EVENT=comm", PID
#define COREDUMP "MESSAGE_ID=" CNPROCD_MESSAGE_COREDUMP, "CNPROCD_EVENT=coredump", PID
#define UIDEV "MESSAGE_ID=" CNPROCD_MESSAGE_UID, "CNPROCD_EVENT=uid", PID
#define GIDEV "MESSAGE_ID=" CNPROCD_MESSAGE_GID, "CNPROCD_EVENT=gid", PID
#define LOST "MESSAGE_ID=" CNPROCD_MESSAGE_LOST
#define SUPPRESSED "MESSAGE_ID=" CNPROCD_MESSAGE_SUPPRESSED
#define STARTED "MESSAGE_ID=" CNPROCD_MESSAGE_STARTED

static JRecord rec;

/* Feeds rep one record made of the items (NULL after the last), stamped usec;
 * on host alpha unless an item names the host. 0, or what failed. */
static int add_items(Report *rep, uint64_t usec, ...)
{
	const char *item, *why = NULL;
	bool host = false;
	va_list ap;
	int r = 0;

	jrecord_reset(&rec);
	va_start(ap, usec);
	while (r >= 0 && (item = va_arg(ap, const char *))) {
		host |= strncmp(item, "_HOSTNAME=", 10) == 0;
		r = jrecord_add(&rec, item, strlen(item));
	}
	va_end(ap);
	if (r >= 0 && !host)
		r = jrecord_add(&rec, "_HOSTNAME=alpha", strlen("_HOSTNAME=alpha"));
	if (r >= 0 && (r = jrecord_finish(&rec, &why)) < 0)
		fprintf(stderr, "a malformed test record: %s\n", why);
	rec.realtime_usec = usec;
	return r < 0 ? r : report_add(rep, &rec);
}
#define ADD(rep, usec, ...) add_items(rep, usec, __VA_ARGS__, (const char *)NULL)

static void reportp(Report **rep)
{
	report_free(*rep);
}
#define _cleanup_report_ __attribute__((cleanup(reportp)))

/* --- the JSON, read --- */

static json_t *table(json_t *j, const char *name)
{
	return json_object_get(json_object_get(j, "tables"), name);
}

/* -1: absent */
static long long total(json_t *j, const char *name)
{
	json_t *v = json_object_get(json_object_get(j, "totals"), name);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* the counts of a table's rows added up; -1: not a table of rows */
static long long sum(json_t *rows)
{
	long long s = 0;
	size_t i;
	json_t *row;

	if (!json_is_array(rows))
		return -1;
	json_array_foreach(rows, i, row) {
		json_t *c = json_object_get(row, "count");

		if (!json_is_integer(c) || !json_is_string(json_object_get(row, "key")))
			return -1;
		s += json_integer_value(c);
	}
	return s;
}

static const char *key_at(json_t *rows, size_t i)
{
	return json_string_value(json_object_get(json_array_get(rows, i), "key"));
}

/* -1: no such row */
static long long count_at(json_t *rows, size_t i)
{
	json_t *c = json_object_get(json_array_get(rows, i), "count");

	return json_is_integer(c) ? json_integer_value(c) : -1;
}

/* the count of the row with this key; -1: none */
static long long count_of(json_t *rows, const char *key)
{
	size_t i;
	json_t *row;

	json_array_foreach(rows, i, row)
		if (strcmp(json_string_value(json_object_get(row, "key")) ?: "", key) == 0)
			return count_at(rows, i);
	return -1;
}

/* the text report in a string (NULL if printing failed) */
static char *text(Report *rep, const char *by, long long top)
{
	char *buf = NULL;
	size_t size;
	FILE *f = open_memstream(&buf, &size);
	int r;

	if (!f)
		return NULL;
	r = report_print(rep, f, by, top);
	if (fclose(f) != 0 || r < 0) {
		fprintf(stderr, "report_print: %s\n", strerror(-r));
		free(buf);
		return NULL;
	}
	return buf;
}

/* --- the tests --- */

/* a mix of every kind of record: each table adds up to the total it breaks down */
static int add_mix(Report *rep)
{
	int r = 0;

	r |= ADD(rep, T0, EXEC, "CNPROCD_USER=root", "CNPROCD_UID=0",
		 "CNPROCD_LOGINUID=4294967295", "CNPROCD_UNIT=cron.service",
		 "CNPROCD_EXE=/usr/bin/run-parts", "CNPROCD_RULE=all");
	r |= ADD(rep, T0 + 1, EXEC, "CNPROCD_USER=alice", "CNPROCD_UID=1000",
		 "CNPROCD_LOGINUID=1000", "CNPROCD_LOGIN_USER=alice",
		 "CNPROCD_UNIT=session-1.scope", "CNPROCD_EXE=/usr/bin/bash");
	/* nothing known but a uid and a comm */
	r |= ADD(rep, T0 + 2, EXEC, "CNPROCD_UID=1001", "CNPROCD_COMM=kworker");
	r |= ADD(rep, T0 + 3, EXEC, "CNPROCD_USER=root", "CNPROCD_UID=0",
		 "CNPROCD_EXE=/usr/sbin/nginx", "CNPROCD_CONTAINER_RUNTIME=docker",
		 "CNPROCD_CONTAINER_NAME=web", "CNPROCD_CONTAINER_ID=feedface");
	r |= ADD(rep, T0 + 4, EXEC, "CNPROCD_USER=root", "CNPROCD_UID=0",
		 "CNPROCD_EXE=/usr/bin/pause", "CNPROCD_CONTAINER_RUNTIME=podman",
		 "CNPROCD_CONTAINER_ID=0123456789abcdef0123");
	r |= ADD(rep, T0 + 5, FORK, "CNPROCD_RULE=all");
	r |= ADD(rep, T0 + 6, EXIT, "CNPROCD_EXIT_CODE=0");
	r |= ADD(rep, T0 + 7, EXIT, "CNPROCD_EXIT_CODE=2", "CNPROCD_UNIT=x.service");
	r |= ADD(rep, T0 + 8, EXIT, "CNPROCD_EXIT_SIGNAL=9", "CNPROCD_EXE=/usr/bin/sleep");
	r |= ADD(rep, T0 + 9, COREDUMP, "CNPROCD_EXE=/usr/bin/crash");
	r |= ADD(rep, T0 + 10, UIDEV, "CNPROCD_NEW_EUID=0", "CNPROCD_NEW_RUID=0");
	r |= ADD(rep, T0 + 11, GIDEV, "CNPROCD_NEW_EGID=0", "CNPROCD_NEW_RGID=0");
	r |= ADD(rep, T0 + 12, COMM);
	r |= ADD(rep, T0 + 13, LOST, "CNPROCD_LOST=17");
	r |= ADD(rep, T0 + 14, SUPPRESSED, "CNPROCD_RULE=all", "CNPROCD_SUPPRESSED=4");
	r |= ADD(rep, T0 + 15, STARTED, "_HOSTNAME=beta");
	return r;
}

static void test_totals_equal_records(void)
{
	_cleanup_report_ Report *rep = report_new();
	_cleanup_(json_decrefp) json_t *all = NULL, *top1 = NULL;
	static const struct {
		const char *table, *total;
	} sums[] = {
		{ "user", "execs" },        { "login-user", "execs" },
		{ "unit", "execs" },        { "exe", "execs" },
		{ "failures", "failures" }, { "failed-unit", "failures" },
		{ "failed-exe", "failures" }, { "privilege", "privilege_changes" },
		{ "rule", "process_events" }, { "suppressed", "suppressed" },
		{ "lost", "lost" },          { "host", "records" },
	};

	TS_ASSERT(rep);
	TS_ASSERT_INT_EQ(add_mix(rep), 0);
	all = report_json(rep, NULL, -1);
	top1 = report_json(rep, NULL, 1);
	TS_ASSERT(all && top1);
	TS_ASSERT_INT_EQ(total(all, "records"), 16);
	TS_ASSERT_INT_EQ(total(all, "process_events"), 13);
	TS_ASSERT_INT_EQ(total(all, "execs"), 5);
	TS_ASSERT_INT_EQ(total(all, "exits"), 3);
	TS_ASSERT_INT_EQ(total(all, "failures"), 3);
	TS_ASSERT_INT_EQ(total(all, "privilege_changes"), 2);
	TS_ASSERT_INT_EQ(total(all, "suppressed"), 4);
	TS_ASSERT_INT_EQ(total(all, "lost"), 17);
	TS_ASSERT_INT_EQ(total(all, "lost_episodes"), 1);
	TS_ASSERT_INT_EQ(total(all, "starts"), 1);
	TS_ASSERT_INT_EQ(total(all, "hosts"), 2);
	for (size_t i = 0; i < sizeof(sums) / sizeof(sums[0]); i++) {
		long long want = total(all, sums[i].total);

		if (sum(table(all, sums[i].table)) != want ||
		    sum(table(top1, sums[i].table)) != want)
			fprintf(stderr, "table %s does not add up to %s\n", sums[i].table,
				sums[i].total);
		TS_ASSERT_INT_EQ(sum(table(all, sums[i].table)), want);
		/* the folded row holds the rest */
		TS_ASSERT_INT_EQ(sum(table(top1, sums[i].table)), want);
	}
	/* execs outside containers are not in the container table */
	TS_ASSERT_INT_EQ(sum(table(all, "container")), 2);
	TS_ASSERT_INT_EQ(count_of(table(all, "container"), "docker:web"), 1);
	TS_ASSERT_INT_EQ(count_of(table(all, "container"), "podman:0123456789ab"), 1);
	/* what stands in for the absent */
	TS_ASSERT_INT_EQ(count_of(table(all, "user"), "root"), 3);
	TS_ASSERT_INT_EQ(count_of(table(all, "user"), "1001"), 1);
	TS_ASSERT_INT_EQ(count_of(table(all, "login-user"), "-"), 1);
	TS_ASSERT_INT_EQ(count_of(table(all, "login-user"), "?"), 3);
	TS_ASSERT_INT_EQ(count_of(table(all, "unit"), "-"), 3);
	TS_ASSERT_INT_EQ(count_of(table(all, "exe"), "[kworker]"), 1);
	TS_ASSERT_INT_EQ(count_of(table(all, "rule"), "(default)"), 11);
	TS_ASSERT_INT_EQ(count_of(table(all, "rule"), "all"), 2);
	TS_ASSERT_INT_EQ(count_of(table(all, "host"), "beta"), 1);
}

/* distinct keys, not records, make the rows */
static void test_one_key_many_records(void)
{
	_cleanup_report_ Report *rep = report_new();
	_cleanup_(json_decrefp) json_t *j = NULL;

	TS_ASSERT(rep);
	for (int i = 0; i < 5000; i++)
		TS_ASSERT_INT_EQ(ADD(rep, T0 + (uint64_t)i, EXEC, "CNPROCD_USER=root",
				     "CNPROCD_EXE=/bin/true"),
				 0);
	j = report_json(rep, NULL, -1);
	TS_ASSERT(j);
	TS_ASSERT_INT_EQ(json_array_size(table(j, "user")), 1);
	TS_ASSERT_INT_EQ(count_at(table(j, "user"), 0), 5000);
	TS_ASSERT_INT_EQ(json_array_size(table(j, "exe")), 1);
}

static int add_users(Report *rep, const char *const *users, size_t n)
{
	char item[64];
	int r = 0;

	for (size_t i = 0; i < n && r >= 0; i++) {
		snprintf(item, sizeof(item), "CNPROCD_USER=%s", users[i]);
		r = ADD(rep, T0 + i, EXEC, item);
	}
	return r;
}

/* by count, then by key; the rest folded into "… N others" */
static void test_sort_and_top(void)
{
	static const char *const users[] = { "dave", "bob",   "carol", "alice",
					     "carol", "erin", "bob",   "carol", "alice" };
	static const char *const reversed[] = { "alice", "carol", "bob",   "erin", "carol",
						"alice", "carol", "bob",  "dave" };
	static const char *const order[] = { "carol", "alice", "bob", "dave", "erin" };
	_cleanup_report_ Report *rep = report_new(), *rev = report_new();
	_cleanup_(json_decrefp) json_t *all = NULL, *two = NULL, *four = NULL, *five = NULL,
				      *dflt = NULL;
	_cleanup_free_ char *t = NULL, *t_rev = NULL;
	json_t *rows;

	TS_ASSERT(rep && rev);
	TS_ASSERT_INT_EQ(add_users(rep, users, 9), 0);
	TS_ASSERT_INT_EQ(add_users(rev, reversed, 9), 0);

	all = report_json(rep, "user", -1);
	TS_ASSERT(all);
	rows = table(all, "user");
	TS_ASSERT_INT_EQ(json_array_size(rows), 5);
	for (size_t i = 0; i < 5; i++)
		TS_ASSERT_STR_EQ(key_at(rows, i), order[i]);
	TS_ASSERT_INT_EQ(count_at(rows, 0), 3);
	TS_ASSERT_INT_EQ(count_at(rows, 1), 2);
	TS_ASSERT_INT_EQ(count_at(rows, 4), 1);

	two = report_json(rep, "user", 2);
	TS_ASSERT(two);
	rows = table(two, "user");
	TS_ASSERT_INT_EQ(json_array_size(rows), 3);
	TS_ASSERT_STR_EQ(key_at(rows, 0), "carol");
	TS_ASSERT_STR_EQ(key_at(rows, 1), "alice");
	TS_ASSERT_STR_EQ(key_at(rows, 2), "… 3 others");
	TS_ASSERT_INT_EQ(count_at(rows, 2), 4);
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(json_array_get(rows, 2), "others")),
			 3);
	TS_ASSERT(!json_object_get(json_array_get(rows, 1), "others"));

	four = report_json(rep, "user", 4);
	TS_ASSERT(four);
	TS_ASSERT_INT_EQ(json_array_size(table(four, "user")), 5);
	TS_ASSERT_STR_EQ(key_at(table(four, "user"), 4), "… 1 other");
	TS_ASSERT_INT_EQ(count_at(table(four, "user"), 4), 1);

	/* exactly as many as there are: nothing folded */
	five = report_json(rep, "user", 5);
	dflt = report_json(rep, "user", 0);
	TS_ASSERT(five && dflt);
	TS_ASSERT_STR_EQ(key_at(table(five, "user"), 4), "erin");
	TS_ASSERT_INT_EQ(json_array_size(table(five, "user")), 5);
	TS_ASSERT_INT_EQ(json_array_size(table(dflt, "user")), 5);

	/* the text: the same rows, counts right-aligned */
	t = text(rep, "user", 2);
	TS_ASSERT_STR_EQ(t, "Execs by user:\n"
			    "  EXECS USER\n"
			    "      3 carol\n"
			    "      2 alice\n"
			    "      4 … 3 others\n");
	/* the order the records came in changes nothing */
	free(t);
	t = text(rep, NULL, 3);
	t_rev = text(rev, NULL, 3);
	TS_ASSERT(t && t_rev);
	TS_ASSERT_STR_EQ(t, t_rev);
	/* one host: not named */
	TS_ASSERT(strstr(t, "\nHosts:             1\n"));
}

static void test_failure_tables(void)
{
	_cleanup_report_ Report *rep = report_new();
	_cleanup_(json_decrefp) json_t *j = NULL;
	json_t *kinds, *units, *exes;
	int r = 0;

	TS_ASSERT(rep);
	r |= ADD(rep, T0, EXIT, "CNPROCD_EXIT_CODE=0", "CNPROCD_UNIT=a.service",
		 "CNPROCD_EXE=/usr/bin/true");
	r |= ADD(rep, T0, EXIT, "CNPROCD_EXIT_CODE=1", "CNPROCD_UNIT=a.service",
		 "CNPROCD_EXE=/usr/bin/false");
	r |= ADD(rep, T0, EXIT, "CNPROCD_EXIT_CODE=1", "CNPROCD_UNIT=a.service",
		 "CNPROCD_EXE=/usr/bin/false");
	r |= ADD(rep, T0, EXIT, "CNPROCD_EXIT_SIGNAL=9", "CNPROCD_UNIT=b.service",
		 "CNPROCD_EXE=/usr/bin/sleep");
	/* signal 0 is a normal exit */
	r |= ADD(rep, T0, EXIT, "CNPROCD_EXIT_SIGNAL=0", "CNPROCD_EXIT_CODE=0",
		 "CNPROCD_UNIT=b.service", "CNPROCD_EXE=/usr/bin/sleep");
	r |= ADD(rep, T0, COREDUMP, "CNPROCD_UNIT=b.service", "CNPROCD_EXE=/usr/bin/crash");
	r |= ADD(rep, T0, EXIT, "CNPROCD_EXIT_SIGNAL=11", "CNPROCD_UNIT=b.service",
		 "CNPROCD_EXE=/usr/bin/crash");
	TS_ASSERT_INT_EQ(r, 0);

	j = report_json(rep, NULL, -1);
	TS_ASSERT(j);
	TS_ASSERT_INT_EQ(total(j, "exits"), 6);
	TS_ASSERT_INT_EQ(total(j, "failures"), 5);
	kinds = table(j, "failures");
	TS_ASSERT_INT_EQ(json_array_size(kinds), 4);
	TS_ASSERT_STR_EQ(key_at(kinds, 0), "exit code 1");
	TS_ASSERT_INT_EQ(count_at(kinds, 0), 2);
	TS_ASSERT_STR_EQ(key_at(kinds, 1), "core dump");
	TS_ASSERT_STR_EQ(key_at(kinds, 2), "killed by SIGKILL");
	TS_ASSERT_STR_EQ(key_at(kinds, 3), "killed by SIGSEGV");
	TS_ASSERT_INT_EQ(count_at(kinds, 3), 1);
	units = table(j, "failed-unit");
	TS_ASSERT_INT_EQ(json_array_size(units), 2);
	TS_ASSERT_STR_EQ(key_at(units, 0), "b.service");
	TS_ASSERT_INT_EQ(count_at(units, 0), 3);
	TS_ASSERT_INT_EQ(count_at(units, 1), 2);
	exes = table(j, "failed-exe");
	TS_ASSERT_INT_EQ(json_array_size(exes), 3);
	TS_ASSERT_STR_EQ(key_at(exes, 0), "/usr/bin/crash");
	TS_ASSERT_STR_EQ(key_at(exes, 1), "/usr/bin/false");
	TS_ASSERT_STR_EQ(key_at(exes, 2), "/usr/bin/sleep");
	TS_ASSERT_INT_EQ(count_of(exes, "/usr/bin/true"), -1);
}

static void test_privilege_changes(void)
{
	_cleanup_report_ Report *rep = report_new();
	_cleanup_(json_decrefp) json_t *j = NULL;
	json_t *rows;
	int r = 0;

	TS_ASSERT(rep);
	for (int i = 0; i < 2; i++)
		r |= ADD(rep, T0, UIDEV, "CNPROCD_LOGINUID=1000", "CNPROCD_LOGIN_USER=alice",
			 "CNPROCD_EXE=/usr/bin/sudo", "CNPROCD_USER=root", "CNPROCD_UID=0",
			 "CNPROCD_NEW_EUID=0", "CNPROCD_NEW_RUID=0");
	r |= ADD(rep, T0, UIDEV, "CNPROCD_LOGINUID=4294967295", "CNPROCD_EXE=/usr/sbin/sshd",
		 "CNPROCD_USER=bob", "CNPROCD_UID=1000", "CNPROCD_NEW_EUID=1000",
		 "CNPROCD_NEW_RUID=1000");
	/* the user field names another uid than the new one: not the new one's name */
	r |= ADD(rep, T0, UIDEV, "CNPROCD_LOGINUID=1000", "CNPROCD_LOGIN_USER=alice",
		 "CNPROCD_EXE=/usr/bin/su", "CNPROCD_USER=alice", "CNPROCD_UID=1000",
		 "CNPROCD_NEW_EUID=0");
	r |= ADD(rep, T0, GIDEV, "CNPROCD_LOGINUID=1000", "CNPROCD_LOGIN_USER=alice",
		 "CNPROCD_EXE=/usr/bin/sudo", "CNPROCD_USER=root", "CNPROCD_UID=0",
		 "CNPROCD_NEW_EGID=0", "CNPROCD_NEW_RGID=0");
	TS_ASSERT_INT_EQ(r, 0);

	j = report_json(rep, "privilege", -1);
	TS_ASSERT(j);
	TS_ASSERT_INT_EQ(total(j, "privilege_changes"), 5);
	rows = table(j, "privilege");
	TS_ASSERT_INT_EQ(json_array_size(rows), 4);
	TS_ASSERT_STR_EQ(key_at(rows, 0), "alice: /usr/bin/sudo → euid 0 (root)");
	TS_ASSERT_INT_EQ(count_at(rows, 0), 2);
	TS_ASSERT_STR_EQ(key_at(rows, 1), "-: /usr/sbin/sshd → euid 1000 (bob)");
	TS_ASSERT_STR_EQ(key_at(rows, 2), "alice: /usr/bin/su → euid 0");
	TS_ASSERT_STR_EQ(key_at(rows, 3), "alice: /usr/bin/sudo → egid 0");
	TS_ASSERT_INT_EQ(count_at(rows, 3), 1);
	/* not execs */
	TS_ASSERT_INT_EQ(total(j, "execs"), 0);
}

static void test_rules_and_suppressed(void)
{
	_cleanup_report_ Report *rep = report_new();
	_cleanup_(json_decrefp) json_t *j = NULL;
	json_t *rules, *supp;
	int r = 0;

	TS_ASSERT(rep);
	r |= ADD(rep, T0, EXEC, "CNPROCD_RULE=ssh");
	r |= ADD(rep, T0, EXEC, "CNPROCD_RULE=ssh");
	r |= ADD(rep, T0, EXIT, "CNPROCD_RULE=ssh", "CNPROCD_EXIT_CODE=0");
	r |= ADD(rep, T0, FORK);
	r |= ADD(rep, T0, EXEC, "CNPROCD_RULE=audit");
	r |= ADD(rep, T0, SUPPRESSED, "CNPROCD_RULE=ssh", "CNPROCD_SUPPRESSED=5");
	r |= ADD(rep, T0, SUPPRESSED, "CNPROCD_RULE=ssh", "CNPROCD_SUPPRESSED=2");
	r |= ADD(rep, T0, SUPPRESSED, "CNPROCD_RULE=(default)", "CNPROCD_SUPPRESSED=3");
	TS_ASSERT_INT_EQ(r, 0);

	j = report_json(rep, NULL, -1);
	TS_ASSERT(j);
	rules = table(j, "rule");
	/* the suppressed records are not hits */
	TS_ASSERT_INT_EQ(sum(rules), 5);
	TS_ASSERT_INT_EQ(json_array_size(rules), 3);
	TS_ASSERT_STR_EQ(key_at(rules, 0), "ssh");
	TS_ASSERT_INT_EQ(count_at(rules, 0), 3);
	TS_ASSERT_STR_EQ(key_at(rules, 1), "(default)");
	TS_ASSERT_STR_EQ(key_at(rules, 2), "audit");
	supp = table(j, "suppressed");
	TS_ASSERT_INT_EQ(json_array_size(supp), 2);
	TS_ASSERT_STR_EQ(key_at(supp, 0), "ssh");
	TS_ASSERT_INT_EQ(count_at(supp, 0), 7);
	TS_ASSERT_STR_EQ(key_at(supp, 1), "(default)");
	TS_ASSERT_INT_EQ(count_at(supp, 1), 3);
	TS_ASSERT_INT_EQ(total(j, "suppressed"), 10);
	TS_ASSERT_INT_EQ(total(j, "records"), 8);
}

static void test_lost_episodes(void)
{
	_cleanup_report_ Report *rep = report_new(), *many = report_new();
	_cleanup_(json_decrefp) json_t *j = NULL, *m = NULL;
	json_t *rows;
	char lost[32];
	int r = 0;

	TS_ASSERT(rep && many);
	r |= ADD(rep, T0 + 3 * SEC, LOST, "CNPROCD_LOST=10",
		 "CNPROCD_LOSS_START_USEC=1700000001000000",
		 "CNPROCD_LOSS_END_USEC=1700000003000000");
	r |= ADD(rep, T0 + 5 * SEC, LOST, "CNPROCD_LOST=50",
		 "CNPROCD_LOSS_START_USEC=1700000005000000",
		 "CNPROCD_LOSS_END_USEC=1700000005000000");
	/* how many: unknown; when: only the record's time */
	r |= ADD(rep, T0 + 9 * SEC, LOST, "CNPROCD_LOST=0");
	/* as big as the first, and earlier */
	r |= ADD(rep, T0 + 1 * SEC, LOST, "CNPROCD_LOST=10",
		 "CNPROCD_LOSS_START_USEC=1700000000500000",
		 "CNPROCD_LOSS_END_USEC=1700000000700000");
	TS_ASSERT_INT_EQ(r, 0);

	j = report_json(rep, "lost", 2);
	TS_ASSERT(j);
	TS_ASSERT_INT_EQ(total(j, "lost"), 70);
	TS_ASSERT_INT_EQ(total(j, "lost_episodes"), 4);
	rows = table(j, "lost");
	TS_ASSERT_INT_EQ(json_array_size(rows), 3);
	TS_ASSERT_STR_EQ(key_at(rows, 0), "2023-11-14 22:13:25.000");
	TS_ASSERT_INT_EQ(count_at(rows, 0), 50);
	TS_ASSERT_STR_EQ(key_at(rows, 1), "2023-11-14 22:13:20.500 – 2023-11-14 22:13:20.700");
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(json_array_get(rows, 1), "start_usec")),
			 1700000000500000LL);
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(json_array_get(rows, 1), "end_usec")),
			 1700000000700000LL);
	TS_ASSERT_STR_EQ(key_at(rows, 2), "… 2 others");
	TS_ASSERT_INT_EQ(count_at(rows, 2), 10);
	json_decref(j);
	j = report_json(rep, "lost", -1);
	TS_ASSERT(j);
	rows = table(j, "lost");
	TS_ASSERT_INT_EQ(json_array_size(rows), 4);
	TS_ASSERT_STR_EQ(key_at(rows, 2), "2023-11-14 22:13:21.000 – 2023-11-14 22:13:23.000");
	/* no window recorded: the record's time */
	TS_ASSERT_STR_EQ(key_at(rows, 3), "2023-11-14 22:13:29.000");
	TS_ASSERT_INT_EQ(count_at(rows, 3), 0);

	/* more than are kept: the biggest kept, the rest still counted */
	for (int i = 1; i <= REPORT_EPISODES_KEPT + 50 && r >= 0; i++) {
		snprintf(lost, sizeof(lost), "CNPROCD_LOST=%d", i);
		r = ADD(many, T0 + (uint64_t)i * SEC, LOST, lost);
	}
	TS_ASSERT_INT_EQ(r, 0);
	m = report_json(many, "lost", -1);
	TS_ASSERT(m);
	rows = table(m, "lost");
	TS_ASSERT_INT_EQ(json_array_size(rows), REPORT_EPISODES_KEPT + 1);
	TS_ASSERT_INT_EQ(count_at(rows, 0), REPORT_EPISODES_KEPT + 50);
	TS_ASSERT_INT_EQ(count_at(rows, REPORT_EPISODES_KEPT - 1), 51);
	TS_ASSERT_STR_EQ(key_at(rows, REPORT_EPISODES_KEPT), "… 50 others");
	TS_ASSERT_INT_EQ(count_at(rows, REPORT_EPISODES_KEPT), 50 * 51 / 2);
	TS_ASSERT_INT_EQ(sum(rows), total(m, "lost"));
	TS_ASSERT_INT_EQ(total(m, "lost_episodes"), REPORT_EPISODES_KEPT + 50);
}

static void test_by_one_table(void)
{
	_cleanup_report_ Report *rep = report_new();
	_cleanup_(json_decrefp) json_t *j = NULL;
	_cleanup_free_ char *t = NULL;
	FILE *null;
	size_t n = 0;
	int r = 0;

	TS_ASSERT(rep);
	r |= ADD(rep, T0, EXIT, "CNPROCD_EXIT_CODE=3", "CNPROCD_EXE=/usr/bin/make");
	r |= ADD(rep, T0, EXIT, "CNPROCD_EXIT_SIGNAL=15", "CNPROCD_EXE=/usr/bin/make");
	r |= ADD(rep, T0, EXEC, "CNPROCD_USER=root");
	TS_ASSERT_INT_EQ(r, 0);

	t = text(rep, "failed-exe", 0);
	TS_ASSERT_STR_EQ(t, "Failures by executable:\n"
			    "  FAILURES EXECUTABLE\n"
			    "         2 /usr/bin/make\n");
	free(t);
	t = text(rep, "container", 0);
	TS_ASSERT_STR_EQ(t, "Execs in containers:\n"
			    "  (none)\n");

	j = report_json(rep, "rule", 0);
	TS_ASSERT(j);
	TS_ASSERT_INT_EQ(json_object_size(json_object_get(j, "tables")), 1);
	TS_ASSERT(json_is_array(table(j, "rule")));
	TS_ASSERT_INT_EQ(total(j, "execs"), 1);

	TS_ASSERT(report_key_known("user"));
	TS_ASSERT(report_key_known("login-user"));
	TS_ASSERT(!report_key_known("users"));
	TS_ASSERT(!report_key_known(""));
	TS_ASSERT(!report_key_known(NULL));
	TS_ASSERT(!report_json(rep, "users", 0));
	null = fopen("/dev/null", "w");
	TS_ASSERT(null);
	r = report_print(rep, null, "users", 0);
	fclose(null);
	TS_ASSERT_INT_EQ(r, -EINVAL);
	for (const char *k; (k = report_key_name(n)); n++)
		TS_ASSERT(report_key_known(k));
	TS_ASSERT_INT_EQ(n, 13);
}

static void test_json_shape(void)
{
	static const char *const totals[] = {
		"records", "process_events", "execs", "exits", "failures", "privilege_changes",
		"suppressed", "lost", "lost_episodes", "starts", "hosts",
	};
	_cleanup_report_ Report *rep = report_new(), *empty = report_new();
	_cleanup_(json_decrefp) json_t *j = NULL, *e = NULL;
	_cleanup_free_ char *dump = NULL;
	json_t *w, *rows;
	const char *name;
	size_t i, n = 0;

	TS_ASSERT(rep && empty);
	TS_ASSERT_INT_EQ(add_mix(rep), 0);
	/* out of order: the window is the earliest and the latest */
	TS_ASSERT_INT_EQ(ADD(rep, T0 + 60 * SEC, FORK), 0);
	TS_ASSERT_INT_EQ(ADD(rep, T0 - 5 * SEC, FORK), 0);
	j = report_json(rep, NULL, 0);
	TS_ASSERT(j);
	TS_ASSERT_INT_EQ(json_object_size(j), 3);
	w = json_object_get(j, "window");
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(w, "first_usec")), T0 - 5 * SEC);
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(w, "last_usec")), T0 + 60 * SEC);
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(w, "first")),
			 "2023-11-14 22:13:15.000");
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(w, "last")),
			 "2023-11-14 22:14:20.000");
	TS_ASSERT_INT_EQ(json_object_size(json_object_get(j, "totals")), 11);
	for (i = 0; i < sizeof(totals) / sizeof(totals[0]); i++)
		TS_ASSERT(total(j, totals[i]) >= 0);
	TS_ASSERT_INT_EQ(json_object_size(json_object_get(j, "tables")), 13);
	json_object_foreach(json_object_get(j, "tables"), name, rows) {
		TS_ASSERT(report_key_known(name));
		TS_ASSERT(sum(rows) >= 0);
		n += json_array_size(rows);
	}
	TS_ASSERT(n > 13);
	dump = json_dumps(j, JSON_COMPACT);
	TS_ASSERT(dump);

	/* nothing read: no window, every table empty */
	e = report_json(empty, NULL, 0);
	TS_ASSERT(e);
	TS_ASSERT(json_is_null(json_object_get(e, "window")));
	TS_ASSERT_INT_EQ(total(e, "records"), 0);
	json_object_foreach(json_object_get(e, "tables"), name, rows)
		TS_ASSERT_INT_EQ(json_array_size(rows), 0);
}

/* the daemon's strings come escaped, in text and JSON alike */
static void test_escaped_keys(void)
{
	_cleanup_report_ Report *rep = report_new();
	_cleanup_(json_decrefp) json_t *j = NULL;
	_cleanup_free_ char *dump = NULL, *t = NULL;
	int r = 0;

	TS_ASSERT(rep);
	r |= ADD(rep, T0, EXEC, "CNPROCD_EXE=/tmp/a\nb");
	r |= ADD(rep, T0, EXEC, "CNPROCD_EXE=/tmp/\xff\x1b[2J");
	r |= ADD(rep, T0, EXEC, "CNPROCD_EXE=/tmp/c\\d");
	TS_ASSERT_INT_EQ(r, 0);
	j = report_json(rep, "exe", 0);
	TS_ASSERT(j);
	TS_ASSERT_INT_EQ(count_of(table(j, "exe"), "/tmp/a\\nb"), 1);
	TS_ASSERT_INT_EQ(count_of(table(j, "exe"), "/tmp/\\xff\\x1b[2J"), 1);
	TS_ASSERT_INT_EQ(count_of(table(j, "exe"), "/tmp/c\\\\d"), 1);
	dump = json_dumps(j, JSON_COMPACT);
	TS_ASSERT(dump);
	t = text(rep, "exe", 0);
	TS_ASSERT(t);
	TS_ASSERT(strstr(t, "/tmp/\\xff\\x1b[2J\n"));
	TS_ASSERT(!strchr(t, '\x1b'));
}

/* the whole report for a small fixed input */
static void test_text_report(void)
{
	_cleanup_report_ Report *rep = report_new();
	_cleanup_free_ char *t = NULL;
	int r = 0;

	TS_ASSERT(rep);
	r |= ADD(rep, T0, EXEC, "CNPROCD_USER=root", "CNPROCD_UID=0",
		 "CNPROCD_LOGINUID=4294967295", "CNPROCD_UNIT=cron.service",
		 "CNPROCD_EXE=/usr/bin/run-parts", "CNPROCD_RULE=all");
	r |= ADD(rep, T0 + 1 * SEC, EXEC, "CNPROCD_USER=alice", "CNPROCD_UID=1000",
		 "CNPROCD_LOGINUID=1000", "CNPROCD_LOGIN_USER=alice",
		 "CNPROCD_UNIT=session-1.scope", "CNPROCD_EXE=/usr/bin/bash", "CNPROCD_RULE=all");
	r |= ADD(rep, T0 + 2 * SEC, EXEC, "CNPROCD_USER=root", "CNPROCD_UID=0",
		 "CNPROCD_LOGINUID=1000", "CNPROCD_LOGIN_USER=alice",
		 "CNPROCD_UNIT=session-1.scope", "CNPROCD_EXE=/usr/bin/sudo", "CNPROCD_RULE=all");
	r |= ADD(rep, T0 + 3 * SEC, EXEC, "CNPROCD_USER=root", "CNPROCD_UID=0",
		 "CNPROCD_LOGINUID=4294967295", "CNPROCD_UNIT=docker-abc.scope",
		 "CNPROCD_EXE=/usr/sbin/nginx", "CNPROCD_CONTAINER_RUNTIME=docker",
		 "CNPROCD_CONTAINER_NAME=web", "CNPROCD_RULE=all", "_HOSTNAME=beta");
	r |= ADD(rep, T0 + 4 * SEC, EXIT, "CNPROCD_EXIT_CODE=1", "CNPROCD_USER=alice",
		 "CNPROCD_UNIT=session-1.scope", "CNPROCD_EXE=/usr/bin/false");
	r |= ADD(rep, T0 + 5 * SEC, UIDEV, "CNPROCD_LOGINUID=1000", "CNPROCD_LOGIN_USER=alice",
		 "CNPROCD_EXE=/usr/bin/sudo", "CNPROCD_USER=root", "CNPROCD_UID=0",
		 "CNPROCD_NEW_EUID=0", "CNPROCD_NEW_RUID=0", "CNPROCD_RULE=all");
	r |= ADD(rep, T0 + 6 * SEC, SUPPRESSED, "CNPROCD_RULE=all", "CNPROCD_SUPPRESSED=12");
	r |= ADD(rep, T0 + 7 * SEC, LOST, "CNPROCD_LOST=40",
		 "CNPROCD_LOSS_START_USEC=1700000006500000",
		 "CNPROCD_LOSS_END_USEC=1700000007000000");
	TS_ASSERT_INT_EQ(r, 0);

	t = text(rep, NULL, 2);
	TS_ASSERT_STR_EQ(t, "Window:            "
			    "2023-11-14 22:13:20.000 – 2023-11-14 22:13:27.000\n"
			    "Records:           8\n"
			    "Process events:    6\n"
			    "Execs:             4\n"
			    "Exits:             1\n"
			    "Failures:          1\n"
			    "Privilege changes: 1\n"
			    "Suppressed:        12\n"
			    "Lost events:       40 in 1 episode\n"
			    "Daemon starts:     0\n"
			    "Hosts:             2 (alpha, beta)\n"
			    "\n"
			    "Execs by user:\n"
			    "  EXECS USER\n"
			    "      3 root\n"
			    "      1 alice\n"
			    "\n"
			    "Execs by login user:\n"
			    "  EXECS LOGIN USER\n"
			    "      2 -\n"
			    "      2 alice\n"
			    "\n"
			    "Execs by unit:\n"
			    "  EXECS UNIT\n"
			    "      2 session-1.scope\n"
			    "      1 cron.service\n"
			    "      1 … 1 other\n"
			    "\n"
			    "Execs by executable:\n"
			    "  EXECS EXECUTABLE\n"
			    "      1 /usr/bin/bash\n"
			    "      1 /usr/bin/run-parts\n"
			    "      2 … 2 others\n"
			    "\n"
			    "Execs in containers:\n"
			    "  EXECS CONTAINER\n"
			    "      1 docker:web\n"
			    "\n"
			    "Failures by kind:\n"
			    "  FAILURES KIND\n"
			    "         1 exit code 1\n"
			    "\n"
			    "Failures by unit:\n"
			    "  FAILURES UNIT\n"
			    "         1 session-1.scope\n"
			    "\n"
			    "Failures by executable:\n"
			    "  FAILURES EXECUTABLE\n"
			    "         1 /usr/bin/false\n"
			    "\n"
			    "Privilege changes:\n"
			    "  CHANGES LOGIN USER: EXECUTABLE → NEW ID\n"
			    "        1 alice: /usr/bin/sudo → euid 0 (root)\n"
			    "\n"
			    "Records by rule:\n"
			    "  RECORDS RULE\n"
			    "        5 all\n"
			    "        1 (default)\n"
			    "\n"
			    "Records suppressed by rate limits:\n"
			    "  SUPPRESSED RULE\n"
			    "          12 all\n"
			    "\n"
			    "Biggest lost-event episodes:\n"
			    "  LOST EPISODE\n"
			    "    40 2023-11-14 22:13:26.500 – 2023-11-14 22:13:27.000\n"
			    "\n"
			    "Records by host:\n"
			    "  RECORDS HOST\n"
			    "        7 alpha\n"
			    "        1 beta\n");
}

int main(void)
{
	/* timestamps are local time */
	setenv("TZ", "UTC", 1);
	tzset();
	RUN_TEST(test_totals_equal_records);
	RUN_TEST(test_one_key_many_records);
	RUN_TEST(test_sort_and_top);
	RUN_TEST(test_failure_tables);
	RUN_TEST(test_privilege_changes);
	RUN_TEST(test_rules_and_suppressed);
	RUN_TEST(test_lost_episodes);
	RUN_TEST(test_by_one_table);
	RUN_TEST(test_json_shape);
	RUN_TEST(test_escaped_keys);
	RUN_TEST(test_text_report);
	jrecord_done(&rec);
	return TEST_EXIT();
}
