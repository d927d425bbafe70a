/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Minimal harness in the kmod style: each test is a function, failures print
 * file:line and the failed expression; the program exits 0 (pass), 1 (fail)
 * or 77 (skip) as the automake harness expects. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_TEST_SKIP 77

static int test_failures;

#define TS_ASSERT(expr)                                                                    \
	do {                                                                               \
		if (!(expr)) {                                                             \
			fprintf(stderr, "%s:%d: %s: assertion failed: %s\n", __FILE__,    \
				__LINE__, __func__, #expr);                                \
			test_failures++;                                                   \
			return;                                                            \
		}                                                                          \
	} while (0)

#define TS_ASSERT_INT_EQ(a, b)                                                             \
	do {                                                                               \
		long long _a = (long long)(a), _b = (long long)(b);                        \
		if (_a != _b) {                                                            \
			fprintf(stderr, "%s:%d: %s: %s == %s failed: %lld != %lld\n",      \
				__FILE__, __LINE__, __func__, #a, #b, _a, _b);             \
			test_failures++;                                                   \
			return;                                                            \
		}                                                                          \
	} while (0)

#define TS_ASSERT_STR_EQ(a, b)                                                             \
	do {                                                                               \
		const char *_a = (a), *_b = (b);                                           \
		if (!_a || !_b || strcmp(_a, _b) != 0) {                                   \
			fprintf(stderr, "%s:%d: %s: %s == %s failed: \"%s\" != \"%s\"\n",  \
				__FILE__, __LINE__, __func__, #a, #b, _a ? _a : "(null)",  \
				_b ? _b : "(null)");                                       \
			test_failures++;                                                   \
			return;                                                            \
		}                                                                          \
	} while (0)

#define RUN_TEST(fn)                                                                       \
	do {                                                                               \
		int _before = test_failures;                                               \
		fn();                                                                      \
		printf("%s %s\n", test_failures == _before ? "PASS:" : "FAIL:", #fn);      \
	} while (0)

#define TEST_EXIT() (test_failures ? EXIT_FAILURE : EXIT_SUCCESS)
