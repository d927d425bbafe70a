/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The process forest of the past, rebuilt from records as the journal gives
 * them (jrecord's parser, then ptree). */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "jrecord.h"
#include "ptree.h"
#include "test.h"

#define T0 1704189600000000ULL /* 2024-01-02 10:00:00 UTC */
#define MS 1000ULL
#define SEC 1000000ULL

#define BOOT_A "0123456789abcdef0123456789abcdef"
#define BOOT_B "fedcba9876543210fedcba9876543210"
#define MACHINE_1 "11111111111111111111111111111111"
#define MACHINE_2 "22222222222222222222222222222222"

/* where the next records come from: _HOSTNAME, _MACHINE_ID, _BOOT_ID */
static const char *host, *machine, *boot;

static void from(const char *h, const char *m, const char *b)
{
	host = h;
	machine = m;
	boot = b;
}

/* One journal entry of "NAME=value" items (NULL-terminated) and the source's
 * trusted fields, parsed and fed; -EBADMSG if jrecord does not take it. */
static int feed(PTree *t, uint64_t usec, const char *const *items)
{
	char h[128], m[64], b[64];
	const char *trusted[] = { h, m, b };
	JRecord r = {};
	int k = 0;

	snprintf(h, sizeof(h), "_HOSTNAME=%s", host);
	snprintf(m, sizeof(m), "_MACHINE_ID=%s", machine);
	snprintf(b, sizeof(b), "_BOOT_ID=%s", boot);
	jrecord_reset(&r);
	for (size_t i = 0; items[i] && k >= 0; i++)
		k = jrecord_add(&r, items[i], strlen(items[i]));
	for (size_t i = 0; i < 3 && k >= 0; i++)
		k = jrecord_add(&r, trusted[i], strlen(trusted[i]));
	if (k >= 0)
		k = jrecord_finish(&r, NULL);
	if (k >= 0) {
		r.realtime_usec = usec; /* the reader's part */
		k = ptree_add(t, &r);
	}
	jrecord_done(&r);
	return k;
}

static const char *message_id(const char *event)
{
	for (JEvent e = JEV_NONE + 1; e < _JEV_MAX; e++)
		if (strcmp(jevent_name(e), event) == 0)
			return jevent_message_id(e);
	return "?";
}

/* A process record: event, "PID@TICKS", the parent's (NULL: none), then more
 * items. */
static int proc(PTree *t, uint64_t usec, const char *event, const char *id, const char *parent,
		const char *const *more)
{
	char head[6][160];
	const char *items[64];
	size_t n = 0;

	snprintf(head[0], sizeof(head[0]), "MESSAGE_ID=%s", message_id(event));
	snprintf(head[1], sizeof(head[1]), "CNPROCD_EVENT=%s", event);
	snprintf(head[2], sizeof(head[2]), "CNPROCD_PID=%d", atoi(id));
	snprintf(head[3], sizeof(head[3]), "CNPROCD_PROCESS_ID=%s", id);
	for (size_t i = 0; i < 4; i++)
		items[n++] = head[i];
	if (parent) {
		snprintf(head[4], sizeof(head[4]), "CNPROCD_PARENT_PROCESS_ID=%s", parent);
		snprintf(head[5], sizeof(head[5]), "CNPROCD_PPID=%d", atoi(parent));
		items[n++] = head[4];
		items[n++] = head[5];
	}
	for (size_t i = 0; more[i] && n < 63; i++)
		items[n++] = more[i];
	items[n] = NULL;
	return feed(t, usec, items);
}

#define PROC(t, usec, event, id, parent, ...)                                              \
	proc(t, usec, event, id, parent, (const char *const[]){ __VA_ARGS__, NULL })

static int lost(PTree *t, uint64_t usec, long long n, uint64_t start, uint64_t end)
{
	char c[64], s[64], e[64];

	snprintf(c, sizeof(c), "CNPROCD_LOST=%lld", n);
	snprintf(s, sizeof(s), "CNPROCD_LOSS_START_USEC=%llu", (unsigned long long)start);
	snprintf(e, sizeof(e), "CNPROCD_LOSS_END_USEC=%llu", (unsigned long long)end);
	return feed(t, usec, (const char *const[]){ "MESSAGE_ID=" CNPROCD_MESSAGE_LOST, c, s, e, NULL });
}

/* What ptree_print() writes, as a string to free; *ret its return. Not with a
 * terminal on stdout: table_print() cuts lines at its width, whatever it
 * writes to, and the test is to run alike there. */
static char *draw(PTree *t, const PTreeSelect *sel, bool show_host, int *ret)
{
	char *buf = NULL;
	size_t size;
	FILE *f = open_memstream(&buf, &size);
	int r, saved = -1;

	if (!f)
		return NULL;
	fflush(stdout);
	if (isatty(STDOUT_FILENO)) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		saved = dup(STDOUT_FILENO);
		if (null < 0 || saved < 0 || dup2(null, STDOUT_FILENO) < 0) {
			fprintf(stderr, "cannot take stdout off the terminal\n");
			exit(EXIT_FAILURE);
		}
		close(null);
	}
	r = ptree_print(t, f, sel, show_host);
	if (saved >= 0) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	if (ret)
		*ret = r;
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* sshd's session: a shell, a command killed, one that failed, one that dumped
 * core; sshd still running */
static int feed_session(PTree *t)
{
	int r = 0;

	r |= PROC(t, T0, "fork", "100@1000", NULL, "CNPROCD_COMM=sshd", "CNPROCD_UID=0",
		  "CNPROCD_USER=root", "CNPROCD_CMDLINE=/usr/sbin/sshd -D",
		  "CNPROCD_UNIT=ssh.service");
	r |= PROC(t, T0 + 1 * MS, "exec", "100@1000", NULL, "CNPROCD_COMM=sshd", "CNPROCD_UID=0",
		  "CNPROCD_USER=root", "CNPROCD_CMDLINE=sshd: alice [priv]",
		  "CNPROCD_UNIT=ssh.service");
	r |= PROC(t, T0 + 100 * MS, "fork", "200@2000", "100@1000", "CNPROCD_COMM=sshd",
		  "CNPROCD_UID=0", "CNPROCD_USER=root", "CNPROCD_CMDLINE=sshd: alice [priv]",
		  "CNPROCD_UNIT=session-3.scope", "CNPROCD_SESSION=3", "CNPROCD_LOGINUID=1000");
	r |= PROC(t, T0 + 150 * MS, "exec", "200@2000", "100@1000", "CNPROCD_COMM=bash",
		  "CNPROCD_UID=1000", "CNPROCD_USER=alice", "CNPROCD_CMDLINE=-bash",
		  "CNPROCD_EXE=/usr/bin/bash", "CNPROCD_UNIT=session-3.scope",
		  "CNPROCD_SESSION=3", "CNPROCD_LOGINUID=1000", "CNPROCD_LOGIN_USER=alice",
		  "CNPROCD_ANCESTORS=sshd[100]");
	/* killed: its lifetime from its fork */
	r |= PROC(t, T0 + 1 * SEC, "fork", "300@3000", "200@2000", "CNPROCD_COMM=bash",
		  "CNPROCD_UID=1000", "CNPROCD_USER=alice", "CNPROCD_CMDLINE=-bash",
		  "CNPROCD_UNIT=session-3.scope", "CNPROCD_SESSION=3", "CNPROCD_LOGINUID=1000");
	r |= PROC(t, T0 + 1 * SEC + 2 * MS, "exec", "300@3000", "200@2000", "CNPROCD_COMM=sleep",
		  "CNPROCD_UID=1000", "CNPROCD_USER=alice", "CNPROCD_CMDLINE=sleep 100",
		  "CNPROCD_UNIT=session-3.scope", "CNPROCD_SESSION=3", "CNPROCD_LOGINUID=1000");
	r |= PROC(t, T0 + 2200 * MS, "exit", "300@3000", "200@2000", "CNPROCD_COMM=sleep",
		  "CNPROCD_UID=1000", "CNPROCD_USER=alice", "CNPROCD_EXIT_SIGNAL=9",
		  "CNPROCD_LIFETIME_USEC=1200000");
	/* failed: no fork record, its start from exit time - lifetime */
	r |= PROC(t, T0 + 3 * SEC, "exec", "301@3010", "200@2000", "CNPROCD_COMM=false",
		  "CNPROCD_UID=1000", "CNPROCD_USER=alice", "CNPROCD_CMDLINE=false",
		  "CNPROCD_UNIT=session-3.scope", "CNPROCD_SESSION=3", "CNPROCD_LOGINUID=1000");
	r |= PROC(t, T0 + 3500 * MS, "exit", "301@3010", "200@2000", "CNPROCD_COMM=false",
		  "CNPROCD_UID=1000", "CNPROCD_EXIT_CODE=1", "CNPROCD_EXIT_SIGNAL=0",
		  "CNPROCD_LIFETIME_USEC=520000");
	/* dumped core; its name changed before */
	r |= PROC(t, T0 + 4 * SEC, "fork", "302@3020", "200@2000", "CNPROCD_COMM=bash",
		  "CNPROCD_UID=1000", "CNPROCD_USER=alice", "CNPROCD_CMDLINE=-bash",
		  "CNPROCD_UNIT=session-3.scope", "CNPROCD_SESSION=3", "CNPROCD_LOGINUID=1000");
	r |= PROC(t, T0 + 4 * SEC + 1 * MS, "comm", "302@3020", "200@2000",
		  "CNPROCD_COMM=crasher", "CNPROCD_UID=1000");
	r |= PROC(t, T0 + 4 * SEC + 8 * MS, "coredump", "302@3020", "200@2000",
		  "CNPROCD_COMM=crasher", "CNPROCD_UID=1000");
	r |= PROC(t, T0 + 4 * SEC + 9 * MS, "exit", "302@3020", "200@2000",
		  "CNPROCD_COMM=crasher", "CNPROCD_UID=1000", "CNPROCD_EXIT_SIGNAL=11",
		  "CNPROCD_LIFETIME_USEC=9000");
	r |= PROC(t, T0 + 65 * SEC, "exit", "200@2000", "100@1000", "CNPROCD_COMM=bash",
		  "CNPROCD_UID=1000", "CNPROCD_USER=alice", "CNPROCD_EXIT_CODE=0",
		  "CNPROCD_EXIT_SIGNAL=0", "CNPROCD_LIFETIME_USEC=64900000");
	return r;
}

static const char session_text[] =
	"PID USER  START        LIFETIME EXIT           COMMAND\n"
	"100 root  10:00:00.000 -        -              sshd: alice [priv]\n"
	"200 alice 10:00:00.100 1min 4s  0              `- -bash\n"
	"300 alice 10:00:01.000 1.200s   SIGKILL           |- sleep 100\n"
	"301 alice 10:00:02.980 520ms    1                 |- false\n"
	"302 alice 10:00:04.000 9ms      SIGSEGV (core)    `- -bash\n";

static void test_three_levels(void)
{
	_cleanup_(ptree_freep) PTree *t = ptree_new();
	_cleanup_free_ char *text = NULL;
	int r;

	TS_ASSERT(t);
	from("alpha", MACHINE_1, BOOT_A);
	TS_ASSERT_INT_EQ(feed_session(t), 0);
	TS_ASSERT_INT_EQ(ptree_processes(t), 5);
	TS_ASSERT_INT_EQ(ptree_ignored(t), 0);
	text = draw(t, NULL, false, &r);
	TS_ASSERT_INT_EQ(r, 5);
	TS_ASSERT_STR_EQ(text, session_text);
}

/* a pid used twice in the window: two processes, the latest one by pid */
static void test_pid_reuse(void)
{
	_cleanup_(ptree_freep) PTree *t = ptree_new();
	_cleanup_free_ char *all = NULL, *latest = NULL, *old = NULL;
	PTreeSelect by_pid = PTREE_SELECT_INIT, by_id = PTREE_SELECT_INIT;
	int r;

	TS_ASSERT(t);
	from("alpha", MACHINE_1, BOOT_A);
	TS_ASSERT_INT_EQ(PROC(t, T0, "exec", "10@100", NULL, "CNPROCD_CMDLINE=init"), 0);
	TS_ASSERT_INT_EQ(PROC(t, T0 + 1 * SEC, "fork", "500@5000", "10@100", "CNPROCD_CMDLINE=init"),
			 0);
	TS_ASSERT_INT_EQ(PROC(t, T0 + 1 * SEC + 1 * MS, "exec", "500@5000", "10@100",
			      "CNPROCD_CMDLINE=first"), 0);
	TS_ASSERT_INT_EQ(PROC(t, T0 + 2 * SEC, "exit", "500@5000", "10@100",
			      "CNPROCD_EXIT_CODE=0", "CNPROCD_EXIT_SIGNAL=0"), 0);
	TS_ASSERT_INT_EQ(PROC(t, T0 + 7 * SEC, "fork", "500@9000", "10@100", "CNPROCD_CMDLINE=init"),
			 0);
	TS_ASSERT_INT_EQ(PROC(t, T0 + 7 * SEC + 1 * MS, "exec", "500@9000", "10@100",
			      "CNPROCD_CMDLINE=second"), 0);
	/* a child of the first one, recorded after the second began */
	TS_ASSERT_INT_EQ(PROC(t, T0 + 8 * SEC, "exec", "501@5010", "500@5000",
			      "CNPROCD_CMDLINE=orphan"), 0);
	TS_ASSERT_INT_EQ(ptree_processes(t), 4);

	all = draw(t, NULL, false, &r);
	TS_ASSERT_INT_EQ(r, 4);
	TS_ASSERT_STR_EQ(all, "PID USER START        LIFETIME EXIT COMMAND\n"
			      " 10 ?    10:00:00.000 -        -    init\n"
			      "500 ?    10:00:01.000 1s       0    |- first\n"
			      "501 ?    10:00:08.000 -        -    |  `- orphan\n"
			      "500 ?    10:00:07.000 -        -    `- second\n");

	by_pid.pid = 500;
	latest = draw(t, &by_pid, false, &r);
	TS_ASSERT_INT_EQ(r, 2);
	TS_ASSERT_STR_EQ(latest, "PID USER START        LIFETIME EXIT COMMAND\n"
				 " 10 ?    10:00:00.000 -        -    init\n"
				 "500 ?    10:00:07.000 -        -    `- second\n");

	by_id.process_id = "500@5000";
	old = draw(t, &by_id, false, &r);
	TS_ASSERT_INT_EQ(r, 3);
	TS_ASSERT_STR_EQ(old, "PID USER START        LIFETIME EXIT COMMAND\n"
			      " 10 ?    10:00:00.000 -        -    init\n"
			      "500 ?    10:00:01.000 1s       0    `- first\n"
			      "501 ?    10:00:08.000 -        -       `- orphan\n");
}

/* parents never recorded: placeholders, named from the ancestors when they
 * agree, never linked further up; no parent id: a root */
static void test_holes(void)
{
	_cleanup_(ptree_freep) PTree *t = ptree_new();
	_cleanup_free_ char *text = NULL;
	int r;

	TS_ASSERT(t);
	from("alpha", MACHINE_1, BOOT_A);
	TS_ASSERT_INT_EQ(PROC(t, T0, "exec", "700@7000", "650@6500", "CNPROCD_CMDLINE=make -j8",
			      "CNPROCD_USER=bob", "CNPROCD_ANCESTORS=bash[650] < sshd[600] < systemd[1]"),
			 0);
	TS_ASSERT_INT_EQ(PROC(t, T0 + 1 * SEC, "exec", "701@7010", "650@6500", "CNPROCD_CMDLINE=cc",
			      "CNPROCD_USER=bob", "CNPROCD_ANCESTORS=bash[650] < sshd[600] < systemd[1]"),
			 0);
	/* reparented since: its ancestors are not its parent's (whose pid is
	 * higher: a root is drawn before its children all the same) */
	TS_ASSERT_INT_EQ(PROC(t, T0 + 2 * SEC, "exec", "800@8000", "851@8510",
			      "CNPROCD_CMDLINE=daemon", "CNPROCD_ANCESTORS=systemd[1]"),
			 0);
	/* no parent id at all */
	TS_ASSERT_INT_EQ(PROC(t, T0 + 3 * SEC, "exec", "900@9000", NULL, "CNPROCD_COMM=kworker"),
			 0);
	/* no process id: not placed, counted */
	TS_ASSERT_INT_EQ(feed(t, T0 + 4 * SEC,
			      (const char *const[]){ "MESSAGE_ID=" CNPROCD_MESSAGE_EXEC,
						     "CNPROCD_EVENT=exec", "CNPROCD_PID=999",
						     "CNPROCD_CMDLINE=lost", NULL }),
			 0);
	/* jrecord refuses a record whose event does not match */
	TS_ASSERT_INT_EQ(feed(t, T0 + 5 * SEC,
			      (const char *const[]){ "MESSAGE_ID=" CNPROCD_MESSAGE_EXEC,
						     "CNPROCD_EVENT=fork", "CNPROCD_PID=998", NULL }),
			 -EBADMSG);
	TS_ASSERT_INT_EQ(ptree_processes(t), 4);
	TS_ASSERT_INT_EQ(ptree_ignored(t), 1);

	text = draw(t, NULL, false, &r);
	TS_ASSERT_INT_EQ(r, 6);
	TS_ASSERT_STR_EQ(text,
			 "PID USER START        LIFETIME EXIT COMMAND\n"
			 "650 ?    ?            -        -    ? bash[650] (not recorded; "
			 "ancestors: sshd[600] < systemd[1])\n"
			 "700 bob  10:00:00.000 -        -    |- make -j8\n"
			 "701 bob  10:00:01.000 -        -    `- cc\n"
			 "851 ?    ?            -        -    ? 851 (not recorded)\n"
			 "800 ?    10:00:02.000 -        -    `- daemon\n"
			 "900 ?    10:00:03.000 -        -    [kworker]\n");
}

/* the same process ids on two machines and in two boots: apart */
static void test_machines_and_boots(void)
{
	_cleanup_(ptree_freep) PTree *t = ptree_new();
	_cleanup_free_ char *text = NULL, *boots = NULL;
	_cleanup_(json_decrefp) json_t *j = NULL;
	int r;

	TS_ASSERT(t);
	from("alpha", MACHINE_1, BOOT_A);
	TS_ASSERT_INT_EQ(PROC(t, T0, "exec", "100@1000", NULL, "CNPROCD_CMDLINE=alpha-a"), 0);
	from("beta", MACHINE_2, BOOT_A);
	TS_ASSERT_INT_EQ(PROC(t, T0 + 1 * SEC, "exec", "100@1000", NULL, "CNPROCD_CMDLINE=beta-a"), 0);
	/* on beta its parent is beta's 100@1000, never alpha's */
	TS_ASSERT_INT_EQ(PROC(t, T0 + 2 * SEC, "exec", "101@1010", "100@1000",
			      "CNPROCD_CMDLINE=beta-child"), 0);
	from("alpha", MACHINE_1, BOOT_B);
	/* alpha rebooted: 100@1000 of the other boot is not this child's parent */
	TS_ASSERT_INT_EQ(PROC(t, T0 + 3 * SEC, "exec", "102@1020", "100@1000",
			      "CNPROCD_CMDLINE=alpha-b-child"), 0);
	TS_ASSERT_INT_EQ(ptree_processes(t), 4);

	text = draw(t, NULL, true, &r);
	TS_ASSERT_INT_EQ(r, 5);
	TS_ASSERT_STR_EQ(text,
			 "-- host alpha, boot " BOOT_A " --\n"
			 "PID USER START        LIFETIME EXIT COMMAND\n"
			 "100 ?    10:00:00.000 -        -    alpha-a\n"
			 "\n"
			 "-- host beta, boot " BOOT_A " --\n"
			 "PID USER START        LIFETIME EXIT COMMAND\n"
			 "100 ?    10:00:01.000 -        -    beta-a\n"
			 "101 ?    10:00:02.000 -        -    `- beta-child\n"
			 "\n"
			 "-- host alpha, boot " BOOT_B " --\n"
			 "PID USER START        LIFETIME EXIT COMMAND\n"
			 "100 ?    ?            -        -    ? 100 (not recorded)\n"
			 "102 ?    10:00:03.000 -        -    `- alpha-b-child\n");

	/* without hosts, boots are still told apart */
	boots = draw(t, NULL, false, &r);
	TS_ASSERT(boots);
	TS_ASSERT(strstr(boots, "-- boot " BOOT_B " --\n"));
	TS_ASSERT(!strstr(boots, "host"));

	j = ptree_json(t, NULL);
	TS_ASSERT(json_is_array(j));
	TS_ASSERT_INT_EQ(json_array_size(j), 3);
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(j, 1), "host")), "beta");
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(j, 1), "machine_id")),
			 MACHINE_2);
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(j, 2), "boot_id")), BOOT_B);
}

/* a family tree with cousins, to select from */
static int feed_family(PTree *t)
{
	int r = 0;

	r |= PROC(t, T0, "fork", "1@1", NULL, "CNPROCD_CMDLINE=init", "CNPROCD_UNIT=init.scope");
	r |= PROC(t, T0 + 1 * SEC, "fork", "10@10", "1@1", "CNPROCD_CMDLINE=login",
		  "CNPROCD_UNIT=user@1000.service", "CNPROCD_SESSION=5");
	r |= PROC(t, T0 + 2 * SEC, "fork", "11@11", "10@10", "CNPROCD_CMDLINE=shell",
		  "CNPROCD_UNIT=user@1000.service", "CNPROCD_SESSION=5");
	r |= PROC(t, T0 + 3 * SEC, "fork", "12@12", "11@11", "CNPROCD_CMDLINE=vim",
		  "CNPROCD_UNIT=user@1000.service", "CNPROCD_SESSION=5");
	r |= PROC(t, T0 + 4 * SEC, "fork", "13@13", "10@10", "CNPROCD_CMDLINE=sibling",
		  "CNPROCD_UNIT=user@1000.service", "CNPROCD_SESSION=5");
	r |= PROC(t, T0 + 5 * SEC, "fork", "20@20", "1@1", "CNPROCD_CMDLINE=cron",
		  "CNPROCD_UNIT=cron.service");
	r |= PROC(t, T0 + 6 * SEC, "fork", "21@21", "20@20", "CNPROCD_CMDLINE=job",
		  "CNPROCD_UNIT=user@1001.service", "CNPROCD_SESSION=6");
	r |= PROC(t, T0 + 7 * SEC, "fork", "22@22", "21@21", "CNPROCD_CMDLINE=job-child",
		  "CNPROCD_UNIT=cron.service", "CNPROCD_SESSION=6");
	return r;
}

static void test_select(void)
{
	_cleanup_(ptree_freep) PTree *t = ptree_new();
	_cleanup_free_ char *by_id = NULL, *by_unit = NULL, *by_session = NULL, *none = NULL;
	PTreeSelect s = PTREE_SELECT_INIT;
	int r;

	TS_ASSERT(t);
	from("alpha", MACHINE_1, BOOT_A);
	TS_ASSERT_INT_EQ(feed_family(t), 0);

	/* the shell: its ancestors (not their other children), its descendants */
	s.process_id = "11@11";
	by_id = draw(t, &s, false, &r);
	TS_ASSERT_INT_EQ(r, 4);
	TS_ASSERT_STR_EQ(by_id, "PID USER START        LIFETIME EXIT COMMAND\n"
				"  1 ?    10:00:00.000 -        -    init\n"
				" 10 ?    10:00:01.000 -        -    `- login\n"
				" 11 ?    10:00:02.000 -        -       `- shell\n"
				" 12 ?    10:00:03.000 -        -          `- vim\n");

	/* the topmost match is the root; what matches below it is in its subtree,
	 * what does not match below it too */
	s = (PTreeSelect)PTREE_SELECT_INIT;
	s.unit = "user@*.service";
	by_unit = draw(t, &s, false, &r);
	TS_ASSERT_INT_EQ(r, 6);
	TS_ASSERT_STR_EQ(by_unit, "PID USER START        LIFETIME EXIT COMMAND\n"
				  " 10 ?    10:00:01.000 -        -    login\n"
				  " 11 ?    10:00:02.000 -        -    |- shell\n"
				  " 12 ?    10:00:03.000 -        -    |  `- vim\n"
				  " 13 ?    10:00:04.000 -        -    `- sibling\n"
				  " 21 ?    10:00:06.000 -        -    job\n"
				  " 22 ?    10:00:07.000 -        -    `- job-child\n");

	s = (PTreeSelect)PTREE_SELECT_INIT;
	s.session = 6;
	by_session = draw(t, &s, false, &r);
	TS_ASSERT_INT_EQ(r, 2);
	TS_ASSERT(strstr(by_session, " 21 ?    10:00:06.000 -        -    job\n"));

	s = (PTreeSelect)PTREE_SELECT_INIT;
	s.unit = "nothing*";
	none = draw(t, &s, false, &r);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_STR_EQ(none, "");

	s = (PTreeSelect)PTREE_SELECT_INIT;
	s.process_id = "11";
	TS_ASSERT_INT_EQ(ptree_print(t, stderr, &s, false), -EINVAL);
}

static json_t *child(json_t *node, size_t i)
{
	return json_array_get(json_object_get(node, "children"), i);
}

static void test_json(void)
{
	_cleanup_(ptree_freep) PTree *t = ptree_new();
	_cleanup_(json_decrefp) json_t *j = NULL, *hole = NULL;
	PTreeSelect s = PTREE_SELECT_INIT;
	json_t *g, *sshd, *bash, *sleep, *crasher, *p;

	TS_ASSERT(t);
	from("alpha", MACHINE_1, BOOT_A);
	TS_ASSERT_INT_EQ(feed_session(t), 0);
	j = ptree_json(t, NULL);
	TS_ASSERT(json_is_array(j));
	TS_ASSERT_INT_EQ(json_array_size(j), 1);
	g = json_array_get(j, 0);
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(g, "host")), "alpha");
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(g, "machine_id")), MACHINE_1);
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(g, "boot_id")), BOOT_A);
	TS_ASSERT_INT_EQ(json_array_size(json_object_get(g, "gaps")), 0);
	TS_ASSERT_INT_EQ(json_array_size(json_object_get(g, "processes")), 1);

	sshd = json_array_get(json_object_get(g, "processes"), 0);
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(sshd, "process_id")), "100@1000");
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(sshd, "cmdline")), "sshd: alice [priv]");
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(sshd, "start_usec")), T0);
	TS_ASSERT(json_is_true(json_object_get(sshd, "recorded")));
	/* running: no end, no exit */
	TS_ASSERT(!json_object_get(sshd, "end_usec"));
	TS_ASSERT(!json_object_get(sshd, "exit_code"));
	TS_ASSERT(!json_object_get(sshd, "lifetime_usec"));
	TS_ASSERT(!json_object_get(sshd, "parent_process_id"));
	TS_ASSERT_INT_EQ(json_array_size(json_object_get(sshd, "children")), 1);

	bash = child(sshd, 0);
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(bash, "process_id")), "200@2000");
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(bash, "parent_process_id")), "100@1000");
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(bash, "pid")), 200);
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(bash, "ppid")), 100);
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(bash, "comm")), "bash");
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(bash, "exe")), "/usr/bin/bash");
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(bash, "user")), "alice");
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(bash, "uid")), 1000);
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(bash, "login_user")), "alice");
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(bash, "session")), 3);
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(bash, "unit")), "session-3.scope");
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(bash, "end_usec")), T0 + 65 * SEC);
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(bash, "lifetime_usec")), 64900000);
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(bash, "exit_code")), 0);
	TS_ASSERT(!json_object_get(bash, "exit_signal"));
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(bash, "execs")), 1);
	TS_ASSERT_INT_EQ(json_array_size(json_object_get(bash, "children")), 3);

	sleep = child(bash, 0);
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(sleep, "cmdline")), "sleep 100");
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(sleep, "exit_signal")), 9);
	TS_ASSERT(!json_object_get(sleep, "exit_code"));
	TS_ASSERT_INT_EQ(json_array_size(json_object_get(sleep, "children")), 0);
	crasher = child(bash, 2);
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(crasher, "comm")), "crasher");
	TS_ASSERT(json_is_true(json_object_get(crasher, "core_dumped")));
	/* a fork copies the command line: the child that never ran another
	 * program keeps it */
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(crasher, "cmdline")), "-bash");

	/* a placeholder */
	TS_ASSERT_INT_EQ(PROC(t, T0 + 70 * SEC, "exec", "900@9000", "899@8990",
			      "CNPROCD_CMDLINE=x", "CNPROCD_ANCESTORS=tmux[899] < systemd[1]"),
			 0);
	s.pid = 900;
	hole = ptree_json(t, &s);
	TS_ASSERT(hole);
	p = json_array_get(json_object_get(json_array_get(hole, 0), "processes"), 0);
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(p, "process_id")), "899@8990");
	TS_ASSERT(json_is_false(json_object_get(p, "recorded")));
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(p, "comm")), "tmux");
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(p, "ancestors")), "systemd[1]");
	TS_ASSERT(!json_object_get(p, "start_usec"));
	TS_ASSERT(json_is_true(json_object_get(child(p, 0), "recorded")));
	/* only the first record's time known */
	TS_ASSERT(json_is_false(json_object_get(child(p, 0), "start_exact")));
	TS_ASSERT_INT_EQ(json_array_size(json_object_get(json_array_get(hole, 0), "processes")), 1);
}

/* episodes of loss said above the trees they overlap, once */
static void test_lost(void)
{
	_cleanup_(ptree_freep) PTree *t = ptree_new();
	_cleanup_free_ char *text = NULL, *later = NULL;
	_cleanup_(json_decrefp) json_t *j = NULL;
	PTreeSelect s = PTREE_SELECT_INIT;
	json_t *gap;
	int r;

	TS_ASSERT(t);
	from("alpha", MACHINE_1, BOOT_A);
	TS_ASSERT_INT_EQ(PROC(t, T0 + 60 * SEC, "fork", "100@1000", NULL, "CNPROCD_CMDLINE=a"), 0);
	TS_ASSERT_INT_EQ(PROC(t, T0 + 61 * SEC, "fork", "101@1010", "100@1000", "CNPROCD_CMDLINE=b"),
			 0);
	TS_ASSERT_INT_EQ(lost(t, T0 + 66 * SEC, 12, T0 + 62 * SEC + 300 * MS, T0 + 65 * SEC), 0);
	/* two reports of one storm: one episode */
	TS_ASSERT_INT_EQ(lost(t, T0 + 67 * SEC, 3, T0 + 65 * SEC + 500 * MS, T0 + 66 * SEC), 0);
	TS_ASSERT_INT_EQ(PROC(t, T0 + 70 * SEC, "exit", "101@1010", "100@1000",
			      "CNPROCD_EXIT_CODE=0", "CNPROCD_EXIT_SIGNAL=0"), 0);
	TS_ASSERT_INT_EQ(PROC(t, T0 + 71 * SEC, "exit", "100@1000", NULL, "CNPROCD_EXIT_CODE=0",
			      "CNPROCD_EXIT_SIGNAL=0"), 0);
	/* later, a rule's rate limit, and a process after both trees ended */
	TS_ASSERT_INT_EQ(feed(t, T0 + 3600 * SEC,
			      (const char *const[]){ "MESSAGE_ID=" CNPROCD_MESSAGE_SUPPRESSED,
						     "CNPROCD_SUPPRESSED=40", NULL }),
			 0);
	TS_ASSERT_INT_EQ(PROC(t, T0 + 3599 * SEC, "fork", "200@2000", NULL, "CNPROCD_CMDLINE=c"), 0);
	TS_ASSERT_INT_EQ(ptree_processes(t), 3);

	s.pid = 100;
	text = draw(t, &s, false, &r);
	TS_ASSERT_INT_EQ(r, 2);
	TS_ASSERT_STR_EQ(text, "! 15 events lost between 10:01:02 and 10:01:06: "
			       "the trail has holes there\n"
			       "PID USER START        LIFETIME EXIT COMMAND\n"
			       "100 ?    10:01:00.000 11s      0    a\n"
			       "101 ?    10:01:01.000 9s       0    `- b\n");

	s.pid = 200;
	later = draw(t, &s, false, &r);
	TS_ASSERT_INT_EQ(r, 1);
	TS_ASSERT_STR_EQ(later, "! 40 records suppressed by rate limits between 10:59:55 and 11:00:00: "
				"the trail has holes there\n"
				"PID USER START        LIFETIME EXIT COMMAND\n"
				"200 ?    10:59:59.000 -        -    c\n");

	j = ptree_json(t, NULL);
	TS_ASSERT(j);
	TS_ASSERT_INT_EQ(json_array_size(json_object_get(json_array_get(j, 0), "gaps")), 2);
	gap = json_array_get(json_object_get(json_array_get(j, 0), "gaps"), 0);
	TS_ASSERT_STR_EQ(json_string_value(json_object_get(gap, "kind")), "lost");
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(gap, "count")), 15);
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(gap, "start_usec")), T0 + 62300 * MS);
	TS_ASSERT_INT_EQ(json_integer_value(json_object_get(gap, "end_usec")), T0 + 66 * SEC);
}

/* a long command line: 4 KiB kept, cut between characters */
static void test_long_cmdline(void)
{
	_cleanup_(ptree_freep) PTree *t = ptree_new();
	_cleanup_(json_decrefp) json_t *j = NULL;
	_cleanup_free_ char *item = malloc(200000);
	const char *cmd;
	json_t *p;
	size_t n;

	TS_ASSERT(t && item);
	from("alpha", MACHINE_1, BOOT_A);
	n = (size_t)sprintf(item, "CNPROCD_CMDLINE=x");
	/* "é" (2 bytes) across the 4096th byte */
	for (; n < 128 * 1024; n += 2)
		memcpy(item + n, "\xc3\xa9", 2);
	item[n] = 0;
	TS_ASSERT_INT_EQ(PROC(t, T0, "exec", "100@1000", NULL, item), 0);
	TS_ASSERT_INT_EQ(PROC(t, T0 + 1 * SEC, "exit", "100@1000", NULL, item, "CNPROCD_EXIT_CODE=0"),
			 0);
	j = ptree_json(t, NULL);
	p = json_array_get(json_object_get(json_array_get(j, 0), "processes"), 0);
	cmd = json_string_value(json_object_get(p, "cmdline"));
	TS_ASSERT(cmd);
	TS_ASSERT_INT_EQ(strlen(cmd), 4095); /* "x" and 2047 "é" */
	TS_ASSERT(json_is_true(json_object_get(p, "cmdline_truncated")));
}

/* parent ids that make a cycle (a damaged journal): each drawn once, and the
 * walks end */
static void test_cycle(void)
{
	_cleanup_(ptree_freep) PTree *t = ptree_new();
	_cleanup_free_ char *text = NULL, *one = NULL;
	_cleanup_(json_decrefp) json_t *j = NULL;
	PTreeSelect s = PTREE_SELECT_INIT;
	int r;

	TS_ASSERT(t);
	from("alpha", MACHINE_1, BOOT_A);
	TS_ASSERT_INT_EQ(PROC(t, T0, "exec", "10@10", "11@11", "CNPROCD_CMDLINE=a"), 0);
	TS_ASSERT_INT_EQ(PROC(t, T0 + 1 * SEC, "exec", "11@11", "10@10", "CNPROCD_CMDLINE=b"), 0);
	text = draw(t, NULL, false, &r);
	TS_ASSERT_INT_EQ(r, 2);
	TS_ASSERT_STR_EQ(text, "PID USER START        LIFETIME EXIT COMMAND\n"
			       " 10 ?    10:00:00.000 -        -    a\n"
			       " 11 ?    10:00:01.000 -        -    `- b\n");
	s.process_id = "11@11";
	one = draw(t, &s, false, &r);
	TS_ASSERT_INT_EQ(r, 2);
	s = (PTreeSelect)PTREE_SELECT_INIT;
	s.unit = "*";
	TS_ASSERT_INT_EQ(ptree_print(t, stderr, &s, false), 0);
	s = (PTreeSelect)PTREE_SELECT_INIT;
	s.process_id = "x@1";
	errno = 0;
	j = ptree_json(t, &s);
	TS_ASSERT(!j);
	TS_ASSERT_INT_EQ(errno, EINVAL);
}

/* A fork chain as long as a user likes: drawn 100 levels deep at most, the
 * rest continued as roots of their own (the lines, and JSON's nesting, would
 * grow without bound; jansson frees and dumps nested values recursively). */
static void test_deep(void)
{
	_cleanup_(ptree_freep) PTree *t = ptree_new();
	_cleanup_(json_decrefp) json_t *j = NULL;
	_cleanup_free_ char *text = NULL;
	PTreeSelect s = PTREE_SELECT_INIT;
	enum { DEPTH = 100000 };
	char id[32], parent[32];
	size_t total = 0, i, depth;
	json_t *procs, *root, *p;
	char want[512];
	int r, n;

	TS_ASSERT(t);
	from("alpha", MACHINE_1, BOOT_A);
	for (int k = 1; k <= DEPTH; k++) {
		snprintf(id, sizeof(id), "%d@%d", k, k);
		snprintf(parent, sizeof(parent), "%d@%d", k - 1, k - 1);
		TS_ASSERT_INT_EQ(PROC(t, T0 + (uint64_t)k, "fork", id, k > 1 ? parent : NULL,
				      "CNPROCD_COMM=sh"),
				 0);
	}
	TS_ASSERT_INT_EQ(ptree_processes(t), DEPTH);
	j = ptree_json(t, NULL);
	TS_ASSERT(j);
	procs = json_object_get(json_array_get(j, 0), "processes");
	/* 101 levels a root: the first one, and 990 continuing */
	TS_ASSERT_INT_EQ(json_array_size(procs), (DEPTH + 100) / 101);
	json_array_foreach(procs, i, root) {
		TS_ASSERT(json_is_true(json_object_get(root, "continued")) == (i > 0));
		TS_ASSERT_INT_EQ(json_integer_value(json_object_get(root, "pid")), i * 101 + 1);
		depth = 0;
		for (p = root; p; p = json_array_get(json_object_get(p, "children"), 0))
			depth++;
		TS_ASSERT(depth <= 101);
		total += depth;
	}
	TS_ASSERT_INT_EQ(total, DEPTH);

	s.process_id = "150@150";
	text = draw(t, &s, false, &r);
	TS_ASSERT_INT_EQ(r, DEPTH);
	/* 101 is at depth 100, its child continues as a root */
	TS_ASSERT(strstr(text, "\n   102 ?    10:00:00.000 -        -    "
			       "... [sh] (continued under 101)\n"));
	n = snprintf(want, sizeof(want), "\n   101 ?    10:00:00.000 -        -    ");
	memset(want + n, ' ', 99 * 3);
	strcpy(want + n + 99 * 3, "`- [sh]\n");
	TS_ASSERT(strstr(text, want));
	TS_ASSERT(!strstr(text, "\n   102 ?    10:00:00.000 -        -                  "));
}

int main(void)
{
	/* times as UTC, whatever the machine's zone */
	setenv("TZ", "UTC", 1);
	tzset();
	RUN_TEST(test_three_levels);
	RUN_TEST(test_pid_reuse);
	RUN_TEST(test_holes);
	RUN_TEST(test_machines_and_boots);
	RUN_TEST(test_select);
	RUN_TEST(test_json);
	RUN_TEST(test_lost);
	RUN_TEST(test_long_cmdline);
	RUN_TEST(test_cycle);
	RUN_TEST(test_deep);
	return TEST_EXIT();
}
