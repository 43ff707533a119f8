// The zones page's own checks: its counts are /api/v1/zones's.
import * as lib from '../lib.mjs';
import { fitCheck, narrowAxeCheck, pickerCheck } from '../lib.mjs';

export const checks = [
  {
    name: 'zone counts equal /api/v1/zones',
    async run({ assert, api, figures }) {
      const z = (await api('/api/v1/zones')).body;
      const figs = (await figures('table.zones')).filter((f) => f.branch === z.branch);
      const diffs = [];
      for (const x of z.zones) {
        const count = figs.find((f) => f.field === x.zone);
        const previous = figs.find((f) => f.field === 'previous' && f.text && f.raw !== null && f.raw === x.previous);
        if (!count || count.raw !== x.count) diffs.push(`${x.zone}: page ${count?.raw}, API ${x.count}`);
        if (!previous && x.previous !== null) diffs.push(`${x.zone}: previous ${x.previous} not shown`);
      }
      assert.ok(figs.length >= 5, 'the five zones');
      assert.ok(diffs.length === 0, `${diffs.length} differ:\n${diffs.join('\n')}`);
    },
  },
];

// the as-of date or month picker: by the keyboard without a reload at each arrow key
checks.push(pickerCheck('#month', 'month', ['executive']));
checks.push(narrowAxeCheck(['executive']));
checks.push(fitCheck('table.zones', ['executive', 'manager-420101']));

// The page tabs fit one row on a 360 px phone, each on one line, in either
// language (in English "Risk zones" went to a row of its own).
checks.push({
  name: 'the tabs are one row at 360 px (zh, en)',
  users: ['executive'],
  async run({ page, base, assert }) {
    await page.setViewportSize({ width: 360, height: 780 });
    const broken = [];
    for (const lang of ['zh', 'en']) {
      await page.goto(`${base}/zones${lang === 'en' ? '?lang=en' : ''}`);
      await lib.waitDone(page);
      broken.push(...await page.evaluate((lang) => [...document.querySelectorAll('header nav a')].map((a) => {
        const r = document.createRange();
        r.selectNodeContents(a);
        const lines = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
        return lines.size > 1 ? `${lang} "${a.textContent}": ${lines.size} lines` : null;
      }).filter(Boolean), lang));
      const { rows, widths, room } = await page.evaluate(() => {
        const tabs = [...document.querySelectorAll('header nav a')];
        return { rows: new Set(tabs.map((a) => Math.round(a.getBoundingClientRect().top))).size,
          widths: tabs.map((a) => Math.round(a.getBoundingClientRect().width)).join(' + '),
          room: Math.round(document.querySelector('header nav').getBoundingClientRect().width) };
      });
      await lib.shot(page, `tabs-360-${lang}`);
      if (rows > 1) broken.push(`${lang}: the tabs take ${rows} rows (${widths} in ${room} px)`);
    }
    assert.ok(broken.length === 0, broken.join('\n'));
  },
});

// The at-risk lists a phone manager downloads: each line names its branch
// and zone in the page's language, the most urgent zone first (the links
// the page gives, followed as the browser would, with its session).
checks.push({
  name: 'the downloaded at-risk list names branch and zone in the page\'s language, white first',
  users: ['manager-420100'],
  async run({ page, base, assert }) {
    for (const [lang, words] of [['zh', ['流失区', '危险区', '异动区']],
      ['en', ['white (lost)', 'red (danger)', 'yellow (moving)']]]) {
      await page.goto(`${base}/zones${lang === 'en' ? '?lang=en' : ''}`);
      await lib.waitDone(page);
      const href = await page.$eval('.downloads li.all a', (a) => a.getAttribute('href'));
      const { status, body } = await lib.api(page, base, href);
      assert.equal(status, 200, `${lang}: ${href}`);
      const [head, ...lines] = body.replace(/^\uFEFF/, '').trim().split('\r\n');
      assert.equal(head, 'sub_id,branch,branch_name,zone,zone_name,bill_prev,minutes_prev,bill,minutes');
      assert.ok(lines.length > 0, `${lang}: an empty list`);
      const zones = lines.map((l) => l.split(',')[4]);
      assert.ok(zones.every((z) => words.includes(z)), `${lang}: zone names ${[...new Set(zones)]}`);
      const rank = zones.map((z) => words.indexOf(z));
      assert.deepEqual(rank, [...rank].sort((a, b) => a - b), `${lang}: not the most urgent first`);
      assert.ok(lines.every((l) => /[\u4e00-\u9fff]/.test(l.split(',')[2])), `${lang}: a line without its branch's name`);
    }
  },
});

// What each zone is, with the thresholds the run computed with (the API's
// limits): a phone manager reads why a customer is in 危险区.
checks.push({
  name: 'each zone is defined with the run\'s thresholds',
  users: ['executive'],
  async run({ page, base, assert }) {
    const z = (await lib.api(page, base, '/api/v1/zones')).body;
    const { k5_bill_a: a, k5_minutes_b: b, k5_minutes_c: c } = z.limits;
    assert.ok(a > 0 && b > 0 && c > 0, `limits ${JSON.stringify(z.limits)}`);
    await page.goto(`${base}/zones`);
    await lib.waitDone(page);
    const defs = Object.fromEntries(await page.$$eval('.zone-defs dd',
      (dds) => dds.map((d) => [d.dataset.zone, d.innerText])));
    assert.deepEqual(Object.keys(defs), ['white', 'red', 'yellow', 'blue', 'green']);
    const money = a.toFixed(2);
    assert.ok(defs.red.includes(`${money} 元`) && defs.red.includes(`> ${b} 分钟`) &&
      defs.red.includes(`< ${c} 分钟`), `red: ${defs.red}`);
    assert.ok(defs.yellow.includes(`< ${money} 元`), `yellow: ${defs.yellow}`);
  },
});

// The branches below with their share at risk (white, red and yellow of
// the five zones), the largest first: a count alone ranks the big worst.
checks.push({
  name: 'the branches below by their share at risk, the largest first',
  users: ['executive'],
  async run({ page, base, assert }) {
    await page.goto(`${base}/zones`);
    await lib.waitDone(page);
    const rows = await page.$$eval('table.children tbody tr', (trs) => trs.map((tr) => {
      const n = [...tr.querySelectorAll('td')].slice(0, 5).map((td) => Number(td.querySelector('.figure')?.dataset.raw ?? NaN));
      return { n, share: tr.querySelector('td.share').innerText };
    }));
    assert.ok(rows.length >= 5, `${rows.length} branches below`);
    const shares = rows.map(({ n }) => (n[0] + n[1] + n[2]) / n.reduce((a, b) => a + b, 0));
    rows.forEach((r, i) => assert.equal(r.share, `${(shares[i] * 100).toFixed(1)}%`, `row ${i}`));
    assert.deepEqual(shares, [...shares].sort((a, b) => b - a), 'not the largest share first');
  },
});
