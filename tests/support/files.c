/* files.c: see files.h. */
#define _GNU_SOURCE /* nftw */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void files_tmpdir(char *buf, size_t cap, const char *tag)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(buf, cap, "%s/credlog-%s-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", tag);
    if (mkdtemp(buf) == NULL) {
        perror("mkdtemp");
        abort();
    }
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    (void)remove(path);
    return 0;
}

void files_rmtree(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void files_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

int files_write_mode(const char *path, const char *text, mode_t mode)
{
    char tmp[4096];
    size_t len = strlen(text), off = 0;
    int fd;

    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        fprintf(stderr, "files: %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0) {
            fprintf(stderr, "files: %s: %s\n", tmp, strerror(errno));
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    /* The umask may have narrowed the mode given to open(). */
    if (fchmod(fd, mode) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "files: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

char *files_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 4096, n = 0, r;
    char *buf = NULL, *nb;

    if (f == NULL)
        return NULL;
    /* Read to the end rather than trusting the size: logs still grow. */
    for (;;) {
        nb = realloc(buf, cap + 1);
        if (nb == NULL) {
            free(buf);
            fclose(f);
            return NULL;
        }
        buf = nb;
        r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap)
            break;
        cap *= 2;
    }
    fclose(f);
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

bool files_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

bool files_contain(const char *path, const char *text)
{
    char *buf = files_read(path, NULL);
    bool found = buf != NULL && strstr(buf, text) != NULL;

    free(buf);
    return found;
}

mode_t files_mode(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? st.st_mode & 0777 : (mode_t)-1;
}
