// Satisfaction (/satisfaction?branch=&month=&kpi=): the panorama
// (满意度全景视图) of /api/v1/satisfaction as a table and as a chart, the
// month and brand pickers, the branches below with their composite score
// (drill down), and 由果推因: for a node and a goal, which leaves hold it back
// most and how far each one alone would have to rise (web/js/cause.js).
import {
  api, boot, branchName, branchPath, breadcrumbs, chart, el, figure, fmt, fmtChange, kpiTitle, pageUrl, params,
  fitScroll, partialTag, pickerForm, scrollBox, start, statusBadge, w, widthIn,
} from './common.js';
import { analyse, causeNodes, defaultGoal, findNode, parseGoal } from './cause.js';

const BRANDS = ['satisfaction', 'satisfaction_gotone'];
const ARROW = { up: '▲', down: '▼' };
// the panorama's excellent is not the alarms' (★: the challenge reached)
const FLAG = { warn: '⚠', excellent: '◆' };
const PERCENT = new Intl.NumberFormat(boot.lang === 'en' ? 'en' : 'zh-CN',
  { style: 'percent', maximumFractionDigits: 2 });

// The colour of an arrow by the configured convention: `cn` (the
// operator's) a rise red and a fall green, `intl` the other way round.
const tone = (arrow) => ((arrow === 'up') === (boot.arrows !== 'intl') ? 'tone-red' : 'tone-green');

// A weight as the warehouse gives it (relative to its siblings').
const weightText = (x) => (typeof x === 'number' ? String(Number(x.toFixed(4))) : w('no_value'));

const pts = (n) => (n === null || n === undefined || !Number.isFinite(n) ? w('no_value') : n.toFixed(2));

// The indicator tree depth first, with depths.
function flat(indicators) {
  const out = [];
  const walk = (node, depth) => {
    out.push({ node, depth });
    for (const child of node.children || []) walk(child, depth + 1);
  };
  for (const root of indicators) walk(root, 0);
  return out;
}

function arrowMark(arrow) {
  if (!arrow) return null;
  return el('span', { class: `arrow arrow-${arrow} ${tone(arrow)}`, dataset: { arrow } },
    el('span', { 'aria-hidden': 'true' }, ARROW[arrow]), w(`arrow_${arrow}`));
}

function flagMark(flag) {
  if (!flag) return w('no_value');
  return el('span', { class: `status flag flag-${flag} ${flag === 'warn' ? 'st-red' : 'st-excellent'}`, dataset: { flag } },
    el('span', { 'aria-hidden': 'true', class: 'glyph' }, FLAG[flag]), ' ', w(`flag_${flag}`));
}

// ---- the panorama ---------------------------------------------------------------

function panoramaRow(kpi, code, node, depth) {
  const dim = { dim: node.code };
  // the indicator's name; its code (the CSV's) only on hover, as a title
  const name = el('th', { scope: 'row', class: `indicator depth-${depth}`, title: node.code },
    node.name, partialTag(node) ? ' ' : null, partialTag(node));
  name.style.paddingLeft = `${0.5 + depth * 1.25}rem`;
  const change = node.change === null || node.change === undefined ? w('no_value')
    : figure(kpi, code, 'change', node.change, fmtChange(kpi, node.change), dim);
  return el('tr', { class: [`depth-${depth}`, node.partial ? 'partial' : '', node.flag ? `flag-${node.flag}` : ''].join(' ').trim(),
    dataset: { indicator: node.code, depth: String(depth) } },
  // the score and its flag first: on a phone the rest scrolls, what is
  // judged stays in view (the flag was the last column, off screen)
  name,
  el('td', { class: 'num' }, figure(kpi, code, 'value', node.value, fmt(kpi, node.value), dim)),
  el('td', {}, flagMark(node.flag)),
  el('td', { class: 'num change' }, change, node.arrow ? ' ' : null, arrowMark(node.arrow)),
  el('td', { class: 'num' }, figure(kpi, code, 'target_base', node.target_base, fmt(kpi, node.target_base), dim)),
  el('td', { class: 'num' }, figure(kpi, code, 'last_month', node.last_month, fmt(kpi, node.last_month), dim)),
  el('td', { class: 'num' }, figure(kpi, code, 'weight', node.weight, weightText(node.weight), dim)));
}

function panoramaTable(sat, rows) {
  const head = [w('indicator'), w('score'), w('flag'), w('change'), w('target'), w('last_month'), w('weight')];
  return scrollBox(el('table', { class: 'panorama' },
    el('caption', {}, w('panorama_caption', { kpi: kpiTitle(sat.kpi), month: sat.month, previous: sat.previous_month })),
    el('thead', {}, el('tr', {}, head.map((h, i) => el('th', { scope: 'col', class: i > 0 && i !== 2 ? 'num' : null }, h)))),
    el('tbody', {}, rows.map(({ node, depth }) => panoramaRow(sat.kpi, sat.branch, node, depth)))));
}

// The date of a run for the panorama chart of the survey month, which
// draws the month before its date: the month's own run when it is dated in
// the next month, nothing for the newest month (the chart's default), else
// any run of the next month; undefined when there is none.
async function chartDate(sat, months) {
  const [y, m] = sat.month.split('-').map(Number);
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  if (sat.as_of.startsWith(next)) return sat.as_of;
  if (sat.month === months[0]) return null;
  const runs = await api('/api/v1/runs').catch(() => ({ runs: [] }));
  return runs.runs.find((r) => r.as_of.startsWith(next))?.as_of;
}

// The chart is a table: narrower than PANORAMA_MIN its text would be too
// small to read, so a narrow screen scrolls it sideways instead.
const PANORAMA_MIN = 480;

function panoramaChart(sat, rows, box, date) {
  const points = rows.map(({ node }) => `${node.name} ${fmt(sat.kpi, node.value)}` +
    (node.flag ? ` ${w(`flag_${node.flag}`)}` : '')).join(boot.lang === 'en' ? ', ' : '，');
  const room = widthIn(box, 0);
  const width = Math.max(PANORAMA_MIN, room);
  const height = 60 + (rows.length + 1) * 24;
  const img = chart('panorama', { kpi: sat.kpi, branch: sat.branch, date },
    w('chart_alt_panorama', { points }), width, height);
  if (width > room) img.style.maxWidth = 'none';
  return scrollBox(img, `${w('panorama_chart')} · ${kpiTitle(sat.kpi)} · ${sat.month}`);
}

// ---- the branches below -----------------------------------------------------------

function childrenTable(kpi, month, node, ranking) {
  const byCode = new Map((ranking?.entries || []).map((e) => [e.branch, e]));
  const children = [...(node.children || [])].sort((a, b) => {
    const ea = byCode.get(a.code), eb = byCode.get(b.code);
    return (ea ? ea.rank : Infinity) - (eb ? eb.rank : Infinity) || a.code.localeCompare(b.code);
  });
  const rows = children.map((c) => {
    const e = byCode.get(c.code);
    return el('tr', { dataset: { branch: c.code }, class: e?.bottom ? 'bottom' : null },
      el('td', { class: 'num' }, e ? figure(kpi, c.code, 'rank', e.rank, String(e.rank)) : w('no_value')),
      el('th', { scope: 'row' }, e
        ? el('a', { href: pageUrl('/satisfaction', { branch: c.code, month, kpi: params.kpi }), title: w('drill') },
          branchName(c.name))
        : branchName(c.name), e?.bottom ? el('span', { class: 'tag' }, w('bottom')) : null),
      el('td', { class: 'num' }, e
        ? figure(kpi, c.code, 'value', e.value, fmt(kpi, e.value), { dim: boot.root_indicator })
        : w('no_data')),
      el('td', {}, e ? statusBadge(e.status) : null));
  });
  return scrollBox(el('table', { class: 'ranking children' },
    el('caption', {}, `${kpiTitle(kpi)} · ${month}`),
    el('thead', {}, el('tr', {}, [w('rank'), w('branch'), w('score'), w('status')]
      .map((h, i) => el('th', { scope: 'col', class: i === 0 || i === 2 ? 'num' : null }, h)))),
    el('tbody', {}, rows)));
}

// ---- 由果推因 -----------------------------------------------------------------------

function causeSection(sat) {
  const kpi = sat.kpi;
  const nodes = causeNodes(sat.indicators);
  const section = el('section', { class: 'panel cause', id: 'cause', 'aria-labelledby': 'cause-title' },
    el('h2', { id: 'cause-title' }, w('cause_title')),
    el('p', { class: 'intro' }, w('cause_intro')));
  if (!nodes.length) {
    section.append(el('p', {}, w('no_data')));
    return section;
  }
  const select = el('select', { id: 'cause-node', name: 'node' }, nodes.map((n) =>
    el('option', { value: n.code }, `${'\u00a0\u00a0'.repeat(n.depth)}${n.name}${boot.lang === 'en' ? ` (${fmt(kpi, n.value)})` : `（${fmt(kpi, n.value)}）`}`)));
  const input = el('input', {
    id: 'cause-goal', name: 'goal', type: 'number', min: '0', max: '100', step: '0.01',
    inputmode: 'decimal', required: true, 'aria-describedby': 'cause-summary',
  });
  const summary = el('p', { id: 'cause-summary', class: 'summary', 'aria-live': 'polite' });
  const result = scrollBox(null);
  const head = [w('indicator'), w('cause_effective_weight'), `${w('score')} (${w('score_points')})`,
    `${w('cause_gap')} (${w('score_points')})`, `${w('cause_weight_gap')} (${w('score_points')})`,
    `${w('cause_rise')} (${w('score_points')})`];

  const cell = (field, raw, text, extra = {}) => el('td', { class: 'num', dataset: { field, raw: String(raw), ...extra } }, text);
  const riseCell = (r, leaf) => {
    if (r.reached) return cell('rise', 0, w('no_value'), { state: 'reached' });
    if (!leaf.reachable) {
      return el('td', { class: 'unreachable', dataset: { field: 'rise', raw: String(leaf.rise), state: 'unreachable' } },
        el('span', { 'aria-hidden': 'true' }, '✖ '), w('cause_unreachable'), ' ',
        el('span', { class: 'cap' }, `(${w('cause_unreachable_detail', {
          rise: Number.isFinite(leaf.rise) ? pts(leaf.rise) : '∞', cap: pts(leaf.cap) })})`));
    }
    return cell('rise', leaf.rise, `+${pts(leaf.rise)}`, { state: 'reachable' });
  };

  const render = () => {
    const node = findNode(sat.indicators, select.value);
    const goal = parseGoal(input.value);
    section.dataset.node = select.value;
    if (goal === null) {
      input.setAttribute('aria-invalid', 'true');
      summary.textContent = w('cause_invalid');
      summary.dataset.state = 'invalid';
      result.replaceChildren();
      result.removeAttribute('aria-label');
      fitScroll(result);
      return;
    }
    input.removeAttribute('aria-invalid');
    const r = analyse(node, goal);
    summary.dataset.state = r.reached ? 'reached' : 'open';
    summary.dataset.raw = String(r.need);
    const text = w(r.reached ? 'cause_summary_reached' : 'cause_summary',
      { node: r.name, now: pts(r.score), goal: pts(goal), need: pts(r.need) });
    summary.replaceChildren(...(r.reached
      ? [el('span', { class: 'status st-green' }, el('span', { 'aria-hidden': 'true' }, '✔ '), w('cause_reached')), ' ', text]
      : [text]));
    result.replaceChildren(el('table', { class: 'cause-table', dataset: { node: r.code, goal: String(goal) } },
      el('caption', {}, w('cause_table', { node: r.name, goal: pts(goal) })),
      el('thead', {}, el('tr', {}, head.map((h, i) => el('th', { scope: 'col', class: i ? 'num' : null }, h)))),
      el('tbody', {}, r.leaves.map((leaf) => el('tr', {
        dataset: { indicator: leaf.code, reachable: String(leaf.reachable) },
        class: leaf.reachable ? null : 'unreachable',
      },
      el('th', { scope: 'row' }, leaf.path.length > 1
        ? [el('span', { class: 'path' }, `${leaf.path.slice(0, -1).join(' › ')} › `), leaf.name] : leaf.name),
      cell('weight', leaf.weight, PERCENT.format(leaf.weight)),
      cell('score', leaf.score, pts(leaf.score)),
      cell('gap', leaf.gap, pts(leaf.gap)),
      cell('hold_back', leaf.holdBack, pts(leaf.holdBack)),
      riseCell(r, leaf))))));
    result.setAttribute('aria-label', result.querySelector('caption').textContent);
    fitScroll(result);
  };
  const reset = () => {
    const goal = defaultGoal(findNode(sat.indicators, select.value));
    input.value = goal === null ? '' : String(goal);
    render();
  };
  select.addEventListener('change', reset);
  input.addEventListener('input', render);
  input.addEventListener('change', render);
  section.append(
    el('div', { class: 'filters' },
      el('label', { for: 'cause-node' }, w('cause_node'), select),
      el('label', { for: 'cause-goal' }, w('cause_goal'), input)),
    summary, result);
  reset();
  return section;
}

// ---- the page -----------------------------------------------------------------------

function pickers(sat, months) {
  const month = el('select', { id: 'month', name: 'month' },
    months.map((m) => el('option', { value: m, selected: m === sat.month }, m)));
  const brand = el('select', { id: 'brand', name: 'kpi' },
    BRANDS.map((k) => el('option', { value: k, selected: k === sat.kpi }, kpiTitle(k))));
  const go = () => location.assign(pageUrl('/satisfaction', {
    branch: params.branch, month: month.value && month.value !== sat.month ? month.value : params.month,
    kpi: brand.value === BRANDS[0] ? null : brand.value,
  }));
  return pickerForm('filters', [
    months.length ? el('label', { for: 'month' }, w('month'), month) : null,
    el('label', { for: 'brand' }, w('brand'), brand)], go);
}

start(async (main) => {
  const kpi = BRANDS.includes(params.kpi) ? params.kpi : BRANDS[0];
  const code = params.branch || boot.scope?.code;
  const [sat, tree, trend] = await Promise.all([
    api('/api/v1/satisfaction', { branch: params.branch, month: params.month, kpi: params.kpi }),
    api('/api/v1/branches'),
    api('/api/v1/trend', { kpi, branch: code, dim: boot.root_indicator }).catch(() => ({ series: [] }))]);
  const months = [...new Set((trend.series[0]?.points || [])
    .filter((p) => p.period && p.value !== null).map((p) => p.period))];
  if (!months.includes(sat.month)) months.push(sat.month);
  months.sort().reverse();

  const path = branchPath(tree, sat.branch);
  const node = path[path.length - 1] || { code: sat.branch, name: sat.branch, children: [] };
  main.querySelector('h1').textContent = `${w('satisfaction_title')} · ${node.name}`;
  main.append(
    breadcrumbs(path, (n) => pageUrl('/satisfaction', { branch: n.code, month: params.month, kpi: params.kpi })),
    pickers(sat, months));

  const rows = flat(sat.indicators);
  main.append(el('section', { class: 'panel panorama', 'aria-label': w('satisfaction_title') },
    panoramaTable(sat, rows), el('p', { class: 'note', id: 'panorama-rule' }, w('panorama_rule'))));

  // The chart beside the branches below (when there are any), then 由果推因.
  const chartBox = el('section', { class: 'panel', 'aria-labelledby': 'chart-title' },
    el('h2', { id: 'chart-title' }, w('panorama_chart')));
  const childBox = node.children?.length
    ? el('section', { class: 'panel', id: 'children', 'aria-labelledby': 'children-title' },
      el('h2', { id: 'children-title' }, w('children_scores')))
    : null;
  main.append(childBox ? el('div', { class: 'two' }, chartBox, childBox) : chartBox, causeSection(sat));
  const ranking = childBox
    ? api('/api/v1/ranking', { kpi: sat.kpi, parent: sat.branch, dim: boot.root_indicator, date: sat.as_of })
      .catch(() => null)
    : null;
  const date = await chartDate(sat, months);
  chartBox.append(date !== undefined ? panoramaChart(sat, rows, chartBox, date) : el('p', {}, w('no_data')));
  if (childBox) childBox.append(childrenTable(sat.kpi, sat.month, node, await ranking));
});
