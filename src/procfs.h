/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * /proc/PID readers. Parsing (procfs_parse_*, cgroup_path_to_unit) is pure and
 * separate from reading so unit tests can feed recorded file contents.
 * Readers take the procfs root ("/proc" normally) so tests can point them elsewhere.
 * A process that vanished while being read yields -ESRCH: that is normal, not an error.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct ProcStat {
	pid_t pid;
	char comm[16];
	char state;
	pid_t ppid;
	unsigned tty_nr;    /* the controlling terminal's device number, 0 if none */
	uint64_t starttime; /* clock ticks after boot */
} ProcStat;

typedef struct ProcStatus {
	pid_t tgid;
	pid_t ppid;
	uid_t ruid, euid;
	gid_t rgid, egid;
	pid_t ns_pid; /* the innermost pid of NSpid: its pid in its own pid namespace,
		       * 0 when NSpid has one level (or is missing) */
} ProcStatus;

/* /proc/PID/stat. comm may hold spaces and ')': the last ')' ends it. */
int procfs_parse_stat(const char *buf, size_t len, ProcStat *ret);
/* A terminal's name from its device number (stat's tty_nr): "pts/3", "tty1",
 * "ttyS0", else "MAJOR:MINOR"; NULL for 0 (no terminal). */
const char *procfs_tty_name(unsigned tty_nr, char *buf, size_t size);
/* /proc/PID/loginuid and sessionid: one decimal number; (uint32_t)-1 is "unset". */
int procfs_parse_id(const char *buf, size_t len, uint32_t *ret);
/* /proc/PID/status: Tgid, PPid, Uid, Gid lines. */
int procfs_parse_status(const char *buf, size_t len, ProcStatus *ret);
/* /proc/PID/cgroup: the unified "0::" path, else the v1 "name=systemd" one. */
int procfs_parse_cgroup(const char *buf, size_t len, char **ret_path);

/*
 * systemd unit of a cgroup path: leading slices are skipped, the first unit is taken;
 * inside user@UID.service the user's own unit wins:
 *   /system.slice/foo.service                                          -> foo.service
 *   /user.slice/user-1000.slice/user@1000.service/app.slice/bar.service -> bar.service
 * -ENXIO when the path holds no unit (e.g. "/" or a container's own tree).
 */
int cgroup_path_to_unit(const char *path, char **ret_unit);

/* Read /proc/PID/NAME fully (up to max bytes; *ret_truncated set if longer). */
int procfs_read(const char *root, pid_t pid, const char *name, size_t max, char **ret,
		size_t *ret_len, bool *ret_truncated);
int procfs_read_link(const char *root, pid_t pid, const char *name, char **ret);

/*
 * The same through a /proc/PID directory descriptor: every file read through one
 * descriptor belongs to the same process, even if its pid is reused meanwhile
 * (then the reads fail with -ESRCH instead of reading the newcomer).
 */
int procfs_open_pid(const char *root, pid_t pid);
int procfs_read_at(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len,
		   bool *ret_truncated);
/* Into a caller's buffer (NUL-terminated, cut at size - 1): no allocation. */
int procfs_read_small_at(int dirfd, const char *name, char *buf, size_t size, size_t *ret_len);
int procfs_read_link_at(int dirfd, const char *name, char **ret);
/* The link's target into a caller's buffer (NUL-terminated), its length in
 * *ret_len: for callers that keep it in a string of their own. */
int procfs_read_link_buf_at(int dirfd, const char *name, char *buf, size_t size, size_t *ret_len);
/* stat read and parsed, without allocating: through dirfd, or by pid */
int procfs_read_stat_at(int dirfd, ProcStat *ret);
int procfs_read_stat(const char *root, pid_t pid, ProcStat *ret);

/* Boot time conversion: ticks-after-boot to CLOCK_MONOTONIC ns (the proc connector's clock). */
uint64_t procfs_ticks_to_monotonic_ns(uint64_t ticks);
