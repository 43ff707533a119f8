// The reports page's own checks: the quarters it lists are those whose
// three month ends have a run (/api/v1/runs), the dates its bulletins'; its
// links answer the files they name, for the branch shown and in the
// user's scope only; each date says how its bulletin was mailed; the home
// page links to it.
import * as lib from '../lib.mjs';
import { narrowAxeCheck } from '../lib.mjs';

// The quarters with a run at each month end, newest first.
function expectedQuarters(runs) {
  const dates = new Set(runs.map((r) => r.as_of));
  const end = (y, m) => new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  const out = new Set();
  for (const r of runs) {
    const y = Number(r.as_of.slice(0, 4)), q = Math.floor((Number(r.as_of.slice(5, 7)) - 1) / 3) + 1;
    if ([1, 2, 3].every((k) => dates.has(end(y, 3 * (q - 1) + k)))) out.add(`${y}Q${q}`);
  }
  return [...out].sort().reverse();
}

// GET href with the page's session: its status and content type.
async function head(page, base, href) {
  const r = await page.request.get(new URL(href, base).href, { maxRedirects: 0 });
  return { status: r.status(), type: (r.headers()['content-type'] || '').split(';')[0] };
}

export const checks = [
  {
    name: 'the quarters are those with a run at each month end; the newest one\'s files answer',
    users: ['manager-420101'],
    async run({ page, base, user, assert, api }) {
      const runs = (await api('/api/v1/runs')).body.runs;
      const shown = await page.locator('table.quarterly tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.quarter));
      const want = expectedQuarters(runs);
      assert.ok(want.length > 0, 'the demo has a complete quarter');
      assert.deepEqual(shown, want);
      const links = await page.locator(`table.quarterly tr[data-quarter="${want[0]}"] a`).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      const branch = user.branch || '420000';
      assert.equal(links.length, 3, links.join(' '));
      for (const href of links) assert.ok(href.includes(`branch=${branch}`), `${href}: not the branch shown`);
      const types = [];
      for (const href of links) types.push(await head(page, base, href));
      assert.deepEqual(types.map((t) => t.status), [200, 200, 200], links.join(' '));
      assert.deepEqual(types.map((t) => t.type), ['application/pdf', 'application/pdf', 'text/csv']);
    },
  },
  {
    name: 'the daily bulletins are the newest dates\' and their files answer',
    users: ['manager-420101'],
    async run({ page, base, user, assert, api }) {
      const runs = (await api('/api/v1/runs')).body.runs;
      const dates = [...new Set(runs.map((r) => r.as_of))].sort().reverse().slice(0, 14);
      const shown = await page.locator('table.daily tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.date));
      assert.deepEqual(shown, dates);
      const links = await page.locator(`table.daily tr[data-date="${dates[0]}"] a`).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.equal(links.length, 3);
      const types = [];
      for (const href of links) {
        assert.ok(href.startsWith(`/bulletins/${dates[0]}`) && href.includes(`branch=${user.branch}`), href);
        types.push(await head(page, base, href));
      }
      assert.deepEqual(types, [{ status: 200, type: 'text/html' }, { status: 200, type: 'application/pdf' },
        { status: 200, type: 'image/png' }]);
    },
  },
  {
    name: 'the mailing says how each recipient\'s delivery went; a date without a bulletin says so',
    users: ['manager-420101'],
    async run({ page, base, user, assert, api }) {
      const runs = (await api('/api/v1/runs')).body.runs;
      const [date, earlier] = [...new Set(runs.map((r) => r.as_of))].sort().reverse();
      const run = runs.find((r) => r.as_of === date).run_id;
      // a bulletin of the branch as the schedule records one: a recipient
      // reached, one refused by the server after three attempts (the rows
      // go again afterwards: the reliability suites reuse this database)
      const id = lib.sql(`INSERT INTO kpi.bulletin (as_of, branch_code, version, run_id, data_as_of, lang, path,
          html_sha256, pdf_sha256, png_sha256, html_bytes, pdf_bytes, png_bytes, generated_by, mailed)
        VALUES ('${date}', '${user.branch}', 1, ${run}, '${date}', 'zh', 'bulletins/${date}/${user.branch}.v1',
          'x', 'x', 'x', 1, 1, 1, 'browser-test', true) RETURNING bulletin_id`);
      try {
        lib.sql(`INSERT INTO kpi.bulletin_delivery (bulletin_id, address, user_name, status, claimed_by, attempts,
            sent_at, message_id, smtp_reply, error) VALUES
          (${id}, 'zhang@jiangan.test', '${user.name}', 'sent', 'browser-test', 1, now(), '<a@test>', 250, NULL),
          (${id}, 'office@jiangan.test', NULL, 'failed', 'browser-test', 3, NULL, '<b@test>', 550,
           'RCPT failed: 550 No such user')`);
        await page.reload();
        await lib.waitDone(page);
        const cell = page.locator(`table.daily tr[data-date="${date}"] td.mailing`);
        assert.equal(await cell.getAttribute('class'), 'mailing failed');
        assert.equal(await cell.locator('summary').textContent(), '✖ 已发送 1/2 · 失败 1');
        await cell.locator('summary').click();
        const items = await cell.locator('li').allTextContents();
        assert.equal(items.length, 2);
        assert.equal(items[0], '✖ office@jiangan.test：失败；尝试 3 次；RCPT failed: 550 No such user');
        assert.match(items[1], new RegExp(`^✔ zhang@jiangan\\.test（${user.name.replace('.', '\\.')}）：已发送；\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$`));
        await lib.shot(page, 'reports-mailing');
        const none = page.locator(`table.daily tr[data-date="${earlier}"] td.mailing`);
        assert.equal(await none.textContent(), '未归档');
      } finally {
        lib.sql(`DELETE FROM kpi.bulletin_delivery WHERE bulletin_id = ${id}; DELETE FROM kpi.bulletin WHERE bulletin_id = ${id}`);
      }
    },
  },
  {
    name: 'the branch picker offers the scope\'s subtree only, and loads the branch chosen',
    users: ['manager-420100'],
    async run({ page, base, assert, api }) {
      const tree = (await api('/api/v1/branches')).body;
      const codes = [];
      const walk = (n) => { codes.push(n.code); (n.children || []).forEach(walk); };
      tree.branches.forEach(walk);
      const offered = await page.locator('#report-branch option').evaluateAll((os) => os.map((o) => o.value));
      assert.deepEqual(offered, codes);
      assert.ok(!offered.includes('420000') && offered.includes('420101'), offered.join(' '));
      await page.locator('#report-branch').selectOption('420101');
      await Promise.all([page.waitForURL((u) => u.searchParams.get('branch') === '420101'),
        page.locator('form.report-branch button[type=submit]').click()]);
      await lib.waitDone(page);
      const href = await page.locator('table.quarterly a').first().getAttribute('href');
      assert.ok(href.includes('branch=420101'), href);
      assert.equal((await head(page, base, href.replace('420101', '420200'))).status, 403, 'another city\'s report');
    },
  },
  {
    // the bulletin as a branch manager opens it on a phone: the mail's
    // HTML (600 px where there is room), served at /bulletins/D
    name: 'a daily bulletin at 390 px (zh, en): the page keeps the phone\'s width (the zone cards wrap), a table wider than it scrolls in a named region Tab reaches; no serious axe violation',
    users: ['manager-420101', 'manager-420100'],
    async run({ page, base, user, assert, api }) {
      const runs = (await api('/api/v1/runs')).body.runs;
      const date = [...new Set(runs.map((r) => r.as_of))].sort().reverse()[0];
      const problems = [];
      await page.setViewportSize({ width: 390, height: 844 });
      for (const lang of ['zh', 'en']) {
        const query = new URLSearchParams({ ...(user.branch ? { branch: user.branch } : {}), lang });
        await page.goto(`${base}/bulletins/${date}?${query}`);
        const wide = await lib.overflowing(page);
        if (wide.scrollWidth > wide.innerWidth)
          problems.push(`${lang}: the page is ${wide.scrollWidth} px wide: ${wide.offenders.join(', ')}`);
        const zones = await page.locator('div[style*="inline-block"]').evaluateAll((cards) =>
          cards.map((c) => c.getBoundingClientRect()).map((r) => [Math.round(r.left), Math.round(r.top)]));
        if (zones.length !== 5 || new Set(zones.map(([, top]) => top)).size < 2)
          problems.push(`${lang}: the five zone cards are not on two lines or more: ${JSON.stringify(zones)}`);
        const boxes = await page.evaluate(() => [...document.querySelectorAll('body *')]
          .filter((e) => getComputedStyle(e).overflowX === 'auto' && e.scrollWidth > e.clientWidth + 1)
          .map((e) => ({ tab: e.tabIndex, role: e.getAttribute('role'), name: (e.getAttribute('aria-label') || '').trim() })));
        // the English ranking's nine heads need more than 342 px
        if (lang === 'en' && boxes.length === 0) problems.push('en: the ranking does not scroll in a box of its own');
        for (const b of boxes.filter((x) => x.tab < 0 || x.role !== 'region' || !x.name))
          problems.push(`${lang}: a box scrolls sideways with tabindex ${b.tab}, role ${b.role}, name "${b.name}"`);
        const v = await lib.axeViolations(page);
        if (v.length) problems.push(`${lang}: ${v.length} axe violations:\n    ${lib.formatViolations(v)}`);
      }
      assert.ok(problems.length === 0, problems.join('\n'));
    },
  },
  {
    name: 'the home page links to the reports of the branch shown',
    users: ['auditor'],
    async run({ page, base, assert }) {
      await page.goto(`${base}/?branch=420100`);
      await lib.waitDone(page);
      const link = page.locator('p.reports-link a');
      assert.equal(await link.getAttribute('href'), '/reports?branch=420100');
      await Promise.all([page.waitForURL((u) => u.pathname === '/reports'), link.click()]);
      await lib.waitDone(page);
      assert.match(await page.locator('h1').textContent(), /武汉/);
    },
  },
];

checks.push(narrowAxeCheck(['auditor']));
