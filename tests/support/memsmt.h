/*
 * memsmt.h: a proofs/smt.h node store in memory (open addressing over
 * (depth, prefix)), for tests that build or replay a CTL-SMT-v1 map without
 * LMDB: the minilog and the mirror's replay.
 *
 * memsmt_init() allocates; memsmt_free() releases everything. The struct
 * smt_store from memsmt_store() borrows m and is valid until memsmt_free().
 * put() fails (-1) only when memory runs out.
 */
#ifndef CREDLOG_TESTS_MEMSMT_H
#define CREDLOG_TESTS_MEMSMT_H

#include <stddef.h>

#include "proofs/smt.h"

struct memsmt_slot;

struct memsmt {
    struct memsmt_slot *slots;
    size_t cap, used;
};

/* An empty store. Aborts if it cannot allocate. */
void memsmt_init(struct memsmt *m);

/* Frees the nodes; accepts an initialized or zeroed struct. */
void memsmt_free(struct memsmt *m);

/* The smt_store interface over m. */
struct smt_store memsmt_store(struct memsmt *m);

#endif
