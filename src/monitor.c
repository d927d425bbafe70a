/* SPDX-License-Identifier: GPL-2.0-or-later */
/* io.cnprocd.Monitor's methods and its subscribers (monitor.h). */
#include <errno.h>
#include <fnmatch.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"
#include "monitor.h"
#include "monitor-protocol.h"
#include "monitor-idl.h"
#include "rules.h"
#include "util.h"

#define MAX_ANCESTORS 128

typedef struct Subscriber Subscriber;

struct Subscriber {
	Monitor *monitor;
	VarlinkCall *call;
	uint32_t events; /* bit (1 << ProcEventType); 0: all */
	char *unit, *comm;
	int64_t uid;     /* -1: any */
	int64_t loginuid; /* -1: any; LOGIN_UNSET: not logged in */
	char *container; /* "yes", "no", or a glob on the container's id or name */
	unsigned exe_flags; /* any of these; 0: any */
	uint64_t missed;
	Subscriber *next, *prev;
};

struct Monitor {
	const MonitorOps *ops;
	void *userdata;
	ProcTable *table;
	const Config *config;
	Subscriber *subscribers; /* io.cnprocd.Monitor.Subscribe calls */
};

static json_t *process_json(Monitor *mon, const Process *p)
{
	return format_process_json(p, proctable_user_name(mon->table, p->euid),
				   process_login_user(mon->table, p), mon->config->record_argv);
}

static int get_stats(VarlinkCall *call, json_t *params, unsigned flags, void *userdata)
{
	Monitor *mon = userdata;
	DaemonStats st;
	json_t *o;

	if (varlink_call_check_parameters(call, params, NULL, 0) < 0)
		return 0;
	mon->ops->get_stats(mon->userdata, &st);
	o = stats_to_json(&st);
	return o ? varlink_call_reply(call, o) : -ENOMEM;
}

/* A page of ListProcesses with "more": at most this many processes or bytes, so
 * that a client holds one page, whatever the size of the table */
#define PAGE_PROCESSES 256
#define PAGE_BYTES (256 * 1024)

typedef struct ListFilter {
	Monitor *monitor;
	char *unit, *comm; /* copies: a paged call outlives its message */
	int64_t uid;       /* -1: any */
	VarlinkArray out;
	size_t max_bytes;  /* the reply may not grow beyond this */
	int error;
	/* paged: the pids to list, in order, and how far the pages got */
	pid_t *pids;
	size_t n_pids, next;
	VarlinkCall *call;
} ListFilter;

static void list_filter_free(ListFilter *f)
{
	varlink_array_done(&f->out);
	free(f->unit);
	free(f->comm);
	free(f->pids);
	free(f);
}

static void list_filter_freep(ListFilter **f)
{
	if (*f)
		list_filter_free(*f);
}

static int list_one(const Process *p, void *userdata)
{
	ListFilter *f = userdata;

	if (f->unit && (!p->unit || fnmatch(f->unit, p->unit, 0) != 0))
		return 0;
	if (f->comm && fnmatch(f->comm, p->comm, 0) != 0)
		return 0;
	if (f->uid >= 0 && (p->euid == (uid_t)-1 || (int64_t)p->euid != f->uid))
		return 0;
	f->error = varlink_array_add(&f->out, process_json(f->monitor, p));
	if (f->error == 0 && varlink_array_size(&f->out) > f->max_bytes)
		f->error = -E2BIG;
	return f->error < 0;
}

static int collect_pid(const Process *p, void *userdata)
{
	ListFilter *f = userdata;

	f->pids[f->n_pids++] = p->pid;
	return 0;
}

static int pid_compare(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static void list_next_page(VarlinkCall *call, void *userdata);

/* One page from where the last ended (processes gone meanwhile are skipped, new
 * ones after the first page are not listed: it is the table as it was); the
 * last page is the final reply. */
static int list_send_page(ListFilter *f)
{
	VarlinkCall *call = f->call;
	int r;

	r = varlink_array_begin(&f->out, "processes");
	if (r < 0)
		return r;
	while (f->next < f->n_pids && f->out.n < PAGE_PROCESSES &&
	       varlink_array_size(&f->out) < PAGE_BYTES) {
		const Process *p = proctable_get(f->monitor->table, f->pids[f->next++]);

		if (p && list_one(p, f))
			return f->error;
	}
	if (f->next < f->n_pids) {
		r = varlink_call_notify_array(call, &f->out);
		if (r < 0)
			return r;
		varlink_call_when_drained(call, list_next_page, f);
		return 0;
	}
	/* the call ends here: its end callback frees f */
	return varlink_call_reply_array(call, &f->out);
}

static void list_next_page(VarlinkCall *call, void *userdata)
{
	ListFilter *f = userdata;
	int r = list_send_page(f);

	if (r == -ENOMEM)
		(void)varlink_call_error(call, VARLINK_ERROR_INTERNAL, NULL);
}

static void on_list_end(VarlinkCall *call, void *userdata)
{
	list_filter_free(userdata);
}

static int list_processes(VarlinkCall *call, json_t *params, unsigned flags, void *userdata)
{
	static const VarlinkParam specs[] = {
		{ "unit", JSON_STRING },
		{ "user", JSON_STRING },
		{ "comm", JSON_STRING },
	};
	Monitor *mon = userdata;
	_cleanup_(list_filter_freep) ListFilter *f = NULL;
	const char *user, *s;
	int r;

	if (varlink_call_check_parameters(call, params, specs, ELEMENTSOF(specs)) < 0)
		return 0;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	*f = (ListFilter){ .monitor = mon, .uid = -1, .call = call };
	if (((s = json_string_value(json_object_get(params, "unit"))) && !(f->unit = strdup(s))) ||
	    ((s = json_string_value(json_object_get(params, "comm"))) && !(f->comm = strdup(s))))
		return -ENOMEM;
	user = json_string_value(json_object_get(params, "user"));
	if (user) {
		uint64_t u;
		struct passwd *pw;

		if (parse_uint64(user, &u) == 0)
			f->uid = (int64_t)u;
		else if ((pw = getpwnam(user)))
			f->uid = pw->pw_uid;
		else
			return varlink_call_error_invalid_parameter(call, "user");
	}
	if (flags & VARLINK_CALL_MORE) {
		/* pages, each sent when the client has read the last */
		f->pids = malloc((proctable_size(mon->table) ?: 1) * sizeof(pid_t));
		if (!f->pids)
			return -ENOMEM;
		proctable_foreach(mon->table, collect_pid, f);
		qsort(f->pids, f->n_pids, sizeof(pid_t), pid_compare);
		f->max_bytes = SIZE_MAX;
		varlink_call_set_disconnect(call, on_list_end, f);
		r = list_send_page(TAKE_PTR(f));
		return r == -ENOMEM ? r : 0;
	}
	/* one reply: written out one process at a time (a table of thousands as one
	 * JSON tree would take tens of MiB, and the allocator keeps them), and never
	 * beyond what all clients' replies may still take together */
	f->max_bytes = varlink_call_output_budget(call);
	r = varlink_array_begin(&f->out, "processes");
	if (r < 0)
		return r;
	proctable_foreach(mon->table, list_one, f);
	if (f->error == -E2BIG) {
		varlink_array_done(&f->out);
		return varlink_call_error(call, MONITOR_ERROR_REPLY_TOO_LARGE,
					  json_pack("{s:I}", "max_bytes", (json_int_t)f->max_bytes));
	}
	if (f->error < 0)
		return f->error;
	return varlink_call_reply_array(call, &f->out);
}

/* GetProcess names a process by pid, or by process_id (which a reused pid cannot
 * match); exactly one of them. */
static int get_process(VarlinkCall *call, json_t *params, unsigned flags, void *userdata)
{
	static const VarlinkParam specs[] = {
		{ "pid", JSON_INTEGER, false },
		{ "process_id", JSON_STRING, false },
	};
	Monitor *mon = userdata;
	const Process *p = NULL, *chain[MAX_ANCESTORS];
	json_t *jpid, *jid, *ancestors;
	size_t n, missing;
	ProcId id;

	if (varlink_call_check_parameters(call, params, specs, ELEMENTSOF(specs)) < 0)
		return 0;
	jpid = json_object_get(params, "pid");
	jid = json_object_get(params, "process_id");
	if (!jpid == !jid)
		return varlink_call_error_invalid_parameter(call, jpid ? "process_id" : "pid");
	if (jpid) {
		json_int_t pid = json_integer_value(jpid);

		p = pid > 0 && pid <= INT32_MAX ? proctable_get(mon->table, (pid_t)pid) : NULL;
		if (!p)
			return varlink_call_error(call, MONITOR_ERROR_NO_SUCH_PROCESS,
						  json_pack("{s:I}", "pid", pid));
	} else {
		if (proc_id_parse(json_string_value(jid), &id) < 0)
			return varlink_call_error_invalid_parameter(call, "process_id");
		p = proctable_get(mon->table, id.pid);
		if (!p || !proc_id_equal(p->id, id))
			return varlink_call_error(call, MONITOR_ERROR_NO_SUCH_PROCESS,
						  json_pack("{s:s}", "process_id",
							    json_string_value(jid)));
	}
	n = proctable_ancestors(mon->table, p, chain, ELEMENTSOF(chain), &missing);
	ancestors = json_array();
	if (!ancestors)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(ancestors, process_json(mon, chain[i]));
	return varlink_call_reply(call, json_pack("{s:o,s:o,s:b,s:I}", "process",
						  process_json(mon, p), "ancestors", ancestors,
						  "ancestors_cut", missing > 0, "ancestors_missing",
						  (json_int_t)missing));
}

static json_t *activity_counts_json(const uint64_t c[_ACTIVITY_METRIC_MAX], bool events)
{
	json_t *o = json_object();

	for (ActivityMetric m = 0; o && m < _ACTIVITY_METRIC_MAX; m++)
		if (json_object_set_new(o, activity_metric_to_string(m),
					json_integer((json_int_t)c[m])) < 0)
			json_decref(TAKE_PTR(o));
	if (o && events &&
	    json_object_set_new(o, "events",
				json_integer((json_int_t)(c[ACTIVITY_FORK] + c[ACTIVITY_EXEC] +
							  c[ACTIVITY_EXIT]))) < 0)
		json_decref(TAKE_PTR(o));
	return o;
}

#define ACTIVITY_ROWS_MAX 100

static int get_activity(VarlinkCall *call, json_t *params, unsigned flags, void *userdata)
{
	static const VarlinkParam specs[] = {
		{ "group", JSON_STRING },
		{ "window", JSON_INTEGER },
		{ "sort", JSON_STRING },
		{ "limit", JSON_INTEGER },
	};
	Monitor *mon = userdata;
	const char *gs = json_string_value(json_object_get(params, "group")) ?: "unit";
	const char *ss = json_string_value(json_object_get(params, "sort")) ?: "execs";
	json_t *jw = json_object_get(params, "window"), *jl = json_object_get(params, "limit");
	json_int_t window = jw ? json_integer_value(jw) : 10, limit = jl ? json_integer_value(jl) : 20;
	ActivityGroup g = activity_group_from_string(gs);
	ActivityMetric sort = activity_metric_from_string(ss);
	_cleanup_free_ ActivityRow *rows = NULL;
	uint64_t now, totals[_ACTIVITY_METRIC_MAX];
	const Activity *a;
	json_t *jrows;
	DaemonStats st;
	int n;

	if (varlink_call_check_parameters(call, params, specs, ELEMENTSOF(specs)) < 0)
		return 0;
	if (g == _ACTIVITY_GROUP_INVALID)
		return varlink_call_error_invalid_parameter(call, "group");
	if (sort == _ACTIVITY_METRIC_INVALID)
		return varlink_call_error_invalid_parameter(call, "sort");
	if (window < 1 || window > 60)
		return varlink_call_error_invalid_parameter(call, "window");
	if (limit < 1 || limit > ACTIVITY_ROWS_MAX)
		return varlink_call_error_invalid_parameter(call, "limit");
	a = mon->ops->activity(mon->userdata, &now);
	rows = calloc((size_t)limit, sizeof(*rows));
	jrows = json_array();
	if (!rows || !jrows) {
		json_decref(jrows);
		return -ENOMEM;
	}
	n = activity_top(a, now, g, (unsigned)window, sort, rows, (size_t)limit);
	(void)activity_totals(a, now, (unsigned)window, totals);
	for (int i = 0; i < n; i++) {
		json_t *r = activity_counts_json(rows[i].counts, false);

		if (!r || json_object_set_new(r, "key", json_string(rows[i].key)) < 0 ||
		    json_object_set_new(r, "cut", json_boolean(rows[i].cut)) < 0 ||
		    json_object_set_new(r, "error", json_integer((json_int_t)rows[i].error)) < 0 ||
		    json_array_append_new(jrows, r) < 0) {
			json_decref(r);
			json_decref(jrows);
			return -ENOMEM;
		}
	}
	mon->ops->get_stats(mon->userdata, &st);
	return varlink_call_reply(call, json_pack("{s:s,s:I,s:i,s:o,s:I,s:I,s:o}", "group",
						  activity_group_to_string(g), "window", window, "span",
						  (int)activity_span(now, (unsigned)window), "totals",
						  activity_counts_json(totals, true), "lost",
						  (json_int_t)st.lost_events, "processes",
						  (json_int_t)st.processes, "rows", jrows));
}

static json_t *rule_json(const Rule *r)
{
	_cleanup_free_ char *match = rule_describe(r);
	char rate[64], d[64];

	if (r->action == RULE_ACTION_IGNORE || r->rate.burst == 0)
		snprintf(rate, sizeof(rate), "none");
	else
		snprintf(rate, sizeof(rate), "%u/%s", r->rate.burst,
			 format_duration(d, sizeof(d), r->rate.interval * NSEC_PER_USEC));
	return json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "name", r->name, "file",
			 r->file, "line", (int)r->line, "match", match ?: "", "action",
			 rule_action_to_string(r->action), "priority",
			 priority_to_string(r->priority), "rate_limit", rate, "hits",
			 (json_int_t)r->stats.n_hits, "logged", (json_int_t)r->stats.n_logged,
			 "suppressed", (json_int_t)r->stats.n_suppressed);
}

static int list_rules(VarlinkCall *call, json_t *params, unsigned flags, void *userdata)
{
	Monitor *mon = userdata;
	const Config *c = mon->config;
	json_t *rules;

	if (varlink_call_check_parameters(call, params, NULL, 0) < 0)
		return 0;
	rules = json_array();
	if (!rules)
		return -ENOMEM;
	for (size_t i = 0; i < c->rules.n; i++)
		json_array_append_new(rules, rule_json(c->rules.rules[i]));
	return varlink_call_reply(call, json_pack("{s:o,s:s,s:s}", "rules", rules,
						  "default_action",
						  rule_action_to_string(c->default_action),
						  "default_priority",
						  priority_to_string(c->default_priority)));
}

static void subscriber_free(Subscriber *s)
{
	LIST_REMOVE(s->monitor->subscribers, s);
	free(s->unit);
	free(s->comm);
	free(s->container);
	free(s);
}

bool monitor_has_subscribers(const Monitor *mon)
{
	return mon && mon->subscribers;
}

uint32_t monitor_subscribed_types(const Monitor *mon)
{
	uint32_t t = 0;

	for (Subscriber *s = mon ? mon->subscribers : NULL; s; s = s->next)
		t |= s->events ?: CNPROC_TYPES_ALL;
	return t;
}

/* The call ended: the client left, or the server answered for us. */
static void on_subscriber_gone(VarlinkCall *call, void *userdata)
{
	Subscriber *s = userdata;
	Monitor *mon = s->monitor;

	subscriber_free(s);
	mon->ops->subscriptions_changed(mon->userdata);
}

/* A glob filter of a subscription: copied, as the call outlives its message. */
static int subscriber_glob(json_t *params, const char *key, char **ret)
{
	json_t *v = json_object_get(params, key);

	if (!json_is_string(v))
		return 0;
	*ret = strdup(json_string_value(v));
	return *ret ? 0 : -ENOMEM;
}

static int subscribe(VarlinkCall *call, json_t *params, unsigned flags, void *userdata)
{
	static const VarlinkParam specs[] = {
		{ "events", JSON_ARRAY, false, true },
		{ "unit", JSON_STRING },
		{ "uid", JSON_INTEGER },
		{ "comm", JSON_STRING },
		{ "loginuid", JSON_INTEGER },
		{ "container", JSON_STRING },
		{ "exe_flags", JSON_ARRAY, false, true },
	};
	Monitor *mon = userdata;
	Subscriber *s;
	json_t *events, *v;
	size_t i;

	if (!(flags & VARLINK_CALL_MORE))
		return varlink_call_error(call, VARLINK_ERROR_EXPECTED_MORE, NULL);
	if (varlink_call_check_parameters(call, params, specs, ELEMENTSOF(specs)) < 0)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->monitor = mon;
	s->call = call;
	s->uid = -1;
	s->loginuid = -1;
	events = json_object_get(params, "events");
	json_array_foreach(events, i, v) {
		ProcEventType t = proc_event_type_from_string(json_string_value(v));

		if (t <= PROC_EV_NONE) {
			free(s);
			return varlink_call_error_invalid_parameter(call, "events");
		}
		s->events |= 1U << t;
	}
	json_array_foreach(json_object_get(params, "exe_flags"), i, v) {
		const char *name = json_string_value(v);
		unsigned f = exe_flag_from_name(name, strlen(name));

		if (!f) {
			free(s);
			return varlink_call_error_invalid_parameter(call, "exe_flags");
		}
		s->exe_flags |= f;
	}
	if ((v = json_object_get(params, "uid")) && json_is_integer(v))
		s->uid = json_integer_value(v);
	if ((v = json_object_get(params, "loginuid")) && json_is_integer(v)) {
		s->loginuid = json_integer_value(v);
		if (s->loginuid < 0 || s->loginuid > LOGIN_UNSET) {
			free(s);
			return varlink_call_error_invalid_parameter(call, "loginuid");
		}
	}
	/* out of memory refuses the call: a filter must never silently widen */
	if (subscriber_glob(params, "unit", &s->unit) < 0 ||
	    subscriber_glob(params, "comm", &s->comm) < 0 ||
	    subscriber_glob(params, "container", &s->container) < 0) {
		free(s->unit);
		free(s->comm);
		free(s);
		return -ENOMEM;
	}

	LIST_PREPEND(mon->subscribers, s);
	varlink_call_set_disconnect(call, on_subscriber_gone, s);
	mon->ops->subscriptions_changed(mon->userdata);

	/* on failure the call ends (here or by the server's error reply) and
	 * on_subscriber_gone frees s */
	return varlink_call_notify(call, json_pack("{s:b}", "ready", 1)) == -ENOMEM ? -ENOMEM : 0;
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
	/* (uid_t)-1, unset, is LOGIN_UNSET as a number */
	if (s->loginuid >= 0 && (!p || !p->login_known || (int64_t)p->loginuid != s->loginuid))
		return false;
	if (s->exe_flags && (!p || !(p->exe_flags & s->exe_flags)))
		return false;
	if (s->container &&
	    (!p || !container_matches(p->container ? &p->container->c : NULL, s->container)))
		return false;
	return true;
}

void monitor_broadcast(Monitor *mon, const EventRecord *rec)
{
	json_t *ev = NULL;

	for (Subscriber *s = mon->subscribers, *next; s; s = next) {
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

int monitor_new(const MonitorOps *ops, void *userdata, ProcTable *table, const Config *config,
		Monitor **ret)
{
	Monitor *mon = calloc(1, sizeof(*mon));

	if (!mon)
		return -ENOMEM;
	*mon = (Monitor){ .ops = ops, .userdata = userdata, .table = table, .config = config };
	*ret = mon;
	return 0;
}

Monitor *monitor_free(Monitor *mon)
{
	if (!mon)
		return NULL;
	while (mon->subscribers) {
		Subscriber *s = mon->subscribers;
		VarlinkCall *call = s->call;

		/* we end it: nobody is to be told */
		varlink_call_set_disconnect(call, NULL, NULL);
		subscriber_free(s);
		(void)varlink_call_reply(call, NULL);
	}
	free(mon);
	return NULL;
}

static int reload(VarlinkCall *call, json_t *params, unsigned flags, void *userdata)
{
	Monitor *mon = userdata;
	ConfigError err = {};
	const char *restart[16];
	size_t n_restart = 0;
	json_t *keys;
	int r;

	if (varlink_call_check_parameters(call, params, NULL, 0) < 0)
		return 0;
	if (varlink_call_peer_uid(call) != 0)
		return varlink_call_error(call, VARLINK_ERROR_PERMISSION_DENIED, NULL);
	r = mon->ops->reload(mon->userdata, &err, restart, ELEMENTSOF(restart), &n_restart);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return varlink_call_error(call, MONITOR_ERROR_CONFIG,
					  json_pack("{s:s,s:i,s:s}", "file", err.file, "line",
						    (int)err.line, "message", err.message));
	if (n_restart == 0)
		return varlink_call_reply(call, json_pack("{s:I}", "rules",
							  (json_int_t)mon->config->rules.n));
	keys = json_array();
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < n_restart; i++)
		if (json_array_append_new(keys, json_string(restart[i])) < 0) {
			json_decref(keys);
			return -ENOMEM;
		}
	return varlink_call_reply(call, json_pack("{s:I,s:o}", "rules",
						  (json_int_t)mon->config->rules.n,
						  "restart_needed", keys));
}

static const VarlinkMethod methods[] = {
	{ "GetStats", get_stats },
	{ "GetActivity", get_activity },
	{ "ListProcesses", list_processes },
	{ "GetProcess", get_process },
	{ "ListRules", list_rules },
	{ "Subscribe", subscribe },
	{ "Reload", reload },
};

const VarlinkInterface monitor_interface = {
	.name = MONITOR_INTERFACE,
	.description = MONITOR_IDL,
	.methods = methods,
	.n_methods = ELEMENTSOF(methods),
};
