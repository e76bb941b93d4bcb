/*
 * http_route.c: see http_route.h. The read handlers decode, make one call
 * (logd/query.h), and encode; POST /v1/entries is logd/http_submit.c's.
 */
#include "logd/http_route.h"

#include <stdlib.h>
#include <string.h>

#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <openssl/evp.h>

#include "logd/http_reply.h"
#include "logd/http_submit.h"
#include "logd/request.h"
#include "logd/web.h"
#include "proofs/checkpoint.h"
#include "proofs/codec.h"
#include "proofs/tile.h"

/* ---- handlers: decode, one call, encode ---- */

static void h_checkpoint(struct http_ctx *c, const char *rest,
                         const char *query)
{
    /* A cosigned note: the signed checkpoint and a line per cosignature,
     * as long as the store keeps (STORE_QUORUM_MAX). */
    char note[STORE_QUORUM_MAX];
    size_t len;
    int err;

    (void)rest;
    (void)query;
    /* With a witness policy: the latest checkpoint that met its quorum. */
    if (c->w->srv->quorum != NULL &&
        quorum_checkpoint(c->w->srv->quorum, note, sizeof note, &len, NULL) ==
            0) {
        http_reply_bytes(c, 200, "text/plain; charset=utf-8", note, len);
        return;
    }
    if (!http_reply_read_begin(c))
        return;
    err = query_checkpoint(c->w->reader, note, sizeof note, &len);
    store_read_end(c->w->reader);
    if (err != 0)
        http_reply_query(c, err, NULL);
    else
        http_reply_bytes(c, 200, "text/plain; charset=utf-8", note, len);
}

static void h_log_key(struct http_ctx *c, const char *rest, const char *query)
{
    char vkey[NOTE_KEY_TEXT_MAX + 2];
    size_t len;
    int err;

    (void)rest;
    (void)query;
    if (!http_reply_read_begin(c))
        return;
    err = query_log_key(c->w->reader, vkey, sizeof vkey, &len);
    store_read_end(c->w->reader);
    if (err != 0)
        http_reply_query(c, err, NULL);
    else
        http_reply_bytes(c, 200, "text/plain; charset=utf-8", vkey, len);
}

/* GET /v1/witness-policy: the tlog-policy the log was started with, byte
 * for byte, so that a verifier can judge its checkpoints' cosignatures. */
static void h_witness_policy(struct http_ctx *c, const char *rest,
                             const char *query)
{
    (void)rest;
    (void)query;
    if (c->w->srv->witness_policy == NULL) {
        http_reply_error(c, 404, "this log has no witness policy", NULL);
        return;
    }
    http_reply_bytes(c, 200, "text/plain; charset=utf-8",
                     c->w->srv->witness_policy, c->w->srv->witness_policy_len);
}

/* What a tile or bundle is sent as. */
static const char tile_type[] = "application/octet-stream";

static void h_tile(struct http_ctx *c, const char *rest, const char *query)
{
    struct tile_cache_body b;
    struct tile t;
    size_t len;
    bool full;
    int err;

    (void)rest;
    (void)query;
    if (tile_parse_path(c->path + 1, strlen(c->path + 1), &t) != 0) {
        http_reply_error(c, 400, "not a tile path", NULL);
        return;
    }
    if (t.level == TILE_LEVEL_ENTRIES)
        c->route = ROUTE_ENTRY_BUNDLE;
    full = t.width == TILE_WIDTH;
    if (!full)
        c->cache = c->cache_partial;
    if (full && tile_cache_find(c->w->srv->tiles, t.level, t.index, &b) &&
        http_reply_cached(c, tile_type, &b))
        return;
    if (!http_reply_read_begin(c))
        return;
    err = query_tile(c->w->reader, &t, c->w->scratch, QUERY_TILE_MAX, &len);
    store_read_end(c->w->reader);
    if (err != 0) {
        http_reply_query(c, err, NULL);
        return;
    }
    if (full)
        tile_cache_put(c->w->srv->tiles, t.level, t.index, c->w->scratch, len);
    http_reply_bytes(c, 200, tile_type, c->w->scratch, len);
}

static void h_inclusion(struct http_ctx *c, const char *rest, const char *query)
{
    static const char *const names[] = {"index", "size"};
    uint64_t v[2];
    int err;

    (void)rest;
    if (request_parse_query(query, names, 2, v) != 0) {
        http_reply_error(c, 400, "the query must be index=I&size=N", NULL);
        return;
    }
    if (!http_reply_read_begin(c))
        return;
    err = query_inclusion(c->w->reader, v[0], v[1], &c->w->text);
    store_read_end(c->w->reader);
    http_reply_query(c, err, NULL);
}

static void h_consistency(struct http_ctx *c, const char *rest,
                          const char *query)
{
    static const char *const names[] = {"from", "to"};
    uint64_t v[2];
    int err;

    (void)rest;
    if (request_parse_query(query, names, 2, v) != 0) {
        http_reply_error(c, 400, "the query must be from=M&to=N", NULL);
        return;
    }
    if (!http_reply_read_begin(c))
        return;
    err = query_consistency(c->w->reader, v[0], v[1], &c->w->text);
    store_read_end(c->w->reader);
    http_reply_query(c, err, NULL);
}

/* Sets the ETag of a status proof against the checkpoint note[0..len):
 * the first 128 bits of the note's SHA-256 in hex, quoted, so that it
 * changes with the note (a new size, or new cosignatures). Returns whether
 * the request's If-None-Match names it (answer 304: a cache's copy is a
 * proof against the checkpoint still served). */
static bool status_etag(struct http_ctx *c, const char *note, size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    char etag[2 * 16 + 3];

    if (EVP_Digest(note, len, md, NULL, EVP_sha256(), NULL) != 1)
        return false; /* no validator: the answer is still right */
    etag[0] = '"';
    codec_hex_encode(md, 16, etag + 1);
    memcpy(etag + 33, "\"", 2);
    return http_reply_etag(c, etag);
}

/* GET /v1/status/HASH: a proof against the latest checkpoint, cached for
 * a moment (docs/api.md, "Caching") with that checkpoint as its ETag, so
 * that a cache revalidates it with a 304 until the checkpoint moves. */
static void h_status(struct http_ctx *c, const char *rest, const char *query)
{
    char note[CHECKPOINT_TEXT_MAX];
    struct quorum_read qr;
    uint8_t hash[32];
    size_t len;
    int err;

    (void)query;
    if (codec_hex_decode(rest, strlen(rest), hash, sizeof hash) != 0) {
        http_reply_error(c, 400, "the credential hash must be 64 hex digits",
                         NULL);
        return;
    }
    /* With a witness policy: against the latest checkpoint that met its
     * quorum, from the snapshot of its commit (logd/quorum.h). */
    if (c->w->srv->quorum != NULL &&
        quorum_read_begin(c->w->srv->quorum, c->w->index, &qr)) {
        if (c->w->qgen != qr.gen) {
            query_status_cache_free(&c->w->qstatus);
            c->w->qgen = qr.gen;
        }
        if (status_etag(c, qr.note, qr.len)) {
            quorum_read_end(&qr);
            http_reply(c, 304, "application/json");
            return;
        }
        err = query_status_at(qr.txn, qr.note, qr.len, hash, &c->w->qstatus,
                              &c->w->text);
        quorum_read_end(&qr);
        http_reply_query(c, err, NULL);
        return;
    }
    if (!http_reply_read_begin(c))
        return;
    err = query_checkpoint(c->w->reader, note, sizeof note, &len);
    if (err == 0 && status_etag(c, note, len)) {
        store_read_end(c->w->reader);
        http_reply(c, 304, "application/json");
        return;
    }
    if (err == 0)
        err = query_status(c->w->reader, hash, &c->w->status, &c->w->text);
    store_read_end(c->w->reader);
    http_reply_query(c, err, NULL);
}

static void h_entry(struct http_ctx *c, const char *rest, const char *query)
{
    uint64_t index;
    int err;

    (void)query;
    if (request_parse_u64(rest, strlen(rest), &index) != 0) {
        http_reply_error(c, 400, "the entry index must be a decimal number",
                         NULL);
        return;
    }
    if (!http_reply_read_begin(c))
        return;
    err = query_entry(c->w->reader, index, &c->w->text);
    store_read_end(c->w->reader);
    http_reply_query(c, err, NULL);
}

static void h_issuers(struct http_ctx *c, const char *rest, const char *query)
{
    json_t *j = NULL;
    int err;

    (void)rest;
    (void)query;
    if (!http_reply_read_begin(c))
        return;
    err = query_issuers(c->w->reader, &c->w->status, &j);
    store_read_end(c->w->reader);
    http_reply_query(c, err, j);
}

static void h_metrics(struct http_ctx *c, const char *rest, const char *query)
{
    size_t len;
    char *text;

    (void)rest;
    (void)query;
    if (c->w->srv->metrics_elsewhere) {
        /* Served on --metrics-listen only (logd/metrics_listen.h). */
        http_reply_error(c, 404, "no such route", NULL);
        return;
    }
    text = metrics_format(c->w->srv->metrics, &len);
    if (text == NULL) {
        http_reply_error(c, 500, "out of memory", NULL);
        return;
    }
    http_reply_bytes(c, 200, "text/plain; version=0.0.4; charset=utf-8", text,
                     len);
    free(text);
}

static void h_healthz(struct http_ctx *c, const char *rest, const char *query)
{
    (void)rest;
    (void)query;
    http_reply_bytes(c, 200, "text/plain; charset=utf-8", "ok\n", 3);
}

/* Sends the verification page's file name (logd/web.h), or the page's
 * config.json (what the page cannot know itself), or 404. */
static void web_send(struct http_ctx *c, const char *name)
{
    const struct web_asset *a;

    if (!c->w->srv->web) {
        http_reply_error(c, 404, "no such route (logd --no-web)", NULL);
        return;
    }
    http_reply_header(c, "Content-Security-Policy", WEB_CSP);
    http_reply_header(c, "X-Content-Type-Options", "nosniff");
    http_reply_header(c, "Referrer-Policy", "no-referrer");
    if (strcmp(name, "config.json") == 0) {
        http_reply_json(c, 200,
                        json_pack("{s:b,s:b}", "dev", c->w->srv->dev,
                                  "witness_policy",
                                  c->w->srv->witness_policy != NULL));
        return;
    }
    a = web_find(name);
    if (a == NULL) {
        http_reply_error(c, 404, "no such route", NULL);
        return;
    }
    if (http_reply_etag(c, a->etag))
        http_reply(c, 304, a->type);
    else
        http_reply_bytes(c, 200, a->type, a->data, a->len);
}

/* GET /: the page. */
static void h_index(struct http_ctx *c, const char *rest, const char *query)
{
    (void)rest;
    (void)query;
    web_send(c, "index.html");
}

/* GET /web/NAME: the page's scripts, style and config.json. */
static void h_web(struct http_ctx *c, const char *rest, const char *query)
{
    (void)query;
    web_send(c, rest);
}

/* ---- routing ---- */

typedef void (*handler_fn)(struct http_ctx *c, const char *rest,
                           const char *query);

/* What a cache (a browser's, nginx's: contrib/nginx/credlog.conf) may do
 * with a route's 200 and 304 answers; every other answer is "no-store"
 * (logd/http_reply.h). docs/api.md, "Caching", says why each is what it
 * is. */
/* Never changes (a full tile, an entry, a proof between two given sizes). */
#define CACHE_IMMUTABLE "public, max-age=31536000, immutable"
/* The log's latest state: fresh for a second (a status proof carries the
 * checkpoint it is against as its ETag). */
#define CACHE_LATEST "public, max-age=1"
/* A partial tile: its bytes never change either, but it is superseded by a
 * wider one as soon as the log grows, so keep it briefly. */
#define CACHE_PARTIAL "public, max-age=10"
/* Ask logd every time (a log key or policy that changes is an alarm). */
#define CACHE_ASK "no-cache"
/* Not for any cache: an answer to one request, or the server's own state. */
#define CACHE_NONE "no-store"

struct route {
    const char *path;
    bool prefix;
    int methods;
    enum metrics_route metric;
    handler_fn fn;
    bool query;                /* takes query parameters (others refuse any) */
    const char *cache;         /* Cache-Control of its 200/304 answers */
    const char *cache_partial; /* of a partial tile's (/tile/ only) */
    /* A public read that any web page may make: its GET and HEAD answers
     * (errors too) carry "Access-Control-Allow-Origin: *", so that the
     * verification page opened from disk or from a mirror (origin "null"
     * or another) can read them. Its requests are simple ones (no
     * preflight): logd answers no OPTIONS. */
    bool cors;
    /* Its GETs may be answered by logd's own responder (logd/conn.h,
     * http_route_fast()) when the answer is a 200: all but /metrics, whose
     * answer counts the fast path's answers (a scrape would count itself). */
    bool fast;
};

#define GET_HEAD (EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)

static const struct route routes[] = {
    {"/checkpoint", false, GET_HEAD, ROUTE_CHECKPOINT, h_checkpoint, false,
     CACHE_LATEST, NULL, true, true},
    {"/tile/", true, GET_HEAD, ROUTE_TILE, h_tile, false, CACHE_IMMUTABLE,
     CACHE_PARTIAL, true, true},
    {"/v1/entries", false, EVHTTP_REQ_POST, ROUTE_SUBMIT, http_submit_handle,
     false, CACHE_NONE, NULL, false, false},
    {"/v1/entries/", true, GET_HEAD, ROUTE_ENTRY, h_entry, false,
     CACHE_IMMUTABLE, NULL, true, true},
    {"/v1/proof/inclusion", false, GET_HEAD, ROUTE_INCLUSION, h_inclusion, true,
     CACHE_IMMUTABLE, NULL, true, true},
    {"/v1/proof/consistency", false, GET_HEAD, ROUTE_CONSISTENCY, h_consistency,
     true, CACHE_IMMUTABLE, NULL, true, true},
    {"/v1/status/", true, GET_HEAD, ROUTE_STATUS, h_status, false, CACHE_LATEST,
     NULL, true, true},
    {"/v1/issuers", false, GET_HEAD, ROUTE_ISSUERS, h_issuers, false, CACHE_ASK,
     NULL, true, true},
    {"/v1/log-key", false, GET_HEAD, ROUTE_LOG_KEY, h_log_key, false, CACHE_ASK,
     NULL, true, true},
    {"/v1/witness-policy", false, GET_HEAD, ROUTE_WITNESS_POLICY,
     h_witness_policy, false, CACHE_ASK, NULL, true, true},
    {"/metrics", false, GET_HEAD, ROUTE_METRICS, h_metrics, false, CACHE_NONE,
     NULL, false, false},
    {"/healthz", false, GET_HEAD, ROUTE_HEALTHZ, h_healthz, false, CACHE_NONE,
     NULL, false, true},
    {"/", false, GET_HEAD, ROUTE_WEB, h_index, false, WEB_CACHE, NULL, false,
     true},
    {"/web/", true, GET_HEAD, ROUTE_WEB, h_web, false, WEB_CACHE, NULL, true,
     true},
};

/* Asks evhttp to close the connection after this answer. */
static void close_after(struct http_ctx *c)
{
    http_reply_header(c, "Connection", "close");
}

/* Whether the headers are malformed in ways evhttp lets pass (a space or
 * control character in a name, a control character in a value) or frame
 * the body ambiguously (several Content-Length headers, or Content-Length
 * with Transfer-Encoding). A proxy in front of logd may have read such a
 * request otherwise (request smuggling). */
static bool bad_headers(struct evhttp_request *req)
{
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    struct evkeyval *h;
    int lengths = 0, encodings = 0;

    for (h = in->tqh_first; h != NULL; h = h->next.tqe_next) {
        if (request_check_header(h->key, h->value) != 0)
            return true;
        lengths += evutil_ascii_strcasecmp(h->key, "Content-Length") == 0;
        encodings += evutil_ascii_strcasecmp(h->key, "Transfer-Encoding") == 0;
    }
    return lengths > 1 || encodings > 1 || (lengths > 0 && encodings > 0);
}

/* Checks what every request must satisfy before it is routed; answers and
 * returns false if it does not. */
static bool admit(struct http_ctx *c, const struct evhttp_uri *uri,
                  const char *path)
{
    const char *target = evhttp_request_get_uri(c->req);

    int verdict = conn_request(c->w->conns, c->req);

    if (verdict == CONN_REFUSE) {
        close_after(c);
        http_reply_header(c, "Retry-After", "1");
        http_reply_error(c, 503, "too many connections", NULL);
        return false;
    }
    if (verdict == CONN_MALFORMED) {
        close_after(c);
        http_reply_error(c, 400, "malformed HTTP request", NULL);
        return false;
    }
    if (evhttp_request_get_command(c->req) == EVHTTP_REQ_CONNECT) {
        /* A tunnel request: evhttp sends its answer without framing (no
         * Content-Length) and would keep the connection open. */
        conn_close_after(c->w->conns, c->req);
        close_after(c);
        http_reply_error(c, 405, "method not allowed", NULL);
        return false;
    }
    if (bad_headers(c->req)) {
        close_after(c);
        http_reply_error(c, 400, "malformed or ambiguous request headers",
                         NULL);
        return false;
    }
    if (target != NULL && strlen(target) > c->w->srv->max_url) {
        http_reply_error(c, 414, "request target too long", NULL);
        return false;
    }
    if (path == NULL || evhttp_uri_get_fragment(uri) != NULL ||
        request_check_path(path) != 0) {
        http_reply_error(c, 400, "malformed request path", NULL);
        return false;
    }
    return true;
}

/* The route of path: the first in the table that matches it, or NULL. */
static const struct route *route_find(const char *path)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const struct route *r = &routes[i];
        if (r->prefix ? strncmp(path, r->path, strlen(r->path)) == 0
                      : strcmp(path, r->path) == 0)
            return r;
    }
    return NULL;
}

/* Answers a request of method for c->path (its query: query, or NULL) on
 * route r: what every route's requests go through, from evhttp or from the
 * fast path. */
static void route_answer(struct http_ctx *c, const struct route *r, int method,
                         const char *query)
{
    c->route = r->metric;
    c->cache = r->cache;
    c->cache_partial = r->cache_partial;
    if ((r->methods & method) == 0) {
        http_reply_header(c, "Allow",
                          r->methods == EVHTTP_REQ_POST ? "POST" : "GET, HEAD");
        http_reply_error(c, 405, "method not allowed", NULL);
        return;
    }
    c->cors = r->cors;
    if (!r->query && query != NULL && query[0] != '\0') {
        http_reply_error(c, 400, "this route takes no query parameters", NULL);
        return;
    }
    r->fn(c, c->path + strlen(r->path), query);
}

void http_route_request(struct evhttp_request *req, void *arg)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    const struct route *r;
    struct http_ctx c;

    http_reply_begin(&c, arg, req, NULL, path);
    if (!admit(&c, uri, path))
        return;
    r = route_find(path);
    if (r == NULL) {
        http_reply_error(&c, 404, "no such route", NULL);
        return;
    }
    route_answer(&c, r, (int)evhttp_request_get_command(req),
                 evhttp_uri_get_query(uri));
}

bool http_route_fast(void *arg, const struct request_get *get,
                     struct conn_answer *a)
{
    struct http_worker *w = arg;
    const struct route *r;
    struct http_ctx c;

    /* admit()'s checks that request_parse_get() leaves: the target's
     * length. A path no route serves is a 404: evhttp's. */
    if (get->target_len > w->srv->max_url ||
        (r = route_find(get->path)) == NULL || !r->fast)
        return false;
    http_reply_begin(&c, w, NULL, a, get->path);
    route_answer(&c, r, EVHTTP_REQ_GET, get->query_len > 0 ? get->query : NULL);
    return http_reply_fast_ready(&c);
}
