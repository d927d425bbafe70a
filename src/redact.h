/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Argument redaction for the configuration key "redact-argv = PATTERN...": secrets
 * passed on command lines (--password=hunter2) must not land in records. Pure: no
 * I/O, works on the raw /proc/PID/cmdline buffer (arguments separated by NUL, the
 * last one NUL-terminated unless the buffer was truncated).
 *
 * A pattern is a shell glob (fnmatch(3), no flags: '*' also matches '/' and '=')
 * and has one of three forms, told apart by its text:
 *
 *   NAME=*    ends in "=*". A matching argument keeps its text up to and including
 *             its first '=', the rest becomes ***:
 *                 --password=*     --password=hunter2  ->  --password=***
 *                 --*token=*       --api-token=abc     ->  --api-token=***
 *
 *   OPTION    no glob character (* ? [ \). The argument after one that is exactly
 *             OPTION becomes ***, and OPTION=value is redacted like OPTION=*:
 *                 --password       --password hunter2  ->  --password ***
 *                                  --password=hunter2  ->  --password=***
 *
 *   GLOB      anything else. A matching argument becomes *** as a whole:
 *                 -p?*             -phunter2           ->  ***
 *                 *:*@*            https://u:pw@host   ->  ***
 *
 *   ("-p" alone is an OPTION: it redacts the next argument. To cover both
 *    "mysql -p secret" and "mysql -psecret", give both "-p" and "-p?*".)
 *
 * argv[0] is never redacted: it names the program. Patterns are tried in the order
 * given and the first one that matches an argument decides. An argument consumed as
 * an OPTION's value is replaced and not itself matched again. The replacement hides
 * the length of the secret, so the result may be longer than the input.
 */

#include <stddef.h>

#define REDACT_MARKER "***"

typedef enum RedactKind {
	REDACT_VALUE, /* NAME=*: keep up to the first '=', replace the value */
	REDACT_NEXT,  /* OPTION: replace the following argument (and OPTION=value) */
	REDACT_WHOLE, /* GLOB: replace the matching argument */
} RedactKind;

/* Which form a pattern has (see above). */
RedactKind redact_pattern_kind(const char *pattern);
const char *redact_kind_to_string(RedactKind k);

/* 0 if pattern can be used, -EINVAL if not (NULL or empty). For the config parser. */
int redact_pattern_check(const char *pattern);

/*
 * Redact the len bytes of argv (NUL-separated, as read from /proc/PID/cmdline).
 * Returns the number of arguments replaced. When it is > 0, *ret is a newly
 * allocated buffer of *ret_len bytes with the same layout (a final NUL exactly when
 * the input had one); when it is 0, *ret is NULL, *ret_len 0 and the input stays
 * valid as it is. -ENOMEM on allocation failure, -EINVAL on a NULL argument.
 */
int argv_redact(const char *argv, size_t len, char *const *patterns, size_t n_patterns,
		char **ret, size_t *ret_len);
