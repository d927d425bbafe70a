/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memfd-exec FILE ARG...: copy FILE into a memfd and fexecve it with ARG... as
 * its argv: a fileless exec, for the exe_flags test.
 * memfd-exec --unlink FILE ARG...: open FILE, unlink it, and fexecve what is
 * open: a program that runs from a deleted file from its first instruction.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	struct stat st;
	int in, mfd;
	off_t off = 0;

	if (argc >= 4 && strcmp(argv[1], "--unlink") == 0) {
		in = open(argv[2], O_RDONLY);
		if (in < 0 || unlink(argv[2]) < 0) {
			fprintf(stderr, "memfd-exec: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		fexecve(in, argv + 3, environ);
		fprintf(stderr, "memfd-exec: fexecve: %s\n", strerror(errno));
		return 1;
	}
	if (argc < 3) {
		fprintf(stderr, "Usage: memfd-exec FILE ARG...\n");
		return 2;
	}
	in = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0) {
		fprintf(stderr, "memfd-exec: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* not close-on-exec: a script interpreter would need it; a binary does not */
	mfd = memfd_create("cnprocd-test", 0);
	if (mfd < 0) {
		fprintf(stderr, "memfd-exec: memfd_create: %s\n", strerror(errno));
		return 77;
	}
	while (off < st.st_size)
		if (sendfile(mfd, in, &off, (size_t)(st.st_size - off)) <= 0) {
			fprintf(stderr, "memfd-exec: copy: %s\n", strerror(errno));
			return 1;
		}
	fexecve(mfd, argv + 2, environ);
	fprintf(stderr, "memfd-exec: fexecve: %s\n", strerror(errno));
	return errno == ENOSYS || errno == EACCES || errno == EPERM ? 77 : 1;
}
