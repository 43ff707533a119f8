// The dashboard (/): a tile per KPI of the branch (value, status, change
// against the previous period, bullet graph, sparkline), the trend of one
// KPI, the ranking of the branch's children (a county: its siblings), and
// the zones at risk; drill-down by click, the as-of date picker.
import {
  KPIS, api, boot, branchName, branchPath, breadcrumbs, chart, el, figure, fmt, fmtChange, fmtCount, headline,
  kpiTitle, pageUrl, params, pointsText, reasonText, targets, runBar, scrollBox, widthIn, start,
  partialTag, shownDiff, statusBadge, w, word, zoneName,
} from './common.js';

const AT_RISK = ['white', 'red', 'yellow'];

// The point of the as-of date and the one before it (the previous period).
function lastTwo(trend, campaign) {
  const series = trend.series.find((s) => s.campaign === campaign) || trend.series[0];
  const points = series ? series.points : [];
  return { points, now: points[points.length - 1] || null, before: points[points.length - 2] || null };
}

function changeLine(kpi, code, now, before) {
  if (!now || !before || now.value === null || before.value === null) {
    return el('p', { class: 'change' }, w('no_previous'));
  }
  const delta = shownDiff(kpi, now.value, before.value);
  const arrow = delta > 0 ? '▲' : delta < 0 ? '▼' : '▬';
  // against what: a survey's month; else the run's date (K1's series is
  // monthly: its point before is the last month's end, 11-30, not "2026-11")
  const when = kpi.startsWith('satisfaction') ? before.period || before.date : before.date || before.period;
  return el('p', { class: 'change' },
    el('span', { 'aria-hidden': 'true' }, `${arrow} `),
    figure(kpi, code, 'change', delta, fmtChange(kpi, delta)),
    ` ${w('vs_previous')} (${when})`);
}

// How many of the branch's children are red on kpi, from the grid:
// "12 个地市中 6 个预警", linking to the alarm grid; null for a county.
function childrenLine(kpi, code, grid) {
  const k = grid?.kpis.indexOf(kpi) ?? -1;
  const children = grid ? grid.rows.filter((r) => r.parent === code) : [];
  if (k < 0 || !children.length) return null;
  const red = children.filter((r) => r.cells[k]?.status === 'red').length;
  return el('p', { class: `children${red ? ' some-red' : ''}` },
    el('a', { href: pageUrl('/alarms', { branch: code, date: params.date }) },
      w('tile_children_red', { n: children.length, level: w(`level_${children[0].level}`), red })));
}

function tile(kpi, code, value, trend, date, grid) {
  const campaign = value?.campaign ?? null;
  const { points, now, before } = lastTwo(trend, campaign);
  const dim = kpi.startsWith('satisfaction') ? boot.root_indicator : null;
  const chartParams = { kpi, branch: code, date, dim, campaign };
  const title = kpiTitle(kpi);
  const base = value?.path_base ?? value?.target_base;
  const challenge = value?.path_challenge ?? value?.target_challenge;
  return el('section', { class: `tile st-${value?.status || 'none'}`, dataset: { kpi } },
    el('h2', {}, el('a', { href: pageUrl(`/branch/${code}`, { kpi, date: params.date }) }, title)),
    el('p', { class: 'value' }, figure(kpi, code, 'value', value?.value, fmt(kpi, value?.value)),
      ' ', statusBadge(value?.status)),
    // a survey is a month's: which one, beside its score
    value?.period ? el('p', { class: 'period' }, w('bulletin_survey', { month: value.period })) : null,
    value?.partial ? el('p', {}, partialTag(value)) : null,
    value?.reason ? el('p', { class: 'reason' }, reasonText(value.reason.split(','))) : null,
    changeLine(kpi, code, now, before),
    childrenLine(kpi, code, grid),
    // the bullet draws the day's points on the path when the KPI has one
    value ? chart('bullet', chartParams, w(value.path_base != null ? 'chart_alt_bullet_path'
      : 'chart_alt_bullet', {
      kpi: title, value: fmt(kpi, value.value), base: fmt(kpi, base), challenge: fmt(kpi, challenge),
    }), 300, 56, { cls: 'bullet' }) : null,
    targets(kpi, code, value),
    points.length > 1 ? chart('sparkline', chartParams,
      w('chart_alt_trend', { kpi: title, points: pointsText(kpi, points, 6) }), 240, 40,
      { format: 'svg', cls: 'spark' }) : null);
}

// month: the zone lists' (the warehouse's last closed month at the run's
// date, domain.md K5), from the zones' trend; null: not known
function zonesTile(values, code, month) {
  const counts = Object.fromEntries(values.filter((v) => v.kpi === 'zone_count' && v.branch === code)
    .map((v) => [v.dim, v.value]));
  // no zone counted (a branch without members): no total either, not 0
  const atRisk = AT_RISK.some((z) => typeof counts[z] === 'number')
    ? AT_RISK.reduce((sum, z) => sum + (counts[z] || 0), 0) : null;
  return el('section', { class: 'tile zones', dataset: { kpi: 'zone_count' } },
    el('h2', {}, el('a', { href: pageUrl('/zones', { branch: code }) }, w('zones_tile'))),
    el('p', { class: 'value' }, figure('zone_count', code, 'at_risk', atRisk, fmtCount(atRisk)),
      ` ${w('zones_at_risk')}`),
    month ? el('p', { class: 'period' }, w('zones_month', { month })) : null,
    el('ul', { class: 'zone-counts' }, AT_RISK.map((z) => el('li', { class: `zone-${z}` },
      el('span', { class: 'swatch', 'aria-hidden': 'true' }),
      `${zoneName(z)} `, figure('zone_count', code, z, counts[z] ?? null, fmtCount(counts[z] ?? null))))));
}

// The run's data-quality counts (docs/kpis.md, "Data quality"): the rules
// that found rows, each in words with what is done with them, beside its
// code; the rules that found none counted.
function qualityPanel(q) {
  const found = q.data_quality.filter((r) => r.rows > 0);
  const total = found.reduce((sum, r) => sum + r.rows, 0);
  return el('details', { class: 'panel dq', id: 'data-quality' },
    el('summary', {}, w(found.length ? 'dq_summary' : 'dq_summary_none',
      { date: q.as_of, rules: found.length, rows: fmtCount(total) })),
    found.length ? el('ul', {}, found.map((r) => el('li', { dataset: { rule: r.rule, rows: String(r.rows) } },
      `${word('dq_', r.rule)} `, el('code', {}, r.rule), ` · ${w('dq_rows', { rows: fmtCount(r.rows) })}`,
      // which branches stand alone, each to its page (the rule said they
      // are counted apart, and none was named anywhere)
      r.rule === 'branch_without_parent' && q.branches_without_parent?.length
        ? [w('dq_which'), ...q.branches_without_parent.flatMap((b, i) => [i ? w('bulletin_list_sep') : '',
          el('a', { href: pageUrl(`/branch/${b.code}`, { date: params.date }) }, `${b.name}（${b.code}）`)])]
        : null))) : null,
    el('p', { class: 'note' }, w('dq_zero', { n: q.data_quality.length - found.length })));
}

// A rank change as shown (▲ 1) and as read (上升 1 位, up 1): the glyph is
// not read.
function rankChange(change) {
  if (change === null) return w('no_value');
  if (change === 0) return w('bulletin_no_change');
  const n = Math.abs(change);
  return [el('span', { 'aria-hidden': 'true' }, `${change > 0 ? '▲' : '▼'} ${n}`),
    el('span', { class: 'sr-only' }, w(change > 0 ? 'rank_up' : 'rank_down', { n }))];
}

// Each entry's status is judged against its own base (a city's target is
// not its counties'), the path's point of the day for a KPI judged on its
// path (K1, K3): one base for all said in the caption, else each beside
// its status.
function rankingTable(ranking, code, kpi, nodes, siblings) {
  const path = ranking.entries.some((e) => e.path_base !== null && e.path_base !== undefined);
  const baseField = path ? 'path_base' : 'target_base';
  const bases = [...new Set(ranking.entries.map((e) => e[baseField] ?? null))];
  const column = bases.length > 1;
  const rows = ranking.entries.map((e) => {
    const node = nodes.get(e.branch);
    const drill = node && node.children && node.children.length;
    const href = drill ? pageUrl('/', { branch: e.branch, date: params.date })
      : pageUrl(`/branch/${e.branch}`, { date: params.date });
    const change = e.rank_change ?? null;
    return el('tr', { dataset: { branch: e.branch }, class: [e.branch === code ? 'self' : '', e.bottom ? 'bottom' : ''].join(' ').trim() || null },
      el('td', {}, figure(kpi, e.branch, 'rank', e.rank, String(e.rank))),
      // a published ranking names branches outside the user's scope: no link to those
      el('th', { scope: 'row' }, node ? el('a', { href, title: drill ? w('drill') : w('open_branch') }, branchName(e.name))
        : branchName(e.name),
        e.bottom ? el('span', { class: 'tag' }, w('bottom')) : null),
      el('td', { class: 'num' }, figure(kpi, e.branch, 'value', e.value, fmt(kpi, e.value))),
      column ? el('td', { class: 'num base' }, figure(kpi, e.branch, baseField, e[baseField] ?? null, fmt(kpi, e[baseField] ?? null))) : null,
      el('td', {}, statusBadge(e.status)),
      el('td', { class: 'num' }, rankChange(change)));
  });
  return el('table', { class: 'ranking' },
    el('caption', {}, `${siblings ? w('ranking_siblings') : w('ranking')} · ${kpiTitle(kpi)}`,
      !column && bases[0] !== null && bases[0] !== undefined
        ? el('span', { class: 'base' }, ` · ${w(path ? 'base_path' : 'base')} `, figure(kpi, '', baseField, bases[0], fmt(kpi, bases[0])))
        : null),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, w('rank')), el('th', { scope: 'col' }, w('branch')),
      el('th', { scope: 'col' }, w('value')),
      // narrow: the short word, the whole one its title
      column ? el('th', { scope: 'col', class: 'num base', title: w(path ? 'base_path' : 'base') }, w('base_short')) : null,
      el('th', { scope: 'col' }, w('status')),
      // against which run: K1's month before (11-30), K3's day before (12-02)
      el('th', { scope: 'col' }, w('rank_change'), ranking.previous_date
        ? el('span', { class: 'since' }, w('rank_change_since', { date: ranking.previous_date.slice(5) })) : null))),
    el('tbody', {}, rows));
}

function flatten(tree) {
  const nodes = new Map();
  const walk = (node, parent) => {
    nodes.set(node.code, { ...node, parent });
    for (const c of node.children || []) walk(c, node.code);
  };
  for (const root of tree.branches || []) walk(root, null);
  return nodes;
}

// Which ranking a branch is shown in: its children's, or (a county, no
// children) the one it stands in; null for none: a county outside every
// city (the warehouse's unassigned grid), a root of the tree other than the
// user's own.
const rankingWhere = (node, code) => {
  if (node?.children?.length || !(node?.level > 0)) return { parent: code };
  return node.parent === null && code !== boot.scope?.code ? null : { of: code };
};
const noRanking = () => Promise.resolve(null);

start(async (main) => {
  // the branch shown: the parameter, else the user's root (never "every branch": 2 MB)
  const code = params.branch || boot.scope?.code;
  const dimOf = (kpi) => (kpi.startsWith('satisfaction') ? boot.root_indicator : null);
  // every request at once: the first view waits for the slowest, not for a chain
  const treeP = api('/api/v1/branches');
  const firstRanking = treeP.then((tree) => {
    const where = rankingWhere(flatten(tree).get(code), code);
    return where ? api('/api/v1/ranking', { kpi: KPIS[0], ...where, date: params.date }) : null;
  });
  // the warehouse's data-quality counts: the province's overview, for the
  // roles that see every branch (a branch manager's answer is a 403)
  const qualityP = boot.role !== 'branch_manager' && boot.scope?.level === 0 && code === boot.scope.code
    ? api('/api/v1/data-quality', { date: params.date }).catch(() => null) : null;
  // the children's statuses, for each tile's count of the red ones (a
  // county has none: its grid is its own row)
  const gridP = api('/api/v1/grid', { branch: code, date: params.date }).catch(() => null);
  const [runs, kpis, tree, trends, zoneTrend, quality, grid] = await Promise.all([
    api('/api/v1/runs', { date: params.date }),
    api('/api/v1/kpis', { branch: code, date: params.date }), treeP,
    Promise.all(KPIS.map((kpi) => api('/api/v1/trend', { kpi, branch: code, to: params.date, dim: dimOf(kpi) })
      .catch(() => ({ series: [] })))),
    api('/api/v1/trend', { kpi: 'zone_count', branch: code, to: params.date, dim: AT_RISK[0] })
      .catch(() => ({ series: [] })),
    qualityP,
    gridP,
  ]);
  const zonePoints = zoneTrend.series[0]?.points ?? [];
  const zonePoint = zonePoints[zonePoints.length - 1];
  const nodes = flatten(tree);
  const node = nodes.get(code);
  main.querySelector('h1').textContent = `${w('nav_dashboard')} · ${node?.name ?? ''}`;
  main.append(breadcrumbs(branchPath(tree, code), (n) => pageUrl('/', { branch: n.code, date: params.date })));
  main.append(runBar(runs, (d) => location.assign(pageUrl('/', { branch: params.branch, date: d }))));
  main.append(el('p', { class: 'reports-link' },
    el('a', { href: pageUrl('/reports', { branch: params.branch }) }, `${w('reports_link')} →`)));
  main.append(el('div', { class: 'tiles' },
    KPIS.map((kpi, i) => tile(kpi, code, headline(kpis.values, kpi, code), trends[i], params.date, grid)),
    zonesTile(kpis.values, code, zonePoint?.date === kpis.as_of ? zonePoint.period : null)));

  if (quality) main.append(qualityPanel(quality));

  // The trend of one KPI and the ranking by it; the picker chooses.
  const picker = el('select', { id: 'kpi-pick' }, KPIS.map((k) => el('option', { value: k }, kpiTitle(k))));
  const detail = el('div', { class: 'detail' });
  const where = rankingWhere(node, code);
  const show = async (kpi, rankingP) => {
    const i = KPIS.indexOf(kpi);
    const value = headline(kpis.values, kpi, code);
    const { points } = lastTwo(trends[i], value?.campaign ?? null);
    const trend = el('section', { class: 'trend' }, el('h2', {}, `${w('trend_of')}${kpiTitle(kpi)}`),
      chart('trend', { kpi, branch: code, date: params.date, dim: dimOf(kpi), campaign: value?.campaign ?? null },
        w('chart_alt_trend', { kpi: kpiTitle(kpi), points: pointsText(kpi, points) }), widthIn(main, 300, 720), 280,
        { cls: 'trend-chart' }));
    // a county outside every city (the warehouse's unassigned grid) stands in no ranking
    const ranking = await (rankingP || (where ? api('/api/v1/ranking', { kpi, ...where, date: params.date }) : noRanking()))
      .catch((e) => { if (where?.of !== undefined && e.status === 400 && e.param === 'of') return null; throw e; });
    detail.replaceChildren(trend,
      el('section', { class: 'rank' }, ranking ? scrollBox(
        rankingTable(ranking, code, kpi, nodes, where.of !== undefined))
        : el('p', { class: 'notice' }, w('ranking_no_parent'))));
  };
  picker.addEventListener('change', () => show(picker.value).catch(() => {}));
  main.append(el('div', { class: 'pick' }, el('label', { for: 'kpi-pick' }, w('kpi')), picker), detail);
  await show(KPIS[0], firstRanking);
});
