/* quorum.c: see quorum.h. */
#include "logd/quorum.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "proofs/checkpoint.h"

const char *quorum_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case QUORUM_ERR_NONE:
        return "no checkpoint has met the witness quorum yet";
    case QUORUM_ERR_SPACE:
        return "buffer too small";
    case QUORUM_ERR_NOMEM:
        return "out of memory";
    case QUORUM_ERR_STORE:
        return "cannot open a storage snapshot";
    default:
        return "unknown quorum error";
    }
}

struct quorum_view {
    atomic_int refs;
    uint64_t size;
    size_t note_len;
    char note[CHECKPOINT_TEXT_MAX];
    unsigned n; /* snapshots: readers + 1 */
    struct store_txn *txn[];
};

int quorum_view_open(struct store *s, unsigned nreaders,
                     struct quorum_view **out)
{
    struct quorum_view *v;
    int err;

    *out = NULL;
    v = calloc(1, sizeof *v + (nreaders + 1) * sizeof v->txn[0]);
    if (v == NULL)
        return QUORUM_ERR_NOMEM;
    atomic_init(&v->refs, 1);
    v->n = nreaders + 1;
    err = store_snapshot_open(s, v->n, v->txn);
    if (err != 0) {
        free(v);
        return err == STORE_ERR_NOMEM ? QUORUM_ERR_NOMEM : QUORUM_ERR_STORE;
    }
    /* The checkpoint and the entries are committed together: the snapshot's
     * checkpoint is exactly its tree's. */
    if (store_tree_size(v->txn[nreaders], &v->size) != 0 ||
        store_checkpoint(v->txn[nreaders], v->note, sizeof v->note,
                         &v->note_len) != 0) {
        quorum_view_unref(v);
        return QUORUM_ERR_STORE;
    }
    *out = v;
    return 0;
}

struct quorum_view *quorum_view_ref(struct quorum_view *v)
{
    atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
    return v;
}

void quorum_view_unref(struct quorum_view *v)
{
    if (v == NULL ||
        atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (unsigned i = 0; i < v->n; i++)
        store_snapshot_close(v->txn[i]);
    free(v);
}

uint64_t quorum_view_size(const struct quorum_view *v)
{
    return v->size;
}

const char *quorum_view_note(const struct quorum_view *v, size_t *len)
{
    *len = v->note_len;
    return v->note;
}

struct store_txn *quorum_view_txn(struct quorum_view *v, unsigned i)
{
    return v->txn[i];
}

/* A published note, shared by the readers that hold it. */
struct quorum_note {
    atomic_int refs;
    uint64_t size, gen;
    size_t len;
    char text[];
};

static void note_unref(struct quorum_note *n)
{
    if (n != NULL &&
        atomic_fetch_sub_explicit(&n->refs, 1, memory_order_acq_rel) == 1)
        free(n);
}

struct quorum {
    pthread_mutex_t mu; /* guards what follows */
    struct quorum_view *view;
    struct quorum_note *note;
    uint64_t gen;
    unsigned nreaders;
};

struct quorum *quorum_new(unsigned nreaders)
{
    struct quorum *q = calloc(1, sizeof *q);

    if (q == NULL)
        return NULL;
    pthread_mutex_init(&q->mu, NULL);
    q->nreaders = nreaders;
    return q;
}

void quorum_free(struct quorum *q)
{
    if (q == NULL)
        return;
    quorum_view_unref(q->view);
    note_unref(q->note);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

int quorum_publish(struct quorum *q, struct quorum_view *v, uint64_t size,
                   const char *note, size_t len)
{
    struct quorum_note *n = malloc(sizeof *n + len + 1), *old_note;
    struct quorum_view *old_view;

    if (n == NULL)
        return QUORUM_ERR_NOMEM;
    atomic_init(&n->refs, 1);
    n->size = size;
    n->len = len;
    memcpy(n->text, note, len);
    n->text[len] = '\0';
    if (v != NULL)
        quorum_view_ref(v);
    pthread_mutex_lock(&q->mu);
    old_note = q->note;
    old_view = q->view;
    n->gen = ++q->gen;
    q->note = n;
    q->view = v;
    pthread_mutex_unlock(&q->mu);
    /* Outside the lock: the last reference closes snapshots. */
    note_unref(old_note);
    quorum_view_unref(old_view);
    return 0;
}

void quorum_unpin(struct quorum *q)
{
    struct quorum_view *old;

    pthread_mutex_lock(&q->mu);
    old = q->view;
    q->view = NULL;
    pthread_mutex_unlock(&q->mu);
    quorum_view_unref(old);
}

int quorum_checkpoint(struct quorum *q, char *buf, size_t cap, size_t *len,
                      uint64_t *size)
{
    int err = 0;

    pthread_mutex_lock(&q->mu);
    if (q->note == NULL) {
        err = QUORUM_ERR_NONE;
    } else if (q->note->len > cap) {
        err = QUORUM_ERR_SPACE;
    } else {
        memcpy(buf, q->note->text, q->note->len);
        *len = q->note->len;
        if (size != NULL)
            *size = q->note->size;
    }
    pthread_mutex_unlock(&q->mu);
    return err;
}

bool quorum_read_begin(struct quorum *q, unsigned reader, struct quorum_read *r)
{
    memset(r, 0, sizeof *r);
    if (reader >= q->nreaders)
        return false;
    pthread_mutex_lock(&q->mu);
    if (q->view != NULL && q->note != NULL) {
        r->view = quorum_view_ref(q->view);
        r->held = q->note;
        atomic_fetch_add_explicit(&r->held->refs, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&q->mu);
    if (r->view == NULL)
        return false;
    r->txn = r->view->txn[reader];
    r->note = r->held->text;
    r->len = r->held->len;
    r->size = r->held->size;
    r->gen = r->held->gen;
    return true;
}

void quorum_read_end(struct quorum_read *r)
{
    quorum_view_unref(r->view);
    note_unref(r->held);
    memset(r, 0, sizeof *r);
}
