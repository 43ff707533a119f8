// The overview of a county outside every city (the demo's 待划分网格,
// 429999): it stands in no ranking, and says so in the page's language
// rather than asking for one (an error in red, in English, before); with
// no zone members, the at-risk total is unknown (—), not 0.
export const checks = [
  {
    name: 'says it is ranked nowhere; the at-risk total is — as its zones are',
    async run({ page, assert }) {
      assert.equal(await page.locator('section.rank .notice').innerText(), '该单位不属于任何上级单位，不参加排名。');
      assert.equal(await page.locator('section.rank table').count(), 0);
      assert.equal(await page.locator('.notice.error').count(), 0, 'an error is shown');
      const total = (await page.locator('.tile.zones .value').innerText()).trim();
      assert.match(total, /^—/, `the at-risk total reads ${total}`);
    },
  },
];
