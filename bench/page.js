/*
 * page.js: the verification page's time to a verdict (scripts/bench.sh,
 * docs/performance.md). Headless Debian Chromium, driven by playwright-core
 * (the browser tests' package, tests/browser: run with NODE_PATH set to its
 * node_modules), loads the page logd serves at URL, and drops FILE (a
 * holder's credlog-bundle/v1) on the drop zone, N times, each in a new
 * browser context (an empty cache: the first visit of a person with a
 * bundle).
 *
 *   node bench/page.js URL FILE [N]
 *
 * The time is measured inside the page (performance.now()): from the drop
 * event (a capture listener on window, which runs before the page's own)
 * to the moment the verdict element (#result .verdict) is in the document
 * (a MutationObserver). Every verdict must be "valid". Prints
 *   runs=N median_ms= p90_ms= max_ms= verdict=valid
 * With BENCH_PAGE_TRACE set, each run's time and the requests the page made
 * after the drop (path, start after the drop, duration) go to stderr.
 */
'use strict';
const path = require('node:path');
const { chromium } = require('playwright-core');

async function main() {
  const [url, file, n = '20'] = process.argv.slice(2);
  if (!url || !file) throw new Error('usage: node bench/page.js URL FILE [N]');
  const runs = parseInt(n, 10);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true });
  const times = [];
  try {
    for (let i = 0; i < runs; i++) {
      const ctx = await browser.newContext({ locale: 'en-GB' });
      await ctx.addInitScript(() => {
        window.addEventListener('drop', () => { window.__benchDrop = performance.now(); }, true);
        new MutationObserver(() => {
          if (window.__benchVerdict === undefined && document.querySelector('#result .verdict')) {
            window.__benchVerdict = performance.now();
          }
        }).observe(document, { childList: true, subtree: true });
      });
      const page = await ctx.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(url + '/');
      await page.waitForSelector('body[data-ready="true"]');
      await page.locator('#drop').drop({ files: path.resolve(file) });
      await page.waitForSelector('#result .verdict', { timeout: 30000 });
      const r = await page.evaluate(() => ({
        verdict: document.querySelector('#result .verdict').dataset.verdict,
        ms: window.__benchVerdict - window.__benchDrop,
        /* The requests the page made after the drop, relative to it. */
        fetches: performance.getEntriesByType('resource').filter((e) => e.startTime >= window.__benchDrop)
          .map((e) => `${new URL(e.name).pathname.slice(0, 40)} +${(e.startTime - window.__benchDrop).toFixed(1)}` +
            ` ${e.duration.toFixed(1)} ms`),
      }));
      if (process.env.BENCH_PAGE_TRACE) console.error(`run ${i}: ${r.ms.toFixed(1)} ms; ${r.fetches.join('; ')}`);
      if (r.verdict !== 'valid' || errors.length > 0 || !(r.ms >= 0)) {
        throw new Error(`run ${i}: verdict ${r.verdict}, ${r.ms} ms, errors: ${errors.join('; ')}`);
      }
      times.push(r.ms);
      await ctx.close();
    }
  } finally {
    await browser.close();
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)];
  const median = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
  console.log(`runs=${runs} median_ms=${median.toFixed(1)} p90_ms=${q(0.9).toFixed(1)} max_ms=${q(1).toFixed(1)} verdict=valid`);
}

main().catch((e) => { console.error('page.js: ' + (e && e.stack || e)); process.exit(1); });
