/*
 * fuzz.h: what every credlog fuzz target shares.
 *
 * Each tests/fuzz/fuzz_<target>.c defines LLVMFuzzerTestOneInput(). Built
 * with clang -fsanitize=fuzzer it is a libFuzzer binary (scripts/fuzz.sh);
 * built normally it is linked with driver_main.c, which runs it over every
 * file of a seed corpus (the CTest regression tests fuzz/<target>).
 *
 * A target checks invariants, not just "no crash": FUZZ_ASSERT() prints the
 * failed condition and aborts, which libFuzzer and the driver both report as
 * a crash with the input that caused it.
 */
#ifndef CREDLOG_TESTS_FUZZ_H
#define CREDLOG_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "proofs/checkpoint.h"
#include "proofs/cosignature.h"
#include "proofs/note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

_Noreturn void fuzz_fail(const char *file, int line, const char *what);

#define FUZZ_ASSERT(cond)                                                      \
    do {                                                                       \
        if (!(cond))                                                           \
            fuzz_fail(__FILE__, __LINE__, #cond);                              \
    } while (0)

/*
 * Fixed keys, so that seeds can carry valid signatures. All are derived from
 * fixed seeds and built once per process.
 *  - the tlog-vectors note key "example.org/credlog-test" (seed 00 01 .. 1f),
 *    which signed tests/data/tlog-vectors.json's note;
 *  - the client tests' log key "log.example.org" (32 bytes of 0x07, as
 *    tests/support/minilog.c's minilog_init(.., 7) makes it);
 *  - the issuer "avans.nl" (32 bytes of 0x01), as in tests/unit/test_verify.c;
 *  - a cosignature/v1 witness "witness.example.org" (32 bytes of 0x0c).
 */
const struct note_signer *fuzz_vector_signer(void);
const struct note_signer *fuzz_log_signer(void);
const struct note_signer *fuzz_issuer_signer(void);
const struct note_signer *fuzz_witness_signer(void); /* its Ed25519 seed */

/* The verifiers of the keys above; the witness's has type 0x04. */
const struct note_verifier *fuzz_vector_verifier(void);
const struct note_verifier *fuzz_log_verifier(void);
const struct note_verifier *fuzz_issuer_verifier(void);
const struct note_verifier *fuzz_witness_verifier(void);

/* Writes the witness's cosignature/v1 line over note text text[0..len) at
 * time ts ("\xe2\x80\x94 witness.example.org <base64>\n", NUL-terminated)
 * into line (FUZZ_COSIG_LINE_MAX bytes). Returns its length. */
#define FUZZ_COSIG_LINE_MAX 160
size_t fuzz_cosign(const char *text, size_t len, uint64_t ts, char *line);

/* A malloc'd copy of data with a NUL after it (for APIs that want a C string;
 * exact-length APIs get data itself so that ASan sees any over-read). */
char *fuzz_strdup(const uint8_t *data, size_t size);

#endif
