/*
 * fuzz_note_keys.c: note_signer_parse() and note_verifier_parse()
 * (proofs/note.h), which read key files and the --log-key, issuers-file and
 * witness key strings.
 *
 * Invariants:
 *  - a parsed key formats back to the input (minus one tolerated trailing
 *    "\n") byte for byte, except that the key id's hex digits may have been
 *    upper case (accepted, as by Go; written lower case);
 *  - its key id is the one note_key_id() computes from name, type and key;
 *  - parsing the formatted string gives the same key;
 *  - a parsed signer's verifier string parses as a verifier equal to
 *    note_signer_verifier(), and a note the signer signs opens with it;
 *  - formatting refuses (NOTE_ERR_SPACE) a buffer without room for the NUL.
 */
#include <string.h>

#include "fuzz.h"

static size_t stripped(const uint8_t *data, size_t size)
{
    return size > 0 && data[size - 1] == '\n' ? size - 1 : size;
}

/* Whether the formatted key buf equals the input, the 8 hex digits of the
 * key id at offset id_at compared without case: the parsers accept upper
 * case hex, as Go's note package does, and the formatters write lower case. */
static int same_key_text(const char *buf, const uint8_t *data, size_t len,
                         size_t id_at)
{
    if (id_at + 8 > len)
        return 0;
    for (size_t i = 0; i < len; i++) {
        int a = (unsigned char)buf[i], b = data[i];
        if (i >= id_at && i < id_at + 8 && b >= 'A' && b <= 'F')
            b += 'a' - 'A';
        if (a != b)
            return 0;
    }
    return 1;
}

static void check_signer(const uint8_t *data, size_t size,
                         const struct note_signer *s)
{
    char buf[NOTE_KEY_TEXT_MAX], note[1024];
    struct note_signer again;
    struct note_verifier v, vp;
    size_t len = stripped(data, size), tlen = 0;
    int n;

    FUZZ_ASSERT(note_name_valid(s->name, strlen(s->name)));
    FUZZ_ASSERT(note_key_id(s->name, NOTE_TYPE_ED25519, s->pub) == s->key_id);
    n = note_signer_format(s, buf, sizeof buf);
    FUZZ_ASSERT(n > 0 && (size_t)n == len);
    FUZZ_ASSERT(same_key_text(buf, data, len, 12 + strlen(s->name) + 1));
    FUZZ_ASSERT(note_signer_format(s, buf, len) == NOTE_ERR_SPACE);
    FUZZ_ASSERT(note_signer_parse((const char *)data, 0, &again) ==
                NOTE_ERR_SYNTAX);
    n = note_signer_format(s, buf, sizeof buf);
    FUZZ_ASSERT(note_signer_parse(buf, (size_t)n, &again) == 0);
    FUZZ_ASSERT(memcmp(&again, s, sizeof again) == 0);

    note_signer_verifier(s, &v);
    n = note_verifier_format(&v, buf, sizeof buf);
    FUZZ_ASSERT(n > 0);
    FUZZ_ASSERT(note_verifier_parse(buf, (size_t)n, &vp) == 0);
    FUZZ_ASSERT(memcmp(&vp, &v, sizeof v) == 0);
    n = note_sign("fuzz\n", 5, s, note, sizeof note);
    FUZZ_ASSERT(n > 0);
    FUZZ_ASSERT(note_open(note, (size_t)n, &vp, 1, &tlen, NULL, NULL) == 0 &&
                tlen == 5);
}

static void check_verifier(const uint8_t *data, size_t size,
                           const struct note_verifier *v)
{
    char buf[NOTE_KEY_TEXT_MAX];
    struct note_verifier again;
    size_t len = stripped(data, size);
    int n;

    FUZZ_ASSERT(v->type == NOTE_TYPE_ED25519 ||
                v->type == NOTE_TYPE_COSIGNATURE);
    FUZZ_ASSERT(note_name_valid(v->name, strlen(v->name)));
    FUZZ_ASSERT(note_key_id(v->name, v->type, v->pub) == v->key_id);
    n = note_verifier_format(v, buf, sizeof buf);
    FUZZ_ASSERT(n > 0 && (size_t)n == len);
    FUZZ_ASSERT(same_key_text(buf, data, len, strlen(v->name) + 1));
    FUZZ_ASSERT(note_verifier_format(v, buf, len) == NOTE_ERR_SPACE);
    n = note_verifier_format(v, buf, sizeof buf);
    FUZZ_ASSERT(note_verifier_parse(buf, (size_t)n, &again) == 0);
    FUZZ_ASSERT(memcmp(&again, v, sizeof again) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct note_signer s;
    struct note_verifier v;
    int rc;

    rc = note_signer_parse(text, size, &s);
    FUZZ_ASSERT(rc == 0 || rc == NOTE_ERR_SYNTAX);
    if (rc == 0) {
        check_signer(data, size, &s);
        /* A signer string is never a verifier string. */
        FUZZ_ASSERT(note_verifier_parse(text, size, &v) == NOTE_ERR_SYNTAX);
    }
    note_signer_wipe(&s);

    rc = note_verifier_parse(text, size, &v);
    FUZZ_ASSERT(rc == 0 || rc == NOTE_ERR_SYNTAX);
    if (rc == 0)
        check_verifier(data, size, &v);
    return 0;
}
