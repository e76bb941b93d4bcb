/*
 * fuzz_client_name.c: client_name_show() (client/name.h), the form in which
 * verdicts show issuer names, and note_issuer_name_valid() (proofs/note.h),
 * the rule for names an issuer may use now.
 *
 * Invariants:
 *  - the shown form is printable ASCII only (no space, no control, nothing
 *    above 0x7e), so no character in it can hide or reorder others;
 *  - it is plain (the name itself) exactly when every input byte is
 *    printable ASCII other than '\';
 *  - it is injective: decoding its escapes (\\, \u{X..}, \x{XX}) gives the
 *    input bytes back, so two different names never look the same;
 *  - a buffer too small cuts the shown form at an escape boundary: a prefix
 *    of the full form;
 *  - an issuer name is a key name; a refused one that is a key name names a
 *    refused code point that it holds.
 */
#include <stdlib.h>
#include <string.h>

#include "client/name.h"
#include "fuzz.h"
#include "proofs/utf8.h"

/* Appends the UTF-8 of c to out at *o. */
static void put_utf8(uint8_t *out, size_t *o, uint32_t c)
{
    if (c < 0x80) {
        out[(*o)++] = (uint8_t)c;
    } else if (c < 0x800) {
        out[(*o)++] = (uint8_t)(0xc0 | c >> 6);
        out[(*o)++] = (uint8_t)(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
        out[(*o)++] = (uint8_t)(0xe0 | c >> 12);
        out[(*o)++] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
        out[(*o)++] = (uint8_t)(0x80 | (c & 0x3f));
    } else {
        out[(*o)++] = (uint8_t)(0xf0 | c >> 18);
        out[(*o)++] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
        out[(*o)++] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
        out[(*o)++] = (uint8_t)(0x80 | (c & 0x3f));
    }
}

/* Decodes a shown form back into bytes; returns the length or -1. */
static long unshow(const char *s, uint8_t *out)
{
    size_t o = 0;

    while (*s != '\0') {
        char *end;
        unsigned long v;

        if (*s != '\\') {
            out[o++] = (uint8_t)*s++;
            continue;
        }
        if (s[1] == '\\') {
            out[o++] = '\\';
            s += 2;
            continue;
        }
        if ((s[1] != 'u' && s[1] != 'x') || s[2] != '{')
            return -1;
        v = strtoul(s + 3, &end, 16);
        if (*end != '}')
            return -1;
        if (s[1] == 'x')
            out[o++] = (uint8_t)v;
        else
            put_utf8(out, &o, (uint32_t)v);
        s = end + 1;
    }
    return (long)o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *name = (const char *)data;
    char *shown, *small;
    uint8_t *back;
    size_t cap = 8 * size + 1;
    bool plain = true, issuer;
    uint32_t bad = 1;
    long n;

    if (size > 4 * NOTE_NAME_MAX)
        return 0;
    shown = malloc(cap);
    small = malloc(cap);
    back = malloc(size + 1);
    FUZZ_ASSERT(shown != NULL && small != NULL && back != NULL);
    for (size_t i = 0; i < size; i++)
        plain &= data[i] > 0x20 && data[i] < 0x7f && data[i] != '\\';
    FUZZ_ASSERT(client_name_show(name, size, shown, cap) == plain);
    for (const char *p = shown; *p != '\0'; p++)
        FUZZ_ASSERT(*p > 0x20 && *p < 0x7f);
    FUZZ_ASSERT(!plain ||
                (strlen(shown) == size && memcmp(shown, data, size) == 0));
    n = unshow(shown, back);
    FUZZ_ASSERT(n == (long)size && memcmp(back, data, size) == 0);
    if (size > 0) {
        size_t c = (size_t)data[0] % cap + 1;
        client_name_show(name, size, small, c);
        FUZZ_ASSERT(strlen(small) < c &&
                    strncmp(small, shown, strlen(small)) == 0);
        n = unshow(small, back);
        FUZZ_ASSERT(n >= 0 && (size_t)n <= size &&
                    memcmp(back, data, (size_t)n) == 0);
    }

    issuer = note_issuer_name_valid(name, size, &bad);
    FUZZ_ASSERT(!issuer || (note_name_valid(name, size) && bad == 0));
    if (!issuer && note_name_valid(name, size)) {
        bool found = false;
        FUZZ_ASSERT(bad != 0 && note_issuer_char_refused(bad));
        for (size_t i = 0; i < size;) {
            uint32_t c = 0;
            size_t l = utf8_decode(data + i, size - i, &c);
            FUZZ_ASSERT(l > 0);
            found |= c == bad;
            i += l;
        }
        FUZZ_ASSERT(found);
    }
    if (!note_name_valid(name, size))
        FUZZ_ASSERT(!issuer && bad == 0);
    free(shown);
    free(small);
    free(back);
    return 0;
}
