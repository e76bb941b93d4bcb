/*
 * tile.c: C2SP tlog-tiles coordinates, paths and entry bundles. See tile.h.
 *
 * Paths are parsed strictly: a path names a tile in exactly one way, so a
 * cache or a static file tree never holds two copies of one tile, and
 * anything else is refused before it reaches storage. The tile index N is
 * limited to (2^64 - 1) / 256 so that N * 256 + W never overflows; larger
 * tiles cannot exist for any tree.
 */
#include "proofs/tile.h"

#include <string.h>

#include "proofs/be.h"

#define TILE_MAX_INDEX (UINT64_MAX / TILE_WIDTH)

const char *tile_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case TILE_ERR_SYNTAX:
        return "tile: not a canonical tile path or entry bundle";
    case TILE_ERR_SPACE:
        return "tile: output buffer too small";
    case TILE_ERR_RANGE:
        return "tile: out of range";
    default:
        return "tile: unknown error";
    }
}

/* Whether t names a tile that could exist: a valid level and width. */
static bool tile_valid(const struct tile *t)
{
    return (t->level == TILE_LEVEL_ENTRIES ||
            (t->level >= 0 && t->level <= TILE_MAX_LEVEL)) &&
           t->width >= 1 && t->width <= TILE_WIDTH &&
           t->index <= TILE_MAX_INDEX;
}

/* A cursor over the path being parsed. */
struct scan {
    const char *p, *end;
};

static bool scan_literal(struct scan *s, const char *lit)
{
    size_t n = strlen(lit);

    if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
        return false;
    s->p += n;
    return true;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A decimal number in [0, max] without leading zeros (max < 2^32). */
static bool scan_small(struct scan *s, unsigned max, unsigned *out)
{
    unsigned v = 0;
    const char *start = s->p;

    while (s->p < s->end && is_digit(*s->p)) {
        v = v * 10 + (unsigned)(*s->p++ - '0');
        if (v > max)
            return false;
    }
    if (s->p == start || (*start == '0' && s->p - start > 1))
        return false;
    *out = v;
    return true;
}

/* Exactly three decimal digits. */
static bool scan_group(struct scan *s, unsigned *out)
{
    if (s->end - s->p < 3 || !is_digit(s->p[0]) || !is_digit(s->p[1]) ||
        !is_digit(s->p[2]))
        return false;
    *out = (unsigned)((s->p[0] - '0') * 100 + (s->p[1] - '0') * 10 +
                      (s->p[2] - '0'));
    s->p += 3;
    return true;
}

/* N as "xAAA/xBBB/CCC": every group but the last is prefixed by "x" and
 * followed by "/"; the first group is not 000 unless it is the only one. */
static bool scan_index(struct scan *s, uint64_t *out)
{
    uint64_t v = 0;
    unsigned g;
    bool first = true;

    while (scan_literal(s, "x")) {
        if (!scan_group(s, &g) || !scan_literal(s, "/"))
            return false;
        if (first && g == 0)
            return false;
        if (v > (TILE_MAX_INDEX - g) / 1000)
            return false;
        v = v * 1000 + g;
        first = false;
    }
    if (!scan_group(s, &g) || v > (TILE_MAX_INDEX - g) / 1000)
        return false;
    *out = v * 1000 + g;
    return true;
}

int tile_parse_path(const char *path, size_t len, struct tile *out)
{
    struct scan s = {path, path + len};
    struct tile t = {0, 0, TILE_WIDTH};
    unsigned v;

    if (!scan_literal(&s, "tile/"))
        return TILE_ERR_SYNTAX;
    if (scan_literal(&s, "entries/")) {
        t.level = TILE_LEVEL_ENTRIES;
    } else {
        if (!scan_small(&s, TILE_MAX_LEVEL, &v) || !scan_literal(&s, "/"))
            return TILE_ERR_SYNTAX;
        t.level = (int)v;
    }
    if (!scan_index(&s, &t.index))
        return TILE_ERR_SYNTAX;
    if (scan_literal(&s, ".p/")) {
        if (!scan_small(&s, TILE_WIDTH - 1, &v) || v == 0)
            return TILE_ERR_SYNTAX;
        t.width = v;
    }
    if (s.p != s.end)
        return TILE_ERR_SYNTAX;
    *out = t;
    return 0;
}

/* Writes v in decimal at buf[*pos], zero-padded to at least `digits`
 * digits. buf has room for 20 + digits more bytes. */
static void put_decimal(char *buf, size_t *pos, uint64_t v, int digits)
{
    char tmp[20];
    int n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 || n < digits);
    while (n > 0)
        buf[(*pos)++] = tmp[--n];
}

int tile_format_path(const struct tile *t, char *buf, size_t cap)
{
    char out[TILE_PATH_MAX];
    uint64_t groups[7]; /* 2^64 has 20 digits: 7 groups of 3 */
    int ngroups = 0;
    uint64_t n = t->index;
    size_t pos = 0;

    if (!tile_valid(t))
        return TILE_ERR_SYNTAX;
    memcpy(out, "tile/", 5);
    pos = 5;
    if (t->level == TILE_LEVEL_ENTRIES) {
        memcpy(out + pos, "entries", 7);
        pos += 7;
    } else {
        put_decimal(out, &pos, (uint64_t)t->level, 1);
    }
    out[pos++] = '/';
    do {
        groups[ngroups++] = n % 1000;
        n /= 1000;
    } while (n > 0);
    while (ngroups > 1) {
        out[pos++] = 'x';
        put_decimal(out, &pos, groups[--ngroups], 3);
        out[pos++] = '/';
    }
    put_decimal(out, &pos, groups[0], 3);
    if (t->width != TILE_WIDTH) {
        memcpy(out + pos, ".p/", 3);
        pos += 3;
        put_decimal(out, &pos, t->width, 1);
    }
    if (pos + 1 > cap)
        return TILE_ERR_SPACE;
    memcpy(buf, out, pos);
    buf[pos] = '\0';
    return (int)pos;
}

uint64_t tile_level_size(int level, uint64_t tree_size)
{
    if (level == TILE_LEVEL_ENTRIES)
        level = 0;
    if (level < 0 || level * TILE_HEIGHT >= 64)
        return 0;
    return tree_size >> (level * TILE_HEIGHT);
}

bool tile_exists(const struct tile *t, uint64_t tree_size)
{
    uint64_t items = tile_level_size(t->level, tree_size);

    if (!tile_valid(t) || t->index > items / TILE_WIDTH)
        return false;
    return items - t->index * TILE_WIDTH >= t->width;
}

bool tile_last_at_level(int level, uint64_t tree_size, struct tile *out)
{
    uint64_t items = tile_level_size(level, tree_size);

    if (items == 0 || level > TILE_MAX_LEVEL)
        return false;
    out->level = level;
    if (items % TILE_WIDTH == 0) {
        out->index = items / TILE_WIDTH - 1;
        out->width = TILE_WIDTH;
    } else {
        out->index = items / TILE_WIDTH;
        out->width = (unsigned)(items % TILE_WIDTH);
    }
    return true;
}

int tile_bundle_append(uint8_t *buf, size_t cap, size_t *used,
                       const uint8_t *entry, size_t len)
{
    if (len > TILE_ENTRY_MAX)
        return TILE_ERR_RANGE;
    if (*used > cap || cap - *used < 2 + len)
        return TILE_ERR_SPACE;
    be_put16(buf + *used, (uint16_t)len);
    if (len > 0)
        memcpy(buf + *used + 2, entry, len);
    *used += 2 + len;
    return 0;
}

int tile_bundle_next(const uint8_t *bundle, size_t bundle_len, size_t *pos,
                     const uint8_t **entry, size_t *len)
{
    size_t at = *pos, n;

    if (at == bundle_len)
        return 0;
    if (at > bundle_len || bundle_len - at < 2)
        return TILE_ERR_SYNTAX;
    n = be_get16(bundle + at);
    if (bundle_len - at - 2 < n)
        return TILE_ERR_SYNTAX;
    *entry = bundle + at + 2;
    *len = n;
    *pos = at + 2 + n;
    return 1;
}
