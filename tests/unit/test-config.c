/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cnprocd.conf parsing: every key, every kind of error and where it is reported,
 * rule sections, drop-ins. */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

/* by path: a plain "config.h" finds autoconf's config.h in the build dir first */
#include "conffile.h"
#include "test.h"

#define NAME "test.conf"
#define SEC USEC_PER_SEC

/* Values no default has, so "left untouched" can be told from "reset". */
static const Config poisoned = {
	.rcvbuf = 12345,
	.log_target = LOG_TARGET_CONSOLE,
	.max_processes = 777,
	.threads = true,
	.record_argv = false,
	.default_action = RULE_ACTION_IGNORE,
	.default_priority = LOG_DEBUG,
	.default_rate = { .burst = 3, .interval = 7 },
	.batch_delay = 4242,
	.hash = 0x1234,
	.n_files = 99,
};

/* The [cnprocd] settings. */
static bool config_eq(const Config *a, const Config *b)
{
	return a->rcvbuf == b->rcvbuf && a->log_target == b->log_target &&
	       a->max_processes == b->max_processes && a->threads == b->threads &&
	       a->record_argv == b->record_argv &&
	       a->default_action == b->default_action &&
	       a->default_priority == b->default_priority &&
	       a->default_rate.burst == b->default_rate.burst &&
	       a->default_rate.interval == b->default_rate.interval &&
	       a->batch_delay == b->batch_delay && a->exec_prefetch == b->exec_prefetch;
}

/* Exactly the poisoned config: settings, no rules, hash and file count. */
static bool is_poisoned(const Config *c)
{
	return config_eq(c, &poisoned) && c->rules.n == 0 && !c->rules.rules &&
	       c->hash == poisoned.hash && c->n_files == poisoned.n_files;
}

/* Load text over the poisoned config; expect -EINVAL at line, message containing
 * what, and the config left as it was. */
static void check_error(const char *text, unsigned line, const char *what)
{
	Config c = poisoned;
	ConfigError err;
	int r;

	memset(&err, 0x7a, sizeof(err));
	r = config_load_string(NAME, text, &c, &err);
	if (r == 0)
		config_done(&c);
	if (r != -EINVAL || err.line != line || !strstr(err.message, what))
		fprintf(stderr, "config:\n%s\n-> %d, line %u, \"%.256s\"; want line %u, "
			"\"%s\"\n", text, r, r < 0 ? err.line : 0,
			r < 0 ? err.message : "", line, what);
	TS_ASSERT_INT_EQ(r, -EINVAL);
	TS_ASSERT_STR_EQ(err.file, NAME);
	TS_ASSERT_INT_EQ(err.line, line);
	TS_ASSERT(memchr(err.message, 0, sizeof(err.message)));
	TS_ASSERT(strstr(err.message, what));
	TS_ASSERT(is_poisoned(&c));
}

#define CHECK_ERROR(text, line, what)                                              \
	do {                                                                       \
		int _f = test_failures;                                            \
		check_error((text), (line), (what));                               \
		if (test_failures != _f)                                           \
			return;                                                    \
	} while (0)

/* Replace *c (which must be initialized or loaded) by the config of text. */
static int reload(Config *c, const char *text)
{
	ConfigError err;
	int r;

	config_done(c);
	r = config_load_string(NAME, text, c, &err);
	if (r < 0)
		fprintf(stderr, "refused: %s:%u: %s\n", err.file, err.line, err.message);
	return r;
}

static void test_defaults(void)
{
	_cleanup_(config_done) Config c = poisoned;
	Config d;

	memset(&d, 0x5a, sizeof(d));
	config_init(&d);
	TS_ASSERT(d.rcvbuf == 8ULL << 20);
	TS_ASSERT_INT_EQ(d.log_target, LOG_TARGET_AUTO);
	TS_ASSERT_INT_EQ(d.max_processes, 131072);
	TS_ASSERT(!d.threads);
	TS_ASSERT(d.record_argv);
	TS_ASSERT_INT_EQ(d.default_action, RULE_ACTION_LOG);
	TS_ASSERT_INT_EQ(d.default_priority, LOG_INFO);
	TS_ASSERT_INT_EQ(d.default_rate.burst, 1000);
	TS_ASSERT(d.default_rate.interval == 10 * SEC);
	TS_ASSERT_INT_EQ(d.rules.n, 0);
	TS_ASSERT(!d.rules.rules);
	TS_ASSERT_INT_EQ(d.n_files, 0);
	config_done(&d);

	/* an empty file, comments, an empty section: all defaults */
	TS_ASSERT_INT_EQ(reload(&c, ""), 0);
	TS_ASSERT(config_eq(&c, &d));
	TS_ASSERT_INT_EQ(c.rules.n, 0);
	TS_ASSERT_INT_EQ(c.n_files, 1);
	TS_ASSERT_INT_EQ(reload(&c, "# comment\n; other comment\n\n[cnprocd]\n"), 0);
	TS_ASSERT(config_eq(&c, &d));
	TS_ASSERT_INT_EQ(c.rules.n, 0);

	/* a load starts from the defaults, not from what *ret held before */
	config_done(&c);
	c = poisoned;
	TS_ASSERT_INT_EQ(reload(&c, "[cnprocd]\n"), 0);
	TS_ASSERT(config_eq(&c, &d));
	TS_ASSERT_INT_EQ(c.n_files, 1);

	/* config_done leaves nothing behind and may be repeated */
	config_done(&c);
	TS_ASSERT_INT_EQ(c.rules.n, 0);
	TS_ASSERT(!c.rules.rules);
	config_done(&c);
}

static void test_all_keys(void)
{
	static const char text[] = "# cnprocd.conf\n"
				   "[cnprocd]\n"
				   "receive-buffer = 16M\n"
				   "log-target = journal\n"
				   "max-processes = 4096\n"
				   "threads = yes\n"
				   "record-argv = no\n"
				   "default-action = ignore\n"
				   "default-priority = notice\n"
				   "rate-limit = 20/30s\n";
	_cleanup_(config_done) Config c;

	config_init(&c);
	TS_ASSERT_INT_EQ(reload(&c, text), 0);
	TS_ASSERT(c.rcvbuf == 16ULL << 20);
	TS_ASSERT_INT_EQ(c.log_target, LOG_TARGET_JOURNAL);
	TS_ASSERT_INT_EQ(c.max_processes, 4096);
	TS_ASSERT(c.threads);
	TS_ASSERT(!c.record_argv);
	TS_ASSERT_INT_EQ(c.default_action, RULE_ACTION_IGNORE);
	TS_ASSERT_INT_EQ(c.default_priority, LOG_NOTICE);
	TS_ASSERT_INT_EQ(c.default_rate.burst, 20);
	TS_ASSERT(c.default_rate.interval == 30 * SEC);
	TS_ASSERT_INT_EQ(c.rules.n, 0);

	/* the last assignment wins; no spaces around '=' is fine */
	TS_ASSERT_INT_EQ(reload(&c, "[cnprocd]\nthreads=no\nthreads = on\n"), 0);
	TS_ASSERT(c.threads);
	/* so does a second [cnprocd] section */
	TS_ASSERT_INT_EQ(reload(&c, "[cnprocd]\nthreads = on\n"
				    "[cnprocd]\nthreads = off\n"),
			 0);
	TS_ASSERT(!c.threads);
}

/* One key each; every other setting keeps its default. */
static void test_valid_values(void)
{
	enum { RCVBUF, MAX, TARGET, THREADS, ARGV, ACTION, PRIO, RATE, BATCH, PREFETCH };
	static const struct {
		const char *text;
		int field;
		uint64_t v;
		usec_t interval; /* RATE */
	} t[] = {
		{ "[cnprocd]\nreceive-buffer = 1G\n", RCVBUF, 1ULL << 30 },
		{ "[cnprocd]\nreceive-buffer = 65536\n", RCVBUF, 65536 },
		{ "[cnprocd]\nreceive-buffer = 512KiB\n", RCVBUF, 512 * 1024 },
		{ "[cnprocd]\nlog-target = auto\n", TARGET, LOG_TARGET_AUTO },
		{ "[cnprocd]\nlog-target = console\n", TARGET, LOG_TARGET_CONSOLE },
		{ "[cnprocd]\nlog-target = journal\n", TARGET, LOG_TARGET_JOURNAL },
		{ "[cnprocd]\nmax-processes = 16\n", MAX, 16 },
		{ "[cnprocd]\nmax-processes = 16777216\n", MAX, 16777216 },
		{ "[cnprocd]\nthreads = true\n", THREADS, 1 },
		{ "[cnprocd]\nthreads = 0\n", THREADS, 0 },
		{ "[cnprocd]\nthreads = OFF\n", THREADS, 0 },
		{ "[cnprocd]\nrecord-argv = 1\n", ARGV, 1 },
		{ "[cnprocd]\nrecord-argv = false\n", ARGV, 0 },
		{ "[cnprocd]\ndefault-action = ignore\n", ACTION, RULE_ACTION_IGNORE },
		{ "[cnprocd]\ndefault-action = log\n", ACTION, RULE_ACTION_LOG },
		{ "[cnprocd]\ndefault-priority = warn\n", PRIO, LOG_WARNING },
		{ "[cnprocd]\ndefault-priority = emerg\n", PRIO, LOG_EMERG },
		{ "[cnprocd]\ndefault-priority = 7\n", PRIO, LOG_DEBUG },
		{ "[cnprocd]\nrate-limit = none\n", RATE, 0, 0 },
		{ "[cnprocd]\nrate-limit = 0\n", RATE, 0, 0 },
		{ "[cnprocd]\nrate-limit = 5/2min\n", RATE, 5, 120 * SEC },
		{ "[cnprocd]\nrate-limit = 1/1ms ; inline comment\n", RATE, 1, 1000 },
		{ "[cnprocd]\nbatch-delay = 0\n", BATCH, 0 },
		{ "[cnprocd]\nbatch-delay = 20ms\n", BATCH, 20000 },
		{ "[cnprocd]\nbatch-delay = 500us\n", BATCH, 500 },
		{ "[cnprocd]\nbatch-delay = 1s\n", BATCH, 1000000 },
		{ "[cnprocd]\nexec-prefetch = no\n", PREFETCH, 0 },
		{ "[cnprocd]\nexec-prefetch = yes\n", PREFETCH, 1 },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		_cleanup_(config_done) Config c = poisoned;
		Config want;
		int r;

		config_init(&want);
		switch (t[i].field) {
		case RCVBUF:
			want.rcvbuf = t[i].v;
			break;
		case MAX:
			want.max_processes = t[i].v;
			break;
		case TARGET:
			want.log_target = (LogTarget)t[i].v;
			break;
		case THREADS:
			want.threads = t[i].v;
			break;
		case ARGV:
			want.record_argv = t[i].v;
			break;
		case ACTION:
			want.default_action = (RuleAction)t[i].v;
			break;
		case PRIO:
			want.default_priority = (int)t[i].v;
			break;
		case RATE:
			want.default_rate.burst = (unsigned)t[i].v;
			want.default_rate.interval = t[i].interval;
			break;
		case BATCH:
			want.batch_delay = t[i].v;
			break;
		case PREFETCH:
			want.exec_prefetch = t[i].v;
			break;
		}
		r = reload(&c, t[i].text);
		if (r != 0 || !config_eq(&c, &want))
			fprintf(stderr, "wrong: %s", t[i].text);
		TS_ASSERT_INT_EQ(r, 0);
		TS_ASSERT(config_eq(&c, &want));
	}
}

static void test_invalid_values(void)
{
	static const struct {
		const char *line, *what;
	} t[] = {
		{ "batch-delay = 2s", "batch-delay" },
		{ "exec-prefetch = sometimes", "exec-prefetch" },
		{ "batch-delay = soon", "batch-delay" },
		{ "batch-delay = -5ms", "batch-delay" },
		{ "batch-delay =", "batch-delay" },
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
		{ "default-action = drop", "default-action" },
		{ "default-action = Log", "default-action" },
		{ "default-action =", "default-action" },
		{ "default-priority = loud", "default-priority" },
		{ "default-priority = 8", "default-priority" },
		{ "default-priority =", "default-priority" },
		{ "rate-limit = 0/10s", "rate-limit: invalid count" },
		{ "rate-limit = 10", "rate-limit" },
		{ "rate-limit = 10/", "rate-limit: invalid interval" },
		{ "rate-limit = x/10s", "rate-limit: invalid count" },
		{ "rate-limit = 10/0", "rate-limit: invalid interval" },
		{ "rate-limit =", "rate-limit" },
	};
	char text[256];

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		/* after valid lines and a blank one: the bad line is line 5 */
		snprintf(text, sizeof(text),
			 "[cnprocd]\n# comment\nmax-processes = 64\n\n%s\nthreads = no\n",
			 t[i].line);
		CHECK_ERROR(text, 5, t[i].what);
	}

	/* the message quotes the offending value */
	CHECK_ERROR("[cnprocd]\nthreads = maybe\n", 2, "\"maybe\"");
	CHECK_ERROR("[cnprocd]\nmax-processes = 15\n", 2, "\"15\"");
	CHECK_ERROR("[cnprocd]\ndefault-action = drop\n", 2, "\"drop\"");
}

/* The whole message of each kind of [cnprocd] error, bounds included: scripts
 * and the manual quote them. */
static void test_setting_messages(void)
{
	static const struct {
		const char *line, *message;
	} t[] = {
		{ "receive-buffer = 2G",
		  "receive-buffer: expected a size up to 1G (e.g. 8M), got \"2G\"" },
		{ "log-target = syslog",
		  "log-target: expected auto, console or journal, got \"syslog\"" },
		{ "max-processes = x",
		  "max-processes: expected a number from 16 to 16777216, got \"x\"" },
		{ "threads = maybe", "threads: expected a boolean (yes/no), got \"maybe\"" },
		{ "kernel-filter = 2", "kernel-filter: expected a boolean (yes/no), got \"2\"" },
		{ "journal-queue = 15",
		  "journal-queue: expected a number from 16 to 1048576, got \"15\"" },
		{ "batch-delay = 1000001us",
		  "batch-delay: expected a duration up to 1s (e.g. 5ms, 0 to read every event "
		  "at once), got \"1000001us\"" },
		{ "exec-prefetch =", "exec-prefetch: expected a boolean (yes/no), got \"\"" },
		{ "redact-argv = [x", "redact-argv: bad glob \"[x\": unterminated [ in pattern" },
		{ "default-action = Log", "default-action: expected log or ignore, got \"Log\"" },
		{ "default-priority = 8",
		  "default-priority: expected emerg, alert, crit, err, warning, notice, info or "
		  "debug, got \"8\"" },
		{ "rate-limit = 10/", "rate-limit: invalid interval \"\"" },
		{ "varlink-socket = NONE",
		  "varlink-socket: expected an absolute path or none, got \"NONE\"" },
		{ "varlink-mode = 1000", "varlink-mode: expected an octal mode like 0660, got \"1000\"" },
		{ "varlink-mode = 0x1", "varlink-mode: expected an octal mode like 0660, got \"0x1\"" },
		{ "varlink-group = no-such-group-cnprocd",
		  "varlink-group: unknown group \"no-such-group-cnprocd\"" },
		{ "no-such-key = 1", "unknown key \"no-such-key\" in section [cnprocd]" },
	};
	static const char *const ok[] = {
		"receive-buffer = 1G", "max-processes = 16", "max-processes = 16777216",
		"journal-queue = 16",  "journal-queue = 1048576", "batch-delay = 1s",
		"varlink-mode = 0777", "varlink-mode = 0",
	};
	char text[256];

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		Config c;
		ConfigError err;

		snprintf(text, sizeof(text), "[cnprocd]\n%s\n", t[i].line);
		TS_ASSERT_INT_EQ(config_load_string(NAME, text, &c, &err), -EINVAL);
		TS_ASSERT_INT_EQ(err.line, 2);
		TS_ASSERT_STR_EQ(err.message, t[i].message);
	}
	/* the bounds themselves are accepted */
	for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
		_cleanup_(config_done) Config c;

		snprintf(text, sizeof(text), "[cnprocd]\n%s\n", ok[i]);
		config_init(&c);
		TS_ASSERT_INT_EQ(reload(&c, text), 0);
	}
}

static void test_structure_errors(void)
{
	CHECK_ERROR("[cnprocd]\nthreads = yes\nfoo = bar\n", 3, "unknown key \"foo\"");
	CHECK_ERROR("[cnprocd]\nThreads = yes\n", 2, "unknown key \"Threads\"");
	/* an unknown section is reported at its header, keys or not */
	CHECK_ERROR("[cnprocd]\nthreads = yes\n\n[other]\nkey = 1\n", 4,
		    "unknown section [other]");
	CHECK_ERROR("[other]\nthreads = yes\n", 1, "unknown section [other]");
	CHECK_ERROR("[cnprocd]\n[other]\n", 2, "unknown section [other]");
	CHECK_ERROR("[Cnprocd]\n", 1, "unknown section [Cnprocd]");
	CHECK_ERROR("[rule]\n", 1, "unknown section [rule]");
	CHECK_ERROR("[rules a]\n", 1, "unknown section [rules a]");
	CHECK_ERROR("threads = yes\n[cnprocd]\n", 1, "outside of any section");
	CHECK_ERROR("# c\nmax-processes = 100\n", 2, "outside of any section");
	CHECK_ERROR("[cnprocd]\nthreads = yes\ngarbage\n", 3, "syntax error");
	CHECK_ERROR("[cnprocd]\n=yes\n", 2, "unknown key \"\"");
	/* a header: closed, and nothing but a comment after it */
	CHECK_ERROR("[cnprocd\n", 1, "without closing ']'");
	CHECK_ERROR("[cnprocd]\n\n[rule a\nevent = exec\n", 3, "without closing ']'");
	CHECK_ERROR("[cnprocd] threads = yes\n", 1,
		    "unexpected text after section header");
	CHECK_ERROR("[rule a]]\n", 1, "unexpected text after section header");
	/* rule names */
	CHECK_ERROR("[rule a b]\n", 1, "invalid rule name \"a b\"");
	CHECK_ERROR("[cnprocd]\n[rule a/b]\n", 2, "invalid rule name \"a/b\"");
	CHECK_ERROR("[rule \"a\"]\n", 1, "invalid rule name");
	CHECK_ERROR("[rule  ]\n", 1, "invalid rule name \"\"");
	/* 65 characters: longer than libinih keeps */
	CHECK_ERROR("[rule a2345678901234567890123456789012345678901234567890"
		    "12345678901234x]\n", 1, "section name too long");
}

/* Valid headers and comments around them. */
static void test_headers(void)
{
	_cleanup_(config_done) Config c;

	config_init(&c);
	TS_ASSERT_INT_EQ(reload(&c, "  [cnprocd]  ; comment\n"
				    "[rule a]\t# comment\n"
				    "[rule\tb]\r\n"
				    "[rule   c.d@e:f_g-h]\n"
				    "[rule 0]\n"),
			 0);
	TS_ASSERT_INT_EQ(c.rules.n, 4);
	TS_ASSERT_STR_EQ(c.rules.rules[0]->name, "a");
	TS_ASSERT_INT_EQ(c.rules.rules[0]->line, 2);
	TS_ASSERT_STR_EQ(c.rules.rules[1]->name, "b");
	TS_ASSERT_STR_EQ(c.rules.rules[2]->name, "c.d@e:f_g-h");
	TS_ASSERT_STR_EQ(c.rules.rules[3]->name, "0");
	TS_ASSERT_INT_EQ(c.rules.rules[3]->line, 5);
}

/* Every rule key's errors, through a file: at their line, in their words. */
static void test_rule_errors(void)
{
	static const struct {
		const char *line, *what;
	} t[] = {
		{ "comm = [abc", "comm: bad glob \"[abc\"" },
		{ "exe = /usr/bin/x\\", "exe: bad glob" },
		{ "cmdline = \"sh -c *", "cmdline: unterminated quote" },
		{ "parent-comm =", "parent-comm: empty value" },
		{ "parent-exe = [", "parent-exe: bad glob" },
		{ "unit = ''", "unit: bad glob" },
		{ "cgroup = /x/[y", "cgroup: bad glob" },
		{ "event = exec spawn", "event: unknown event \"spawn\"" },
		{ "uid = root", "uid: invalid id \"root\"" },
		{ "gid = 10-5", "gid: empty range" },
		{ "user = no-such-user-cnprocd",
		  "user: unknown user \"no-such-user-cnprocd\"" },
		{ "group = no-such-group-cnprocd", "group: unknown group" },
		{ "exit-code = 256", "exit-code: invalid exit code" },
		{ "exit-signal = SIGFOO", "exit-signal: invalid signal \"SIGFOO\"" },
		{ "min-lifetime = soon", "min-lifetime: invalid duration \"soon\"" },
		{ "max-lifetime = 1x", "max-lifetime: invalid duration" },
		{ "action = drop", "action: expected log or ignore" },
		{ "priority = loud", "priority: expected" },
		{ "rate-limit = 0/10s", "rate-limit: invalid count" },
		{ "rate-limit = 10", "rate-limit: expected COUNT/INTERVAL" },
		{ "frobnicate = 1", "unknown key \"frobnicate\" in a rule section" },
		{ "threads = yes", "unknown key \"threads\" in a rule section" },
	};
	char text[512];

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		/* the bad line is line 8, in the second rule */
		snprintf(text, sizeof(text),
			 "[cnprocd]\nthreads = no\n\n[rule ok]\nevent = exec\n"
			 "[rule bad]\n# c\n%s\ncomm = x\n", t[i].line);
		CHECK_ERROR(text, 8, t[i].what);
	}

	/* across keys: at the rule's header */
	CHECK_ERROR("[cnprocd]\n\n[rule short]\nmin-lifetime = 10s\n"
		    "max-lifetime = 1s\n", 3,
		    "rule short: min-lifetime is greater than max-lifetime");
	CHECK_ERROR("[rule a]\n[rule b]\nmax-lifetime = 1s\nmin-lifetime = 1001ms\n", 2,
		    "rule b: min-lifetime");
}

static void test_duplicate_rule(void)
{
	CHECK_ERROR("[rule a]\nevent = exec\n[rule b]\n\n[rule a]\nevent = exit\n", 5,
		    "duplicate rule name \"a\"");
	CHECK_ERROR("[rule a]\nevent = exec\n[rule b]\n\n[rule a]\nevent = exit\n", 5,
		    "first defined at " NAME ":1");
	/* names are case-sensitive: these are two rules */
	{
		_cleanup_(config_done) Config c;

		config_init(&c);
		TS_ASSERT_INT_EQ(reload(&c, "[rule a]\n[rule A]\n"), 0);
		TS_ASSERT_INT_EQ(c.rules.n, 2);
	}
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
	_cleanup_(config_done) Config c;
	char text[2048], *pad;
	int n;

	config_init(&c);
	/* 198 characters: the longest line accepted, read whole */
	pad = repeat('0', 198 - strlen("receive-buffer = 8M"));
	TS_ASSERT(pad);
	n = snprintf(text, sizeof(text),
		     "[cnprocd]\nreceive-buffer = %s8M\nthreads = yes\n", pad);
	free(pad);
	TS_ASSERT_INT_EQ(n, 10 + 199 + 14);
	TS_ASSERT_INT_EQ(reload(&c, text), 0);
	TS_ASSERT(c.rcvbuf == 8ULL << 20);
	TS_ASSERT(c.threads);

	pad = repeat('x', 197);
	TS_ASSERT(pad);
	snprintf(text, sizeof(text), "[cnprocd]\n#%s\nthreads = no\n", pad);
	free(pad);
	TS_ASSERT_INT_EQ(reload(&c, text), 0);
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

	/* a long line in a rule: its tail must not become a key of that rule */
	pad = repeat(' ', 190);
	TS_ASSERT(pad);
	snprintf(text, sizeof(text), "[rule a]\ncomm = x%saction = ignore\n", pad);
	free(pad);
	CHECK_ERROR(text, 2, "line too long");
}

static void test_first_error_wins(void)
{
	CHECK_ERROR("[cnprocd]\nthreads = maybe\nmax-processes = 1\nfoo = bar\n", 2,
		    "threads");
	CHECK_ERROR("[cnprocd]\nfoo = bar\nthreads = maybe\n", 2, "unknown key");
	CHECK_ERROR("[cnprocd]\nthreads = maybe\ngarbage\n", 2, "threads");
	CHECK_ERROR("[cnprocd]\nthreads = maybe\n[x]\ny = 1\n", 2, "threads");
	CHECK_ERROR("threads = yes\n[cnprocd\n", 1, "outside of any section");
	/* with rules: a key error before a header error, a duplicate, a bad name */
	CHECK_ERROR("[rule a]\ncomm = [x\n[rule a]\n", 2, "comm: bad glob");
	CHECK_ERROR("[rule a]\nevent = bogus\n[nope]\n", 2, "event: unknown event");
	CHECK_ERROR("[rule a]\nevent = exec\nevent = bogus\n[rule a b]\n", 3, "event");
	CHECK_ERROR("[rule a]\naction = drop\npriority = loud\n", 2, "action");
	CHECK_ERROR("[rule a]\naction = drop\n[cnprocd]\nthreads = maybe\n", 2, "action");
	CHECK_ERROR("[cnprocd]\nthreads = maybe\n[rule a]\naction = drop\n", 2,
		    "threads");
}

static void test_first_error_syntax_then_key(void)
{
	/* inih reports the first error's line (2, a syntax error); the message must
	 * be that error's, not the later key error's */
	CHECK_ERROR("[cnprocd]\ngarbage\nthreads = maybe\n", 2, "syntax error");
	CHECK_ERROR("[rule a]\ngarbage\nevent = bogus\n", 2, "syntax error");
	CHECK_ERROR("[rule a]\nevent = exec\ngarbage\n[rule a]\n", 3, "syntax error");
	/* a typo in the header: reported there, not as the keys below it */
	CHECK_ERROR("[cnprocd\nthreads = yes\n", 1, "without closing ']'");
}

static void test_first_error_before_long_line(void)
{
	char text[512], *pad = repeat('x', 250);

	/* the bad value on line 2 comes first; the long line is line 3 */
	TS_ASSERT(pad);
	snprintf(text, sizeof(text), "[cnprocd]\nthreads = maybe\n#%s\n", pad);
	CHECK_ERROR(text, 2, "threads");
	snprintf(text, sizeof(text), "[rule a]\nuid = x\n#%s\n", pad);
	CHECK_ERROR(text, 2, "uid");
	snprintf(text, sizeof(text), "[rule a]\ngarbage\n#%s\n", pad);
	free(pad);
	CHECK_ERROR(text, 2, "syntax error");
}

static void test_untouched_on_error(void)
{
	_cleanup_(config_done) Config c = poisoned;
	ConfigError err;
	Rule **rules;

	/* every valid key applied before the error is discarded with it */
	TS_ASSERT_INT_EQ(config_load_string(NAME,
					    "[cnprocd]\n"
					    "receive-buffer = 1M\n"
					    "log-target = journal\n"
					    "max-processes = 100\n"
					    "threads = no\n"
					    "record-argv = yes\n"
					    "default-action = log\n"
					    "default-priority = err\n"
					    "rate-limit = none\n"
					    "[rule a]\n"
					    "event = exec\n"
					    "bogus = 1\n",
					    &c, &err),
			 -EINVAL);
	TS_ASSERT_INT_EQ(err.line, 12);
	TS_ASSERT(is_poisoned(&c));

	/* a loaded config stays as it is, rules and all */
	TS_ASSERT_INT_EQ(reload(&c, "[rule x]\nevent = fork\n[rule y]\n"), 0);
	rules = c.rules.rules;
	TS_ASSERT_INT_EQ(config_load_string(NAME, "[rule z]\n[rule z]\n", &c, &err),
			 -EINVAL);
	TS_ASSERT(c.rules.rules == rules);
	TS_ASSERT_INT_EQ(c.rules.n, 2);
	TS_ASSERT_STR_EQ(c.rules.rules[0]->name, "x");
	TS_ASSERT_INT_EQ(c.rules.rules[0]->events, 1U << PROC_EV_FORK);
	TS_ASSERT_STR_EQ(c.rules.rules[1]->name, "y");
}

/* A config with most of what a rule can say, parsed into rules in file order. */
static void test_rules_full(void)
{
	static const char text[] =
		"# full\n"                                    /* 1 */
		"[cnprocd]\n"                                 /* 2 */
		"default-action = ignore\n"                   /* 3 */
		"default-priority = notice\n"                 /* 4 */
		"rate-limit = 50/5s\n"                        /* 5 */
		"\n"                                          /* 6 */
		"[rule noisy]\n"                              /* 7 */
		"event = fork exec exit\n"                    /* 8 */
		"comm = run-parts \"cron job\" sa?\n"         /* 9 */
		"action = ignore\n"                           /* 10 */
		"\n"                                          /* 11 */
		"[rule crashes]\n"                            /* 12 */
		"event = exit\n"                              /* 13 */
		"unit = *.service\n"                          /* 14 */
		"exit-signal = SEGV 6 SIGBUS\n"               /* 15 */
		"priority = err\n"                            /* 16 */
		"rate-limit = none\n"                         /* 17 */
		"\n"                                          /* 18 */
		"; failures\n"                                /* 19 */
		"[rule failures]\n"                           /* 20 */
		"event = exit\n"                              /* 21 */
		"exit-code = 1-255\n"                         /* 22 */
		"min-lifetime = 500ms\n"                      /* 23 */
		"max-lifetime = 1h\n"                         /* 24 */
		"priority = warning\n"                        /* 25 */
		"rate-limit = 10/1min\n"                      /* 26 */
		"[rule root-exec]\n"                          /* 27 */
		"event = exec\n"                              /* 28 */
		"uid = 1000-1999\n"                           /* 29 */
		"user = root nobody\n"                        /* 30 */
		"group = nogroup\n"                           /* 31 */
		"exe = /usr/bin/* /bin/*\n"                   /* 32 */
		"cmdline = \"sh -c *\"\n"                     /* 33 */
		"parent-comm = bash\n"                        /* 34 */
		"parent-exe = /usr/bin/bash\n"                /* 35 */
		"cgroup = /user.slice/*\n"                    /* 36 */
		"[rule everything-else]\n";                   /* 37 */
	_cleanup_(config_done) Config c;
	struct passwd *nobody = getpwnam("nobody");
	struct group *nogroup = getgrnam("nogroup");
	Rule *r;

	TS_ASSERT(nobody && nogroup);
	config_init(&c);
	TS_ASSERT_INT_EQ(reload(&c, text), 0);
	TS_ASSERT_INT_EQ(c.default_action, RULE_ACTION_IGNORE);
	TS_ASSERT_INT_EQ(c.default_priority, LOG_NOTICE);
	TS_ASSERT_INT_EQ(c.rules.n, 5);

	r = c.rules.rules[0];
	TS_ASSERT_STR_EQ(r->name, "noisy");
	TS_ASSERT_STR_EQ(r->file, NAME);
	TS_ASSERT_INT_EQ(r->line, 7);
	TS_ASSERT_INT_EQ(r->events,
			 (1U << PROC_EV_FORK) | (1U << PROC_EV_EXEC) |
				 (1U << PROC_EV_EXIT));
	TS_ASSERT_INT_EQ(r->comm.n, 3);
	TS_ASSERT_STR_EQ(r->comm.items[0], "run-parts");
	TS_ASSERT_STR_EQ(r->comm.items[1], "cron job");
	TS_ASSERT_STR_EQ(r->comm.items[2], "sa?");
	TS_ASSERT_INT_EQ(r->action, RULE_ACTION_IGNORE);
	TS_ASSERT_INT_EQ(r->priority, LOG_INFO); /* default-priority is for no rule */
	TS_ASSERT(!r->rate_set);
	TS_ASSERT_INT_EQ(r->rate.burst, 50);
	TS_ASSERT(r->rate.interval == 5 * SEC);

	r = c.rules.rules[1];
	TS_ASSERT_STR_EQ(r->name, "crashes");
	TS_ASSERT_INT_EQ(r->line, 12);
	TS_ASSERT_INT_EQ(r->events, 1U << PROC_EV_EXIT);
	TS_ASSERT_INT_EQ(r->unit.n, 1);
	TS_ASSERT_STR_EQ(r->unit.items[0], "*.service");
	TS_ASSERT_INT_EQ(r->exit_signal.n, 3);
	TS_ASSERT_INT_EQ(r->exit_signal.items[0].lo, 11);
	TS_ASSERT_INT_EQ(r->exit_signal.items[1].lo, 6);
	TS_ASSERT_INT_EQ(r->exit_signal.items[2].lo, 7);
	TS_ASSERT_INT_EQ(r->priority, LOG_ERR);
	TS_ASSERT_INT_EQ(r->action, RULE_ACTION_LOG);
	TS_ASSERT(r->rate_set);
	TS_ASSERT_INT_EQ(r->rate.burst, 0);
	TS_ASSERT_INT_EQ(r->comm.n, 0);

	r = c.rules.rules[2];
	TS_ASSERT_STR_EQ(r->name, "failures");
	TS_ASSERT_INT_EQ(r->line, 20);
	TS_ASSERT_INT_EQ(r->exit_code.n, 1);
	TS_ASSERT_INT_EQ(r->exit_code.items[0].lo, 1);
	TS_ASSERT_INT_EQ(r->exit_code.items[0].hi, 255);
	TS_ASSERT(r->min_lifetime == 500000);
	TS_ASSERT(r->max_lifetime == 3600 * SEC);
	TS_ASSERT_INT_EQ(r->priority, LOG_WARNING);
	TS_ASSERT(r->rate_set);
	TS_ASSERT_INT_EQ(r->rate.burst, 10);
	TS_ASSERT(r->rate.interval == 60 * SEC);

	r = c.rules.rules[3];
	TS_ASSERT_STR_EQ(r->name, "root-exec");
	TS_ASSERT_INT_EQ(r->line, 27);
	TS_ASSERT_INT_EQ(r->events, 1U << PROC_EV_EXEC);
	TS_ASSERT_INT_EQ(r->uid.n, 3);
	TS_ASSERT_INT_EQ(r->uid.items[0].lo, 1000);
	TS_ASSERT_INT_EQ(r->uid.items[0].hi, 1999);
	TS_ASSERT_INT_EQ(r->uid.items[1].lo, 0);
	TS_ASSERT_INT_EQ(r->uid.items[1].hi, 0);
	TS_ASSERT_INT_EQ(r->uid.items[2].lo, nobody->pw_uid);
	TS_ASSERT_INT_EQ(r->gid.n, 1);
	TS_ASSERT_INT_EQ(r->gid.items[0].lo, nogroup->gr_gid);
	TS_ASSERT_INT_EQ(r->exe.n, 2);
	TS_ASSERT_STR_EQ(r->exe.items[1], "/bin/*");
	TS_ASSERT_INT_EQ(r->cmdline.n, 1);
	TS_ASSERT_STR_EQ(r->cmdline.items[0], "sh -c *");
	TS_ASSERT_STR_EQ(r->parent_comm.items[0], "bash");
	TS_ASSERT_STR_EQ(r->parent_exe.items[0], "/usr/bin/bash");
	TS_ASSERT_STR_EQ(r->cgroup.items[0], "/user.slice/*");
	TS_ASSERT(r->min_lifetime == USEC_INFINITY);

	r = c.rules.rules[4];
	TS_ASSERT_STR_EQ(r->name, "everything-else");
	TS_ASSERT_INT_EQ(r->line, 37);
	TS_ASSERT(rule_set_find(&c.rules, "failures") == c.rules.rules[2]);

	/* and they match as written: the first rule that matches decides */
	{
		MatchInput in = {
			.type = PROC_EV_EXEC, .comm = "cron job", .exe = "/usr/bin/id",
			.cmdline = "sh -c id", .parent_comm = "bash",
			.parent_exe = "/usr/bin/bash", .cgroup = "/user.slice/u.slice",
			.uid = 0, .gid = nogroup->gr_gid, .exit_code = -1,
			.lifetime_usec = UINT64_MAX,
		};

		TS_ASSERT(rules_match(&c.rules, &in) == c.rules.rules[0]);
		in.comm = "id";
		TS_ASSERT(rules_match(&c.rules, &in) == c.rules.rules[3]);
		in.uid = 1999;
		TS_ASSERT(rules_match(&c.rules, &in) == c.rules.rules[3]);
		in.uid = 2000;
		TS_ASSERT(rules_match(&c.rules, &in) == c.rules.rules[4]);
		in.type = PROC_EV_EXIT;
		in.exit_code = 3;
		in.lifetime_usec = 500000;
		TS_ASSERT(rules_match(&c.rules, &in) == c.rules.rules[2]);
		in.lifetime_usec = 499999;
		TS_ASSERT(rules_match(&c.rules, &in) == c.rules.rules[4]);
	}
}

/* "[rule NAME]" alone: a rule that matches every event. */
static void test_empty_rule(void)
{
	_cleanup_(config_done) Config c;
	MatchInput in = {
		.uid = -1, .gid = -1, .exit_code = -1, .lifetime_usec = UINT64_MAX,
	};
	Rule *r;

	config_init(&c);
	TS_ASSERT_INT_EQ(reload(&c, "[rule everything]\n\n[rule exits]\nevent = exit\n"),
			 0);
	TS_ASSERT_INT_EQ(c.rules.n, 2);
	r = c.rules.rules[0];
	TS_ASSERT_STR_EQ(r->name, "everything");
	TS_ASSERT_INT_EQ(r->line, 1);
	TS_ASSERT_INT_EQ(r->events, 0);
	TS_ASSERT(r->comm.n == 0 && r->exe.n == 0 && r->cmdline.n == 0 && r->uid.n == 0 &&
		  r->gid.n == 0 && r->unit.n == 0 && r->cgroup.n == 0 &&
		  r->parent_comm.n == 0 && r->parent_exe.n == 0 && r->exit_code.n == 0 &&
		  r->exit_signal.n == 0);
	TS_ASSERT_INT_EQ(r->action, RULE_ACTION_LOG);
	TS_ASSERT_INT_EQ(r->priority, LOG_INFO);
	TS_ASSERT_INT_EQ(c.rules.rules[1]->line, 3);
	for (int t = PROC_EV_FORK; t < _PROC_EV_MAX; t++) {
		in.type = (ProcEventType)t;
		TS_ASSERT(rule_matches(r, &in));
		TS_ASSERT(rules_match(&c.rules, &in) == r);
	}
	in.comm = "x";
	in.uid = 0;
	in.exit_signal = 9;
	TS_ASSERT(rules_match(&c.rules, &in) == r);

	/* the last line without a newline, and nothing but the header */
	TS_ASSERT_INT_EQ(reload(&c, "[cnprocd]\n[rule last]"), 0);
	TS_ASSERT_INT_EQ(c.rules.n, 1);
	TS_ASSERT_INT_EQ(c.rules.rules[0]->line, 2);
}

/* Rules without their own rate-limit get the [cnprocd] one, wherever it is set. */
static void test_rate_limit_inherited(void)
{
	_cleanup_(config_done) Config c;

	config_init(&c);
	/* [cnprocd] after the rules */
	TS_ASSERT_INT_EQ(reload(&c, "[rule a]\nevent = exec\n"
				    "[rule b]\nrate-limit = 5/1s\n"
				    "[rule c]\n"
				    "[cnprocd]\nrate-limit = 20/1min\n"),
			 0);
	TS_ASSERT_INT_EQ(c.rules.n, 3);
	TS_ASSERT(!c.rules.rules[0]->rate_set);
	TS_ASSERT_INT_EQ(c.rules.rules[0]->rate.burst, 20);
	TS_ASSERT(c.rules.rules[0]->rate.interval == 60 * SEC);
	TS_ASSERT(c.rules.rules[1]->rate_set);
	TS_ASSERT_INT_EQ(c.rules.rules[1]->rate.burst, 5);
	TS_ASSERT(c.rules.rules[1]->rate.interval == SEC);
	TS_ASSERT_INT_EQ(c.rules.rules[2]->rate.burst, 20);
	/* each rule has a window of its own, not the [cnprocd] one */
	TS_ASSERT(&c.rules.rules[0]->rate != &c.default_rate);
	TS_ASSERT(c.rules.rules[0]->rate.begin == 0 && c.rules.rules[0]->rate.count == 0);

	/* the last [cnprocd] value wins for all of them */
	TS_ASSERT_INT_EQ(reload(&c, "[cnprocd]\nrate-limit = 1/1s\n[rule a]\n"
				    "[cnprocd]\nrate-limit = none\n"),
			 0);
	TS_ASSERT_INT_EQ(c.default_rate.burst, 0);
	TS_ASSERT_INT_EQ(c.rules.rules[0]->rate.burst, 0);
	TS_ASSERT(!c.rules.rules[0]->rate_set);

	/* nothing set anywhere: the built-in default */
	TS_ASSERT_INT_EQ(reload(&c, "[rule a]\n"), 0);
	TS_ASSERT_INT_EQ(c.rules.rules[0]->rate.burst, CONFIG_DEFAULT_RATE_BURST);
	TS_ASSERT(c.rules.rules[0]->rate.interval == CONFIG_DEFAULT_RATE_INTERVAL);
}

static uint64_t hash_of(const char *name, const char *text)
{
	Config c;
	ConfigError err;
	uint64_t h;

	if (config_load_string(name, text, &c, &err) < 0)
		return 0;
	h = c.hash;
	config_done(&c);
	return h;
}

static void test_hash(void)
{
	static const char a[] = "[cnprocd]\nthreads = yes\n[rule x]\nevent = exec\n";
	static const char b[] = "[cnprocd]\nthreads = yes\n[rule x]\nevent = exit\n";
	static const char a_comment[] =
		"[cnprocd]\nthreads = yes\n[rule x]\nevent = exec\n#\n";
	Config d;

	config_init(&d);
	TS_ASSERT(hash_of(NAME, a) != 0);
	TS_ASSERT(hash_of(NAME, a) == hash_of(NAME, a));
	TS_ASSERT(hash_of(NAME, a) != hash_of(NAME, b));
	/* any change of the text, even one that means the same */
	TS_ASSERT(hash_of(NAME, a) != hash_of(NAME, a_comment));
	/* and of the file's name */
	TS_ASSERT(hash_of(NAME, a) != hash_of("other.conf", a));
	TS_ASSERT(hash_of(NAME, "") != hash_of("other.conf", ""));
	TS_ASSERT(hash_of(NAME, "") != d.hash);
	TS_ASSERT(hash_of(NAME, "") == hash_of(NAME, ""));
}

static void test_print(void)
{
	static const char text[] = "[cnprocd]\n"
				   "rate-limit = 7/3s\n"
				   "[rule first]\n"
				   "event = exec\n"
				   "comm = sshd 'sh -c *'\n"
				   "\n"
				   "[rule second.one]\n"
				   "action = ignore\n"
				   "[rule third]\n"
				   "priority = err\n"
				   "rate-limit = 100/10s\n";
	static const struct {
		const char *s;
	} want[] = {
		{ "[cnprocd]  # 1 file(s), hash " },
		{ "\nrate-limit = 7/3" },
		{ "\n[rule first]  # " NAME ":3, evaluated #1\n" },
		{ "\nmatch: event=exec comm=sshd|\"sh -c *\"\n" },
		{ "\nrate-limit = 7/3" },
		{ "# the [cnprocd] default\n" },
		{ "\n[rule second.one]  # " NAME ":7, evaluated #2\n" },
		{ "\nmatch: (every event)\n" },
		{ "\naction = ignore\n" },
		{ "\n[rule third]  # " NAME ":9, evaluated #3\n" },
		{ "\npriority = err\n" },
		{ "\nrate-limit = 100/10" },
	};
	_cleanup_(config_done) Config c;
	_cleanup_free_ char *out = NULL;
	size_t size = 0;
	const char *p;
	FILE *f;

	config_init(&c);
	TS_ASSERT_INT_EQ(reload(&c, text), 0);
	f = open_memstream(&out, &size);
	TS_ASSERT(f);
	config_print(&c, f);
	TS_ASSERT_INT_EQ(fclose(f), 0);
	TS_ASSERT(out);

	/* each piece, in this order */
	p = out;
	for (size_t i = 0; i < ELEMENTSOF(want); i++) {
		const char *q = strstr(p, want[i].s);

		if (!q)
			fprintf(stderr, "missing after offset %zu: \"%s\" in:\n%s\n",
				(size_t)(p - out), want[i].s, out);
		TS_ASSERT(q);
		p = q + strlen(want[i].s) - 1;
	}
	/* an ignore rule has no priority or rate limit to speak of */
	p = strstr(out, "[rule second.one]");
	TS_ASSERT(p);
	TS_ASSERT(strstr(p, "priority"));
	TS_ASSERT(strstr(p, "[rule third]") < strstr(p, "priority"));
}

/* The [cnprocd] part of --check-config, whole: at the defaults, and with every
 * key set. */
static void test_print_settings(void)
{
	static const struct {
		const char *text, *want;
	} t[] = {
		{ "",
		  "receive-buffer = 8388608\n"
		  "log-target = auto\n"
		  "max-processes = 131072\n"
		  "threads = no\n"
		  "kernel-filter = yes\n"
		  "journal-queue = 16384\n"
		  "exec-prefetch = yes\n"
		  "batch-delay = 5ms\n"
		  "record-argv = yes\n"
		  "exe-hash = none\n"
		  "default-action = log\n"
		  "default-priority = info\n"
		  "rate-limit = 1000/10s\n"
		  "varlink-socket = /run/cnprocd/io.cnprocd.Monitor\n"
		  "varlink-mode = 0600\n" },
		{ "[cnprocd]\n"
		  "receive-buffer = 16M\n"
		  "log-target = journal\n"
		  "max-processes = 4096\n"
		  "threads = yes\n"
		  "kernel-filter = no\n"
		  "journal-queue = 64\n"
		  "batch-delay = 1500us\n"
		  "exec-prefetch = no\n"
		  "record-argv = no\n"
		  "exe-hash = sha256\n"
		  "redact-argv = --password=* \"-p\"\n"
		  "redact-argv = token\n"
		  "default-action = ignore\n"
		  "default-priority = warn\n"
		  "rate-limit = none\n"
		  "varlink-socket = /tmp/x/sock\n"
		  "varlink-mode = 660\n"
		  "varlink-group = root\n",
		  "receive-buffer = 16777216\n"
		  "log-target = journal\n"
		  "max-processes = 4096\n"
		  "threads = yes\n"
		  "kernel-filter = no\n"
		  "journal-queue = 64\n"
		  "exec-prefetch = no\n"
		  "batch-delay = 1500us\n"
		  "record-argv = no\n"
		  "exe-hash = sha256\n"
		  "redact-argv = \"--password=*\" \"-p\" \"token\"\n"
		  "default-action = ignore\n"
		  "default-priority = warning\n"
		  "rate-limit = none\n"
		  "varlink-socket = /tmp/x/sock\n"
		  "varlink-mode = 0660\n"
		  "varlink-group = 0\n" },
		{ "[cnprocd]\nvarlink-socket = /a\nvarlink-socket = none\nbatch-delay = 1s\n"
		  "rate-limit = 5/2min\n",
		  "receive-buffer = 8388608\n"
		  "log-target = auto\n"
		  "max-processes = 131072\n"
		  "threads = no\n"
		  "kernel-filter = yes\n"
		  "journal-queue = 16384\n"
		  "exec-prefetch = yes\n"
		  "batch-delay = 1000ms\n"
		  "record-argv = yes\n"
		  "exe-hash = none\n"
		  "default-action = log\n"
		  "default-priority = info\n"
		  "rate-limit = 5/2min\n"
		  "varlink-socket = none\n"
		  "varlink-mode = 0600\n" },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		_cleanup_(config_done) Config c;
		_cleanup_free_ char *out = NULL;
		size_t size = 0;
		const char *body;
		FILE *f;

		config_init(&c);
		TS_ASSERT_INT_EQ(reload(&c, t[i].text), 0);
		f = open_memstream(&out, &size);
		TS_ASSERT(f);
		config_print(&c, f);
		TS_ASSERT_INT_EQ(fclose(f), 0);
		TS_ASSERT(out);
		/* after the "[cnprocd]  # N file(s), hash H" line */
		body = strchr(out, '\n');
		TS_ASSERT(body);
		TS_ASSERT_STR_EQ(body + 1, t[i].want);
	}
}

/* --- what a reload cannot apply --- */

static void test_reloadable_keys(void)
{
	static const char *const restart[] = { "journal-queue", "varlink-socket",
					       "varlink-mode", "varlink-group",
					       "varlink-idle-timeout" };
	size_t n = 0;

	for (size_t i = 0; config_key(i); i++) {
		bool want = true;

		for (size_t j = 0; j < ELEMENTSOF(restart); j++)
			if (strcmp(config_key(i), restart[j]) == 0)
				want = false;
		if (config_key_reloadable(config_key(i)) != want)
			fprintf(stderr, "%s: reloadable should be %d\n", config_key(i), want);
		TS_ASSERT(config_key_reloadable(config_key(i)) == want);
		n++;
	}
	TS_ASSERT_INT_EQ(n, CONFIG_N_KEYS);
	TS_ASSERT(!config_key(CONFIG_N_KEYS));
	TS_ASSERT_STR_EQ(config_key(0), "receive-buffer");
	TS_ASSERT(!config_key_reloadable("no-such-key"));
	TS_ASSERT(!config_key_reloadable("Varlink-socket"));
}

/* config_changed_at_restart(running, loaded) as one string: "key key ..." */
static size_t changed(const char *running, const char *loaded, char *buf, size_t size)
{
	_cleanup_(config_done) Config a, b;
	const char *keys[CONFIG_N_KEYS];
	size_t n;

	config_init(&a);
	config_init(&b);
	if (reload(&a, running) < 0 || reload(&b, loaded) < 0)
		return SIZE_MAX;
	n = config_changed_at_restart(&a, &b, keys, ELEMENTSOF(keys));
	buf[0] = 0;
	for (size_t i = 0; i < n && i < ELEMENTSOF(keys); i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? " " : "", keys[i]);
	/* the same keys differ the other way round */
	return n == config_changed_at_restart(&b, &a, keys, 0) ? n : SIZE_MAX - 1;
}

static void test_changed_at_restart(void)
{
	static const struct {
		const char *running, *loaded, *want;
	} t[] = {
		{ "", "", "" },
		{ "[cnprocd]\nvarlink-socket = /run/a\n", "[cnprocd]\nvarlink-socket = /run/a\n", "" },
		{ "", "[cnprocd]\nvarlink-socket = /run/a\n", "varlink-socket" },
		{ "[cnprocd]\nvarlink-socket = /run/a\n", "[cnprocd]\nvarlink-socket = /run/b\n",
		  "varlink-socket" },
		{ "", "[cnprocd]\nvarlink-socket = none\n", "varlink-socket" },
		{ "[cnprocd]\nvarlink-socket = none\n", "[cnprocd]\nvarlink-socket = /run/a\n",
		  "varlink-socket" },
		/* where the socket goes counts, not how it is said */
		{ "", "[cnprocd]\nvarlink-socket = /run/cnprocd/io.cnprocd.Monitor\n", "" },
		{ "[cnprocd]\njournal-queue = 16384\nvarlink-mode = 0600\n", "", "" },
		{ "", "[cnprocd]\njournal-queue = 64\n", "journal-queue" },
		{ "", "[cnprocd]\nvarlink-mode = 0660\n", "varlink-mode" },
		{ "", "[cnprocd]\nvarlink-group = root\n", "varlink-group" },
		/* a reload applies these: nothing to say */
		{ "[cnprocd]\nredact-argv = --token\n",
		  "[cnprocd]\nreceive-buffer = 1M\nlog-target = console\nmax-processes = 64\n"
		  "threads = yes\nkernel-filter = no\nbatch-delay = 0\nexec-prefetch = no\n"
		  "record-argv = no\nredact-argv = --password=*\ndefault-action = ignore\n"
		  "default-priority = err\nrate-limit = none\n",
		  "" },
		/* several, among changes a reload applies, in table order */
		{ "[cnprocd]\nvarlink-group = root\nthreads = yes\n",
		  "[cnprocd]\nvarlink-mode = 0666\nthreads = no\nvarlink-socket = none\n"
		  "journal-queue = 32\nrate-limit = 1/1s\n",
		  "journal-queue varlink-socket varlink-mode varlink-group" },
	};
	char got[256];

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		size_t n = changed(t[i].running, t[i].loaded, got, sizeof(got));

		if (n >= SIZE_MAX - 1 || strcmp(got, t[i].want) != 0)
			fprintf(stderr, "running:\n%sloaded:\n%s-> %zu \"%s\", want \"%s\"\n",
				t[i].running, t[i].loaded, n, got, t[i].want);
		TS_ASSERT(n < SIZE_MAX - 1);
		TS_ASSERT_STR_EQ(got, t[i].want);
	}
}

/* Room for fewer names than differ; the command line's socket on both sides. */
static void test_changed_at_restart_edges(void)
{
	_cleanup_(config_done) Config a, b;
	const ConfigOverrides o = { .varlink_socket = "/run/cmdline" };
	const char *keys[3] = { NULL, NULL, "untouched" };

	config_init(&a);
	config_init(&b);
	TS_ASSERT_INT_EQ(reload(&b, "[cnprocd]\nvarlink-socket = none\njournal-queue = 32\n"
				    "varlink-group = root\n"),
			 0);
	TS_ASSERT_INT_EQ(config_changed_at_restart(&a, &b, keys, 2), 3);
	TS_ASSERT_STR_EQ(keys[0], "journal-queue");
	TS_ASSERT_STR_EQ(keys[1], "varlink-socket");
	TS_ASSERT_STR_EQ(keys[2], "untouched");
	TS_ASSERT_INT_EQ(config_changed_at_restart(&a, &b, NULL, 0), 3);

	/* --varlink-socket wins over both files: the socket stays where it is */
	config_apply_overrides(&a, &o);
	config_apply_overrides(&b, &o);
	TS_ASSERT_INT_EQ(config_changed_at_restart(&a, &b, keys, 3), 2);
	TS_ASSERT_STR_EQ(keys[0], "journal-queue");
	TS_ASSERT_STR_EQ(keys[1], "varlink-group");
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

/* a then b into buf (PATH_MAX) */
static int join(char *buf, const char *a, const char *b)
{
	return snprintf(buf, PATH_MAX, "%s%s", a, b) < PATH_MAX ? 0 : -ENAMETOOLONG;
}

/* Write text to dir/name; the path in path (PATH_MAX). */
static int write_in(char *path, const char *dir, const char *name, const char *text)
{
	if (snprintf(path, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		return -ENAMETOOLONG;
	return write_path(path, text, strlen(text));
}

/* A fresh directory tmp_dir/name; its path in dir (PATH_MAX). */
static int make_dir(char *dir, const char *name)
{
	if (!tmp_dir[0])
		return -ENOENT;
	snprintf(dir, PATH_MAX, "%s/%s", tmp_dir, name);
	return mkdir(dir, 0755) < 0 ? -errno : 0;
}

static void test_load_file(void)
{
	_cleanup_(config_done) Config c;
	char path[128];
	ConfigError err;
	int r;

	config_init(&c);
	TS_ASSERT(tmp_dir[0]);
	snprintf(path, sizeof(path), "%s/cnprocd.conf", tmp_dir);

#define GOOD "[cnprocd]\nmax-processes = 2048\nthreads = 1\n[rule r]\nevent = exec\n"
	TS_ASSERT_INT_EQ(write_path(path, GOOD, strlen(GOOD)), 0);
#undef GOOD
	TS_ASSERT_INT_EQ(config_load(path, true, &c, &err), 0);
	TS_ASSERT_INT_EQ(c.max_processes, 2048);
	TS_ASSERT(c.threads);
	TS_ASSERT_INT_EQ(c.n_files, 1);
	TS_ASSERT_INT_EQ(c.rules.n, 1);
	TS_ASSERT_STR_EQ(c.rules.rules[0]->file, path);
	TS_ASSERT_INT_EQ(c.rules.rules[0]->line, 4);
	config_done(&c);
	/* not required, but there: the same */
	TS_ASSERT_INT_EQ(config_load(path, false, &c, &err), 0);
	TS_ASSERT_INT_EQ(c.max_processes, 2048);
	TS_ASSERT_INT_EQ(c.rules.n, 1);
	config_done(&c);

	/* errors name the file */
	TS_ASSERT_INT_EQ(write_path(path, "[cnprocd]\n\nthreads = perhaps\n",
				    strlen("[cnprocd]\n\nthreads = perhaps\n")),
			 0);
	c = poisoned;
	TS_ASSERT_INT_EQ(config_load(path, true, &c, &err), -EINVAL);
	TS_ASSERT_STR_EQ(err.file, path);
	TS_ASSERT_INT_EQ(err.line, 3);
	TS_ASSERT(strstr(err.message, "threads"));
	TS_ASSERT(is_poisoned(&c));

	/* empty file */
	TS_ASSERT_INT_EQ(write_path(path, "", 0), 0);
	TS_ASSERT_INT_EQ(config_load(path, true, &c, &err), 0);
	{
		Config d;

		config_init(&d);
		TS_ASSERT(config_eq(&c, &d));
	}
	TS_ASSERT_INT_EQ(c.n_files, 1);
	config_done(&c);

	/* a NUL byte: not a text file, whatever follows */
	TS_ASSERT_INT_EQ(write_path(path, "[cnprocd]\nthreads = no\0\nbogus\n", 30), 0);
	c = poisoned;
	TS_ASSERT_INT_EQ(config_load(path, true, &c, &err), -EINVAL);
	TS_ASSERT_STR_EQ(err.file, path);
	TS_ASSERT_INT_EQ(err.line, 0);
	TS_ASSERT(strstr(err.message, "NUL"));
	TS_ASSERT(is_poisoned(&c));

	/* missing */
	r = unlink(path);
	TS_ASSERT_INT_EQ(r, 0);
	TS_ASSERT_INT_EQ(config_load(path, true, &c, &err), -ENOENT);
	TS_ASSERT_STR_EQ(err.file, path);
	TS_ASSERT_INT_EQ(err.line, 0);
	TS_ASSERT(err.message[0]);
	TS_ASSERT(is_poisoned(&c));

	/* a directory */
	TS_ASSERT_INT_EQ(config_load(tmp_dir, true, &c, &err), -EISDIR);
	TS_ASSERT(is_poisoned(&c));
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
	TS_ASSERT_INT_EQ(config_load(path, true, &c, &err), 0);
	TS_ASSERT(c.threads);
	config_done(&c);

	/* one byte more: refused */
	text[mib] = '\n';
	TS_ASSERT_INT_EQ(write_path(path, text, mib + 1), 0);
	c = poisoned;
	TS_ASSERT_INT_EQ(config_load(path, true, &c, &err), -EFBIG);
	TS_ASSERT_STR_EQ(err.file, path);
	TS_ASSERT(is_poisoned(&c));

	free(text);
}

static void test_dropins(void)
{
	_cleanup_(config_done) Config c;
	char dir[PATH_MAX], main_path[PATH_MAX], d[PATH_MAX], p[PATH_MAX];
	char a_path[PATH_MAX], b_path[PATH_MAX], late_path[PATH_MAX];
	ConfigError err;
	Config first;
	static const char *const names[] = {
		"main-1", "main-2", "a-1", "b-1", "b-2", "late",
	};

	config_init(&c);
	TS_ASSERT_INT_EQ(make_dir(dir, "dropins"), 0);
	TS_ASSERT_INT_EQ(write_in(main_path, dir, "main.conf",
				  "[cnprocd]\n"           /* 1 */
				  "threads = no\n"        /* 2 */
				  "rate-limit = 10/1s\n"  /* 3 */
				  "max-processes = 64\n"  /* 4 */
				  "[rule main-1]\n"       /* 5 */
				  "event = exec\n"        /* 6 */
				  "[rule main-2]\n"),     /* 7 */
			 0);
	TS_ASSERT_INT_EQ(join(d, main_path, ".d"), 0);
	TS_ASSERT_INT_EQ(mkdir(d, 0755), 0);
	/* written out of order: the order is the names' */
	TS_ASSERT_INT_EQ(write_in(b_path, d, "20-b.conf",
				  "[cnprocd]\n"
				  "threads = yes\n"
				  "rate-limit = 20/2s\n"
				  "[rule b-1]\n"
				  "action = ignore\n"
				  "[rule b-2]\n"
				  "rate-limit = 5/1s\n"),
			 0);
	TS_ASSERT_INT_EQ(write_in(a_path, d, "10-a.conf",
				  "# a\n"
				  "[rule a-1]\n"
				  "comm = a\n"
				  "[cnprocd]\n"
				  "max-processes = 100\n"),
			 0);
	/* lexical, not numeric: "9-" sorts after "20-" */
	TS_ASSERT_INT_EQ(write_in(late_path, d, "9-late.conf", "[rule late]\n"), 0);
	/* not drop-ins: broken, and never read */
	TS_ASSERT_INT_EQ(write_in(p, d, "README", "garbage\n"), 0);
	TS_ASSERT_INT_EQ(write_in(p, d, "30-off.conf.disabled", "garbage\n"), 0);
	TS_ASSERT_INT_EQ(write_in(p, d, "40-backup.conf~", "garbage\n"), 0);
	TS_ASSERT_INT_EQ(write_in(p, d, ".hidden.conf", "garbage\n"), 0);
	TS_ASSERT_INT_EQ(write_in(p, d, "conf", "garbage\n"), 0);

	TS_ASSERT_INT_EQ(config_load(main_path, true, &c, &err), 0);
	TS_ASSERT_INT_EQ(c.n_files, 4);
	TS_ASSERT_INT_EQ(c.rules.n, ELEMENTSOF(names));
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		TS_ASSERT_STR_EQ(c.rules.rules[i]->name, names[i]);
	TS_ASSERT_STR_EQ(c.rules.rules[0]->file, main_path);
	TS_ASSERT_INT_EQ(c.rules.rules[0]->line, 5);
	TS_ASSERT_INT_EQ(c.rules.rules[1]->line, 7);
	TS_ASSERT_STR_EQ(c.rules.rules[2]->file, a_path);
	TS_ASSERT_INT_EQ(c.rules.rules[2]->line, 2);
	TS_ASSERT_STR_EQ(c.rules.rules[3]->file, b_path);
	TS_ASSERT_INT_EQ(c.rules.rules[3]->line, 4);
	TS_ASSERT_INT_EQ(c.rules.rules[3]->action, RULE_ACTION_IGNORE);
	TS_ASSERT_INT_EQ(c.rules.rules[4]->line, 6);
	TS_ASSERT_STR_EQ(c.rules.rules[5]->file, late_path);

	/* [cnprocd] keys: the later file wins, keys it does not set stay */
	TS_ASSERT(c.threads);
	TS_ASSERT_INT_EQ(c.max_processes, 100);
	TS_ASSERT_INT_EQ(c.default_rate.burst, 20);
	TS_ASSERT(c.default_rate.interval == 2 * SEC);
	/* and the drop-in's rate-limit reaches the main file's rules too */
	TS_ASSERT_INT_EQ(c.rules.rules[0]->rate.burst, 20);
	TS_ASSERT(c.rules.rules[0]->rate.interval == 2 * SEC);
	TS_ASSERT_INT_EQ(c.rules.rules[5]->rate.burst, 20);
	TS_ASSERT_INT_EQ(c.rules.rules[4]->rate.burst, 5);

	/* the same files: the same hash; a changed drop-in: another */
	first = c;
	c = (Config){};
	TS_ASSERT_INT_EQ(config_load(main_path, true, &c, &err), 0);
	TS_ASSERT(c.hash == first.hash);
	config_done(&first);
	config_done(&c);
	TS_ASSERT_INT_EQ(write_in(p, d, "9-late.conf", "[rule late]\n\n"), 0);
	TS_ASSERT_INT_EQ(config_load(main_path, true, &c, &err), 0);
	TS_ASSERT(c.hash != first.hash);
	first.hash = c.hash;
	config_done(&c);
	/* one more drop-in, even an empty one: another */
	TS_ASSERT_INT_EQ(write_in(p, d, "50-empty.conf", ""), 0);
	TS_ASSERT_INT_EQ(config_load(main_path, true, &c, &err), 0);
	TS_ASSERT(c.hash != first.hash);
	TS_ASSERT_INT_EQ(c.n_files, 5);
	config_done(&c);

	/* an error in a drop-in: its path and line */
	TS_ASSERT_INT_EQ(write_in(p, d, "20-b.conf",
				  "[cnprocd]\n"
				  "threads = yes\n"
				  "\n"
				  "[rule b-1]\n"
				  "priority = loud\n"),
			 0);
	c = poisoned;
	memset(&err, 0, sizeof(err));
	TS_ASSERT_INT_EQ(config_load(main_path, true, &c, &err), -EINVAL);
	TS_ASSERT_STR_EQ(err.file, b_path);
	TS_ASSERT_INT_EQ(err.line, 5);
	TS_ASSERT(strstr(err.message, "priority"));
	TS_ASSERT(is_poisoned(&c));

	/* a syntax error in a drop-in, likewise */
	TS_ASSERT_INT_EQ(write_in(p, d, "20-b.conf", "[cnprocd]\n\ngarbage\n"), 0);
	TS_ASSERT_INT_EQ(config_load(main_path, true, &c, &err), -EINVAL);
	TS_ASSERT_STR_EQ(err.file, b_path);
	TS_ASSERT_INT_EQ(err.line, 3);
	TS_ASSERT(strstr(err.message, "syntax error"));
	TS_ASSERT(is_poisoned(&c));

	/* min > max in a drop-in: at the drop-in's header */
	TS_ASSERT_INT_EQ(write_in(p, d, "20-b.conf",
				  "\n[rule b]\nmin-lifetime = 2s\nmax-lifetime = 1s\n"),
			 0);
	TS_ASSERT_INT_EQ(config_load(main_path, true, &c, &err), -EINVAL);
	TS_ASSERT_STR_EQ(err.file, b_path);
	TS_ASSERT_INT_EQ(err.line, 2);
	TS_ASSERT(strstr(err.message, "min-lifetime"));

	/* a rule name used in an earlier file: the second place, naming the first */
	TS_ASSERT_INT_EQ(write_in(p, d, "20-b.conf", "# dup\n[rule main-2]\n"), 0);
	TS_ASSERT_INT_EQ(config_load(main_path, true, &c, &err), -EINVAL);
	TS_ASSERT_STR_EQ(err.file, b_path);
	TS_ASSERT_INT_EQ(err.line, 2);
	TS_ASSERT(strstr(err.message, "duplicate rule name \"main-2\""));
	TS_ASSERT_INT_EQ(join(p, main_path, ":7"), 0);
	TS_ASSERT(strstr(err.message, p));
	TS_ASSERT(is_poisoned(&c));

	/* and one from an earlier drop-in */
	TS_ASSERT_INT_EQ(write_in(p, d, "20-b.conf", "[rule b]\n\n\n[rule a-1]\n"), 0);
	TS_ASSERT_INT_EQ(config_load(main_path, true, &c, &err), -EINVAL);
	TS_ASSERT_STR_EQ(err.file, b_path);
	TS_ASSERT_INT_EQ(err.line, 4);
	TS_ASSERT_INT_EQ(join(p, a_path, ":2"), 0);
	TS_ASSERT(strstr(err.message, p));

	/* a NUL byte in a drop-in: that file, no line */
	TS_ASSERT_INT_EQ(write_in(p, d, "20-b.conf", ""), 0);
	TS_ASSERT_INT_EQ(write_path(b_path, "[rule b]\n\0\n", 11), 0);
	TS_ASSERT_INT_EQ(config_load(main_path, true, &c, &err), -EINVAL);
	TS_ASSERT_STR_EQ(err.file, b_path);
	TS_ASSERT_INT_EQ(err.line, 0);
	TS_ASSERT(strstr(err.message, "NUL"));
	TS_ASSERT(is_poisoned(&c));

	/* an error in the main file: the drop-ins are not read, the main file named */
	TS_ASSERT_INT_EQ(write_in(p, d, "20-b.conf", "garbage\n"), 0);
	TS_ASSERT_INT_EQ(write_in(p, dir, "main.conf", "[cnprocd]\nthreads = maybe\n"),
			 0);
	TS_ASSERT_INT_EQ(config_load(main_path, true, &c, &err), -EINVAL);
	TS_ASSERT_STR_EQ(err.file, main_path);
	TS_ASSERT_INT_EQ(err.line, 2);
	TS_ASSERT(is_poisoned(&c));
}

static void test_dropins_missing_main(void)
{
	_cleanup_(config_done) Config c = poisoned;
	char dir[PATH_MAX], main_path[PATH_MAX], d[PATH_MAX], p[PATH_MAX];
	ConfigError err;
	Config def;

	config_init(&def);
	TS_ASSERT_INT_EQ(make_dir(dir, "nomain"), 0);
	TS_ASSERT_INT_EQ(join(main_path, dir, "/main.conf"), 0);

	/* nothing at all, not required: the defaults */
	TS_ASSERT_INT_EQ(config_load(main_path, false, &c, &err), 0);
	TS_ASSERT(config_eq(&c, &def));
	TS_ASSERT_INT_EQ(c.rules.n, 0);
	TS_ASSERT_INT_EQ(c.n_files, 0);
	config_done(&c);

	/* drop-ins without the main file: still read */
	TS_ASSERT_INT_EQ(join(d, main_path, ".d"), 0);
	TS_ASSERT_INT_EQ(mkdir(d, 0755), 0);
	TS_ASSERT_INT_EQ(write_in(p, d, "10-x.conf",
				  "[cnprocd]\nthreads = yes\n[rule x]\nevent = exit\n"),
			 0);
	TS_ASSERT_INT_EQ(config_load(main_path, false, &c, &err), 0);
	TS_ASSERT(c.threads);
	TS_ASSERT_INT_EQ(c.max_processes, def.max_processes);
	TS_ASSERT_INT_EQ(c.n_files, 1);
	TS_ASSERT_INT_EQ(c.rules.n, 1);
	TS_ASSERT_STR_EQ(c.rules.rules[0]->name, "x");
	TS_ASSERT_STR_EQ(c.rules.rules[0]->file, p);
	TS_ASSERT_INT_EQ(c.rules.rules[0]->line, 3);
	TS_ASSERT_INT_EQ(c.rules.rules[0]->rate.burst, CONFIG_DEFAULT_RATE_BURST);
	config_done(&c);

	/* required: -ENOENT, and the drop-ins do not stand in for it */
	c = poisoned;
	memset(&err, 0, sizeof(err));
	TS_ASSERT_INT_EQ(config_load(main_path, true, &c, &err), -ENOENT);
	TS_ASSERT_STR_EQ(err.file, main_path);
	TS_ASSERT_INT_EQ(err.line, 0);
	TS_ASSERT(strstr(err.message, "cannot read"));
	TS_ASSERT(is_poisoned(&c));

	/* a broken drop-in fails a load without main file as well */
	TS_ASSERT_INT_EQ(write_in(p, d, "20-y.conf", "[rule y]\nevent = nope\n"), 0);
	TS_ASSERT_INT_EQ(config_load(main_path, false, &c, &err), -EINVAL);
	TS_ASSERT_STR_EQ(err.file, p);
	TS_ASSERT_INT_EQ(err.line, 2);
	TS_ASSERT(is_poisoned(&c));
}

/* --- behaviour found wrong; each test says what is expected --- */

/* inih skips a UTF-8 byte order mark; a header on that first line is a header. */
static void test_bom(void)
{
	_cleanup_(config_done) Config c;

	config_init(&c);
	TS_ASSERT_INT_EQ(reload(&c, "\xef\xbb\xbf[cnprocd]\nthreads = yes\n"), 0);
	TS_ASSERT(c.threads);
	TS_ASSERT_INT_EQ(reload(&c, "\xef\xbb\xbf[rule a]\nevent = exec\n"), 0);
	TS_ASSERT_INT_EQ(c.rules.n, 1);
	TS_ASSERT_STR_EQ(c.rules.rules[0]->name, "a");
	TS_ASSERT_INT_EQ(c.rules.rules[0]->line, 1);
	TS_ASSERT_INT_EQ(c.rules.rules[0]->events, 1U << PROC_EV_EXEC);
}

/* libinih keeps 49 characters of a section name: every accepted name must work
 * with keys, and a longer one is refused loudly rather than cut silently. */
static void test_long_rule_name(void)
{
	static const char name[] =
		"a234567890123456789012345678901234567890123456789012345678901234";
	_cleanup_(config_done) Config c;
	ConfigError err = {};
	char text[256];

	config_init(&c);
	for (size_t l = 1; l <= 44; l++) {
		snprintf(text, sizeof(text), "[rule %.*s]\nevent = exec\n", (int)l, name);
		TS_ASSERT_INT_EQ(reload(&c, text), 0);
		TS_ASSERT_INT_EQ(c.rules.n, 1);
		TS_ASSERT_INT_EQ(strlen(c.rules.rules[0]->name), l);
		TS_ASSERT_INT_EQ(c.rules.rules[0]->events, 1U << PROC_EV_EXEC);
	}
	for (size_t l = 45; l <= 64; l++) {
		Config d;

		snprintf(text, sizeof(text), "[rule %.*s]\nevent = exec\n", (int)l, name);
		TS_ASSERT_INT_EQ(config_load_string("t.conf", text, &d, &err), -EINVAL);
		TS_ASSERT_INT_EQ(err.line, 1);
		TS_ASSERT(strstr(err.message, "section name too long"));
	}
}

/*
 * An indented line after a key continues that key's value (inih's multi-line
 * values). Either that is refused, or the value is extended: what the first line
 * said must not silently vanish.
 */
static void test_continuation_line(void)
{
	Config c;
	ConfigError err;
	int r;

	r = config_load_string(NAME, "[rule a]\ncomm = a b\n  c d\n", &c, &err);
	if (r == 0) {
		bool ok = c.rules.rules[0]->comm.n == 4;

		if (!ok)
			fprintf(stderr, "comm = a b / c d: %zu patterns, first \"%s\"\n",
				c.rules.rules[0]->comm.n,
				c.rules.rules[0]->comm.items[0]);
		config_done(&c);
		TS_ASSERT(ok);
	}
	r = config_load_string(NAME,
			       "[rule a]\ncomm = sshd\n# exe\n  exe = /usr/sbin/sshd\n",
			       &c, &err);
	if (r == 0) {
		bool ok = c.rules.rules[0]->comm.n > 0 &&
			  strcmp(c.rules.rules[0]->comm.items[0], "sshd") == 0;

		config_done(&c);
		TS_ASSERT(ok);
	}
}

int main(void)
{
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/cnprocd-test-config-XXXXXX");
	if (!mkdtemp(tmp_dir))
		tmp_dir[0] = 0; /* the file tests fail on it */
	/* the default socket path depends on it */
	unsetenv("RUNTIME_DIRECTORY");

	RUN_TEST(test_defaults);
	RUN_TEST(test_all_keys);
	RUN_TEST(test_valid_values);
	RUN_TEST(test_invalid_values);
	RUN_TEST(test_setting_messages);
	RUN_TEST(test_structure_errors);
	RUN_TEST(test_headers);
	RUN_TEST(test_rule_errors);
	RUN_TEST(test_duplicate_rule);
	RUN_TEST(test_long_lines);
	RUN_TEST(test_first_error_wins);
	RUN_TEST(test_first_error_syntax_then_key);
	RUN_TEST(test_first_error_before_long_line);
	RUN_TEST(test_untouched_on_error);
	RUN_TEST(test_rules_full);
	RUN_TEST(test_empty_rule);
	RUN_TEST(test_rate_limit_inherited);
	RUN_TEST(test_hash);
	RUN_TEST(test_print);
	RUN_TEST(test_print_settings);
	RUN_TEST(test_reloadable_keys);
	RUN_TEST(test_changed_at_restart);
	RUN_TEST(test_changed_at_restart_edges);
	RUN_TEST(test_load_file);
	RUN_TEST(test_load_size_limit);
	RUN_TEST(test_dropins);
	RUN_TEST(test_dropins_missing_main);
	RUN_TEST(test_bom);
	RUN_TEST(test_long_rule_name);
	RUN_TEST(test_continuation_line);
	if (tmp_dir[0])
		nftw(tmp_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return TEST_EXIT();
}
