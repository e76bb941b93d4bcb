/*
 * note.js: C2SP signed notes, note keys and checkpoints as credlog reads
 * them (docs/protocol.md §B.2-§B.5), with Ed25519 from WebCrypto. Failures
 * resolve to {ok: false, why}; nothing is trusted that did not verify.
 */
(function (CL) {
  'use strict';
  const B = CL.bytes;

  async function ed25519Verify(pub, sig, msg) {
    if (pub.length !== 32 || sig.length !== 64) return false;
    try {
      const k = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
      return await crypto.subtle.verify('Ed25519', k, sig, msg);
    } catch (e) {
      return false;
    }
  }

  /* RFC 8032 §7.1 TEST 1: whether this browser's WebCrypto verifies
   * Ed25519 (true for the signature, false with one bit flipped). */
  async function selfTest() {
    const pub = B.fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const sig = B.fromHex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155' +
      '5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
    if (!(await ed25519Verify(pub, sig, new Uint8Array(0)))) return false;
    sig[0] ^= 1;
    return !(await ed25519Verify(pub, sig, new Uint8Array(0)));
  }

  /* A key name (§B.1): 1..255 bytes of UTF-8, no '+', white space or
   * control character. */
  function nameValid(name, limit) {
    const n = B.utf8(name).length;
    if (n === 0 || (limit && n > 255)) return false;
    return !/[+\s\x00-\x1f\x7f-\x9f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/.test(name);
  }

  async function keyId(name, type, pub) {
    const h = await B.sha256(B.utf8(name), [0x0a, type], pub);
    return B.u32(h, 0);
  }

  /* Parses a verifier key string name+hex8+base64(type||pub), checking its
   * key id. Resolves to {name, id, type, pub, text} or null. */
  async function parseVkey(text) {
    if (typeof text !== 'string') return null;
    text = text.endsWith('\n') ? text.slice(0, -1) : text;
    const a = text.indexOf('+'), b = text.indexOf('+', a + 1);
    if (a < 0 || b < 0) return null;
    const name = text.slice(0, a), idHex = text.slice(a + 1, b);
    const raw = B.fromB64(text.slice(b + 1));
    if (!nameValid(name, true) || !/^[0-9a-fA-F]{8}$/.test(idHex) || raw === null || raw.length !== 33) return null;
    if (raw[0] !== 0x01 && raw[0] !== 0x04) return null;
    const pub = raw.subarray(1);
    const id = await keyId(name, raw[0], pub);
    if (id !== parseInt(idHex, 16)) return null;
    return { name, id, type: raw[0], pub, text };
  }

  /* Opens a signed note with the log key (§B.3). Resolves to {ok, why,
   * text, others}: text is the note text (with its final newline), others
   * the number of signature lines of other keys (witnesses, ...). */
  async function open(note, vkey) {
    if (typeof note !== 'string') return { ok: false, why: 'not a note' };
    if (/[\x00-\x09\x0b-\x1f\x7f]/.test(note)) return { ok: false, why: 'control character' };
    const cut = note.lastIndexOf('\n\n');
    if (cut < 0) return { ok: false, why: 'no signature block' };
    const text = note.slice(0, cut + 1), block = note.slice(cut + 2);
    if (block === '' || !block.endsWith('\n')) return { ok: false, why: 'malformed signature block' };
    const lines = block.slice(0, -1).split('\n');
    if (lines.length > 100) return { ok: false, why: 'too many signatures' };
    const msg = B.utf8(text);
    let verified = 0, others = 0;
    for (const line of lines) {
      const m = /^\u2014 ([^ ]+) ([^ ]+)$/.exec(line);
      const sig = m ? B.fromB64(m[2]) : null;
      if (m === null || !nameValid(m[1], false) || sig === null || sig.length < 5)
        return { ok: false, why: 'malformed signature line' };
      if (m[1] !== vkey.name || B.u32(sig, 0) !== vkey.id) { others++; continue; }
      if (sig.length !== 68 || !(await ed25519Verify(vkey.pub, sig.subarray(4), msg)))
        return { ok: false, why: 'the log key\'s signature does not verify' };
      verified++;
    }
    if (verified === 0) return { ok: false, why: 'not signed by the log key' };
    return { ok: true, text, others };
  }

  /* Verifies a checkpoint (§B.4) with the log key: resolves to {ok, why,
   * origin, size (BigInt), root, others}. */
  async function checkpoint(note, vkey) {
    const n = await open(note, vkey);
    if (!n.ok) return n;
    const lines = n.text.split('\n');
    lines.pop();
    if (lines.length < 3 || lines.slice(3).some((l) => l === ''))
      return { ok: false, why: 'not a checkpoint' };
    const [origin, size, root64] = lines;
    if (!/^(0|[1-9][0-9]{0,19})$/.test(size) || BigInt(size) > 0xffffffffffffffffn)
      return { ok: false, why: 'bad tree size' };
    const root = B.fromB64(root64);
    if (root === null || root.length !== 32) return { ok: false, why: 'bad root hash' };
    if (origin !== vkey.name) return { ok: false, why: 'origin is not the log key\'s name' };
    return { ok: true, origin, size: BigInt(size), root, others: n.others };
  }

  CL.note = { ed25519Verify, selfTest, parseVkey, keyId, open, checkpoint, nameValid };
})(globalThis.CL = globalThis.CL || {});
