// The dashboard's end-to-end tests in Debian's Chromium (playwright-core),
// against a running daemon: tests/browser/run sets it up and passes
// RETENTIOND_URL, RETENTIOND_LOGINS and RETENTIOND_SHOTS
// (tests/browser/README.md). Every page of pages.mjs, as every user it is
// for: it loads clean, its screenshots, axe, the keyboard, ?lang=en, the
// sign-out; its own checks from pages/NAME.mjs; signed out, the redirect to
// the sign-in page and back; a branch manager editing URLs to other
// branches. RETENTIOND_BROWSER_ONLY=REGEXP runs the cases whose name matches.
// Prints one line per case and "browser: N passed, N failed, N skipped"
// (skipped: pending checks); exits 1 on any failure.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { request } from 'playwright-core';
import * as lib from './lib.mjs';
import { FOREIGN, KNOWN, PAGES } from './pages.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const cfg = lib.config();
const base = cfg.url;
const ONLY = process.env.RETENTIOND_BROWSER_ONLY ? new RegExp(process.env.RETENTIOND_BROWSER_ONLY) : null;
const SIZES = [[1366, 768], [390, 844]];
const counts = { passed: 0, failed: 0, skipped: 0 };
const failed = [];
const notes = new Set();
const notReady = new Set(); // pages done by the network, not body[data-ready]
const knownSeen = new Set(); // URLs of KNOWN answers met

// A case: runs fn, prints one line. A case with a pending reason that
// fails is counted as skipped; one that passes gets a note. Returns false
// when not run (RETENTIOND_BROWSER_ONLY).
async function test(name, fn, pending) {
  if (ONLY && !ONLY.test(name)) return false;
  const t0 = Date.now();
  try {
    await fn();
    counts.passed++;
    console.log(`ok      ${name} (${Date.now() - t0} ms)`);
    if (pending) notes.add(`"${name}" passes: take it off pending in pages.mjs (${pending})`);
  } catch (e) {
    const msg = String(e && e.message ? e.message : e).replace(/\n+$/, '');
    if (pending) {
      counts.skipped++;
      const today = msg.split('\n').filter((l) => l.trim()).slice(0, 6).join('\n          ');
      console.log(`pending ${name}: ${pending}\n        today: ${today}`);
    } else {
      counts.failed++;
      // the list closing the run (scripts/test prints it last): each case
      // with its message's first three lines on one line (node's assert
      // puts the values below its first line)
      const why = msg.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 3).join(' | ');
      failed.push(`${name}\n    ${why.slice(0, 300)}`);
      console.log(`FAIL    ${name} (${Date.now() - t0} ms)\n    ${msg.split('\n').join('\n    ')}`);
    }
  }
}

const pathOf = (url) => { const u = new URL(url); return u.pathname + u.search; };
const forUser = (p, user) => !p.users || p.users.includes(user.label);
const allowOf = (p) => [...KNOWN.map((k) => k.url), ...(p.allow || [])];

// pages/NAME.mjs: export const checks = [{name, users?, run(t)}]
async function pageChecks(p) {
  const file = path.join(HERE, 'pages', `${p.name}.mjs`);
  return fs.existsSync(file) ? (await import(pathToFileURL(file))).checks || [] : [];
}

// Loads url at a size and waits until done; returns the answer and the
// problems seen meanwhile. about:blank first, so that what the page before
// still had in flight is not taken for this one's.
async function load(page, p, url, [width, height] = SIZES[0]) {
  await page.goto('about:blank');
  await page.setViewportSize({ width, height });
  const w = lib.watch(page, allowOf(p), knownSeen);
  const resp = await page.goto(url);
  if ((await lib.waitDone(page)) === 'networkidle') notReady.add(p.name);
  return { resp, problems: w.stop() };
}

async function loadClean(page, p, url, size) {
  const { resp, problems } = await load(page, p, url, size);
  assert.equal(pathOf(page.url()), pathOf(url), `landed on ${page.url()}`);
  assert.equal(resp.status(), 200, `${url} answered ${resp.status()}`);
  assert.deepEqual(problems, [], `problems while loading ${url}`);
}

// The generic cases of page p, as user (null: signed out), on page. The
// cases that only look (frame, axe, the first screenshot) share the load of
// the first case when it was clean; the others load the page afresh.
async function pageCases(page, user, p) {
  const who = user ? user.label : 'anonymous';
  const pend = p.pending || {};
  const url = base + p.path;
  const name = (what) => `${who} ${p.name}: ${what}`;
  let loaded = false; // the page is as the load case left it
  const ensureLoaded = async () => { if (!loaded) await loadClean(page, p, url); loaded = false; };

  await test(name('loads with no console error, no failed request, no answer >= 400'), async () => {
    await loadClean(page, p, url);
    loaded = true;
  }, pend.load);

  if (user) {
    await test(name('header has nav and form.signout with its CSRF field'), async () => {
      await ensureLoaded();
      assert.equal(await page.locator('header nav').count(), 1, 'header nav');
      const form = page.locator('header form.signout[method=post][action="/logout"]');
      assert.equal(await form.count(), 1, 'header form.signout posting to /logout');
      assert.ok(await form.locator('input[name=csrf]').inputValue(), 'an empty csrf field');
      assert.ok(await form.locator('button[type=submit]').isVisible(), 'no visible sign-out button');
      loaded = true;
    }, pend.frame);
  }

  await test(name('axe: no serious or critical violation'), async () => {
    await ensureLoaded();
    const v = await lib.axeViolations(page);
    loaded = true;
    assert.ok(v.length === 0, `${v.length} violations:\n    ${lib.formatViolations(v)}`);
  }, pend.axe);

  await test(name('screenshots at 1366x768 and 390x844; no horizontal scroll at 390'), async () => {
    for (const size of SIZES) {
      if (size !== SIZES[0]) await loadClean(page, p, url, size);
      else await ensureLoaded();
      await lib.shot(page, `${who}-${p.name}-${size[0]}`, { fullPage: true });
      if (size[0] < 1000) {
        const o = await lib.overflowing(page);
        assert.ok(o.scrollWidth <= o.innerWidth,
          `scrollWidth ${o.scrollWidth} > innerWidth ${o.innerWidth}: ${o.offenders.join(', ')}`);
        // the pages' links on one row, not the last one wrapped under the
        // others, in both languages (the English words are the longer)
        for (const lang of ['zh', 'en']) {
          if (lang === 'en') await loadClean(page, p, url + (p.path.includes('?') ? '&' : '?') + 'lang=en', size);
          const tops = await page.$$eval('header nav a', (as) => [...new Set(as.map((a) => a.offsetTop))]);
          assert.ok(tops.length <= 1, `${lang}: the header's links wrap on ${tops.length} rows at ${size[0]} px`);
        }
      }
    }
  }, pend.screens);
  loaded = false;

  await test(name('Tab reaches every link, button and field, focus visible (3:1)'), async () => {
    await loadClean(page, p, url);
    const controls = await lib.markControls(page);
    const rings = new Map();
    const seen = await lib.tabWalk(page, controls, rings);
    const missed = controls.filter((c) => !seen.has(c.kb)).map((c) => c.what);
    const hidden = controls.filter((c) => seen.get(c.kb) === false).map((c) => c.what);
    const faint = controls.filter((c) => rings.get(c.kb) < 3).map((c) => `${c.what}: ${rings.get(c.kb).toFixed(2)}:1`);
    assert.deepEqual(missed, [], `${missed.length} of ${controls.length} controls not reached by Tab`);
    assert.deepEqual(hidden, [], 'focused without a visible outline or box-shadow');
    assert.ok(rings.size > 0, 'no control focused with an outline');
    assert.ok(faint.length === 0, `${faint.length} of ${rings.size} focus outlines under 3:1 against white or ` +
      `the background behind them (WCAG 1.4.11):\n${faint.slice(0, 5).join('\n')}`);
  }, pend.keyboard);

  await test(name('?lang=en gives <html lang="en">'), async () => {
    const en = url + (p.path.includes('?') ? '&' : '?') + 'lang=en';
    const { resp, problems } = await load(page, p, en);
    assert.equal(resp.status(), 200, `${en} answered ${resp.status()}`);
    assert.deepEqual(problems, []);
    assert.match(await page.evaluate(() => document.documentElement.lang), /^en\b/);
  }, pend.lang);

  await test(name('no label key, null or undefined shown instead of its words (zh and en)'), async () => {
    for (const u of [url, url + (p.path.includes('?') ? '&' : '?') + 'lang=en']) {
      await loadClean(page, p, u);
      // less the identifiers a page shows as such (<code>: the audit log's action names)
      const text = await page.evaluate(() => [...document.querySelectorAll('main code')]
        .reduce((t, c) => t.replace(c.innerText, ''), document.body.innerText));
      // nor a script's missing value
      assert.deepEqual(text.match(/\b(?:null|undefined|NaN)\b/g) || [], [], `${u} shows a missing value`);
      const keys = text.match(/\b(?:policy|tier|reason|legend|status|zone|page|chart|bulletin|report|audit)_[a-z_]+/g) || [];
      assert.deepEqual(keys, [], `${u} shows label keys`);
      // English text punctuated in English (the warehouse's names are Chinese, without these)
      if (u.endsWith('lang=en')) assert.deepEqual(text.match(/[；（）：]/g) || [], [], `${u}: full-width punctuation`);
    }
  }, pend.keys);

  for (const check of await pageChecks(p)) {
    if (user && check.users && !check.users.includes(user.label)) continue;
    if (!user && !p.public) continue;
    await test(name(check.name), async () => {
      await loadClean(page, p, url);
      await check.run({ page, user, base, p, assert, load: () => loadClean(page, p, url),
        api: (q) => lib.api(page, base, q), figures: (scope) => lib.figures(page, scope),
        compareWithKpis: (figs, date) => lib.compareWithKpis(page, base, figs, date) });
    }, pend[check.name]);
  }

  if (user) {
    await test(name('sign-out: back at /login, the session ended, the old page redirects, signing in returns to it'), async () => {
      await loadClean(page, p, url);
      await Promise.all([page.waitForURL((u) => u.pathname === '/login'),
        page.locator('form.signout button[type=submit]').click()]);
      assert.equal((await lib.api(page, base, '/api/v1/me')).status, 401, '/api/v1/me after sign-out');
      await page.goBack();
      const u = new URL(page.url());
      assert.equal(u.pathname, '/login', `back on the old page: ${page.url()}`);
      assert.equal(u.searchParams.get('next'), p.path === '/' ? null : p.path, 'next');
      await lib.signIn(page, base, user);
      assert.equal(pathOf(page.url()), p.path, 'after signing in again');
    }, pend.signout);
  }
}

// A page with one defect of each kind the checks look for, served by
// page.route (without the daemon's Content-Security-Policy, for its inline
// script): each check must find its own.
const PLANTED = `<!DOCTYPE html><html lang="en"><head><title>planted</title></head><body><main>
<h1>planted</h1><p style="color:#bbb;background:#fff">text of too low a contrast</p>
<button id="bare" style="outline:none">focus not shown</button>
<button id="faint" style="outline:3px solid #f0b429">focus too faint</button>
<input id="trap" aria-label="trap" onfocus="document.getElementById('bare').focus()">
<div style="width:600px">wider than a phone</div><img src="/planted-missing.png" alt="">
<script>console.error('planted error'); setTimeout(() => { document.body.dataset.ready = '1'; }, 300)</script>
</main></body></html>`;

async function selfTest(newPage) {
  const page = await newPage();
  await page.route(base + '/planted', (r) => r.fulfill({ contentType: 'text/html', body: PLANTED }));
  await page.route(base + '/planted-bare', (r) => r.fulfill({ contentType: 'text/html', body: '<p>bare</p>' }));
  await page.setViewportSize({ width: 390, height: 844 });
  const w = lib.watch(page);
  await page.goto(base + '/planted');
  assert.equal(await lib.waitDone(page), 'ready', 'waitDone: data-ready set after 300 ms');
  const problems = w.stop().join('\n');
  assert.match(problems, /console error: planted error/);
  assert.match(problems, /404 for GET .*\/planted-missing\.png/);
  assert.ok((await lib.axeViolations(page)).some((v) => v.id === 'color-contrast'), 'axe: color-contrast');
  const controls = await lib.markControls(page);
  const rings = new Map();
  const seen = await lib.tabWalk(page, controls, rings);
  const byId = (id) => controls.find((c) => c.what.startsWith(`<${id === 'trap' ? 'input' : 'button'}#${id}>`)).kb;
  assert.equal(seen.get(byId('bare')), false, 'tabWalk: focus without an outline');
  assert.ok(rings.get(byId('faint')) < 3, `tabWalk: an outline of ${rings.get(byId('faint'))}:1`);
  assert.equal(seen.has(byId('trap')), false, 'tabWalk: a control Tab never stays on');
  const o = await lib.overflowing(page);
  assert.ok(o.scrollWidth > o.innerWidth && o.offenders.some((x) => x.startsWith('<div')), 'overflowing');
  await page.goto(base + '/planted-bare');
  assert.equal(await lib.waitDone(page), 'networkidle', 'waitDone: a page without data-ready');
  await page.context().close();
}

// Signed out, on about:blank: away from the page first, since the pages'
// scripts send a page whose API calls answer 401 to the sign-in page (with
// its path as next), which could happen while the next case's page loads.
async function signedOut(page) {
  await page.goto('about:blank');
  await page.context().clearCookies();
}

// A request context signed in as user (for reading the API beside a page).
async function apiAs(user) {
  const rc = await request.newContext({ baseURL: base });
  const r = await rc.post('/login', { form: { user: user.name, password: user.password }, maxRedirects: 0 });
  if (r.status() !== 303 || (r.headers().location || '').startsWith('/login'))
    throw new Error(`${user.name} cannot sign in: ${r.status()} ${r.headers().location}`);
  return rc;
}

async function branchNames(user) {
  const rc = await apiAs(user);
  const names = new Map();
  const walk = (list) => list.forEach((b) => { names.set(b.code, b.name); walk(b.children || []); });
  walk((await (await rc.get('/api/v1/branches')).json()).branches);
  await rc.dispose();
  return names;
}

async function main() {
  const browser = await lib.launch();
  const newPage = async () => {
    const ctx = await browser.newContext({ viewport: { width: SIZES[0][0], height: SIZES[0][1] } });
    const page = await ctx.newPage();
    page.setDefaultTimeout(20000);
    return page;
  };
  console.log(`browser: ${base}, Chromium ${browser.version()}, ${PAGES.length} pages, ${cfg.users.length} users`);
  await test('self-test: the checks catch a planted defect of each kind', () => selfTest(newPage));
  // two lanes at once, each taking the next unit of work (a user's pages in
  // a browser context of its own) from one queue, the executive's two (the
  // longest) first: one lane left a core of the 2-core machine idle a
  // quarter of the time. A sign-out ends that context's session only, so a
  // user may be in both lanes.
  const queue = [];
  for (const user of cfg.users) {
    const pages = PAGES.filter((x) => !x.public && forUser(x, user));
    const heavy = user.role === 'executive' ? pages.filter((x) => ['alarms', 'satisfaction'].includes(x.name)) : [];
    if (heavy.length) queue.push(async () => userCases(newPage, user, heavy, false));
    queue.push(async () => userCases(newPage, user, pages.filter((x) => !heavy.includes(x)), true));
  }
  queue.push(async () => countyCases(newPage), async () => anonymousCases(newPage), cityCases);
  const lane = async () => { for (let unit; (unit = queue.shift());) await unit(); };
  await Promise.all([lane(), lane()]);
  await browser.close();

  if (notReady.size)
    notes.add(`pages without body[data-ready], taken as done once the network was idle: ${[...notReady].join(', ')}`);
  for (const k of KNOWN) if ([...knownSeen].some((u) => k.url.test(u))) notes.add(`known: ${k.reason}`);
  for (const n of notes) console.log(`note:   ${n}`);
  if (failed.length) console.log(`failed:\n  ${failed.join('\n  ')}`);
  console.log(`screenshots: ${cfg.shots ?? 'none taken (RETENTIOND_SHOTS=none)'}`);
  console.log(`browser: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  return counts.failed === 0 && counts.passed > 0;
}

// signed out: the public pages, the redirects to the sign-in page and back
async function anonymousCases(newPage) {
  const page = await newPage();
  for (const p of PAGES.filter((x) => x.public)) await pageCases(page, null, p);
  for (const p of PAGES.filter((x) => !x.public)) {
    await test(`anonymous ${p.name}: redirected to /login?next=...; signing in lands on ${p.path}`, async () => {
      await signedOut(page);
      await page.goto(base + p.path);
      const u = new URL(page.url());
      assert.equal(u.pathname, '/login', `landed on ${page.url()}`);
      assert.equal(u.searchParams.get('next'), p.path === '/' ? null : p.path, 'next');
      await lib.signIn(page, base, cfg.users.find((x) => forUser(p, x)));
      assert.equal(pathOf(page.url()), p.path);
    });
  }
  await test('anonymous /bulletins/DATE (the link a mail gives): redirected to /login?next=...', async () => {
    await signedOut(page);
    await page.goto(base + '/bulletins/2026-11-01?branch=420101');
    const u = new URL(page.url());
    assert.equal(u.pathname, '/login', `landed on ${page.url()}`);
    assert.equal(u.searchParams.get('next'), '/bulletins/2026-11-01?branch=420101');
  });
  await test('anonymous: English stays English through a failed and a good sign-in', async () => {
    await signedOut(page);
    await page.goto(base + '/alarms?lang=en');
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en', 'a link to an English page');
    await lib.signIn(page, base, { ...cfg.users[0], password: 'not-the-password' });
    assert.equal(new URL(page.url()).searchParams.get('lang'), 'en', `a failed sign-in went to ${page.url()}`);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await lib.signIn(page, base, cfg.users[0]);
    assert.equal(pathOf(page.url()), '/alarms?lang=en');
    await signedOut(page);
    await page.goto(base + '/login?lang=en');
    await lib.signIn(page, base, cfg.users[0]);
    assert.equal(pathOf(page.url()), '/?lang=en', 'signed in from the English sign-in page');
  });
  await test('anonymous: an unknown page is a page, not JSON', async () => {
    const res = await page.goto(base + '/no-such-page');
    assert.equal(res.status(), 404);
    assert.match(res.headers()['content-type'], /^text\/html/);
  });
  await test('anonymous: a wrong password shows the message and signs nobody in', async () => {
    await signedOut(page);
    await page.goto(base + '/login');
    await lib.signIn(page, base, { ...cfg.users[0], password: 'not-the-password' });
    const u = new URL(page.url());
    assert.equal(u.pathname + '?' + u.searchParams, '/login?error=failed');
    assert.notEqual((await page.locator('.message').innerText()).trim(), '', 'no message shown');
    assert.equal((await lib.api(page, base, '/api/v1/me')).status, 401);
  });
  await page.context().close();
}

// a user signs in (through the form, a case of its own, when formCase),
// then pages
async function userCases(newPage, user, pages, formCase) {
  const page = await newPage();
  const ran = formCase && await test(`${user.label}: signs in through the form; /api/v1/me names the user, role and branch`, async () => {
    await lib.signIn(page, base, user, { typed: true });
    assert.equal(pathOf(page.url()), '/');
    const me = (await lib.api(page, base, '/api/v1/me')).body;
    assert.deepEqual([me.user, me.role, me.scope.code.length > 0], [user.name, user.role, true]);
    if (user.branch) assert.equal(me.scope.code, user.branch);
  });
  if (!ran) await lib.signIn(page, base, user);
  for (const p of pages) await pageCases(page, user, p);
  await page.context().close();
}

// a branch manager of a county edits the URL to other branches
async function countyCases(newPage) {
  const county = cfg.users.find((u) => u.label === 'manager-420101');
  const exec = cfg.users.find((u) => u.role === 'executive');
  if (county && exec) {
    const names = await branchNames(exec);
    const page = await newPage();
    await lib.signIn(page, base, county);
    for (const f of FOREIGN) {
      const u = new URL(base + f.path);
      const code = u.searchParams.get('branch') || u.pathname.split('/').pop();
      const owner = PAGES.find((x) => {
        const pn = new URL(base + x.path).pathname;
        return f.page.length > 1 && f.page.endsWith('/') ? pn.startsWith(f.page) : pn === f.page;
      });
      let status = 0;
      await test(`manager-420101 ${f.path}: shows neither the name (${names.get(code)}) nor figures of ${code}`, async () => {
        status = (await page.goto(base + f.path)).status();
        const text = await page.evaluate(() => (document.body ? document.body.innerText : ''));
        assert.ok(names.get(code), `no branch ${code} in /api/v1/branches`);
        assert.ok(!text.includes(names.get(code)), `the page names ${names.get(code)}`);
        assert.equal(await page.locator(`[data-branch="${code}"]`).count(), 0, `elements with data-branch="${code}"`);
      });
      await test(`manager-420101 ${f.path}: answers 403`, async () => {
        assert.equal(status, 403, `answered ${status}`);
      }, owner ? f.pending : `no page at ${f.page} in pages.mjs yet`);
      await test(`manager-420101 ${f.path}: says so once the page is done`, async () => {
        await lib.waitDone(page);
        const notice = page.locator('main .notice.error[role="alert"]');
        assert.equal(await notice.count(), 1, 'no error notice left on the page');
        assert.equal((await notice.innerText()).trim(), '您无权查看该分公司。');
      });
    }
    await test('manager-420101: a bad date in the link shows which parameter, in the page\'s language', async () => {
      for (const [path, want] of [['/?date=2026-02-30', /参数 date 无效/],
        ['/alarms?date=2026-02-30&lang=en', /parameter date is not valid/],
        ['/zones?date=2026-11-01', /链接有误 · unknown parameter 'date'/]]) {
        const res = await page.goto(base + path);
        assert.equal(res.status(), 400, `${path} answered ${res.status()}`);
        await lib.waitDone(page);
        const notice = page.locator('main .notice.error[role="alert"]');
        assert.equal(await notice.count(), 1, `${path}: no error notice left on the page`);
        assert.match(await notice.innerText(), want);
        assert.doesNotMatch(await page.title(), /^(.+) · \1$/, `${path}: the title repeats itself`);
      }
    });
    // the bulletin as served (the mail's layout, its styles inline): drawn
    // as styled, with no policy violation in the console; a person's error
    // on it is the error page in the page's language, never the API's JSON
    const day = (await lib.api(page, base, '/api/v1/kpis')).body.as_of;
    await test(`manager-420101: /bulletins/${day} is styled, with no console error`, async () => {
      for (const size of SIZES) {
        const { resp, problems } = await load(page, { name: 'bulletin' }, `${base}/bulletins/${day}`, size);
        assert.equal(resp.status(), 200);
        assert.deepEqual(problems, [], 'problems while loading the bulletin');
        const title = page.locator('td', { hasText: new RegExp(`日通报（${day}）$`) }).first();
        assert.equal(await title.evaluate((e) => getComputedStyle(e).fontSize), '22px', 'the title is not styled');
        // the ranking's rank moves stay on one line, on a phone too ("▲ 升3":
        // the long words took four lines of the column at 390 px)
        const moves = await page.$$eval('td', (tds) => tds.filter((td) => /^[▲▼]/.test(td.innerText.trim()))
          .map((td) => {
            const r = document.createRange();
            r.selectNodeContents(td);
            return { text: td.innerText.trim(), lines: new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size,
              size: getComputedStyle(td).fontSize };
          }));
        assert.ok(moves.length > 5, `${size[0]} px: ${moves.length} rank moves in the ranking`);
        // the cells' size is their table's (and the head's rule), not each their own
        assert.deepEqual([...new Set(moves.map((c) => c.size))], ['12px'], 'the ranking\'s font size');
        const tall = moves.filter((c) => c.lines > 1);
        assert.deepEqual(tall.slice(0, 3), [], `${size[0]} px: ${tall.length} rank moves on more than one line`);
        await lib.shot(page, `manager-420101-bulletin-${size[0]}`, { fullPage: true });
      }
    });
    await test('manager-420101: the bulletin\'s errors are pages in the page\'s language', async () => {
      for (const [p, status, want] of [[`/bulletins/${day}?branch=420102`, 403, '您无权查看该分公司。'],
        ['/bulletins/2026-13-01?lang=en', 400,
          'The link\'s date is not valid: a bulletin\'s address is /bulletins/YYYY-MM-DD.'],
        ['/bulletins/2020-01-01', 404, '所选日期没有计算结果。']]) {
        const res = await page.goto(base + p);
        assert.equal(res.status(), status, `${p} answered ${res.status()}`);
        assert.match(res.headers()['content-type'], /^text\/html/, `${p}: not a page`);
        await lib.waitDone(page);
        assert.equal((await page.locator('main .notice.error[role="alert"]').innerText()).trim(), want, p);
      }
    });
    await test('manager-420101: /audit is a 403 page saying the role may not see it; /reports does not link to it', async () => {
      const res = await page.goto(base + '/audit');
      assert.equal(res.status(), 403, `/audit answered ${res.status()}`);
      await lib.waitDone(page);
      assert.equal((await page.locator('main .notice.error[role="alert"]').innerText()).trim(), '您的角色无权查看此页。');
      assert.equal(await page.locator('table.audit').count(), 0, 'the log is on the page');
      await page.goto(base + '/reports');
      await lib.waitDone(page);
      assert.equal(await page.locator('a[href^="/audit"]').count(), 0, 'a link to /audit');
    });
    await test('manager-420101: GET /api/v1/kpis?branch=420100 answers 403 out_of_scope', async () => {
      const r = await lib.api(page, base, '/api/v1/kpis?branch=420100');
      assert.equal(r.status, 403);
      assert.equal(r.body.error.code, 'out_of_scope');
    });
    await page.context().close();
  }
}

async function cityCases() {
  const city = cfg.users.find((u) => u.label === 'manager-420100');
  if (city) {
    await test('manager-420100: GET /api/v1/kpis?branch=420200 answers 403, ?branch=420101 200', async () => {
      const rc = await apiAs(city);
      assert.equal((await rc.get('/api/v1/kpis?branch=420200')).status(), 403);
      assert.equal((await rc.get('/api/v1/kpis?branch=420101')).status(), 200);
      await rc.dispose();
    });
  }
}

main().then((ok) => process.exit(ok ? 0 : 1), (e) => {
  console.log(`FAIL    the test runner: ${e.stack || e}`);
  console.log(`browser: ${counts.passed} passed, ${counts.failed + 1} failed, ${counts.skipped} skipped`);
  process.exit(1);
});
