/*
 * credkey.test.js: every vector of tests/data/credkey-v1.json, run by the
 * page's own credkey.js in Chromium: each key case gives its profile,
 * digest and key, each reject case is refused (issue 13, point 2).
 */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const S = require('./support');

let logd, browser;
test.before(async () => {
  logd = await S.startLogd();
  browser = await S.launch();
});
test.after(async () => {
  if (browser) await browser.close();
  if (logd) await logd.stop();
});

test('the credkey/v1 vectors, in the browser', async () => {
  const vectors = JSON.parse(fs.readFileSync(path.join(S.need('CREDLOG_TEST_DATA'), 'credkey-v1.json'), 'utf8'));
  const { page, ctx, errors } = await S.openPage(browser, logd.url);
  const bad = await page.evaluate(async (v) => {
    const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
    const out = [];
    for (const k of v.keys) {
      try {
        const r = await CL.credkey.compute(fromB64(k.file_b64), k.profile_arg, CL.bytes.fromHex(k.salt));
        const got = [r.profile, CL.bytes.hex(r.digest), CL.bytes.hex(r.key)].join(' ');
        if (got !== [k.profile, k.digest, k.key].join(' ')) out.push(k.name + ': got ' + got);
      } catch (e) {
        out.push(k.name + ': refused ' + e.message);
      }
    }
    for (const k of v.reject) {
      try {
        const salt = CL.bytes.fromHex(k.salt);
        const r = await CL.credkey.compute(fromB64(k.file_b64), k.profile_arg, salt);
        out.push(k.name + ': accepted as ' + r.profile);
      } catch (e) {
        if (!(e instanceof CL.credkey.CredkeyError)) out.push(k.name + ': threw ' + e);
      }
    }
    return out;
  }, vectors);
  assert.deepEqual(bad, []);
  assert.ok(vectors.keys.length > 200 && vectors.reject.length > 100);
  assert.deepEqual(errors, []);
  await ctx.close();
});
