// What every page shares: the boot data the server put in the page, the
// words of its language, number formats, status glyphs, the API, chart
// images with their text alternatives, and the page's "ready" signal
// (body[data-ready="1"] once every request and chart is done).

export const boot = JSON.parse(document.body.dataset.boot || '{}');
const labels = boot.labels || { kpi: {}, status: {}, zone: {}, words: {} };
export const params = boot.params || {};

// The word `key` of the page's language, {name} placeholders filled.
export function w(key, vars = {}) {
  let text = labels.words[key] ?? key;
  for (const [name, value] of Object.entries(vars)) text = text.replaceAll(`{${name}}`, value);
  return text;
}

// The word of a code in a vocabulary (the word `${prefix}${code}`), or the
// code itself when the vocabulary has none.
export function word(prefix, code) {
  const key = `${prefix}${code}`;
  const text = w(key);
  return text === key ? code : text;
}

export const kpiTitle = (kpi) => labels.kpi[kpi] ?? kpi;
export const statusName = (status) => labels.status[status] ?? w('no_status');
export const zoneName = (zone) => labels.zone[zone] ?? zone;

// The KPIs with a status, as the tiles, the grid and the branch page show them.
export const KPIS = ['retention_rate', 'in_network_rate', 'bundling_coverage', 'satisfaction',
  'satisfaction_gotone'];
const RATES = new Set(['retention_rate', 'in_network_rate', 'bundling_coverage']);
export const isRate = (kpi) => RATES.has(kpi);
const COUNT = new Intl.NumberFormat(boot.lang === 'en' ? 'en' : 'zh-CN');

// A KPI's value as people read it: rates in percent with two decimals,
// scores with two decimals, counts whole.
export function fmt(kpi, value) {
  if (value === null || value === undefined) return w('no_value');
  if (isRate(kpi)) return `${(value * 100).toFixed(2)}%`;
  if (kpi === 'zone_count') return COUNT.format(value);
  return value.toFixed(2);
}
export const fmtCount = (n) => (n === null || n === undefined ? w('no_value') : COUNT.format(n));

// A change of a KPI's value, signed, in points.
export function fmtChange(kpi, delta) {
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
  const size = Math.abs(isRate(kpi) ? delta * 100 : delta).toFixed(2);
  return `${sign}${size} ${isRate(kpi) ? w('points') : w('score_points')}`;
}

// Status glyphs: never colour alone (WCAG 1.4.1).
export const GLYPH = { red: '✖', green: '✔', excellent: '★' };
export const glyph = (status) => GLYPH[status] ?? '—';

// ---- the DOM --------------------------------------------------------------------

// An element: el('a', {href: '/', class: 'x', dataset: {kpi: 'k'}}, 'text', child, ...).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// A figure from the API: its text, and the raw number for whoever checks.
export function figure(kpi, branch, field, raw, text, extra = {}) {
  return el('span', {
    class: 'figure',
    dataset: { kpi, branch, field, raw: raw === null || raw === undefined ? '' : String(raw), ...extra },
  }, text);
}

// A branch's name, with a break allowed before its 分公司 or 营业部 where a
// narrow table wraps it (and nowhere else: style.css keeps the words whole).
export function branchName(name) {
  const m = /^(.+?)(分公司|营业部)$/.exec(name);
  return m ? [m[1], el('wbr'), m[2]] : name;
}

// `untargeted`: a value without a base target, green only because no alarm
// rule fired (K2's tiers: kpis.md): "无预警", not "达标" (on target).
export function statusBadge(status, untargeted = false) {
  const name = status === 'green' && untargeted ? w('status_no_alarm') : statusName(status);
  return el('span', { class: `status st-${status || 'none'}`, dataset: { status: status || 'none' } },
    el('span', { 'aria-hidden': 'true', class: 'glyph' }, glyph(status)), ' ', name);
}

// A K4 score from a tree with a child that has no score (its weights
// renormalised: domain.md): "◐ 部分指标无数据" beside it, wherever it is shown.
export function partialTag(value) {
  return value?.partial ? el('span', { class: 'tag partial', title: w('partial') },
    el('span', { 'aria-hidden': 'true' }, '◐ '), w('partial')) : null;
}

export const main = () => document.getElementById('main');

// A box a wide table (or chart) scrolls sideways in on a narrow screen: a
// region named by the table's caption (or label), which Tab reaches while
// it does scroll, so that the arrow keys scroll it (WCAG 2.1.1, axe's
// scrollable-region-focusable); a box that fits is no extra tab stop.
export function scrollBox(child, label = child?.caption?.textContent) {
  const box = el('div', { class: 'scroll', role: 'region', 'aria-label': label }, child);
  scrolls.observe(box);
  return box;
}

// Makes box a tab stop when it scrolls, and not when it fits: on every
// change of its size, and once more before the page is ready.
export function fitScroll(box) {
  if (box.scrollWidth > box.clientWidth + 1) box.tabIndex = 0;
  else box.removeAttribute('tabindex');
}
const scrolls = new ResizeObserver((entries) => entries.forEach((e) => fitScroll(e.target)));

// ---- URLs -----------------------------------------------------------------------

function query(values) {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value !== null && value !== undefined && value !== '') q.set(name, value);
  }
  const text = q.toString();
  return text ? `?${text}` : '';
}

// A page of this site in the page's language.
export function pageUrl(path, values = {}) {
  return path + query({ ...values, lang: boot.lang === 'en' ? 'en' : null });
}

export function apiUrl(path, values = {}) {
  return path + query(values);
}

// ---- the API --------------------------------------------------------------------

const pending = new Set();

// Keeps the page "not ready" until promise settles.
export function track(promise) {
  pending.add(promise);
  promise.finally(() => pending.delete(promise)).catch(() => {});
  return promise;
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
    this.param = body?.error?.param;
  }
}

// GET a JSON route; an ApiError for anything but 200. Signed out: to the
// sign-in page, back here afterwards.
export function api(path, values = {}) {
  return track((async () => {
    const res = await fetch(apiUrl(path, values), { credentials: 'same-origin',
      headers: { Accept: 'application/json' } });
    if (res.status === 401) {
      location.assign(`/login${query({ next: location.pathname + location.search })}`);
      throw new ApiError(401, null);
    }
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, body);
    if (body?.stale === true) staleBanner(body.snapshot_age);
    return body;
  })());
}

// The words between a label and its value: "：" in Chinese, ": " in English.
export const COLON = boot.lang === 'en' ? ': ' : '：';

// Figures from a snapshot the database has not confirmed for a while (any
// API answer says so): one banner under the page's title, on every page.
function staleBanner(age = 0) {
  const m = main();
  if (!m || m.querySelector('.banner.stale')) return;
  const text = age >= 3600 ? `${(age / 3600).toFixed(1)} ${w('hours')}` : `${Math.ceil(age / 60)} ${w('minutes')}`;
  const banner = el('p', { class: 'banner stale', role: 'alert' }, w('stale', { age: text }));
  const title = m.querySelector('h1');
  if (title) title.after(banner);
  else m.prepend(banner);
}

// POST a form to a JSON route with the session's CSRF token: the answer's
// body, or an ApiError.
export function post(path, fields = {}) {
  return track((async () => {
    const res = await fetch(path, {
      method: 'POST', credentials: 'same-origin', body: new URLSearchParams(fields),
      headers: { Accept: 'application/json', 'X-CSRF-Token': boot.csrf },
    });
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, body);
    return body;
  })());
}

// The result of the last action, said in a live region box (marked
// `error` for a refusal); a secret made (a password, a token) is shown
// below it, there and nowhere else, for the reader to copy.
export function say(box, text, secret = null, error = false) {
  box.classList.toggle('error', error);
  box.replaceChildren(el('p', {}, text));
  if (secret) box.append(el('p', { class: 'password' }, el('code', {}, secret)));
}

// An instant (ISO 8601) as YYYY-MM-DD HH:MM:SS in the viewer's zone, in
// both languages (as every date of the pages is written: en-GB's 02/12/2026
// reads as 12 February to some); `never` when there is none.
const TIME = new Intl.DateTimeFormat('en-CA', {
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  second: '2-digit', hourCycle: 'h23',
});
export function when(iso, never = w('no_value')) {
  if (!iso) return never;
  const parts = Object.fromEntries(TIME.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

// One row of a user's tokens (/account, and an administrator's dialog on
// /admin/users): its number, when made and last used, and revoke (asked to
// confirm) while it is live.
function tokenRow(t, revoke) {
  const cell = (cls, label, ...content) => el('td', { class: cls, dataset: { label } }, ...content);
  const live = !t.revoked_at;
  return el('tr', { dataset: { id: String(t.id) } },
    el('th', { scope: 'row' }, `#${t.id}`),
    cell('created', w('tokens_created'), when(t.created_at)),
    cell('used', w('tokens_last_used'), when(t.last_used_at, w('users_never'))),
    cell('state', w('tokens_state'), live ? w('tokens_live') : w('tokens_revoked_at', { when: when(t.revoked_at) })),
    cell('actions', w('users_actions'), live ? el('button', {
      type: 'button', class: 'revoke', 'aria-label': `${w('tokens_revoke')} · #${t.id}`,
      onclick: () => { if (window.confirm(w('tokens_confirm_revoke', { id: t.id }))) revoke(t); },
    }, w('tokens_revoke')) : ''));
}

export function tokenTable(tokens, revoke, none = w('tokens_none')) {
  if (!tokens.length) return el('p', { class: 'tokens-none' }, none);
  const heads = ['tokens_id', 'tokens_created', 'tokens_last_used', 'tokens_state', 'users_actions'];
  return el('table', { class: 'users tokens' },
    el('caption', { class: 'sr-only' }, w('tokens_title')),
    el('thead', {}, el('tr', {}, heads.map((h) => el('th', { scope: 'col' }, w(h))))),
    el('tbody', {}, tokens.map((t) => tokenRow(t, revoke))));
}

// A chart image of /charts/KIND.png (1x and 2x) or .svg, with its text
// alternative; the page is ready once it has loaded (or failed).
export function chart(kind, values, alt, width, height, { format = 'png', cls = 'chart' } = {}) {
  const base = { ...values, width, height, lang: boot.lang === 'en' ? 'en' : null };
  const img = el('img', {
    class: cls, alt, width, height, decoding: 'async',
    src: apiUrl(`/charts/${kind}.${format}`, base),
    srcset: format === 'png'
      ? `${apiUrl(`/charts/${kind}.png`, base)} 1x, ${apiUrl(`/charts/${kind}.png`, { ...base, scale: 2 })} 2x`
      : null,
  });
  track(new Promise((resolve) => {
    img.addEventListener('load', resolve, { once: true });
    img.addEventListener('error', resolve, { once: true });
  }));
  return img;
}

// A chart's width for a box: what the box leaves inside its padding,
// rounded down to tens, within [min, max] (so that on a phone a chart is
// drawn narrower, its text legible, rather than scaled down).
export function widthIn(box, min = 320, max = 960) {
  const style = getComputedStyle(box);
  const inner = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return Math.max(min, Math.min(max, Math.floor((inner || max) / 10) * 10));
}

// ---- the page's life ------------------------------------------------------------

// Shows what went wrong in place of the page's content.
export function fail(error) {
  const m = main();
  const notice = m.querySelector('.notice') || m.appendChild(el('p', { class: 'notice' }));
  notice.textContent = error?.status === 403 ? w('forbidden') : w('load_failed') + (error?.message || '');
  notice.setAttribute('role', 'alert');
  notice.classList.add('error');
  document.body.dataset.error = error?.message || 'error';
}

async function settle() {
  while (pending.size) await Promise.allSettled([...pending]);
  document.querySelectorAll('.scroll[role=region]').forEach(fitScroll);
  document.body.dataset.ready = '1';
}

// The pages a tab keeps the branch shown on, and those the date too.
const KEEPS_BRANCH = ['dashboard', 'alarms', 'satisfaction', 'zones'];
const KEEPS_DATE = ['dashboard', 'alarms'];

// The header: the current page marked, the tabs keeping the branch (and
// the date) shown, the language link keeping the page's parameters.
function header() {
  for (const a of document.querySelectorAll('header a[data-nav]')) {
    if (a.dataset.nav === boot.page) a.setAttribute('aria-current', 'page');
    if (!KEEPS_BRANCH.includes(a.dataset.nav)) continue;
    const url = new URL(a.href);
    if (params.branch) url.searchParams.set('branch', params.branch);
    if (params.date && KEEPS_DATE.includes(a.dataset.nav)) url.searchParams.set('date', params.date);
    a.href = url.pathname + url.search;
  }
  const lang = document.querySelector('a.lang');
  if (lang) {
    const url = new URL(location.href);
    url.searchParams.set('lang', boot.lang === 'en' ? 'zh' : 'en');
    lang.href = url.pathname + url.search;
  }
}

// Runs the page's body(main), then marks it ready; a failure is shown.
export function start(body) {
  header();
  const m = main();
  track((async () => {
    try {
      await body(m);
      m.querySelector('.notice:not(.error)')?.remove();
    } catch (error) {
      fail(error);
    }
  })());
  settle();
}

// ---- pieces several pages show --------------------------------------------------

// Pickers that load another page (a date, a month, a brand) as a form: the
// page is loaded by the Show button beside them or Enter on one of them, not
// by a change alone, which a keyboard makes at every arrow key (WCAG 3.2.2).
// go() loads the page of the pickers' values.
export function pickerForm(cls, children, go) {
  const form = el('form', { class: `picker ${cls}` }, children,
    el('button', { type: 'submit' }, w('show')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go();
  });
  form.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.target.localName !== 'select') return;
    event.preventDefault();
    form.requestSubmit();
  });
  return form;
}

// The as-of date picker over the stored runs, the data watermark and, when
// the daemon serves a snapshot the database has not confirmed, a banner.
// The daily feeds (cancellations, contracts) whose newest row is two days
// or more before the run's date: the day's figures may miss what the ETL
// has not loaded yet (a run computed on unchanged data moves the path, not
// the figures). As "销户 2026-12-01".
const DAILY_FEEDS = ['newest_cancel', 'newest_contract'];
function lags(asOf, wm) {
  const day = (d) => Date.parse(`${d}T00:00:00Z`) / 864e5;
  return DAILY_FEEDS.filter((k) => wm[k] && asOf && day(asOf) - day(wm[k]) >= 2).map((k) => `${w(k)} ${wm[k]}`);
}

export function runBar(runs, onDate) {
  const select = el('select', { id: 'as-of', name: 'date' },
    runs.runs.map((r) => el('option', { value: r.as_of, selected: r.as_of === runs.as_of }, r.as_of)));
  const wm = runs.watermark || {};
  const parts = ['last_closed_month', 'newest_usage', 'newest_cancel', 'newest_contract', 'newest_survey']
    .filter((k) => wm[k])
    .map((k) => `${w(k)} ${k === 'last_closed_month' || k === 'newest_usage' ? wm[k].slice(0, 7) : wm[k]}`);
  const bar = el('div', { class: 'runbar' },
    pickerForm('as-of', [el('label', { for: 'as-of' }, w('as_of')), select],
      () => onDate(select.value === runs.as_of ? params.date : select.value)),
    el('p', { class: 'watermark' }, `${w('watermark')}${COLON}${parts.join(' · ')}`));
  const wrap = el('div', {}, bar);
  const lagging = lags(runs.as_of, wm);
  if (lagging.length) wrap.append(el('p', { class: 'banner lag', role: 'status' }, w('data_lag', { feeds: lagging.join(w('bulletin_list_sep')), date: runs.as_of })));
  return wrap; /* a stale snapshot: the banner api() put under the title */
}

// The path from the user's root to `code` in the branch tree, as nodes.
export function branchPath(tree, code) {
  const walk = (node, trail) => {
    const here = [...trail, node];
    if (node.code === code) return here;
    for (const child of node.children || []) {
      const found = walk(child, here);
      if (found) return found;
    }
    return null;
  };
  for (const root of tree.branches || []) {
    const found = walk(root, []);
    if (found) return found;
  }
  return [];
}

// Breadcrumbs root → code; each step links to `page` at that branch.
// Nothing for the root alone: the page's title names it already.
export function breadcrumbs(path, linkOf) {
  if (path.length < 2) return document.createDocumentFragment();
  return el('nav', { class: 'crumbs', 'aria-label': w('scope') },
    el('ol', {}, path.map((node, i) => el('li', {},
      i === path.length - 1
        ? el('span', { 'aria-current': 'page' }, node.name)
        : el('a', { href: linkOf(node) }, node.name)))));
}

// The headline value of a KPI for a branch in a run's values: the total,
// satisfaction's root indicator, bundling's first campaign.
export function headline(values, kpi, branch) {
  return values.find((v) => v.kpi === kpi && v.branch === branch &&
    (kpi.startsWith('satisfaction') ? v.dim === boot.root_indicator : v.dim === null)) || null;
}

// The reasons of a red or excellent value, in words.
export const reasonText = (reasons) => reasons.map((r) => w(`reason_${r}`)).join(boot.lang === 'en' ? '; ' : '；');

// A trend's points as text (a chart's text alternative).
export function pointsText(kpi, points, max = 12) {
  return points.slice(-max).map((p) => `${p.period || p.date} ${fmt(kpi, p.value)}`).join(', ');
}

// a - b of two values as fmt shows them, in the KPI's unit (84.43 against
// 84.40: +0.03, not the +0.04 of their unrounded scores; a rate's 81.83% and
// 78.77%: 0.0306)
export function shownDiff(kpi, a, b) {
  const shown = (x) => Number(fmt(kpi, x).replace('%', ''));
  return (shown(a) - shown(b)) / (isRate(kpi) ? 100 : 1);
}

// How far a value is from the base and the challenge it is judged against
// today (the path's points, else the targets), of the values as shown:
// "距基础 −0.05 个百分点 · 距挑战 −5.59 个百分点"; a coverage also in
// customers, the figure a manager acts on ("（−7 户）": bundled minus the
// fewest that reach the point, as the bulletin says). Null without targets.
export function gapsLine(kpi, value) {
  if (!value || value.value === null || value.value === undefined) return null;
  const part = (point, word) => {
    if (point === null || point === undefined) return null;
    const gap = shownDiff(kpi, value.value, point);
    const customers = kpi === 'bundling_coverage' && value.denominator > 0
      ? value.numerator - Math.ceil(point * value.denominator - 1e-9) : null;
    return `${w(word)} ${fmtChange(kpi, gap)}` +
      (customers === null ? '' : w('gap_customers', { n: customers > 0 ? `+${customers}` : customers < 0 ? `−${-customers}` : '0' }));
  };
  const parts = [part(value.path_base ?? value.target_base, 'bulletin_gap_base'),
    part(value.path_challenge ?? value.target_challenge, 'bulletin_gap_challenge')].filter(Boolean);
  return parts.length ? el('p', { class: 'gaps' }, parts.join(' · ')) : null;
}

// A value's base and challenge as the status judges them: the day's points
// on the path to the period-end targets when the KPI has a path, else the
// targets; each with its own word and the API field it comes from.
// A KPI judged on the path to its period-end target (K1, K3) shows the
// path's point of the day and, beside it, the period-end targets.
export function targets(kpi, branch, value) {
  const path = value?.path_base !== null && value?.path_base !== undefined;
  const one = (field, word) => {
    const raw = value?.[field] ?? null;
    return [`${w(word)} `, figure(kpi, branch, field, raw, fmt(kpi, raw))];
  };
  if (!path)
    return el('p', { class: 'targets' }, ...one('target_base', 'base'), ' · ', ...one('target_challenge', 'challenge'));
  return [el('p', { class: 'targets' }, ...one('path_base', 'base_path'), ' · ', ...one('path_challenge', 'challenge_path')),
    el('p', { class: 'targets period-end' }, ...one('target_base', 'period_base'), ' · ',
      ...one('target_challenge', 'period_challenge'))];
}
