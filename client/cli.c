/*
 * cli.c: credlog's main(): dispatch to a command, and the helpers the
 * commands share. Only this program exits; the library never prints.
 */
#include "client/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/bundle.h"
#include "client/clock.h"
#include "client/files.h"
#include "client/keys.h"
#include "client/name.h"
#include "proofs/codec.h"

#define CREDLOG_VERSION "0.1.0"

/* Verdicts on entries whose issuer name an issuer may no longer use. */
#define CLI_ISSUER_WARNING                                                     \
    "the issuer's name holds an invisible or direction-changing character "    \
    "(logged before credlog refused them): it may imitate another name"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"keygen", cli_keygen, "create an issuer key pair (institutions)"},
    {"issue", cli_issue,
     "log credentials and write verified receipts (institutions)"},
    {"revoke", cli_revoke, "revoke credentials (institutions)"},
    {"verify", cli_verify,
     "check a credential: VALID, REVOKED, NOT ISSUED or INVALID (verifiers)"},
    {"status", cli_status,
     "fetch and verify a status proof, optionally save it (verifiers)"},
    {"receipt", cli_receipt, "export a receipt as a C2SP tlog-proof"},
    {"bundle", cli_bundle,
     "write the holder's bundle: credential, receipt, status proof"},
    {"key", cli_key, "print a credential's credkey/v1 key, offline"},
    {"monitor", cli_monitor,
     "follow the log and check everything in it (monitors)"},
    {"witness", cli_witness,
     "cosign a log's consistent checkpoints (C2SP tlog-witness)"},
    {"agent", cli_agent,
     "an HTTP service issuing systems call to issue and revoke"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: credlog <command> [options]\n\n"
               "credlog talks to a credlog transparency log and verifies "
               "everything it gets.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'credlog <command> --help' for a command's options.\n"
               "Exit status: 0 success or VALID; 1 a negative answer (REVOKED, "
               "NOT ISSUED,\n"
               "refused, log inconsistency); 2 usage, network or proof error "
               "(INVALID);\n"
               "3 (issue) a credential given was issued before and is "
               "revoked.\n");
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return CLI_ERROR;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("credlog %s\n", CREDLOG_VERSION);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "credlog: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return CLI_ERROR;
}

void cli_error(const char *fmt, ...)
{
    va_list ap;

    fputs("credlog: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "credlog %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'credlog %s --help'.\n", cmd);
    return CLI_ERROR;
}

int cli_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;

    if (s == NULL || s[0] < '0' || s[0] > '9')
        return CLIENT_ERR_ARG;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return CLIENT_ERR_ARG;
    *out = v;
    return 0;
}

void cli_print_json(json_t *j)
{
    char *s = j != NULL ? json_dumps(j, JSON_INDENT(2)) : NULL;

    if (s != NULL) {
        puts(s);
        free(s);
    }
    json_decref(j);
    fflush(stdout);
}

void cli_time(uint64_t ms, char *buf, size_t cap)
{
    client_time_format(ms, buf, cap);
}

int cli_parse_hash(const char *s, uint8_t out[32])
{
    return codec_hex_decode(s, strlen(s), out, 32) == 0 ? 0 : -1;
}

int cli_open_api(const char *url, const struct cli_net *net,
                 struct client_api **out)
{
    struct client_api_options opt = {net->cacert, net->timeout};
    char why[CLIENT_REASON_MAX];

    if (client_api_open(url, &opt, out, why) != 0) {
        cli_error("%s", why);
        return CLI_ERROR;
    }
    return CLI_OK;
}

/* Pins the key the log at url serves, after checking that the log's
 * checkpoint is signed by it (a log that cannot even do that is refused). */
static int trust_on_first_use(const char *url, struct client_api *api,
                              struct note_verifier *out)
{
    char why[CLIENT_REASON_MAX], vkey[NOTE_KEY_TEXT_MAX + 1], path[PATH_MAX];
    int rc;

    if (client_api_log_key(api, out, why) != 0) {
        cli_error("no log key known for %s and the log does not serve one: %s",
                  url, why);
        cli_error(
            "pass --log-key VKEY (the key published by the log's operator)");
        return CLI_ERROR;
    }
    if ((rc = cli_check_log_key(api, out)) != CLI_OK)
        return rc;
    if (client_pin_store(url, out, why) != 0 ||
        client_pin_file(path, sizeof path, why) != 0) {
        cli_error("cannot pin the log key: %s", why);
        return CLI_ERROR;
    }
    note_verifier_format(out, vkey, sizeof vkey);
    fprintf(
        stderr,
        "credlog: notice: no key was known for the log %s, so credlog fetched "
        "the key\n"
        "  the log itself serves and pinned it in %s (trust on first use):\n"
        "    %s\n"
        "  Check it against the key the log's operator publishes. From now on "
        "credlog\n"
        "  refuses any other key for this log; to give the key yourself, use "
        "--log-key.\n",
        url, path, vkey);
    return CLI_OK;
}

int cli_log_key(const char *url, const char *arg, bool quiet,
                struct client_api *fetch, struct note_verifier *out)
{
    char why[CLIENT_REASON_MAX], vkey[NOTE_KEY_TEXT_MAX + 1];
    bool pinned = false, found = false;

    if (arg == NULL && url != NULL && fetch != NULL) {
        if (client_pin_lookup(url, out, &found, why) != 0) {
            cli_error("%s", why);
            return CLI_ERROR;
        }
        return found ? CLI_OK : trust_on_first_use(url, fetch, out);
    }
    if (client_log_key(url, arg, out, &pinned, why) != 0) {
        cli_error("%s", why);
        return CLI_ERROR;
    }
    if (pinned && !quiet && note_verifier_format(out, vkey, sizeof vkey) > 0)
        fprintf(stderr, "credlog: pinned log key %s for %s\n", vkey, url);
    return CLI_OK;
}

bool cli_log_key_diagnose(struct client_api *api,
                          const struct note_verifier *key)
{
    char path[PATH_MAX] = "the pin file";
    struct note_verifier served;

    if (client_api_log_key(api, &served, NULL) != 0 ||
        client_verifier_same(&served, key))
        return false;
    client_pin_file(path, sizeof path, NULL);
    cli_error("the log at %s now says it signs with the key %s+%08" PRIx32 ",\n"
              "  not with the log key %s+%08" PRIx32
              " that credlog checks it against:\n"
              "  refusing another key. If the log's operator really changed "
              "its key, check\n"
              "  the new key with them, then delete the log's line in %s.",
              client_api_url(api), served.name, served.key_id, key->name,
              key->key_id, path);
    return true;
}

int cli_check_log_key(struct client_api *api, const struct note_verifier *key)
{
    char why[CLIENT_REASON_MAX], inner[CLIENT_REASON_MAX];
    struct checkpoint cp;
    char *note;
    size_t len;
    int rc;

    if (client_api_checkpoint(api, &note, &len, why) != 0) {
        cli_error("%s", why);
        return CLI_ERROR;
    }
    rc = client_verify_checkpoint(note, len, key, &cp, inner);
    free(note);
    if (rc == 0)
        return CLI_OK;
    if (!cli_log_key_diagnose(api, key))
        cli_error("%s/checkpoint: %s", client_api_url(api), inner);
    return CLI_ERROR;
}

int cli_read_receipt(const char *path, struct client_receipt *out, char *why)
{
    char *text, inner[CLIENT_REASON_MAX];
    size_t len;
    int rc;

    memset(out, 0, sizeof *out);
    rc = client_read_file(path, 4 * CLIENT_NOTE_MAX, &text, &len, why);
    if (rc != 0)
        return rc;
    if (len >= strlen(CLIENT_TLOG_PROOF_HEADER) &&
        memcmp(text, CLIENT_TLOG_PROOF_HEADER,
               strlen(CLIENT_TLOG_PROOF_HEADER)) == 0)
        rc = client_tlog_proof_parse(text, len, out, inner);
    else
        rc = client_receipt_parse(text, len, out, inner);
    free(text);
    if (rc != 0)
        return client_fail(why, rc, "%s: %s", path, inner);
    return 0;
}

/* The identity items of the KEY entry that authorized the ISSUE's key as a
 * JSON object {tag name: value} (values as logged: KEY v2 values are
 * validated strictly, §B.6.4; the display name may be any script). */
static json_t *identity_json(const struct entry *key)
{
    json_t *o = json_object();

    for (uint8_t tag = 1; o != NULL && tag <= ENTRY_ID_TAG_MAX; tag++) {
        const uint8_t *val;
        size_t len;

        if (entry_identity_get(key, tag, &val, &len))
            json_object_set_new(o, entry_identity_tag_name(tag),
                                json_stringn((const char *)val, len));
    }
    return o;
}

/* The shown form (client/name.h) of a KEY v2 identity value: each
 * space-separated word by client_name_show(), joined by the single spaces
 * a display name may hold (§B.6.4 refuses leading, trailing and doubled
 * ones), so that "Avans Hogeschool" reads as itself. */
static void show_text(const uint8_t *val, size_t len, char *buf, size_t cap)
{
    size_t used = 0, start = 0;

    buf[0] = '\0';
    for (size_t k = 0; k <= len && used + 1 < cap; k++) {
        if (k < len && val[k] != ' ')
            continue;
        client_name_show((const char *)val + start, k - start, buf + used,
                         cap - used);
        used += strlen(buf + used);
        if (k < len && used + 1 < cap) {
            buf[used++] = ' ';
            buf[used] = '\0';
        }
        start = k + 1;
    }
}

/* Prints the identity the KEY entry records, each value in its shown form
 * (client/name.h) so that look-alikes differ visibly. */
static void identity_print(const struct client_verdict *v)
{
    char shown[CLIENT_NAME_SHOWN_MAX];
    bool any = false;

    client_name_show(v->issuer, strlen(v->issuer), shown, sizeof shown);
    printf("  issuer's key: %s key %08x, added at entry %llu", shown,
           (unsigned)note_key_id(v->issuer_key.issuer, NOTE_TYPE_ED25519,
                                 v->issuer_key.public_key),
           (unsigned long long)v->issuer_key_index);
    for (uint8_t tag = 1; tag <= ENTRY_ID_TAG_MAX; tag++) {
        const uint8_t *val;
        size_t len;

        if (!entry_identity_get(&v->issuer_key, tag, &val, &len))
            continue;
        show_text(val, len, shown, sizeof shown);
        printf("%s\n    %s: %s",
               any ? "" : ", identity:", entry_identity_tag_name(tag), shown);
        any = true;
    }
    if (!any)
        printf("\n    (its KEY entry records no identity%s)",
               v->issuer_key.version == ENTRY_VERSION_1 ? ": version 1" : "");
    printf("\n");
}

/* The credential's own issuer (§E.5), on the lines after the identity. */
static void credential_issuer_print(const struct client_verdict *v)
{
    const struct credissuer *c = &v->cred_issuer;

    switch (v->issuer_result) {
    case CLIENT_ISSUER_MATCH:
        printf("  the credential's issuer:");
        for (size_t i = 0; i < c->n; i++)
            printf("%s %s%s (%s)", i ? "," : "",
                   c->ids[i].kind == CREDISSUER_KIND_BRIN ? "BRIN " : "",
                   c->ids[i].value, credissuer_source_name(c->ids[i].source));
        printf("\n    matches the identity the log records for this key\n");
        break;
    case CLIENT_ISSUER_NONE:
        printf("  the credential names no issuer (profile %s): judge the "
               "issuer from the\n  credential itself; the log records the "
               "key's identity above\n",
               credkey_profile_name(c->profile));
        break;
    case CLIENT_ISSUER_NO_IDENTITY:
        printf("  the log records no identity for this key: the credential's "
               "issuer");
        for (size_t i = 0; i < c->n; i++)
            printf("%s %s", i ? "," : "", c->ids[i].value);
        printf(" is not checked\n");
        break;
    default:
        break;
    }
}

static json_t *credential_issuer_json(const struct client_verdict *v)
{
    const struct credissuer *c = &v->cred_issuer;
    json_t *o = json_object(), *ids = json_array();

    json_object_set_new(
        o, "result", json_string(client_issuer_result_name(v->issuer_result)));
    for (size_t i = 0; i < c->n; i++) {
        json_t *id = json_object();

        json_object_set_new(
            id, "source",
            json_string(credissuer_source_name(c->ids[i].source)));
        json_object_set_new(id, "kind",
                            json_string(c->ids[i].kind == CREDISSUER_KIND_BRIN
                                            ? "brin"
                                            : "uri"));
        json_object_set_new(id, "value", json_string(c->ids[i].value));
        if (v->issuer_result == CLIENT_ISSUER_MISMATCH && i == v->issuer_bad)
            json_object_set_new(o, "mismatch", json_deep_copy(id));
        json_array_append_new(ids, id);
    }
    json_object_set_new(o, "identifiers", ids);
    return o;
}

json_t *cli_verdict_json(const struct client_verdict *v)
{
    char hex[65], t[64];
    json_t *o = json_object();

    codec_hex_encode(v->credential, 32, hex);
    json_object_set_new(o, "verdict",
                        json_string(client_verdict_name(v->kind)));
    json_object_set_new(o, "credential_hash", json_string(hex));
    if (v->kind == CLIENT_VERDICT_INVALID)
        json_object_set_new(o, "reason", json_string(v->reason));
    if (v->auth_unshown)
        json_object_set_new(o, "authorization_unshown", json_true());
    if (v->issuer_checked)
        json_object_set_new(o, "credential_issuer", credential_issuer_json(v));
    if (v->stale || v->future) {
        json_object_set_new(o, v->stale ? "stale" : "future", json_true());
        json_object_set_new(o, "as_of_ms",
                            json_integer((json_int_t)v->as_of_ms));
        cli_time(v->as_of_ms, t, sizeof t);
        json_object_set_new(o, "as_of", json_string(t));
    }
    if (v->kind == CLIENT_VERDICT_VALID || v->kind == CLIENT_VERDICT_REVOKED) {
        char shown[CLIENT_NAME_SHOWN_MAX];

        /* issuer is the log's exact name; issuer_escaped is the name to
         * show a person (code points escaped unless plain ASCII). */
        client_name_show(v->issuer, strlen(v->issuer), shown, sizeof shown);
        json_object_set_new(o, "issuer", json_string(v->issuer));
        json_object_set_new(o, "issuer_escaped", json_string(shown));
        if (v->kind != CLIENT_VERDICT_NOT_ISSUED &&
            !note_issuer_name_valid(v->issuer, strlen(v->issuer), NULL))
            json_object_set_new(o, "issuer_warning",
                                json_string(CLI_ISSUER_WARNING));
        json_object_set_new(o, "issue_index",
                            json_integer((json_int_t)v->issue_index));
        json_object_set_new(o, "issuer_key_index",
                            json_integer((json_int_t)v->issuer_key_index));
        json_object_set_new(o, "issuer_identity",
                            identity_json(&v->issuer_key));
        json_object_set_new(o, "issued_ms",
                            json_integer((json_int_t)v->issued_ms));
        cli_time(v->issued_ms, t, sizeof t);
        json_object_set_new(o, "issued", json_string(t));
    }
    if (v->kind == CLIENT_VERDICT_REVOKED) {
        json_object_set_new(o, "revoke_index",
                            json_integer((json_int_t)v->revoke_index));
        json_object_set_new(o, "revoked_ms",
                            json_integer((json_int_t)v->revoked_ms));
        cli_time(v->revoked_ms, t, sizeof t);
        json_object_set_new(o, "revoked", json_string(t));
        json_object_set_new(o, "revoke_reason",
                            json_string(entry_reason_shown(v->revoke_reason)));
    }
    if (v->kind != CLIENT_VERDICT_INVALID) {
        json_object_set_new(o, "revocation_checked",
                            json_boolean(v->status_checked));
        if (v->status_checked) {
            json_object_set_new(o, "as_of_ms",
                                json_integer((json_int_t)v->as_of_ms));
            cli_time(v->as_of_ms, t, sizeof t);
            json_object_set_new(o, "as_of", json_string(t));
        }
        json_object_set_new(o, "receipt_checked",
                            json_boolean(v->receipt_checked));
        if (v->receipt_checked && v->status_checked)
            json_object_set_new(o, "consistency_checked",
                                json_boolean(v->consistency_checked));
        json_object_set_new(o, "log", json_string(v->checkpoint.origin));
        json_object_set_new(o, "tree_size",
                            json_integer((json_int_t)v->checkpoint.size));
        json_object_set_new(o, "witnessed", json_boolean(v->witnessed));
        if (v->witnessed) {
            json_object_set_new(o, "witnessed_ms",
                                json_integer((json_int_t)v->witnessed_ms));
            cli_time(v->witnessed_ms, t, sizeof t);
            json_object_set_new(o, "witnessed_at", json_string(t));
        }
    }
    return o;
}

void cli_verdict_print(const struct client_verdict *v, const char *label)
{
    char issued[64], revoked[64], asof[64], hex[65];
    char issuer[2 * CLIENT_NAME_SHOWN_MAX + 8];
    bool plain =
        client_name_show(v->issuer, strlen(v->issuer), issuer, sizeof issuer);
    const uint8_t *dname;
    size_t dlen;

    /* The display name from the issuer's KEY entry, beside the issuer. */
    if (v->kind != CLIENT_VERDICT_NOT_ISSUED &&
        entry_identity_get(&v->issuer_key, ENTRY_ID_NAME, &dname, &dlen)) {
        size_t n = strlen(issuer);
        snprintf(issuer + n, sizeof issuer - n, " (\"");
        n = strlen(issuer);
        show_text(dname, dlen, issuer + n, sizeof issuer - n - 2);
        n = strlen(issuer);
        snprintf(issuer + n, sizeof issuer - n, "\")");
    }

    codec_hex_encode(v->credential, 32, hex);
    cli_time(v->issued_ms, issued, sizeof issued);
    cli_time(v->revoked_ms, revoked, sizeof revoked);
    cli_time(v->as_of_ms, asof, sizeof asof);
    if (label != NULL)
        printf("%s (key %s)\n", label, hex);
    switch (v->kind) {
    case CLIENT_VERDICT_VALID:
        if (v->status_checked)
            printf("VALID: issued by %s on %s, not revoked as of %s\n", issuer,
                   issued, asof);
        else
            printf("VALID: issued by %s on %s (receipt checked offline; "
                   "revocation not checked:\n"
                   "       use --log URL or --bundle FILE to check it)\n",
                   issuer, issued);
        break;
    case CLIENT_VERDICT_REVOKED:
        printf("REVOKED: issued by %s on %s, revoked by %s on %s (reason: %s); "
               "as of %s\n",
               issuer, issued, issuer, revoked,
               entry_reason_shown(v->revoke_reason), asof);
        break;
    case CLIENT_VERDICT_NOT_ISSUED:
        printf("NOT ISSUED: the log %s has no credential with this key (as of "
               "%s)\n",
               v->checkpoint.origin, asof);
        break;
    default:
        printf("INVALID: %s\n", v->reason);
        if (v->stale)
            printf("  (--max-age sets the oldest status proof accepted: 24h by "
                   "default with --log,\n"
                   "  7d with --bundle; a live log has a new MAP entry "
                   "every few minutes)\n");
        if (v->future)
            printf("  (check this computer's clock; if it is right, the log's "
                   "clock is wrong or\n"
                   "  the log post-dated its MAP entry)\n");
        return;
    }
    if (v->kind == CLIENT_VERDICT_NOT_ISSUED)
        printf("  log %s, tree size %llu\n", v->checkpoint.origin,
               (unsigned long long)v->checkpoint.size);
    else
        printf("  log %s, tree size %llu, issued at entry %llu%s\n",
               v->checkpoint.origin, (unsigned long long)v->checkpoint.size,
               (unsigned long long)v->issue_index,
               v->kind == CLIENT_VERDICT_REVOKED ? "" : "");
    if (v->kind != CLIENT_VERDICT_NOT_ISSUED)
        identity_print(v);
    if (v->issuer_checked)
        credential_issuer_print(v);
    if (!plain)
        printf("  note: the issuer's name is not plain ASCII; characters "
               "other than printable\n"
               "  ASCII are shown as \\u{code point}: compare it with the "
               "name you expect\n");
    if (v->kind != CLIENT_VERDICT_NOT_ISSUED &&
        !note_issuer_name_valid(v->issuer, strlen(v->issuer), NULL))
        printf("  warning: %s\n", CLI_ISSUER_WARNING);
    if (v->witnessed) {
        char at[64];

        cli_time(v->witnessed_ms, at, sizeof at);
        printf("  cosigned by the witness policy's quorum, as of %s\n", at);
    }
    if (v->receipt_checked && v->status_checked && !v->consistency_checked)
        printf("  note: the receipt's and the status proof's checkpoints were "
               "not linked by a "
               "consistency proof\n");
}
