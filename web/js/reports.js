// Reports (/reports?branch=): what can be taken away for a branch of the
// user's scope. The quarterly inspection reports (/reports/QUARTER.pdf and
// .csv, audited) of every quarter whose three month ends have a run in the
// snapshot, as /reports/QUARTER answers them; and the daily bulletins
// (/bulletins/DATE) of the newest dates, as a web page, an A4 PDF or the
// MMS image, each with how its mailing went (GET /api/v1/bulletins: each
// recipient's delivery). The links are the routes' own: an export is
// recorded in the audit log by the route, not here.
import {
  api, apiUrl, boot, branchPath, breadcrumbs, el, pageUrl, params, pickerForm, scrollBox, start, w, when,
} from './common.js';

const DAYS = 14; // the daily bulletins listed

const pad = (n) => String(n).padStart(2, '0');

// The last day of month m (1-12) of year y, as YYYY-MM-DD.
function monthEnd(y, m) {
  const d = new Date(Date.UTC(y, m, 0));
  return `${y}-${pad(m)}-${pad(d.getUTCDate())}`;
}

// Every quarter whose three month ends have a run, newest first:
// {quarter: "2026Q3", ends: [three dates]}.
function quarters(runs) {
  const dates = new Set(runs.runs.map((r) => r.as_of));
  const seen = new Set(), out = [];
  for (const r of runs.runs) {
    const y = Number(r.as_of.slice(0, 4)), q = Math.floor((Number(r.as_of.slice(5, 7)) - 1) / 3) + 1;
    const quarter = `${y}Q${q}`;
    if (seen.has(quarter)) continue;
    seen.add(quarter);
    const ends = [1, 2, 3].map((k) => monthEnd(y, 3 * (q - 1) + k));
    if (ends.every((d) => dates.has(d))) out.push({ quarter, ends });
  }
  return out.sort((a, b) => b.quarter.localeCompare(a.quarter));
}

const quarterName = (quarter) => w('reports_quarter_name', { year: quarter.slice(0, 4), n: quarter.slice(5) });

function link(href, text, label, type) {
  return el('a', { href, type, 'aria-label': label, title: label }, text);
}

function quarterly(list, code) {
  const file = (q, ext, lang) => apiUrl(`/reports/${q}.${ext}`, { branch: code, lang });
  const rows = list.map(({ quarter, ends }) => {
    const name = quarterName(quarter);
    return el('tr', { dataset: { quarter } },
      el('th', { scope: 'row' }, name),
      el('td', {}, ends.flatMap((d, i) => [i ? (boot.lang === 'en' ? ', ' : '、') : '',
        el('span', { class: 'date' }, d)])),
      el('td', { class: 'files' },
        link(file(quarter, 'pdf', 'zh'), w('reports_pdf_zh'), `${name} · ${w('reports_pdf_zh')}`, 'application/pdf'), ' ',
        link(file(quarter, 'pdf', 'en'), w('reports_pdf_en'), `${name} · ${w('reports_pdf_en')}`, 'application/pdf'), ' ',
        link(file(quarter, 'csv'), 'CSV', `${name} · CSV`, 'text/csv')));
  });
  return el('section', { class: 'panel reports', 'aria-labelledby': 'quarterly-title' },
    el('h2', { id: 'quarterly-title' }, w('reports_quarterly')),
    el('p', { class: 'note' }, w('reports_quarterly_note')),
    rows.length
      ? scrollBox(el('table', { class: 'reports quarterly' },
        el('caption', { class: 'sr-only' }, w('reports_quarterly')),
        el('thead', {}, el('tr', {},
          el('th', { scope: 'col' }, w('reports_quarter')),
          el('th', { scope: 'col' }, w('reports_month_ends')),
          el('th', { scope: 'col' }, w('reports_files')))),
        el('tbody', {}, rows)))
      : el('p', { class: 'none' }, w('reports_no_quarter')));
}

const MAIL_GLYPH = { sent: '✔', failed: '✖', sending: '…' };

// One recipient's delivery: the address (and user), the outcome in words,
// when sent or why not.
function delivery(d) {
  const en = boot.lang === 'en';
  const who = d.user ? `${d.address}${en ? ` (${d.user})` : `（${d.user}）`}` : d.address;
  const what = [w(`delivery_${d.status}`)];
  if (d.status === 'sent') what.push(when(d.sent_at));
  if (d.attempts > 1) what.push(w('reports_mail_attempts', { n: d.attempts }));
  if (d.pdf_linked) what.push(w('reports_mail_linked'));
  if (d.status !== 'sent' && d.error) what.push(d.error);
  return el('li', { class: d.status }, `${MAIL_GLYPH[d.status] ?? ''} ${who}${en ? ': ' : '：'}${what.join(en ? '; ' : '；')}`);
}

// How the date's bulletin went out: undefined (no log), null (none made),
// else the newest version's deliveries, counted, and listed in a
// disclosure.
function mailing(b) {
  if (b === undefined) return el('td', { class: 'mailing unknown' }, w('reports_mail_unknown'));
  if (!b) return el('td', { class: 'mailing none' }, w('reports_mail_none'));
  const version = b.version > 1 ? ` · ${w('reports_mail_version', { v: b.version })}` : '';
  if (!b.mailed) return el('td', { class: 'mailing none' }, `${w('reports_mail_archived')}${version}`);
  const n = (status) => b.deliveries.filter((d) => d.status === status).length;
  const total = b.deliveries.length, sent = n('sent'), failed = n('failed'), sending = n('sending');
  if (!total) return el('td', { class: 'mailing none' }, `${w('reports_mail_nobody')}${version}`);
  const state = failed ? 'failed' : sending ? 'sending' : 'sent';
  const parts = [w('reports_mail_sent', { sent, total })];
  if (failed) parts.push(w('reports_mail_failed', { n: failed }));
  if (sending) parts.push(w('reports_mail_sending', { n: sending }));
  return el('td', { class: `mailing ${state}` },
    el('details', {},
      el('summary', {}, `${MAIL_GLYPH[state]} ${parts.join(' · ')}${version}`),
      el('p', { class: 'sr-only' }, w('reports_mail_recipients', { n: total })),
      el('ul', {}, b.deliveries.map(delivery))));
}

function daily(runs, code, log) {
  const dates = [...new Set(runs.runs.map((r) => r.as_of))].sort().reverse().slice(0, DAYS);
  const file = (date, format) => pageUrl(`/bulletins/${date}`, { branch: code, format });
  // the newest version of each date's bulletin (the log is newest first)
  const newest = (date) => (log ? log.find((b) => b.date === date) ?? null : undefined);
  const rows = dates.map((date) => el('tr', { dataset: { date } },
    el('th', { scope: 'row' }, date),
    el('td', { class: 'files' },
      link(file(date), w('reports_html'), `${date} · ${w('reports_html')}`, 'text/html'), ' ',
      link(file(date, 'pdf'), 'PDF', `${date} · PDF`, 'application/pdf'), ' ',
      link(file(date, 'png'), w('reports_png'), `${date} · ${w('reports_png')}`, 'image/png')),
    mailing(newest(date))));
  return el('section', { class: 'panel reports', 'aria-labelledby': 'daily-title' },
    el('h2', { id: 'daily-title' }, w('reports_daily')),
    el('p', { class: 'note' }, w('reports_daily_note')),
    scrollBox(el('table', { class: 'reports daily' },
      el('caption', { class: 'sr-only' }, w('reports_daily')),
      el('thead', {}, el('tr', {},
        el('th', { scope: 'col' }, w('as_of')),
        el('th', { scope: 'col' }, w('reports_files')),
        el('th', { scope: 'col' }, w('reports_mailing')))),
      el('tbody', {}, rows))));
}

// Another branch of the scope: a picker over the whole subtree.
function branchPicker(tree, code) {
  const options = [];
  const walk = (node, depth) => {
    options.push(el('option', { value: node.code, selected: node.code === code },
      `${'\u3000'.repeat(depth)}${node.name}`));
    for (const child of node.children || []) walk(child, depth + 1);
  };
  for (const root of tree.branches || []) walk(root, 0);
  const select = el('select', { id: 'report-branch', name: 'branch' }, options);
  return pickerForm('report-branch', [el('label', { for: 'report-branch' }, w('reports_branch')), select],
    () => location.assign(pageUrl('/reports', { branch: select.value })));
}

start(async (main) => {
  const [runs, tree] = await Promise.all([api('/api/v1/runs'), api('/api/v1/branches')]);
  const code = params.branch || boot.scope?.code || tree.branches?.[0]?.code;
  const path = branchPath(tree, code);
  main.querySelector('h1').textContent = `${w('reports_title')} · ${path[path.length - 1]?.name ?? ''}`;
  main.append(breadcrumbs(path, (n) => pageUrl('/reports', { branch: n.code })));
  main.append(branchPicker(tree, code));
  // the mailing record is the database's: the page shows without it
  const log = await api('/api/v1/bulletins', { branch: code, subtree: 'false', limit: 100 })
    .catch(() => null);
  main.append(quarterly(quarters(runs), code), daily(runs, code, log));
  // the record of every export, for the roles that may read it
  if (boot.role === 'auditor' || boot.role === 'admin') {
    main.append(el('p', { class: 'reports-link' }, el('a', { href: pageUrl('/audit') }, `${w('audit_link')} →`)));
  }
});
