/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The libFuzzer entry points. Each fuzz-*.c defines LLVMFuzzerTestOneInput (and
 * maybe LLVMFuzzerInitialize); linked with libFuzzer (scripts/fuzz.sh) it is
 * fuzzed, linked with fuzz-main.c (make check) it replays the corpus and the
 * regression inputs.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A broken invariant: abort, so both libFuzzer and make check see a crash. */
#define FUZZ_CHECK(expr)                                                                   \
	do {                                                                               \
		if (!(expr)) {                                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
				#expr);                                                    \
			abort();                                                           \
		}                                                                          \
	} while (0)
