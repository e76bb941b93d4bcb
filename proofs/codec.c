/* codec.c: strict hex and base64. See codec.h. */
#include "proofs/codec.h"

const char *codec_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case CODEC_ERR_SYNTAX:
        return "not canonical hex or base64";
    case CODEC_ERR_SPACE:
        return "output buffer too small";
    default:
        return "unknown codec error";
    }
}

static const char hex_digits[] = "0123456789abcdef";
static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void codec_hex_encode(const uint8_t *in, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex_digits[in[i] >> 4];
        out[2 * i + 1] = hex_digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int codec_hex_decode(const char *in, size_t in_len, uint8_t *out,
                     size_t out_len)
{
    if (in_len != 2 * out_len)
        return CODEC_ERR_SYNTAX;
    for (size_t i = 0; i < out_len; i++) {
        int hi = hex_value(in[2 * i]), lo = hex_value(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return CODEC_ERR_SYNTAX;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

size_t codec_b64_encode(const uint8_t *in, size_t len, char *out)
{
    size_t o = 0, i = 0;

    for (; i + 3 <= len; i += 3) {
        uint32_t v =
            (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int codec_b64_decode(const char *in, size_t in_len, uint8_t *out, size_t cap)
{
    size_t pad = 0, n, o = 0;

    if (in_len % 4 != 0)
        return CODEC_ERR_SYNTAX;
    if (in_len > 0 && in[in_len - 1] == '=')
        pad++;
    if (in_len > 1 && in[in_len - 2] == '=')
        pad++;
    n = in_len / 4 * 3 - pad;
    if (n > cap)
        return CODEC_ERR_SPACE;
    if (n > (size_t)0x7fffffff)
        return CODEC_ERR_SPACE;
    for (size_t i = 0; i < in_len; i += 4) {
        int last = i + 4 == in_len;
        int v[4];
        for (size_t j = 0; j < 4; j++) {
            if (last && in[i + j] == '=' && j >= 4 - pad) {
                v[j] = 0;
                continue;
            }
            v[j] = b64_value(in[i + j]);
            if (v[j] < 0)
                return CODEC_ERR_SYNTAX;
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
                     (uint32_t)v[2] << 6 | (uint32_t)v[3];
        if (last && pad == 2 && (w & 0xffff) != 0)
            return CODEC_ERR_SYNTAX; /* non-zero unused bits */
        if (last && pad == 1 && (w & 0xff) != 0)
            return CODEC_ERR_SYNTAX;
        out[o++] = (uint8_t)(w >> 16);
        if (!(last && pad == 2))
            out[o++] = (uint8_t)(w >> 8);
        if (!(last && pad >= 1))
            out[o++] = (uint8_t)w;
    }
    return (int)o;
}

bool codec_b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static uint32_t b64url_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return (uint32_t)(c - 'A');
    if (c >= 'a' && c <= 'z')
        return (uint32_t)(c - 'a' + 26);
    if (c >= '0' && c <= '9')
        return (uint32_t)(c - '0' + 52);
    return c == '-' ? 62 : 63; /* '_': codec_b64url_char() held */
}

int codec_b64url_decode(const char *in, size_t in_len, uint8_t *out, size_t cap)
{
    size_t n = in_len / 4 * 3 + (in_len % 4 == 0 ? 0 : in_len % 4 - 1), o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;

    if (in_len % 4 == 1)
        return CODEC_ERR_SYNTAX;
    if (n > (size_t)0x7fffffff || (out != NULL && n > cap))
        return CODEC_ERR_SPACE;
    for (size_t i = 0; i < in_len; i++) {
        if (!codec_b64url_char(in[i]))
            return CODEC_ERR_SYNTAX;
        acc = acc << 6 | b64url_value(in[i]);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (out != NULL)
                out[o] = (uint8_t)(acc >> bits);
            o++;
        }
    }
    return (int)o;
}
