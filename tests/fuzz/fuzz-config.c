/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cnprocd.conf text to a rule set, as a reload does it. A configuration is either
 * refused with a file:line reason or loaded; a loaded one is printed (as
 * --check-config does) and matched against a few events, so what the parser
 * accepted is also safe to use.
 */

#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "conffile.h"
#include "fuzz.h"
#include "rules.h"

static FILE *devnull;

/* A few events of different kinds, with and without what rules may ask for. */
static const MatchInput events[] = {
	{ .type = PROC_EV_EXEC, .comm = "sshd", .exe = "/usr/sbin/sshd",
	  .cmdline = "sshd: alice [priv]", .unit = "ssh.service",
	  .cgroup = "/system.slice/ssh.service", .parent_comm = "systemd",
	  .parent_exe = "/usr/lib/systemd/systemd", .uid = 0, .gid = 0, .exit_code = -1,
	  .lifetime_usec = UINT64_MAX },
	{ .type = PROC_EV_EXIT, .comm = "bash", .exe = "/usr/bin/bash",
	  .cmdline = "bash -c exit 3", .uid = 1000, .gid = 1000, .exit_code = 3,
	  .lifetime_usec = 1500000 },
	{ .type = PROC_EV_EXIT, .comm = "crash", .uid = 65534, .gid = 65534,
	  .exit_code = -1, .exit_signal = 11, .lifetime_usec = 20 },
	{ .type = PROC_EV_FORK, .uid = -1, .gid = -1, .exit_code = -1,
	  .lifetime_usec = UINT64_MAX },
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	devnull = fopen("/dev/null", "we");
	if (!devnull)
		abort();
	return 0;
}

/* How many lines a text has, counting an unterminated last one. */
static unsigned count_lines(const char *t, size_t size)
{
	unsigned n = 0;

	for (size_t i = 0; i < size; i++)
		n += t[i] == '\n';
	return n + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ConfigError err;
	Config c;
	char *text;
	int r;

	/* the file reader refuses NUL bytes (and large files) before parsing */
	if (memchr(data, 0, size) || size > 65536)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;

	memset(&err, 0x7a, sizeof(err));
	r = config_load_string("fuzz.conf", text, &c, &err);
	if (r < 0) {
		/* refused: with a reason tied to a line of this file */
		FUZZ_CHECK(r == -EINVAL || r == -ENOMEM);
		FUZZ_CHECK(memchr(err.file, 0, sizeof(err.file)) &&
			   strcmp(err.file, "fuzz.conf") == 0);
		FUZZ_CHECK(memchr(err.message, 0, sizeof(err.message)) && err.message[0]);
		if (r == -EINVAL)
			FUZZ_CHECK(err.line >= 1 && err.line <= count_lines(text, size));
		free(text);
		return 0;
	}

	FUZZ_CHECK(c.n_files == 1);
	FUZZ_CHECK(c.default_action >= 0 && c.default_action < _RULE_ACTION_MAX);
	FUZZ_CHECK(c.default_priority >= LOG_EMERG && c.default_priority <= LOG_DEBUG);
	config_print(&c, devnull);
	for (size_t i = 0; i < c.rules.n; i++) {
		const Rule *rule = c.rules.rules[i];

		FUZZ_CHECK(rule->name && rule->name[0]);
		FUZZ_CHECK(rule->line >= 1 && rule->line <= count_lines(text, size));
		FUZZ_CHECK(rule->priority >= LOG_EMERG && rule->priority <= LOG_DEBUG);
		FUZZ_CHECK(rule->action >= 0 && rule->action < _RULE_ACTION_MAX);
		FUZZ_CHECK(rule_set_find(&c.rules, rule->name) == rule);
	}
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		Rule *m = rules_match(&c.rules, &events[i]);

		/* the first match wins: no earlier rule may match */
		for (size_t j = 0; m && c.rules.rules[j] != m; j++)
			FUZZ_CHECK(!rule_matches(c.rules.rules[j], &events[i]));
		if (m)
			(void)rate_limit_check(&m->rate, 1000000);
	}
	config_done(&c);
	free(text);
	return 0;
}
