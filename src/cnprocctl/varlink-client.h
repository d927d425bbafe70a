/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A small blocking varlink client: one connection, one call at a time, each
 * message a JSON object followed by a NUL byte.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct Conn {
	int fd;
	const char *path;
	char *buf;
	size_t size, alloc;
} Conn;

typedef struct Reply {
	json_t *msg;
	json_t *params; /* borrowed from msg; never NULL after a successful read */
	const char *error;
	bool continues;
} Reply;

/* c starts as { .fd = -1 }. */
int conn_open(Conn *c, const char *path);
void conn_done(Conn *c);

/* Send a call; params is consumed. more: ask for a stream of replies. */
int conn_call(Conn *c, const char *method, json_t *params, bool more);
/* Read the next reply. -ECONNRESET: the daemon closed the connection; -EINTR: a
 * stop signal arrived (setup_stop_signals()). */
int conn_read_reply(Conn *c, Reply *ret);
/* One call, one reply; params is consumed. */
int conn_method(Conn *c, const char *method, json_t *params, Reply *ret);
void reply_done(Reply *r);

/* The message and exit status for a failed conn_open() ... */
int connect_error(int r, const char *path);
/* ... for a connection that failed after it ... */
int transport_error(const Conn *c, int r);
/* ... and for an error reply nobody expected: its name and parameters. */
int error_reply(const Reply *rep, const char *method);

/* SIGINT/SIGTERM end a wait for a reply with -EINTR instead of the program: they
 * stay blocked except while waiting, so none is lost. Teardown restores the
 * defaults. */
int setup_stop_signals(void);
void teardown_stop_signals(void);
