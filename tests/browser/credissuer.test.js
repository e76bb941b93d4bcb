/*
 * credissuer.test.js: every case of tests/data/credissuer-v1.json (the
 * cases tests/unit/test_credissuer.c runs against proofs/credissuer.c), run
 * by the page's own web/credissuer.js in Chromium: each credential gives
 * the profile and identifiers it names and the outcome against each
 * identity, or is refused as its case says; each identifier matches an
 * identity or not (docs/protocol.md §E.5; issue 14, item 2).
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

test('the §E.5 issuer vectors, in the browser', async () => {
  const vectors = JSON.parse(fs.readFileSync(path.join(S.need('CREDLOG_TEST_DATA'), 'credissuer-v1.json'), 'utf8'));
  const { page, ctx, errors } = await S.openPage(browser, logd.url);
  const bad = await page.evaluate((v) => {
    const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
    const out = [];
    for (const c of v.extract) {
      const file = c.file_b64 !== undefined ? fromB64(c.file_b64) : new TextEncoder().encode(c.file);
      let got;
      try {
        got = CL.credissuer.extract(file, c.profile);
      } catch (e) {
        const kind = e instanceof CL.credkey.CredkeyError ? 'CREDKEY'
          : e instanceof CL.credissuer.IssuerError ? 'CREDISSUER_ERR_' + e.code.toUpperCase().replace('-', '_') : 'threw ' + e;
        if (kind !== c.error) out.push(c.name + ': ' + kind + ' (' + e.message + '), want ' + (c.error || 'identifiers'));
        continue;
      }
      if (c.error) { out.push(c.name + ': read ' + JSON.stringify(got) + ', want ' + c.error); continue; }
      if (JSON.stringify(got) !== JSON.stringify(c.want)) out.push(c.name + ': ' + JSON.stringify(got));
      for (const [name, want] of Object.entries(c.match)) {
        const m = CL.credissuer.match(got.ids, v.identities[name]);
        const shown = m.result === 'mismatch' ? 'mismatch ' + m.bad : m.result;
        if (shown !== want) out.push(c.name + ' against ' + name + ': ' + shown + ', want ' + want);
      }
    }
    for (const c of v.match) {
      if (CL.credissuer.idMatches({ kind: c.kind, value: c.value }, v.identities[c.identity]) !== c.match)
        out.push(c.value + ' against ' + c.identity + ': want ' + c.match);
    }
    return out;
  }, vectors);
  assert.deepEqual(bad, []);
  assert.ok(vectors.extract.length > 40 && vectors.match.length > 30);
  assert.deepEqual(errors, []);
  await ctx.close();
});
