/* tls.c: see tls.h. */
#include "logd/tls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>

/* Writes what failed and OpenSSL's first queued reason, then clears the
 * queue. */
static int fail(char *errbuf, size_t errcap, const char *what, const char *file)
{
    unsigned long e = ERR_get_error();
    char reason[200] = "";

    if (e != 0)
        ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    snprintf(errbuf, errcap, "%s %s%s%s", what, file, e != 0 ? ": " : "",
             reason);
    return -1;
}

int tls_server_new(const char *cert_file, const char *key_file, SSL_CTX **out,
                   char *errbuf, size_t errcap)
{
    SSL_CTX *ctx;
    struct stat st;

    *out = NULL;
    if (stat(key_file, &st) != 0) {
        snprintf(errbuf, errcap, "--tls-key %s: %s", key_file, strerror(errno));
        return -1;
    }
    if ((st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
        snprintf(errbuf, errcap,
                 "--tls-key %s is accessible by others (chmod o-rwx)",
                 key_file);
        return -1;
    }
    ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        return fail(errbuf, errcap, "cannot make a TLS context for", cert_file);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* Idle connections keep no read or write buffers. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
        SSL_CTX_free(ctx);
        return fail(errbuf, errcap, "cannot load the certificate chain",
                    cert_file);
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
        SSL_CTX_free(ctx);
        return fail(errbuf, errcap, "cannot load the private key", key_file);
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        SSL_CTX_free(ctx);
        return fail(errbuf, errcap, "the certificate does not match the key",
                    key_file);
    }
    *out = ctx;
    return 0;
}

void tls_server_free(SSL_CTX *ctx)
{
    SSL_CTX_free(ctx);
}
