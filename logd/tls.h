/*
 * tls.h: the TLS server context for logd --tls-cert/--tls-key (OpenSSL 3).
 * One context is shared by every HTTP worker (OpenSSL makes each
 * connection's SSL from it safely on any thread); logd/conn.c wraps each
 * accepted connection in libevent's OpenSSL bufferevent.
 */
#ifndef CREDLOG_LOGD_TLS_H
#define CREDLOG_LOGD_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

/* Makes a server context: TLS 1.2 and 1.3 only, no renegotiation, no
 * compression, the certificate chain from cert_file (PEM, the server's
 * certificate first) and its private key from key_file (PEM), which must not
 * be readable by others than its owner and group and must match the
 * certificate. The key is read once; logd never logs or writes it. On
 * success *out owns the context (free with tls_server_free()). On failure
 * writes the reason into errbuf and returns -1. */
int tls_server_new(const char *cert_file, const char *key_file, SSL_CTX **out,
                   char *errbuf, size_t errcap);

/* Frees a context. Accepts NULL. */
void tls_server_free(SSL_CTX *ctx);

#endif
