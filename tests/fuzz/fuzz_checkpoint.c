/*
 * fuzz_checkpoint.c: checkpoint_parse() and checkpoint_open()
 * (proofs/note.h), which read every checkpoint a client, monitor or witness
 * is shown.
 *
 * The input is read two ways: as a checkpoint body, and as a whole signed
 * note (the seeds hold both).
 *
 * Invariants, as a body:
 *  - a parsed body is canonical: checkpoint_format() writes exactly the
 *    input's first three lines (so no leading zeros, no sign, one base64
 *    spelling of the root), and what follows is only non-empty lines;
 *  - the formatted body parses to the same checkpoint;
 *  - signed with the tlog-vectors key, the body opens with checkpoint_open()
 *    exactly when it parses and its origin is that key's name, to the same
 *    checkpoint; opened with another log's key it never does.
 * As a signed note:
 *  - checkpoint_open() succeeds only if note_open() does with that key and
 *    the note's text parses to the same checkpoint with the key's origin.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void check_body(const char *text, size_t size,
                       const struct checkpoint *c)
{
    char buf[CHECKPOINT_BODY_MAX + 1];
    struct checkpoint again;
    int n;

    FUZZ_ASSERT(note_name_valid(c->origin, strlen(c->origin)));
    n = checkpoint_format(c, buf, sizeof buf);
    FUZZ_ASSERT(n > 0 && (size_t)n <= size &&
                memcmp(buf, text, (size_t)n) == 0);
    for (size_t i = (size_t)n; i < size; i++)
        FUZZ_ASSERT(text[i] != '\n' || text[i - 1] != '\n');
    FUZZ_ASSERT(checkpoint_format(c, buf, (size_t)n) == CHECKPOINT_ERR_SPACE);
    n = checkpoint_format(c, buf, sizeof buf);
    FUZZ_ASSERT(checkpoint_parse(buf, (size_t)n, &again) == 0);
    FUZZ_ASSERT(memcmp(&again, c, sizeof again) == 0);
}

static void check_signed(const char *text, size_t size, int parsed,
                         const struct checkpoint *c)
{
    const struct note_verifier *vkey = fuzz_vector_verifier();
    size_t cap = size + 256;
    char *note = malloc(cap);
    struct checkpoint opened;
    int n, rc;

    if (note == NULL)
        abort();
    n = note_sign(text, size, fuzz_vector_signer(), note, cap);
    if (n < 0) {
        FUZZ_ASSERT(n == NOTE_ERR_SYNTAX && parsed != 0);
        free(note);
        return;
    }
    rc = checkpoint_open(note, (size_t)n, vkey, &opened);
    if (parsed == 0 && strcmp(c->origin, vkey->name) == 0) {
        FUZZ_ASSERT(rc == 0 && memcmp(&opened, c, sizeof opened) == 0);
    } else {
        FUZZ_ASSERT(rc != 0);
        if (parsed == 0)
            FUZZ_ASSERT(rc == NOTE_ERR_UNVERIFIED);
    }
    FUZZ_ASSERT(
        checkpoint_open(note, (size_t)n, fuzz_log_verifier(), &opened) != 0);
    free(note);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const struct note_verifier *vkey = fuzz_vector_verifier();
    struct checkpoint c, opened, body;
    size_t tlen = 0;
    int parsed, rc;

    parsed = checkpoint_parse(text, size, &c);
    FUZZ_ASSERT(parsed == 0 || parsed == CHECKPOINT_ERR_SYNTAX);
    if (parsed == 0)
        check_body(text, size, &c);
    /* Signing costs more than parsing: sign every body that parses and one
     * in 8 of the rest. */
    if (parsed == 0 || size % 8 == 0)
        check_signed(text, size, parsed, &c);

    rc = checkpoint_open(text, size, vkey, &opened);
    if (rc == 0) {
        FUZZ_ASSERT(note_open(text, size, vkey, 1, &tlen, NULL, NULL) == 0);
        FUZZ_ASSERT(checkpoint_parse(text, tlen, &body) == 0);
        FUZZ_ASSERT(memcmp(&body, &opened, sizeof body) == 0);
        FUZZ_ASSERT(strcmp(opened.origin, vkey->name) == 0);
        check_body(text, tlen, &opened);
    }
    return 0;
}
