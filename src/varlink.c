/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The varlink server: connections, their limits, calls and replies (varlink.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "list.h"
#include "log.h"
#include "monitor-protocol.h"
#include "util.h"
#include "varlink.h"

#define MAX_INTERFACES 8
#define READ_CHUNK 4096

typedef struct Connection Connection;

struct VarlinkCall {
	Connection *conn;
	unsigned flags;
	void (*disconnect_cb)(VarlinkCall *c, void *userdata);
	void *disconnect_userdata;
	void (*drained_cb)(VarlinkCall *c, void *userdata);
	void *drained_userdata;
	sd_event_source *drained_src; /* armed: the output is written, cb is due */
};

struct Connection {
	VarlinkServer *server;
	int fd;
	sd_event_source *io;
	uid_t uid;

	char *in;
	size_t in_size, in_alloc;
	char *out;
	size_t out_size, out_alloc;
	usec_t last_progress;  /* CLOCK_MONOTONIC: when output last moved (or was queued) */
	usec_t last_active;    /* when it last sent something or a call of it ended */

	VarlinkCall *call;    /* the call being answered; later ones wait in `in` */
	bool dispatching;     /* inside connection_process(): no recursion */
	bool read_eof;        /* the client sent all it will (maybe only half-closed) */

	Connection *next, *prev;
};

struct VarlinkServer {
	sd_event *event;
	VarlinkServerInfo info;
	VarlinkLimits limits;
	void *userdata;

	const VarlinkInterface *interfaces[MAX_INTERFACES];
	size_t n_interfaces;


	Connection *connections;
	size_t out_total;          /* output queued on all connections */
	sd_event_source *stall_timer;
	sd_event_source *idle_timer;
	unsigned n_connections;
	VarlinkServerStats stats;
};

static void connection_free(Connection *c);

unsigned varlink_server_n_connections(const VarlinkServer *s)
{
	return s->n_connections;
}

const VarlinkServerStats *varlink_server_stats(const VarlinkServer *s)
{
	return &s->stats;
}

uid_t varlink_call_peer_uid(const VarlinkCall *c)
{
	return c->conn->uid;
}

size_t varlink_call_output_queued(const VarlinkCall *c)
{
	return c->conn->out_size;
}

size_t varlink_call_output_limit(const VarlinkCall *c)
{
	return c->conn->server->limits.max_output;
}

void varlink_call_set_disconnect(VarlinkCall *c, void (*cb)(VarlinkCall *c, void *userdata),
				 void *userdata)
{
	c->disconnect_cb = cb;
	c->disconnect_userdata = userdata;
}

/* However a call ends (its final reply, whoever sent it, or its connection
 * closing), its owner is told once, then it is freed: nobody keeps a call that is
 * gone. */
static void call_end(VarlinkCall *call)
{
	void (*cb)(VarlinkCall *c, void *userdata) = call->disconnect_cb;

	call->disconnect_cb = NULL;
	call->drained_cb = NULL;
	call->drained_src = sd_event_source_disable_unref(call->drained_src);
	if (call->conn)
		call->conn->last_active = now_usec(CLOCK_MONOTONIC);
	if (call->conn && call->conn->call == call)
		call->conn->call = NULL;
	if (cb)
		cb(call, call->disconnect_userdata);
	free(call);
}

/* Close and free a connection; a call in progress hears about it first. */
static void connection_close(Connection *c, const char *why)
{
	log_debug("varlink: closing connection of uid %u: %s", (unsigned)c->uid, why);
	if (c->call)
		call_end(c->call);
	connection_free(c);
}

static void connection_free(Connection *c)
{
	VarlinkServer *s = c->server;

	LIST_REMOVE(s->connections, c);
	s->n_connections--;
	s->out_total -= c->out_size;
	sd_event_source_disable_unref(c->io);
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

/* Input waiting behind a running call is bounded by not reading more of it. */
static bool connection_input_full(const Connection *c)
{
	return c->in_size >= c->server->limits.max_message * 4;
}

static void connection_update_events(Connection *c)
{
	bool reading = !connection_input_full(c) && !c->read_eof;

	(void)sd_event_source_set_io_events(c->io, (reading ? EPOLLIN : 0) |
							   (c->out_size ? EPOLLOUT : 0));
}

/* A client that stopped sending is served until its calls are answered and the
 * replies written (it may wait for them on a half-closed socket), then closed. */
static bool connection_finished(const Connection *c)
{
	return c->read_eof && !c->call && c->out_size == 0 && !memchr(c->in, 0, c->in_size);
}

static int on_drained(sd_event_source *src, void *userdata)
{
	VarlinkCall *call = userdata;
	void (*cb)(VarlinkCall *c, void *userdata) = call->drained_cb;

	call->drained_src = sd_event_source_disable_unref(call->drained_src);
	call->drained_cb = NULL;
	if (cb)
		cb(call, call->drained_userdata);
	return 0;
}

/* A call waiting for its client to read everything: due now? (from the loop, so
 * that pages do not recurse into each other when the socket takes them at once) */
static void call_check_drained(VarlinkCall *call)
{
	Connection *c = call->conn;

	if (!call->drained_cb || call->drained_src || !c || c->out_size > 0)
		return;
	if (sd_event_add_defer(c->server->event, &call->drained_src, on_drained, call) < 0)
		return;
	(void)sd_event_source_set_description(call->drained_src, "varlink-drained");
}

void varlink_call_when_drained(VarlinkCall *call, void (*cb)(VarlinkCall *c, void *userdata),
			       void *userdata)
{
	call->drained_cb = cb;
	call->drained_userdata = userdata;
	call_check_drained(call);
}

size_t varlink_call_output_budget(const VarlinkCall *call)
{
	const VarlinkServer *s = call->conn->server;

	return s->out_total < s->limits.max_output_total ? s->limits.max_output_total - s->out_total : 0;
}

/* Write what we can; -errno on a dead peer. */
static int connection_flush(Connection *c)
{
	while (c->out_size > 0) {
		ssize_t n = send(c->fd, c->out, c->out_size, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return -errno;
		}
		memmove(c->out, c->out + n, c->out_size - (size_t)n);
		c->out_size -= (size_t)n;
		c->server->out_total -= (size_t)n;
		if (n > 0)
			c->last_progress = now_usec(CLOCK_MONOTONIC);
	}
	connection_update_events(c);
	if (c->call)
		call_check_drained(c->call);
	return 0;
}

/* Clients holding a reply larger than max_output that they have not read from for
 * stall_usec are disconnected: one big reply is allowed, not one left unread. */
static int on_stall_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	VarlinkServer *s = userdata;
	bool any = false;

	for (Connection *c = s->connections, *next; c; c = next) {
		next = c->next;
		if (c->out_size <= s->limits.max_output)
			continue;
		if (usec >= c->last_progress + s->limits.stall_usec) {
			s->stats.n_oversized++;
			connection_close(c, "not reading a large reply");
			continue;
		}
		any = true;
	}
	if (any)
		(void)sd_event_source_set_time_relative(src, USEC_PER_SEC);
	else
		(void)sd_event_source_set_enabled(src, SD_EVENT_OFF);
	return 0;
}

static void stall_timer_arm(VarlinkServer *s)
{
	if (!s->stall_timer) {
		if (sd_event_add_time_relative(s->event, &s->stall_timer, CLOCK_MONOTONIC,
					       USEC_PER_SEC, 0, on_stall_timer, s) < 0)
			return;
		(void)sd_event_source_set_description(s->stall_timer, "varlink-stall");
	} else if (sd_event_source_get_enabled(s->stall_timer, NULL) > 0)
		return;
	else
		(void)sd_event_source_set_time_relative(s->stall_timer, USEC_PER_SEC);
	(void)sd_event_source_set_enabled(s->stall_timer, SD_EVENT_ON);
}

/* Queue one message, text of l bytes with its terminating NUL (the wire's
 * separator); text is taken. -ENOBUFS: over the output limit (the connection is
 * closed), -ENOMEM. */
static int connection_send_text(Connection *c, char *text, size_t l)
{
	int r;

	/* the limit is on what a client leaves unread: one reply may be larger (a big
	 * process table), but nothing is added to a backlog that is already full */
	if (c->out_size > 0 && c->out_size + l > c->server->limits.max_output) {
		free(text);
		c->server->stats.n_oversized++;
		connection_close(c, "output limit exceeded (client not reading)");
		return -ENOBUFS;
	}
	/* ...and all clients together never hold more than the server's budget */
	if (c->out_size + l > c->server->limits.max_output &&
	    c->server->out_total + l > c->server->limits.max_output_total) {
		free(text);
		c->server->stats.n_oversized++;
		connection_close(c, "output budget of the server exhausted");
		return -ENOBUFS;
	}
	if (c->out_size == 0 && l > c->out_alloc) {
		/* nothing queued: the message becomes the buffer, a large reply is
		 * not held twice */
		free(c->out);
		c->out = text;
		c->out_alloc = l;
		text = NULL;
	} else if (c->out_size + l > c->out_alloc) {
		size_t na = MAX(c->out_alloc * 2, c->out_size + l);
		char *n = realloc(c->out, na);

		if (!n) {
			free(text);
			return -ENOMEM;
		}
		c->out = n;
		c->out_alloc = na;
	}
	if (text)
		memcpy(c->out + c->out_size, text, l);
	if (c->out_size == 0)
		c->last_progress = now_usec(CLOCK_MONOTONIC);
	c->out_size += l;
	c->server->out_total += l;
	free(text);
	/* a reply over the per-client limit must be read: watch that it is */
	if (c->out_size > c->server->limits.max_output)
		stall_timer_arm(c->server);
	r = connection_flush(c);
	if (r < 0) {
		connection_close(c, "write failed");
		return r;
	}
	return 0;
}

static void connection_process(Connection *c);

/* Whether c is still open: a failed send inside a method closes it. */
static bool connection_alive(VarlinkServer *s, Connection *c)
{
	for (Connection *it = s->connections; it; it = it->next)
		if (it == c)
			return true;
	return false;
}

/* The call is answered: free it and look at what the client sent meanwhile. */
static void call_finish(VarlinkCall *call)
{
	Connection *c = call->conn;

	call_end(call);
	if (c && !c->dispatching)
		connection_process(c);
}

/* Send text (l bytes with its NUL, taken) as the call's next message. */
static int call_send_text(VarlinkCall *call, char *text, size_t l, bool final)
{
	Connection *c = call->conn;
	int r = 0;

	if (!c) {
		free(text);
		return -ENOTCONN;
	}
	if (call->flags & VARLINK_CALL_ONEWAY)
		free(text);
	else {
		r = connection_send_text(c, text, l);
		if (r == -ENOBUFS || (r < 0 && r != -ENOMEM))
			return r; /* connection and call are gone */
	}
	if (final)
		call_finish(call);
	return r;
}

static int call_send(VarlinkCall *call, json_t *msg, bool final)
{
	char *text = json_dumps(msg, JSON_COMPACT);

	json_decref(msg);
	if (!text) {
		if (!call->conn)
			return -ENOTCONN;
		if (final)
			call_finish(call);
		return -ENOMEM;
	}
	return call_send_text(call, text, strlen(text) + 1, final);
}

int varlink_call_reply(VarlinkCall *call, json_t *parameters)
{
	json_t *m = json_pack("{s:o}", "parameters", parameters ?: json_object());

	return m ? call_send(call, m, true) : -ENOMEM;
}

int varlink_call_reply_text(VarlinkCall *call, char *text, size_t l)
{
	return call_send_text(call, text, l, true);
}

int varlink_call_notify_text(VarlinkCall *call, char *text, size_t l)
{
	if (!(call->flags & VARLINK_CALL_MORE)) {
		free(text);
		return -EINVAL;
	}
	return call_send_text(call, text, l, false);
}

int varlink_call_notify(VarlinkCall *call, json_t *parameters)
{
	json_t *m;

	if (!(call->flags & VARLINK_CALL_MORE)) {
		json_decref(parameters);
		return -EINVAL;
	}
	m = json_pack("{s:o,s:b}", "parameters", parameters ?: json_object(), "continues", 1);
	return m ? call_send(call, m, false) : -ENOMEM;
}

int varlink_call_error(VarlinkCall *call, const char *error, json_t *parameters)
{
	json_t *m = json_pack("{s:s,s:o}", "error", error, "parameters",
			      parameters ?: json_object());

	return m ? call_send(call, m, true) : -ENOMEM;
}

int varlink_call_error_invalid_parameter(VarlinkCall *call, const char *parameter)
{
	return varlink_call_error(call, VARLINK_ERROR_INVALID_PARAMETER,
				  json_pack("{s:s}", "parameter", parameter));
}

static const VarlinkInterface *find_interface(VarlinkServer *s, const char *name, size_t l)
{
	for (size_t i = 0; i < s->n_interfaces; i++)
		if (strlen(s->interfaces[i]->name) == l &&
		    strncmp(s->interfaces[i]->name, name, l) == 0)
			return s->interfaces[i];
	return NULL;
}

VarlinkServer *varlink_call_server(const VarlinkCall *c)
{
	return c->conn->server;
}

const VarlinkServerInfo *varlink_server_info(const VarlinkServer *s)
{
	return &s->info;
}

const VarlinkInterface *varlink_server_interface(const VarlinkServer *s, size_t i)
{
	return i < s->n_interfaces ? s->interfaces[i] : NULL;
}

/* 0: handled (maybe asynchronously), < 0: protocol violation, close */
static int connection_dispatch(Connection *c, json_t *msg)
{
	VarlinkServer *s = c->server;
	const char *key, *method = NULL, *dot;
	json_t *v, *params = NULL;
	bool oneway = false, more = false, upgrade = false;
	const VarlinkInterface *iface;
	const VarlinkMethod *m = NULL;
	VarlinkCall *call;
	int r;

	if (!json_is_object(msg))
		return -EBADMSG;
	json_object_foreach(msg, key, v) {
		if (strcmp(key, "method") == 0 && json_is_string(v))
			method = json_string_value(v);
		else if (strcmp(key, "parameters") == 0 && (json_is_object(v) || json_is_null(v)))
			params = json_is_object(v) ? v : NULL;
		else if (strcmp(key, "oneway") == 0 && json_is_boolean(v))
			oneway = json_is_true(v);
		else if (strcmp(key, "more") == 0 && json_is_boolean(v))
			more = json_is_true(v);
		else if (strcmp(key, "upgrade") == 0 && json_is_boolean(v))
			upgrade = json_is_true(v);
		else
			return -EBADMSG; /* unknown key or wrong type */
	}
	if (!method || (oneway && more))
		return -EBADMSG;
	dot = strrchr(method, '.');
	if (!dot || dot == method || !dot[1])
		return -EBADMSG;

	call = calloc(1, sizeof(*call));
	if (!call)
		return -ENOMEM;
	call->conn = c;
	call->flags = (more ? VARLINK_CALL_MORE : 0) | (oneway ? VARLINK_CALL_ONEWAY : 0);
	c->call = call;
	s->stats.n_calls++;

	params = params ? json_incref(params) : json_object();
	if (!params)
		return -ENOMEM;
	if (upgrade) {
		/* no interface of ours speaks another protocol after a reply */
		r = varlink_call_error_invalid_parameter(call, "upgrade");
		goto done;
	}
	iface = find_interface(s, method, (size_t)(dot - method));
	if (!iface) {
		r = varlink_call_error(call, VARLINK_ERROR_INTERFACE_NOT_FOUND,
				       json_pack("{s:s%}", "interface", method,
						 (size_t)(dot - method)));
		goto done;
	}
	for (size_t i = 0; i < iface->n_methods; i++)
		if (strcmp(iface->methods[i].name, dot + 1) == 0)
			m = &iface->methods[i];
	if (!m)
		r = varlink_call_error(call, VARLINK_ERROR_METHOD_NOT_FOUND,
				       json_pack("{s:s}", "method", method));
	else if (!m->callback)
		r = varlink_call_error(call, VARLINK_ERROR_METHOD_NOT_IMPLEMENTED,
				       json_pack("{s:s}", "method", method));
	else {
		r = m->callback(call, params, call->flags, s->userdata);
		/* a failing method that did not answer still gets an answer, unless its
		 * connection is gone (then c and call are freed) */
		if (r < 0 && connection_alive(s, c) && c->call == call)
			r = varlink_call_error(call, VARLINK_ERROR_INTERNAL,
					       json_pack("{s:i}", "errno", -r));
	}
done:
	json_decref(params);
	return r == -ENOMEM ? r : 0;
}

/* Handle every complete message, one call at a time. */
static void connection_process(Connection *c)
{
	VarlinkServer *s = c->server;

	c->dispatching = true;
	/* backpressure: while a reply is still being written, the next call waits */
	while (!c->call && c->in_size > 0 && c->out_size == 0) {
		char *nul = memchr(c->in, 0, c->in_size);
		json_error_t jerr;
		json_t *msg;
		size_t l;
		int r;

		if (!nul)
			break;
		l = (size_t)(nul - c->in);
		if (l > s->limits.max_message) {
			s->stats.n_oversized++;
			connection_close(c, "message exceeds the size limit");
			return;
		}
		msg = json_loadb(c->in, l, JSON_REJECT_DUPLICATES, &jerr);
		memmove(c->in, nul + 1, c->in_size - l - 1);
		c->in_size -= l + 1;
		if (!msg) {
			s->stats.n_protocol_errors++;
			log_debug("varlink: malformed JSON from uid %u: %s", (unsigned)c->uid,
				  jerr.text);
			connection_close(c, "malformed JSON");
			return;
		}
		/* the call may outlive this message's json_t: handlers copy what they keep */
		r = connection_dispatch(c, msg);
		json_decref(msg);
		/* the connection may have been closed by a failed send */
		if (!connection_alive(s, c))
			return;
		if (r < 0) {
			s->stats.n_protocol_errors++;
			connection_close(c, "protocol violation");
			return;
		}
	}
	c->dispatching = false;
	if (connection_finished(c)) {
		connection_close(c, "client closed the connection");
		return;
	}
	connection_update_events(c);
}

/* Whether the peer closed both directions (not just its sending side). */
static bool peer_gone(int fd)
{
	struct pollfd p = { .fd = fd };

	return poll(&p, 1, 0) < 0 || (p.revents & (POLLHUP | POLLERR));
}

static int on_connection_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	Connection *c = userdata;
	VarlinkServer *s = c->server;

	if (revents & EPOLLOUT) {
		if (connection_flush(c) < 0) {
			connection_close(c, "write failed");
			return 0;
		}
		/* calls held back by the backlog may go on now */
		if (!c->call && !c->dispatching)
			connection_process(c);
		if (!connection_alive(s, c))
			return 0;
	}
	if (!(revents & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return 0;
	if (connection_input_full(c) || c->read_eof) {
		/* not reading: a hangup would otherwise be reported forever */
		if (revents & (EPOLLHUP | EPOLLERR))
			connection_close(c, "client hung up");
		return 0;
	}

	while (!connection_input_full(c)) {
		ssize_t n;
		char *last;

		if (c->in_alloc - c->in_size < READ_CHUNK) {
			size_t na = c->in_alloc + READ_CHUNK * 4;
			char *b = realloc(c->in, na);

			if (!b) {
				connection_close(c, "out of memory");
				return 0;
			}
			c->in = b;
			c->in_alloc = na;
		}
		n = recv(fd, c->in + c->in_size, c->in_alloc - c->in_size, MSG_DONTWAIT);
		if (n > 0)
			c->last_active = now_usec(CLOCK_MONOTONIC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			connection_close(c, "read failed");
			return 0;
		}
		if (n == 0) {
			/* a client gone for good needs no answers; one that only
			 * half-closed (shutdown(SHUT_WR), as socat does) waits for them:
			 * connection_process() closes once they are written */
			if (peer_gone(fd)) {
				connection_close(c, "client closed the connection");
				return 0;
			}
			c->read_eof = true;
			break;
		}
		c->in_size += (size_t)n;
		/* the unterminated tail must end within max_message bytes: refuse
		 * endless input early instead of buffering it */
		last = memrchr(c->in, 0, c->in_size);
		if (c->in_size - (last ? (size_t)(last - c->in) + 1 : 0) > s->limits.max_message) {
			s->stats.n_oversized++;
			connection_close(c, "message exceeds the size limit");
			return 0;
		}
	}
	if (!c->call)
		connection_process(c);
	else
		connection_update_events(c);
	return 0;
}

static unsigned connections_of(VarlinkServer *s, uid_t uid)
{
	unsigned n = 0;

	for (Connection *c = s->connections; c; c = c->next)
		n += c->uid == uid;
	return n;
}

/* Nothing going on: no call, nothing to send, no complete message waiting. */
static bool connection_idle(const Connection *c)
{
	return !c->call && c->out_size == 0 && !(c->in_size > 0 && memchr(c->in, 0, c->in_size));
}

/* The idle connection that has waited longest, preferring others' to root's (the
 * list runs newest first: on a tie the older wins). */
static Connection *idlest(VarlinkServer *s)
{
	Connection *best = NULL;

	for (Connection *c = s->connections; c; c = c->next)
		if (connection_idle(c) &&
		    (!best || (best->uid == 0 && c->uid != 0) ||
		     ((best->uid == 0) == (c->uid == 0) && c->last_active <= best->last_active)))
			best = c;
	return best;
}

/* Whether uid may have one more connection: NULL, or which limit it is over. Root
 * has slots of its own and no per-uid limit, so no other user can lock it out. */
static const char *admission(VarlinkServer *s, uid_t uid)
{
	const VarlinkLimits *l = &s->limits;
	unsigned others = s->n_connections - connections_of(s, 0);

	if (uid == 0) {
		Connection *c;

		if (s->n_connections < l->max_connections)
			return NULL;
		/* all taken: root gets the slot of the client idle longest */
		c = idlest(s);
		if (!c)
			return "total";
		s->stats.n_idle++;
		connection_close(c, "idle, its slot given to root");
		return NULL;
	}
	if (s->n_connections >= l->max_connections ||
	    others >= l->max_connections - MIN(l->reserved_for_root, l->max_connections))
		return "total";
	if (connections_of(s, uid) >= l->max_connections_per_uid)
		return "per-uid";
	return NULL;
}

/* A refused client is told why, as the answer to whatever it asks first. */
static void refuse(VarlinkServer *s, int cfd, uid_t uid, const char *limit)
{
	s->stats.n_refused++;
	log_debug("varlink: refusing a connection of uid %u: %s limit reached", (unsigned)uid,
		  limit);
	if (s->limits.refused_error) {
		_cleanup_free_ char *text = NULL;
		json_t *m = json_pack("{s:s,s:{s:s}}", "error", s->limits.refused_error,
				      "parameters", "limit", limit);

		text = m ? json_dumps(m, JSON_COMPACT) : NULL;
		json_decref(m);
		if (text)
			(void)send(cfd, text, strlen(text) + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	close(cfd);
}

/* Serve cfd (connected, ours to close): -EBUSY over a connection limit, -ENOTCONN
 * if its peer cannot be told. */
static int connection_add(VarlinkServer *s, int cfd)
{
	struct ucred cred = {};
	socklen_t l = sizeof(cred);
	const char *over;
	Connection *c;
	int r;

	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &l) < 0) {
		close(cfd);
		return -ENOTCONN;
	}
	over = admission(s, cred.uid);
	if (over) {
		refuse(s, cfd, cred.uid, over);
		return -EBUSY;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(cfd);
		return -ENOMEM;
	}
	c->server = s;
	c->fd = cfd;
	c->uid = cred.uid;
	c->last_active = now_usec(CLOCK_MONOTONIC);
	r = sd_event_add_io(s->event, &c->io, cfd, EPOLLIN, on_connection_io, c);
	if (r < 0) {
		close(cfd);
		free(c);
		return r;
	}
	(void)sd_event_source_set_description(c->io, "cnprocd-varlink-conn");
	LIST_PREPEND(s->connections, c);
	s->n_connections++;
	s->stats.n_accepted++;
	return 0;
}

/* Connections idle longer than idle_usec are closed: a slot is not held forever. */
static int on_idle_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	VarlinkServer *s = userdata;

	for (Connection *c = s->connections, *next; c; c = next) {
		next = c->next;
		if (connection_idle(c) && usec >= c->last_active + s->limits.idle_usec) {
			s->stats.n_idle++;
			connection_close(c, "idle");
		}
	}
	(void)sd_event_source_set_time(src, usec + MAX(s->limits.idle_usec / 4, USEC_PER_SEC / 4));
	return 0;
}

int varlink_server_add_connection(VarlinkServer *s, int fd)
{
	return connection_add(s, fd);
}

int varlink_server_new(sd_event *event, const VarlinkServerInfo *info,
		       const VarlinkLimits *limits, void *userdata, VarlinkServer **ret)
{
	VarlinkServer *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->event = sd_event_ref(event);
	s->info = *info;
	s->limits = *limits;
	if (s->limits.max_output_total < s->limits.max_output)
		s->limits.max_output_total = 16 * s->limits.max_output;
	if (s->limits.stall_usec == 0)
		s->limits.stall_usec = 10 * USEC_PER_SEC;
	s->userdata = userdata;
	if (s->limits.idle_usec > 0) {
		int r = sd_event_add_time_relative(event, &s->idle_timer, CLOCK_MONOTONIC,
						   s->limits.idle_usec, 0, on_idle_timer, s);

		if (r < 0) {
			varlink_server_free(s);
			return r;
		}
		(void)sd_event_source_set_description(s->idle_timer, "varlink-idle");
		(void)sd_event_source_set_enabled(s->idle_timer, SD_EVENT_ON);
	}
	*ret = s;
	return 0;
}

VarlinkServer *varlink_server_free(VarlinkServer *s)
{
	if (!s)
		return NULL;
	while (s->connections)
		connection_close(s->connections, "server shutting down");
	sd_event_source_disable_unref(s->stall_timer);
	sd_event_source_disable_unref(s->idle_timer);
	sd_event_unref(s->event);
	free(s);
	return NULL;
}

int varlink_server_add_interface(VarlinkServer *s, const VarlinkInterface *iface)
{
	if (s->n_interfaces >= MAX_INTERFACES)
		return -E2BIG;
	s->interfaces[s->n_interfaces++] = iface;
	return 0;
}
