/* cli_credential.c: see cli_credential.h. */
#include "client/cli_credential.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/rand.h>

#include "client/bundle.h"
#include "client/cli.h"
#include "client/files.h"

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Reads path (at most max bytes; more is CLI_NEGATIVE, as credkey/v1
 * refuses it, without reading it). */
static int read_limited(const char *cmd, const char *path, size_t max,
                        uint8_t **data, size_t *len)
{
    char why[CLIENT_REASON_MAX], *buf;
    struct stat st;

    *data = NULL;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
        (uint64_t)st.st_size > max) {
        cli_error("%s: %s: refused: %s", cmd, path,
                  credkey_strerror(CREDKEY_ERR_TOO_LARGE));
        return CLI_NEGATIVE;
    }
    /* One that grows while being read is cut at one byte over the limit,
     * which is then refused. */
    if (client_read_file(path, max + 1, &buf, len, why) != 0) {
        cli_error("%s: %s", cmd, why);
        return CLI_ERROR;
    }
    if (*len > max) {
        free(buf);
        cli_error("%s: %s: refused: %s", cmd, path,
                  credkey_strerror(CREDKEY_ERR_TOO_LARGE));
        return CLI_NEGATIVE;
    }
    *data = (uint8_t *)buf;
    return CLI_OK;
}

int cli_credential_read(const char *cmd, const char *path, uint8_t **data,
                        size_t *len)
{
    return read_limited(cmd, path, CREDKEY_INPUT_MAX, data, len);
}

int cli_credential_receipt(const char *path, struct client_receipt *r,
                           struct client_credkey *k, char *why)
{
    char *text, inner[CLIENT_REASON_MAX];
    json_error_t err;
    size_t len;
    json_t *j;
    int rc;

    memset(k, 0, sizeof *k);
    memset(r, 0, sizeof *r);
    rc = client_read_file(path, 4 * CLIENT_NOTE_MAX, &text, &len, why);
    if (rc != 0)
        return rc;
    if (len >= strlen(CLIENT_TLOG_PROOF_HEADER) &&
        memcmp(text, CLIENT_TLOG_PROOF_HEADER,
               strlen(CLIENT_TLOG_PROOF_HEADER)) == 0) {
        rc = client_tlog_proof_parse(text, len, r, inner);
        free(text);
        return rc != 0 ? client_fail(why, rc, "%s: %s", path, inner) : 0;
    }
    j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    free(text);
    if (j == NULL)
        return client_fail(why, CLIENT_ERR_SYNTAX, "%s: not JSON: %s (line %d)",
                           path, err.text, err.line);
    rc = client_receipt_from_json(j, r, inner);
    if (rc == 0 && (rc = client_credkey_from_json(j, k, inner)) != 0)
        client_receipt_free(r);
    json_decref(j);
    return rc != 0 ? client_fail(why, rc, "%s: %s", path, inner) : 0;
}

/* The key under *k's profile and salt, into key; prints a refusal. */
static int key_under(const char *cmd, const char *path, const uint8_t *data,
                     size_t len, struct client_credkey *k, uint8_t key[32])
{
    char why[CLIENT_REASON_MAX];
    struct credkey_result r;

    if (client_credfile_key(data, len, k->profile, k->salt, k->salt_len, &r,
                            why) != 0) {
        cli_error("%s: %s: refused by credkey/v1: %s", cmd, path, why);
        return CLI_NEGATIVE;
    }
    k->profile = r.profile;
    k->known = true;
    memcpy(key, r.key, 32);
    return CLI_OK;
}

/* Whether receipt r and its recorded *k give data the key r's entry
 * carries. */
static bool receipt_matches(const struct client_receipt *r,
                            const struct client_credkey *k, const uint8_t *data,
                            size_t len)
{
    uint8_t key[32];
    struct entry e;

    return entry_decode(r->e.entry, r->e.entry_len, &e) == 0 &&
           client_credfile_match(data, len, k, e.credential, key, NULL) == 0 &&
           memcmp(key, e.credential, 32) == 0;
}

int cli_credential_issue_key(const char *cmd, const char *path,
                             enum credkey_profile profile, bool no_salt,
                             struct client_credkey *k, uint8_t key[32])
{
    char why[CLIENT_REASON_MAX], rpath[PATH_MAX];
    struct client_receipt r;
    struct client_credkey old;
    uint8_t *data;
    size_t len;
    int rc;

    if ((rc = cli_credential_read(cmd, path, &data, &len)) != CLI_OK)
        return rc;
    memset(k, 0, sizeof *k);
    k->profile = profile;
    snprintf(rpath, sizeof rpath, "%s.receipt.json", path);
    if (is_file(rpath) && cli_credential_receipt(rpath, &r, &old, why) == 0) {
        /* --no-salt never reuses a salted receipt. */
        if (old.known && (old.salt_len == 0 || !no_salt) &&
            (profile == CREDKEY_PROFILE_AUTO || profile == old.profile) &&
            receipt_matches(&r, &old, data, len))
            *k = old; /* a re-run: the same key, the existing receipt */
        client_receipt_free(&r);
    }
    if (!k->known && !no_salt) {
        k->salt_len = CREDKEY_SALT_MIN;
        if (RAND_bytes(k->salt, (int)k->salt_len) != 1) {
            free(data);
            cli_error("%s: no random salt: the system's random generator "
                      "failed",
                      cmd);
            return CLI_ERROR;
        }
    }
    rc = key_under(cmd, path, data, len, k, key);
    free(data);
    return rc;
}

int cli_credential_revoke_key(const char *cmd, const char *path,
                              const char *receipt_path,
                              enum credkey_profile profile, bool no_salt,
                              struct client_credkey *k, uint8_t key[32])
{
    char why[CLIENT_REASON_MAX], rpath[PATH_MAX];
    struct client_receipt r;
    struct entry e;
    uint8_t *data;
    size_t len;
    int rc;

    if ((rc = cli_credential_read(cmd, path, &data, &len)) != CLI_OK)
        return rc;
    memset(k, 0, sizeof *k);
    if (receipt_path == NULL) {
        snprintf(rpath, sizeof rpath, "%s.receipt.json", path);
        receipt_path = rpath;
    }
    if (!is_file(receipt_path)) {
        if (!no_salt) {
            free(data);
            cli_error("%s: %s: no receipt (%s): its salt is needed to find "
                      "its key; give --receipt R, or --no-salt if it was "
                      "issued unsalted",
                      cmd, path, receipt_path);
            return CLI_ERROR;
        }
        k->profile = profile;
        rc = key_under(cmd, path, data, len, k, key);
        free(data);
        return rc;
    }
    if (cli_credential_receipt(receipt_path, &r, k, why) != 0) {
        free(data);
        cli_error("%s", why);
        return CLI_ERROR;
    }
    if (k->known) {
        if (profile != CREDKEY_PROFILE_AUTO)
            k->profile = profile;
        rc = key_under(cmd, path, data, len, k, key);
    } else {
        /* A legacy receipt: the key its entry carries, if the file is
         * the one it was written for. */
        rc = entry_decode(r.e.entry, r.e.entry_len, &e) == 0 &&
                     client_credfile_match(data, len, k, e.credential, key,
                                           NULL) == 0
                 ? CLI_OK
                 : CLI_ERROR;
        if (rc != CLI_OK)
            cli_error("%s: %s: the receipt %s holds no entry", cmd, path,
                      receipt_path);
    }
    client_receipt_free(&r);
    free(data);
    return rc;
}

/* The profile and salt in the receipt of a status bundle (credlog status
 * --save), if it records them, and the key the bundle is about (its
 * receipt's entry, else its status proof's credential_hash) into c. */
static int status_bundle_credkey(const char *path, struct cli_credential *c,
                                 char *why)
{
    char *text, inner[CLIENT_REASON_MAX];
    struct client_receipt r;
    struct entry e;
    size_t len;
    json_t *j, *x;
    int rc;

    if ((rc = client_read_file(path, 64 << 20, &text, &len, why)) != 0)
        return rc;
    j = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    free(text);
    x = json_object_get(j, "receipt");
    rc = client_credkey_from_json(x, &c->credkey, inner);
    if (rc == 0 && client_receipt_from_json(x, &r, NULL) == 0) {
        if (entry_decode(r.e.entry, r.e.entry_len, &e) == 0) {
            memcpy(c->entry_key, e.credential, 32);
            c->have_entry_key = true;
        }
        client_receipt_free(&r);
    }
    x = json_object_get(j, "status_proof");
    if (rc == 0 && !c->have_entry_key &&
        client_json_hex(x, "credential_hash", c->entry_key, 32, NULL) == 0)
        c->have_entry_key = true;
    json_decref(j);
    return rc != 0 ? client_fail(why, rc, "%s: receipt: %s", path, inner) : 0;
}

/* Loads a credlog-bundle/v1 from path into c (its receipt and credkey). */
static int load_bundle(const char *cmd, const char *path, const uint8_t *text,
                       size_t len, struct cli_credential *c)
{
    char why[CLIENT_REASON_MAX];
    int rc;

    c->bundle = calloc(1, sizeof *c->bundle);
    if (c->bundle == NULL) {
        cli_error("out of memory");
        return CLI_ERROR;
    }
    rc = client_credbundle_parse((const char *)text, len, c->bundle, why);
    if (rc != 0) {
        cli_error("%s: %s: %s", cmd, path, why);
        return CLI_ERROR;
    }
    c->bundle_path = path;
    c->credkey = c->bundle->credkey;
    return CLI_OK;
}

/* The key of c->data under what was found (F.7). */
static int compute_key(const char *cmd, const char *target,
                       struct cli_credential *c)
{
    char why[CLIENT_REASON_MAX];
    struct credkey_result r;
    const struct client_receipt *rc_ = NULL;
    struct entry e;
    bool refused;

    if (c->have_receipt)
        rc_ = &c->receipt;
    else if (c->bundle != NULL)
        rc_ = &c->bundle->receipt;
    if (rc_ != NULL && entry_decode(rc_->e.entry, rc_->e.entry_len, &e) == 0) {
        memcpy(c->entry_key, e.credential, 32);
        c->have_entry_key = true;
    }
    if (c->credkey.known) {
        if (client_credfile_match(c->data, c->len, &c->credkey, NULL, c->key,
                                  why) != 0) {
            cli_error("%s: %s: INVALID: credkey/v1 refused the credential "
                      "(profile %s): %s",
                      cmd, target, credkey_profile_name(c->credkey.profile),
                      why);
            return CLI_ERROR;
        }
        return CLI_OK;
    }
    /* Nothing recorded: the unsalted auto key or the legacy SHA-256, the
     * one the receipt or bundle is about; with neither, both in turn. */
    client_credfile_legacy_key(c->data, c->len, c->legacy_key);
    refused = client_credfile_key(c->data, c->len, CREDKEY_PROFILE_AUTO, NULL,
                                  0, &r, why) != 0;
    if (c->have_entry_key && memcmp(c->entry_key, c->legacy_key, 32) == 0) {
        memcpy(c->key, c->legacy_key, sizeof c->key);
        return CLI_OK;
    }
    if (refused) {
        if (!c->have_entry_key)
            fprintf(stderr,
                    "credlog: note: credkey/v1 refuses %s (%s); looking up "
                    "the SHA-256 of its bytes\n",
                    target, why);
        memcpy(c->key, c->legacy_key, sizeof c->key);
        return CLI_OK;
    }
    memcpy(c->key, r.key, sizeof c->key);
    c->try_legacy = !c->have_entry_key;
    return CLI_OK;
}

bool cli_credential_is_bundle(const char *path)
{
    uint8_t *text;
    size_t len;
    bool yes;

    if (!is_file(path) || client_read_file(path, CLIENT_CREDBUNDLE_FILE_MAX,
                                           (char **)&text, &len, NULL) != 0)
        return false;
    yes = client_credbundle_detect((const char *)text, len);
    free(text);
    return yes;
}

int cli_credential_load(const char *cmd, const char *target,
                        const char *receipt_path, const char *bundle_path,
                        enum credkey_profile profile, bool need_receipt,
                        struct cli_credential *out)
{
    char why[CLIENT_REASON_MAX], path[PATH_MAX];
    struct client_credkey k;
    uint8_t *text;
    size_t len;
    int rc;

    memset(out, 0, sizeof *out);
    rc = read_limited(cmd, target, CLIENT_CREDBUNDLE_FILE_MAX, &text, &len);
    if (rc != CLI_OK)
        return rc;
    if (client_credbundle_detect((const char *)text, len)) {
        if (bundle_path != NULL) {
            free(text);
            cli_error("%s: %s is a bundle: give it alone, without --bundle",
                      cmd, target);
            return CLI_ERROR;
        }
        rc = load_bundle(cmd, target, text, len, out);
        free(text);
        if (rc != CLI_OK)
            goto fail;
        out->data = out->bundle->data; /* borrowed: the bundle owns it */
        out->len = out->bundle->data_len;
    } else if (len > CREDKEY_INPUT_MAX) {
        free(text);
        cli_error("%s: %s: refused: %s", cmd, target,
                  credkey_strerror(CREDKEY_ERR_TOO_LARGE));
        return CLI_NEGATIVE;
    } else {
        out->data = text;
        out->len = len;
    }

    if (receipt_path != NULL) {
        if (cli_credential_receipt(receipt_path, &out->receipt, &k, why) != 0) {
            cli_error("%s", why);
            rc = CLI_ERROR;
            goto fail;
        }
        out->have_receipt = true;
        out->credkey = k;
    } else if (bundle_path != NULL) {
        uint8_t *b;
        size_t blen;
        if ((rc = read_limited(cmd, bundle_path, CLIENT_CREDBUNDLE_FILE_MAX, &b,
                               &blen)) != CLI_OK)
            goto fail;
        if (client_credbundle_detect((const char *)b, blen)) {
            rc = load_bundle(cmd, bundle_path, b, blen, out);
            free(b);
            if (rc != CLI_OK)
                goto fail;
        } else {
            free(b);
            /* A status bundle: cli_verify reads its proofs; its receipt
             * may record the profile and salt, else the one beside. */
            if (status_bundle_credkey(bundle_path, out, why) != 0) {
                cli_error("%s", why);
                rc = CLI_ERROR;
                goto fail;
            }
            snprintf(path, sizeof path, "%s.receipt.json", target);
            if (!out->credkey.known && is_file(path) &&
                cli_credential_receipt(path, &out->receipt, &k, why) == 0) {
                client_receipt_free(&out->receipt);
                out->credkey = k;
            }
        }
    } else if (out->bundle == NULL) {
        snprintf(path, sizeof path, "%s.receipt.json", target);
        if (is_file(path)) {
            if (cli_credential_receipt(path, &out->receipt, &k, why) != 0) {
                cli_error("%s", why);
                rc = CLI_ERROR;
                goto fail;
            }
            out->have_receipt = true;
            out->credkey = k;
        } else if (need_receipt) {
            cli_error("no receipt: %s not found (give --receipt R, or --log "
                      "URL to ask the log)",
                      path);
            rc = CLI_ERROR;
            goto fail;
        }
    }
    if (profile != CREDKEY_PROFILE_AUTO) {
        if (!out->credkey.known)
            memset(&out->credkey, 0, sizeof out->credkey);
        out->credkey.known = true;
        out->credkey.profile = profile;
    }
    if ((rc = compute_key(cmd, target, out)) != CLI_OK)
        goto fail;
    return CLI_OK;
fail:
    cli_credential_free(out);
    return rc;
}

const char *cli_credential_hint(const struct cli_credential *c)
{
    if (c->credkey.known && c->credkey.salt_len > 0)
        return NULL;
    if (c->have_receipt || c->bundle != NULL)
        return NULL;
    return "a salted credential (credlog's default) is found only with its "
           "salt: give its receipt (FILE.receipt.json beside it, or "
           "--receipt R) or its bundle (--bundle B.credlog)";
}

int cli_credential_annotate(char **text, const struct client_credkey *k)
{
    json_t *j, *r;
    char *out = NULL;

    if (k == NULL || !k->known)
        return 0;
    j = json_loads(*text, 0, NULL);
    r = json_object_get(j, "receipt");
    if (json_is_object(r) && client_credkey_to_json(r, k) == 0)
        out = json_dumps(j, JSON_INDENT(2));
    json_decref(j);
    if (out == NULL)
        return CLIENT_ERR_NOMEM;
    free(*text);
    *text = out;
    return 0;
}

void cli_credential_free(struct cli_credential *c)
{
    if (c == NULL)
        return;
    if (c->bundle == NULL || c->data != c->bundle->data)
        free(c->data);
    client_credbundle_free(c->bundle);
    free(c->bundle);
    client_receipt_free(&c->receipt);
    memset(c, 0, sizeof *c);
}
