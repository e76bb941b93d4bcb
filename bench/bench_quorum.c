/*
 * bench_quorum: checkpoint-to-quorum latency of a logd that pushes its
 * checkpoints to witnesses (--witness-policy), seen from a client.
 *
 *   bench_quorum --url URL --key ISSUER.key --log-key VKEY --seed S
 *                [--first I] [--count N] [--poll-us P]
 *
 * N times: submits one ISSUE (credential I+k of seed S) through libcredlog
 * and verifies its receipt; the receipt is answered right after the
 * checkpoint that covers the entry was signed and committed, so its arrival
 * is the checkpoint's time (t0). Then it asks GET /checkpoint every P
 * microseconds (default 1000) until the checkpoint logd serves, which under
 * a witness policy is the latest that met the quorum, covers the entry and
 * carries cosignatures (t1). The latency is t1 - t0; its resolution is the
 * poll interval plus one GET (~0.1 ms on loopback). Between samples it waits
 * a random 0-50 ms so that samples do not lock onto the push's timer.
 * Prints
 *   samples=N p50_ms= p99_ms= max_ms= poll_us=P
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "client/api.h"
#include "client/doc.h"
#include "client/http.h"
#include "client/verify.h"

/* The size in a signed checkpoint note and how many signature lines it
 * carries; false if it is no checkpoint. */
static bool note_size(const char *note, size_t len, uint64_t *size,
                      unsigned *nsig)
{
    const char *nl = memchr(note, '\n', len), *blank;
    char *end;

    if (nl == NULL || (blank = strstr(note, "\n\n")) == NULL)
        return false;
    *size = strtoull(nl + 1, &end, 10);
    if (*end != '\n')
        return false;
    *nsig = 0;
    for (const char *p = blank + 2; p < note + len; p++)
        if (p == blank + 2 || p[-1] == '\n')
            *nsig += strncmp(p, "\xe2\x80\x94 ", 4) == 0;
    return true;
}

int main(int argc, char **argv)
{
    const char *url = NULL, *key = NULL, *log_key = NULL;
    uint64_t seed = 0, first = 0, count = 30, poll_us = 1000;
    struct note_signer signer;
    struct note_verifier log;
    struct client_api_options ao = {NULL, 60};
    struct client_api *api;
    struct client_http *h;
    struct client_http_options ho = {NULL, 30, 0};
    char why[CLIENT_REASON_MAX];
    double *lat;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
            url = argv[++i];
        else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            key = argv[++i];
        else if (strcmp(argv[i], "--log-key") == 0 && i + 1 < argc)
            log_key = argv[++i];
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = bench_arg_u64("--seed", argv[++i]);
        else if (strcmp(argv[i], "--first") == 0 && i + 1 < argc)
            first = bench_arg_u64("--first", argv[++i]);
        else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            count = bench_arg_u64("--count", argv[++i]);
        else if (strcmp(argv[i], "--poll-us") == 0 && i + 1 < argc)
            poll_us = bench_arg_u64("--poll-us", argv[++i]);
        else
            bench_die("usage: bench_quorum --url URL --key ISSUER.key "
                      "--log-key VKEY --seed S [--first I] [--count N] "
                      "[--poll-us P]");
    }
    if (url == NULL || key == NULL || log_key == NULL || count == 0 ||
        count > 100000 || poll_us == 0)
        bench_die("--url, --key, --log-key and a --count of 1..100000 needed");
    signal(SIGPIPE, SIG_IGN);
    bench_read_signer(key, &signer);
    bench_read_verifier(log_key, &log);
    if (client_api_open(url, &ao, &api, why) != 0)
        bench_die("%s", why);
    if (client_http_open(url, &ho, &h) != 0)
        bench_die("cannot open %s", url);
    lat = calloc(count, sizeof *lat);
    if (lat == NULL)
        bench_die("out of memory");
    srandom((unsigned)seed);
    for (uint64_t k = 0; k < count; k++) {
        struct entry e;
        struct client_receipt rec;
        struct client_refusal ref;
        uint64_t want;
        double t0;

        bench_sleep_until(bench_now() + (double)(random() % 50000) / 1e6);
        if (bench_issue(&signer, log.name, seed, first + k, bench_unix_ms(),
                        &e) != 0)
            bench_die("cannot sign an entry");
        if (client_api_submit(api, &e, 1, &rec, &ref, why) != 0 ||
            client_verify_receipt(&rec, &log, ENTRY_ISSUE, e.credential,
                                  e.issuer, NULL, why) != 0)
            bench_die("submission: %s", why);
        t0 = bench_now();
        want = rec.e.index + 1;
        client_receipt_free(&rec);
        for (;;) {
            struct client_http_response resp;
            uint64_t size = 0;
            unsigned nsig = 0;
            bool done;

            if (client_http_get(h, "/checkpoint", &resp) != 0)
                bench_die("GET /checkpoint: %s", client_http_last_error(h));
            done = resp.status == 200 &&
                   note_size(resp.body, resp.body_len, &size, &nsig) &&
                   size >= want && nsig >= 2;
            client_http_response_free(&resp);
            if (done)
                break;
            if (bench_now() - t0 > 60)
                bench_die("no cosigned checkpoint of size %llu after 60 s",
                          (unsigned long long)want);
            bench_sleep_until(bench_now() + (double)poll_us / 1e6);
        }
        lat[k] = bench_now() - t0;
    }
    printf("samples=%llu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f poll_us=%llu\n",
           (unsigned long long)count, bench_percentile(lat, count, 0.5) * 1e3,
           bench_percentile(lat, count, 0.99) * 1e3,
           bench_percentile(lat, count, 1.0) * 1e3,
           (unsigned long long)poll_us);
    client_http_close(h);
    client_api_close(api);
    free(lat);
    return 0;
}
