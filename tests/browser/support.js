/*
 * support.js: what the browser tests share. A real logd (--dev, in a
 * temporary directory, on 127.0.0.1 port 0), the real credlog command to
 * issue and revoke test credentials, a test proxy in front of logd that can
 * tamper with answers or drop connections, and Debian's Chromium driven by
 * playwright-core. Nothing is mocked: the page talks HTTP to logd (or to
 * the proxy, which forwards to logd).
 *
 * Environment (set by CTest, tests/CMakeLists.txt): LOGD_BIN, CREDLOG_BIN,
 * CREDLOG_TEST_DATA, BROWSER_ARTIFACTS (screenshots), CHROMIUM (default
 * /usr/bin/chromium). A missing binary or a Chromium that does not start is
 * a failure, never a skip.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { spawn, execFile, execFileSync } = require('node:child_process');
const { chromium } = require('playwright-core');

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the browser tests through ctest`);
  return v;
};

const artifacts = () => {
  const d = process.env.BROWSER_ARTIFACTS || path.join(os.tmpdir(), 'credlog-browser-artifacts');
  fs.mkdirSync(d, { recursive: true });
  return d;
};

/* Waits for cond() to hold, polling; the one way these tests wait. */
async function waitFor(cond, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/* Starts logd --dev in a new temporary directory (or again in opts.dir,
 * one a stop({keep: true}) left). Returns {url, dir, vkey, issuerKey,
 * stop({keep})}. */
async function startLogd(extra = [], opts = {}) {
  const dir = opts.dir || fs.mkdtempSync(path.join(os.tmpdir(), 'credlog-page-'));
  fs.chmodSync(dir, 0o700);
  const portFile = path.join(dir, 'port');
  fs.rmSync(portFile, { force: true });
  const log = fs.openSync(path.join(dir, 'logd.log'), 'a');
  const proc = spawn(need('LOGD_BIN'), ['--dev', '--data', path.join(dir, 'var/dev'), '--listen',
    '127.0.0.1:0', '--port-file', portFile, ...extra], { cwd: dir, stdio: ['ignore', log, log] });
  let exited = null;
  proc.on('exit', (code, sig) => { exited = code ?? sig; });
  const port = await waitFor(() => {
    if (exited !== null) throw new Error('logd exited: ' + fs.readFileSync(path.join(dir, 'logd.log'), 'utf8'));
    try { return parseInt(fs.readFileSync(portFile, 'utf8'), 10) || null; } catch (e) { return null; }
  }, 15000, 'logd to listen');
  const url = `http://127.0.0.1:${port}`;
  const vkey = fs.readFileSync(path.join(dir, 'var/dev/log.vkey'), 'utf8').trim();
  return {
    url, dir, vkey, port,
    issuerKey: path.join(dir, 'var/dev/demo-issuer.key'),
    async stop({ keep } = {}) {
      if (exited === null) {
        proc.kill('SIGTERM');
        await waitFor(() => exited !== null, 15000, 'logd to stop');
      }
      fs.closeSync(log);
      if (!keep && !process.env.CREDLOG_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/* Starts the real `credlog witness` in dir/<name> with a new cosigner key
 * named keyName (credlog keygen --cosigner), witnessing the log whose
 * verifier key is logVkey, on 127.0.0.1 port 0 (as
 * tests/support/witness_proc.c does). Returns {url, vkey, keyName,
 * stop()}. */
async function startWitness(dir, name, keyName, logVkey) {
  const d = path.join(dir, name);
  fs.mkdirSync(path.join(d, 'data'), { recursive: true, mode: 0o700 });
  execFileSync(need('CREDLOG_BIN'), ['keygen', '--cosigner', '--name', keyName, '--out', path.join(d, 'w')],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const vkey = fs.readFileSync(path.join(d, 'w.vkey'), 'utf8').trim();
  fs.writeFileSync(path.join(d, 'logs'), `logs/v0\nvkey ${logVkey}\nqpd 86400\n`);
  const portFile = path.join(d, 'port');
  const log = fs.openSync(path.join(d, 'witness.log'), 'w');
  const proc = spawn(need('CREDLOG_BIN'), ['witness', '--key', path.join(d, 'w.key'), '--logs', path.join(d, 'logs'),
    '--data', path.join(d, 'data'), '--listen', '127.0.0.1:0', '--port-file', portFile], { stdio: ['ignore', log, log] });
  let exited = null;
  proc.on('exit', (code, sig) => { exited = code ?? sig; });
  const port = await waitFor(() => {
    if (exited !== null) throw new Error('credlog witness exited: ' + fs.readFileSync(path.join(d, 'witness.log'), 'utf8'));
    try { return parseInt(fs.readFileSync(portFile, 'utf8'), 10) || null; } catch (e) { return null; }
  }, 30000, 'credlog witness to listen');
  return {
    url: `http://127.0.0.1:${port}`, vkey, keyName,
    async stop() {
      if (exited === null) {
        proc.kill('SIGTERM');
        await waitFor(() => exited !== null, 15000, 'credlog witness to stop');
      }
      fs.closeSync(log);
    },
  };
}

/* Runs the credlog command; returns its stdout. */
function credlog(logd, args, opts = {}) {
  return execFileSync(need('CREDLOG_BIN'), args, {
    cwd: logd.dir, encoding: 'utf8', env: { ...process.env, XDG_CONFIG_HOME: path.join(logd.dir, 'xdg') },
    stdio: ['ignore', 'pipe', 'pipe'], ...opts,
  });
}

/* Runs the credlog command without blocking this process (the test proxy
 * lives in it); resolves to {code, stdout, stderr}. */
function credlogAsync(logd, args) {
  return new Promise((resolve) => {
    execFile(need('CREDLOG_BIN'), args, { cwd: logd.dir, encoding: 'utf8',
      env: { ...process.env, XDG_CONFIG_HOME: path.join(logd.dir, 'xdg') } },
    (e, stdout, stderr) => resolve({ code: e ? e.code : 0, stdout, stderr }));
  });
}

/* credlog key FILE [--salt HEX]: the credkey/v1 key of a file, hex. */
function keyOf(logd, file, salt) {
  const args = ['key', file, '--json', ...(salt ? ['--salt', salt] : [])];
  return JSON.parse(credlog(logd, args)).key;
}

/* Issues (or revokes) a credential key with the demo issuer through credlog
 * issue --hash; returns the receipt (a JSON object). */
function issueKey(logd, key, type = 'issue', extra = []) {
  const out = credlog(logd, [type, '--log', logd.url, '--log-key', logd.vkey, '--key', logd.issuerKey,
    ...extra, '--hash', key]);
  return JSON.parse(out.trim().split('\n').pop());
}

/* A proxy in front of target: forwards everything, except that
 * rewrite(path, body) may change an answer's body (a string) and
 * proxy.down = true makes every request fail at the connection. */
async function startProxy(target) {
  const p = { rewrite: null, down: false };
  const server = http.createServer((req, res) => {
    if (p.down) { req.socket.destroy(); return; }
    const up = http.request(target + req.url, { method: req.method, headers: req.headers }, (ur) => {
      const chunks = [];
      ur.on('data', (c) => chunks.push(c));
      ur.on('end', () => {
        let body = Buffer.concat(chunks);
        if (p.rewrite) {
          const out = p.rewrite(req.url, body.toString('utf8'));
          if (out !== undefined) body = Buffer.from(out, 'utf8');
        }
        const headers = { ...ur.headers, 'content-length': String(body.length) };
        delete headers['transfer-encoding'];
        res.writeHead(ur.statusCode, headers);
        res.end(req.method === 'HEAD' ? undefined : body);
      });
    });
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  p.url = `http://127.0.0.1:${server.address().port}`;
  p.close = () => new Promise((r) => { server.closeAllConnections(); server.close(r); });
  return p;
}

async function launch() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true });
  return browser;
}

/* A new page on url with the page's errors and any request to another
 * origin recorded; resolves when the page says it is ready. init, if
 * given, runs in the page before its own scripts. */
async function openPage(browser, url, ctxOpts = {}, init = null) {
  const ctx = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Amsterdam', ...ctxOpts });
  if (init) await ctx.addInitScript(init);
  const page = await ctx.newPage();
  const errors = [], foreign = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('request', (r) => { if (new URL(r.url()).origin !== new URL(url).origin) foreign.push(r.url()); });
  await page.goto(url + '/');
  await page.waitForSelector('body[data-ready="true"]');
  return { ctx, page, errors, foreign };
}

/* Chooses files through the labelled file input and waits for a verdict. */
async function chooseFiles(page, files) {
  await page.getByLabel(/choose files|bestanden kiezen/i).setInputFiles(files);
  return verdictOf(page);
}

async function verdictOf(page) {
  await page.waitForSelector('#result .verdict');
  return page.evaluate(() => {
    const v = document.querySelector('#result .verdict');
    const failed = v.querySelector('[data-failed]');
    return {
      verdict: v.dataset.verdict,
      failed: failed ? failed.dataset.failed : null,
      text: v.innerText,
      checks: Object.fromEntries([...document.querySelectorAll('#checks li')].map((li) => [li.dataset.check, li.dataset.state])),
      focused: document.activeElement && document.activeElement.id,
    };
  });
}

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(artifacts(), name.replace(/\W+/g, '_') + '.png'), fullPage: true });
}

/* Writes a file into dir; returns its path. */
function writeFile(dir, name, data) {
  const p = path.join(dir, name);
  fs.writeFileSync(p, data);
  return p;
}

/* The axe-core scan of the page as it is now (axe injected through CDP, as
 * the page's CSP forbids inline scripts); resolves to the violations. */
async function axe(page) {
  const src = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(src);
  return page.evaluate(async () => {
    const r = await globalThis.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return r.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
}

module.exports = { need, artifacts, waitFor, startLogd, startWitness, credlog, credlogAsync, keyOf, issueKey, startProxy, launch, openPage,
  chooseFiles, verdictOf, screenshot, writeFile, axe };
