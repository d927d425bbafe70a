/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reload-storm: SIGHUP a daemon at a fixed rate while swapping its configuration.
 *
 *   reload-storm PID RATE SECONDS TARGET FILE...
 *
 * RATE times a second for SECONDS seconds: the next FILE in turn (round robin) is
 * copied to TARGET.tmp and renamed over TARGET, so a reader sees one file or the
 * other, never a half-written one; then PID gets SIGHUP. Ticks are on an absolute
 * clock, so the rate holds however long a copy takes. The last line is
 * "sent N signals in S.SSS s (R per second)" followed by how often each FILE was
 * installed. Exit status: 0, 1 on an error, 2 when PID went away.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES 16

static int parse_long(const char *s, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0)
		return -1;
	*ret = v;
	return 0;
}

/* All of path; NULL on error (reported). */
static char *slurp(const char *path, size_t *ret_size)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t size = 0;

	if (!f || getdelim(&buf, &size, 0, f) < 0) {
		/* an empty file is a valid configuration too */
		if (f && feof(f)) {
			fclose(f);
			*ret_size = 0;
			return buf ? buf : strdup("");
		}
		fprintf(stderr, "reload-storm: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	/* getdelim stops at a NUL: configuration files have none, so this is all */
	*ret_size = strlen(buf);
	fclose(f);
	return buf;
}

static int install(const char *target, const char *tmp, const char *data, size_t size)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t off = 0;

	if (fd < 0)
		return -errno;
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);

		if (n < 0) {
			int r = -errno;

			close(fd);
			return r;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0 || rename(tmp, target) < 0)
		return -errno;
	return 0;
}

static void tick_add(struct timespec *t, long ns)
{
	t->tv_nsec += ns;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

int main(int argc, char **argv)
{
	long pid, rate, seconds, n_ticks, sent = 0, installed[MAX_FILES] = {};
	char *data[MAX_FILES], tmp[4096];
	size_t size[MAX_FILES];
	struct timespec start, next, end;
	int n_files = argc - 5;
	double secs;

	if (argc < 6 || n_files > MAX_FILES || parse_long(argv[1], &pid) < 0 ||
	    parse_long(argv[2], &rate) < 0 || parse_long(argv[3], &seconds) < 0 ||
	    rate > 100000) {
		fprintf(stderr, "usage: reload-storm PID RATE SECONDS TARGET FILE... "
			"(at most %d files)\n", MAX_FILES);
		return 1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.storm-tmp", argv[4]) >= sizeof(tmp))
		return 1;
	for (int i = 0; i < n_files; i++) {
		data[i] = slurp(argv[5 + i], &size[i]);
		if (!data[i])
			return 1;
	}

	n_ticks = rate * seconds;
	clock_gettime(CLOCK_MONOTONIC, &start);
	next = start;
	for (long i = 0; i < n_ticks; i++) {
		int f = (int)(i % n_files), r;

		r = install(argv[4], tmp, data[f], size[f]);
		if (r < 0) {
			fprintf(stderr, "reload-storm: installing %s: %s\n", argv[5 + f],
				strerror(-r));
			return 1;
		}
		installed[f]++;
		if (kill((pid_t)pid, SIGHUP) < 0) {
			fprintf(stderr, "reload-storm: kill %ld: %s (after %ld signals)\n", pid,
				strerror(errno), sent);
			return 2;
		}
		sent++;
		tick_add(&next, 1000000000L / rate);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	secs = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
	printf("sent %ld signals in %.3f s (%.0f per second)", sent, secs, sent / secs);
	for (int i = 0; i < n_files; i++)
		printf(", %s %ld", argv[5 + i], installed[i]);
	putchar('\n');
	for (int i = 0; i < n_files; i++)
		free(data[i]);
	return 0;
}
