/* tls_cert.c: see tls_cert.h. */
#include "tls_cert.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

static int add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;
    int ok;

    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

int tls_cert_new(EVP_PKEY **key_out, X509 **cert_out)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *name;
    unsigned char serial[8];
    BIGNUM *bn = NULL;
    int ok = key != NULL && x != NULL;

    *key_out = NULL;
    *cert_out = NULL;
    if (ok) {
        /* Positive and non-zero: the top bit clear, the lowest set. */
        ok = RAND_bytes(serial, sizeof serial) == 1;
        serial[0] &= 0x7f;
        serial[7] |= 1;
        bn = BN_bin2bn(serial, sizeof serial, NULL);
        ok = ok && bn != NULL &&
             BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    }
    if (ok) {
        X509_set_version(x, 2);
        X509_gmtime_adj(X509_getm_notBefore(x), -3600);
        X509_gmtime_adj(X509_getm_notAfter(x), 86400);
        X509_set_pubkey(x, key);
        name = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   (const unsigned char *)"credlog test", -1,
                                   -1, 0);
        X509_set_issuer_name(x, name);
        ok = add_ext(x, NID_basic_constraints, "critical,CA:TRUE") &&
             add_ext(x, NID_key_usage,
                     "critical,digitalSignature,keyCertSign") &&
             add_ext(x, NID_ext_key_usage, "serverAuth,clientAuth") &&
             add_ext(x, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost") &&
             X509_sign(x, key, EVP_sha256()) > 0;
    }
    BN_free(bn);
    if (!ok) {
        X509_free(x);
        EVP_PKEY_free(key);
        return -1;
    }
    *key_out = key;
    *cert_out = x;
    return 0;
}

int tls_cert_write(EVP_PKEY *key, X509 *cert, const char *cert_file,
                   const char *key_file)
{
    FILE *f;
    int ok = 1, fd;

    if (key_file != NULL) {
        fd = open(key_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (f == NULL && fd >= 0)
            close(fd);
        ok = f != NULL &&
             PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;
        if (f != NULL && fclose(f) != 0)
            ok = 0;
    }
    if (ok) {
        f = fopen(cert_file, "w");
        ok = f != NULL && PEM_write_X509(f, cert) == 1;
        if (f != NULL && fclose(f) != 0)
            ok = 0;
    }
    return ok ? 0 : -1;
}

int tls_cert_files(const char *cert_file, const char *key_file)
{
    EVP_PKEY *key;
    X509 *cert;
    int rc;

    if (tls_cert_new(&key, &cert) != 0)
        return -1;
    rc = tls_cert_write(key, cert, cert_file, key_file);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}
