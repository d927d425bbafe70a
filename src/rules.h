/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Rules: which events are logged, at what priority, how often. Parsing one key
 * (rule_set_key) and matching (rules_match) are pure; names of users and groups
 * are resolved once, at load, through a caller-supplied resolver.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cnproc.h"
#include "container.h"
#include "macro.h"

typedef enum RuleAction {
	RULE_ACTION_LOG,
	RULE_ACTION_IGNORE,
	_RULE_ACTION_MAX,
	_RULE_ACTION_INVALID = -1,
} RuleAction;

typedef struct Range {
	int64_t lo, hi; /* inclusive */
} Range;

typedef struct RangeList {
	Range *items;
	size_t n;
} RangeList;

typedef struct GlobList {
	char **items; /* fnmatch(3) patterns */
	size_t n;
} GlobList;

/* Add the value's words (blank-separated, quotes keep blanks) as globs; a repeated
 * key adds to the list. -EINVAL with err filled for a bad value. */
int glob_list_parse(GlobList *g, const char *key, const char *value, char *err,
		    size_t errlen);
void glob_list_clear(GlobList *g);

typedef struct RuleStats {
	uint64_t n_hits;       /* events that matched this rule (first match) */
	uint64_t n_logged;     /* records written */
	uint64_t n_suppressed; /* records dropped by the rate limit, all time */
} RuleStats;

typedef struct RateLimit {
	unsigned burst;  /* 0: unlimited */
	usec_t interval;
	/* runtime window */
	usec_t begin;
	unsigned count;
	uint64_t suppressed; /* in the current window, not yet reported */
} RateLimit;

typedef struct Rule {
	char *name;
	char *file; /* where it was defined, for messages */
	unsigned line;

	uint32_t events; /* bit (1 << ProcEventType); 0: any event */
	GlobList comm, exe, cmdline, parent_comm, parent_exe, unit, cgroup;
	RangeList uid, gid, exit_code, exit_signal;
	/* who and from where: login uid and session ("unset" is LOGIN_UNSET), the
	 * terminal (tty_none: "none" was given), the working directory */
	RangeList loginuid, session;
	GlobList tty, cwd;
	bool tty_none;
	/* descended from what: any ancestor in the table matches */
	GlobList ancestor_comm, ancestor_exe;
	/* inside what: words of container_matches() ("yes", "no", globs on the
	 * container's id or name), runtimes */
	GlobList container, container_runtime;
	unsigned exe_flags; /* any of these (exeflags.h) */
	usec_t min_lifetime, max_lifetime; /* USEC_INFINITY: unset */

	RuleAction action;
	int priority; /* syslog level, LOG_INFO unless set */
	RateLimit rate;
	bool rate_set; /* its own rate-limit; else the [cnprocd] one is copied in */
	/* the exit of a process whose exec it recorded is recorded too (by it, when no
	 * rule decides that exit): the trail cnprocctl tree rebuilds */
	bool record_exit;
	RuleStats stats;
} Rule;

typedef struct RuleSet {
	Rule **rules; /* in file order: the first match wins */
	size_t n;
} RuleSet;

/* Resolves a user or group name to an id; < 0 if unknown. */
typedef int (*rule_name_resolver)(const char *name, bool group, uint32_t *ret);

Rule *rule_new(const char *name, const char *file, unsigned line);
Rule *rule_free(Rule *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(Rule *, rule_free);

/*
 * Apply "key = value" to r. On error returns a negative errno and writes a
 * one-line reason (without file:line) to err.
 */
int rule_set_key(Rule *r, const char *key, const char *value, rule_name_resolver resolve,
		 char *err, size_t errlen);
/* Checks across keys (e.g. min-lifetime > max-lifetime). */
int rule_validate(const Rule *r, char *err, size_t errlen);

void rule_set_free_contents(RuleSet *rs);
int rule_set_append(RuleSet *rs, Rule *r); /* takes ownership (also on failure) */
Rule *rule_set_find(const RuleSet *rs, const char *name);

/* the unset audit login uid and session, as the kernel shows them */
#define LOGIN_UNSET 4294967295LL

/* Everything an event is matched on; NULL strings and unknown values never match a
 * key that constrains them. */
typedef struct MatchInput {
	ProcEventType type;
	bool tracked;               /* the process is in the table: what follows is known */
	const char *comm, *exe, *cmdline, *unit, *cgroup, *parent_comm, *parent_exe;
	const char *tty;            /* NULL: none */
	const char *cwd;
	int64_t loginuid, session;  /* -1: unknown; LOGIN_UNSET: unset */
	const Container *container; /* NULL: none */
	unsigned exe_flags;
	/* the ancestors, parent first (only when a rule asks: rules_need_ancestors) */
	const char *const *ancestor_comm, *const *ancestor_exe;
	size_t n_ancestors;
	int64_t uid, gid;           /* -1: unknown */
	int64_t exit_code;          /* -1: not an exit, or killed by a signal */
	int64_t exit_signal;        /* 0: exited normally */
	uint64_t lifetime_usec;     /* UINT64_MAX: unknown */
} MatchInput;

bool rule_matches(const Rule *r, const MatchInput *in);
/* Whether some rule matches on the ancestors (gathering them costs a walk). */
bool rules_need_ancestors(const RuleSet *rs);
/* The first rule that matches, or NULL (then the default action applies). */
Rule *rules_match(const RuleSet *rs, const MatchInput *in);

/*
 * Rate limit: true if one more record may be written at now (CLOCK_MONOTONIC).
 * Refused records are counted in rl->suppressed until taken for reporting.
 */
bool rate_limit_check(RateLimit *rl, usec_t now);
uint64_t rate_limit_take_suppressed(RateLimit *rl);
/* "100/10s" or "none"; on error a reason in err. */
int rule_parse_rate_limit(RateLimit *rl, const char *value, char *err, size_t errlen);

const char *rule_action_to_string(RuleAction a);
const char *priority_to_string(int p);
int priority_from_string(const char *s);

/* Human summary of what a rule matches, e.g. "event=exec user=0 comm=sshd". */
char *rule_describe(const Rule *r);
