/* signer.c: see signer.h. */
#include "logd/signer.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "logd/newfile.h"

struct signer {
    struct note_signer key;
};

const char *signer_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case SIGNER_ERR_FILE:
        return "cannot read or write the key file";
    case SIGNER_ERR_MODE:
        return "the key file is accessible by group or others (chmod 600 it)";
    case SIGNER_ERR_SYNTAX:
        return "not a signer key (PRIVATE+KEY+...)";
    case SIGNER_ERR_SIGN:
        return "signing failed";
    case SIGNER_ERR_NOMEM:
        return "out of memory";
    case SIGNER_ERR_GENERATE:
        return "cannot generate a key";
    default:
        return "unknown signer error";
    }
}

int signer_load(const char *path, struct signer **out)
{
    char buf[NOTE_KEY_TEXT_MAX + 2];
    struct signer *s = NULL;
    struct stat st;
    ssize_t n;
    size_t len = 0;
    int fd, err = 0;

    *out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return SIGNER_ERR_FILE;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err = SIGNER_ERR_FILE;
        goto done;
    }
    if ((st.st_mode & 077) != 0) {
        err = SIGNER_ERR_MODE;
        goto done;
    }
    while (len < sizeof buf && (n = read(fd, buf + len, sizeof buf - len)) > 0)
        len += (size_t)n;
    if (len == sizeof buf) {
        err = SIGNER_ERR_SYNTAX;
        goto done;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        err = SIGNER_ERR_NOMEM;
        goto done;
    }
    if (note_signer_parse(buf, len, &s->key) != 0) {
        err = SIGNER_ERR_SYNTAX;
        goto done;
    }
    *out = s;
    s = NULL;
done:
    OPENSSL_cleanse(buf, sizeof buf);
    signer_free(s);
    close(fd);
    return err;
}

int signer_generate(int dirfd, const char *name, const char *key_file,
                    const char *vkey_file)
{
    struct note_signer s;
    struct note_verifier v;
    char text[NOTE_KEY_TEXT_MAX + 2];
    int n, err = SIGNER_ERR_GENERATE;

    if (note_signer_generate(name, &s) != 0)
        return SIGNER_ERR_GENERATE;
    n = note_signer_format(&s, text, sizeof text - 1);
    if (n > 0) {
        text[n] = '\n';
        text[n + 1] = '\0';
        err = newfile_write(dirfd, key_file, text, 0600) == 0 ? 0
                                                              : SIGNER_ERR_FILE;
    }
    OPENSSL_cleanse(text, sizeof text);
    if (err == 0) {
        note_signer_verifier(&s, &v);
        n = note_verifier_format(&v, text, sizeof text - 1);
        err = SIGNER_ERR_GENERATE;
        if (n > 0) {
            text[n] = '\n';
            text[n + 1] = '\0';
            err = newfile_write(dirfd, vkey_file, text, 0644) == 0
                      ? 0
                      : SIGNER_ERR_FILE;
        }
    }
    note_signer_wipe(&s);
    return err;
}

void signer_free(struct signer *s)
{
    if (s == NULL)
        return;
    note_signer_wipe(&s->key);
    OPENSSL_cleanse(s, sizeof *s);
    free(s);
}

const char *signer_origin(const struct signer *s)
{
    return s->key.name;
}

void signer_verifier(const struct signer *s, struct note_verifier *out)
{
    note_signer_verifier(&s->key, out);
}

int signer_sign_checkpoint(const struct signer *s, uint64_t size,
                           const uint8_t root[MERKLE_HASH_SIZE], char *buf,
                           size_t cap)
{
    struct checkpoint c;
    char body[CHECKPOINT_BODY_MAX + 1];
    int len, n;

    memset(&c, 0, sizeof c);
    memcpy(c.origin, s->key.name, sizeof c.origin);
    c.size = size;
    memcpy(c.root, root, MERKLE_HASH_SIZE);
    len = checkpoint_format(&c, body, sizeof body);
    if (len < 0)
        return SIGNER_ERR_SIGN;
    n = note_sign(body, (size_t)len, &s->key, buf, cap);
    return n < 0 ? SIGNER_ERR_SIGN : n;
}
