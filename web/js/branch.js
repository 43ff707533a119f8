// A branch (/branch/CODE?kpi=&date=): every KPI of one branch with its
// status and reasons, its rank among its siblings, its trend and its
// breakdown (tiers, policies, indicators), the branch's alarms and zones.
// ?kpi= opens the page at that KPI (the alarm grid's cells link here).
import {
  COLON, KPIS, api, boot, branchPath, gapsLine, breadcrumbs, chart, el, figure, fmt, fmtCount, headline, isRate, kpiTitle,
  pageUrl, params, partialTag, pointsText, targets, reasonText, runBar, scrollBox, start, statusBadge, w,
  widthIn, word, zoneName,
} from './common.js';

const indicator = (d) => boot.indicators?.[d] ?? d;
// A tier's or policy's word; a code the labels do not know (an operator's
// own policy) is shown as it is.
const wordOf = (prefix) => (d) => word(prefix, d);
const DIM_WORD = {
  in_network_rate: wordOf('tier_'),
  bundling_coverage: wordOf('policy_'),
  satisfaction: indicator,
  satisfaction_gotone: indicator,
};
// what the breakdown's first column names, by KPI
const DIM_HEADER = { in_network_rate: 'dim_tier', bundling_coverage: 'dim_policy' };
const isHeadline = (a) => a.dim === null || a.dim === boot.root_indicator;

// A numerator or denominator: a count for the rates, a sum of scores for
// satisfaction (two decimals every time: 541.30, not 541.3 beside 542.81).
const SUM = new Intl.NumberFormat(boot.lang === 'en' ? 'en' : 'zh-CN',
  { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const amount = (kpi, x) => (isRate(kpi) ? fmtCount(x) : SUM.format(x));

// K2's tiers from the highest down (the API lists dims by their codes:
// diamond, gold, member, silver)
const TIERS = ['diamond', 'gold', 'silver', 'member'];
const tierOrder = (a, b) => (TIERS.indexOf(a.dim) + 1 || 99) - (TIERS.indexOf(b.dim) + 1 || 99);

function breakdown(kpi, code, values, value) {
  const rows = values.filter((v) => v.kpi === kpi && v.branch === code && v.dim !== null &&
    v.dim !== boot.root_indicator && (value?.campaign === undefined || v.campaign === value.campaign));
  if (!rows.length) return null;
  if (kpi === 'in_network_rate') rows.sort(tierOrder);
  const name = DIM_WORD[kpi] || ((d) => d);
  return scrollBox(el('table', { class: 'breakdown' },
    el('caption', {}, `${w('breakdown')} · ${kpiTitle(kpi)}`),
    // the status beside the value, the parts after: on a phone the box
    // scrolls, and what is judged stays in view
    el('thead', {}, el('tr', {}, [w(DIM_HEADER[kpi] || 'indicator'), w('value'), w('status'),
      w('numerator'), w('denominator')]
      .map((h, i) => el('th', { scope: 'col', class: i === 1 || i > 2 ? 'num' : null }, h)))),
    el('tbody', {}, rows.map((v) => el('tr', {},
      el('th', { scope: 'row' }, name(v.dim), v.partial ? ' ' : null, partialTag(v)),
      el('td', { class: 'num' }, figure(kpi, code, 'value', v.value, fmt(kpi, v.value), { dim: v.dim })),
      // why, beside a status that is not the value against the targets shown
      el('td', {}, statusBadge(v.status, v.target_base === null),
        v.reason ? el('span', { class: 'reason' }, ` ${reasonText(v.reason.split(','))}`) : null),
      el('td', { class: 'num' }, v.numerator === null ? w('no_value') : amount(kpi, v.numerator)),
      // a K4 leaf's denominator is its number of responses: a count
      el('td', { class: 'num' }, v.denominator === null ? w('no_value') : fmtCount(v.denominator)))))));
}

function rankLine(kpi, code, ranking, unranked) {
  if (unranked) return el('p', { class: 'rank' }, w('ranking_no_parent'));
  const entry = ranking?.entries.find((e) => e.branch === code);
  if (!entry) return null;
  return el('p', { class: 'rank' }, `${w('rank_among')}${COLON}`,
    figure(kpi, code, 'rank', entry.rank, String(entry.rank)), ` ${w('of_n', { n: ranking.entries.length })}`,
    entry.bottom ? el('span', { class: 'tag' }, w('bottom')) : null);
}

function block(kpi, code, kpis, ranking, trend, date, unranked) {
  const value = headline(kpis.values, kpi, code);
  const dim = kpi.startsWith('satisfaction') ? boot.root_indicator : null;
  const series = trend.series.find((s) => s.campaign === (value?.campaign ?? null)) || trend.series[0];
  const points = series ? series.points : [];
  return el('section', { class: 'kpi-block', id: `kpi-${kpi}`, dataset: { kpi }, tabindex: '-1' },
    el('div', { class: 'head' },
      el('h2', {}, kpiTitle(kpi)),
      el('p', { class: 'value' }, figure(kpi, code, 'value', value?.value, fmt(kpi, value?.value))),
      statusBadge(value?.status), partialTag(value)),
    value?.reason ? el('p', { class: 'reason' }, `${w('reason')}${COLON}${reasonText(value.reason.split(','))}`) : null,
    targets(kpi, code, value),
    gapsLine(kpi, value),
    rankLine(kpi, code, ranking, unranked),
    el('div', { class: 'two' },
      points.length ? chart('trend', { kpi, branch: code, date, dim, campaign: value?.campaign ?? null },
        w('chart_alt_trend', { kpi: kpiTitle(kpi), points: pointsText(kpi, points) }),
        widthIn(document.getElementById('main'), 300, 560), 220) : el('p', {}, w('no_data')),
      breakdown(kpi, code, kpis.values, value)));
}

function alarmsPanel(alarms, code) {
  // the red first, then the excellent (the API lists both)
  const mine = alarms.alarms.filter((a) => a.branch === code && isHeadline(a))
    .sort((a, b) => (a.status === 'red' ? 0 : 1) - (b.status === 'red' ? 0 : 1));
  return el('section', { class: 'panel', id: 'alarms' }, el('h2', {}, w('alarms_here')),
    mine.length ? el('ul', {}, mine.map((a) => el('li', {}, statusBadge(a.status), ' ',
      el('a', { href: `#kpi-${a.kpi}` }, kpiTitle(a.kpi)), ` ${fmt(a.kpi, a.value)} · `,
      reasonText(a.reasons)))) : el('p', {}, w('none_alarms')));
}

// The zones from the most at risk down (the API's order is by name).
const ZONE_ORDER = ['white', 'red', 'yellow', 'blue', 'green'];

function zonesPanel(kpis, code) {
  const counts = kpis.values.filter((v) => v.kpi === 'zone_count' && v.branch === code)
    .sort((a, b) => ZONE_ORDER.indexOf(a.dim) - ZONE_ORDER.indexOf(b.dim));
  return el('section', { class: 'panel', id: 'zones' }, el('h2', {},
    el('a', { href: pageUrl('/zones', { branch: code }) }, w('zones_title'))),
    counts.length ? el('ul', { class: 'zone-counts' }, counts.map((v) => el('li', { class: `zone-${v.dim}` },
      el('span', { class: 'swatch', 'aria-hidden': 'true' }), `${zoneName(v.dim)} `,
      figure('zone_count', code, v.dim, v.value, fmtCount(v.value))))) : el('p', {}, w('no_data')));
}

start(async (main) => {
  const code = params.branch;
  const runs = await api('/api/v1/runs', { date: params.date });
  const [kpis, tree, alarms] = await Promise.all([
    api('/api/v1/kpis', { branch: code, date: params.date }), api('/api/v1/branches'),
    api('/api/v1/alarms', { branch: code, date: params.date })]);
  const path = branchPath(tree, code);
  const node = path[path.length - 1];
  main.querySelector('h1').textContent = node?.name ?? code;
  main.append(breadcrumbs(path, (n) => pageUrl('/', { branch: n.code, date: params.date })));
  main.append(runBar(runs, (d) => location.assign(pageUrl(`/branch/${code}`, { kpi: params.kpi, date: d }))));
  const date = runs.as_of;
  // a county stands in its parent's ranking; one outside every city (a root
  // of the tree other than the user's own) in none
  const unranked = node?.level > 0 && path.length === 1 && code !== boot.scope?.code;
  const [rankings, trends] = await Promise.all([
    Promise.all(KPIS.map((kpi) => (node?.level > 0 && !unranked ? api('/api/v1/ranking', { kpi, of: code, date: params.date })
      .catch(() => null) : Promise.resolve(null)))),
    Promise.all(KPIS.map((kpi) => api('/api/v1/trend', {
      kpi, branch: code, to: params.date, dim: kpi.startsWith('satisfaction') ? boot.root_indicator : null,
    }).catch(() => ({ series: [] })))),
  ]);
  main.append(el('div', { class: 'two' }, alarmsPanel(alarms, code), zonesPanel(kpis, code)));
  main.append(...KPIS.map((kpi, i) => block(kpi, code, kpis, rankings[i], trends[i], date, unranked)));
  if (params.kpi) {
    const target = document.getElementById(`kpi-${params.kpi}`);
    if (target) {
      target.classList.add('focus');
      target.scrollIntoView();
      target.focus({ preventScroll: true });
    }
  }
});
