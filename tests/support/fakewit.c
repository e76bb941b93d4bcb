/* fakewit.c: see fakewit.h. */
#include "fakewit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>

#include "proofs/add_checkpoint.h"
#include "proofs/cosignature.h"

static void answer(struct evhttp_request *req, int code, const char *type,
                   const char *body)
{
    struct evbuffer *b = evbuffer_new();

    if (b == NULL)
        abort();
    evbuffer_add(b, body, strlen(body));
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      type);
    evhttp_send_reply(req, code, code == 200 ? "OK" : "Refused", b);
    evbuffer_free(b);
}

/* A cosignature of the request's checkpoint with one bit flipped. */
static void bad_cosignature(struct fakewit *f, struct evhttp_request *req)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    char *body = malloc(len + 1), line[COSIGNATURE_LINE_MAX + 1];
    struct add_checkpoint ac;
    const char *blank;
    int n;

    if (body == NULL)
        abort();
    evbuffer_copyout(in, body, len);
    body[len] = '\0';
    if (add_checkpoint_parse(body, len, &ac) != 0 ||
        (blank = strstr(ac.note, "\n\n")) == NULL) {
        answer(req, 400, "text/plain", "malformed\n");
        free(body);
        return;
    }
    n = cosignature_sign(&f->key, (uint64_t)time(NULL), ac.note,
                         (size_t)(blank - ac.note) + 1, line, sizeof line);
    if (n < 10)
        abort();
    line[n - 4] = line[n - 4] == 'A' ? 'B' : 'A'; /* inside the signature */
    answer(req, 200, "text/plain; charset=utf-8", line);
    free(body);
}

static void handle(struct evhttp_request *req, void *arg)
{
    struct fakewit *f = arg;
    const char *path = evhttp_request_get_uri(req);

    atomic_fetch_add(&f->requests, 1);
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST || path == NULL ||
        strstr(path, "/add-checkpoint") == NULL) {
        answer(req, 404, "text/plain", "not found\n");
        return;
    }
    switch (f->mode) {
    case FAKEWIT_STALL:
        return; /* held: evhttp frees it with the connection */
    case FAKEWIT_AHEAD:
        answer(req, 409, "text/x.tlog.size", "1000000\n");
        return;
    case FAKEWIT_BADSIG:
        bad_cosignature(f, req);
        return;
    }
}

static void *run(void *arg)
{
    struct fakewit *f = arg;

    event_base_dispatch(f->base);
    return NULL;
}

void fakewit_start(struct fakewit *f, const char *name, enum fakewit_mode mode)
{
    struct note_verifier v;
    struct evhttp_bound_socket *sock;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;

    memset(f, 0, sizeof *f);
    f->mode = mode;
    evthread_use_pthreads();
    if (note_signer_generate_type(name, NOTE_TYPE_COSIGNATURE, &f->key) != 0)
        abort();
    note_signer_verifier(&f->key, &v);
    if (note_verifier_format(&v, f->vkey, sizeof f->vkey) < 0)
        abort();
    f->base = event_base_new();
    f->http = f->base ? evhttp_new(f->base) : NULL;
    if (f->http == NULL)
        abort();
    evhttp_set_gencb(f->http, handle, f);
    sock = evhttp_bind_socket_with_handle(f->http, "127.0.0.1", 0);
    if (sock == NULL || getsockname(evhttp_bound_socket_get_fd(sock),
                                    (struct sockaddr *)&ss, &sl) != 0)
        abort();
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u",
             ntohs(((struct sockaddr_in *)&ss)->sin_port));
    if (pthread_create(&f->thread, NULL, run, f) != 0)
        abort();
}

void fakewit_stop(struct fakewit *f)
{
    event_base_loopbreak(f->base);
    pthread_join(f->thread, NULL);
    evhttp_free(f->http);
    event_base_free(f->base);
    note_signer_wipe(&f->key);
}
