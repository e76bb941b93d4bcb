/*
 * test_peers.c: logd/peers.c, the per-address connection counts behind
 * --max-connections-per-ip: how addresses are grouped (IPv4 one by one,
 * IPv4-mapped IPv6 as IPv4, IPv6 by /64), the limit per group and the
 * capacity, and, against a naive model, long random runs of acquires and
 * releases over colliding and non-colliding groups (the table's deletions
 * must never lose or double a count).
 */
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "logd/peers.h"

static struct peers_key key4(const char *text)
{
    struct sockaddr_in sa;
    struct peers_key k;

    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(1234);
    if (inet_pton(AF_INET, text, &sa.sin_addr) != 1)
        abort();
    peers_key_of((struct sockaddr *)&sa, sizeof sa, &k);
    return k;
}

static struct peers_key key6(const char *text)
{
    struct sockaddr_in6 sa;
    struct peers_key k;

    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(4321);
    if (inet_pton(AF_INET6, text, &sa.sin6_addr) != 1)
        abort();
    peers_key_of((struct sockaddr *)&sa, sizeof sa, &k);
    return k;
}

static bool same(struct peers_key a, struct peers_key b)
{
    return memcmp(a.b, b.b, PEERS_KEY_SIZE) == 0;
}

static void test_groups(void)
{
    char text[64];
    struct peers_key k;

    CHECK(!same(key4("127.0.0.1"), key4("127.0.0.2")));
    CHECK(same(key4("192.0.2.7"), key4("192.0.2.7")));
    CHECK(same(key4("192.0.2.7"), key6("::ffff:192.0.2.7")));
    CHECK(same(key6("2001:db8:1:2::1"), key6("2001:db8:1:2:ffff:ffff:ffff:1")));
    CHECK(!same(key6("2001:db8:1:2::1"), key6("2001:db8:1:3::1")));
    CHECK(!same(key6("::1"), key4("0.0.0.1")));
    /* Unknown families and short lengths fall into one group. */
    {
        struct sockaddr sa;
        struct peers_key a, b;
        memset(&sa, 0, sizeof sa);
        sa.sa_family = AF_UNIX;
        peers_key_of(&sa, sizeof sa, &a);
        peers_key_of(NULL, 0, &b);
        CHECK(same(a, b));
        sa.sa_family = AF_INET;
        peers_key_of(&sa, 4, &b);
        CHECK(same(a, b));
    }
    k = key4("198.51.100.9");
    peers_key_format(&k, text);
    CHECK(strcmp(text, "198.51.100.9") == 0);
    k = key6("2001:db8:1:2:3:4:5:6");
    peers_key_format(&k, text);
    CHECK(strcmp(text, "2001:db8:1:2::/64") == 0);
}

static void test_limits(void)
{
    struct peers *p = peers_new(3, 2);
    struct peers_key a = key4("10.0.0.1"), b = key4("10.0.0.2"),
                     c = key4("10.0.0.3");

    REQUIRE(p != NULL);
    CHECK(peers_new(0, 1) == NULL && peers_new(1, 0) == NULL);
    for (int i = 0; i < 3; i++)
        CHECK(peers_acquire(p, &a));
    CHECK(!peers_acquire(p, &a));
    CHECK(peers_count(p, &a) == 3);
    CHECK(peers_acquire(p, &b));
    /* Capacity 2: a third group waits until one leaves. */
    CHECK(!peers_acquire(p, &c));
    peers_release(p, &b);
    CHECK(peers_count(p, &b) == 0);
    CHECK(peers_acquire(p, &c));
    peers_release(p, &a);
    CHECK(peers_count(p, &a) == 2);
    CHECK(peers_acquire(p, &a));
    CHECK(!peers_acquire(p, &a));
    /* Releasing a group that holds nothing changes nothing. */
    peers_release(p, &b);
    CHECK(peers_count(p, &a) == 3 && peers_count(p, &c) == 1);
    peers_free(p);
    peers_free(NULL);
}

/* Random acquires and releases over n groups against plain counters. */
static void test_model(unsigned limit, unsigned capacity, unsigned n,
                       unsigned steps)
{
    struct peers *p = peers_new(limit, capacity);
    unsigned *count = calloc(n, sizeof *count), used = 0;
    struct peers_key *k = calloc(n, sizeof *k);
    uint64_t rnd = 77 + n;
    bool ok = true;

    REQUIRE(p != NULL && count != NULL && k != NULL);
    for (unsigned i = 0; i < n; i++) {
        char text[32];
        snprintf(text, sizeof text, "10.%u.%u.%u", i >> 16, (i >> 8) & 255,
                 i & 255);
        k[i] = key4(text);
    }
    for (unsigned s = 0; s < steps && ok; s++) {
        unsigned i = (unsigned)(check_rand(&rnd) % n);
        if (check_rand(&rnd) % 2 == 0) {
            bool want = count[i] < limit && (count[i] > 0 || used < capacity);
            bool got = peers_acquire(p, &k[i]);
            ok &= want == got;
            if (got) {
                used += count[i] == 0;
                count[i]++;
            }
        } else if (count[i] > 0) {
            peers_release(p, &k[i]);
            count[i]--;
            used -= count[i] == 0;
        }
        if (s % 997 == 0)
            for (unsigned j = 0; j < n; j++)
                ok &= peers_count(p, &k[j]) == count[j];
    }
    for (unsigned j = 0; j < n; j++)
        ok &= peers_count(p, &k[j]) == count[j];
    CHECK_MSG(ok, "model run: limit %u capacity %u groups %u", limit, capacity,
              n);
    peers_free(p);
    free(count);
    free(k);
}

int main(void)
{
    test_groups();
    test_limits();
    test_model(2, 8, 20, 200000);
    test_model(3, 64, 64, 200000);
    test_model(1, 1000, 3000, 300000);
    test_model(5, 3, 5, 100000);
    return check_finish();
}
