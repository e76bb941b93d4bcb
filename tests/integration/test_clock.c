/*
 * test_clock.c: a jump of the log host's wall clock (issue 10, item 14). A
 * real logd runs under tests/clockshift (LD_PRELOAD), which moves its
 * CLOCK_REALTIME by the seconds written in a file and leaves its monotonic
 * clock alone. During a +2-day jump logd must not stamp the jumped time on
 * its MAP entries (which would set a floor for every later MAP time), must
 * alarm (log line, credlog_clock_refused_total, credlog_clock_offset_seconds)
 * and, once the clock is back, stamp the wall clock again by itself.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "check.h"
#include "client/http.h"
#include "files.h"
#include "issuer.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "proofs/entry.h"

#define DAY_S 86400
#define MINUTE_MS (60 * 1000)

static struct logd_proc P;
static struct client_http *H;
static struct issuer A;
static char shift_path[LOGD_PROC_PATH_MAX + 16];
static uint64_t rnd = 14;

static void shift(long long s)
{
    char text[32];

    snprintf(text, sizeof text, "%lld\n", s);
    files_write(shift_path, text, strlen(text));
}

/* Submits one fresh ISSUE (stamped with the test's real clock) and returns
 * the time of the MAP entry that ends its batch (the tree's last entry). */
static uint64_t submit_and_map_time(void)
{
    struct entry e, map;
    uint8_t cred[32], buf[ENTRY_MAX_SIZE];
    json_t *arr = json_array(), *ans = NULL, *got;
    char path[64];
    int64_t size;
    int status, n;

    check_rand_cred(&rnd, cred);
    issuer_entry(&e, ENTRY_ISSUE, cred, &A, issuer_now_ms(), 0);
    json_array_append_new(arr, issuer_submission_json(&e));
    CHECK(logd_api_post_entries(H, arr, &ans) == 200);
    json_decref(ans);
    size = logd_api_checkpoint(H, &P, NULL, NULL);
    if (size <= 0) {
        CHECK(!"no checkpoint");
        return 0;
    }
    snprintf(path, sizeof path, "/v1/entries/%lld", (long long)size - 1);
    got = logd_api_get_json(H, path, &status);
    n = got != NULL ? answer_b64(json_object_get(got, "entry"), buf, sizeof buf)
                    : -1;
    json_decref(got);
    if (status != 200 || n <= 0 || entry_decode(buf, (size_t)n, &map) != 0 ||
        map.type != ENTRY_MAP) {
        CHECK(!"the last entry is a MAP entry");
        return 0;
    }
    return map.timestamp_ms;
}

static bool near_now(uint64_t t)
{
    uint64_t now = issuer_now_ms();
    return t + MINUTE_MS > now && t < now + MINUTE_MS;
}

static void run(void)
{
    const char *lib = getenv("CREDLOG_CLOCKSHIFT_LIB");
    const char *asan = getenv("ASAN_OPTIONS");
    char opts[1024];
    uint64_t t0, t1, t2;
    int64_t v;

    issuer_make(&A, "avans.nl");
    REQUIRE(logd_proc_init(&P, "test.example/log", &A.v, 1) == 0);
    snprintf(shift_path, sizeof shift_path, "%s/clockshift", P.dir);
    shift(0);
    /* Only logd runs under the shim. */
    snprintf(opts, sizeof opts, "%s%sverify_asan_link_order=0",
             asan != NULL ? asan : "", asan != NULL && asan[0] ? ":" : "");
    setenv("CREDLOG_CLOCKSHIFT_FILE", shift_path, 1);
    setenv("LD_PRELOAD", lib, 1);
    setenv("ASAN_OPTIONS", opts, 1);
    REQUIRE(logd_proc_start(
                &P, (const char *const[]){"--heartbeat", "0", NULL}) == 0);
    unsetenv("LD_PRELOAD");
    if (asan != NULL)
        setenv("ASAN_OPTIONS", asan, 1);
    else
        unsetenv("ASAN_OPTIONS");
    REQUIRE(client_http_open(P.url, NULL, &H) == 0);

    t0 = submit_and_map_time();
    CHECK_MSG(near_now(t0), "MAP time before the jump is now");
    CHECK(logd_api_metric(H, "credlog_clock_refused_total") == 0);

    /* The wall clock jumps two days ahead: not stamped, alarmed. */
    shift(2 * DAY_S);
    t1 = submit_and_map_time();
    CHECK_MSG(near_now(t1) && t1 >= t0,
              "MAP time during the jump: %llu, now %llu",
              (unsigned long long)t1, (unsigned long long)issuer_now_ms());
    CHECK(logd_api_metric(H, "credlog_clock_refused_total") >= 1);
    v = logd_api_metric(H, "credlog_clock_offset_seconds");
    CHECK_MSG(v > 2 * DAY_S - 120 && v < 2 * DAY_S + 120,
              "clock offset gauge %lld", (long long)v);
    CHECK(files_contain(P.log_path, "not stamped"));

    /* The clock is right again: logd stamps it again by itself. */
    shift(0);
    t2 = submit_and_map_time();
    CHECK_MSG(near_now(t2) && t2 >= t1, "MAP time after the jump: %llu",
              (unsigned long long)t2);
    CHECK(logd_api_metric(H, "credlog_clock_offset_seconds") == 0);
    CHECK(files_contain(P.log_path, "agrees with the monotonic clock again"));

    client_http_close(H);
    CHECK(logd_proc_stop(&P) == 0);
    logd_proc_cleanup(&P);
}

int main(void)
{
    const char *lib = getenv("CREDLOG_CLOCKSHIFT_LIB");

    signal(SIGPIPE, SIG_IGN);
    if (logd_proc_binary() == NULL || lib == NULL || lib[0] == '\0') {
        printf("LOGD_BIN or CREDLOG_CLOCKSHIFT_LIB not set: skipped\n");
        return 77;
    }
    run();
    return check_finish();
}
