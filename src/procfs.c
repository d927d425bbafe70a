/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bounded readers of /proc files (procfs.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "procfs.h"
#include "util.h"

/* Bounded strchr/memmem helpers over (buf, len): the input need not be NUL-terminated. */
static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? nl : end;
}

/* The next blank-separated field of a NUL-terminated window as a signed number;
 * *p moves past it. */
static int next_number(const char **p, long long *ret)
{
	char *end;

	while (**p == ' ')
		(*p)++;
	if (**p == 0)
		return -EBADMSG;
	errno = 0;
	*ret = strtoll(*p, &end, 10);
	if (errno != 0 || end == *p || (*end != ' ' && *end != 0 && *end != '\n'))
		return -EBADMSG;
	*p = end;
	return 0;
}

int procfs_parse_stat(const char *buf, size_t len, ProcStat *ret)
{
	const char *end = buf + len, *open, *close = NULL, *q;
	char rest[512];
	long long v[19];
	int pid = 0;
	char state;
	size_t l;

	if (!buf || len == 0)
		return -EBADMSG;
	open = memchr(buf, '(', len);
	if (!open)
		return -EBADMSG;
	for (const char *p = open; p < end; p++)
		if (*p == ')')
			close = p;
	if (!close)
		return -EBADMSG;

	/* "PID (" */
	l = (size_t)(open - buf);
	if (l < 2 || l >= 16 || buf[l - 1] != ' ')
		return -EBADMSG;
	for (size_t i = 0; i + 1 < l; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -EBADMSG;
		pid = pid * 10 + (buf[i] - '0');
	}
	if (pid <= 0)
		return -EBADMSG;

	/* after ") ": state, then ppid pgrp session tty_nr tpgid flags minflt cminflt
	 * majflt cmajflt utime stime cutime cstime priority nice num_threads
	 * itrealvalue starttime (v[0..18]); sscanf costed more than the read here */
	l = MIN((size_t)(end - close - 1), sizeof(rest) - 1);
	memcpy(rest, close + 1, l);
	rest[l] = 0;
	q = rest;
	if (q[0] != ' ' || q[1] == 0 || q[1] == ' ' || (q[2] != ' ' && q[2] != 0))
		return -EBADMSG;
	state = q[1];
	q += 2;
	for (size_t i = 0; i < ELEMENTSOF(v); i++)
		if (next_number(&q, &v[i]) < 0)
			return -EBADMSG;
	if (v[0] < 0 || v[0] > INT_MAX || v[18] < 0)
		return -EBADMSG;

	memset(ret, 0, sizeof(*ret));
	ret->pid = pid;
	l = MIN((size_t)(close - open - 1), sizeof(ret->comm) - 1);
	memcpy(ret->comm, open + 1, l);
	ret->state = state;
	ret->ppid = (pid_t)v[0];
	ret->tty_nr = (unsigned)v[3];
	ret->starttime = (uint64_t)v[18];
	return 0;
}

static int parse_ids(const char *p, const char *eol, unsigned *r, unsigned *e)
{
	char tmp[128];
	size_t l = MIN((size_t)(eol - p), sizeof(tmp) - 1);

	memcpy(tmp, p, l);
	tmp[l] = 0;
	return sscanf(tmp, "%u %u", r, e) == 2 ? 0 : -EBADMSG;
}

static int parse_int_field(const char *p, const char *eol, int *ret)
{
	char tmp[32];
	size_t l = MIN((size_t)(eol - p), sizeof(tmp) - 1);

	memcpy(tmp, p, l);
	tmp[l] = 0;
	return sscanf(tmp, "%d", ret) == 1 ? 0 : -EBADMSG;
}

const char *procfs_tty_name(unsigned tty_nr, char *buf, size_t size)
{
	/* the kernel's new_encode_dev(): minor's low byte, major, minor's high bits */
	unsigned major = (tty_nr >> 8) & 0xfff, minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);

	if (tty_nr == 0)
		return NULL;
	if (major >= 136 && major <= 143) /* UNIX98 pseudo-terminals */
		snprintf(buf, size, "pts/%u", (major - 136) * 256 + minor);
	else if (major == 4 && minor < 64) /* virtual consoles */
		snprintf(buf, size, "tty%u", minor);
	else if (major == 4) /* serial ports */
		snprintf(buf, size, "ttyS%u", minor - 64);
	else
		snprintf(buf, size, "%u:%u", major, minor);
	return buf;
}

int procfs_parse_id(const char *buf, size_t len, uint32_t *ret)
{
	char tmp[16];
	uint64_t v;

	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	if (len == 0 || len >= sizeof(tmp))
		return -EBADMSG;
	memcpy(tmp, buf, len);
	tmp[len] = 0;
	if (parse_uint64(tmp, &v) < 0 || v > UINT32_MAX)
		return -EBADMSG;
	*ret = (uint32_t)v;
	return 0;
}

int procfs_parse_status(const char *buf, size_t len, ProcStatus *ret)
{
	const char *p = buf, *end = buf + len;
	unsigned seen = 0;
	ProcStatus s = {};

	while (p < end) {
		const char *eol = line_end(p, end);
		size_t l = (size_t)(eol - p);
		unsigned r, e;
		int v;

		if (l > 5 && memcmp(p, "Tgid:", 5) == 0 && parse_int_field(p + 5, eol, &v) == 0) {
			s.tgid = v;
			seen |= 1;
		} else if (l > 5 && memcmp(p, "PPid:", 5) == 0 &&
			   parse_int_field(p + 5, eol, &v) == 0) {
			s.ppid = v;
			seen |= 2;
		} else if (l > 4 && memcmp(p, "Uid:", 4) == 0 && parse_ids(p + 4, eol, &r, &e) == 0) {
			s.ruid = r;
			s.euid = e;
			seen |= 4;
		} else if (l > 4 && memcmp(p, "Gid:", 4) == 0 && parse_ids(p + 4, eol, &r, &e) == 0) {
			s.rgid = r;
			s.egid = e;
			seen |= 8;
		} else if (l > 6 && memcmp(p, "NSpid:", 6) == 0) {
			/* "NSpid:\t4711\t12\t1": outermost first; one level: no other */
			const char *q = p + 6, *last = NULL;
			unsigned levels = 0;

			while (q < eol) {
				while (q < eol && (*q == '\t' || *q == ' '))
					q++;
				if (q < eol) {
					last = q;
					levels++;
				}
				while (q < eol && *q != '\t' && *q != ' ')
					q++;
			}
			if (levels > 1 && parse_int_field(last, eol, &v) == 0 && v > 0)
				s.ns_pid = v;
		}
		p = eol + 1;
	}
	if (seen != 15)
		return -EBADMSG;
	*ret = s;
	return 0;
}

int procfs_parse_cgroup(const char *buf, size_t len, char **ret_path)
{
	const char *p = buf, *end = buf + len, *v2 = NULL, *v1 = NULL, *v2e = NULL, *v1e = NULL;

	while (p < end) {
		const char *eol = line_end(p, end);
		size_t l = (size_t)(eol - p);

		if (l >= 3 && memcmp(p, "0::", 3) == 0) {
			v2 = p + 3;
			v2e = eol;
		} else {
			const char *c = memchr(p, ':', l);
			if (c && (size_t)(eol - c) > 13 && memcmp(c + 1, "name=systemd:", 13) == 0) {
				v1 = c + 14;
				v1e = eol;
			}
		}
		p = eol + 1;
	}
	/* hybrid hierarchy: the named systemd controller is the one units live in */
	if (v1) {
		v2 = v1;
		v2e = v1e;
	}
	if (!v2 || v2 == v2e || *v2 != '/')
		return -ENODATA;
	*ret_path = strndup(v2, (size_t)(v2e - v2));
	return *ret_path ? 0 : -ENOMEM;
}

static bool endswith(const char *s, size_t l, const char *suffix)
{
	size_t sl = strlen(suffix);
	return l >= sl && memcmp(s + l - sl, suffix, sl) == 0;
}

static bool is_unit_name(const char *s, size_t l)
{
	static const char *const suffixes[] = {
		".service", ".scope",	".socket", ".mount",	 ".swap",
		".device",  ".timer",	".path",   ".automount", ".target",
	};

	for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
		if (endswith(s, l, suffixes[i]) && l > strlen(suffixes[i]))
			return true;
	return false;
}

/* First non-slice component of p, skipping slices; NULL if none or not a unit. */
static const char *next_unit(const char *p, size_t *ret_len, const char **ret_rest)
{
	for (;;) {
		const char *e;
		size_t l;

		p += strspn(p, "/");
		if (!*p)
			return NULL;
		e = strchrnul(p, '/');
		l = (size_t)(e - p);
		if (endswith(p, l, ".slice")) {
			p = e;
			continue;
		}
		if (!is_unit_name(p, l))
			return NULL;
		*ret_len = l;
		*ret_rest = e;
		return p;
	}
}

int cgroup_path_to_unit(const char *path, char **ret_unit)
{
	const char *u, *rest, *uu, *rest2;
	size_t l, ll;

	if (!path)
		return -EINVAL;
	u = next_unit(path, &l, &rest);
	if (!u)
		return -ENXIO;

	/* the per-user manager: prefer the unit it runs the process in */
	if (l > 13 && memcmp(u, "user@", 5) == 0 && endswith(u, l, ".service")) {
		uu = next_unit(rest, &ll, &rest2);
		if (uu) {
			u = uu;
			l = ll;
		}
	}
	*ret_unit = strndup(u, l);
	return *ret_unit ? 0 : -ENOMEM;
}

/* ENOENT for a missing PID dir and ESRCH from a dying task both mean "gone". */
static int gone_errno(int e)
{
	return e == ENOENT || e == ESRCH ? -ESRCH : -e;
}

int procfs_open_pid(const char *root, pid_t pid)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%d", root, (int)pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? gone_errno(errno) : fd;
}

/* Up to size bytes: how many, or a negative errno. One read does: /proc files (and
 * regular ones) come back short only at their end, so no second read is needed
 * to be told so. */
static ssize_t read_some(int fd, char *buf, size_t size)
{
	ssize_t n;

	do
		n = read(fd, buf, size);
	while (n < 0 && errno == EINTR);
	return n < 0 ? gone_errno(errno) : n;
}

/* Read fd to its end, at most max bytes (max + 1 to tell "longer"). Small files
 * (the common case) cost stack reads and one exact-size allocation. */
static int read_fd(int fd, size_t max, char **ret, size_t *ret_len, bool *ret_truncated)
{
	_cleanup_free_ char *buf = NULL;
	char first[4096];
	size_t size, alloc, limit = MIN(sizeof(first), max + 1);
	ssize_t n;

	n = read_some(fd, first, limit);
	if (n < 0)
		return (int)n;
	size = (size_t)n;
	if (size < limit || size > max) {
		/* the end of the file (a short read), or already more than max */
		size = MIN(size, max);
		buf = malloc(size + 1);
		if (!buf)
			return -ENOMEM;
		memcpy(buf, first, size);
		if (ret_truncated)
			*ret_truncated = (size_t)n > max;
		goto done;
	}

	alloc = MIN(2 * sizeof(first), max + 2);
	buf = malloc(alloc);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, first, size);
	/* read one byte past max: that is how "longer than max" is told from "exactly max" */
	for (;;) {
		if (size + 1 >= alloc) {
			size_t na = MIN(alloc * 2, max + 2);
			char *nb;

			if (alloc >= max + 2)
				break;
			nb = realloc(buf, na);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			alloc = na;
		}
		n = read_some(fd, buf + size, alloc - 1 - size);
		if (n < 0)
			return (int)n;
		size += (size_t)n;
		if (size + 1 < alloc)
			break; /* a short read: the end of the file */
	}
	if (ret_truncated)
		*ret_truncated = size > max;
	size = MIN(size, max);
done:
	buf[size] = 0;
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = size;
	return 0;
}

int procfs_read_at(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len,
		   bool *ret_truncated)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return gone_errno(errno);
	return read_fd(fd, max, ret, ret_len, ret_truncated);
}

int procfs_read_small_at(int dirfd, const char *name, char *buf, size_t size, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;

	if (fd < 0)
		return gone_errno(errno);
	n = read_some(fd, buf, size - 1);
	if (n < 0)
		return (int)n;
	buf[n] = 0;
	*ret_len = (size_t)n;
	return 0;
}

int procfs_read(const char *root, pid_t pid, const char *name, size_t max, char **ret,
		size_t *ret_len, bool *ret_truncated)
{
	_cleanup_close_ int dfd = procfs_open_pid(root, pid);

	if (dfd < 0)
		return dfd;
	return procfs_read_at(dfd, name, max, ret, ret_len, ret_truncated);
}

int procfs_read_link_buf_at(int dirfd, const char *name, char *buf, size_t size, size_t *ret_len)
{
	ssize_t n = readlinkat(dirfd, name, buf, size - 1);

	if (n < 0)
		return gone_errno(errno);
	buf[n] = 0;
	*ret_len = (size_t)n;
	return 0;
}

int procfs_read_link_at(int dirfd, const char *name, char **ret)
{
	char target[PATH_MAX];
	size_t len = 0;
	int r = procfs_read_link_buf_at(dirfd, name, target, sizeof(target), &len);

	if (r < 0)
		return r;
	*ret = strndup(target, len);
	return *ret ? 0 : -ENOMEM;
}

int procfs_read_stat_at(int dirfd, ProcStat *ret)
{
	char buf[2048];
	size_t len = 0;
	int r = procfs_read_small_at(dirfd, "stat", buf, sizeof(buf), &len);

	return r < 0 ? r : procfs_parse_stat(buf, len, ret);
}

int procfs_read_stat(const char *root, pid_t pid, ProcStat *ret)
{
	_cleanup_close_ int dfd = procfs_open_pid(root, pid);

	return dfd < 0 ? dfd : procfs_read_stat_at(dfd, ret);
}

int procfs_read_link(const char *root, pid_t pid, const char *name, char **ret)
{
	_cleanup_close_ int dfd = procfs_open_pid(root, pid);

	if (dfd < 0)
		return dfd;
	return procfs_read_link_at(dfd, name, ret);
}

uint64_t procfs_ticks_to_monotonic_ns(uint64_t ticks)
{
	static long hz;
	nsec_t boot_ns, mono, boot;

	if (hz <= 0)
		hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		hz = 100;
	boot_ns = ticks * (NSEC_PER_SEC / (nsec_t)hz);
	/* starttime counts CLOCK_BOOTTIME, the connector CLOCK_MONOTONIC; they differ by
	 * the time spent suspended */
	mono = now_nsec(CLOCK_MONOTONIC);
	boot = now_nsec(CLOCK_BOOTTIME);
	return boot_ns > boot - mono ? boot_ns - (boot - mono) : 0;
}
