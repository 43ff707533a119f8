// The alarm grid's own checks: every cell's status (data-status, its class,
// its glyph) and value are /api/v1/grid's, in its order (worst first); the
// turned-red and recovered lists count what the grid says (eight lines in
// view, the rest behind "展开其余 N 条").
import fs from 'node:fs';
import * as lib from '../lib.mjs';
import { narrowAxeCheck, pickerCheck } from '../lib.mjs';

const GLYPH = { red: '✖', green: '✔', excellent: '★', none: '—' };

export const checks = [
  {
    name: 'grid cells match /api/v1/grid (status, glyph, value), worst first',
    async run({ page, assert, api }) {
      const grid = (await api('/api/v1/grid')).body;
      const rows = await page.locator('table.grid tbody tr').evaluateAll((trs) => trs.map((tr) => ({
        branch: tr.dataset.branch,
        cells: [...tr.querySelectorAll('td')].map((td) => ({
          kpi: td.dataset.kpi, status: td.dataset.status, cls: td.className,
          text: td.textContent.trim(), raw: td.querySelector('[data-raw]')?.dataset.raw ?? null,
        })),
      })));
      // the subtree's root on top, then the API's order (worst first)
      const order = [grid.rows.find((r) => r.code === grid.branch), ...grid.rows.filter((r) => r.code !== grid.branch)];
      assert.deepEqual(rows.map((r) => r.branch), order.map((r) => r.code), 'the root, then the API\'s order');
      order.forEach((want, i) => {
        want.cells.forEach((c, k) => {
          const got = rows[i].cells[k];
          const status = c?.status || 'none';
          const where = `${want.code} ${grid.kpis[k]}`;
          assert.equal(got.kpi, grid.kpis[k], where);
          assert.equal(got.status, status, `${where}: status`);
          assert.ok(got.cls.includes(`st-${status}`), `${where}: class ${got.cls}`);
          assert.ok(got.text.startsWith(GLYPH[status]), `${where}: glyph in "${got.text}"`);
          const raw = got.raw === '' || got.raw === null ? null : Number(got.raw);
          assert.ok(c === null ? raw === null : Math.abs(raw - c.value) < 1e-9, `${where}: value ${raw} vs ${c?.value}`);
        });
      });
    },
  },
  {
    // worst first, a county's row names its city (the tree's indent put
    // counties under whatever city sorted above them); by city, each city
    // is followed by its own counties
    name: 'worst first each county names its city; by city each city leads its counties',
    users: ['executive'],
    async run({ page, assert, api }) {
      const grid = (await api('/api/v1/grid')).body;
      const names = new Map(grid.rows.map((r) => [r.code, r.name]));
      const heads = () => page.locator('table.grid tbody tr').evaluateAll((trs) => trs.map((tr) => ({
        branch: tr.dataset.branch, parent: tr.dataset.parent, level: tr.dataset.level,
        city: tr.querySelector('th .parent')?.textContent ?? null, indented: tr.classList.contains('level-2'),
      })));
      const worst = await heads();
      const counties = worst.filter((r) => r.level === '2' && r.parent !== grid.branch);
      assert.ok(counties.length > 0, 'no county under a city');
      for (const r of counties) assert.equal(r.city, names.get(r.parent), `${r.branch}: its city`);
      assert.ok(worst.every((r) => !r.indented), 'indented while worst first');
      await page.locator('#f-order').selectOption('tree');
      const tree = await heads();
      assert.equal(tree.length, worst.length);
      assert.equal(tree[0].branch, grid.branch, 'the root first');
      let city = null;
      for (const r of tree.slice(1)) {
        if (r.level === '1') city = r.branch;
        else if (r.parent !== grid.branch) assert.equal(r.parent, city, `${r.branch} not under its city ${r.parent}`);
        assert.equal(r.city, null, `${r.branch}: a city named in the tree`);
      }
      await page.locator('#f-order').selectOption('worst');
    },
  },
  {
    name: 'its CSV link downloads every value of the grid\'s branches, each cell\'s value among them',
    async run({ page, assert, api }) {
      const grid = (await api('/api/v1/grid')).body;
      const [download] = await Promise.all([page.waitForEvent('download'),
        page.locator('p.grid-csv a').click()]);
      assert.equal(download.suggestedFilename(), `kpis-${grid.branch}-${grid.as_of}.csv`);
      const text = fs.readFileSync(await download.path(), 'utf8');
      assert.ok(text.startsWith('\ufeffas_of,branch_code,branch_name,level,kpi,dim,campaign,'), text.slice(0, 80));
      assert.ok(text.endsWith('\r\n') && !/[^\r]\n/.test(text), 'CRLF line ends');
      // the fields before the reason (a quoted list) hold no comma: split
      const lines = text.split('\r\n').slice(1, -1).map((l) => l.split(','));
      assert.ok(lines.every((f) => f[0] === grid.as_of), 'every line of the grid\'s date');
      const codes = new Set(lines.map((f) => f[1]));
      assert.deepEqual([...codes].sort(), grid.rows.filter((r) => r.cells.some((c) => c)).map((r) => r.code).sort());
      for (const r of grid.rows) r.cells.forEach((c, k) => {
        if (!c || c.value === null) return;
        const found = lines.some((f) => f[1] === r.code && f[4] === grid.kpis[k] && Math.abs(Number(f[10]) - c.value) < 1e-9);
        assert.ok(found, `${r.code} ${grid.kpis[k]} ${c.value} not in the CSV`);
      });
    },
  },
  {
    name: 'turned red and recovered list what the grid says',
    async run({ page, assert, api }) {
      const grid = (await api('/api/v1/grid')).body;
      let turned = 0, recovered = 0;
      for (const r of grid.rows) for (const c of r.cells) {
        if (c && c.status === 'red' && c.previous_status && c.previous_status !== 'red') turned++;
        if (c && c.previous_status === 'red' && (c.status === 'green' || c.status === 'excellent')) recovered++;
      }
      assert.equal(await page.locator('#turned-red li').count(), turned);
      assert.equal(await page.locator('#recovered li').count(), recovered);
      // eight lines in view, the others one click away
      for (const [id, n] of [['turned-red', turned], ['recovered', recovered]]) {
        assert.equal(await page.locator(`#${id} > ul > li`).count(), Math.min(n, 8), id);
        assert.equal(await page.locator(`#${id} details.more`).count(), n > 8 ? 1 : 0, id);
        if (n <= 8) continue;
        const more = page.locator(`#${id} details.more`);
        assert.equal(await more.locator('summary').textContent(), `展开其余 ${n - 8} 条`);
        assert.ok(!(await more.locator('li').first().isVisible()), `${id}: the rest shown before a click`);
        await more.locator('summary').click();
        assert.ok(await more.locator('li').last().isVisible(), `${id}: the rest hidden after a click`);
      }
    },
  },
  {
    name: 'a cell opens the branch page at that KPI with its reason',
    users: ['executive'],
    async run({ page, assert, api }) {
      const grid = (await api('/api/v1/grid')).body;
      const row = grid.rows.find((r) => r.cells.some((c) => c && c.status === 'red'));
      const k = row.cells.findIndex((c) => c && c.status === 'red');
      const kpi = grid.kpis[k];
      await Promise.all([page.waitForURL((u) => u.pathname === `/branch/${row.code}`),
        page.locator(`table.grid td[data-branch="${row.code}"][data-kpi="${kpi}"] a`).click()]);
      await page.waitForFunction(() => document.body.dataset.ready === '1');
      const block = page.locator(`#kpi-${kpi}`);
      assert.ok(await block.evaluate((b) => b.classList.contains('focus')), 'the KPI is focused');
      assert.match(await block.locator('.reason').innerText(), /.+/);
    },
  },
];

// the as-of date or month picker: by the keyboard without a reload at each arrow key
checks.push(pickerCheck('#as-of', 'date', ['executive']));
checks.push(narrowAxeCheck(['executive']));

// The legend covers no control the keyboard focuses: at 390 px (not sticky
// there; it was 180 px tall and hid the focus, the filters and the grid's
// headings) Tab from the top, in zh and en; at 1366 px (sticky) Shift+Tab
// up from the grid's last cell, which scrolls each cell to the top edge.
async function coveredByLegend(page, key, presses) {
  const covered = [];
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press(key);
    const hit = await page.evaluate(() => {
      const el = document.activeElement;
      const legend = document.querySelector('.legend');
      if (!el || el === document.body || legend.contains(el)) return null;
      const a = el.getBoundingClientRect(), l = legend.getBoundingClientRect();
      const x = Math.min(a.right, l.right) - Math.max(a.left, l.left);
      const y = Math.min(a.bottom, l.bottom) - Math.max(a.top, l.top);
      // a control: any of it under the legend; a box taller than a screen
      // (the grid's scrolling region): all of what is in view
      const inView = Math.min(a.bottom, innerHeight) - Math.max(a.top, 0);
      const under = x > 0 && y > 0 && (a.height <= 100 || y >= inView - 1);
      return under ? `<${el.localName}${el.id ? '#' + el.id : ''}>${(el.getAttribute('aria-label') || el.innerText || '').slice(0, 40)} ` +
        `(top ${Math.round(a.top)}, the legend's bottom ${Math.round(l.bottom)})` : null;
    });
    if (hit) covered.push(hit);
  }
  return covered;
}

checks.push({
  name: 'the legend hides no focused control: Tab at 390 px (zh, en), Shift+Tab at 1366 px',
  users: ['executive'], // the same legend and grid for every role; the executive's is the longest
  async run({ page, base, assert }) {
    const covered = [];
    for (const [width, lang] of [[390, 'zh'], [390, 'en'], [1366, 'zh']]) {
      await page.setViewportSize({ width, height: width < 1000 ? 844 : 768 });
      await page.goto(`${base}/alarms${lang === 'en' ? '?lang=en' : ''}`);
      await lib.waitDone(page);
      const controls = await page.locator('a[href], button, input, select').count();
      if (width < 1000) {
        covered.push(...(await coveredByLegend(page, 'Tab', Math.min(controls, 150))).map((c) => `${width} ${lang}: ${c}`));
      } else {
        await page.locator('table.grid a').last().focus();
        covered.push(...(await coveredByLegend(page, 'Shift+Tab', 100)).map((c) => `${width} ${lang} Shift+Tab: ${c}`));
      }
    }
    assert.ok(covered.length === 0, `${covered.length} focused controls under the legend:\n${covered.slice(0, 8).join('\n')}`);
  },
});

// The grid's column heads stay in view under the sticky legend on a wide
// screen (a long grid scrolled its heads away), and cover no control the
// keyboard focuses (Shift+Tab up the grid, WCAG 2.4.11); on a phone they
// scroll with the grid, as the legend does there.
checks.push({
  name: 'the grid\'s heads stay in view at 1366 px and hide no focus; not sticky at 390 px',
  users: ['executive'],
  async run({ page, base, assert }) {
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.goto(`${base}/alarms`);
    await lib.waitDone(page);
    await page.locator('table.grid tbody tr').last().scrollIntoViewIfNeeded();
    const heads = () => page.evaluate(() => {
      const th = document.querySelector('table.grid thead th').getBoundingClientRect();
      const legend = document.querySelector('.legend').getBoundingClientRect();
      const table = document.querySelector('table.grid').getBoundingClientRect();
      return { top: th.top, bottom: th.bottom, legend: legend.bottom, tableTop: table.top };
    });
    const h = await heads();
    await lib.shot(page, 'alarms-heads-1366');
    assert.ok(h.tableTop < 0, `the grid is not scrolled past its top (${Math.round(h.tableTop)})`);
    assert.ok(h.top >= h.legend - 1 && h.top <= h.legend + 2,
      `the heads are not under the legend: top ${Math.round(h.top)}, the legend's bottom ${Math.round(h.legend)}`);
    const covered = [];
    await page.locator('table.grid a').last().focus();
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Shift+Tab');
      const hit = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || !el.closest('table.grid tbody')) return null;
        const a = el.getBoundingClientRect();
        const th = document.querySelector('table.grid thead th').getBoundingClientRect();
        return a.top < th.bottom - 1 ? `${(el.getAttribute('aria-label') || '').slice(0, 40)} (top ${Math.round(a.top)}, the heads' bottom ${Math.round(th.bottom)})` : null;
      });
      if (hit) covered.push(hit);
    }
    assert.ok(covered.length === 0, `${covered.length} focused cells under the heads:\n${covered.slice(0, 5).join('\n')}`);
    await page.setViewportSize({ width: 390, height: 844 });
    // (the first head, the branch column's, sticks to the left there)
    const position = await page.evaluate(() => getComputedStyle(document.querySelector('table.grid thead th:last-child')).position);
    assert.notEqual(position, 'sticky', 'the heads are sticky on a phone');
    // between a phone and a wide screen, in English (the widest heads), a
    // grid wider than its box scrolls in it: the page does not scroll sideways
    for (const width of [820, 900]) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto(`${base}/alarms?lang=en`);
      await lib.waitDone(page);
      const w = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, view: innerWidth,
        grid: document.querySelector('table.grid').offsetWidth }));
      assert.ok(w.page <= w.view, `${width} px en: the page scrolls sideways (${w.page} > ${w.view}; the grid ${w.grid} px)`);
    }
  },
});

// On a phone the grid is wider than its box and scrolls in it sideways: the
// branch column stays at the box's left edge, so that the last KPI's cells
// are read with their branch's name, and a cell the keyboard focuses is
// scrolled clear of that column, never under it (WCAG 2.4.11).
checks.push({
  name: 'at 390 px the branch column stays in view while the grid scrolls sideways, and hides no focus',
  users: ['executive'],
  async run({ page, base, assert }) {
    for (const lang of ['zh', 'en']) {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${base}/alarms${lang === 'en' ? '?lang=en' : ''}`);
      await lib.waitDone(page);
      const box = page.locator('.grid-box');
      const scrolled = await box.evaluate((b) => {
        b.scrollLeft = b.scrollWidth;
        const left = b.getBoundingClientRect().left;
        const heads = [...b.querySelectorAll('table.grid th[scope=row], table.grid thead th:first-child')];
        const off = heads.filter((h) => Math.abs(h.getBoundingClientRect().left - left) > 1);
        const last = b.querySelector('table.grid tbody tr td:last-child').getBoundingClientRect();
        const name = heads[1].getBoundingClientRect();
        return { scroll: b.scrollLeft, wider: b.scrollWidth > b.clientWidth, heads: heads.length, off: off.length,
          lastVisible: last.left >= name.right - 1 && last.right <= b.getBoundingClientRect().right + 1 };
      });
      assert.ok(scrolled.wider && scrolled.scroll > 0, `${lang}: the grid does not scroll sideways at 390 px`);
      assert.equal(scrolled.off, 0, `${lang}: ${scrolled.off} of ${scrolled.heads} branch cells left the box's edge`);
      assert.ok(scrolled.lastVisible, `${lang}: the last KPI's cell is not in view beside its branch's name`);
      if (lang === 'zh') {
        await box.evaluate((b) => b.scrollIntoView());
        await lib.shot(page, 'alarms-scrolled-390');
      }
      // from the last cell of a row back to its first, Shift+Tab: each
      // focused cell right of the branch column
      await page.locator('table.grid tbody tr:first-child td:last-child a').focus();
      const cells = await page.locator('table.grid tbody tr:first-child td').count();
      const covered = [];
      for (let i = 0; i < cells - 1; i++) {
        await page.keyboard.press('Shift+Tab');
        const hit = await page.evaluate(() => {
          const el = document.activeElement;
          if (!el?.closest('table.grid tbody')) return 'the focus left the grid';
          const a = el.getBoundingClientRect();
          const name = el.closest('tr').querySelector('th').getBoundingClientRect();
          return a.left < name.right - 1 ? `${el.getAttribute('aria-label')} (left ${Math.round(a.left)}, the column's right ${Math.round(name.right)})` : null;
        });
        if (hit) covered.push(hit);
      }
      assert.ok(covered.length === 0, `${lang}: ${covered.length} focused cells under the branch column:\n${covered.join('\n')}`);
    }
  },
});

// The day's changes come before the monthly survey's (tagged with their
// month: a month's survey changes are listed all month and buried the
// day's), each part from the cities down; and the level filter narrows the
// lists as it narrows the grid.
checks.push({
  name: 'the changes: the day\'s first, cities before counties, narrowed by the filters',
  users: ['executive'],
  async run({ page, base, assert }) {
    await page.goto(`${base}/alarms`);
    await lib.waitDone(page);
    for (const id of ['turned-red', 'recovered']) {
      const lines = await page.$$eval(`#${id} li`, (lis) => lis.map((li) => ({
        kpi: li.dataset.kpi, level: Number(li.dataset.level), when: li.querySelector('.when')?.textContent || '' })));
      const monthly = (k) => k.startsWith('satisfaction');
      const rank = lines.map((l) => (monthly(l.kpi) ? 10 : 0) + l.level);
      assert.deepEqual(rank, [...rank].sort((a, b) => a - b), `${id}: not the day's first, then by level`);
      for (const l of lines) assert.equal(monthly(l.kpi), /调查，较上月/.test(l.when), `${id}: ${l.kpi} ${l.when}`);
    }
    const all = await page.locator('#turned-red li, #recovered li').count();
    await page.selectOption('#f-level', '1');
    const levels = await page.$$eval('#turned-red li, #recovered li', (lis) => lis.map((li) => li.dataset.level));
    assert.ok(levels.every((l) => l === '1'), `levels after the city filter: ${[...new Set(levels)]}`);
    assert.ok(levels.length < all, `the level filter left all ${all} lines`);
  },
});

// A partial satisfaction score is flagged ◐ in the grid as on every other
// page (the grid said nothing of it beside a red step decline).
checks.push({
  name: 'a partial score is flagged in the grid',
  users: ['executive'],
  async run({ page, base, assert }) {
    const grid = (await lib.api(page, base, '/api/v1/grid')).body;
    const want = [];
    for (const r of grid.rows) r.cells.forEach((c, k) => { if (c?.partial) want.push(`${r.code} ${grid.kpis[k]}`); });
    assert.ok(want.length > 0, 'the demo has no partial score');
    await page.goto(`${base}/alarms`);
    await lib.waitDone(page);
    const shown = await page.$$eval('table.grid td', (tds) => tds.filter((td) => td.querySelector('.partial'))
      .map((td) => `${td.dataset.branch} ${td.dataset.kpi}`));
    assert.deepEqual(shown.sort(), want.sort());
  },
});

// A red cell says in a word a reason other than a target missed (环比↓ for
// a step decline: a red score above its challenge read as an error), and
// nothing more for a target missed alone; the legend says the words.
checks.push({
  name: 'a red cell names a reason other than a target missed',
  users: ['executive'],
  async run({ page, base, assert }) {
    const grid = (await lib.api(page, base, '/api/v1/grid')).body;
    const want = new Map();
    for (const r of grid.rows) r.cells.forEach((c, k) => {
      if (c?.status === 'red') want.set(`${r.code} ${grid.kpis[k]}`, c.reasons.includes('step_decline'));
    });
    assert.ok([...want.values()].some(Boolean), 'no step decline in the demo');
    await page.goto(`${base}/alarms`);
    await lib.waitDone(page);
    const shown = new Map(await page.$$eval('table.grid td.st-red', (tds) => tds.map((td) =>
      [`${td.dataset.branch} ${td.dataset.kpi}`, td.querySelector('.why')?.textContent.includes('环比↓') ?? false])));
    assert.deepEqual([...shown.entries()].sort(), [...want.entries()].sort());
    assert.match(await page.locator('.legend .why').innerText(), /环比↓ 环比下降超过阈值/);
  },
});
