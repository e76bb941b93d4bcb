/*
 * serve.test.js: logd serves the page (issue 13, point 1): exactly the CSP,
 * no external resources, HEAD and ETags, --no-web; and the browser this
 * suite runs can verify at all (Ed25519 in WebCrypto, RFC 8032 TEST 1),
 * which every other test needs.
 */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const S = require('./support');

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

let logd, browser;
test.before(async () => {
  logd = await S.startLogd();
  browser = await S.launch();
  console.log('# chromium', browser.version());
});
test.after(async () => {
  if (browser) await browser.close();
  if (logd) await logd.stop();
});

test('the browser verifies Ed25519 (RFC 8032 TEST 1) and refuses a flipped bit', async () => {
  const { page, ctx, errors } = await S.openPage(browser, logd.url);
  assert.equal(await page.evaluate(() => CL.note.selfTest()), true);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('GET / and every file of the page carry the CSP, nosniff, no-referrer and an ETag', async () => {
  const { page, ctx, errors, foreign } = await S.openPage(browser, logd.url);
  const urls = await page.evaluate(() => [location.href,
    ...[...document.querySelectorAll('script[src], link[rel=stylesheet]')].map((e) => e.src || e.href)]);
  assert.ok(urls.length >= 10);
  for (const u of urls) {
    const r = await fetch(u);
    assert.equal(r.status, 200, u);
    assert.equal(r.headers.get('content-security-policy'), CSP, u);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(r.headers.get('cache-control'), 'no-cache');
    const etag = r.headers.get('etag');
    assert.match(etag, /^"[0-9a-f]{32}"$/);
    const again = await fetch(u, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304, u);
    const head = await fetch(u, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String((await r.arrayBuffer()).byteLength));
  }
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('an unknown page file is 404 JSON, and logd --no-web serves no page', async () => {
  const r = await fetch(logd.url + '/web/nothing.js');
  assert.equal(r.status, 404);
  assert.ok((await r.json()).error);
  const off = await S.startLogd(['--no-web']);
  try {
    for (const p of ['/', '/web/ui.js', '/web/config.json']) {
      const x = await fetch(off.url + p);
      assert.equal(x.status, 404, p);
    }
    assert.equal((await fetch(off.url + '/v1/log-key')).status, 200);
  } finally {
    await off.stop();
  }
});
