/*
 * merkle.js: RFC 6962 / RFC 9162 inclusion and consistency proofs
 * (docs/protocol.md §A.3, §A.4), with the exact length checks credlog
 * makes. Sizes and indexes are BigInt; hashes Uint8Array(32).
 */
(function (CL) {
  'use strict';
  const B = CL.bytes;
  const leafHash = (entry) => B.sha256([0x00], entry);
  const nodeHash = (l, r) => B.sha256([0x01], l, r);

  function bitLen(x) { let n = 0; while (x > 0n) { n++; x >>= 1n; } return n; }
  function popcount(x) { let n = 0; while (x > 0n) { n += Number(x & 1n); x >>= 1n; } return n; }
  const isPow2 = (x) => x > 0n && (x & (x - 1n)) === 0n;

  /* Whether path proves leaf (its leaf hash) at index in the tree of size
   * with root. */
  async function inclusion(index, size, leaf, path, root) {
    if (index >= size || index < 0n) return false;
    const inner = bitLen(index ^ (size - 1n));
    if (path.length !== inner + popcount(index >> BigInt(inner))) return false;
    let fn = index, sn = size - 1n, r = leaf;
    for (const p of path) {
      if (sn === 0n) return false;
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(p, r);
        if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1n; sn >>= 1n;
    }
    return sn === 0n && B.equal(r, root);
  }

  /* Whether proof shows the tree of size m with rootM is a prefix of the
   * tree of size n with rootN. */
  async function consistency(m, n, rootM, rootN, proof) {
    if (m === 0n || m > n) return false;
    if (m === n) return proof.length === 0 && B.equal(rootM, rootN);
    let shift = 0;
    while (((m >> BigInt(shift)) & 1n) === 0n) shift++;
    const inner = bitLen((m - 1n) ^ (n - 1n)) - shift;
    const border = popcount((m - 1n) >> BigInt(inner + shift));
    if (proof.length !== inner + border + (isPow2(m) ? 0 : 1)) return false;
    const p = isPow2(m) ? [rootM, ...proof] : proof.slice();
    let fn = m - 1n, sn = n - 1n;
    while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
    let fr = p[0], sr = p[0];
    for (const c of p.slice(1)) {
      if (sn === 0n) return false;
      if ((fn & 1n) === 1n || fn === sn) {
        fr = await nodeHash(c, fr);
        sr = await nodeHash(c, sr);
        if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      } else {
        sr = await nodeHash(sr, c);
      }
      fn >>= 1n; sn >>= 1n;
    }
    return B.equal(fr, rootM) && B.equal(sr, rootN) && sn === 0n;
  }

  CL.merkle = { leafHash, nodeHash, inclusion, consistency };
})(globalThis.CL = globalThis.CL || {});
