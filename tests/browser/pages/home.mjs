// The home page's own checks (tests/browser/README.md): run after the
// generic ones, for every user the page is for, on the page loaded and done.
import * as lib from '../lib.mjs';
import { fitCheck, narrowAxeCheck, pickerCheck } from '../lib.mjs';

export const checks = [
  {
    name: 'names the scope /api/v1/me gives, and its sign-out form holds the session\'s CSRF token',
    async run({ page, api, assert }) {
      const me = (await api('/api/v1/me')).body;
      assert.match(await page.locator('header').innerText(), new RegExp(me.scope.name));
      assert.equal(await page.locator('form.signout input[name=csrf]').inputValue(), me.csrf);
    },
  },
  {
    name: 'tile figures equal /api/v1/kpis',
    async run({ assert, figures, compareWithKpis }) {
      const figs = await figures('.tile');
      assert.ok(figs.some((f) => f.field === 'value'), 'no tile shows a value');
      const diffs = await compareWithKpis(figs);
      assert.ok(diffs.length === 0, `${diffs.length} figures differ:\n${diffs.join('\n')}`);
    },
  },
];

// Drill-down by click: a city of the ranking opens the overview of that
// city (its name in the heading, its counties ranked), a county its page.
checks.push({
  name: 'drill-down by click: province → city → county',
  users: ['executive'],
  async run({ page, assert, api }) {
    const tree = (await api('/api/v1/branches')).body.branches[0];
    const city = tree.children.find((c) => c.children.length > 0);
    await Promise.all([page.waitForURL((u) => u.searchParams.get('branch') === city.code),
      page.locator(`table.ranking tr[data-branch="${city.code}"] a`).click()]);
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    assert.match(await page.locator('h1').innerText(), new RegExp(city.name));
    const rows = await page.locator('table.ranking tbody tr').evaluateAll((trs) => trs.map((t) => t.dataset.branch));
    assert.deepEqual([...rows].sort(), city.children.map((c) => c.code).filter((c) => rows.includes(c)).sort());
    assert.ok(rows.length > 0 && rows.every((r) => city.children.some((c) => c.code === r)), 'the city\'s counties');
    const county = rows[0];
    await Promise.all([page.waitForURL((u) => u.pathname === `/branch/${county}`),
      page.locator(`table.ranking tr[data-branch="${county}"] a`).click()]);
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    assert.equal(await page.locator('.kpi-block').count(), 5);
  },
});

// The bullet's text alternative names what it draws: for a KPI judged on
// the path to its period-end targets (K1, K3) the day's path points, not
// "targets" (it said 基础目标 78.96% where the target is 0.45).
checks.push({
  name: 'a bullet judged on the path says so in its text alternative',
  async run({ page, assert, api }) {
    const code = (await api('/api/v1/me')).body.scope.code;
    const kpis = (await api(`/api/v1/kpis?branch=${code}&kpi=retention_rate`)).body;
    const v = kpis.values.find((x) => x.branch === code && x.dim == null);
    const alt = await page.locator('.tile[data-kpi="retention_rate"] img.bullet').getAttribute('alt');
    if (v.path_base != null) assert.match(alt, /基础时序进度|base path/, alt);
    else assert.doesNotMatch(alt, /时序进度|path/, alt);
  },
});

// The tabs keep the branch shown (and between the overview and the
// alarms the date): an executive on a city's overview who opens 预警 sees
// that city's alarms, not the province's again.
checks.push({
  name: 'the tabs keep the branch and the date shown',
  users: ['executive'],
  async run({ page, base, assert, api }) {
    const runs = (await api('/api/v1/runs')).body.runs;
    const date = runs[1]?.as_of ?? runs[0].as_of;
    const city = (await api('/api/v1/branches')).body.branches[0].children.find((c) => c.children.length);
    await page.goto(`${base}/?branch=${city.code}&date=${date}`);
    await lib.waitDone(page);
    await Promise.all([page.waitForURL((u) => u.pathname === '/alarms'),
      page.locator('header nav a[data-nav="alarms"]').click()]);
    await lib.waitDone(page);
    const u = new URL(page.url());
    assert.equal(u.searchParams.get('branch'), city.code);
    assert.equal(u.searchParams.get('date'), date);
    assert.match(await page.locator('h1').innerText(), new RegExp(city.name));
    assert.equal(await page.locator('table.grid caption').innerText().then((t) => t.includes(date)), true);
    const sat = new URL(await page.locator('header nav a[data-nav="satisfaction"]').getAttribute('href'), base);
    assert.equal(sat.searchParams.get('branch'), city.code);
    assert.equal(sat.searchParams.get('date'), null, 'satisfaction takes a month, not a date');
  },
});

// Beside the path's point of the day, the period-end targets are still
// shown (domain.md, "Alarms"): the tile said only 基础时序进度 79.46 %.
checks.push({
  name: 'a tile judged on the path shows the period-end targets too',
  async run({ page, assert, api }) {
    const code = (await api('/api/v1/me')).body.scope.code;
    const kpis = (await api(`/api/v1/kpis?branch=${code}&kpi=retention_rate`)).body;
    const v = kpis.values.find((x) => x.branch === code && x.dim == null);
    assert.ok(v.path_base != null && v.target_base != null, 'K1 judged on its path, with a target');
    const line = page.locator('.tile[data-kpi="retention_rate"] .targets.period-end');
    assert.match(await line.innerText(), /期末基础目标|period-end base/);
    const raw = await line.locator('.figure').first().getAttribute('data-raw');
    assert.ok(Math.abs(Number(raw) - v.target_base) < 1e-9, `shown ${raw}, API ${v.target_base}`);
  },
});

// A run whose daily feeds lag (the ETL late: the newest contract three
// days before the date) says so above the figures; the demo's are up to
// date, so the run list's answer is altered on its way to the page.
checks.push({
  name: 'a run whose daily feeds lag two days or more says so',
  users: ['executive'],
  async run({ page, base, assert }) {
    assert.equal(await page.locator('.banner.lag').count(), 0, 'the demo\'s feeds lag');
    const before = (d, n) => new Date(Date.parse(`${d}T00:00:00Z`) - n * 864e5).toISOString().slice(0, 10);
    let late = null;
    await page.route('**/api/v1/runs*', async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      late = before(body.as_of, 3);
      body.watermark = { ...body.watermark, newest_contract: late, newest_cancel: before(body.as_of, 1) };
      await route.fulfill({ response: res, json: body });
    });
    try {
      await page.goto(`${base}/`);
      await lib.waitDone(page);
      const text = await page.locator('.banner.lag').innerText();
      assert.ok(text.includes(`合约 ${late}`) && !text.includes('销户'), text);
    } finally {
      await page.unroute('**/api/v1/runs*');
    }
  },
});

// The warehouse's data-quality counts on the province's overview, for the
// roles that see every branch: each rule with rows, as /api/v1/data-quality;
// none for a branch manager (the API's 403) nor on a city's overview.
checks.push({
  name: 'the province\'s overview shows the run\'s data-quality counts to who may see them',
  async run({ page, base, assert, api, user }) {
    const me = (await api('/api/v1/me')).body;
    const dq = await api('/api/v1/data-quality');
    if (me.scope.level !== 0) {
      assert.equal(dq.status, 403);
      assert.equal(await page.locator('#data-quality').count(), 0, `${user.label} sees the warehouse\'s counts`);
      return;
    }
    const found = dq.body.data_quality.filter((r) => r.rows > 0);
    const shown = await page.locator('#data-quality li').evaluateAll((lis) => lis.map((li) =>
      ({ rule: li.dataset.rule, rows: Number(li.dataset.rows), text: li.textContent })));
    assert.deepEqual(shown.map((r) => [r.rule, r.rows]), found.map((r) => [r.rule, r.rows]));
    assert.ok(shown.every((r) => !r.text.startsWith(r.rule)), 'a rule without its words');
    const city = (await api('/api/v1/branches')).body.branches[0].children[0].code;
    await page.goto(`${base}/?branch=${city}`);
    await lib.waitDone(page);
    assert.equal(await page.locator('#data-quality').count(), 0, 'on a city\'s overview');
  },
});

// A month's figures say which month: the survey's under a satisfaction
// score, the zone lists' under the zones (the warehouse's last closed
// month, not the month before the date: 2026-10 on 2026-12-03).
checks.push({
  name: 'the satisfaction and zones tiles name their data\'s month',
  async run({ page, assert, api }) {
    const code = (await api('/api/v1/me')).body.scope.code;
    const kpis = (await api(`/api/v1/kpis?branch=${code}&kpi=satisfaction`)).body;
    const sat = kpis.values.find((x) => x.branch === code && x.dim === 'csi');
    const satLine = await page.locator('.tile[data-kpi="satisfaction"] .period').innerText();
    assert.ok(satLine.includes(sat.period), `satisfaction tile: "${satLine}", API ${sat.period}`);
    const zones = (await api(`/api/v1/zones?branch=${code}`)).body;
    const zoneLine = await page.locator('.tile[data-kpi="zone_count"] .period').innerText();
    assert.ok(zoneLine.includes(zones.month), `zones tile: "${zoneLine}", API ${zones.month}`);
  },
});

// the as-of date or month picker: by the keyboard without a reload at each arrow key
checks.push(pickerCheck('#as-of', 'date', ['executive', 'manager-420101']));
checks.push(narrowAxeCheck(['executive']));

// The ranking's rank change: shown ▲ 1 / ▼ 3, read 上升 1 位 / up 1 (the
// glyph hidden from screen readers), as /api/v1/ranking's rank_change.
checks.push({
  name: 'the ranking\'s rank changes read 上升 N 位 / 下降 N 位 / 持平 (up N, down N, same), not the glyph',
  // the demo's cities keep their ranks; 武汉's counties move
  users: ['manager-420100', 'manager-420101'],
  async run({ page, base, api, assert }) {
    const me = (await api('/api/v1/me')).body;
    const rankingOn = async (date) => {
      const r = await api(`/api/v1/ranking?kpi=retention_rate&parent=${me.scope.code}&date=${date}`);
      return r.status === 200 && r.body.entries.length ? r
        : api(`/api/v1/ranking?kpi=retention_rate&of=${me.scope.code}&date=${date}`);
    };
    // the newest run whose ranking moved: on a month's first days the warehouse has
    // no new closed month yet, and K1's ranks are the previous month end's
    const dates = (await api('/api/v1/runs')).body.runs.map((r) => r.as_of);
    let ranking = null, date = null;
    for (const d of [...new Set(dates)].slice(0, 10)) {
      ranking = await rankingOn(d);
      assert.equal(ranking.status, 200, `ranking of ${d}`);
      date = d;
      if (ranking.body.entries.some((e) => e.rank_change)) break;
    }
    await page.goto(`${base}/?date=${date}`);
    await lib.waitDone(page);
    const words = {
      zh: (c) => (c === null ? '—' : c === 0 ? '持平' : `${c > 0 ? '上升' : '下降'} ${Math.abs(c)} 位`),
      en: (c) => (c === null ? '—' : c === 0 ? 'same' : `${c > 0 ? 'up' : 'down'} ${Math.abs(c)}`),
    };
    const wrong = [];
    for (const lang of ['zh', 'en']) {
      if (lang === 'en') {
        await page.goto(`${base}/?date=${date}&lang=en`);
        await lib.waitDone(page);
      }
      const cells = await page.locator('table.ranking tbody tr').evaluateAll((trs) => trs.map((tr) => {
        const td = tr.cells[tr.cells.length - 1];
        const read = (n) => (n.nodeType === Node.TEXT_NODE ? n.textContent
          : n.getAttribute?.('aria-hidden') === 'true' ? '' : [...n.childNodes].map(read).join(''));
        return { branch: tr.dataset.branch, read: read(td).replace(/\s+/g, ' ').trim(), shown: td.innerText.trim() };
      }));
      assert.equal(cells.length, ranking.body.entries.length, `${lang}: rows`);
      for (const e of ranking.body.entries) {
        const c = cells.find((x) => x.branch === e.branch);
        const want = words[lang](e.rank_change ?? null);
        if (!c || c.read !== want || /[▲▼]/.test(c.read)) wrong.push(`${lang} ${e.branch}: read "${c?.read}", want "${want}"`);
        if (c && e.rank_change && !c.shown.startsWith(`${e.rank_change > 0 ? '▲' : '▼'} ${Math.abs(e.rank_change)}`))
          wrong.push(`${lang} ${e.branch}: shows "${c.shown}"`);
      }
    }
    assert.ok(wrong.length === 0, wrong.join('\n'));
    assert.ok(ranking.body.entries.some((e) => e.rank_change), `no rank change in the rankings of ${dates.slice(0, 10)}`);
  },
});

// A ranking's statuses are each judged against the entry's own base (a
// city's, a county's): that base is shown beside them, the day's path
// point for K1.
checks.push({
  name: 'the ranking shows each entry\'s own base beside its status (K1: one for all, K3: 武汉 has its own)',
  users: ['executive'],
  async run({ page, assert, api }) {
    for (const kpi of ['retention_rate', 'bundling_coverage']) await rankingBases(page, assert, api, kpi);
    await page.locator('#kpi-pick').selectOption('retention_rate');
  },
});

async function rankingBases(page, assert, api, kpi) {
  if (kpi !== 'retention_rate') { // the ranking replaced: another caption
    const was = await page.locator('table.ranking caption').innerText();
    await page.locator('#kpi-pick').selectOption(kpi);
    await page.waitForFunction((t) => document.querySelector('table.ranking caption')?.innerText !== t, was);
  }
  const r = (await api(`/api/v1/ranking?kpi=${kpi}`)).body;
  const shown = await page.locator('table.ranking tbody tr').evaluateAll((trs) => trs.map((tr) => {
    const f = tr.querySelector('td.base .figure') || tr.closest('table').querySelector('caption .base .figure');
    return { branch: tr.dataset.branch, field: f?.dataset.field, raw: f?.dataset.raw };
  }));
  assert.equal(shown.length, r.entries.length, 'rows');
  const one = new Set(r.entries.map((e) => e.path_base)).size === 1;
  // one base for all: in the caption, no column; else a column
  assert.equal(await page.locator('table.ranking thead th.base').count(), one ? 0 : 1);
  assert.match(one ? await page.locator('table.ranking caption').innerText()
    : await page.locator('table.ranking thead th.base').getAttribute('title'), /基础时序进度|base path/);
  for (const e of r.entries) {
    const s = shown.find((x) => x.branch === e.branch);
    assert.ok(s && s.field === 'path_base' && Math.abs(Number(s.raw) - e.path_base) < 1e-9,
      `${kpi} ${e.branch}: shown ${s?.field} ${s?.raw}, API ${e.path_base}`);
  }
  // the demo gives 武汉 its own K3 target: there, a column
  if (kpi === 'bundling_coverage') assert.ok(!one, 'K3\'s cities share one base');
}


// the ranking on a phone: every column in view (the rank change), no badge or
// caption cut (★ ex, ✖ off in English before); 420100's counties have the longest names
checks.push(fitCheck('table.ranking', ['executive', 'manager-420100']));

// Figures the database has not confirmed for a while (any API answer says
// "stale"): one banner under the title on every page, not only on those
// that read the run list (the zones, satisfaction and reports pages said
// nothing); the answers are altered on their way to the page.
checks.push({
  name: 'a stale snapshot is said once on every page',
  users: ['executive'],
  async run({ page, base, assert }) {
    await page.route('**/api/v1/**', async (route) => {
      const res = await route.fetch();
      if (!(res.headers()['content-type'] || '').startsWith('application/json')) return route.fulfill({ response: res });
      const body = await res.json();
      if (body && typeof body === 'object' && 'stale' in body) Object.assign(body, { stale: true, snapshot_age: 300 });
      await route.fulfill({ response: res, json: body });
    });
    try {
      for (const path of ['/', '/alarms', '/branch/420100', '/zones', '/satisfaction', '/reports']) {
        await page.goto(base + path);
        await lib.waitDone(page);
        const banners = await page.locator('.banner.stale').allInnerTexts();
        assert.equal(banners.length, 1, `${path}: ${banners.length} banners`);
        assert.match(banners[0], /5 分钟前确认/, `${path}: ${banners[0]}`);
        const under = await page.evaluate(() => document.querySelector('.banner.stale').previousElementSibling?.localName);
        assert.equal(under, 'h1', `${path}: the banner is not under the title`);
      }
    } finally {
      await page.unroute('**/api/v1/**');
    }
  },
});

// Each KPI tile of a branch with children says how many of them are red
// ("12 个地市中 6 个预警"): the counts of /api/v1/kpis's headline values of
// the children (/api/v1/branches), not the grid the page reads them from.
checks.push({
  name: 'each tile counts the red among the branch\'s children',
  users: ['executive'],
  async run({ page, base, assert }) {
    const tree = (await lib.api(page, base, '/api/v1/branches')).body;
    const root = tree.branches[0];
    const children = new Set(root.children.map((c) => c.code));
    const { values } = (await lib.api(page, base, '/api/v1/kpis')).body;
    await page.goto(`${base}/`);
    await lib.waitDone(page);
    let reds = 0;
    for (const kpi of ['retention_rate', 'in_network_rate', 'bundling_coverage', 'satisfaction', 'satisfaction_gotone']) {
      const headline = (v) => (kpi.startsWith('satisfaction') ? v.dim === 'csi' : v.dim === null);
      const red = values.filter((v) => v.kpi === kpi && children.has(v.branch) && headline(v) &&
        v.status === 'red' && (v.campaign === undefined || v.campaign === null ||
          v.campaign === values.find((x) => x.kpi === kpi && x.branch === v.branch && headline(x)).campaign)).length;
      const text = await page.locator(`.tile[data-kpi="${kpi}"] .children`).innerText();
      assert.equal(text, `${children.size} 个地市中 ${red} 个预警`, kpi);
      reds += red;
    }
    assert.ok(reds > 0, 'no city red on any KPI: the check proves little');
  },
});

// A tile's change is the difference of the values as shown (84.43 against
// 84.40 reads +0.03, not the +0.04 of the unrounded scores), against a
// named date for the run series (K1's point before is the month's end,
// 2026-11-30, not "2026-11") and the survey's month for satisfaction.
checks.push({
  name: 'a tile\'s change is of the shown values, against a named date',
  users: ['executive'],
  async run({ page, base, assert }) {
    await page.goto(`${base}/`);
    await lib.waitDone(page);
    for (const [kpi, dim, scale, unit] of [['retention_rate', '', 100, '个百分点'], ['satisfaction', 'csi', 1, '分']]) {
      const { series } = (await lib.api(page, base, `/api/v1/trend?kpi=${kpi}${dim ? `&dim=${dim}` : ''}`)).body;
      const pts = series[0].points;
      const [before, now] = pts.slice(-2);
      const shown = (x) => Math.round(x * scale * 100) / 100;
      const d = shown(now.value) - shown(before.value);
      const sign = d > 0.000001 ? '+' : d < -0.000001 ? '−' : '±';
      const when = kpi === 'satisfaction' ? before.period : before.date;
      const text = await page.locator(`.tile[data-kpi="${kpi}"] .change`).innerText();
      assert.ok(text.includes(`${sign}${Math.abs(d).toFixed(2)} ${unit}`) && text.includes(`(${when})`),
        `${kpi}: "${text}", want ${sign}${Math.abs(d).toFixed(2)} against ${when}`);
    }
  },
});

// The ranking's rank change says against which run (K1's month before,
// 11-30; K3's day before): the API's previous_date.
checks.push({
  name: 'the ranking\'s rank change names the run it is against',
  users: ['executive'],
  async run({ page, base, assert }) {
    const r = (await lib.api(page, base, '/api/v1/ranking?kpi=retention_rate&parent=420000')).body;
    assert.ok(r.previous_date, 'no previous date in the ranking');
    await page.goto(`${base}/`);
    await lib.waitDone(page);
    const head = await page.locator('table.ranking thead th').last().innerText();
    assert.equal(head.replace(/\s+/g, ''), `名次变化（较${r.previous_date.slice(5)}）`);
  },
});

// The branches the rule branch_without_parent counts are named, each to its
// page (the rule says they are counted apart; none was named anywhere).
checks.push({
  name: 'the branches without a parent are named in the data-quality panel, each to its page',
  users: ['executive'],
  async run({ page, base, assert }) {
    const dq = (await lib.api(page, base, '/api/v1/data-quality')).body;
    const rule = dq.data_quality.find((r) => r.rule === 'branch_without_parent');
    assert.ok(rule?.rows > 0 && dq.branches_without_parent.length > 0, 'the demo has no branch without a parent');
    await page.goto(`${base}/`);
    await lib.waitDone(page);
    const links = await page.$$eval('#data-quality li[data-rule="branch_without_parent"] a',
      (as) => as.map((a) => ({ text: a.textContent, href: new URL(a.href).pathname })));
    assert.deepEqual(links, dq.branches_without_parent.map((b) => ({ text: `${b.name}（${b.code}）`, href: `/branch/${b.code}` })));
    const res = await page.goto(base + links[0].href);
    assert.equal(res.status(), 200, `${links[0].href}: ${res.status()}`);
  },
});
