/*
 * test_wstore.c: the witness's group commit (witness/wstore.h,
 * wstore_update_many()) on a real LMDB environment: each request of a batch
 * is decided against the state the requests before it left, exactly as if
 * committed one by one; a request that decide refuses stores nothing and
 * does not stop its neighbours; the batch is durable once it returns (a
 * new environment on the same directory reads it back); and wstore_update()
 * is the batch of one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "files.h"
#include "witness/check.h"
#include "witness/wstore.h"

/* A request "from old to size": refused with WITNESS_ERR_CONFLICT unless
 * the state is at old; the stored note names the size. */
struct step {
    uint64_t old, size;
    uint64_t seen; /* the state decide saw */
};

static int decide(void *arg, const struct witness_state *cur,
                  struct witness_state *next, char *note, size_t *note_len)
{
    struct step *st = arg;
    int n;

    st->seen = cur->size;
    if (cur->size != st->old)
        return WITNESS_ERR_CONFLICT;
    next->size = st->size;
    memset(next->root, (int)(st->size & 0xff), sizeof next->root);
    n = snprintf(note, WITNESS_NOTE_MAX + 1, "note of size %llu\n",
                 (unsigned long long)st->size);
    *note_len = (size_t)n;
    return 0;
}

static uint64_t size_of(struct wstore *s, const char *origin)
{
    struct witness_state st;
    char why[WSTORE_WHY_MAX];

    if (wstore_state(s, origin, &st, why) != 0)
        return UINT64_MAX;
    return st.size;
}

static void run(const char *dir)
{
    char why[WSTORE_WHY_MAX] = "";
    struct wstore *s = NULL;
    const char *origins[5] = {"a.example/log", "a.example/log", "b.example/log",
                              "a.example/log", "b.example/log"};
    struct step steps[5] = {
        {0, 5, 0}, {0, 7, 0}, {0, 3, 0}, {5, 9, 0}, {3, 4, 0}};
    void *ctxs[5];
    int results[5];

    REQUIRE(wstore_open(dir, &s, why) == 0);
    for (int i = 0; i < 5; i++)
        ctxs[i] = &steps[i];
    CHECK(wstore_update_many(s, 5, origins, decide, ctxs, results, why) == 0);
    /* a: 0 -> 5; the second request from 0 sees 5 and is refused; 5 -> 9.
     * b: 0 -> 3 -> 4. */
    CHECK(results[0] == 0 && steps[0].seen == 0);
    CHECK(results[1] == WITNESS_ERR_CONFLICT && steps[1].seen == 5);
    CHECK(results[2] == 0 && steps[2].seen == 0);
    CHECK(results[3] == 0 && steps[3].seen == 5);
    CHECK(results[4] == 0 && steps[4].seen == 3);
    CHECK(size_of(s, "a.example/log") == 9);
    CHECK(size_of(s, "b.example/log") == 4);

    /* Durable: another environment on the directory reads the same. */
    wstore_close(s);
    s = NULL;
    REQUIRE(wstore_open(dir, &s, why) == 0);
    CHECK(size_of(s, "a.example/log") == 9);
    CHECK(size_of(s, "b.example/log") == 4);
    /* wstore_update() is a batch of one. */
    {
        struct step one = {9, 10, 0}, stale = {9, 11, 0};
        CHECK(wstore_update(s, "a.example/log", decide, &one, why) == 0);
        CHECK(wstore_update(s, "a.example/log", decide, &stale, why) ==
              WITNESS_ERR_CONFLICT);
        CHECK(stale.seen == 10 && size_of(s, "a.example/log") == 10);
    }
    /* An empty batch commits nothing and succeeds. */
    CHECK(wstore_update_many(s, 0, origins, decide, ctxs, results, why) == 0);
    wstore_close(s);
}

int main(void)
{
    char dir[512];

    files_tmpdir(dir, sizeof dir, "wstore");
    run(dir);
    if (getenv("CREDLOG_KEEP_TMP") == NULL)
        files_rmtree(dir);
    return check_finish();
}
