/*
 * ui.js: the page itself. Reads the chosen or dropped files (locally: only
 * the credential's key goes to the log), sorts them into credential,
 * receipt and bundle, runs verify.js, and shows one verdict in the live
 * region with every check under it. Also the log key and its pin, the
 * language switch, the test-log label and the insecure-context message.
 *
 * Served by a log (web/config.json answers), the page asks its own origin
 * and trusts the key it serves (or the pinned one). Not served by a log
 * (saved as credlog-page.html and opened from disk, or put on another
 * server), it asks the log whose address the person enters and trusts only
 * the key they enter: pinned per address, as the served key is per host.
 */
(function (CL) {
  'use strict';
  const B = CL.bytes, t = (id, v) => CL.i18n.t(id, v);
  const MAX_FILE = 50 * 1024 * 1024;
  const $ = (id) => document.getElementById(id);
  /* The pins are per log: its host when it served the page, else the
   * address entered. The witness policy pinned with the key: its text, ""
   * for none (a log without a policy), absent when the pin predates
   * policies. */
  const pinWhere = () => (state.manual ? state.base : location.host);
  const PIN_KEY = () => 'credlog.logkey ' + pinWhere();
  const PIN_POLICY = () => 'credlog.witness-policy ' + pinWhere();
  /* manual: not served by a log; base: the entered log's address, with a
   * final slash (null until entered); logConfig: that log's config.json. */
  const state = { config: null, manual: false, base: null, logConfig: null, served: null, pinned: null,
    servedPolicy: undefined, pinnedPolicy: undefined, entered: null, dev: false, last: null, files: null };
  /* A text of the page, or its variant for a key the person entered. */
  const tk = (id, v) => t(state.manual && CL.i18n.T.en[id + '.entered'] !== undefined ? id + '.entered' : id, v);

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else e.setAttribute(k, v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  }

  const secure = () => window.isSecureContext === true && typeof crypto !== 'undefined' &&
    typeof crypto.subtle !== 'undefined';

  /* GET path of the log: relative to the page, or to the entered address
   * (a simple CORS request: no credentials, no custom header). */
  async function fetchText(path) {
    if (state.manual && state.base === null) throw new Error('no log address');
    const url = state.manual ? new URL(path, state.base).href : path;
    const r = await fetch(url, { cache: 'no-store', credentials: 'omit', redirect: 'error' });
    return { status: r.status, text: await r.text() };
  }

  /* The log's witness policy: GET v1/witness-policy when the log's
   * config.json (read once) says there is one, so that a log without one
   * is not asked for it; a log without config.json (a mirror) is asked. */
  function fetchPolicy() {
    const c = state.manual ? state.logConfig : state.config;
    if (c === null && state.manual) return fetchText('v1/witness-policy');
    return c && c.witness_policy === true ? fetchText('v1/witness-policy') : Promise.resolve({ status: 404, text: '' });
  }

  function readPin() {
    try { return localStorage.getItem(PIN_KEY()); } catch (e) { return null; }
  }
  /* undefined: not pinned; null: pinned as "no policy"; else its text. */
  function readPinPolicy() {
    let v = null;
    try { v = localStorage.getItem(PIN_POLICY()); } catch (e) { /* private mode */ }
    return v === null ? undefined : v === '' ? null : v;
  }
  const policyChanged = () => state.pinnedPolicy !== undefined && state.servedPolicy !== undefined &&
    state.pinnedPolicy !== state.servedPolicy;

  /* ---- formatting ---- */

  function when(ms) {
    if (!Number.isFinite(ms)) return '';
    const d = new Date(ms);
    const local = new Intl.DateTimeFormat(CL.i18n.lang === 'nl' ? 'nl-NL' : 'en-GB',
      { dateStyle: 'long', timeStyle: 'short' }).format(d);
    return local + ' (' + d.toISOString().replace('.000Z', 'Z') + ')';
  }

  /* An issuer name as credlog shows it: anything but printable ASCII as
   * \u{XXXX}, so that a look-alike cannot pass for another name. */
  function shownName(s) {
    let out = '';
    for (const ch of s) {
      const c = ch.codePointAt(0);
      if (ch === '\\') out += '\\\\';
      else if (c >= 0x20 && c < 0x7f) out += ch;
      else out += '\\u{' + c.toString(16).toUpperCase().padStart(4, '0') + '}';
    }
    return out;
  }

  /* ---- rendering ---- */

  function applyTexts() {
    document.documentElement.lang = CL.i18n.lang;
    for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
    $('lang-nl').setAttribute('aria-pressed', String(CL.i18n.lang === 'nl'));
    $('lang-en').setAttribute('aria-pressed', String(CL.i18n.lang === 'en'));
    document.title = 'credlog: ' + t('title');
    if (!secure()) { $('nosupport').textContent = t('insecure'); $('nosupport').hidden = false; }
    $('about-1').textContent = t(state.manual ? 'about.saved' : 'about.1');
    $('logkey-what').textContent = tk('logkey.what');
    $('source-state').textContent = state.base ? t('source.using', { url: state.base }) : '';
    showKey();
    if (state.last) render(state.last, false);
  }

  function showKey() {
    $('vkey').textContent = state.served || state.pinned || tk('pin.unknown');
    const ps = $('pin-state');
    ps.classList.remove('alarm');
    ps.removeAttribute('role');
    if (state.pinned && state.served && state.pinned !== state.served) {
      ps.textContent = tk('pin.changed', { pinned: state.pinned });
      ps.classList.add('alarm');
      ps.setAttribute('role', 'alert');
    } else if (state.pinned && policyChanged()) {
      ps.textContent = t('pin.policychanged');
      ps.classList.add('alarm');
      ps.setAttribute('role', 'alert');
    } else if (state.pinned) {
      ps.textContent = tk('pin.same');
    } else {
      ps.textContent = state.served ? tk('pin.none') : tk('pin.unknown');
    }
    $('pin').hidden = !state.served || (state.pinned === state.served && !policyChanged() &&
      !(state.pinnedPolicy === undefined && state.servedPolicy !== undefined));
    $('policy').textContent = state.servedPolicy === undefined ? t('policy.unknown')
      : state.servedPolicy === null ? t('policy.none') : t('policy.some');
    $('unpin').hidden = !state.pinned;
  }

  function facts(r) {
    const f = r.facts, dl = el('dl');
    const row = (k, v, cls) => { if (v !== undefined && v !== null && v !== '') dl.append(el('dt', {}, t(k)), el('dd', cls ? { class: cls } : {}, v)); };
    if (r.verdict === 'valid' || r.verdict === 'revoked') {
      row('f.issuer', shownName(f.issuer));
      if (f.identity && Object.keys(f.identity).length)
        row('f.identity', Object.entries(f.identity).map(([k, v]) => (k === 'name' ? shownName(v) : k + ': ' + v)).join(', '));
      if (f.credIssuer) {
        const ids = f.credIssuer.ids.map((id) => (id.kind === 'brin' ? 'BRIN ' : '') + id.value).join(', ');
        row('f.credissuer', f.credIssuer.result === 'none' ? t('ci.none')
          : ids + (f.credIssuer.result === 'match' ? ' (' + t('ci.match') + ')' : ' (' + t('ci.notchecked') + ')'));
      }
      row('f.issued', when(f.issuedMs));
    }
    if (r.verdict === 'valid') row('f.asof', when(f.asOf));
    if (r.verdict === 'revoked') {
      row('f.revoked', when(f.revokedMs));
      row('f.reason', t('reason.' + f.reason));
    }
    if (r.verdict === 'valid' || r.verdict === 'revoked' || r.verdict === 'notissued') {
      if (f.issueIndex) row('f.index', f.issueIndex + (f.revokeIndex ? ' / ' + f.revokeIndex : ''));
      row('f.log', f.origin + (f.size ? ' (' + t('f.size').toLowerCase() + ' ' + f.size + ')' : ''));
    }
    if (f.key) {
      row('f.profile', f.profile + (f.container && f.container !== 'none' ? ' (' + f.container + ')' : ''));
      row('f.key', f.key, 'mono');
      if (r.verdict === 'notissued') row('f.digest', f.digest, 'mono');
    }
    return dl;
  }

  function render(r, focus) {
    const box = $('result');
    /* A failure interrupts; any other verdict waits its turn. */
    box.setAttribute('aria-live', r.verdict === 'unverifiable' ? 'assertive' : 'polite');
    box.replaceChildren();
    const icon = { valid: '✓', revoked: '✗', notissued: '?', unverifiable: '!' }[r.verdict];
    const h = el('h2', { tabindex: '-1', id: 'verdict-h' }, el('span', { class: 'icon', 'aria-hidden': 'true' }, icon),
      t('verdict.' + r.verdict));
    const v = el('div', { class: 'verdict ' + r.verdict, 'data-verdict': r.verdict }, h);
    if (state.dev) v.append(el('p', { class: 'banner testlog' }, t('testlog.short')));
    if (r.verdict === 'valid') {
      v.append(el('p', {}, t('valid.text', { issuer: shownName(r.facts.issuer), asof: when(r.facts.asOf) })));
    } else if (r.verdict === 'revoked') {
      v.append(el('p', {}, t('revoked.text')));
    } else if (r.verdict === 'notissued') {
      v.append(el('p', {}, t('notissued.text')));
      v.append(el('p', {}, r.facts.salted ? t('notissued.salted') : t('notissued.salt')));
    } else {
      v.append(el('p', { 'data-failed': r.failed }, t('unverifiable.text', { check: t('c.' + r.failed), why: tk('w.' + r.why, r.vars) })));
      v.append(el('p', {}, t('unverifiable.none')));
      v.append(el('p', { class: 'next' }, t(r.why === 'network' || r.why === 'http' ? 'next.network' : 'next.default')));
    }
    v.append(facts(r));
    box.append(v);
    const list = $('checks');
    list.replaceChildren();
    for (const c of r.checks) {
      const why = c.why ? tk('w.' + c.why, c.vars) : '';
      const detail = [why, c.state !== 'failed' || !why ? c.detail : ''].filter(Boolean).join(' ');
      list.append(el('li', { class: c.state, 'data-check': c.id, 'data-state': c.state },
        el('span', { class: 'state' }, el('span', { class: 'icon', 'aria-hidden': 'true' },
          { passed: '✓', failed: '✗', notrun: '–' }[c.state]), t('state.' + c.state)),
        el('span', {}, t('c.' + c.id), detail ? el('span', { class: 'detail' }, detail) : null)));
    }
    $('checks-box').hidden = false;
    $('chosen').textContent = state.files ? t('chosen', { files: state.files }) : '';
    if (focus) h.focus();
  }

  /* ---- input ---- */

  async function check(fileList) {
    const files = [];
    for (const f of fileList) {
      if (f.size > MAX_FILE) return message(t('err.toolarge', { name: f.name }));
      try {
        files.push({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
      } catch (e) {
        return message(t('err.read', { name: f.name }));
      }
    }
    if (files.length === 0) return;
    if (state.manual) {
      const e = await useLog();
      if (e) return message(t(e));
    }
    const c = CL.verify.gather(files);
    if (c.error) return message(t(c.error));
    state.files = files.map((f) => f.name).join(', ');
    $('result').replaceChildren(el('p', {}, '…'));
    /* The log's key and policy, fetched once for this verification: what
     * the page shows is what it verifies with. */
    await refreshKey();
    const r = await CL.verify.run(c.input, { fetchText, servedKey: state.served, pinned: state.pinned,
      servedPolicy: state.servedPolicy, pinnedPolicy: state.pinned ? state.pinnedPolicy : undefined,
      now: Date.now(), secure: secure() });
    state.last = r;
    render(r, true);
  }

  function message(text) {
    state.last = null;
    $('checks-box').hidden = true;
    $('result').replaceChildren(el('p', { class: 'banner alarm' }, text));
  }

  /* Not served by a log: takes the entered address and key (again if
   * they changed), reading that log's config.json once. Resolves to null,
   * or the id of a message saying what is missing. */
  async function useLog() {
    const raw = $('log-url').value.trim(), key = $('log-vkey').value.trim();
    let u = null;
    try { u = new URL(raw); } catch (e) { /* below */ }
    if (raw === '' || key === '') return 'err.nolog';
    if (u === null || (u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password) return 'err.url';
    if (/\s/.test(key) || (await CL.note.parseVkey(key)) === null) return 'err.vkey';
    u.search = ''; u.hash = '';
    if (!u.pathname.endsWith('/')) u.pathname += '/';
    if (state.base !== u.href) {
      state.base = u.href;
      try {
        const r = await fetchText('web/config.json');
        state.logConfig = r.status === 200 ? JSON.parse(r.text) : null;
      } catch (e) {
        state.logConfig = null;
      }
      state.dev = state.logConfig !== null && state.logConfig.dev === true;
      $('testlog').hidden = !state.dev;
      $('source-state').textContent = t('source.using', { url: state.base });
    }
    state.entered = key;
    await refreshKey();
    return null;
  }

  async function refreshKey() {
    state.pinned = state.manual && state.base === null ? null : readPin();
    state.pinnedPolicy = state.manual && state.base === null ? undefined : readPinPolicy();
    if (state.manual) {
      /* The key the person entered stands where a served key would. */
      state.served = state.base === null ? null : state.entered;
    } else {
      try {
        const r = await fetchText('v1/log-key');
        state.served = r.status === 200 ? r.text.trim() : null;
      } catch (e) {
        state.served = null;
      }
    }
    if (state.manual && state.base === null) {
      state.servedPolicy = undefined;
      return showKey();
    }
    try {
      const r = await fetchPolicy();
      state.servedPolicy = r.status === 200 ? r.text : r.status === 404 ? null : undefined;
    } catch (e) {
      state.servedPolicy = undefined;
    }
    showKey();
  }

  async function init() {
    CL.i18n.set(CL.i18n.pick(), false);
    applyTexts();
    $('lang-nl').addEventListener('click', () => { CL.i18n.set('nl', true); applyTexts(); });
    $('lang-en').addEventListener('click', () => { CL.i18n.set('en', true); applyTexts(); });
    const input = $('file');
    input.addEventListener('change', () => { check(input.files); });
    const drop = $('drop');
    for (const ev of ['dragenter', 'dragover']) {
      document.addEventListener(ev, (e) => { e.preventDefault(); drop.classList.add('over'); });
    }
    document.addEventListener('dragleave', (e) => { if (e.target === drop) drop.classList.remove('over'); });
    document.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      if (e.dataTransfer && e.dataTransfer.files.length) check(e.dataTransfer.files);
    });
    $('again').addEventListener('click', () => {
      state.last = null; state.files = null;
      input.value = '';
      $('result').replaceChildren();
      $('checks-box').hidden = true;
      $('chosen').textContent = '';
      input.focus();
    });
    $('pin').addEventListener('click', () => {
      if (!state.served) return;
      try {
        localStorage.setItem(PIN_KEY(), state.served);
        if (state.servedPolicy !== undefined) localStorage.setItem(PIN_POLICY(), state.servedPolicy || '');
        else localStorage.removeItem(PIN_POLICY());
      } catch (e) { /* private mode */ }
      state.pinned = state.served;
      state.pinnedPolicy = state.servedPolicy;
      showKey();
    });
    $('unpin').addEventListener('click', () => {
      try { localStorage.removeItem(PIN_KEY()); localStorage.removeItem(PIN_POLICY()); } catch (e) { /* private mode */ }
      state.pinned = null;
      state.pinnedPolicy = undefined;
      showKey();
    });
    /* Opened from disk there is no log to ask (and a browser refuses
     * file: requests). */
    if (location.protocol !== 'file:') {
      try {
        const r = await fetchText('web/config.json');
        state.config = r.status === 200 ? JSON.parse(r.text) : null;
      } catch (e) {
        state.config = null;
      }
    }
    state.dev = state.config !== null && state.config.dev === true;
    state.manual = state.config === null;
    $('testlog').hidden = !state.dev;
    $('source').hidden = !state.manual;
    $('save-p').hidden = state.manual;
    applyTexts();
    /* A file chosen before the log was entered is checked once it is. */
    $('use-log').addEventListener('click', async () => {
      const e = await useLog();
      if (e) message(t(e));
      else if (input.files.length > 0) check(input.files);
      else if (!state.last) { $('result').replaceChildren(); $('checks-box').hidden = true; }
    });
    await refreshKey();
    document.body.dataset.ready = 'true';
  }

  document.addEventListener('DOMContentLoaded', init);
})(globalThis.CL = globalThis.CL || {});
