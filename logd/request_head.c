/* request_head.c: see request_head.h. */
#include "logd/request_head.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

static bool path_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

int request_check_path(const char *path)
{
    const char *seg;

    if (path == NULL || path[0] != '/')
        return REQUEST_ERR_SYNTAX;
    for (seg = path + 1;;) {
        size_t n = 0;
        while (seg[n] != '\0' && seg[n] != '/') {
            if (!path_char(seg[n]))
                return REQUEST_ERR_SYNTAX;
            n++;
        }
        if ((n == 1 && seg[0] == '.') ||
            (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return REQUEST_ERR_SYNTAX;
        if (seg[n] == '\0')
            return 0;
        if (n == 0)
            return REQUEST_ERR_SYNTAX; /* an empty segment before a '/' */
        seg += n + 1;
    }
}

int request_check_header(const char *name, const char *value)
{
    static const char tchar[] = "!#$%&'*+-.^_`|~";

    if (name == NULL || name[0] == '\0' || value == NULL)
        return REQUEST_ERR_SYNTAX;
    for (const char *p = name; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || strchr(tchar, *p) != NULL))
            return REQUEST_ERR_SYNTAX;
    for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return REQUEST_ERR_SYNTAX;
    return 0;
}

/* Whether the header line name: value (lengths given) is one a plain GET
 * may carry without changing its answer or framing. */
static bool get_header_ok(const char *line, size_t len)
{
    static const char *const names[] = {"Host", "User-Agent", "Accept",
                                        "Accept-Encoding", "Accept-Language"};
    char name[32], value[512];
    const char *colon = memchr(line, ':', len);
    size_t nlen, vb, ve;

    if (colon == NULL || (nlen = (size_t)(colon - line)) >= sizeof name)
        return false;
    vb = nlen + 1;
    ve = len;
    while (vb < ve && (line[vb] == ' ' || line[vb] == '\t'))
        vb++;
    while (ve > vb && (line[ve - 1] == ' ' || line[ve - 1] == '\t'))
        ve--;
    if (ve - vb >= sizeof value)
        return false;
    memcpy(name, line, nlen);
    name[nlen] = '\0';
    memcpy(value, line + vb, ve - vb);
    value[ve - vb] = '\0';
    /* memchr: a NUL inside would end the copies early. */
    if (memchr(line, '\0', len) != NULL ||
        request_check_header(name, value) != 0)
        return false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i]) == 0)
            return true;
    return strcasecmp(name, "Connection") == 0 &&
           strcasecmp(value, "keep-alive") == 0;
}

/* Whether c may stand in a query the fast path takes: bytes evhttp hands
 * to the router as they are. */
static bool query_char(char c)
{
    return path_char(c) || c == '=' || c == '&';
}

int request_parse_get(const char *buf, size_t len, struct request_get *out)
{
    static const char method[] = "GET ", version[] = " HTTP/1.1\r\n";
    const size_t mlen = sizeof method - 1, vlen = sizeof version - 1;
    size_t n = len < REQUEST_GET_HEAD_MAX ? len : REQUEST_GET_HEAD_MAX;
    /* What a head cut short is: a prefix, or too long. */
    int more =
        len < REQUEST_GET_HEAD_MAX ? REQUEST_GET_MORE : REQUEST_GET_OTHER;
    const char *target = buf + mlen, *sp, *q;
    size_t pos, tlen, plen;

    /* The request line. */
    if (memcmp(buf, method, n < mlen ? n : mlen) != 0)
        return REQUEST_GET_OTHER;
    if (n <= mlen)
        return more;
    /* The target, as far as it has come: path characters, then perhaps
     * '?' and query characters. */
    sp = memchr(target, ' ', n - mlen);
    tlen = sp != NULL ? (size_t)(sp - target) : n - mlen;
    q = memchr(target, '?', tlen);
    plen = q != NULL ? (size_t)(q - target) : tlen;
    for (size_t i = 0; i < plen; i++)
        if (target[i] != '/' && !path_char(target[i]))
            return REQUEST_GET_OTHER;
    for (size_t i = plen + 1; i < tlen; i++)
        if (!query_char(target[i]))
            return REQUEST_GET_OTHER;
    if (tlen > REQUEST_GET_TARGET_MAX)
        return REQUEST_GET_OTHER;
    if (sp == NULL)
        return more; /* the target may still go on */
    if (plen == 0 || (q != NULL && tlen == plen + 1))
        return REQUEST_GET_OTHER; /* no path, or an empty query */
    memcpy(out->path, target, plen);
    out->path[plen] = '\0';
    if (request_check_path(out->path) != 0)
        return REQUEST_GET_OTHER;
    out->path_len = plen;
    out->query_len = q != NULL ? tlen - plen - 1 : 0;
    memcpy(out->query, target + plen + 1, out->query_len);
    out->query[out->query_len] = '\0';
    out->target_len = tlen;
    pos = mlen + tlen;
    if (memcmp(buf + pos, version, n - pos < vlen ? n - pos : vlen) != 0)
        return REQUEST_GET_OTHER;
    if (n - pos < vlen)
        return more;
    pos += vlen;
    /* The header lines, up to the empty one. */
    for (;;) {
        const char *lf = memchr(buf + pos, '\n', n - pos);
        const char *cr = memchr(buf + pos, '\r', n - pos);
        size_t end;
        if (lf == NULL)
            /* A CR may only end a line. */
            return cr != NULL && cr != buf + n - 1 ? REQUEST_GET_OTHER : more;
        end = (size_t)(lf - buf);
        if (end == pos || cr != lf - 1)
            return REQUEST_GET_OTHER; /* a bare LF, or a stray CR */
        if (end - 1 == pos) {
            out->head_len = end + 1;
            return REQUEST_GET_OK;
        }
        /* No folded line (obs-fold), and only the names above. */
        if (buf[pos] == ' ' || buf[pos] == '\t' ||
            !get_header_ok(buf + pos, end - 1 - pos))
            return REQUEST_GET_OTHER;
        pos = end + 1;
    }
}
