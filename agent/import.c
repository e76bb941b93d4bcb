/* import.c: see import.h. */
#include "agent/import.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "agent/csv.h"
#include "agent/engine.h"
#include "agent/journal.h"
#include "agent/request.h"
#include "client/files.h"
#include "proofs/codec.h"
#include "proofs/entry.h"

#define CSV_FILE_MAX ((size_t)1 << 30)

static const char *const columns[] = {"department", "action", "file",
                                      "credential", "key",    "profile",
                                      "salt",       "reason", "name"};
#define NCOLUMNS (sizeof columns / sizeof columns[0])

struct import {
    struct event_base *base;
    const char *out_dir;
    bool json;
    size_t total, answered;
    int worst;
};

/* One row's answer context. */
struct row {
    struct import *im;
    size_t line;
    char name[AGENT_NAME_MAX + 1];
};

static void print_row(struct row *r, int status, json_t *body)
{
    struct import *im = r->im;
    const char *st = json_string_value(json_object_get(body, "status"));
    const char *err = json_string_value(json_object_get(body, "error"));
    json_t *bundle = json_object_get(body, "bundle");
    char path[PATH_MAX], why[CLIENT_REASON_MAX];

    if (status == 200 && bundle != NULL && im->out_dir != NULL) {
        char *text = json_dumps(bundle, JSON_INDENT(2));

        snprintf(path, sizeof path, "%s/%s.credlog", im->out_dir,
                 r->name[0] ? r->name : "credential");
        if (text == NULL || client_write_file_atomic(path, text, strlen(text),
                                                     0600, why) != 0) {
            status = 500;
            err = "the bundle could not be written";
        }
        free(text);
    }
    if (im->json) {
        json_t *j = json_object();
        char *text;

        json_object_set_new(j, "row", json_integer((json_int_t)r->line));
        json_object_set_new(j, "http_status", json_integer(status));
        json_object_update(j, body);
        json_object_del(j, "bundle");
        text = json_dumps(j, JSON_COMPACT);
        if (text != NULL)
            puts(text);
        free(text);
        json_decref(j);
    } else if (status == 200) {
        printf("row %zu: %s entry %lld %s\n", r->line, st ? st : "?",
               (long long)json_integer_value(json_object_get(body, "index")),
               json_string_value(json_object_get(body, "credential_hash")));
    } else {
        printf("row %zu: error %d: %s\n", r->line, status, err ? err : "?");
    }
    if (status != 200) {
        int level = status >= 400 && status < 500 ? 1 : 2;

        if (level > im->worst)
            im->worst = level;
    }
}

static void on_answer(void *arg, int status, json_t *body)
{
    struct row *r = arg;
    struct import *im = r->im;

    print_row(r, status, body);
    free(r);
    if (++im->answered == im->total)
        event_base_loopbreak(im->base);
}

static void row_error(struct import *im, size_t line, int status,
                      const char *msg)
{
    struct row *r = calloc(1, sizeof *r);
    json_t *j = json_pack("{s:s}", "error", msg);

    if (r == NULL || j == NULL) {
        free(r);
        json_decref(j);
        im->worst = 2;
        return;
    }
    r->im = im;
    r->line = line;
    im->total++;
    on_answer(r, status, j);
    json_decref(j);
}

/* Turns a row into a request JSON object, as POST /issue or /revoke takes
 * it; returns NULL with why. */
static json_t *row_request(const char *const *col, const char *dir,
                           uint8_t *type, char *why)
{
    json_t *j = json_object();
    char path[PATH_MAX], fwhy[CLIENT_REASON_MAX];

    *type = ENTRY_ISSUE;
    if (col[1] != NULL && col[1][0] != '\0') {
        if (strcmp(col[1], "revoke") == 0)
            *type = ENTRY_REVOKE;
        else if (strcmp(col[1], "issue") != 0) {
            snprintf(why, AGENT_WHY_MAX, "action wants issue or revoke");
            goto bad;
        }
    }
    if (col[2] != NULL && col[2][0] != '\0') {
        char *data, *b64;
        size_t len;

        int n = col[2][0] == '/' || dir[0] == '\0'
                    ? snprintf(path, sizeof path, "%s", col[2])
                    : snprintf(path, sizeof path, "%s/%s", dir, col[2]);

        if (n < 0 || (size_t)n >= sizeof path) {
            snprintf(why, AGENT_WHY_MAX, "file: path too long");
            goto bad;
        }
        if (client_read_file(path, AGENT_CREDENTIAL_MAX, &data, &len, fwhy) !=
            0) {
            snprintf(why, AGENT_WHY_MAX, "%s", fwhy);
            goto bad;
        }
        if ((b64 = malloc(CODEC_B64_LEN(len) + 1)) == NULL) {
            free(data);
            snprintf(why, AGENT_WHY_MAX, "out of memory");
            goto bad;
        }
        codec_b64_encode((const uint8_t *)data, len, b64);
        free(data);
        json_object_set_new(j, "credential", json_string(b64));
        free(b64);
        if (col[8] == NULL || col[8][0] == '\0') {
            const char *slash = strrchr(col[2], '/');

            json_object_set_new(j, "name",
                                json_string(slash ? slash + 1 : col[2]));
        }
    }
    for (size_t c = 3; c < NCOLUMNS; c++)
        if (col[c] != NULL && col[c][0] != '\0')
            json_object_set_new(j, columns[c], json_string(col[c]));
    return j;
bad:
    json_decref(j);
    return NULL;
}

/* Submits each data row of text. */
static int feed(struct import *im, struct agent_engine *e,
                const struct agent_config *cfg, const char *text, size_t len,
                const char *dir)
{
    struct agent_csv_row hdr, row;
    size_t map[AGENT_CSV_FIELDS_MAX], pos = 0, line = 1;
    char why[AGENT_WHY_MAX];
    int rc;

    if ((rc = agent_csv_next(text, len, &pos, &hdr, why)) != 1) {
        fprintf(stderr, "credlog agent: --import: %s\n",
                rc == 0 ? "empty file: want a header line" : why);
        return -1;
    }
    for (size_t i = 0; i < hdr.n; i++) {
        map[i] = NCOLUMNS;
        for (size_t c = 0; c < NCOLUMNS; c++)
            if (strcmp(hdr.field[i], columns[c]) == 0)
                map[i] = c;
        if (map[i] == NCOLUMNS) {
            fprintf(stderr, "credlog agent: --import: unknown column '%s'\n",
                    hdr.field[i]);
            free(hdr.block);
            return -1;
        }
    }
    while ((rc = agent_csv_next(text, len, &pos, &row, why)) == 1) {
        const char *col[NCOLUMNS] = {0};
        struct agent_request r;
        struct row *ctx;
        uint8_t type;
        json_t *j;
        char *body;
        long dept;

        line++;
        if (row.n == 1 && row.field[0][0] == '\0') {
            free(row.block);
            continue; /* a blank line */
        }
        if (row.n != hdr.n) {
            free(row.block);
            row_error(im, line, 400, "not as many fields as the header");
            continue;
        }
        for (size_t i = 0; i < row.n; i++)
            col[map[i]] = row.field[i];
        dept = -1;
        for (size_t d = 0; col[0] != NULL && d < cfg->ndepts; d++)
            if (strcmp(cfg->depts[d].name, col[0]) == 0)
                dept = (long)d;
        if (dept < 0) {
            free(row.block);
            row_error(im, line, 400, "unknown department");
            continue;
        }
        j = row_request(col, dir, &type, why);
        free(row.block);
        if (j == NULL) {
            row_error(im, line, 400, why);
            continue;
        }
        body = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        rc = body != NULL
                 ? agent_request_parse(body, strlen(body), type, &r, why)
                 : AGENT_ERR_NOMEM;
        free(body);
        if (rc != 0) {
            row_error(im, line, 400,
                      rc == AGENT_ERR_NOMEM ? "out of memory" : why);
            continue;
        }
        r.dept = (size_t)dept;
        if ((ctx = calloc(1, sizeof *ctx)) == NULL) {
            agent_request_free(&r);
            row_error(im, line, 500, "out of memory");
            continue;
        }
        ctx->im = im;
        ctx->line = line;
        snprintf(ctx->name, sizeof ctx->name, "%s", r.name);
        im->total++;
        agent_engine_submit(e, &r, on_answer, ctx);
    }
    free(hdr.block);
    if (rc != 0) {
        fprintf(stderr, "credlog agent: --import: line %zu: %s\n", line + 1,
                why);
        return -1;
    }
    return 0;
}

int agent_import_run(const struct agent_config *cfg, const char *csv_path,
                     const char *out_dir, bool json, int timeout_s)
{
    struct import im = {0};
    struct agent_journal *journal = NULL;
    struct agent_engine *e = NULL;
    char why[AGENT_WHY_MAX], fwhy[CLIENT_REASON_MAX], dir[PATH_MAX];
    const char *slash = strrchr(csv_path, '/');
    char *text = NULL;
    size_t len;
    int rc = 2;

    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - csv_path) : 0,
             csv_path);
    if (slash == csv_path)
        snprintf(dir, sizeof dir, "/");
    im.out_dir = out_dir;
    im.json = json;
    if (client_read_file(csv_path, CSV_FILE_MAX, &text, &len, fwhy) != 0) {
        fprintf(stderr, "credlog agent: %s\n", fwhy);
        return 2;
    }
    if ((im.base = event_base_new()) == NULL)
        goto done;
    if (agent_journal_open(cfg->data_dir, &journal, why) != 0 ||
        agent_engine_new(im.base, cfg, journal, timeout_s, NULL, NULL, &e,
                         why) != 0) {
        fprintf(stderr, "credlog agent: %s\n", why);
        goto done;
    }
    if (feed(&im, e, cfg, text, len, dir) != 0)
        goto done;
    if (im.answered < im.total)
        event_base_dispatch(im.base);
    rc = im.worst;
done:
    agent_engine_free(e);
    agent_journal_close(journal);
    if (im.base != NULL)
        event_base_free(im.base);
    free(text);
    return rc;
}
