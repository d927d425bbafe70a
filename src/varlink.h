/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A generic varlink server (https://varlink.org/Interface-Definition) on sd-event
 * and jansson: NUL-terminated JSON messages over a unix stream socket. It knows
 * nothing about cnprocd; interfaces register methods by their full name.
 *
 * One call at a time per connection, as the protocol requires: pipelined calls
 * wait in the input buffer and are answered in order. Every connection has limits
 * on input (message size) and output (queued bytes); a client exceeding one is
 * disconnected, never allowed to stall the daemon.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "macro.h"

typedef struct VarlinkServer VarlinkServer;
typedef struct VarlinkCall VarlinkCall;

enum {
	VARLINK_CALL_MORE = 1 << 0,   /* the client asked for "more" */
	VARLINK_CALL_ONEWAY = 1 << 1, /* no reply is wanted */
};

/*
 * A method implementation: answer with varlink_call_reply()/varlink_call_error()
 * now or later (the call stays valid until its final reply or the disconnect
 * callback). parameters is a JSON object (empty if absent). A negative return
 * makes the server answer with a generic error (and the call is finished).
 */
typedef int (*varlink_method_t)(VarlinkCall *call, json_t *parameters, unsigned flags,
				void *userdata);

typedef struct VarlinkMethod {
	const char *name; /* without the interface, e.g. "GetStats" */
	varlink_method_t callback;
} VarlinkMethod;

typedef struct VarlinkInterface {
	const char *name;        /* e.g. "io.cnprocd.Monitor" */
	const char *description; /* the interface definition (IDL) text */
	const VarlinkMethod *methods;
	size_t n_methods;
} VarlinkInterface;

typedef struct VarlinkServerInfo {
	const char *vendor, *product, *version, *url;
} VarlinkServerInfo;

typedef struct VarlinkLimits {
	unsigned max_connections;
	unsigned max_connections_per_uid;
	size_t max_message; /* bytes of one incoming message */
	size_t max_output;  /* bytes queued for one client; one reply may be larger... */
	usec_t stall_usec;  /* ...but is then disconnected if unread this long (10 s) */
	size_t max_output_total; /* bytes queued for all clients (16 x max_output) */
	unsigned reserved_for_root; /* of max_connections, only uid 0 may use these; root
				     * has no per-uid limit, and takes the slot of an
				     * idle client when all are used */
	usec_t idle_usec;   /* a connection with no call and nothing to send is closed
			     * after this long (0: never) */
	const char *refused_error; /* sent to a refused client before the close */
} VarlinkLimits;

typedef struct VarlinkServerStats {
	uint64_t n_accepted;
	uint64_t n_refused;          /* over a connection limit */
	uint64_t n_protocol_errors;  /* malformed messages: disconnected */
	uint64_t n_oversized;        /* message or output over its limit: disconnected */
	uint64_t n_idle;             /* idle too long: disconnected */
	uint64_t n_calls;
} VarlinkServerStats;

int varlink_server_new(sd_event *event, const VarlinkServerInfo *info,
		       const VarlinkLimits *limits, void *userdata, VarlinkServer **ret);
VarlinkServer *varlink_server_free(VarlinkServer *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(VarlinkServer *, varlink_server_free);

/* The interface must outlive the server (static data). */
int varlink_server_add_interface(VarlinkServer *s, const VarlinkInterface *iface);

/* Serve an already connected stream socket (accepted by varlink-listen.h, or one end
 * of a socketpair() in tests); takes fd, also on failure. -EBUSY: over a connection
 * limit. */
int varlink_server_add_connection(VarlinkServer *s, int fd);

/* org.varlink.service (varlink-service.c): every service adds it, first. */
extern const VarlinkInterface varlink_service_interface;
const VarlinkServerInfo *varlink_server_info(const VarlinkServer *s);
/* The interfaces added, in order; NULL past the last. */
const VarlinkInterface *varlink_server_interface(const VarlinkServer *s, size_t i);
/* The server a call came to. */
VarlinkServer *varlink_call_server(const VarlinkCall *c);

unsigned varlink_server_n_connections(const VarlinkServer *s);
const VarlinkServerStats *varlink_server_stats(const VarlinkServer *s);

/* Final reply; parameters (may be NULL) is consumed. */
int varlink_call_reply(VarlinkCall *c, json_t *parameters);
/* Intermediate reply with "continues": true; only for VARLINK_CALL_MORE calls. */
int varlink_call_notify(VarlinkCall *c, json_t *parameters);
/* Final error reply; parameters (may be NULL) is consumed. */
int varlink_call_error(VarlinkCall *c, const char *error, json_t *parameters);
int varlink_call_error_invalid_parameter(VarlinkCall *c, const char *parameter);

/*
 * A final reply whose parameters are one large array (the process table), written
 * as text element by element: the array never exists as one JSON tree, which for
 * thousands of elements costs several times its text in memory.
 *   begin(&a, "processes"); add(&a, element)...; varlink_call_reply_array(call, &a)
 * The key must be a plain name ([A-Za-z0-9_]). On any failure, and after the reply,
 * varlink_array_done() frees what is left (safe to call twice).
 */
typedef struct VarlinkArray {
	FILE *f;
	char *text;
	size_t size;
	size_t n;
} VarlinkArray;

int varlink_array_begin(VarlinkArray *a, const char *key);
/* element is consumed; -ENOMEM */
int varlink_array_add(VarlinkArray *a, json_t *element);
int varlink_call_reply_array(VarlinkCall *c, VarlinkArray *a);
/* The same as a reply that continues (a call with "more"): one page of a list. */
int varlink_call_notify_array(VarlinkCall *c, VarlinkArray *a);
/* Bytes of text so far */
size_t varlink_array_size(const VarlinkArray *a);
void varlink_array_done(VarlinkArray *a);
/* A final reply already written as text (l bytes with its terminating NUL; text is
 * taken): what varlink_call_reply_array() sends; notify: one that continues. */
int varlink_call_reply_text(VarlinkCall *c, char *text, size_t l);
int varlink_call_notify_text(VarlinkCall *c, char *text, size_t l);

/* Who is calling (SO_PEERCRED of the connection). */
uid_t varlink_call_peer_uid(const VarlinkCall *c);
/* Bytes waiting to be written to this call's client. */
size_t varlink_call_output_queued(const VarlinkCall *c);
size_t varlink_call_output_limit(const VarlinkCall *c);
/* What may still be queued for all clients together (max_output_total less what
 * is queued): a big reply must fit in it. */
size_t varlink_call_output_budget(const VarlinkCall *c);

/* cb is called once, from the event loop, when everything queued for this call's
 * client has been written (at once if nothing is): the time to send the next
 * page of a long answer, so that one client holds one page, not the whole list. */
void varlink_call_when_drained(VarlinkCall *c, void (*cb)(VarlinkCall *c, void *userdata),
			       void *userdata);

/* Told when the call ends, however it ends: its final reply (the owner's own, or
 * the server's error after a method failed) or the client going away; after the
 * callback the call must not be used. An owner that ends a call itself may clear
 * the callback first. */
void varlink_call_set_disconnect(VarlinkCall *c, void (*cb)(VarlinkCall *c, void *userdata),
				 void *userdata);

/*
 * Parameter checking for method implementations: each spec names a parameter and
 * its JSON type (JSON_STRING, JSON_INTEGER, ...), whether it is required (an optional
 * parameter may also be null). Unknown parameters and mistyped ones get an
 * InvalidParameter error answered here; returns 0 if all is well, -EINVAL if the
 * error was sent.
 */
typedef struct VarlinkParam {
	const char *name;
	json_type type;
	bool required;
	bool array_of_strings; /* type is JSON_ARRAY and every element a string */
} VarlinkParam;

int varlink_call_check_parameters(VarlinkCall *c, json_t *parameters,
				  const VarlinkParam *specs, size_t n_specs);
