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
    struct ed25519_signer *key; /* a key file or a PKCS#11 token */
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

int signer_load(const char *spec, struct signer **out, char *why, size_t cap)
{
    struct signer *s;
    int rc;

    *out = NULL;
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(why, cap, "log key: %s", signer_strerror(SIGNER_ERR_NOMEM));
        return SIGNER_ERR_NOMEM;
    }
    rc = ed25519_signer_open(spec, NOTE_TYPE_ED25519, KEYSTORE_LOOSE_REFUSE,
                             NULL, &s->key, why, cap);
    if (rc != 0) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
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
    ed25519_signer_free(s->key);
    free(s);
}

const char *signer_origin(const struct signer *s)
{
    return ed25519_signer_name(s->key);
}

void signer_verifier(const struct signer *s, struct note_verifier *out)
{
    ed25519_signer_verifier(s->key, out);
}

int signer_sign_checkpoint(const struct signer *s, uint64_t size,
                           const uint8_t root[MERKLE_HASH_SIZE], char *buf,
                           size_t cap)
{
    struct checkpoint c;
    char body[CHECKPOINT_BODY_MAX + 1];
    int len, n;

    memset(&c, 0, sizeof c);
    snprintf(c.origin, sizeof c.origin, "%s", ed25519_signer_name(s->key));
    c.size = size;
    memcpy(c.root, root, MERKLE_HASH_SIZE);
    len = checkpoint_format(&c, body, sizeof body);
    if (len < 0)
        return SIGNER_ERR_SIGN;
    n = ed25519_signer_sign_note(s->key, body, (size_t)len, buf, cap);
    return n < 0 ? SIGNER_ERR_SIGN : n;
}
