/* files.c: see files.h. */
#include "client/files.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

int client_read_file(const char *path, size_t max, char **buf, size_t *len,
                     char *why)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t used = 0, cap = 0;
    int saved;

    *buf = NULL;
    *len = 0;
    if (f == NULL) {
        saved = errno;
        client_fail(why, CLIENT_ERR_IO, "cannot open %s: %s", path,
                    strerror(errno));
        errno = saved;
        return CLIENT_ERR_IO;
    }
    /* Unbuffered: fread then copies straight into data, so no copy of a
     * private key file is left behind in a freed stdio buffer. */
    setvbuf(f, NULL, _IONBF, 0);
    for (;;) {
        size_t n;
        if (used + 1 >= cap) {
            size_t ncap = cap == 0 ? 4096 : cap * 2;
            char *p;
            if (cap > max + 1) {
                free(data);
                fclose(f);
                return client_fail(why, CLIENT_ERR_IO,
                                   "%s is larger than %zu bytes", path, max);
            }
            p = realloc(data, ncap);
            if (p == NULL) {
                free(data);
                fclose(f);
                return client_fail(why, CLIENT_ERR_NOMEM,
                                   "out of memory reading %s", path);
            }
            data = p;
            cap = ncap;
        }
        n = fread(data + used, 1, cap - used - 1, f);
        used += n;
        if (n == 0)
            break;
    }
    if (ferror(f) || used > max) {
        int err = ferror(f);
        free(data);
        fclose(f);
        return client_fail(why, CLIENT_ERR_IO,
                           err ? "error reading %s" : "%s is too large", path);
    }
    fclose(f);
    data[used] = '\0';
    *buf = data;
    *len = used;
    return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* fsyncs the directory holding path, so a rename in it is durable. */
static void sync_parent(const char *path)
{
    char copy[PATH_MAX];
    int fd;

    snprintf(copy, sizeof copy, "%s", path);
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int client_write_file_atomic(const char *path, const void *data, size_t len,
                             mode_t mode, char *why)
{
    char tmp[PATH_MAX];
    int fd;

    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
        return client_fail(why, CLIENT_ERR_IO, "path too long: %s", path);
    fd = mkstemp(tmp);
    if (fd < 0)
        return client_fail(why, CLIENT_ERR_IO,
                           "cannot create a file beside %s: %s", path,
                           strerror(errno));
    if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 ||
        fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return client_fail(why, CLIENT_ERR_IO, "cannot write %s: %s", tmp,
                           strerror(e));
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return client_fail(why, CLIENT_ERR_IO, "cannot replace %s: %s", path,
                           strerror(e));
    }
    sync_parent(path);
    return 0;
}

int client_write_file_new(const char *path, const void *data, size_t len,
                          mode_t mode, char *why)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

    if (fd < 0)
        return client_fail(why, CLIENT_ERR_IO, "cannot create %s: %s", path,
                           strerror(errno));
    if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 ||
        fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(path);
        return client_fail(why, CLIENT_ERR_IO, "cannot write %s: %s", path,
                           strerror(e));
    }
    if (close(fd) != 0)
        return client_fail(why, CLIENT_ERR_IO, "cannot write %s: %s", path,
                           strerror(errno));
    sync_parent(path);
    return 0;
}

int client_hash_file(const char *path, uint8_t out[32], char *why)
{
    unsigned char buf[65536];
    EVP_MD_CTX *ctx;
    FILE *f;
    size_t n;
    int ok;

    f = fopen(path, "rb");
    if (f == NULL)
        return client_fail(why, CLIENT_ERR_IO, "cannot open %s: %s", path,
                           strerror(errno));
    ctx = EVP_MD_CTX_new();
    ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0)
        ok = EVP_DigestUpdate(ctx, buf, n) == 1;
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, out, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    fclose(f);
    if (!ok)
        return client_fail(why, CLIENT_ERR_IO, "cannot read %s", path);
    return 0;
}

int client_mkdirs(const char *dir, mode_t mode, char *why)
{
    char buf[PATH_MAX];
    size_t len;

    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return client_fail(why, CLIENT_ERR_IO, "path too long: %s", dir);
    len = strlen(buf);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        buf[i] = '\0';
        if (mkdir(buf, mode) != 0 && errno != EEXIST)
            return client_fail(why, CLIENT_ERR_IO, "cannot create %s: %s", buf,
                               strerror(errno));
        if (i < len)
            buf[i] = '/';
    }
    return 0;
}
