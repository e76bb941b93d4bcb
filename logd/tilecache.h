/*
 * tilecache.h: full tiles and entry bundles, kept in a file and sent with
 * sendfile.
 *
 * A full tile (width 256) or full entry bundle never changes once the tree
 * holds it (C2SP tlog-tiles; logd serves them as immutable). The first time
 * a full entry bundle (~32 KiB) is served, its body is appended to an
 * unlinked temporary file; later requests for it send that region of the
 * file (libevent file segments, sendfile), without reading LMDB or copying
 * the bytes through logd: they live in the kernel's page cache, not in
 * logd's heap. Full hash tiles (8 KiB) are kept in memory instead (at most
 * 16 MiB of them) and added to answers by reference.
 *
 * Best effort: the cache stops growing at its byte limit or when its index
 * is full, and every failure just means the tile is served from LMDB as
 * before. Thread-safe: one cache serves every HTTP worker. Only for plain
 * sockets: a TLS bufferevent cannot send file segments.
 */
#ifndef CREDLOG_LOGD_TILECACHE_H
#define CREDLOG_LOGD_TILECACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

struct tile_cache;

/* Makes a cache of at most max_bytes in a temporary file under dir (or
 * $TMPDIR, or /tmp, when dir is NULL). Returns NULL if no temporary file can
 * be made (logd then serves every tile from LMDB). */
struct tile_cache *tile_cache_new(const char *dir, uint64_t max_bytes);

/* Frees the cache and closes its file. Every evbuffer that was given one of
 * its tiles must have been freed first (call after the HTTP workers have
 * stopped). Accepts NULL. */
void tile_cache_free(struct tile_cache *c);

/* Where the cached body of a full tile lies. */
struct tile_cache_body {
    const uint8_t *mem; /* a hash tile in memory, or NULL for a bundle */
    int fd;             /* a bundle: len bytes at offset in the file fd */
    uint64_t offset;
    struct evbuffer_file_segment *seg; /* the same region, for libevent */
    size_t len;
};

/* Finds the cached body of full tile (level, index) into *b. Returns
 * whether it is cached (false if c is NULL). What *b points to stays valid
 * and unchanged until tile_cache_free(). */
bool tile_cache_find(struct tile_cache *c, int level, uint64_t index,
                     struct tile_cache_body *b);

/* Remembers the body (len bytes) of full tile (level, index), which the tree
 * holds. Does nothing if it is already cached, the cache is full, or c is
 * NULL. */
void tile_cache_put(struct tile_cache *c, int level, uint64_t index,
                    const uint8_t *body, size_t len);

#endif
