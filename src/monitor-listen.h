/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Where io.cnprocd.Monitor is served: the socket systemd passes (cnprocd.socket), or
 * one made at path; with the daemon's connection and message limits. */

#include <systemd/sd-event.h>

#include "conffile.h"
#include "monitor.h"
#include "varlink.h"
#include "varlink-listen.h"

/* The server and its listening socket; both NULL (and 0 returned) when there is
 * neither a passed socket nor a path. Errors are logged; the caller frees what was
 * made, listener first. */
int monitor_listen(sd_event *event, const char *path, const Config *c, Monitor *mon,
		   VarlinkServer **ret, VarlinkListener **ret_listener);
