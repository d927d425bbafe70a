/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading cnprocd.conf and its drop-ins into a Config: the files, the pre-scan,
 * inih, and which line an error is on. The [cnprocd] keys themselves are in
 * conf-settings.c, the rule keys in rules.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "conf-settings.h"
#include "conffile.h"
#include "macro.h"
#include "util.h"

#define CONFIG_MAX_SIZE (1U << 20)

static void hash_bytes(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		*h ^= b[i];
		*h *= 0x100000001b3ULL;
	}
}

typedef struct ParseState {
	Config *config;
	const char *file;
	char message[256]; /* the handler's first error; inih reports its line */
} ParseState;

_printf_format_(2, 3) static int fail(ParseState *s, const char *fmt, ...)
{
	va_list ap;

	if (s->message[0])
		return 0;
	va_start(ap, fmt);
	vsnprintf(s->message, sizeof(s->message), fmt, ap);
	va_end(ap);
	return 0;
}

/* "rule NAME" -> NAME, or NULL if section is not a rule section */
static const char *rule_section_name(const char *section)
{
	if (strncmp(section, "rule", 4) != 0 || (section[4] != ' ' && section[4] != '\t'))
		return NULL;
	section += 4;
	return section + strspn(section, " \t");
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	ParseState *s = user;
	const char *rname;
	char err[256];
	Rule *r;
	int k;

	if (strcmp(section, "cnprocd") == 0)
		k = config_setting_parse(s->config, name, value, err, sizeof(err));
	else if (section[0] == 0)
		return fail(s, "\"%s\" is outside of any section (start with [cnprocd] or "
			    "[rule NAME])", name);
	else {
		rname = rule_section_name(section);
		/* the pre-scan created every rule and rejected unknown sections */
		r = rname ? rule_set_find(&s->config->rules, rname) : NULL;
		if (!r)
			return fail(s, "unknown section [%s]", section);
		k = rule_set_key(r, name, value, config_resolve_name, err, sizeof(err));
	}
	if (k == -ENOMEM)
		return fail(s, "out of memory");
	if (k < 0)
		return fail(s, "%s", err);
	return 1;
}

typedef struct LineError {
	unsigned line; /* 0: none */
	char message[256];
} LineError;

_printf_format_(3, 4) static void line_error(LineError *e, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (e->line)
		return;
	e->line = line;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

static bool valid_rule_name(const char *n, size_t l)
{
	if (l == 0)
		return false;
	for (size_t i = 0; i < l; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@:",
			    n[i]))
			return false;
	return true;
}

/*
 * Our own pass over the lines, before inih: overlong lines (Debian's inih splits
 * them silently), section headers (so rules exist in file order, with their line,
 * even when empty), unknown sections and duplicate rule names.
 */
static int prescan(Config *c, const char *file, const char *text, LineError *e)
{
	unsigned line = 0;
	bool after_key = false;

	/* inih skips a UTF-8 byte order mark */
	if (strncmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3;

	for (const char *p = text; *p;) {
		const char *nl = strchrnul(p, '\n'), *start = p, *b = p, *end = nl;
		size_t l;

		line++;
		if (nl - p >= INI_MAX_LINE - 1) {
			line_error(e, line, "line too long (at most %d characters)",
				   INI_MAX_LINE - 2);
			return 0;
		}
		p = *nl ? nl + 1 : nl;

		while (b < end && (*b == ' ' || *b == '\t'))
			b++;
		while (end > b && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			end--;
		if (b == end || *b == ';' || *b == '#')
			continue;
		if (*b != '[') {
			/* inih takes an indented line after a key as more of that key's
			 * value, even across blank lines and comments: refuse the surprise */
			if (after_key && b > start) {
				line_error(e, line, "indented line would continue the previous "
					   "value; remove the leading blanks");
				return 0;
			}
			after_key = true;
			continue;
		}
		after_key = false;
		/* like inih: the header ends at the first ']'; only a comment may follow */
		{
			const char *close = memchr(b, ']', (size_t)(end - b)), *rest;

			if (!close) {
				line_error(e, line, "section header without closing ']'");
				return 0;
			}
			rest = close + 1;
			while (rest < end && (*rest == ' ' || *rest == '\t'))
				rest++;
			if (rest < end && *rest != ';' && *rest != '#') {
				line_error(e, line, "unexpected text after section header");
				return 0;
			}
			end = close;
		}
		b++;
		l = (size_t)(end - b);
		/* libinih keeps at most 49 characters of a section name */
		if (l > 49) {
			line_error(e, line, "section name too long (at most 49 characters "
				   "between [ and ])");
			return 0;
		}
		if (l == 7 && memcmp(b, "cnprocd", 7) == 0)
			continue;
		if (l > 5 && memcmp(b, "rule", 4) == 0 && (b[4] == ' ' || b[4] == '\t')) {
			_cleanup_free_ char *name = NULL;
			const char *n = b + 4;
			Rule *dup, *r;

			while (*n == ' ' || *n == '\t')
				n++;
			if (!valid_rule_name(n, (size_t)(end - n))) {
				line_error(e, line, "invalid rule name \"%.*s\" (letters, digits and "
					   "-_.@: only)", (int)(end - n), n);
				return 0;
			}
			name = strndup(n, (size_t)(end - n));
			if (!name)
				return -ENOMEM;
			dup = rule_set_find(&c->rules, name);
			if (dup) {
				line_error(e, line, "duplicate rule name \"%s\" (first defined at "
					   "%s:%u)", name, dup->file, dup->line);
				return 0;
			}
			r = rule_new(name, file, line);
			if (!r || rule_set_append(&c->rules, r) < 0)
				return -ENOMEM;
			continue;
		}
		line_error(e, line, "unknown section [%.*s] (expected [cnprocd] or [rule NAME])",
			   (int)l, b);
		return 0;
	}
	return 0;
}

/* inih's parse of text; returns its result, message of the first handler error in *s */
static int ini_run(Config *c, const char *file, const char *text, ParseState *s)
{
	*s = (ParseState){ .config = c, .file = file };
	return ini_parse_string(text, handler, s);
}

/* The first n lines of text. */
static char *text_lines(const char *text, unsigned n)
{
	const char *p = text;

	for (unsigned i = 0; i < n && *p; i++)
		p = *strchrnul(p, '\n') ? strchrnul(p, '\n') + 1 : strchrnul(p, '\n');
	return strndup(text, (size_t)(p - text));
}

/*
 * inih returns the line of the first error but does not tell the handler which
 * line it is on, and syntax errors never reach the handler. Re-parse the text up
 * to that line alone: if the handler fails there, the message is about that line;
 * otherwise the line is a syntax error.
 */
static int explain_line(const char *file, const char *text, unsigned line, LineError *e)
{
	_cleanup_free_ char *prefix = text_lines(text, line);
	LineError pe = {};
	ParseState s;
	Config tmp;
	int r;

	if (!prefix)
		return -ENOMEM;
	config_init(&tmp);
	r = prescan(&tmp, file, prefix, &pe);
	if (r >= 0)
		r = ini_run(&tmp, file, prefix, &s);
	config_done(&tmp);
	if (r == -2 || r == -ENOMEM)
		return -ENOMEM;
	if ((unsigned)r == line && s.message[0])
		line_error(e, line, "%s", s.message);
	else
		line_error(e, line, "syntax error (expected [section], key = value or a comment)");
	return 0;
}

static int parse_text(Config *c, const char *file, const char *text, ConfigError *err)
{
	_cleanup_free_ char *head = NULL;
	LineError e = {};
	ParseState s;
	int r;

	r = prescan(c, file, text, &e);
	if (r < 0)
		return r;
	/* inih sees only the lines before a pre-scan error: its errors there come first */
	if (e.line) {
		head = text_lines(text, e.line - 1);
		if (!head)
			return -ENOMEM;
	}
	r = ini_run(c, file, head ?: text, &s);
	if (r == -2)
		return -ENOMEM;
	if (r > 0) {
		LineError ie = {};

		if (explain_line(file, head ?: text, (unsigned)r, &ie) < 0)
			return -ENOMEM;
		e = ie;
	}
	for (size_t i = 0; !e.line && i < c->rules.n; i++) {
		Rule *rule = c->rules.rules[i];
		char why[256];

		if (strcmp(rule->file, file) == 0 && rule_validate(rule, why, sizeof(why)) < 0)
			line_error(&e, rule->line, "rule %s: %s", rule->name, why);
	}
	if (e.line) {
		snprintf(err->file, sizeof(err->file), "%s", file);
		err->line = e.line;
		snprintf(err->message, sizeof(err->message), "%s", e.message);
		return -EINVAL;
	}
	hash_bytes(&c->hash, file, strlen(file) + 1);
	hash_bytes(&c->hash, text, strlen(text));
	c->n_files++;
	return 0;
}

static void error_set(ConfigError *err, const char *file, const char *fmt, ...)
	_printf_format_(3, 4);
static void error_set(ConfigError *err, const char *file, const char *fmt, ...)
{
	va_list ap;

	snprintf(err->file, sizeof(err->file), "%s", file);
	err->line = 0;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static int read_text(const char *path, char **ret, ConfigError *err)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	char buf[4096];
	size_t size = 0, n;
	struct stat st;

	/* a FIFO or a device could block the open or the reads, and the daemon's
	 * event loop with them: only regular files are read, opened without waiting */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int r = -errno;
		error_set(err, path, "cannot read: %s", strerror(-r));
		return r;
	}
	/* /dev/null is the usual way to say "no configuration": it never blocks */
	if (!S_ISREG(st.st_mode) &&
	    !(S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3)) {
		error_set(err, path, "not a regular file (%s): refusing to read it",
			  S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISDIR(st.st_mode) ? "a directory" :
			  S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "a socket");
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	f = fdopen(fd, "re");
	if (!f) {
		int r = -errno;
		error_set(err, path, "cannot read: %s", strerror(-r));
		return r;
	}
	TAKE_FD(fd);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		char *t;

		/* a config is small; refuse to slurp something that is not one */
		if (size + n > CONFIG_MAX_SIZE) {
			error_set(err, path, "larger than %u bytes: not a configuration file",
				  CONFIG_MAX_SIZE);
			return -EFBIG;
		}
		t = realloc(text, size + n + 1);
		if (!t)
			return -ENOMEM;
		text = t;
		memcpy(text + size, buf, n);
		size += n;
	}
	if (ferror(f)) {
		int r = -errno;
		error_set(err, path, "cannot read: %s", strerror(-r));
		return r;
	}
	if (!text && !(text = strdup("")))
		return -ENOMEM;
	text[size] = 0;
	if (memchr(text, 0, size)) {
		error_set(err, path, "contains a NUL byte: not a text file");
		return -EINVAL;
	}
	*ret = TAKE_PTR(text);
	return 0;
}

static int parse_file(Config *c, const char *path, ConfigError *err)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = read_text(path, &text, err);
	if (r < 0)
		return r;
	r = parse_text(c, path, text, err);
	if (r == -ENOMEM)
		error_set(err, path, "out of memory");
	return r;
}

static int dropin_filter(const struct dirent *de)
{
	size_t l = strlen(de->d_name);

	return de->d_name[0] != '.' && l > 5 && strcmp(de->d_name + l - 5, ".conf") == 0;
}

static int dropin_compare(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int parse_dropins(Config *c, const char *path, ConfigError *err)
{
	_cleanup_free_ char *dir = NULL;
	struct dirent **list = NULL;
	int n, r = 0;

	if (asprintf(&dir, "%s.d", path) < 0)
		return -ENOMEM;
	n = scandir(dir, &list, dropin_filter, dropin_compare);
	if (n < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		r = -errno;
		error_set(err, dir, "cannot read directory: %s", strerror(-r));
		return r;
	}
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *p = NULL;

		if (r == 0) {
			if (asprintf(&p, "%s/%s", dir, list[i]->d_name) < 0)
				r = -ENOMEM;
			else
				r = parse_file(c, p, err);
		}
		free(list[i]);
	}
	free(list);
	return r;
}

/* After every file: rules without their own rate limit get the [cnprocd] one (which
 * a later drop-in may have changed), each with a window of its own. */
static void config_finish(Config *c)
{
	for (size_t i = 0; i < c->rules.n; i++)
		if (!c->rules.rules[i]->rate_set)
			c->rules.rules[i]->rate = (RateLimit){ .burst = c->default_rate.burst,
							       .interval = c->default_rate.interval };
}

int config_load(const char *path, bool required, Config *ret, ConfigError *err)
{
	Config c;
	int r;

	config_init(&c);
	r = parse_file(&c, path, err);
	if (r == -ENOENT && !required)
		r = 0;
	if (r == 0)
		r = parse_dropins(&c, path, err);
	if (r < 0) {
		config_done(&c);
		return r;
	}
	config_finish(&c);
	*ret = c;
	return 0;
}

int config_load_string(const char *name, const char *text, Config *ret, ConfigError *err)
{
	Config c;
	int r;

	config_init(&c);
	r = parse_text(&c, name, text, err);
	if (r < 0) {
		if (r == -ENOMEM)
			error_set(err, name, "out of memory");
		config_done(&c);
		return r;
	}
	config_finish(&c);
	*ret = c;
	return 0;
}

void config_print(const Config *c, FILE *f)
{
	fprintf(f, "[cnprocd]  # %u file(s), hash %016llx\n", c->n_files,
		(unsigned long long)c->hash);
	config_settings_print(c, f);

	for (size_t i = 0; i < c->rules.n; i++) {
		const Rule *r = c->rules.rules[i];
		_cleanup_free_ char *d = rule_describe(r);

		fprintf(f, "\n[rule %s]  # %s:%u, evaluated #%zu\n", r->name, r->file, r->line,
			i + 1);
		fprintf(f, "match: %s\n", d ?: "?");
		fprintf(f, "action = %s\n", rule_action_to_string(r->action));
		if (r->action == RULE_ACTION_LOG) {
			fprintf(f, "priority = %s\n", priority_to_string(r->priority));
			fputs("rate-limit = ", f);
			rate_limit_print(f, &r->rate);
			fputs(r->rate_set ? "\n" : "  # the [cnprocd] default\n", f);
			if (r->record_exit)
				fputs("record-exit = yes\n", f);
		}
	}
}

void config_error_print(const ConfigError *err)
{
	if (err->line > 0)
		log_error("%s:%u: %s", err->file, err->line, err->message);
	else
		log_error("%s: %s", err->file, err->message);
}
