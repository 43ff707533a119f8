// The users' page's own checks (administrators): its rows are the API's;
// a user added on the page signs in with the temporary password it shows
// once and is sent to change it; a reset gives another; disabling ends the
// user's session, enabling lets them in again; a new branch, given in the
// edit dialog, ends it too; a refused field is marked.
import crypto from 'node:crypto';
import * as lib from '../lib.mjs';

// Clicks the row's button and waits for the page to say how it went.
async function act(page, name, button) {
  const before = await page.locator('.users-result').textContent();
  await page.locator(`table.users tr[data-name="${name}"] button.${button}`).click();
  await page.waitForFunction((t) => document.querySelector('.users-result').textContent !== t, before);
  await lib.waitDone(page);
}

const password = (page) => page.locator('.users-result .password code').textContent();

// What has the focus: "NAME VERB" for a button of the list's row of NAME,
// else the element's tag (the list is drawn again after every change)
const focus = (page) => page.evaluate(() => {
  const b = document.activeElement;
  const tr = b?.closest('table.users tbody tr');
  return tr && b.localName === 'button' ? `${tr.dataset.name} ${b.className}` : b?.localName ?? '';
});

export const checks = [
  {
    name: 'the rows are the API\'s users, by name',
    users: ['admin'],
    async run({ page, base, assert }) {
      const api = (await lib.api(page, base, '/api/v1/users')).body.users;
      const rows = await page.locator('table.users tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.name));
      assert.deepEqual(rows, api.map((u) => u.name));
      assert.ok(rows.length >= 5, `${rows.length} users`);
      // last seen: the API's instant as YYYY-MM-DD HH:MM:SS in the viewer's
      // zone (not en-GB's 02/12/2026), a user never seen said so. The other
      // lanes' users are seen meanwhile: the page's time lies between the
      // API's answers before and after it loaded.
      const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
      const local = (iso) => new Date(iso).toLocaleString('sv-SE', { timeZone: zone, hourCycle: 'h23' });
      const never = await page.evaluate(() => JSON.parse(document.body.dataset.boot).labels.words.users_never);
      const before = (await lib.api(page, base, '/api/v1/users')).body.users;
      await page.reload();
      await lib.waitDone(page);
      const seen = await page.locator('table.users tbody td.seen').allTextContents();
      const after = (await lib.api(page, base, '/api/v1/users')).body.users;
      const shown = (u) => (u.last_seen ? local(u.last_seen) : never);
      const wrong = seen.map((t, i) => [t, shown(before[i]), shown(after[i])])
        .filter(([t, lo, hi]) => t !== lo && t !== hi && !(lo !== never && lo < t && t < hi));
      assert.equal(seen.length, after.length);
      assert.ok(wrong.length === 0, wrong.map((x) => x.join(' not in ')).join('\n'));
      assert.ok(seen.some((t) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(t)), seen.join(', '));
    },
  },
  {
    name: 'an added user signs in with the password shown once and must change it; reset, disable, enable, edit',
    users: ['admin'],
    async run({ page, base, assert }) {
      page.on('dialog', (d) => d.accept().catch(() => {})); // another case's handler may have accepted it
      const name = `e2e.new-${crypto.randomBytes(3).toString('hex')}`;
      await page.locator('#user-name').fill(name);
      await page.locator('#user-role').selectOption('branch_manager');
      await page.locator('#user-branch').selectOption('420101');
      // no address: the reliability suites reuse this database and count the
      // bulletins' recipients (users with an address)
      await page.locator('form.user-add button[type=submit]').click();
      await page.locator(`table.users tr[data-name="${name}"]`).waitFor();
      await lib.waitDone(page);
      const first = await password(page);
      assert.match(first, /^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/);
      assert.match(await page.locator('.users-result').textContent(), new RegExp(`已新增用户 ${name.replace('.', '\\.')}`));
      const row = page.locator(`table.users tr[data-name="${name}"]`);
      assert.match(await row.locator('td.state').textContent(), /待修改临时密码/);
      assert.match(await row.locator('td.branch').textContent(), /420101/);
      await lib.shot(page, 'admin-users-added', { fullPage: true });
      // the new user, in a browser of their own
      const context = await page.context().browser().newContext();
      try {
        const p = await context.newPage();
        await lib.signIn(p, base, { name, password: first }, { next: '/alarms' });
        await lib.waitDone(p);
        assert.equal(new URL(p.url()).pathname, '/account', 'a new user is sent to change the password');
        assert.equal(await p.locator('p.banner.temporary').count(), 1);
        // a new temporary password: the session ends, the old password no longer signs in
        await act(page, name, 'password');
        const second = await password(page);
        assert.notEqual(second, first);
        assert.equal(await focus(page), `${name} password`, 'the focus after the list is drawn again');
        assert.equal((await lib.api(p, base, '/api/v1/me')).status, 401, 'the session after a reset');
        await lib.signIn(p, base, { name, password: second });
        assert.equal((await lib.api(p, base, '/api/v1/me')).status, 200, 'signed in with the reset password');
        // disabled: the session ends; enabled again: the row says so
        await act(page, name, 'disable');
        assert.match(await row.locator('td.state').textContent(), /已停用/);
        assert.equal(await focus(page), `${name} enable`, 'the focus on the button in the place of disable');
        assert.equal((await lib.api(p, base, '/api/v1/me')).status, 401, 'the session of a disabled user');
        await act(page, name, 'enable');
        assert.match(await row.locator('td.state').textContent(), /正常/);
        assert.equal(await row.locator('button.disable').count(), 1);
        assert.equal(await focus(page), `${name} disable`, 'the focus on the button in the place of enable');
        assert.equal(await page.locator('.users-result').textContent(), `已启用 ${name}。`);
        // edited in the dialog: a refused branch is marked there, the dialog
        // stays; another branch ends the session; the row says the new one
        await lib.signIn(p, base, { name, password: second });
        await row.locator('button.set').click();
        const dialog = page.locator('dialog.user-edit-dialog');
        await dialog.waitFor();
        assert.equal(await dialog.locator('#edit-role').inputValue(), 'branch_manager');
        assert.equal(await dialog.locator('#edit-branch').inputValue(), '420101');
        await dialog.locator('#edit-branch').selectOption('');
        await dialog.locator('button[type=submit]').click();
        await dialog.locator('p.error:not(:empty)').waitFor();
        assert.equal(await dialog.locator('#edit-branch').getAttribute('aria-invalid'), 'true');
        assert.match(await dialog.locator('p.error').textContent(), /^操作失败：分公司经理须选择分公司/);
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'edit-branch');
        await dialog.locator('#edit-branch').selectOption('420102');
        await lib.shot(page, 'admin-users-edit');
        const violations = await lib.axeViolations(page);
        assert.equal(violations.length, 0, `the open dialog: ${lib.formatViolations(violations)}`);
        const before = await page.locator('.users-result').textContent();
        await dialog.locator('button[type=submit]').click();
        await page.waitForFunction((t) => document.querySelector('.users-result').textContent !== t, before);
        await lib.waitDone(page);
        assert.equal(await dialog.count(), 0, 'the dialog closes after a save');
        assert.equal(await focus(page), `${name} set`, 'the focus back on the button that opened the dialog');
        assert.match(await page.locator('.users-result').textContent(), /角色或分公司已变，其所有登录已退出/);
        assert.match(await row.locator('td.branch').textContent(), /420102/);
        assert.equal((await lib.api(p, base, '/api/v1/me')).status, 401, 'the session after a new branch');
      } finally {
        await context.close();
      }
    },
  },
  {
    name: 'another user\'s token is listed and revoked in the tokens dialog, and stops at once',
    users: ['admin'],
    async run({ page, base, assert }) {
      page.on('dialog', (d) => d.accept().catch(() => {})); // another case's handler may have accepted it
      const owner = lib.config().users.find((u) => u.role === 'auditor');
      const context = await page.context().browser().newContext();
      let id = null;
      try {
        // the auditor makes a token for a script, in a browser of their own
        const p = await context.newPage();
        await lib.signIn(p, base, owner);
        const made = await p.evaluate(async (password) => {
          const csrf = JSON.parse(document.body.dataset.boot).csrf;
          const r = await fetch('/api/v1/me/tokens', { method: 'POST', headers: { 'X-CSRF-Token': csrf },
            body: new URLSearchParams({ password }) });
          return { status: r.status, body: await r.json() };
        }, owner.password);
        assert.equal(made.status, 201, JSON.stringify(made.body));
        id = made.body.id;
        // a script's client: no cookie
        const me = async () => (await fetch(`${base}/api/v1/me`,
          { headers: { Authorization: `Bearer ${made.body.token}` } })).status;
        assert.equal(await me(), 200, 'the token before');
        await page.reload();
        await lib.waitDone(page);
        const row = page.locator(`table.users tr[data-name="${owner.name}"]`);
        const button = row.locator('button.tokens');
        assert.match(await button.textContent(), /^令牌（[1-9]\d*）$/);
        const before = Number((await button.textContent()).match(/\d+/)[0]);
        await button.click();
        const dialog = page.locator('dialog.user-tokens-dialog');
        await dialog.waitFor();
        assert.equal(await dialog.locator('h2').textContent(), `${owner.name} 的 API 令牌`);
        const line = dialog.locator(`table.tokens tr[data-id="${id}"]`);
        assert.equal(await line.locator('td.state').textContent(), '有效');
        assert.ok(!(await dialog.textContent()).includes(made.body.token), 'the dialog shows the token');
        await lib.shot(page, 'admin-users-tokens');
        const violations = await lib.axeViolations(page);
        assert.equal(violations.length, 0, `the open dialog: ${lib.formatViolations(violations)}`);
        await line.locator('button.revoke').click();
        await page.waitForFunction(() => document.querySelector('dialog .tokens-result')?.textContent);
        assert.equal(await dialog.locator('.tokens-result').textContent(), `已撤销令牌 #${id}。`);
        assert.match(await line.locator('td.state').textContent(), /^已撤销/);
        assert.equal(await me(), 401, 'the token after the revocation');
        assert.equal((await lib.api(p, base, '/api/v1/me')).status, 200, 'the user\'s session goes on');
        await dialog.locator('button.cancel').click();
        assert.equal(await dialog.count(), 0, 'the dialog closes');
        // the list is drawn again after the revocation (not waited for by
        // the dialog): the count goes down, the focus stays on the button
        await page.waitForFunction(([name, text]) => [...document.querySelectorAll('table.users tbody tr')]
          .find((tr) => tr.dataset.name === name)?.querySelector('button.tokens')?.textContent === text,
        [owner.name, `令牌（${before - 1}）`]);
        assert.equal(await focus(page), `${owner.name} tokens`, 'the focus back on the button that opened the dialog');
        await lib.shot(page, 'admin-users-tokens-closed');
      } finally {
        await context.close();
        if (id) lib.sql(`DELETE FROM kpi.api_token WHERE token_id = ${Number(id)}`);
      }
    },
  },
  {
    name: 'an extra recipient of a branch\'s bulletin is added and removed on the page',
    users: ['admin'],
    async run({ page, assert }) {
      page.on('dialog', (d) => d.accept().catch(() => {})); // another case's handler may have accepted it
      const address = `desk-${crypto.randomBytes(3).toString('hex')}@e2e.test`;
      const result = page.locator('.recipients-result');
      try {
        await page.locator('#recipient-branch').selectOption('420101');
        await page.locator('#recipient-address').fill(address);
        await page.locator('form.recipient-add button[type=submit]').click();
        await page.waitForFunction((a) => document.querySelector('.recipients-result').textContent.includes(a), address);
        assert.equal(await result.textContent(), `已添加 ${address}：此后收到江岸分公司的日通报。`);
        const row = page.locator(`table.recipients tr[data-address="${address}"]`);
        assert.match(await row.locator('td.branch').textContent(), /江岸分公司 \(420101\)/);
        await lib.shot(page, 'admin-users-recipients', { fullPage: true });
        await row.locator('button.remove').click();
        await page.waitForFunction(() => document.querySelector('.recipients-result').textContent.startsWith('已移除'));
        assert.equal(await result.textContent(), `已移除 ${address}，不再收到江岸分公司的日通报。`);
        assert.equal(await row.count(), 0);
      } finally {
        // the reliability suites reuse this database and count the recipients
        lib.sql(`DELETE FROM kpi.bulletin_recipient WHERE address = '${address}'`);
      }
    },
  },
  {
    name: 'a branch manager without a branch is refused on the branch field',
    users: ['admin'],
    async run({ page, assert }) {
      await page.locator('#user-name').fill(`e2e.nobranch-${crypto.randomBytes(3).toString('hex')}`);
      await page.locator('#user-role').selectOption('branch_manager');
      await page.locator('form.user-add button[type=submit]').click();
      await page.locator('.users-result.error').waitFor();
      assert.equal(await page.locator('#user-branch').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'user-branch');
      assert.match(await page.locator('.users-result').textContent(), /^操作失败：分公司经理须选择分公司/);
    },
  },
];
