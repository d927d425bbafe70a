/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * `cnprocctl report`'s pure core: aureport-like summaries of cnprocd's records.
 * Fed the window's records one by one (report_add()), it keeps counts per key
 * (memory grows with the distinct users, units, executables... seen, not with the
 * records) and prints them as a summary and tables, or as one JSON object.
 *
 * Tables, by the name --by takes (the JSON object's "tables" uses the same
 * names):
 *   user        execs by user (the user name, else the uid; "?" unknown)
 *   login-user  execs by login user (the name, else the loginuid; "-" not
 *               logged in; "?" unknown)
 *   unit        execs by systemd unit ("-" none)
 *   exe         execs by executable ("[comm]" when it is unknown)
 *   container   execs in containers, by "runtime:name" (else the id's first 12
 *               characters, as ps shows it); execs outside containers are not in it
 *   failures    failures by kind: "exit code N" (exits with a non-zero code),
 *               "killed by SIGxxx" (exits by a signal), "core dump" (coredump
 *               records). A process that dumps core is two failures: its core
 *               dump and its killing signal.
 *   failed-unit failures by unit
 *   failed-exe  failures by executable
 *   privilege   uid and gid changes, by "LOGIN: EXE → euid N (NAME)" or
 *               "LOGIN: EXE → egid N": the login user (it survives setuid) and
 *               the program that changed its ids. The record does not hold the
 *               user before the change: cnprocd names the process's euid after
 *               applying the event.
 *   rule        process-event records by the rule that recorded them
 *               ("(default)": no rule, as cnprocd names it)
 *   suppressed  records the rules' rate limits suppressed, by rule
 *   lost        lost-event episodes, biggest first, by "START – END"
 *   host        records by host (_HOSTNAME; "?" unknown)
 *
 * Every table is sorted by count, descending, then by key (bytewise), and the
 * rows past the top N are folded into one last row "… N others" holding their
 * total, so a table's counts always add up to its total (execs, failures,
 * ...). Keys are shown escaped as cnprocctl shows any of the daemon's strings
 * (fput_escaped()); in JSON too, so text and JSON agree.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "jrecord.h"

/* rows per table when --top is not given */
#define REPORT_TOP_DEFAULT 10
/* The biggest lost-event episodes kept (the rest are only counted): episodes
 * are one a record, and memory must not grow with the records. */
#define REPORT_EPISODES_KEPT 100

typedef struct Report Report;

/* NULL on ENOMEM. */
Report *report_new(void);
void report_free(Report *rep);

/* One record (from jrecord_finish() == 0; its strings are copied as needed).
 * 0, or -ENOMEM (the report may then have counted part of the record: give it
 * up), -EINVAL for NULL. */
int report_add(Report *rep, const JRecord *r);

/* Whether by names a table (--by's argument). */
bool report_key_known(const char *by);
/* The table names in the order the report prints them, NULL past the last: for
 * --help and for the message refusing an unknown --by. */
const char *report_key_name(size_t i);

/*
 * by: one table only (text: its title and rows, no summary); NULL: the summary
 * and every table. top: rows per table before "… N others"; 0: the default
 * (REPORT_TOP_DEFAULT); negative: all rows (of lost episodes, all kept).
 */
/* 0, -EINVAL (unknown by), -ENOMEM, -EIO (writing f failed). */
int report_print(Report *rep, FILE *f, const char *by, long long top);
/*
 * {"window": {"first_usec", "last_usec", "first", "last"} or null,
 *  "totals": {"records", "process_events", "execs", "exits", "failures",
 *             "privilege_changes", "suppressed", "lost", "lost_episodes",
 *             "starts", "hosts"},
 *  "tables": {NAME: [{"key": KEY, "count": N}, ...], ...}}
 * with only the table by names under "tables" when by is given. The folded row
 * is {"key": "… N others", "count": THEIR_TOTAL, "others": N}; a lost episode's
 * row has "start_usec" and "end_usec" besides. NULL on ENOMEM or unknown by
 * (check report_key_known() first).
 */
json_t *report_json(Report *rep, const char *by, long long top);
