/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "macro.h"

usec_t now_usec(clockid_t clock);
nsec_t now_nsec(clockid_t clock);

/* "8M", "8MiB", "65536", "1G" -> bytes. */
int parse_size(const char *s, uint64_t *ret);
/* "10s", "500ms", "2min", "1h", plain number = seconds. */
int parse_duration(const char *s, usec_t *ret);
int parse_uint64(const char *s, uint64_t *ret);
int parse_boolean(const char *s);

bool utf8_is_valid_n(const char *s, size_t len);

/*
 * Append a readable, single-line rendering of len bytes to f: printable ASCII and
 * valid UTF-8 pass through, backslash, control characters and invalid bytes become
 * C escapes (\n, \t, \\, \xNN). Output from other users' processes must never be
 * able to forge lines or terminal escape sequences.
 */
void fputs_escaped(FILE *f, const char *s, size_t len);

/* Same, into a newly allocated NUL-terminated string; NULL on ENOMEM. Only invalid
 * UTF-8 and control characters are escaped when json_safe is true (for JSON values,
 * where the encoder escapes the rest). */
char *escape_bytes(const char *s, size_t len, bool json_safe);

/* Format realtime usec as "YYYY-MM-DD HH:MM:SS.mmm" local time. */
char *format_timestamp(char *buf, size_t size, usec_t realtime);
/* Human duration: "1.234s", "12ms", "3min 2s". */
char *format_duration(char *buf, size_t size, nsec_t ns);
/* A CLOCK_MONOTONIC time in ns (the connector's clock) as realtime usec. */
uint64_t monotonic_to_realtime_usec(uint64_t mono_ns);

/* Kernel version string (uname -r). */
const char *kernel_release(char *buf, size_t size);
/* Is a release string ("6.18.1-amd64") at least major.minor? Unparsable: no. */
bool kernel_release_at_least(const char *release, unsigned major, unsigned minor);
bool kernel_at_least(unsigned major, unsigned minor);
