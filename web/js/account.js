// My account (/account): who is signed in (name, role, the branches they
// see) and the form that changes their password. The form posts to
// /account/password without a script's help, and the server sends the
// browser back here with ?changed=1 or ?error=WHY (docs/access.md); this
// page says which, on the field it is about. A user whose password is a
// temporary one (`user add|passwd --temporary`) is sent here from every
// other page until they change it, and is told so. Below, the user's API
// tokens: a new one is shown once; each may be revoked.
import { api, boot, el, pageUrl, params, post, say, start, tokenTable, w } from './common.js';

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

// The tokens' panel: what a token is for, "new token" (the token shown
// once, in the result), the list; a change said after the list is drawn
// again.
async function tokensPanel() {
  const result = el('div', { class: 'users-result', role: 'status', 'aria-live': 'polite' });
  const list = el('div', { class: 'tokens-list' });
  const done = (text, token) => draw().catch(() => {}).then(() => say(result, text, token));
  const refusal = (e) => (e.code === 'too_many' ? w('tokens_too_many')
    : e.code === 'wrong_password' ? w('account_error_wrong')
      : e.code === 'throttled' ? w('account_error_throttled') : e.message);
  const failed = (e) => say(result, `${w('users_failed')}${refusal(e)}`, null, true);
  const revoke = (t) => post(`/api/v1/me/tokens/${t.id}/revoke`)
    .then(() => done(w('tokens_done_revoke', { id: t.id })), failed);
  const draw = async () => list.replaceChildren(tokenTable((await api('/api/v1/me/tokens')).tokens, revoke));
  // a token outlives the session: the current password is asked again
  const password = el('input', { id: 'token-password', name: 'password', type: 'password',
    autocomplete: 'current-password', required: true });
  const add = el('form', { class: 'token-add' },
    el('label', { for: 'token-password' }, w('tokens_password')), password,
    el('button', { type: 'submit' }, w('tokens_add')));
  add.addEventListener('submit', (event) => {
    event.preventDefault();
    post('/api/v1/me/tokens', { password: password.value }).then((r) => {
      password.value = '';
      password.removeAttribute('aria-invalid');
      return done(w('tokens_done_add', { id: r.id }), r.token);
    }, (e) => {
      if (e.param === 'password') password.setAttribute('aria-invalid', 'true');
      failed(e);
    });
  });
  // the rest of the page shows without the list: a failure is said here
  await draw().catch(failed);
  return el('section', { class: 'panel account-tokens', 'aria-labelledby': 'account-tokens-title' },
    el('h2', { id: 'account-tokens-title' }, w('tokens_title')),
    el('p', { class: 'hint' }, w('tokens_hint')), add, result, list);
}

start(async (main) => {
  const error = ERRORS.has(params.error) ? params.error : null;
  // a temporary password: every other page and API call sends the user here
  if (boot.must_change) main.append(el('p', { class: 'banner temporary', role: 'status' }, w('account_temporary')));
  main.append(who(), passwordForm(error));
  if (boot.role === 'admin') main.append(el('p', { class: 'reports-link' }, el('a', { href: pageUrl('/admin/users') }, `${w('users_link')} →`)));
  // tokens wait for a password of one's own (the API refuses them meanwhile)
  if (!boot.must_change) main.append(await tokensPanel());
  if (error) main.querySelector(`#account-${FIELD_OF[error] ?? 'current'}`).focus();
});
