// The users' page (/admin/users, administrators): every user with their
// role, branch, address, status and last use; a form that adds one; per
// user, a new temporary password, disable and enable. A password made here
// is shown once, in the page, for the administrator to hand over: the user
// changes it at their first sign-in (docs/access.md).
import { ApiError, api, boot, el, start, track, w } from './common.js';

const ROLES = ['executive', 'branch_manager', 'auditor', 'admin'];

// POST a form to path with the session's CSRF token: the answer's body,
// or an ApiError.
function post(path, fields = {}) {
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

// Every branch of the tree, cities and their counties, as options.
function branchOptions(tree) {
  const out = [];
  const walk = (node, depth) => {
    if (depth > 0) out.push(el('option', { value: node.code }, `${'\u3000'.repeat(depth - 1)}${node.code} ${node.name}`));
    for (const c of node.children || []) walk(c, depth + 1);
  };
  for (const root of tree.branches || []) walk(root, 0);
  return out;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString(boot.lang === 'en' ? 'en-GB' : 'zh-CN') : w('users_never'));

// The result of the last action, said in a live region; a password made
// is shown there (and nowhere else) for the administrator to copy.
function say(box, text, password = null, error = false) {
  box.className = `users-result${error ? ' error' : ''}`;
  box.replaceChildren(el('p', {}, text), password ? el('p', { class: 'password' }, el('code', {}, password)) : null);
}

function statusCell(u) {
  return el('td', { class: 'state', dataset: { label: w('users_status') } },
    el('span', { class: u.disabled ? 'off' : 'on' }, w(u.disabled ? 'users_disabled' : 'users_enabled')),
    u.must_change ? el('span', { class: 'temporary' }, w('users_must_change')) : null);
}

function actions(u, act) {
  if (u.name === boot.user) return el('td', { class: 'actions' }, w('users_you'));
  const button = (verb, label, confirmKey) => el('button', {
    type: 'button', class: verb, 'aria-label': `${label} · ${u.name}`,
    onclick: () => { if (!confirmKey || window.confirm(w(confirmKey, { name: u.name }))) act(u, verb); },
  }, label);
  return el('td', { class: 'actions' }, button('password', w('users_reset'), 'users_confirm_reset'),
    u.disabled ? button('enable', w('users_enable')) : button('disable', w('users_disable'), 'users_confirm_disable'));
}

function row(u, act) {
  const cell = (cls, label, ...content) => el('td', { class: cls, dataset: { label } }, ...content);
  return el('tr', { dataset: { name: u.name } },
    el('th', { scope: 'row', class: 'name' }, u.name),
    cell('role', w('users_role'), w(`role_${u.role}`)),
    cell('branch', w('users_branch'), u.branch ? `${u.branch_name ?? ''} (${u.branch})` : ''),
    cell('email', w('users_email'), u.email ?? ''),
    statusCell(u),
    cell('sessions num', w('users_sessions'), String(u.sessions)),
    cell('seen', w('users_last_seen'), when(u.last_seen)),
    actions(u, act));
}

function table(users, act) {
  const heads = ['users_name', 'users_role', 'users_branch', 'users_email', 'users_status', 'users_sessions',
    'users_last_seen', 'users_actions'];
  return el('table', { class: 'users' },
    el('caption', { class: 'sr-only' }, w('users_list')),
    el('thead', {}, el('tr', {}, heads.map((h) => el('th', { scope: 'col' }, w(h))))),
    el('tbody', {}, users.map((u) => row(u, act))));
}

function addForm(tree, onAdd) {
  const input = (name, type, label, extra = {}) => [el('label', { for: `user-${name}` }, label),
    el('input', { id: `user-${name}`, name, type, ...extra })];
  const branch = el('select', { id: 'user-branch', name: 'branch', disabled: true },
    el('option', { value: '' }, w('users_branch_none')), branchOptions(tree));
  const role = el('select', { id: 'user-role', name: 'role' },
    ROLES.map((r) => el('option', { value: r }, w(`role_${r}`))));
  role.addEventListener('change', () => {
    branch.disabled = role.value !== 'branch_manager';
    if (branch.disabled) branch.value = '';
  });
  const form = el('form', { class: 'user-add' },
    input('name', 'text', w('users_name'), { required: true, autocomplete: 'off', spellcheck: 'false', maxlength: 64 }),
    el('label', { for: 'user-role' }, w('users_role')), role,
    el('label', { for: 'user-branch' }, w('users_branch')), branch,
    input('email', 'email', w('users_email_optional'), { autocomplete: 'off' }),
    el('button', { type: 'submit' }, w('users_submit_add')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onAdd(form);
  });
  return el('section', { class: 'panel user-add-panel', 'aria-labelledby': 'users-add-title' },
    el('h2', { id: 'users-add-title' }, w('users_add')), form);
}

start(async (main) => {
  const [tree, list] = await Promise.all([api('/api/v1/branches'), api('/api/v1/users')]);
  const result = el('div', { class: 'users-result', role: 'status', 'aria-live': 'polite' });
  const holder = el('section', { class: 'users-list', 'aria-labelledby': 'users-list-title' },
    el('h2', { id: 'users-list-title' }, w('users_list')));
  const failed = (e, form) => {
    form?.querySelectorAll('[aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
    const field = e.param && form?.querySelector(`[name="${e.param}"]`);
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
    say(result, `${w('users_failed')}${e.message}`, null, true);
  };
  let draw;
  const act = (u, verb) => post(`/api/v1/users/${encodeURIComponent(u.name)}/${verb}`)
    .then((r) => {
      say(result, r.password ? w('users_password_once', { name: r.name }) : w(`users_done_${verb}`, { name: r.name }),
        r.password);
      return draw();
    }).catch((e) => failed(e));
  draw = async () => {
    const users = (await api('/api/v1/users')).users;
    holder.querySelector('table')?.remove();
    holder.append(table(users, act));
  };
  const add = (form) => post('/api/v1/users', Object.fromEntries(new FormData(form)))
    .then((r) => {
      form.reset();
      form.querySelector('#user-branch').disabled = true;
      form.querySelectorAll('[aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
      say(result, `${w('users_added', { name: r.name })} ${w('users_password_once', { name: r.name })}`, r.password);
      return draw();
    }).catch((e) => failed(e, form));
  holder.append(table(list.users, act));
  main.append(addForm(tree, add), result, holder);
});
