/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rules without a config file: parsing one key, matching, first match, rate limits.
 * Users and groups come from a fake resolver: nothing here touches NSS. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "exeflags.h"
#include "rules.h"
#include "test.h"

#define SEC USEC_PER_SEC

static int fake_resolve(const char *name, bool group, uint32_t *ret)
{
	if (!group && strcmp(name, "alice") == 0) {
		*ret = 1000;
		return 0;
	}
	if (group && strcmp(name, "staff") == 0) {
		*ret = 50;
		return 0;
	}
	return -ESRCH;
}

/* A rule from "key", "value", ... pairs (NULL-terminated); NULL if a key fails. */
static Rule *make_rule(const char *name, const char *const *kv)
{
	Rule *r = rule_new(name, "test.conf", 1);
	char err[256];

	if (!r)
		return NULL;
	for (size_t i = 0; kv[i]; i += 2) {
		int k = rule_set_key(r, kv[i], kv[i + 1], fake_resolve, err, sizeof(err));

		if (k < 0) {
			fprintf(stderr, "rule %s: %s = %s refused: %s\n", name, kv[i],
				kv[i + 1], err);
			return rule_free(r);
		}
	}
	return r;
}

#define RULE(name, ...) make_rule((name), (const char *const[]){ __VA_ARGS__, NULL })

/* An event that every constrained key below can be told apart on. */
static MatchInput input(ProcEventType type)
{
	return (MatchInput){
		.type = type,
		.comm = "sshd",
		.exe = "/usr/sbin/sshd",
		.cmdline = "sshd: alice [priv]",
		.unit = "ssh.service",
		.cgroup = "/system.slice/ssh.service",
		.parent_comm = "systemd",
		.parent_exe = "/usr/lib/systemd/systemd",
		.uid = 1000,
		.gid = 50,
		.loginuid = -1,
		.session = -1,
		.exit_code = type == PROC_EV_EXIT ? 0 : -1,
		.exit_signal = 0,
		.lifetime_usec = type == PROC_EV_EXIT ? 5 * SEC : UINT64_MAX,
	};
}

/* Nothing known about the process at all. */
static MatchInput unknown_input(ProcEventType type)
{
	return (MatchInput){
		.type = type,
		.uid = -1,
		.gid = -1,
		.loginuid = -1,
		.session = -1,
		.exit_code = -1,
		.lifetime_usec = UINT64_MAX,
	};
}

static void test_empty_rule(void)
{
	_cleanup_(rule_freep) Rule *r = rule_new("all", "test.conf", 7);
	MatchInput in;

	TS_ASSERT(r);
	TS_ASSERT_STR_EQ(r->name, "all");
	TS_ASSERT_STR_EQ(r->file, "test.conf");
	TS_ASSERT_INT_EQ(r->line, 7);
	TS_ASSERT_INT_EQ(r->events, 0);
	TS_ASSERT_INT_EQ(r->action, RULE_ACTION_LOG);
	TS_ASSERT_INT_EQ(r->priority, LOG_INFO);
	TS_ASSERT(r->min_lifetime == USEC_INFINITY && r->max_lifetime == USEC_INFINITY);
	TS_ASSERT(!r->rate_set);
	TS_ASSERT_INT_EQ(rule_validate(r, (char[64]){}, 64), 0);

	for (int t = PROC_EV_FORK; t < _PROC_EV_MAX; t++) {
		in = input((ProcEventType)t);
		TS_ASSERT(rule_matches(r, &in));
		in = unknown_input((ProcEventType)t);
		TS_ASSERT(rule_matches(r, &in));
	}
}

static void test_event(void)
{
	_cleanup_(rule_freep) Rule *exec = RULE("e", "event", "exec");
	_cleanup_(rule_freep) Rule *list = RULE("l", "event", "fork  exit\tcoredump");
	MatchInput in;

	TS_ASSERT(exec && list);
	TS_ASSERT_INT_EQ(exec->events, 1U << PROC_EV_EXEC);
	for (int t = PROC_EV_FORK; t < _PROC_EV_MAX; t++) {
		in = input((ProcEventType)t);
		TS_ASSERT_INT_EQ(rule_matches(exec, &in), t == PROC_EV_EXEC);
		TS_ASSERT_INT_EQ(rule_matches(list, &in),
				 t == PROC_EV_FORK || t == PROC_EV_EXIT ||
					 t == PROC_EV_COREDUMP);
	}

	/* every event name is accepted */
	{
		_cleanup_(rule_freep) Rule *all = RULE(
			"a", "event", "fork exec exit uid gid sid ptrace comm coredump");

		TS_ASSERT(all);
		for (int t = PROC_EV_FORK; t < _PROC_EV_MAX; t++)
			TS_ASSERT(all->events & (1U << t));
		TS_ASSERT(!(all->events & (1U << PROC_EV_NONE)));
	}
}

/* Every glob key, against the MatchInput field it constrains. */
static void test_glob_keys(void)
{
	static const struct {
		const char *key;
		size_t offset;
		const char *pattern, *yes, *no;
	} t[] = {
		{ "comm", offsetof(MatchInput, comm), "ssh*", "sshd", "bash" },
		{ "exe", offsetof(MatchInput, exe), "/usr/sbin/*", "/usr/sbin/cron",
		  "/bin/sh" },
		{ "cmdline", offsetof(MatchInput, cmdline), "*--verbose*",
		  "ls --verbose /", "ls -l" },
		{ "parent-comm", offsetof(MatchInput, parent_comm), "cro?", "cron",
		  "crond" },
		{ "parent-exe", offsetof(MatchInput, parent_exe), "/usr/bin/[bd]ash",
		  "/usr/bin/dash", "/usr/bin/zsh" },
		{ "unit", offsetof(MatchInput, unit), "*.service", "cron.service",
		  "session-2.scope" },
		{ "cgroup", offsetof(MatchInput, cgroup), "/system.slice/*",
		  "/system.slice/cron.service", "/user.slice/user-1000.slice" },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		_cleanup_(rule_freep) Rule *r = RULE("g", t[i].key, t[i].pattern);
		_cleanup_(rule_freep) Rule *two = NULL;
		MatchInput in = input(PROC_EV_EXEC);
		const char **field = (const char **)((char *)&in + t[i].offset);

		TS_ASSERT(r);
		*field = t[i].yes;
		TS_ASSERT(rule_matches(r, &in));
		*field = t[i].no;
		TS_ASSERT(!rule_matches(r, &in));
		/* an unknown string never matches a key constraining it, not even "*" */
		*field = NULL;
		TS_ASSERT(!rule_matches(r, &in));
		two = RULE("g2", t[i].key, "*");
		TS_ASSERT(two);
		TS_ASSERT(!rule_matches(two, &in));
		*field = "";
		TS_ASSERT(rule_matches(two, &in));

		/* a list matches if any item does */
		rule_free(two);
		two = RULE("g3", t[i].key, "nothing-like-it   'also not'  *");
		TS_ASSERT(two);
		*field = t[i].no;
		TS_ASSERT(rule_matches(two, &in));
		*field = NULL;
		TS_ASSERT(!rule_matches(two, &in));
	}
}

static void test_glob_lists(void)
{
	_cleanup_(rule_freep) Rule *r = RULE("l", "comm", "cron   sshd\tsu*");
	MatchInput in = input(PROC_EV_EXEC);

	TS_ASSERT(r);
	TS_ASSERT_INT_EQ(r->comm.n, 3);
	TS_ASSERT_STR_EQ(r->comm.items[0], "cron");
	TS_ASSERT_STR_EQ(r->comm.items[1], "sshd");
	TS_ASSERT_STR_EQ(r->comm.items[2], "su*");
	in.comm = "cron";
	TS_ASSERT(rule_matches(r, &in));
	in.comm = "sshd";
	TS_ASSERT(rule_matches(r, &in));
	in.comm = "sudo";
	TS_ASSERT(rule_matches(r, &in));
	in.comm = "crond";
	TS_ASSERT(!rule_matches(r, &in));
	in.comm = "xsu";
	TS_ASSERT(!rule_matches(r, &in));

	/* a repeated key adds to the list (systemd's list semantics) */
	TS_ASSERT_INT_EQ(rule_set_key(r, "comm", "bash", fake_resolve, (char[64]){}, 64),
			 0);
	TS_ASSERT_INT_EQ(r->comm.n, 4);
	in.comm = "cron";
	TS_ASSERT(rule_matches(r, &in));
	in.comm = "bash";
	TS_ASSERT(rule_matches(r, &in));
	in.comm = "zsh";
	TS_ASSERT(!rule_matches(r, &in));
}

static void test_cmdline_quotes(void)
{
	_cleanup_(rule_freep) Rule *r =
		RULE("q", "cmdline", "\"sh -c *\"  'python3 *'  ls");
	_cleanup_(rule_freep) Rule *mid = RULE("m", "cmdline", "a\"b c\"d 'x\ty'");
	MatchInput in = input(PROC_EV_EXEC);

	TS_ASSERT(r && mid);
	TS_ASSERT_INT_EQ(r->cmdline.n, 3);
	TS_ASSERT_STR_EQ(r->cmdline.items[0], "sh -c *");
	TS_ASSERT_STR_EQ(r->cmdline.items[1], "python3 *");
	TS_ASSERT_STR_EQ(r->cmdline.items[2], "ls");
	in.cmdline = "sh -c echo hello";
	TS_ASSERT(rule_matches(r, &in));
	in.cmdline = "python3 -m http.server";
	TS_ASSERT(rule_matches(r, &in));
	in.cmdline = "ls";
	TS_ASSERT(rule_matches(r, &in));
	in.cmdline = "ls -l";
	TS_ASSERT(!rule_matches(r, &in));
	in.cmdline = "bash -c true";
	TS_ASSERT(!rule_matches(r, &in));
	in.cmdline = "sh";
	TS_ASSERT(!rule_matches(r, &in));
	in.cmdline = "python3";
	TS_ASSERT(!rule_matches(r, &in));

	/* quotes may start and end inside a word; either kind keeps blanks */
	TS_ASSERT_INT_EQ(mid->cmdline.n, 2);
	TS_ASSERT_STR_EQ(mid->cmdline.items[0], "ab cd");
	TS_ASSERT_STR_EQ(mid->cmdline.items[1], "x\ty");
	in.cmdline = "ab cd";
	TS_ASSERT(rule_matches(mid, &in));
	in.cmdline = "abcd";
	TS_ASSERT(!rule_matches(mid, &in));
}

static void test_id_ranges(void)
{
	_cleanup_(rule_freep) Rule *r = RULE("u", "uid", "0 1000-1999");
	_cleanup_(rule_freep) Rule *g = RULE("g", "gid", "4-5 100");
	static const struct {
		int64_t v;
		bool match;
	} u[] = {
		{ 0, true },    { 1, false },    { 999, false },  { 1000, true },
		{ 1500, true }, { 1999, true },  { 2000, false }, { 65534, false },
		{ -1, false },
	}, gt[] = {
		{ 3, false }, { 4, true }, { 5, true }, { 6, false }, { 100, true },
		{ 101, false }, { -1, false },
	};
	MatchInput in = input(PROC_EV_EXEC);

	TS_ASSERT(r && g);
	TS_ASSERT_INT_EQ(r->uid.n, 2);
	for (size_t i = 0; i < ELEMENTSOF(u); i++) {
		in.uid = u[i].v;
		if (rule_matches(r, &in) != u[i].match)
			fprintf(stderr, "uid %lld\n", (long long)u[i].v);
		TS_ASSERT_INT_EQ(rule_matches(r, &in), u[i].match);
	}
	in = input(PROC_EV_EXEC);
	for (size_t i = 0; i < ELEMENTSOF(gt); i++) {
		in.gid = gt[i].v;
		if (rule_matches(g, &in) != gt[i].match)
			fprintf(stderr, "gid %lld\n", (long long)gt[i].v);
		TS_ASSERT_INT_EQ(rule_matches(g, &in), gt[i].match);
	}
	/* the uid does not constrain the gid and the other way round */
	in = input(PROC_EV_EXEC);
	in.uid = 0;
	in.gid = 12345;
	TS_ASSERT(rule_matches(r, &in));
	TS_ASSERT(!rule_matches(g, &in));

	/* the largest id there is (uid_t -1 means "none") */
	{
		_cleanup_(rule_freep) Rule *big = RULE("big", "uid", "4294967294");

		TS_ASSERT(big);
		in.uid = 4294967294LL;
		TS_ASSERT(rule_matches(big, &in));
	}
}

static void test_user_group_names(void)
{
	_cleanup_(rule_freep) Rule *u = RULE("u", "user", "alice");
	_cleanup_(rule_freep) Rule *g = RULE("g", "group", "staff");
	MatchInput in = input(PROC_EV_EXEC);

	TS_ASSERT(u && g);
	TS_ASSERT_INT_EQ(u->uid.n, 1);
	TS_ASSERT_INT_EQ(u->uid.items[0].lo, 1000);
	TS_ASSERT_INT_EQ(g->gid.items[0].lo, 50);
	TS_ASSERT(rule_matches(u, &in));
	TS_ASSERT(rule_matches(g, &in));
	in.uid = 1001;
	in.gid = 51;
	TS_ASSERT(!rule_matches(u, &in));
	TS_ASSERT(!rule_matches(g, &in));
	in.uid = -1;
	in.gid = -1;
	TS_ASSERT(!rule_matches(u, &in));
	TS_ASSERT(!rule_matches(g, &in));

	/* names and numbers go together: uid before user */
	{
		_cleanup_(rule_freep) Rule *m = RULE("m", "uid", "5", "user", "alice");

		TS_ASSERT(m);
		in.uid = 5;
		TS_ASSERT(rule_matches(m, &in));
		in.uid = 1000;
		TS_ASSERT(rule_matches(m, &in));
		in.uid = 6;
		TS_ASSERT(!rule_matches(m, &in));
	}
}

/* "user = alice" then "uid = 5" must match both, like the other order (the names
 * are "merged with uid = ..."): the order of the keys must not matter. */
static void test_user_then_uid(void)
{
	_cleanup_(rule_freep) Rule *m = RULE("m", "user", "alice", "uid", "5");
	_cleanup_(rule_freep) Rule *g = RULE("g", "group", "staff", "gid", "7");
	MatchInput in = input(PROC_EV_EXEC);

	TS_ASSERT(m && g);
	in.uid = 5;
	TS_ASSERT(rule_matches(m, &in));
	in.uid = 1000;
	TS_ASSERT(rule_matches(m, &in));
	in.gid = 7;
	TS_ASSERT(rule_matches(g, &in));
	in.gid = 50;
	TS_ASSERT(rule_matches(g, &in));
}

static void test_and_semantics(void)
{
	_cleanup_(rule_freep) Rule *r =
		RULE("and", "event", "exec", "comm", "sshd", "exe", "/usr/sbin/*",
		     "uid", "1000", "gid", "50", "unit", "ssh.service",
		     "cgroup", "/system.slice/*", "parent-comm", "systemd",
		     "parent-exe", "*/systemd", "cmdline", "sshd:*");
	MatchInput in = input(PROC_EV_EXEC);

	TS_ASSERT(r);
	TS_ASSERT(rule_matches(r, &in));
	/* each key alone can veto */
	in.type = PROC_EV_FORK;
	TS_ASSERT(!rule_matches(r, &in));
	in = input(PROC_EV_EXEC);
	in.comm = "bash";
	TS_ASSERT(!rule_matches(r, &in));
	in = input(PROC_EV_EXEC);
	in.exe = "/bin/sshd";
	TS_ASSERT(!rule_matches(r, &in));
	in = input(PROC_EV_EXEC);
	in.uid = 0;
	TS_ASSERT(!rule_matches(r, &in));
	in = input(PROC_EV_EXEC);
	in.gid = 0;
	TS_ASSERT(!rule_matches(r, &in));
	in = input(PROC_EV_EXEC);
	in.unit = "cron.service";
	TS_ASSERT(!rule_matches(r, &in));
	in = input(PROC_EV_EXEC);
	in.cgroup = "/user.slice";
	TS_ASSERT(!rule_matches(r, &in));
	in = input(PROC_EV_EXEC);
	in.parent_comm = "bash";
	TS_ASSERT(!rule_matches(r, &in));
	in = input(PROC_EV_EXEC);
	in.parent_exe = "/bin/bash";
	TS_ASSERT(!rule_matches(r, &in));
	in = input(PROC_EV_EXEC);
	in.cmdline = "/usr/sbin/sshd -D";
	TS_ASSERT(!rule_matches(r, &in));
	in = input(PROC_EV_EXEC);
	TS_ASSERT(rule_matches(r, &in));
}

static void test_exit_code(void)
{
	_cleanup_(rule_freep) Rule *fail = RULE("f", "exit-code", "1-255");
	_cleanup_(rule_freep) Rule *ok = RULE("o", "exit-code", "0");
	_cleanup_(rule_freep) Rule *few = RULE("w", "exit-code", "2 127 200-201");
	MatchInput in = input(PROC_EV_EXIT);

	TS_ASSERT(fail && ok && few);
	in.exit_code = 0;
	TS_ASSERT(!rule_matches(fail, &in));
	TS_ASSERT(rule_matches(ok, &in));
	in.exit_code = 1;
	TS_ASSERT(rule_matches(fail, &in));
	TS_ASSERT(!rule_matches(ok, &in));
	in.exit_code = 255;
	TS_ASSERT(rule_matches(fail, &in));
	in.exit_code = 127;
	TS_ASSERT(rule_matches(few, &in));
	in.exit_code = 201;
	TS_ASSERT(rule_matches(few, &in));
	in.exit_code = 202;
	TS_ASSERT(!rule_matches(few, &in));

	/* killed by a signal: there is no exit code, not even 0 */
	in.exit_code = -1;
	in.exit_signal = 9;
	TS_ASSERT(!rule_matches(fail, &in));
	TS_ASSERT(!rule_matches(ok, &in));

	/* only exits have one */
	for (int t = PROC_EV_FORK; t < _PROC_EV_MAX; t++) {
		if (t == PROC_EV_EXIT)
			continue;
		in = input((ProcEventType)t);
		in.exit_code = 1; /* even if a caller left something there */
		TS_ASSERT(!rule_matches(fail, &in));
		in.exit_code = 0;
		TS_ASSERT(!rule_matches(ok, &in));
	}
}

static void test_exit_signal(void)
{
	_cleanup_(rule_freep) Rule *r = RULE("s", "exit-signal", "SEGV SIGABRT 9 sigbus");
	_cleanup_(rule_freep) Rule *range = RULE("r", "exit-signal", "1-3 TERM-15");
	MatchInput in = input(PROC_EV_EXIT);

	TS_ASSERT(r && range);
	TS_ASSERT_INT_EQ(r->exit_signal.n, 4);
	TS_ASSERT_INT_EQ(r->exit_signal.items[0].lo, 11);
	TS_ASSERT_INT_EQ(r->exit_signal.items[1].lo, 6);
	TS_ASSERT_INT_EQ(r->exit_signal.items[2].lo, 9);
	TS_ASSERT_INT_EQ(r->exit_signal.items[3].lo, 7);
	in.exit_code = -1;
	for (int s = 1; s <= 64; s++) {
		in.exit_signal = s;
		TS_ASSERT_INT_EQ(rule_matches(r, &in),
				 s == 11 || s == 6 || s == 9 || s == 7);
		TS_ASSERT_INT_EQ(rule_matches(range, &in), s <= 3 || s == 15);
	}

	/* a normal exit was killed by nothing, whatever its code */
	in.exit_signal = 0;
	for (int code = 0; code < 256; code++) {
		in.exit_code = code;
		TS_ASSERT(!rule_matches(r, &in));
		TS_ASSERT(!rule_matches(range, &in));
	}

	/* only exits have one */
	in = input(PROC_EV_COREDUMP);
	in.exit_signal = 11;
	TS_ASSERT(!rule_matches(r, &in));
	in.type = PROC_EV_EXEC;
	TS_ASSERT(!rule_matches(r, &in));
}

static void test_lifetime(void)
{
	_cleanup_(rule_freep) Rule *min = RULE("min", "min-lifetime", "1s");
	_cleanup_(rule_freep) Rule *max = RULE("max", "max-lifetime", "500ms");
	_cleanup_(rule_freep) Rule *win = RULE("w", "min-lifetime", "2s", "max-lifetime",
					       "2min");
	MatchInput in = input(PROC_EV_EXIT);

	TS_ASSERT(min && max && win);
	TS_ASSERT(min->min_lifetime == SEC && min->max_lifetime == USEC_INFINITY);
	TS_ASSERT(max->max_lifetime == 500000 && max->min_lifetime == USEC_INFINITY);
	TS_ASSERT(win->max_lifetime == 120 * SEC);

	in.lifetime_usec = SEC - 1;
	TS_ASSERT(!rule_matches(min, &in));
	in.lifetime_usec = SEC;
	TS_ASSERT(rule_matches(min, &in));
	in.lifetime_usec = 3600 * SEC;
	TS_ASSERT(rule_matches(min, &in));

	in.lifetime_usec = 0;
	TS_ASSERT(rule_matches(max, &in));
	in.lifetime_usec = 500000;
	TS_ASSERT(rule_matches(max, &in));
	in.lifetime_usec = 500001;
	TS_ASSERT(!rule_matches(max, &in));

	in.lifetime_usec = 2 * SEC - 1;
	TS_ASSERT(!rule_matches(win, &in));
	in.lifetime_usec = 2 * SEC;
	TS_ASSERT(rule_matches(win, &in));
	in.lifetime_usec = 120 * SEC;
	TS_ASSERT(rule_matches(win, &in));
	in.lifetime_usec = 120 * SEC + 1;
	TS_ASSERT(!rule_matches(win, &in));

	/* unknown: neither short nor long */
	in.lifetime_usec = UINT64_MAX;
	TS_ASSERT(!rule_matches(min, &in));
	TS_ASSERT(!rule_matches(max, &in));
	TS_ASSERT(!rule_matches(win, &in));
	in = unknown_input(PROC_EV_EXIT);
	TS_ASSERT(!rule_matches(min, &in));
	TS_ASSERT(!rule_matches(max, &in));
}

static void test_null_strings(void)
{
	static const char *const keys[] = {
		"comm", "exe", "cmdline", "unit", "cgroup", "parent-comm", "parent-exe",
	};
	MatchInput in = unknown_input(PROC_EV_EXEC);

	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		_cleanup_(rule_freep) Rule *r = RULE("n", keys[i], "* ?* ''*");

		TS_ASSERT(r);
		TS_ASSERT(!rule_matches(r, &in));
	}
	/* and unknown ids never match an id key */
	{
		_cleanup_(rule_freep) Rule *u = RULE("u", "uid", "0-4294967294");
		_cleanup_(rule_freep) Rule *g = RULE("g", "gid", "0-4294967294");

		TS_ASSERT(u && g);
		TS_ASSERT(!rule_matches(u, &in));
		TS_ASSERT(!rule_matches(g, &in));
		in.uid = 0;
		in.gid = 0;
		TS_ASSERT(rule_matches(u, &in));
		TS_ASSERT(rule_matches(g, &in));
	}
}

static void test_first_match(void)
{
	RuleSet rs = {};
	MatchInput in = input(PROC_EV_EXEC);
	Rule *r;

	/* nothing: the default action applies */
	TS_ASSERT(!rules_match(&rs, &in));

	TS_ASSERT_INT_EQ(rule_set_append(&rs, RULE("quiet-sshd", "comm", "sshd", "action",
						   "ignore")), 0);
	TS_ASSERT(rs.rules[0]);
	TS_ASSERT_INT_EQ(rule_set_append(&rs, RULE("execs", "event", "exec", "priority",
						   "notice")), 0);
	TS_ASSERT(rs.rules[1]);
	TS_ASSERT_INT_EQ(rs.n, 2);
	TS_ASSERT(rule_set_find(&rs, "execs") == rs.rules[1]);
	TS_ASSERT(rule_set_find(&rs, "quiet-sshd") == rs.rules[0]);
	TS_ASSERT(!rule_set_find(&rs, "exec"));

	/* both match: the earlier ignore wins over the later log */
	r = rules_match(&rs, &in);
	TS_ASSERT(r == rs.rules[0]);
	TS_ASSERT_INT_EQ(r->action, RULE_ACTION_IGNORE);

	in.comm = "bash";
	r = rules_match(&rs, &in);
	TS_ASSERT(r == rs.rules[1]);
	TS_ASSERT_INT_EQ(r->action, RULE_ACTION_LOG);
	TS_ASSERT_INT_EQ(r->priority, LOG_NOTICE);

	/* neither */
	in.type = PROC_EV_FORK;
	TS_ASSERT(!rules_match(&rs, &in));
	in.comm = "sshd";
	TS_ASSERT(rules_match(&rs, &in) == rs.rules[0]);

	rule_set_free_contents(&rs);
	TS_ASSERT_INT_EQ(rs.n, 0);
	TS_ASSERT(!rs.rules);
}

/* Each bad value is refused with a reason naming the key, and changes nothing. */
static void test_set_key_errors(void)
{
	static const struct {
		const char *key, *value, *what;
	} t[] = {
		{ "comm", "[abc", "unterminated [" },
		{ "comm", "ok [abc", "bad glob \"[abc\"" },
		{ "exe", "/usr/bin/foo\\", "trailing backslash" },
		{ "cmdline", "\"sh -c *", "unterminated quote" },
		{ "cmdline", "'sh -c *", "unterminated quote" },
		{ "parent-comm", "", "empty value" },
		{ "parent-exe", "  ", "empty value" },
		{ "unit", "''", "empty pattern" },
		{ "cgroup", "/a/[b", "unterminated [" },
		{ "event", "bogus", "unknown event \"bogus\"" },
		{ "event", "exec none", "unknown event \"none\"" },
		{ "event", "Exec", "unknown event" },
		{ "event", "", "empty value" },
		{ "uid", "abc", "invalid id" },
		{ "uid", "-1", "invalid id" },
		{ "uid", "4294967295", "invalid id" },
		{ "uid", "1999-1000", "empty range" },
		{ "uid", "", "expected a list" },
		{ "gid", "1-x", "invalid id" },
		{ "user", "bob", "unknown user \"bob\"" },
		{ "user", "staff", "unknown user" }, /* a group, not a user */
		{ "group", "wheel", "unknown group \"wheel\"" },
		{ "group", "alice", "unknown group" },
		{ "user", "", "empty value" },
		{ "exit-code", "256", "invalid exit code" },
		{ "exit-code", "1-256", "invalid exit code" },
		{ "exit-code", "-1", "invalid exit code" },
		{ "exit-code", "one", "invalid exit code" },
		{ "exit-code", "5-3", "empty range" },
		{ "loginuid", "nobody", "invalid id (a number, set or unset)" },
		{ "loginuid", "unset-5", "empty range" },
		{ "login-user", "bob", "unknown user \"bob\"" },
		{ "session", "x", "invalid id" },
		{ "tty", "pts/[1", "unterminated [" },
		{ "tty", "", "empty value" },
		{ "cwd", "", "empty value" },
		{ "ancestor-comm", "\"sshd", "unterminated quote" },
		{ "ancestor-exe", "/usr/[", "unterminated [" },
		{ "container", "", "empty value (yes, no, or a glob" },
		{ "container", "[ab", "unterminated [" },
		{ "container-runtime", "rkt", "unknown runtime \"rkt\"" },
		{ "container-runtime", "", "empty value" },
		{ "exe-flags", "suid", "unknown flag \"suid\"" },
		{ "exe-flags", "", "empty value" },
		{ "exit-signal", "SIGFOO", "invalid signal \"SIGFOO\"" },
		{ "exit-signal", "SIG", "invalid signal" },
		{ "exit-signal", "0", "invalid signal" },
		{ "exit-signal", "65", "invalid signal" },
		{ "exit-signal", "KILL-HUP", "empty range" },
		{ "min-lifetime", "10parsecs", "invalid duration \"10parsecs\"" },
		{ "max-lifetime", "soon", "invalid duration" },
		{ "max-lifetime", "", "invalid duration" },
		{ "max-lifetime", "-1s", "invalid duration" },
		{ "action", "drop", "expected log or ignore" },
		{ "action", "Log", "expected log or ignore" },
		{ "priority", "loud", "got \"loud\"" },
		{ "priority", "8", "priority: expected" },
		{ "priority", "", "priority: expected" },
		{ "rate-limit", "0/10s", "invalid count" },
		{ "rate-limit", "10", "expected COUNT/INTERVAL" },
		{ "rate-limit", "10/", "invalid interval" },
		{ "rate-limit", "x/10s", "invalid count \"x\"" },
		{ "rate-limit", "/10s", "invalid count" },
		{ "rate-limit", "10/0", "invalid interval" },
		{ "rate-limit", "10/soon", "invalid interval \"soon\"" },
		{ "rate-limit", "4294967296/1s", "invalid count" },
		{ "rate-limit", "", "expected COUNT/INTERVAL" },
		{ "colour", "red", "unknown key \"colour\"" },
		{ "Comm", "sshd", "unknown key \"Comm\"" },
		{ "", "x", "unknown key" },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		_cleanup_(rule_freep) Rule *r = RULE("e", "comm", "keep", "uid", "7",
						     "exit-code", "3",
						     "rate-limit", "9/9s");
		char err[256];
		int k;

		TS_ASSERT(r);
		memset(err, 0, sizeof(err));
		k = rule_set_key(r, t[i].key, t[i].value, fake_resolve, err, sizeof(err));
		if (k != -EINVAL || !strstr(err, t[i].what) || !strstr(err, t[i].key))
			fprintf(stderr, "%s = \"%s\" -> %d \"%s\"; want \"%s\"\n",
				t[i].key, t[i].value, k, err, t[i].what);
		TS_ASSERT_INT_EQ(k, -EINVAL);
		TS_ASSERT(strstr(err, t[i].what));
		/* the reason names the key (without file:line, the caller adds it) */
		TS_ASSERT(strstr(err, t[i].key));
		TS_ASSERT(!strstr(err, "test.conf"));
		/* the earlier values are still in force */
		TS_ASSERT_INT_EQ(r->comm.n, 1);
		TS_ASSERT_STR_EQ(r->comm.items[0], "keep");
		TS_ASSERT_INT_EQ(r->exit_code.n, 1);
		TS_ASSERT_INT_EQ(r->exit_code.items[0].lo, 3);
		TS_ASSERT_INT_EQ(r->rate.burst, 9);
		TS_ASSERT(r->rate.interval == 9 * SEC);
		TS_ASSERT_INT_EQ(r->action, RULE_ACTION_LOG);
		TS_ASSERT_INT_EQ(r->priority, LOG_INFO);
		TS_ASSERT(r->min_lifetime == USEC_INFINITY);
		TS_ASSERT(r->max_lifetime == USEC_INFINITY);
		if (strcmp(t[i].key, "user") != 0) {
			TS_ASSERT_INT_EQ(r->uid.n, 1);
			TS_ASSERT_INT_EQ(r->uid.items[0].lo, 7);
		}
	}

	/* a message cut short by a small buffer is still a string */
	{
		_cleanup_(rule_freep) Rule *r = rule_new("s", "f", 1);
		char small[8];

		TS_ASSERT(r);
		memset(small, 'z', sizeof(small));
		TS_ASSERT_INT_EQ(rule_set_key(r, "colour", "red", NULL, small,
					      sizeof(small)), -EINVAL);
		TS_ASSERT(memchr(small, 0, sizeof(small)));
	}

	/* without a resolver, no name is known */
	{
		_cleanup_(rule_freep) Rule *r = rule_new("s", "f", 1);
		char err[256];

		TS_ASSERT(r);
		TS_ASSERT_INT_EQ(rule_set_key(r, "user", "alice", NULL, err, sizeof(err)),
				 -EINVAL);
		TS_ASSERT(strstr(err, "unknown user \"alice\""));
	}
}

/* who, from where, inside what, descended from what: each key matching and not */
static void test_attribution_keys(void)
{
	static const Container docker = { .runtime = "docker",
					  .id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" };
	static const Container nspawn = { .runtime = "nspawn", .name = "web-1" };
	static const char *const anc_comm[] = { "bash", "sshd", "sshd", "systemd" };
	static const char *const anc_exe[] = { "/usr/bin/bash", "/usr/sbin/sshd", NULL,
					       "/usr/lib/systemd/systemd" };
	MatchInput in = input(PROC_EV_EXEC), out = input(PROC_EV_EXEC), unk = unknown_input(PROC_EV_EXEC);
	static const struct {
		const char *key, *value;
		bool in, out; /* matches the logged-in shell; the service */
	} t[] = {
		{ "loginuid", "1000", true, false },
		{ "loginuid", "0-999", false, false },
		{ "loginuid", "unset", false, true },
		{ "loginuid", "set", true, false },
		{ "session", "set", true, false },
		{ "login-user", "alice", true, false },
		{ "login-user", "unset", false, true },
		{ "session", "3", true, false },
		{ "session", "unset", false, true },
		{ "tty", "pts/*", true, false },
		{ "tty", "tty1", false, false },
		{ "tty", "none", false, true },
		{ "tty", "tty1 none", false, true },
		{ "cwd", "/home/*", true, false },
		{ "cwd", "/", false, true },
		{ "ancestor-comm", "sshd", true, false },
		{ "ancestor-comm", "cron", false, false },
		{ "ancestor-exe", "/usr/sbin/*", true, false },
		{ "container", "yes", false, true },
		{ "container", "no", true, false },
		{ "container", "0123*", false, true },
		{ "container", "web-*", false, false },
		{ "container", "no 0123*", true, true },
		{ "container-runtime", "docker", false, true },
		{ "container-runtime", "podman", false, false },
		{ "exe-flags", "writable-dir", false, true },
		{ "exe-flags", "memfd deleted", false, false },
		{ "exe-flags", "setuid writable-dir", false, true },
	};

	in.tracked = true;
	in.loginuid = 1000;
	in.session = 3;
	in.tty = "pts/3";
	in.cwd = "/home/alice";
	in.ancestor_comm = anc_comm;
	in.ancestor_exe = anc_exe;
	in.n_ancestors = ELEMENTSOF(anc_comm);
	out.tracked = true;
	out.loginuid = LOGIN_UNSET;
	out.session = LOGIN_UNSET;
	out.cwd = "/";
	out.container = &docker;
	out.exe_flags = EXE_WRITABLE_DIR;

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		const char *kv[] = { t[i].key, t[i].value, NULL };
		_cleanup_(rule_freep) Rule *r = make_rule("k", kv);

		TS_ASSERT(r);
		if (rule_matches(r, &in) != t[i].in || rule_matches(r, &out) != t[i].out)
			fprintf(stderr, "%s = %s: %d %d\n", t[i].key, t[i].value,
				rule_matches(r, &in), rule_matches(r, &out));
		TS_ASSERT(rule_matches(r, &in) == t[i].in);
		TS_ASSERT(rule_matches(r, &out) == t[i].out);
		/* nothing known about the process: none of them matches */
		if (rule_matches(r, &unk))
			fprintf(stderr, "%s = %s matches an unknown process\n", t[i].key, t[i].value);
		TS_ASSERT(!rule_matches(r, &unk));
	}
	/* a container named, not numbered */
	out.container = &nspawn;
	{
		const char *kv[] = { "container", "web-*", NULL };
		_cleanup_(rule_freep) Rule *r = make_rule("n", kv);

		TS_ASSERT(r && rule_matches(r, &out));
	}
	/* the ancestors are asked for only when some rule needs them */
	{
		const char *kv1[] = { "comm", "sh", NULL }, *kv2[] = { "ancestor-comm", "x", NULL };
		RuleSet rs = {};

		TS_ASSERT_INT_EQ(rule_set_append(&rs, make_rule("a", kv1)), 0);
		TS_ASSERT(!rules_need_ancestors(&rs));
		TS_ASSERT_INT_EQ(rule_set_append(&rs, make_rule("b", kv2)), 0);
		TS_ASSERT(rules_need_ancestors(&rs));
		rule_set_free_contents(&rs);
	}
}

static void test_validate(void)
{
	_cleanup_(rule_freep) Rule *bad = RULE("b", "min-lifetime", "10s", "max-lifetime",
					       "1s");
	_cleanup_(rule_freep) Rule *eq = RULE("e", "min-lifetime", "1s", "max-lifetime",
					      "1000ms");
	_cleanup_(rule_freep) Rule *one = RULE("o", "min-lifetime", "1h");
	_cleanup_(rule_freep) Rule *other = RULE("x", "max-lifetime", "0");
	char err[256] = "";

	TS_ASSERT(bad && eq && one && other);
	TS_ASSERT_INT_EQ(rule_validate(bad, err, sizeof(err)), -EINVAL);
	TS_ASSERT(strstr(err, "min-lifetime"));
	TS_ASSERT(strstr(err, "max-lifetime"));
	TS_ASSERT_INT_EQ(rule_validate(eq, err, sizeof(err)), 0);
	TS_ASSERT_INT_EQ(rule_validate(one, err, sizeof(err)), 0);
	TS_ASSERT_INT_EQ(rule_validate(other, err, sizeof(err)), 0);
	TS_ASSERT(other->max_lifetime == 0);
}

static void test_rate_limit_parse(void)
{
	static const struct {
		const char *value;
		unsigned burst;
		usec_t interval;
	} t[] = {
		{ "100/10s", 100, 10 * SEC },
		{ "1/1ms", 1, 1000 },
		{ "5/2min", 5, 120 * SEC },
		{ "7/3", 7, 3 * SEC },
		{ "4294967295/1h", 4294967295U, 3600 * SEC },
		{ "none", 0, 0 },
		{ "0", 0, 0 },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		RateLimit rl = { .burst = 42, .interval = 42, .count = 3,
				 .suppressed = 4 };
		char err[256] = "";

		TS_ASSERT_INT_EQ(rule_parse_rate_limit(&rl, t[i].value, err,
						       sizeof(err)), 0);
		TS_ASSERT_INT_EQ(rl.burst, t[i].burst);
		if (t[i].burst)
			TS_ASSERT(rl.interval == t[i].interval);
		/* a fresh window */
		TS_ASSERT(rl.begin == 0 && rl.count == 0 && rl.suppressed == 0);
	}

	/* in a rule: its own, also when "none" */
	{
		_cleanup_(rule_freep) Rule *r = RULE("r", "rate-limit", "none");
		_cleanup_(rule_freep) Rule *d = rule_new("d", "f", 1);

		TS_ASSERT(r && d);
		TS_ASSERT(r->rate_set);
		TS_ASSERT_INT_EQ(r->rate.burst, 0);
		TS_ASSERT(!d->rate_set);
	}
}

static void test_rate_limit_check(void)
{
	RateLimit rl = {};
	const usec_t t0 = 1000 * SEC;
	char err[256];

	TS_ASSERT_INT_EQ(rule_parse_rate_limit(&rl, "3/10s", err, sizeof(err)), 0);

	/* exactly the burst within the window, then suppression, counted */
	TS_ASSERT(rate_limit_check(&rl, t0));
	TS_ASSERT(rate_limit_check(&rl, t0 + 1));
	TS_ASSERT(rate_limit_check(&rl, t0 + 2 * SEC));
	TS_ASSERT(!rate_limit_check(&rl, t0 + 3 * SEC));
	TS_ASSERT(!rate_limit_check(&rl, t0 + 4 * SEC));
	TS_ASSERT_INT_EQ(rl.suppressed, 2);
	/* the window is fixed from its first record, not sliding */
	TS_ASSERT(!rate_limit_check(&rl, t0 + 10 * SEC - 1));
	TS_ASSERT_INT_EQ(rl.suppressed, 3);

	/* a new window: the burst again; the suppressed count waits to be reported */
	TS_ASSERT(rate_limit_check(&rl, t0 + 10 * SEC));
	TS_ASSERT(rate_limit_check(&rl, t0 + 10 * SEC));
	TS_ASSERT(rate_limit_check(&rl, t0 + 11 * SEC));
	TS_ASSERT(!rate_limit_check(&rl, t0 + 11 * SEC));
	TS_ASSERT_INT_EQ(rl.suppressed, 4);

	TS_ASSERT_INT_EQ(rate_limit_take_suppressed(&rl), 4);
	TS_ASSERT_INT_EQ(rl.suppressed, 0);
	TS_ASSERT_INT_EQ(rate_limit_take_suppressed(&rl), 0);
	/* taking the count does not open the window */
	TS_ASSERT(!rate_limit_check(&rl, t0 + 12 * SEC));
	TS_ASSERT_INT_EQ(rate_limit_take_suppressed(&rl), 1);

	/* a long pause: a full burst */
	for (int i = 0; i < 3; i++)
		TS_ASSERT(rate_limit_check(&rl, t0 + 3600 * SEC));
	TS_ASSERT(!rate_limit_check(&rl, t0 + 3600 * SEC));
	TS_ASSERT_INT_EQ(rate_limit_take_suppressed(&rl), 1);

	/* burst 1 */
	TS_ASSERT_INT_EQ(rule_parse_rate_limit(&rl, "1/1s", err, sizeof(err)), 0);
	TS_ASSERT(rate_limit_check(&rl, t0));
	TS_ASSERT(!rate_limit_check(&rl, t0 + SEC - 1));
	TS_ASSERT(rate_limit_check(&rl, t0 + SEC));
	TS_ASSERT_INT_EQ(rate_limit_take_suppressed(&rl), 1);
}

static void test_rate_limit_none(void)
{
	RateLimit rl = { .burst = 1, .interval = SEC };
	char err[256];

	TS_ASSERT_INT_EQ(rule_parse_rate_limit(&rl, "none", err, sizeof(err)), 0);
	for (unsigned i = 0; i < 100000; i++)
		TS_ASSERT(rate_limit_check(&rl, 5 * SEC + i % 7));
	TS_ASSERT_INT_EQ(rl.suppressed, 0);
	TS_ASSERT_INT_EQ(rate_limit_take_suppressed(&rl), 0);
}

static void test_priority(void)
{
	static const struct {
		const char *s;
		int p;
	} t[] = {
		{ "emerg", LOG_EMERG },	    { "alert", LOG_ALERT },
		{ "crit", LOG_CRIT },	    { "err", LOG_ERR },
		{ "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
		{ "info", LOG_INFO },	    { "debug", LOG_DEBUG },
		{ "error", LOG_ERR },	    { "warn", LOG_WARNING },
		{ "emergency", LOG_EMERG }, { "panic", LOG_EMERG },
		{ "critical", LOG_CRIT },   { "0", 0 },
		{ "3", 3 },		    { "7", 7 },
		{ "8", -EINVAL },	    { "10", -EINVAL },
		{ "-1", -EINVAL },	    { "", -EINVAL },
		{ "infos", -EINVAL },	    { "inf", -EINVAL },
		{ " info", -EINVAL },	    { "07", -EINVAL },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		if (priority_from_string(t[i].s) != t[i].p)
			fprintf(stderr, "priority \"%s\"\n", t[i].s);
		TS_ASSERT_INT_EQ(priority_from_string(t[i].s), t[i].p);
	}
	TS_ASSERT_INT_EQ(priority_from_string(NULL), -EINVAL);

	/* the names round-trip */
	for (int p = LOG_EMERG; p <= LOG_DEBUG; p++)
		TS_ASSERT_INT_EQ(priority_from_string(priority_to_string(p)), p);
	TS_ASSERT_STR_EQ(priority_to_string(LOG_WARNING), "warning");
	TS_ASSERT_STR_EQ(priority_to_string(8), "?");
	TS_ASSERT_STR_EQ(priority_to_string(-1), "?");

	/* in a rule */
	{
		_cleanup_(rule_freep) Rule *r = RULE("p", "priority", "warn");

		TS_ASSERT(r);
		TS_ASSERT_INT_EQ(r->priority, LOG_WARNING);
	}
}

static void test_action(void)
{
	_cleanup_(rule_freep) Rule *r = RULE("a", "action", "ignore");

	TS_ASSERT(r);
	TS_ASSERT_INT_EQ(r->action, RULE_ACTION_IGNORE);
	TS_ASSERT_INT_EQ(rule_set_key(r, "action", "log", NULL, (char[64]){}, 64), 0);
	TS_ASSERT_INT_EQ(r->action, RULE_ACTION_LOG);
	TS_ASSERT_STR_EQ(rule_action_to_string(RULE_ACTION_LOG), "log");
	TS_ASSERT_STR_EQ(rule_action_to_string(RULE_ACTION_IGNORE), "ignore");
	TS_ASSERT_STR_EQ(rule_action_to_string(_RULE_ACTION_INVALID), "?");
	TS_ASSERT_STR_EQ(rule_action_to_string(_RULE_ACTION_MAX), "?");
}

static void check_describe(Rule *r, const char *want)
{
	_cleanup_free_ char *d = NULL;

	TS_ASSERT(r);
	d = rule_describe(r);
	TS_ASSERT_STR_EQ(d, want);
}

#define CHECK_DESCRIBE(r, want)                                                         \
	do {                                                                            \
		_cleanup_(rule_freep) Rule *_r = (r);                                   \
		int _f = test_failures;                                                 \
		check_describe(_r, (want));                                             \
		if (test_failures != _f)                                                \
			return;                                                         \
	} while (0)

static void test_describe(void)
{
	CHECK_DESCRIBE(rule_new("x", "f", 1), "(every event)");
	CHECK_DESCRIBE(RULE("x", "action", "ignore", "priority", "err"), "(every event)");
	CHECK_DESCRIBE(RULE("x", "event", "exec", "user", "alice", "comm", "sshd"),
		       "event=exec uid=1000 comm=sshd");
	/* events in their kernel order, lists joined, quoted when they hold blanks */
	CHECK_DESCRIBE(RULE("x", "event", "exit exec", "uid", "0 1000-1999", "comm",
			    "sshd 'sh -c *'"),
		       "event=exec|exit uid=0,1000-1999 comm=sshd|\"sh -c *\"");
	CHECK_DESCRIBE(RULE("x", "group", "staff", "exe", "/bin/*", "cmdline", "a",
			    "parent-comm", "b", "parent-exe", "c", "unit", "d",
			    "cgroup", "e",
			    "exit-code", "1-5 9", "exit-signal", "SEGV"),
		       "gid=50 exe=/bin/* cmdline=a parent-comm=b parent-exe=c unit=d "
		       "cgroup=e exit-code=1-5,9 exit-signal=11");

	/* lifetimes: a readable duration (its exact format belongs to format_duration) */
	{
		_cleanup_(rule_freep) Rule *r = RULE("x", "min-lifetime", "2s",
						     "max-lifetime", "5min");
		_cleanup_free_ char *d = NULL;

		TS_ASSERT(r);
		d = rule_describe(r);
		TS_ASSERT(d);
		TS_ASSERT(strncmp(d, "min-lifetime=2", 14) == 0);
		TS_ASSERT(strstr(d, " max-lifetime=5"));
		TS_ASSERT(!strchr(d, '\n'));
	}
}

int main(void)
{
	RUN_TEST(test_empty_rule);
	RUN_TEST(test_event);
	RUN_TEST(test_glob_keys);
	RUN_TEST(test_glob_lists);
	RUN_TEST(test_cmdline_quotes);
	RUN_TEST(test_id_ranges);
	RUN_TEST(test_user_group_names);
	RUN_TEST(test_user_then_uid);
	RUN_TEST(test_and_semantics);
	RUN_TEST(test_exit_code);
	RUN_TEST(test_exit_signal);
	RUN_TEST(test_lifetime);
	RUN_TEST(test_null_strings);
	RUN_TEST(test_first_match);
	RUN_TEST(test_set_key_errors);
	RUN_TEST(test_attribution_keys);
	RUN_TEST(test_validate);
	RUN_TEST(test_rate_limit_parse);
	RUN_TEST(test_rate_limit_check);
	RUN_TEST(test_rate_limit_none);
	RUN_TEST(test_priority);
	RUN_TEST(test_action);
	RUN_TEST(test_describe);
	return TEST_EXIT();
}
