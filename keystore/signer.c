/* signer.c: see signer.h. */
#include "keystore/signer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "keystore/p11uri.h"
#include "keystore/token.h"

struct ed25519_signer {
    struct note_signer file;      /* a file key (seed and all) */
    struct ed25519_key *prepared; /* the file key, prepared once */
    struct p11token *token;       /* or a token key: name, type, id, pub only */
};

const char *keystore_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case KEYSTORE_ERR_FILE:
        return "cannot read the key file";
    case KEYSTORE_ERR_MODE:
        return "the key file is accessible by group or others (chmod 600 it)";
    case KEYSTORE_ERR_SYNTAX:
        return "not a signer key (PRIVATE+KEY+...)";
    case KEYSTORE_ERR_URI:
        return "bad pkcs11: URI";
    case KEYSTORE_ERR_MODULE:
        return "cannot use the PKCS#11 module";
    case KEYSTORE_ERR_TOKEN:
        return "no such PKCS#11 token";
    case KEYSTORE_ERR_PIN:
        return "PKCS#11 login failed";
    case KEYSTORE_ERR_OBJECT:
        return "no such key in the PKCS#11 token";
    case KEYSTORE_ERR_KEY:
        return "not a usable Ed25519 key pair";
    case KEYSTORE_ERR_SIGN:
        return "signing failed";
    case KEYSTORE_ERR_NOMEM:
        return "out of memory";
    default:
        return "unknown keystore error";
    }
}

static int fail(char *why, size_t cap, int err, const char *what,
                const char *detail)
{
    if (why != NULL && cap > 0)
        snprintf(why, cap, "%s: %s%s%s", what, keystore_strerror(err),
                 detail != NULL ? ": " : "", detail != NULL ? detail : "");
    return err;
}

static int open_file(const char *path, uint8_t type, enum keystore_loose policy,
                     bool *loose, struct note_signer *out, char *why,
                     size_t cap)
{
    char buf[NOTE_KEY_TEXT_MAX + 2];
    struct stat st;
    ssize_t n;
    size_t len = 0;
    int fd, err = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(why, cap, KEYSTORE_ERR_FILE, path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err = fail(why, cap, KEYSTORE_ERR_FILE, path, "not a regular file");
        goto done;
    }
    if ((st.st_mode & 077) != 0) {
        if (policy == KEYSTORE_LOOSE_REFUSE) {
            err = fail(why, cap, KEYSTORE_ERR_MODE, path, NULL);
            goto done;
        }
        if (loose != NULL)
            *loose = true;
    }
    while (len < sizeof buf && (n = read(fd, buf + len, sizeof buf - len)) > 0)
        len += (size_t)n;
    if (len == sizeof buf || note_signer_parse_type(buf, len, type, out) != 0)
        err = fail(why, cap, KEYSTORE_ERR_SYNTAX, path,
                   type == NOTE_TYPE_COSIGNATURE
                       ? "expected a cosigner key (credlog keygen --cosigner)"
                       : NULL);
done:
    OPENSSL_cleanse(buf, sizeof buf);
    close(fd);
    return err;
}

static int open_token(const char *spec, uint8_t type, struct ed25519_signer *s,
                      char *why, size_t cap)
{
    struct p11uri u;
    char detail[512], label[P11URI_LABEL_MAX + 1];
    int rc;

    rc = p11uri_parse(spec, &u, detail, sizeof detail);
    if (rc != 0)
        return fail(why, cap, KEYSTORE_ERR_URI, "PKCS#11 key", detail);
    rc = p11token_open(&u, &s->token, label, sizeof label, s->file.pub, detail,
                       sizeof detail);
    p11uri_wipe(&u);
    if (rc != 0)
        return fail(why, cap, rc, "PKCS#11 key", detail);
    if (!note_name_valid(label, strlen(label))) {
        snprintf(detail, sizeof detail,
                 "the key's label (CKA_LABEL) \"%.64s\" is not a key name (no "
                 "spaces, no '+', at most %d bytes): it names the key in the "
                 "log",
                 label, NOTE_NAME_MAX);
        return fail(why, cap, KEYSTORE_ERR_KEY, "PKCS#11 key", detail);
    }
    memcpy(s->file.name, label, strlen(label) + 1);
    s->file.type = type;
    s->file.key_id = note_key_id(s->file.name, type, s->file.pub);
    return 0;
}

int ed25519_signer_open(const char *spec, uint8_t type,
                        enum keystore_loose policy, bool *loose,
                        struct ed25519_signer **out, char *why, size_t cap)
{
    struct ed25519_signer *s;
    int rc;

    *out = NULL;
    if (loose != NULL)
        *loose = false;
    if (type != NOTE_TYPE_ED25519 && type != NOTE_TYPE_COSIGNATURE)
        return fail(why, cap, KEYSTORE_ERR_KEY, spec, "bad key type");
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return fail(why, cap, KEYSTORE_ERR_NOMEM, spec, NULL);
    rc = p11uri_is(spec)
             ? open_token(spec, type, s, why, cap)
             : open_file(spec, type, policy, loose, &s->file, why, cap);
    if (rc == 0 && s->token == NULL &&
        ed25519_key_new(s->file.seed, &s->prepared) != 0)
        rc = fail(why, cap, KEYSTORE_ERR_KEY, spec, "OpenSSL refused the key");
    if (rc != 0) {
        ed25519_signer_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void ed25519_signer_free(struct ed25519_signer *s)
{
    if (s == NULL)
        return;
    p11token_close(s->token);
    ed25519_key_free(s->prepared);
    note_signer_wipe(&s->file);
    OPENSSL_cleanse(s, sizeof *s);
    free(s);
}

bool ed25519_signer_in_token(const struct ed25519_signer *s)
{
    return s->token != NULL;
}

const char *ed25519_signer_name(const struct ed25519_signer *s)
{
    return s->file.name;
}

void ed25519_signer_verifier(const struct ed25519_signer *s,
                             struct note_verifier *out)
{
    note_signer_verifier(&s->file, out);
}

int ed25519_signer_sign(struct ed25519_signer *s, const uint8_t *msg,
                        size_t len, uint8_t sig[ED25519_SIGNATURE_SIZE])
{
    if (len > KEYSTORE_MSG_MAX)
        return KEYSTORE_ERR_SIGN;
    if (s->token != NULL)
        return p11token_sign(s->token, msg, len, sig);
    return ed25519_key_sign(s->prepared, msg, len, sig) == 0
               ? 0
               : KEYSTORE_ERR_SIGN;
}

int ed25519_signer_sign_note(struct ed25519_signer *s, const char *text,
                             size_t len, char *buf, size_t cap)
{
    uint8_t sig[ED25519_SIGNATURE_SIZE];
    int rc;

    if (s->file.type != NOTE_TYPE_ED25519)
        return NOTE_ERR_SYNTAX;
    if (!note_text_valid(text, len))
        return NOTE_ERR_SYNTAX;
    if (note_signed_len(len, s->file.name) + 1 > cap)
        return NOTE_ERR_SPACE;
    if ((rc = ed25519_signer_sign(s, (const uint8_t *)text, len, sig)) != 0)
        return rc;
    return note_add_signature(text, len, s->file.name, s->file.key_id, sig, buf,
                              cap);
}

int ed25519_signer_sign_cosignature(struct ed25519_signer *s,
                                    uint64_t timestamp, const char *body,
                                    size_t body_len, char *line, size_t cap)
{
    uint8_t *msg, sig[ED25519_SIGNATURE_SIZE];
    size_t mcap;
    int n;

    if (s->file.type != NOTE_TYPE_COSIGNATURE || timestamp == 0)
        return COSIG_ERR_KEY;
    if (body_len > KEYSTORE_MSG_MAX - COSIGNATURE_PREFIX_MAX)
        return KEYSTORE_ERR_SIGN;
    mcap = body_len + COSIGNATURE_PREFIX_MAX;
    if ((msg = malloc(mcap)) == NULL)
        return COSIG_ERR_SPACE;
    n = cosignature_message(timestamp, body, body_len, msg, mcap);
    if (n >= 0)
        n = ed25519_signer_sign(s, msg, (size_t)n, sig);
    free(msg);
    if (n != 0)
        return n;
    return cosignature_line(s->file.name, s->file.key_id, timestamp, sig, line,
                            cap);
}

int ed25519_signer_sign_entry(struct ed25519_signer *s, struct entry *e,
                              const char *origin)
{
    uint8_t msg[ENTRY_SIGNED_MAX];
    int n;

    if (s->file.type != NOTE_TYPE_ED25519)
        return ENTRY_ERR_SYNTAX;
    n = entry_sign_begin(e, origin, s->file.name, s->file.key_id, msg,
                         sizeof msg);
    if (n < 0)
        return n;
    return ed25519_signer_sign(s, msg, (size_t)n, e->signature);
}
