/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small blocking varlink client: one connection, one call at a time, each
 * message a JSON object followed by a NUL byte.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "macro.h"
#include "monitor-protocol.h"
#include "output.h"
#include "varlink-client.h"

#define READ_CHUNK (64 * 1024)
#define MAX_MESSAGE (256 * 1024 * 1024) /* far above what the daemon ever sends */

static volatile sig_atomic_t stop_signal;
static bool stop_signals_blocked;
static sigset_t unblocked_mask;

void conn_done(Conn *c)
{
	closep(&c->fd);
	free(c->buf);
}

int conn_open(Conn *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	c->path = path;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	c->fd = TAKE_FD(fd);
	return 0;
}

int connect_error(int r, const char *path)
{
	switch (r) {
	case -ENOENT:
	case -ENOTDIR:
		log_error("cnprocd is not running (no socket at %s)", path);
		return EXIT_NOT_RUNNING;
	case -ECONNREFUSED:
		log_error("cnprocd is not running (no one listens on %s)", path);
		return EXIT_NOT_RUNNING;
	case -EACCES:
	case -EPERM:
		log_error("permission denied: %s (the socket is root-only by default; "
			  "see varlink-mode/varlink-group in cnprocd.conf)", path);
		return EXIT_PERMISSION;
	case -ENAMETOOLONG:
		log_error("socket path too long: %s", path);
		return EXIT_USAGE;
	default:
		log_error("cannot connect to %s: %s", path, strerror(-r));
		return EXIT_FAILURE;
	}
}

int transport_error(const Conn *c, int r)
{
	switch (r) {
	case -ECONNRESET:
	case -EPIPE:
		log_error("cnprocd closed the connection on %s", c->path);
		break;
	case -EBADMSG:
		log_error("malformed reply from cnprocd on %s", c->path);
		break;
	case -EMSGSIZE:
		log_error("reply from cnprocd on %s is too large", c->path);
		break;
	default:
		log_error("talking to cnprocd on %s: %s", c->path, strerror(-r));
	}
	return EXIT_FAILURE;
}

int conn_call(Conn *c, const char *method, json_t *params, bool more)
{
	_cleanup_(json_decrefp) json_t *msg = NULL;
	_cleanup_free_ char *text = NULL;
	size_t len, done = 0;

	msg = more ? json_pack("{s:s,s:o,s:b}", "method", method, "parameters",
			       params ?: json_object(), "more", 1) :
		     json_pack("{s:s,s:o}", "method", method, "parameters",
			       params ?: json_object());
	if (!msg)
		return -ENOMEM;
	text = json_dumps(msg, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	len = strlen(text) + 1; /* with its NUL terminator */
	while (done < len) {
		ssize_t n = send(c->fd, text + done, len - done, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

/* Wait until the socket is readable; -EINTR once SIGINT/SIGTERM arrived while
 * setup_stop_signals() blocks them (they are delivered only inside ppoll: no race). */
static int conn_wait(Conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	const sigset_t *mask = stop_signals_blocked ? &unblocked_mask : NULL;

	for (;;) {
		if (stop_signal)
			return -EINTR;
		if (ppoll(&pfd, 1, NULL, mask) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* Read the next message. -ECONNRESET: the daemon closed the connection. */
static int conn_read(Conn *c, json_t **ret)
{
	for (;;) {
		char *nul = c->size ? memchr(c->buf, 0, c->size) : NULL;
		ssize_t n;
		int r;

		if (nul) {
			size_t l = (size_t)(nul - c->buf);
			json_t *m = json_loadb(c->buf, l, 0, NULL);

			memmove(c->buf, nul + 1, c->size - l - 1);
			c->size -= l + 1;
			if (!json_is_object(m)) {
				json_decref(m);
				return -EBADMSG;
			}
			*ret = m;
			return 0;
		}
		if (c->size >= MAX_MESSAGE)
			return -EMSGSIZE;
		if (c->alloc - c->size < READ_CHUNK) {
			size_t na = c->alloc + MAX(c->alloc, (size_t)READ_CHUNK);
			char *b = realloc(c->buf, na);

			if (!b)
				return -ENOMEM;
			c->buf = b;
			c->alloc = na;
		}
		r = conn_wait(c);
		if (r < 0)
			return r;
		n = recv(c->fd, c->buf + c->size, c->alloc - c->size, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		c->size += (size_t)n;
	}
}

void reply_done(Reply *r)
{
	json_decref(r->msg);
}

int conn_read_reply(Conn *c, Reply *ret)
{
	json_t *msg, *params, *error;
	int r;

	r = conn_read(c, &msg);
	if (r < 0)
		return r;
	params = json_object_get(msg, "parameters");
	error = json_object_get(msg, "error");
	if ((params && !json_is_object(params)) || (error && !json_is_string(error))) {
		json_decref(msg);
		return -EBADMSG;
	}
	if (!params) {
		params = json_object();
		if (!params || json_object_set_new(msg, "parameters", params) < 0) {
			json_decref(msg);
			return -ENOMEM;
		}
	}
	*ret = (Reply){
		.msg = msg,
		.params = params,
		.error = json_string_value(error),
		.continues = json_is_true(json_object_get(msg, "continues")),
	};
	return 0;
}

int conn_method(Conn *c, const char *method, json_t *params, Reply *ret)
{
	int r = conn_call(c, method, params, false);

	return r < 0 ? r : conn_read_reply(c, ret);
}

int error_reply(const Reply *rep, const char *method)
{
	_cleanup_free_ char *p = NULL;

	if (strcmp(rep->error, VARLINK_ERROR_PERMISSION_DENIED) == 0) {
		log_error("permission denied: %s", method);
		return EXIT_PERMISSION;
	}
	if (strcmp(rep->error, MONITOR_ERROR_TOO_MANY_CONNECTIONS) == 0) {
		log_error("cnprocd refused the connection: too many connections (%s limit)",
			  json_string_value(json_object_get(rep->params, "limit")) ?: "?");
		return EXIT_FAILURE;
	}
	if (json_object_size(rep->params) > 0)
		p = json_dumps(rep->params, JSON_COMPACT);
	log_error("%s failed: %s%s%s", method, rep->error, p ? " " : "", p ?: "");
	return EXIT_FAILURE;
}

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

int setup_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, &unblocked_mask) < 0)
		return -errno;
	sigdelset(&unblocked_mask, SIGINT);
	sigdelset(&unblocked_mask, SIGTERM);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
		return -errno;
	stop_signals_blocked = true;
	return 0;
}

/* Back to the defaults once the stream is over: nothing is left pending or blocked
 * for the exit path (LeakSanitizer's exit-time check was seen to hang otherwise). */
void teardown_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t block;

	if (!stop_signals_blocked)
		return;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	(void)sigprocmask(SIG_UNBLOCK, &block, NULL);
	stop_signals_blocked = false;
}
