// Risk zones (/zones?branch=&month=): the count of each of the five zones
// (五区预警) against the previous month, the zones chart of the branches
// below (and their counts as a table, to drill into), the members' moves
// between the zones, and the at-risk lists (white, red, yellow) as CSV for
// the phone managers.
import {
  api, apiUrl, boot, branchPath, breadcrumbs, chart, el, figure, fmtCount, pageUrl, params,
  pickerForm, scrollBox, start, w, zoneName, widthIn,
} from './common.js';

const ZONES = ['white', 'red', 'yellow', 'blue', 'green'];
const AT_RISK = ['white', 'red', 'yellow'];
const MOVE_ORDER = [...ZONES, 'none', 'out'];
const SEP = boot.lang === 'en' ? { item: ', ', group: '; ' } : { item: '、', group: '；' };

const swatch = (zone) => el('span', { class: `swatch zone-${zone}`, 'aria-hidden': 'true' });

// A signed count: +12, −3, ±0.
function signed(n) {
  if (n === null || n === undefined) return w('no_value');
  return `${n > 0 ? '+' : n < 0 ? '−' : '±'}${fmtCount(Math.abs(n))}`;
}

function changeCell(code, zone, change) {
  const arrow = change > 0 ? '▲' : change < 0 ? '▼' : '▬';
  const dir = change > 0 ? 'up' : change < 0 ? 'down' : 'flat';
  return el('td', { class: `num change move-${dir}` },
    change === null || change === undefined ? w('no_value') : [
      el('span', { 'aria-hidden': 'true', class: 'arrow' }, `${arrow} `),
      figure('zone_count', code, 'change', change, signed(change), { zone })]);
}

// ---- the counts -------------------------------------------------------------------

function countsTable(z) {
  const code = z.branch;
  const byZone = new Map(z.zones.map((x) => [x.zone, x]));
  const atRisk = (field) => AT_RISK.reduce((sum, k) => sum + (byZone.get(k)?.[field] ?? 0), 0);
  const now = atRisk('count'), before = atRisk('previous');
  return scrollBox(el('table', { class: 'zones' },
    el('caption', {}, w('zones_caption', { month: z.month, previous: z.previous_month })),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, w('zone')),
      el('th', { scope: 'col', class: 'num' }, w('count')),
      el('th', { scope: 'col', class: 'num' }, w('previous')),
      el('th', { scope: 'col', class: 'num' }, w('change')))),
    el('tbody', {}, ZONES.map((zone) => {
      const x = byZone.get(zone) || { count: null, previous: null, change: null };
      return el('tr', { class: `zone-${zone}${AT_RISK.includes(zone) ? ' at-risk' : ''}`, dataset: { zone } },
        el('th', { scope: 'row' }, swatch(zone), zoneName(zone)),
        el('td', { class: 'num' }, figure('zone_count', code, zone, x.count, fmtCount(x.count), { zone })),
        el('td', { class: 'num' }, figure('zone_count', code, 'previous', x.previous, fmtCount(x.previous), { zone })),
        changeCell(code, zone, x.change));
    })),
    el('tfoot', {}, el('tr', { class: 'at-risk total' },
      el('th', { scope: 'row', title: w('zones_at_risk') }, w('at_risk_total')),
      el('td', { class: 'num' }, figure('zone_count', code, 'at_risk', now, fmtCount(now))),
      el('td', { class: 'num' }, figure('zone_count', code, 'previous', before, fmtCount(before), { zone: 'at_risk' })),
      changeCell(code, 'at_risk', now - before)))));
}

// ---- the at-risk lists -------------------------------------------------------------

function downloads(z) {
  const link = (zone, text) => {
    const href = apiUrl('/api/v1/zones/customers',
      { branch: z.branch, month: z.month, zone, lang: boot.lang === 'en' ? 'en' : null });
    return el('a', { href, download: `at-risk-${z.branch}-${z.month}${zone ? `-${zone}` : ''}.csv`,
      type: 'text/csv', dataset: { zone: zone || 'at_risk' } }, text);
  };
  return el('section', { class: 'panel downloads', 'aria-labelledby': 'downloads-title' },
    el('h2', { id: 'downloads-title' }, w('downloads')),
    el('ul', { class: 'links' },
      el('li', { class: 'all' }, el('span', { 'aria-hidden': 'true', class: 'glyph' }, '⤓ '), link(null, w('download'))),
      AT_RISK.map((zone) => el('li', { class: `zone-${zone}` }, swatch(zone),
        link(zone, w('download_zone', { zone: zoneName(zone) }))))),
    el('p', { class: 'note' }, w('downloads_note')));
}

// ---- the branches below ------------------------------------------------------------

function countsOf(kpis, code) {
  const out = {};
  for (const v of kpis?.values || []) if (v.kpi === 'zone_count' && v.branch === code) out[v.dim] = v.value;
  return out;
}

// The branches below, the largest share at risk first (a count alone
// ranks the big branches worst: 武汉's 19 of 763 beside 十堰's 16 of 318).
function childrenTable(z, children, counts) {
  const PCT = new Intl.NumberFormat(boot.lang === 'en' ? 'en' : 'zh-CN',
    { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const rows = children.map((c, i) => {
    const n = counts[i];
    const any = Object.keys(n).length > 0;
    const atRisk = any ? AT_RISK.reduce((sum, k) => sum + (n[k] ?? 0), 0) : null;
    const all = any ? ZONES.reduce((sum, k) => sum + (n[k] ?? 0), 0) : 0;
    return { c, n, any, atRisk, share: all > 0 ? atRisk / all : null };
  }).sort((a, b) => (b.share ?? -1) - (a.share ?? -1));
  return scrollBox(el('table', { class: 'children' },
    el('caption', {}, `${w('zone_counts')} · ${z.month}`),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, w('branch')),
      ZONES.map((zone) => el('th', { scope: 'col', class: 'num' }, swatch(zone), zoneName(zone))),
      el('th', { scope: 'col', class: 'num', title: w('zones_at_risk') }, w('at_risk_total')),
      el('th', { scope: 'col', class: 'num', title: w('at_risk_share_title') }, w('at_risk_share')))),
    el('tbody', {}, rows.map(({ c, n, any, atRisk, share }) => el('tr', { dataset: { branch: c.code } },
      el('th', { scope: 'row' }, any
        ? el('a', { href: pageUrl('/zones', { branch: c.code, month: params.month }), title: w('drill') }, c.name)
        : c.name),
      ZONES.map((zone) => el('td', { class: 'num' },
        figure('zone_count', c.code, zone, n[zone] ?? null, fmtCount(n[zone] ?? null), { zone }))),
      el('td', { class: 'num' }, figure('zone_count', c.code, 'at_risk', atRisk, fmtCount(atRisk))),
      el('td', { class: 'num share' }, share === null ? w('no_value') : PCT.format(share)))))));
}

// The chart draws the branches below (a branch without any: itself).
function zonesChart(z, rows, box) {
  const counts = rows.map(({ name, n }) => `${name} ${ZONES.map((zone) =>
    `${zoneName(zone)} ${fmtCount(n[zone] ?? null)}`).join(SEP.item)}`).join(SEP.group);
  const width = widthIn(box);
  const height = 100 + Math.max(1, rows.length) * 28;
  return chart('zones', { branch: z.branch, date: z.as_of }, w('chart_alt_zones', { counts }), width, height);
}

// ---- the moves --------------------------------------------------------------------

function movesTable(z) {
  if (!Array.isArray(z.moves)) {
    return el('p', { class: 'moves-unknown', dataset: { moves: 'unknown' } },
      el('strong', {}, `${w('moves')} · ${z.previous_month} → ${z.month}`), el('br'), w('moves_unknown'));
  }
  const rank = (zone) => (MOVE_ORDER.includes(zone) ? MOVE_ORDER.indexOf(zone) : MOVE_ORDER.length);
  const moves = [...z.moves].sort((a, b) => rank(a.from) - rank(b.from) || rank(a.to) - rank(b.to));
  const zoneCell = (zone) => [ZONES.includes(zone) ? swatch(zone) : null, zoneName(zone)];
  return scrollBox(el('table', { class: 'moves' },
    el('caption', {}, `${w('moves')} · ${z.previous_month} → ${z.month}`),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, w('from')),
      el('th', { scope: 'col' }, w('to')),
      el('th', { scope: 'col', class: 'num' }, w('members')))),
    el('tbody', {}, moves.map((m) => el('tr', {
      class: m.from === m.to ? 'stay' : null, dataset: { from: m.from, to: m.to },
    },
    el('th', { scope: 'row' }, zoneCell(m.from)),
    el('td', {}, el('span', { 'aria-hidden': 'true', class: 'to' }, '→ '), zoneCell(m.to)),
    el('td', { class: 'num' }, figure('zone_count', z.branch, 'members', m.members, fmtCount(m.members),
      { from: m.from, to: m.to })))))));
}

// ---- what each zone is --------------------------------------------------------------

// The zones' rules (domain.md) with the thresholds the run computed with
// (the API's limits; — when the run did not record them).
function definitions(z) {
  const L = z.limits || {};
  const money = new Intl.NumberFormat(boot.lang === 'en' ? 'en' : 'zh-CN',
    { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const num = (x, f) => (x === null || x === undefined ? w('no_value') : f(x));
  const values = { a: num(L.k5_bill_a, (x) => money.format(x)), b: num(L.k5_minutes_b, fmtCount),
    c: num(L.k5_minutes_c, fmtCount) };
  return el('section', { class: 'panel zone-defs', 'aria-labelledby': 'zone-defs-title' },
    el('h2', { id: 'zone-defs-title' }, w('zone_defs', { month: z.month, previous: z.previous_month })),
    el('dl', {}, ZONES.flatMap((zone) => [
      el('dt', { class: `zone-${zone}` }, swatch(zone), zoneName(zone)),
      el('dd', { dataset: { zone } }, w(`zone_def_${zone}`, values))])),
    el('p', { class: 'note' }, w('zone_defs_note')));
}

// ---- the page ---------------------------------------------------------------------

function monthPicker(z, months) {
  const select = el('select', { id: 'month', name: 'month' },
    months.map((m) => el('option', { value: m, selected: m === z.month }, m)));
  return pickerForm('filters', [el('label', { for: 'month' }, w('month'), select)],
    () => location.assign(pageUrl('/zones',
      { branch: params.branch, month: select.value === z.month ? params.month : select.value })));
}

start(async (main) => {
  const [z, tree, trend] = await Promise.all([
    api('/api/v1/zones', { branch: params.branch, month: params.month }), api('/api/v1/branches'),
    api('/api/v1/trend', { kpi: 'zone_count', branch: params.branch || boot.scope?.code, dim: 'white' })
      .catch(() => ({ series: [] }))]);
  const code = z.branch;
  const path = branchPath(tree, code);
  const node = path[path.length - 1] || { code, name: code, children: [] };
  main.querySelector('h1').textContent = `${w('zones_title')} · ${node.name}`;
  main.append(breadcrumbs(path, (n) => pageUrl('/zones', { branch: n.code, month: params.month })));

  const months = [...new Set((trend.series[0]?.points || [])
    .filter((p) => p.period && p.value !== null).map((p) => p.period))];
  if (!months.includes(z.month)) months.push(z.month);
  months.sort().reverse();
  main.append(monthPicker(z, months));

  main.append(el('div', { class: 'two' },
    el('section', { class: 'panel counts', 'aria-label': w('zone_counts') }, countsTable(z)),
    downloads(z)));

  // The branches below, each's counts from the run the chart draws, and the moves.
  const children = node.children || [];
  const chartBox = el('section', { class: 'panel', 'aria-labelledby': 'chart-title' },
    el('h2', { id: 'chart-title' }, children.length ? w('branches_below') : w('zones_title')));
  main.append(chartBox, el('section', { class: 'panel moves', 'aria-label': w('moves') }, movesTable(z)),
    definitions(z));
  const kpis = await Promise.all(children.map((c) =>
    api('/api/v1/kpis', { kpi: 'zone_count', branch: c.code, date: z.as_of }).catch(() => null)));
  const counts = children.map((c, i) => countsOf(kpis[i], c.code));
  const rows = children.length
    ? children.map((c, i) => ({ name: c.name, n: counts[i] })).filter((r) => Object.keys(r.n).length)
    : [{ name: node.name, n: Object.fromEntries(z.zones.map((x) => [x.zone, x.count])) }];
  chartBox.append(zonesChart(z, rows, chartBox));
  if (children.length) chartBox.append(childrenTable(z, children, counts));
});
