/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The process table against a fake /proc tree built in a temp dir: scan, events,
 * removal, the size bound, and a hash map stress of 50,000 pids.
 */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cnproc.h"
#include "procfs.h"
#include "proctable.h"
#include "fakeproc.h"
#include "tempfiles.h"
#include "test.h"

#define NO_PROC "/nonexistent-cnprocd-test-proc"

/* argv with an empty argument, as /proc/PID/cmdline has it (trailing NUL) */
#define FOO_ARGV "/usr/bin/foo\0--bar\0\0baz\0"
#define FOO_ARGV_LEN (sizeof(FOO_ARGV) - 1)
#define SH_ARGV "sh\0-c\0echo hi\0"
#define SH_ARGV_LEN (sizeof(SH_ARGV) - 1)
#define BAR_ARGV "bar\0x\0"
#define BAR_ARGV_LEN (sizeof(BAR_ARGV) - 1)

#define CG_FOO "0::/system.slice/foo.service\n"
#define CG_BAR_PATH "/user.slice/user-1000.slice/user@1000.service/app.slice/bar.service"
#define CG_BAR "12:cpu:/\n1:name=systemd:" CG_BAR_PATH "\n0::/\n"

static const FakeProc P100 = {
	.pid = 100, .comm = "foo", .state = 'S', .ppid = 1,
	.ruid = 1000, .euid = 1000, .rgid = 1000, .egid = 1000,
	.argv = FOO_ARGV, .argv_len = FOO_ARGV_LEN,
	.cgroup = CG_FOO, .exe = "/usr/bin/foo", .starttime = 5000,
};

static const FakeProc P200 = {
	.pid = 200, .comm = "a) b", .state = 'R', .ppid = 100,
	.ruid = 1000, .euid = 0, .rgid = 100, .egid = 101,
	.argv = SH_ARGV, .argv_len = SH_ARGV_LEN,
	.cgroup = CG_BAR, .exe = "/bin/sh", .starttime = 6000,
};

static const FakeProc P300_ZOMBIE = {
	.pid = 300, .comm = "defunct", .state = 'Z', .ppid = 100,
	.ruid = 1000, .euid = 1000, .rgid = 1000, .egid = 1000,
	.argv = "", .argv_len = 0, .cgroup = CG_FOO, .exe = NULL, .starttime = 6100,
};

static const FakeProc P310_DEAD = {
	.pid = 310, .comm = "dead", .state = 'X', .ppid = 100,
	.ruid = 1000, .euid = 1000, .rgid = 1000, .egid = 1000,
	.argv = "", .argv_len = 0, .cgroup = CG_FOO, .exe = NULL, .starttime = 6200,
};

static const FakeProc P400_KTHREAD = {
	.pid = 400, .comm = "kworker/0:1", .state = 'I', .ppid = 2,
	.ruid = 0, .euid = 0, .rgid = 0, .egid = 0,
	.argv = "", .argv_len = 0, .cgroup = "0::/\n", .exe = NULL, .starttime = 10,
};

/* The standard tree: 100, 200 and kernel thread 400 alive; zombie 300; dead 310;
 * 500 vanished (dir without files); entries that are no pids. */
static int fake_root_setup(char root[static 64])
{
	char path[PATH_MAX];

	snprintf(root, 64, "/tmp/cnprocd-test-proctable-XXXXXX");
	if (!mkdtemp(root))
		return -errno;
	remember_root(root);
	if (fake_proc_add(root, &P100) < 0 || fake_proc_add(root, &P200) < 0 ||
	    fake_proc_add(root, &P300_ZOMBIE) < 0 ||
	    fake_proc_add(root, &P310_DEAD) < 0 ||
	    fake_proc_add(root, &P400_KTHREAD) < 0)
		return -EIO;
	if (make_dir(root, "500") < 0 || make_dir(root, "sys") < 0 ||
	    make_dir(root, "12abc") < 0 || make_dir(root, "0") < 0 ||
	    make_dir(root, "-5") < 0)
		return -EIO;
	/* a non-pid dir holding a valid process: must still be skipped */
	snprintf(path, sizeof(path), "%s/12abc", root);
	if (write_file(path, "stat", "12 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1\n",
		       strlen("12 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1\n")) < 0)
		return -EIO;
	snprintf(path, sizeof(path), "%s/self", root);
	if (symlink("100", path) < 0)
		return -errno;
	return 0;
}

static bool start_close_to(uint64_t got, unsigned long long ticks)
{
	uint64_t want = procfs_ticks_to_monotonic_ns(ticks);
	uint64_t d = got > want ? got - want : want - got;

	return d < 1000000; /* 1 ms: the clocks are sampled at different times */
}

static bool argv_eq(const Process *p, const char *argv, size_t len)
{
	return p->argv_len == len && (len == 0 || memcmp(p->argv, argv, len) == 0);
}

/* --- scan --- */

typedef struct PidSet {
	pid_t pids[16];
	size_t n;
} PidSet;

static int collect(const Process *p, void *userdata)
{
	PidSet *s = userdata;

	if (s->n < 16)
		s->pids[s->n] = p->pid;
	s->n++;
	return 0;
}

static bool pidset_has(const PidSet *s, pid_t pid)
{
	for (size_t i = 0; i < s->n && i < 16; i++)
		if (s->pids[i] == pid)
			return true;
	return false;
}

static void test_scan(void)
{
	char root[64];
	ProcTable *t = NULL;
	const ProcTableStats *st;
	const Process *p;
	PidSet set = {};

	TS_ASSERT_INT_EQ(fake_root_setup(root), 0);
	TS_ASSERT_INT_EQ(proctable_new(root, 0, &t), 0);

	TS_ASSERT_INT_EQ(proctable_scan(t), 3);
	TS_ASSERT_INT_EQ(proctable_size(t), 3);
	TS_ASSERT_INT_EQ(proctable_foreach(t, collect, &set), 0);
	TS_ASSERT_INT_EQ(set.n, 3);
	TS_ASSERT(pidset_has(&set, 100));
	TS_ASSERT(pidset_has(&set, 200));
	TS_ASSERT(pidset_has(&set, 400));
	TS_ASSERT(!proctable_get(t, 300)); /* zombie */
	TS_ASSERT(!proctable_get(t, 310)); /* dead */
	TS_ASSERT(!proctable_get(t, 500)); /* vanished */
	TS_ASSERT(!proctable_get(t, 12));
	TS_ASSERT(!proctable_get(t, 0));

	st = proctable_stats(t);
	TS_ASSERT_INT_EQ(st->n_scans, 1);
	TS_ASSERT_INT_EQ(st->n_added, 3);
	TS_ASSERT_INT_EQ(st->n_removed, 0);
	TS_ASSERT_INT_EQ(st->n_full, 0);
	/* the zombie and the dead one count as gone, like the empty directory */
	TS_ASSERT_INT_EQ(st->n_vanished, 3);

	p = proctable_get(t, 100);
	TS_ASSERT(p);
	TS_ASSERT_INT_EQ(p->pid, 100);
	TS_ASSERT_STR_EQ(p->comm, "foo");
	TS_ASSERT_INT_EQ(p->ppid, 1);
	TS_ASSERT_INT_EQ(p->uid, 1000);
	TS_ASSERT_INT_EQ(p->euid, 1000);
	TS_ASSERT_INT_EQ(p->gid, 1000);
	TS_ASSERT_INT_EQ(p->egid, 1000);
	TS_ASSERT(argv_eq(p, FOO_ARGV, FOO_ARGV_LEN));
	TS_ASSERT(!p->argv_truncated);
	TS_ASSERT_STR_EQ(p->exe, "/usr/bin/foo");
	TS_ASSERT_STR_EQ(p->cgroup, "/system.slice/foo.service");
	TS_ASSERT_STR_EQ(p->unit, "foo.service");
	TS_ASSERT_INT_EQ(p->origin, PROC_ORIGIN_SCANNED);
	TS_ASSERT_INT_EQ(p->state, 'S');
	TS_ASSERT(!p->kernel_thread);
	TS_ASSERT(!p->exec_seen);
	TS_ASSERT(start_close_to(p->start_ns, P100.starttime));

	p = proctable_get(t, 200);
	TS_ASSERT(p);
	TS_ASSERT_STR_EQ(p->comm, "a) b");
	TS_ASSERT_INT_EQ(p->ppid, 100);
	TS_ASSERT_INT_EQ(p->uid, 1000);
	TS_ASSERT_INT_EQ(p->euid, 0);
	TS_ASSERT_INT_EQ(p->gid, 100);
	TS_ASSERT_INT_EQ(p->egid, 101);
	TS_ASSERT(argv_eq(p, SH_ARGV, SH_ARGV_LEN));
	TS_ASSERT_STR_EQ(p->exe, "/bin/sh");
	TS_ASSERT_STR_EQ(p->cgroup, CG_BAR_PATH);
	TS_ASSERT_STR_EQ(p->unit, "bar.service");
	TS_ASSERT_INT_EQ(p->state, 'R');
	TS_ASSERT(start_close_to(p->start_ns, P200.starttime));

	p = proctable_get(t, 400);
	TS_ASSERT(p);
	TS_ASSERT_STR_EQ(p->comm, "kworker/0:1");
	TS_ASSERT(p->kernel_thread);
	TS_ASSERT(!p->exe);
	TS_ASSERT_INT_EQ(p->argv_len, 0);
	TS_ASSERT_STR_EQ(p->cgroup, "/");
	TS_ASSERT(!p->unit);
	TS_ASSERT_INT_EQ(p->uid, 0);

	proctable_free(t);
	rm_rf(root);
}

static void test_rescan_keeps_known(void)
{
	char root[64];
	ProcTable *t = NULL;
	FakeProc changed = P100;
	FakeProc p600 = P100;
	const Process *p;

	TS_ASSERT_INT_EQ(fake_root_setup(root), 0);
	TS_ASSERT_INT_EQ(proctable_new(root, 0, &t), 0);
	TS_ASSERT_INT_EQ(proctable_scan(t), 3);

	/* known entries are not re-read; only new ones are added */
	changed.comm = "changed";
	p600.pid = 600;
	p600.comm = "late";
	TS_ASSERT_INT_EQ(fake_proc_add(root, &changed), 0);
	TS_ASSERT_INT_EQ(fake_proc_add(root, &p600), 0);
	TS_ASSERT_INT_EQ(proctable_scan(t), 1);
	TS_ASSERT_INT_EQ(proctable_size(t), 4);
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_scans, 2);
	p = proctable_get(t, 100);
	TS_ASSERT(p);
	TS_ASSERT_STR_EQ(p->comm, "foo");
	p = proctable_get(t, 600);
	TS_ASSERT(p);
	TS_ASSERT_STR_EQ(p->comm, "late");
	TS_ASSERT_INT_EQ(p->origin, PROC_ORIGIN_SCANNED);
	proctable_free(t);
	rm_rf(root);

	/* no such root */
	TS_ASSERT_INT_EQ(proctable_new(NO_PROC, 0, &t), 0);
	TS_ASSERT(proctable_scan(t) < 0);
	TS_ASSERT_INT_EQ(proctable_size(t), 0);
	proctable_free(t);
}

/* --- events --- */

/* The event timestamp of a process that /proc says started at ticks: /proc data
 * read after an event is checked against the event's start time. */
static uint64_t ticks_ns(unsigned long long ticks)
{
	return procfs_ticks_to_monotonic_ns(ticks);
}

static ProcEvent fork_event(pid_t child, pid_t child_tgid, pid_t parent, uint64_t ts)
{
	return (ProcEvent){
		.type = PROC_EV_FORK,
		.timestamp_ns = ts,
		.pid = child,
		.tgid = child_tgid,
		.fork = { .parent_pid = parent, .parent_tgid = parent },
	};
}

/* An exec changes uids and gids only through a set-user/group-ID file: for a
 * plain one the table keeps what fork and id events said (status is not read),
 * for a set-ID one status is read. */
static void test_exec_setid(void)
{
	char root[64], plain[PATH_MAX], setuid_exe[PATH_MAX];
	ProcTable *t = NULL;
	FakeProc c = P100;
	ProcEvent ev;
	Process *p;
	uint64_t ts;

	TS_ASSERT_INT_EQ(fake_root_setup(root), 0);
	TS_ASSERT_INT_EQ(proctable_new(root, 0, &t), 0);
	TS_ASSERT_INT_EQ(proctable_scan(t), 3);
	snprintf(plain, sizeof(plain), "%s/plain-exe", root);
	snprintf(setuid_exe, sizeof(setuid_exe), "%s/setuid-exe", root);
	TS_ASSERT_INT_EQ(write_file(root, "plain-exe", "x", 1), 0);
	TS_ASSERT_INT_EQ(write_file(root, "setuid-exe", "x", 1), 0);
	TS_ASSERT_INT_EQ(chmod(plain, 0755), 0);
	TS_ASSERT_INT_EQ(chmod(setuid_exe, 04755), 0);

	/* 100 (uid 1000) forks 1000, which execs a plain file: /proc's status would
	 * say euid 0 (as if from a set-ID file) but is not even read */
	ts = ticks_ns(7000);
	ev = fork_event(1000, 1000, 100, ts);
	TS_ASSERT(proctable_apply(t, &ev));
	c.pid = 1000;
	c.euid = 0;
	c.egid = 0;
	c.starttime = 7000;
	c.exe = plain;
	TS_ASSERT_INT_EQ(fake_proc_add(root, &c), 0);
	ev = (ProcEvent){ .type = PROC_EV_EXEC, .timestamp_ns = ts + 1, .pid = 1000,
			  .tgid = 1000 };
	p = proctable_apply(t, &ev);
	TS_ASSERT(p && !p->unread);
	TS_ASSERT_STR_EQ(p->exe, plain);
	TS_ASSERT_INT_EQ(p->euid, 1000);
	TS_ASSERT_INT_EQ(p->egid, 1000);

	/* the same with a set-user-ID file: status is read, euid 0 */
	c.exe = setuid_exe;
	TS_ASSERT_INT_EQ(fake_proc_add(root, &c), 0);
	p = proctable_apply(t, &ev);
	TS_ASSERT(p && !p->unread);
	TS_ASSERT_INT_EQ(p->euid, 0);
	TS_ASSERT_INT_EQ(p->egid, 0);
	TS_ASSERT_INT_EQ(p->uid, 1000);

	proctable_free(t);
	rm_rf(root);
}

/* An exec is reported for a process whose pid another process has taken by the
 * time /proc is read (a fork burst cycles pids fast): the newcomer's data must not
 * be attributed to it. */
static void test_exec_pid_reused(void)
{
	char root[64];
	ProcTable *t = NULL;
	FakeProc c = P100;
	ProcEvent ev;
	Process *p;

	TS_ASSERT_INT_EQ(fake_root_setup(root), 0);
	TS_ASSERT_INT_EQ(proctable_new(root, 0, &t), 0);
	TS_ASSERT_INT_EQ(proctable_scan(t), 3);
	ev = fork_event(1000, 1000, 100, ticks_ns(7000));
	TS_ASSERT(proctable_apply(t, &ev));

	/* /proc/1000 is now a process that started 5 s later */
	c.pid = 1000;
	c.comm = "newcomer";
	c.exe = "/usr/bin/newcomer";
	c.starttime = 7500;
	TS_ASSERT_INT_EQ(fake_proc_add(root, &c), 0);
	ev = (ProcEvent){ .type = PROC_EV_EXEC, .timestamp_ns = ticks_ns(7001), .pid = 1000,
			  .tgid = 1000 };
	p = proctable_apply(t, &ev);
	TS_ASSERT(p);
	TS_ASSERT(p->unread);
	TS_ASSERT(p->exe == NULL);
	TS_ASSERT(p->argv == NULL);
	/* neither the newcomer's name nor the one fork copied from the parent: the
	 * exec replaced that, and what with is unknown (issue 12) */
	TS_ASSERT_STR_EQ(p->comm, "");
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_mismatch, 1);

	/* within /proc's tick resolution it is the same process */
	c.starttime = 7001;
	TS_ASSERT_INT_EQ(fake_proc_add(root, &c), 0);
	p = proctable_apply(t, &ev);
	TS_ASSERT(p && !p->unread);
	TS_ASSERT_STR_EQ(p->exe, "/usr/bin/newcomer");
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_mismatch, 1);

	proctable_free(t);
	rm_rf(root);
}

static void test_fork_inherits(void)
{
	char root[64];
	ProcTable *t = NULL;
	const Process *parent;
	Process *p;
	ProcEvent ev;
	uint64_t start;
	uint64_t vanished;

	TS_ASSERT_INT_EQ(fake_root_setup(root), 0);
	TS_ASSERT_INT_EQ(proctable_new(root, 0, &t), 0);
	TS_ASSERT_INT_EQ(proctable_scan(t), 3);
	parent = proctable_get(t, 100);
	TS_ASSERT(parent);
	vanished = proctable_stats(t)->n_vanished;

	/* child 1000 has no /proc dir: everything comes from the parent */
	ev = fork_event(1000, 1000, 100, 123456789);
	p = proctable_apply(t, &ev);
	TS_ASSERT(p);
	TS_ASSERT(p == proctable_get(t, 1000));
	TS_ASSERT_INT_EQ(proctable_size(t), 4);
	TS_ASSERT_INT_EQ(p->pid, 1000);
	TS_ASSERT_INT_EQ(p->origin, PROC_ORIGIN_FORK);
	TS_ASSERT_INT_EQ(p->ppid, 100);
	TS_ASSERT_INT_EQ(p->start_ns, 123456789);
	TS_ASSERT_STR_EQ(p->comm, "foo");
	TS_ASSERT_STR_EQ(p->exe, "/usr/bin/foo");
	/* shared with the parent, not copied (an exec of either replaces its own) */
	TS_ASSERT(p->exe == parent->exe);
	TS_ASSERT(argv_eq(p, FOO_ARGV, FOO_ARGV_LEN));
	TS_ASSERT(p->argv == parent->argv);
	TS_ASSERT(p->cgroup == parent->cgroup);
	TS_ASSERT_STR_EQ(p->cgroup, "/system.slice/foo.service");
	TS_ASSERT_STR_EQ(p->unit, "foo.service");
	TS_ASSERT_INT_EQ(p->uid, 1000);
	TS_ASSERT_INT_EQ(p->euid, 1000);
	TS_ASSERT_INT_EQ(p->gid, 1000);
	TS_ASSERT_INT_EQ(p->egid, 1000);
	TS_ASSERT(!p->exec_seen);
	/* /proc was not consulted */
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_vanished, vanished);

	/* the parent is untouched */
	TS_ASSERT_INT_EQ(parent->origin, PROC_ORIGIN_SCANNED);
	TS_ASSERT_INT_EQ(parent->ppid, 1);

	/* a new thread of 100 (pid 1001, tgid 100): no entry of its own */
	ev = fork_event(1001, 100, 100, 123456790);
	p = proctable_apply(t, &ev);
	TS_ASSERT(p == parent);
	TS_ASSERT(!proctable_get(t, 1001));
	TS_ASSERT_INT_EQ(proctable_size(t), 4);
	TS_ASSERT_INT_EQ(parent->origin, PROC_ORIGIN_SCANNED);

	/* unknown parent, child without /proc dir: created, /proc tried */
	ev = fork_event(1002, 1002, 9999, 5);
	p = proctable_apply(t, &ev);
	TS_ASSERT(p);
	TS_ASSERT_INT_EQ(p->origin, PROC_ORIGIN_FORK);
	TS_ASSERT_INT_EQ(p->ppid, 9999);
	TS_ASSERT_INT_EQ(p->start_ns, 5);
	TS_ASSERT_STR_EQ(p->comm, "");
	TS_ASSERT(!p->exe);
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_vanished, vanished + 1);

	/* unknown parent, child in /proc: read from there */
	{
		FakeProc c = P100;

		c.pid = 1003;
		c.comm = "fromproc";
		c.ppid = 9999;
		TS_ASSERT_INT_EQ(fake_proc_add(root, &c), 0);
	}
	start = ticks_ns(P100.starttime) + 77;
	ev = fork_event(1003, 1003, 9999, start);
	p = proctable_apply(t, &ev);
	TS_ASSERT(p);
	TS_ASSERT_STR_EQ(p->comm, "fromproc");
	TS_ASSERT_STR_EQ(p->exe, "/usr/bin/foo");
	/* the event's time, not /proc's (which has only tick resolution) */
	TS_ASSERT_INT_EQ(p->start_ns, start);

	/* fork event of an entry the scan already found (same start time, within
	 * /proc's tick resolution): the event wins on origin, parent and start time;
	 * the data read from /proc is kept */
	start = proctable_get(t, 200)->start_ns;
	ev = fork_event(200, 200, 100, start + 5 * 1000 * 1000);
	p = proctable_apply(t, &ev);
	TS_ASSERT(p == proctable_get(t, 200));
	TS_ASSERT_INT_EQ(p->origin, PROC_ORIGIN_FORK);
	TS_ASSERT_INT_EQ(p->start_ns, start + 5 * 1000 * 1000);
	TS_ASSERT_STR_EQ(p->comm, "a) b");
	TS_ASSERT_STR_EQ(p->unit, "bar.service");
	TS_ASSERT_INT_EQ(proctable_size(t), 6);
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_reused, 0);

	/* a fork under the pid of an entry that started long before: its exit was
	 * lost and the pid reused; the child inherits from its parent, not from
	 * the dead process */
	ev = fork_event(200, 200, 100, start + 10ULL * 1000 * 1000 * 1000);
	p = proctable_apply(t, &ev);
	TS_ASSERT(p == proctable_get(t, 200));
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_reused, 1);
	TS_ASSERT_STR_EQ(p->comm, proctable_get(t, 100)->comm);
	TS_ASSERT_STR_EQ(p->exe, "/usr/bin/foo");
	TS_ASSERT_STR_EQ(p->unit, proctable_get(t, 100)->unit);
	TS_ASSERT_INT_EQ(p->start_ns, start + 10ULL * 1000 * 1000 * 1000);
	TS_ASSERT_INT_EQ(proctable_size(t), 6);

	proctable_free(t);
	rm_rf(root);
}

static void test_exec_refreshes(void)
{
	char root[64];
	ProcTable *t = NULL;
	FakeProc c = P100;
	ProcEvent ev;
	Process *p;
	uint64_t vanished, fork_ts;

	TS_ASSERT_INT_EQ(fake_root_setup(root), 0);
	TS_ASSERT_INT_EQ(proctable_new(root, 0, &t), 0);
	TS_ASSERT_INT_EQ(proctable_scan(t), 3);

	fork_ts = ticks_ns(7000) + 123;
	ev = fork_event(1000, 1000, 100, fork_ts);
	TS_ASSERT(proctable_apply(t, &ev));

	/* the child execs: its /proc dir now shows the new program */
	c.pid = 1000;
	c.comm = "bar";
	c.ppid = 100;
	c.argv = BAR_ARGV;
	c.argv_len = BAR_ARGV_LEN;
	c.exe = "/usr/bin/bar";
	c.cgroup = CG_BAR;
	c.starttime = 7000;
	TS_ASSERT_INT_EQ(fake_proc_add(root, &c), 0);

	ev = (ProcEvent){ .type = PROC_EV_EXEC, .timestamp_ns = 123999999, .pid = 1000,
			  .tgid = 1000 };
	p = proctable_apply(t, &ev);
	TS_ASSERT(p);
	TS_ASSERT(p == proctable_get(t, 1000));
	TS_ASSERT(p->exec_seen);
	TS_ASSERT_STR_EQ(p->comm, "bar");
	TS_ASSERT(argv_eq(p, BAR_ARGV, BAR_ARGV_LEN));
	TS_ASSERT_STR_EQ(p->exe, "/usr/bin/bar");
	TS_ASSERT_STR_EQ(p->unit, "bar.service");
	TS_ASSERT_INT_EQ(p->origin, PROC_ORIGIN_FORK);
	TS_ASSERT_INT_EQ(p->start_ns, fork_ts); /* the fork's, kept */
	TS_ASSERT_INT_EQ(proctable_size(t), 4);

	/* the parent's data is not affected by the child's exec */
	TS_ASSERT_STR_EQ(proctable_get(t, 100)->exe, "/usr/bin/foo");
	TS_ASSERT(argv_eq(proctable_get(t, 100), FOO_ARGV, FOO_ARGV_LEN));

	/* exec of an unknown process (its fork was missed): origin exec, start from
	 * /proc */
	c.pid = 600;
	c.comm = "missed";
	c.starttime = 6500;
	TS_ASSERT_INT_EQ(fake_proc_add(root, &c), 0);
	ev = (ProcEvent){ .type = PROC_EV_EXEC, .timestamp_ns = 1, .pid = 600,
			  .tgid = 600 };
	p = proctable_apply(t, &ev);
	TS_ASSERT(p);
	TS_ASSERT_INT_EQ(p->origin, PROC_ORIGIN_EXEC);
	TS_ASSERT(p->exec_seen);
	TS_ASSERT_STR_EQ(p->comm, "missed");
	TS_ASSERT(start_close_to(p->start_ns, 6500));

	/* exec of a process already gone: what it ran before is no longer true, so
	 * exe and argv are dropped and the entry is marked unread, not mislabelled */
	vanished = proctable_stats(t)->n_vanished;
	TS_ASSERT(!p->unread);
	ev = (ProcEvent){ .type = PROC_EV_EXEC, .timestamp_ns = 2, .pid = 1000,
			  .tgid = 1000 };
	rm_rf(root);
	p = proctable_apply(t, &ev);
	TS_ASSERT(p);
	TS_ASSERT(p->unread);
	TS_ASSERT(p->exe == NULL);
	TS_ASSERT(p->argv == NULL);
	TS_ASSERT_INT_EQ(p->argv_len, 0);
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_vanished, vanished + 1);

	proctable_free(t);
}

static void test_id_comm_events(void)
{
	char root[64];
	ProcTable *t = NULL;
	ProcEvent ev;
	Process *p, *p100;

	TS_ASSERT_INT_EQ(fake_root_setup(root), 0);
	TS_ASSERT_INT_EQ(proctable_new(root, 0, &t), 0);
	TS_ASSERT_INT_EQ(proctable_scan(t), 3);
	p100 = proctable_get(t, 100);
	TS_ASSERT(p100);

	ev = (ProcEvent){ .type = PROC_EV_UID, .pid = 100, .tgid = 100,
			  .id = { .real = 4242, .effective = 4343 } };
	TS_ASSERT(proctable_apply(t, &ev) == p100);
	TS_ASSERT_INT_EQ(p100->uid, 4242);
	TS_ASSERT_INT_EQ(p100->euid, 4343);
	TS_ASSERT_INT_EQ(p100->gid, 1000);

	ev = (ProcEvent){ .type = PROC_EV_GID, .pid = 100, .tgid = 100,
			  .id = { .real = 55, .effective = 66 } };
	TS_ASSERT(proctable_apply(t, &ev) == p100);
	TS_ASSERT_INT_EQ(p100->gid, 55);
	TS_ASSERT_INT_EQ(p100->egid, 66);
	TS_ASSERT_INT_EQ(p100->uid, 4242);

	ev = (ProcEvent){ .type = PROC_EV_COMM, .pid = 100, .tgid = 100,
			  .comm = { .comm = "renamed" } };
	TS_ASSERT(proctable_apply(t, &ev) == p100);
	TS_ASSERT_STR_EQ(p100->comm, "renamed");

	ev = (ProcEvent){ .type = PROC_EV_COMM, .pid = 100, .tgid = 100,
			  .comm = { .comm = "123456789012345" } };
	TS_ASSERT(proctable_apply(t, &ev) == p100);
	TS_ASSERT_STR_EQ(p100->comm, "123456789012345");

	/* a thread (pid 1001 of 100) changing its own ids or name: the process
	 * entry is returned but keeps the leader's values */
	ev = (ProcEvent){ .type = PROC_EV_UID, .pid = 1001, .tgid = 100,
			  .id = { .real = 7, .effective = 7 } };
	TS_ASSERT(proctable_apply(t, &ev) == p100);
	TS_ASSERT_INT_EQ(p100->uid, 4242);
	TS_ASSERT_INT_EQ(p100->euid, 4343);
	ev = (ProcEvent){ .type = PROC_EV_GID, .pid = 1001, .tgid = 100,
			  .id = { .real = 7, .effective = 7 } };
	TS_ASSERT(proctable_apply(t, &ev) == p100);
	TS_ASSERT_INT_EQ(p100->gid, 55);
	ev = (ProcEvent){ .type = PROC_EV_COMM, .pid = 1001, .tgid = 100,
			  .comm = { .comm = "worker-thread" } };
	TS_ASSERT(proctable_apply(t, &ev) == p100);
	TS_ASSERT_STR_EQ(p100->comm, "123456789012345");
	TS_ASSERT(!proctable_get(t, 1001));
	TS_ASSERT_INT_EQ(proctable_size(t), 3);

	/* an event about a process not yet known: created from /proc */
	{
		FakeProc c = P100;

		c.pid = 700;
		c.comm = "sid-setter";
		TS_ASSERT_INT_EQ(fake_proc_add(root, &c), 0);
	}
	ev = (ProcEvent){ .type = PROC_EV_SID, .pid = 700, .tgid = 700 };
	p = proctable_apply(t, &ev);
	TS_ASSERT(p);
	TS_ASSERT_INT_EQ(p->origin, PROC_ORIGIN_EVENT);
	TS_ASSERT_STR_EQ(p->comm, "sid-setter");
	TS_ASSERT_STR_EQ(p->unit, "foo.service");

	/* UID event of an unknown process: /proc first, then the event's ids win */
	{
		FakeProc c = P100;

		c.pid = 701;
		TS_ASSERT_INT_EQ(fake_proc_add(root, &c), 0);
	}
	ev = (ProcEvent){ .type = PROC_EV_UID, .pid = 701, .tgid = 701,
			  .id = { .real = 0, .effective = 0 } };
	p = proctable_apply(t, &ev);
	TS_ASSERT(p);
	TS_ASSERT_INT_EQ(p->uid, 0);
	TS_ASSERT_INT_EQ(p->euid, 0);
	TS_ASSERT_STR_EQ(p->comm, "foo");
	TS_ASSERT(!p->ephemeral);

	/* ... and of one /proc does not have (gone already): an entry for this event
	 * only, which the caller removes once it is handled */
	ev = (ProcEvent){ .type = PROC_EV_UID, .pid = 702, .tgid = 702,
			  .id = { .real = 5, .effective = 5 } };
	p = proctable_apply(t, &ev);
	TS_ASSERT(p);
	TS_ASSERT(p->ephemeral);
	TS_ASSERT_INT_EQ(p->euid, 5);
	proctable_remove(t, 702);

	/* ACK: about no process */
	ev = (ProcEvent){ .type = PROC_EV_NONE };
	TS_ASSERT(!proctable_apply(t, &ev));
	TS_ASSERT_INT_EQ(proctable_size(t), 5);

	proctable_free(t);
	rm_rf(root);
}

static void test_exit_and_remove(void)
{
	char root[64];
	ProcTable *t = NULL;
	ProcEvent ev;
	Process *p;
	uint64_t vanished;

	TS_ASSERT_INT_EQ(fake_root_setup(root), 0);
	TS_ASSERT_INT_EQ(proctable_new(root, 0, &t), 0);
	TS_ASSERT_INT_EQ(proctable_scan(t), 3);
	ev = fork_event(1000, 1000, 100, 1000);
	TS_ASSERT(proctable_apply(t, &ev));
	TS_ASSERT_INT_EQ(proctable_size(t), 4);

	/* a thread of 100 exits: the process stays, its parent unchanged */
	ev = (ProcEvent){ .type = PROC_EV_EXIT, .pid = 1001, .tgid = 100,
			  .exit = { .parent_pid = 55, .parent_tgid = 55 } };
	p = proctable_apply(t, &ev);
	TS_ASSERT(p == proctable_get(t, 100));
	TS_ASSERT_INT_EQ(p->ppid, 1);
	TS_ASSERT_INT_EQ(proctable_size(t), 4);

	/* the process exits: the entry is still there to be reported */
	ev = (ProcEvent){ .type = PROC_EV_EXIT, .timestamp_ns = 2000, .pid = 1000,
			  .tgid = 1000, .exit = { .parent_pid = 1, .parent_tgid = 1 } };
	p = proctable_apply(t, &ev);
	TS_ASSERT(p);
	TS_ASSERT(p == proctable_get(t, 1000));
	TS_ASSERT_STR_EQ(p->comm, "foo");
	TS_ASSERT_INT_EQ(p->ppid, 1); /* reparented, as the event says */
	TS_ASSERT_INT_EQ(proctable_size(t), 4);
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_removed, 0);

	proctable_remove(t, 1000);
	TS_ASSERT(!proctable_get(t, 1000));
	TS_ASSERT_INT_EQ(proctable_size(t), 3);
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_removed, 1);
	/* others unaffected */
	TS_ASSERT(proctable_get(t, 100));
	TS_ASSERT(proctable_get(t, 200));
	TS_ASSERT(proctable_get(t, 400));

	/* removing an absent pid is a no-op */
	proctable_remove(t, 1000);
	proctable_remove(t, 424242);
	TS_ASSERT_INT_EQ(proctable_size(t), 3);
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_removed, 1);

	/* exit of a process never seen: an entry to report, no /proc read (the pid
	 * may already belong to someone else) */
	vanished = proctable_stats(t)->n_vanished;
	ev = (ProcEvent){ .type = PROC_EV_EXIT, .pid = 100, .tgid = 100 };
	proctable_remove(t, 100);
	p = proctable_apply(t, &ev);
	TS_ASSERT(p);
	TS_ASSERT_INT_EQ(p->origin, PROC_ORIGIN_EVENT);
	TS_ASSERT_STR_EQ(p->comm, ""); /* not read from the (stale) /proc/100 */
	TS_ASSERT(!p->exe);
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_vanished, vanished);
	proctable_remove(t, 100);
	TS_ASSERT(!proctable_get(t, 100));
	TS_ASSERT_INT_EQ(proctable_size(t), 2);

	/* a thread's exit for a process never seen: kept if /proc has the process
	 * (200 is there), else made for the event only */
	proctable_remove(t, 200);
	ev = (ProcEvent){ .type = PROC_EV_EXIT, .pid = 201, .tgid = 200 };
	p = proctable_apply(t, &ev);
	TS_ASSERT(p && !p->ephemeral);
	TS_ASSERT_INT_EQ(p->origin, PROC_ORIGIN_EVENT);
	TS_ASSERT(p->comm[0] != 0);
	ev = (ProcEvent){ .type = PROC_EV_EXIT, .pid = 8001, .tgid = 8000 };
	p = proctable_apply(t, &ev);
	TS_ASSERT(p && p->ephemeral);

	proctable_free(t);
	rm_rf(root);
}

static int stop_at_second(const Process *p, void *userdata)
{
	int *n = userdata;

	(void)p;
	return ++*n == 2 ? 42 : 0;
}

static void test_foreach_stops(void)
{
	char root[64];
	ProcTable *t = NULL;
	int n = 0;

	TS_ASSERT_INT_EQ(fake_root_setup(root), 0);
	TS_ASSERT_INT_EQ(proctable_new(root, 0, &t), 0);
	TS_ASSERT_INT_EQ(proctable_scan(t), 3);
	TS_ASSERT_INT_EQ(proctable_foreach(t, stop_at_second, &n), 42);
	TS_ASSERT_INT_EQ(n, 2);
	proctable_free(t);
	rm_rf(root);
}

/* --- bound --- */

static void test_bound(void)
{
	char root[64];
	ProcTable *t = NULL;
	ProcEvent ev;
	Process *p;

	TS_ASSERT_INT_EQ(proctable_new(NO_PROC, 16, &t), 0);
	for (pid_t pid = 1; pid <= 16; pid++) {
		ev = fork_event(pid, pid, 0, 1);
		TS_ASSERT(proctable_apply(t, &ev));
	}
	TS_ASSERT_INT_EQ(proctable_size(t), 16);
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_full, 0);

	ev = fork_event(17, 17, 1, 1);
	TS_ASSERT(!proctable_apply(t, &ev));
	TS_ASSERT(!proctable_get(t, 17));
	TS_ASSERT_INT_EQ(proctable_size(t), 16);
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_full, 1);
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_added, 16);

	/* other events that would create an entry are refused too */
	ev = (ProcEvent){ .type = PROC_EV_EXEC, .pid = 18, .tgid = 18 };
	TS_ASSERT(!proctable_apply(t, &ev));
	ev = (ProcEvent){ .type = PROC_EV_UID, .pid = 19, .tgid = 19 };
	TS_ASSERT(!proctable_apply(t, &ev));
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_full, 3);

	/* known entries still get their events */
	ev = (ProcEvent){ .type = PROC_EV_UID, .pid = 5, .tgid = 5,
			  .id = { .real = 12, .effective = 13 } };
	p = proctable_apply(t, &ev);
	TS_ASSERT(p);
	TS_ASSERT_INT_EQ(p->euid, 13);
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_full, 3);

	/* room again after a removal */
	proctable_remove(t, 5);
	ev = fork_event(17, 17, 1, 1);
	TS_ASSERT(proctable_apply(t, &ev));
	TS_ASSERT_INT_EQ(proctable_size(t), 16);
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_full, 3);
	proctable_free(t);

	/* a scan stops adding at the bound */
	TS_ASSERT_INT_EQ(fake_root_setup(root), 0);
	TS_ASSERT_INT_EQ(proctable_new(root, 2, &t), 0);
	TS_ASSERT_INT_EQ(proctable_scan(t), 2);
	TS_ASSERT_INT_EQ(proctable_size(t), 2);
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_full, 1);
	proctable_free(t);
	rm_rf(root);
}

/* --- hash map stress --- */

#define STRESS_N 50000
#define PID_SPACE 4194304 /* pid_max on 64-bit */

static uint32_t rng_state;

static uint32_t rng(void)
{
	/* xorshift32: deterministic, so a failure reproduces */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static int count_cb(const Process *p, void *userdata)
{
	(void)p;
	(*(size_t *)userdata)++;
	return 0;
}

/* Insert pids[0..n) via fork events of parent 1, remove a random half, check. */
static void stress_round(const pid_t *pids, size_t n, bool *removed)
{
	ProcTable *t = NULL;
	ProcEvent ev;
	size_t n_removed = 0, counted = 0;

	TS_ASSERT_INT_EQ(proctable_new(NO_PROC, 0, &t), 0);
	ev = fork_event(1, 1, 0, 1);
	TS_ASSERT(proctable_apply(t, &ev));

	for (size_t i = 0; i < n; i++) {
		Process *p;

		ev = fork_event(pids[i], pids[i], 1, i + 2);
		p = proctable_apply(t, &ev);
		TS_ASSERT(p);
		TS_ASSERT_INT_EQ(p->pid, pids[i]);
		TS_ASSERT_INT_EQ(p->origin, PROC_ORIGIN_FORK);
		TS_ASSERT_INT_EQ(proctable_size(t), i + 2);
	}
	for (size_t i = 0; i < n; i++) {
		const Process *p = proctable_get(t, pids[i]);

		TS_ASSERT(p);
		TS_ASSERT_INT_EQ(p->pid, pids[i]);
		TS_ASSERT_INT_EQ(p->start_ns, i + 2);
	}

	for (size_t i = 0; i < n; i++) {
		removed[i] = rng() & 1;
		if (removed[i]) {
			proctable_remove(t, pids[i]);
			n_removed++;
		}
	}
	TS_ASSERT(n_removed > n / 3 && n_removed < n - n / 3);
	TS_ASSERT_INT_EQ(proctable_size(t), n + 1 - n_removed);
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_removed, n_removed);
	TS_ASSERT_INT_EQ(proctable_stats(t)->n_added, n + 1);
	TS_ASSERT_INT_EQ(proctable_foreach(t, count_cb, &counted), 0);
	TS_ASSERT_INT_EQ(counted, n + 1 - n_removed);
	TS_ASSERT(proctable_get(t, 1));

	for (size_t i = 0; i < n; i++) {
		const Process *p = proctable_get(t, pids[i]);

		if (removed[i]) {
			if (p)
				fprintf(stderr, "removed pid %d found\n", (int)pids[i]);
			TS_ASSERT(!p);
		} else {
			if (!p)
				fprintf(stderr, "kept pid %d lost\n", (int)pids[i]);
			TS_ASSERT(p);
			TS_ASSERT_INT_EQ(p->pid, pids[i]);
			TS_ASSERT_INT_EQ(p->start_ns, i + 2);
		}
	}

	/* re-add the removed ones (reusing the holes), then empty the table */
	for (size_t i = 0; i < n; i++) {
		if (!removed[i])
			continue;
		ev = fork_event(pids[i], pids[i], 1, 7);
		TS_ASSERT(proctable_apply(t, &ev));
	}
	TS_ASSERT_INT_EQ(proctable_size(t), n + 1);
	for (size_t i = 0; i < n; i++)
		TS_ASSERT(proctable_get(t, pids[i]));
	for (size_t i = n; i-- > 0;)
		proctable_remove(t, pids[i]);
	proctable_remove(t, 1);
	TS_ASSERT_INT_EQ(proctable_size(t), 0);
	for (size_t i = 0; i < n; i++)
		TS_ASSERT(!proctable_get(t, pids[i]));
	proctable_free(t);
}

static void test_hash_stress(void)
{
	pid_t *pids = calloc(STRESS_N, sizeof(pid_t));
	bool *removed = calloc(STRESS_N, sizeof(bool));
	uint8_t *seen = calloc(PID_SPACE, 1);
	int before = test_failures;

	TS_ASSERT(pids && removed && seen);

	/* distinct random pids over the whole pid space */
	rng_state = 0x9e3779b9;
	for (size_t i = 0; i < STRESS_N;) {
		pid_t pid = (pid_t)(2 + rng() % (PID_SPACE - 2));

		if (seen[pid])
			continue;
		seen[pid] = 1;
		pids[i++] = pid;
	}
	stress_round(pids, STRESS_N, removed);

	/* dense, sequential pids in shuffled order: long clusters */
	if (test_failures == before) {
		for (size_t i = 0; i < STRESS_N; i++)
			pids[i] = (pid_t)(300000 + i);
		for (size_t i = STRESS_N - 1; i > 0; i--) {
			size_t j = rng() % (i + 1);
			pid_t tmp = pids[i];

			pids[i] = pids[j];
			pids[j] = tmp;
		}
		stress_round(pids, STRESS_N, removed);
	}
	free(pids);
	free(removed);
	free(seen);
}

/* --- users, cmdline, names --- */

static void test_user_name(void)
{
	ProcTable *t = NULL;
	const char *a, *b;
	struct passwd *pw;

	TS_ASSERT_INT_EQ(proctable_new(NO_PROC, 0, &t), 0);
	TS_ASSERT(!proctable_user_name(t, (uid_t)-1));

	pw = getpwuid(0);
	if (pw) {
		a = proctable_user_name(t, 0);
		TS_ASSERT_STR_EQ(a, "root");
		b = proctable_user_name(t, 0);
		TS_ASSERT(a == b); /* cached */
	}
	if (!getpwuid(3999999999U)) {
		TS_ASSERT(!proctable_user_name(t, 3999999999U));
		TS_ASSERT(!proctable_user_name(t, 3999999999U));
	}
	proctable_free(t);

	/* with the cache full, answers are still right */
	TS_ASSERT_INT_EQ(proctable_new(NO_PROC, 0, &t), 0);
	for (uid_t u = 3999990000U; u < 3999990300U; u++)
		(void)proctable_user_name(t, u);
	if (pw) {
		TS_ASSERT_STR_EQ(proctable_user_name(t, 0), "root");
		TS_ASSERT_STR_EQ(proctable_user_name(t, 0), "root");
	}
	proctable_free(t);
}

static void test_process_cmdline(void)
{
	static const struct {
		const char *argv;
		size_t len;
		const char *want;
	} t[] = {
		{ FOO_ARGV, FOO_ARGV_LEN, "/usr/bin/foo --bar  baz" },
		{ SH_ARGV, SH_ARGV_LEN, "sh -c echo hi" },
		{ "a\0b", 3, "a b" },      /* truncated: no final NUL */
		{ "single", 6, "single" },
		{ "x\0", 2, "x" },
		{ "\0", 1, "" },
		{ "\0\0", 2, " " },
		{ NULL, 0, "" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		Process p = { .pid = 1 };
		char *s;

		if (t[i].argv) {
			p.argv = malloc(t[i].len);
			TS_ASSERT(p.argv);
			memcpy(p.argv, t[i].argv, t[i].len);
		}
		p.argv_len = t[i].len;
		s = process_cmdline(&p);
		free(p.argv);
		TS_ASSERT(s);
		if (strcmp(s, t[i].want) != 0)
			fprintf(stderr, "cmdline #%zu: \"%s\"\n", i, s);
		TS_ASSERT_STR_EQ(s, t[i].want);
		free(s);
	}
}

static void test_origin_names(void)
{
	TS_ASSERT_STR_EQ(proc_origin_to_string(PROC_ORIGIN_SCANNED), "scanned");
	TS_ASSERT_STR_EQ(proc_origin_to_string(PROC_ORIGIN_FORK), "fork");
	TS_ASSERT_STR_EQ(proc_origin_to_string(PROC_ORIGIN_EXEC), "exec");
	TS_ASSERT_STR_EQ(proc_origin_to_string(PROC_ORIGIN_EVENT), "event");
	TS_ASSERT_STR_EQ(proc_origin_to_string(_PROC_ORIGIN_MAX), "unknown");
}

int main(void)
{
	RUN_TEST(test_scan);
	RUN_TEST(test_rescan_keeps_known);
	RUN_TEST(test_fork_inherits);
	RUN_TEST(test_exec_pid_reused);
	RUN_TEST(test_exec_setid);
	RUN_TEST(test_exec_refreshes);
	RUN_TEST(test_id_comm_events);
	RUN_TEST(test_exit_and_remove);
	RUN_TEST(test_foreach_stops);
	RUN_TEST(test_bound);
	RUN_TEST(test_hash_stress);
	RUN_TEST(test_user_name);
	RUN_TEST(test_process_cmdline);
	RUN_TEST(test_origin_names);
	rm_made_roots();
	return TEST_EXIT();
}
