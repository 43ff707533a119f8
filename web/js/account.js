// My account (/account): who is signed in (name, role, the branches they
// see) and the form that changes their password. The form posts to
// /account/password without a script's help, and the server sends the
// browser back here with ?changed=1 or ?error=WHY (docs/access.md); this
// page says which, on the field it is about. A user whose password is a
// temporary one (`user add|passwd --temporary`) is sent here from every
// other page until they change it, and is told so.
import { boot, el, pageUrl, params, start, w } from './common.js';

// The field each refusal is about; the others are about none.
const FIELD_OF = { wrong: 'current', mismatch: 'confirm', length: 'password', same: 'password', name: 'password' };
const ERRORS = new Set([...Object.keys(FIELD_OF), 'throttled', 'busy', 'unavailable']);

function who() {
  const row = (term, value) => [el('dt', {}, term), el('dd', {}, value)];
  return el('section', { class: 'panel account-who', 'aria-labelledby': 'account-you' },
    el('h2', { id: 'account-you' }, w('account_you')),
    el('dl', {}, row(w('account_user'), boot.user), row(w('account_role'), w(`role_${boot.role}`)),
      row(w('account_scope'), boot.scope?.name ?? w('no_value'))));
}

// A password field; the one the message is about is marked invalid and
// described by the message.
function field(name, label, autocomplete, wrong, extra = {}) {
  const invalid = wrong === name;
  return [el('label', { for: `account-${name}` }, label),
    el('input', {
      id: `account-${name}`, name, type: 'password', autocomplete, required: true,
      'aria-invalid': invalid ? 'true' : null, 'aria-describedby': invalid ? 'account-message' : extra.describedby,
    })];
}

function passwordForm(error) {
  const wrong = FIELD_OF[error] ?? null;
  const message = error ? w(`account_error_${error}`) : params.changed === '1' ? w('account_changed') : '';
  const form = el('form', { method: 'post', action: '/account/password', class: 'password-form' },
    el('p', { id: 'account-message', class: `account-message${error ? ' error' : message ? ' done' : ''}`,
      role: error ? 'alert' : 'status' }, message),
    // for password managers: whose password this is
    el('input', { type: 'text', name: 'username', autocomplete: 'username', value: boot.user, hidden: true }),
    field('current', w('account_current'), 'current-password', wrong),
    field('password', w('account_new'), 'new-password', wrong, { describedby: 'account-hint' }),
    el('p', { id: 'account-hint', class: 'hint' }, w('account_hint')),
    field('confirm', w('account_confirm'), 'new-password', wrong),
    el('input', { type: 'hidden', name: 'csrf', value: boot.csrf }),
    el('input', { type: 'hidden', name: 'lang', value: boot.lang === 'en' ? 'en' : 'zh' }),
    el('button', { type: 'submit' }, w('account_submit')));
  return el('section', { class: 'panel account-password', 'aria-labelledby': 'account-password-title' },
    el('h2', { id: 'account-password-title' }, w('account_password')), form);
}

start(async (main) => {
  const error = ERRORS.has(params.error) ? params.error : null;
  // a temporary password: every other page and API call sends the user here
  if (boot.must_change) main.append(el('p', { class: 'banner temporary', role: 'status' }, w('account_temporary')));
  main.append(who(), passwordForm(error));
  if (boot.role === 'admin') main.append(el('p', { class: 'reports-link' }, el('a', { href: pageUrl('/admin/users') }, `${w('users_link')} →`)));
  if (error) main.querySelector(`#account-${FIELD_OF[error] ?? 'current'}`).focus();
});
