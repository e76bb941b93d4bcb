/*
 * entry.js: credlog's log entries, decoded strictly (docs/protocol.md
 * §B.6): ISSUE, REVOKE, MAP and KEY, versions 1 and 2, the identity of a KEY
 * v2 entry, the signed message of ISSUE and REVOKE (§B.6.5) and the key map
 * key (§B.6.3). decode() returns null for anything that is not exactly an
 * entry.
 */
(function (CL) {
  'use strict';
  const B = CL.bytes;
  const ISSUE = 1, REVOKE = 2, MAP = 3, KEY = 4;
  const IDENTITY_TAGS = { 1: 'name', 2: 'dns', 3: 'did_web', 4: 'brin', 5: 'ob2_profile', 6: 'issuer_id' };

  function issuerAt(b, o) {
    const n = b[o];
    if (n === undefined || n === 0 || o + 1 + n > b.length) return null;
    const name = B.utf8Decode(b.subarray(o + 1, o + 1 + n));
    if (name === null || !CL.note.nameValid(name, true)) return null;
    return { n, name };
  }

  function identity(b) {
    const out = {};
    let last = 0;
    for (let o = 0; o < b.length;) {
      if (o + 2 > b.length) return null;
      const tag = b[o], len = b[o + 1];
      if (!IDENTITY_TAGS[tag] || tag <= last || len === 0 || o + 2 + len > b.length) return null;
      const v = B.utf8Decode(b.subarray(o + 2, o + 2 + len));
      if (v === null) return null;
      out[IDENTITY_TAGS[tag]] = v;
      last = tag;
      o += 2 + len;
    }
    return out;
  }

  function decode(b) {
    if (!(b instanceof Uint8Array) || b.length < 2) return null;
    const version = b[0], type = b[1];
    if (version !== 1 && version !== 2) return null;
    if (type === ISSUE || type === REVOKE) {
      const is = issuerAt(b, 34);
      if (is === null) return null;
      const o = 35 + is.n;
      const len = (type === ISSUE ? 111 : 112) + is.n;
      if (b.length !== len) return null;
      const e = { version, type, hash: b.subarray(2, 34), issuer: is.name, keyId: B.u32(b, o),
        timestampMs: B.u64(b, o + 4), signature: b.subarray(len - 64), bytes: b };
      if (type === REVOKE) {
        e.reason = b[o + 12];
        if (e.reason > 4 || (e.reason === 2 && version === 2)) return null;
      }
      return e;
    }
    if (type === MAP) {
      if (b.length !== (version === 1 ? 50 : 82)) return null;
      const e = { version, type, index: B.u64(b, 2), mapRoot: b.subarray(10, 42), bytes: b };
      if (version === 2) e.keyRoot = b.subarray(42, 74);
      e.timeMs = B.u64(b, b.length - 8);
      return e;
    }
    if (type === KEY) {
      const op = b[2];
      if (op !== 1 && op !== 2) return null;
      const is = issuerAt(b, 3);
      if (is === null) return null;
      const o = 4 + is.n;
      const e = { version, type, op, issuer: is.name, pub: b.subarray(o, o + 32), bytes: b };
      if (version === 1) {
        if (b.length !== 44 + is.n) return null;
        e.timeMs = B.u64(b, o + 32);
        return e;
      }
      if (b.length < 46 + is.n) return null;
      e.timeMs = B.u64(b, o + 32);
      const m = B.u16(b, o + 40);
      if (m > 1024 || b.length !== 46 + is.n + m || (op === 2 && m !== 0)) return null;
      e.identity = identity(b.subarray(o + 42));
      if (e.identity === null) return null;
      return e;
    }
    return null;
  }

  /* The message an ISSUE or REVOKE entry's issuer signed (§B.6.5). */
  function signedMessage(e, origin) {
    const body = e.bytes.subarray(0, e.bytes.length - 64);
    if (e.version === 1) return B.concat(B.utf8('credlog/entry/v1\n'), body);
    const o = B.utf8(origin);
    return B.concat(B.utf8('credlog/entry/v2\n'), [o.length], o, body);
  }

  /* The key map key of an issuer key (§B.6.3). */
  function keyMapKey(issuer, pub) {
    const n = B.utf8(issuer);
    return B.sha256(B.utf8('credlog/key/v1\n'), [n.length], n, pub);
  }

  CL.entry = { decode, signedMessage, keyMapKey, ISSUE, REVOKE, MAP, KEY };
})(globalThis.CL = globalThis.CL || {});
