/* logd_raw.c: see logd_raw.h. */
#define _GNU_SOURCE /* strcasestr */
#include "logd_raw.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "wait.h"

static double now_ms(void)
{
    return (double)wait_now_ms();
}

int logd_raw_connect(unsigned port, int rcvbuf)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

    if (fd < 0)
        return -1;
    if (rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int logd_raw_send(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Reads into buf (cap bytes) what arrives before the deadline; returns the
 * bytes read, 0 at the end of the stream, -1 on error (a reset), -2 when
 * the time ran out. */
static ssize_t read_some(int fd, char *buf, size_t cap, double deadline)
{
    for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int left = (int)(deadline - now_ms());
        ssize_t r;
        if (left <= 0)
            return -2;
        if (poll(&pfd, 1, left) <= 0)
            continue;
        r = recv(fd, buf, cap, 0);
        if (r < 0 && errno == EINTR)
            continue;
        return r;
    }
}

static int grow(char **buf, size_t *cap, size_t need)
{
    char *nb;

    if (need <= *cap)
        return 0;
    while (*cap < need)
        *cap *= 2;
    nb = realloc(*buf, *cap);
    if (nb == NULL)
        return -1;
    *buf = nb;
    return 0;
}

int logd_raw_read(int fd, int no_body, int timeout_ms,
                  struct logd_raw_answer *a)
{
    double deadline = now_ms() + timeout_ms;
    size_t cap = 4096, len = 0, hlen = 0, want = 0;
    char *buf = malloc(cap), *end = NULL, *cl;
    int have_length = 0;
    ssize_t r;

    memset(a, 0, sizeof *a);
    if (buf == NULL)
        return -1;
    /* The head, byte by byte (a pipelined answer may follow). */
    while (end == NULL) {
        if (grow(&buf, &cap, len + 2) != 0)
            goto fail;
        r = read_some(fd, buf + len, 1, deadline);
        if (r <= 0)
            goto fail;
        len++;
        buf[len] = '\0';
        if (len >= 4 && memcmp(buf + len - 4, "\r\n\r\n", 4) == 0)
            end = buf + len - 4;
    }
    hlen = len;
    a->head = strndup(buf, hlen - 2);
    if (a->head == NULL || sscanf(buf, "HTTP/1.%*d %d", &a->status) != 1)
        goto fail;
    for (cl = a->head; (cl = strcasestr(cl, "\r\nContent-Length:")) != NULL;
         cl++) {
        want = strtoull(cl + 17, NULL, 10);
        have_length = 1;
        break;
    }
    len = 0;
    if (!no_body) {
        for (;;) {
            if (have_length && len >= want)
                break;
            if (grow(&buf, &cap, len + 4097) != 0)
                goto fail;
            r = read_some(fd, buf + len,
                          have_length && want - len < 4096 ? want - len : 4096,
                          deadline);
            if (r == 0 && !have_length)
                break;
            if (r <= 0)
                goto fail;
            len += (size_t)r;
        }
    }
    buf[len] = '\0';
    a->body = buf;
    a->body_len = len;
    return 0;

fail:
    free(buf);
    logd_raw_answer_free(a);
    return -1;
}

int logd_raw_exchange(unsigned port, const void *req, size_t len, int no_body,
                      int timeout_ms, struct logd_raw_answer *a)
{
    int fd = logd_raw_connect(port, 0), rc = -1;

    memset(a, 0, sizeof *a);
    if (fd < 0)
        return -1;
    /* logd may answer and close before it has read everything (413). */
    (void)logd_raw_send(fd, req, len);
    rc = logd_raw_read(fd, no_body, timeout_ms, a);
    close(fd);
    return rc;
}

int logd_raw_header(const struct logd_raw_answer *a, const char *name,
                    char *buf, size_t cap)
{
    size_t n = strlen(name);

    for (const char *l = a->head;
         l != NULL && (l = strstr(l, "\r\n")) != NULL;) {
        l += 2;
        if (strncasecmp(l, name, n) == 0 && l[n] == ':') {
            const char *v = l + n + 1, *e = strstr(v, "\r\n");
            size_t vl;
            while (*v == ' ')
                v++;
            vl = e != NULL ? (size_t)(e - v) : strlen(v);
            if (vl >= cap)
                vl = cap - 1;
            memcpy(buf, v, vl);
            buf[vl] = '\0';
            return 0;
        }
    }
    return -1;
}

void logd_raw_answer_free(struct logd_raw_answer *a)
{
    free(a->head);
    free(a->body);
    memset(a, 0, sizeof *a);
}

int logd_raw_wait_closed(int fd, int timeout_ms)
{
    double deadline = now_ms() + timeout_ms;
    char sink[4096];

    for (;;) {
        ssize_t r = read_some(fd, sink, sizeof sink, deadline);
        if (r == 0 || r == -1)
            return 1;
        if (r == -2)
            return 0;
    }
}

bool logd_raw_json_error(const struct logd_raw_answer *a)
{
    char type[128];
    json_t *j = json_loadb(a->body, a->body_len, 0, NULL);
    bool ok = json_is_object(j) &&
              json_is_string(json_object_get(j, "error")) &&
              logd_raw_header(a, "Content-Type", type, sizeof type) == 0 &&
              strcmp(type, "application/json") == 0;

    json_decref(j);
    return ok;
}
