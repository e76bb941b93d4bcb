/*
 * readme-screenshot.js: makes docs/img/verification-page.png, the README's
 * picture of the page, from a real verification: a new logd --dev, an Open
 * Badges 3.0 credential naming the demo issuer issued with the real
 * `credlog issue` (which writes its receipt), then chosen with its receipt
 * on the page logd serves, in Chromium at 820 px. Nothing is rewritten on
 * the way (no test proxy).
 *
 *   cd tests/browser && LOGD_BIN=../../build/logd CREDLOG_BIN=../../build/credlog \
 *     node readme-screenshot.js ../../docs/img/verification-page.png
 */
'use strict';
const path = require('node:path');
const S = require('./support');

async function main() {
  const out = process.argv[2];
  if (!out) throw new Error('usage: node readme-screenshot.js OUT.png');
  const logd = await S.startLogd();
  const browser = await S.launch();
  try {
    const cred = S.writeFile(logd.dir, 'diploma.json', JSON.stringify({
      '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      issuer: { id: 'did:web:demo-issuer.example', type: ['Profile'], name: 'Demo Issuer' },
      validFrom: '2026-06-30T12:00:00Z',
      credentialSubject: { type: ['AchievementSubject'], name: 'Ada Lovelace',
        achievement: { name: 'Merkle trees 101', criteria: { narrative: '3 ECTS' } } },
    }, null, 2));
    S.credlog(logd, ['issue', '--log', logd.url, '--log-key', logd.vkey, '--key', logd.issuerKey, cred]);
    const { page, ctx, errors } = await S.openPage(browser, logd.url, { viewport: { width: 820, height: 1500 } });
    const v = await S.chooseFiles(page, [cred, cred + '.receipt.json']);
    if (v.verdict !== 'valid' || v.checks.credissuer !== 'passed' || errors.length)
      throw new Error('not the verdict to show: ' + JSON.stringify(v) + errors.join('; '));
    await page.evaluate(() => document.activeElement.blur());
    await page.screenshot({ path: path.resolve(out), clip: { x: 0, y: 0, width: 820, height: 1500 } });
    await ctx.close();
  } finally {
    await browser.close();
    await logd.stop();
  }
}

main().catch((e) => { console.error('readme-screenshot.js: ' + (e && e.stack || e)); process.exit(1); });
