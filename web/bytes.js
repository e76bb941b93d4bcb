/*
 * bytes.js: byte strings for the verification page: hex, base64 (strict,
 * canonical, as docs/protocol.md Part B reads it), base64url, UTF-8 and
 * SHA-256 (WebCrypto). Every decoder returns null on bad input; nothing
 * here throws on data.
 */
(function (CL) {
  'use strict';
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

  function table(alphabet) {
    const t = new Int16Array(128).fill(-1);
    for (let i = 0; i < 64; i++) t[alphabet.charCodeAt(i)] = i;
    return t;
  }
  const T64 = table(B64), T64URL = table(B64URL);

  function concat(...parts) {
    let n = 0;
    for (const p of parts) n += p.length;
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) return false;
    let d = 0;
    for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
    return d === 0;
  }

  function hex(u8) {
    let s = '';
    for (const x of u8) s += (x < 16 ? '0' : '') + x.toString(16);
    return s;
  }

  /* Hex of either case; null unless exactly 2n hex digits. */
  function fromHex(s) {
    if (typeof s !== 'string' || s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return null;
    const out = new Uint8Array(s.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
    return out;
  }

  /* Canonical base64 (RFC 4648 §4): padding required, no whitespace, zero
   * unused bits. */
  function fromB64(s) {
    if (typeof s !== 'string' || s.length % 4 !== 0) return null;
    let pad = 0;
    if (s.endsWith('==')) pad = 2; else if (s.endsWith('=')) pad = 1;
    const body = s.length - pad;
    const out = new Uint8Array((s.length / 4) * 3 - pad);
    let acc = 0, bits = 0, o = 0;
    for (let i = 0; i < body; i++) {
      const c = s.charCodeAt(i);
      const v = c < 128 ? T64[c] : -1;
      if (v < 0) return null;
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 8) { bits -= 8; out[o++] = (acc >> bits) & 0xff; }
    }
    if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return null;
    return o === out.length ? out : null;
  }

  function toB64(u8) {
    let s = '';
    for (let i = 0; i < u8.length; i += 3) {
      const n = (u8[i] << 16) | ((u8[i + 1] || 0) << 8) | (u8[i + 2] || 0);
      s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] +
        (i + 1 < u8.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < u8.length ? B64[n & 63] : '=');
    }
    return s;
  }

  /* base64url without padding; unused bits of the last character ignored
   * (credkey/v1); null for other characters or a length of 1 mod 4. */
  function fromB64url(s) {
    if (s.length % 4 === 1) return null;
    const out = new Uint8Array(Math.floor((s.length * 6) / 8));
    let acc = 0, bits = 0, o = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const v = c < 128 ? T64URL[c] : -1;
      if (v < 0) return null;
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 8) { bits -= 8; out[o++] = (acc >> bits) & 0xff; }
    }
    return out;
  }

  const utf8 = (s) => new TextEncoder().encode(s);

  /* Strict UTF-8 (RFC 3629) to a string, a BOM kept; null if invalid. */
  function utf8Decode(u8) {
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(u8);
    } catch (e) {
      return null;
    }
  }

  async function sha256(...parts) {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', concat(...parts)));
  }

  const u16 = (b, o) => (b[o] << 8) | b[o + 1];
  const u32 = (b, o) => ((b[o] << 24) >>> 0) + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
  function u64(b, o) {
    return (BigInt(u32(b, o)) << 32n) | BigInt(u32(b, o + 4));
  }
  function be64(v) {
    const out = new Uint8Array(8);
    for (let i = 7; i >= 0; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
    return out;
  }

  CL.bytes = { concat, equal, hex, fromHex, fromB64, toB64, fromB64url, utf8, utf8Decode,
    sha256, u16, u32, u64, be64 };
})(globalThis.CL = globalThis.CL || {});
