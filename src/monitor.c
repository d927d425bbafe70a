/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fnmatch.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "manager.h"
#include "jwriter.h"
#include "monitor.h"
#include "monitor-idl.h"
#include "rules.h"
#include "util.h"

#define ERROR_NO_SUCH_PROCESS "io.cnprocd.Monitor.NoSuchProcess"
#define ERROR_CONFIG "io.cnprocd.Monitor.ConfigError"
#define MAX_ANCESTORS 128

struct Subscriber {
	Manager *manager;
	VarlinkCall *call;
	uint32_t events; /* bit (1 << ProcEventType); 0: all */
	char *unit, *comm;
	int64_t uid;     /* -1: any */
	uint64_t missed;
	Subscriber *next, *prev;
};

static Manager *manager_of(void *userdata)
{
	return userdata;
}

static json_t *process_json(Manager *m, const Process *p)
{
	return format_process_json(p, proctable_user_name(m->table, p->euid),
				   m->config.record_argv);
}

static int get_stats(VarlinkCall *call, json_t *params, unsigned flags, void *userdata)
{
	Manager *m = manager_of(userdata);
	const NetlinkStats *ns = netlink_stats(m->nl);
	const ProcTableStats *ts = proctable_stats(m->table);
	const VarlinkServerStats *vs = varlink_server_stats(m->varlink);
	JournalWriterStats js;
	json_t *events, *filter;

	if (varlink_call_check_parameters(call, params, NULL, 0) < 0)
		return 0;
	manager_check_loss(m);
	events = json_object();
	if (!events)
		return -ENOMEM;
	for (int t = PROC_EV_FORK; t < _PROC_EV_MAX; t++)
		json_object_set_new(events, proc_event_type_to_string(t),
				    json_integer((json_int_t)m->n_events[t]));
	jwriter_get_stats(&js);
	filter = json_array();
	if (!filter) {
		json_decref(events);
		return -ENOMEM;
	}
	/* what the kernel sends us, by type (all of them without a filter) */
	for (int t = PROC_EV_FORK; t < _PROC_EV_MAX; t++)
		if (cnproc_kernel_mask(1U << t) & netlink_kernel_mask(m->nl))
			json_array_append_new(filter, json_string(proc_event_type_to_string(t)));
	return varlink_call_reply(call, json_pack(
		"{s:I,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
		"s:I,s:I,s:o,s:b,s:b,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
		"s:I,s:b,s:I,s:I,s:I,s:I}",
		"uptime_usec", (json_int_t)(now_usec(CLOCK_MONOTONIC) - m->start_usec),
		"events", events,
		"thread_events_folded", (json_int_t)m->n_thread_events,
		"records_logged", (json_int_t)m->n_records,
		"records_suppressed", (json_int_t)m->n_suppressed,
		"records_ignored", (json_int_t)m->n_ignored,
		"lost_events", (json_int_t)manager_events_lost(m),
		"kernel_drops", (json_int_t)manager_kernel_drops(m),
		"enobufs", (json_int_t)ns->n_enobufs,
		"sequence_gaps", (json_int_t)(ns->n_seq_lost - m->gaps_base),
		"resyncs", (json_int_t)m->n_resyncs,
		"malformed_messages", (json_int_t)ns->n_malformed,
		"unknown_messages", (json_int_t)ns->n_unknown,
		"foreign_messages", (json_int_t)ns->n_foreign,
		"processes", (json_int_t)proctable_size(m->table),
		"table_full", (json_int_t)ts->n_full,
		"rules", (json_int_t)m->config.rules.n,
		"reloads", (json_int_t)m->n_reloads,
		"reload_failures", (json_int_t)m->n_reload_failures,
		"clients", (json_int_t)varlink_server_n_connections(m->varlink),
		"receive_buffer", (json_int_t)netlink_rcvbuf(m->nl),
		"kernel_filter", filter,
		"kernel_filter_supported", netlink_filter_supported(m->nl),
		"thread_filter", netlink_thread_filter(m->nl),
		"sequence_checked", netlink_seq_valid(m->nl),
		"pid_reused", (json_int_t)ts->n_reused,
		"pid_mismatch", (json_int_t)ts->n_mismatch,
		"proc_vanished", (json_int_t)ts->n_vanished,
		"journal_queued", (json_int_t)js.queued,
		"journal_written", (json_int_t)js.n_written,
		"journal_dropped", (json_int_t)js.n_dropped,
		"journal_failed", (json_int_t)js.n_failed,
		"varlink_accepted", (json_int_t)vs->n_accepted,
		"varlink_refused", (json_int_t)vs->n_refused,
		"varlink_protocol_errors", (json_int_t)vs->n_protocol_errors,
		"varlink_oversized", (json_int_t)vs->n_oversized,
		"batch_delay_usec", (json_int_t)m->config.batch_delay,
		"exec_prefetch", m->nl_exec != NULL,
		"prefetch_used", (json_int_t)m->prefetch.stats.n_used,
		"prefetch_missed", (json_int_t)m->prefetch.stats.n_missed,
		"prefetch_evicted", (json_int_t)m->prefetch.stats.n_evicted,
		"prefetch_overflows",
		(json_int_t)(m->nl_exec ? netlink_stats(m->nl_exec)->n_enobufs : 0)));
}

typedef struct ListFilter {
	Manager *manager;
	const char *unit, *comm;
	int64_t uid; /* -1: any */
	VarlinkArray out;
	int error;
} ListFilter;

static int list_one(const Process *p, void *userdata)
{
	ListFilter *f = userdata;

	if (f->unit && (!p->unit || fnmatch(f->unit, p->unit, 0) != 0))
		return 0;
	if (f->comm && fnmatch(f->comm, p->comm, 0) != 0)
		return 0;
	if (f->uid >= 0 && (p->euid == (uid_t)-1 || (int64_t)p->euid != f->uid))
		return 0;
	f->error = varlink_array_add(&f->out, process_json(f->manager, p));
	return f->error < 0;
}

static int list_processes(VarlinkCall *call, json_t *params, unsigned flags, void *userdata)
{
	static const VarlinkParam specs[] = {
		{ "unit", JSON_STRING },
		{ "user", JSON_STRING },
		{ "comm", JSON_STRING },
	};
	Manager *m = manager_of(userdata);
	ListFilter f = { .manager = m, .uid = -1 };
	const char *user;

	if (varlink_call_check_parameters(call, params, specs, ELEMENTSOF(specs)) < 0)
		return 0;
	f.unit = json_string_value(json_object_get(params, "unit"));
	f.comm = json_string_value(json_object_get(params, "comm"));
	user = json_string_value(json_object_get(params, "user"));
	if (user) {
		uint64_t u;
		struct passwd *pw;

		if (parse_uint64(user, &u) == 0)
			f.uid = (int64_t)u;
		else if ((pw = getpwnam(user)))
			f.uid = pw->pw_uid;
		else
			return varlink_call_error_invalid_parameter(call, "user");
	}
	/* written out one process at a time: a table of thousands as one JSON tree
	 * would take tens of MiB, and the allocator keeps them */
	f.error = varlink_array_begin(&f.out, "processes");
	if (f.error < 0)
		return f.error;
	proctable_foreach(m->table, list_one, &f);
	if (f.error < 0) {
		varlink_array_done(&f.out);
		return f.error;
	}
	return varlink_call_reply_array(call, &f.out);
}

static int get_process(VarlinkCall *call, json_t *params, unsigned flags, void *userdata)
{
	static const VarlinkParam specs[] = { { "pid", JSON_INTEGER, true } };
	Manager *m = manager_of(userdata);
	const Process *p, *a;
	json_int_t pid;
	json_t *ancestors;

	if (varlink_call_check_parameters(call, params, specs, ELEMENTSOF(specs)) < 0)
		return 0;
	pid = json_integer_value(json_object_get(params, "pid"));
	p = pid > 0 && pid <= INT32_MAX ? proctable_get(m->table, (pid_t)pid) : NULL;
	if (!p)
		return varlink_call_error(call, ERROR_NO_SUCH_PROCESS, json_pack("{s:I}", "pid", pid));
	ancestors = json_array();
	if (!ancestors)
		return -ENOMEM;
	/* bounded: a corrupt parent chain (pid reuse) must not loop */
	a = p;
	for (int i = 0; i < MAX_ANCESTORS && a->ppid > 0 && a->ppid != a->pid; i++) {
		a = proctable_get(m->table, a->ppid);
		if (!a)
			break;
		json_array_append_new(ancestors, process_json(m, a));
	}
	return varlink_call_reply(call, json_pack("{s:o,s:o}", "process", process_json(m, p),
						  "ancestors", ancestors));
}

static json_t *rule_json(const Config *c, const Rule *r)
{
	_cleanup_free_ char *match = rule_describe(r);
	char rate[64], d[64];

	if (r->action == RULE_ACTION_IGNORE || r->rate.burst == 0)
		snprintf(rate, sizeof(rate), "none");
	else
		snprintf(rate, sizeof(rate), "%u/%s", r->rate.burst,
			 format_duration(d, sizeof(d), r->rate.interval * NSEC_PER_USEC));
	(void)c;
	return json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "name", r->name, "file",
			 r->file, "line", (int)r->line, "match", match ?: "", "action",
			 rule_action_to_string(r->action), "priority",
			 priority_to_string(r->priority), "rate_limit", rate, "hits",
			 (json_int_t)r->stats.n_hits, "logged", (json_int_t)r->stats.n_logged,
			 "suppressed", (json_int_t)r->stats.n_suppressed);
}

static int list_rules(VarlinkCall *call, json_t *params, unsigned flags, void *userdata)
{
	Manager *m = manager_of(userdata);
	json_t *rules;

	if (varlink_call_check_parameters(call, params, NULL, 0) < 0)
		return 0;
	rules = json_array();
	if (!rules)
		return -ENOMEM;
	for (size_t i = 0; i < m->config.rules.n; i++)
		json_array_append_new(rules, rule_json(&m->config, m->config.rules.rules[i]));
	return varlink_call_reply(call, json_pack("{s:o,s:s,s:s}", "rules", rules,
						  "default_action",
						  rule_action_to_string(m->config.default_action),
						  "default_priority",
						  priority_to_string(m->config.default_priority)));
}

static void subscriber_free(Subscriber *s)
{
	Manager *m = s->manager;

	if (s->prev)
		s->prev->next = s->next;
	else
		m->subscribers = s->next;
	if (s->next)
		s->next->prev = s->prev;
	m->n_subscribers--;
	free(s->unit);
	free(s->comm);
	free(s);
	manager_update_filter(m);
}

uint32_t monitor_subscribed_types(Manager *m)
{
	uint32_t t = 0;

	for (Subscriber *s = m->subscribers; s; s = s->next)
		t |= s->events ?: CNPROC_TYPES_ALL;
	return t;
}

static void on_subscriber_gone(VarlinkCall *call, void *userdata)
{
	subscriber_free(userdata);
}

static int subscribe(VarlinkCall *call, json_t *params, unsigned flags, void *userdata)
{
	static const VarlinkParam specs[] = {
		{ "events", JSON_ARRAY, false, true },
		{ "unit", JSON_STRING },
		{ "uid", JSON_INTEGER },
		{ "comm", JSON_STRING },
	};
	Manager *m = manager_of(userdata);
	Subscriber *s;
	json_t *events, *v;
	size_t i;
	int r;

	if (!(flags & VARLINK_CALL_MORE))
		return varlink_call_error(call, "org.varlink.service.ExpectedMore", NULL);
	if (varlink_call_check_parameters(call, params, specs, ELEMENTSOF(specs)) < 0)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->manager = m;
	s->call = call;
	s->uid = -1;
	events = json_object_get(params, "events");
	json_array_foreach(events, i, v) {
		ProcEventType t = proc_event_type_from_string(json_string_value(v));

		if (t <= PROC_EV_NONE) {
			free(s);
			return varlink_call_error_invalid_parameter(call, "events");
		}
		s->events |= 1U << t;
	}
	if ((v = json_object_get(params, "uid")) && json_is_integer(v))
		s->uid = json_integer_value(v);
	if ((v = json_object_get(params, "unit")) && json_is_string(v))
		s->unit = strdup(json_string_value(v));
	if ((v = json_object_get(params, "comm")) && json_is_string(v))
		s->comm = strdup(json_string_value(v));

	s->next = m->subscribers;
	if (m->subscribers)
		m->subscribers->prev = s;
	m->subscribers = s;
	m->n_subscribers++;
	varlink_call_set_disconnect(call, on_subscriber_gone, s);
	manager_update_filter(m);

	r = varlink_call_notify(call, json_pack("{s:b}", "ready", 1));
	/* on failure the disconnect callback has freed s already */
	return r == -ENOMEM ? r : 0;
}

static bool subscriber_wants(const Subscriber *s, const EventRecord *rec)
{
	const Process *p = rec->proc;

	if (s->events && !(s->events & (1U << rec->ev->type)))
		return false;
	if (s->uid >= 0 && (!p || p->euid == (uid_t)-1 || (int64_t)p->euid != s->uid))
		return false;
	if (s->unit && (!p || !p->unit || fnmatch(s->unit, p->unit, 0) != 0))
		return false;
	if (s->comm && (!p || fnmatch(s->comm, p->comm, 0) != 0))
		return false;
	return true;
}

void monitor_broadcast(Manager *m, const EventRecord *rec)
{
	json_t *ev = NULL;

	for (Subscriber *s = m->subscribers, *next; s; s = next) {
		json_t *reply;

		next = s->next; /* s may be freed by a failed send */
		if (!subscriber_wants(s, rec))
			continue;
		/* a slow reader loses events rather than growing our memory without
		 * bound or blocking the loop: keep half the output budget in reserve */
		if (varlink_call_output_queued(s->call) > varlink_call_output_limit(s->call) / 2) {
			s->missed++;
			continue;
		}
		if (!ev && !(ev = format_event_json(rec)))
			return;
		reply = s->missed ? json_pack("{s:O,s:I}", "event", ev, "missed",
					      (json_int_t)s->missed) :
				    json_pack("{s:O}", "event", ev);
		s->missed = 0;
		(void)varlink_call_notify(s->call, reply);
	}
	json_decref(ev);
}

void monitor_close_subscribers(Manager *m)
{
	while (m->subscribers) {
		Subscriber *s = m->subscribers;
		VarlinkCall *call = s->call;

		varlink_call_set_disconnect(call, NULL, NULL);
		subscriber_free(s);
		(void)varlink_call_reply(call, NULL);
	}
}

static int reload(VarlinkCall *call, json_t *params, unsigned flags, void *userdata)
{
	Manager *m = manager_of(userdata);
	ConfigError err = {};
	int r;

	if (varlink_call_check_parameters(call, params, NULL, 0) < 0)
		return 0;
	if (varlink_call_peer_uid(call) != 0)
		return varlink_call_error(call, "org.varlink.service.PermissionDenied", NULL);
	r = manager_reload(m, &err);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return varlink_call_error(call, ERROR_CONFIG,
					  json_pack("{s:s,s:i,s:s}", "file", err.file, "line",
						    (int)err.line, "message", err.message));
	return varlink_call_reply(call, json_pack("{s:I}", "rules",
						  (json_int_t)m->config.rules.n));
}

static const VarlinkMethod methods[] = {
	{ "GetStats", get_stats },
	{ "ListProcesses", list_processes },
	{ "GetProcess", get_process },
	{ "ListRules", list_rules },
	{ "Subscribe", subscribe },
	{ "Reload", reload },
};

const VarlinkInterface monitor_interface = {
	.name = "io.cnprocd.Monitor",
	.description = MONITOR_IDL,
	.methods = methods,
	.n_methods = ELEMENTSOF(methods),
};
