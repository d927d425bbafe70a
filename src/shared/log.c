/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging to the console or the journal (log.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdbool.h>
#include <sys/uio.h>

#include "jwriter.h"
#include "log.h"
#include "util.h"

static LogTarget log_target = LOG_TARGET_CONSOLE;
/* errors also go to stderr when the journal is the target but stderr is not the
 * journal: whoever started the daemon from a terminal sees why it stopped */
static bool errors_to_stderr;
static int log_max_level = LOG_INFO;

static const char *const log_target_table[_LOG_TARGET_MAX] = {
	[LOG_TARGET_AUTO] = "auto",
	[LOG_TARGET_CONSOLE] = "console",
	[LOG_TARGET_JOURNAL] = "journal",
};

const char *log_target_to_string(LogTarget t)
{
	return t >= 0 && t < _LOG_TARGET_MAX ? log_target_table[t] : NULL;
}

LogTarget log_target_from_string(const char *s)
{
	for (int i = 0; s && i < _LOG_TARGET_MAX; i++)
		if (strcmp(s, log_target_table[i]) == 0)
			return (LogTarget)i;
	return _LOG_TARGET_INVALID;
}

/* systemd sets JOURNAL_STREAM=DEV:INODE for the stream it connected to stderr;
 * an inherited variable whose stream is no longer our stderr does not count */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

LogTarget log_target_resolve(LogTarget t)
{
	if (t != LOG_TARGET_AUTO)
		return t;
	return stderr_is_journal() ? LOG_TARGET_JOURNAL : LOG_TARGET_CONSOLE;
}

void log_setup(LogTarget target, int max_level)
{
	log_target = log_target_resolve(target);
	log_max_level = max_level;
	errors_to_stderr = log_target == LOG_TARGET_JOURNAL && !stderr_is_journal();
}

int log_internal(int level, int error, const char *file, int line, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	error = abs(error);
	if (level > log_max_level)
		return -error;

	/* %m must see the caller's error, not whatever errno is by now */
	errno = error;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (log_target == LOG_TARGET_JOURNAL) {
		char m[sizeof(msg) + 8], f[4][64];
		struct iovec iov[5];
		size_t n = 0;

		snprintf(m, sizeof(m), "MESSAGE=%s", msg);
		snprintf(f[0], sizeof(f[0]), "PRIORITY=%d", level);
		snprintf(f[1], sizeof(f[1]), "CODE_FILE=%s", file);
		snprintf(f[2], sizeof(f[2]), "CODE_LINE=%d", line);
		snprintf(f[3], sizeof(f[3]), "ERRNO=%d", error);
		iov[n++] = (struct iovec){ .iov_base = m, .iov_len = strlen(m) };
		for (int i = 0; i < (error ? 4 : 3); i++)
			iov[n++] = (struct iovec){ .iov_base = f[i], .iov_len = strlen(f[i]) };
		/* through the journal writer: never blocks on a stalled journald */
		(void)jwriter_sendv(iov, n);
	}
	if (log_target != LOG_TARGET_JOURNAL || (errors_to_stderr && level <= LOG_ERR)) {
		/* names, arguments and config values end up in messages: a terminal
		 * must not take their control bytes as commands */
		fputs("cnprocd: ", stderr);
		fputs_escaped(stderr, msg, strlen(msg));
		fputc('\n', stderr);
	}

	return -error;
}
