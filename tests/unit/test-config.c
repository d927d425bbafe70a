/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cnprocd.conf parsing: every key, every kind of error and where it is reported. */

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
#include <unistd.h>

/* by path: a plain "config.h" finds autoconf's config.h in the build dir first */
#include "conffile.h"
#include "test.h"

#define NAME "test.conf"

/* Values no default has, so "left untouched" can be told from "reset". */
static const Config poisoned = {
	.rcvbuf = 12345,
	.log_target = LOG_TARGET_CONSOLE,
	.max_processes = 777,
	.threads = true,
	.record_argv = false,
};

static bool config_eq(const Config *a, const Config *b)
{
	return a->rcvbuf == b->rcvbuf && a->log_target == b->log_target &&
	       a->max_processes == b->max_processes && a->threads == b->threads &&
	       a->record_argv == b->record_argv;
}

/* Load text over the poisoned config; expect -EINVAL at line, message containing
 * what, and the config left as it was. */
static void check_error(const char *text, unsigned line, const char *what)
{
	Config c = poisoned;
	ConfigError err;
	int r;

	memset(&err, 0x7a, sizeof(err));
	r = config_load_string(&c, NAME, text, &err);
	if (r != -EINVAL || err.line != line || !strstr(err.message, what))
		fprintf(stderr, "config:\n%s\n-> %d, line %u, \"%.256s\"; want line %u, "
			"\"%s\"\n", text, r, r < 0 ? err.line : 0,
			r < 0 ? err.message : "", line, what);
	TS_ASSERT_INT_EQ(r, -EINVAL);
	TS_ASSERT_STR_EQ(err.file, NAME);
	TS_ASSERT_INT_EQ(err.line, line);
	TS_ASSERT(memchr(err.message, 0, sizeof(err.message)));
	TS_ASSERT(strstr(err.message, what));
	TS_ASSERT(config_eq(&c, &poisoned));
}

#define CHECK_ERROR(text, line, what)                                              \
	do {                                                                       \
		int _f = test_failures;                                            \
		check_error((text), (line), (what));                               \
		if (test_failures != _f)                                           \
			return;                                                    \
	} while (0)

static int load(Config *c, const char *text)
{
	ConfigError err;

	return config_load_string(c, NAME, text, &err);
}

static void test_defaults(void)
{
	Config c;

	memset(&c, 0x5a, sizeof(c));
	config_init(&c);
	TS_ASSERT(c.rcvbuf == 8ULL << 20);
	TS_ASSERT_INT_EQ(c.log_target, LOG_TARGET_AUTO);
	TS_ASSERT_INT_EQ(c.max_processes, 131072);
	TS_ASSERT(!c.threads);
	TS_ASSERT(c.record_argv);

	/* an empty file, comments, an empty section: all defaults stay */
	TS_ASSERT_INT_EQ(load(&c, ""), 0);
	TS_ASSERT_INT_EQ(load(&c, "# comment\n; other comment\n\n[cnprocd]\n"), 0);
	{
		Config d;

		config_init(&d);
		TS_ASSERT(config_eq(&c, &d));
	}
	/* earlier values are kept where the file says nothing */
	c = poisoned;
	TS_ASSERT_INT_EQ(load(&c, "[cnprocd]\n"), 0);
	TS_ASSERT(config_eq(&c, &poisoned));
}

static void test_all_keys(void)
{
	static const char text[] = "# cnprocd.conf\n"
				   "[cnprocd]\n"
				   "receive-buffer = 16M\n"
				   "log-target = journal\n"
				   "max-processes = 4096\n"
				   "threads = yes\n"
				   "record-argv = no\n";
	Config c;

	config_init(&c);
	TS_ASSERT_INT_EQ(load(&c, text), 0);
	TS_ASSERT(c.rcvbuf == 16ULL << 20);
	TS_ASSERT_INT_EQ(c.log_target, LOG_TARGET_JOURNAL);
	TS_ASSERT_INT_EQ(c.max_processes, 4096);
	TS_ASSERT(c.threads);
	TS_ASSERT(!c.record_argv);

	/* the last assignment wins; no spaces around '=' is fine */
	TS_ASSERT_INT_EQ(load(&c, "[cnprocd]\nthreads=no\nthreads = on\n"), 0);
	TS_ASSERT(c.threads);
}

static void test_valid_values(void)
{
	static const struct {
		const char *text;
		uint64_t rcvbuf, max;
		int target, threads, argv; /* -1: not checked */
	} t[] = {
		{ "[cnprocd]\nreceive-buffer = 1G\n", 1ULL << 30, 0, -1, -1, -1 },
		{ "[cnprocd]\nreceive-buffer = 65536\n", 65536, 0, -1, -1, -1 },
		{ "[cnprocd]\nreceive-buffer = 512KiB\n", 512 * 1024, 0, -1, -1, -1 },
		{ "[cnprocd]\nlog-target = auto\n", 0, 0, LOG_TARGET_AUTO, -1, -1 },
		{ "[cnprocd]\nlog-target = console\n", 0, 0, LOG_TARGET_CONSOLE, -1, -1 },
		{ "[cnprocd]\nlog-target = journal\n", 0, 0, LOG_TARGET_JOURNAL, -1, -1 },
		{ "[cnprocd]\nmax-processes = 16\n", 0, 16, -1, -1, -1 },
		{ "[cnprocd]\nmax-processes = 16777216\n", 0, 16777216, -1, -1, -1 },
		{ "[cnprocd]\nthreads = true\n", 0, 0, -1, 1, -1 },
		{ "[cnprocd]\nthreads = 0\n", 0, 0, -1, 0, -1 },
		{ "[cnprocd]\nthreads = OFF\n", 0, 0, -1, 0, -1 },
		{ "[cnprocd]\nrecord-argv = 1\n", 0, 0, -1, -1, 1 },
		{ "[cnprocd]\nrecord-argv = false\n", 0, 0, -1, -1, 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		Config c = poisoned;
		int r = load(&c, t[i].text);

		if (r != 0)
			fprintf(stderr, "refused: %s", t[i].text);
		TS_ASSERT_INT_EQ(r, 0);
		TS_ASSERT(c.rcvbuf == (t[i].rcvbuf ?: poisoned.rcvbuf));
		TS_ASSERT(c.max_processes == (t[i].max ?: poisoned.max_processes));
		if (t[i].target >= 0)
			TS_ASSERT_INT_EQ(c.log_target, t[i].target);
		else
			TS_ASSERT_INT_EQ(c.log_target, poisoned.log_target);
		if (t[i].threads >= 0)
			TS_ASSERT_INT_EQ(c.threads, t[i].threads);
		else
			TS_ASSERT_INT_EQ(c.threads, poisoned.threads);
		if (t[i].argv >= 0)
			TS_ASSERT_INT_EQ(c.record_argv, t[i].argv);
		else
			TS_ASSERT_INT_EQ(c.record_argv, poisoned.record_argv);
	}
}

static void test_invalid_values(void)
{
	static const struct {
		const char *line, *what;
	} t[] = {
		{ "receive-buffer = 2G", "receive-buffer" },
		{ "receive-buffer = 1025M", "receive-buffer" },
		{ "receive-buffer = 8X", "receive-buffer" },
		{ "receive-buffer =", "receive-buffer" },
		{ "receive-buffer = -1", "receive-buffer" },
		{ "receive-buffer = lots", "receive-buffer" },
		{ "log-target = syslog", "log-target" },
		{ "log-target =", "log-target" },
		{ "log-target = Journal", "log-target" },
		{ "log-target = console journal", "log-target" },
		{ "max-processes = 15", "max-processes" },
		{ "max-processes = 0", "max-processes" },
		{ "max-processes = 16777217", "max-processes" },
		{ "max-processes = abc", "max-processes" },
		{ "max-processes = -1", "max-processes" },
		{ "max-processes = 1e6", "max-processes" },
		{ "max-processes = 4k", "max-processes" },
		{ "max-processes =", "max-processes" },
		{ "threads = maybe", "threads" },
		{ "threads = 2", "threads" },
		{ "threads =", "threads" },
		{ "record-argv = sometimes", "record-argv" },
		{ "record-argv =", "record-argv" },
	};
	char text[256];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* after valid lines and a blank one: the bad line is line 5 */
		snprintf(text, sizeof(text),
			 "[cnprocd]\n# comment\nmax-processes = 64\n\n%s\nthreads = no\n",
			 t[i].line);
		CHECK_ERROR(text, 5, t[i].what);
	}

	/* the message quotes the offending value */
	CHECK_ERROR("[cnprocd]\nthreads = maybe\n", 2, "\"maybe\"");
	CHECK_ERROR("[cnprocd]\nmax-processes = 15\n", 2, "\"15\"");
}

static void test_structure_errors(void)
{
	CHECK_ERROR("[cnprocd]\nthreads = yes\nfoo = bar\n", 3, "unknown key \"foo\"");
	CHECK_ERROR("[cnprocd]\nThreads = yes\n", 2, "unknown key \"Threads\"");
	CHECK_ERROR("[cnprocd]\nthreads = yes\n\n[other]\nkey = 1\n", 5,
		    "unknown section [other]");
	CHECK_ERROR("[other]\nthreads = yes\n", 2, "unknown section [other]");
	CHECK_ERROR("threads = yes\n[cnprocd]\n", 1, "outside of any section");
	CHECK_ERROR("# c\nmax-processes = 100\n", 2, "outside of any section");
	CHECK_ERROR("[cnprocd]\nthreads = yes\ngarbage\n", 3, "syntax error");
	CHECK_ERROR("[cnprocd\n", 1, "syntax error");
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memset(s, c, n);
		s[n] = 0;
	}
	return s;
}

static void test_long_lines(void)
{
	char text[2048], *pad;
	Config c;
	int n;

	/* 198 characters: the longest line accepted, read whole */
	pad = repeat('0', 198 - strlen("receive-buffer = 8M"));
	TS_ASSERT(pad);
	n = snprintf(text, sizeof(text),
		     "[cnprocd]\nreceive-buffer = %s8M\nthreads = yes\n", pad);
	free(pad);
	TS_ASSERT_INT_EQ(n, 10 + 199 + 14);
	c = poisoned;
	TS_ASSERT_INT_EQ(load(&c, text), 0);
	TS_ASSERT(c.rcvbuf == 8ULL << 20);
	TS_ASSERT(c.threads);

	pad = repeat('x', 197);
	TS_ASSERT(pad);
	snprintf(text, sizeof(text), "[cnprocd]\n#%s\nthreads = no\n", pad);
	free(pad);
	c = poisoned;
	TS_ASSERT_INT_EQ(load(&c, text), 0);
	TS_ASSERT(!c.threads);

	/* 199 characters: refused, at its line */
	pad = repeat('x', 198);
	TS_ASSERT(pad);
	snprintf(text, sizeof(text), "[cnprocd]\nthreads = yes\n#%s\n", pad);
	free(pad);
	CHECK_ERROR(text, 3, "line too long");

	/* a long key line whose tail would parse as a line of its own if split */
	pad = repeat(' ', 190);
	TS_ASSERT(pad);
	snprintf(text, sizeof(text),
		 "[cnprocd]\n# c\n\nrecord-argv = no%sthreads = yes\n", pad);
	free(pad);
	CHECK_ERROR(text, 4, "line too long");

	/* last line, no newline; and far longer than any buffer */
	pad = repeat('y', 1500);
	TS_ASSERT(pad);
	snprintf(text, sizeof(text), "[cnprocd]\n\n#%s", pad);
	free(pad);
	CHECK_ERROR(text, 3, "line too long");
}

static void test_first_error_wins(void)
{
	CHECK_ERROR("[cnprocd]\nthreads = maybe\nmax-processes = 1\nfoo = bar\n", 2,
		    "threads");
	CHECK_ERROR("[cnprocd]\nfoo = bar\nthreads = maybe\n", 2, "unknown key");
	CHECK_ERROR("[cnprocd]\nthreads = maybe\ngarbage\n", 2, "threads");
	CHECK_ERROR("[cnprocd]\nthreads = maybe\n[x]\ny = 1\n", 2, "threads");
	CHECK_ERROR("threads = yes\n[cnprocd\n", 1, "outside of any section");
}

static void test_first_error_syntax_then_key(void)
{
	/* inih reports the first error's line (2, a syntax error); the message must
	 * be that error's, not the later key error's */
	CHECK_ERROR("[cnprocd]\ngarbage\nthreads = maybe\n", 2, "syntax error");
	/* a typo in the header: the keys below are then outside any section */
	CHECK_ERROR("[cnprocd\nthreads = yes\n", 1, "syntax error");
}

static void test_first_error_before_long_line(void)
{
	char text[512], *pad = repeat('x', 250);

	/* the bad value on line 2 comes first; the long line is line 3 */
	TS_ASSERT(pad);
	snprintf(text, sizeof(text), "[cnprocd]\nthreads = maybe\n#%s\n", pad);
	free(pad);
	CHECK_ERROR(text, 2, "threads");
}

static void test_untouched_on_error(void)
{
	Config c = poisoned;
	ConfigError err;

	/* every valid key applied before the error is discarded with it */
	TS_ASSERT_INT_EQ(config_load_string(&c, NAME,
					    "[cnprocd]\n"
					    "receive-buffer = 1M\n"
					    "log-target = journal\n"
					    "max-processes = 100\n"
					    "threads = no\n"
					    "record-argv = yes\n"
					    "bogus = 1\n",
					    &err),
			 -EINVAL);
	TS_ASSERT_INT_EQ(err.line, 7);
	TS_ASSERT(config_eq(&c, &poisoned));
}

/* --- config_load on files --- */

/* Scratch directory for the file tests, removed with its content at exit. */
static char tmp_dir[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int write_path(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

static void test_load_file(void)
{
	char path[128];
	ConfigError err;
	Config c;
	int r;

	TS_ASSERT(tmp_dir[0]);
	snprintf(path, sizeof(path), "%s/cnprocd.conf", tmp_dir);

#define GOOD "[cnprocd]\nmax-processes = 2048\nthreads = 1\n"
	TS_ASSERT_INT_EQ(write_path(path, GOOD, strlen(GOOD)), 0);
#undef GOOD
	config_init(&c);
	TS_ASSERT_INT_EQ(config_load(&c, path, &err), 0);
	TS_ASSERT_INT_EQ(c.max_processes, 2048);
	TS_ASSERT(c.threads);

	/* errors name the file */
	TS_ASSERT_INT_EQ(write_path(path, "[cnprocd]\n\nthreads = perhaps\n",
				    strlen("[cnprocd]\n\nthreads = perhaps\n")),
			 0);
	c = poisoned;
	TS_ASSERT_INT_EQ(config_load(&c, path, &err), -EINVAL);
	TS_ASSERT_STR_EQ(err.file, path);
	TS_ASSERT_INT_EQ(err.line, 3);
	TS_ASSERT(strstr(err.message, "threads"));
	TS_ASSERT(config_eq(&c, &poisoned));

	/* empty file */
	TS_ASSERT_INT_EQ(write_path(path, "", 0), 0);
	c = poisoned;
	TS_ASSERT_INT_EQ(config_load(&c, path, &err), 0);
	TS_ASSERT(config_eq(&c, &poisoned));

	/* a NUL byte: not a text file, whatever follows */
	TS_ASSERT_INT_EQ(write_path(path, "[cnprocd]\nthreads = no\0\nbogus\n", 30), 0);
	c = poisoned;
	TS_ASSERT_INT_EQ(config_load(&c, path, &err), -EINVAL);
	TS_ASSERT_STR_EQ(err.file, path);
	TS_ASSERT_INT_EQ(err.line, 0);
	TS_ASSERT(strstr(err.message, "NUL"));
	TS_ASSERT(config_eq(&c, &poisoned));

	/* missing */
	r = unlink(path);
	TS_ASSERT_INT_EQ(r, 0);
	c = poisoned;
	TS_ASSERT_INT_EQ(config_load(&c, path, &err), -ENOENT);
	TS_ASSERT_STR_EQ(err.file, path);
	TS_ASSERT_INT_EQ(err.line, 0);
	TS_ASSERT(err.message[0]);
	TS_ASSERT(config_eq(&c, &poisoned));

	/* a directory */
	c = poisoned;
	TS_ASSERT_INT_EQ(config_load(&c, tmp_dir, &err), -EISDIR);
	TS_ASSERT(config_eq(&c, &poisoned));
}

static void test_load_size_limit(void)
{
	const size_t mib = 1 << 20;
	char path[128];
	char *text = malloc(mib + 1);
	ConfigError err;
	Config c;

	TS_ASSERT(text);
	if (!tmp_dir[0]) {
		free(text);
		TS_ASSERT(tmp_dir[0]);
	}
	snprintf(path, sizeof(path), "%s/big.conf", tmp_dir);

	/* exactly 1 MiB of comment lines (64 bytes each): accepted */
	for (size_t i = 0; i < mib; i += 64) {
		memset(text + i, 'c', 63);
		text[i] = '#';
		text[i + 63] = '\n';
	}
	memcpy(text, "[cnprocd]\n", 10);
	text[10] = '#';
	memcpy(text + 64, "threads = yes\n", 14);
	memset(text + 64 + 14, '#', 49);
	TS_ASSERT_INT_EQ(write_path(path, text, mib), 0);
	c = poisoned;
	c.threads = false;
	TS_ASSERT_INT_EQ(config_load(&c, path, &err), 0);
	TS_ASSERT(c.threads);

	/* one byte more: refused */
	text[mib] = '\n';
	TS_ASSERT_INT_EQ(write_path(path, text, mib + 1), 0);
	c = poisoned;
	TS_ASSERT_INT_EQ(config_load(&c, path, &err), -EFBIG);
	TS_ASSERT_STR_EQ(err.file, path);
	TS_ASSERT(config_eq(&c, &poisoned));

	free(text);
}

int main(void)
{
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/cnprocd-test-config-XXXXXX");
	if (!mkdtemp(tmp_dir))
		tmp_dir[0] = 0; /* the file tests fail on it */

	RUN_TEST(test_defaults);
	RUN_TEST(test_all_keys);
	RUN_TEST(test_valid_values);
	RUN_TEST(test_invalid_values);
	RUN_TEST(test_structure_errors);
	RUN_TEST(test_long_lines);
	RUN_TEST(test_first_error_wins);
	RUN_TEST(test_first_error_syntax_then_key);
	RUN_TEST(test_first_error_before_long_line);
	RUN_TEST(test_untouched_on_error);
	RUN_TEST(test_load_file);
	RUN_TEST(test_load_size_limit);
	if (tmp_dir[0])
		nftw(tmp_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return TEST_EXIT();
}
