/*
 * verify.js: what the page verifies, exactly as docs/protocol.md Part E
 * says, and the verdict it draws. Fails closed: every check either passes
 * or stops the run with "cannot be verified" naming itself; later checks
 * are then "not run". Network trouble is a failed check like any other,
 * never "not issued" or "revoked".
 *
 * run(input, env) resolves to
 *   {verdict: 'valid'|'revoked'|'notissued'|'unverifiable',
 *    failed: check id or null, why: message id, detail,
 *    facts: {...what the verdict shows}, checks: [{id, state, why, detail}]}
 * input: what gather() makes of the chosen files: {file: Uint8Array|null,
 *         fileName, receipt, statusProof and consistency (from a bundle),
 *         profile (null: none recorded), salt: Uint8Array, bundleError}
 * env:   {fetchText(path) -> Promise<{status, text}> (the status and
 *         consistency requests), servedKey: the log's key as fetched once
 *         for this verification (vkey text, or null: it could not be),
 *         pinned: vkey text|null, servedPolicy: the log's witness policy
 *         as fetched with it (text, null: none, undefined: it could not
 *         be), pinnedPolicy: text|null (none)|undefined (not pinned),
 *         now: ms, secure: bool}
 */
(function (CL) {
  'use strict';
  const B = CL.bytes, E = CL.entry;
  const CHECKS = ['browser', 'file', 'logkey', 'status', 'checkpoint', 'witness', 'map', 'mapproof',
    'entries', 'receipt', 'issuer', 'credissuer', 'fresh'];
  const DAY_MS = 86400000;
  const ONLINE_MAX_AGE_MS = DAY_MS; /* credlog verify --log (client/cli_verify.c) */
  const BUNDLE_MAX_AGE_MS = 7 * DAY_MS; /* credlog verify --bundle */
  const MAX_AHEAD_MS = 600000; /* CLIENT_MAX_AHEAD_MS */
  const NONE = CL.smt.NONE;
  const REASONS = ['unspecified', 'issued_in_error', 'misconduct', 'superseded', 'withdrawn'];

  class Stop extends Error {
    constructor(check, why, detail, vars) {
      super(check + ': ' + why);
      this.check = check; this.why = why; this.detail = detail || ''; this.vars = vars || null;
    }
  }
  const stop = (check, why, detail, vars) => { throw new Stop(check, why, detail, vars); };

  /* ---- decoding the answer's fields ---- */

  function index(v, check) {
    if (!Number.isSafeInteger(v) || v < 0) stop(check, 'malformed', 'index');
    return BigInt(v);
  }
  function hashes(list, check) {
    if (!Array.isArray(list) || list.length > 63) stop(check, 'malformed', 'inclusion');
    return list.map((h) => {
      const b = typeof h === 'string' && h.length === 64 ? B.fromHex(h) : null;
      if (b === null) stop(check, 'malformed', 'hash');
      return b;
    });
  }
  function entryOf(obj, check) {
    const raw = obj && typeof obj.entry === 'string' ? B.fromB64(obj.entry) : null;
    const e = raw ? E.decode(raw) : null;
    if (e === null) stop(check, 'malformed', 'entry');
    return e;
  }
  async function included(obj, e, cp, check) {
    const i = index(obj.index, check);
    const ok = await CL.merkle.inclusion(i, cp.size, await CL.merkle.leafHash(e.bytes),
      hashes(obj.inclusion, check), cp.root);
    if (!ok) stop(check, 'inclusion', 'index ' + i);
    return i;
  }

  /* ---- E.4: signature and authorization ---- */

  async function signedBy(e, i, holder, cp, map) {
    if (map.version !== 2) stop('issuer', 'nokeymap');
    if (!holder || typeof holder.key !== 'object' || holder.key === null || typeof holder.key_proof !== 'string')
      stop('issuer', 'nokeyproof');
    const ke = entryOf(holder.key, 'issuer');
    if (ke.type !== E.KEY || ke.op !== 1) stop('issuer', 'malformed', 'key entry');
    const a = await included(holder.key, ke, cp, 'issuer');
    if (!(a < i)) stop('issuer', 'keylater');
    if (ke.issuer !== e.issuer || (await CL.note.keyId(ke.issuer, 0x01, ke.pub)) !== e.keyId)
      stop('issuer', 'keymismatch');
    const proof = B.fromB64(holder.key_proof);
    const p = proof ? await CL.smt.verify(proof, map.keyRoot) : { ok: false };
    if (!p.ok || p.kind !== 1 || !B.equal(p.key, await E.keyMapKey(ke.issuer, ke.pub)) || p.issue !== a)
      stop('issuer', 'keyproof');
    if (p.revoke !== NONE && !(p.revoke > i)) stop('issuer', 'keyremoved', 'index ' + p.revoke);
    if (!(await CL.note.ed25519Verify(ke.pub, e.signature, E.signedMessage(e, cp.origin))))
      stop('issuer', 'signature');
    return { identity: ke.identity || null, keyId: e.keyId };
  }

  /* ---- E.2: a status proof ---- */

  async function statusProof(sp, H, vkey, ctx) {
    if (typeof sp !== 'object' || sp === null) stop('status', 'malformed');
    const cp = await CL.note.checkpoint(sp.checkpoint, vkey);
    if (!cp.ok) stop('checkpoint', 'checkpoint', cp.why);
    if (cp.size < 1n) stop('checkpoint', 'checkpoint', 'empty tree');
    ctx.pass('checkpoint', 'size ' + cp.size + (cp.others ? ', ' + cp.others + ' other signature(s)' : ''));

    const map = entryOf(sp.map, 'map');
    if (map.type !== E.MAP || index(sp.map.index, 'map') !== cp.size - 1n || map.index !== cp.size - 1n)
      stop('map', 'notmap');
    await included(sp.map, map, cp, 'map');
    ctx.pass('map', 'index ' + map.index + ', version ' + map.version);

    const proof = typeof sp.map_proof === 'string' ? B.fromB64(sp.map_proof) : null;
    const p = proof ? await CL.smt.verify(proof, map.mapRoot) : { ok: false, why: 'malformed' };
    if (!p.ok) stop('mapproof', 'mapproof', p.why);
    if (!B.equal(p.key, H)) stop('mapproof', 'otherkey');
    const issued = p.kind === 1, revoked = issued && p.revoke !== NONE;
    const want = !issued ? 'unknown' : revoked ? 'revoked' : 'active';
    if (sp.status !== want) stop('mapproof', 'statusfield', sp.status + ' / ' + want);
    if (typeof sp.credential_hash !== 'string' || sp.credential_hash.toLowerCase() !== B.hex(H))
      stop('mapproof', 'otherkey');
    ctx.pass('mapproof', 'kind ' + p.kind + ', depth ' + p.depth);

    const r = { cp, map, kind: p.kind, asOf: map.timeMs };
    if (!issued) {
      if (sp.issue !== undefined || sp.revoke !== undefined) stop('entries', 'extra');
      ctx.notRun('entries', 'nothing');
      ctx.notRun('issuer', 'nothing');
      return r;
    }
    const ie = entryOf(sp.issue, 'entries');
    if (ie.type !== E.ISSUE || !B.equal(ie.hash, H) || index(sp.issue.index, 'entries') !== p.issue)
      stop('entries', 'issuemismatch');
    await included(sp.issue, ie, cp, 'entries');
    r.issue = ie; r.issueIndex = p.issue;
    if (revoked) {
      const re = entryOf(sp.revoke, 'entries');
      if (re.type !== E.REVOKE || !B.equal(re.hash, H) || index(sp.revoke.index, 'entries') !== p.revoke ||
        re.issuer !== ie.issuer || !(p.revoke > p.issue))
        stop('entries', 'revokemismatch');
      await included(sp.revoke, re, cp, 'entries');
      r.revoke = re; r.revokeIndex = p.revoke;
    } else if (sp.revoke !== undefined) {
      stop('entries', 'extra');
    }
    ctx.pass('entries', 'issue ' + p.issue + (revoked ? ', revoke ' + p.revoke : ''));
    r.sp = sp;
    return r;
  }

  /* E.4 for the status proof's ISSUE (and REVOKE) entry. */
  async function statusSigners(st, ctx) {
    st.signer = await signedBy(st.issue, st.issueIndex, st.sp.issue, st.cp, st.map);
    if (st.revoke) await signedBy(st.revoke, st.revokeIndex, st.sp.revoke, st.cp, st.map);
    ctx.pass('issuer', st.issue.issuer);
  }

  /* ---- E.1: a receipt, and its link to the status proof ---- */

  async function receipt(rc, H, vkey, st, consistencyOf) {
    if (typeof rc !== 'object' || rc === null) stop('receipt', 'malformed');
    const cp = await CL.note.checkpoint(rc.checkpoint, vkey);
    if (!cp.ok) stop('receipt', 'receiptcheckpoint', cp.why);
    const e = entryOf(rc, 'receipt');
    if (e.type !== E.ISSUE || !B.equal(e.hash, H)) stop('receipt', 'receiptother');
    const i = await included(rc, e, cp, 'receipt');
    if (rc.map !== undefined && rc.key !== undefined) {
      const map = entryOf(rc.map, 'receipt');
      if (map.type !== E.MAP || map.index !== cp.size - 1n) stop('receipt', 'malformed', 'map');
      await included(rc.map, map, cp, 'receipt');
      try {
        await signedBy(e, i, rc, cp, map);
      } catch (x) {
        if (x instanceof Stop) stop('receipt', 'receiptsigner', x.why);
        throw x;
      }
    }
    if (!st.issue || st.issueIndex !== i || !B.equal(st.issue.bytes, e.bytes)) stop('receipt', 'receiptnotinstatus');
    /* The two checkpoints must be one history (§E.2, last paragraph). */
    const [a, b] = cp.size <= st.cp.size ? [cp, st.cp] : [st.cp, cp];
    if (a.size === b.size) {
      if (!B.equal(a.root, b.root)) stop('receipt', 'fork');
    } else {
      const proof = await consistencyOf(a.size, b.size);
      if (!(await CL.merkle.consistency(a.size, b.size, a.root, b.root, hashes(proof, 'receipt'))))
        stop('receipt', 'fork');
    }
    return { index: i, size: cp.size };
  }

  /* ---- E.5: the credential's own issuer ---- */

  /* The logging key's institution as credlog names it: the issuer and its
   * identity items (client_identity_describe). */
  function describe(issuer, identity) {
    const items = Object.entries(identity || {}).map(([k, v]) => (k === 'name' ? k + ' "' + v + '"' : k + ' ' + v));
    return issuer + (items.length ? ' (' + items.join(', ') + ')' : ', whose KEY entry records no identity');
  }

  /* After E.4, for an issued credential (VALID or REVOKED): the issuer the
   * credential names against the identity of the ISSUE's KEY entry
   * (client_verdict_check_issuer). c: the key candidate the log knew. */
  function ownIssuer(input, c, st, out, ctx) {
    let got;
    try {
      got = CL.credissuer.extract(input.file, input.profile || 'auto');
    } catch (x) {
      const readable = x instanceof CL.credissuer.IssuerError || x instanceof CL.credkey.CredkeyError;
      if (!readable) throw x;
      /* Logged as raw bytes (before credkey/v1): it names nothing credlog
       * reads. */
      if (c.legacy && x instanceof CL.credkey.CredkeyError) got = { ids: [] };
      else stop('credissuer', 'ci.unreadable', x.detail || x.message);
    }
    const m = CL.credissuer.match(got.ids, st.signer.identity);
    out.facts.credIssuer = { result: m.result, ids: got.ids };
    const list = got.ids.map((id) => (id.kind === 'brin' ? 'BRIN ' : '') + id.value + ' (' + id.source + ')').join(', ');
    if (m.result === 'match') return ctx.pass('credissuer', list);
    if (m.result === 'none') return ctx.notRun('credissuer', 'ci.none');
    if (m.result === 'no_identity') return ctx.notRun('credissuer', 'ci.noidentity', list);
    const id = got.ids[m.bad];
    stop('credissuer', 'ci.mismatch', '', { what: id.kind === 'brin' ? 'BRIN' : 'issuer', value: id.value,
      source: id.source, who: describe(st.issue.issuer, st.signer.identity) });
  }

  /* ---- the witness policy (client_verdict_check_policy) ---- */

  /* The log's tlog-policy: the pinned one, which the served one must equal.
   * Returns its text, or null for none. */
  function policyText(env) {
    const served = env.servedPolicy, pinned = env.pinnedPolicy;
    if (pinned !== undefined && served !== undefined && served !== pinned) stop('witness', 'policychanged');
    const text = pinned !== undefined ? pinned : served;
    if (text === undefined) stop('witness', 'network');
    return text;
  }

  /* The status proof's checkpoint under the log's witness policy: its
   * cosignatures must meet the quorum, and the status is as of the newest
   * time the quorum still holds, if that is later (docs/witness.md). */
  async function witnessed(sp, st, vkey, env, ctx, out) {
    const text = policyText(env);
    out.facts.policy = text;
    if (text === null) return ctx.notRun('witness', 'nopolicy');
    let p;
    try {
      p = await CL.policy.parse(text);
    } catch (x) {
      if (!(x instanceof CL.policy.PolicyError)) throw x;
      stop('witness', 'policybad', (x.line ? 'line ' + x.line + ': ' : '') + x.code);
    }
    if (p.logs.length === 0) {
      p.logs = [{ key: vkey, url: '' }];
    } else if (!p.logs.some((l) => l.key.id === vkey.id && l.key.name === vkey.name && B.equal(l.key.pub, vkey.pub))) {
      stop('witness', 'policylog', vkey.name);
    }
    const r = await CL.policy.open(p, sp.checkpoint);
    if (!r.ok) stop('witness', r.why === 'unsigned' ? 'policyunsigned' : 'cosignature');
    if (r.cp.size !== st.cp.size || !B.equal(r.cp.root, st.cp.root)) stop('witness', 'othercheckpoint');
    if (!CL.policy.satisfied(p, r.cosigned)) stop('witness', 'quorum', '', { missing: CL.policy.missing(p, r.cosigned) });
    const since = Number(CL.policy.since(p, r)) * 1000;
    if (since > Number(st.asOf)) st.asOf = BigInt(since);
    const names = p.witnesses.filter((w, i) => r.cosigned[i]).map((w) => w.name);
    ctx.pass('witness', names.length + ' of ' + p.witnesses.length + ' (' + names.join(', ') + ')');
  }

  /* A duration as credlog prints one: 49s, 12m, 3h, 7d. */
  function duration(ms) {
    const s = Math.floor(ms / 1000);
    if (s < 120) return s + 's';
    if (s < 7200) return Math.floor(s / 60) + 'm';
    if (s < 172800) return Math.floor(s / 3600) + 'h';
    return Math.floor(s / 86400) + 'd';
  }

  /* ---- which key ---- */

  /* The keys to look the file up under (F.7, E.3): the named profile and
   * salt of a receipt or bundle; for a legacy receipt (none recorded) the
   * unsalted auto key or the SHA-256 of the bytes, whichever its entry
   * carries; with no receipt both, in that order. */
  async function candidates(input, ctx, out) {
    let k;
    const key = async (profile, salt) => {
      try {
        return await CL.credkey.compute(input.file, profile, salt);
      } catch (x) {
        if (x instanceof CL.credkey.CredkeyError) stop('file', 'ck.' + x.code, x.detail);
        throw x;
      }
    };
    const list = [];
    if (input.profile) {
      k = await key(input.profile, input.salt);
      list.push(k);
    } else {
      k = await key('auto', new Uint8Array(0));
      list.push(k);
      const raw = { profile: 'bytes', container: 'none', digest: await B.sha256(input.file) };
      raw.key = raw.digest; /* how credlog logged files before credkey/v1 */
      raw.legacy = true;
      if (!B.equal(raw.key, k.key)) list.push(raw);
      const rc = input.receipt && B.fromB64(String(input.receipt.entry));
      const re = rc ? E.decode(rc) : null;
      if (re && re.type === E.ISSUE) {
        const hit = list.find((c) => B.equal(c.key, re.hash));
        if (hit) list.splice(0, list.length, hit);
        else list.splice(1);
      }
    }
    const c = list[0];
    out.facts.salted = !!(input.salt && input.salt.length > 0);
    ctx.pass('file', c.profile + (c.container !== 'none' ? ' (' + c.container + ')' : '') +
      (out.facts.salted ? ', salted' : '') + ': ' + B.hex(c.key));
    return list;
  }

  function fill(out, c) {
    out.facts.key = B.hex(c.key);
    out.facts.profile = c.legacy ? 'sha-256' : c.profile;
    out.facts.container = c.container;
    out.facts.digest = B.hex(c.digest);
  }

  /* Reads the status proof for key H: the bundle's, or GET /v1/status. */
  async function fetchStatus(H, input, env, ctx) {
    if (input.statusProof) {
      ctx.pass('status', 'bundle');
      return { sp: input.statusProof, maxAge: BUNDLE_MAX_AGE_MS };
    }
    let r, sp;
    try {
      r = await env.fetchText('v1/status/' + B.hex(H));
    } catch (x) {
      stop('status', 'network', String((x && x.message) || x));
    }
    if (r.status !== 200) stop('status', 'http', 'HTTP ' + r.status);
    try {
      sp = JSON.parse(r.text);
    } catch (x) {
      stop('status', 'malformed');
    }
    ctx.pass('status', 'GET v1/status/' + B.hex(H).slice(0, 16) + '…');
    return { sp, maxAge: ONLINE_MAX_AGE_MS };
  }

  /* ---- the run ---- */

  async function run(input, env) {
    const states = new Map(CHECKS.map((c) => [c, { id: c, state: 'notrun', why: '', detail: '' }]));
    const ctx = {
      pass: (id, detail) => Object.assign(states.get(id), { state: 'passed', detail: detail || '' }),
      notRun: (id, why, detail) => Object.assign(states.get(id), { state: 'notrun', why, detail: detail || '' }),
    };
    const out = { verdict: 'unverifiable', failed: null, why: '', detail: '', facts: {}, checks: [] };
    try {
      if (!env.secure) stop('browser', 'insecure');
      if (!(await CL.note.selfTest())) stop('browser', 'noed25519');
      ctx.pass('browser');
      if (input.bundleError) stop('file', 'bundle', input.bundleError);
      if (!input.file) stop('file', 'nofile');
      const keys = await candidates(input, ctx, out);
      fill(out, keys[0]);

      /* The log key: the pinned one, which the served one must equal. */
      const served = env.servedKey || null;
      if (served === null && !env.pinned) stop('logkey', 'network');
      if (env.pinned && served !== null && served !== env.pinned) stop('logkey', 'changed', served);
      const vkey = await CL.note.parseVkey(env.pinned || served);
      if (vkey === null || vkey.type !== 0x01) stop('logkey', 'malformed');
      out.facts.vkey = vkey.text;
      out.facts.origin = vkey.name;
      ctx.pass('logkey', vkey.text + (env.pinned ? ' (pinned)' : ''));

      /* The status proof of each candidate key until one was issued. */
      let st, maxAge, H, used, sp;
      for (const c of input.statusProof ? keys.slice(0, 1) : keys) {
        H = c.key;
        used = c;
        fill(out, c);
        const got = await fetchStatus(H, input, env, ctx);
        maxAge = got.maxAge;
        sp = got.sp;
        st = await statusProof(got.sp, H, vkey, ctx);
        if (st.kind === 1) break;
      }
      if (st.kind !== 1) fill(out, keys[0]);

      /* The receipt, if one came with the credential. */
      const rc = input.receipt || null;
      if (rc) {
        const consistencyOf = async (m, n) => {
          if (input.statusProof) {
            const c = input.consistency;
            if (!c || !Array.isArray(c.hashes)) stop('receipt', 'noconsistency');
            return c.hashes;
          }
          let r;
          try {
            r = await env.fetchText('v1/proof/consistency?from=' + m + '&to=' + n);
          } catch (x) {
            stop('receipt', 'network');
          }
          if (r.status !== 200) stop('receipt', 'network', 'HTTP ' + r.status);
          try {
            return JSON.parse(r.text).hashes;
          } catch (x) {
            stop('receipt', 'malformed');
          }
        };
        if (st.kind !== 1) stop('receipt', 'receiptnotinstatus');
        const got = await receipt(rc, H, vkey, st, consistencyOf);
        ctx.pass('receipt', 'index ' + got.index + ', checkpoint ' + got.size);
      } else {
        ctx.notRun('receipt', 'noreceipt');
      }
      if (st.kind === 1) await statusSigners(st, ctx);
      if (st.kind === 1) ownIssuer(input, used, st, out, ctx);
      else ctx.notRun('credissuer', 'nothing');
      await witnessed(sp, st, vkey, env, ctx, out);

      /* Freshness, as credlog verify judges it (client_verdict_check_age). */
      const asOf = Number(st.asOf), now = env.now;
      out.facts.asOf = asOf;
      out.facts.size = String(st.cp.size);
      out.facts.maxAge = maxAge;
      if (st.kind === 1 && st.revoke) {
        ctx.notRun('fresh', 'revokedfinal');
      } else {
        if (asOf > now && asOf - now > MAX_AHEAD_MS) stop('fresh', 'future', duration(asOf - now));
        if (now > asOf && now - asOf > maxAge) stop('fresh', 'stale', duration(now - asOf) + ' / ' + duration(maxAge));
        ctx.pass('fresh', duration(Math.max(0, now - asOf)) + ' / ' + duration(maxAge));
      }

      if (st.kind !== 1) {
        out.verdict = 'notissued';
      } else {
        out.facts.issuer = st.issue.issuer;
        out.facts.identity = st.signer.identity;
        out.facts.keyId = st.signer.keyId;
        out.facts.issuedMs = Number(st.issue.timestampMs);
        out.facts.issueIndex = String(st.issueIndex);
        if (st.revoke) {
          out.verdict = 'revoked';
          out.facts.revokedMs = Number(st.revoke.timestampMs);
          out.facts.revokeIndex = String(st.revokeIndex);
          out.facts.reason = REASONS[st.revoke.reason];
        } else {
          out.verdict = 'valid';
        }
      }
    } catch (x) {
      if (!(x instanceof Stop)) throw x;
      out.verdict = 'unverifiable';
      out.failed = x.check;
      out.why = x.why;
      out.detail = x.detail;
      out.vars = x.vars;
      Object.assign(states.get(x.check), { state: 'failed', why: x.why, detail: x.detail, vars: x.vars });
    }
    out.checks = CHECKS.map((c) => states.get(c));
    return out;
  }

  /* What a person chose, sorted (F.7, E.3, E.3.1): one credential, or a
   * holder's credlog-bundle/v1 (the credential inside); a receipt; a
   * credlog-status-bundle/v1. files: [{name, bytes}]. Resolves to an input
   * for run(), or {error: message id}. */
  function gather(files) {
    const input = { file: null, fileName: null, receipt: null, statusProof: null, consistency: null,
      profile: null, salt: new Uint8Array(0), bundleError: null };
    let creds = 0;
    for (const f of files) {
      const tp = tlogProof(f.bytes);
      if (tp) { input.receipt = tp; continue; }
      const j = jsonObject(f.bytes);
      if (j && j.format === 'credlog-bundle/v1') {
        creds++;
        holderBundle(j, input);
      } else if (j && j.format === 'credlog-status-bundle/v1') {
        input.statusProof = j.status_proof;
        input.consistency = j.consistency || null;
        if (j.receipt && !input.receipt) input.receipt = j.receipt;
      } else if (j && typeof j.entry === 'string' && typeof j.checkpoint === 'string' && 'index' in j) {
        input.receipt = j;
      } else {
        creds++;
        input.file = f.bytes;
        input.fileName = f.name;
      }
    }
    if (creds > 1) return { error: 'err.twocreds' };
    /* The receipt's profile and salt, which come together or not at all
     * (E.3); without them it is a legacy receipt. */
    const rc = input.receipt;
    if (!input.profile && rc && typeof rc.profile === 'string' && typeof rc.salt === 'string') {
      const salt = rc.salt === '' ? new Uint8Array(0) : B.fromHex(rc.salt);
      if (!CL.credkey.PROFILES.includes(rc.profile) || salt === null) input.bundleError = 'receipt profile/salt';
      else { input.profile = rc.profile; input.salt = salt; }
    }
    return { input };
  }

  /* A credlog-bundle/v1 (E.3.1 step 1); a malformed one makes the run fail
   * (INVALID, never "not issued"). */
  function holderBundle(j, input) {
    const c = j.credential;
    const data = c && typeof c.data === 'string' ? B.fromB64(c.data) : null;
    const salt = typeof j.salt === 'string' ? (j.salt === '' ? new Uint8Array(0) : B.fromHex(j.salt)) : null;
    if (data === null || data.length === 0 || !CL.credkey.PROFILES.includes(j.profile) || salt === null ||
      (salt.length !== 0 && (salt.length < 16 || salt.length > 32)) || typeof j.receipt !== 'object' || j.receipt === null) {
      input.bundleError = 'credlog-bundle/v1';
      return;
    }
    input.file = data;
    input.fileName = typeof c.name === 'string' ? c.name : '';
    input.profile = j.profile;
    input.salt = salt;
    input.receipt = j.receipt;
    if (j.status_proof) { input.statusProof = j.status_proof; input.consistency = j.consistency || null; }
  }

  /* A C2SP tlog-proof receipt (§E.3, credlog receipt --tlog-proof) as an
   * E.1 receipt object, or null for any other file; the verifier checks
   * it like any receipt (its entry is hashed and proved included). */
  function tlogProof(bytes) {
    const head = 'c2sp.org/tlog-proof@v1\n';
    const s = B.utf8Decode(bytes);
    if (s === null || !s.startsWith(head)) return null;
    const cut = s.indexOf('\n\n', head.length - 1);
    if (cut < 0) return {};
    const lines = s.slice(head.length, cut + 1).split('\n').slice(0, -1);
    const r = { checkpoint: s.slice(cut + 2), inclusion: [] };
    let i = 0;
    if (lines[i] && lines[i].startsWith('extra ')) r.entry = lines[i++].slice(6);
    const m = /^index (0|[1-9][0-9]*)$/.exec(lines[i++] || '');
    if (!m) return {};
    r.index = Number(m[1]);
    for (; i < lines.length; i++) {
      const h = B.fromB64(lines[i]);
      if (h === null || h.length !== 32) return {};
      r.inclusion.push(B.hex(h));
    }
    return r;
  }

  /* A JSON object read with credkey's checks (no member name twice), as
   * plain objects; null for anything else. */
  function jsonObject(bytes) {
    let i = 0;
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
    while (i < bytes.length && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[i])) i++;
    if (bytes[i] !== 0x7b) return null;
    let v;
    try {
      v = CL.jcs.parse(bytes);
    } catch (x) {
      return null;
    }
    const plain = (x) => {
      if (Array.isArray(x)) return x.map(plain);
      if (!(x instanceof Map)) return x;
      const o = {};
      for (const [k, y] of x) Object.defineProperty(o, k, { value: plain(y), enumerable: true, writable: true });
      return o;
    };
    return v instanceof Map ? plain(v) : null;
  }

  CL.verify = { run, gather, CHECKS, ONLINE_MAX_AGE_MS, BUNDLE_MAX_AGE_MS };
})(globalThis.CL = globalThis.CL || {});
