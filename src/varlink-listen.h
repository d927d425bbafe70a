/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The listening socket of a varlink server: bound at a path (replacing a stale
 * socket, never a live one) or passed by systemd; accepted connections are
 * handed to the server, which applies its limits. */

#include <sys/types.h>
#include <systemd/sd-event.h>

#include "macro.h"
#include "varlink.h"

typedef struct VarlinkListener VarlinkListener;

/* Create and bind a socket at path, chmod/chown it, listen. */
int varlink_listen_path(sd_event *event, VarlinkServer *s, const char *path, mode_t mode,
			gid_t gid, VarlinkListener **ret);
/* Listen on an already bound, listening socket (socket activation): not closed
 * when freed. */
int varlink_listen_fd(sd_event *event, VarlinkServer *s, int fd, VarlinkListener **ret);
/* Stop accepting; a socket made at a path is closed and removed. */
VarlinkListener *varlink_listener_free(VarlinkListener *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(VarlinkListener *, varlink_listener_free);
