/*
 * fuzz_logd_issuers.c: issuers_parse() (logd/issuers.h), which reads the
 * operator's issuers file at start and on SIGHUP.
 *
 * Invariants:
 *  - only 0, ISSUERS_ERR_SYNTAX, _NAME, _IDENTITY, _CLASH, _TOO_MANY or
 *    _NOMEM; a syntax, name or identity error names a line that exists;
 *  - parsed keys are sorted by (name, key id, public key) without
 *    duplicates, are Ed25519 keys whose key id matches, and there are no
 *    more of them than key lines;
 *  - each key formats to a verifier key string that parses back to it, its
 *    identity is canonical (entry_identity_check()), and the file of the
 *    lines issuers_format_line() makes parses to the same keys and
 *    identities;
 *  - issuers_new() of the keys holds them in the same order and finds each
 *    by (name, key id).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "logd/issuers.h"

static int key_cmp(const struct issuer_key *x, const struct issuer_key *y)
{
    int c = strcmp(x->name, y->name);

    if (c != 0)
        return c;
    if (x->key_id != y->key_id)
        return x->key_id < y->key_id ? -1 : 1;
    return memcmp(x->pub, y->pub, sizeof x->pub);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct issuer_key *keys = NULL, *back = NULL;
    struct issuers *set;
    size_t n = 0, nback = 0, line = 0, lines = 1, used = 0;
    char *text;
    int rc;

    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    rc = issuers_parse((const char *)data, size, &keys, &n, &line);
    if (rc != 0) {
        FUZZ_ASSERT(rc == ISSUERS_ERR_SYNTAX || rc == ISSUERS_ERR_NAME ||
                    rc == ISSUERS_ERR_IDENTITY || rc == ISSUERS_ERR_CLASH ||
                    rc == ISSUERS_ERR_TOO_MANY || rc == ISSUERS_ERR_NOMEM);
        FUZZ_ASSERT(keys == NULL && n == 0);
        if (rc == ISSUERS_ERR_SYNTAX || rc == ISSUERS_ERR_NAME ||
            rc == ISSUERS_ERR_IDENTITY)
            FUZZ_ASSERT(line >= 1 && line <= lines);
        return 0;
    }
    FUZZ_ASSERT(n <= lines && (n == 0) == (keys == NULL));

    text = malloc(n * (ISSUERS_LINE_MAX + 1) + 1);
    FUZZ_ASSERT(text != NULL);
    for (size_t i = 0; i < n; i++) {
        struct note_verifier v;
        int len;

        FUZZ_ASSERT(i == 0 || key_cmp(&keys[i - 1], &keys[i]) < 0);
        FUZZ_ASSERT(note_key_id(keys[i].name, NOTE_TYPE_ED25519, keys[i].pub) ==
                    keys[i].key_id);
        FUZZ_ASSERT(
            note_issuer_name_valid(keys[i].name, strlen(keys[i].name), NULL));
        FUZZ_ASSERT(
            entry_identity_check(keys[i].identity, keys[i].identity_len) == 0);
        len = issuers_format(&keys[i], text + used, NOTE_KEY_TEXT_MAX);
        FUZZ_ASSERT(len > 0);
        FUZZ_ASSERT(note_verifier_parse(text + used, (size_t)len, &v) == 0);
        len = issuers_format_line(&keys[i], text + used, ISSUERS_LINE_MAX);
        FUZZ_ASSERT(len > 0);
        FUZZ_ASSERT(
            v.type == NOTE_TYPE_ED25519 && strcmp(v.name, keys[i].name) == 0 &&
            v.key_id == keys[i].key_id && memcmp(v.pub, keys[i].pub, 32) == 0);
        used += (size_t)len;
        text[used++] = '\n';
    }
    FUZZ_ASSERT(issuers_parse(text, used, &back, &nback, &line) == 0 &&
                nback == n);
    FUZZ_ASSERT(n == 0 || memcmp(back, keys, n * sizeof *keys) == 0);
    free(back);
    free(text);

    set = issuers_new("example.org/credlog-fuzz", keys, n);
    FUZZ_ASSERT(set != NULL && issuers_count(set) == n);
    for (size_t i = 0; i < n; i++) {
        const struct issuer_key *k = issuers_at(set, i);
        FUZZ_ASSERT(key_cmp(k, &keys[i]) == 0);
        FUZZ_ASSERT(issuers_find(set, keys[i].name, keys[i].key_id) != NULL);
    }
    issuers_unref(set);
    free(keys);
    return 0;
}
