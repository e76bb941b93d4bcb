/* dev.c: see dev.h. */
#include "logd/dev.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logd/log.h"
#include "logd/newfile.h"
#include "logd/signer.h"
#include "proofs/note.h"

const char *dev_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case DEV_ERR_PATH:
        return "path too long";
    case DEV_ERR_DIR:
        return "cannot make or open the directory";
    case DEV_ERR_OWNER:
        return "the directory is not the user's alone";
    case DEV_ERR_FILE:
        return "cannot read or write a file";
    default:
        return "unknown --dev error";
    }
}

int dev_mkdirs(const char *dir, unsigned mode)
{
    char path[DEV_PATH_MAX];
    size_t n = strlen(dir);

    if (n == 0 || n >= sizeof path) {
        errno = ENAMETOOLONG;
        return DEV_ERR_PATH;
    }
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, (mode_t)mode) != 0 && errno != EEXIST)
            return DEV_ERR_DIR;
        path[i] = c;
    }
    return 0;
}

/* Whether name exists in dirfd (a symlink counts, whatever it points to). */
static bool exists(int dirfd, const char *name)
{
    struct stat st;

    return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Explains a failed write of dir/name into errbuf. */
static void write_failed(const char *dir, const char *name, char *errbuf,
                         size_t errcap)
{
    if (errno == EEXIST)
        snprintf(errbuf, errcap,
                 "cannot write %s/%s: %s.tmp is in the way (left by an "
                 "interrupted start, or planted): remove it",
                 dir, name, name);
    else
        snprintf(errbuf, errcap, "cannot write %s/%s: %s", dir, name,
                 strerror(errno));
}

/* Has signer.c generate the key name into key_file and vkey_file. */
static int make_key(int dirfd, const char *dir, const char *name,
                    const char *key_file, const char *vkey_file, char *errbuf,
                    size_t errcap)
{
    int err = signer_generate(dirfd, name, key_file, vkey_file);

    if (err == SIGNER_ERR_FILE) {
        int e = errno;
        const char *file = exists(dirfd, key_file) ? vkey_file : key_file;
        errno = e;
        write_failed(dir, file, errbuf, errcap);
        return DEV_ERR_FILE;
    }
    if (err != 0) {
        snprintf(errbuf, errcap, "%s", signer_strerror(err));
        return DEV_ERR_FILE;
    }
    log_msg("created %s/%s and %s/%s", dir, key_file, dir, vkey_file);
    return 0;
}

/* Opens dir, which must belong to the effective user and be writable by
 * nobody else (or anyone could plant files where keys are written). */
static int open_own_dir(const char *dir, int *out, char *errbuf, size_t errcap)
{
    struct stat st;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(errbuf, errcap, "cannot open %s: %s", dir, strerror(errno));
        if (fd >= 0)
            close(fd);
        return DEV_ERR_DIR;
    }
    if (st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
        snprintf(errbuf, errcap,
                 st.st_uid != geteuid()
                     ? "%s belongs to another user: refusing to write keys "
                       "there"
                     : "%s is writable by group or others: refusing to write "
                       "keys there (chmod go-w it)",
                 dir);
        close(fd);
        return DEV_ERR_OWNER;
    }
    *out = fd;
    return 0;
}

/* Writes the issuers file authorizing the demo issuer, with its identity. */
static int make_issuers(int dirfd, const char *dir, char *errbuf, size_t errcap)
{
    char vkey[NOTE_KEY_TEXT_MAX + 2], text[2 * NOTE_KEY_TEXT_MAX];
    ssize_t r;
    size_t n = 0;
    int fd = openat(dirfd, "demo-issuer.vkey", O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        snprintf(errbuf, errcap, "cannot read %s/demo-issuer.vkey: %s", dir,
                 strerror(errno));
        return DEV_ERR_FILE;
    }
    while (n < sizeof vkey - 1 &&
           (r = read(fd, vkey + n, sizeof vkey - 1 - n)) > 0)
        n += (size_t)r;
    close(fd);
    while (n > 0 && vkey[n - 1] == '\n')
        n--;
    vkey[n] = '\0';
    snprintf(text, sizeof text,
             "# Issuer keys this log accepts submissions from, one a line,\n"
             "# each with the institution's identity (docs/operations.md).\n"
             "# Edit, then send logd SIGHUP (or restart it) to apply.\n"
             "%s " DEV_ISSUER_IDENTITY "\n",
             vkey);
    if (newfile_write(dirfd, "issuers", text, 0644) != 0) {
        write_failed(dir, "issuers", errbuf, errcap);
        return DEV_ERR_FILE;
    }
    log_msg("created %s/issuers", dir);
    return 0;
}

int dev_bootstrap(const char *dir, struct dev_paths *p, char *errbuf,
                  size_t errcap)
{
    int dirfd = -1, err;

    if (strlen(dir) > DEV_PATH_MAX - 32) {
        snprintf(errbuf, errcap, "%s: path too long", dir);
        return DEV_ERR_PATH;
    }
    if ((err = dev_mkdirs(dir, 0700)) != 0) {
        snprintf(errbuf, errcap, "cannot create %s: %s", dir, strerror(errno));
        return err;
    }
    if ((err = open_own_dir(dir, &dirfd, errbuf, errcap)) != 0)
        return err;
    snprintf(p->log_key, sizeof p->log_key, "%s/log.key", dir);
    snprintf(p->log_vkey, sizeof p->log_vkey, "%s/log.vkey", dir);
    snprintf(p->issuer_key, sizeof p->issuer_key, "%s/demo-issuer.key", dir);
    snprintf(p->issuer_vkey, sizeof p->issuer_vkey, "%s/demo-issuer.vkey", dir);
    snprintf(p->issuers, sizeof p->issuers, "%s/issuers", dir);
    if (!exists(dirfd, "log.key") &&
        (err = make_key(dirfd, dir, DEV_LOG_NAME, "log.key", "log.vkey", errbuf,
                        errcap)) != 0)
        goto fail;
    if (!exists(dirfd, "demo-issuer.key") &&
        (err = make_key(dirfd, dir, DEV_ISSUER_NAME, "demo-issuer.key",
                        "demo-issuer.vkey", errbuf, errcap)) != 0)
        goto fail;
    if (!exists(dirfd, "issuers") &&
        (err = make_issuers(dirfd, dir, errbuf, errcap)) != 0)
        goto fail;
    err = 0;
fail:
    close(dirfd);
    return err;
}
