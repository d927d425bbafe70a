/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * varlink-raw: a deliberately dumb varlink client for protocol conformance tests.
 *
 *   varlink-raw SOCKET [--timeout MS] [--expect N] [--hold MS]
 *
 * connects to the unix socket SOCKET, writes what it reads on stdin verbatim
 * (malformed JSON, missing NULs, several messages in one write: whatever the test
 * wants), waits --hold MS if given (a client that does not read; --hold-file PATH:
 * until PATH exists, as long as the test needs), then reads until
 * N NUL-terminated messages arrived (--expect N; 0: do not read, close right after
 * writing), the server closed the connection, or --timeout MS (default 5000)
 * passed. Each message is printed on its own line (its NUL becomes a newline); bytes
 * left without a NUL are printed after "PARTIAL ". Exit status: 0 when N messages
 * arrived (or N is 0), 3 when the server closed the connection ("EOF" is printed as
 * the last line), 4 on timeout, 2 when connecting failed, 1 on other errors.
 *
 *   varlink-raw SOCKET --connections K [--hold MS] [--timeout MS]
 *
 * opens K connections one after the other, prints "connected K", holds them open
 * for --hold MS (default 1000) counting those the server closes, then writes stdin
 * (if not empty) on every connection still open and waits up to --timeout MS for
 * one message on each. The last line is "open O closed C answered A".
 */

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#define EXIT_CONNECT 2
#define EXIT_EOF 3
#define EXIT_TIMEOUT 4
#define MAX_CONNECTIONS 1024

static const char *arg_socket;
static long arg_timeout_ms = 5000;
static long arg_expect = -1; /* -1: until EOF or timeout */
static long arg_hold_ms = -1;
static const char *arg_hold_file;
static long arg_connections;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int parse_long(const char *s, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		return -1;
	*ret = v;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: varlink-raw SOCKET [--timeout MS] [--expect N] [--hold MS] "
		   "[--hold-file PATH]\n"
		   "       varlink-raw SOCKET --connections K [--hold MS] "
		   "[--timeout MS]\n");
}

static int parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		long *target = NULL;

		if (strcmp(a, "--timeout") == 0)
			target = &arg_timeout_ms;
		else if (strcmp(a, "--expect") == 0)
			target = &arg_expect;
		else if (strcmp(a, "--hold") == 0)
			target = &arg_hold_ms;
		else if (strcmp(a, "--connections") == 0)
			target = &arg_connections;
		else if (strcmp(a, "--hold-file") == 0 && i + 1 < argc) {
			arg_hold_file = argv[++i];
			if (arg_hold_ms < 0)
				arg_hold_ms = 0; /* a hold: nothing is read while writing */
			continue;
		}
		else if (strcmp(a, "--help") == 0) {
			usage(stdout);
			exit(0);
		} else if (a[0] != '-' && !arg_socket) {
			arg_socket = a;
			continue;
		} else {
			usage(stderr);
			return -1;
		}
		if (i + 1 >= argc || parse_long(argv[i + 1], target) < 0) {
			fprintf(stderr, "varlink-raw: %s needs a number >= 0\n", a);
			return -1;
		}
		i++;
	}
	if (!arg_socket) {
		usage(stderr);
		return -1;
	}
	if (arg_connections > MAX_CONNECTIONS) {
		fprintf(stderr, "varlink-raw: at most %d connections\n", MAX_CONNECTIONS);
		return -1;
	}
	return 0;
}

static int connect_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "varlink-raw: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "varlink-raw: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "varlink-raw: connect %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* All of stdin; *ret_size 0 for an empty or closed stdin. */
static char *read_stdin(size_t *ret_size)
{
	size_t size = 0, alloc = 0;
	char *buf = NULL;

	for (;;) {
		ssize_t n;

		if (alloc - size < 65536) {
			char *b = realloc(buf, alloc + 262144);

			if (!b) {
				free(buf);
				return NULL;
			}
			buf = b;
			alloc += 262144;
		}
		n = read(STDIN_FILENO, buf + size, alloc - size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EBADF)
				break;
			fprintf(stderr, "varlink-raw: stdin: %s\n", strerror(errno));
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		size += (size_t)n;
	}
	*ret_size = size;
	return buf;
}

/* Print complete messages in buf, keep the rest; returns how many were printed. */
static long print_messages(char *buf, size_t *size)
{
	long n = 0;
	char *nul;

	while ((nul = memchr(buf, 0, *size))) {
		size_t l = (size_t)(nul - buf);

		fwrite(buf, 1, l, stdout);
		fputc('\n', stdout);
		memmove(buf, nul + 1, *size - l - 1);
		*size -= l + 1;
		n++;
		if (arg_expect >= 0 && n >= arg_expect)
			break;
	}
	fflush(stdout);
	return n;
}

/* A real error, not just "try again". */
static bool io_failed(ssize_t n)
{
	return n < 0 && errno != EAGAIN && errno != EINTR;
}

/* At least 4 KiB free in *buf. */
static int grow(char **buf, size_t *alloc, size_t size)
{
	char *b;

	if (*alloc - size >= 4096)
		return 0;
	b = realloc(*buf, *alloc * 2);
	if (!b)
		return -1;
	*buf = b;
	*alloc *= 2;
	return 0;
}

static long remaining_ms(long deadline)
{
	long r = deadline - now_ms();

	return r < 0 ? 0 : r;
}

/*
 * One connection: write out while reading what comes back (a server may answer
 * the first of many pipelined calls before it has read them all), then read.
 */
static int run_single(void)
{
	size_t in_size = 0, in_off = 0, got_size = 0, got_alloc = 65536;
	bool writing, peer_closed = false, timed_out = false;
	long received = 0, deadline;
	char *in, *got;
	int fd, rc;

	in = read_stdin(&in_size);
	got = malloc(got_alloc);
	if (!got || (!in && in_size))
		return 1;
	fd = connect_socket(arg_socket);
	if (fd < 0)
		return EXIT_CONNECT;
	writing = in_size > 0;
	deadline = now_ms() + arg_timeout_ms;

	/* the writing phase: read too, but do not count those bytes before --hold */
	while (writing) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t n;

		if (arg_hold_ms < 0)
			p.events |= POLLIN;
		if (poll(&p, 1, (int)remaining_ms(deadline)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!p.revents) {
			timed_out = true;
			break;
		}
		if (p.revents & POLLOUT) {
			n = send(fd, in + in_off, in_size - in_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
			if (io_failed(n)) {
				/* EPIPE, ECONNRESET: read what the server said */
				writing = false;
			} else if (n > 0) {
				in_off += (size_t)n;
				writing = in_off < in_size;
			}
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR) && arg_hold_ms < 0) {
			if (grow(&got, &got_alloc, got_size) < 0)
				return 1;
			n = recv(fd, got + got_size, got_alloc - got_size, MSG_DONTWAIT);
			if (n == 0 || io_failed(n)) {
				peer_closed = true;
				writing = false;
			} else if (n > 0) {
				got_size += (size_t)n;
			}
		}
	}
	free(in);

	if (arg_expect == 0 && !timed_out) {
		if (arg_hold_ms > 0)
			sleep_ms(arg_hold_ms);
		close(fd);
		free(got);
		return 0;
	}
	if (arg_hold_ms > 0) {
		sleep_ms(arg_hold_ms);
		deadline = now_ms() + arg_timeout_ms;
	}
	if (arg_hold_file) {
		while (access(arg_hold_file, F_OK) != 0)
			sleep_ms(10);
		deadline = now_ms() + arg_timeout_ms;
	}

	received += print_messages(got, &got_size);
	while (!peer_closed && !timed_out && (arg_expect < 0 || received < arg_expect)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int r;

		r = poll(&p, 1, (int)remaining_ms(deadline));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "varlink-raw: poll: %s\n", strerror(errno));
			return 1;
		}
		if (r == 0) {
			timed_out = true;
			break;
		}
		if (grow(&got, &got_alloc, got_size) < 0)
			return 1;
		n = recv(fd, got + got_size, got_alloc - got_size, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			peer_closed = true; /* ECONNRESET */
			break;
		}
		if (n == 0) {
			peer_closed = true;
			break;
		}
		got_size += (size_t)n;
		received += print_messages(got, &got_size);
	}

	if (arg_expect >= 0 && received >= arg_expect)
		rc = 0;
	else if (peer_closed)
		rc = EXIT_EOF;
	else
		rc = EXIT_TIMEOUT;
	if (rc != 0 && got_size > 0) {
		fputs("PARTIAL ", stdout);
		fwrite(got, 1, got_size, stdout);
		fputc('\n', stdout);
	}
	if (rc == EXIT_EOF)
		puts("EOF");
	fflush(stdout);
	close(fd);
	free(got);
	return rc;
}

/* Did the server refuse fd: close it, or say something unasked (the reason it
 * refused, before the close)? Only meaningful while we have not asked anything. */
static bool closed_by_peer(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);

	return n >= 0 || io_failed(n);
}

static int run_connections(void)
{
	long hold = arg_hold_ms < 0 ? 1000 : arg_hold_ms, deadline;
	long n_open = 0, n_closed = 0, n_answered = 0;
	size_t msg_size = 0;
	char *msg = read_stdin(&msg_size);
	int fds[MAX_CONNECTIONS];
	bool gone[MAX_CONNECTIONS] = {};
	bool answered[MAX_CONNECTIONS] = {};

	if (!msg && msg_size)
		return 1;
	for (long i = 0; i < arg_connections; i++) {
		fds[i] = connect_socket(arg_socket);
		if (fds[i] < 0) {
			for (long j = 0; j < i; j++)
				close(fds[j]);
			return EXIT_CONNECT;
		}
	}
	printf("connected %ld\n", arg_connections);
	fflush(stdout);

	/* the hold: a connection closed now was refused by the server */
	deadline = now_ms() + hold;
	for (;;) {
		for (long i = 0; i < arg_connections; i++)
			if (!gone[i] && closed_by_peer(fds[i]))
				gone[i] = true;
		if (remaining_ms(deadline) == 0)
			break;
		sleep_ms(remaining_ms(deadline) < 20 ? remaining_ms(deadline) : 20);
	}
	for (long i = 0; i < arg_connections; i++) {
		if (gone[i])
			n_closed++;
		else
			n_open++;
	}

	/* the ones still open must still work */
	if (msg_size > 0) {
		for (long i = 0; i < arg_connections; i++) {
			if (gone[i])
				continue;
			ssize_t n = send(fds[i], msg, msg_size, MSG_NOSIGNAL);

			if (n != (ssize_t)msg_size)
				gone[i] = true;
		}
		deadline = now_ms() + arg_timeout_ms;
		while (remaining_ms(deadline) > 0) {
			bool waiting = false;

			for (long i = 0; i < arg_connections; i++) {
				char buf[4096];
				ssize_t n;

				if (gone[i] || answered[i])
					continue;
				n = recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT);
				if (n == 0 || io_failed(n)) {
					gone[i] = true;
					continue;
				}
				if (n > 0 && memchr(buf, 0, (size_t)n)) {
					answered[i] = true;
					n_answered++;
					continue;
				}
				waiting = true;
			}
			if (!waiting)
				break;
			sleep_ms(10);
		}
	}
	for (long i = 0; i < arg_connections; i++)
		close(fds[i]);
	free(msg);
	printf("open %ld closed %ld answered %ld\n", n_open, n_closed, n_answered);
	return 0;
}

int main(int argc, char **argv)
{
	if (parse_args(argc, argv) < 0)
		return 1;
	if (arg_connections > 0)
		return run_connections();
	return run_single();
}
