/*
 * monitor_sigs.c: the signatures of a run of entries verified on all cores
 * ahead of the replay. See monitor_internal.h.
 *
 * The replay (proofs/replay.c) is one thread: each entry's rules depend on
 * the entries before it. Its cost is the Ed25519 verification of every
 * ISSUE and REVOKE, which does not: given the key, a signature's verdict is
 * a pure function of the entry. So before a run of entries is replayed,
 * each ISSUE or REVOKE gets the key the replay will most likely look up
 * (the store's key for its issuer and key id, or a KEY add earlier in the
 * run), all of them are verified on one thread per core, and the replay
 * takes a verdict only for exactly that key (replay_set_sig_known()). Any
 * other case, such as a key removed and its id reused, the replay verifies
 * itself, so the outcome is the single-threaded one in every case.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/monitor_internal.h"

/* Below this many signatures one thread verifies them (threads cost more). */
#define SIGS_PARALLEL_MIN 64
#define SIGS_THREADS_MAX 16

struct monitor_sig {
    bool want;  /* an ISSUE or REVOKE with a key to check against */
    bool valid; /* its verdict, once verified */
    uint8_t pub[ED25519_PUBLIC_SIZE];
    struct entry e;
};

void monitor_sigs_init(struct monitor_sigs *s, const char *origin)
{
    memset(s, 0, sizeof *s);
    s->origin = origin;
}

void monitor_sigs_free(struct monitor_sigs *s)
{
    free(s->slot);
    memset(s, 0, sizeof *s);
}

int monitor_sigs_begin(struct monitor_sigs *s, uint64_t first, size_t cap)
{
    if (cap > s->cap) {
        struct monitor_sig *n = realloc(s->slot, cap * sizeof *n);
        if (n == NULL)
            return CLIENT_ERR_NOMEM;
        s->slot = n;
        s->cap = cap;
    }
    s->first = first;
    s->n = 0;
    return 0;
}

/* The key a KEY add earlier in the run gave (issuer, key_id), latest first. */
static bool run_key(const struct monitor_sigs *s, size_t upto,
                    const char *issuer, uint32_t key_id, uint8_t *pub)
{
    for (size_t j = upto; j-- > 0;) {
        const struct entry *k = &s->slot[j].e;
        if (k->type == ENTRY_KEY && k->key_op == ENTRY_KEY_ADD &&
            strcmp(k->issuer, issuer) == 0 &&
            note_key_id(k->issuer, NOTE_TYPE_ED25519, k->public_key) ==
                key_id) {
            memcpy(pub, k->public_key, ED25519_PUBLIC_SIZE);
            return true;
        }
    }
    return false;
}

int monitor_sigs_add(struct monitor_sigs *s, const struct replay *rp,
                     const uint8_t *bytes, size_t len)
{
    struct monitor_sig *g;
    bool found = false;
    int rc;

    if (s->n == s->cap)
        return CLIENT_ERR_ARG;
    g = &s->slot[s->n++];
    g->want = false;
    if (entry_decode(bytes, len, &g->e) != 0) {
        g->e.type = 0;
        return 0;
    }
    if (g->e.type != ENTRY_ISSUE && g->e.type != ENTRY_REVOKE)
        return 0;
    if (run_key(s, s->n - 1, g->e.issuer, g->e.key_id, g->pub))
        found = true;
    else if ((rc = rp->st.key_get(rp->st.ctx, g->e.issuer, g->e.key_id, g->pub,
                                  &found)) != 0)
        return rc;
    g->want = found;
    return 0;
}

struct sigs_worker {
    struct monitor_sigs *s;
    size_t start, step;
};

static void *verify_part(void *arg)
{
    struct sigs_worker *w = arg;
    struct monitor_sigs *s = w->s;

    for (size_t j = w->start; j < s->n; j += w->step) {
        struct monitor_sig *g = &s->slot[j];
        if (g->want)
            g->valid = entry_verify(&g->e, s->origin, g->pub) == 0;
    }
    return NULL;
}

void monitor_sigs_verify(struct monitor_sigs *s)
{
    struct sigs_worker w[SIGS_THREADS_MAX];
    pthread_t th[SIGS_THREADS_MAX];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t want = 0, nt, started = 0;

    for (size_t j = 0; j < s->n; j++)
        want += s->slot[j].want;
    nt = cpus < 1                  ? 1
         : cpus > SIGS_THREADS_MAX ? SIGS_THREADS_MAX
                                   : (size_t)cpus;
    if (want < SIGS_PARALLEL_MIN)
        nt = 1;
    for (size_t t = 0; t < nt; t++)
        w[t] = (struct sigs_worker){s, t, nt};
    /* This thread takes part 0; a thread that cannot start leaves its part
     * to the check below. */
    for (size_t t = 1; t < nt; t++)
        if (pthread_create(&th[t], NULL, verify_part, &w[t]) == 0)
            started |= (size_t)1 << t;
    verify_part(&w[0]);
    for (size_t t = 1; t < nt; t++) {
        if (started & ((size_t)1 << t))
            pthread_join(th[t], NULL);
        else
            verify_part(&w[t]);
    }
}

bool monitor_sigs_known(void *ctx, uint64_t i,
                        const uint8_t pub[ED25519_PUBLIC_SIZE], bool *valid)
{
    const struct monitor_sigs *s = ctx;
    const struct monitor_sig *g;

    if (i < s->first || i - s->first >= s->n)
        return false;
    g = &s->slot[i - s->first];
    if (!g->want || memcmp(g->pub, pub, ED25519_PUBLIC_SIZE) != 0)
        return false;
    *valid = g->valid;
    return true;
}
