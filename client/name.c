/* name.c: see name.h. */
#include "client/name.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proofs/utf8.h"

bool client_name_show(const char *name, size_t len, char *buf, size_t cap)
{
    const uint8_t *p = (const uint8_t *)name;
    size_t i = 0, o = 0;
    bool plain = true;

    if (cap == 0)
        return false;
    while (i < len) {
        char piece[16];
        size_t n, plen;
        uint32_t c;

        if (p[i] > 0x20 && p[i] < 0x7f && p[i] != '\\') {
            piece[0] = (char)p[i];
            piece[1] = '\0';
            n = 1;
        } else if (p[i] == '\\') {
            memcpy(piece, "\\\\", 3);
            n = 1;
            plain = false;
        } else if ((n = utf8_decode(p + i, len - i, &c)) > 0) {
            snprintf(piece, sizeof piece, "\\u{%04X}", (unsigned)c);
            plain = false;
        } else {
            snprintf(piece, sizeof piece, "\\x{%02X}", (unsigned)p[i]);
            n = 1;
            plain = false;
        }
        plen = strlen(piece);
        if (o + plen >= cap)
            break; /* cut short, never mid-escape */
        memcpy(buf + o, piece, plen);
        o += plen;
        i += n;
    }
    buf[o] = '\0';
    return plain && i == len;
}
