/*
 * policy.js: C2SP tlog-policy files and the cosignatures of a checkpoint
 * under one, exactly as proofs/policy.c and client/witnessed.c judge them
 * (docs/witness.md): which logs and witnesses, what quorum, whether a
 * checkpoint's c2sp tlog-cosignature lines (type 0x04, "cosignature/v1\n
 * time T\n" + the checkpoint text, Ed25519 via WebCrypto) meet it, and
 * since when.
 *
 *   parse(text) -> Promise<policy>; throws PolicyError {code, line}
 *   open(policy, note) -> Promise<{ok, why, cp, cosigned[], times[]}>
 *   satisfied(policy, cosigned), missing(policy, cosigned), since(policy, r)
 *
 * A policy's member index m < MAX_WITNESSES is witness m, m >=
 * MAX_WITNESSES group m - MAX_WITNESSES, as in policy.h.
 */
(function (CL) {
  'use strict';
  const B = CL.bytes;
  const MAX_LOGS = 32, MAX_WITNESSES = 32, MAX_GROUPS = 32, MAX_MEMBERS = 64;
  const URL_MAX = 256, TEXT_MAX = 64 * 1024, NAME_MAX = 255, MAX_FIELDS = 3 + MAX_MEMBERS;
  const TYPE_ED25519 = 0x01, TYPE_COSIG = 0x04, TYPE_MLDSA44 = 0x06, MLDSA44_PUBLIC = 1312;

  class PolicyError extends Error {
    constructor(code, line) {
      super(code + (line ? ' at line ' + line : ''));
      this.code = code; /* syntax key name dup limit quorum (policy.h) */
      this.line = line || 0;
    }
  }

  /* An ML-DSA-44 cosigner vkey (type 0x06), which is parsed but can never
   * be verified here: name+hex8+base64(0x06 || 1312 bytes), key id checked. */
  async function mldsaVkey(s) {
    const plus = s.indexOf('+');
    if (plus < 0) return false;
    const name = s.slice(0, plus), b64Len = 4 * Math.ceil((1 + MLDSA44_PUBLIC) / 3);
    if (!CL.note.nameValid(name, true) || s.length !== plus + 10 + b64Len || s[plus + 9] !== '+') return false;
    if (!/^[0-9a-f]{8}$/i.test(s.slice(plus + 1, plus + 9))) return false;
    const blob = B.fromB64(s.slice(plus + 10));
    if (blob === null || blob.length !== 1 + MLDSA44_PUBLIC || blob[0] !== TYPE_MLDSA44) return false;
    return (await CL.note.keyId(name, TYPE_MLDSA44, blob.subarray(1))) === parseInt(s.slice(plus + 1, plus + 9), 16);
  }

  async function parse(text) {
    const bytes = B.utf8(text);
    if (bytes.length > TEXT_MAX) throw new PolicyError('limit', 0);
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(text.replace(/\n/g, ''))) throw new PolicyError('syntax', 0);
    const p = { logs: [], witnesses: [], groups: [], quorum: -1 };
    const find = (f) => {
      const w = p.witnesses.findIndex((x) => x.name === f);
      if (w >= 0) return w;
      const g = p.groups.findIndex((x) => x.name === f);
      return g >= 0 ? MAX_WITNESSES + g : -1;
    };
    const newName = (f) => {
      const n = B.utf8(f).length;
      if (n === 0 || n > NAME_MAX || f === 'none' || find(f) >= 0) throw 'name';
      return f;
    };
    const taken = (type, pub) => p.logs.some((l) => l.key.type === type && B.equal(l.key.pub, pub)) ||
      p.witnesses.some((w) => w.supported && w.key.type === type && B.equal(w.key.pub, pub));
    const url = (f) => { if (B.utf8(f).length >= URL_MAX) throw 'limit'; return f; };
    let quorumSeen = false;

    async function line(s) {
      const f = s.split(/[ \t]+/).filter((x) => x !== '');
      if (f.length > MAX_FIELDS) throw 'limit';
      if (f.length === 0 || f[0][0] === '#') return;
      const n = f.length;
      if (f[0] === 'log') {
        if (n !== 2 && n !== 3) throw 'syntax';
        if (p.logs.length === MAX_LOGS) throw 'limit';
        const key = await CL.note.parseVkey(f[1]);
        if (key === null || key.type !== TYPE_ED25519 || f[1].endsWith('\n')) throw 'key';
        if (taken(key.type, key.pub)) throw 'dup';
        p.logs.push({ key, url: n === 3 ? url(f[2]) : '' });
      } else if (f[0] === 'witness') {
        if (n !== 3 && n !== 4) throw 'syntax';
        if (p.witnesses.length === MAX_WITNESSES) throw 'limit';
        const w = { name: newName(f[1]), key: null, supported: false, url: '' };
        const key = await CL.note.parseVkey(f[2]);
        if (key !== null) {
          if (key.type !== TYPE_COSIG) throw 'key';
          if (taken(key.type, key.pub)) throw 'dup';
          w.key = key;
          w.supported = true;
        } else if (!(await mldsaVkey(f[2]))) {
          throw 'key';
        }
        if (n === 4) w.url = url(f[3]);
        p.witnesses.push(w);
      } else if (f[0] === 'group') {
        if (n < 4) throw 'syntax';
        if (p.groups.length === MAX_GROUPS || n - 3 > MAX_MEMBERS) throw 'limit';
        const g = { name: newName(f[1]), threshold: 0, members: [] };
        const k = n - 3;
        if (f[2] === 'all') g.threshold = k;
        else if (f[2] === 'any') g.threshold = 1;
        else if (/^[1-9][0-9]{0,2}$/.test(f[2]) && Number(f[2]) <= k) g.threshold = Number(f[2]);
        else throw 'syntax';
        for (const name of f.slice(3)) {
          const m = find(name);
          if (m < 0 || g.members.includes(m)) throw 'name';
          g.members.push(m);
        }
        p.groups.push(g);
      } else if (f[0] === 'quorum') {
        if (n !== 2) throw 'syntax';
        if (quorumSeen) throw 'quorum';
        quorumSeen = true;
        if (f[1] === 'none') p.quorum = -1;
        else if ((p.quorum = find(f[1])) < 0) throw 'name';
      } else {
        throw 'syntax';
      }
    }

    const lines = text.split('\n');
    if (text.endsWith('\n')) lines.pop();
    for (let i = 0; i < lines.length; i++) {
      try {
        await line(lines[i]);
      } catch (code) {
        if (typeof code !== 'string') throw code;
        throw new PolicyError(code, i + 1);
      }
    }
    if (!quorumSeen) throw new PolicyError('quorum', 0);
    return p;
  }

  function satisfied(p, cosigned) {
    if (p.quorum < 0) return true;
    const groupOk = [];
    p.groups.forEach((g, i) => {
      const have = g.members.filter((m) => (m < MAX_WITNESSES
        ? cosigned[m] && p.witnesses[m].supported : groupOk[m - MAX_WITNESSES])).length;
      groupOk[i] = have >= g.threshold;
    });
    if (p.quorum < MAX_WITNESSES) return !!cosigned[p.quorum] && p.witnesses[p.quorum].supported;
    return groupOk[p.quorum - MAX_WITNESSES];
  }

  /* The witnesses that did not cosign, by name, as policy_missing(). */
  function missing(p, cosigned) {
    return p.witnesses.filter((w, i) => !(cosigned[i] && w.supported)).map((w) => w.name).join(', ');
  }

  /* The newest time T (seconds) such that the cosignatures made at T or
   * later still meet the quorum; 0 if none do (witnessed_since()). */
  function since(p, r) {
    let best = 0n;
    p.witnesses.forEach((w, t) => {
      if (!r.cosigned[t] || r.times[t] <= best) return;
      const fresh = p.witnesses.map((x, i) => r.cosigned[i] && r.times[i] >= r.times[t]);
      if (satisfied(p, fresh)) best = r.times[t];
    });
    return best;
  }

  /* note_open(): verifies every signature line of a key in keys (a bad one
   * fails the whole note); resolves to {rc: 'ok'|'syntax'|'badsig'|
   * 'unverified', text, verified[], times[] (BigInt seconds)}. */
  async function noteOpen(note, keys) {
    const fail = (rc) => ({ rc, verified: keys.map(() => false), times: keys.map(() => 0n) });
    if (typeof note !== 'string' || note.length < 2 || /[\x00-\x09\x0b-\x1f\x7f]/.test(note)) return fail('syntax');
    const cut = note.lastIndexOf('\n\n');
    if (cut < 0) return fail('syntax');
    const text = note.slice(0, cut + 1), block = note.slice(cut + 2);
    if (block === '' || !block.endsWith('\n')) return fail('syntax');
    const lines = block.slice(0, -1).split('\n');
    if (lines.length > 100) return fail('syntax');
    const sigs = [];
    for (const l of lines) {
      const m = /^\u2014 ([^ ]+) ([^ ]+)$/.exec(l);
      const sig = m ? B.fromB64(m[2]) : null;
      if (m === null || !CL.note.nameValid(m[1], false) || sig === null || sig.length < 5) return fail('syntax');
      sigs.push({ name: m[1], id: B.u32(sig, 0), blob: sig });
    }
    const msg = B.utf8(text), verified = keys.map(() => false), times = keys.map(() => 0n);
    let any = false;
    for (const s of sigs) {
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        if (k.id !== s.id || k.name !== s.name) continue;
        let ts = 0n;
        if (k.type === TYPE_ED25519) {
          if (s.blob.length !== 68 || !(await CL.note.ed25519Verify(k.pub, s.blob.subarray(4), msg))) return fail('badsig');
        } else if (k.type === TYPE_COSIG) {
          if (s.blob.length !== 76) return fail('badsig');
          ts = B.u64(s.blob, 4);
          const m = B.concat(B.utf8('cosignature/v1\ntime ' + ts + '\n'), msg);
          if (!(await CL.note.ed25519Verify(k.pub, s.blob.subarray(12), m))) return fail('badsig');
        } else {
          continue;
        }
        any = true;
        verified[i] = true;
        if (ts > times[i]) times[i] = ts;
      }
    }
    if (!any) return fail('unverified');
    return { rc: 'ok', text, verified, times };
  }

  /* policy_open(): the checkpoint note under p, signed by one of its logs
   * whose name is the origin, with every witness's cosignature verified.
   * The quorum is not judged here. */
  async function open(p, note) {
    const keys = p.logs.map((l) => l.key);
    const wkey = p.witnesses.map((w) => (w.supported ? keys.push(w.key) - 1 : -1));
    const n = await noteOpen(note, keys);
    if (n.rc === 'unverified') return { ok: false, why: 'unsigned' };
    if (n.rc !== 'ok') return { ok: false, why: 'note' };
    const lines = n.text.split('\n');
    lines.pop();
    const size = lines[1] || '', root = B.fromB64(lines[2] || '');
    if (lines.length < 3 || lines.slice(3).some((l) => l === '') || !/^(0|[1-9][0-9]{0,19})$/.test(size) ||
      BigInt(size) > 0xffffffffffffffffn || root === null || root.length !== 32)
      return { ok: false, why: 'note' };
    const cp = { origin: lines[0], size: BigInt(size), root };
    if (!p.logs.some((l, i) => n.verified[i] && l.key.name === cp.origin)) return { ok: false, why: 'unsigned' };
    return { ok: true, cp, cosigned: wkey.map((k) => k >= 0 && n.verified[k]),
      times: wkey.map((k) => (k >= 0 ? n.times[k] : 0n)) };
  }

  CL.policy = { parse, open, satisfied, missing, since, PolicyError };
})(globalThis.CL = globalThis.CL || {});
