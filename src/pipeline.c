/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pure decision about one event: rules, priority, rate limit, filter (pipeline.h). */
#include <stdlib.h>

#include "macro.h"
#include "pipeline.h"
#include "procfs.h"

bool pipeline_is_thread_event(const ProcEvent *ev)
{
	return ev->pid != ev->tgid && ev->type != PROC_EV_COREDUMP;
}

void pipeline_record(EventRecord *rec, const ProcEvent *ev, const Process *p,
		     const Process *parent, const char *user, const char *login_user,
		     uint64_t realtime_usec, bool record_argv)
{
	*rec = (EventRecord){
		.ev = ev,
		.proc = p,
		.parent = parent,
		.user = user,
		.login_user = login_user,
		.realtime_usec = realtime_usec,
		.record_argv = record_argv,
		.lifetime_ns = LIFETIME_UNKNOWN,
	};
	if (ev->type == PROC_EV_EXIT && p && p->start_ns > 0 && ev->timestamp_ns >= p->start_ns)
		rec->lifetime_ns = ev->timestamp_ns - p->start_ns;
}

unsigned pipeline_needs(const Config *c)
{
	unsigned needs = rules_need_ancestors(&c->rules) ? PIPELINE_NEEDS_ANCESTORS : 0;

	for (size_t i = 0; i < c->rules.n; i++)
		if (c->rules.rules[i]->cmdline.n > 0)
			needs |= PIPELINE_NEEDS_CMDLINE;
	return needs;
}

Verdict pipeline_decide(Config *c, unsigned needs, EventRecord *rec, usec_t now)
{
	const ProcEvent *ev = rec->ev;
	const Process *p = rec->proc;
	_cleanup_free_ char *cmdline = NULL;
	const Process *chain[PIPELINE_ANCESTORS_MAX];
	const char *anc_comm[PIPELINE_ANCESTORS_MAX], *anc_exe[PIPELINE_ANCESTORS_MAX];
	char tty[32];
	MatchInput in = {
		.type = ev->type,
		.uid = -1,
		.gid = -1,
		.loginuid = -1,
		.session = -1,
		.exit_code = -1,
		.lifetime_usec = UINT64_MAX,
	};
	RateLimit *rl;
	Rule *rule;

	if (p) {
		in.comm = p->comm;
		in.exe = p->exe;
		in.unit = p->unit;
		in.cgroup = p->cgroup;
		in.uid = p->euid == (uid_t)-1 ? -1 : (int64_t)p->euid;
		in.gid = p->egid == (gid_t)-1 ? -1 : (int64_t)p->egid;
		if ((needs & PIPELINE_NEEDS_CMDLINE) && p->argv_len > 0)
			in.cmdline = cmdline = process_cmdline(p);
		in.tracked = true;
		in.tty = procfs_tty_name(p->tty_nr, tty, sizeof(tty));
		in.cwd = p->cwd;
		if (p->login_known) {
			in.loginuid = p->loginuid;
			in.session = p->loginuid == (uid_t)-1 ? LOGIN_UNSET : p->sessionid;
		}
		in.container = p->container ? &p->container->c : NULL;
		in.exe_flags = p->exe_flags;
		if ((needs & PIPELINE_NEEDS_ANCESTORS) && rec->table) {
			in.n_ancestors = proctable_ancestors(rec->table, p, chain, ELEMENTSOF(chain),
							     NULL);
			for (size_t i = 0; i < in.n_ancestors; i++) {
				anc_comm[i] = chain[i]->comm;
				anc_exe[i] = chain[i]->exe;
			}
			in.ancestor_comm = anc_comm;
			in.ancestor_exe = anc_exe;
		}
	}
	if (rec->parent) {
		in.parent_comm = rec->parent->comm;
		in.parent_exe = rec->parent->exe;
	}
	if (ev->type == PROC_EV_EXIT) {
		in.exit_code = ev->exit.signal ? -1 : ev->exit.status;
		in.exit_signal = ev->exit.signal;
		if (rec->lifetime_ns != LIFETIME_UNKNOWN)
			in.lifetime_usec = rec->lifetime_ns / NSEC_PER_USEC;
	}

	rule = rules_match(&c->rules, &in);
	/* no rule decides this exit, but the rule that recorded its exec asked for it */
	if (!rule && ev->type == PROC_EV_EXIT && p && p->exit_rule &&
	    p->exit_rule <= c->rules.n && c->rules.rules[p->exit_rule - 1]->record_exit)
		rule = c->rules.rules[p->exit_rule - 1];
	if (rule)
		rule->stats.n_hits++;
	rec->priority = rule ? rule->priority : c->default_priority;
	rec->rule = rule ? rule->name : NULL;
	if ((rule ? rule->action : c->default_action) == RULE_ACTION_IGNORE)
		return VERDICT_IGNORE;
	rl = rule ? &rule->rate : &c->default_rate;
	if (!rate_limit_check(rl, now)) {
		if (rule)
			rule->stats.n_suppressed++;
		return VERDICT_SUPPRESSED;
	}
	if (rule)
		rule->stats.n_logged++;
	if (rule && rule->record_exit && ev->type == PROC_EV_EXEC)
		for (size_t i = 0; i < c->rules.n && i < UINT16_MAX; i++)
			if (c->rules.rules[i] == rule)
				rec->exit_rule = (uint16_t)(i + 1);
	return VERDICT_LOG;
}

uint32_t pipeline_wanted_types(const Config *c, uint32_t subscribed)
{
	/* the table follows processes through these, whatever the rules say */
	uint32_t t = 1U << PROC_EV_FORK | 1U << PROC_EV_EXEC | 1U << PROC_EV_EXIT |
		     1U << PROC_EV_UID | 1U << PROC_EV_GID | 1U << PROC_EV_COMM;

	if (c->default_action == RULE_ACTION_LOG)
		return CNPROC_TYPES_ALL;
	for (size_t i = 0; i < c->rules.n; i++) {
		const Rule *r = c->rules.rules[i];

		if (r->action == RULE_ACTION_LOG)
			t |= r->events ?: CNPROC_TYPES_ALL;
	}
	return t | subscribed;
}
