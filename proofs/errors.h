/*
 * errors.h: the one error convention of credlog, and the ranges that keep
 * every module's codes apart.
 *
 * Every function that can fail returns int: 0 on success, or a negative code
 * of the module that detected the failure. Never -1 by habit, never a
 * positive count mixed with errors unless the header says "returns the
 * length, or a negative code". A code keeps its meaning when it crosses a
 * layer: a STORE_ERR_MAP_FULL that reaches main.c is still recognisably the
 * store's, because each module owns a block of 100 codes below its base (as
 * LMDB reserves -30799 and up for its own). Each module has exactly one
 * <module>_strerror(int) that names its own codes, and any code can be told
 * apart by its range with CREDLOG_ERR_IN().
 *
 * A module's codes are written as literals in its own header, inside its
 * range: `#define MERKLE_ERR_RANGE (-201)`. tests/unit/test_errors.c checks
 * that every code lies in its module's range and has its own text.
 */
#ifndef CREDLOG_PROOFS_ERRORS_H
#define CREDLOG_PROOFS_ERRORS_H

/* Block size: module M's codes are M_BASE - 1 down to M_BASE - 99. */
#define CREDLOG_ERR_BLOCK 100

/* proofs/ (pure math) */
#define CODEC_ERR_BASE (-100)
#define MERKLE_ERR_BASE (-200)
#define TILE_ERR_BASE (-300)
#define NOTE_ERR_BASE (-400)
#define CHECKPOINT_ERR_BASE (-500)
#define COSIG_ERR_BASE (-600)
#define ENTRY_ERR_BASE (-700)
#define SMT_ERR_BASE (-800)
#define ED25519_ERR_BASE (-900)
#define COMPACT_ERR_BASE (-1000)
#define REPLAY_ERR_BASE (-1100)
#define CREDKEY_ERR_BASE (-1200)
#define POLICY_ERR_BASE (-1300)
#define NUM_ERR_BASE (-1400)
#define ADD_CHECKPOINT_ERR_BASE (-1500)
#define LOGLIST_ERR_BASE (-1600)
#define KEYAUTH_ERR_BASE (-1700)
#define CREDISSUER_ERR_BASE (-1800)

/* logd/ */
#define STORE_ERR_BASE (-2000)
#define SIGNER_ERR_BASE (-2100)
#define SEQ_ERR_BASE (-2200)
#define QUERY_ERR_BASE (-2300)
#define ISSUERS_ERR_BASE (-2400)
#define REQUEST_ERR_BASE (-2500)
#define HTTP_ERR_BASE (-2600)
#define VPOOL_ERR_BASE (-2700)
#define CONN_ERR_BASE (-2800)
#define TLS_ERR_BASE (-2900)
#define PUSH_ERR_BASE (-3000)
#define DEV_ERR_BASE (-3100)
#define NEWFILE_ERR_BASE (-3200)
#define NOTIFY_ERR_BASE (-3300)
#define KEYMAP_ERR_BASE (-3400)
#define REPLICA_ERR_BASE (-3500)

/* client/ (libcredlog-client) */
#define CLIENT_ERR_BASE (-4000)
#define CLIENT_HTTP_ERR_BASE (-4100)
#define MSTORE_ERR_BASE (-4200)
#define WITNESS_ERR_BASE (-4300)
#define AGENT_ERR_BASE (-4400)
#define WSTORE_ERR_BASE (-4500)

/* keystore/ (signing keys in files and PKCS#11 tokens) */
#define KEYSTORE_ERR_BASE (-5000)
#define P11URI_ERR_BASE (-5100)

/* True when err is one of module base's codes. */
#define CREDLOG_ERR_IN(err, base)                                              \
    ((err) < (base) && (err) > (base)-CREDLOG_ERR_BLOCK)

#endif
