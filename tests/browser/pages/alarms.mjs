// The alarm grid's own checks: every cell's status (data-status, its class,
// its glyph) and value are /api/v1/grid's, in its order (worst first); the
// turned-red and recovered lists count what the grid says.
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
      assert.deepEqual(rows.map((r) => r.branch), grid.rows.map((r) => r.code), 'rows in the API\'s order');
      grid.rows.forEach((want, i) => {
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
checks.push(pickerCheck('#as-of', 'date', ['executive', 'manager-420101']));
checks.push(narrowAxeCheck(['executive']));
