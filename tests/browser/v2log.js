/*
 * v2log.js: status answers of a small version 2 log, built here from
 * docs/protocol.md (Parts A-C, E.2, E.4) with Node's own SHA-256 and
 * Ed25519, and signed with the real logd --dev log key and demo issuer key.
 * The test proxy serves them in place of logd's answer for one credential:
 * they carry what a verifier needs for the VALID and REVOKED verdicts (a
 * MAP v2 entry, the issuer's KEY entry and key map proof), which logd's own
 * answers gain with the key-authorization work (design.md, "Entry version
 * 2"); until then logd's answers make the page say that the issuer's
 * signature could not be checked. Like tests/support/minilog.h, this is a
 * log that logd is not, to test the verifier; it is independent of the
 * page's code (web/).
 */
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');

const sha = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest();
const u8 = (n) => Buffer.from([n]);
const be = (v, n) => { const b = Buffer.alloc(n); let x = BigInt(v); for (let i = n - 1; i >= 0; i--) { b[i] = Number(x & 0xffn); x >>= 8n; } return b; };
const NONE = 0xffffffffffffffffn;
/* The identity items of a KEY v2 entry (§B.6.4), written in this order. */
const IDENTITY_TAGS = { name: 1, dns: 2, did_web: 3, brin: 4, ob2_profile: 5, issuer_id: 6 };

/* A signer key file (PRIVATE+KEY+name+id+base64(01||seed)). */
function signer(file) {
  const text = fs.readFileSync(file, 'utf8').trim();
  const m = /^PRIVATE\+KEY\+(.+)\+([0-9a-f]{8})\+(.+)$/.exec(text);
  const seed = Buffer.from(m[3], 'base64').subarray(1);
  const key = crypto.createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
    format: 'der', type: 'pkcs8' });
  const pub = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32);
  return { name: m[1], id: Buffer.from(m[2], 'hex'), pub, sign: (msg) => crypto.sign(null, msg, key) };
}

const leaf = (e) => sha([0], e);
const node = (l, r) => sha([1], l, r);
const split = (n) => { let k = 1; while (k * 2 < n) k *= 2; return k; };
function mth(d) {
  if (d.length === 1) return leaf(d[0]);
  const k = split(d.length);
  return node(mth(d.slice(0, k)), mth(d.slice(k)));
}
function path(i, d) {
  if (d.length === 1) return [];
  const k = split(d.length);
  return i < k ? [...path(i, d.slice(0, k)), mth(d.slice(k))] : [...path(i - k, d.slice(k)), mth(d.slice(0, k))];
}
/* A proof of kind 1 at depth 0: the map holds this one key. */
const soleProof = (k, v) => Buffer.concat([u8(1), k, u8(1), v, be(0, 2), Buffer.alloc(32)]);

/* Builds the log [KEY add, ISSUE, (REVOKE), MAP] for credential key H (hex)
 * and returns the status answer. opts: revoked (reason), timeMs (the MAP
 * entry's time), wrongIssuerKey (sign the ISSUE with another key under the
 * issuer's name and key id), identity (the KEY entry's identity items in
 * tag order, {} for none; default: name "Demo Issuer", dns the issuer's
 * name). */
function statusAnswer(logKeyFile, issuerKeyFile, H, opts = {}) {
  const log = signer(logKeyFile), is = signer(issuerKeyFile);
  const origin = Buffer.from(log.name), iname = Buffer.from(is.name);
  const now = BigInt(opts.timeMs ?? Date.now());
  const items = opts.identity !== undefined ? opts.identity : { name: 'Demo Issuer', dns: is.name };
  const ident = Buffer.concat(Object.entries(items).map(([k, v]) =>
    Buffer.concat([u8(IDENTITY_TAGS[k]), u8(Buffer.byteLength(v)), Buffer.from(v)])));
  const keyEntry = Buffer.concat([Buffer.from([2, 4, 1, iname.length]), iname, is.pub, be(now - 60000n, 8),
    be(ident.length, 2), ident]);
  const signed = (type, extra) => {
    const body = Buffer.concat([Buffer.from([2, type]), Buffer.from(H, 'hex'), u8(iname.length), iname, is.id,
      be(now - 30000n, 8), extra]);
    const msg = Buffer.concat([Buffer.from('credlog/entry/v2\n'), u8(origin.length), origin, body]);
    const sig = opts.wrongIssuerKey && type === 1
      ? crypto.sign(null, msg, crypto.generateKeyPairSync('ed25519').privateKey) : is.sign(msg);
    return Buffer.concat([body, sig]);
  };
  const entries = [keyEntry, signed(1, Buffer.alloc(0))];
  if (opts.revoked !== undefined) entries.push(signed(2, u8(opts.revoked)));
  const N = entries.length;
  const value = Buffer.concat([be(1, 8), be(opts.revoked !== undefined ? 2 : NONE, 8)]);
  const kmk = sha(Buffer.from('credlog/key/v1\n'), u8(iname.length), iname, is.pub);
  const kval = Buffer.concat([be(0, 8), be(NONE, 8)]);
  const mapRoot = sha([0], Buffer.from(H, 'hex'), value), keyRoot = sha([0], kmk, kval);
  entries.push(Buffer.concat([Buffer.from([2, 3]), be(N, 8), mapRoot, keyRoot, be(now, 8)]));
  const size = entries.length;
  const text = `${log.name}\n${size}\n${mth(entries).toString('base64')}\n`;
  const sig = Buffer.concat([log.id, log.sign(Buffer.from(text))]).toString('base64');
  const at = (i) => ({ index: i, entry: entries[i].toString('base64'), inclusion: path(i, entries).map((h) => h.toString('hex')) });
  const keyed = (i) => ({ ...at(i), key: at(0), key_proof: soleProof(kmk, kval).toString('base64') });
  const answer = {
    credential_hash: H, status: opts.revoked !== undefined ? 'revoked' : 'active',
    checkpoint: `${text}\n\u2014 ${log.name} ${sig}\n`,
    map: at(size - 1), map_proof: soleProof(Buffer.from(H, 'hex'), value).toString('base64'), issue: keyed(1),
  };
  if (opts.revoked !== undefined) answer.revoke = keyed(2);
  return answer;
}

module.exports = { statusAnswer };
