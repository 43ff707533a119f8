// Helpers of the browser tests and the dashboard benchmark: the
// configuration from the environment, Chromium, signing in, waiting for a
// page to be done, watching a page for errors, axe, the keyboard walk and
// the figures of a page (tests/browser/README.md).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);

// RETENTIOND_URL, RETENTIOND_LOGINS (lines NAME:ROLE:BRANCH:PASSWORD),
// RETENTIOND_SPARE_USER (the name of a login that visits no page: the one
// whose password a case changes, so that no other case signs in with a
// password gone stale; spare, null without one), RETENTIOND_SHOTS (the
// screenshots' folder; "none": none taken, shots null).
export function config() {
  const url = process.env.RETENTIOND_URL;
  if (!url) throw new Error('RETENTIOND_URL is not set (tests/browser/run sets it)');
  const logins = (process.env.RETENTIOND_LOGINS || '').split('\n').filter(Boolean).map((line) => {
    const [name, role, branch, ...rest] = line.split(':');
    const label = role === 'branch_manager' ? `manager-${branch}` : role;
    return { name, role, branch: branch || null, password: rest.join(':'), label };
  });
  const spareName = process.env.RETENTIOND_SPARE_USER;
  const users = logins.filter((u) => u.name !== spareName);
  const spare = logins.find((u) => u.name === spareName) ?? null;
  const shots = process.env.RETENTIOND_SHOTS || 'screenshots';
  return { url: url.replace(/\/$/, ''), users, spare, shots: shots === 'none' ? null : shots };
}

// Runs one SQL statement on the tests' database (psql, its conninfo from
// tests/browser/run): what it prints, unaligned, trimmed. For rows a case
// needs that no page makes (and removes again), never for a figure.
// The conninfo's words go to psql as its environment (PGHOST, ...), so that
// a failing statement's message does not show the password.
export function sql(statement) {
  const db = process.env.RETENTIOND_BROWSER_DB;
  if (!db) throw new Error('RETENTIOND_BROWSER_DB is not set (tests/browser/run sets it)');
  const env = { ...process.env };
  for (const word of db.split(/\s+/).filter(Boolean)) {
    const [key, ...value] = word.split('=');
    env[`PG${key === 'dbname' ? 'DATABASE' : key.toUpperCase()}`] = value.join('=');
  }
  return execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-tA', '-c', statement],
    { encoding: 'utf8', env }).trim();
}

// A screenshot of page for people to look at, as NAME.png in the
// screenshots' folder; none when RETENTIOND_SHOTS is "none" (CI, where
// nobody looks: a full page at 390 px costs about a second).
export async function shot(page, name, options = {}) {
  const { shots } = config();
  if (!shots) return;
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), ...options });
}

export function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}

// Signs in through the sign-in form on page (which may already show it):
// puts the name and the password in its fields (typed key by key when
// typed; the page has no script: the same form either way), submits, and
// waits for the answer's page.
export async function signIn(page, base, user, { next, typed = false } = {}) {
  if (!new URL(page.url(), base).pathname.startsWith('/login') || page.url() === 'about:blank')
    await page.goto(base + '/login' + (next ? '?next=' + encodeURIComponent(next) : ''));
  await page.locator('#user').fill(typed ? '' : user.name);
  await page.locator('#password').fill(typed ? '' : user.password);
  if (typed) {
    await page.locator('#user').pressSequentially(user.name);
    await page.locator('#password').pressSequentially(user.password);
  }
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/login' || u.searchParams.has('error')),
    page.locator('form[action="/login"] button[type=submit]').click(),
  ]);
}

// Waits until the page is done: body[data-ready="1"], which the pages set
// once every request is answered and every chart drawn. A page without the
// attribute once the network is idle (no request for 500 ms) is taken as
// done, so that pages which do not set it yet still load: returns
// 'networkidle' then, else 'ready'. A page that has the attribute, "0" say,
// is waited for.
export async function waitDone(page, timeout = 20000) {
  let idle = false;
  page.waitForLoadState('networkidle', { timeout }).then(() => { idle = true; }, () => {});
  for (const t0 = Date.now(); ; await new Promise((r) => setTimeout(r, 50))) {
    const attr = await page.evaluate(() => document.body?.dataset.ready).catch(() => undefined);
    if (attr === '1') return 'ready';
    if (idle && attr === undefined) return 'networkidle';
    if (Date.now() - t0 > timeout)
      throw new Error(`not done within ${timeout} ms: body data-ready=${attr}, network ${idle ? 'idle' : 'busy'}`);
  }
}

// Collects what goes wrong on page from now on: console errors, uncaught
// exceptions, failed requests and answers >= 400, but those whose URL
// matches one of allow (RegExps), whose URLs go to the set seen instead.
// stop() detaches and returns the list.
export function watch(page, allow = [], seen = new Set()) {
  const problems = [];
  const allowed = (url) => allow.some((re) => re.test(url || '')) && seen.add(url);
  const onConsole = (m) => {
    if (m.type() === 'error' && !allowed(m.location().url))
      problems.push(`console error: ${m.text()}${m.location().url ? ' (' + m.location().url + ')' : ''}`);
  };
  const onError = (e) => problems.push(`uncaught: ${e.message}`);
  const onFailed = (r) => {
    if (!allowed(r.url())) problems.push(`request failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`);
  };
  const onResponse = (r) => {
    if (r.status() >= 400 && !allowed(r.url())) problems.push(`${r.status()} for ${r.request().method()} ${r.url()}`);
  };
  page.on('console', onConsole);
  page.on('pageerror', onError);
  page.on('requestfailed', onFailed);
  page.on('response', onResponse);
  return {
    problems,
    stop() {
      page.off('console', onConsole);
      page.off('pageerror', onError);
      page.off('requestfailed', onFailed);
      page.off('response', onResponse);
      return problems;
    },
  };
}

// axe-core in the page, by evaluation: the pages' Content-Security-Policy
// (default-src 'self') refuses page.addScriptTag's inline script, but not
// what the DevTools protocol evaluates. Returns the violations of the given
// impacts.
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export async function axeViolations(page, impacts = ['serious', 'critical']) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.filter((v) => impacts.includes(v.impact));
}

export function formatViolations(violations) {
  return violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.helpUrl})\n` +
    v.nodes.slice(0, 5).map((n) => `      ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`).join('\n') +
    (v.nodes.length > 5 ? `\n      ... and ${v.nodes.length - 5} more` : '')).join('\n    ');
}

// The controls the keyboard must reach: visible (not in a closed
// <details>), enabled, not taken out of the tab order. Each gets data-kb="N"; returns [{kb, what}].
const FOCUSABLE = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
export async function markControls(page) {
  return page.evaluate((selector) => {
    const out = [];
    document.querySelectorAll(selector).forEach((el, i) => {
      const s = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      // checkVisibility: not inside a closed <details> either (its content
      // keeps a box there, but Tab passes it by)
      if (el.disabled || el.tabIndex < 0 || el.closest('[inert]') || s.visibility !== 'visible' ||
          (r.width === 0 && r.height === 0) || !el.checkVisibility()) return;
      el.dataset.kb = String(i);
      const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30);
      out.push({ kb: String(i), what: `<${el.localName}${el.id ? '#' + el.id : ''}>${text}` +
        (el.getAttribute('href') ? ` (${el.getAttribute('href')})` : '') });
    });
    return out;
  }, FOCUSABLE);
}

// Presses Tab until every control was reached or three times their number
// (plus a few, for the wrap-around out of the page); returns, for each
// control reached, whether its focus showed (an outline or a box-shadow).
// rings, when given, gets for each control focused with an outline the
// contrast of the outline's colour against white and against the
// background it is drawn on (the nearest ancestor's that is not
// transparent), the lower of the two. A focusin listener notes each control
// as it gets the focus, so that a press costs one round trip.
export async function tabWalk(page, controls, rings = new Map()) {
  await page.evaluate(() => {
    window.__kbSeen = {};
    window.__kbRing = {};
    const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const ratio = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
    const behind = (el) => {
      for (let p = el.parentElement; p; p = p.parentElement) {
        const c = rgb(getComputedStyle(p).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c;
      }
      return [255, 255, 255];
    };
    document.addEventListener('focusin', (e) => {
      const el = e.target;
      if (!el.dataset || !el.dataset.kb || el.dataset.kb in window.__kbSeen) return;
      const s = getComputedStyle(el);
      const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
      window.__kbSeen[el.dataset.kb] = outline || (s.boxShadow && s.boxShadow !== 'none');
      if (outline) {
        const c = rgb(s.outlineColor);
        window.__kbRing[el.dataset.kb] = Math.min(ratio(c, [255, 255, 255]), ratio(c, behind(el)));
      }
    });
  });
  const max = 3 * controls.length + 6;
  let seen = {};
  // 25 presses at a time, sent without waiting for each (the browser takes
  // them in order): a round trip per batch, not per press.
  for (let i = 0; i < max; i += 25) {
    await Promise.all(Array.from({ length: Math.min(25, max - i) }, () => page.keyboard.press('Tab')));
    seen = await page.evaluate(() => window.__kbSeen);
    if (Object.keys(seen).length >= controls.length) break;
  }
  for (const [kb, r] of Object.entries(await page.evaluate(() => window.__kbRing))) rings.set(kb, r);
  return new Map(Object.entries(seen));
}

// A picker that loads another page (the as-of date, a month, the brand), as
// a page's own check (pages/NAME.mjs): in Chinese by the keyboard (focus,
// ArrowDown, or ArrowUp on the last option: the value changes but the page
// stays, not reloaded, the focus on the select; then Enter), in English by
// the pointer (another option chosen: the page stays; then the Show button
// of its form); each time the page of the new value loads, in the same
// language, the select showing that value (WCAG 3.2.2). The pickers are the
// same code for every role: a page lists one user (home: a manager's too).
export function pickerCheck(selector, param, users) {
  return {
    name: `picker ${selector} loads its page on Enter or its Show button, not on a change (zh, en)`,
    users,
    async run({ page, base, p }) {
      for (const lang of ['zh', 'en']) {
        if (lang === 'en') {
          await page.goto(base + p.path + (p.path.includes('?') ? '&' : '?') + 'lang=en');
          await waitDone(page);
        }
        const select = page.locator(selector);
        const url = page.url();
        const last = await select.evaluate((s) => s.selectedIndex === s.options.length - 1);
        assert.ok(await select.evaluate((s) => s.options.length > 1), `${selector} has one option only`);
        const loads = [];
        const onRequest = (r) => { if (r.isNavigationRequest() && r.frame() === page.mainFrame()) loads.push(r.url()); };
        page.on('request', onRequest);
        await page.evaluate(() => { window.__picked = true; });
        const before = await select.inputValue();
        if (lang === 'zh') {
          await select.focus();
          await page.keyboard.press(last ? 'ArrowUp' : 'ArrowDown');
        } else {
          await select.selectOption({ index: await select.evaluate((s) => s.selectedIndex + (s.selectedIndex === s.options.length - 1 ? -1 : 1)) });
        }
        await page.waitForTimeout(500);
        page.off('request', onRequest);
        const now = await page.evaluate((sel) => ({ same: window.__picked === true, focus: document.activeElement?.matches(sel),
          value: document.querySelector(sel)?.value }), selector).catch((e) => ({ error: e.message }));
        assert.deepEqual(loads, [], `${lang}: a change of ${selector} loaded a page`);
        assert.equal(page.url(), url, `${lang}: the URL changed`);
        assert.equal(now.same, true, `${lang}: the page was reloaded (${now.error || ''})`);
        assert.notEqual(now.value, before, `${lang}: ${selector} did not change`);
        if (lang === 'zh') assert.equal(now.focus, true, `${lang}: the focus left ${selector}`);
        await Promise.all([page.waitForURL((u) => u.searchParams.get(param) === now.value),
          lang === 'zh' ? page.keyboard.press('Enter')
            : page.locator(`form:has(${selector}) button[type=submit]`).click()]);
        await waitDone(page);
        assert.equal(new URL(page.url()).searchParams.get('lang'), lang === 'en' ? 'en' : null, `${lang}: ${page.url()}`);
        assert.equal(await page.locator(selector).inputValue(), now.value, `${lang}: the new page's ${selector}`);
        assert.equal(await page.evaluate(() => document.body.dataset.error ?? null), null, `${lang}: ${page.url()} failed`);
      }
    },
  };
}

// A page's own check at 390x844, in Chinese and English, of each of paths
// (default: the page's): axe finds no serious or critical violation (among
// them scrollable-region-focusable: a box scrolling sideways that the
// keyboard cannot reach), and every box that does scroll sideways is a
// region, named (the table's caption), in the tab order.
export function narrowAxeCheck(users, paths = null) {
  return {
    name: 'at 390 px (zh, en): no serious axe violation; each box scrolling sideways is a named region Tab reaches',
    users,
    async run({ page, base, p }) {
      const problems = [];
      await page.setViewportSize({ width: 390, height: 844 });
      for (const path of paths || [p.path]) {
        for (const lang of ['zh', 'en']) {
          const url = base + path + (lang === 'en' ? (path.includes('?') ? '&' : '?') + 'lang=en' : '');
          await page.goto(url);
          await waitDone(page);
          const v = await axeViolations(page);
          if (v.length) problems.push(`${path} ${lang}: ${v.length} axe violations:\n    ${formatViolations(v)}`);
          const boxes = await page.evaluate(() => [...document.querySelectorAll('main *')]
            .filter((e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1)
            .map((e) => ({ what: `<${e.localName}.${e.className}> in ${e.parentElement.localName}${e.parentElement.id ? '#' + e.parentElement.id : ''}`,
              tab: e.tabIndex, role: e.getAttribute('role'), name: (e.getAttribute('aria-label') || '').trim() })));
          for (const b of boxes.filter((x) => x.tab < 0 || x.role !== 'region' || !x.name))
            problems.push(`${path} ${lang}: ${b.what} scrolls: tabindex ${b.tab}, role ${b.role}, name "${b.name}"`);
        }
      }
      assert.ok(problems.length === 0, problems.join('\n'));
    },
  };
}

// A page's own check at 390x844, in Chinese and English, of the tables
// matching selector: each fits its box (the box does not scroll sideways,
// so every column is in view), nothing in it sticks out of the box or is
// clipped by an overflow of its own, and no word of it is broken across
// two lines (a word: what is between spaces, Chinese as English; but for
// text set to break anywhere, as a SHA-256 in hex must on a phone).
export function fitCheck(selector, users) {
  return {
    name: `at 390 px (zh, en) ${selector} fits: no sideways scroll, nothing cut, no word broken`,
    users,
    async run({ page, base, p }) {
      const problems = [];
      await page.setViewportSize({ width: 390, height: 844 });
      for (const lang of ['zh', 'en']) {
        await page.goto(base + p.path + (lang === 'en' ? (p.path.includes('?') ? '&' : '?') + 'lang=en' : ''));
        await waitDone(page);
        const found = await page.evaluate((sel) => {
          const out = [];
          const what = (e) => `<${e.localName}${e.className ? '.' + String(e.className).split(' ')[0] : ''}>` +
            `"${(e.innerText || e.textContent || '').trim().slice(0, 30)}"`;
          // what is for screen readers only (.sr-only: a box of 1 px) is left out
          const unseen = (e, t) => {
            for (let x = e; x && x !== t; x = x.parentElement) {
              const r = x.getBoundingClientRect();
              if (r.width <= 1 && r.height <= 1) return true;
            }
            return false;
          };
          const tables = [...document.querySelectorAll(sel)];
          for (const t of tables) {
            const box = t.closest('.scroll') || t.parentElement;
            const b = box.getBoundingClientRect();
            if (box.scrollWidth > box.clientWidth + 1)
              out.push(`${what(t.caption || t)}: its box scrolls sideways (${box.scrollWidth} > ${box.clientWidth} px)`);
            for (const e of t.querySelectorAll('*')) {
              if (unseen(e, t)) continue;
              const r = e.getBoundingClientRect();
              if (r.width && (r.right > b.right + 1 || r.left < b.left - 1))
                out.push(`${what(e)}: ${Math.round(r.left)}-${Math.round(r.right)} px, out of its box ${Math.round(b.left)}-${Math.round(b.right)} px`);
              if (getComputedStyle(e).overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1)
                out.push(`${what(e)}: clipped (${e.scrollWidth} > ${e.clientWidth} px)`);
            }
            const walker = document.createTreeWalker(t, NodeFilter.SHOW_TEXT);
            for (let n = walker.nextNode(); n; n = walker.nextNode()) {
              if (unseen(n.parentElement, t)) continue;
              const style = getComputedStyle(n.parentElement);
              if (style.overflowWrap === 'anywhere' || style.wordBreak === 'break-all') continue;
              for (const m of n.textContent.matchAll(/\S+/g)) {
                const range = document.createRange();
                range.setStart(n, m.index);
                range.setEnd(n, m.index + m[0].length);
                const rects = [...range.getClientRects()].filter((x) => x.width > 0);
                if (rects.some((x) => x.top >= rects[0].bottom - 1)) out.push(`"${m[0]}" broken across lines`);
              }
            }
          }
          return { count: tables.length, out };
        }, selector);
        if (!found.count) problems.push(`${lang}: no ${selector}`);
        problems.push(...found.out.map((x) => `${lang}: ${x}`));
      }
      assert.ok(problems.length === 0, `${problems.length} problems:\n${problems.slice(0, 12).join('\n')}`);
    },
  };
}

// Elements that stick out to the right of the viewport (the cause of a
// horizontal scroll), the outermost first.
export async function overflowing(page) {
  return page.evaluate(() => {
    const w = window.innerWidth;
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > w + 0.5 && !out.some((o) => o.el.contains(el)))
        out.push({ el, what: `<${el.localName}${el.className ? '.' + String(el.className).split(' ')[0] : ''}> right edge ${Math.round(r.right)} px` });
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: w, offenders: out.slice(0, 5).map((o) => o.what) };
  });
}

// The figures of a page: every element with data-kpi, data-branch and
// data-field, as {kpi, branch, field, dim, campaign, raw, text}; raw is
// data-raw as a number (null when empty), dim data-dim (null when absent:
// the total), campaign data-campaign as a number (null when absent).
export async function figures(page, scope = 'body') {
  return page.locator(`${scope} [data-kpi][data-branch][data-field]`).evaluateAll((els) => els.map((el) => ({
    kpi: el.dataset.kpi, branch: el.dataset.branch, field: el.dataset.field,
    dim: el.dataset.dim ?? null, campaign: el.dataset.campaign ? Number(el.dataset.campaign) : null,
    raw: el.dataset.raw === undefined || el.dataset.raw === '' ? null : Number(el.dataset.raw),
    text: el.textContent.trim(),
  })));
}

// GET path of the API with the page's session; returns {status, body}
// (body parsed when JSON).
export async function api(page, base, path) {
  const r = await page.request.get(base + path, { maxRedirects: 0 });
  const type = r.headers()['content-type'] || '';
  return { status: r.status(), body: type.startsWith('application/json') ? await r.json() : await r.text() };
}

// Compares the figures whose field is one of a /api/v1/kpis value's numbers
// (value, numerator, denominator, target_*, path_*) with the
// API's value of the same kpi, branch, dim and campaign (a figure without
// data-dim: the total, which for satisfaction and satisfaction_gotone is
// the root indicator, csi; without data-campaign: the first campaign).
// Other fields (change, rank, ...) are left out. Returns the differences as
// text, none when every figure matches.
const KPI_FIELDS = ['value', 'numerator', 'denominator', 'target_base', 'target_challenge', 'path_base', 'path_challenge'];
export async function compareWithKpis(page, base, figs, date) {
  const diffs = [];
  const cache = new Map();
  const total = (kpi) => (kpi.startsWith('satisfaction') ? 'csi' : null);
  for (const f of figs.filter((x) => KPI_FIELDS.includes(x.field))) {
    const q = `/api/v1/kpis?branch=${f.branch}&kpi=${f.kpi}${date ? '&date=' + date : ''}`;
    if (!cache.has(q)) cache.set(q, await api(page, base, q));
    const { status, body } = cache.get(q);
    if (status !== 200) { diffs.push(`${q} answered ${status}`); continue; }
    const dim = f.dim ?? total(f.kpi);
    const v = body.values.find((x) => x.dim === dim && (f.campaign === null || x.campaign === f.campaign));
    const what = `${f.kpi} ${f.branch}${dim ? ' ' + dim : ''}${f.campaign !== null ? ' campaign ' + f.campaign : ''} ${f.field}`;
    if (!v) { diffs.push(`${what}: no such value in ${q}`); continue; }
    const want = v[f.field];
    const same = want === null ? f.raw === null : f.raw !== null && Math.abs(f.raw - want) <= 1e-9 * Math.max(1, Math.abs(want));
    if (!same) diffs.push(`${what}: page ${f.raw} ("${f.text}"), API ${want}`);
  }
  return diffs;
}
