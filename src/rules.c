/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rules: parsing their keys, matching events, rate limits (rules.h). */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "exeflags.h"
#include "rules.h"
#include "util.h"

static const char *const action_table[_RULE_ACTION_MAX] = {
	[RULE_ACTION_LOG] = "log",
	[RULE_ACTION_IGNORE] = "ignore",
};

static const char *const priority_table[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",	[LOG_CRIT] = "crit",
	[LOG_ERR] = "err",     [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

const char *rule_action_to_string(RuleAction a)
{
	return a >= 0 && a < _RULE_ACTION_MAX ? action_table[a] : "?";
}

const char *priority_to_string(int p)
{
	return p >= 0 && p < (int)ELEMENTSOF(priority_table) ? priority_table[p] : "?";
}

int priority_from_string(const char *s)
{
	if (!s)
		return -EINVAL;
	for (int i = 0; i < (int)ELEMENTSOF(priority_table); i++)
		if (strcmp(s, priority_table[i]) == 0)
			return i;
	/* the usual aliases, as in syslog.conf and journalctl -p */
	if (strcmp(s, "error") == 0)
		return LOG_ERR;
	if (strcmp(s, "warn") == 0)
		return LOG_WARNING;
	if (strcmp(s, "emergency") == 0 || strcmp(s, "panic") == 0)
		return LOG_EMERG;
	if (strcmp(s, "critical") == 0)
		return LOG_CRIT;
	if (s[0] >= '0' && s[0] <= '7' && s[1] == 0)
		return s[0] - '0';
	return -EINVAL;
}

Rule *rule_new(const char *name, const char *file, unsigned line)
{
	Rule *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->name = strdup(name);
	r->file = strdup(file ?: "");
	if (!r->name || !r->file)
		return rule_free(r);
	r->line = line;
	r->min_lifetime = r->max_lifetime = USEC_INFINITY;
	r->action = RULE_ACTION_LOG;
	r->priority = LOG_INFO;
	return r;
}

void glob_list_clear(GlobList *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->items[i]);
	free(g->items);
	*g = (GlobList){};
}

static void range_list_clear(RangeList *l)
{
	free(l->items);
	*l = (RangeList){};
}

Rule *rule_free(Rule *r)
{
	if (!r)
		return NULL;
	free(r->name);
	free(r->file);
	glob_list_clear(&r->comm);
	glob_list_clear(&r->exe);
	glob_list_clear(&r->cmdline);
	glob_list_clear(&r->parent_comm);
	glob_list_clear(&r->parent_exe);
	glob_list_clear(&r->unit);
	glob_list_clear(&r->cgroup);
	range_list_clear(&r->uid);
	range_list_clear(&r->gid);
	range_list_clear(&r->exit_code);
	range_list_clear(&r->exit_signal);
	range_list_clear(&r->loginuid);
	range_list_clear(&r->session);
	glob_list_clear(&r->tty);
	glob_list_clear(&r->cwd);
	glob_list_clear(&r->ancestor_comm);
	glob_list_clear(&r->ancestor_exe);
	glob_list_clear(&r->container);
	glob_list_clear(&r->container_runtime);
	free(r);
	return NULL;
}

_printf_format_(3, 4) static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * Split a value into words: blanks separate, "double" or 'single' quotes keep
 * blanks inside one word (cmdline globs need that). Returns the number of words,
 * -EINVAL for an unterminated quote, -ENOMEM.
 */
static int split_words(const char *value, char ***ret)
{
	char **words = NULL, **nw, *w = NULL;
	size_t n = 0, wl = 0;
	const char *p = value;
	int r;

	for (;;) {
		char quote = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		w = malloc(strlen(p) + 1);
		if (!w) {
			r = -ENOMEM;
			goto fail;
		}
		wl = 0;
		for (; *p; p++) {
			if (quote) {
				if (*p == quote)
					quote = 0;
				else
					w[wl++] = *p;
				continue;
			}
			if (*p == ' ' || *p == '\t')
				break;
			if (*p == '"' || *p == '\'') {
				quote = *p;
				continue;
			}
			w[wl++] = *p;
		}
		if (quote) {
			r = -EINVAL;
			goto fail;
		}
		w[wl] = 0;
		nw = realloc(words, (n + 2) * sizeof(char *));
		if (!nw) {
			r = -ENOMEM;
			goto fail;
		}
		words = nw;
		words[n++] = w;
		words[n] = NULL;
		w = NULL;
	}
	*ret = words;
	return (int)n;

fail:
	free(w);
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	free(words);
	return r;
}

static void words_free(char **words)
{
	for (size_t i = 0; words && words[i]; i++)
		free(words[i]);
	free(words);
}

static void words_freep(char ***words)
{
	words_free(*words);
}

/* fnmatch(3) accepts anything; reject what is surely a typo */
static const char *glob_check(const char *g)
{
	if (!*g)
		return "empty pattern";
	for (const char *p = g; *p; p++) {
		if (*p == '\\') {
			if (!p[1])
				return "trailing backslash";
			p++;
		} else if (*p == '[') {
			const char *q = p + 1;

			if (*q == '!' || *q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q && *q != ']')
				q++;
			if (!*q)
				return "unterminated [ in pattern";
			p = q;
		}
	}
	return NULL;
}

int glob_list_parse(GlobList *g, const char *key, const char *value, char *err,
		    size_t errlen)
{
	char **words = NULL;
	int n = split_words(value, &words);

	if (n == -ENOMEM)
		return n;
	if (n < 0)
		return fail(err, errlen, "%s: unterminated quote in \"%s\"", key, value);
	if (n == 0)
		return fail(err, errlen, "%s: empty value", key);
	for (int i = 0; i < n; i++) {
		const char *why = glob_check(words[i]);
		if (why) {
			fail(err, errlen, "%s: bad glob \"%s\": %s", key, words[i], why);
			words_free(words);
			return -EINVAL;
		}
	}
	/* a repeated key adds to the list, as repeated list settings do in systemd */
	{
		char **items = realloc(g->items, (g->n + (size_t)n) * sizeof(char *));

		if (!items) {
			words_free(words);
			return -ENOMEM;
		}
		g->items = items;
		memcpy(g->items + g->n, words, (size_t)n * sizeof(char *));
		g->n += (size_t)n;
		free(words); /* the strings now belong to g */
	}
	return 0;
}

static int range_append(RangeList *l, int64_t lo, int64_t hi)
{
	Range *n = realloc(l->items, (l->n + 1) * sizeof(Range));

	if (!n)
		return -ENOMEM;
	l->items = n;
	l->items[l->n++] = (Range){ lo, hi };
	return 0;
}

static int parse_signal(const char *s, int64_t *ret)
{
	uint64_t v;

	if (parse_uint64(s, &v) == 0) {
		if (v < 1 || v > 64)
			return -ERANGE;
		*ret = (int64_t)v;
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int i = 1; i < 65; i++) {
		const char *n = sigabbrev_np(i);
		if (n && strcasecmp(n, s) == 0) {
			*ret = i;
			return 0;
		}
	}
	return -EINVAL;
}

typedef enum NumKind { NUM_ID, NUM_EXIT_CODE, NUM_SIGNAL, NUM_LOGIN } NumKind;

static int parse_number(NumKind kind, const char *s, int64_t *ret)
{
	uint64_t v;

	if (kind == NUM_SIGNAL)
		return parse_signal(s, ret);
	/* a login uid or session may be asked for unset (no login at all) or
	 * set (any login: parse_ranges makes it the range of every id) */
	if (kind == NUM_LOGIN && strcmp(s, "unset") == 0) {
		*ret = LOGIN_UNSET;
		return 0;
	}
	if (parse_uint64(s, &v) < 0)
		return -EINVAL;
	if ((kind == NUM_EXIT_CODE && v > 255) || (kind == NUM_ID && v >= UINT32_MAX))
		return -ERANGE;
	*ret = (int64_t)v;
	return 0;
}

/* "1 3-5 10": numbers and inclusive ranges */
static int parse_ranges(RangeList *l, NumKind kind, const char *key, const char *value,
			char *err, size_t errlen)
{
	_cleanup_(words_freep) char **words = NULL;
	RangeList nl = {};
	int n, r;

	n = split_words(value, &words);
	if (n == -ENOMEM)
		return n;
	if (n <= 0)
		return fail(err, errlen, "%s: expected a list of numbers or ranges", key);
	for (int i = 0; i < n; i++) {
		/* "" is a word too: the dash of a range is never its first character */
		char *dash = words[i][0] ? strchr(words[i] + 1, '-') : NULL;
		int64_t lo, hi;

		if (kind == NUM_LOGIN && strcmp(words[i], "set") == 0) {
			r = range_append(&nl, 0, LOGIN_UNSET - 1);
			if (r < 0) {
				range_list_clear(&nl);
				return r;
			}
			continue;
		}
		if (dash)
			*dash = 0;
		if (parse_number(kind, words[i], &lo) < 0 ||
		    (dash && parse_number(kind, dash + 1, &hi) < 0)) {
			if (dash)
				*dash = '-';
			range_list_clear(&nl);
			return fail(err, errlen, "%s: invalid %s \"%s\"", key,
				    kind == NUM_SIGNAL ? "signal" :
				    kind == NUM_EXIT_CODE ? "exit code (0-255)" :
				    kind == NUM_LOGIN ? "id (a number, set or unset)" : "id",
				    words[i]);
		}
		if (!dash)
			hi = lo;
		if (hi < lo) {
			*dash = '-';
			range_list_clear(&nl);
			return fail(err, errlen, "%s: empty range \"%s\"", key, words[i]);
		}
		r = range_append(&nl, lo, hi);
		if (r < 0) {
			range_list_clear(&nl);
			return r;
		}
	}
	/* added to what is there: uid = 5 and user = alice together mean either */
	for (size_t i = 0; i < nl.n; i++) {
		r = range_append(l, nl.items[i].lo, nl.items[i].hi);
		if (r < 0) {
			range_list_clear(&nl);
			return r;
		}
	}
	range_list_clear(&nl);
	return 0;
}

/* user = root alice: names resolved now, added to uid = ... */
static int parse_names(RangeList *l, bool group, rule_name_resolver resolve, const char *key,
		       const char *value, char *err, size_t errlen)
{
	_cleanup_(words_freep) char **words = NULL;
	int n;

	n = split_words(value, &words);
	if (n == -ENOMEM)
		return n;
	if (n <= 0)
		return fail(err, errlen, "%s: empty value", key);
	for (int i = 0; i < n; i++) {
		uint32_t id;
		int r;

		/* login-user = unset: not logged in */
		if (!group && strcmp(key, "login-user") == 0 && strcmp(words[i], "unset") == 0) {
			r = range_append(l, LOGIN_UNSET, LOGIN_UNSET);
			if (r < 0)
				return r;
			continue;
		}
		if (!resolve || resolve(words[i], group, &id) < 0)
			return fail(err, errlen, "%s: unknown %s \"%s\"", key,
				    group ? "group" : "user", words[i]);
		r = range_append(l, id, id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_events(Rule *r, const char *value, char *err, size_t errlen)
{
	_cleanup_(words_freep) char **words = NULL;
	uint32_t mask = 0;
	int n;

	n = split_words(value, &words);
	if (n == -ENOMEM)
		return n;
	if (n <= 0)
		return fail(err, errlen, "event: empty value");
	for (int i = 0; i < n; i++) {
		ProcEventType t = proc_event_type_from_string(words[i]);

		if (t <= PROC_EV_NONE)
			return fail(err, errlen,
				    "event: unknown event \"%s\" (expected fork exec exit uid gid "
				    "sid ptrace comm coredump)", words[i]);
		mask |= 1U << t;
	}
	r->events |= mask;
	return 0;
}

static int parse_rate(RateLimit *rl, const char *value, char *err, size_t errlen)
{
	const char *slash = strchr(value, '/');
	char num[32];
	uint64_t burst;
	usec_t interval;

	if (strcmp(value, "none") == 0 || strcmp(value, "0") == 0) {
		*rl = (RateLimit){};
		return 0;
	}
	if (!slash || (size_t)(slash - value) >= sizeof(num))
		return fail(err, errlen, "rate-limit: expected COUNT/INTERVAL (e.g. 100/10s) "
			    "or none, got \"%s\"", value);
	memcpy(num, value, (size_t)(slash - value));
	num[slash - value] = 0;
	if (parse_uint64(num, &burst) < 0 || burst == 0 || burst > UINT32_MAX)
		return fail(err, errlen, "rate-limit: invalid count \"%s\"", num);
	if (parse_duration(slash + 1, &interval) < 0 || interval == 0)
		return fail(err, errlen, "rate-limit: invalid interval \"%s\"", slash + 1);
	*rl = (RateLimit){ .burst = (unsigned)burst, .interval = interval };
	return 0;
}

/* tty = "pts/N" globs, tty1, none */
static int parse_tty(Rule *r, const char *value, char *err, size_t errlen)
{
	_cleanup_(words_freep) char **words = NULL;
	int n = split_words(value, &words);

	if (n == -ENOMEM)
		return n;
	if (n < 0)
		return fail(err, errlen, "tty: unterminated quote in \"%s\"", value);
	if (n == 0)
		return fail(err, errlen, "tty: empty value");
	for (int i = 0; i < n; i++) {
		int k;

		if (strcmp(words[i], "none") == 0) {
			r->tty_none = true;
			continue;
		}
		k = glob_list_parse(&r->tty, "tty", words[i], err, errlen);
		if (k < 0)
			return k;
	}
	return 0;
}

/* container = yes | no | globs on the container's id or name */
static int parse_container(Rule *r, const char *value, char *err, size_t errlen)
{
	_cleanup_(words_freep) char **words = NULL;
	int n = split_words(value, &words);

	if (n == -ENOMEM)
		return n;
	if (n < 0)
		return fail(err, errlen, "container: unterminated quote in \"%s\"", value);
	if (n == 0)
		return fail(err, errlen, "container: empty value (yes, no, or a glob on the "
			    "container's id or name)");
	/* "yes" and "no" are kept as words too: container_matches() reads them */
	return glob_list_parse(&r->container, "container", value, err, errlen);
}

static const char *const runtimes[] = {
	"docker", "podman", "containerd", "cri-o", "cri", "nspawn", "lxc",
};

static int parse_runtime(Rule *r, const char *value, char *err, size_t errlen)
{
	_cleanup_(words_freep) char **words = NULL;
	int n = split_words(value, &words);

	if (n == -ENOMEM)
		return n;
	if (n <= 0)
		return fail(err, errlen, "container-runtime: empty value");
	for (int i = 0; i < n; i++) {
		bool known = false;
		int k;

		for (size_t j = 0; j < ELEMENTSOF(runtimes); j++)
			known = known || strcmp(words[i], runtimes[j]) == 0;
		if (!known)
			return fail(err, errlen, "container-runtime: unknown runtime \"%s\" "
				    "(expected docker, podman, containerd, cri-o, cri, nspawn "
				    "or lxc)", words[i]);
		k = glob_list_parse(&r->container_runtime, "container-runtime", words[i], err,
				    errlen);
		if (k < 0)
			return k;
	}
	return 0;
}

static int parse_exe_flags(Rule *r, const char *value, char *err, size_t errlen)
{
	_cleanup_(words_freep) char **words = NULL;
	int n = split_words(value, &words);

	if (n == -ENOMEM)
		return n;
	if (n <= 0)
		return fail(err, errlen, "exe-flags: empty value");
	for (int i = 0; i < n; i++) {
		unsigned f = exe_flag_from_name(words[i], strlen(words[i]));

		if (!f)
			return fail(err, errlen, "exe-flags: unknown flag \"%s\" (expected "
				    "deleted, memfd, writable-dir, setuid or setgid)", words[i]);
		r->exe_flags |= f;
	}
	return 0;
}

int rule_parse_rate_limit(RateLimit *rl, const char *value, char *err, size_t errlen)
{
	return parse_rate(rl, value, err, errlen);
}

int rule_set_key(Rule *r, const char *key, const char *value, rule_name_resolver resolve,
		 char *err, size_t errlen)
{
	static const struct {
		const char *key;
		size_t offset;
	} globs[] = {
		{ "comm", offsetof(Rule, comm) },
		{ "exe", offsetof(Rule, exe) },
		{ "cmdline", offsetof(Rule, cmdline) },
		{ "parent-comm", offsetof(Rule, parent_comm) },
		{ "parent-exe", offsetof(Rule, parent_exe) },
		{ "unit", offsetof(Rule, unit) },
		{ "cgroup", offsetof(Rule, cgroup) },
		{ "cwd", offsetof(Rule, cwd) },
		{ "ancestor-comm", offsetof(Rule, ancestor_comm) },
		{ "ancestor-exe", offsetof(Rule, ancestor_exe) },
	};

	for (size_t i = 0; i < ELEMENTSOF(globs); i++)
		if (strcmp(key, globs[i].key) == 0)
			return glob_list_parse((GlobList *)((char *)r + globs[i].offset), key, value,
					   err, errlen);

	if (strcmp(key, "event") == 0)
		return parse_events(r, value, err, errlen);
	if (strcmp(key, "uid") == 0)
		return parse_ranges(&r->uid, NUM_ID, key, value, err, errlen);
	if (strcmp(key, "gid") == 0)
		return parse_ranges(&r->gid, NUM_ID, key, value, err, errlen);
	if (strcmp(key, "user") == 0)
		return parse_names(&r->uid, false, resolve, key, value, err, errlen);
	if (strcmp(key, "group") == 0)
		return parse_names(&r->gid, true, resolve, key, value, err, errlen);
	if (strcmp(key, "loginuid") == 0)
		return parse_ranges(&r->loginuid, NUM_LOGIN, key, value, err, errlen);
	if (strcmp(key, "login-user") == 0)
		return parse_names(&r->loginuid, false, resolve, key, value, err, errlen);
	if (strcmp(key, "session") == 0)
		return parse_ranges(&r->session, NUM_LOGIN, key, value, err, errlen);
	if (strcmp(key, "tty") == 0)
		return parse_tty(r, value, err, errlen);
	if (strcmp(key, "container") == 0)
		return parse_container(r, value, err, errlen);
	if (strcmp(key, "container-runtime") == 0)
		return parse_runtime(r, value, err, errlen);
	if (strcmp(key, "exe-flags") == 0)
		return parse_exe_flags(r, value, err, errlen);
	if (strcmp(key, "exit-code") == 0)
		return parse_ranges(&r->exit_code, NUM_EXIT_CODE, key, value, err, errlen);
	if (strcmp(key, "exit-signal") == 0)
		return parse_ranges(&r->exit_signal, NUM_SIGNAL, key, value, err, errlen);
	if (strcmp(key, "min-lifetime") == 0 || strcmp(key, "max-lifetime") == 0) {
		usec_t *u = key[1] == 'i' ? &r->min_lifetime : &r->max_lifetime;

		if (parse_duration(value, u) < 0)
			return fail(err, errlen, "%s: invalid duration \"%s\" (e.g. 500ms, 10s, "
				    "2min)", key, value);
		return 0;
	}
	if (strcmp(key, "action") == 0) {
		for (int i = 0; i < _RULE_ACTION_MAX; i++)
			if (strcmp(value, action_table[i]) == 0) {
				r->action = (RuleAction)i;
				return 0;
			}
		return fail(err, errlen, "action: expected log or ignore, got \"%s\"", value);
	}
	if (strcmp(key, "priority") == 0) {
		int p = priority_from_string(value);
		if (p < 0)
			return fail(err, errlen, "priority: expected emerg, alert, crit, err, "
				    "warning, notice, info or debug, got \"%s\"", value);
		r->priority = p;
		return 0;
	}
	if (strcmp(key, "record-exit") == 0) {
		int b = parse_boolean(value);

		if (b < 0)
			return fail(err, errlen, "record-exit: expected yes or no, got \"%s\"", value);
		r->record_exit = b;
		return 0;
	}
	if (strcmp(key, "rate-limit") == 0) {
		int k = parse_rate(&r->rate, value, err, errlen);
		if (k == 0)
			r->rate_set = true;
		return k;
	}
	return fail(err, errlen, "unknown key \"%s\" in a rule section", key);
}

int rule_validate(const Rule *r, char *err, size_t errlen)
{
	if (r->min_lifetime != USEC_INFINITY && r->max_lifetime != USEC_INFINITY &&
	    r->min_lifetime > r->max_lifetime)
		return fail(err, errlen, "min-lifetime is greater than max-lifetime");
	if (r->record_exit && (r->action != RULE_ACTION_LOG ||
			       (r->events && !(r->events & (1U << PROC_EV_EXEC)))))
		return fail(err, errlen, "record-exit: the rule records no execs (it needs "
			    "action = log and event = exec)");
	return 0;
}

void rule_set_free_contents(RuleSet *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		rule_free(rs->rules[i]);
	free(rs->rules);
	*rs = (RuleSet){};
}

int rule_set_append(RuleSet *rs, Rule *r)
{
	Rule **n = realloc(rs->rules, (rs->n + 1) * sizeof(Rule *));

	if (!n) {
		rule_free(r);
		return -ENOMEM;
	}
	rs->rules = n;
	rs->rules[rs->n++] = r;
	return 0;
}

Rule *rule_set_find(const RuleSet *rs, const char *name)
{
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->rules[i]->name, name) == 0)
			return rs->rules[i];
	return NULL;
}

static bool glob_match(const GlobList *g, const char *s)
{
	if (g->n == 0)
		return true;
	if (!s)
		return false;
	for (size_t i = 0; i < g->n; i++)
		if (fnmatch(g->items[i], s, 0) == 0)
			return true;
	return false;
}

/* Any of the strings matches (an ancestor's name, say) */
static bool glob_match_any(const GlobList *g, const char *const *s, size_t n)
{
	if (g->n == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (s[i] && glob_match(g, s[i]))
			return true;
	return false;
}

static bool tty_match(const Rule *r, const MatchInput *in)
{
	if (r->tty.n == 0 && !r->tty_none)
		return true;
	if (!in->tracked)
		return false;
	if (!in->tty)
		return r->tty_none;
	return r->tty.n > 0 && glob_match(&r->tty, in->tty);
}

static bool container_match(const Rule *r, const MatchInput *in)
{
	const Container *c = in->container;
	bool any = r->container.n == 0;

	if (r->container.n == 0 && r->container_runtime.n == 0)
		return true;
	if (!in->tracked)
		return false;
	if (r->container_runtime.n > 0 && !(c && glob_match(&r->container_runtime, c->runtime)))
		return false;
	for (size_t i = 0; !any && i < r->container.n; i++)
		any = container_matches(c, r->container.items[i]);
	return any;
}

static bool range_match(const RangeList *l, int64_t v)
{
	if (l->n == 0)
		return true;
	if (v < 0)
		return false;
	for (size_t i = 0; i < l->n; i++)
		if (v >= l->items[i].lo && v <= l->items[i].hi)
			return true;
	return false;
}

bool rule_matches(const Rule *r, const MatchInput *in)
{
	if (r->events && !(r->events & (1U << in->type)))
		return false;
	if (!range_match(&r->uid, in->uid) || !range_match(&r->gid, in->gid))
		return false;
	/* exit-code/exit-signal only make sense for exits; elsewhere they never match */
	if (r->exit_code.n && (in->type != PROC_EV_EXIT || !range_match(&r->exit_code, in->exit_code)))
		return false;
	if (r->exit_signal.n &&
	    (in->type != PROC_EV_EXIT || in->exit_signal <= 0 ||
	     !range_match(&r->exit_signal, in->exit_signal)))
		return false;
	if (r->min_lifetime != USEC_INFINITY &&
	    (in->lifetime_usec == UINT64_MAX || in->lifetime_usec < r->min_lifetime))
		return false;
	if (r->max_lifetime != USEC_INFINITY &&
	    (in->lifetime_usec == UINT64_MAX || in->lifetime_usec > r->max_lifetime))
		return false;
	if (!range_match(&r->loginuid, in->loginuid) || !range_match(&r->session, in->session))
		return false;
	if (r->exe_flags && !(r->exe_flags & in->exe_flags))
		return false;
	if (!tty_match(r, in) || !container_match(r, in) || !glob_match(&r->cwd, in->cwd))
		return false;
	if (!glob_match_any(&r->ancestor_comm, in->ancestor_comm, in->n_ancestors) ||
	    !glob_match_any(&r->ancestor_exe, in->ancestor_exe, in->n_ancestors))
		return false;
	return glob_match(&r->comm, in->comm) && glob_match(&r->exe, in->exe) &&
	       glob_match(&r->unit, in->unit) && glob_match(&r->cgroup, in->cgroup) &&
	       glob_match(&r->parent_comm, in->parent_comm) &&
	       glob_match(&r->parent_exe, in->parent_exe) &&
	       glob_match(&r->cmdline, in->cmdline);
}

bool rules_need_ancestors(const RuleSet *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->rules[i]->ancestor_comm.n > 0 || rs->rules[i]->ancestor_exe.n > 0)
			return true;
	return false;
}

Rule *rules_match(const RuleSet *rs, const MatchInput *in)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rule_matches(rs->rules[i], in))
			return rs->rules[i];
	return NULL;
}

bool rate_limit_check(RateLimit *rl, usec_t now)
{
	if (rl->burst == 0)
		return true;
	if (rl->begin == 0 || now < rl->begin || now - rl->begin >= rl->interval) {
		rl->begin = now;
		rl->count = 0;
	}
	if (rl->count < rl->burst) {
		rl->count++;
		return true;
	}
	rl->suppressed++;
	return false;
}

uint64_t rate_limit_take_suppressed(RateLimit *rl)
{
	uint64_t n = rl->suppressed;

	rl->suppressed = 0;
	return n;
}

static void describe_globs(FILE *f, const char *key, const GlobList *g)
{
	if (g->n == 0)
		return;
	fprintf(f, " %s=", key);
	for (size_t i = 0; i < g->n; i++) {
		bool q = strpbrk(g->items[i], " \t") != NULL;
		fprintf(f, "%s%s%s%s", i ? "|" : "", q ? "\"" : "", g->items[i], q ? "\"" : "");
	}
}

/* login: the audit login's list, where set and unset have names */
static void describe_ranges(FILE *f, const char *key, const RangeList *l, bool login)
{
	if (l->n == 0)
		return;
	fprintf(f, " %s=", key);
	for (size_t i = 0; i < l->n; i++) {
		if (login && (l->items[i].lo == LOGIN_UNSET ||
			      (l->items[i].lo == 0 && l->items[i].hi == LOGIN_UNSET - 1))) {
			fprintf(f, "%s%s", i ? "," : "", l->items[i].lo ? "unset" : "set");
			continue;
		}
		fprintf(f, "%s%lld", i ? "," : "", (long long)l->items[i].lo);
		if (l->items[i].hi != l->items[i].lo)
			fprintf(f, "-%lld", (long long)l->items[i].hi);
	}
}

char *rule_describe(const Rule *r)
{
	char *buf = NULL, d[64];
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	if (r->events) {
		bool first = true;

		fputs(" event=", f);
		for (int t = PROC_EV_FORK; t < _PROC_EV_MAX; t++)
			if (r->events & (1U << t)) {
				fprintf(f, "%s%s", first ? "" : "|", proc_event_type_to_string(t));
				first = false;
			}
	}
	describe_ranges(f, "uid", &r->uid, false);
	describe_ranges(f, "gid", &r->gid, false);
	describe_globs(f, "comm", &r->comm);
	describe_globs(f, "exe", &r->exe);
	describe_globs(f, "cmdline", &r->cmdline);
	describe_globs(f, "parent-comm", &r->parent_comm);
	describe_globs(f, "parent-exe", &r->parent_exe);
	describe_globs(f, "unit", &r->unit);
	describe_globs(f, "cgroup", &r->cgroup);
	describe_ranges(f, "loginuid", &r->loginuid, true);
	describe_ranges(f, "session", &r->session, true);
	describe_globs(f, "tty", &r->tty);
	if (r->tty_none)
		fprintf(f, "%s", r->tty.n ? "|none" : " tty=none");
	describe_globs(f, "cwd", &r->cwd);
	describe_globs(f, "ancestor-comm", &r->ancestor_comm);
	describe_globs(f, "ancestor-exe", &r->ancestor_exe);
	describe_globs(f, "container", &r->container);
	describe_globs(f, "container-runtime", &r->container_runtime);
	if (r->exe_flags) {
		fputs(" exe-flags=", f);
		exe_flags_print(f, r->exe_flags, "|");
	}
	describe_ranges(f, "exit-code", &r->exit_code, false);
	describe_ranges(f, "exit-signal", &r->exit_signal, false);
	if (r->min_lifetime != USEC_INFINITY)
		fprintf(f, " min-lifetime=%s",
			format_duration(d, sizeof(d), r->min_lifetime * NSEC_PER_USEC));
	if (r->max_lifetime != USEC_INFINITY)
		fprintf(f, " max-lifetime=%s",
			format_duration(d, sizeof(d), r->max_lifetime * NSEC_PER_USEC));
	if (ftell(f) == 0)
		fputs(" (every event)", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	/* drop the leading blank */
	memmove(buf, buf + 1, strlen(buf));
	return buf;
}
