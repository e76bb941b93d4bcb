/*
 * credkey.js: the credkey/v1 key of a credential (docs/protocol.md Part F,
 * shared contract credkey-v1.md), exactly as `credlog key` computes it:
 * profiles bytes, json (JCS), jws (compact, SD-JWT, JWS JSON) and
 * ob2-hosted; baked PNG and SVG badges; data: URI and enveloped
 * credentials; the automatic choice; the salt. compute() never sends
 * anything anywhere. Refusals throw CredkeyError with a code the page puts
 * in words (i18n.js, "ck.<code>").
 */
(function (CL) {
  'use strict';
  const B = CL.bytes;
  const PROFILES = ['bytes', 'json', 'jws', 'ob2-hosted'];
  const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const OB3_NS = 'https://purl.imsglobal.org/ob/v3p0';
  const OB2_NS = 'http://openbadges.org';
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const XML_NS = 'http://www.w3.org/XML/1998/namespace';
  const ENVELOPE_TYPES = ['application/vc+jwt', 'application/vc+sd-jwt', 'application/dc+sd-jwt'];

  class CredkeyError extends Error {
    constructor(code, detail) {
      super(code + (detail ? ': ' + detail : ''));
      this.code = code; /* empty salt profile json jws jws-json ob2 enveloped png png-crc
                           png-compressed svg svg-doctype no-credential text-utf8 */
      this.detail = detail || '';
    }
  }
  const fail = (code, detail) => { throw new CredkeyError(code, detail); };

  const isWs = (c) => c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20;
  function trimEnd(u8) {
    let e = u8.length;
    while (e > 0 && isWs(u8[e - 1])) e--;
    return u8.subarray(0, e);
  }
  function trim(u8) {
    let s = 0;
    while (s < u8.length && isWs(u8[s])) s++;
    return trimEnd(u8.subarray(s));
  }
  const trimStr = (s) => s.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '');
  const hasBom = (u8) => u8.length >= 3 && u8[0] === 0xef && u8[1] === 0xbb && u8[2] === 0xbf;
  /* The first byte after an optional BOM and ASCII whitespace, or -1. */
  function firstByte(u8) {
    let i = hasBom(u8) ? 3 : 0;
    while (i < u8.length && isWs(u8[i])) i++;
    return i < u8.length ? u8[i] : -1;
  }

  function parseJson(u8, what) {
    try {
      return CL.jcs.parse(u8);
    } catch (e) {
      if (e instanceof CL.jcs.JsonError) fail(what || 'json', e.code + ' at ' + e.at);
      throw e;
    }
  }
  const isMap = (v) => v instanceof Map;
  const isOrHas = (v, want) => v === want || (Array.isArray(v) && v.includes(want));

  /* ---- jws ---- */

  const B64URL_RE = /^[A-Za-z0-9_-]+$/;

  /* C of a compact JWS or SD-JWT (text less trailing whitespace), or null. */
  function compactJws(u8) {
    const s = B.utf8Decode(trimEnd(u8));
    if (s === null) return null;
    const t = s.indexOf('~') >= 0 ? s.slice(0, s.indexOf('~')) : s;
    const seg = t.split('.');
    if (seg.length !== 3 || !seg.every((x) => B64URL_RE.test(x))) return null;
    const header = B.fromB64url(seg[0]);
    if (header === null) return null;
    let h;
    try {
      h = CL.jcs.parse(header);
    } catch (e) {
      return null;
    }
    if (!isMap(h) || typeof h.get('alg') !== 'string') return null;
    return B.utf8(t);
  }

  const looksJwsJson = (o) => o.has('payload') && (o.has('signatures') || o.has('protected') || o.has('signature'));
  const b64urlOk = (x) => typeof x === 'string' && B64URL_RE.test(x) && x.length % 4 !== 1;

  function jwsJson(o) {
    const payload = o.get('payload');
    if (typeof payload !== 'string') fail('jws-json', 'payload');
    let sig;
    if (o.has('signatures')) {
      if (o.has('protected') || o.has('signature')) fail('jws-json', 'general and flattened');
      const list = o.get('signatures');
      if (!Array.isArray(list) || list.length === 0 || !isMap(list[0])) fail('jws-json', 'signatures');
      sig = list[0];
    } else {
      sig = o;
    }
    const p = sig.get('protected'), g = sig.get('signature');
    if (!b64urlOk(p) || !b64urlOk(g)) fail('jws-json', 'protected/signature');
    return B.utf8(p + '.' + payload + '.' + g);
  }

  /* ---- json, ob2-hosted ---- */

  function withoutProof(o) {
    const m = new Map(o);
    m.delete('proof');
    return B.utf8(CL.jcs.serialize(m));
  }

  function ob2Id(o) {
    if (!isOrHas(o.get('@context'), 'https://w3id.org/openbadges/v2')) return null;
    if (!isOrHas(o.get('type'), 'Assertion')) return null;
    const v = o.has('verification') ? o.get('verification') : o.get('verify');
    if (!isMap(v) || (v.get('type') !== 'HostedBadge' && v.get('type') !== 'hosted')) return null;
    const id = o.get('id');
    if (typeof id !== 'string' || !(id.startsWith('https://') || id.startsWith('http://'))) return null;
    return B.utf8(id);
  }

  /* ---- data: URIs ---- */

  /* The credential in a data: URI of one of the three media types, or null
   * for any other text; throws on a bad '%'. */
  function dataUri(text) {
    const s = trimStr(text);
    if (s.slice(0, 5).toLowerCase() !== 'data:') return null;
    const comma = s.indexOf(',');
    if (comma < 0 || !ENVELOPE_TYPES.includes(s.slice(5, comma).toLowerCase())) return null;
    const rest = s.slice(comma + 1);
    const out = [];
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '%') {
        const h = rest.substr(i + 1, 2);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) fail('enveloped', 'bad %');
        out.push(parseInt(h, 16));
        i += 2;
      } else {
        for (const b of B.utf8(rest[i])) out.push(b);
      }
    }
    return new Uint8Array(out);
  }

  function enveloped(inner) {
    const c = compactJws(inner);
    if (c === null) fail('enveloped', 'not a JWS or SD-JWT');
    return { profile: 'jws', C: c };
  }

  /* ---- PNG ---- */

  const CRC = (() => {
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t[n] = c >>> 0;
    }
    return t;
  })();
  function crc32(u8) {
    let c = 0xffffffff;
    for (let i = 0; i < u8.length; i++) c = CRC[(c ^ u8[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  }

  const isPng = (u8) => u8.length >= 8 && PNG_SIG.every((b, i) => u8[i] === b);

  function pngText(u8) {
    let pos = 8;
    for (let idx = 0; ; idx++) {
      if (pos === u8.length) fail('no-credential', 'png');
      if (u8.length - pos < 12) fail('png', 'chunk ' + idx + ' cut short');
      const len = B.u32(u8, pos);
      const type = String.fromCharCode(...u8.subarray(pos + 4, pos + 8));
      if (len > 0x7fffffff || len > u8.length - pos - 12) fail('png', 'chunk ' + idx + ' (' + type + ') length');
      const data = u8.subarray(pos + 8, pos + 8 + len);
      if (crc32(u8.subarray(pos + 4, pos + 8 + len)) !== B.u32(u8, pos + 8 + len))
        fail('png-crc', 'chunk ' + idx + ' (' + type + ')');
      if (type === 'IEND') fail('no-credential', 'png');
      if (type === 'iTXt') {
        const nul = data.indexOf(0);
        const kw = String.fromCharCode(...data.subarray(0, nul < 0 ? data.length : nul));
        if (nul >= 0 && (kw === 'openbadgecredential' || kw === 'openbadges')) {
          if (data.length < nul + 3) fail('png', 'chunk ' + idx + ' iTXt fields');
          if (data[nul + 1] !== 0) fail('png-compressed', 'chunk ' + idx);
          const lang = data.indexOf(0, nul + 3);
          const tr = lang < 0 ? -1 : data.indexOf(0, lang + 1);
          if (tr < 0) fail('png', 'chunk ' + idx + ' iTXt fields');
          const text = data.subarray(tr + 1);
          if (B.utf8Decode(text) === null) fail('text-utf8', 'chunk ' + idx);
          return text;
        }
      }
      pos += 12 + len;
    }
  }

  /* ---- SVG ---- */

  /* Whether a file starting with '<' names svg first (F.4 step 2). */
  function sniffSvg(u8) {
    const s = new TextDecoder('latin1').decode(u8.subarray(0, Math.min(u8.length, 65536)));
    let i = s.startsWith('\xef\xbb\xbf') ? 3 : 0;
    for (;;) {
      while (i < s.length && ' \t\n\f\r'.includes(s[i])) i++;
      if (s.startsWith('<?', i)) {
        const e = s.indexOf('?>', i + 2);
        if (e < 0) return false;
        i = e + 2;
      } else if (s.startsWith('<!--', i)) {
        const e = s.indexOf('-->', i + 4);
        if (e < 0) return false;
        i = e + 3;
      } else break;
    }
    let m;
    if (s.startsWith('<!DOCTYPE', i)) {
      m = /^[ \t\n\r]+([^ \t\n\r>[]+)/.exec(s.slice(i + 9, i + 9 + 512));
    } else {
      m = /^<([^ \t\n\r>/!?]+)/.exec(s.slice(i, i + 512));
    }
    if (m === null) return false;
    return m[1] === 'svg' || m[1].endsWith(':svg');
  }

  const NAME_START = /[A-Za-z_:\u0080-\uffff]/;
  const NAME_CHAR = /[A-Za-z0-9_:.\-\u0080-\uffff]/;
  const PREDEFINED = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

  /* The text of the credential baked into an SVG (F.3), as UTF-8 bytes. */
  function svgText(u8, body) {
    let s = B.utf8Decode(u8);
    if (s === null) fail('svg', 'not UTF-8');
    if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    s = s.replace(/\r\n?/g, '\n');
    let i = 0;
    const err = (what) => fail('svg', what + ' at ' + i);
    if (/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/.test(s)) err('not an XML character');
    const ws = () => { while (i < s.length && ' \t\n\r'.includes(s[i])) i++; };
    const name = () => {
      const st = i;
      if (!NAME_START.test(s[i] || '')) err('name expected');
      while (i < s.length && NAME_CHAR.test(s[i])) i++;
      return s.slice(st, i);
    };
    const expect = (t) => { if (!s.startsWith(t, i)) err('"' + t + '" expected'); i += t.length; };
    function reference() { /* at '&' */
      const e = s.indexOf(';', i);
      if (e < 0 || e - i > 12) err('bad reference');
      const r = s.slice(i + 1, e);
      i = e + 1;
      let cp;
      if (/^#[0-9]+$/.test(r)) cp = parseInt(r.slice(1), 10);
      else if (/^#x[0-9a-fA-F]+$/.test(r)) cp = parseInt(r.slice(2), 16);
      else if (Object.prototype.hasOwnProperty.call(PREDEFINED, r)) return PREDEFINED[r];
      else err('undefined entity &' + r + ';');
      if (!(cp === 9 || cp === 10 || cp === 13 || (cp >= 0x20 && cp <= 0xd7ff) ||
        (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff))) err('bad character reference');
      return String.fromCodePoint(cp);
    }
    function comment() { /* at '<!--' */
      const e = s.indexOf('--', i + 4);
      if (e < 0 || s[e + 2] !== '>') err('bad comment');
      i = e + 3;
    }
    function pi() { /* at '<?' */
      i += 2;
      const t = name();
      if (t.toLowerCase() === 'xml') err('misplaced XML declaration');
      const e = s.indexOf('?>', i);
      if (e < 0) err('unterminated processing instruction');
      if (e > i && !' \t\n\r'.includes(s[i])) err('bad processing instruction');
      i = e + 2;
    }
    function misc() {
      for (;;) {
        ws();
        if (s.startsWith('<!--', i)) comment();
        else if (s.startsWith('<?', i)) pi();
        else return;
      }
    }
    function literal() {
      const q = s[i];
      if (q !== '"' && q !== "'") err('quoted literal expected');
      const e = s.indexOf(q, i + 1);
      if (e < 0) err('unterminated literal');
      const v = s.slice(i + 1, e);
      i = e + 1;
      return v;
    }
    function doctype() { /* at '<!DOCTYPE' */
      i += 9;
      const st = i;
      ws();
      if (i === st) err('space expected');
      name();
      const w = i;
      ws();
      if (s.startsWith('SYSTEM', i) && i > w) {
        i += 6; const a = i; ws(); if (i === a) err('space expected'); literal();
      } else if (s.startsWith('PUBLIC', i) && i > w) {
        i += 6; let a = i; ws(); if (i === a) err('space expected');
        const pub = literal();
        if (!/^[ \r\na-zA-Z0-9\-'()+,./:=?;!*#@$_%]*$/.test(pub)) err('bad public identifier');
        a = i; ws(); if (i === a) err('space expected');
        literal();
      }
      ws();
      if (s[i] === '[') fail('svg-doctype', 'internal subset');
      expect('>');
    }
    if (s.startsWith('<?xml', i) && ' \t\n\r?'.includes(s[i + 5])) {
      const e = s.indexOf('?>', i);
      if (e < 0) err('unterminated XML declaration');
      const decl = s.slice(i + 5, e);
      if (!/^[ \t\n\r]+version[ \t\n\r]*=[ \t\n\r]*("1\.[0-9]+"|'1\.[0-9]+')/.test(decl)) err('bad XML declaration');
      const enc = /encoding[ \t\n\r]*=[ \t\n\r]*(?:"([^"]*)"|'([^']*)')/.exec(decl);
      if (enc && (enc[1] || enc[2]).toLowerCase() !== 'utf-8') err('not UTF-8');
      i = e + 2;
    }
    misc();
    if (s.startsWith('<!DOCTYPE', i)) { doctype(); misc(); }
    if (s[i] !== '<') err('root element expected');

    /* The element tree, walked with an explicit stack. */
    const stack = []; /* {qname, ns: Map(prefix -> uri)} */
    let nsCount = 0;
    let found = null; /* {depth, verify, text: []} */
    let done = null;
    let root = true;
    for (;;) {
      if (stack.length === 0 && !root) break;
      if (s.startsWith('</', i)) {
        i += 2;
        const q = name();
        ws();
        expect('>');
        const top = stack.pop();
        if (top.qname !== q) err('mismatched end tag');
        nsCount -= top.decls;
        if (found && !done && stack.length === found.depth) done = found;
      } else if (s.startsWith('<!--', i)) {
        comment();
      } else if (s.startsWith('<![CDATA[', i)) {
        if (stack.length === 0) err('CDATA outside the root');
        const e = s.indexOf(']]>', i + 9);
        if (e < 0) err('unterminated CDATA');
        if (found && !done) found.text.push(s.slice(i + 9, e));
        i = e + 3;
      } else if (s.startsWith('<?', i)) {
        pi();
      } else if (s[i] === '<') {
        i++;
        const q = name();
        const attrs = new Map();
        for (;;) {
          const a = i;
          ws();
          if (s[i] === '>' || s.startsWith('/>', i)) break;
          if (i === a) err('space expected');
          const an = name();
          ws(); expect('='); ws();
          const qc = s[i];
          if (qc !== '"' && qc !== "'") err('attribute value expected');
          i++;
          let v = '';
          for (;;) {
            const c = s[i];
            if (c === undefined) err('unterminated attribute');
            if (c === qc) { i++; break; }
            if (c === '<') err('"<" in an attribute');
            if (c === '&') { v += reference(); continue; }
            v += c === '\t' || c === '\n' || c === '\r' ? ' ' : c;
            i++;
          }
          if (attrs.has(an)) err('attribute twice');
          attrs.set(an, v);
          if (attrs.size > 1024) err('more than 1024 attributes');
        }
        const empty = s.startsWith('/>', i);
        i += empty ? 2 : 1;
        const ns = new Map(stack.length ? stack[stack.length - 1].ns : [['xml', XML_NS]]);
        let decls = 0;
        for (const [an, v] of attrs) {
          if (an === 'xmlns') { ns.set('', v); decls++; }
          else if (an.startsWith('xmlns:')) {
            const p = an.slice(6);
            if (p === '' || p.includes(':') || v === '') err('bad namespace declaration');
            ns.set(p, v); decls++;
          }
        }
        nsCount += decls;
        if (nsCount > 256) err('more than 256 namespace declarations');
        const resolve = (qn, isAttr) => {
          const parts = qn.split(':');
          if (parts.length > 2 || parts.some((p) => p === '')) err('bad qualified name');
          if (parts.length === 1) return [isAttr ? '' : ns.get('') || '', qn];
          if (!ns.has(parts[0]) || (parts[0] !== 'xml' && ns.get(parts[0]) === '')) err('undeclared prefix');
          return [ns.get(parts[0]), parts[1]];
        };
        const [uri, local] = resolve(q, false);
        const seen = new Set();
        for (const an of attrs.keys()) {
          if (an === 'xmlns' || an.startsWith('xmlns:')) continue;
          const [au, al] = resolve(an, true);
          if (seen.has(au + ' ' + al)) err('attribute twice');
          seen.add(au + ' ' + al);
        }
        if (root) {
          if (local !== 'svg' || uri !== SVG_NS) err('root is not svg in the SVG namespace');
          root = false;
        }
        if (!found && ((local === 'credential' && uri === OB3_NS) || (local === 'assertion' && uri === OB2_NS)))
          found = { depth: stack.length, verify: attrs.get('verify'), text: [] };
        if (stack.length + 1 > 1000) err('nested more than 1000 deep');
        if (empty) {
          nsCount -= decls;
          if (found && !done && stack.length === found.depth) done = found;
        } else {
          stack.push({ qname: q, ns, decls });
        }
      } else if (s[i] === '&') {
        const t = reference();
        if (found && !done) found.text.push(t);
      } else if (i >= s.length) {
        err('document cut short');
      } else {
        const e = s.slice(i).search(/[<&]/);
        const t = e < 0 ? s.slice(i) : s.slice(i, i + e);
        if (t.includes(']]>')) err('"]]>" in text');
        if (found && !done) found.text.push(t);
        i += t.length;
      }
    }
    misc();
    if (i !== s.length) err('content after the root element');
    if (!done) fail('no-credential', 'svg');
    if (done.verify !== undefined && !body) {
      const v = B.utf8(trimStr(done.verify));
      if (compactJws(v) !== null) return v;
    }
    return B.utf8(trimStr(done.text.join('')));
  }

  /* ---- the choice ---- */

  /* Follows F.4 from step 3 on t: the file, or the text a container gave
   * up (bytes either way). */
  function choose(t) {
    const c = compactJws(t);
    if (c !== null) return { profile: 'jws', C: c };
    if (firstByte(t) === 0x7b) {
      const o = parseJson(t);
      if (!isMap(o)) fail('json', 'not an object');
      if (isOrHas(o.get('type'), 'EnvelopedVerifiableCredential') && typeof o.get('id') === 'string') {
        const inner = dataUri(o.get('id'));
        if (inner !== null) return enveloped(inner);
      }
      if (looksJwsJson(o)) return { profile: 'jws', C: jwsJson(o) };
      const id = ob2Id(o);
      if (id !== null) return { profile: 'ob2-hosted', C: id };
      return { profile: 'json', C: withoutProof(o) };
    }
    return { profile: 'bytes', C: t };
  }

  /* The container's text, or null for a file that is no image. */
  function unbake(file) {
    if (isPng(file)) return { container: 'png', text: pngText(file) };
    if (firstByte(file) === 0x3c && sniffSvg(file)) return { container: 'svg', text: svgText(file) };
    return null;
  }

  function named(file, profile) {
    if (profile === 'bytes') return { container: 'none', profile, C: file };
    const baked = unbake(file);
    const t = baked ? baked.text : file;
    const container = baked ? baked.container : 'none';
    if (baked && trim(t).length === 0) fail('empty', 'baked');
    if (profile === 'jws') {
      if (firstByte(t) === 0x7b) {
        const o = parseJson(t, 'jws-json');
        if (!isMap(o) || !o.has('payload')) fail('jws-json', 'payload');
        return { container, profile, C: jwsJson(o) };
      }
      const c = compactJws(t);
      if (c === null) fail('jws');
      return { container, profile, C: c };
    }
    const o = parseJson(t);
    if (!isMap(o)) fail(profile === 'json' ? 'json' : 'ob2', 'not an object');
    if (profile === 'json') return { container, profile, C: withoutProof(o) };
    const id = ob2Id(o);
    if (id === null) fail('ob2');
    return { container, profile, C: id };
  }

  function auto(file) {
    if (trim(file).length === 0) fail('empty');
    const baked = unbake(file);
    if (baked) {
      if (trim(baked.text).length === 0) fail('empty', 'baked');
      return Object.assign({ container: baked.container }, choose(baked.text));
    }
    if (firstByte(file) === 0x3c) return { container: 'none', profile: 'bytes', C: file };
    const head = new TextDecoder('latin1').decode(trim(file).subarray(0, 5)).toLowerCase();
    if (head === 'data:') {
      const s = B.utf8Decode(file);
      const inner = s === null ? null : dataUri(s);
      if (inner === null) return { container: 'none', profile: 'bytes', C: file };
      return Object.assign({ container: 'data-uri' }, enveloped(inner));
    }
    return Object.assign({ container: 'none' }, choose(file));
  }

  /* What credkey/v1 hashes for file under profile ('auto' or one of
   * PROFILES): {profile, container, C}. Throws CredkeyError. */
  function canonical(file, profile) {
    if (profile === undefined || profile === 'auto') return auto(file);
    if (!PROFILES.includes(profile)) fail('profile');
    if (profile !== 'bytes' && trim(file).length === 0) fail('empty');
    return named(file, profile);
  }

  /* The text an OB 2.0 assertion is read from (F.3): the text baked in a
   * PNG, the body of a baked SVG (its verify attribute is the URL), or the
   * file itself. */
  function assertionText(file) {
    if (isPng(file)) return pngText(file);
    if (firstByte(file) === 0x3c && sniffSvg(file)) return svgText(file, true);
    return file;
  }

  /* The key of file (Uint8Array) under profile ('auto' or one of PROFILES)
   * and salt (Uint8Array, 0 or 16..32 bytes). Resolves to {profile,
   * container, digest, key} (digest and key as Uint8Array). Throws
   * CredkeyError. */
  async function compute(file, profile, salt) {
    salt = salt || new Uint8Array(0);
    if (salt.length !== 0 && (salt.length < 16 || salt.length > 32)) fail('salt');
    const r = canonical(file, profile);
    const digest = await B.sha256(r.C);
    const p = B.utf8(r.profile);
    const key = await B.sha256(B.utf8('credlog/credkey/v1\n'), [p.length], p, [salt.length], salt, digest);
    return { profile: r.profile, container: r.container, digest, key };
  }

  CL.credkey = { compute, canonical, assertionText, CredkeyError, PROFILES, sniffSvg, isPng };
})(globalThis.CL = globalThis.CL || {});
