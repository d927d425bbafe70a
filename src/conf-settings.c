/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The [cnprocd] keys, from one table: each key's parser, bounds, default, how
 * --check-config shows it, and whether a reload applies it. Error messages are
 * written from the same bounds that are checked, so the two cannot drift apart.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "conf-settings.h"
#include "macro.h"
#include "util.h"

void config_init(Config *c)
{
	*c = (Config){
		.default_rate = { .burst = CONFIG_DEFAULT_RATE_BURST,
				  .interval = CONFIG_DEFAULT_RATE_INTERVAL },
		.hash = 0xcbf29ce484222325ULL, /* FNV-1a offset basis */
	};
	config_settings_init(c);
}

void config_done(Config *c)
{
	rule_set_free_contents(&c->rules);
	glob_list_clear(&c->redact);
	free(c->varlink_socket);
	c->varlink_socket = NULL;
}

void config_apply_overrides(Config *c, const ConfigOverrides *o)
{
	if (o->rcvbuf_set)
		c->rcvbuf = o->rcvbuf;
	if (o->log_target_set)
		c->log_target = o->log_target;
	if (o->threads)
		c->threads = true;
	if (o->no_argv)
		c->record_argv = false;
	if (o->varlink_socket)
		(void)config_set_varlink_socket(c, o->varlink_socket);
}

const char *config_varlink_socket(const Config *c, char *buf, size_t size)
{
	const char *rt = getenv("RUNTIME_DIRECTORY");

	if (c->varlink_none)
		return NULL;
	if (c->varlink_socket)
		return c->varlink_socket;
	/* RuntimeDirectory= may list several: the first is ours */
	if (rt && rt[0] == '/' && (size_t)snprintf(buf, size, "%.*s/" MONITOR_INTERFACE,
						   (int)strcspn(rt, ":"), rt) < size)
		return buf;
	return CONFIG_DEFAULT_VARLINK_SOCKET;
}

int config_resolve_name(const char *name, bool group, uint32_t *ret)
{
	if (group) {
		struct group *g = getgrnam(name);
		if (!g)
			return -ESRCH;
		*ret = g->gr_gid;
	} else {
		struct passwd *p = getpwnam(name);
		if (!p)
			return -ESRCH;
		*ret = p->pw_uid;
	}
	return 0;
}

typedef struct Setting Setting;

/* One kind of value: parse returns 0, -ENOMEM, or -EINVAL with why filled, or
 * left empty for the usual "KEY: expected WHAT, got VALUE". */
typedef struct SettingType {
	int (*parse)(const Setting *s, Config *c, const char *value, char *why, size_t size);
	/* bounded numbers: how the text is read */
	int (*read)(const char *text, uint64_t *ret);
	/* WHAT, from the setting's bounds, or fixed */
	void (*expect)(const Setting *s, char *buf, size_t size);
	const char *expected;
	void (*print)(const Setting *s, const Config *c, FILE *f);
	/* NULL: a number, stored by its size, with its default in the table */
	bool (*equal)(const Setting *s, const Config *a, const Config *b);
	/* the value of src into dst; NULL: a number, copied by its size */
	int (*copy)(const Setting *s, Config *dst, const Config *src);
} SettingType;

/* An enum's values 0..n-1 by the names the file uses. */
typedef struct EnumNames {
	const char *(*name)(int v);
	int n;
	int (*from_string)(const char *s); /* when aliases are accepted too */
} EnumNames;

struct Setting {
	const char *key;
	const SettingType *type;
	size_t offset, size; /* of the Config member */
	uint64_t min, max; /* of a bounded number, in its unit (bytes, usec) */
	int64_t def;       /* of a number; other values start empty */
	const char *hint;  /* after WHAT in the error message */
	const EnumNames *names;
	bool reloadable; /* manager_reload() applies a change */
	bool quiet;      /* --check-config leaves it out at its default */
};

#define FIELD(m) .offset = offsetof(Config, m), .size = sizeof(((Config *)0)->m)

static void *member(const Setting *s, Config *c)
{
	return (char *)c + s->offset;
}

static const void *cmember(const Setting *s, const Config *c)
{
	return (const char *)c + s->offset;
}

/* Numbers live in bool, 32-bit (int, unsigned, enums) or 64-bit members; memcpy,
 * because uint64_t and usec_t are different types of the same size. */
static void number_set(const Setting *s, Config *c, int64_t v)
{
	bool b = v != 0;
	int32_t i = (int32_t)v;

	if (s->size == sizeof(b))
		memcpy(member(s, c), &b, sizeof(b));
	else if (s->size == sizeof(i))
		memcpy(member(s, c), &i, sizeof(i));
	else
		memcpy(member(s, c), &v, sizeof(v));
}

static int64_t number_get(const Setting *s, const Config *c)
{
	bool b;
	int32_t i;
	int64_t v;

	if (s->size == sizeof(b)) {
		memcpy(&b, cmember(s, c), sizeof(b));
		return b;
	}
	if (s->size == sizeof(i)) {
		memcpy(&i, cmember(s, c), sizeof(i));
		return i;
	}
	memcpy(&v, cmember(s, c), sizeof(v));
	return v;
}

_Static_assert(sizeof(bool) == 1 && sizeof(int) == 4 && sizeof(unsigned) == 4 &&
		       sizeof(LogTarget) == 4 && sizeof(RuleAction) == 4,
	       "number_set() stores numbers by their size");

static bool setting_equal(const Setting *s, const Config *a, const Config *b)
{
	if (s->type->equal)
		return s->type->equal(s, a, b);
	return number_get(s, a) == number_get(s, b);
}

static int parse_bool(const Setting *s, Config *c, const char *value, char *why, size_t size)
{
	int b = parse_boolean(value);

	if (b < 0)
		return -EINVAL;
	number_set(s, c, b);
	return 0;
}

static void print_bool(const Setting *s, const Config *c, FILE *f)
{
	fputs(number_get(s, c) ? "yes" : "no", f);
}

/* A number read by the type, from min to max. */
static int parse_bounded(const Setting *s, Config *c, const char *value, char *why,
			 size_t size)
{
	uint64_t v;

	if (s->type->read(value, &v) < 0 || v < s->min || v > s->max)
		return -EINVAL;
	number_set(s, c, (int64_t)v);
	return 0;
}

static void print_number(const Setting *s, const Config *c, FILE *f)
{
	fprintf(f, "%lld", (long long)number_get(s, c));
}

static void expect_number(const Setting *s, char *buf, size_t size)
{
	snprintf(buf, size, "a number from %llu to %llu", (unsigned long long)s->min,
		 (unsigned long long)s->max);
}

/* in the largest unit that divides it, as written in the file: 1073741824 -> 1G */
static void expect_size(const Setting *s, char *buf, size_t size)
{
	uint64_t v = s->max;
	int unit = 0;

	while (unit < 3 && v >= 1024 && v % 1024 == 0) {
		v /= 1024;
		unit++;
	}
	snprintf(buf, size, "a size up to %llu%.*s", (unsigned long long)v, unit > 0,
		 &" KMG"[unit]);
}

static int read_duration(const char *text, uint64_t *ret)
{
	usec_t u;
	int r = parse_duration(text, &u);

	*ret = u;
	return r;
}

static void expect_duration(const Setting *s, char *buf, size_t size)
{
	char d[64];

	snprintf(buf, size, "a duration up to %s",
		 format_duration(d, sizeof(d), s->max * NSEC_PER_USEC));
}

static void print_duration(const Setting *s, const Config *c, FILE *f)
{
	unsigned long long u = (unsigned long long)number_get(s, c);

	if (u % USEC_PER_MSEC == 0)
		fprintf(f, "%llums", u / USEC_PER_MSEC);
	else
		fprintf(f, "%lluus", u);
}

static int read_octal(const char *text, uint64_t *ret)
{
	char *end;

	*ret = strtoul(text, &end, 8);
	return *text && !*end ? 0 : -EINVAL;
}

static void print_mode(const Setting *s, const Config *c, FILE *f)
{
	fprintf(f, "%04llo", (unsigned long long)number_get(s, c));
}

static int parse_enum(const Setting *s, Config *c, const char *value, char *why, size_t size)
{
	const EnumNames *e = s->names;
	int v = -1;

	if (e->from_string)
		v = e->from_string(value);
	for (int i = 0; v < 0 && i < e->n; i++)
		if (strcmp(value, e->name(i)) == 0)
			v = i;
	if (v < 0)
		return -EINVAL;
	number_set(s, c, v);
	return 0;
}

/* "a, b or c" */
static void expect_enum(const Setting *s, char *buf, size_t size)
{
	const EnumNames *e = s->names;
	size_t l = 0;

	buf[0] = 0;
	for (int i = 0; i < e->n && l < size; i++)
		l += (size_t)snprintf(buf + l, size - l, "%s%s",
				      i == 0 ? "" : i == e->n - 1 ? " or " : ", ", e->name(i));
}

static void print_enum(const Setting *s, const Config *c, FILE *f)
{
	fputs(s->names->name((int)number_get(s, c)), f);
}

static int parse_group(const Setting *s, Config *c, const char *value, char *why, size_t size)
{
	uint32_t gid;

	if (config_resolve_name(value, true, &gid) < 0) {
		snprintf(why, size, "%s: unknown group \"%s\"", s->key, value);
		return -EINVAL;
	}
	number_set(s, c, gid);
	return 0;
}

/* glob_list_parse() writes its own messages */
static int parse_globs(const Setting *s, Config *c, const char *value, char *why, size_t size)
{
	return glob_list_parse(member(s, c), s->key, value, why, size);
}

static void print_globs(const Setting *s, const Config *c, FILE *f)
{
	const GlobList *g = cmember(s, c);

	for (size_t i = 0; i < g->n; i++)
		fprintf(f, "%s\"%s\"", i > 0 ? " " : "", g->items[i]);
}

static bool equal_globs(const Setting *s, const Config *a, const Config *b)
{
	const GlobList *x = cmember(s, a), *y = cmember(s, b);

	if (x->n != y->n)
		return false;
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->items[i], y->items[i]) != 0)
			return false;
	return true;
}

static int parse_rate(const Setting *s, Config *c, const char *value, char *why, size_t size)
{
	return rule_parse_rate_limit(member(s, c), value, why, size);
}

void rate_limit_print(FILE *f, const RateLimit *rl)
{
	char d[64];

	if (rl->burst == 0)
		fputs("none", f);
	else
		fprintf(f, "%u/%s", rl->burst,
			format_duration(d, sizeof(d), rl->interval * NSEC_PER_USEC));
}

static void print_rate(const Setting *s, const Config *c, FILE *f)
{
	rate_limit_print(f, cmember(s, c));
}

/* the limit, not the window that runs under it */
static bool equal_rate(const Setting *s, const Config *a, const Config *b)
{
	const RateLimit *x = cmember(s, a), *y = cmember(s, b);

	return x->burst == y->burst && x->interval == y->interval;
}

int config_set_varlink_socket(Config *c, const char *value)
{
	free(c->varlink_socket);
	c->varlink_none = strcmp(value, "none") == 0;
	c->varlink_socket = c->varlink_none ? NULL : strdup(value);
	return c->varlink_none || c->varlink_socket ? 0 : -ENOMEM;
}

static int parse_socket(const Setting *s, Config *c, const char *value, char *why, size_t size)
{
	if (strcmp(value, "none") != 0 && value[0] != '/')
		return -EINVAL;
	return config_set_varlink_socket(c, value);
}

static void print_socket(const Setting *s, const Config *c, FILE *f)
{
	char buf[PATH_MAX];

	fputs(config_varlink_socket(c, buf, sizeof(buf)) ?: "none", f);
}

/* where the socket goes, not how it was said: unset and the default path agree */
static bool equal_socket(const Setting *s, const Config *a, const Config *b)
{
	char x[PATH_MAX], y[PATH_MAX];
	const char *p = config_varlink_socket(a, x, sizeof(x));
	const char *q = config_varlink_socket(b, y, sizeof(y));

	return p && q ? strcmp(p, q) == 0 : p == q;
}

static int copy_socket(const Setting *s, Config *dst, const Config *src)
{
	char *p = NULL;

	if (src->varlink_socket && !(p = strdup(src->varlink_socket)))
		return -ENOMEM;
	free(dst->varlink_socket);
	dst->varlink_socket = p;
	dst->varlink_none = src->varlink_none;
	return 0;
}

static const SettingType type_bool = {
	.parse = parse_bool, .expected = "a boolean (yes/no)", .print = print_bool,
};
static const SettingType type_number = {
	.parse = parse_bounded, .read = parse_uint64, .expect = expect_number,
	.print = print_number,
};
static const SettingType type_size = {
	.parse = parse_bounded, .read = parse_size, .expect = expect_size,
	.print = print_number,
};
static const SettingType type_duration = {
	.parse = parse_bounded, .read = read_duration, .expect = expect_duration,
	.print = print_duration,
};
static const SettingType type_mode = {
	.parse = parse_bounded, .read = read_octal, .expected = "an octal mode like 0660",
	.print = print_mode,
};
static const SettingType type_enum = {
	.parse = parse_enum, .expect = expect_enum, .print = print_enum,
};
static const SettingType type_group = { .parse = parse_group, .print = print_number };
static const SettingType type_globs = {
	.parse = parse_globs, .print = print_globs, .equal = equal_globs,
};
static const SettingType type_rate = {
	.parse = parse_rate, .print = print_rate, .equal = equal_rate,
};
static const SettingType type_socket = {
	.parse = parse_socket, .expected = "an absolute path or none", .print = print_socket,
	.equal = equal_socket, .copy = copy_socket,
};

static const char *log_target_name(int v)
{
	return log_target_to_string((LogTarget)v);
}

static const char *action_name(int v)
{
	return rule_action_to_string((RuleAction)v);
}

static const char *exe_hash_name(int v)
{
	static const char *const names[_EXE_HASH_MAX] = { "none", "sha256" };

	return v >= 0 && v < _EXE_HASH_MAX ? names[v] : NULL;
}

static const EnumNames log_targets = { log_target_name, _LOG_TARGET_MAX, NULL };
static const EnumNames actions = { action_name, _RULE_ACTION_MAX, NULL };
static const EnumNames exe_hashes = { exe_hash_name, _EXE_HASH_MAX, NULL };
static const EnumNames priorities = { priority_to_string, LOG_DEBUG + 1, priority_from_string };

/* In the order --check-config prints them. reloadable: what manager_reload()
 * applies to the running daemon; the others are used once, at startup. */
static const Setting settings[] = {
	{ "receive-buffer", &type_size, FIELD(rcvbuf), .max = 1ULL << 30, .def = 8ULL << 20,
	  .hint = " (e.g. 8M)", .reloadable = true },
	{ "log-target", &type_enum, FIELD(log_target), .names = &log_targets,
	  .def = LOG_TARGET_AUTO, .reloadable = true },
	{ "max-processes", &type_number, FIELD(max_processes), .min = 16, .max = 1ULL << 24,
	  .def = 131072, .reloadable = true },
	{ "threads", &type_bool, FIELD(threads), .def = false, .reloadable = true },
	{ "kernel-filter", &type_bool, FIELD(kernel_filter), .def = true, .reloadable = true },
	/* jwriter_start() sizes the queue of a writer that is not running yet */
	{ "journal-queue", &type_number, FIELD(journal_queue), .min = 16, .max = 1ULL << 20,
	  .def = 16384, .reloadable = false },
	{ "exec-prefetch", &type_bool, FIELD(exec_prefetch), .def = true, .reloadable = true },
	{ "batch-delay", &type_duration, FIELD(batch_delay), .max = USEC_PER_SEC,
	  .def = 5 * USEC_PER_MSEC, .hint = " (e.g. 5ms, 0 to read every event at once)",
	  .reloadable = true },
	{ "record-argv", &type_bool, FIELD(record_argv), .def = true, .reloadable = true },
	{ "exe-hash", &type_enum, FIELD(exe_hash), .names = &exe_hashes, .def = EXE_HASH_NONE,
	  .reloadable = true },
	{ "redact-argv", &type_globs, FIELD(redact), .quiet = true, .reloadable = true },
	{ "default-action", &type_enum, FIELD(default_action), .names = &actions,
	  .def = RULE_ACTION_LOG, .reloadable = true },
	{ "default-priority", &type_enum, FIELD(default_priority), .names = &priorities,
	  .def = LOG_INFO, .reloadable = true },
	/* its default is a pair: config_init() sets it */
	{ "rate-limit", &type_rate, FIELD(default_rate), .reloadable = true },
	/* the socket is made once, by manager_listen_varlink() at startup */
	{ "varlink-socket", &type_socket, FIELD(varlink_socket), .reloadable = false },
	{ "varlink-mode", &type_mode, FIELD(varlink_mode), .max = 0777, .def = 0600,
	  .reloadable = false },
	{ "varlink-group", &type_group, FIELD(varlink_group), .def = -1, .quiet = true,
	  .reloadable = false },
	/* the server's limits are set when it is made, at startup */
	{ "varlink-idle-timeout", &type_duration, FIELD(varlink_idle), .max = 24 * 3600 * USEC_PER_SEC,
	  .def = 60 * USEC_PER_SEC, .hint = " (e.g. 60s, 0 to keep idle clients)", .quiet = true,
	  .reloadable = false },
};

_Static_assert(ELEMENTSOF(settings) == CONFIG_N_KEYS, "CONFIG_N_KEYS is the table's size");

static const Setting *setting_find(const char *key)
{
	for (size_t i = 0; i < ELEMENTSOF(settings); i++)
		if (strcmp(settings[i].key, key) == 0)
			return &settings[i];
	return NULL;
}

void config_settings_init(Config *c)
{
	for (size_t i = 0; i < ELEMENTSOF(settings); i++)
		if (!settings[i].type->equal)
			number_set(&settings[i], c, settings[i].def);
}

int config_setting_parse(Config *c, const char *key, const char *value, char *why,
			 size_t size)
{
	const Setting *s = setting_find(key);
	char what[128] = "";
	int r;

	if (!s) {
		snprintf(why, size, "unknown key \"%s\" in section [cnprocd]", key);
		return -ENOENT;
	}
	why[0] = 0;
	r = s->type->parse(s, c, value, why, size);
	if (r == -EINVAL && !why[0]) {
		if (s->type->expect)
			s->type->expect(s, what, sizeof(what));
		snprintf(why, size, "%s: expected %s%s, got \"%s\"", s->key,
			 s->type->expect ? what : s->type->expected, s->hint ?: "", value);
	}
	return r;
}

void config_settings_print(const Config *c, FILE *f)
{
	Config d;

	config_init(&d);
	for (size_t i = 0; i < ELEMENTSOF(settings); i++) {
		const Setting *s = &settings[i];

		if (s->quiet && setting_equal(s, c, &d))
			continue;
		fprintf(f, "%s = ", s->key);
		s->type->print(s, c, f);
		fputc('\n', f);
	}
	config_done(&d);
}

const char *config_key(size_t i)
{
	return i < ELEMENTSOF(settings) ? settings[i].key : NULL;
}

bool config_key_reloadable(const char *key)
{
	const Setting *s = setting_find(key);

	return s && s->reloadable;
}

size_t config_changed_at_restart(const Config *running, const Config *loaded,
				 const char **keys, size_t n_keys)
{
	size_t n = 0;

	for (size_t i = 0; i < ELEMENTSOF(settings); i++) {
		const Setting *s = &settings[i];

		if (s->reloadable || setting_equal(s, running, loaded))
			continue;
		if (n < n_keys)
			keys[n] = s->key;
		n++;
	}
	return n;
}

int config_keep_restart_settings(Config *loaded, const Config *running)
{
	for (size_t i = 0; i < ELEMENTSOF(settings); i++) {
		const Setting *s = &settings[i];
		int r;

		if (s->reloadable)
			continue;
		if (s->type->copy) {
			r = s->type->copy(s, loaded, running);
			if (r < 0)
				return r;
		} else
			memcpy((char *)loaded + s->offset, (const char *)running + s->offset, s->size);
	}
	return 0;
}
