/*
 * bench_get: latency of GET requests to a running logd, one at a time on
 * one keep-alive connection (libcredlog's HTTP client), rotating over the
 * paths in a file (one a line). The growth benchmark uses it for proof
 * latency at each log size.
 *
 *   bench_get --url URL --paths FILE [--count N] [--warmup W]
 *   bench_get --url URL --creds SEED:N [--count N] [--warmup W]
 *   bench_get --url URL --print PATH
 *   bench_get --creds SEED:N --list COUNT
 *
 * --creds asks for the status proofs of random bench credentials 0..N-1 of
 * SEED (bench_credential()) instead of reading paths. Prints
 * "requests=N errors=E mean_us= p50_us= p99_us= bytes=B" (B: mean answer
 * size). --print fetches one path and writes its body to stdout (exit 1 if
 * the status is not 200). --list prints COUNT random status paths of --creds
 * (for wrk) and asks nothing.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "client/http.h"
#include "proofs/codec.h"

static char **read_paths(const char *file, size_t *n)
{
    FILE *f = fopen(file, "r");
    char line[1024], **v = NULL;
    size_t cap = 0;

    *n = 0;
    if (f == NULL)
        bench_die("cannot read %s", file);
    while (fgets(line, sizeof line, f) != NULL) {
        size_t len = strcspn(line, "\r\n");
        if (len == 0)
            continue;
        line[len] = '\0';
        if (*n == cap) {
            cap = cap ? 2 * cap : 1024;
            v = realloc(v, cap * sizeof *v);
            if (v == NULL)
                bench_die("out of memory");
        }
        if ((v[(*n)++] = strdup(line)) == NULL)
            bench_die("out of memory");
    }
    fclose(f);
    if (*n == 0)
        bench_die("%s holds no path", file);
    return v;
}

/* n random status paths of credentials 0..max-1 of seed. */
static char **cred_paths(const char *spec, size_t n)
{
    char *colon, **v = calloc(n, sizeof *v);
    uint64_t seed, max;

    if (v == NULL || (colon = strchr(spec, ':')) == NULL)
        bench_die("--creds wants SEED:N");
    *colon = '\0';
    seed = bench_arg_u64("--creds", spec);
    max = bench_arg_u64("--creds", colon + 1);
    if (max == 0)
        bench_die("--creds wants N > 0");
    srandom((unsigned)bench_now());
    for (size_t i = 0; i < n; i++) {
        uint8_t cred[32];
        uint64_t k = ((uint64_t)random() << 31 ^ (uint64_t)random()) % max;
        bench_credential(seed, k, cred);
        v[i] = malloc(sizeof "/v1/status/" + 64);
        if (v[i] == NULL)
            bench_die("out of memory");
        memcpy(v[i], "/v1/status/", sizeof "/v1/status/" - 1);
        codec_hex_encode(cred, 32, v[i] + sizeof "/v1/status/" - 1);
        v[i][sizeof "/v1/status/" - 1 + 64] = '\0';
    }
    return v;
}

static int print_one(const char *url, const char *path)
{
    struct client_http *h;
    struct client_http_response resp;
    int ok;

    if (client_http_open(url, NULL, &h) != 0)
        bench_die("bad --url %s", url);
    if (client_http_get(h, path, &resp) != 0)
        bench_die("%s%s: %s", url, path, client_http_last_error(h));
    fwrite(resp.body, 1, resp.body_len, stdout);
    ok = resp.status == 200;
    client_http_response_free(&resp);
    client_http_close(h);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *url = NULL, *file = NULL, *creds = NULL, *print = NULL;
    uint64_t list = 0;
    uint64_t count = 2000, warmup = 200, errors = 0, bytes = 0;
    struct client_http *h;
    char **paths;
    size_t npaths;
    double *lat, sum = 0;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--url") == 0)
            url = argv[i + 1];
        else if (strcmp(argv[i], "--paths") == 0)
            file = argv[i + 1];
        else if (strcmp(argv[i], "--creds") == 0)
            creds = argv[i + 1];
        else if (strcmp(argv[i], "--print") == 0)
            print = argv[i + 1];
        else if (strcmp(argv[i], "--list") == 0)
            list = bench_arg_u64(argv[i], argv[i + 1]);
        else if (strcmp(argv[i], "--count") == 0)
            count = bench_arg_u64(argv[i], argv[i + 1]);
        else if (strcmp(argv[i], "--warmup") == 0)
            warmup = bench_arg_u64(argv[i], argv[i + 1]);
        else
            url = NULL, i = argc;
    }
    if (list > 0 && creds != NULL && list <= 1000000) {
        char **v = cred_paths(creds, (size_t)list);
        for (uint64_t i = 0; i < list; i++) {
            puts(v[i]);
            free(v[i]);
        }
        free(v);
        return 0;
    }
    if (url == NULL ||
        (file == NULL) + (creds == NULL) + (print == NULL) != 2 || count == 0 ||
        argc % 2 == 0)
        bench_die("usage: bench_get --url URL (--paths FILE | --creds SEED:N) "
                  "[--count N] [--warmup W] | --print PATH");
    signal(SIGPIPE, SIG_IGN);
    if (print != NULL)
        return print_one(url, print);
    if (file != NULL) {
        paths = read_paths(file, &npaths);
    } else {
        npaths = 4096;
        paths = cred_paths(creds, npaths);
    }
    lat = calloc(count, sizeof *lat);
    if (lat == NULL || client_http_open(url, NULL, &h) != 0)
        bench_die("cannot set up (bad --url?)");
    for (uint64_t k = 0; k < warmup + count; k++) {
        struct client_http_response resp;
        double t0 = bench_now();
        int rc = client_http_get(h, paths[k % npaths], &resp);
        double us = (bench_now() - t0) * 1e6;

        if (rc != 0 || resp.status != 200) {
            if (errors++ == 0)
                fprintf(stderr, "bench_get: %s: %s\n", paths[k % npaths],
                        rc != 0 ? client_http_last_error(h) : resp.body);
        }
        if (rc == 0) {
            if (k >= warmup)
                bytes += resp.body_len;
            client_http_response_free(&resp);
        }
        if (k >= warmup) {
            lat[k - warmup] = us;
            sum += us;
        }
    }
    printf("requests=%llu errors=%llu mean_us=%.1f p50_us=%.1f p99_us=%.1f "
           "bytes=%llu\n",
           (unsigned long long)count, (unsigned long long)errors,
           sum / (double)count, bench_percentile(lat, count, 0.5),
           bench_percentile(lat, count, 0.99),
           (unsigned long long)(bytes / count));
    client_http_close(h);
    for (size_t i = 0; i < npaths; i++)
        free(paths[i]);
    free(paths);
    free(lat);
    return errors == 0 ? 0 : 1;
}
