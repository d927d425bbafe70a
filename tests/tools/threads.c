/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Create and join N threads, one after another: each is a FORK event with
 * pid != tgid and an EXIT of a non-leader for the proc connector. Tests use it to
 * see thread events folded or filtered out before they reach cnprocd.
 *
 *   threads N
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *run(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;

	for (long i = 0; i < n; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, run, NULL) != 0 || pthread_join(t, NULL) != 0) {
			fprintf(stderr, "threads: thread %ld failed\n", i);
			return 1;
		}
	}
	return 0;
}
