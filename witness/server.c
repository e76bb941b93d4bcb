/*
 * server.c: the witness's HTTP front end and configuration. See server.h.
 *
 * One thread: a witness does one Ed25519 verification and one signature per
 * request (about 100 us), so one core serves thousands of logs at the rates
 * the witness network allows; LMDB's single writer would serialize more
 * threads anyway. What bounds it is the durable commit (two fsyncs), so the
 * add-checkpoint requests that arrive in one turn of the event loop share
 * one write transaction and one commit (add_flush(), a group commit), and
 * each is answered only after it.
 */
#include "witness/server.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

#include "client/files.h"
#include "client/keys.h"
#include "keystore/signer.h"
#include "logd/notify.h"
#include "logd/tls.h"
#include "proofs/codec.h"
#include "witness/check.h"
#include "witness/wmap.h"
#include "witness/wstore.h"

/* Logs a witness follows at most (the witness network plans for 4,000). */
#define MAX_LOGS 8192
/* Logs files larger than this are refused. */
#define LOGS_FILE_MAX (8 << 20)
/* The most a request body may hold before evhttp itself refuses it; the
 * tlog-witness limit (16 KiB) is checked here, so its answer is ours. */
#define HTTP_BODY_MAX (ADD_CHECKPOINT_MAX + 1)
/* Add-checkpoint requests committed together at most (group commit). */
#define PEND_MAX 64

/* A followed log and its request budget (a token bucket refilled at qpd
 * per day, holding at most an hour's worth and at least 10). */
struct followed {
    struct loglist_log log;
    double tokens;
    uint64_t refilled_ms;
};

/* What wstore_update()'s transaction needs: the request and the log's
 * verified lines in, the cosignature line and the conflicting size out. */
struct add_ctx {
    struct server *s;
    const struct witness_request *r;
    const char *sigs;
    size_t sigs_len;
    char line[COSIGNATURE_LINE_MAX + 1];
    uint64_t latest;
};

/* An add-checkpoint request checked up to the write transaction, waiting
 * for its batch's commit (add_flush()). Its body stays in the request's
 * input buffer, which r points into, until the request is answered. */
struct pending {
    struct evhttp_request *req; /* NULL once its connection closed */
    struct witness_request r;
    struct add_ctx c;
    char sigs[WITNESS_NOTE_MAX];
};

struct server {
    const struct witness_config *cfg;
    struct event_base *base;
    struct event *flush; /* add_flush(), made active by the first pending */
    struct pending *pend[PEND_MAX];
    size_t npend;
    struct evhttp *http;
    SSL_CTX *tls;
    struct wstore *store;
    struct wmap *map;           /* with --verify-map */
    struct ed25519_signer *key; /* a key file or a pkcs11: URI */
    struct followed *logs;
    size_t nlogs;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
    va_list ap;

    fputs("credlog witness: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- configuration ---- */

static double bucket_size(uint32_t qpd)
{
    double hour = qpd / 24.0;

    return hour < 10 ? 10 : hour;
}

/* Reads and parses the logs file into a fresh array. */
static int read_logs_file(const char *path, struct loglist_log **out, size_t *n)
{
    char why[CLIENT_REASON_MAX];
    struct loglist_log *logs;
    unsigned line;
    size_t len;
    char *text;
    int rc;

    *out = NULL;
    *n = 0;
    if (client_read_file(path, LOGS_FILE_MAX, &text, &len, why) != 0) {
        say("%s", why);
        return -1;
    }
    if ((logs = calloc(MAX_LOGS, sizeof *logs)) == NULL) {
        free(text);
        say("out of memory");
        return -1;
    }
    rc = loglist_parse(text, len, logs, MAX_LOGS, n, &line);
    free(text);
    if (rc != 0) {
        say("%s:%u: %s", path, line, loglist_strerror(rc));
        free(logs);
        return -1;
    }
    *out = logs;
    return 0;
}

/* Follows every log of the logs file (add-only against the state), then
 * rebuilds the followed set from the state, keeping request budgets of logs
 * already followed. On any conflict nothing changes. */
static int load_logs(struct server *s)
{
    struct loglist_log *file = NULL, *known = NULL;
    struct followed *next = NULL;
    char why[WSTORE_WHY_MAX] = "";
    size_t nfile, nknown;
    int rc = -1;

    if (read_logs_file(s->cfg->logs_path, &file, &nfile) != 0)
        return -1;
    if ((known = calloc(MAX_LOGS, sizeof *known)) == NULL ||
        (next = calloc(MAX_LOGS, sizeof *next)) == NULL)
        goto done;
    if (wstore_logs(s->store, known, MAX_LOGS, &nknown, why) != 0) {
        say("reading the followed logs: %s", why);
        goto done;
    }
    /* Check everything first, so a conflict adds nothing. */
    for (size_t i = 0; s->map != NULL && i < nfile; i++)
        if (!wmap_has(s->map, file[i].origin)) {
            say("%s: log %s has no --log-url: a map-verifying witness reads "
                "every log it follows from its tiles; refusing the list",
                s->cfg->logs_path, file[i].origin);
            goto done;
        }
    for (size_t i = 0; i < nfile; i++)
        for (size_t j = 0; j < nknown; j++)
            if (strcmp(file[i].origin, known[j].origin) == 0 &&
                (file[i].key.key_id != known[j].key.key_id ||
                 memcmp(file[i].key.pub, known[j].key.pub,
                        ED25519_PUBLIC_SIZE) != 0 ||
                 strcmp(file[i].key.name, known[j].key.name) != 0)) {
                say("%s: log %s reappears with another key; logs are "
                    "add-only, refusing the list",
                    s->cfg->logs_path, file[i].origin);
                goto done;
            }
    for (size_t i = 0; i < nfile; i++)
        if (wstore_log_add(s->store, &file[i], why) != 0) {
            say("following %s: %s", file[i].origin, why);
            goto done;
        }
    if (wstore_logs(s->store, known, MAX_LOGS, &nknown, why) != 0) {
        say("reading the followed logs: %s", why);
        goto done;
    }
    for (size_t i = 0; s->map != NULL && i < nknown; i++)
        if (!wmap_has(s->map, known[i].origin)) {
            say("log %s, followed since an earlier list, has no --log-url: "
                "a map-verifying witness reads every log it follows from "
                "its tiles",
                known[i].origin);
            goto done;
        }
    for (size_t i = 0; i < nknown; i++) {
        next[i].log = known[i];
        next[i].tokens = bucket_size(known[i].qpd);
        next[i].refilled_ms = now_ms();
        for (size_t j = 0; j < s->nlogs; j++)
            if (strcmp(s->logs[j].log.origin, known[i].origin) == 0) {
                next[i].tokens = s->logs[j].tokens;
                next[i].refilled_ms = s->logs[j].refilled_ms;
            }
    }
    free(s->logs);
    s->logs = next;
    s->nlogs = nknown;
    next = NULL;
    say("following %zu log%s", nknown, nknown == 1 ? "" : "s");
    rc = 0;
done:
    free(file);
    free(known);
    free(next);
    return rc;
}

static struct followed *find_log(struct server *s, const char *origin)
{
    for (size_t i = 0; i < s->nlogs; i++)
        if (strcmp(s->logs[i].log.origin, origin) == 0)
            return &s->logs[i];
    return NULL;
}

/* Takes one request from the log's budget. Returns 0, or the seconds to
 * wait before the next one is allowed. */
static unsigned take_token(struct followed *f)
{
    double rate = f->log.qpd / 86400000.0; /* per ms */
    uint64_t now = now_ms();

    f->tokens += (double)(now - f->refilled_ms) * rate;
    if (f->tokens > bucket_size(f->log.qpd))
        f->tokens = bucket_size(f->log.qpd);
    f->refilled_ms = now;
    if (f->tokens >= 1) {
        f->tokens -= 1;
        return 0;
    }
    return (unsigned)((1 - f->tokens) / rate / 1000) + 1;
}

/* ---- answers ---- */

static void reply(struct evhttp_request *req, int status, const char *type,
                  const char *body, size_t len)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    struct evbuffer *b = evbuffer_new();

    evhttp_add_header(h, "Content-Type", type);
    evhttp_add_header(h, "Cache-Control", "no-store");
    if (b != NULL)
        evbuffer_add(b, body, len);
    evhttp_send_reply(req, status, NULL, b);
    if (b != NULL)
        evbuffer_free(b);
}

static void reply_error(struct evhttp_request *req, int err, const char *why)
{
    char body[WMAP_WHY_MAX + 128];
    int n = snprintf(body, sizeof body, "%s%s%s\n", witness_strerror(err),
                     why != NULL && why[0] != '\0' ? ": " : "",
                     why != NULL ? why : "");

    reply(req, witness_http_status(err), "text/plain; charset=utf-8", body,
          n < 0 ? 0 : (size_t)n);
}

/* ---- POST /add-checkpoint ---- */

static int add_decide(void *arg, const struct witness_state *cur,
                      struct witness_state *next, char *note, size_t *note_len)
{
    struct add_ctx *c = arg;
    uint64_t t = (uint64_t)time(NULL);
    int rc;

    c->latest = cur->size;
    if ((rc = witness_request_check(c->r, cur)) != 0)
        return rc;
    if (ed25519_signer_sign_cosignature(c->s->key, t ? t : 1, c->r->add.note,
                                        c->r->text_len, c->line,
                                        sizeof c->line) < 0)
        return WITNESS_ERR_SIGN;
    rc = witness_cosigned_note(c->r, c->sigs, c->sigs_len, c->line, note,
                               WITNESS_NOTE_MAX + 1, next);
    if (rc < 0)
        return rc;
    *note_len = (size_t)rc;
    return 0;
}

/* The map-verifying step, before the write transaction: a request that
 * would be cosigned (checked against the state as it is now) is cosigned
 * only once its log's entries replay by credlog's rules up to its size.
 * Returns 0 to go on to wstore_update(), which checks the state again;
 * otherwise the request has been answered. */
static int map_verify(struct server *s, struct evhttp_request *req,
                      struct followed *f, const struct witness_request *r,
                      const char *sigs, size_t sigs_len)
{
    static char note[WITNESS_NOTE_MAX + 1];
    char why[WMAP_WHY_MAX > WSTORE_WHY_MAX ? WMAP_WHY_MAX : WSTORE_WHY_MAX];
    struct witness_state cur;
    uint64_t done, checked;
    int rc;

    if ((rc = wstore_state(s->store, r->cp.origin, &cur, why)) != 0 ||
        witness_request_check(r, &cur) != 0)
        return 0; /* wstore_update() gives the answer */
    if (r->text_len + 1 + sigs_len > WITNESS_NOTE_MAX) {
        reply_error(req, WITNESS_ERR_NOMEM, NULL);
        return -1;
    }
    memcpy(note, r->add.note, r->text_len);
    note[r->text_len] = '\n';
    memcpy(note + r->text_len + 1, sigs, sigs_len);
    rc = wmap_verify(s->map, &f->log.key, note, r->text_len + 1 + sigs_len,
                     &done, &checked, why);
    if (checked > 0) /* progress is bounded by the log: not charged */
        f->tokens = f->tokens + 1 > bucket_size(f->log.qpd)
                        ? bucket_size(f->log.qpd)
                        : f->tokens + 1;
    if (rc == 0)
        return 0;
    if (rc == WITNESS_ERR_MAP)
        say("%s: MAP VIOLATION in the checkpoint of size %" PRIu64
            "; not cosigned: %s",
            r->cp.origin, r->cp.size, why);
    else
        say("%s: checkpoint of size %" PRIu64 " not cosigned yet: %s",
            r->cp.origin, r->cp.size, why);
    if (rc == WITNESS_ERR_BUSY)
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After",
                          "1");
    reply_error(req, rc, rc == WITNESS_ERR_STORE ? NULL : why);
    return -1;
}

/* Answers a request once its batch is committed (rc from the write
 * transaction: 0 or add_decide()'s or wstore's code). */
static void add_answer(struct pending *p, int rc, const char *why)
{
    struct evhttp_request *req = p->req;
    const struct witness_request *r = &p->r;
    char size[24];

    if (rc == WITNESS_ERR_CONFLICT) {
        int n = snprintf(size, sizeof size, "%" PRIu64 "\n", p->c.latest);

        reply(req, 409, "text/x.tlog.size", size, (size_t)n);
        return;
    }
    if (rc != 0) {
        if (rc == WITNESS_ERR_INCONSISTENT)
            say("%s: INCONSISTENT checkpoint of size %" PRIu64
                " after cosigned size %" PRIu64 " (old %" PRIu64
                "); not cosigned",
                r->cp.origin, r->cp.size, p->c.latest, r->add.old_size);
        else if (why[0] != '\0')
            say("%s: %s", r->cp.origin, why);
        reply_error(
            req, CREDLOG_ERR_IN(rc, WSTORE_ERR_BASE) ? WITNESS_ERR_STORE : rc,
            NULL);
        return;
    }
    reply(req, 200, "text/plain; charset=utf-8", p->c.line, strlen(p->c.line));
}

/* The group commit: every request that reached the write transaction in
 * this turn of the event loop is decided, in arrival order, in one write
 * transaction with one durable commit (wstore_update_many()), and only then
 * answered, so no cosignature leaves before the state it rests on is on
 * disk. A request whose connection closed meanwhile is still decided (its
 * log's state moves on, as if its answer were lost on the way) but not
 * answered. */
static void add_flush(evutil_socket_t fd, short what, void *arg)
{
    struct server *s = arg;
    const char *origins[PEND_MAX];
    void *ctxs[PEND_MAX];
    int results[PEND_MAX];
    char why[WSTORE_WHY_MAX] = "";
    size_t n = s->npend;

    (void)fd;
    (void)what;
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        origins[i] = s->pend[i]->r.cp.origin;
        ctxs[i] = &s->pend[i]->c;
    }
    (void)wstore_update_many(s->store, n, origins, add_decide, ctxs, results,
                             why);
    s->npend = 0;
    for (size_t i = 0; i < n; i++) {
        struct pending *p = s->pend[i];
        if (p->req != NULL) {
            evhttp_connection_set_closecb(evhttp_request_get_connection(p->req),
                                          NULL, NULL);
            add_answer(p, results[i], why);
        }
        free(p);
    }
}

/* A pending request's connection closed (evhttp frees the request right
 * after this): it is decided but not answered. */
static void pending_closed(struct evhttp_connection *conn, void *arg)
{
    struct server *s = arg;

    for (size_t i = 0; i < s->npend; i++)
        if (s->pend[i]->req != NULL &&
            evhttp_request_get_connection(s->pend[i]->req) == conn)
            s->pend[i]->req = NULL;
}

static void add_checkpoint(struct server *s, struct evhttp_request *req)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    struct pending *p;
    char size[24];
    struct followed *f;
    unsigned wait;
    const char *body;
    int rc;

    if (len > ADD_CHECKPOINT_MAX) {
        reply_error(req, WITNESS_ERR_TOO_LARGE, NULL);
        return;
    }
    if ((p = malloc(sizeof *p)) == NULL) {
        reply_error(req, WITNESS_ERR_NOMEM, NULL);
        return;
    }
    p->req = req;
    p->c = (struct add_ctx){s, &p->r, p->sigs, 0, "", 0};
    body = (const char *)evbuffer_pullup(in, -1);
    if ((rc = witness_request_parse(body, len, &p->r)) != 0) {
        reply_error(req, rc, NULL);
        goto refused;
    }
    if ((f = find_log(s, p->r.cp.origin)) == NULL) {
        reply_error(req, WITNESS_ERR_UNKNOWN_LOG, p->r.cp.origin);
        goto refused;
    }
    rc = witness_request_authenticate(&p->r, &f->log.key, p->sigs,
                                      sizeof p->sigs, &p->c.sigs_len);
    if (rc != 0) {
        say("%s: refused a checkpoint of size %" PRIu64 ": %s", p->r.cp.origin,
            p->r.cp.size, witness_strerror(rc));
        reply_error(req, rc, NULL);
        goto refused;
    }
    if ((wait = take_token(f)) != 0) {
        snprintf(size, sizeof size, "%u", wait);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After",
                          size);
        reply_error(req, WITNESS_ERR_RATE, p->r.cp.origin);
        goto refused;
    }
    /* map_verify() checks against the committed state, so a map-verifying
     * witness commits what is pending first (it batches nothing). */
    if (s->map != NULL) {
        add_flush(-1, 0, s);
        if (map_verify(s, req, f, &p->r, p->sigs, p->c.sigs_len) != 0)
            goto refused;
    }
    if (s->npend == PEND_MAX)
        add_flush(-1, 0, s);
    s->pend[s->npend++] = p;
    evhttp_connection_set_closecb(evhttp_request_get_connection(req),
                                  pending_closed, s);
    if (s->npend == 1)
        event_active(s->flush, EV_TIMEOUT, 1);
    return;
refused:
    free(p);
}

/* ---- GET /<hex origin hash>/checkpoint ---- */

static void get_checkpoint(struct server *s, struct evhttp_request *req,
                           const char *path)
{
    static char note[WITNESS_NOTE_MAX + 1];
    char why[WSTORE_WHY_MAX] = "";
    uint8_t hash[32];
    size_t len;
    int rc;

    for (int i = 1; i <= 64; i++)
        if (!((path[i] >= '0' && path[i] <= '9') ||
              (path[i] >= 'a' && path[i] <= 'f'))) {
            reply_error(req, WITNESS_ERR_UNKNOWN_LOG,
                        "the path needs the lower-case hex SHA-256 of an "
                        "origin");
            return;
        }
    codec_hex_decode(path + 1, 64, hash, sizeof hash);
    rc = wstore_checkpoint(s->store, hash, note, sizeof note, &len, why);
    if (rc == WSTORE_ERR_NOTFOUND) {
        reply_error(req, WITNESS_ERR_UNKNOWN_LOG,
                    "no checkpoint cosigned for that origin");
        return;
    }
    if (rc != 0) {
        say("serving a checkpoint: %s", why[0] ? why : wstore_strerror(rc));
        reply_error(req, WITNESS_ERR_STORE, NULL);
        return;
    }
    reply(req, 200, "text/plain; charset=utf-8", note, len);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct server *s = arg;
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    enum evhttp_cmd_type m = evhttp_request_get_command(req);

    if (path == NULL) {
        reply_error(req, WITNESS_ERR_MALFORMED, "no path");
    } else if (strcmp(path, "/add-checkpoint") == 0) {
        if (m == EVHTTP_REQ_POST)
            add_checkpoint(s, req);
        else
            reply(req, 405, "text/plain; charset=utf-8", "use POST\n", 9);
    } else if (strlen(path) == 1 + 64 + 11 &&
               strcmp(path + 65, "/checkpoint") == 0) {
        if (m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD)
            get_checkpoint(s, req, path);
        else
            reply(req, 405, "text/plain; charset=utf-8", "use GET\n", 8);
    } else {
        reply(req, 404, "text/plain; charset=utf-8", "not found\n", 10);
    }
}

/* ---- start, signals, stop ---- */

static struct bufferevent *tls_bev(struct event_base *base, void *arg)
{
    SSL *ssl = SSL_new(arg);

    if (ssl == NULL)
        return NULL;
    return bufferevent_openssl_socket_new(
        base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    event_base_loopexit(arg, NULL);
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
    struct server *s = arg;

    (void)sig;
    (void)what;
    if (load_logs(s) != 0)
        say("SIGHUP: the logs file was refused; still following the %zu "
            "logs from before",
            s->nlogs);
}

/* Binds cfg->listen ("host:port", "[v6]:port") and writes the port file. */
static int bind_listen(struct server *s)
{
    char host[256];
    const char *colon = strrchr(s->cfg->listen, ':');
    struct evhttp_bound_socket *sock;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    unsigned long port;
    size_t hl;
    char *end;

    if (colon == NULL || (hl = (size_t)(colon - s->cfg->listen)) == 0 ||
        hl >= sizeof host) {
        say("--listen wants ADDR:PORT, not '%s'", s->cfg->listen);
        return -1;
    }
    memcpy(host, s->cfg->listen, hl);
    host[hl] = '\0';
    if (host[0] == '[' && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    errno = 0;
    port = strtoul(colon + 1, &end, 10);
    if (errno != 0 || *end != '\0' || end == colon + 1 || port > 65535) {
        say("--listen: bad port in '%s'", s->cfg->listen);
        return -1;
    }
    sock = evhttp_bind_socket_with_handle(s->http, host, (uint16_t)port);
    if (sock == NULL) {
        say("cannot listen on %s: %s", s->cfg->listen, strerror(errno));
        return -1;
    }
    if (getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&ss,
                    &sl) == 0)
        port = ntohs(ss.ss_family == AF_INET6
                         ? ((struct sockaddr_in6 *)&ss)->sin6_port
                         : ((struct sockaddr_in *)&ss)->sin_port);
    say("listening on %s port %lu%s", host, port, s->tls ? " (TLS)" : "");
    if (s->cfg->port_file != NULL) {
        char text[16], why[CLIENT_REASON_MAX];
        int n = snprintf(text, sizeof text, "%lu\n", port);

        if (client_write_file_atomic(s->cfg->port_file, text, (size_t)n, 0644,
                                     why) != 0) {
            say("%s", why);
            return -1;
        }
    }
    return 0;
}

/* Records what the state's cosignatures vouch for and, with --verify-map,
 * sets up the replay of every log from its URL. */
static int start_map(struct server *s)
{
    const struct witness_config *cfg = s->cfg;
    char why[WMAP_WHY_MAX > WSTORE_WHY_MAX ? WMAP_WHY_MAX : WSTORE_WHY_MAX];

    if (wstore_kind(s->store, cfg->verify_map ? "verify-map" : "plain", why) !=
        0) {
        say("%s: %s", cfg->data_dir, why);
        return -1;
    }
    if (!cfg->verify_map)
        return 0;
    if (wmap_open(cfg->data_dir, cfg->map_max_entries,
                  cfg->timeout_s > 0 && cfg->timeout_s < 10 ? cfg->timeout_s
                                                            : 10,
                  cfg->log_cacert, &s->map) != 0) {
        say("out of memory");
        return -1;
    }
    for (size_t i = 0; i < cfg->n_log_urls; i++)
        if (wmap_add_url(s->map, cfg->log_urls[i], why) != 0) {
            say("%s", why);
            return -1;
        }
    say("map-verifying: at most %lu entries replayed per request",
        cfg->map_max_entries > 0 ? cfg->map_max_entries
                                 : (unsigned long)WMAP_MAX_ENTRIES_DEFAULT);
    return 0;
}

static int start(struct server *s)
{
    char why[CLIENT_REASON_MAX];
    bool loose = false;

    if (ed25519_signer_open(s->cfg->key_path, NOTE_TYPE_COSIGNATURE,
                            KEYSTORE_LOOSE_WARN, &loose, &s->key, why,
                            sizeof why) != 0) {
        say("%s", why);
        return -1;
    }
    if (loose) {
        say("%s is readable by group or others; chmod 600 it",
            s->cfg->key_path);
        return -1;
    }
    if (wstore_open(s->cfg->data_dir, &s->store, why) != 0) {
        say("%s", why);
        return -1;
    }
    if (start_map(s) != 0 || load_logs(s) != 0)
        return -1;
    for (size_t i = 0; s->map != NULL && i < wmap_count(s->map); i++)
        if (find_log(s, wmap_origin(s->map, i)) == NULL) {
            say("--log-url %s: no followed log has that origin",
                wmap_origin(s->map, i));
            return -1;
        }
    if (s->cfg->tls_cert != NULL &&
        tls_server_new(s->cfg->tls_cert, s->cfg->tls_key, &s->tls, why,
                       sizeof why) != 0) {
        say("%s", why);
        return -1;
    }
    if ((s->base = event_base_new()) == NULL ||
        (s->flush = event_new(s->base, -1, 0, add_flush, s)) == NULL ||
        (s->http = evhttp_new(s->base)) == NULL) {
        say("cannot start the event loop");
        return -1;
    }
    evhttp_set_max_body_size(s->http, HTTP_BODY_MAX);
    evhttp_set_max_headers_size(s->http, 16 * 1024);
    evhttp_set_timeout(s->http, s->cfg->timeout_s > 0 ? s->cfg->timeout_s : 30);
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
                                            EVHTTP_REQ_POST);
    evhttp_set_gencb(s->http, on_request, s);
    if (s->tls != NULL)
        evhttp_set_bevcb(s->http, tls_bev, s->tls);
    return bind_listen(s);
}

int witness_server_run(const struct witness_config *cfg)
{
    struct server s = {.cfg = cfg};
    struct event *stop_term = NULL, *stop_int = NULL, *hup = NULL;
    int rc = 1, err;

    signal(SIGPIPE, SIG_IGN);
    if (start(&s) != 0)
        goto done;
    stop_term = evsignal_new(s.base, SIGTERM, on_stop, s.base);
    stop_int = evsignal_new(s.base, SIGINT, on_stop, s.base);
    hup = evsignal_new(s.base, SIGHUP, on_hup, &s);
    if (stop_term == NULL || stop_int == NULL || hup == NULL ||
        event_add(stop_term, NULL) != 0 || event_add(stop_int, NULL) != 0 ||
        event_add(hup, NULL) != 0) {
        say("cannot install signal handlers");
        goto done;
    }
    if ((err = notify_send("READY=1")) != 0) {
        say("cannot tell systemd the witness is ready: %s%s%s",
            notify_strerror(err), err == NOTIFY_ERR_IO ? ": " : "",
            err == NOTIFY_ERR_IO ? strerror(errno) : "");
        goto done;
    }
    event_base_dispatch(s.base);
    (void)notify_send("STOPPING=1");
    say("stopped");
    rc = 0;
done:
    if (stop_term != NULL)
        event_free(stop_term);
    if (stop_int != NULL)
        event_free(stop_int);
    if (hup != NULL)
        event_free(hup);
    for (size_t i = 0; i < s.npend; i++)
        free(s.pend[i]); /* stopped before their commit: never answered */
    s.npend = 0;         /* before evhttp_free() calls pending_closed() */
    if (s.http != NULL)
        evhttp_free(s.http);
    if (s.flush != NULL)
        event_free(s.flush);
    if (s.base != NULL)
        event_base_free(s.base);
    tls_server_free(s.tls);
    wmap_close(s.map);
    wstore_close(s.store);
    ed25519_signer_free(s.key);
    free(s.logs);
    return rc;
}
