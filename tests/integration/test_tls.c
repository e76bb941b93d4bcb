/*
 * test_tls.c: logd --tls-cert/--tls-key (issue 5, item 5).
 *  - The test makes its own CA-less, self-signed certificate (EC P-256, SAN
 *    IP 127.0.0.1 and DNS localhost) with the OpenSSL C API, starts logd
 *    with it, and drives it through client/http.h trusting that certificate
 *    only: submissions with verified receipts, the checkpoint, the whole log
 *    through tiles, a status proof.
 *  - A client trusting the system store (or another certificate) fails with
 *    a TLS error; TLS 1.1 is refused while 1.2 and 1.3 work; plain HTTP to
 *    the TLS port, a handshake that never finishes and handshakes cut short
 *    are all closed, and logd goes on serving.
 *  - The real credlog command issues and verifies over HTTPS with --cacert.
 *  - SIGHUP serves a renewed certificate to new connections; a broken one is
 *    refused and the current one kept.
 *  - Bad TLS settings stop logd at start with a clear reason.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "answer.h"
#include "check.h"
#include "client/http.h"
#include "credlog_run.h"
#include "issuer.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "logd_raw.h"
#include "mirror.h"
#include "naive.h"
#include "proofs/codec.h"
#include "proofs/entry.h"
#include "proofs/note.h"
#include "tls_cert.h"
#include "wait.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

static struct logd_proc P;
static struct issuer A1;
static uint64_t rnd = 515;
static char cert_path[600], key_path[600], other_cert[600], url[80];

/* ---- a raw TLS client, for protocol versions ---- */

/* Connects with TLS versions [min, max]; on success sends a GET for path
 * and returns the HTTP status of the answer (0 if none), -1 if the
 * handshake failed. */
static int raw_tls_get_ca(int min, int max, const char *path, const char *ca)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = NULL;
    int fd = logd_raw_connect(P.port, 0), status = -1;
    char req[256], buf[512];

    if (ctx == NULL || fd < 0)
        goto out;
    /* Let this client offer old versions at all (OpenSSL 3 refuses TLS 1.1
     * at its default security level); the server must still refuse. */
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
    SSL_CTX_set_min_proto_version(ctx, min);
    SSL_CTX_set_max_proto_version(ctx, max);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
        goto out;
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set1_host(ssl, "127.0.0.1");
    if (SSL_connect(ssl) != 1)
        goto out;
    snprintf(req, sizeof req,
             "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
             path);
    status = 0;
    if (SSL_write(ssl, req, (int)strlen(req)) > 0) {
        int n = SSL_read(ssl, buf, sizeof buf - 1);
        if (n > 0) {
            buf[n] = '\0';
            sscanf(buf, "HTTP/1.1 %d", &status);
        }
    }
out:
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    if (fd >= 0)
        close(fd);
    return status;
}

static int raw_tls_get(int min, int max, const char *path)
{
    return raw_tls_get_ca(min, max, path, cert_path);
}

/* ---- the tests ---- */

static struct client_http *open_client(const char *cacert)
{
    struct client_http_options o = {cacert, 20, 0};
    struct client_http *h = NULL;

    if (client_http_open(url, &o, &h) != 0)
        return NULL;
    return h;
}

/* Everything a verifier and an institution do, over HTTPS. */
static void test_api(void)
{
    struct client_http *h = open_client(cert_path);
    struct checkpoint cp;
    struct mirror m;
    uint8_t root[32], creds[20][32];
    json_t *arr = json_array(), *ans = NULL, *st;
    char path[100], hex[65];
    int status;

    REQUIRE(h != NULL);
    REQUIRE(logd_api_checkpoint(h, &P, &cp, NULL) > 0);
    for (int i = 0; i < 20; i++) {
        struct entry e;
        check_rand_cred(&rnd, creds[i]);
        issuer_entry(&e, ENTRY_ISSUE, creds[i], &A1, issuer_now_ms(), 0);
        json_array_append_new(arr, issuer_submission_json(&e));
    }
    status = logd_api_post_entries(h, arr, &ans);
    CHECK_MSG(status == 200, "POST over TLS: %d", status);
    for (int i = 0; i < 20; i++)
        CHECK(answer_receipt(
            &P, json_array_get(json_object_get(ans, "receipts"), (size_t)i),
            NULL, 0, NULL, NULL));
    json_decref(ans);
    REQUIRE(logd_api_checkpoint(h, &P, &cp, NULL) > 20);
    memset(&m, 0, sizeof m);
    CHECK(mirror_fetch(h, &m, cp.size));
    CHECK(m.n == cp.size);
    if (m.n == cp.size) {
        naive_mth((const uint8_t(*)[32])m.leaf, m.n, root);
        CHECK(memcmp(root, cp.root, 32) == 0);
        CHECK(mirror_replay(&m, NULL));
    }
    mirror_free(&m);
    codec_hex_encode(creds[7], 32, hex);
    snprintf(path, sizeof path, "/v1/status/%s", hex);
    st = logd_api_get_json(h, path, &status);
    CHECK(status == 200 && answer_status(&P, st, creds[7], "active"));
    json_decref(st);
    /* Errors are JSON over TLS too. */
    st = logd_api_get_json(h, "/v1/entries/01", &status);
    CHECK(status == 400 && json_is_string(json_object_get(st, "error")));
    json_decref(st);
    client_http_close(h);
}

static void test_untrusted(void)
{
    struct client_http *h = open_client(NULL); /* the system store */
    struct client_http_response r;
    int rc;

    REQUIRE(h != NULL);
    rc = client_http_get(h, "/checkpoint", &r);
    CHECK_MSG(rc == CLIENT_HTTP_ERR_TLS, "system store: %d (%s)", rc,
              client_http_last_error(h));
    if (rc == 0)
        client_http_response_free(&r);
    client_http_close(h);

    h = open_client(other_cert);
    REQUIRE(h != NULL);
    rc = client_http_get(h, "/checkpoint", &r);
    CHECK_MSG(rc == CLIENT_HTTP_ERR_TLS, "another certificate: %d (%s)", rc,
              client_http_last_error(h));
    if (rc == 0)
        client_http_response_free(&r);
    client_http_close(h);
}

static void test_versions(void)
{
    CHECK(raw_tls_get(TLS1_VERSION, TLS1_1_VERSION, "/healthz") == -1);
    CHECK(raw_tls_get(TLS1_1_VERSION, TLS1_1_VERSION, "/healthz") == -1);
    CHECK(raw_tls_get(TLS1_VERSION, TLS1_VERSION, "/healthz") == -1);
    CHECK(raw_tls_get(TLS1_2_VERSION, TLS1_2_VERSION, "/healthz") == 200);
    CHECK(raw_tls_get(TLS1_3_VERSION, TLS1_3_VERSION, "/healthz") == 200);
}

static bool still_serving(void)
{
    struct client_http *h = open_client(cert_path);
    bool ok = h != NULL && logd_api_checkpoint(h, &P, NULL, NULL) > 0;

    client_http_close(h);
    return ok;
}

/* Plain HTTP, a handshake that never ends, handshakes cut short. */
static void test_misbehaving(void)
{
    static const char plain[] = "GET /checkpoint HTTP/1.1\r\nHost: x\r\n\r\n";
    struct logd_raw_answer a;
    int fd, held;

    /* Plain HTTP to the TLS port: no HTTP answer, the connection ends. */
    fd = logd_raw_connect(P.port, 0);
    REQUIRE(fd >= 0);
    CHECK(logd_raw_send(fd, plain, sizeof plain - 1) == 0);
    CHECK(logd_raw_read(fd, 0, 5000, &a) != 0);
    logd_raw_answer_free(&a);
    CHECK(logd_raw_wait_closed(fd, 10000));
    close(fd);
    CHECK(still_serving());

    /* A client that connects and says nothing, and one that stops in the
     * middle of its ClientHello: closed by --request-timeout (2 s). */
    held = logd_raw_connect(P.port, 0);
    fd = logd_raw_connect(P.port, 0);
    REQUIRE(held >= 0 && fd >= 0);
    CHECK(logd_raw_send(fd, "\x16\x03\x01\x02\x00\x01", 6) == 0);
    CHECK(still_serving());
    CHECK(logd_raw_wait_closed(held, 15000));
    CHECK(logd_raw_wait_closed(fd, 15000));
    close(held);
    close(fd);

    /* Fifty handshakes cut short, and garbage records. */
    for (int i = 0; i < 50; i++) {
        fd = logd_raw_connect(P.port, 0);
        if (fd < 0)
            continue;
        if (i % 2)
            (void)logd_raw_send(fd, "\x16\x03\x03\x00\x05garbage", 12);
        close(fd);
    }
    CHECK(still_serving());
    CHECK(raw_tls_get(TLS1_2_VERSION, TLS1_3_VERSION, "/healthz") == 200);

    /* logd has let go of all of them: its only open connection is the one
     * asking. */
    {
        struct client_http *h = open_client(cert_path);
        bool one = h != NULL && logd_api_wait_metric(
                                    h, "credlog_http_connections", 1, 10000);
        CHECK_MSG(one, "open connections: %lld",
                  h != NULL ? (long long)logd_api_metric(
                                  h, "credlog_http_connections")
                            : -1LL);
        client_http_close(h);
    }
}

/* Runs $CREDLOG_BIN with args (HOME and XDG_CONFIG_HOME in P.dir, so the
 * log key is pinned there); returns its exit status, its output in out. */
static int run_credlog(const char *const *args, char *out, size_t cap)
{
    struct credlog_run r;
    int status;

    snprintf(credlog_run_home, sizeof credlog_run_home, "%s/home", P.dir);
    mkdir(credlog_run_home, 0700);
    credlog_run_v(&r, args);
    snprintf(out, cap, "%s%s", r.out, r.err);
    status = r.status;
    credlog_run_free(&r);
    return status;
}

static void test_credlog(void)
{
    const char *bin = getenv("CREDLOG_BIN");
    char ikey[600], doc[600], out[8192], text[NOTE_KEY_TEXT_MAX + 2];
    int fd, k, rc;

    if (bin == NULL || bin[0] == '\0') {
        printf("CREDLOG_BIN not set: credlog part skipped\n");
        return;
    }
    snprintf(ikey, sizeof ikey, "%s/issuer.key", P.dir);
    snprintf(doc, sizeof doc, "%s/diploma.pdf", P.dir);
    k = note_signer_format(&A1.s, text, sizeof text - 1);
    REQUIRE(k > 0);
    text[k] = '\n';
    fd = open(ikey, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0 && write(fd, text, (size_t)k + 1) == k + 1);
    close(fd);
    fd = open(doc, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0 &&
            write(fd, "diploma of A. Student, id 7f3a91\n", 33) == 33);
    close(fd);

    rc = run_credlog((const char *const[]){"issue", "--log", url, "--cacert",
                                           cert_path, "--log-key", P.log_vkey,
                                           "--key", ikey, doc, NULL},
                     out, sizeof out);
    CHECK_MSG(rc == 0, "credlog issue over https: %d\n%s", rc, out);
    rc = run_credlog((const char *const[]){"verify", "--log-key", P.log_vkey,
                                           "--log", url, "--cacert", cert_path,
                                           doc, NULL},
                     out, sizeof out);
    CHECK_MSG(rc == 0 && strstr(out, "VALID") != NULL,
              "credlog verify over https: %d\n%s", rc, out);
    /* Without the certificate, credlog refuses the connection. */
    rc = run_credlog((const char *const[]){"verify", "--log-key", P.log_vkey,
                                           "--log", url, doc, NULL},
                     out, sizeof out);
    CHECK_MSG(rc == 2, "credlog verify without --cacert: %d\n%s", rc, out);
}

/* Copies a file (mode 0600), replacing the destination atomically. */
static bool copy_file(const char *from, const char *to)
{
    char buf[8192], tmp[700];
    FILE *in = fopen(from, "r");
    size_t n = in != NULL ? fread(buf, 1, sizeof buf, in) : 0;
    int fd;
    bool ok;

    if (in != NULL)
        fclose(in);
    snprintf(tmp, sizeof tmp, "%s.tmp", to);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ok = n > 0 && fd >= 0 && write(fd, buf, n) == (ssize_t)n;
    if (fd >= 0)
        close(fd);
    return ok && rename(tmp, to) == 0;
}

/* SIGHUP reloads a renewed certificate; a broken one is refused and the
 * current one kept. */
static void test_reload(void)
{
    char old_cert[700], new_cert[700], new_key[700];
    bool switched = false;

    snprintf(old_cert, sizeof old_cert, "%s/old.crt", P.dir);
    snprintf(new_cert, sizeof new_cert, "%s/new.crt", P.dir);
    snprintf(new_key, sizeof new_key, "%s/new.key", P.dir);
    REQUIRE(copy_file(cert_path, old_cert));
    REQUIRE(tls_cert_files(new_cert, new_key) == 0);
    REQUIRE(copy_file(new_key, key_path) && copy_file(new_cert, cert_path));
    /* Until the signal, the old certificate is served. */
    CHECK(raw_tls_get_ca(TLS1_2_VERSION, TLS1_3_VERSION, "/healthz",
                         old_cert) == 200);
    CHECK(logd_proc_signal(&P, SIGHUP) == 0);
    {
        struct wait w = wait_begin(10000);
        do {
            switched = raw_tls_get_ca(TLS1_2_VERSION, TLS1_3_VERSION,
                                      "/healthz", new_cert) == 200;
        } while (!switched && wait_more(&w));
    }
    CHECK(switched);
    CHECK(raw_tls_get_ca(TLS1_2_VERSION, TLS1_3_VERSION, "/healthz",
                         old_cert) == -1);
    CHECK(logd_proc_log_contains(&P, "reloaded the TLS certificate"));
    CHECK(still_serving());

    /* A broken certificate file: kept serving the current one. */
    {
        FILE *f = fopen(cert_path, "w");
        CHECK(f != NULL && fputs("not a certificate\n", f) >= 0 &&
              fclose(f) == 0);
    }
    CHECK(logd_proc_signal(&P, SIGHUP) == 0);
    CHECK(logd_proc_wait_log(&P, "keeping the current TLS certificate", 10000));
    CHECK(raw_tls_get_ca(TLS1_2_VERSION, TLS1_3_VERSION, "/healthz",
                         new_cert) == 200);
    CHECK(copy_file(new_cert, cert_path));
}

/* Bad TLS settings: logd refuses to start and says why. */
static void test_bad_config(void)
{
    struct logd_proc Q;
    struct note_verifier keys[1] = {A1.v};
    char readable[700], missing[700];

    REQUIRE(logd_proc_init(&Q, "test.example/tls-bad", keys, 1) == 0);
    snprintf(missing, sizeof missing, "%s/nope.pem", Q.dir);
    CHECK(logd_proc_start(&Q, (const char *const[]){"--tls-cert", missing,
                                                    "--tls-key", key_path,
                                                    NULL}) != 0);
    CHECK(logd_proc_log_contains(&Q, "cannot load the certificate chain"));
    CHECK(logd_proc_start(&Q, (const char *const[]){"--tls-cert", other_cert,
                                                    "--tls-key", key_path,
                                                    NULL}) != 0);
    CHECK(logd_proc_log_contains(&Q, "key values mismatch"));
    snprintf(readable, sizeof readable, "%s/open.key", Q.dir);
    {
        char buf[4096];
        FILE *in = fopen(key_path, "r");
        size_t n = in != NULL ? fread(buf, 1, sizeof buf, in) : 0;
        int fd = open(readable, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in != NULL)
            fclose(in);
        CHECK(fd >= 0 && write(fd, buf, n) == (ssize_t)n);
        fchmod(fd, 0644);
        close(fd);
    }
    CHECK(logd_proc_start(&Q, (const char *const[]){"--tls-cert", cert_path,
                                                    "--tls-key", readable,
                                                    NULL}) != 0);
    CHECK(logd_proc_log_contains(&Q, "accessible by others"));
    CHECK(logd_proc_start(
              &Q, (const char *const[]){"--tls-cert", cert_path, NULL}) != 0);
    CHECK(logd_proc_log_contains(&Q, "--tls-cert and --tls-key go together"));
    logd_proc_cleanup(&Q);
}

int main(void)
{
    struct note_verifier keys[1];
    char other_key[600];

    signal(SIGPIPE, SIG_IGN);
    logd_proc_require();
    issuer_make(&A1, "avans.nl");
    keys[0] = A1.v;
    if (logd_proc_init(&P, "test.example/tls", keys, 1) != 0) {
        CHECK(0);
        return check_finish();
    }
    snprintf(cert_path, sizeof cert_path, "%.500s/tls.crt", P.dir);
    snprintf(key_path, sizeof key_path, "%.500s/tls.key", P.dir);
    snprintf(other_cert, sizeof other_cert, "%.500s/other.crt", P.dir);
    snprintf(other_key, sizeof other_key, "%.500s/other.key", P.dir);
    if (!tls_cert_files(cert_path, key_path) == 0 ||
        !tls_cert_files(other_cert, other_key) == 0 ||
        logd_proc_start(
            &P, (const char *const[]){"--heartbeat", "0", "--tls-cert",
                                      cert_path, "--tls-key", key_path,
                                      "--request-timeout", "2", NULL}) != 0) {
        CHECK(0);
        logd_proc_cleanup(&P);
        return check_finish();
    }
    snprintf(url, sizeof url, "https://127.0.0.1:%u", P.port);
    test_api();
    test_untrusted();
    test_versions();
    test_misbehaving();
    test_credlog();
    test_reload();
    test_bad_config();
    CHECK(logd_proc_stop(&P) == 0);
    logd_proc_cleanup(&P);
    return check_finish();
}
