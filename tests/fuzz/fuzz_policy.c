/*
 * fuzz_policy.c: policy_parse() and policy_satisfied() (proofs/policy.h),
 * which every verifier runs on a tlog-policy file.
 *
 * Invariants for an accepted policy:
 *  - counts within the limits; every group's threshold is 1..members, and
 *    every member is a witness or an EARLIER group;
 *  - no cosignature satisfies any quorum but `none`, and a quorum of none is
 *    always satisfied;
 *  - satisfaction is monotone: adding a cosignature never breaks a quorum;
 *  - no public key appears twice.
 * A refused policy leaves the output zeroed.
 */
#include <string.h>

#include "fuzz.h"
#include "proofs/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct policy p;
    bool none[POLICY_MAX_WITNESSES] = {0}, all[POLICY_MAX_WITNESSES];
    bool some[POLICY_MAX_WITNESSES];
    unsigned line;

    if (policy_parse((const char *)data, size, &p, &line) != 0) {
        FUZZ_ASSERT(p.nlogs == 0 && p.nwitnesses == 0 && p.ngroups == 0);
        FUZZ_ASSERT(p.quorum == -1);
        return 0;
    }
    FUZZ_ASSERT(line == 0);
    FUZZ_ASSERT(p.nlogs <= POLICY_MAX_LOGS);
    FUZZ_ASSERT(p.nwitnesses <= POLICY_MAX_WITNESSES);
    FUZZ_ASSERT(p.ngroups <= POLICY_MAX_GROUPS);
    for (unsigned g = 0; g < p.ngroups; g++) {
        FUZZ_ASSERT(p.groups[g].threshold >= 1);
        FUZZ_ASSERT(p.groups[g].threshold <= p.groups[g].nmembers);
        for (unsigned i = 0; i < p.groups[g].nmembers; i++) {
            unsigned m = p.groups[g].members[i];

            FUZZ_ASSERT(m < p.nwitnesses || (m >= POLICY_MAX_WITNESSES &&
                                             m - POLICY_MAX_WITNESSES < g));
        }
    }
    for (unsigned a = 0; a < p.nwitnesses; a++)
        for (unsigned b = a + 1; b < p.nwitnesses; b++)
            FUZZ_ASSERT(!p.witnesses[a].supported ||
                        !p.witnesses[b].supported ||
                        memcmp(p.witnesses[a].key.pub, p.witnesses[b].key.pub,
                               ED25519_PUBLIC_SIZE) != 0);
    FUZZ_ASSERT(policy_satisfied(&p, none) == (p.quorum == -1));
    memset(all, 1, sizeof all);
    /* Every prefix of cosigners: once satisfied, stays satisfied. */
    memset(some, 0, sizeof some);
    {
        bool was = policy_satisfied(&p, some);

        for (unsigned w = 0; w < p.nwitnesses; w++) {
            bool now;

            some[w] = true;
            now = policy_satisfied(&p, some);
            FUZZ_ASSERT(!was || now);
            was = now;
        }
        FUZZ_ASSERT(was == policy_satisfied(&p, all));
    }
    return 0;
}
