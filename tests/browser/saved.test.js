/*
 * saved.test.js: the page saved and opened from disk (issue 13, point 4:
 * "the page saved and opened from disk against a mirror" as the independent
 * check). The page logd serves links credlog-page.html, the page in one
 * file; saved through that link (a real download in Chromium) and opened
 * from a file: URL, it shows labelled fields for the log's address and
 * verifier key, reachable by keyboard, in English and Dutch, and then asks
 * only that address and trusts only that key: a real logd --dev (which
 * answers its public reads with CORS, origin "null") gives VALID and
 * REVOKED as credlog verify does; a wrong key is "cannot be verified",
 * naming the checkpoint signature; a key other than the one pinned for the
 * address is an alarm.
 */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const S = require('./support');

let logd, browser, dir, saved, other;
const data = {};

const credential = (name) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  issuer: 'did:web:demo-issuer.example',
  credentialSubject: { name },
});

test.before(async () => {
  logd = await S.startLogd();
  browser = await S.launch();
  dir = path.join(logd.dir, 'files');
  fs.mkdirSync(dir);
  /* Another key of the log's name, which signed none of its checkpoints. */
  S.credlog(logd, ['keygen', '--name', 'localhost/credlog-dev', '--out', path.join(dir, 'other')]);
  other = fs.readFileSync(path.join(dir, 'other.vkey'), 'utf8').trim();
  data.alice = { file: S.writeFile(dir, 'alice.json', JSON.stringify(credential('Alice Jansen'))) };
  S.issueKey(logd, S.keyOf(logd, data.alice.file));
  data.carol = { file: S.writeFile(dir, 'carol.json', JSON.stringify(credential('Carol Bakker'))) };
  const carol = S.keyOf(logd, data.carol.file);
  S.issueKey(logd, carol);
  S.issueKey(logd, carol, 'revoke', ['--reason', 'withdrawn']);
});

test.after(async () => {
  if (browser) await browser.close();
  if (logd) await logd.stop();
});

/* credlog verify's verdict on file against logd with the right key. */
async function cliVerdict(file) {
  const { stdout } = await S.credlogAsync(logd, ['verify', '--json', '--log-key', logd.vkey, '--log', logd.url, file]);
  return JSON.parse(stdout).verdict;
}

/* Opens the saved page from its file: URL; records the page's errors and
 * every request that is not to logd. */
async function openSaved(ctxOpts = {}) {
  const ctx = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Amsterdam', acceptDownloads: false,
    ...ctxOpts });
  const page = await ctx.newPage();
  const errors = [], foreign = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol !== 'file:' && u.protocol !== 'data:' && u.origin !== logd.url) foreign.push(r.url());
  });
  await page.goto(pathToFileURL(saved).href);
  await page.waitForSelector('body[data-ready="true"]');
  return { ctx, page, errors, foreign };
}

/* Enters the log's address and key by keyboard, from the top of the page:
 * the language buttons, then the two fields and the button. */
async function enterLog(page, url, vkey) {
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'log-url');
  await page.keyboard.type(url);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'log-vkey');
  await page.keyboard.type(vkey);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'use-log');
  await page.keyboard.press('Enter');
  await S.waitFor(() => page.evaluate(() => /Checking against|Er wordt gecontroleerd/.test(
    document.getElementById('source-state').textContent)), 15000, 'the page to take the log');
}

test('the served page links the page as one file, and saving it downloads exactly that', async () => {
  const { page, ctx, errors } = await S.openPage(browser, logd.url, { acceptDownloads: true });
  assert.equal(await page.isVisible('#source'), false, 'a page served by a log asks for no log');
  const link = page.getByRole('link', { name: /Save this page as one file/ });
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  saved = path.join(dir, download.suggestedFilename());
  assert.equal(path.basename(saved), 'credlog-page.html');
  await download.saveAs(saved);
  const bytes = fs.readFileSync(saved);
  const r = await fetch(logd.url + '/web/credlog-page.html');
  assert.equal(r.status, 200);
  assert.ok(Buffer.from(await r.arrayBuffer()).equals(bytes));
  const html = bytes.toString('utf8');
  assert.doesNotMatch(html, /src="web\//, 'every script is inlined');
  assert.doesNotMatch(html, /href="web\/app\.css"/, 'the style is inlined');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('opened from disk: labelled fields for the log, by keyboard; VALID and REVOKED as credlog verify says', async () => {
  const { page, ctx, errors, foreign } = await openSaved();
  assert.equal(await page.isVisible('#source'), true);
  assert.equal(await page.isVisible('#save'), false);
  assert.equal(await page.getByLabel('The log\'s address (URL)').getAttribute('id'), 'log-url');
  assert.equal(await page.getByLabel('The log\'s verifier key').getAttribute('id'), 'log-vkey');
  assert.match(await page.textContent('#about-1'), /opened from a file, not served by a log/);
  assert.deepEqual(await S.axe(page), [], 'axe-core violations before a log is entered');
  await enterLog(page, logd.url, logd.vkey);
  assert.equal(await page.textContent('#vkey'), logd.vkey);
  assert.match(await page.textContent('#pin-state'), /trusts the key you entered/);
  assert.equal(await page.isVisible('#testlog'), true, 'the log\'s config.json (read with CORS) says it is a test log');

  const v = await S.chooseFiles(page, [data.alice.file]);
  await S.screenshot(page, 'saved-valid');
  assert.equal(v.verdict, 'valid', v.text);
  for (const c of ['logkey', 'status', 'checkpoint', 'map', 'mapproof', 'entries', 'issuer', 'fresh'])
    assert.equal(v.checks[c], 'passed', c);
  assert.equal(await cliVerdict(data.alice.file), 'VALID');
  assert.deepEqual(await S.axe(page), []);

  const r = await S.chooseFiles(page, [data.carol.file]);
  await S.screenshot(page, 'saved-revoked');
  assert.equal(r.verdict, 'revoked', r.text);
  assert.match(r.text, /Reason given\s+withdrawn/);
  assert.equal(await cliVerdict(data.carol.file), 'REVOKED');
  assert.deepEqual(errors, []);
  assert.deepEqual(foreign, []);
  await ctx.close();
});

test('opened from disk with a wrong key: cannot be verified, naming the checkpoint signature', async () => {
  const { page, ctx, errors } = await openSaved();
  await enterLog(page, logd.url, other);
  const v = await S.chooseFiles(page, [data.alice.file]);
  await S.screenshot(page, 'saved-wrong-key');
  assert.equal(v.verdict, 'unverifiable', v.text);
  assert.equal(v.failed, 'checkpoint');
  assert.match(v.text, /signature on its checkpoint/);
  assert.equal(v.checks.status, 'passed');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('opened from disk: a key other than the one pinned for the address is an alarm and verifies nothing', async () => {
  const { page, ctx } = await openSaved();
  await enterLog(page, logd.url, logd.vkey);
  await page.click('#pin');
  assert.match(await page.textContent('#pin-state'), /Pinned in this browser for this address/);
  await page.fill('#log-vkey', other);
  const v = await S.chooseFiles(page, [data.alice.file]);
  assert.equal(v.verdict, 'unverifiable', v.text);
  assert.equal(v.failed, 'logkey');
  assert.match(v.text, /the key entered is not the one pinned in this browser for this address/);
  assert.equal(await page.getAttribute('#pin-state', 'role'), 'alert');
  assert.match(await page.textContent('#pin-state'), /Alarm: the key you entered is not the one pinned/);
  /* Back to the pinned key: "Use this log" checks the chosen file again. */
  await page.fill('#log-vkey', logd.vkey);
  await page.click('#use-log');
  await page.waitForSelector('#result .verdict[data-verdict="valid"]');
  assert.equal(await page.getAttribute('#pin-state', 'role'), null);
  await ctx.close();
});

test('opened from disk in Dutch: the fields are labelled in Dutch; a file chosen first waits for the log', async () => {
  const { page, ctx, errors } = await openSaved({ locale: 'nl-NL' });
  assert.equal(await page.getAttribute('html', 'lang'), 'nl');
  assert.equal(await page.getByLabel('Adres van het register (URL)').getAttribute('id'), 'log-url');
  assert.equal(await page.getByLabel('Verificatiesleutel van het register').getAttribute('id'), 'log-vkey');
  await page.getByLabel(/bestanden kiezen/i).setInputFiles([data.alice.file]);
  await page.waitForSelector('#result .banner');
  assert.match(await page.textContent('#result'), /Vul eerst het adres en de verificatiesleutel van het register in/);
  /* The file chosen first is checked once the log is entered. */
  await enterLog(page, logd.url, logd.vkey);
  const v = await S.verdictOf(page);
  assert.equal(v.verdict, 'valid', v.text);
  assert.match(v.text, /Geldig/);
  await S.screenshot(page, 'saved-valid-nl');
  assert.deepEqual(await S.axe(page), []);
  assert.deepEqual(errors, []);
  await ctx.close();
});
