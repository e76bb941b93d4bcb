/*
 * peers.c: see peers.h.
 *
 * An open-addressing table with linear probing, sized to twice the capacity
 * (a power of two), so a probe stays short; a group leaves the table when
 * its count drops to zero (backward-shift deletion, no tombstones). The
 * hash is keyed with a random value drawn once per table, so a client cannot
 * choose addresses that collide.
 */
#include "logd/peers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

struct slot {
    struct peers_key key;
    unsigned count; /* 0: empty */
};

struct peers {
    pthread_mutex_t mu;
    unsigned limit, capacity, used;
    size_t mask; /* slots - 1 */
    uint64_t seed;
    struct slot *slot;
};

static const uint8_t v4_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void peers_key_of(const struct sockaddr *sa, socklen_t len,
                  struct peers_key *key)
{
    memset(key->b, 0xff, sizeof key->b);
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET &&
        len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        memcpy(key->b, v4_prefix, sizeof v4_prefix);
        memcpy(key->b + 12, &in->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6 &&
               len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        memcpy(key->b, &in6->sin6_addr, 16);
        if (memcmp(key->b, v4_prefix, sizeof v4_prefix) != 0)
            memset(key->b + 8, 0, 8); /* the /64 */
    }
}

void peers_key_format(const struct peers_key *key, char buf[64])
{
    static const uint8_t other[PEERS_KEY_SIZE] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

    if (memcmp(key->b, other, sizeof other) == 0)
        snprintf(buf, 64, "(other)");
    else if (memcmp(key->b, v4_prefix, sizeof v4_prefix) == 0)
        inet_ntop(AF_INET, key->b + 12, buf, 64);
    else if (inet_ntop(AF_INET6, key->b, buf, 60) != NULL)
        strcat(buf, "/64");
    else
        snprintf(buf, 64, "?");
}

struct peers *peers_new(unsigned limit, unsigned capacity)
{
    struct peers *p;
    size_t slots = 2;

    if (limit == 0 || capacity == 0)
        return NULL;
    while (slots < 2 * (size_t)capacity)
        slots *= 2;
    p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->slot = calloc(slots, sizeof *p->slot);
    if (p->slot == NULL) {
        free(p);
        return NULL;
    }
    p->limit = limit;
    p->capacity = capacity;
    p->mask = slots - 1;
    if (RAND_bytes((unsigned char *)&p->seed, sizeof p->seed) != 1)
        p->seed = (uint64_t)(uintptr_t)p ^ 0x9E3779B97F4A7C15ULL;
    pthread_mutex_init(&p->mu, NULL);
    return p;
}

void peers_free(struct peers *p)
{
    if (p == NULL)
        return;
    pthread_mutex_destroy(&p->mu);
    free(p->slot);
    free(p);
}

static size_t hash_of(const struct peers *p, const struct peers_key *key)
{
    uint64_t a, b, h;

    memcpy(&a, key->b, 8);
    memcpy(&b, key->b + 8, 8);
    h = (a ^ p->seed) * 0x9E3779B97F4A7C15ULL;
    h = (h ^ (h >> 29) ^ b) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 32;
    return (size_t)h & p->mask;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find(const struct peers *p, const struct peers_key *key)
{
    size_t i = hash_of(p, key);

    while (p->slot[i].count != 0 &&
           memcmp(p->slot[i].key.b, key->b, PEERS_KEY_SIZE) != 0)
        i = (i + 1) & p->mask;
    return i;
}

bool peers_acquire(struct peers *p, const struct peers_key *key)
{
    bool ok = false;
    size_t i;

    pthread_mutex_lock(&p->mu);
    i = find(p, key);
    if (p->slot[i].count != 0) {
        if (p->slot[i].count < p->limit) {
            p->slot[i].count++;
            ok = true;
        }
    } else if (p->used < p->capacity) {
        p->slot[i].key = *key;
        p->slot[i].count = 1;
        p->used++;
        ok = true;
    }
    pthread_mutex_unlock(&p->mu);
    return ok;
}

void peers_release(struct peers *p, const struct peers_key *key)
{
    size_t i, j;

    pthread_mutex_lock(&p->mu);
    i = find(p, key);
    if (p->slot[i].count > 1) {
        p->slot[i].count--;
    } else if (p->slot[i].count == 1) {
        /* Backward-shift: move later members of the probe run into the hole
         * when the hole lies between their home slot and them. */
        p->slot[i].count = 0;
        p->used--;
        for (j = (i + 1) & p->mask; p->slot[j].count != 0;
             j = (j + 1) & p->mask) {
            size_t home = hash_of(p, &p->slot[j].key);
            if (((j - home) & p->mask) >= ((j - i) & p->mask)) {
                p->slot[i] = p->slot[j];
                p->slot[j].count = 0;
                i = j;
            }
        }
    }
    pthread_mutex_unlock(&p->mu);
}

unsigned peers_count(struct peers *p, const struct peers_key *key)
{
    unsigned n;

    pthread_mutex_lock(&p->mu);
    n = p->slot[find(p, key)].count;
    pthread_mutex_unlock(&p->mu);
    return n;
}
