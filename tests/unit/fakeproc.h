/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* A fake /proc/PID directory (stat, status, cmdline, cgroup, exe) in a temp tree,
 * for the tests of the process table and of the whole pipeline. */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "tempfiles.h"

typedef struct FakeProc {
	pid_t pid;
	const char *comm;
	char state;
	pid_t ppid;
	uid_t ruid, euid;
	gid_t rgid, egid;
	const char *argv;
	size_t argv_len;
	const char *cgroup;
	const char *exe; /* NULL: no exe link (kernel thread, no access) */
	unsigned long long starttime;
	unsigned tty_nr;
	const char *cwd;      /* NULL: no cwd link */
	const char *loginuid; /* file contents; NULL: no file (no audit) */
	const char *sessionid;
} FakeProc;

static inline int make_dir(const char *root, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	return mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* Create (or overwrite) root/PID with stat, status, cmdline, cgroup and exe. */
static inline int fake_proc_add(const char *root, const FakeProc *fp)
{
	char dir[256], buf[1024], path[sizeof(dir) + 8];
	int n;

	snprintf(dir, sizeof(dir), "%s/%d", root, (int)fp->pid);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;

	n = snprintf(buf, sizeof(buf),
		     "%d (%s) %c %d 1 1 %u -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 %llu "
		     "2990080 444\n",
		     (int)fp->pid, fp->comm, fp->state, (int)fp->ppid, fp->tty_nr, fp->starttime);
	if (write_file(dir, "stat", buf, (size_t)n) < 0)
		return -EIO;

	n = snprintf(buf, sizeof(buf),
		     "Name:\t%s\nUmask:\t0022\nState:\t%c\nTgid:\t%d\n"
		     "Ngid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n"
		     "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n"
		     "FDSize:\t64\nThreads:\t1\n",
		     fp->comm, fp->state, (int)fp->pid, (int)fp->pid, (int)fp->ppid,
		     (unsigned)fp->ruid, (unsigned)fp->euid, (unsigned)fp->euid,
		     (unsigned)fp->euid, (unsigned)fp->rgid, (unsigned)fp->egid,
		     (unsigned)fp->egid, (unsigned)fp->egid);
	if (write_file(dir, "status", buf, (size_t)n) < 0)
		return -EIO;

	if (write_file(dir, "cmdline", fp->argv, fp->argv_len) < 0 ||
	    write_file(dir, "cgroup", fp->cgroup, strlen(fp->cgroup)) < 0)
		return -EIO;

	if ((fp->loginuid && write_file(dir, "loginuid", fp->loginuid, strlen(fp->loginuid)) < 0) ||
	    (fp->sessionid && write_file(dir, "sessionid", fp->sessionid, strlen(fp->sessionid)) < 0))
		return -EIO;

	snprintf(path, sizeof(path), "%s/exe", dir);
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	if (fp->exe && symlink(fp->exe, path) < 0)
		return -errno;
	snprintf(path, sizeof(path), "%s/cwd", dir);
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	if (fp->cwd && symlink(fp->cwd, path) < 0)
		return -errno;
	return 0;
}

