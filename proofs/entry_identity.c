/*
 * entry_identity.c: the identity items a KEY v2 entry records about the
 * institution that holds the key, and the keys of the key map. See entry.h;
 * docs/protocol.md §B.6.4 specifies every rule.
 *
 * A verifier shows these values to a person ("issued by Avans Hogeschool,
 * avans.nl"), so the rules exist to make look-alikes visible: every value has
 * one canonical form (lower-case host names, tags in one order, each once),
 * and the display name refuses every character a person cannot see or that
 * reorders what they see (controls, format characters such as zero-width
 * joiners and bidirectional overrides, invisible fillers, white space other
 * than single inner spaces).
 */
#include "proofs/entry.h"

#include <string.h>

#include <openssl/sha.h>

#include "proofs/utf8.h"

#define ITEM_VALUE_MAX 255

const char *entry_identity_tag_name(uint8_t tag)
{
    static const char *const names[] = {
        NULL, "name", "dns", "did_web", "brin", "ob2_profile", "issuer_id"};

    return tag <= ENTRY_ID_TAG_MAX ? names[tag] : NULL;
}

int entry_identity_tag_parse(const char *name, size_t len)
{
    for (uint8_t tag = 1; tag <= ENTRY_ID_TAG_MAX; tag++) {
        const char *t = entry_identity_tag_name(tag);

        if (strlen(t) == len && memcmp(t, name, len) == 0)
            return tag;
    }
    return ENTRY_ERR_TYPE;
}

/* ---- character classes ---- */

/* Characters a display name may not hold: controls (Cc), white space other
 * than U+0020, and every code point an issuer name refuses (format
 * characters such as bidirectional controls and zero-width joiners,
 * invisible fillers, private use, noncharacters: note_issuer_char_refused(),
 * protocol.md §B.1). */
static bool char_refused(uint32_t c)
{
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
        return true;
    if (c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
        c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000)
        return true;
    return note_issuer_char_refused(c);
}

/* A display name: UTF-8 of visible characters and single inner spaces. */
static bool name_valid(const uint8_t *v, size_t len)
{
    size_t i = 0;

    if (v[0] == ' ' || v[len - 1] == ' ')
        return false;
    while (i < len) {
        uint32_t c;
        size_t n = utf8_decode(v + i, len - i, &c);

        if (n == 0 || char_refused(c))
            return false;
        if (c == ' ' && v[i + 1] == ' ')
            return false;
        i += n;
    }
    return true;
}

static bool is_lower_alnum(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A DNS name in canonical form: two or more labels of 1..63 lower-case
 * letters, digits and inner hyphens (IDNs as A-labels), no trailing dot, at
 * most 253 bytes, the last label not all digits (that would be an IP
 * address). */
static bool dns_valid(const uint8_t *v, size_t len)
{
    size_t labels = 0, start = 0;
    bool digits = true;

    if (len > 253)
        return false;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || v[i] == '.') {
            size_t l = i - start;

            if (l == 0 || l > 63 || v[start] == '-' || v[i - 1] == '-')
                return false;
            labels++;
            if (i < len)
                digits = true;
            start = i + 1;
            continue;
        }
        if (!is_lower_alnum(v[i]) && v[i] != '-')
            return false;
        if (v[i] < '0' || v[i] > '9')
            digits = false;
    }
    return labels >= 2 && !digits;
}

static bool is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

/* URI characters (RFC 3986 unreserved, reserved and '%' followed by two hex
 * digits) in v[from, len). */
static bool uri_chars_valid(const uint8_t *v, size_t from, size_t len)
{
    static const char other[] = "-._~:/?#[]@!$&'()*+,;=";

    for (size_t i = from; i < len; i++) {
        uint8_t c = v[i];

        if (c == '%') {
            if (i + 2 >= len || !is_hex(v[i + 1]) || !is_hex(v[i + 2]))
                return false;
            i += 2;
            continue;
        }
        if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
            !(c >= '0' && c <= '9') && (c == 0 || strchr(other, c) == NULL))
            return false;
    }
    return true;
}

/* An optional ":port" (or "%3A" port in did:web) of 1..5 digits, value at
 * most 65535, at v[*at]; advances *at. */
static bool port_valid(const uint8_t *v, size_t len, size_t *at)
{
    size_t i = *at, start = i;
    unsigned long port = 0;

    while (i < len && v[i] >= '0' && v[i] <= '9' && i - start < 6)
        port = port * 10 + (unsigned long)(v[i++] - '0');
    if (i == start || i - start > 5 || port == 0 || port > 65535 ||
        v[start] == '0')
        return false;
    *at = i;
    return true;
}

/* did:web:<host>[%3A<port>][:<segment>]*, segments of DID idchars. */
static bool did_web_valid(const uint8_t *v, size_t len)
{
    static const char prefix[] = "did:web:";
    const size_t plen = sizeof prefix - 1;
    size_t i = plen, host;

    if (len <= plen || memcmp(v, prefix, plen) != 0)
        return false;
    while (i < len && v[i] != ':' && v[i] != '%')
        i++;
    host = i;
    if (!dns_valid(v + plen, host - plen))
        return false;
    if (i < len && v[i] == '%') {
        if (len - i < 4 || memcmp(v + i, "%3A", 3) != 0)
            return false;
        i += 3;
        if (!port_valid(v, len, &i))
            return false;
    }
    while (i < len) {
        size_t start;

        if (v[i] != ':')
            return false;
        start = ++i;
        while (i < len && v[i] != ':') {
            uint8_t c = v[i];

            if (c == '%') {
                if (i + 2 >= len || !is_hex(v[i + 1]) || !is_hex(v[i + 2]))
                    return false;
                i += 3;
                continue;
            }
            if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
                !(c >= '0' && c <= '9') && c != '.' && c != '-' && c != '_')
                return false;
            i++;
        }
        if (i == start)
            return false;
    }
    return true;
}

/* A BRIN code: two digits, two upper-case letters ("07GR"). */
static bool brin_valid(const uint8_t *v, size_t len)
{
    return len == 4 && v[0] >= '0' && v[0] <= '9' && v[1] >= '0' &&
           v[1] <= '9' && v[2] >= 'A' && v[2] <= 'Z' && v[3] >= 'A' &&
           v[3] <= 'Z';
}

/* https://<host>[:<port>][/path][?query][#fragment], host a DNS name. */
static bool https_url_valid(const uint8_t *v, size_t len)
{
    static const char prefix[] = "https://";
    const size_t plen = sizeof prefix - 1;
    size_t i = plen;

    if (len <= plen || memcmp(v, prefix, plen) != 0)
        return false;
    while (i < len && v[i] != ':' && v[i] != '/' && v[i] != '?' && v[i] != '#')
        i++;
    if (!dns_valid(v + plen, i - plen))
        return false;
    if (i < len && v[i] == ':') {
        i++;
        if (!port_valid(v, len, &i))
            return false;
    }
    if (i < len && v[i] != '/' && v[i] != '?' && v[i] != '#')
        return false;
    return uri_chars_valid(v, i, len);
}

/* An absolute URI: a lower-case scheme, ':', one or more URI characters. */
static bool uri_valid(const uint8_t *v, size_t len)
{
    size_t i = 1;

    if (v[0] < 'a' || v[0] > 'z')
        return false;
    while (i < len &&
           (is_lower_alnum(v[i]) || v[i] == '+' || v[i] == '.' || v[i] == '-'))
        i++;
    if (i >= len - 1 || v[i] != ':')
        return false;
    return uri_chars_valid(v, i + 1, len);
}

bool entry_identity_value_valid(uint8_t tag, const uint8_t *value, size_t len)
{
    if (len == 0 || len > ITEM_VALUE_MAX)
        return false;
    switch (tag) {
    case ENTRY_ID_NAME:
        return name_valid(value, len);
    case ENTRY_ID_DNS:
        return dns_valid(value, len);
    case ENTRY_ID_DID_WEB:
        return did_web_valid(value, len);
    case ENTRY_ID_BRIN:
        return brin_valid(value, len);
    case ENTRY_ID_OB2_PROFILE:
        return https_url_valid(value, len);
    case ENTRY_ID_ISSUER_ID:
        return uri_valid(value, len);
    default:
        return false;
    }
}

int entry_identity_check(const uint8_t *buf, size_t len)
{
    size_t i = 0;
    unsigned last = 0;

    if (len > ENTRY_IDENTITY_MAX)
        return ENTRY_ERR_SYNTAX;
    while (i < len) {
        uint8_t tag, n;

        if (len - i < 2)
            return ENTRY_ERR_SYNTAX;
        tag = buf[i];
        n = buf[i + 1];
        if (tag == 0 || tag > ENTRY_ID_TAG_MAX)
            return ENTRY_ERR_TYPE;
        if (tag <= last || len - i - 2 < n)
            return ENTRY_ERR_SYNTAX;
        if (!entry_identity_value_valid(tag, buf + i + 2, n))
            return ENTRY_ERR_SYNTAX;
        last = tag;
        i += 2 + (size_t)n;
    }
    return 0;
}

int entry_identity_add(struct entry *e, uint8_t tag, const uint8_t *value,
                       size_t len)
{
    size_t at = 0, m = e->identity_len;

    if (tag == 0 || tag > ENTRY_ID_TAG_MAX)
        return ENTRY_ERR_TYPE;
    if (m > ENTRY_IDENTITY_MAX || !entry_identity_value_valid(tag, value, len))
        return ENTRY_ERR_SYNTAX;
    /* Find the first item whose tag is not below the new one. */
    while (at + 2 <= m && e->identity[at] < tag)
        at += 2 + (size_t)e->identity[at + 1];
    if (at + 2 <= m && e->identity[at] == tag)
        return ENTRY_ERR_SYNTAX;
    if (m + 2 + len > ENTRY_IDENTITY_MAX)
        return ENTRY_ERR_SPACE;
    memmove(e->identity + at + 2 + len, e->identity + at, m - at);
    e->identity[at] = tag;
    e->identity[at + 1] = (uint8_t)len;
    memcpy(e->identity + at + 2, value, len);
    e->identity_len = (uint16_t)(m + 2 + len);
    return 0;
}

bool entry_identity_get(const struct entry *e, uint8_t tag,
                        const uint8_t **value, size_t *len)
{
    size_t at = 0, m = e->identity_len;

    if (m > ENTRY_IDENTITY_MAX)
        return false;
    while (at + 2 <= m) {
        size_t n = e->identity[at + 1];

        if (at + 2 + n > m)
            return false;
        if (e->identity[at] == tag) {
            *value = e->identity + at + 2;
            *len = n;
            return true;
        }
        at += 2 + n;
    }
    return false;
}

int entry_key_map_key(const char *issuer,
                      const uint8_t pub[ED25519_PUBLIC_SIZE],
                      uint8_t out[ENTRY_KEY_MAP_KEY_SIZE])
{
    const size_t plen = sizeof(ENTRY_KEY_MAP_PREFIX) - 1;
    uint8_t buf[sizeof(ENTRY_KEY_MAP_PREFIX) - 1 + 1 + NOTE_NAME_MAX +
                ED25519_PUBLIC_SIZE];
    size_t n = strnlen(issuer, NOTE_NAME_MAX + 1);

    if (!note_name_valid(issuer, n))
        return ENTRY_ERR_SYNTAX;
    memcpy(buf, ENTRY_KEY_MAP_PREFIX, plen);
    buf[plen] = (uint8_t)n;
    memcpy(buf + plen + 1, issuer, n);
    memcpy(buf + plen + 1 + n, pub, ED25519_PUBLIC_SIZE);
    SHA256(buf, plen + 1 + n + ED25519_PUBLIC_SIZE, out);
    return 0;
}
