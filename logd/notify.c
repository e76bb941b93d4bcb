/*
 * notify.c: see notify.h. The whole protocol is one datagram, so it is
 * written here rather than linking libsystemd for it.
 */
#include "logd/notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

const char *notify_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case NOTIFY_ERR_ADDRESS:
        return "$NOTIFY_SOCKET is neither an absolute path nor @name";
    case NOTIFY_ERR_IO:
        return "cannot send to $NOTIFY_SOCKET (see errno)";
    default:
        return "unknown notify error";
    }
}

int notify_send(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa;
    size_t n, len = strlen(state);
    ssize_t sent;
    int fd, e;

    if (path == NULL || path[0] == '\0')
        return 0;
    n = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || n < 2 || n >= sizeof sa.sun_path)
        return NOTIFY_ERR_ADDRESS;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, n);
    if (path[0] == '@')
        sa.sun_path[0] = '\0'; /* abstract: the name is not NUL-terminated */
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NOTIFY_ERR_IO;
    sent = sendto(fd, state, len, MSG_NOSIGNAL, (const struct sockaddr *)&sa,
                  (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
                              (path[0] == '/' ? 1 : 0)));
    e = errno;
    close(fd);
    errno = e;
    return sent == (ssize_t)len ? 0 : NOTIFY_ERR_IO;
}
