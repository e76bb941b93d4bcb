/*
 * fakewit.h: a witness that misbehaves, for the tests of logd's witness
 * push: a tiny HTTP server on 127.0.0.1:0 (a libevent thread of its own)
 * that takes POST <any>/add-checkpoint and
 *
 *   FAKEWIT_STALL   never answers (a slow witness: the request is held
 *                   until the server stops);
 *   FAKEWIT_AHEAD   answers 409 text/x.tlog.size with a size far beyond
 *                   any test log ("1000000\n");
 *   FAKEWIT_BADSIG  answers 200 with a cosignature line under its name and
 *                   key id whose signature has one bit flipped.
 *
 * It has a cosigner key of its own (f->vkey, for the policy) and counts the
 * requests it got. Setup failures abort().
 */
#ifndef CREDLOG_TESTS_FAKEWIT_H
#define CREDLOG_TESTS_FAKEWIT_H

#include <pthread.h>
#include <stdatomic.h>

#include "proofs/note.h"

enum fakewit_mode { FAKEWIT_STALL, FAKEWIT_AHEAD, FAKEWIT_BADSIG };

struct fakewit {
    enum fakewit_mode mode;
    struct note_signer key;
    char vkey[NOTE_KEY_TEXT_MAX];
    char url[64];
    atomic_ulong requests;
    /* Internal. */
    struct event_base *base;
    struct evhttp *http;
    pthread_t thread;
};

/* Starts a fake witness named name in mode. */
void fakewit_start(struct fakewit *f, const char *name, enum fakewit_mode mode);

/* Stops its thread and frees what it holds (held requests are dropped). */
void fakewit_stop(struct fakewit *f);

#endif
