/*
 * smt.js: CTL-SMT-v1 proofs, the revocation map and the key map
 * (docs/protocol.md §C.3). verify() applies rules 1 to 8 and the fold; it
 * proves a statement about the key written in the proof, which the caller
 * must compare with the key it asked about.
 */
(function (CL) {
  'use strict';
  const B = CL.bytes;
  const EMPTY = new Uint8Array(32);
  const NONE = 0xffffffffffffffffn;
  const bit = (k, i) => (k[i >> 3] >> (7 - (i & 7))) & 1;

  /* Resolves to {ok: true, kind, key, depth, value?, issue?, revoke?} or
   * {ok: false, why}. */
  async function verify(proof, root) {
    const bad = (why) => ({ ok: false, why });
    if (proof.length < 34 || proof[0] !== 0x01) return bad('syntax');
    const k = proof.subarray(1, 33), kind = proof[33];
    if (kind > 2) return bad('syntax');
    const x = [0, 16, 48][kind];
    if (proof.length < 68 + x) return bad('syntax');
    const D = B.u16(proof, 34 + x);
    if (D > 256) return bad('syntax');
    const bitmap = proof.subarray(36 + x, 68 + x);
    let count = 0;
    for (let j = 0; j < 256; j++) {
      if (bit(bitmap, j)) { if (j >= D) return bad('syntax'); count++; }
    }
    if (proof.length !== 68 + x + 32 * count) return bad('syntax');
    const sibs = [];
    for (let n = 0; n < count; n++) {
      const s = proof.subarray(68 + x + 32 * n, 100 + x + 32 * n);
      if (B.equal(s, EMPTY)) return bad('syntax');
      sibs.push(s);
    }
    let h, value = null;
    if (kind === 0) h = EMPTY;
    else if (kind === 1) { value = proof.subarray(34, 50); h = await B.sha256([0x00], k, value); }
    else {
      const k2 = proof.subarray(34, 66);
      if (B.equal(k2, k)) return bad('syntax');
      for (let j = 0; j < D; j++) if (bit(k2, j) !== bit(k, j)) return bad('syntax');
      h = await B.sha256([0x00], k2, proof.subarray(66, 82));
    }
    for (let d = D; d >= 1; d--) {
      const s = bit(bitmap, d - 1) ? sibs.pop() : EMPTY;
      h = bit(k, d - 1) ? await B.sha256([0x01], s, h) : await B.sha256([0x01], h, s);
    }
    if (!B.equal(h, root)) return bad('mismatch');
    const r = { ok: true, kind, key: k, depth: D };
    if (value) { r.value = value; r.issue = B.u64(value, 0); r.revoke = B.u64(value, 8); }
    return r;
  }

  CL.smt = { verify, NONE, EMPTY };
})(globalThis.CL = globalThis.CL || {});
