// The audit log (/audit?action=&since=&before=), for auditors and admins:
// the rows of GET /api/v1/audit, newest first, a page of PAGE rows at a
// time; filtered by action and by a first day (the viewer's); each row's
// parameters named in the page's words. Reading it is itself a row of the log
// (the API's).
import {
  api, apiUrl, boot, el, pageUrl, params, pickerForm, scrollBox, start, w, when, word,
} from './common.js';

const PAGE = 100;
const ACTION_WORD = 'audit_action_';

// The actions the page names (labels.c has a word for each), in its order.
const actions = Object.keys(boot.labels?.words || {})
  .filter((k) => k.startsWith(ACTION_WORD))
  .map((k) => k.slice(ACTION_WORD.length));

// The viewer's zone, in which times are shown.
const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

// The API's since of the page's: a date (the filter's) is the viewer's
// day, from its 00:00 in the viewer's zone (the API would take the
// operator's), as an instant; anything else as it is (the API checks it).
function sinceInstant(since) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(since || '');
  if (!m) return since;
  const midnight = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const year = midnight.getUTCFullYear();
  return year >= 1900 && year <= 9999 ? midnight.toISOString() : since; // else the operator's day
}

const PARAM_WORD = 'audit_param_';

// A parameter's name in the page's words (the action's own sense first:
// user_set's `before` is what the user had, audit_read's a row id), else
// as the log holds it.
function paramName(action, name) {
  const own = word(`${PARAM_WORD}${action}_`, name);
  return own !== name ? own : word(PARAM_WORD, name);
}

// A parameter's value as text: lists joined, objects with their members
// named, yes or no, a role's word, null as the pages' "no value"; any
// other value as the log holds it (the CSV has the same).
function valueText(value, name = '') {
  if (value === null) return w('no_value');
  if (typeof value === 'boolean') return w(value ? 'audit_true' : 'audit_false');
  if (Array.isArray(value)) return value.map((v) => valueText(v)).join(', ');
  // an object (user_set's `before`): its members, each said as a value is
  if (typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${word(PARAM_WORD, k)}: ${valueText(v, k)}`).join(', ')}}`;
  }
  const coded = { role: 'role_', kind: 'audit_kind_', verdict: 'audit_verdict_' }[name];
  return coded ? word(coded, value) : String(value);
}

// The row's parameters (and detail) as name-value pairs; each name as the
// log holds it in data-key and its tooltip.
function details(entry) {
  const pairs = Object.entries(entry.params || {});
  if (entry.detail) pairs.push(['detail', entry.detail]);
  return el('ul', { class: 'params' }, pairs.map(([name, value]) => el('li', { dataset: { key: name } },
    el('span', { class: 'name', title: name }, paramName(entry.action, name)), ' ',
    el('span', { class: 'value' }, valueText(value, name)))));
}

// What making an export again found, in words.
function verdictText(r) {
  const text = {
    same_bytes: () => w('audit_same', { sha: r.sha256 }),
    other_bytes: () => w('audit_other', { sha: r.sha256 }),
    runs_gone: () => w('audit_gone', { runs: r.runs_gone.join(', ') }),
  }[r.verdict];
  return text ? text() : w('audit_refused', { message: r.message ?? r.verdict });
}

// A report's export: a button that makes it again from the runs its row
// names (GET /api/v1/audit/ID/reproduction) and says whether the bytes are
// the same, in a live region of the row.
function reproduceControl(entry) {
  const out = el('p', { class: 'reproduction', role: 'status' });
  const button = el('button', { type: 'button', class: 'reproduce', dataset: { id: entry.id } }, w('audit_reproduce'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    out.className = 'reproduction';
    out.textContent = w('audit_reproducing');
    try {
      const r = await api(`/api/v1/audit/${entry.id}/reproduction`);
      out.dataset.verdict = r.verdict;
      out.classList.add(r.reproduced ? 'same' : 'differs');
      out.replaceChildren(el('span', { 'aria-hidden': 'true' }, r.reproduced ? '✔ ' : '✖ '), verdictText(r));
    } catch (error) {
      out.dataset.verdict = 'error';
      out.textContent = error.code === 'report_busy' ? w('audit_busy') : w('load_failed') + error.message;
    } finally {
      button.disabled = false;
    }
  });
  return [button, out];
}

const reproducible = (entry) => entry.action === 'export' && entry.outcome === 'ok' &&
  entry.params?.kind === 'report' && Array.isArray(entry.params?.runs);

// The columns' words; on a phone a row is a card (style.css), whose
// table, rows and cells keep their roles (set, as a grid and blocks
// would otherwise lose them) and whose user and client cells name
// themselves (data-label).
const COLUMNS = ['audit_id', 'audit_at', 'audit_who', 'audit_action', 'audit_outcome', 'audit_detail', 'audit_client'];

function row(entry) {
  const cell = (cls, ...content) => el('td', { class: cls, role: 'cell' }, ...content);
  return el('tr', { role: 'row', dataset: { id: entry.id, action: entry.action, outcome: entry.outcome } },
    el('th', { scope: 'row', role: 'rowheader' }, entry.id),
    cell('at', el('time', { datetime: entry.at }, when(entry.at))),
    el('td', { class: 'user', role: 'cell', dataset: { label: w('audit_who') } }, entry.who ?? w('audit_system')),
    cell('action', word(ACTION_WORD, entry.action), ' ',
      el('code', {}, entry.action), reproducible(entry) ? reproduceControl(entry) : null),
    el('td', { class: 'outcome', role: 'cell', dataset: { outcome: entry.outcome } }, word('audit_outcome_', entry.outcome)),
    cell('params', details(entry)),
    el('td', { class: 'client', role: 'cell', dataset: { label: w('audit_client') } }, entry.client ?? ''));
}

const OUTCOMES = ['ok', 'denied', 'refused', 'failed', 'error', 'throttled'];

// The filters the page keeps (action, since, who, outcome), as given.
const kept = () => ({ action: params.action, since: params.since, who: params.who, outcome: params.outcome });

function filters() {
  const select = el('select', { id: 'audit-action', name: 'action' },
    el('option', { value: '' }, w('audit_all')),
    actions.map((a) => el('option', { value: a, selected: a === params.action }, word(ACTION_WORD, a))));
  const since = el('input', { id: 'audit-since', name: 'since', type: 'date', value: params.since });
  const who = el('input', { id: 'audit-who', name: 'who', type: 'text', value: params.who, size: 12,
    autocomplete: 'off', spellcheck: 'false' });
  const outcome = el('select', { id: 'audit-outcome', name: 'outcome' },
    el('option', { value: '' }, w('audit_all_outcomes')),
    OUTCOMES.map((o) => el('option', { value: o, selected: o === params.outcome }, word('audit_outcome_', o))));
  return pickerForm('audit-filters', [
    el('label', { for: 'audit-action' }, w('audit_action')), select,
    el('label', { for: 'audit-since' }, w('audit_since')), since,
    el('label', { for: 'audit-who' }, w('audit_who')), who,
    el('label', { for: 'audit-outcome' }, w('audit_outcome')), outcome,
  ], () => location.assign(pageUrl('/audit', {
    action: select.value, since: since.value, who: who.value.trim(), outcome: outcome.value,
  })));
}

// Links to the older rows (after a full page) and back to the newest.
function pager(entries) {
  const keep = kept();
  const links = [];
  if (params.before) links.push(el('a', { href: pageUrl('/audit', keep), rel: 'first' }, `← ${w('audit_newest')}`));
  if (entries.length === PAGE) {
    links.push(el('a', { href: pageUrl('/audit', { ...keep, before: entries[entries.length - 1].id }), rel: 'next' },
      `${w('audit_older')} →`));
  }
  return links.length ? el('nav', { class: 'pager', 'aria-label': w('audit_title') }, links) : null;
}

function table(entries) {
  if (!entries.length) return el('p', { class: 'none' }, w('audit_none'));
  return scrollBox(el('table', { class: 'audit', role: 'table' },
    el('caption', { class: 'sr-only' }, w('audit_title')),
    el('thead', { role: 'rowgroup' }, el('tr', { role: 'row' },
      COLUMNS.map((k) => el('th', { scope: 'col', role: 'columnheader' }, w(k))))),
    el('tbody', { role: 'rowgroup' }, entries.map(row))));
}

start(async (main) => {
  main.querySelector('h1').textContent = w('audit_title');
  const since = sinceInstant(params.since);
  const log = await api('/api/v1/audit', { ...kept(), since, before: params.before, limit: PAGE });
  const entries = log.entries || [];
  main.append(...[
    el('p', { class: 'audit-note' }, w('audit_note', { zone: ZONE })),
    filters(),
    el('p', { class: 'audit-csv' }, el('a', {
      href: apiUrl('/api/v1/audit.csv', { ...kept(), since }), type: 'text/csv',
    }, w('audit_csv'))),
    entries.length
      ? el('p', { class: 'audit-count' }, w('audit_count', {
        n: entries.length, first: entries[0].id, last: entries[entries.length - 1].id,
      }))
      : null,
    table(entries),
    pager(entries),
  ].filter(Boolean));
});
