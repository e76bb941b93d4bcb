/* tilecache.c: see tilecache.h. */
#define _GNU_SOURCE /* O_TMPFILE */
#include "logd/tilecache.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TILE_CACHE_SLOTS 65536 /* index size (a power of two); 3/4 may fill */
/* Hash tiles (8 KiB) are kept in memory: for answers that small, copying
 * from memory measured faster than sendfile. At most 2,048 of them. */
#define TILE_CACHE_MEM_MAX ((uint64_t)16 << 20)

struct slot {
    uint64_t key; /* 0: empty */
    size_t len;
    struct evbuffer_file_segment *seg; /* a bundle in the file */
    uint64_t offset;                   /* the segment's, in the file */
    uint8_t *mem;                      /* or a hash tile in memory */
};

struct tile_cache {
    pthread_mutex_t mu;
    int fd;
    uint64_t size, max;    /* bytes in the file, and the limit */
    uint64_t mem, mem_max; /* bytes of hash tiles in memory, and the limit */
    size_t used;
    struct slot *slots;
};

/* (level, index) as one non-zero key: bundles are level -1. */
static uint64_t slot_key(int level, uint64_t index)
{
    return index << 8 | (uint64_t)(uint8_t)(level + 2);
}

static struct slot *slot_find(struct tile_cache *c, uint64_t key)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(h >> 48) & (TILE_CACHE_SLOTS - 1);

    while (c->slots[i].key != 0 && c->slots[i].key != key)
        i = (i + 1) & (TILE_CACHE_SLOTS - 1);
    return &c->slots[i];
}

struct tile_cache *tile_cache_new(const char *dir, uint64_t max_bytes)
{
    struct tile_cache *c = calloc(1, sizeof *c);

    if (c == NULL)
        return NULL;
    if (dir == NULL)
        dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    c->slots = calloc(TILE_CACHE_SLOTS, sizeof *c->slots);
    c->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (c->slots == NULL || c->fd < 0) {
        if (c->fd >= 0)
            close(c->fd);
        free(c->slots);
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    c->max = max_bytes;
    c->mem_max = TILE_CACHE_MEM_MAX;
    return c;
}

void tile_cache_free(struct tile_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < TILE_CACHE_SLOTS; i++) {
        if (c->slots[i].seg != NULL)
            evbuffer_file_segment_free(c->slots[i].seg);
        free(c->slots[i].mem);
    }
    free(c->slots);
    close(c->fd);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

bool tile_cache_find(struct tile_cache *c, int level, uint64_t index,
                     struct tile_cache_body *b)
{
    struct slot *s;
    bool found;

    if (c == NULL)
        return false;
    pthread_mutex_lock(&c->mu);
    s = slot_find(c, slot_key(level, index));
    found = s->key != 0;
    if (found) {
        /* A slot, once filled, never changes until the cache is freed. */
        b->mem = s->mem;
        b->fd = c->fd;
        b->offset = s->seg != NULL ? s->offset : 0;
        b->seg = s->seg;
        b->len = s->len;
    }
    pthread_mutex_unlock(&c->mu);
    return found;
}

void tile_cache_put(struct tile_cache *c, int level, uint64_t index,
                    const uint8_t *body, size_t len)
{
    uint64_t key = slot_key(level, index);
    struct slot *s;

    if (c == NULL || len == 0)
        return;
    pthread_mutex_lock(&c->mu);
    s = slot_find(c, key);
    if (s->key != 0 || c->used >= TILE_CACHE_SLOTS / 4 * 3) {
        /* cached already, or the index is full */
    } else if (level >= 0) {
        if (c->mem + len <= c->mem_max && (s->mem = malloc(len)) != NULL) {
            memcpy(s->mem, body, len);
            s->key = key;
            s->len = len;
            c->mem += len;
            c->used++;
        }
    } else if (c->size + len <= c->max) {
        size_t done = 0;
        while (done < len) {
            ssize_t n =
                pwrite(c->fd, body + done, len - done, (off_t)(c->size + done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            done += (size_t)n;
        }
        /* A short write leaves its bytes unused: the next tile goes after
         * them. */
        if (done == len) {
            s->seg = evbuffer_file_segment_new(
                c->fd, (ev_off_t)c->size, (ev_off_t)len, EVBUF_FS_DISABLE_MMAP);
            if (s->seg != NULL) {
                s->offset = c->size;
                s->key = key;
                s->len = len;
                c->used++;
            }
        }
        c->size += done;
    }
    pthread_mutex_unlock(&c->mu);
}
