/* newfile.c: see newfile.h. */
#include "logd/newfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *newfile_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case NEWFILE_ERR_IO:
        return "cannot create the file (see errno)";
    default:
        return "unknown newfile error";
    }
}

int newfile_write(int dirfd, const char *name, const char *text, mode_t mode)
{
    char tmp[NAME_MAX + 1];
    size_t len = strlen(text), off = 0;
    int fd, e;

    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", name) >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return NEWFILE_ERR_IO;
    }
    fd = openat(dirfd, tmp,
                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return NEWFILE_ERR_IO;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0)
            goto fail;
        off += (size_t)w;
    }
    if (fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (renameat(dirfd, tmp, dirfd, name) != 0)
        goto fail;
    return 0;
fail:
    e = errno;
    if (fd >= 0)
        close(fd);
    unlinkat(dirfd, tmp, 0);
    errno = e;
    return NEWFILE_ERR_IO;
}
