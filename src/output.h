/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Where event records go - readable lines or JSON on stdout, or journald - and
 * what became of them: written, or failed (a full or closed stdout, journald
 * refusing them). A closed stdout ends the event loop, as SIGTERM does. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-event.h>

#include "record.h"

typedef enum OutputMode {
	OUTPUT_CONSOLE, /* one readable line per record on stdout */
	OUTPUT_JSON,    /* one JSON object per line on stdout */
	OUTPUT_JOURNAL, /* structured records to journald */
} OutputMode;

typedef struct Output {
	OutputMode mode;
	FILE *f;            /* stdout, line-buffered */
	sd_event *event;    /* told to exit when stdout's reader is gone */
	uint64_t n_written; /* records written */
	uint64_t n_failed;  /* records that could not be */
	bool failure_said;  /* the first failure is logged, not every one */
} Output;

void output_record(Output *o, const EventRecord *rec);
/* After a batch: what stdio holds goes out. */
void output_flush(Output *o);
