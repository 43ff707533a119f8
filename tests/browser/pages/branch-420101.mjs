// The branch page's own checks: its figures are /api/v1/kpis's.
import * as lib from '../lib.mjs';
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
        .flatMap((t) => [...t.querySelectorAll('tbody tr')].map((r) => r.cells[3]?.innerText.trim())));
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

// On a phone a breakdown's box scrolls for the numerator and denominator,
// but each row's status is in view beside its value without scrolling (it
// was the last column: in English out of view in every breakdown).
checks.push({
  name: 'at 390 px (zh, en) every breakdown row\'s status is in view',
  users: ['executive'],
  async run({ page, base, p, assert }) {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const lang of ['', '?lang=en']) {
      await page.goto(base + p.path + lang);
      await lib.waitDone(page);
      const rows = await page.$$eval('table.breakdown tbody tr', (trs) => trs.map((tr) => {
        const box = tr.closest('.scroll').getBoundingClientRect();
        const status = tr.querySelector('.status').getBoundingClientRect();
        return { name: tr.cells[0].innerText.trim(), out: status.right > box.right + 1 };
      }));
      assert.ok(rows.length >= 8, `${lang}: ${rows.length} breakdown rows`);
      const out = rows.filter((r) => r.out).map((r) => r.name);
      assert.deepEqual(out, [], `${lang || 'zh'}: ${out.length} statuses out of view`);
    }
  },
});

// K2's tiers have no target of their own: green there means no alarm rule
// fired, and the breakdown says 无预警, not 达标 (on target) beside a total
// judged against its 99 % (the tiers' values from /api/v1/kpis).
checks.push({
  name: 'K2\'s tiers from the highest down; one without a target reads 无预警, not 达标',
  users: ['executive'],
  async run({ page, base, p, assert }) {
    const { body } = await lib.api(page, base, '/api/v1/kpis?kpi=in_network_rate&branch=420101');
    const tiers = body.values.filter((v) => v.branch === '420101' && v.dim !== null);
    assert.ok(tiers.some((v) => v.status === 'green' && v.target_base === null),
      `no green tier without a target: ${JSON.stringify(tiers)}`);
    await page.goto(base + p.path);
    await lib.waitDone(page);
    const shown = await page.$$eval('#kpi-in_network_rate table.breakdown tbody tr .status',
      (ss) => ss.map((s) => ({ status: s.dataset.status, text: s.innerText.trim() })));
    assert.equal(shown.length, tiers.length, 'a row per tier');
    for (const s of shown.filter((x) => x.status === 'green'))
      assert.match(s.text, /无预警/, `a tier's green reads ${s.text}`);
    // the tiers from the highest down, not by their codes (member before silver)
    const names = await page.$$eval('#kpi-in_network_rate table.breakdown tbody th', (ts) => ts.map((t) => t.innerText.trim()));
    assert.deepEqual(names, ['钻石卡', '金卡', '银卡', '全球通会员'].filter((n) => names.includes(n)));
    assert.ok(names.includes('银卡') && names.includes('全球通会员'), `tiers: ${names}`);
    const head = await page.$eval('#kpi-in_network_rate .head .status', (s) => s.innerText.trim());
    assert.doesNotMatch(head, /无预警/, 'the total has its target: its status is not "no alarm"');
  },
});

// the as-of date or month picker: by the keyboard without a reload at each arrow key
checks.push(pickerCheck('#as-of', 'date', ['executive']));
checks.push(narrowAxeCheck(['executive'], ['/branch/420101', '/branch/420100']));

// A satisfaction score from a tree with a child that has no score says so
// (domain.md: flagged as partial) in the branch page's block and in the
// home tile, the composite's and GoTone's each; a whole one does not. The
// branches from /api/v1/kpis (the demo has both kinds of each).
checks.push({
  name: 'a partial satisfaction score is flagged on the branch page and the home tile, a whole one is not',
  users: ['executive'],
  async run({ page, base, assert }) {
    for (const kpi of ['satisfaction', 'satisfaction_gotone']) {
      const { body } = await lib.api(page, base, `/api/v1/kpis?kpi=${kpi}`);
      const root = body.values.filter((v) => v.dim === 'csi');
      const partial = root.find((v) => v.partial)?.branch, whole = root.find((v) => !v.partial)?.branch;
      assert.ok(partial && whole, `${kpi}: a partial and a whole score: ${partial}, ${whole}`);
      for (const [code, flagged] of [[partial, true], [whole, false]]) {
        for (const [path, where] of [[`/branch/${code}`, `#kpi-${kpi} .head`],
          [`/?branch=${code}`, `.tile[data-kpi=${kpi}]`]]) {
          await page.goto(base + path);
          await lib.waitDone(page);
          const tags = await page.locator(`${where} .tag.partial`).count();
          assert.equal(tags, flagged ? 1 : 0, `${path}: ${tags} partial tags in ${where}`);
        }
      }
    }
  },
});

// Each KPI says how far it is from what it is judged against today (the
// values as shown), a coverage also in customers (as the bulletin).
checks.push({
  name: 'the gaps to base and challenge, K3\'s also in customers',
  users: ['executive'],
  async run({ page, base, p, assert }) {
    const { body } = await lib.api(page, base, '/api/v1/kpis?kpi=bundling_coverage&branch=420101');
    const v = body.values.find((x) => x.branch === '420101' && x.dim === null);
    await page.goto(base + p.path);
    await lib.waitDone(page);
    const text = await page.locator('#kpi-bundling_coverage .gaps').innerText();
    const shown = (x) => Math.round(x * 10000) / 100;
    const want = (point, word) => {
      const pt = shown(v.value) - shown(point);
      const n = v.numerator - Math.ceil(point * v.denominator - 1e-9);
      const signed = (x, s) => (x > 1e-9 ? `+${s}` : x < -1e-9 ? `−${s.replace('-', '')}` : `±${s}`);
      return `${word} ${signed(pt, Math.abs(pt).toFixed(2))} 个百分点（${n ? signed(n, String(Math.abs(n))) : '0'} 户）`;
    };
    assert.equal(text, `${want(v.path_base, '距基础')} · ${want(v.path_challenge, '距挑战')}`);
    assert.ok(await page.locator('#kpi-retention_rate .gaps').count() === 1, 'K1 without its gaps');
  },
});
