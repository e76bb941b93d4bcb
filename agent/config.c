/* config.c: see config.h. */
#include "agent/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "client/files.h"
#include "client/keys.h"
#include "keystore/p11uri.h"
#include "proofs/codec.h"

static int bad(char *why, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(char *why, unsigned line, const char *fmt, ...)
{
    char msg[AGENT_WHY_MAX - 32];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(why, AGENT_WHY_MAX, "line %u: %s", line, msg);
    else
        snprintf(why, AGENT_WHY_MAX, "%s", msg);
    return AGENT_ERR_CONFIG;
}

/* Splits line into at most max space-separated words (in place). */
static size_t words(char *line, char **w, size_t max)
{
    size_t n = 0;
    char *p = line;

    while (*p != '\0') {
        while (*p == ' ' || *p == '\t')
            *p++ = '\0';
        if (*p == '\0')
            break;
        if (n == max)
            return max + 1;
        w[n++] = p;
        while (*p != '\0' && *p != ' ' && *p != '\t')
            p++;
    }
    return n;
}

static int copy(char *dst, size_t cap, const char *src, char *why,
                unsigned line, const char *what)
{
    if (strlen(src) >= cap)
        return bad(why, line, "%s is too long", what);
    memcpy(dst, src, strlen(src) + 1);
    return 0;
}

static int parse_department(struct agent_config *c, char **w, size_t n,
                            char *why, unsigned line)
{
    struct agent_department *d;

    if (n != 4)
        return bad(why, line, "want: department NAME sha256:HEX KEYFILE");
    if (c->ndepts == AGENT_DEPT_MAX)
        return bad(why, line, "more than %d departments", AGENT_DEPT_MAX);
    d = &c->depts[c->ndepts];
    if (strlen(w[1]) > AGENT_DEPT_NAME_MAX)
        return bad(why, line, "department name longer than %d bytes",
                   AGENT_DEPT_NAME_MAX);
    for (const char *p = w[1]; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
            return bad(why, line,
                       "department name '%s': letters, digits, '-', '_', "
                       "'.' only",
                       w[1]);
    for (size_t i = 0; i < c->ndepts; i++)
        if (strcmp(c->depts[i].name, w[1]) == 0)
            return bad(why, line, "department '%s' twice", w[1]);
    if (strncmp(w[2], "sha256:", 7) != 0 ||
        codec_hex_decode(w[2] + 7, strlen(w[2] + 7), d->token_hash, 32) != 0)
        return bad(why, line,
                   "the token is given as sha256:<64 hex digits> of the "
                   "bearer token (printf %%s TOKEN | sha256sum)");
    for (size_t i = 0; i < c->ndepts; i++)
        if (memcmp(c->depts[i].token_hash, d->token_hash, 32) == 0)
            return bad(why, line, "two departments share a token");
    snprintf(d->name, sizeof d->name, "%s", w[1]);
    if (copy(d->key_path, sizeof d->key_path, w[3], why, line, "KEYFILE"))
        return AGENT_ERR_CONFIG;
    c->ndepts++;
    return 0;
}

/* The keywords given once at most (a second `log` line is a mistake, not
 * an override). */
static const char *const single[] = {
    "institution",   "log",       "log-key",         "listen",
    "data",          "webhook",   "tls-cert",        "tls-key",
    "tls-client-ca", "linger-ms", "monitor-interval"};

static int parse_line(struct agent_config *c, char *text, char *why,
                      unsigned line, unsigned *seen)
{
    char *w[5];
    size_t n = words(text, w, 4);
    unsigned long v;
    char *end;

    if (n == 0 || w[0][0] == '#')
        return 0;
    if (n > 4)
        return bad(why, line, "too many words");
    if (strcmp(w[0], "department") == 0)
        return parse_department(c, w, n, why, line);
    for (unsigned k = 0; k < sizeof single / sizeof single[0]; k++)
        if (strcmp(w[0], single[k]) == 0) {
            if (*seen & (1u << k))
                return bad(why, line, "%s given twice", w[0]);
            *seen |= 1u << k;
        }
    if (n != 2)
        return bad(why, line, "want: %s VALUE", w[0]);
    if (strcmp(w[0], "institution") == 0) {
        uint32_t cp;

        if (!note_issuer_name_valid(w[1], strlen(w[1]), &cp))
            return bad(why, line, "'%s' cannot name an issuer", w[1]);
        return copy(c->institution, sizeof c->institution, w[1], why, line,
                    "institution");
    }
    if (strcmp(w[0], "log") == 0) {
        if (strncmp(w[1], "http://", 7) != 0 &&
            strncmp(w[1], "https://", 8) != 0)
            return bad(why, line, "log wants an http:// or https:// URL");
        return copy(c->log_url, sizeof c->log_url, w[1], why, line, "log");
    }
    if (strcmp(w[0], "log-key") == 0) {
        char kwhy[CLIENT_REASON_MAX];

        if (client_verifier_arg(w[1], &c->log, kwhy) != 0)
            return bad(why, line, "log-key: %s", kwhy);
        return 0;
    }
    if (strcmp(w[0], "listen") == 0)
        return copy(c->listen, sizeof c->listen, w[1], why, line, "listen");
    if (strcmp(w[0], "data") == 0)
        return copy(c->data_dir, sizeof c->data_dir, w[1], why, line, "data");
    if (strcmp(w[0], "webhook") == 0) {
        if (strncmp(w[1], "http://", 7) != 0)
            return bad(why, line, "webhook wants an http:// URL");
        return copy(c->webhook, sizeof c->webhook, w[1], why, line, "webhook");
    }
    if (strcmp(w[0], "tls-cert") == 0)
        return copy(c->tls_cert, sizeof c->tls_cert, w[1], why, line, "file");
    if (strcmp(w[0], "tls-key") == 0)
        return copy(c->tls_key, sizeof c->tls_key, w[1], why, line, "file");
    if (strcmp(w[0], "tls-client-ca") == 0)
        return copy(c->tls_client_ca, sizeof c->tls_client_ca, w[1], why, line,
                    "file");
    if (strcmp(w[0], "monitor-interval") == 0) {
        v = strtoul(w[1], &end, 10);
        if (*end != '\0' || end == w[1] || v > 86400)
            return bad(why, line, "monitor-interval wants 0..86400 seconds");
        c->monitor_interval_s = (unsigned)v;
        return 0;
    }
    if (strcmp(w[0], "linger-ms") == 0) {
        v = strtoul(w[1], &end, 10);
        if (*end != '\0' || end == w[1] || v > AGENT_LINGER_MS_MAX)
            return bad(why, line, "linger-ms wants 0..%d", AGENT_LINGER_MS_MAX);
        c->linger_ms = (unsigned)v;
        return 0;
    }
    return bad(why, line, "unknown keyword '%s'", w[0]);
}

int agent_config_parse(const char *text, size_t len, struct agent_config *out,
                       char *why)
{
    char buf[4096];
    unsigned line = 0, seen = 0;
    size_t i = 0;
    int rc;

    memset(out, 0, sizeof *out);
    out->linger_ms = AGENT_LINGER_MS_DEFAULT;
    out->monitor_interval_s = AGENT_MONITOR_INTERVAL_DEFAULT;
    snprintf(out->listen, sizeof out->listen, "127.0.0.1:8470");
    while (i < len) {
        size_t j = i;

        while (j < len && text[j] != '\n')
            j++;
        line++;
        if (j - i >= sizeof buf)
            return bad(why, line, "line too long");
        memcpy(buf, text + i, j - i);
        buf[j - i] = '\0';
        if (j > i && buf[j - i - 1] == '\r')
            buf[j - i - 1] = '\0';
        if (memchr(text + i, '\0', j - i) != NULL)
            return bad(why, line, "NUL byte");
        if ((rc = parse_line(out, buf, why, line, &seen)) != 0)
            return rc;
        i = j + 1;
    }
    if (out->institution[0] == '\0' || out->log_url[0] == '\0' ||
        out->log.name[0] == '\0' || out->data_dir[0] == '\0')
        return bad(why, 0, "institution, log, log-key and data are required");
    if (out->ndepts == 0)
        return bad(why, 0, "no department");
    if ((out->tls_cert[0] == '\0') != (out->tls_key[0] == '\0'))
        return bad(why, 0, "tls-cert and tls-key go together");
    if (out->tls_client_ca[0] != '\0' && out->tls_cert[0] == '\0')
        return bad(why, 0, "tls-client-ca needs tls-cert and tls-key");
    return 0;
}

/* A relative path is relative to the config file's directory. */
static void resolve(char *path, size_t cap, const char *config_path)
{
    const char *slash = strrchr(config_path, '/');
    char tmp[PATH_MAX];

    if (path[0] == '/' || path[0] == '\0' || slash == NULL || p11uri_is(path))
        return;
    if (snprintf(tmp, sizeof tmp, "%.*s/%s", (int)(slash - config_path),
                 config_path, path) < (int)sizeof tmp)
        snprintf(path, cap, "%s", tmp);
}

int agent_config_load(const char *path, struct agent_config *out, char *why)
{
    char kwhy[CLIENT_REASON_MAX], pwhy[AGENT_WHY_MAX];
    char *text;
    size_t len;
    int rc;

    memset(out, 0, sizeof *out);
    if (client_read_file(path, AGENT_CONFIG_FILE_MAX, &text, &len, kwhy) != 0)
        return bad(why, 0, "%s", kwhy);
    rc = agent_config_parse(text, len, out, pwhy);
    free(text);
    if (rc != 0)
        return bad(why, 0, "%s: %s", path, pwhy);
    resolve(out->data_dir, sizeof out->data_dir, path);
    resolve(out->tls_cert, sizeof out->tls_cert, path);
    resolve(out->tls_key, sizeof out->tls_key, path);
    resolve(out->tls_client_ca, sizeof out->tls_client_ca, path);
    for (size_t i = 0; i < out->ndepts; i++) {
        struct agent_department *d = &out->depts[i];
        bool loose = false;

        resolve(d->key_path, sizeof d->key_path, path);
        if (client_issuer_key_open(d->key_path, &d->key, &loose, kwhy) != 0) {
            agent_config_wipe(out);
            return bad(why, 0, "department %s: %s", d->name, kwhy);
        }
        ed25519_signer_verifier(d->key, &d->vkey);
        if (loose)
            rc = bad(why, 0,
                     "department %s: %s is readable by others (chmod "
                     "600 it)",
                     d->name, d->key_path);
        else if (strcmp(d->vkey.name, out->institution) != 0)
            rc = bad(why, 0,
                     "department %s: %s is a key of '%s', not of the "
                     "institution",
                     d->name,
                     p11uri_is(d->key_path) ? "the token key" : d->key_path,
                     d->vkey.name);
        if (rc != 0) {
            out->ndepts = i + 1;
            agent_config_wipe(out);
            return rc;
        }
    }
    return 0;
}

long agent_config_department(const struct agent_config *c, const char *token,
                             size_t len)
{
    uint8_t h[32];
    long found = -1;

    SHA256((const unsigned char *)token, len, h);
    for (size_t i = 0; i < c->ndepts; i++)
        if (CRYPTO_memcmp(h, c->depts[i].token_hash, 32) == 0)
            found = (long)i;
    return found;
}

void agent_config_wipe(struct agent_config *c)
{
    for (size_t i = 0; i < c->ndepts; i++) {
        ed25519_signer_free(c->depts[i].key);
        c->depts[i].key = NULL;
    }
}
