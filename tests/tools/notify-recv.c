/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A stand-in for the service manager's notification socket: binds PATH as a unix
 * datagram socket and prints every sd_notify message it receives, one line per
 * assignment, prefixed with CLOCK_MONOTONIC microseconds. Runs until SIGTERM.
 * Tests use it to see WATCHDOG=1 keep coming while the daemon is under stress.
 *
 *   notify-recv PATH
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: notify-recv PATH\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("notify-recv: socket");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		struct timespec ts;
		char *line, *save = NULL;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("notify-recv: recv");
			return 1;
		}
		buf[n] = 0;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			printf("%lld %s\n",
			       (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000, line);
	}
}
