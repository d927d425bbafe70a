/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <syslog.h>

#include "macro.h"

typedef enum LogTarget {
	LOG_TARGET_AUTO,
	LOG_TARGET_CONSOLE,
	LOG_TARGET_JOURNAL,
	_LOG_TARGET_MAX,
	_LOG_TARGET_INVALID = -1,
} LogTarget;

const char *log_target_to_string(LogTarget t);
LogTarget log_target_from_string(const char *s);
/* AUTO -> JOURNAL when stderr is connected to journald ($JOURNAL_STREAM), else CONSOLE */
LogTarget log_target_resolve(LogTarget t);

/*
 * Diagnostic messages about the daemon itself (not event records). The target and
 * level are process-wide on purpose: they are set once from the command line and
 * every module logs through them, like systemd's log.c.
 */
void log_setup(LogTarget target, int max_level);

/* Returns -abs(error) so callers can `return log_error_errno(r, "...")`. */
int log_internal(int level, int error, const char *file, int line, const char *fmt, ...)
	_printf_format_(5, 6);

#define log_full_errno(level, error, ...)                                                  \
	log_internal(level, error, __FILE__, __LINE__, __VA_ARGS__)
#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)
#define log_oom() log_full_errno(LOG_ERR, ENOMEM, "Out of memory.")
