/*
 * test_credkey_cli.c: `credlog key` (the real $CREDLOG_BIN) on the shared
 * credkey/v1 vector files and on hostile files.
 *
 * - Every `keys` vector, written to a file: exit 0, and --json gives the
 *   vector's profile, digest and key (and the salt as given); the text
 *   output names them too.
 * - Every `reject` vector: exit 1, "refused" and a reason on stderr, nothing
 *   on stdout.
 * - Hostile files, each refused (exit 1; two valid ones read, exit 0) with a
 * message saying what and where, within a few seconds and a bounded peak memory
 * (getrusage of the child): a PNG chunk header claiming 1 GiB, one claiming 4
 * GiB - 1, a billion-laughs SVG, an SVG with an external entity, elements
 * nested 100,000 deep, JSON nested 100,000 deep, invalid UTF-8, a number with a
 *   million digits, files over the 64 MiB limit (refused unread).
 * - Usage: --help, unknown profile, bad salt hex (exit 2), salt of the
 *   wrong length (exit 1, as the vectors want), missing file (exit 2).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "credlog_run.h"
#include "files.h"
#include "proofs/codec.h"

static char dir[4096];

#if defined(__SANITIZE_ADDRESS__)
#define PEAK_MAX_KB (600L * 1024) /* ASan's shadow memory counts too */
#else
#define PEAK_MAX_KB (64L * 1024)
#endif

struct run {
    int status;
    long peak_kb;
    double seconds;
    char *out, *err;
};

static void run_free(struct run *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

/* Runs credlog with args (NULL-terminated), measuring its time and peak
 * resident memory. */
static void run(struct run *r, const char *const *args)
{
    const char *bin = credlog_run_require();
    char out_path[4200], err_path[4200];
    const char *argv[16];
    struct timeval t0, t1;
    struct rusage ru;
    int n = 0, st = 0;
    pid_t pid;

    memset(r, 0, sizeof *r);
    argv[n++] = bin;
    for (; *args != NULL && n < 15; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    snprintf(out_path, sizeof out_path, "%s/.stdout", dir);
    snprintf(err_path, sizeof err_path, "%s/.stderr", dir);
    fflush(NULL);
    gettimeofday(&t0, NULL);
    pid = fork();
    if (pid == 0) {
        int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        struct rlimit cpu = {30, 30};
        if (fo < 0 || fe < 0)
            _exit(127);
        dup2(fo, 1);
        dup2(fe, 2);
        setrlimit(RLIMIT_CPU, &cpu);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    if (pid < 0 || wait4(pid, &st, 0, &ru) != pid) {
        perror("wait4");
        abort();
    }
    gettimeofday(&t1, NULL);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r->peak_kb = ru.ru_maxrss;
    r->seconds = (double)(t1.tv_sec - t0.tv_sec) +
                 (double)(t1.tv_usec - t0.tv_usec) / 1e6;
    r->out = files_read(out_path, NULL);
    r->err = files_read(err_path, NULL);
    if (r->out == NULL)
        r->out = strdup("");
    if (r->err == NULL)
        r->err = strdup("");
}

#define RUN(r, ...)                                                            \
    do {                                                                       \
        const char *args_[] = {__VA_ARGS__, NULL};                             \
        run((r), args_);                                                       \
    } while (0)

static bool has(const struct run *r, const char *s)
{
    return strstr(r->out, s) != NULL || strstr(r->err, s) != NULL;
}

#define EXPECT(r, code, want)                                                  \
    CHECK_MSG((r)->status == (code) && has((r), (want)),                       \
              "exit %d (want %d), want \"%s\"\n--- stdout\n%s--- stderr\n%s",  \
              (r)->status, (code), (want), (r)->out, (r)->err)

static void write_b64(const char *path, const char *b64)
{
    size_t n = strlen(b64);
    uint8_t *buf = malloc(n / 4 * 3 + 3);
    int m;

    if (buf == NULL)
        abort();
    m = codec_b64_decode(b64, n, buf, n / 4 * 3 + 3);
    if (m < 0)
        abort();
    files_write(path, buf, (size_t)m);
    free(buf);
}

static void test_vectors(void)
{
    json_t *vec = check_load_json("credkey-v1.json"), *v;
    char path[4200];
    size_t i;

    snprintf(path, sizeof path, "%s/credential", dir);
    json_array_foreach(json_object_get(vec, "keys"), i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *prof = json_string_value(json_object_get(v, "profile_arg"));
        const char *salt = json_string_value(json_object_get(v, "salt"));
        json_t *got;
        struct run r;

        write_b64(path, json_string_value(json_object_get(v, "file_b64")));
        RUN(&r, "key", path, "--profile", prof, "--salt", salt, "--json");
        got = json_loads(r.out, 0, NULL);
        CHECK_MSG(r.status == 0 && got != NULL, "%s: exit %d %s", name,
                  r.status, r.err);
        for (const char *const *f = (const char *const[]){"profile", "digest",
                                                          "key", "salt", NULL};
             *f != NULL; f++)
            CHECK_MSG(
                json_equal(json_object_get(got, *f), json_object_get(v, *f)),
                "%s: %s differs:\n%s", name, *f, r.out);
        json_decref(got);
        run_free(&r);
        if (i % 40 == 0) { /* the text output, now and then */
            RUN(&r, "key", "--salt", salt, "--profile", prof, path);
            EXPECT(&r, 0, json_string_value(json_object_get(v, "key")));
            CHECK(has(&r, json_string_value(json_object_get(v, "digest"))));
            run_free(&r);
        }
    }
    json_array_foreach(json_object_get(vec, "reject"), i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *prof = json_string_value(json_object_get(v, "profile_arg"));
        const char *salt = json_string_value(json_object_get(v, "salt"));
        struct run r;

        write_b64(path, json_string_value(json_object_get(v, "file_b64")));
        RUN(&r, "key", path, "--profile", prof, "--salt", salt, "--json");
        CHECK_MSG(r.status == 1 && has(&r, "refused") && r.out[0] == '\0',
                  "%s: exit %d\n%s%s", name, r.status, r.out, r.err);
        run_free(&r);
    }
    json_decref(vec);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Runs `credlog key` on data and expects a refusal naming want, quickly
 * and in little memory. */
static void hostile_code(const char *what, const void *data, size_t len,
                         int code, const char *want)
{
    char path[4200];
    struct run r;

    snprintf(path, sizeof path, "%s/hostile", dir);
    files_write(path, data, len);
    RUN(&r, "key", path);
    CHECK_MSG(r.status == code && has(&r, want), "%s: exit %d, want \"%s\"\n%s",
              what, r.status, want, r.err);
    CHECK_MSG(r.seconds < 10, "%s: took %.1f s", what, r.seconds);
    CHECK_MSG(r.peak_kb < PEAK_MAX_KB, "%s: peak %ld KiB", what, r.peak_kb);
    run_free(&r);
}

static void hostile(const char *what, const void *data, size_t len,
                    const char *want)
{
    hostile_code(what, data, len, 1, want);
}

static void test_hostile(void)
{
    uint8_t png[64];
    size_t n = 0, big = 100000;
    char *buf = malloc(12 * big + 4096);
    char path[4200];
    struct run r;
    int fd;

    REQUIRE(buf != NULL);
    /* A PNG whose second chunk claims 1 GiB, then 4 GiB - 1. */
    memcpy(png, "\x89PNG\r\n\x1a\n", 8);
    n = 8;
    put_be32(png + n, 13);
    memcpy(png + n + 4, "IHDR\0\0\0\x20\0\0\0\x20\x08\x02\0\0\0", 17);
    put_be32(png + n + 21, 0xfc18eda3); /* IHDR's CRC */
    n += 25;
    put_be32(png + n, 1u << 30);
    memcpy(png + n + 4, "iTXtopenbadges", 14);
    hostile("PNG 1 GiB chunk", png, n + 18, "chunk 1 (iTXt)");
    hostile("PNG 1 GiB chunk", png, n + 18, "past the end of the file");
    put_be32(png + n, 0xffffffffu);
    hostile("PNG 4 GiB chunk", png, n + 18, "over 2^31-1");

    /* Billion laughs: never expanded, the internal subset is refused. */
    n = (size_t)snprintf(buf, 4096,
                         "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n"
                         " <!ENTITY lol \"lol\">\n");
    for (int i = 1; i < 10; i++)
        n += (size_t)snprintf(buf + n, 4096 - n,
                              " <!ENTITY lol%d \"&lol%d;&lol%d;&lol%d;&lol%d;"
                              "&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;\">\n",
                              i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
                              i - 1, i - 1, i - 1, i - 1);
    n += (size_t)snprintf(
        buf + n, 4096 - n,
        "]>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
        "xmlns:o=\"http://openbadges.org\"><o:assertion>&lol9;</o:assertion>"
        "</svg>\n");
    hostile("billion laughs", buf, n, "internal subset");
    /* An entity defined only by an external DTD is never fetched. */
    n = (size_t)snprintf(
        buf, 4096,
        "<!DOCTYPE svg SYSTEM \"file:///etc/passwd\">\n<svg "
        "xmlns=\"http://www.w3.org/2000/svg\" "
        "xmlns:o=\"http://openbadges.org\"><o:assertion>&passwd;"
        "</o:assertion></svg>\n");
    hostile("external entity", buf, n, "undefined entity");

    /* SVG elements nested 100,000 deep. */
    n = (size_t)snprintf(buf, 64, "<svg xmlns=\"http://www.w3.org/2000/svg\">");
    for (size_t i = 0; i < big; i++)
        memcpy(buf + n + 3 * i, "<g>", 3);
    n += 3 * big;
    hostile("SVG nested 100000 deep", buf, n, "nested more than 1000 deep");

    /* JSON nested 100,000 deep. */
    memcpy(buf, "{\"a\":", 5);
    memset(buf + 5, '[', big);
    memset(buf + 5 + big, ']', big);
    buf[5 + 2 * big] = '}';
    hostile("JSON nested 100000 deep", buf, 6 + 2 * big,
            "nested more than 1000 deep at byte 1004");
    memset(buf, '{', 1);
    for (size_t i = 0; i < big; i++)
        memcpy(buf + 1 + 5 * i, "\"a\":{", 5);
    hostile("JSON objects nested 100000 deep", buf, 1 + 5 * big,
            "nested more than 1000 deep");

    /* Invalid UTF-8, with its offset. */
    hostile("invalid UTF-8", "{\"name\":\"Ren\xe9\"}", 15,
            "invalid UTF-8 at byte 12");
    hostile("lone surrogate", "{\"a\":\"\\udc00\"}", 14,
            "lone low surrogate at byte 6");

    /* A number of a million digits: read in bounded time, then too big. */
    memcpy(buf, "{\"n\":", 5);
    memset(buf + 5, '7', 1000000);
    buf[1000005] = '}';
    hostile("million-digit number", buf, 1000006, "too large for a double");
    buf[5] = '0';
    buf[6] = '.';
    hostile_code("million-digit fraction (a valid credential)", buf, 1000006, 0,
                 "profile: json");
    memcpy(buf + 5, "1e", 2);
    hostile("million-digit exponent", buf, 1000006, "too large for a double");
    memcpy(buf + 5, "1e-", 3);
    hostile_code("million-digit negative exponent (0)", buf, 1000006, 0,
                 "profile: json");

    /* A file over 64 MiB (sparse, so the test stays cheap). */
    snprintf(path, sizeof path, "%s/huge", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && ftruncate(fd, (64L << 20) + 1) == 0);
    close(fd);
    RUN(&r, "key", path);
    EXPECT(&r, 1, "larger than credkey reads");
    CHECK(r.peak_kb < PEAK_MAX_KB); /* refused without reading it */
    run_free(&r);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && ftruncate(fd, 1L << 30) == 0);
    close(fd);
    RUN(&r, "key", path, "--json");
    EXPECT(&r, 1, "larger than credkey reads");
    CHECK(r.peak_kb < PEAK_MAX_KB && r.out[0] == '\0');
    run_free(&r);
    unlink(path);
    free(buf);
}

static void test_usage(void)
{
    char path[4200];
    struct run r;

    snprintf(path, sizeof path, "%s/c.json", dir);
    files_write(path, "{\"b\": 2.50, \"a\": [1E2]}", 23);
    RUN(&r, "key", "--help");
    EXPECT(&r, 0, "usage: credlog key FILE");
    run_free(&r);
    RUN(&r, "key");
    EXPECT(&r, 2, "FILE is required");
    run_free(&r);
    RUN(&r, "key", path, "--profile", "xml");
    EXPECT(&r, 2, "unknown profile 'xml'");
    run_free(&r);
    RUN(&r, "key", path, "--salt", "xyz0");
    EXPECT(&r, 2, "--salt wants hex digits");
    run_free(&r);
    RUN(&r, "key", path, "--salt", "abc");
    EXPECT(&r, 2, "--salt wants hex digits");
    run_free(&r);
    RUN(&r, "key", path, "--salt", "00112233");
    EXPECT(&r, 1, "a salt of 4 bytes");
    run_free(&r);
    RUN(&r, "key", "/nonexistent/credential.json");
    EXPECT(&r, 2, "cannot open /nonexistent/credential.json");
    run_free(&r);
    RUN(&r, "key", path, "extra");
    EXPECT(&r, 2, "only one FILE");
    run_free(&r);
    /* The text output, and upper-case salt hex printed in lower case. */
    RUN(&r, "key", path, "--salt", "00112233445566778899AABBCCDDEEFF");
    EXPECT(&r, 0, "profile: json\n");
    CHECK(has(&r, "salt:    00112233445566778899aabbccddeeff\n"));
    run_free(&r);
    RUN(&r, "key", path, "--profile", "bytes", "--json");
    EXPECT(&r, 0, "\"profile\": \"bytes\"");
    run_free(&r);
}

int main(void)
{
    credlog_run_require();
    files_tmpdir(dir, sizeof dir, "credkey");
    test_usage();
    test_hostile();
    test_vectors();
    files_rmtree(dir);
    return check_finish();
}
