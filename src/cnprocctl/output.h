/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * How cnprocctl writes things out: its error messages and exit statuses, the
 * daemon's fields read and escaped, tables, and processes as a forest.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "macro.h"

/* besides EXIT_SUCCESS and EXIT_FAILURE */
enum {
	EXIT_USAGE = 2,
	EXIT_NOT_RUNNING = 3,
	EXIT_PERMISSION = 4,
};

/* "cnprocctl: MESSAGE" on stderr */
_printf_format_(1, 2) void log_error(const char *fmt, ...);

/* A field of a reply: a string (NULL if absent or not one), an integer. */
const char *jstr(json_t *o, const char *key);
bool jint(json_t *o, const char *key, long long *ret);
long long jnum(json_t *o, const char *key); /* 0 if absent */

/* The daemon's event type names, in the order cnprocctl lists them: NULL past the
 * last. Known types are these ("none", an ACK, is none of them). */
const char *event_type_shown(size_t i);
bool event_type_known(const char *s);

/* A string from the daemon, escaped (fputs_escaped()); NULL on ENOMEM. */
char *escaped(const char *s);
void fput_escaped(FILE *f, const char *s);
/* Text the daemon escaped already (a MESSAGE, a CNPROCD_CMDLINE): its backslashes
 * are its escapes and stay; control characters and invalid UTF-8 are escaped all
 * the same, since a journal (another machine's) may hold anything. */
void fput_text(FILE *f, const char *s);
/* Command-line arguments joined by blanks; quote: in "…" when they have blanks or
 * quotes or are empty. */
void fput_argv(FILE *f, json_t *argv, bool quote);
/* A reply as it came, indented on a terminal; -EIO on failure. */
int print_json(json_t *v);

/* --- tables --- */

typedef struct Table {
	size_t n_cols;  /* at most 16 */
	unsigned right; /* bit per column: right-aligned */
	char **cells;
	size_t n_cells, alloc;
} Table;

void table_done(Table *t);
/* Takes ownership of cell; NULL means out of memory. Returns 0 or -ENOMEM. */
int table_add(Table *t, char *cell);
_printf_format_(2, 3) int table_addf(Table *t, const char *fmt, ...);
/* a string from the daemon, escaped; "-" when absent */
int table_add_escaped(Table *t, const char *s);
int table_add_headers(Table *t, const char *const *headers);
/* -l/--full: tables are never cut at the terminal's edge (like ps -ww) */
void output_set_full(bool full);
/* Columns padded to their widest cell; the last one unpadded and, on a terminal,
 * cut at its right edge (unless --full). */
void table_print(const Table *t, FILE *f, size_t indent);

/* --- process forests --- */

/* Process objects in pid order, as table_add_forest() wants them. */
void processes_sort(json_t **procs, size_t n);
/* Adds one process's row; prefix (the tree drawing) goes before its command. */
typedef int (*ProcessRowFunc)(Table *t, json_t *proc, const char *prefix);
/* The processes (sorted) as a forest of parents and children, a row each, depth
 * first. Processes whose parent is not listed are roots. */
int table_add_forest(Table *t, json_t **procs, size_t n, ProcessRowFunc row);
