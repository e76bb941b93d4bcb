/*
 * test_logd_keys.c: the key map against a real logd (issue 10 item 1;
 * docs/protocol.md §B.6.3, §B.6.4, Part D, §E.1, §E.2, §E.4):
 *  - a new log has only version 2 entries: a KEY v2 add per configured key
 *    (with the issuers file's identity) and then a MAP v2 entry (Part D,
 *    invariants 1 and 7);
 *  - receipts and status proofs carry map, key and key_proof, and verify
 *    with proofs/ alone (tests/support/answer.c does §E.4), also for a
 *    credential whose key was removed after it signed;
 *  - every MAP v2 entry's key_root equals the root computed here from the
 *    KEY entries by Part D's rules, with tests/support/naive.c;
 *  - GET /v1/issuers lists every key ever added, a removed one with its
 *    removed_index, also after a restart, and each with its identity;
 *  - an issuers file that lists a removed key is refused: at start logd
 *    exits naming the key and its remove index, on SIGHUP it keeps its
 *    keys; likewise a file that changes an authorized key's identity;
 *  - a log as logd left it before version 2 (version 1 KEY and MAP
 *    entries, a key removed and added again, storage format 3 keeping only
 *    the authorized keys) continues with version 2: logd rebuilds the keys
 *    from the KEY entries (the re-added key stays removed, and a file that
 *    lists it is refused), appends a MAP v2 at start whose key map covers
 *    every KEY entry since 0, and its receipts verify by §E.4 with a KEY v1
 *    entry.
 */
#include <errno.h>
#include <lmdb.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "check.h"
#include "client/http.h"
#include "files.h"
#include "issuer.h"
#include "logd_api.h"
#include "logd/seq_tree.h"
#include "logd/signer.h"
#include "logd/store.h"
#include "logd_proc.h"
#include "naive.h"
#include "proofs/entry.h"
#include "proofs/smt.h"

static struct issuer A, B, C;
static struct logd_proc P;
static struct client_http *H;
static uint64_t rnd = 0x6b657961;

#define A_IDENTITY "name=\"Avans Hogeschool\" dns=avans.nl brin=07GR"

/* Writes the issuers file: each key's verifier string and its fields. */
static void write_file(const struct issuer *const *keys, const char *const *ids,
                       size_t n)
{
    char text[4096], vk[NOTE_KEY_TEXT_MAX];
    size_t used = 0;

    for (size_t i = 0; i < n; i++) {
        note_verifier_format(&keys[i]->v, vk, sizeof vk);
        used += (size_t)snprintf(text + used, sizeof text - used, "%s %s\n", vk,
                                 ids[i]);
    }
    REQUIRE(files_write_mode(P.issuers_path, text, 0644) == 0);
}

static void start(void)
{
    static const char *const args[] = {"--batch-wait", "2", NULL};

    REQUIRE(logd_proc_start(&P, args) == 0);
    REQUIRE(client_http_open(P.url, NULL, &H) == 0);
}

static void stop(void)
{
    client_http_close(H);
    H = NULL;
    CHECK(logd_proc_stop(&P) == 0);
}

/* Entry i of the log (GET /v1/entries/i), decoded. */
static bool get_entry(uint64_t i, struct entry *e)
{
    char path[64];
    uint8_t buf[ENTRY_MAX_SIZE];
    int status, len;
    json_t *j;

    snprintf(path, sizeof path, "/v1/entries/%llu", (unsigned long long)i);
    j = logd_api_get_json(H, path, &status);
    len = answer_b64(json_object_get(j, "entry"), buf, sizeof buf);
    json_decref(j);
    return status == 200 && len > 0 && entry_decode(buf, (size_t)len, e) == 0;
}

/* Issues (or revokes) cred with is; checks the receipt (§E.1 with §E.4);
 * returns the entry's index. */
static uint64_t submit(uint8_t type, const uint8_t cred[32],
                       const struct issuer *is)
{
    struct entry e;
    uint8_t bytes[ENTRY_MAX_SIZE];
    json_t *arr = json_array(), *ans = NULL, *rec;
    uint64_t index = 0;
    size_t len;

    issuer_entry(&e, type, cred, is, issuer_now_ms(), 0);
    len = issuer_entry_bytes(&e, bytes);
    json_array_append_new(arr, issuer_submission_json(&e));
    CHECK(logd_api_post_entries(H, arr, &ans) == 200);
    rec = json_array_get(json_object_get(ans, "receipts"), 0);
    CHECK_MSG(answer_receipt(&P, rec, bytes, len, &index, NULL),
              "the receipt does not verify by docs/protocol.md E.1");
    /* The fields, as protocol.md E.1 names them. */
    CHECK(json_is_object(json_object_get(rec, "map")) &&
          json_is_object(json_object_get(rec, "key")) &&
          json_is_string(json_object_get(rec, "key_proof")));
    json_decref(ans);
    return index;
}

static void check_status(const uint8_t cred[32], const char *want)
{
    char path[128], hex[65];
    int status;
    json_t *j;

    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", cred[i]);
    snprintf(path, sizeof path, "/v1/status/%s", hex);
    j = logd_api_get_json(H, path, &status);
    CHECK(status == 200);
    CHECK_MSG(answer_status(&P, j, cred, want),
              "the %s status proof does not verify by docs/protocol.md E.2",
              want);
    json_decref(j);
}

/* Every entry from first_v2 on is version 2 (those before, version 1);
 * every MAP v2 entry's key_root is the key map over the entries before it,
 * replayed here by Part D's rules. Returns the log size. */
static uint64_t check_key_roots_from(uint64_t first_v2)
{
    struct naive_cred keys[16];
    size_t nkeys = 0, maps = 0;
    struct checkpoint cp;
    uint64_t size;

    if (logd_api_checkpoint(H, &P, &cp, NULL) <= 0) {
        CHECK_MSG(0, "no checkpoint");
        return 0;
    }
    size = cp.size;
    for (uint64_t i = 0; i < size; i++) {
        struct entry e;
        uint8_t mk[32];
        if (!get_entry(i, &e)) {
            CHECK_MSG(0, "entry %llu cannot be read", (unsigned long long)i);
            return 0;
        }
        CHECK_MSG(e.version ==
                      (i < first_v2 ? ENTRY_VERSION_1 : ENTRY_VERSION_2),
                  "entry %llu is version %u", (unsigned long long)i, e.version);
        if (e.type == ENTRY_MAP && e.version == ENTRY_VERSION_2) {
            struct naive_cred sorted[16];
            uint8_t root[32];
            memcpy(sorted, keys, nkeys * sizeof keys[0]);
            naive_sort(sorted, nkeys);
            naive_map_root(sorted, nkeys, root);
            CHECK_MSG(memcmp(root, e.key_root, 32) == 0,
                      "MAP entry %llu: key_root is not the key map's root",
                      (unsigned long long)i);
            maps++;
        }
        if (e.type != ENTRY_KEY)
            continue;
        naive_key_map_key(e.issuer, e.public_key, mk);
        size_t k = 0;
        while (k < nkeys && memcmp(keys[k].key, mk, 32) != 0)
            k++;
        if (e.key_op == ENTRY_KEY_ADD && k == nkeys && nkeys < 16) {
            memcpy(keys[nkeys].key, mk, 32);
            keys[nkeys].issue = i;
            keys[nkeys].revoke = SMT_NONE;
            nkeys++;
        } else if (e.key_op == ENTRY_KEY_REMOVE && k < nkeys &&
                   keys[k].revoke == SMT_NONE) {
            keys[k].revoke = i;
        }
    }
    CHECK(maps >= 1);
    return size;
}

static uint64_t check_key_roots(void)
{
    return check_key_roots_from(0);
}

/* The /v1/issuers item of is's key, or NULL (a new reference). */
static json_t *issuers_item(const struct issuer *is)
{
    char vk[NOTE_KEY_TEXT_MAX];
    int status;
    json_t *j = logd_api_get_json(H, "/v1/issuers", &status), *found = NULL;
    json_t *list = json_object_get(j, "issuers");

    note_verifier_format(&is->v, vk, sizeof vk);
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *it = json_array_get(list, i);
        const char *k = json_string_value(json_object_get(it, "key"));
        if (k != NULL && strcmp(k, vk) == 0)
            found = json_incref(it);
    }
    json_decref(j);
    return found;
}

static void test_new_log(void)
{
    const struct issuer *keys[2] = {&A, &B};
    const char *ids[2] = {A_IDENTITY, ""};
    struct entry e;
    const uint8_t *v;
    size_t len;
    json_t *it;

    write_file(keys, ids, 2);
    start();
    /* Invariant 1: the KEY v2 adds, then a MAP v2 entry. */
    for (uint64_t i = 0; i < 2; i++) {
        REQUIRE(get_entry(i, &e));
        CHECK(e.version == ENTRY_VERSION_2 && e.type == ENTRY_KEY &&
              e.key_op == ENTRY_KEY_ADD);
        if (strcmp(e.issuer, "avans.nl") == 0)
            CHECK(entry_identity_get(&e, ENTRY_ID_NAME, &v, &len) &&
                  len == 16 && memcmp(v, "Avans Hogeschool", 16) == 0 &&
                  entry_identity_get(&e, ENTRY_ID_BRIN, &v, &len) && len == 4 &&
                  e.identity_len == 2 + 16 + 2 + 8 + 2 + 4);
        else
            CHECK(e.identity_len == 0);
    }
    REQUIRE(get_entry(2, &e));
    CHECK(e.version == ENTRY_VERSION_2 && e.type == ENTRY_MAP &&
          e.map_index == 2);
    it = issuers_item(&A);
    CHECK(it != NULL && json_is_null(json_object_get(it, "removed_index")) &&
          json_integer_value(json_object_get(it, "added_index")) >= 0);
    CHECK(strcmp(json_string_value(
                     json_object_get(json_object_get(it, "identity"), "name")),
                 "Avans Hogeschool") == 0 &&
          strcmp(json_string_value(
                     json_object_get(json_object_get(it, "identity"), "dns")),
                 "avans.nl") == 0 &&
          json_object_size(json_object_get(it, "identity")) == 3);
    json_decref(it);
    it = issuers_item(&B);
    CHECK(it != NULL && json_object_size(json_object_get(it, "identity")) == 0);
    json_decref(it);
}

static void test_removed_key(void)
{
    const struct issuer *keys[3] = {&B, &A, &C};
    const char *ids[3] = {"", A_IDENTITY, "dns=c.example"};
    uint8_t c1[32], c2[32], c3[32];
    uint64_t i1, removed;
    char vk[NOTE_KEY_TEXT_MAX], msg[NOTE_KEY_TEXT_MAX + 64];
    json_t *it;

    check_rand_cred(&rnd, c1);
    check_rand_cred(&rnd, c2);
    check_rand_cred(&rnd, c3);
    i1 = submit(ENTRY_ISSUE, c1, &A);
    submit(ENTRY_ISSUE, c2, &A);
    submit(ENTRY_REVOKE, c2, &A);
    submit(ENTRY_ISSUE, c3, &B);
    check_status(c1, "active");
    check_status(c2, "revoked");

    /* Remove A by SIGHUP (the file lists B only). */
    write_file(keys, ids, 1);
    CHECK(logd_proc_signal(&P, SIGHUP) == 0);
    CHECK(logd_proc_wait_log(&P, "issuer key removed: avans.nl+", 10000));
    it = issuers_item(&A);
    REQUIRE(it != NULL);
    CHECK(json_is_integer(json_object_get(it, "removed_index")));
    removed =
        (uint64_t)json_integer_value(json_object_get(it, "removed_index"));
    CHECK(removed > i1);
    json_decref(it);
    /* What A signed before its removal still verifies, with a key proof
     * whose remove index is after the entry. */
    check_status(c1, "active");
    check_status(c2, "revoked");
    /* B still revokes what it issued. */
    submit(ENTRY_REVOKE, c3, &B);
    check_status(c3, "revoked");

    /* A restart keeps the removed key. */
    stop();
    start();
    it = issuers_item(&A);
    CHECK(it != NULL &&
          json_integer_value(json_object_get(it, "removed_index")) ==
              (json_int_t)removed &&
          json_object_size(json_object_get(it, "identity")) == 3);
    json_decref(it);
    check_status(c1, "active");

    /* The removed key back in the file: SIGHUP keeps the current keys. */
    write_file(keys, ids, 2);
    CHECK(logd_proc_signal(&P, SIGHUP) == 0);
    CHECK(logd_proc_wait_log(&P, "keeping the current issuer keys", 10000));
    CHECK(logd_proc_log_contains(&P, "which the log removed at entry"));
    CHECK(logd_api_authorized_keys(H) == 1);
    /* The MAP entries' key roots, over the whole history. */
    check_key_roots();

    /* At start: refused, naming the key and its remove index. */
    stop();
    CHECK(logd_proc_start(&P, NULL) != 0);
    note_verifier_format(&A.v, vk, sizeof vk);
    snprintf(msg, sizeof msg, "lists %s, which the log removed at entry %llu",
             vk, (unsigned long long)removed);
    CHECK_MSG(logd_proc_log_contains(&P, msg), "logd's log lacks: %s", msg);
    write_file(keys, ids, 1);
    start();

    /* A new key (C, with an identity) by SIGHUP: a KEY v2 with it. */
    {
        const struct issuer *k2[2] = {&B, &C};
        const char *i2[2] = {"", "dns=c.example"};
        write_file(k2, i2, 2);
    }
    CHECK(logd_proc_signal(&P, SIGHUP) == 0);
    CHECK(logd_proc_wait_log(&P, "issuer key added: c.example+", 10000));
    it = issuers_item(&C);
    CHECK(it != NULL && strcmp(json_string_value(json_object_get(
                                   json_object_get(it, "identity"), "dns")),
                               "c.example") == 0);
    json_decref(it);
    check_rand_cred(&rnd, c1);
    submit(ENTRY_ISSUE, c1, &C);
    check_status(c1, "active");
    check_key_roots();
}

static void test_identity_change(void)
{
    const struct issuer *keys[2] = {&B, &C};
    const char *changed[2] = {"name=\"B School\"", "dns=c.example"};
    const char *same[2] = {"", "dns=c.example"};
    char vk[NOTE_KEY_TEXT_MAX], msg[NOTE_KEY_TEXT_MAX + 64];

    /* SIGHUP: an authorized key's identity changed: the keys stay. */
    write_file(keys, changed, 2);
    CHECK(logd_proc_signal(&P, SIGHUP) == 0);
    note_verifier_format(&B.v, vk, sizeof vk);
    snprintf(msg, sizeof msg, "gives %s another identity than its KEY entry",
             vk);
    CHECK_MSG(logd_proc_wait_log(&P, msg, 10000), "logd's log lacks: %s", msg);
    CHECK(logd_api_authorized_keys(H) == 2);
    /* At start: refused. */
    stop();
    CHECK(logd_proc_start(&P, NULL) != 0);
    write_file(keys, same, 2);
    start();
    CHECK(logd_api_authorized_keys(H) == 2);
    check_key_roots();
    stop();
}

/* ---- a log made before version 2 ---- */

static void append_v1(struct seq_tree *t, struct store_txn *w, struct entry *e)
{
    uint8_t buf[ENTRY_MAX_SIZE];
    int len;

    e->version = ENTRY_VERSION_1;
    e->timestamp_ms = issuer_now_ms() - 60000;
    len = entry_encode(e, buf, sizeof buf);
    CHECK(len > 0 && seq_tree_append(t, w, e->type, buf, (size_t)len) == 0);
}

static void key_v1(struct seq_tree *t, struct store_txn *w, uint8_t op,
                   const struct issuer *is)
{
    struct entry e;

    memset(&e, 0, sizeof e);
    e.type = ENTRY_KEY;
    e.key_op = op;
    snprintf(e.issuer, sizeof e.issuer, "%s", is->v.name);
    memcpy(e.public_key, is->v.pub, 32);
    append_v1(t, w, &e);
}

static void map_v1(struct seq_tree *t, struct store_txn *w)
{
    struct entry e;

    memset(&e, 0, sizeof e);
    e.type = ENTRY_MAP;
    e.map_index = t->edge.size; /* the map is empty: its root is EMPTY */
    append_v1(t, w, &e);
}

/* The keys database as storage format 3 kept it: the authorized keys, each
 * with the index of its latest add. */
static void format3_keys(const char *data, const struct issuer *const *keys,
                         const uint64_t *added, size_t n)
{
    uint8_t fmt[4] = {0, 0, 0, 3};
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi meta, kdb;
    MDB_val k = {6, (void *)"format"}, v = {4, fmt};

    REQUIRE(mdb_env_create(&env) == 0 && mdb_env_set_maxdbs(env, 8) == 0 &&
            mdb_env_open(env, data, 0, 0600) == 0 &&
            mdb_txn_begin(env, NULL, 0, &txn) == 0 &&
            mdb_dbi_open(txn, "meta", 0, &meta) == 0 &&
            mdb_dbi_open(txn, "keys", 0, &kdb) == 0);
    REQUIRE(mdb_put(txn, meta, &k, &v, 0) == 0 && mdb_drop(txn, kdb, 0) == 0);
    for (size_t i = 0; i < n; i++) {
        uint8_t key[1 + 255 + 32], val[8];
        size_t len = strlen(keys[i]->v.name);
        MDB_val kk = {1 + len + 32, key}, vv = {8, val};
        key[0] = (uint8_t)len;
        memcpy(key + 1, keys[i]->v.name, len);
        memcpy(key + 1 + len, keys[i]->v.pub, 32);
        for (int b = 0; b < 8; b++)
            val[b] = (uint8_t)(added[i] >> (56 - 8 * b));
        REQUIRE(mdb_put(txn, kdb, &kk, &vv, 0) == 0);
    }
    REQUIRE(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
}

/* Entries 0 KEY add A, 1 KEY add X, 2 MAP, 3 KEY remove X, 4 KEY add X
 * (authorized again by the old rules), 5 MAP: all version 1, format 3. */
static void make_v1_log(void)
{
    const struct issuer *auth[2] = {&A, &C};
    const uint64_t added[2] = {0, 4};
    char err[256], note[CHECKPOINT_TEXT_MAX];
    uint8_t root[32];
    struct store *s;
    struct store_txn *w;
    struct signer *sg;
    struct seq_tree t;
    int len;

    REQUIRE(mkdir(P.data, 0700) == 0 || errno == EEXIST);
    REQUIRE(store_open(P.data, NULL, &s, err, sizeof err) == 0);
    REQUIRE(signer_load(P.key_path, &sg, err, sizeof err) == 0);
    REQUIRE(store_write_begin(s, &w) == 0);
    memset(&t, 0, sizeof t);
    REQUIRE(seq_tree_load_edge(&t, w, 0) == 0);
    key_v1(&t, w, ENTRY_KEY_ADD, &A);
    key_v1(&t, w, ENTRY_KEY_ADD, &C);
    map_v1(&t, w);
    key_v1(&t, w, ENTRY_KEY_REMOVE, &C);
    key_v1(&t, w, ENTRY_KEY_ADD, &C);
    map_v1(&t, w);
    seq_tree_root(&t, root);
    len = signer_sign_checkpoint(sg, t.edge.size, root, note, sizeof note);
    REQUIRE(len > 0);
    CHECK(store_put_checkpoint(w, note, (size_t)len) == 0 &&
          store_put_counts(w, t.counts) == 0 &&
          store_put_log_key(w, P.log_vkey) == 0);
    REQUIRE(store_write_commit(w) == 0);
    signer_free(sg);
    store_close(s);
    format3_keys(P.data, auth, added, 2);
}

static void test_upgrade(void)
{
    const struct issuer *keys[2] = {&A, &C};
    const char *ids[2] = {"", ""};
    char vk[NOTE_KEY_TEXT_MAX], msg[NOTE_KEY_TEXT_MAX + 64];
    struct entry e;
    uint8_t c1[32];
    json_t *it;

    if (logd_proc_init(&P, "upgrade.example/log", &A.v, 1) != 0) {
        CHECK_MSG(0, "cannot make the log's directory");
        return;
    }
    make_v1_log();
    /* C was removed at 3 and added again at 4: under version 2's rules it
     * stays removed, and a file that lists it is refused. */
    write_file(keys, ids, 2);
    CHECK(logd_proc_start(&P, NULL) != 0);
    note_verifier_format(&C.v, vk, sizeof vk);
    snprintf(msg, sizeof msg, "lists %s, which the log removed at entry 3", vk);
    CHECK_MSG(logd_proc_log_contains(&P, msg), "logd's log lacks: %s", msg);
    /* An identity for a key added by a KEY v1 entry is a change too. */
    {
        const char *named[1] = {"dns=avans.nl"};
        write_file(keys, named, 1);
        CHECK(logd_proc_start(&P, NULL) != 0);
        CHECK(logd_proc_log_contains(&P, "another identity than its KEY "
                                         "entry 0"));
    }
    write_file(keys, ids, 1);
    start();
    /* At once a MAP v2 entry, its key map over the version 1 KEY entries. */
    REQUIRE(get_entry(6, &e));
    CHECK(e.type == ENTRY_MAP && e.version == ENTRY_VERSION_2 &&
          e.map_index == 6);
    CHECK(check_key_roots_from(6) == 7);
    it = issuers_item(&C);
    CHECK(it != NULL &&
          json_integer_value(json_object_get(it, "added_index")) == 1 &&
          json_integer_value(json_object_get(it, "removed_index")) == 3);
    json_decref(it);
    CHECK(logd_api_authorized_keys(H) == 1);
    /* A receipt authorized by a KEY v1 add entry. */
    check_rand_cred(&rnd, c1);
    submit(ENTRY_ISSUE, c1, &A);
    check_status(c1, "active");
    check_key_roots_from(6);
    stop();
    logd_proc_cleanup(&P);
}

int main(void)
{
    logd_proc_require();
    issuer_make(&A, "avans.nl");
    issuer_make(&B, "b.example");
    issuer_make(&C, "c.example");
    if (logd_proc_init(&P, "keyauth.example/log", &A.v, 1) == 0) {
        test_new_log();
        test_removed_key();
        test_identity_change();
        logd_proc_cleanup(&P);
    } else {
        CHECK_MSG(0, "cannot make the log's directory");
    }
    test_upgrade();
    issuer_wipe(&A);
    issuer_wipe(&B);
    issuer_wipe(&C);
    return check_finish();
}
