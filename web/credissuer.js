/*
 * credissuer.js: the issuer a credential names, and whether it is the
 * institution the log records for the key that logged it
 * (docs/protocol.md §E.5), exactly as proofs/credissuer.c reads and
 * compares it. Pure: nothing leaves the page.
 *
 *   extract(file, profile)  -> {profile, ids: [{source, kind, value}]};
 *                              throws IssuerError (the issuer cannot be
 *                              read: INVALID, never "no issuer") or
 *                              credkey's CredkeyError;
 *   match(ids, identity)    -> {result: 'match'|'mismatch'|'none'|
 *                              'no_identity', bad: index of the first
 *                              identifier that matches nothing}.
 *
 * The identifiers are read from what the key covers: for `json` the
 * canonical text C, for `jws` the protected header and payload inside C,
 * for `ob2-hosted` the assertion's JSON (the file, or the text baked in a
 * PNG or SVG). tests/data/credissuer-v1.json holds the cases the C unit
 * test runs too.
 */
(function (CL) {
  'use strict';
  const B = CL.bytes;
  const IDS_MAX = 16, VALUE_MAX = 255;
  const COMPARABLE = ['dns', 'did_web', 'brin', 'ob2_profile', 'issuer_id'];
  const BRIN_TYPE = /^(ext:)?brin$/i;
  const HTTPS_HOST = /^https:\/\/([a-z0-9.-]+)(?::[0-9]+)?(?=$|[/?#])/;
  const DIDWEB_HOST = /^did:web:([a-z0-9.-]+)(?=$|:|%3A)/;

  class IssuerError extends Error {
    constructor(code, detail) {
      super(code + ': ' + detail);
      this.code = code; /* issuer other-id value too-many payload (credissuer.h) */
      this.detail = detail;
    }
  }
  const fail = (code, detail) => { throw new IssuerError(code, detail); };
  const isMap = (v) => v instanceof Map;

  function add(out, source, kind, value, member) {
    const b = B.utf8(value);
    if (b.length === 0 || b.length > VALUE_MAX) fail('value', member + ': ' + b.length + ' bytes, not 1 to ' + VALUE_MAX);
    for (let i = 0; i < b.length; i++) {
      if (b[i] < 0x21 || b[i] > 0x7e)
        fail('value', member + ': byte ' + i + ' of its value (0x' + b[i].toString(16).padStart(2, '0') +
          ') is not printable ASCII');
    }
    if (out.length === IDS_MAX) fail('too-many', member + ': the credential names more than 16 issuer identifiers');
    out.push({ source, kind, value });
  }

  function otherIds(out, arr, where) {
    const member = where + '.otherIdentifier';
    if (!Array.isArray(arr)) fail('other-id', member + ' is not an array');
    arr.forEach((o, i) => {
      const t = isMap(o) ? o.get('identifierType') : undefined, v = isMap(o) ? o.get('identifier') : undefined;
      if (typeof t !== 'string' || typeof v !== 'string')
        fail('other-id', member + '[' + i + '] is not an object with string identifierType and identifier');
      if (BRIN_TYPE.test(t)) add(out, 'issuer.otherIdentifier', 'brin', v, member);
    });
  }

  /* An `issuer` member: a string, or an object with a string id and
   * optionally otherIdentifier. */
  function issuerMember(out, v, source, where) {
    if (typeof v === 'string') return add(out, source, 'uri', v, where);
    if (!isMap(v)) fail('issuer', where + ' is neither a string nor an object');
    const id = v.get('id');
    if (typeof id !== 'string') fail('issuer', where + ' is an object without a string id');
    add(out, source, 'uri', id, where);
    if (v.has('otherIdentifier')) otherIds(out, v.get('otherIdentifier'), where);
  }

  /* b as a JSON object (Map), or null when it does not start with `{`
   * after JSON white space (an opaque payload). */
  function parseIfObject(b, what) {
    let i = 0;
    while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
    if (i === b.length || b[i] !== 0x7b) return null;
    let o;
    try {
      o = CL.jcs.parse(b);
    } catch (e) {
      if (e instanceof CL.jcs.JsonError) fail('payload', what + ': ' + e.code + ' at ' + e.at);
      throw e;
    }
    if (!isMap(o)) fail('payload', what + ': not an object');
    return o;
  }

  /* C of a JWS: protected.payload.signature; the payload ends at the last
   * dot (an unencoded payload may hold dots). */
  function jwsIds(out, C) {
    const d1 = C.indexOf(0x2e), d2 = C.lastIndexOf(0x2e);
    if (d1 < 0 || d2 === d1) fail('arg', 'not a JWS');
    const hb = B.fromB64url(new TextDecoder('latin1').decode(C.subarray(0, d1)));
    if (hb === null) fail('payload', 'the JWS protected header is not base64url');
    const hdr = parseIfObject(hb, 'the JWS protected header');
    if (hdr === null) fail('payload', 'the JWS protected header is not a JSON object');
    if (hdr.has('iss')) issuerMember(out, hdr.get('iss'), 'header iss', 'header iss');
    const seg = C.subarray(d1 + 1, d2);
    let pb = seg;
    if (hdr.get('b64') !== false) {
      pb = B.fromB64url(new TextDecoder('latin1').decode(seg));
      if (pb === null) fail('payload', 'the JWS payload is not base64url');
    }
    const pl = parseIfObject(pb, 'the JWS payload');
    if (pl === null) return;
    if (pl.has('iss')) {
      /* RFC 7519: a StringOrURI; an object is no iss. */
      if (typeof pl.get('iss') !== 'string') fail('issuer', 'the JWS payload\'s iss is not a string');
      add(out, 'iss', 'uri', pl.get('iss'), 'iss');
    }
    if (pl.has('issuer')) issuerMember(out, pl.get('issuer'), 'payload issuer', 'payload issuer');
    if (pl.has('vc')) {
      const vc = pl.get('vc');
      if (!isMap(vc)) fail('issuer', 'the JWS payload\'s vc is not an object');
      if (vc.has('issuer')) issuerMember(out, vc.get('issuer'), 'vc.issuer', 'vc.issuer');
    }
  }

  function ob2Ids(out, text) {
    const o = CL.jcs.parse(text); /* credkey/v1 read it already */
    const badge = isMap(o) ? o.get('badge') : undefined;
    if (isMap(badge) && badge.has('issuer')) issuerMember(out, badge.get('issuer'), 'badge.issuer', 'badge.issuer');
    else if (badge !== undefined && !isMap(badge) && typeof badge !== 'string')
      fail('issuer', 'badge is neither a URL nor an object');
  }

  /* The identifiers of file (Uint8Array) under profile (the one its key
   * was computed with, or 'auto'). */
  function extract(file, profile) {
    const r = CL.credkey.canonical(file, profile || 'auto');
    const ids = [];
    if (r.profile === 'json') {
      const o = CL.jcs.parse(r.C);
      if (o.has('issuer')) issuerMember(ids, o.get('issuer'), 'issuer', 'issuer');
    } else if (r.profile === 'jws') {
      jwsIds(ids, r.C);
    } else if (r.profile === 'ob2-hosted') {
      ob2Ids(ids, CL.credkey.assertionText(file));
    }
    return { profile: r.profile, ids };
  }

  function idMatches(id, identity) {
    if (id.kind === 'brin') return identity.brin === id.value;
    if (identity.did_web === id.value || identity.issuer_id === id.value || identity.ob2_profile === id.value) return true;
    const m = HTTPS_HOST.exec(id.value) || DIDWEB_HOST.exec(id.value);
    return identity.dns !== undefined && m !== null && m[1] === identity.dns;
  }

  /* Compares ids with a KEY entry's identity (entry.js; null for KEY v1). */
  function match(ids, identity) {
    if (!ids || ids.length === 0) return { result: 'none' };
    if (!identity || !COMPARABLE.some((k) => identity[k] !== undefined)) return { result: 'no_identity' };
    const bad = ids.findIndex((id) => !idMatches(id, identity));
    return bad < 0 ? { result: 'match' } : { result: 'mismatch', bad };
  }

  CL.credissuer = { extract, match, idMatches, IssuerError };
})(globalThis.CL = globalThis.CL || {});
