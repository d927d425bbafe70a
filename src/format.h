/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Rendering of event records and process entries for the console and as JSON. */

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "cnproc.h"
#include "proctable.h"
#include "record.h"

/* One readable line, control characters escaped, newline-terminated. */
void format_event_console(FILE *f, const EventRecord *rec);
/* The same without timestamp and newline: the journal's MESSAGE. */
void format_event_message(FILE *f, const EventRecord *rec);
json_t *format_event_json(const EventRecord *rec);

void format_process_console(FILE *f, const Process *p, const char *user, bool record_argv);
/* A table entry, as io.cnprocd.Monitor's Process type. */
json_t *format_process_json(const Process *p, const char *user, const char *login_user,
			    bool record_argv);

/* argv as a JSON array of strings (invalid UTF-8 escaped as \xNN). */
json_t *format_argv_json(const char *argv, size_t len);
/* Every process of the table, one line (or JSON object) each: SIGUSR1, --dump. */
void format_table(FILE *f, const ProcTable *t, bool json, bool record_argv);
