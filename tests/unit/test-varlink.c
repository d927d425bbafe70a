/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The varlink server over a socketpair: however a call ends - the owner's final
 * reply, the server's error after a failed method, the client going away - the
 * call's owner is told exactly once, so nobody keeps a call that is gone (a
 * Subscribe whose first reply failed used to leave a dangling call behind).
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"
#include "test.h"
#include "varlink.h"

typedef struct Owner {
	VarlinkCall *call;
	unsigned ended;  /* times the owner was told */
	int fail_with;   /* what the method returns after its first notification */
	bool reply;      /* the method answers itself, finally */
} Owner;

static Owner owner;

static void on_end(VarlinkCall *call, void *userdata)
{
	Owner *o = userdata;

	if (call == o->call)
		o->ended++;
	o->call = NULL;
}

static int method_watch(VarlinkCall *call, json_t *params, unsigned flags, void *userdata)
{
	int r;

	owner.call = call;
	varlink_call_set_disconnect(call, on_end, &owner);
	r = varlink_call_notify(call, json_pack("{s:b}", "ready", 1));
	if (r < 0)
		return r;
	if (owner.reply)
		return varlink_call_reply(call, NULL);
	/* as if building the reply had run out of memory */
	return owner.fail_with;
}

static const VarlinkMethod methods[] = { { "Watch", method_watch } };
static const VarlinkInterface iface = {
	.name = "io.cnprocd.Test",
	.description = "interface io.cnprocd.Test\nmethod Watch() -> (ready: ?bool)\n",
	.methods = methods,
	.n_methods = 1,
};

typedef struct Peer {
	sd_event *event;
	VarlinkServer *server;
	int fd; /* the client's end */
} Peer;

static int peer_new(Peer *p)
{
	static const VarlinkServerInfo info = { "v", "p", "1", "u" };
	static const VarlinkLimits limits = {
		.max_connections = 4, .max_connections_per_uid = 4,
		.max_message = 4096, .max_output = 65536,
	};
	int fds[2];

	owner = (Owner){};
	if (sd_event_new(&p->event) < 0 ||
	    varlink_server_new(p->event, &info, &limits, NULL, &p->server) < 0 ||
	    varlink_server_add_interface(p->server, &iface) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) < 0)
		return -1;
	p->fd = fds[1];
	return varlink_server_add_connection(p->server, fds[0]);
}

static void peer_free(Peer *p)
{
	varlink_server_free(p->server);
	sd_event_unref(p->event);
	if (p->fd >= 0)
		close(p->fd);
}

/* Run the server until n messages arrived at the client (or 2 s passed); they
 * are appended to buf, NULs turned into newlines. */
static int exchange(Peer *p, const char *send, unsigned n, char *buf, size_t size)
{
	size_t have = strlen(buf);
	unsigned got = 0;

	if (send && write(p->fd, send, strlen(send) + 1) < 0)
		return -errno;
	for (int i = 0; i < 200 && got < n; i++) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		ssize_t k;

		(void)sd_event_run(p->event, 10 * 1000);
		if (poll(&pfd, 1, 0) <= 0)
			continue;
		k = read(p->fd, buf + have, size - have - 1);
		if (k <= 0)
			break;
		for (ssize_t j = 0; j < k; j++)
			if (buf[have + j] == 0) {
				buf[have + j] = '\n';
				got++;
			}
		have += (size_t)k;
		buf[have] = 0;
	}
	return (int)got;
}

#define WATCH "{\"method\":\"io.cnprocd.Test.Watch\",\"more\":true}"

static void test_failed_method_tells_owner(void)
{
	Peer p = { .fd = -1 };
	char buf[4096] = "";

	TS_ASSERT_INT_EQ(peer_new(&p), 0);
	owner.fail_with = -ENOMEM;
	TS_ASSERT_INT_EQ(exchange(&p, WATCH, 2, buf, sizeof(buf)), 2);
	TS_ASSERT(strstr(buf, "\"continues\":true"));
	TS_ASSERT(strstr(buf, "org.varlink.service.InternalError"));
	/* the server's error ended the call: the owner knows, and holds nothing */
	TS_ASSERT_INT_EQ(owner.ended, 1);
	TS_ASSERT(!owner.call);
	peer_free(&p);
}

static void test_disconnect_tells_owner(void)
{
	Peer p = { .fd = -1 };
	char buf[4096] = "";

	TS_ASSERT_INT_EQ(peer_new(&p), 0);
	owner.fail_with = 0; /* the call goes on */
	TS_ASSERT_INT_EQ(exchange(&p, WATCH, 1, buf, sizeof(buf)), 1);
	TS_ASSERT_INT_EQ(owner.ended, 0);
	TS_ASSERT(owner.call);
	close(p.fd);
	p.fd = -1;
	for (int i = 0; i < 100 && owner.ended == 0; i++)
		(void)sd_event_run(p.event, 10 * 1000);
	TS_ASSERT_INT_EQ(owner.ended, 1);
	peer_free(&p);
	/* freeing the server ends nothing twice */
	TS_ASSERT_INT_EQ(owner.ended, 1);
}

static void test_final_reply_tells_owner(void)
{
	Peer p = { .fd = -1 };
	char buf[4096] = "";

	TS_ASSERT_INT_EQ(peer_new(&p), 0);
	owner.reply = true;
	TS_ASSERT_INT_EQ(exchange(&p, WATCH, 2, buf, sizeof(buf)), 2);
	TS_ASSERT(!strstr(buf, "error"));
	TS_ASSERT_INT_EQ(owner.ended, 1);
	peer_free(&p);
	TS_ASSERT_INT_EQ(owner.ended, 1);
}

/* An open call when the server goes: told once, by the server's shutdown. */
static void test_server_free_tells_owner(void)
{
	Peer p = { .fd = -1 };
	char buf[4096] = "";

	TS_ASSERT_INT_EQ(peer_new(&p), 0);
	TS_ASSERT_INT_EQ(exchange(&p, WATCH, 1, buf, sizeof(buf)), 1);
	TS_ASSERT_INT_EQ(owner.ended, 0);
	varlink_server_free(p.server);
	p.server = NULL;
	TS_ASSERT_INT_EQ(owner.ended, 1);
	peer_free(&p);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN_TEST(test_failed_method_tells_owner);
	RUN_TEST(test_disconnect_tells_owner);
	RUN_TEST(test_final_reply_tells_owner);
	RUN_TEST(test_server_free_tells_owner);
	return TEST_EXIT();
}
