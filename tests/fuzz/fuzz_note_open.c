/*
 * fuzz_note_open.c: note_open() (proofs/note.h), which opens every signed
 * note credlog reads: checkpoints from logd, receipts, bundles, witnesses'
 * cosignatures.
 *
 * The keys: two Ed25519 note keys (the tlog-vectors key and the client tests'
 * log key) and one cosignature/v1 witness key (fuzz.h).
 *
 * Invariants:
 *  - only the documented results (0, SYNTAX, TOO_MANY, BAD_SIG, UNVERIFIED);
 *  - every failure, a malformed note included, reports nothing verified and
 *    no timestamp (even in arrays that held a previous note's results);
 *  - success: the text is a proper prefix ending in "\n" and followed by the
 *    blank line, at least one key verified, and the outcome does not depend
 *    on the order of the keys (same result, same verified flags and
 *    timestamps with the keys reversed), nor on the keys that did not sign
 *    (opening with just one verifying key succeeds);
 *  - sign and open round trip: for one input in 4 that note_sign() accepts as
 *    note text, the note signed by the log key, then cosigned by the witness,
 *    opens with text_len == size, both keys verified and the witness's time.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define NKEYS 3

static void load_keys(struct note_verifier keys[NKEYS])
{
    keys[0] = *fuzz_vector_verifier();
    keys[1] = *fuzz_log_verifier();
    keys[2] = *fuzz_witness_verifier();
}

static void check_opened(const char *note, size_t size,
                         const struct note_verifier keys[NKEYS], size_t tlen,
                         const bool verified[NKEYS], const uint64_t ts[NKEYS])
{
    struct note_verifier rev[NKEYS];
    bool rverified[NKEYS];
    uint64_t rts[NKEYS];
    size_t rtlen = 0;
    bool any = false;

    FUZZ_ASSERT(tlen > 0 && tlen < size);
    FUZZ_ASSERT(note[tlen - 1] == '\n' && note[tlen] == '\n');
    for (int i = 0; i < NKEYS; i++) {
        any = any || verified[i];
        if (keys[i].type != NOTE_TYPE_COSIGNATURE)
            FUZZ_ASSERT(ts[i] == 0);
    }
    FUZZ_ASSERT(any);

    for (int i = 0; i < NKEYS; i++)
        rev[i] = keys[NKEYS - 1 - i];
    FUZZ_ASSERT(note_open(note, size, rev, NKEYS, &rtlen, rverified, rts) == 0);
    FUZZ_ASSERT(rtlen == tlen);
    for (int i = 0; i < NKEYS; i++) {
        FUZZ_ASSERT(rverified[NKEYS - 1 - i] == verified[i]);
        FUZZ_ASSERT(rts[NKEYS - 1 - i] == ts[i]);
    }
    for (int i = 0; i < NKEYS; i++) {
        bool one = false;
        uint64_t t = 0;
        int rc = note_open(note, size, &keys[i], 1, &rtlen, &one, &t);

        FUZZ_ASSERT(rc == 0 ? verified[i] : !verified[i]);
        FUZZ_ASSERT(one == verified[i] && t == ts[i]);
    }
}

static void check_sign_open(const char *text, size_t size,
                            const struct note_verifier keys[NKEYS])
{
    const struct note_signer *log = fuzz_log_signer();
    size_t cap = size + 512, len, tlen = 0;
    char *note = malloc(cap), line[FUZZ_COSIG_LINE_MAX];
    bool verified[NKEYS];
    uint64_t ts[NKEYS], when = size * 1000003u;
    int n;

    if (note == NULL)
        abort();
    n = note_sign(text, size, log, note, cap);
    if (n == NOTE_ERR_SYNTAX) {
        free(note);
        return;
    }
    FUZZ_ASSERT(n > 0 && (size_t)n > size && memcmp(note, text, size) == 0);
    len = (size_t)n;
    FUZZ_ASSERT(note_open(note, len, keys, NKEYS, &tlen, verified, ts) == 0);
    FUZZ_ASSERT(tlen == size && !verified[0] && verified[1] && !verified[2]);
    /* One byte too little room (the NUL) is refused. */
    FUZZ_ASSERT(note_sign(text, size, log, note, len) == NOTE_ERR_SPACE);

    len += fuzz_cosign(text, size, when, line);
    memcpy(note + (size_t)n, line, strlen(line) + 1);
    FUZZ_ASSERT(note_open(note, len, keys, NKEYS, &tlen, verified, ts) == 0);
    FUZZ_ASSERT(tlen == size && !verified[0] && verified[1] && verified[2]);
    FUZZ_ASSERT(ts[2] == when);
    check_opened(note, len, keys, tlen, verified, ts);

    /* A flipped byte of the text breaks both signatures (or the form), and
     * the flags of the successful open just before must not survive. */
    note[size / 2] ^= 0x01;
    FUZZ_ASSERT(note_open(note, len, keys, NKEYS, &tlen, verified, ts) != 0);
    FUZZ_ASSERT(!verified[0] && !verified[1] && !verified[2]);
    free(note);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *note = (const char *)data;
    struct note_verifier keys[NKEYS];
    bool verified[NKEYS];
    uint64_t ts[NKEYS];
    size_t tlen = 0;
    int rc;

    load_keys(keys);
    memset(verified, 0xff, sizeof verified);
    memset(ts, 0xff, sizeof ts);
    rc = note_open(note, size, keys, NKEYS, &tlen, verified, ts);
    FUZZ_ASSERT(rc == 0 || rc == NOTE_ERR_SYNTAX || rc == NOTE_ERR_TOO_MANY ||
                rc == NOTE_ERR_BAD_SIG || rc == NOTE_ERR_UNVERIFIED);
    if (rc == 0) {
        check_opened(note, size, keys, tlen, verified, ts);
    } else {
        for (int i = 0; i < NKEYS; i++)
            FUZZ_ASSERT(!verified[i] && ts[i] == 0);
    }
    /* NULL outputs are allowed and change nothing. */
    FUZZ_ASSERT(note_open(note, size, keys, NKEYS, NULL, NULL, NULL) == rc);

    if (size % 4 == 0)
        check_sign_open(note, size, keys);
    return 0;
}
