/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * procfs parsers against files recorded from a real /proc (tests/data/procfs) and
 * against hostile input; the readers against a fake proc root in a temp dir.
 * Every parser input is copied into a heap block of exactly the length passed, so
 * an ASan build catches any read past it (the parsers must not need a NUL).
 *
 * Fixtures (tests/data/procfs):
 *   stat-sleep, status-sleep     `setpriv --reuid=65534 --regid=65534 sleep 600`
 *   stat-kthreadd                /proc/2/stat
 *   stat-hostile-comm            /bin/sleep copied to "a) b) (c" and run
 *   stat-long-comm               /bin/sleep copied to "abcdefghijklmnopqrst"
 *   cgroup-hybrid-container      the sleep above: v1 + name=systemd:/ + 0::/
 *   status-setuid                status-sleep edited: Uid 1000 0, Gid 1000 5
 *   cgroup-v2, cgroup-v1-hybrid  hand-made (the recording host has no systemd)
 */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"
#include "tempfiles.h"
#include "test.h"

/* " S ppid ... starttime": state S, ppid 42, starttime 777 (field 22) */
#define STAT_TAIL " S 42 1 1 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 777 2990080 444"

static const char *data_dir(void)
{
	return getenv("TEST_DATA") ?: "tests/data";
}

/* Whole fixture in a heap block of exactly its size (not NUL-terminated). */
static char *load_fixture(const char *name, size_t *ret_len)
{
	char path[PATH_MAX];
	struct stat st;
	char *buf;
	FILE *f;

	snprintf(path, sizeof(path), "%s/procfs/%s", data_dir(), name);
	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "cannot open fixture %s: %m\n", path);
		return NULL;
	}
	if (fstat(fileno(f), &st) < 0 || st.st_size <= 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)st.st_size);
	if (buf && fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*ret_len = (size_t)st.st_size;
	return buf;
}

/* Exact-size heap copy of len bytes of s (at least 1 byte allocated). */
static char *dup_exact(const char *s, size_t len)
{
	char *b = malloc(len ?: 1);

	if (b && len)
		memcpy(b, s, len);
	return b;
}

static int parse_stat_exact(const char *s, size_t len, ProcStat *st)
{
	char *b = dup_exact(s, len);
	int r;

	if (!b)
		return -ENOMEM;
	r = procfs_parse_stat(b, len, st);
	free(b);
	return r;
}

static int parse_status_exact(const char *s, size_t len, ProcStatus *st)
{
	char *b = dup_exact(s, len);
	int r;

	if (!b)
		return -ENOMEM;
	r = procfs_parse_status(b, len, st);
	free(b);
	return r;
}

static int parse_cgroup_exact(const char *s, size_t len, char **ret)
{
	char *b = dup_exact(s, len);
	int r;

	if (!b)
		return -ENOMEM;
	r = procfs_parse_cgroup(b, len, ret);
	free(b);
	return r;
}

/* --- stat --- */

static void test_stat_fixture_sleep(void)
{
	ProcStat st;
	size_t len;
	char *buf = load_fixture("stat-sleep", &len);
	int r;

	TS_ASSERT(buf);
	r = procfs_parse_stat(buf, len, &st);
	free(buf);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_INT_EQ(st.pid, 7116);
	TS_ASSERT_STR_EQ(st.comm, "sleep");
	TS_ASSERT_INT_EQ(st.state, 'S');
	TS_ASSERT_INT_EQ(st.ppid, 7112);
	TS_ASSERT_INT_EQ(st.starttime, 75261);
}

static void test_stat_fixture_kthreadd(void)
{
	ProcStat st;
	size_t len;
	char *buf = load_fixture("stat-kthreadd", &len);
	int r;

	TS_ASSERT(buf);
	r = procfs_parse_stat(buf, len, &st);
	free(buf);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_INT_EQ(st.pid, 2);
	TS_ASSERT_STR_EQ(st.comm, "kthreadd");
	TS_ASSERT_INT_EQ(st.state, 'S');
	TS_ASSERT_INT_EQ(st.ppid, 0);
	TS_ASSERT_INT_EQ(st.starttime, 25);
}

static void test_stat_fixture_hostile_comm(void)
{
	ProcStat st;
	size_t len;
	char *buf = load_fixture("stat-hostile-comm", &len);
	int r;

	/* recorded from a real process named "a) b) (c": the last ')' ends comm */
	TS_ASSERT(buf);
	r = procfs_parse_stat(buf, len, &st);
	free(buf);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_INT_EQ(st.pid, 7149);
	TS_ASSERT_STR_EQ(st.comm, "a) b) (c");
	TS_ASSERT_INT_EQ(st.state, 'S');
	TS_ASSERT_INT_EQ(st.ppid, 7148);
	TS_ASSERT_INT_EQ(st.starttime, 75703);
}

static void test_stat_fixture_long_comm(void)
{
	ProcStat st;
	size_t len;
	char *buf = load_fixture("stat-long-comm", &len);
	int r;

	/* the kernel cut "abcdefghijklmnopqrst" to TASK_COMM_LEN - 1 */
	TS_ASSERT(buf);
	r = procfs_parse_stat(buf, len, &st);
	free(buf);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_INT_EQ(st.pid, 7150);
	TS_ASSERT_STR_EQ(st.comm, "abcdefghijklmno");
	TS_ASSERT_INT_EQ(st.ppid, 7148);
	TS_ASSERT_INT_EQ(st.starttime, 75703);
}

static void test_stat_valid_table(void)
{
	static const struct {
		const char *in;
		pid_t pid;
		const char *comm;
	} t[] = {
		{ "123 (cat)" STAT_TAIL, 123, "cat" },
		{ "123 (a) b) (c)" STAT_TAIL, 123, "a) b) (c" },
		{ "123 ( )" STAT_TAIL, 123, " " },
		{ "123 ())" STAT_TAIL, 123, ")" },
		{ "123 (()" STAT_TAIL, 123, "(" },
		{ "123 ()" STAT_TAIL, 123, "" },
		{ "123 (x) S 1 2)" STAT_TAIL, 123, "x) S 1 2" },
		{ "5 (123456789012345)" STAT_TAIL, 5, "123456789012345" },
		/* longer than the kernel allows: cut, still NUL-terminated */
		{ "5 (12345678901234567890)" STAT_TAIL, 5, "123456789012345" },
		{ "2147483647 (max)" STAT_TAIL, 2147483647, "max" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ProcStat st;

		memset(&st, 0x55, sizeof(st));
		TS_ASSERT_INT_EQ(parse_stat_exact(t[i].in, strlen(t[i].in), &st), 0);
		TS_ASSERT_INT_EQ(st.pid, t[i].pid);
		TS_ASSERT_STR_EQ(st.comm, t[i].comm);
		TS_ASSERT_INT_EQ(st.state, 'S');
		TS_ASSERT_INT_EQ(st.ppid, 42);
		TS_ASSERT_INT_EQ(st.starttime, 777);
	}
}

static void test_stat_hostile_table(void)
{
	/* after earlyoom's parse_proc_pid_stat tests: none may crash or succeed */
	static const struct {
		const char *in;
		size_t len; /* 0: strlen */
	} t[] = {
		{ "", 0 },
		{ ")", 0 },
		{ "(", 0 },
		{ "()", 0 },
		{ ")(", 0 },
		{ "((((", 0 },
		{ "))))", 0 },
		{ "\0\0\0", 3 },
		{ "\0(\0)\0", 5 },
		{ "1 (\0", 4 },
		{ "1 (cat", 0 },
		{ "1 (cat)", 0 },
		{ "1 (cat) ", 0 },
		{ "1 (cat) S", 0 },
		{ "1 (cat) S 1", 0 },
		{ "1 (cat) S 1 1 1 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0", 0 },
		{ "1 (cat) S 42\0 1 1 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 777", 59 },
		{ "(cat)" STAT_TAIL, 0 },
		{ " (cat)" STAT_TAIL, 0 },
		{ "x (cat)" STAT_TAIL, 0 },
		{ "5x (cat)" STAT_TAIL, 0 },
		{ "0 (cat)" STAT_TAIL, 0 },
		{ "-3 (cat)" STAT_TAIL, 0 },
		{ "\0 (cat)" STAT_TAIL, 0 },
		{ "1234567890123456 (cat)" STAT_TAIL, 0 },
		{ "1 ) (cat" STAT_TAIL, 0 },
		{ "1 (cat) x 42 1 1 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 nan", 0 },
		{ "1 (cat) S notanumber", 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t len = t[i].len ?: strlen(t[i].in);
		ProcStat st;
		int r = parse_stat_exact(t[i].in, len, &st);

		if (r != -EBADMSG)
			fprintf(stderr, "stat input #%zu: %d\n", i, r);
		TS_ASSERT_INT_EQ(r, -EBADMSG);
	}
	/* a NULL buffer is refused, not dereferenced */
	{
		ProcStat st;

		TS_ASSERT_INT_EQ(procfs_parse_stat(NULL, 0, &st), -EBADMSG);
	}
}

static void test_stat_not_nul_terminated(void)
{
	/* bytes past len hold a later ')' and other fields: they must not be seen */
	static const char s[] = "7 (x)" STAT_TAIL
				") Z 99 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 123456";
	size_t cut = strlen("7 (x)" STAT_TAIL) - strlen(" 2990080 444");
	ProcStat st;

	TS_ASSERT_INT_EQ(procfs_parse_stat(s, cut, &st), 0);
	TS_ASSERT_STR_EQ(st.comm, "x");
	TS_ASSERT_INT_EQ(st.state, 'S');
	TS_ASSERT_INT_EQ(st.ppid, 42);
	TS_ASSERT_INT_EQ(st.starttime, 777);

	/* same, from an exact heap block: ASan catches a read past it */
	memset(&st, 0, sizeof(st));
	TS_ASSERT_INT_EQ(parse_stat_exact(s, cut, &st), 0);
	TS_ASSERT_STR_EQ(st.comm, "x");
	TS_ASSERT_INT_EQ(st.starttime, 777);

	/* cut inside the starttime digits: the shorter number is what is there */
	TS_ASSERT_INT_EQ(parse_stat_exact(s, cut - 1, &st), 0);
	TS_ASSERT_INT_EQ(st.starttime, 77);

	/* cut before the comm's ')': the one beyond len must not be used */
	TS_ASSERT_INT_EQ(parse_stat_exact(s, 4, &st), -EBADMSG);
}

/* --- status --- */

static void test_status_fixture(void)
{
	ProcStatus st;
	size_t len;
	char *buf = load_fixture("status-sleep", &len);
	int r;

	TS_ASSERT(buf);
	r = procfs_parse_status(buf, len, &st);
	free(buf);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_INT_EQ(st.tgid, 7116);
	TS_ASSERT_INT_EQ(st.ppid, 7112);
	TS_ASSERT_INT_EQ(st.ruid, 65534);
	TS_ASSERT_INT_EQ(st.euid, 65534);
	TS_ASSERT_INT_EQ(st.rgid, 65534);
	TS_ASSERT_INT_EQ(st.egid, 65534);

	buf = load_fixture("status-setuid", &len);
	TS_ASSERT(buf);
	r = procfs_parse_status(buf, len, &st);
	free(buf);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_INT_EQ(st.ruid, 1000);
	TS_ASSERT_INT_EQ(st.euid, 0);
	TS_ASSERT_INT_EQ(st.rgid, 1000);
	TS_ASSERT_INT_EQ(st.egid, 5);
}

/* Copy of a fixture without the lines starting with prefix; exact-size block. */
static char *fixture_without(const char *name, const char *prefix, size_t *ret_len)
{
	size_t len, o = 0, pl = strlen(prefix);
	char *in = load_fixture(name, &len), *out;
	const char *p, *end;

	if (!in)
		return NULL;
	out = malloc(len);
	if (!out) {
		free(in);
		return NULL;
	}
	for (p = in, end = in + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		if (!(l >= pl && memcmp(p, prefix, pl) == 0)) {
			memcpy(out + o, p, l);
			o += l;
		}
		p += l;
	}
	free(in);
	*ret_len = o;
	return out;
}

static void test_status_missing_lines(void)
{
	static const char *const prefixes[] = { "Uid:", "Gid:", "Tgid:", "PPid:" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		ProcStatus st;
		size_t len, full;
		char *buf = fixture_without("status-sleep", prefixes[i], &len);
		int r;

		TS_ASSERT(buf);
		free(load_fixture("status-sleep", &full));
		TS_ASSERT(len < full); /* the line really was removed */
		r = procfs_parse_status(buf, len, &st);
		free(buf);
		if (r != -EBADMSG)
			fprintf(stderr, "status without %s: %d\n", prefixes[i], r);
		TS_ASSERT_INT_EQ(r, -EBADMSG);
	}
}

static void test_status_inline(void)
{
	static const char ok[] = "Name:\tx\nTgid:\t5\nPPid:\t1\nUid:\t10\t11\t12\t13\n"
				 "Gid:\t20\t21\t22\t23";
	static const struct {
		const char *in;
	} bad[] = {
		{ "" },
		{ "\n\n\n" },
		{ "Tgid:\t5\nPPid:\t1\nUid:\t10\nGid:\t20\t21\n" },    /* one uid only */
		{ "Tgid:\t5\nPPid:\t1\nUid:\tabc def\nGid:\t20\t21\n" },
		{ "Tgid:\tx\nPPid:\t1\nUid:\t10\t11\nGid:\t20\t21\n" },
		{ "Tgid:\t5\nPPid:\t1\nUid:\nGid:\t20\t21\n" },
		{ "Tgid:\t5\nPPid:\t1\nuid:\t10\t11\nGid:\t20\t21\n" }, /* case matters */
		{ " Tgid:\t5\nPPid:\t1\nUid:\t10\t11\nGid:\t20\t21\n" },
	};
	ProcStatus st;

	/* no trailing newline, exact block */
	memset(&st, 0, sizeof(st));
	TS_ASSERT_INT_EQ(parse_status_exact(ok, strlen(ok), &st), 0);
	TS_ASSERT_INT_EQ(st.tgid, 5);
	TS_ASSERT_INT_EQ(st.ppid, 1);
	TS_ASSERT_INT_EQ(st.ruid, 10);
	TS_ASSERT_INT_EQ(st.euid, 11);
	TS_ASSERT_INT_EQ(st.rgid, 20);
	TS_ASSERT_INT_EQ(st.egid, 21);

	/* len ends before the Gid line: it must not be read from beyond len */
	TS_ASSERT_INT_EQ(procfs_parse_status(ok, (size_t)(strstr(ok, "Gid:") - ok), &st),
			 -EBADMSG);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse_status_exact(bad[i].in, strlen(bad[i].in), &st);

		if (r != -EBADMSG)
			fprintf(stderr, "status input #%zu: %d\n", i, r);
		TS_ASSERT_INT_EQ(r, -EBADMSG);
	}
}

/* --- cgroup --- */

static void test_cgroup_fixtures(void)
{
	static const struct {
		const char *name, *path;
	} t[] = {
		{ "cgroup-v2", "/user.slice/user-1000.slice/user@1000.service/app.slice/"
			       "app-org.gnome.Terminal.slice/vte-spawn-4f2a.scope" },
		/* name=systemd wins over "0::/" in a hybrid hierarchy */
		{ "cgroup-v1-hybrid", "/system.slice/foo.service" },
		{ "cgroup-hybrid-container", "/" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *path = NULL, *buf;
		size_t len;
		int r;

		buf = load_fixture(t[i].name, &len);
		TS_ASSERT(buf);
		r = procfs_parse_cgroup(buf, len, &path);
		free(buf);
		TS_ASSERT_INT_EQ(r, 0);
		TS_ASSERT_STR_EQ(path, t[i].path);
		free(path);
	}
}

static void test_cgroup_inline(void)
{
	static const struct {
		const char *in, *path; /* path NULL: -ENODATA */
	} t[] = {
		{ "0::/system.slice/a.service\n", "/system.slice/a.service" },
		{ "0::/system.slice/a.service", "/system.slice/a.service" },
		{ "0::/", "/" },
		{ "1:name=systemd:/x.slice/b.service", "/x.slice/b.service" },
		{ "0::/v2.service\n1:name=systemd:/v1.service\n", "/v1.service" },
		{ "1:name=systemd:/v1.service\n0::/v2.service\n", "/v1.service" },
		{ "12:cpu,cpuacct:/c\n0::/p with space\n", "/p with space" },
		{ "", NULL },
		{ "\n", NULL },
		{ "0::", NULL },
		{ "0::\n", NULL },
		{ "0::relative\n", NULL },
		{ "1:name=systemd:\n", NULL },
		{ "3:cpu:/system.slice/a.service\n", NULL },
		{ "1:name=systemdx:/a.service\n", NULL },
		{ "1:name=elogind:/a.service\n", NULL },
		{ "name=systemd", NULL },
		{ ":::::", NULL },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *path = NULL;
		int r = parse_cgroup_exact(t[i].in, strlen(t[i].in), &path);

		if (t[i].path) {
			if (r != 0)
				fprintf(stderr, "cgroup input #%zu: %d\n", i, r);
			TS_ASSERT_INT_EQ(r, 0);
			TS_ASSERT_STR_EQ(path, t[i].path);
			free(path);
		} else {
			if (r != -ENODATA)
				fprintf(stderr, "cgroup input #%zu: %d\n", i, r);
			TS_ASSERT_INT_EQ(r, -ENODATA);
		}
	}
}

static void test_cgroup_len_bound(void)
{
	static const char s[] = "0::/first.service\n0::/second.service\n";
	char *path = NULL;

	/* only the first line is within len */
	TS_ASSERT_INT_EQ(procfs_parse_cgroup(s, strlen("0::/first.service\n"), &path), 0);
	TS_ASSERT_STR_EQ(path, "/first.service");
	free(path);
	path = NULL;
	/* cut mid-path, without newline */
	TS_ASSERT_INT_EQ(parse_cgroup_exact(s, strlen("0::/first"), &path), 0);
	TS_ASSERT_STR_EQ(path, "/first");
	free(path);
}

static void test_cgroup_path_to_unit(void)
{
	static const struct {
		const char *path, *unit; /* unit NULL: -ENXIO */
	} t[] = {
		{ "/system.slice/foo.service", "foo.service" },
		{ "/system.slice/system-getty.slice/getty@tty1.service",
		  "getty@tty1.service" },
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice/bar.service",
		  "bar.service" },
		{ "/user.slice/user-1000.slice/session-3.scope", "session-3.scope" },
		{ "/user.slice/user-1000.slice/user@1000.service/init.scope",
		  "init.scope" },
		{ "/user.slice/user-1000.slice/user@1000.service", "user@1000.service" },
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice",
		  "user@1000.service" },
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice/"
		  "app-org.gnome.Terminal.slice/vte-spawn-4f2a.scope",
		  "vte-spawn-4f2a.scope" },
		{ "/init.scope", "init.scope" },
		{ "/system.slice/foo.service/sub", "foo.service" },
		{ "/system.slice/docker-abc.scope/init.scope", "docker-abc.scope" },
		{ "/system.slice/dbus.socket", "dbus.socket" },
		{ "/machine.slice/machine-qemu.scope", "machine-qemu.scope" },
		{ "//system.slice//foo.service", "foo.service" },
		{ "/", NULL },
		{ "", NULL },
		{ "/docker/abc", NULL },
		{ "/system.slice", NULL },
		{ "/system.slice/", NULL },
		{ "/system.slice/notaunit", NULL },
		{ ".service", NULL },
		{ "/.service", NULL },
		{ "/system.slice/.scope", NULL },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *unit = NULL;
		int r = cgroup_path_to_unit(t[i].path, &unit);

		if (t[i].unit) {
			if (r != 0)
				fprintf(stderr, "unit of \"%s\": %d\n", t[i].path, r);
			TS_ASSERT_INT_EQ(r, 0);
			TS_ASSERT_STR_EQ(unit, t[i].unit);
			free(unit);
		} else {
			if (r != -ENXIO)
				fprintf(stderr, "unit of \"%s\": %d (%s)\n", t[i].path, r,
					r == 0 ? unit : "");
			TS_ASSERT_INT_EQ(r, -ENXIO);
		}
	}
	{
		char *unit = NULL;

		TS_ASSERT_INT_EQ(cgroup_path_to_unit(NULL, &unit), -EINVAL);
		TS_ASSERT(!unit);
	}
}

/* --- readers, against a fake proc root --- */


typedef struct FakeRoot {
	char root[64];
	char pid_dir[96];
} FakeRoot;

static int fake_root_setup(FakeRoot *f)
{
	char big[5000];
	char path[PATH_MAX];

	snprintf(f->root, sizeof(f->root), "/tmp/cnprocd-test-procfs-XXXXXX");
	if (!mkdtemp(f->root))
		return -errno;
	remember_root(f->root);
	snprintf(f->pid_dir, sizeof(f->pid_dir), "%s/42", f->root);
	if (mkdir(f->pid_dir, 0755) < 0)
		return -errno;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	if (write_file(f->pid_dir, "stat", "42 (cat)" STAT_TAIL "\n",
		       strlen("42 (cat)" STAT_TAIL "\n")) < 0 ||
	    write_file(f->pid_dir, "big", big, sizeof(big)) < 0 ||
	    write_file(f->pid_dir, "ten", "0123456789", 10) < 0 ||
	    write_file(f->pid_dir, "k1", big, 1024) < 0 ||
	    write_file(f->pid_dir, "empty", "", 0) < 0 ||
	    write_file(f->pid_dir, "cmdline", "a\0\0b\0", 5) < 0)
		return -EIO;
	snprintf(path, sizeof(path), "%s/exe", f->pid_dir);
	if (symlink("/usr/bin/cat (deleted)", path) < 0)
		return -errno;
	snprintf(path, sizeof(path), "%s/subdir", f->pid_dir);
	if (mkdir(path, 0755) < 0)
		return -errno;
	return 0;
}

static void test_read_basic(void)
{
	FakeRoot f;
	char *buf = NULL;
	size_t len = 0;
	bool trunc = true;
	int r;

	TS_ASSERT_INT_EQ(fake_root_setup(&f), 0);

	r = procfs_read(f.root, 42, "stat", 4096, &buf, &len, &trunc);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_INT_EQ(len, strlen("42 (cat)" STAT_TAIL "\n"));
	TS_ASSERT_STR_EQ(buf, "42 (cat)" STAT_TAIL "\n"); /* NUL-terminated */
	TS_ASSERT(!trunc);
	free(buf);
	buf = NULL;

	/* binary content with NULs comes back whole */
	r = procfs_read(f.root, 42, "cmdline", 4096, &buf, &len, &trunc);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_INT_EQ(len, 5);
	TS_ASSERT(memcmp(buf, "a\0\0b\0", 6) == 0);
	TS_ASSERT(!trunc);
	free(buf);
	buf = NULL;

	/* larger than the first allocation: grows, all 5000 bytes */
	r = procfs_read(f.root, 42, "big", 1 << 20, &buf, &len, &trunc);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_INT_EQ(len, 5000);
	TS_ASSERT(!trunc);
	TS_ASSERT_INT_EQ(buf[4999], 'a' + 4999 % 26);
	TS_ASSERT_INT_EQ(buf[5000], 0);
	free(buf);
	buf = NULL;

	/* empty file: an empty string, not NULL */
	r = procfs_read(f.root, 42, "empty", 4096, &buf, &len, &trunc);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT(buf);
	TS_ASSERT_INT_EQ(len, 0);
	TS_ASSERT_INT_EQ(buf[0], 0);
	TS_ASSERT(!trunc);
	free(buf);
	buf = NULL;

	/* optional outputs may be NULL */
	r = procfs_read(f.root, 42, "ten", 4096, &buf, NULL, NULL);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_STR_EQ(buf, "0123456789");
	free(buf);
	buf = NULL;

	rm_rf(f.root);
}

static void test_read_truncation(void)
{
	FakeRoot f;
	char *buf = NULL;
	size_t len = 0;
	bool trunc = false;
	int r;

	TS_ASSERT_INT_EQ(fake_root_setup(&f), 0);

	/* longer than max: max bytes, flagged */
	r = procfs_read(f.root, 42, "big", 100, &buf, &len, &trunc);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_INT_EQ(len, 100);
	TS_ASSERT(trunc);
	TS_ASSERT_INT_EQ(buf[99], 'a' + 99 % 26);
	TS_ASSERT_INT_EQ(buf[100], 0);
	free(buf);
	buf = NULL;

	/* cut at a growth boundary */
	r = procfs_read(f.root, 42, "big", 2048, &buf, &len, &trunc);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_INT_EQ(len, 2048);
	TS_ASSERT(trunc);
	free(buf);
	buf = NULL;

	/* one byte shorter than the file */
	r = procfs_read(f.root, 42, "ten", 9, &buf, &len, &trunc);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_INT_EQ(len, 9);
	TS_ASSERT_STR_EQ(buf, "012345678");
	TS_ASSERT(trunc);
	free(buf);
	buf = NULL;

	/* one byte longer than the file */
	trunc = true;
	r = procfs_read(f.root, 42, "ten", 11, &buf, &len, &trunc);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_INT_EQ(len, 10);
	TS_ASSERT(!trunc);
	free(buf);
	buf = NULL;

	rm_rf(f.root);
}

static void test_read_exact_max_not_truncated(void)
{
	FakeRoot f;
	char *buf = NULL;
	size_t len = 0;
	bool trunc = true;
	int r;

	/* "up to max bytes; *ret_truncated set if longer": a file of exactly max
	 * bytes is complete and must not be flagged (a cmdline of exactly ARGV_MAX
	 * would be reported as cut) */
	TS_ASSERT_INT_EQ(fake_root_setup(&f), 0);
	r = procfs_read(f.root, 42, "ten", 10, &buf, &len, &trunc);
	free(buf);
	buf = NULL;
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_INT_EQ(len, 10);
	if (trunc)
		fprintf(stderr, "10-byte file read with max 10 flagged truncated\n");
	TS_ASSERT(!trunc);

	trunc = true;
	r = procfs_read(f.root, 42, "k1", 1024, &buf, &len, &trunc);
	free(buf);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_INT_EQ(len, 1024);
	TS_ASSERT(!trunc);
	rm_rf(f.root);
}

static void test_read_errors(void)
{
	FakeRoot f;
	char *buf = NULL;
	int r;

	TS_ASSERT_INT_EQ(fake_root_setup(&f), 0);

	/* a missing pid dir, a missing file, a missing root: the process is gone */
	r = procfs_read(f.root, 43, "stat", 4096, &buf, NULL, NULL);
	TS_ASSERT_INT_EQ(r, -ESRCH);
	TS_ASSERT(!buf);
	r = procfs_read(f.root, 42, "nosuchfile", 4096, &buf, NULL, NULL);
	TS_ASSERT_INT_EQ(r, -ESRCH);
	r = procfs_read("/nonexistent-cnprocd-root", 1, "stat", 4096, &buf, NULL, NULL);
	TS_ASSERT_INT_EQ(r, -ESRCH);
	/* other errors pass through */
	r = procfs_read(f.root, 42, "subdir", 4096, &buf, NULL, NULL);
	TS_ASSERT_INT_EQ(r, -EISDIR);
	TS_ASSERT(!buf);

	rm_rf(f.root);
}

static void test_read_link(void)
{
	FakeRoot f;
	char *target = NULL;

	TS_ASSERT_INT_EQ(fake_root_setup(&f), 0);
	TS_ASSERT_INT_EQ(procfs_read_link(f.root, 42, "exe", &target), 0);
	TS_ASSERT_STR_EQ(target, "/usr/bin/cat (deleted)");
	free(target);
	target = NULL;

	TS_ASSERT_INT_EQ(procfs_read_link(f.root, 43, "exe", &target), -ESRCH);
	TS_ASSERT_INT_EQ(procfs_read_link(f.root, 42, "cwd", &target), -ESRCH);
	/* not a symlink */
	TS_ASSERT_INT_EQ(procfs_read_link(f.root, 42, "stat", &target), -EINVAL);
	TS_ASSERT(!target);
	rm_rf(f.root);
}

static void test_read_real_proc(void)
{
	char *buf = NULL, *exe = NULL;
	size_t len;
	bool trunc;
	ProcStat st;
	ProcStatus ss;
	pid_t self = getpid();

	/* the readers and parsers together on this very process */
	TS_ASSERT_INT_EQ(procfs_read("/proc", self, "stat", 4096, &buf, &len, &trunc), 0);
	TS_ASSERT(!trunc);
	TS_ASSERT_INT_EQ(procfs_parse_stat(buf, len, &st), 0);
	free(buf);
	buf = NULL;
	TS_ASSERT_INT_EQ(st.pid, self);
	TS_ASSERT_INT_EQ(st.ppid, getppid());
	TS_ASSERT_INT_EQ(st.state, 'R');

	TS_ASSERT_INT_EQ(procfs_read("/proc", self, "status", 16384, &buf, &len, NULL),
			 0);
	TS_ASSERT_INT_EQ(procfs_parse_status(buf, len, &ss), 0);
	free(buf);
	TS_ASSERT_INT_EQ(ss.tgid, self);
	TS_ASSERT_INT_EQ(ss.ppid, getppid());
	TS_ASSERT_INT_EQ(ss.ruid, getuid());
	TS_ASSERT_INT_EQ(ss.euid, geteuid());
	TS_ASSERT_INT_EQ(ss.rgid, getgid());
	TS_ASSERT_INT_EQ(ss.egid, getegid());

	TS_ASSERT_INT_EQ(procfs_read_link("/proc", self, "exe", &exe), 0);
	TS_ASSERT(strstr(exe, "test-procfs") != NULL);
	free(exe);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void test_ticks_to_monotonic(void)
{
	uint64_t hz = (uint64_t)sysconf(_SC_CLK_TCK), tick_ns, a, b, now;
	char *buf = NULL;
	size_t len;
	ProcStat st;

	TS_ASSERT(hz > 0);
	tick_ns = 1000000000ULL / hz;
	TS_ASSERT_INT_EQ(procfs_ticks_to_monotonic_ns(0), 0);

	/* this process started a moment ago, on the monotonic clock */
	TS_ASSERT_INT_EQ(procfs_read("/proc", getpid(), "stat", 4096, &buf, &len, NULL),
			 0);
	TS_ASSERT_INT_EQ(procfs_parse_stat(buf, len, &st), 0);
	free(buf);
	a = procfs_ticks_to_monotonic_ns(st.starttime);
	now = mono_ns();
	TS_ASSERT(a > 0);
	TS_ASSERT(a <= now + tick_ns);
	TS_ASSERT(a + 60ULL * 1000000000ULL > now);

	/* linear in ticks (1 ms slack: the clocks are read one after the other) */
	b = procfs_ticks_to_monotonic_ns(st.starttime + 100);
	TS_ASSERT(b > a);
	TS_ASSERT(b - a + 1000000 > 100 * tick_ns);
	TS_ASSERT(b - a < 100 * tick_ns + 1000000);
}

int main(void)
{
	RUN_TEST(test_stat_fixture_sleep);
	RUN_TEST(test_stat_fixture_kthreadd);
	RUN_TEST(test_stat_fixture_hostile_comm);
	RUN_TEST(test_stat_fixture_long_comm);
	RUN_TEST(test_stat_valid_table);
	RUN_TEST(test_stat_hostile_table);
	RUN_TEST(test_stat_not_nul_terminated);
	RUN_TEST(test_status_fixture);
	RUN_TEST(test_status_missing_lines);
	RUN_TEST(test_status_inline);
	RUN_TEST(test_cgroup_fixtures);
	RUN_TEST(test_cgroup_inline);
	RUN_TEST(test_cgroup_len_bound);
	RUN_TEST(test_cgroup_path_to_unit);
	RUN_TEST(test_read_basic);
	RUN_TEST(test_read_truncation);
	RUN_TEST(test_read_exact_max_not_truncated);
	RUN_TEST(test_read_errors);
	RUN_TEST(test_read_link);
	RUN_TEST(test_read_real_proc);
	RUN_TEST(test_ticks_to_monotonic);
	rm_made_roots();
	return TEST_EXIT();
}
