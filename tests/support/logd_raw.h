/*
 * logd_raw.h: raw HTTP/1.1 over a loopback socket, for what client/http.h
 * cannot send or would not accept: bad request lines, NUL bytes, huge
 * headers, slow senders, clients that never read, pipelined requests.
 *
 * Sockets are blocking and owned by the caller (close() them). Answers are
 * read with a deadline; nothing here retries. Not thread-safe per socket;
 * separate sockets may be used from separate threads.
 */
#ifndef CREDLOG_TESTS_LOGD_RAW_H
#define CREDLOG_TESTS_LOGD_RAW_H

#include <stdbool.h>
#include <stddef.h>

/* One answer read off a raw connection. head and body are NUL-terminated
 * (body_len does not count the NUL) and owned by the answer. */
struct logd_raw_answer {
    int status;
    char *head; /* status line and headers, up to the blank line */
    char *body;
    size_t body_len;
};

/* Connects to 127.0.0.1:port (blocking socket, TCP_NODELAY). rcvbuf > 0
 * sets a small receive buffer first (a client that reads slowly). Returns
 * the socket or -1. */
int logd_raw_connect(unsigned port, int rcvbuf);

/* Sends all len bytes. Returns 0 or -1 (for example when logd has closed
 * the connection). */
int logd_raw_send(int fd, const void *data, size_t len);

/* Reads one answer: head, then a body of Content-Length bytes (none when
 * no_body, the answer to a HEAD), or up to the end of the stream when there
 * is no Content-Length. Waits at most timeout_ms in all. Returns 0, or -1
 * when the connection ended or the time ran out before a whole answer. */
int logd_raw_read(int fd, int no_body, int timeout_ms,
                  struct logd_raw_answer *a);

/* Connects, sends req, reads one answer, closes. */
int logd_raw_exchange(unsigned port, const void *req, size_t len, int no_body,
                      int timeout_ms, struct logd_raw_answer *a);

/* The value of header name in a->head (case-insensitive name), copied into
 * buf; returns 0, or -1 when absent. */
int logd_raw_header(const struct logd_raw_answer *a, const char *name,
                    char *buf, size_t cap);

/* Whether a is logd's error answer: Content-Type application/json and a
 * body that is a JSON object with a string "error". */
bool logd_raw_json_error(const struct logd_raw_answer *a);

/* Frees an answer's head and body. Accepts an empty answer. */
void logd_raw_answer_free(struct logd_raw_answer *a);

/* Waits up to timeout_ms for the peer to end the connection (EOF or
 * reset), reading and discarding whatever it sends. Returns 1 if it ended,
 * 0 if it is still open. */
int logd_raw_wait_closed(int fd, int timeout_ms);

#endif
