/*
 * test_errors.c: the error convention of proofs/errors.h, checked over every
 * module that follows it.
 *
 * - Every code of every module is negative and lies in its module's range
 *   (CREDLOG_ERR_IN with the module's base).
 * - The module's one *_strerror() names each code with a text of its own:
 *   not the text it gives an unknown code of its range, and not the text of
 *   another of its codes.
 * - No two codes of any modules share a value, so a code that crosses a
 *   layer keeps its meaning.
 *
 * A module joins the table below when its codes move into their range; the
 * logd modules are converting theirs and join as they land.
 */
#include "check.h"

#include <string.h>

#include "agent/agent.h"
#include "client/error.h"
#include "client/http.h"
#include "client/mstore.h"
#include "keystore/p11uri.h"
#include "keystore/signer.h"
#include "logd/store.h"
#include "logd/dev.h"
#include "logd/newfile.h"
#include "logd/notify.h"
#include "logd/push.h"
#include "logd/http.h"
#include "logd/issuers.h"
#include "logd/keymap.h"
#include "logd/query.h"
#include "logd/replica.h"
#include "logd/request.h"
#include "logd/seq.h"
#include "logd/signer.h"
#include "logd/vpool.h"
#include "proofs/add_checkpoint.h"
#include "proofs/checkpoint.h"
#include "proofs/codec.h"
#include "proofs/compact.h"
#include "proofs/cosignature.h"
#include "proofs/credissuer.h"
#include "proofs/ed25519.h"
#include "proofs/entry.h"
#include "proofs/keyauth.h"
#include "proofs/errors.h"
#include "proofs/loglist.h"
#include "proofs/merkle.h"
#include "proofs/note.h"
#include "proofs/num.h"
#include "proofs/policy.h"
#include "proofs/replay.h"
#include "proofs/smt.h"
#include "proofs/tile.h"
#include "witness/check.h"
#include "witness/wstore.h"

#define MAX_CODES 16

struct module {
    const char *name;
    int base;
    const char *(*strerror)(int err);
    int codes[MAX_CODES]; /* ends at the first 0 */
};

static const struct module modules[] = {
    {"codec",
     CODEC_ERR_BASE,
     codec_strerror,
     {CODEC_ERR_SYNTAX, CODEC_ERR_SPACE}},
    {"merkle",
     MERKLE_ERR_BASE,
     merkle_strerror,
     {MERKLE_ERR_RANGE, MERKLE_ERR_PROOF, MERKLE_ERR_MISMATCH}},
    {"tile",
     TILE_ERR_BASE,
     tile_strerror,
     {TILE_ERR_SYNTAX, TILE_ERR_SPACE, TILE_ERR_RANGE}},
    {"note",
     NOTE_ERR_BASE,
     note_strerror,
     {NOTE_ERR_SYNTAX, NOTE_ERR_SPACE, NOTE_ERR_CRYPTO, NOTE_ERR_BAD_SIG,
      NOTE_ERR_UNVERIFIED, NOTE_ERR_TOO_MANY, NOTE_ERR_NOMEM}},
    {"checkpoint",
     CHECKPOINT_ERR_BASE,
     checkpoint_strerror,
     {CHECKPOINT_ERR_SYNTAX, CHECKPOINT_ERR_SPACE}},
    {"cosignature",
     COSIG_ERR_BASE,
     cosignature_strerror,
     {COSIG_ERR_SPACE, COSIG_ERR_KEY, COSIG_ERR_CRYPTO}},
    {"entry",
     ENTRY_ERR_BASE,
     entry_strerror,
     {ENTRY_ERR_SYNTAX, ENTRY_ERR_TYPE, ENTRY_ERR_SPACE, ENTRY_ERR_SIG,
      ENTRY_ERR_CRYPTO}},
    {"smt",
     SMT_ERR_BASE,
     smt_strerror,
     {SMT_ERR_STORE, SMT_ERR_SPACE, SMT_ERR_SYNTAX, SMT_ERR_MISMATCH,
      SMT_ERR_ARG, SMT_ERR_NOMEM}},
    {"ed25519", ED25519_ERR_BASE, ed25519_strerror, {ED25519_ERR_CRYPTO}},
    {"num", NUM_ERR_BASE, num_strerror, {NUM_ERR_SYNTAX, NUM_ERR_RANGE}},
    {"policy",
     POLICY_ERR_BASE,
     policy_strerror,
     {POLICY_ERR_SYNTAX, POLICY_ERR_KEY, POLICY_ERR_NAME, POLICY_ERR_DUP,
      POLICY_ERR_LIMIT, POLICY_ERR_QUORUM, POLICY_ERR_UNSIGNED,
      POLICY_ERR_UNMET, POLICY_ERR_NOTE}},
    {"add_checkpoint",
     ADD_CHECKPOINT_ERR_BASE,
     add_checkpoint_strerror,
     {ADD_CHECKPOINT_ERR_SYNTAX, ADD_CHECKPOINT_ERR_SPACE,
      ADD_CHECKPOINT_ERR_LIMIT}},
    {"loglist",
     LOGLIST_ERR_BASE,
     loglist_strerror,
     {LOGLIST_ERR_SYNTAX, LOGLIST_ERR_KEY, LOGLIST_ERR_DUP, LOGLIST_ERR_LIMIT}},
    {"keyauth",
     KEYAUTH_ERR_BASE,
     keyauth_strerror,
     {KEYAUTH_ERR_MAP_V1, KEYAUTH_ERR_MISSING, KEYAUTH_ERR_KEY_ENTRY,
      KEYAUTH_ERR_INCLUSION, KEYAUTH_ERR_OTHER_KEY, KEYAUTH_ERR_PROOF,
      KEYAUTH_ERR_NOT_AUTHORIZED, KEYAUTH_ERR_SIG, KEYAUTH_ERR_ARG}},
    {"credissuer",
     CREDISSUER_ERR_BASE,
     credissuer_strerror,
     {CREDISSUER_ERR_ISSUER, CREDISSUER_ERR_OTHER_ID, CREDISSUER_ERR_VALUE,
      CREDISSUER_ERR_TOO_MANY, CREDISSUER_ERR_PAYLOAD, CREDISSUER_ERR_NOMEM,
      CREDISSUER_ERR_ARG}},
    {"compact",
     COMPACT_ERR_BASE,
     compact_strerror,
     {COMPACT_ERR_RANGE, COMPACT_ERR_DECODE}},
    {"replay",
     REPLAY_ERR_BASE,
     replay_strerror,
     {REPLAY_ERR_INVALID, REPLAY_ERR_STATE, REPLAY_ERR_SPACE, REPLAY_ERR_ARG,
      REPLAY_ERR_MAP}},
    {"agent",
     AGENT_ERR_BASE,
     agent_strerror,
     {AGENT_ERR_CONFIG, AGENT_ERR_JOURNAL, AGENT_ERR_NOMEM, AGENT_ERR_REQUEST,
      AGENT_ERR_NOT_FOUND, AGENT_ERR_CORRUPT}},
    {"mstore",
     MSTORE_ERR_BASE,
     mstore_strerror,
     {MSTORE_ERR_LMDB, MSTORE_ERR_NOMEM, MSTORE_ERR_CORRUPT, MSTORE_ERR_TOO_BIG,
      MSTORE_ERR_BROKEN}},
    {"store",
     STORE_ERR_BASE,
     store_strerror,
     {STORE_ERR_IO, STORE_ERR_NOTFOUND, STORE_ERR_MAP_FULL, STORE_ERR_DISK_FULL,
      STORE_ERR_CORRUPT, STORE_ERR_NOMEM, STORE_ERR_SPACE, STORE_ERR_ORDER,
      STORE_ERR_OPEN, STORE_ERR_BUSY}},
    {"signer",
     SIGNER_ERR_BASE,
     signer_strerror,
     {SIGNER_ERR_FILE, SIGNER_ERR_MODE, SIGNER_ERR_SYNTAX, SIGNER_ERR_SIGN,
      SIGNER_ERR_NOMEM, SIGNER_ERR_GENERATE}},
    {"keystore",
     KEYSTORE_ERR_BASE,
     keystore_strerror,
     {KEYSTORE_ERR_FILE, KEYSTORE_ERR_MODE, KEYSTORE_ERR_SYNTAX,
      KEYSTORE_ERR_URI, KEYSTORE_ERR_MODULE, KEYSTORE_ERR_TOKEN,
      KEYSTORE_ERR_PIN, KEYSTORE_ERR_OBJECT, KEYSTORE_ERR_KEY,
      KEYSTORE_ERR_SIGN, KEYSTORE_ERR_NOMEM}},
    {"p11uri",
     P11URI_ERR_BASE,
     p11uri_strerror,
     {P11URI_ERR_SYNTAX, P11URI_ERR_UNKNOWN, P11URI_ERR_TWICE,
      P11URI_ERR_VALUE}},
    {"seq",
     SEQ_ERR_BASE,
     seq_strerror,
     {SEQ_ERR_CONFLICT, SEQ_ERR_NOT_ISSUED, SEQ_ERR_FORBIDDEN, SEQ_ERR_FULL,
      SEQ_ERR_STOPPING, SEQ_ERR_BUSY, SEQ_ERR_INTERNAL, SEQ_ERR_NOMEM,
      SEQ_ERR_REFUSED}},
    {"query",
     QUERY_ERR_BASE,
     query_strerror,
     {QUERY_ERR_NOTFOUND, QUERY_ERR_RANGE, QUERY_ERR_STORE, QUERY_ERR_NOMEM,
      QUERY_ERR_EMPTY}},
    {"issuers",
     ISSUERS_ERR_BASE,
     issuers_strerror,
     {ISSUERS_ERR_FILE, ISSUERS_ERR_SYNTAX, ISSUERS_ERR_CLASH,
      ISSUERS_ERR_NOMEM, ISSUERS_ERR_TOO_MANY, ISSUERS_ERR_NAME,
      ISSUERS_ERR_MODE, ISSUERS_ERR_IDENTITY}},
    {"keymap",
     KEYMAP_ERR_BASE,
     keymap_strerror,
     {KEYMAP_ERR_NOMEM, KEYMAP_ERR_ARG, KEYMAP_ERR_NOTFOUND, KEYMAP_ERR_SMT}},
    {"replica",
     REPLICA_ERR_BASE,
     replica_strerror,
     {REPLICA_ERR_CONFIG, REPLICA_ERR_STATE, REPLICA_ERR_NOMEM,
      REPLICA_ERR_THREAD, REPLICA_ERR_STORE, REPLICA_ERR_MISMATCH,
      REPLICA_ERR_KEY}},
    {"request",
     REQUEST_ERR_BASE,
     request_strerror,
     {REQUEST_ERR_SYNTAX, REQUEST_ERR_INVALID, REQUEST_ERR_NOMEM}},
    {"http",
     HTTP_ERR_BASE,
     http_strerror,
     {HTTP_ERR_CONFIG, HTTP_ERR_LISTEN, HTTP_ERR_NOMEM, HTTP_ERR_STORE,
      HTTP_ERR_THREAD}},
    {"vpool",
     VPOOL_ERR_BASE,
     vpool_strerror,
     {VPOOL_ERR_STOPPING, VPOOL_ERR_NOMEM, VPOOL_ERR_THREAD, VPOOL_ERR_EMPTY}},
    {"dev",
     DEV_ERR_BASE,
     dev_strerror,
     {DEV_ERR_PATH, DEV_ERR_DIR, DEV_ERR_OWNER, DEV_ERR_FILE}},
    {"newfile", NEWFILE_ERR_BASE, newfile_strerror, {NEWFILE_ERR_IO}},
    {"notify",
     NOTIFY_ERR_BASE,
     notify_strerror,
     {NOTIFY_ERR_ADDRESS, NOTIFY_ERR_IO}},
    {"push",
     PUSH_ERR_BASE,
     push_strerror,
     {PUSH_ERR_CONFIG, PUSH_ERR_NOMEM, PUSH_ERR_THREAD, QUORUM_ERR_NONE,
      QUORUM_ERR_SPACE, QUORUM_ERR_NOMEM, QUORUM_ERR_STORE}},
    {"client",
     CLIENT_ERR_BASE,
     client_strerror,
     {CLIENT_ERR_INVALID, CLIENT_ERR_SYNTAX, CLIENT_ERR_NET, CLIENT_ERR_HTTP,
      CLIENT_ERR_REFUSED, CLIENT_ERR_NOT_FOUND, CLIENT_ERR_IO, CLIENT_ERR_NOMEM,
      CLIENT_ERR_KEY, CLIENT_ERR_STATE, CLIENT_ERR_ARG}},
    {"witness",
     WITNESS_ERR_BASE,
     witness_strerror,
     {WITNESS_ERR_MALFORMED, WITNESS_ERR_TOO_LARGE, WITNESS_ERR_UNKNOWN_LOG,
      WITNESS_ERR_FORBIDDEN, WITNESS_ERR_RATE, WITNESS_ERR_CONFLICT,
      WITNESS_ERR_INCONSISTENT, WITNESS_ERR_STORE, WITNESS_ERR_NOMEM,
      WITNESS_ERR_SIGN, WITNESS_ERR_MAP, WITNESS_ERR_BUSY}},
    {"wstore",
     WSTORE_ERR_BASE,
     wstore_strerror,
     {WSTORE_ERR_IO, WSTORE_ERR_CONFLICT, WSTORE_ERR_CORRUPT,
      WSTORE_ERR_NOTFOUND, WSTORE_ERR_SPACE}},
    {"client_http",
     CLIENT_HTTP_ERR_BASE,
     client_http_strerror,
     {CLIENT_HTTP_ERR_URL, CLIENT_HTTP_ERR_CONNECT, CLIENT_HTTP_ERR_TLS,
      CLIENT_HTTP_ERR_TIMEOUT, CLIENT_HTTP_ERR_NOMEM, CLIENT_HTTP_ERR_TOO_BIG}},
};

#define NMODULES (sizeof modules / sizeof modules[0])

static size_t ncodes(const struct module *m)
{
    size_t n = 0;

    while (n < MAX_CODES && m->codes[n] != 0)
        n++;
    return n;
}

static void test_ranges_and_texts(void)
{
    for (size_t i = 0; i < NMODULES; i++) {
        const struct module *m = &modules[i];
        /* The last code of the range: no module uses it, so its text is
         * the module's "unknown" text. */
        const char *unknown = m->strerror(m->base - CREDLOG_ERR_BLOCK + 1);
        size_t n = ncodes(m);

        CHECK_MSG(n > 0, "%s lists no code", m->name);
        CHECK_MSG(m->base < 0 && m->base % CREDLOG_ERR_BLOCK == 0, "%s base %d",
                  m->name, m->base);
        CHECK_MSG(unknown != NULL && unknown[0] != '\0', "%s unknown text",
                  m->name);
        for (size_t j = 0; j < n; j++) {
            int c = m->codes[j];
            const char *t = m->strerror(c);

            CHECK_MSG(c < 0 && CREDLOG_ERR_IN(c, m->base),
                      "%s code %d outside %d..%d", m->name, c, m->base - 1,
                      m->base - CREDLOG_ERR_BLOCK + 1);
            CHECK_MSG(t != NULL && t[0] != '\0' && strcmp(t, unknown) != 0,
                      "%s code %d has the unknown text \"%s\"", m->name, c,
                      t != NULL ? t : "(null)");
            for (size_t k = 0; k < j; k++)
                CHECK_MSG(strcmp(t, m->strerror(m->codes[k])) != 0,
                          "%s codes %d and %d share \"%s\"", m->name, c,
                          m->codes[k], t);
        }
        /* Just outside the range is no longer the module's. */
        CHECK(!CREDLOG_ERR_IN(m->base, m->base));
        CHECK(!CREDLOG_ERR_IN(m->base - CREDLOG_ERR_BLOCK, m->base));
        CHECK(CREDLOG_ERR_IN(m->base - 1, m->base));
    }
}

static void test_unique(void)
{
    for (size_t i = 0; i < NMODULES; i++)
        for (size_t j = 0; j < ncodes(&modules[i]); j++)
            for (size_t k = i; k < NMODULES; k++)
                for (size_t l = k == i ? j + 1 : 0; l < ncodes(&modules[k]);
                     l++)
                    CHECK_MSG(modules[i].codes[j] != modules[k].codes[l],
                              "%s and %s share code %d", modules[i].name,
                              modules[k].name, modules[i].codes[j]);
    /* Two modules never share a base. */
    for (size_t i = 0; i < NMODULES; i++)
        for (size_t k = i + 1; k < NMODULES; k++)
            CHECK_MSG(modules[i].base != modules[k].base, "%s and %s: base %d",
                      modules[i].name, modules[k].name, modules[i].base);
}

/* checkpoint_open() passes note_open()'s codes on; checkpoint_strerror()
 * names them as note_strerror() does. */
static void test_checkpoint_passes_note_codes(void)
{
    CHECK(strcmp(checkpoint_strerror(NOTE_ERR_BAD_SIG),
                 note_strerror(NOTE_ERR_BAD_SIG)) == 0);
    CHECK(strcmp(checkpoint_strerror(NOTE_ERR_UNVERIFIED),
                 note_strerror(NOTE_ERR_UNVERIFIED)) == 0);
}

int main(void)
{
    test_ranges_and_texts();
    test_unique();
    test_checkpoint_passes_note_codes();
    return check_finish();
}
