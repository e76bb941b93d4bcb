/* keys.c: see keys.h. Private keys are wiped as soon as they are written. */
#include "client/keys.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "client/files.h"
#include "client/name.h"

#define PIN_FILE "known_logs"
#define PIN_FILE_MAX (1 << 20)

int client_keygen(const char *name, uint8_t type, const char *prefix,
                  char *vkey, char *why)
{
    struct note_signer s;
    struct note_verifier v;
    char skey[NOTE_KEY_TEXT_MAX + 1];
    char path[PATH_MAX];
    int rc, n;

    char shown[CLIENT_NAME_SHOWN_MAX];
    uint32_t bad;

    client_name_show(name, strlen(name), shown, sizeof shown);
    if (!note_name_valid(name, strlen(name)))
        return client_fail(
            why, CLIENT_ERR_ARG,
            "invalid key name \"%s\" (no spaces, no '+', at most %d bytes)",
            shown, NOTE_NAME_MAX);
    if (!note_issuer_name_valid(name, strlen(name), &bad))
        return client_fail(why, CLIENT_ERR_ARG,
                           "invalid key name \"%s\": U+%04" PRIX32
                           " is an invisible or direction-changing character, "
                           "which would let the name pass for another one",
                           shown, bad);
    if (note_signer_generate_type(name, type, &s) != 0)
        return client_fail(why, CLIENT_ERR_KEY, "key generation failed");
    note_signer_verifier(&s, &v);
    n = note_signer_format(&s, skey, sizeof skey - 1);
    note_signer_wipe(&s);
    if (n < 0 || note_verifier_format(&v, vkey, NOTE_KEY_TEXT_MAX) < 0) {
        OPENSSL_cleanse(skey, sizeof skey);
        return client_fail(why, CLIENT_ERR_KEY, "cannot format the key");
    }
    skey[n++] = '\n';
    snprintf(path, sizeof path, "%s.key", prefix);
    rc = client_write_file_new(path, skey, (size_t)n, 0600, why);
    OPENSSL_cleanse(skey, sizeof skey);
    if (rc != 0)
        return rc;
    snprintf(path, sizeof path, "%s.vkey", prefix);
    {
        char line[NOTE_KEY_TEXT_MAX + 2];
        int m = snprintf(line, sizeof line, "%s\n", vkey);
        rc = client_write_file_new(path, line, (size_t)m, 0644, why);
    }
    return rc;
}

int client_signer_read(const char *path, struct note_signer *out, bool *loose,
                       char *why)
{
    return client_signer_read_type(path, NOTE_TYPE_ED25519, out, loose, why);
}

int client_signer_read_type(const char *path, uint8_t type,
                            struct note_signer *out, bool *loose, char *why)
{
    struct stat st;
    char *text;
    size_t len;
    uint32_t bad;
    int rc;

    rc = client_read_file(path, 4096, &text, &len, why);
    if (rc != 0)
        return rc;
    if (loose != NULL)
        *loose = stat(path, &st) == 0 && (st.st_mode & 077) != 0;
    rc = note_signer_parse_type(text, len, type, out);
    OPENSSL_cleanse(text, len);
    free(text);
    if (rc != 0)
        return client_fail(why, CLIENT_ERR_KEY,
                           "%s is not %s (PRIVATE+KEY+...)", path,
                           type == NOTE_TYPE_COSIGNATURE
                               ? "a cosigner key (credlog keygen --cosigner)"
                               : "a signer key");
    if (!note_issuer_name_valid(out->name, strlen(out->name), &bad)) {
        char shown[CLIENT_NAME_SHOWN_MAX];

        client_name_show(out->name, strlen(out->name), shown, sizeof shown);
        note_signer_wipe(out);
        return client_fail(why, CLIENT_ERR_KEY,
                           "%s: the key name \"%s\" holds U+%04" PRIX32
                           ", an invisible or direction-changing character; "
                           "such a name cannot issue (make a new key)",
                           path, shown, bad);
    }
    return 0;
}

int client_issuer_key_open(const char *spec, struct ed25519_signer **out,
                           bool *loose, char *why)
{
    const char *name;
    uint32_t bad;

    if (ed25519_signer_open(spec, NOTE_TYPE_ED25519, KEYSTORE_LOOSE_WARN, loose,
                            out, why, CLIENT_REASON_MAX) != 0)
        return CLIENT_ERR_KEY;
    name = ed25519_signer_name(*out);
    if (!note_issuer_name_valid(name, strlen(name), &bad)) {
        char shown[CLIENT_NAME_SHOWN_MAX];

        client_name_show(name, strlen(name), shown, sizeof shown);
        ed25519_signer_free(*out);
        *out = NULL;
        return client_fail(why, CLIENT_ERR_KEY,
                           "the key name \"%s\" holds U+%04" PRIX32
                           ", an invisible or direction-changing character; "
                           "such a name cannot issue (make a new key)",
                           shown, bad);
    }
    return 0;
}

/* The first line of text that is neither empty nor a # comment. */
static int first_line(const char *text, size_t len, const char **line,
                      size_t *line_len)
{
    size_t i = 0;

    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        size_t end = j;
        while (end > i && (text[end - 1] == '\r' || text[end - 1] == ' ' ||
                           text[end - 1] == '\t'))
            end--;
        if (end > i && text[i] != '#') {
            *line = text + i;
            *line_len = end - i;
            return 0;
        }
        i = j + 1;
    }
    return -1;
}

int client_verifier_arg(const char *arg, struct note_verifier *out, char *why)
{
    const char *line;
    size_t line_len;
    char *text;
    size_t len;
    int rc;

    if (note_verifier_parse(arg, strlen(arg), out) == 0) {
        if (out->type != NOTE_TYPE_ED25519)
            return client_fail(why, CLIENT_ERR_KEY,
                               "%s is not an Ed25519 log key", arg);
        return 0;
    }
    rc = client_read_file(arg, 65536, &text, &len, NULL);
    if (rc != 0)
        return client_fail(why, CLIENT_ERR_KEY,
                           "\"%s\" is neither a verifier key (name+id+key) nor "
                           "a readable key file",
                           arg);
    rc = first_line(text, len, &line, &line_len) == 0 &&
                 note_verifier_parse(line, line_len, out) == 0 &&
                 out->type == NOTE_TYPE_ED25519
             ? 0
             : client_fail(why, CLIENT_ERR_KEY,
                           "%s does not hold an Ed25519 verifier key", arg);
    free(text);
    return rc;
}

int client_config_dir(char *buf, size_t cap, char *why)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    int n;

    if (xdg != NULL && xdg[0] == '/')
        n = snprintf(buf, cap, "%s/credlog", xdg);
    else if (home != NULL && home[0] != '\0')
        n = snprintf(buf, cap, "%s/.config/credlog", home);
    else
        return client_fail(why, CLIENT_ERR_IO,
                           "neither XDG_CONFIG_HOME nor HOME is set");
    if (n < 0 || (size_t)n >= cap)
        return client_fail(why, CLIENT_ERR_IO, "config path too long");
    return 0;
}

/* The URL as pinned: without trailing slashes. */
static size_t url_key_len(const char *url)
{
    size_t n = strlen(url);

    while (n > 0 && url[n - 1] == '/')
        n--;
    return n;
}

int client_pin_file(char *path, size_t cap, char *why)
{
    char dir[PATH_MAX];
    int rc = client_config_dir(dir, sizeof dir, why);

    if (rc != 0)
        return rc;
    if (snprintf(path, cap, "%s/%s", dir, PIN_FILE) >= (int)cap)
        return client_fail(why, CLIENT_ERR_IO, "config path too long");
    return 0;
}

bool client_verifier_same(const struct note_verifier *a,
                          const struct note_verifier *b)
{
    return a->type == b->type && a->key_id == b->key_id &&
           strcmp(a->name, b->name) == 0 &&
           memcmp(a->pub, b->pub, sizeof a->pub) == 0;
}

int client_pin_lookup(const char *url, struct note_verifier *out, bool *found,
                      char *why)
{
    char path[PATH_MAX];
    size_t ulen = url_key_len(url), len, i = 0;
    char *text;
    int rc;

    *found = false;
    if ((rc = client_pin_file(path, sizeof path, why)) != 0)
        return rc;
    errno = 0;
    rc = client_read_file(path, PIN_FILE_MAX, &text, &len, why);
    if (rc != 0)
        return errno == ENOENT ? 0 : rc;
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        if (j - i > ulen + 1 && memcmp(text + i, url, ulen) == 0 &&
            text[i + ulen] == ' ') {
            rc =
                note_verifier_parse(text + i + ulen + 1, j - i - ulen - 1, out);
            free(text);
            if (rc != 0)
                return client_fail(why, CLIENT_ERR_KEY, "%s: bad key for %.*s",
                                   path, (int)ulen, url);
            *found = true;
            return 0;
        }
        i = j + 1;
    }
    free(text);
    return 0;
}

int client_pin_store(const char *url, const struct note_verifier *key,
                     char *why)
{
    char dir[PATH_MAX], path[PATH_MAX], vkey[NOTE_KEY_TEXT_MAX + 1];
    char *old = NULL, *buf;
    size_t old_len = 0, ulen = url_key_len(url), n;
    int rc;

    if ((rc = client_config_dir(dir, sizeof dir, why)) != 0 ||
        (rc = client_mkdirs(dir, 0700, why)) != 0 ||
        (rc = client_pin_file(path, sizeof path, why)) != 0)
        return rc;
    if (note_verifier_format(key, vkey, sizeof vkey) < 0)
        return client_fail(why, CLIENT_ERR_KEY, "cannot format the log key");
    errno = 0;
    rc = client_read_file(path, PIN_FILE_MAX, &old, &old_len, why);
    if (rc != 0 && errno != ENOENT)
        return rc;
    buf = malloc(old_len + ulen + strlen(vkey) + 4);
    if (buf == NULL) {
        free(old);
        return client_fail(why, CLIENT_ERR_NOMEM, "out of memory");
    }
    n = 0;
    if (old_len > 0) {
        memcpy(buf, old, old_len);
        n = old_len;
        if (buf[n - 1] != '\n')
            buf[n++] = '\n';
    }
    n += (size_t)sprintf(buf + n, "%.*s %s\n", (int)ulen, url, vkey);
    rc = client_write_file_atomic(path, buf, n, 0600, why);
    free(old);
    free(buf);
    return rc;
}

int client_log_key(const char *url, const char *arg, struct note_verifier *out,
                   bool *pinned_now, char *why)
{
    struct note_verifier pinned;
    char path[PATH_MAX];
    bool found = false;
    int rc;

    *pinned_now = false;
    if (arg != NULL && (rc = client_verifier_arg(arg, out, why)) != 0)
        return rc;
    if (url == NULL) {
        if (arg == NULL)
            return client_fail(why, CLIENT_ERR_KEY,
                               "no log key: pass --log-key VKEY");
        return 0;
    }
    rc = client_pin_lookup(url, &pinned, &found, why);
    if (rc != 0)
        return rc;
    if (arg == NULL) {
        if (!found)
            return client_fail(why, CLIENT_ERR_KEY,
                               "no log key known for %s: pass --log-key VKEY "
                               "once (it is then pinned)",
                               url);
        *out = pinned;
        return 0;
    }
    if (found) {
        if (!client_verifier_same(&pinned, out)) {
            client_pin_file(path, sizeof path, NULL);
            return client_fail(
                why, CLIENT_ERR_KEY,
                "--log-key %s+%08" PRIx32 " is not the key pinned for %s "
                "(%s+%08" PRIx32
                ") in %s: refusing it; delete that line only if "
                "the log really changed its key",
                out->name, out->key_id, url, pinned.name, pinned.key_id, path);
        }
        return 0;
    }
    rc = client_pin_store(url, out, why);
    if (rc != 0)
        return rc;
    *pinned_now = true;
    return 0;
}
