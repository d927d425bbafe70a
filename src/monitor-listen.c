/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where io.cnprocd.Monitor is served, with which limits (monitor-listen.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "monitor-listen.h"
#include "monitor-protocol.h"
#include "varlink-listen.h"

static int make_parent_dir(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;

	if (!dir)
		return log_oom();
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return log_error_errno(errno, "Failed to create %s: %m", dir);
	}
	return 0;
}

/* By default only root may connect (the table shows every command line). */
int monitor_listen(sd_event *event, const char *path, const Config *c, Monitor *mon,
		   VarlinkServer **ret, VarlinkListener **ret_listener)
{
	static const VarlinkServerInfo info = {
		.vendor = "cnprocd",
		.product = "cnprocd",
		.version = PACKAGE_VERSION,
		.url = PACKAGE_URL,
	};
	VarlinkLimits limits = {
		.max_connections = 64,
		.max_connections_per_uid = 16,
		.max_message = 64 * 1024,
		.max_output = 1024 * 1024,
		.reserved_for_root = 8,
		.idle_usec = c->varlink_idle,
		.refused_error = MONITOR_ERROR_TOO_MANY_CONNECTIONS,
	};
	VarlinkServer *s;
	int n, r;

	*ret = NULL;
	*ret_listener = NULL;
	n = sd_listen_fds(true);
	if (n < 0)
		return log_error_errno(n, "Failed to read the sockets passed by systemd: %m");
	if (n == 0 && !path)
		return 0;

	r = varlink_server_new(event, &info, &limits, mon, &s);
	if (r < 0)
		return log_oom();
	/* the caller frees it, also after a failure below */
	*ret = s;
	r = varlink_server_add_interface(s, &varlink_service_interface);
	if (r >= 0)
		r = varlink_server_add_interface(s, &monitor_interface);
	if (r < 0)
		return log_error_errno(r, "Failed to add the varlink interface: %m");

	if (n > 0) {
		if (n > 1 || sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL, 0) <= 0)
			return log_error_errno(EINVAL, "Expected exactly one listening unix stream "
					       "socket from systemd, got %d file descriptors.", n);
		r = varlink_listen_fd(event, s, SD_LISTEN_FDS_START, ret_listener);
		if (r < 0)
			return log_error_errno(r, "Failed to listen on the socket from systemd: %m");
		log_debug("Serving io.cnprocd.Monitor on the socket passed by systemd.");
		return 0;
	}

	r = make_parent_dir(path);
	if (r < 0)
		return r;
	r = varlink_listen_path(event, s, path, c->varlink_mode, (gid_t)c->varlink_group,
				ret_listener);
	if (r == -EADDRINUSE)
		return log_error_errno(r, "Another process is serving %s; refusing to take it over "
				 "(set varlink-socket= or --varlink-socket= for a second "
				 "instance).", path);
	if (r < 0)
		return log_error_errno(r, "Failed to listen on %s: %m", path);
	log_debug("Serving io.cnprocd.Monitor on %s (mode %04o).", path, c->varlink_mode);
	return 0;
}
