/*
 * wmap.c: the map-verifying witness's replay. See wmap.h.
 *
 * Nothing here judges an entry: the monitor's run (client_monitor_run_note())
 * fetches the tiles, proves each chunk part of the signed tree and replays it
 * by proofs/replay.h, exactly as `credlog monitor` does. What is the
 * witness's own is the mapping of the monitor's outcomes onto answers: an
 * alert is the log's fault (422), an unreachable log or an unfinished
 * catch-up is a later try (503).
 */
#include "witness/wmap.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "client/api.h"
#include "client/error.h"
#include "client/files.h"
#include "client/monitor.h"
#include "proofs/codec.h"

struct wmap_log {
    char origin[NOTE_NAME_MAX + 1];
    struct client_api *api;
    struct client_monitor *mon; /* opened at the first verification */
};

struct wmap {
    char dir[PATH_MAX];
    uint64_t max_entries;
    int timeout_s;
    const char *cacert;
    struct wmap_log *logs;
    size_t n;
};

int wmap_open(const char *data_dir, uint64_t max_entries, int timeout_s,
              const char *cacert, struct wmap **out)
{
    struct wmap *w = calloc(1, sizeof *w);

    *out = NULL;
    if (w == NULL)
        return WITNESS_ERR_NOMEM;
    snprintf(w->dir, sizeof w->dir, "%s/map", data_dir);
    w->max_entries = max_entries > 0 ? max_entries : WMAP_MAX_ENTRIES_DEFAULT;
    w->timeout_s = timeout_s;
    w->cacert = cacert;
    *out = w;
    return 0;
}

void wmap_close(struct wmap *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->n; i++) {
        client_monitor_close(w->logs[i].mon);
        client_api_close(w->logs[i].api);
    }
    free(w->logs);
    free(w);
}

static struct wmap_log *find(const struct wmap *w, const char *origin)
{
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->logs[i].origin, origin) == 0)
            return &w->logs[i];
    return NULL;
}

int wmap_add_url(struct wmap *w, const char *spec, char *why)
{
    const char *eq = strchr(spec, '=');
    struct client_api_options opt = {w->cacert, w->timeout_s};
    char inner[CLIENT_REASON_MAX];
    struct wmap_log *l, *grown;
    size_t olen;

    if (eq == NULL || eq == spec ||
        (olen = (size_t)(eq - spec)) > NOTE_NAME_MAX) {
        snprintf(why, WMAP_WHY_MAX,
                 "--log-url wants ORIGIN=URL (a log's origin, '=', its URL), "
                 "not '%s'",
                 spec);
        return WITNESS_ERR_MALFORMED;
    }
    if ((grown = realloc(w->logs, (w->n + 1) * sizeof *grown)) == NULL)
        return WITNESS_ERR_NOMEM;
    w->logs = grown;
    l = &w->logs[w->n];
    memset(l, 0, sizeof *l);
    memcpy(l->origin, spec, olen);
    l->origin[olen] = '\0';
    if (find(w, l->origin) != NULL) {
        snprintf(why, WMAP_WHY_MAX, "--log-url: %s is given twice", l->origin);
        return WITNESS_ERR_MALFORMED;
    }
    if (client_api_open(eq + 1, &opt, &l->api, inner) != 0) {
        snprintf(why, WMAP_WHY_MAX, "--log-url %s: %s", l->origin, inner);
        return WITNESS_ERR_MALFORMED;
    }
    w->n++;
    return 0;
}

bool wmap_has(const struct wmap *w, const char *origin)
{
    return find(w, origin) != NULL;
}

size_t wmap_count(const struct wmap *w)
{
    return w->n;
}

const char *wmap_origin(const struct wmap *w, size_t i)
{
    return w->logs[i].origin;
}

/* The first alert of a run becomes the answer's reason. */
struct alerts {
    char *why;
    unsigned n;
};

static void on_alert(void *ctx, const char *msg, const char *note_a,
                     const char *note_b)
{
    struct alerts *a = ctx;

    (void)note_a;
    (void)note_b;
    if (a->n++ == 0)
        snprintf(a->why, WMAP_WHY_MAX, "%s", msg);
}

/* Opens the log's monitor in DATA/map/<hex SHA-256(origin)>. */
static int open_monitor(struct wmap *w, struct wmap_log *l,
                        const struct note_verifier *log, char *why)
{
    char dir[PATH_MAX + 80], hex[2 * SHA256_DIGEST_LENGTH + 1];
    char inner[CLIENT_REASON_MAX];
    uint8_t hash[SHA256_DIGEST_LENGTH];
    int rc;

    SHA256((const uint8_t *)l->origin, strlen(l->origin), hash);
    codec_hex_encode(hash, sizeof hash, hex);
    snprintf(dir, sizeof dir, "%s/%s", w->dir, hex);
    rc = client_monitor_open(dir, log, &l->mon, inner);
    if (rc == CLIENT_ERR_NOMEM)
        return WITNESS_ERR_NOMEM;
    if (rc != 0) {
        snprintf(why, WMAP_WHY_MAX, "the replay state of %s: %s", l->origin,
                 inner);
        return WITNESS_ERR_STORE;
    }
    client_monitor_set_limits(l->mon, w->max_entries, 0);
    return 0;
}

int wmap_verify(struct wmap *w, const struct note_verifier *log,
                const char *note, size_t len, uint64_t *done, uint64_t *checked,
                char *why)
{
    struct wmap_log *l = find(w, log->name);
    struct alerts a = {why, 0};
    struct client_monitor_hooks hooks = {on_alert, NULL, &a, NULL, NULL};
    struct client_monitor_result res;
    char inner[CLIENT_REASON_MAX] = "";
    int rc;

    *done = *checked = 0;
    why[0] = '\0';
    if (l == NULL) {
        snprintf(why, WMAP_WHY_MAX, "no --log-url for %s", log->name);
        return WITNESS_ERR_BUSY;
    }
    if (l->mon == NULL && (rc = open_monitor(w, l, log, why)) != 0)
        return rc;
    rc =
        client_monitor_run_note(l->mon, l->api, note, len, &hooks, &res, inner);
    *done = res.verified;
    *checked = res.checked;
    if (rc == 0 && res.complete)
        return 0;
    if (rc == 0) {
        snprintf(why, WMAP_WHY_MAX,
                 "the map is verified up to %" PRIu64 " of %" PRIu64
                 " entries; the replay goes on with the next request",
                 res.verified, res.new_size);
        return WITNESS_ERR_BUSY;
    }
    if (rc == CLIENT_ERR_INVALID)
        return WITNESS_ERR_MAP;
    if (rc == CLIENT_ERR_NOMEM)
        return WITNESS_ERR_NOMEM;
    if (rc == CLIENT_ERR_STATE || rc == CLIENT_ERR_IO) {
        snprintf(why, WMAP_WHY_MAX, "the replay state of %s: %s", l->origin,
                 inner);
        return WITNESS_ERR_STORE;
    }
    snprintf(why, WMAP_WHY_MAX, "cannot read %s's tiles: %s", l->origin, inner);
    return WITNESS_ERR_BUSY;
}
