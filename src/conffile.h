/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * cnprocd.conf (inih): daemon settings in [cnprocd], rules in [rule NAME] sections.
 * The main file is read first, then drop-ins FILE.d/ *.conf in lexical order. The
 * Config it fills and its [cnprocd] settings are conf-settings.h's.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conf-settings.h"

/* Where and why a configuration was rejected: "file:line: message". */
typedef struct ConfigError {
	char file[256];
	unsigned line; /* 0: not tied to a line (e.g. cannot open) */
	char message[256];
} ConfigError;

/*
 * Load path and its drop-ins into a new *ret (defaults first). If !required a
 * missing main file means "defaults" (drop-ins are still read). On error returns a
 * negative errno, fills *err, and *ret is untouched.
 */
int config_load(const char *path, bool required, Config *ret, ConfigError *err);
/* One file's text (tests, fuzzing); name is used in error messages. */
int config_load_string(const char *name, const char *text, Config *ret, ConfigError *err);

/* The parsed configuration, readable, for --check-config. */
void config_print(const Config *c, FILE *f);
void config_error_print(const ConfigError *err);
