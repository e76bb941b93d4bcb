/*
 * peers.h: open connections counted per client address, shared by every HTTP
 * worker, so that one host cannot hold every connection slot
 * (--max-connections-per-ip, docs/operations.md).
 *
 * Addresses are grouped: an IPv4 address counts on its own (an IPv4-mapped
 * IPv6 address counts as that IPv4 address); an IPv6 address counts with its
 * whole /64, since one host is routinely given a /64 and can pick any address
 * in it. The table is allocated once, for at most `capacity` distinct groups
 * at a time; nothing is allocated afterwards. Thread-safe (one mutex).
 */
#ifndef CREDLOG_LOGD_PEERS_H
#define CREDLOG_LOGD_PEERS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define PEERS_KEY_SIZE 16

/* A group of addresses: 16 bytes, an IPv4 address as ::ffff:a.b.c.d, an IPv6
 * address with its last 64 bits cleared, anything else all 0xff. */
struct peers_key {
    uint8_t b[PEERS_KEY_SIZE];
};

/* The group of the address sa (len bytes; NULL or a short length give the
 * all-0xff group). Pure. */
void peers_key_of(const struct sockaddr *sa, socklen_t len,
                  struct peers_key *key);

/* Writes the group as text ("192.0.2.1", "2001:db8:1:2::/64") into buf,
 * which holds at least 64 bytes. */
void peers_key_format(const struct peers_key *key, char buf[64]);

struct peers;

/* Makes a table admitting at most limit (>= 1) connections per group, for at
 * most capacity (>= 1) groups at once. Returns NULL when out of memory. */
struct peers *peers_new(unsigned limit, unsigned capacity);

/* Frees the table. Accepts NULL. */
void peers_free(struct peers *p);

/* Counts one more connection of group key and returns true, or returns
 * false, counting nothing, when the group already has limit connections (or
 * the table already holds capacity groups). Every true must be matched by
 * one peers_release() of the same key. */
bool peers_acquire(struct peers *p, const struct peers_key *key);

/* Counts one connection of group key less. */
void peers_release(struct peers *p, const struct peers_key *key);

/* The connections counted for group key now. */
unsigned peers_count(struct peers *p, const struct peers_key *key);

#endif
