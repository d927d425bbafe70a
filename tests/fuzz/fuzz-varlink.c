/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The varlink server's framing and dispatch on an arbitrary byte stream. Each input
 * is what one client writes on a fresh connection (one end of a socketpair handed
 * to the server); the event loop runs until the server settles, first while the
 * client does not read (backpressure, output limit), then while it does; then the
 * client hangs up. Every byte the server sends must be a NUL-terminated JSON reply,
 * after the hangup the connection, its fd and its pending call must be gone, and
 * another client, connected all along, must still be answered.
 *
 * A small test interface has the kinds of methods cnprocd has: a plain reply,
 * parameter checking, errors, a failing method, "more" answered at once or later
 * from the event loop, and replies larger than the socket buffer.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "varlink.h"

#define MAX_MESSAGE 1024
#define MAX_OUTPUT 2048
#define WRITE_CHUNK 777     /* messages arrive split across reads */
#define MAX_ROUNDS 100000   /* the server must settle well before this */

static sd_event *event;
static VarlinkServer *server;

/* The client's end and what it read, to be checked message by message. */
static int client_fd = -1;
static char *client_in;
static size_t client_in_size, client_in_alloc;
static bool client_saw_eof;
static unsigned client_final_replies; /* replies without "continues" */

/* Another client, connected all along: it must be served after every input. */
static int bystander_fd = -1;

/* The one call of Subscribe answered from the event loop (one connection at a
 * time, one call per connection: one slot suffices). */
static struct {
	VarlinkCall *call;
	sd_event_source *source;
	int64_t left; /* notifications before the final reply; < 0: never */
} sub;

/* The subscription is given up by us: its call no longer reports to us. */
static void sub_clear(void)
{
	sub.source = sd_event_source_disable_unref(sub.source);
	if (sub.call)
		varlink_call_set_disconnect(sub.call, NULL, NULL);
	sub.call = NULL;
}

static int method_echo(VarlinkCall *call, json_t *parameters, unsigned flags, void *userdata)
{
	return varlink_call_reply(call, json_incref(parameters));
}

static int method_check(VarlinkCall *call, json_t *parameters, unsigned flags, void *userdata)
{
	static const VarlinkParam specs[] = {
		{ "name", JSON_STRING, true },
		{ "count", JSON_INTEGER, false },
		{ "flag", JSON_TRUE, false }, /* true or null: a typed check of its own */
		{ "list", JSON_ARRAY, false, true },
		{ "object", JSON_OBJECT, false },
	};

	if (varlink_call_check_parameters(call, parameters, specs, ELEMENTSOF(specs)) < 0)
		return 0;
	return varlink_call_reply(call, json_pack("{s:s}", "name",
						  json_string_value(json_object_get(parameters,
										    "name"))));
}

static int64_t param_int(json_t *parameters, const char *name, int64_t min, int64_t max,
			 int64_t def)
{
	json_t *v = json_object_get(parameters, name);
	json_int_t i;

	if (!json_is_integer(v))
		return def;
	i = json_integer_value(v);
	return i < min ? min : i > max ? max : i;
}

static int method_stream(VarlinkCall *call, json_t *parameters, unsigned flags, void *userdata)
{
	int64_t n = param_int(parameters, "count", 0, 8, 2);
	int r;

	if (!(flags & VARLINK_CALL_MORE))
		return varlink_call_error(call, "org.varlink.service.ExpectedMore", NULL);
	for (int64_t i = 0; i < n; i++) {
		r = varlink_call_notify(call, json_pack("{s:I}", "index", (json_int_t)i));
		if (r < 0)
			return r; /* the connection may be gone: the call with it */
	}
	return varlink_call_reply(call, json_pack("{s:I}", "count", (json_int_t)n));
}

static int on_sub_defer(sd_event_source *s, void *userdata)
{
	VarlinkCall *call = sub.call;

	if (!call)
		return 0;
	if (sub.left > 0) {
		sub.left--;
		/* a failed send may close the connection: the disconnect hook clears sub */
		(void)varlink_call_notify(call, json_pack("{s:I}", "left", (json_int_t)sub.left));
		return 0;
	}
	sub_clear();
	(void)varlink_call_reply(call, NULL);
	return 0;
}

static void on_sub_disconnect(VarlinkCall *call, void *userdata)
{
	FUZZ_CHECK(call == sub.call);
	sub_clear();
}

static int method_subscribe(VarlinkCall *call, json_t *parameters, unsigned flags,
			    void *userdata)
{
	int r;

	if (!(flags & VARLINK_CALL_MORE))
		return varlink_call_error(call, "org.varlink.service.ExpectedMore", NULL);
	FUZZ_CHECK(!sub.call);
	sub.call = call;
	sub.left = param_int(parameters, "count", -1, 16, -1);
	varlink_call_set_disconnect(call, on_sub_disconnect, NULL);
	if (sub.left >= 0) {
		/* a defer source runs once unless told otherwise */
		r = sd_event_add_defer(event, &sub.source, on_sub_defer, NULL);
		if (r >= 0)
			r = sd_event_source_set_enabled(sub.source, SD_EVENT_ON);
		if (r < 0) {
			sub_clear();
			return r;
		}
	}
	/* the first notification at once, as a subscription confirms itself */
	r = varlink_call_notify(call, json_pack("{s:b}", "subscribed", 1));
	/* after a failure the server answers with an error, which ends the call and
	 * tells on_sub_disconnect (a lost connection told it already) */
	return r;
}

static int method_fail(VarlinkCall *call, json_t *parameters, unsigned flags, void *userdata)
{
	return -EIO;
}

static int method_fail_after_reply(VarlinkCall *call, json_t *parameters, unsigned flags,
				   void *userdata)
{
	(void)varlink_call_reply(call, NULL);
	return -EIO;
}

static int method_big(VarlinkCall *call, json_t *parameters, unsigned flags, void *userdata)
{
	size_t n = (size_t)param_int(parameters, "size", 0, 65536, 8192);
	char *s = malloc(n + 1);
	json_t *v;

	if (!s)
		return -ENOMEM;
	memset(s, 'x', n);
	s[n] = 0;
	v = json_pack("{s:s}", "data", s);
	free(s);
	if (!v)
		return -ENOMEM;
	if (flags & VARLINK_CALL_MORE) {
		int r = varlink_call_notify(call, json_incref(v));
		if (r < 0) {
			json_decref(v);
			return r;
		}
	}
	return varlink_call_reply(call, v);
}

static const VarlinkMethod methods[] = {
	{ "Echo", method_echo },
	{ "Check", method_check },
	{ "Stream", method_stream },
	{ "Subscribe", method_subscribe },
	{ "Fail", method_fail },
	{ "FailAfterReply", method_fail_after_reply },
	{ "Big", method_big },
	{ "Unimplemented", NULL },
};

static const VarlinkInterface interface = {
	.name = "io.cnprocd.Fuzz",
	.description = "interface io.cnprocd.Fuzz\n"
		       "method Echo() -> ()\n"
		       "method Check(name: string, count: ?int, flag: ?bool, list: ?[]string,"
		       " object: ?object) -> (name: string)\n"
		       "method Stream(count: ?int) -> (index: ?int, count: ?int)\n"
		       "method Subscribe(count: ?int) -> (subscribed: ?bool, left: ?int)\n"
		       "method Fail() -> ()\n"
		       "method FailAfterReply() -> ()\n"
		       "method Big(size: ?int) -> (data: string)\n"
		       "method Unimplemented() -> ()\n",
	.methods = methods,
	.n_methods = ELEMENTSOF(methods),
};

static int add_client(int *ret)
{
	int sv[2], r;

	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
	r = varlink_server_add_connection(server, sv[0]);
	if (r < 0)
		close(sv[1]);
	else
		*ret = sv[1];
	return r;
}

/* Sends a call on the bystander's connection and waits for its one reply. */
static void bystander_call(void)
{
	static const char call[] = "{\"method\":\"org.varlink.service.GetInfo\"}";
	char buf[4096];
	size_t have = 0;

	FUZZ_CHECK(send(bystander_fd, call, sizeof(call), MSG_NOSIGNAL) == sizeof(call));
	for (unsigned i = 0; i < MAX_ROUNDS && !memchr(buf, 0, have); i++) {
		ssize_t n;

		FUZZ_CHECK(sd_event_run(event, 0) >= 0);
		n = recv(bystander_fd, buf + have, sizeof(buf) - have, MSG_DONTWAIT);
		FUZZ_CHECK(n > 0 || (n < 0 && errno == EAGAIN));
		if (n > 0)
			have += (size_t)n;
	}
	/* exactly one reply, the GetInfo one */
	FUZZ_CHECK(have > 0 && buf[have - 1] == 0 && memchr(buf, 0, have) == buf + have - 1);
	FUZZ_CHECK(strstr(buf, "\"product\":\"fuzz-varlink\""));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const VarlinkServerInfo info = {
		.vendor = "cnprocd", .product = "fuzz-varlink", .version = "0",
		.url = "https://github.com/cnprocd/cnprocd",
	};
	static const VarlinkLimits limits = {
		.max_connections = 4, .max_connections_per_uid = 4,
		.max_message = MAX_MESSAGE, .max_output = MAX_OUTPUT,
	};

	/* the client side sends with MSG_NOSIGNAL, but be sure */
	signal(SIGPIPE, SIG_IGN);
	if (sd_event_new(&event) < 0 || varlink_server_new(event, &info, &limits, NULL,
							   &server) < 0 ||
	    varlink_server_add_interface(server, &varlink_service_interface) < 0 ||
	    varlink_server_add_interface(server, &interface) < 0)
		abort();

	/* the limit holds: one too many (root, as here) takes the slot of the client
	 * idle longest, the first */
	{
		int fds[5], n = (int)ELEMENTSOF(fds);

		for (int i = 0; i < n; i++)
			FUZZ_CHECK(add_client(&fds[i]) == 0);
		FUZZ_CHECK(varlink_server_n_connections(server) == limits.max_connections);
		FUZZ_CHECK(varlink_server_stats(server)->n_idle == 1);
		/* one stays: every input's connection has a neighbour in the list */
		for (int i = 0; i < n; i++)
			if (i != 1)
				close(fds[i]);
		bystander_fd = fds[1];
		for (unsigned i = 0; i < MAX_ROUNDS && varlink_server_n_connections(server) > 1; i++)
			FUZZ_CHECK(sd_event_run(event, 0) >= 0);
		FUZZ_CHECK(varlink_server_n_connections(server) == 1);
	}
	return 0;
}

/* Every complete message the server sent is one JSON reply. */
static void check_replies(void)
{
	char *p = client_in, *end = client_in + client_in_size, *nul;

	while ((nul = memchr(p, 0, (size_t)(end - p)))) {
		json_error_t jerr;
		json_t *m = json_loadb(p, (size_t)(nul - p), JSON_REJECT_DUPLICATES, &jerr);
		json_t *params, *error, *cont;

		if (!m)
			fprintf(stderr, "server sent bad JSON: %s: %.*s\n", jerr.text,
				(int)MIN(nul - p, 200), p);
		FUZZ_CHECK(json_is_object(m));
		params = json_object_get(m, "parameters");
		error = json_object_get(m, "error");
		cont = json_object_get(m, "continues");
		FUZZ_CHECK(json_is_object(params));
		FUZZ_CHECK(!error || json_is_string(error));
		FUZZ_CHECK(!cont || (json_is_true(cont) && !error));
		FUZZ_CHECK(json_object_size(m) == 1 + (size_t)!!error + (size_t)!!cont);
		client_final_replies += !cont;
		json_decref(m);
		p = nul + 1;
	}
	memmove(client_in, p, (size_t)(end - p));
	client_in_size = (size_t)(end - p);
}

/* Read what the server sent; > 0 if anything came. */
static int client_read(void)
{
	int got = 0;

	while (!client_saw_eof) {
		ssize_t n;

		if (client_in_alloc - client_in_size < 4096) {
			char *b = realloc(client_in, client_in_alloc + 16384);

			FUZZ_CHECK(b);
			client_in = b;
			client_in_alloc += 16384;
		}
		n = recv(client_fd, client_in + client_in_size, client_in_alloc - client_in_size,
			 MSG_DONTWAIT);
		if (n < 0) {
			FUZZ_CHECK(errno == EAGAIN || errno == ECONNRESET);
			break;
		}
		if (n == 0)
			client_saw_eof = true;
		client_in_size += (size_t)n;
		got = 1;
	}
	check_replies();
	return got;
}

/* Run the loop until nothing happens (reading the client's side if asked). */
static void settle(bool reading)
{
	for (unsigned i = 0; i < MAX_ROUNDS; i++) {
		int r = sd_event_run(event, 0);

		FUZZ_CHECK(r >= 0);
		if (reading && client_read() > 0)
			r = 1;
		if (r == 0)
			return;
	}
	FUZZ_CHECK(!"the server does not settle");
}

/* The calls in what was sent that want a reply: every complete message but oneway
 * ones (only meaningful when the server found no message malformed). */
static unsigned calls_wanting_reply(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *nul;
	unsigned n = 0;

	while ((nul = memchr(p, 0, (size_t)(end - p)))) {
		json_t *m = json_loadb((const char *)p, (size_t)(nul - p), 0, NULL);

		n += !json_is_true(json_object_get(m, "oneway"));
		json_decref(m);
		p = nul + 1;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const VarlinkServerStats *stats = varlink_server_stats(server);
	uint64_t errors = stats->n_protocol_errors + stats->n_oversized;
	int sv[2], small = 4096, server_fd;
	/* a client that leaves in the middle of a message does not read either: it
	 * hangs up right after its last write, before the server has answered it */
	bool orderly = size == 0 || data[size - 1] == 0;
	/* an orderly client of odd length half-closes (shutdown(SHUT_WR)) after its
	 * last write, as e.g. socat does, and still waits for its replies */
	bool half_close = orderly && size % 2 == 1;
	size_t off = 0;

	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
	/* small socket buffers, so replies and requests hit EAGAIN and backpressure */
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	server_fd = sv[0];
	client_fd = sv[1];
	client_in_size = 0;
	client_saw_eof = false;
	client_final_replies = 0;
	FUZZ_CHECK(varlink_server_add_connection(server, server_fd) == 0);
	FUZZ_CHECK(varlink_server_n_connections(server) == 2);

	/* the client writes everything before it reads anything */
	while (off < size && varlink_server_n_connections(server) > 1) {
		ssize_t n = send(client_fd, data + off, MIN(size - off, (size_t)WRITE_CHUNK),
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			FUZZ_CHECK(errno == EAGAIN || errno == EPIPE || errno == ECONNRESET);
			if (errno != EAGAIN)
				break;
			/* the server stopped reading (a call is pending, or its
			 * replies are not being read): read, as a client must */
			settle(true);
			n = send(client_fd, data + off, MIN(size - off, (size_t)WRITE_CHUNK),
				 MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0) {
				/* still refused: a pending call holds the input back */
				FUZZ_CHECK(errno == EAGAIN || errno == EPIPE ||
					   errno == ECONNRESET);
				break;
			}
		}
		off += (size_t)n;
		/* the last write is followed at once by a hangup or half-close */
		if (off < size || (orderly && !half_close))
			settle(false);
	}
	if (orderly) {
		if (half_close && off == size)
			FUZZ_CHECK(shutdown(client_fd, SHUT_WR) == 0);
		settle(true);
		/* every call answered once, unless the server rightly gave up on the
		 * client (malformed or oversized) or a subscription is still open */
		if (stats->n_protocol_errors + stats->n_oversized == errors && !sub.call) {
			unsigned want = calls_wanting_reply(data, off);

			if (client_final_replies != want)
				fprintf(stderr, "%u replies to %u calls\n", client_final_replies,
					want);
			FUZZ_CHECK(client_final_replies == want);
			/* and a client that half-closed is let go once it is answered, one
			 * that did not is kept */
			FUZZ_CHECK(half_close ? off < size || client_saw_eof : !client_saw_eof);
		}
	}

	close(client_fd);
	client_fd = -1;
	settle(false);
	/* after the hangup: no connection, no call, its fd closed */
	FUZZ_CHECK(varlink_server_n_connections(server) == 1);
	FUZZ_CHECK(!sub.call && !sub.source);
	FUZZ_CHECK(fcntl(server_fd, F_GETFD) < 0 && errno == EBADF);
	/* and the other client is still served */
	bystander_call();
	return 0;
}
