/*
 * page.test.js: the verification page's verdicts in a real Chromium against
 * a real logd --dev (issue 13, Tests): valid (a JSON credential
 * re-serialized after issuing, a baked PNG badge, a status bundle), revoked,
 * not issued, a salted credential without its receipt, a tampered status
 * proof and a tampered checkpoint through a test proxy, the log unreachable,
 * a changed log key after pinning, an insecure context, Dutch and English,
 * a 360 px viewport and an axe-core scan of every verdict. Test data is
 * made with the real credlog (key, issue --hash, revoke --hash, status
 * --save). Screenshots of every verdict go to $BROWSER_ARTIFACTS.
 *
 * The credentials name their issuer as did:web:demo-issuer.example, the
 * did_web of logd --dev's demo issuer's identity, so on logd's own answers
 * (which carry the issuer's KEY entry and key map proof) they are VALID or
 * REVOKED with the credential's own issuer checked.
 * Version 2 answers built by v2log.js and served by the proxy show what
 * logd would not serve: other identities, a wrong issuer signature, a
 * stale answer.
 */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const S = require('./support');
const V2 = require('./v2log');

let logd, proxy, browser, dir;
const data = {};

/* A PNG with the credential text baked into an iTXt chunk (Open Badges 3.0
 * baking), CRCs computed here. */
function bakedPng(text) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b) => { let c = 0xffffffff; for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, body) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(body.length);
    const tb = Buffer.concat([Buffer.from(type, 'latin1'), body]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(tb));
    return Buffer.concat([len, tb, c]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('iTXt', Buffer.concat([Buffer.from('openbadgecredential\0\0\0\0\0'), Buffer.from(text)])),
    chunk('IDAT', zlib.deflateSync(Buffer.from([0, 0]))), chunk('IEND', Buffer.alloc(0))]);
}

const credential = (name, extra = {}) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  issuer: { id: 'did:web:demo-issuer.example', type: ['Profile'], name: 'Demo Issuer' },
  validFrom: '2026-06-30T12:00:00Z',
  credentialSubject: { type: ['AchievementSubject'], name, achievement: { name: 'Test achievement', score: 8.0 } },
  proof: { type: 'DataIntegrityProof', proofValue: 'z' + name.replace(/\W/g, '') + '1' },
  ...extra,
});

test.before(async () => {
  logd = await S.startLogd();
  proxy = await S.startProxy(logd.url);
  browser = await S.launch();
  dir = path.join(logd.dir, 'files');
  fs.mkdirSync(dir);
  const W = (n, d) => S.writeFile(dir, n, d);

  /* Issued as JSON, presented re-serialized (other order, whitespace, 8.0
   * written 8, a new proof): credkey/v1 gives both one key. */
  const issued = W('alice.json', JSON.stringify(credential('Alice Jansen'), null, 0));
  data.alice = { key: S.keyOf(logd, issued) };
  S.issueKey(logd, data.alice.key);
  const c = credential('Alice Jansen', { proof: { type: 'DataIntegrityProof', proofValue: 'zResigned' } });
  const reordered = Object.fromEntries(Object.entries(c).reverse());
  data.alice.file = W('alice-wallet.json', JSON.stringify(reordered, null, 2).replace('"score": 8', '"score": 8.0'));
  assert.equal(S.keyOf(logd, data.alice.file), data.alice.key);

  data.png = { file: W('badge.png', bakedPng(JSON.stringify(credential('Bob de Vries')))) };
  data.png.key = S.keyOf(logd, data.png.file);
  S.issueKey(logd, data.png.key);
  /* The same credential baked into an SVG (Open Badges 3.0): one key. */
  data.svg = { file: W('badge.svg', '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n' +
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" ' +
    'width="10" height="10"><openbadges:credential><![CDATA[' +
    JSON.stringify(credential('Bob de Vries'), null, 1) + ']]></openbadges:credential><circle r="4"/></svg>\n') };
  assert.equal(S.keyOf(logd, data.svg.file), data.png.key);

  data.revoked = { file: W('carol.json', JSON.stringify(credential('Carol Bakker'))) };
  data.revoked.key = S.keyOf(logd, data.revoked.file);
  S.issueKey(logd, data.revoked.key);
  S.issueKey(logd, data.revoked.key, 'revoke', ['--reason', 'withdrawn']);

  data.never = { file: W('dave.json', JSON.stringify(credential('Dave Smit'))) };

  /* Salted: logged under the key with a salt, which only the receipt has. */
  const salt = '000102030405060708090a0b0c0d0e0f';
  data.salted = { file: W('erin.json', JSON.stringify(credential('Erin Visser'))), salt };
  data.salted.key = S.keyOf(logd, data.salted.file, salt);
  const receipt = S.issueKey(logd, data.salted.key);
  data.salted.receipt = W('erin-receipt.json', JSON.stringify({ ...receipt, profile: 'json', salt }));
  /* The same, as the holder's credlog-bundle/v1 (E.3.1) without a status
   * proof (the page fetches one), and one whose credential was changed. */
  const holder = (bytes) => ({ format: 'credlog-bundle/v1',
    credential: { name: 'erin.json', media_type: 'application/json', data: Buffer.from(bytes).toString('base64') },
    profile: 'json', salt, receipt });
  data.salted.bundle = W('erin.credlog', JSON.stringify(holder(fs.readFileSync(data.salted.file))));
  data.salted.changed = W('erin-changed.credlog', JSON.stringify(holder(JSON.stringify(credential('Erin Vissers')))));

  /* Logged before credkey/v1: under the SHA-256 of the file's bytes. */
  data.legacy = { file: W('gina.pdf', '%PDF-1.7\n% not really a PDF: Gina de Boer\n') };
  data.legacy.key = require('node:crypto').createHash('sha256').update(fs.readFileSync(data.legacy.file)).digest('hex');
  const legacy = W('gina-receipt.json', JSON.stringify(S.issueKey(logd, data.legacy.key)));
  data.legacy.tlog = path.join(dir, 'gina.tlog-proof');
  S.credlog(logd, ['receipt', '--tlog-proof', '--out', data.legacy.tlog, legacy]);
  /* More entries, so that the receipts' checkpoints are older than the
   * status answers' and the page needs a consistency proof. */
  S.issueKey(logd, S.keyOf(logd, W('filler.json', '{"filler": 1}')));

  /* A status bundle saved by credlog status --save. */
  data.bundle = { file: W('frank.json', JSON.stringify(credential('Frank Mulder'))) };
  data.bundle.key = S.keyOf(logd, data.bundle.file);
  S.issueKey(logd, data.bundle.key);
  data.bundle.bundle = path.join(dir, 'frank.credlog-status.json');
  try {
    S.credlog(logd, ['status', '--log', logd.url, '--log-key', logd.vkey, data.bundle.key, '--save', data.bundle.bundle]);
  } catch (e) {
    /* credlog status exits 2 on an answer it cannot fully verify; the
     * bundle is what matters here. */
    if (!fs.existsSync(data.bundle.bundle)) throw new Error('credlog status --save: ' + e.stderr);
  }
});

test.after(async () => {
  if (browser) await browser.close();
  if (proxy) await proxy.close();
  if (logd) await logd.stop();
});

async function answerOf(key) {
  return (await fetch(`${logd.url}/v1/status/${key}`)).json();
}

/* The verdict for an issued credential on logd's own answer, which
 * carries the issuer's key proof: VALID (or REVOKED), every check of E.4
 * passed. (logd --dev records an identity for its demo issuer, so the
 * credential's own issuer is checked too: see the §E.5 test.) */
async function expectIssued(v, key, want) {
  const a = await answerOf(key);
  assert.notEqual(a.issue.key_proof, undefined, 'logd\'s answer carries the issuer\'s key proof');
  assert.equal(v.verdict, want, v.text);
  for (const c of ['checkpoint', 'map', 'mapproof', 'entries', 'issuer']) assert.equal(v.checks[c], 'passed', c);
}

/* credlog verify's verdict on the same files through the same URL (issue
 * 13, "Done when": the page and credlog verify agree): a .credlog holder
 * bundle is verified as FILE, a status bundle with --bundle (offline), a
 * receipt with --receipt. Resolves to VALID, REVOKED, NOT ISSUED or
 * INVALID. */
async function cliVerdict(url, files) {
  const args = ['verify', '--json', '--log-key', logd.vkey];
  let online = true;
  for (const f of files) {
    if (f.endsWith('.credlog-status.json')) { args.push('--bundle', f); online = false; }
    else if (f.endsWith('.tlog-proof') || f.endsWith('-receipt.json')) args.push('--receipt', f);
    else args.push(f);
  }
  if (online) args.push('--log', url);
  const { code, stdout: out, stderr } = await S.credlogAsync(logd, args);
  try {
    const j = JSON.parse(out);
    return j.verdict + (j.reason ? ': ' + j.reason : '');
  } catch (e) {
    /* No verdict printed: exit 2 is INVALID (or a network error). */
    assert.equal(code, 2, 'credlog verify ' + args.join(' ') + ': ' + out + stderr);
    return 'INVALID';
  }
}
const CLI_NAMES = { valid: 'VALID', revoked: 'REVOKED', notissued: 'NOT ISSUED', unverifiable: 'INVALID' };

/* The page's verdict must be credlog verify's: both check the issuer's
 * signature and authorization (§E.4), so no difference is allowed. */
function sameAsCli(name, v, cli) {
  if (CLI_NAMES[v.verdict] === cli.split(':')[0]) return;
  assert.fail(`${name}: the page says ${v.verdict} (${v.failed || 'no check failed'}), credlog verify ${cli}`);
}

/* Opens the page (on the proxy unless told otherwise), checks files, takes
 * a screenshot, scans with axe, and (unless opts.cli is false) compares
 * with credlog verify; returns the verdict. */
async function check(name, files, opts = {}) {
  const { page, ctx, errors, foreign } = await S.openPage(browser, opts.url || proxy.url, opts.ctx, opts.init);
  try {
    if (opts.before) await opts.before(page);
    const v = await S.chooseFiles(page, files);
    await S.screenshot(page, name);
    if (opts.axe !== false) assert.deepEqual(await S.axe(page), [], 'axe-core violations');
    if (opts.after) await opts.after(page, v);
    if (opts.cli !== false) sameAsCli(name, v, await cliVerdict(opts.url || proxy.url, files));
    assert.equal(v.focused, 'verdict-h', 'focus moves to the verdict');
    assert.deepEqual(opts.netErrors ? errors.filter((e) => !/^Failed to load resource: net::/.test(e)) : errors, []);
    assert.deepEqual(foreign, []);
    return v;
  } finally {
    await ctx.close();
  }
}

test('the empty page has no accessibility violations, and a labelled, keyboard-reachable file input', async () => {
  const { page, ctx } = await S.openPage(browser, proxy.url);
  assert.deepEqual(await S.axe(page), []);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'file');
  assert.equal(await page.getByLabel('Choose files').getAttribute('type'), 'file');
  assert.equal(await page.locator('[role=status][aria-live=polite]').count(), 1);
  assert.equal(await page.isVisible('#testlog'), true, 'a --dev log is labelled a test log');
  await S.screenshot(page, 'empty');
  await ctx.close();
});

test('valid: a JSON credential re-serialized after issuing', async () => {
  const v = await check('logd-json-reserialized', [data.alice.file]);
  assert.equal(v.checks.file, 'passed');
  assert.match(v.text, new RegExp(data.alice.key));
  await expectIssued(v, data.alice.key, 'valid');
  /* logd --dev's demo issuer has an identity (logd/dev.h): its did:web. */
  assert.equal(v.checks.credissuer, 'passed');
  assert.match(v.text, /did:web:demo-issuer\.example \(the institution the log records/);
  assert.match(v.text, /Demo Issuer/);
});

test('valid: a baked PNG badge', async () => {
  const v = await check('logd-png-badge', [data.png.file]);
  assert.match(v.text, /json \(png\)/);
  assert.match(v.text, new RegExp(data.png.key));
  await expectIssued(v, data.png.key, 'valid');
});

test('valid: the same badge baked into an SVG has the PNG\'s key', async () => {
  const v = await check('logd-svg-badge', [data.svg.file]);
  assert.match(v.text, /json \(svg\)/);
  assert.match(v.text, new RegExp(data.png.key));
  await expectIssued(v, data.png.key, 'valid');
});

test('valid: a credential with its status bundle (no network for the status)', async () => {
  const v = await check('logd-status-bundle', [data.bundle.file, data.bundle.bundle]);
  assert.match(v.text, new RegExp(data.bundle.key));
  await expectIssued(v, data.bundle.key, 'valid');
});

test('revoked, on logd', async () => {
  const v = await check('logd-revoked', [data.revoked.file]);
  await expectIssued(v, data.revoked.key, 'revoked');
});

test('not issued: with the fingerprint and the hint about salts and receipts', async () => {
  const v = await check('not-issued', [data.never.file]);
  assert.equal(v.verdict, 'notissued');
  assert.match(v.text, /Not issued in this log/);
  assert.match(v.text, /salt/);
  assert.match(v.text, /receipt/);
  assert.equal(v.checks.mapproof, 'passed');
  assert.equal(v.checks.fresh, 'passed');
});

test('a salted credential without its receipt is not issued (with the hint); with it, it is found', async () => {
  const v = await check('salted-without-receipt', [data.salted.file]);
  assert.equal(v.verdict, 'notissued');
  assert.match(v.text, /salt, which is in their receipt/);
  const w = await check('salted-with-receipt', [data.salted.file, data.salted.receipt]);
  assert.match(w.text, new RegExp(data.salted.key));
  await expectIssued(w, data.salted.key, 'valid');
  assert.equal(w.checks.receipt, 'passed');
});

test('a holder\'s credlog-bundle/v1: the credential, profile, salt and receipt in one file', async () => {
  const v = await check('holder-bundle', [data.salted.bundle]);
  assert.match(v.text, new RegExp(data.salted.key));
  await expectIssued(v, data.salted.key, 'valid');
  assert.equal(v.checks.receipt, 'passed');
  const w = await check('holder-bundle-changed', [data.salted.changed]);
  assert.equal(w.verdict, 'unverifiable', 'a changed credential in a bundle is never "not issued"');
  assert.equal(w.failed, 'receipt');
});

test('a credential logged before credkey/v1 (SHA-256 of its bytes) is found without a receipt', async () => {
  const v = await check('legacy-sha256', [data.legacy.file]);
  assert.match(v.text, new RegExp(data.legacy.key));
  await expectIssued(v, data.legacy.key, 'valid');
});

test('a legacy receipt as a C2SP tlog-proof is checked, linked to the status checkpoint by consistency', async () => {
  const v = await check('legacy-tlog-proof', [data.legacy.file, data.legacy.tlog]);
  await expectIssued(v, data.legacy.key, 'valid');
  assert.equal(v.checks.receipt, 'passed');
  /* A receipt whose inclusion proof was tampered with fails its check. */
  const bad = fs.readFileSync(data.legacy.tlog, 'utf8').split('\n');
  const h = Buffer.from(bad[3], 'base64');
  h[0] ^= 1;
  bad[3] = h.toString('base64');
  const w = await check('tampered-receipt', [data.legacy.file, S.writeFile(dir, 'bad.tlog-proof', bad.join('\n'))]);
  assert.equal(w.verdict, 'unverifiable');
  assert.equal(w.failed, 'receipt');
});

test('valid and revoked on version 2 answers: institution, dates, reason, every check passed', async () => {
  const mine = (url) => url.startsWith('/v1/status/' + data.alice.key) || url.startsWith('/v1/status/' + data.revoked.key);
  proxy.rewrite = (url, body) => {
    if (!mine(url)) return undefined;
    const key = url.slice('/v1/status/'.length);
    const revoked = key === data.revoked.key ? 4 : undefined;
    return JSON.stringify(V2.statusAnswer(path.join(logd.dir, 'var/dev/log.key'), logd.issuerKey, key, { revoked }));
  };
  try {
    const v = await check('valid', [data.alice.file]);
    assert.equal(v.verdict, 'valid', v.text);
    assert.match(v.text, /^✓Valid/);
    assert.match(v.text, /Issued by\s+demo-issuer\.example/);
    assert.match(v.text, /Demo Issuer/);
    assert.match(v.text, /Not revoked as of/);
    assert.match(v.text, /Test log/);
    for (const c of ['browser', 'file', 'logkey', 'status', 'checkpoint', 'map', 'mapproof', 'entries', 'issuer', 'credissuer',
      'fresh'])
      assert.equal(v.checks[c], 'passed', c);
    assert.equal(v.checks.witness, 'notrun');
    const r = await check('revoked', [data.revoked.file]);
    assert.equal(r.verdict, 'revoked', r.text);
    assert.match(r.text, /Revoked on/);
    assert.match(r.text, /Reason given\s+withdrawn/);
    assert.equal(r.checks.issuer, 'passed');
  } finally {
    proxy.rewrite = null;
  }
});

/* Serves version 2 answers for the keys of `answers` ({key: v2log opts}). */
function serveV2(answers) {
  proxy.rewrite = (url) => {
    const key = url.startsWith('/v1/status/') ? url.slice('/v1/status/'.length) : null;
    if (!key || !(key in answers)) return undefined;
    return JSON.stringify(V2.statusAnswer(path.join(logd.dir, 'var/dev/log.key'), logd.issuerKey, key, answers[key]));
  };
}

test('the credential\'s own issuer (§E.5): it must be the institution the log records for the key', async () => {
  const W = (n, c) => { const f = S.writeFile(dir, n, JSON.stringify(c)); return { file: f, key: S.keyOf(logd, f) }; };
  const avans = { id: 'https://avans.nl/issuer', type: ['Profile'], name: 'Avans Hogeschool',
    otherIdentifier: [{ type: 'IdentifierEntry', identifier: '07GR', identifierType: 'ext:BRIN' }] };
  const forged = W('forged.json', credential('Ivo Forged', { issuer: avans }));
  const brin = W('brin.json', credential('Jan Brin', { issuer: { ...avans, id: 'did:web:demo-issuer.example' } }));
  const none = W('none.json', (({ issuer, ...c }) => c)(credential('Kim Noissuer')));
  const unread = W('unreadable.json', credential('Lot Unread', { issuer: 7 }));
  serveV2({ [data.alice.key]: {}, [forged.key]: {}, [brin.key]: {}, [none.key]: {}, [unread.key]: {},
    [data.png.key]: { identity: { name: 'Demo Issuer' } } });
  try {
    const ok = await check('issuer-match', [data.alice.file]);
    assert.equal(ok.verdict, 'valid', ok.text);
    assert.equal(ok.checks.credissuer, 'passed');
    assert.match(ok.text, /Issuer named in the credential\s+did:web:demo-issuer\.example \(the institution the log records/);

    /* A member logs a credential that names another institution. */
    const f = await check('issuer-forged', [forged.file]);
    assert.equal(f.verdict, 'unverifiable', f.text);
    assert.equal(f.failed, 'credissuer');
    assert.match(f.text, /names issuer https:\/\/avans\.nl\/issuer \(issuer\), but it was logged by key demo-issuer\.example \(name "Demo Issuer", dns demo-issuer\.example\)/);
    for (const c of ['checkpoint', 'map', 'mapproof', 'entries', 'issuer']) assert.equal(f.checks[c], 'passed', c);
    /* Its own issuer id, another institution's BRIN: every identifier must match. */
    const b = await check('issuer-forged-brin', [brin.file]);
    assert.equal(b.failed, 'credissuer');
    assert.match(b.text, /names BRIN 07GR \(issuer\.otherIdentifier\)/);

    const n = await check('issuer-none', [none.file]);
    assert.equal(n.verdict, 'valid', n.text);
    assert.equal(n.checks.credissuer, 'notrun');
    assert.match(n.text, /Issuer named in the credential\s+none: judge the issuer from the credential itself/);
    const k = await check('issuer-no-identity', [data.png.file]);
    assert.equal(k.verdict, 'valid', k.text);
    assert.equal(k.checks.credissuer, 'notrun');
    assert.match(k.text, /did:web:demo-issuer\.example \(not checked: the log records no identity for the key\)/);

    const u = await check('issuer-unreadable', [unread.file]);
    assert.equal(u.verdict, 'unverifiable', u.text);
    assert.equal(u.failed, 'credissuer');
    assert.match(u.text, /issuer cannot be read/);

    /* The same mismatch in Dutch. */
    const { page, ctx } = await S.openPage(browser, proxy.url, { locale: 'nl-NL' });
    const d = await S.chooseFiles(page, [forged.file]);
    assert.equal(d.failed, 'credissuer');
    assert.match(d.text, /De controle "De uitgever in de credential is de instelling van de sleutel" is mislukt: de credential noemt issuer https:\/\/avans\.nl\/issuer/);
    assert.deepEqual(await S.axe(page), []);
    await ctx.close();
  } finally {
    proxy.rewrite = null;
  }
});

test('an ISSUE entry not signed by the authorized key cannot be verified (the issuer check)', async () => {
  proxy.rewrite = (url) => url.startsWith('/v1/status/' + data.alice.key)
    ? JSON.stringify(V2.statusAnswer(path.join(logd.dir, 'var/dev/log.key'), logd.issuerKey, data.alice.key,
      { wrongIssuerKey: true })) : undefined;
  try {
    const v = await check('issuer-signature-wrong', [data.alice.file]);
    assert.equal(v.verdict, 'unverifiable');
    assert.equal(v.failed, 'issuer');
    assert.match(v.text, /issuer's signature does not verify/);
  } finally {
    proxy.rewrite = null;
  }
});

test('a status answer older than a day cannot be verified (credlog verify --log\'s maximum age)', async () => {
  proxy.rewrite = (url) => url.startsWith('/v1/status/' + data.alice.key)
    ? JSON.stringify(V2.statusAnswer(path.join(logd.dir, 'var/dev/log.key'), logd.issuerKey, data.alice.key,
      { timeMs: Date.now() - 25 * 3600 * 1000 })) : undefined;
  try {
    const v = await check('stale', [data.alice.file]);
    assert.equal(v.verdict, 'unverifiable');
    assert.equal(v.failed, 'fresh');
  } finally {
    proxy.rewrite = null;
  }
});

test('a tampered status proof cannot be verified, naming the map proof', async () => {
  proxy.rewrite = (url, body) => {
    if (!url.startsWith('/v1/status/')) return undefined;
    const a = JSON.parse(body);
    const p = Buffer.from(a.map_proof, 'base64');
    p[p.length - 1] ^= 1;
    a.map_proof = p.toString('base64');
    return JSON.stringify(a);
  };
  try {
    const v = await check('tampered-status-proof', [data.never.file]);
    assert.equal(v.verdict, 'unverifiable');
    assert.equal(v.failed, 'mapproof');
    assert.match(v.text, /status map proof/);
  } finally {
    proxy.rewrite = null;
  }
});

test('a tampered checkpoint cannot be verified, naming the checkpoint signature', async () => {
  proxy.rewrite = (url, body) => {
    if (!url.startsWith('/v1/status/')) return undefined;
    const a = JSON.parse(body);
    const lines = a.checkpoint.split('\n');
    const root = Buffer.from(lines[2], 'base64');
    root[0] ^= 1;
    lines[2] = root.toString('base64');
    a.checkpoint = lines.join('\n');
    return JSON.stringify(a);
  };
  try {
    const v = await check('tampered-checkpoint', [data.never.file]);
    assert.equal(v.verdict, 'unverifiable');
    assert.equal(v.failed, 'checkpoint');
    assert.match(v.text, /signature on its checkpoint/);
  } finally {
    proxy.rewrite = null;
  }
});

test('the log unreachable cannot be verified, and is never "not issued"', async () => {
  try {
    for (const [name, file] of [['unreachable-never-issued', data.never.file], ['unreachable-issued', data.alice.file]]) {
      const v = await check(name, [file], { netErrors: true, before: async () => { proxy.down = true; } });
      proxy.down = false;
      assert.equal(v.verdict, 'unverifiable', v.text);
      assert.equal(v.failed, 'logkey');
      assert.match(v.text, /could not be reached/);
      assert.match(v.text, /Try again later/);
    }
    /* With the key pinned, the status request itself fails. */
    const v = await check('unreachable-pinned', [data.never.file], {
      netErrors: true, before: async (page) => { await page.click('#pin'); proxy.down = true; },
    });
    assert.equal(v.verdict, 'unverifiable');
    assert.equal(v.failed, 'status');
    assert.match(v.text, /could not be reached/);
  } finally {
    proxy.down = false;
  }
});

test('a changed log key after pinning raises the alarm and verifies nothing', async () => {
  const other = 'localhost/credlog-dev+4b0c55f5+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4';
  let v;
  try {
    v = await check('key-changed', [data.never.file], {
      cli: false, /* credlog pins keys in its own file, not in this browser */
      netErrors: true,
      before: async (page) => {
        await page.click('#pin');
        assert.match(await page.textContent('#pin-state'), /Pinned in this browser/);
        proxy.rewrite = (url) => (url === '/v1/log-key' ? other + '\n' : undefined);
      },
      after: async (page) => {
        assert.equal(await page.getAttribute('#pin-state', 'role'), 'alert');
        assert.match(await page.textContent('#pin-state'), /Alarm: the log now serves a different key/);
      },
    });
  } finally {
    proxy.rewrite = null;
  }
  assert.equal(v.verdict, 'unverifiable');
  assert.equal(v.failed, 'logkey');
  assert.match(v.text, /different key than the one pinned/);
});

test('outside a secure context the page says it cannot verify, and why', async () => {
  /* What a browser does on plain HTTP to a non-local address: no
   * crypto.subtle (Secure Contexts; WPT WebCryptoAPI/historical). */
  const v = await check('insecure', [data.never.file], {
    cli: false, /* a browser's limit */
    init: () => Object.defineProperty(Crypto.prototype, 'subtle', { get: () => undefined }),
    after: async (page) => {
      assert.equal(await page.isVisible('#nosupport'), true);
      assert.match(await page.textContent('#nosupport'), /cannot verify here/);
    },
  });
  assert.equal(v.verdict, 'unverifiable');
  assert.equal(v.failed, 'browser');
  assert.match(v.text, /not loaded over a secure connection/);
});

test('Dutch from the browser\'s language, English by the switch', async () => {
  const { page, ctx } = await S.openPage(browser, proxy.url, { locale: 'nl-NL' });
  assert.equal(await page.getAttribute('html', 'lang'), 'nl');
  assert.equal(await page.textContent('h1'), 'Controleer een credential');
  const v = await S.chooseFiles(page, [data.never.file]);
  assert.equal(v.verdict, 'notissued');
  assert.match(v.text, /Niet uitgereikt in dit register/);
  assert.match(v.text, /ontvangstbewijs/);
  await S.screenshot(page, 'not-issued-nl');
  assert.deepEqual(await S.axe(page), []);
  await page.click('#lang-en');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.innerText('#result'), /Not issued in this log/);
  assert.equal(await page.textContent('h1'), 'Check a credential');
  await ctx.close();
});

test('a 360 px wide phone: no sideways scrolling, verdict and checks readable', async () => {
  const { page, ctx } = await S.openPage(browser, proxy.url, { viewport: { width: 360, height: 740 }, isMobile: true,
    hasTouch: true, deviceScaleFactor: 2 });
  const v = await S.chooseFiles(page, [data.never.file]);
  assert.equal(v.verdict, 'notissued');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360),
    'the page is wider than the screen');
  await S.screenshot(page, 'phone-360');
  assert.deepEqual(await S.axe(page), []);
  await ctx.close();
});

test('a file dropped on the drop zone is checked like a chosen one', async () => {
  const { page, ctx } = await S.openPage(browser, proxy.url);
  await page.locator('#drop').drop({ files: data.never.file });
  const v = await S.verdictOf(page);
  assert.equal(v.verdict, 'notissued');
  await ctx.close();
});
