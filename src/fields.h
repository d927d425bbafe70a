/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The one description of a record's fields: for each, its JSON key, journal
 * field, console label, which events carry it, whether it is sensitive, where it
 * stands in each output, and the function that reads its value. The console line,
 * the JSON record (also each Subscribe event), the journal record and the varlink
 * Process are all produced from this table (format.c, journal.c): adding a field
 * is one entry plus its getter.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

typedef enum FieldOutput {
	FIELD_CONSOLE, /* the readable line (and the journal's MESSAGE=) */
	FIELD_JSON,    /* the JSON record of an event */
	FIELD_JOURNAL, /* the journal record's CNPROCD_* fields */
	FIELD_PROCESS, /* a table entry: io.cnprocd.Monitor's Process type */
	_FIELD_OUTPUT_MAX,
} FieldOutput;

typedef enum FieldKind {
	FV_ABSENT, /* not in this record */
	FV_NULL,   /* JSON null (absent elsewhere) */
	FV_INT,
	FV_UINT,
	FV_BOOL,   /* the journal writes only true, as 1 */
	FV_STR,    /* s, len bytes; escaped on the console, as is in the journal */
	FV_ARGV,   /* s, len bytes of NUL-separated arguments */
	FV_TEXT,   /* console only: s is printed as it is, without a label */
	FV_JSON,   /* JSON and Process only: json, a json_t * the renderer takes over */
} FieldKind;

typedef struct FieldValue {
	FieldKind kind;
	int64_t i;
	uint64_t u;
	bool b;            /* FV_BOOL; FV_ARGV: truncated */
	const char *s;
	size_t len;
	char buf[64];      /* s may point here */
	char *owned;       /* s may point here: freed after use */
	void *json;        /* FV_JSON; released after use unless taken */
} FieldValue;

enum {
	FIELD_OF_PROCESS = 1 << 0, /* read from the table entry: absent when untracked */
	FIELD_SENSITIVE = 1 << 1,  /* a command line: written only with record-argv */
	/* how the journal's text of the field becomes its JSON value again (readers
	 * of the journal: cnprocctl log); a string otherwise */
	FIELD_NUMBER = 1 << 2,     /* an integer */
	FIELD_FLAG = 1 << 3,       /* true ("1") */
	FIELD_WORDS = 1 << 4,      /* an array of the blank-separated words */
};

typedef struct RecordField {
	const char *json;     /* key in JSON and in Process */
	const char *journal;  /* journal field name */
	const char *label;    /* console label ("" for an unlabelled value) */
	uint32_t events;      /* event types that carry it (1 << type); 0: every type */
	unsigned flags;
	/* place in each output, lowest first; 0: not in that output */
	uint16_t pos[_FIELD_OUTPUT_MAX];
	/* the value for out; ret is zeroed (FV_ABSENT) before. rec->ev is NULL for
	 * FIELD_PROCESS */
	void (*get)(const EventRecord *rec, FieldOutput out, FieldValue *ret);
} RecordField;

/* The fields of out in their order there (for FIELD_JSON the table's order);
 * *ret_n set to how many. */
const RecordField *const *record_fields(FieldOutput out, size_t *ret_n);

/* Whether f has a value in rec for out: the event type, a tracked process and
 * record-argv allow it; then v holds it. Release v with field_value_done(). */
bool record_field_get(const RecordField *f, const EventRecord *rec, FieldOutput out,
		      FieldValue *v);
void field_value_done(FieldValue *v);

/* A string as JSON: itself if valid UTF-8, else the array of its bytes (0-255),
 * as journalctl -o json writes such fields: unambiguous, and it round-trips. */
struct json_t;
struct json_t *field_bytes_json(const char *s, size_t len);
