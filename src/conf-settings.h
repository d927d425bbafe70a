/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The [cnprocd] keys, for conffile.c: parsed, defaulted and printed from one
 * table (conf-settings.c). What the daemon needs of it is in conffile.h.
 */

#include <stddef.h>
#include <stdio.h>

#include "conffile.h"

/* The table's defaults, over a Config zeroed but for what has none there. */
void config_settings_init(Config *c);

/* One "key = value" of [cnprocd]: 0; -ENOMEM; or another negative errno with the
 * message ("KEY: expected ..., got \"VALUE\"") in why. */
int config_setting_parse(Config *c, const char *key, const char *value, char *why,
			 size_t size);

/* The [cnprocd] settings as --check-config shows them, one "key = value" a line. */
void config_settings_print(const Config *c, FILE *f);

/* COUNT/INTERVAL, or none. */
void rate_limit_print(FILE *f, const RateLimit *rl);

/* varlink-socket = PATH or none, unchecked (the command line uses it too). */
int config_set_varlink_socket(Config *c, const char *value);
