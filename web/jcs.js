/*
 * jcs.js: credkey/v1's "I-JSON" reader and RFC 8785 (JCS) writer
 * (docs/protocol.md §F.2). parse() reads a JSON text with exactly the checks
 * credkey/v1 makes (valid UTF-8, no member name twice, no escaped lone
 * surrogate, finite doubles, depth at most 1000, one leading BOM ignored);
 * objects become Maps. serialize() writes JCS: numbers as ECMAScript's
 * Number.prototype.toString, members sorted by UTF-16 code units.
 */
(function (CL) {
  'use strict';
  const MAX_DEPTH = 1000;

  class JsonError extends Error {
    constructor(code, at) {
      super(code + ' at ' + at);
      this.code = code; /* syntax, utf8, dup, surrogate, number, depth, not-object */
      this.at = at;
    }
  }

  /* Parses bytes (a Uint8Array); throws JsonError. */
  function parse(bytes) {
    let start = 0;
    if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
    const s = CL.bytes.utf8Decode(bytes.subarray(start));
    if (s === null) throw new JsonError('utf8', start);
    return parseText(s);
  }

  function parseText(s) {
    let i = 0;
    const fail = (code) => { throw new JsonError(code, i); };
    const ws = () => {
      for (;;) {
        const c = s.charCodeAt(i);
        if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++; else return;
      }
    };
    const hex4 = () => {
      const h = s.substr(i, 4);
      if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('syntax');
      i += 4;
      return parseInt(h, 16);
    };
    function string() {
      i++; /* the opening quote */
      let out = '';
      for (;;) {
        const c = s.charCodeAt(i);
        if (Number.isNaN(c)) fail('syntax');
        if (c === 0x22) { i++; return out; }
        if (c < 0x20) fail('syntax');
        if (c !== 0x5c) { out += s[i++]; continue; }
        i++;
        const e = s[i++];
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            const u = hex4();
            if (u >= 0xdc00 && u <= 0xdfff) fail('surrogate');
            if (u >= 0xd800 && u <= 0xdbff) {
              if (s[i] !== '\\' || s[i + 1] !== 'u') fail('surrogate');
              i += 2;
              const l = hex4();
              if (l < 0xdc00 || l > 0xdfff) fail('surrogate');
              out += String.fromCharCode(u, l);
            } else {
              out += String.fromCharCode(u);
            }
            break;
          }
          default: i--; fail('syntax');
        }
      }
    }
    const NUM = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    function number() {
      NUM.lastIndex = i;
      const m = NUM.exec(s);
      if (m === null || m[0] === '' || m[0] === '-') fail('syntax');
      const v = Number(m[0]);
      if (!Number.isFinite(v)) fail('number');
      i += m[0].length;
      return v;
    }
    function value(depth) {
      ws();
      const c = s[i];
      if (c === '{' || c === '[') {
        if (depth + 1 > MAX_DEPTH) fail('depth');
        i++;
        ws();
        if (c === '[') {
          const arr = [];
          if (s[i] === ']') { i++; return arr; }
          for (;;) {
            arr.push(value(depth + 1));
            ws();
            if (s[i] === ',') { i++; continue; }
            if (s[i] === ']') { i++; return arr; }
            fail('syntax');
          }
        }
        const obj = new Map();
        if (s[i] === '}') { i++; return obj; }
        for (;;) {
          ws();
          if (s[i] !== '"') fail('syntax');
          const at = i;
          const k = string();
          if (obj.has(k)) { i = at; fail('dup'); }
          ws();
          if (s[i] !== ':') fail('syntax');
          i++;
          obj.set(k, value(depth + 1));
          ws();
          if (s[i] === ',') { i++; continue; }
          if (s[i] === '}') { i++; return obj; }
          fail('syntax');
        }
      }
      if (c === '"') return string();
      if (s.startsWith('true', i)) { i += 4; return true; }
      if (s.startsWith('false', i)) { i += 5; return false; }
      if (s.startsWith('null', i)) { i += 4; return null; }
      return number();
    }
    const v = value(0);
    ws();
    if (i !== s.length) fail('syntax');
    return v;
  }

  function quote(str) {
    let out = '"';
    for (let k = 0; k < str.length; k++) {
      const c = str.charCodeAt(k);
      if (c === 0x22) out += '\\"';
      else if (c === 0x5c) out += '\\\\';
      else if (c === 0x08) out += '\\b';
      else if (c === 0x09) out += '\\t';
      else if (c === 0x0a) out += '\\n';
      else if (c === 0x0c) out += '\\f';
      else if (c === 0x0d) out += '\\r';
      else if (c < 0x20) out += '\\u00' + (c < 16 ? '0' : '') + c.toString(16);
      else out += str[k];
    }
    return out + '"';
  }

  /* The JCS text of v (a value from parse()), a string. */
  function serialize(v) {
    if (v === null) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') return Object.is(v, -0) ? '0' : String(v);
    if (typeof v === 'string') return quote(v);
    if (Array.isArray(v)) return '[' + v.map(serialize).join(',') + ']';
    const keys = Array.from(v.keys()).sort(); /* UTF-16 code unit order */
    return '{' + keys.map((k) => quote(k) + ':' + serialize(v.get(k))).join(',') + '}';
  }

  CL.jcs = { parse, parseText, serialize, JsonError, MAX_DEPTH };
})(globalThis.CL = globalThis.CL || {});
