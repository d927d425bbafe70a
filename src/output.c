/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Event records to stdout or journald, counted written or failed (output.h). */
#include <errno.h>
#include <systemd/sd-daemon.h>

#include "format.h"
#include "journal.h"
#include "log.h"
#include "output.h"

/* A record did not reach stdout: counted apart from those written, said once; a
 * reader that went away (a closed pipe) ends the daemon cleanly, as SIGTERM does. */
static void output_failed(Output *o, int error)
{
	o->n_failed++;
	if (!o->failure_said) {
		log_error_errno(error, "Cannot write records to stdout: %m%s",
				error == EPIPE ? "; its reader is gone, stopping." :
						 " (counted as records_failed).");
		o->failure_said = true;
	}
	if (error == EPIPE && o->event) {
		(void)sd_notify(false, "STOPPING=1");
		(void)sd_event_exit(o->event, 0);
	}
}

/* Whether the line just written reached stdout (it is line-buffered). */
static bool output_ok(Output *o)
{
	int error = errno;

	if (!ferror(o->f))
		return true;
	clearerr(o->f);
	output_failed(o, error ?: EIO);
	return false;
}

static bool output_json(Output *o, json_t *j)
{
	bool ok;

	errno = 0;
	if (!j) {
		o->n_failed++;
		return false;
	}
	ok = json_dumpf(j, o->f, JSON_COMPACT) == 0 && fputc('\n', o->f) != EOF;
	json_decref(j);
	return output_ok(o) && ok;
}

void output_record(Output *o, const EventRecord *rec)
{
	bool ok = true;

	switch (o->mode) {
	case OUTPUT_JSON:
		ok = output_json(o, format_event_json(rec));
		break;
	case OUTPUT_CONSOLE:
		errno = 0;
		format_event_console(o->f, rec);
		ok = output_ok(o);
		break;
	case OUTPUT_JOURNAL:
		if (journal_send_event(rec) < 0) {
			o->n_failed++;
			ok = false;
		}
		break;
	}
	if (ok)
		o->n_written++;
}

void output_flush(Output *o)
{
	if (o->mode != OUTPUT_JOURNAL && fflush(o->f) == EOF)
		(void)output_ok(o);
}
