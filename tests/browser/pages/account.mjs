// The account page's own checks: it names who is signed in; a temporary
// password sends its user there from any other page; the password form says
// what is wrong on the field it is about, and a good change keeps this
// browser signed in, ends the user's other sessions, and the new password
// signs in where the old one no longer does; a token made here works until
// it is revoked. The password changes are the spare
// user's (lib.config().spare, with a temporary password), whom no other
// case signs in as.
import crypto from 'node:crypto';
import * as lib from '../lib.mjs';

// Fills the password form and submits it; waits for the page it comes back to.
async function submit(page, current, password, confirm = password) {
  await page.locator('#account-current').fill(current);
  await page.locator('#account-password').fill(password);
  await page.locator('#account-confirm').fill(confirm);
  await Promise.all([
    page.waitForURL((u) => u.searchParams.has('error') || u.searchParams.has('changed')),
    page.locator('form.password-form button[type=submit]').click(),
  ]);
  await lib.waitDone(page);
}

// The message and the fields marked invalid ({message, role, invalid[], focused}).
const state = (page) => page.evaluate(() => {
  const m = document.getElementById('account-message');
  return {
    message: m.textContent, role: m.getAttribute('role'),
    invalid: [...document.querySelectorAll('input[aria-invalid=true]')].map((i) => i.name),
    focused: document.activeElement?.name ?? null,
  };
});

const status = async (page, base) => (await lib.api(page, base, '/api/v1/me')).status;

// Runs fn(page, other) signed in as the spare user twice, in two browser
// contexts of their own (closed afterwards): page signed in on its way to
// /alarms, which its temporary password sends to /account.
async function asSpare(page, base, fn) {
  const { spare } = lib.config();
  if (!spare) throw new Error('no spare login (RETENTIOND_SPARE_USER)');
  const browser = page.context().browser();
  const contexts = [await browser.newContext(), await browser.newContext()];
  try {
    const [p, other] = await Promise.all(contexts.map((c) => c.newPage()));
    await lib.signIn(other, base, spare);
    await lib.signIn(p, base, spare, { next: '/alarms' });
    await lib.waitDone(p);
    await fn(p, other, spare);
  } finally {
    await Promise.all(contexts.map((c) => c.close()));
  }
}

export const checks = [
  {
    name: 'names the user, the role and the scope; the header\'s account link is the current page',
    users: ['manager-420100'],
    async run({ page, base, user, assert }) {
      const me = (await lib.api(page, base, '/api/v1/me')).body;
      const dd = await page.locator('.account-who dd').allTextContents();
      assert.deepEqual(dd, [user.name, '分公司经理', me.scope.name]);
      assert.equal(await page.locator('header a.acct').getAttribute('aria-current'), 'page');
      for (const [name, auto] of [['current', 'current-password'], ['password', 'new-password'], ['confirm', 'new-password']])
        assert.equal(await page.locator(`#account-${name}`).getAttribute('autocomplete'), auto, name);
    },
  },
  {
    name: 'a wrong or mismatched password is refused on its field; a good one keeps this session, ends the others, and signs in',
    users: ['manager-420100'],
    async run({ page, base, assert }) {
      await asSpare(page, base, async (p, other, spare) => {
        // a temporary password: on the account page, told why; the API refused
        assert.equal(new URL(p.url()).pathname, '/account', 'signed in with a temporary password');
        assert.match(await p.locator('p.banner.temporary').textContent(), /临时密码/);
        await lib.shot(p, 'spare-account-temporary', { fullPage: true });
        assert.equal((await lib.api(p, base, '/api/v1/kpis')).status, 403, '/api/v1/kpis before the change');
        const fresh = `new-${crypto.randomBytes(9).toString('base64url')}`;
        await submit(p, 'not the password', fresh);
        assert.deepEqual(await state(p),
          { message: '当前密码不正确。', role: 'alert', invalid: ['current'], focused: 'current' });
        await lib.shot(p, 'spare-account-wrong', { fullPage: true });
        await submit(p, spare.password, fresh, `${fresh}x`);
        assert.deepEqual(await state(p),
          { message: '两次输入的新密码不一致。', role: 'alert', invalid: ['confirm'], focused: 'confirm' });
        assert.equal(await status(other, base), 200, 'the other session after two refusals');
        await submit(p, spare.password, fresh);
        assert.equal(new URL(p.url()).search, '?changed=1');
        const done = await state(p);
        assert.equal(done.role, 'status');
        assert.match(done.message, /^密码已修改。/);
        assert.deepEqual(done.invalid, []);
        await lib.shot(p, 'spare-account-changed', { fullPage: true });
        assert.equal(await p.locator('p.banner.temporary').count(), 0, 'the temporary banner after the change');
        assert.equal(await status(p, base), 200, 'this browser after the change');
        assert.equal((await lib.api(p, base, '/api/v1/kpis')).status, 200, '/api/v1/kpis after the change');
        assert.equal(await status(other, base), 401, 'another browser after the change');
        // signed out: the old password is refused, the new one signs in
        await Promise.all([p.waitForURL((u) => u.pathname === '/login'),
          p.locator('form.signout button[type=submit]').click()]);
        await p.goto(`${base}/login`);
        await lib.signIn(p, base, spare);
        assert.equal(new URL(p.url()).searchParams.get('error'), 'failed', 'the old password');
        await p.goto(`${base}/login?next=/account`);
        await lib.signIn(p, base, { ...spare, password: fresh });
        assert.equal(new URL(p.url()).pathname, '/account', 'the new password');
      });
    },
  },
  {
    name: 'in English, a refusal is said in English',
    users: ['manager-420100'],
    async run({ page, base, assert }) {
      await page.goto(`${base}/account?error=length&lang=en`);
      await lib.waitDone(page);
      assert.deepEqual(await state(page),
        { message: 'A new password has 8 to 1024 bytes.', role: 'alert', invalid: ['password'], focused: 'password' });
      assert.equal(await page.locator('form.password-form input[name=lang]').inputValue(), 'en');
    },
  },
  {
    name: 'a token made here is shown once, reads the API as its user, and stops when revoked',
    users: ['manager-420100'],
    async run({ page, base, user, assert }) {
      page.on('dialog', (d) => d.accept().catch(() => {})); // another case's handler may have accepted it
      const result = page.locator('.account-tokens .users-result');
      // the current password is asked again: a wrong one is refused on its field
      await page.locator('#token-password').fill('not the password');
      await page.locator('form.token-add button[type=submit]').click();
      await result.locator('p').waitFor();
      assert.equal(await result.textContent(), '操作失败：当前密码不正确。');
      assert.equal(await page.locator('#token-password').getAttribute('aria-invalid'), 'true');
      await page.locator('#token-password').fill(user.password);
      await page.locator('form.token-add button[type=submit]').click();
      await result.locator('.password code').waitFor();
      const token = await result.locator('.password code').textContent();
      assert.match(token, /^rt_[0-9a-f]{64}$/);
      const id = (await result.textContent()).match(/#(\d+)/)[1];
      const row = page.locator(`table.tokens tr[data-id="${id}"]`);
      assert.match(await row.locator('td.state').textContent(), /有效/);
      await lib.shot(page, 'account-token-made', { fullPage: true });
      // a client without the browser's cookie
      const context = await page.context().browser().newContext();
      try {
        const me = async () => {
          const r = await context.request.get(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
          return { status: r.status(), user: r.ok() ? (await r.json()).user : null };
        };
        assert.deepEqual(await me(), { status: 200, user: user.name });
        await row.locator('button.revoke').click();
        await page.waitForFunction((t) => document.querySelector('.account-tokens .users-result').textContent.includes(t),
          `#${id}。`);
        assert.match(await result.textContent(), new RegExp(`^已撤销令牌 #${id}。$`));
        assert.match(await row.locator('td.state').textContent(), /已撤销/);
        assert.equal(await row.locator('button.revoke').count(), 0);
        assert.equal((await me()).status, 401, 'a revoked token');
      } finally {
        await context.close();
      }
    },
  },
];
