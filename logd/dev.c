/* dev.c: see dev.h. */
#include "logd/dev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "logd/log.h"
#include "proofs/note.h"

int dev_mkdirs(const char *dir, unsigned mode)
{
    char path[DEV_PATH_MAX];
    size_t n = strlen(dir);

    if (n == 0 || n >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, (mode_t)mode) != 0 && errno != EEXIST)
            return -1;
        path[i] = c;
    }
    return 0;
}

/* Writes text to path atomically (temporary file, fsync, rename). */
static int write_file(const char *path, const char *text, unsigned mode)
{
    char tmp[DEV_PATH_MAX + 8];
    size_t len = strlen(text), off = 0;
    int fd;

    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0)
        return -1;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0) {
            close(fd);
            unlink(tmp);
            return -1;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static bool exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Generates a key named name into key_path (0600) and vkey_path. */
static int make_key(const char *name, const char *key_path,
                    const char *vkey_path, char *errbuf, size_t errcap)
{
    struct note_signer s;
    struct note_verifier v;
    char text[NOTE_KEY_TEXT_MAX + 2];
    int n, rc = -1;

    if (note_signer_generate(name, &s) != 0) {
        snprintf(errbuf, errcap, "cannot generate a key");
        return -1;
    }
    n = note_signer_format(&s, text, sizeof text - 1);
    if (n > 0) {
        text[n] = '\n';
        text[n + 1] = '\0';
        rc = write_file(key_path, text, 0600);
    }
    OPENSSL_cleanse(text, sizeof text);
    if (rc == 0) {
        note_signer_verifier(&s, &v);
        n = note_verifier_format(&v, text, sizeof text - 1);
        rc = -1;
        if (n > 0) {
            text[n] = '\n';
            text[n + 1] = '\0';
            rc = write_file(vkey_path, text, 0644);
        }
    }
    note_signer_wipe(&s);
    if (rc != 0)
        snprintf(errbuf, errcap, "cannot write %s: %s", key_path,
                 strerror(errno));
    else
        log_msg("created %s and %s", key_path, vkey_path);
    return rc;
}

int dev_bootstrap(const char *dir, struct dev_paths *p, char *errbuf,
                  size_t errcap)
{
    char vkey[NOTE_KEY_TEXT_MAX + 2], text[2 * NOTE_KEY_TEXT_MAX];
    FILE *f;
    size_t n;

    if (strlen(dir) > DEV_PATH_MAX - 32) {
        snprintf(errbuf, errcap, "%s: path too long", dir);
        return -1;
    }
    if (dev_mkdirs(dir, 0700) != 0) {
        snprintf(errbuf, errcap, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(p->log_key, sizeof p->log_key, "%s/log.key", dir);
    snprintf(p->log_vkey, sizeof p->log_vkey, "%s/log.vkey", dir);
    snprintf(p->issuer_key, sizeof p->issuer_key, "%s/demo-issuer.key", dir);
    snprintf(p->issuer_vkey, sizeof p->issuer_vkey, "%s/demo-issuer.vkey", dir);
    snprintf(p->issuers, sizeof p->issuers, "%s/issuers", dir);
    if (!exists(p->log_key) &&
        make_key(DEV_LOG_NAME, p->log_key, p->log_vkey, errbuf, errcap) != 0)
        return -1;
    if (!exists(p->issuer_key) && make_key(DEV_ISSUER_NAME, p->issuer_key,
                                           p->issuer_vkey, errbuf, errcap) != 0)
        return -1;
    if (exists(p->issuers))
        return 0;
    f = fopen(p->issuer_vkey, "r");
    if (f == NULL) {
        snprintf(errbuf, errcap, "cannot read %s: %s", p->issuer_vkey,
                 strerror(errno));
        return -1;
    }
    n = fread(vkey, 1, sizeof vkey - 1, f);
    fclose(f);
    vkey[n] = '\0';
    snprintf(text, sizeof text,
             "# Issuer keys this log accepts submissions from, one a line.\n"
             "# Edit, then send logd SIGHUP (or restart it) to apply.\n%s%s",
             vkey, n > 0 && vkey[n - 1] == '\n' ? "" : "\n");
    if (write_file(p->issuers, text, 0644) != 0) {
        snprintf(errbuf, errcap, "cannot write %s: %s", p->issuers,
                 strerror(errno));
        return -1;
    }
    log_msg("created %s", p->issuers);
    return 0;
}
