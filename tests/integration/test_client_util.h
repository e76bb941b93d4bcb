/*
 * test_client_util.h: helpers for the credlog command's integration tests:
 * run $CREDLOG_BIN as a subprocess with HOME and XDG_CONFIG_HOME in a temp
 * directory, capture its output and exit status; temp directories; and a
 * static HTTP server (libevent, 127.0.0.1:0, its own thread) that serves a
 * minilog (test_client_minilog.h) the way logd would: checkpoint, tiles,
 * entry bundles, status and consistency proofs. It lets the tests serve logs
 * that lie, without adding anything to logd. Header-only, static functions.
 */
#ifndef CREDLOG_TEST_CLIENT_UTIL_H
#define CREDLOG_TEST_CLIENT_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/thread.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "check.h"
#include "client/doc.h"
#include "proofs/codec.h"
#include "test_client_minilog.h"

#define TU_FN static __attribute__((unused))

/* ---- files and directories ---- */

/* Removes a directory tree (no symlinks followed). */
TU_FN void tu_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[4096];
    struct stat st;

    while (d != NULL && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            tu_rmtree(path);
        else
            unlink(path);
    }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
}

/* Creates a fresh temp directory into buf (PATH_MAX). */
TU_FN void tu_tmpdir(char *buf, size_t cap, const char *tag)
{
    snprintf(buf, cap, "/tmp/credlog-%s-XXXXXX", tag);
    if (mkdtemp(buf) == NULL) {
        perror("mkdtemp");
        abort();
    }
}

TU_FN void tu_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* Reads a whole file (NUL-terminated, caller frees), or NULL. */
TU_FN char *tu_read(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n)
        n = 0;
    buf[n] = '\0';
    fclose(f);
    if (len_out != NULL)
        *len_out = (size_t)n;
    return buf;
}

TU_FN bool tu_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* ---- running credlog ---- */

struct tu_run {
    int status; /* exit status, or -1 if it did not exit normally */
    char *out;  /* stdout, NUL-terminated */
    char *err;  /* stderr */
};

TU_FN void tu_run_free(struct tu_run *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

/* The home directory the subprocesses get (set by the test). */
static char tu_home[4096];

/* Forgets every log key pinned in the test's config directory: loopback
 * ports get reused by other test logs with other keys. */
TU_FN void tu_forget_pins(void)
{
    char path[4200];

    snprintf(path, sizeof path, "%s/config/credlog/known_logs", tu_home);
    unlink(path);
}

/* Starts credlog with the NULL-terminated args (not counting argv[0]),
 * stdout and stderr going to <tu_home>/.stdout<tag> and .stderr<tag>. */
TU_FN pid_t tu_credlog_spawn(const char *const *args, const char *tag)
{
    const char *bin = getenv("CREDLOG_BIN");
    char out_path[4200], err_path[4200], xdg[4200];
    const char *argv[512];
    int n = 0;
    pid_t pid;

    if (bin == NULL || bin[0] == '\0') {
        fprintf(stderr, "CREDLOG_BIN is not set\n");
        abort();
    }
    argv[n++] = bin;
    for (; *args != NULL && n < 511; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    snprintf(out_path, sizeof out_path, "%s/.stdout%s", tu_home, tag);
    snprintf(err_path, sizeof err_path, "%s/.stderr%s", tu_home, tag);
    snprintf(xdg, sizeof xdg, "%s/config", tu_home);
    if (getenv("CREDLOG_TEST_VERBOSE") != NULL) {
        fprintf(stderr, "$ credlog");
        for (int i = 1; i < n; i++)
            fprintf(stderr, " %s", argv[i]);
        fprintf(stderr, "\n");
    }
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fo < 0 || fe < 0)
            _exit(127);
        dup2(fo, 1);
        dup2(fe, 2);
        setenv("HOME", tu_home, 1);
        setenv("XDG_CONFIG_HOME", xdg, 1);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Waits up to timeout_s seconds for pid (then kills it) and collects its
 * exit status (-1 if it was killed) and output into r. */
TU_FN void tu_credlog_wait(struct tu_run *r, pid_t pid, const char *tag,
                           int timeout_s)
{
    char path[4200];
    int st = 0;
    pid_t got = 0;

    memset(r, 0, sizeof *r);
    for (int i = 0;
         i < timeout_s * 200 && (got = waitpid(pid, &st, WNOHANG)) == 0; i++)
        usleep(5000);
    if (got == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        r->status = -1;
    } else {
        r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    }
    snprintf(path, sizeof path, "%s/.stdout%s", tu_home, tag);
    r->out = tu_read(path, NULL);
    snprintf(path, sizeof path, "%s/.stderr%s", tu_home, tag);
    r->err = tu_read(path, NULL);
    if (r->out == NULL)
        r->out = strdup("");
    if (r->err == NULL)
        r->err = strdup("");
    if (getenv("CREDLOG_TEST_VERBOSE") != NULL)
        fprintf(stderr, "[exit %d]\n%s%s", r->status, r->out, r->err);
}

/* Runs credlog with the NULL-terminated args and waits for it (60 s). */
TU_FN void tu_credlog_v(struct tu_run *r, const char *const *args)
{
    tu_credlog_wait(r, tu_credlog_spawn(args, ""), "", 60);
}

#define TU_CREDLOG(r, ...)                                                     \
    do {                                                                       \
        const char *tu_args_[] = {__VA_ARGS__, NULL};                          \
        tu_credlog_v((r), tu_args_);                                           \
    } while (0)

TU_FN bool tu_has(const struct tu_run *r, const char *want)
{
    return want == NULL || strstr(r->out, want) != NULL ||
           strstr(r->err, want) != NULL;
}

TU_FN const char *tu_str(const char *s)
{
    return s != NULL ? s : "";
}

/* CHECKs the exit status and that stdout or stderr contains want (may be
 * NULL). */
#define TU_EXPECT(r, code, want)                                               \
    CHECK_MSG((r)->status == (code) && tu_has((r), (want)),                    \
              "exit %d (want %d), want \"%s\"\n--- stdout\n%s--- stderr\n%s",  \
              (r)->status, (code), tu_str(want), (r)->out, (r)->err)

/* ---- a static log server over a minilog ---- */

struct tu_server {
    struct event_base *base;
    struct evhttp *http;
    pthread_t thread;
    pthread_mutex_t lock;
    struct minilog *ml;
    uint64_t size; /* the published tree size (checkpoint) */
    int port;
    char url[64];
    unsigned long requests;
    unsigned long bundle_requests; /* of entry bundles (tile/entries/...) */
    SSL_CTX *ssl;                  /* HTTPS when not NULL */
    /* Serve tiles of a larger tree than the checkpoint (a log that grew in
     * between), with partial tiles that are now full gone (404). */
    uint64_t tile_size;
    bool drop_partials;
    /* Served at /v1/log-key when set (a log may claim any key there). */
    const char *log_key_text;
};

TU_FN void tu_reply(struct evhttp_request *req, int code, const char *type,
                    const void *body, size_t len)
{
    struct evbuffer *b = evbuffer_new();
    evbuffer_add(b, body, len);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      type);
    evhttp_send_reply(req, code, code == 200 ? "OK" : "Error", b);
    evbuffer_free(b);
}

TU_FN void tu_reply_json(struct evhttp_request *req, int code, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    tu_reply(req, code, "application/json", s, strlen(s));
    free(s);
    json_decref(j);
}

TU_FN void tu_not_found(struct evhttp_request *req)
{
    tu_reply_json(req, 404, json_pack("{s:s}", "error", "not found"));
}

TU_FN void tu_handle(struct evhttp_request *req, void *arg)
{
    struct tu_server *s = arg;
    const char *uri = evhttp_request_get_uri(req);
    struct tile t;
    uint8_t *data;
    size_t len;

    pthread_mutex_lock(&s->lock);
    s->requests++;
    if (strncmp(uri, "/tile/entries/", 14) == 0)
        s->bundle_requests++;
    if (strcmp(uri, "/checkpoint") == 0) {
        char *note = minilog_checkpoint(s->ml, s->size);
        tu_reply(req, 200, "text/plain; charset=utf-8", note, strlen(note));
        free(note);
    } else if (strcmp(uri, "/v1/log-key") == 0 && s->log_key_text != NULL) {
        tu_reply(req, 200, "text/plain; charset=utf-8", s->log_key_text,
                 strlen(s->log_key_text));
    } else if (strncmp(uri, "/tile/", 6) == 0 &&
               tile_parse_path(uri + 1, strlen(uri + 1), &t) == 0 &&
               !(s->drop_partials && t.width < TILE_WIDTH &&
                 (t.index + 1) * TILE_WIDTH <=
                     tile_level_size(t.level < 0 ? 0 : t.level,
                                     s->tile_size)) &&
               minilog_tile(s->ml,
                            s->tile_size > s->size ? s->tile_size : s->size, &t,
                            &data, &len)) {
        tu_reply(req, 200, "application/octet-stream", data, len);
        free(data);
    } else if (strncmp(uri, "/v1/status/", 11) == 0 && strlen(uri + 11) == 64 &&
               s->size == s->ml->n) {
        struct client_status_proof *sp = malloc(sizeof *sp);
        uint8_t cred[32];
        if (codec_hex_decode(uri + 11, 64, cred, 32) == 0) {
            minilog_status(s->ml, cred, sp);
            tu_reply_json(req, 200, client_status_proof_to_json(sp));
            client_status_proof_free(sp);
        } else {
            tu_not_found(req);
        }
        free(sp);
    } else if (strncmp(uri, "/v1/proof/consistency?", 22) == 0) {
        unsigned long long m, n;
        uint8_t proof[MERKLE_MAX_PROOF][32];
        if (sscanf(uri + 22, "from=%llu&to=%llu", &m, &n) == 2 && m > 0 &&
            m <= n && n <= s->size) {
            size_t k = minilog_consistency(s->ml, m, n, proof);
            tu_reply_json(req, 200,
                          client_consistency_to_json(
                              m, n, (const uint8_t(*)[32])proof, k));
        } else {
            tu_reply_json(req, 400, json_pack("{s:s}", "error", "bad range"));
        }
    } else {
        tu_not_found(req);
    }
    pthread_mutex_unlock(&s->lock);
}

TU_FN void *tu_server_main(void *arg)
{
    struct tu_server *s = arg;
    event_base_dispatch(s->base);
    return NULL;
}

/* Starts serving ml (published at its current size) on 127.0.0.1:0. */
TU_FN void tu_server_start(struct tu_server *s, struct minilog *ml)
{
    struct evhttp_bound_socket *sock;

    memset(s, 0, sizeof *s);
    evthread_use_pthreads();
    pthread_mutex_init(&s->lock, NULL);
    s->ml = ml;
    s->size = ml->n;
    s->base = event_base_new();
    s->http = evhttp_new(s->base);
    evhttp_set_gencb(s->http, tu_handle, s);
    sock = evhttp_bind_socket_with_handle(s->http, "127.0.0.1", 0);
    if (sock == NULL)
        abort();
    {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&ss,
                    &sl);
        s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
    pthread_create(&s->thread, NULL, tu_server_main, s);
}

TU_FN struct bufferevent *tu_bevcb(struct event_base *base, void *arg)
{
    return bufferevent_openssl_socket_new(base, -1, SSL_new(arg),
                                          BUFFEREVENT_SSL_ACCEPTING,
                                          BEV_OPT_CLOSE_ON_FREE);
}

/* Starts serving ml over HTTPS on 127.0.0.1:0 with a fresh self-signed
 * certificate for IP 127.0.0.1 and localhost, written (PEM) to cert_path. */
TU_FN void tu_server_start_tls(struct tu_server *s, struct minilog *ml,
                               const char *cert_path)
{
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *name;
    X509V3_CTX v3;
    X509_EXTENSION *ext;
    FILE *f;

    if (pkey == NULL || x == NULL)
        abort();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, pkey);
    name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *)"credlog test", -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
                              "IP:127.0.0.1,DNS:localhost");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
                              "critical,CA:TRUE");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    if (X509_sign(x, pkey, EVP_sha256()) == 0)
        abort();
    f = fopen(cert_path, "w");
    if (f == NULL || PEM_write_X509(f, x) != 1 || fclose(f) != 0)
        abort();
    tu_server_start(s, ml);
    s->ssl = SSL_CTX_new(TLS_server_method());
    if (s->ssl == NULL || SSL_CTX_use_certificate(s->ssl, x) != 1 ||
        SSL_CTX_use_PrivateKey(s->ssl, pkey) != 1)
        abort();
    X509_free(x);
    EVP_PKEY_free(pkey);
    /* The server thread is idle until a client connects: set the callback
     * under the lock the handler takes. */
    pthread_mutex_lock(&s->lock);
    evhttp_set_bevcb(s->http, tu_bevcb, s->ssl);
    pthread_mutex_unlock(&s->lock);
    snprintf(s->url, sizeof s->url, "https://127.0.0.1:%d", s->port);
}

/* Publishes the minilog's current size (call after appending). */
TU_FN void tu_server_publish(struct tu_server *s)
{
    pthread_mutex_lock(&s->lock);
    s->size = s->ml->n;
    pthread_mutex_unlock(&s->lock);
}

TU_FN void tu_server_stop(struct tu_server *s)
{
    event_base_loopbreak(s->base);
    pthread_join(s->thread, NULL);
    evhttp_free(s->http);
    event_base_free(s->base);
    SSL_CTX_free(s->ssl);
    pthread_mutex_destroy(&s->lock);
}

#endif
