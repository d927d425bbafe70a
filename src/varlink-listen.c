/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The listening socket of a varlink server (varlink-listen.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "varlink-listen.h"

struct VarlinkListener {
	VarlinkServer *server;
	int fd;
	bool own_fd;
	char *path;             /* removed when freed */
	sd_event_source *src;
};

static int on_listen_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	VarlinkListener *l = userdata;

	/* accept a bounded number per wakeup so a flood cannot starve the connector */
	for (int i = 0; i < 16; i++) {
		int cfd, r;

		cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warning_errno(errno, "varlink: accept failed: %m");
			break;
		}
		r = varlink_server_add_connection(l->server, cfd);
		/* refused or unusable: the next one; out of resources: at the next wakeup */
		if (r < 0 && r != -EBUSY && r != -ENOTCONN)
			break;
	}
	return 0;
}

/* Watch fd; *ret owns it if own_fd (also on failure). */
static int listen_on(sd_event *event, VarlinkServer *s, int fd, bool own_fd, const char *path,
		     VarlinkListener **ret)
{
	VarlinkListener *l = calloc(1, sizeof(*l));
	int r;

	if (!l) {
		if (own_fd)
			close(fd);
		return -ENOMEM;
	}
	*l = (VarlinkListener){ .server = s, .fd = fd, .own_fd = own_fd };
	if (path && !(l->path = strdup(path))) {
		varlink_listener_free(l);
		return -ENOMEM;
	}
	r = sd_event_add_io(event, &l->src, fd, EPOLLIN, on_listen_io, l);
	if (r < 0) {
		varlink_listener_free(l);
		return r;
	}
	(void)sd_event_source_set_description(l->src, "cnprocd-varlink");
	*ret = l;
	return 0;
}

int varlink_listen_fd(sd_event *event, VarlinkServer *s, int fd, VarlinkListener **ret)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return listen_on(event, s, fd, false, NULL, ret);
}

int varlink_listen_path(sd_event *event, VarlinkServer *s, const char *path, mode_t mode,
			gid_t gid, VarlinkListener **ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;
	mode_t old;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a stale socket from an earlier run is replaced; a live one is not stolen */
	{
		_cleanup_close_ int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return -EADDRINUSE;
	}
	(void)unlink(path);
	/* no window in which the socket is more open than asked */
	old = umask(0777 & ~mode);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return -errno;
	if (chmod(path, mode) < 0 || (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0) ||
	    listen(fd, 64) < 0) {
		r = -errno;
		(void)unlink(path);
		return r;
	}
	r = listen_on(event, s, TAKE_FD(fd), true, path, ret);
	if (r < 0)
		(void)unlink(path);
	return r;
}

VarlinkListener *varlink_listener_free(VarlinkListener *l)
{
	if (!l)
		return NULL;
	sd_event_source_disable_unref(l->src);
	if (l->own_fd && l->fd >= 0)
		close(l->fd);
	if (l->path)
		(void)unlink(l->path);
	free(l->path);
	free(l);
	return NULL;
}
