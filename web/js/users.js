// The users' page (/admin/users, administrators): every user with their
// role, branch, address, status and last use; a form that adds one; per
// user, a dialog that changes their role, branch and address, a new
// temporary password, disable and enable, and a dialog of their API tokens
// that revokes one (a leaked script's, say). A password made here
// is shown once, in the page, for the administrator to hand over: the user
// changes it at their first sign-in (docs/access.md).
import { api, boot, el, post, say, start, tokenTable, w, when } from './common.js';

const ROLES = ['executive', 'branch_manager', 'auditor', 'admin'];

// Every branch of the tree, cities and their counties (and the province
// itself when withRoot), as options.
function branchOptions(tree, withRoot = false) {
  const out = [];
  const walk = (node, depth) => {
    if (depth > 0 || withRoot) out.push(el('option', { value: node.code }, `${'\u3000'.repeat(withRoot ? depth : depth - 1)}${node.code} ${node.name}`));
    for (const c of node.children || []) walk(c, depth + 1);
  };
  for (const root of tree.branches || []) walk(root, 0);
  return out;
}

const seen = (iso) => when(iso, w('users_never'));

// A refusal in the page's language where its code and field are known
// (a bad field, a name taken, no such user), else the server's words.
const REFUSALS = {
  invalid_parameter: (param) => `users_error_${param}`,
  conflict: () => 'users_error_conflict',
  not_found: () => 'users_error_not_found',
};
function refusal(e) {
  const key = REFUSALS[e.code]?.(e.param);
  const text = key ? w(key) : null;
  return `${w('users_failed')}${text && text !== key ? text : e.message}`;
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
  return el('td', { class: 'actions' }, button('set', w('users_edit')),
    button('tokens', w('users_tokens', { n: u.tokens })),
    button('password', w('users_reset'), 'users_confirm_reset'),
    u.disabled ? button('enable', w('users_enable')) : button('disable', w('users_disable'), 'users_confirm_disable'));
}

// Focuses the button of an action (verb) in the row of the user named
// name in holder's list, or the one that took its place (disable and
// enable swap): the list is drawn again after every change, and a dialog
// closing gives the focus back to its opener, which that removed.
function focusAction(holder, name, verb) {
  const swap = { disable: 'enable', enable: 'disable' };
  const tr = [...holder.querySelectorAll('table.users tbody tr')].find((r) => r.dataset.name === name);
  (tr?.querySelector(`button.${verb}`) ?? (swap[verb] && tr?.querySelector(`button.${swap[verb]}`)))?.focus();
}

// The [name, verb] of the action button of table t that has the focus.
function focusedAction(t) {
  const b = document.activeElement;
  return t && b?.localName === 'button' && t.contains(b) ? [b.closest('tr').dataset.name, b.classList[0]] : null;
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
    cell('seen', w('users_last_seen'), seen(u.last_seen)),
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

// A user's role, branch (a branch manager's only) and address, labelled,
// their ids prefixed; u's values when given.
function userFields(tree, prefix, u = {}) {
  const branch = el('select', { id: `${prefix}-branch`, name: 'branch', disabled: u.role !== 'branch_manager' },
    el('option', { value: '' }, w('users_branch_none')), branchOptions(tree));
  branch.value = u.branch ?? '';
  const role = el('select', { id: `${prefix}-role`, name: 'role' },
    ROLES.map((r) => el('option', { value: r }, w(`role_${r}`))));
  role.value = u.role ?? ROLES[0];
  role.addEventListener('change', () => {
    branch.disabled = role.value !== 'branch_manager';
    if (branch.disabled) branch.value = '';
  });
  return [el('label', { for: `${prefix}-role` }, w('users_role')), role,
    el('label', { for: `${prefix}-branch` }, w('users_branch')), branch,
    el('label', { for: `${prefix}-email` }, w('users_email_optional')),
    el('input', { id: `${prefix}-email`, name: 'email', type: 'email', autocomplete: 'off', value: u.email ?? '' })];
}

// Marks the field an error names (param) in form, and focuses it.
function markInvalid(form, param) {
  form?.querySelectorAll('[aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
  const field = param && form?.querySelector(`[name="${param}"]`);
  if (field) {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }
}

// The dialog that changes u's role, branch and address: save(form) posts
// it (a promise of the answer); the dialog closes when it is done, then
// saved(answer); a refusal is said in the dialog, on its field.
function editDialog(tree, u, save, saved) {
  const error = el('p', { class: 'error', role: 'alert' });
  const form = el('form', { class: 'user-add user-edit' }, userFields(tree, 'edit', u),
    el('p', { class: 'hint' }, w('users_edit_hint')), error,
    el('div', { class: 'buttons' }, el('button', { type: 'submit' }, w('users_save')),
      el('button', { type: 'button', class: 'cancel', onclick: () => dialog.close() }, w('users_cancel'))));
  const dialog = el('dialog', { class: 'user-edit-dialog', 'aria-labelledby': 'edit-title' },
    el('h2', { id: 'edit-title' }, w('users_edit_title', { name: u.name })), form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    save(form).then((r) => {
      dialog.close();
      saved(r);
    }, (e) => {
      markInvalid(form, e.param);
      error.textContent = refusal(e);
    });
  });
  dialog.addEventListener('close', () => dialog.remove());
  return dialog;
}

// The dialog of u's API tokens, the revoked ones too: revoke per live one
// (asked to confirm), said in the dialog; revoked() after each, so that
// the list of users shows the new count.
function tokensDialog(u, revoked) {
  const result = el('div', { class: 'tokens-result', role: 'status', 'aria-live': 'polite' });
  const list = el('div', { class: 'tokens-list' });
  const base = `/api/v1/users/${encodeURIComponent(u.name)}/tokens`;
  const draw = async () => list.replaceChildren(tokenTable((await api(base)).tokens, revoke,
    w('users_tokens_none', { name: u.name })));
  const revoke = (t) => post(`${base}/${t.id}/revoke`).then(() => {
    revoked();
    return draw().catch(() => {}).then(() => say(result, w('tokens_done_revoke', { id: t.id })));
  }, (e) => say(result, refusal(e), null, true));
  const dialog = el('dialog', { class: 'user-tokens-dialog', 'aria-labelledby': 'tokens-title' },
    el('h2', { id: 'tokens-title' }, w('users_tokens_title', { name: u.name })),
    el('p', { class: 'hint' }, w('users_tokens_hint')), result, list,
    el('div', { class: 'buttons' },
      el('button', { type: 'button', class: 'cancel', onclick: () => dialog.close() }, w('users_close'))));
  dialog.addEventListener('close', () => dialog.remove());
  return { dialog, load: () => draw().catch((e) => say(result, refusal(e), null, true)) };
}

function addForm(tree, onAdd) {
  const form = el('form', { class: 'user-add' },
    el('label', { for: 'user-name' }, w('users_name')),
    el('input', { id: 'user-name', name: 'name', type: 'text', required: true, autocomplete: 'off', spellcheck: 'false', maxlength: 64 }),
    userFields(tree, 'user'),
    el('button', { type: 'submit' }, w('users_submit_add')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onAdd(form);
  });
  return el('section', { class: 'panel user-add-panel', 'aria-labelledby': 'users-add-title' },
    el('h2', { id: 'users-add-title' }, w('users_add')), form);
}

// The bulletin's extra recipients: who else gets a branch's bulletin (a
// department's mailbox, say); a form that adds one, remove per row.
function recipientsPanel(tree) {
  const result = el('div', { class: 'recipients-result', role: 'status', 'aria-live': 'polite' });
  const holder = el('div', { class: 'recipients-list' });
  const failed = (e, form) => {
    markInvalid(form, e.param);
    say(result, refusal(e), null, true);
  };
  // a change made: the list drawn again, then said
  let draw;
  const done = (text) => draw().catch(() => {}).then(() => say(result, text));
  const branchName = (code) => {
    let name = code;
    const walk = (node) => { if (node.code === code) name = node.name; (node.children || []).forEach(walk); };
    (tree.branches || []).forEach(walk);
    return name;
  };
  const named = (r) => ({ address: r.address, branch: branchName(r.branch) });
  draw = async () => {
    const rows = (await api('/api/v1/bulletin-recipients')).recipients;
    holder.replaceChildren(rows.length ? el('table', { class: 'users recipients' },
      el('caption', { class: 'sr-only' }, w('recipients_title')),
      el('thead', {}, el('tr', {}, ['users_branch', 'recipients_address', 'recipients_added_at', 'users_actions']
        .map((h) => el('th', { scope: 'col' }, w(h))))),
      el('tbody', {}, rows.map((r) => el('tr', { dataset: { branch: r.branch, address: r.address } },
        el('td', { class: 'branch', dataset: { label: w('users_branch') } }, `${r.branch_name ?? ''} (${r.branch})`),
        el('th', { scope: 'row', class: 'email' }, r.address),
        el('td', { class: 'seen', dataset: { label: w('recipients_added_at') } }, when(r.added_at)),
        el('td', { class: 'actions' }, el('button', {
          type: 'button', class: 'remove', 'aria-label': `${w('recipients_remove')} · ${r.address}`,
          onclick: () => {
            if (!window.confirm(w('recipients_confirm_remove', named(r)))) return;
            post('/api/v1/bulletin-recipients/remove', { branch: r.branch, address: r.address })
              .then(() => done(w('recipients_done_remove', named(r))), (e) => failed(e));
          },
        }, w('recipients_remove'))))))) : el('p', { class: 'tokens-none' }, w('recipients_none')));
  };
  const form = el('form', { class: 'recipient-add' },
    el('label', { for: 'recipient-branch' }, w('users_branch')),
    el('select', { id: 'recipient-branch', name: 'branch' }, branchOptions(tree, true)),
    el('label', { for: 'recipient-address' }, w('recipients_address')),
    el('input', { id: 'recipient-address', name: 'address', type: 'email', required: true, autocomplete: 'off' }),
    el('button', { type: 'submit' }, w('recipients_add')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const fields = Object.fromEntries(new FormData(form));
    post('/api/v1/bulletin-recipients', fields).then((r) => {
      form.querySelector('#recipient-address').value = '';
      markInvalid(form, null);
      return done(w(r.already ? 'recipients_done_already' : 'recipients_done_add', named(r)));
    }, (e) => failed(e, form));
  });
  return { panel: el('section', { class: 'panel recipients-panel', 'aria-labelledby': 'recipients-title' },
    el('h2', { id: 'recipients-title' }, w('recipients_title')),
    el('p', { class: 'hint' }, w('recipients_hint')), form, result, holder),
  // the users show without the list: a failure is said in the panel
  load: () => draw().catch((e) => failed(e)) };
}

start(async (main) => {
  const [tree, list] = await Promise.all([api('/api/v1/branches'), api('/api/v1/users')]);
  const result = el('div', { class: 'users-result', role: 'status', 'aria-live': 'polite' });
  const holder = el('section', { class: 'users-list', 'aria-labelledby': 'users-list-title' },
    el('h2', { id: 'users-list-title' }, w('users_list')));
  const failed = (e, form) => {
    markInvalid(form, e.param);
    say(result, refusal(e), null, true);
  };
  const path = (u, verb) => `/api/v1/users/${encodeURIComponent(u.name)}/${verb}`;
  const changed = (r) => {
    if (r.unchanged) return w('users_done_unchanged', { name: r.name });
    return w(r.sessions_ended ? 'users_done_set_ended' : 'users_done_set', { name: r.name });
  };
  const edit = (u) => {
    const dialog = editDialog(tree, u, (form) => post(path(u, 'set'), Object.fromEntries(new FormData(form))),
      (r) => done(changed(r)));
    main.append(dialog);
    dialog.showModal();
  };
  const tokens = async (u) => {
    const t = tokensDialog(u, () => draw().catch(() => {}));
    await t.load();
    t.dialog.addEventListener('close', () => focusAction(holder, u.name, 'tokens'));
    main.append(t.dialog);
    t.dialog.showModal();
  };
  const act = (u, verb) => (verb === 'tokens' ? tokens(u) : verb === 'set' ? edit(u) : post(path(u, verb))
    .then((r) => done(r.password ? w('users_password_once', { name: r.name }) : w(`users_done_${verb}`, { name: r.name }),
      r.password), (e) => failed(e)));
  const draw = async () => {
    const users = (await api('/api/v1/users')).users;
    const old = holder.querySelector('table');
    const at = focusedAction(old);
    old?.remove();
    holder.append(table(users, act));
    if (at) focusAction(holder, ...at);
  };
  // a change made: the list drawn again, then said (with a password made,
  // which is said even when the list cannot be drawn again)
  const done = (text, password = null) => draw().catch(() => {}).then(() => say(result, text, password));
  const add = (form) => post('/api/v1/users', Object.fromEntries(new FormData(form)))
    .then((r) => {
      form.reset();
      form.querySelector('#user-branch').disabled = true;
      form.querySelectorAll('[aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
      return done(`${w('users_added', { name: r.name })} ${w('users_password_once', { name: r.name })}`, r.password);
    }, (e) => failed(e, form));
  holder.append(table(list.users, act));
  const recipients = recipientsPanel(tree);
  await recipients.load();
  main.append(addForm(tree, add), result, holder, recipients.panel);
});
