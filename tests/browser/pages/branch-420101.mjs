// The branch page's own checks: its figures are /api/v1/kpis's.
import { narrowAxeCheck, pickerCheck } from '../lib.mjs';

export const checks = [
  {
    name: 'figures equal /api/v1/kpis',
    async run({ assert, figures, compareWithKpis }) {
      const figs = await figures('.kpi-block');
      assert.ok(figs.filter((f) => f.field === 'value').length >= 5, 'a value per KPI');
      const diffs = await compareWithKpis(figs);
      assert.ok(diffs.length === 0, `${diffs.length} figures differ:\n${diffs.join('\n')}`);
    },
  },
  {
    name: 'satisfaction sums with two decimals each (541.30, not 541.3 beside 542.81)',
    async run({ page, assert }) {
      const sums = await page.$$eval('table.breakdown', (ts) => ts
        .filter((t) => /满意度/.test(t.caption?.innerText || ''))
        .flatMap((t) => [...t.querySelectorAll('tbody tr')].map((r) => r.cells[2]?.innerText.trim())));
      assert.ok(sums.length > 0, 'no satisfaction breakdown');
      for (const x of sums) assert.match(x, /^(—|-|[\d,]+\.\d\d)$/, `a sum reads ${x}`);
    },
  },
  {
    name: 'zones from the most at risk down (白 红 黄 蓝 绿, not by name)',
    async run({ page, assert }) {
      const order = await page.$$eval('#zones li', (lis) => lis.map((li) => li.className.replace('zone-', '')));
      const want = ['white', 'red', 'yellow', 'blue', 'green'].filter((z) => order.includes(z));
      assert.deepEqual(order, want);
      assert.ok(order.length > 1, 'fewer than two zones listed');
    },
  },
];

// the as-of date or month picker: by the keyboard without a reload at each arrow key
checks.push(pickerCheck('#as-of', 'date', ['executive']));
checks.push(narrowAxeCheck(['executive'], ['/branch/420101', '/branch/420100']));
