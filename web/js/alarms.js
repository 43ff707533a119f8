// The alarms (/alarms): every branch of the subtree by every KPI with a
// status, its root on top, then worst first (/api/v1/grid) or by city; each cell glyph + colour + value and a
// link to the branch page at that KPI with its reason. What turned red since
// the previous period, and what recovered, on top; the legend always shown.
import {
  api, apiUrl, breadcrumbs, branchPath, el, figure, fmt, glyph, kpiTitle, pageUrl, params, reasonText,
  runBar, scrollBox, start, statusName, w,
} from './common.js';

const turnedRed = (c) => c && c.status === 'red' && c.previous_status && c.previous_status !== 'red';
const recovered = (c) => c && c.previous_status === 'red' && (c.status === 'green' || c.status === 'excellent');

// While the legend and the grid's heads stay in view (sticky: a wide
// screen), the heads sit under the legend (--legend-height) and what the
// keyboard focuses is scrolled clear of both, not under them (WCAG 2.4.11).
// The heads stick only while the grid fits its box (class "fits"): a wider
// grid keeps scrolling in its box, not the page sideways, its branch column
// stuck at the box's left edge (style.css) and a focused cell scrolled clear
// of that column (clearOfColumn: the browser scrolls a cell in part under it
// no further, scroll-padding or not).
const clearance = new ResizeObserver(() => {
  const legend = document.querySelector('.legend');
  const head = document.querySelector('table.grid thead');
  const box = head?.closest('.grid-box');
  if (box) box.classList.toggle('fits', head.parentElement.offsetWidth <= box.clientWidth);
  const sticky = (e) => e && getComputedStyle(e).position === 'sticky';
  const root = document.documentElement.style;
  const top = sticky(legend) ? legend.offsetHeight : 0;
  const heads = sticky(head?.querySelector('th:last-child')) ? head.offsetHeight : 0;
  root.setProperty('--legend-height', `${top}px`);
  root.scrollPaddingTop = top || heads ? `${top + heads + 8}px` : '';
});

function clearOfColumn(box, e) {
  const column = box.querySelector('table.grid thead th');
  if (box.classList.contains('fits') || !e.target.closest('td')) return;
  const under = column.getBoundingClientRect().right - e.target.getBoundingClientRect().left;
  if (under > 0) box.scrollLeft -= under + 8;
}

function legend() {
  const box = el('section', { class: 'legend', 'aria-label': w('legend') },
    el('h2', {}, w('legend')),
    el('ul', {}, ['red', 'green', 'excellent', 'none'].map((s) =>
      el('li', {}, el('span', { class: `status st-${s}` }, w(`legend_${s}`)))),
    el('li', { class: 'why' }, w('legend_why'))));
  clearance.observe(box);
  return box;
}

function cellLink(row, kpi) {
  return pageUrl(`/branch/${row.code}`, { kpi, date: params.date }) + `#kpi-${kpi}`;
}

const SHOWN = 8; // the lines of a change list shown before "the other N"

// The monthly KPIs (a survey's): their changes are a month's, told all the
// month long; the others' are the day's.
const MONTHLY = new Set(['satisfaction', 'satisfaction_gotone']);

// The changes of the rows shown: the day's first, then the month's survey
// (each tagged with its month: 46 of the 52 lines were last month's survey
// and buried the day's), each part from the top of the tree down (the
// subtree's root, the cities, the counties; worst rows first within a
// level, as the grid).
function changeList(title, id, rows, kpis, test) {
  const lines = [];
  rows.forEach((row, order) => row.cells.forEach((c, i) => {
    if (test(c)) lines.push({ row, c, kpi: kpis[i], order, monthly: MONTHLY.has(kpis[i]) });
  }));
  lines.sort((a, b) => (a.monthly - b.monthly) || (a.row.level - b.row.level) || (a.order - b.order));
  const items = lines.map(({ row, c, kpi, monthly }) => el('li', { dataset: { kpi, level: row.level } },
    el('a', { href: cellLink(row, kpi) }, `${row.name} · ${kpiTitle(kpi)}`),
    ` ${glyph(c.status)} ${fmt(kpi, c.value)}`,
    c.reasons.length ? ` (${reasonText(c.reasons)})` : '',
    monthly && c.period ? el('span', { class: 'when' }, ` · ${w('change_survey', { month: c.period })}`) : null));
  const daily = lines.filter((l) => !l.monthly).length;
  // the first SHOWN in view, the rest one click away: a long list put the
  // grid a phone's ten screens down
  const rest = items.splice(SHOWN);
  return el('section', { class: 'panel', id },
    el('h2', {}, `${title} (${lines.length})`),
    lines.length ? el('p', { class: 'note' }, w('changes_split', { day: daily, month: lines.length - daily })) : null,
    items.length ? el('ul', {}, items) : el('p', {}, w('none_listed')),
    rest.length ? el('details', { class: 'more' },
      el('summary', {}, w('show_the_rest', { n: rest.length })), el('ul', {}, rest)) : null);
}

// The reasons of a red cell other than a target missed, in a word each:
// "环比↓", "销户", "待恢复" (the cell's label says them in full).
function shortReasons(reasons = []) {
  const other = reasons.filter((r) => !r.startsWith('below_base'));
  return other.length ? el('span', { class: 'why', 'aria-hidden': 'true' },
    ` ${other.map((r) => w(`reason_short_${r}`)).join(' ')}`) : null;
}

function cell(row, kpi, c) {
  const status = c?.status || 'none';
  const label = `${row.name} · ${kpiTitle(kpi)}: ${fmt(kpi, c?.value)} ${statusName(c?.status)}` +
    (c?.partial ? ` · ${w('partial')}` : '') + (c?.reasons?.length ? ` · ${reasonText(c.reasons)}` : '');
  return el('td', { class: `st-${status}`, dataset: { kpi, branch: row.code, status } },
    el('a', { href: cellLink(row, kpi), 'aria-label': label, title: label },
      el('span', { 'aria-hidden': 'true' }, `${glyph(c?.status)} `),
      figure(kpi, row.code, 'value', c?.value, fmt(kpi, c?.value)),
      // a score from a tree with a child without one, as everywhere else
      c?.partial ? el('span', { class: 'partial', 'aria-hidden': 'true' }, ' ◐') : null),
    // a red that is not a target missed says why in the cell (a red 86.67
    // above its 86 challenge read as an error; the reason was a tooltip),
    // beside the link, whose label says it in full
    c?.status === 'red' ? shortReasons(c.reasons) : null);
}

// The rows in the order chosen: the subtree's root on top (the total the
// rest is judged beside), then worst first (the API's order), each county
// naming its city; or by city ("tree"): each city followed by its
// counties, worst first within it, indented.
function ordered(data, rows, order) {
  const rest = rows.filter((r) => r.code !== data.branch);
  const out = rows.filter((r) => r.code === data.branch);
  if (order !== 'tree') return out.concat(rest);
  const under = new Map();
  for (const r of rest) under.set(r.parent, [...(under.get(r.parent) || []), r]);
  const walk = (code) => (under.get(code) || []).forEach((r) => { out.push(r); walk(r.code); });
  walk(data.branch);
  return out.concat(rest.filter((r) => !out.includes(r))); // a filter left out their city
}

function grid(data, rows, order) {
  const names = new Map(data.rows.map((r) => [r.code, r.name]));
  // worst first, a county's city beside its name (not the tree's indent)
  const city = (row) => (order !== 'tree' && row.parent && row.parent !== data.branch
    ? el('span', { class: 'parent' }, names.get(row.parent) ?? row.parent) : null);
  const head = el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, w('branch')),
    data.kpis.map((k) => el('th', { scope: 'col' }, kpiTitle(k)))));
  for (const old of [grid.head, grid.box]) if (old) clearance.unobserve(old); // the previous filters' grid
  clearance.observe(grid.head = head);
  const box = scrollBox(el('table', { class: 'grid' },
    el('caption', {}, `${w('alarms_title')} · ${data.as_of}`),
    head,
    el('tbody', {}, ordered(data, rows, order).map((row) => el('tr', {
      class: [order === 'tree' ? `level-${row.level}` : '', row.code === data.branch ? 'root' : ''].join(' ').trim() || null,
      dataset: { branch: row.code, level: row.level, parent: row.parent || '' },
    },
      el('th', { scope: 'row' }, row.name, city(row)),
      row.cells.map((c, i) => cell(row, data.kpis[i], c)))))));
  box.classList.add('grid-box');
  box.addEventListener('focusin', (e) => clearOfColumn(box, e));
  clearance.observe(grid.box = box);
  return box;
}

// Filters: the city (a level-1 branch and its counties), the level, red
// only; and the rows' order.
function filters(data, onChange) {
  const cities = data.rows.filter((r) => r.level === 1).sort((a, b) => a.code.localeCompare(b.code));
  const city = el('select', { id: 'f-city' }, el('option', { value: '' }, w('all')),
    cities.map((c) => el('option', { value: c.code }, c.name)));
  const level = el('select', { id: 'f-level' }, el('option', { value: '' }, w('all')),
    [1, 2].map((l) => el('option', { value: String(l) }, w(`level_${l}`))));
  const red = el('input', { id: 'f-red', type: 'checkbox' });
  const order = el('select', { id: 'f-order' },
    ['worst', 'tree'].map((o) => el('option', { value: o }, w(`order_${o}`))));
  const count = el('p', { class: 'count', role: 'status' });
  const apply = () => onChange({ city: city.value, level: level.value, red: red.checked, order: order.value }, count);
  for (const c of [city, level, red, order]) c.addEventListener('change', apply);
  const box = el('div', { class: 'filters' },
    cities.length ? el('label', { for: 'f-city' }, w('filter_city'), city) : null,
    el('label', { for: 'f-level' }, w('filter_level'), level),
    cities.length ? el('label', { for: 'f-order' }, w('filter_order'), order) : null,
    el('label', { for: 'f-red' }, red, w('only_red')), count);
  return { box, apply };
}

// The grid's figures for a spreadsheet: every value of the branch and its
// subtree in the run (each KPI, dim and campaign, with numerator,
// denominator, targets and status), whatever the filters show.
function csvLink(data) {
  const href = apiUrl('/api/v1/grid.csv', { branch: data.branch, date: data.as_of });
  return el('p', { class: 'grid-csv' }, el('a', {
    href, download: `kpis-${data.branch}-${data.as_of}.csv`, type: 'text/csv',
  }, w('grid_csv')));
}

start(async (main) => {
  const runs = await api('/api/v1/runs', { date: params.date });
  const [data, tree] = await Promise.all([
    api('/api/v1/grid', { branch: params.branch, date: params.date }), api('/api/v1/branches')]);
  const code = data.branch;
  const path = branchPath(tree, code);
  main.querySelector('h1').textContent = `${w('alarms_title')} · ${path[path.length - 1]?.name ?? ''}`;
  main.append(breadcrumbs(path, (n) => pageUrl('/alarms', { branch: n.code, date: params.date })));
  main.append(runBar(runs, (d) => location.assign(pageUrl('/alarms', { branch: params.branch, date: d }))));
  main.append(legend());
  // the changes of the rows the filters show (a city, a level), as the grid
  const changes = el('div', { class: 'changes' });
  main.append(changes);
  const holder = el('div', {});
  const { box, apply } = filters(data, (f, count) => {
    const rows = data.rows.filter((r) =>
      (!f.city || r.code === f.city || r.parent === f.city) &&
      (!f.level || String(r.level) === f.level) && (!f.red || r.red > 0));
    changes.replaceChildren(changeList(w('turned_red'), 'turned-red', rows, data.kpis, turnedRed),
      changeList(w('recovered'), 'recovered', rows, data.kpis, recovered));
    holder.replaceChildren(grid(data, rows, f.order));
    count.textContent = w('rows_shown', { n: rows.length });
  });
  main.append(box, csvLink(data), holder);
  apply();
});
