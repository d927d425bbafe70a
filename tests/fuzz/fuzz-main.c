/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replays inputs through a harness without libFuzzer, so make check runs the
 * corpora and the regression inputs with the ordinary compiler (and under the
 * sanitizer CI build, with ASan/UBSan):
 *
 *   fuzz-NAME [FILE|DIR]...
 *
 * Without arguments it runs $FUZZ_DIR (default: the source tree's tests/fuzz)
 * /corpus/NAME and /regressions/NAME, NAME being the program's name without
 * "fuzz-". Each file is read into a buffer of exactly its size, so an overread
 * is a sanitizer error here as it is under libFuzzer.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* Harnesses without one leave it undefined. */
#pragma weak LLVMFuzzerInitialize

static unsigned n_inputs;

static int run_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t have = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	/* malloc(0) may return NULL: one spare byte that is never part of the input */
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (have < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + have, (size_t)st.st_size - have);

		if (n <= 0) {
			int r = n < 0 ? -errno : -EIO;

			fprintf(stderr, "%s: short read\n", path);
			free(buf);
			close(fd);
			return r;
		}
		have += (size_t)n;
	}
	close(fd);
	/* the name first: if the harness crashes, the log says on what */
	fprintf(stderr, "%s (%zu bytes)\n", path, have);
	(void)LLVMFuzzerTestOneInput(buf, have);
	free(buf);
	n_inputs++;
	return 0;
}

static int filter_hidden(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* Every regular file in dir, sorted; a missing directory is fine if !required. */
static int run_dir(const char *dir, bool required)
{
	struct dirent **list;
	int n, r = 0;

	n = scandir(dir, &list, filter_hidden, alphasort);
	if (n < 0) {
		if (errno == ENOENT && !required)
			return 0;
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -errno;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		if (r == 0 && (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
					       list[i]->d_name) < sizeof(path) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode))
			r = run_file(path);
		free(list[i]);
	}
	free(list);
	return r;
}

static int run_path(const char *path, bool required)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT && !required)
			return 0;
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	return S_ISDIR(st.st_mode) ? run_dir(path, required) : run_file(path);
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	int r = 0;

	if (LLVMFuzzerInitialize)
		(void)LLVMFuzzerInitialize(&argc, &argv);

	if (argc > 1) {
		for (int i = 1; r == 0 && i < argc; i++)
			r = run_path(argv[i], true);
	} else {
		const char *top = getenv("FUZZ_DIR");
		char path[4096];

#ifdef FUZZ_SRCDIR
		if (!top)
			top = FUZZ_SRCDIR;
#endif
		if (!top) {
			fprintf(stderr, "usage: %s FILE|DIR... (or set $FUZZ_DIR)\n", name);
			return 2;
		}
		if (strncmp(name, "fuzz-", 5) == 0)
			name += 5;
		snprintf(path, sizeof(path), "%s/corpus/%s", top, name);
		r = run_path(path, true);
		/* no crash found yet means no regression directory */
		snprintf(path, sizeof(path), "%s/regressions/%s", top, name);
		if (r == 0)
			r = run_path(path, false);
		/* an empty corpus would pass without testing anything */
		if (r == 0 && n_inputs == 0) {
			fprintf(stderr, "%s: no inputs found under %s\n", name, top);
			r = -ENOENT;
		}
	}
	if (r < 0)
		return 1;
	fprintf(stderr, "%u inputs replayed without a crash\n", n_inputs);
	return 0;
}
