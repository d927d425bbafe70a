/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Structured records to journald (sd-journal's native protocol, binary-safe). */

#include <stdio.h>

#include "cnproc.h"
#include "format.h"
#include "log.h"

/* Stable 128-bit MESSAGE_IDs, explained in systemd/cnprocd.catalog. */
#define CNPROCD_MESSAGE_FORK "81a5981a816e4a8087db43aa5c3125aa"
#define CNPROCD_MESSAGE_EXEC "daabd34234a849eaa2f947d7db21290a"
#define CNPROCD_MESSAGE_UID "a1d26f1c3edf425b82389bab33410f71"
#define CNPROCD_MESSAGE_GID "64e45180bedc41fd9ad705e9974b3c2c"
#define CNPROCD_MESSAGE_SID "09e89f0dac5c44868c8cc33d9907e613"
#define CNPROCD_MESSAGE_PTRACE "fef9efceeb4d4a479021bd3aecd827fd"
#define CNPROCD_MESSAGE_COMM "612352ee937b4a31866d1e93b8f256b4"
#define CNPROCD_MESSAGE_COREDUMP "2a8a48bebf9b45d5a6a59badf4efe70f"
#define CNPROCD_MESSAGE_EXIT "7a6b08e0fe1a4212b66ff458fac579e7"
#define CNPROCD_MESSAGE_STARTED "acfe3edfaca44d72a237845732944cfd"
#define CNPROCD_MESSAGE_RULES_LOADED "23612f01a344463bb71738e4e2e7b435"
#define CNPROCD_MESSAGE_RELOAD_FAILED "21c7f4b2671e4ab4b12c3438b4e7d83f"
#define CNPROCD_MESSAGE_SUPPRESSED "f528f3ab055e486aa85b214765b6b1b3"
#define CNPROCD_MESSAGE_LOST "335c12350979444bba34f0335171d2fc"
#define CNPROCD_MESSAGE_JOURNAL_DROPPED "125e9321aa3d4e769d020b6b60220917"
#define CNPROCD_MESSAGE_TABLE_FULL "af2fff72a4ad4d62a3a0ba48b2f9e1fe"
#define CNPROCD_MESSAGE_TABLE_ROOM "cff9d38accab430b9a1a95d68714bc9f"
#define CNPROCD_MESSAGE_STOPPING "7e8844e7b7074575902cce4a82aeafff"

const char *journal_message_id(ProcEventType t);

#define RECORD_MAX_FIELDS 48

/* A record under construction: fields are appended to one memory stream. */
typedef struct Record {
	FILE *f;
	char *buf;
	size_t size;
	size_t off[RECORD_MAX_FIELDS];
	size_t len[RECORD_MAX_FIELDS];
	unsigned n;
	int priority;
	int message_field; /* index of MESSAGE=, -1 if none yet */
} Record;

int record_begin(Record *r, int priority, const char *message_id);
/* Append "NAME=value" formatted; value bytes are kept as they are. */
void record_field(Record *r, const char *fmt, ...) _printf_format_(2, 3);
void record_bytes(Record *r, const char *name, const char *value, size_t len);
void record_message(Record *r, const char *fmt, ...) _printf_format_(2, 3);
/* More text for MESSAGE=, right after record_message() (before any other field). */
void record_message_append(Record *r, const char *fmt, ...) _printf_format_(2, 3);
/*
 * Send to journald, or with LOG_TARGET_CONSOLE print the MESSAGE as a log line on
 * stderr. Frees the record either way.
 */
int record_send(Record *r, LogTarget target);
void record_discard(Record *r);
/* Close the record's stream without sending it: field i is then the len[i] bytes at
 * buf + off[i]. record_discard() frees it. */
int record_end(Record *r);

/* One event's record, begun in *r (the caller sends or discards it). */
int journal_event_record(const EventRecord *rec, Record *r);
/* One event record to journald. */
int journal_send_event(const EventRecord *rec);
