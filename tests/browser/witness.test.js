/*
 * witness.test.js: the witness policy on the verification page (issue 13
 * point 2, issue 14 item 2's page half). A real logd --dev started with
 * --witness-policy naming three real `credlog witness` processes and a
 * 2-of-3 quorum; the page fetches the policy from GET /v1/witness-policy,
 * verifies the cosignatures on the status proof's checkpoint and judges
 * the quorum. Cases: valid with the quorum; still valid with one
 * cosignature removed (2 of 3); "cannot be verified" naming the missing
 * witnesses with two removed; a forged cosignature; not issued under the
 * policy; a policy changed after pinning (alarm). On every case but the
 * pin, `credlog verify --witness-policy` (with the file logd serves) must
 * give the same verdict. Cosignatures are removed or forged in the status
 * answer by the test proxy (support.js).
 */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const S = require('./support');

let logd, proxy, browser, dir, policyFile;
const wit = [];
const data = {};

const credential = (name) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  issuer: 'did:web:demo-issuer.example',
  credentialSubject: { name },
});

test.before(async () => {
  /* The log key first (the witnesses must know it), then the witnesses,
   * then logd again on the same data with the policy naming them. */
  const first = await S.startLogd();
  dir = first.dir;
  await first.stop({ keep: true });
  for (let i = 1; i <= 3; i++) wit.push(await S.startWitness(dir, 'w' + i, `witness-${i}.example`, first.vkey));
  policyFile = path.join(dir, 'witness-policy');
  fs.writeFileSync(policyFile, `# two of three witnesses\nlog ${first.vkey}\n` +
    wit.map((w, i) => `witness w${i + 1} ${w.vkey} ${w.url}\n`).join('') + 'group two 2 w1 w2 w3\nquorum two\n');
  logd = await S.startLogd(['--witness-policy', policyFile, '--witness-interval', '100ms'], { dir });
  proxy = await S.startProxy(logd.url);
  browser = await S.launch();
  const files = path.join(dir, 'files');
  fs.mkdirSync(files);
  data.alice = { file: S.writeFile(files, 'alice.json', JSON.stringify(credential('Alice Jansen'))) };
  data.alice.key = S.keyOf(logd, data.alice.file);
  S.issueKey(logd, data.alice.key);
  data.never = { file: S.writeFile(files, 'dave.json', JSON.stringify(credential('Dave Smit'))) };
  /* logd answers from the newest checkpoint its quorum cosigned: wait
   * until that one holds the credential. */
  await S.waitFor(async () => {
    const a = await (await fetch(`${logd.url}/v1/status/${data.alice.key}`)).json();
    return a.status === 'active' && a.checkpoint.split('\n\u2014 ').length >= 4;
  }, 60000, 'the quorum to cosign the credential');
});

test.after(async () => {
  if (browser) await browser.close();
  if (proxy) await proxy.close();
  if (logd) await logd.stop();
  for (const w of wit) await w.stop();
});

/* credlog verify --witness-policy on the same file through the same URL. */
async function cliVerdict(file) {
  const args = ['verify', '--json', '--log-key', logd.vkey, '--witness-policy', policyFile, '--log', proxy.url, file];
  const { code, stdout, stderr } = await S.credlogAsync(logd, args);
  try {
    const j = JSON.parse(stdout);
    return j.verdict + (j.reason ? ': ' + j.reason : '');
  } catch (e) {
    assert.equal(code, 2, 'credlog verify ' + args.join(' ') + ': ' + stdout + stderr);
    return 'INVALID';
  }
}
const CLI_NAMES = { valid: 'VALID', revoked: 'REVOKED', notissued: 'NOT ISSUED', unverifiable: 'INVALID' };

async function check(name, file, opts = {}) {
  const { page, ctx, errors, foreign } = await S.openPage(browser, proxy.url);
  try {
    if (opts.before) await opts.before(page);
    const v = await S.chooseFiles(page, [file]);
    v.witness = await page.innerText('#checks li[data-check="witness"]');
    await S.screenshot(page, name);
    assert.deepEqual(await S.axe(page), [], 'axe-core violations');
    if (opts.after) await opts.after(page, v);
    if (opts.cli !== false) {
      const cli = await cliVerdict(file);
      assert.equal(CLI_NAMES[v.verdict], cli.split(':')[0], `${name}: the page says ${v.verdict} (${v.failed}), credlog verify ${cli}`);
    }
    assert.deepEqual(errors, []);
    assert.deepEqual(foreign, []);
    return v;
  } finally {
    await ctx.close();
  }
}

/* Rewrites the checkpoint of status answers: edit(lines) changes its lines. */
function rewriteCheckpoint(edit) {
  proxy.rewrite = (url, body) => {
    if (!url.startsWith('/v1/status/')) return undefined;
    const a = JSON.parse(body);
    a.checkpoint = edit(a.checkpoint.split('\n')).join('\n');
    return JSON.stringify(a);
  };
}
const without = (...names) => (lines) => lines.filter((l) => !names.some((n) => l.startsWith('\u2014 ' + n + ' ')));

test('logd serves the policy it was started with, byte for byte', async () => {
  const r = await fetch(`${logd.url}/v1/witness-policy`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain/);
  assert.equal(await r.text(), fs.readFileSync(policyFile, 'utf8'));
});

test('valid: the checkpoint carries the quorum of cosignatures', async () => {
  const v = await check('witness-valid', data.alice.file);
  assert.equal(v.verdict, 'valid', v.text);
  assert.equal(v.checks.witness, 'passed');
  assert.match(v.witness, /Witness cosignatures \(witness policy\)\s*[23] of 3 \(w1, w2/);
});

test('one cosignature removed: two of three still meet the quorum', async () => {
  rewriteCheckpoint(without(wit[2].keyName));
  try {
    const v = await check('witness-two-of-three', data.alice.file);
    assert.equal(v.verdict, 'valid', v.text);
    assert.match(v.witness, /2 of 3 \(w1, w2\)/);
  } finally {
    proxy.rewrite = null;
  }
});

test('two cosignatures removed: cannot be verified, naming the witnesses missing', async () => {
  rewriteCheckpoint(without(wit[1].keyName, wit[2].keyName));
  try {
    const v = await check('witness-quorum-missed', data.alice.file);
    assert.equal(v.verdict, 'unverifiable', v.text);
    assert.equal(v.failed, 'witness');
    assert.match(v.text, /lacks the witness policy's quorum of cosignatures \(not cosigned by: w2, w3\)/);
  } finally {
    proxy.rewrite = null;
  }
});

test('a forged cosignature cannot be verified', async () => {
  rewriteCheckpoint((lines) => lines.map((l) => {
    if (!l.startsWith('\u2014 ' + wit[0].keyName + ' ')) return l;
    const sig = Buffer.from(l.split(' ')[2], 'base64');
    sig[sig.length - 1] ^= 1;
    return '\u2014 ' + wit[0].keyName + ' ' + sig.toString('base64');
  }));
  try {
    const v = await check('witness-forged', data.alice.file);
    assert.equal(v.verdict, 'unverifiable', v.text);
    assert.equal(v.failed, 'witness');
    assert.match(v.text, /cosignature on the checkpoint does not verify/);
  } finally {
    proxy.rewrite = null;
  }
});

test('not issued, on a checkpoint the quorum cosigned', async () => {
  const v = await check('witness-not-issued', data.never.file);
  assert.equal(v.verdict, 'notissued', v.text);
  assert.equal(v.checks.witness, 'passed');
});

test('a witness policy changed after pinning raises the alarm and verifies nothing', async () => {
  const changed = fs.readFileSync(policyFile, 'utf8').replace('group two 2', 'group two 1');
  const v = await check('witness-policy-changed', data.alice.file, {
    cli: false, /* credlog reads its policy from its own file */
    before: async (page) => {
      assert.match(await page.textContent('#policy'), /published by the log/);
      await page.click('#pin');
      proxy.rewrite = (url) => (url === '/v1/witness-policy' ? changed : undefined);
    },
    after: async (page) => {
      assert.equal(await page.getAttribute('#pin-state', 'role'), 'alert');
      assert.match(await page.textContent('#pin-state'), /different witness policy/);
    },
  });
  proxy.rewrite = null;
  assert.equal(v.verdict, 'unverifiable');
  assert.equal(v.failed, 'witness');
  assert.match(v.text, /different witness policy than the one pinned/);
});
