/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A command line as one line of text, the way a shell user reads it, and back:
 * arguments separated by one blank, an argument with blanks or quotes (or an
 * empty one) in "…" with its quotes as \", and inside or out every byte that is
 * not printable UTF-8 (and the backslash) escaped as \n \t \r \\ \xNN. The
 * console shows it and the journal's CNPROCD_CMDLINE holds it: readable in
 * journalctl, and lossless, so cnprocctl log rebuilds the exact argv.
 */

#include <stdio.h>

/* One word of a line, escaped; in "…" if it has blanks or quotes or is empty. */
void fput_word(FILE *f, const char *s, size_t len);
/* argv as /proc/PID/cmdline has it (NUL-separated, usually NUL-terminated) */
void fputs_argv(FILE *f, const char *argv, size_t len);
/* the same as a new string; NULL on ENOMEM */
char *argv_quoted(const char *argv, size_t len);
/* The line back as argv: the arguments each followed by a NUL, as
 * /proc/PID/cmdline has them (*ret_len bytes; format_argv_json() makes the
 * record's JSON of it); NULL on ENOMEM. Any text is accepted: an escape it does
 * not know is kept as it is. */
char *argv_unquote(const char *s, size_t len, size_t *ret_len);
