// The home page's own checks (tests/browser/README.md): run after the
// generic ones, for every user the page is for, on the page loaded and done.
export const checks = [
  {
    name: 'names the scope /api/v1/me gives, and its sign-out form holds the session\'s CSRF token',
    async run({ page, api, assert }) {
      const me = (await api('/api/v1/me')).body;
      assert.match(await page.locator('header').innerText(), new RegExp(me.scope.name));
      assert.equal(await page.locator('form.signout input[name=csrf]').inputValue(), me.csrf);
    },
  },
  {
    name: 'tile figures equal /api/v1/kpis',
    async run({ assert, figures, compareWithKpis }) {
      const figs = await figures('.tile');
      assert.ok(figs.some((f) => f.field === 'value'), 'no tile shows a value');
      const diffs = await compareWithKpis(figs);
      assert.ok(diffs.length === 0, `${diffs.length} figures differ:\n${diffs.join('\n')}`);
    },
  },
];
