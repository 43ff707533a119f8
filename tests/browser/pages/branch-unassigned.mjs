// The page of the county outside every city (429999): it stands in no
// ranking, so it asks for none (five 400s and console errors before) and
// says so beside each KPI.
export const checks = [
  {
    name: 'says it is ranked nowhere, once per KPI',
    async run({ page, assert }) {
      const notes = await page.locator('.kpi-block p.rank').allInnerTexts();
      assert.ok(notes.length >= 5, `${notes.length} rank lines`);
      for (const n of notes) assert.equal(n, '该单位不属于任何上级单位，不参加排名。');
    },
  },
];
