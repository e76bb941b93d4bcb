/*
 * tls_cert.h: self-signed TLS certificates for the tests that speak HTTPS
 * (logd with --tls-cert, the minilog server, credlog --cacert, credlog
 * agent's client certificates): a fresh P-256 key and a CA certificate for
 * IP 127.0.0.1 and DNS localhost, good for servers and clients, with a
 * random serial number (two certificates never look alike), valid from an
 * hour ago for a day.
 *
 * The key and certificate returned are the caller's: EVP_PKEY_free() and
 * X509_free(). Functions return 0, or -1 (OpenSSL or the file system
 * failed).
 */
#ifndef CREDLOG_TESTS_TLS_CERT_H
#define CREDLOG_TESTS_TLS_CERT_H

#include <openssl/evp.h>
#include <openssl/x509.h>

/* Makes a new key and its self-signed certificate. */
int tls_cert_new(EVP_PKEY **key, X509 **cert);

/* Writes cert as PEM to cert_file and, if key_file is not NULL, key as PEM
 * to key_file (mode 0600). */
int tls_cert_write(EVP_PKEY *key, X509 *cert, const char *cert_file,
                   const char *key_file);

/* tls_cert_new() and tls_cert_write() in one, freeing what it made. */
int tls_cert_files(const char *cert_file, const char *key_file);

#endif
