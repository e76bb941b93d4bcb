/*
 * tile.h: C2SP tlog-tiles coordinates, paths and entry bundles, pure.
 * Implemented in tile.c.
 *
 * A hash tile at level L, index N and width W (1..256) holds the hashes at
 * Merkle height 8*L with indexes N*256 .. N*256+W-1, i.e. the stored hashes
 * merkle_stored_index(8*L, N*256+j). An entry tile (entry bundle) N of width W
 * holds entries N*256 .. N*256+W-1 as uint16be(length) || bytes records.
 */
#ifndef CREDLOG_PROOFS_TILE_H
#define CREDLOG_PROOFS_TILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/errors.h"

#define TILE_WIDTH 256
#define TILE_HEIGHT 8
#define TILE_MAX_LEVEL 63
#define TILE_LEVEL_ENTRIES (-1) /* the level value of an entry bundle */
#define TILE_PATH_MAX 96     /* enough for any path tile_format_path writes */
#define TILE_ENTRY_MAX 65535 /* largest entry an entry bundle can hold */

#define TILE_ERR_SYNTAX (-301) /* not a canonical tile path / bundle */
#define TILE_ERR_SPACE (-302)  /* output buffer too small */
#define TILE_ERR_RANGE (-303)  /* the record is too long for a bundle */

struct tile {
    int level;      /* 0..63 for hash tiles, TILE_LEVEL_ENTRIES for bundles */
    uint64_t index; /* N */
    unsigned width; /* 1..256; 256 is a full tile */
};

/* Returns a static string describing a TILE_ERR_* code. */
const char *tile_strerror(int err);

/* Parses a path relative to the log prefix: "tile/<L>/<N>[.p/<W>]" or
 * "tile/entries/<N>[.p/<W>]", with N in C2SP's x001/x234/067 form. Only the
 * canonical form is accepted (no leading zeros beyond the 3-digit groups, W
 * 1..255 written without leading zeros, L 0..63). Returns 0 or TILE_ERR_SYNTAX.
 */
int tile_parse_path(const char *path, size_t len, struct tile *out);

/* Writes the canonical path of t (NUL-terminated) into buf. Returns its
 * length, or TILE_ERR_SPACE. */
int tile_format_path(const struct tile *t, char *buf, size_t cap);

/* The number of items (hashes or entries) at tile t's level in a tree of
 * tree_size leaves: tree_size >> (8*level) (level 0 for entry tiles). */
uint64_t tile_level_size(int level, uint64_t tree_size);

/* Whether tile t is fully determined by a tree of tree_size leaves, i.e.
 * t.index*256 + t.width <= tile_level_size(t.level, tree_size). A partial
 * tile is determined once its W items exist. */
bool tile_exists(const struct tile *t, uint64_t tree_size);

/* The tiles needed at `level` for tree_size: fills out with the last (possibly
 * partial) tile at that level; returns false if the level is empty. */
bool tile_last_at_level(int level, uint64_t tree_size, struct tile *out);

/* Appends one record (uint16be len || bytes) to an entry bundle being built in
 * buf (capacity cap, current length *used). Returns 0, TILE_ERR_SPACE, or
 * TILE_ERR_RANGE if len > TILE_ENTRY_MAX. */
int tile_bundle_append(uint8_t *buf, size_t cap, size_t *used,
                       const uint8_t *entry, size_t len);

/* Iterates an entry bundle: on entry *pos is an offset into bundle; sets
 * *entry and *len to the next record and advances *pos. Returns 1 with a
 * record, 0 at the clean end, TILE_ERR_SYNTAX on a truncated record. *entry
 * points into bundle. */
int tile_bundle_next(const uint8_t *bundle, size_t bundle_len, size_t *pos,
                     const uint8_t **entry, size_t *len);

#endif
