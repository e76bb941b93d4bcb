/* metrics.c: see metrics.h. */
#include "logd/metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const route_names[ROUTE_COUNT] = {
    "submit",         "checkpoint", "tile",    "entry_bundle", "inclusion",
    "consistency",    "status",     "entry",   "issuers",      "log_key",
    "witness_policy", "metrics",    "healthz", "web",          "other",
};

/* Statuses counted separately; anything else is "other". */
static const int statuses[] = {200, 400, 403, 404, 405, 408, 409,
                               413, 414, 421, 500, 501, 503};
#define NSTATUS (sizeof statuses / sizeof statuses[0] + 1)

/* Latency buckets, in seconds. */
static const double lat_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                    0.005,  0.01,    0.025,  0.05,  0.1,
                                    0.25,   0.5,     1,      2.5,   5};
#define NLAT (sizeof lat_bounds / sizeof lat_bounds[0])

/* Batch-size buckets, in entries. */
static const double size_bounds[] = {1,   2,   4,   8,    16,   32,   64,
                                     128, 256, 512, 1024, 2048, 4096, 8192};
#define NSIZE (sizeof size_bounds / sizeof size_bounds[0])

#define MAX_BUCKETS 16

struct histogram {
    atomic_uint_fast64_t bucket[MAX_BUCKETS]; /* last: +Inf */
    atomic_uint_fast64_t count;
    atomic_uint_fast64_t sum_micro; /* sum in millionths of the unit */
};

struct metrics {
    atomic_uint_fast64_t requests[ROUTE_COUNT][NSTATUS];
    struct histogram request_seconds[ROUTE_COUNT];
    struct histogram commit_seconds;
    struct histogram batch_entries;
    atomic_uint_fast64_t tree_size;
    atomic_uint_fast64_t entries[5];
    atomic_uint_fast64_t map_bytes;
    atomic_uint_fast64_t pending;
    atomic_uint_fast64_t signature_checks, known_submissions;
    atomic_uint_fast64_t clock_refused;
    atomic_int_fast64_t clock_offset_ms;
    atomic_uint_fast64_t conn[5]; /* by enum metrics_conn_event */
    /* The witness push: names are written before the threads start. */
    unsigned nwitnesses;
    char witness[METRICS_WITNESSES][64];
    atomic_uint_fast64_t wit_size[METRICS_WITNESSES];
    atomic_uint_fast64_t wit_time[METRICS_WITNESSES];
    atomic_uint_fast64_t wit_fail[METRICS_WITNESSES][METRICS_PUSH_FAILURES];
    atomic_uint_fast64_t quorum_size, quorum_time;
    /* A replica's. */
    bool replica;
    atomic_uint_fast64_t replica_primary, replica_size, replica_failures;
    atomic_uint_fast64_t replica_verified;
    atomic_int replica_alarm;
    atomic_bool replica_waiting;
};

static const char *const replica_alarm_names[METRICS_REPLICA_ALARMS] = {
    "ok",       "fork",    "shrank", "extensions",
    "unbacked", "entries", "replay", "mismatch",
};

static const char *const push_failure_names[METRICS_PUSH_FAILURES] = {
    "network",  "timeout", "status",       "rate_limited",    "stale_size",
    "conflict", "ahead",   "inconsistent", "bad_cosignature",
};

struct metrics *metrics_new(void)
{
    return calloc(1, sizeof(struct metrics));
}

void metrics_free(struct metrics *m)
{
    free(m);
}

static void observe(struct histogram *h, const double *bounds, size_t nb,
                    double v)
{
    size_t i = 0;

    while (i < nb && v > bounds[i])
        i++;
    atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_micro, (uint64_t)(v * 1e6 + 0.5),
                              memory_order_relaxed);
}

void metrics_request(struct metrics *m, enum metrics_route route, int status,
                     double seconds)
{
    size_t s = NSTATUS - 1;

    if (m == NULL || (unsigned)route >= ROUTE_COUNT)
        return;
    for (size_t i = 0; i + 1 < NSTATUS; i++)
        if (statuses[i] == status)
            s = i;
    atomic_fetch_add_explicit(&m->requests[route][s], 1, memory_order_relaxed);
    observe(&m->request_seconds[route], lat_bounds, NLAT, seconds);
}

void metrics_batch(struct metrics *m, uint64_t entries, double seconds)
{
    if (m == NULL)
        return;
    observe(&m->commit_seconds, lat_bounds, NLAT, seconds);
    observe(&m->batch_entries, size_bounds, NSIZE, (double)entries);
}

void metrics_state(struct metrics *m, uint64_t tree_size,
                   const uint64_t counts[5], uint64_t map_bytes)
{
    if (m == NULL)
        return;
    atomic_store_explicit(&m->tree_size, tree_size, memory_order_relaxed);
    for (int i = 0; i < 5; i++)
        atomic_store_explicit(&m->entries[i], counts[i], memory_order_relaxed);
    atomic_store_explicit(&m->map_bytes, map_bytes, memory_order_relaxed);
}

void metrics_connection(struct metrics *m, enum metrics_conn_event ev)
{
    if (m != NULL && (unsigned)ev < 5)
        atomic_fetch_add_explicit(&m->conn[ev], 1, memory_order_relaxed);
}

void metrics_submissions(struct metrics *m, uint64_t verified, uint64_t known)
{
    if (m == NULL)
        return;
    atomic_fetch_add_explicit(&m->signature_checks, verified,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&m->known_submissions, known,
                              memory_order_relaxed);
}

void metrics_clock(struct metrics *m, bool refused, int64_t offset_ms)
{
    if (m == NULL)
        return;
    if (refused)
        atomic_fetch_add_explicit(&m->clock_refused, 1, memory_order_relaxed);
    atomic_store_explicit(&m->clock_offset_ms, refused ? offset_ms : 0,
                          memory_order_relaxed);
}

void metrics_pending(struct metrics *m, uint64_t entries)
{
    if (m != NULL)
        atomic_store_explicit(&m->pending, entries, memory_order_relaxed);
}

void metrics_witness_name(struct metrics *m, unsigned i, const char *name)
{
    if (m == NULL || i >= METRICS_WITNESSES)
        return;
    snprintf(m->witness[i], sizeof m->witness[i], "%s", name);
    if (m->nwitnesses < i + 1)
        m->nwitnesses = i + 1;
}

void metrics_witness_cosigned(struct metrics *m, unsigned i, uint64_t size,
                              uint64_t time)
{
    if (m == NULL || i >= METRICS_WITNESSES)
        return;
    atomic_store_explicit(&m->wit_size[i], size, memory_order_relaxed);
    atomic_store_explicit(&m->wit_time[i], time, memory_order_relaxed);
}

void metrics_witness_failure(struct metrics *m, unsigned i,
                             enum metrics_push_failure kind)
{
    if (m == NULL || i >= METRICS_WITNESSES ||
        (unsigned)kind >= METRICS_PUSH_FAILURES)
        return;
    atomic_fetch_add_explicit(&m->wit_fail[i][kind], 1, memory_order_relaxed);
}

void metrics_quorum(struct metrics *m, uint64_t size, uint64_t time)
{
    if (m == NULL)
        return;
    atomic_store_explicit(&m->quorum_size, size, memory_order_relaxed);
    atomic_store_explicit(&m->quorum_time, time, memory_order_relaxed);
}

struct out {
    char *buf;
    size_t len, cap;
    int failed;
};

static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->failed)
        return;
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            o->failed = 1;
            return;
        }
        if ((size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        }
        size_t ncap = 2 * o->cap + (size_t)n;
        char *nb = realloc(o->buf, ncap);
        if (nb == NULL) {
            o->failed = 1;
            return;
        }
        o->buf = nb;
        o->cap = ncap;
    }
}

static void put_histogram(struct out *o, const char *name, const char *labels,
                          struct histogram *h, const double *bounds, size_t nb)
{
    uint64_t cum = 0;
    const char *sep = labels[0] ? "," : "";

    for (size_t i = 0; i <= nb; i++) {
        cum += atomic_load_explicit(&h->bucket[i], memory_order_relaxed);
        if (i < nb)
            put(o, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
                bounds[i], (unsigned long long)cum);
        else
            put(o, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
                (unsigned long long)cum);
    }
    put(o, "%s_sum%s%s%s %.6f\n", name, labels[0] ? "{" : "", labels,
        labels[0] ? "}" : "",
        (double)atomic_load_explicit(&h->sum_micro, memory_order_relaxed) /
            1e6);
    put(o, "%s_count%s%s%s %llu\n", name, labels[0] ? "{" : "", labels,
        labels[0] ? "}" : "",
        (unsigned long long)atomic_load_explicit(&h->count,
                                                 memory_order_relaxed));
}

/* Ages are whole seconds from a POSIX time to now (0 if in the future). */
static long long age_s(uint64_t t)
{
    time_t now = time(NULL);
    return (uint64_t)now > t ? (long long)((uint64_t)now - t) : 0;
}

static void put_witnesses(struct out *o, struct metrics *m)
{
    uint64_t qt = atomic_load(&m->quorum_time);

    if (m->nwitnesses == 0)
        return;
    put(o, "# HELP credlog_witness_cosigned_size Size of the latest checkpoint "
           "each witness cosigned.\n"
           "# TYPE credlog_witness_cosigned_size gauge\n");
    for (unsigned i = 0; i < m->nwitnesses; i++)
        put(o, "credlog_witness_cosigned_size{witness=\"%s\"} %llu\n",
            m->witness[i], (unsigned long long)atomic_load(&m->wit_size[i]));
    put(o, "# HELP credlog_witness_cosigned_age_seconds Age of each witness's "
           "latest cosignature (by its timestamp); absent before the first.\n"
           "# TYPE credlog_witness_cosigned_age_seconds gauge\n");
    for (unsigned i = 0; i < m->nwitnesses; i++) {
        uint64_t t = atomic_load(&m->wit_time[i]);
        if (t != 0)
            put(o,
                "credlog_witness_cosigned_age_seconds{witness=\"%s\"} %lld\n",
                m->witness[i], age_s(t));
    }
    put(o, "# HELP credlog_witness_failures_total Failed pushes by witness and "
           "kind (ahead, inconsistent and bad_cosignature are alarms).\n"
           "# TYPE credlog_witness_failures_total counter\n");
    for (unsigned i = 0; i < m->nwitnesses; i++)
        for (unsigned k = 0; k < METRICS_PUSH_FAILURES; k++)
            put(o,
                "credlog_witness_failures_total{witness=\"%s\",kind=\"%s\"} "
                "%llu\n",
                m->witness[i], push_failure_names[k],
                (unsigned long long)atomic_load(&m->wit_fail[i][k]));
    put(o, "# HELP credlog_witness_alarms_total Alarms by witness: a size "
           "beyond the log's, an inconsistency, a bad cosignature.\n"
           "# TYPE credlog_witness_alarms_total counter\n");
    for (unsigned i = 0; i < m->nwitnesses; i++) {
        uint64_t n = 0;
        for (unsigned k = METRICS_PUSH_FIRST_ALARM; k < METRICS_PUSH_FAILURES;
             k++)
            n += atomic_load(&m->wit_fail[i][k]);
        put(o, "credlog_witness_alarms_total{witness=\"%s\"} %llu\n",
            m->witness[i], (unsigned long long)n);
    }
    put(o,
        "# HELP credlog_witness_quorum_size Size of the latest checkpoint "
        "whose cosignatures meet the policy's quorum (0: none yet).\n"
        "# TYPE credlog_witness_quorum_size gauge\n"
        "credlog_witness_quorum_size %llu\n",
        (unsigned long long)atomic_load(&m->quorum_size));
    put(o,
        "# HELP credlog_witness_quorum_age_seconds Seconds since a checkpoint "
        "last met the quorum (-1: never).\n"
        "# TYPE credlog_witness_quorum_age_seconds gauge\n"
        "credlog_witness_quorum_age_seconds %lld\n",
        qt != 0 ? age_s(qt) : -1LL);
}

void metrics_replica_enable(struct metrics *m)
{
    if (m != NULL)
        m->replica = true;
}

void metrics_replica_sizes(struct metrics *m, uint64_t primary_size,
                           uint64_t size)
{
    if (m == NULL)
        return;
    atomic_store(&m->replica_primary, primary_size);
    atomic_store(&m->replica_size, size);
}

void metrics_replica_verified(struct metrics *m, uint64_t verified)
{
    if (m != NULL)
        atomic_store(&m->replica_verified, verified);
}

void metrics_replica_alarm(struct metrics *m, enum metrics_replica_alarm a)
{
    if (m != NULL && (unsigned)a < METRICS_REPLICA_ALARMS)
        atomic_store(&m->replica_alarm, (int)a);
}

void metrics_replica_waiting(struct metrics *m, bool waiting)
{
    if (m != NULL)
        atomic_store(&m->replica_waiting, waiting);
}

void metrics_replica_failure(struct metrics *m)
{
    if (m != NULL)
        atomic_fetch_add(&m->replica_failures, 1);
}

static void put_replica(struct out *o, struct metrics *m)
{
    uint64_t p = atomic_load(&m->replica_primary);
    uint64_t s = atomic_load(&m->replica_size);
    int a = atomic_load(&m->replica_alarm);

    if (!m->replica)
        return;
    put(o,
        "# HELP credlog_replica_primary_size Size of the primary's latest "
        "checkpoint the replica verified the signature of.\n"
        "# TYPE credlog_replica_primary_size gauge\n"
        "credlog_replica_primary_size %llu\n"
        "# HELP credlog_replica_lag_entries Entries the replica is behind "
        "that checkpoint.\n"
        "# TYPE credlog_replica_lag_entries gauge\n"
        "credlog_replica_lag_entries %llu\n"
        "# HELP credlog_replica_verified_entries Entries verified so far "
        "(ahead of those served during a catch-up).\n"
        "# TYPE credlog_replica_verified_entries gauge\n"
        "credlog_replica_verified_entries %llu\n",
        (unsigned long long)p, (unsigned long long)(p > s ? p - s : 0),
        (unsigned long long)atomic_load(&m->replica_verified));
    put(o,
        "# HELP credlog_replica_alarm_code Why the replica stopped advancing "
        "(0: it follows the primary; see credlog_replica_alarm).\n"
        "# TYPE credlog_replica_alarm_code gauge\n"
        "credlog_replica_alarm_code %d\n"
        "# HELP credlog_replica_alarm 1 for the reason the replica stopped "
        "advancing: the primary forked or lied.\n"
        "# TYPE credlog_replica_alarm gauge\n",
        a);
    for (int i = 1; i < METRICS_REPLICA_ALARMS; i++)
        put(o, "credlog_replica_alarm{reason=\"%s\"} %d\n",
            replica_alarm_names[i], a == i);
    put(o,
        "# HELP credlog_replica_policy_waiting 1 while the primary's latest "
        "checkpoint does not meet the witness policy yet.\n"
        "# TYPE credlog_replica_policy_waiting gauge\n"
        "credlog_replica_policy_waiting %d\n"
        "# HELP credlog_replica_fetch_failures_total Rounds that could not "
        "reach or read the primary.\n"
        "# TYPE credlog_replica_fetch_failures_total counter\n"
        "credlog_replica_fetch_failures_total %llu\n",
        atomic_load(&m->replica_waiting) ? 1 : 0,
        (unsigned long long)atomic_load(&m->replica_failures));
}

char *metrics_format(struct metrics *m, size_t *len)
{
    static const char *const types[5] = {NULL, "issue", "revoke", "map", "key"};
    struct out o = {malloc(16384), 0, 16384, 0};
    char labels[64];

    if (o.buf == NULL)
        return NULL;
    put(&o,
        "# HELP credlog_tree_size Entries in the log (size of the latest "
        "checkpoint).\n"
        "# TYPE credlog_tree_size gauge\ncredlog_tree_size %llu\n",
        (unsigned long long)atomic_load(&m->tree_size));
    put(&o, "# HELP credlog_entries Entries in the log by type.\n"
            "# TYPE credlog_entries gauge\n");
    for (int i = 1; i < 5; i++)
        put(&o, "credlog_entries{type=\"%s\"} %llu\n", types[i],
            (unsigned long long)atomic_load(&m->entries[i]));
    put(&o,
        "# HELP credlog_pending_entries Submitted entries waiting for the "
        "sequencer.\n"
        "# TYPE credlog_pending_entries gauge\ncredlog_pending_entries %llu\n",
        (unsigned long long)atomic_load(&m->pending));
    put(&o,
        "# HELP credlog_signature_checks_total Submitted entries whose issuer "
        "signature was checked.\n"
        "# TYPE credlog_signature_checks_total counter\n"
        "credlog_signature_checks_total %llu\n"
        "# HELP credlog_known_submissions_total Submitted entries the log "
        "already held byte for byte (not checked again).\n"
        "# TYPE credlog_known_submissions_total counter\n"
        "credlog_known_submissions_total %llu\n",
        (unsigned long long)atomic_load(&m->signature_checks),
        (unsigned long long)atomic_load(&m->known_submissions));
    put(&o,
        "# HELP credlog_clock_refused_total Stamps of log-made entries that "
        "refused a jumped wall clock.\n"
        "# TYPE credlog_clock_refused_total counter\n"
        "credlog_clock_refused_total %llu\n"
        "# HELP credlog_clock_offset_seconds The wall clock minus the "
        "monotonic estimate at the last refused stamp; 0 when trusted.\n"
        "# TYPE credlog_clock_offset_seconds gauge\n"
        "credlog_clock_offset_seconds %lld\n",
        (unsigned long long)atomic_load(&m->clock_refused),
        (long long)(atomic_load(&m->clock_offset_ms) / 1000));
    put(&o,
        "# HELP credlog_storage_map_bytes Size of the LMDB map.\n"
        "# TYPE credlog_storage_map_bytes gauge\ncredlog_storage_map_bytes "
        "%llu\n",
        (unsigned long long)atomic_load(&m->map_bytes));
    put(&o,
        "# HELP credlog_batch_entries Entries appended per committed batch.\n"
        "# TYPE credlog_batch_entries histogram\n");
    put_histogram(&o, "credlog_batch_entries", "", &m->batch_entries,
                  size_bounds, NSIZE);
    put(&o, "# HELP credlog_commit_seconds Time to write, sign and durably "
            "commit a batch.\n"
            "# TYPE credlog_commit_seconds histogram\n");
    put_histogram(&o, "credlog_commit_seconds", "", &m->commit_seconds,
                  lat_bounds, NLAT);
    {
        uint64_t opened = atomic_load(&m->conn[METRICS_CONN_OPENED]);
        uint64_t closed = atomic_load(&m->conn[METRICS_CONN_CLOSED]);
        put(&o,
            "# HELP credlog_http_connections HTTP connections open now.\n"
            "# TYPE credlog_http_connections gauge\ncredlog_http_connections "
            "%llu\n",
            (unsigned long long)(opened >= closed ? opened - closed : 0));
        put(&o,
            "# HELP credlog_http_connections_total HTTP connections accepted.\n"
            "# TYPE credlog_http_connections_total counter\n"
            "credlog_http_connections_total %llu\n",
            (unsigned long long)opened);
        put(&o,
            "# HELP credlog_http_connections_refused_total Connections "
            "answered 503 beyond --max-connections.\n"
            "# TYPE credlog_http_connections_refused_total counter\n"
            "credlog_http_connections_refused_total %llu\n",
            (unsigned long long)atomic_load(&m->conn[METRICS_CONN_REFUSED]));
        put(&o,
            "# HELP credlog_http_request_timeouts_total Connections closed "
            "because a request did not arrive within --request-timeout.\n"
            "# TYPE credlog_http_request_timeouts_total counter\n"
            "credlog_http_request_timeouts_total %llu\n",
            (unsigned long long)atomic_load(&m->conn[METRICS_CONN_TIMED_OUT]));
        put(&o,
            "# HELP credlog_http_fast_answers_total Answers logd wrote "
            "itself, without evhttp (200 answers to simple GETs).\n"
            "# TYPE credlog_http_fast_answers_total counter\n"
            "credlog_http_fast_answers_total %llu\n",
            (unsigned long long)atomic_load(&m->conn[METRICS_CONN_FAST]));
    }
    put(&o, "# HELP credlog_http_requests_total HTTP requests answered, by "
            "route and status.\n"
            "# TYPE credlog_http_requests_total counter\n");
    for (int r = 0; r < ROUTE_COUNT; r++)
        for (size_t s = 0; s < NSTATUS; s++) {
            uint64_t v = atomic_load(&m->requests[r][s]);
            if (v == 0)
                continue;
            if (s + 1 < NSTATUS)
                put(&o,
                    "credlog_http_requests_total{route=\"%s\",code=\"%d\"} "
                    "%llu\n",
                    route_names[r], statuses[s], (unsigned long long)v);
            else
                put(&o,
                    "credlog_http_requests_total{route=\"%s\",code=\"other\"} "
                    "%llu\n",
                    route_names[r], (unsigned long long)v);
        }
    put(&o, "# HELP credlog_http_request_seconds HTTP request latency by route "
            "(submissions: until the receipt).\n"
            "# TYPE credlog_http_request_seconds histogram\n");
    for (int r = 0; r < ROUTE_COUNT; r++) {
        snprintf(labels, sizeof labels, "route=\"%s\"", route_names[r]);
        put_histogram(&o, "credlog_http_request_seconds", labels,
                      &m->request_seconds[r], lat_bounds, NLAT);
    }
    put_witnesses(&o, m);
    put_replica(&o, m);
    if (o.failed) {
        free(o.buf);
        return NULL;
    }
    *len = o.len;
    return o.buf;
}
