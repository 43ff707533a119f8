// The audit log page's own checks: its rows are the API's, newest first,
// at the time of the viewer's zone; an export made on the reports page is
// its newest export row with the file's SHA-256; the filters load the
// rows they name; a full page links to the older rows and back.
import crypto from 'node:crypto';
import * as lib from '../lib.mjs';
import { fitCheck, narrowAxeCheck } from '../lib.mjs';

// The rows shown: {id, action, outcome, who, at (the <time>'s datetime), time (its text)}.
function shown(page) {
  return page.locator('table.audit tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    id: tr.dataset.id, action: tr.dataset.action, outcome: tr.dataset.outcome,
    who: tr.querySelector('td.user').textContent, at: tr.querySelector('time').getAttribute('datetime'),
    time: tr.querySelector('time').textContent,
  })));
}

// Loads the page at path and waits for it; fails on a page that failed.
async function open(page, base, path, assert) {
  await page.goto(base + path);
  await lib.waitDone(page);
  assert.equal(await page.evaluate(() => document.body.dataset.error ?? null), null, `${path} failed`);
}

// YYYY-MM-DD HH:MM:SS of an ISO instant in Asia/Shanghai (UTC+8, no DST).
const shanghai = (iso) => new Date(Date.parse(iso) + 8 * 3600e3).toISOString().replace('T', ' ').slice(0, 19);

// Runs fn(p) on the audit page signed in as user in a browser context of
// its own in time zone `zone` (the machine runs UTC), closed afterwards.
async function inZone(page, base, user, zone, fn) {
  const context = await page.context().browser().newContext({ timezoneId: zone });
  try {
    const p = await context.newPage();
    await lib.signIn(p, base, user, { next: '/audit' });
    await lib.waitDone(p);
    await fn(p);
  } finally {
    await context.close();
  }
}

export const checks = [
  {
    // what one user did, and with which outcome: the form's user and
    // outcome filters, kept by the form, the older rows' link and the CSV
    name: 'the user and outcome filters show one user\'s rows of one outcome, kept by the form and the CSV',
    users: ['auditor'],
    async run({ page, base, assert, api }) {
      const me = (await api('/api/v1/me')).body.user;
      await page.locator('#audit-who').fill(me);
      await page.locator('#audit-outcome').selectOption('ok');
      await Promise.all([page.waitForURL((u) => u.searchParams.get('who') === me),
        page.locator('form.audit-filters button[type=submit]').click()]);
      await lib.waitDone(page);
      const rows = await shown(page);
      assert.ok(rows.length > 0, 'none of the auditor\'s rows');
      assert.ok(rows.every((r) => r.who === me && r.outcome === 'ok'), JSON.stringify(rows.slice(0, 3)));
      assert.equal(await page.locator('#audit-who').inputValue(), me);
      assert.equal(await page.locator('#audit-outcome').inputValue(), 'ok');
      const csv = new URL(await page.locator('p.audit-csv a').getAttribute('href'), base);
      assert.equal(csv.searchParams.get('who'), me);
      assert.equal(csv.searchParams.get('outcome'), 'ok');
      const api2 = (await api(`/api/v1/audit?who=${encodeURIComponent(me)}&outcome=denied`)).body;
      assert.ok(api2.entries.every((e) => e.who === me && e.outcome === 'denied'));
    },
  },
  {
    name: 'the rows are the API\'s, newest first, at the time of the viewer\'s zone (Asia/Shanghai)',
    users: ['auditor'],
    async run({ page, base, user, assert }) {
      // in the operator's zone, while the machine runs UTC
      await inZone(page, base, user, 'Asia/Shanghai', async (p) => {
        const rows = await shown(p);
        assert.ok(rows.length > 1, `${rows.length} rows`);
        const first = Number(rows[0].id);
        const log = (await lib.api(p, base, `/api/v1/audit?limit=100&before=${first + 1}`)).body.entries;
        assert.deepEqual(rows.map((r) => [Number(r.id), r.action, r.outcome, r.at]),
          log.map((e) => [e.id, e.action, e.outcome, e.at]));
        assert.deepEqual(rows.map((r) => r.who), log.map((e) => e.who ?? '系统'));
        for (const r of rows) assert.equal(r.time, shanghai(r.at), `row ${r.id}`);
        assert.match(await p.locator('.audit-note').textContent(), /Asia\/Shanghai/);
        // the page's own read is a row of the log, after the rows it read (written off the
        // request's thread: waited for), with the rows it answered
        let own = null;
        for (let i = 0; i < 50 && !own; i++) {
          const reads = (await lib.api(p, base, '/api/v1/audit?action=audit_read&limit=20')).body.entries;
          own = reads.find((e) => e.id > first && e.who === user.name && e.params.limit === '100' &&
            e.params.rows === rows.length && e.params.since === null);
          if (!own) await p.waitForTimeout(100);
        }
        assert.ok(own, 'no audit_read row of the page\'s read');
      });
    },
  },
  {
    name: 'a row\'s parameters in the page\'s words (zh, en): names, a role, yes or no; the log\'s own names kept',
    users: ['auditor'],
    async run({ page, base, assert }) {
      const county = (await lib.api(page, base, '/api/v1/audit?action=user_add&limit=100')).body.entries
        .find((e) => e.params.name === 'e2e.county');
      assert.ok(county, 'no user_add row of e2e.county');
      const want = {
        zh: { name: ['用户名', 'e2e.county'], role: ['角色', '分公司经理'], temporary: ['临时密码', '否'], branch: ['分公司', '420101'] },
        en: { name: ['user name', 'e2e.county'], role: ['role', 'branch manager'], temporary: ['temporary password', 'no'], branch: ['branch', '420101'] },
      };
      for (const lang of ['zh', 'en']) {
        await page.goto(`${base}/audit?action=user_add&before=${county.id + 1}&lang=${lang}`);
        await lib.waitDone(page);
        const items = await page.locator(`table.audit tbody tr`).first().locator('ul.params li')
          .evaluateAll((lis) => Object.fromEntries(lis.map((li) => [li.dataset.key,
            [li.querySelector('.name').textContent, li.querySelector('.value').textContent]])));
        for (const [key, pair] of Object.entries(want[lang])) assert.deepEqual(items[key], pair, `${lang} ${key}`);
      }
    },
  },
  {
    name: 'an export from the reports page is the newest export row, with the file\'s SHA-256; made again, the same bytes',
    users: ['auditor'],
    async run({ page, base, user, assert }) {
      await open(page, base, '/reports', assert);
      const href = await page.locator('table.quarterly a[type="text/csv"]').first().getAttribute('href');
      const file = await page.request.get(new URL(href, base).href);
      assert.equal(file.status(), 200, href);
      const sha = crypto.createHash('sha256').update(await file.body()).digest('hex');
      const link = page.locator('p.reports-link a[href^="/audit"]');
      await Promise.all([page.waitForURL((u) => u.pathname === '/audit'), link.click()]);
      await lib.waitDone(page);
      await page.locator('#audit-action').selectOption('export');
      await Promise.all([page.waitForURL((u) => u.searchParams.get('action') === 'export'),
        page.locator('form.audit-filters button[type=submit]').click()]);
      await lib.waitDone(page);
      const rows = await shown(page);
      assert.ok(rows.length > 0 && rows.every((r) => r.action === 'export'), rows.map((r) => r.action).join(' '));
      assert.equal(rows[0].who, user.name);
      const items = await page.locator('table.audit tbody tr').first().locator('ul.params li')
        .evaluateAll((lis) => lis.map((li) => ({ key: li.dataset.key, name: li.querySelector('.name').textContent,
          title: li.querySelector('.name').title, value: li.querySelector('.value').textContent })));
      const params = Object.fromEntries(items.map((i) => [i.key, i.value]));
      // each name in the page's words, the log's own in its tooltip
      const named = Object.fromEntries(items.map((i) => [i.key, i.name]));
      assert.deepEqual([named.quarter, named.branch, named.format, named.sha256], ['季度', '分公司', '格式', 'SHA-256']);
      assert.ok(items.every((i) => i.title === i.key), JSON.stringify(items));
      assert.equal(params.sha256, sha, 'the row\'s SHA-256 is the file\'s');
      assert.equal(params.format, 'csv');
      assert.ok(href.includes(`/reports/${params.quarter}.csv`), `${href}: quarter ${params.quarter}`);
      // made again from the runs the row names: the same bytes, said in the row
      const first = page.locator('table.audit tbody tr').first();
      await first.locator('button.reproduce').click();
      const verdict = first.locator('.reproduction[data-verdict]');
      await verdict.waitFor({ timeout: 20000 });
      assert.equal(await verdict.getAttribute('data-verdict'), 'same_bytes', await verdict.textContent());
      assert.ok((await verdict.textContent()).includes(sha), await verdict.textContent());
      assert.equal(await page.locator('table.audit tr:not([data-action=export]) button.reproduce').count(), 0);
      await lib.shot(page, 'auditor-audit-reproduced-1366');
    },
  },
  {
    name: 'a first day (the viewer\'s, New York, not the operator\'s) shows the rows from its 00:00 on; a later one none; the form keeps the filters; the CSV has them',
    users: ['auditor'],
    async run({ page, base, user, assert }) {
      await inZone(page, base, user, 'America/New_York', async (p) => {
        const today = (await shown(p))[0].time.slice(0, 10); // the newest row's day in New York
        // its 00:00 in New York (UTC-5 in winter, UTC-4 in summer) as an instant
        const midnight = [4, 5].map((h) => new Date(Date.parse(`${today}T0${h}:00:00Z`)))
          .find((d) => d.toLocaleString('en-GB', { timeZone: 'America/New_York', hour: '2-digit', hourCycle: 'h23' }) === '00')
          .toISOString();
        await p.locator('#audit-since').fill(today);
        await p.locator('#audit-action').selectOption('audit_read');
        await Promise.all([p.waitForURL((u) => u.searchParams.get('since') === today),
          p.locator('form.audit-filters button[type=submit]').click()]);
        await lib.waitDone(p);
        const rows = await shown(p);
        assert.ok(rows.length > 0, 'no row since today');
        assert.ok(rows.every((r) => r.action === 'audit_read' && r.time >= today && r.at >= midnight),
          JSON.stringify(rows.slice(0, 3)));
        assert.equal(await p.locator('#audit-action').inputValue(), 'audit_read');
        assert.equal(await p.locator('#audit-since').inputValue(), today);
        // the CSV of the same filters, from New York's 00:00: BOM, header, CRLF, the page's rows
        const csv = new URL(await p.locator('p.audit-csv a').getAttribute('href'), base);
        assert.equal(csv.pathname, '/api/v1/audit.csv');
        assert.deepEqual(Object.fromEntries(csv.searchParams), { action: 'audit_read', since: midnight });
        const file = await p.request.get(csv.href);
        assert.equal(file.status(), 200);
        const text = (await file.body()).toString('utf8');
        assert.ok(text.startsWith('\ufeffid,at,who,action,outcome,client,params,detail\r\n'), text.slice(0, 80));
        const lines = text.slice(0, -2).split('\r\n').slice(1).map((l) => l.split(','));
        assert.ok(lines.every((l) => l[3] === 'audit_read'), 'a row of another action');
        const ids = new Set(lines.map((l) => l[0]));
        assert.ok(rows.every((r) => ids.has(r.id)), 'a row of the page is not in the CSV');
        await open(p, base, '/audit?since=2999-01-01', assert);
        assert.equal(await p.locator('table.audit').count(), 0);
        assert.equal((await p.locator('main p.none').textContent()).trim(), '没有符合条件的记录。');
      });
    },
  },
  {
    name: 'a full page links to the older rows, which follow it, and back to the newest',
    users: ['auditor'],
    async run({ page, base, assert }) {
      // more than a page of rows of one action: each read of the log is one
      for (let i = 0; i < 101; i++) {
        assert.equal((await lib.api(page, base, '/api/v1/audit?action=token_use&limit=1')).status, 200);
      }
      await open(page, base, '/audit?action=audit_read', assert);
      const rows = await shown(page);
      assert.equal(rows.length, 100);
      const older = page.locator('nav.pager a[rel=next]');
      const last = Number(rows[99].id);
      assert.equal(await older.getAttribute('href'), `/audit?action=audit_read&before=${last}`);
      await Promise.all([page.waitForURL((u) => u.searchParams.has('before')), older.click()]);
      await lib.waitDone(page);
      const next = await shown(page);
      assert.ok(next.length > 0 && Number(next[0].id) < last, `${next[0]?.id} after ${last}`);
      assert.ok(next.every((r) => r.action === 'audit_read'));
      assert.equal(await page.locator('nav.pager a[rel=first]').getAttribute('href'), '/audit?action=audit_read');
    },
  },
];

checks.push(narrowAxeCheck(['auditor']));
checks.push(fitCheck('table.audit', ['auditor']));
checks.push({
  name: 'at 390 px a row is a card (number, time and outcome on its first line) that Chromium still gives screen readers as a table\'s row of cells under their column heads',
  users: ['auditor'],
  async run({ page, base, assert }) {
    await page.setViewportSize({ width: 390, height: 844 });
    await open(page, base, '/audit', assert);
    const first = await page.locator('table.audit tbody tr').first().evaluate((tr) => {
      const top = (sel) => Math.round(tr.querySelector(sel).getBoundingClientRect().top);
      return { id: top('th'), at: top('td.at'), outcome: top('td.outcome'), params: top('td.params'), cols: getComputedStyle(tr).display };
    });
    assert.equal(first.cols, 'grid');
    assert.ok(first.id === first.at && first.at === first.outcome && first.params > first.at, JSON.stringify(first));
    // the accessibility tree Chromium builds, as a screen reader reads it
    const cdp = await page.context().newCDPSession(page);
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    await cdp.detach();
    const count = (role) => nodes.filter((n) => n.role?.value === role && !n.ignored).length;
    const rows = await page.locator('table.audit tbody tr').count();
    assert.ok(rows > 1, `${rows} rows`);
    assert.equal(count('table'), 1);
    assert.equal(count('columnheader'), 7);
    assert.equal(count('rowheader'), rows);
    assert.equal(count('cell'), rows * 6);
  },
});
