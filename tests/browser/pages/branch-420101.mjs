// The branch page's own checks: its figures are /api/v1/kpis's.
export const checks = [
  {
    name: 'figures equal /api/v1/kpis',
    async run({ assert, figures, compareWithKpis }) {
      const figs = await figures('.kpi-block');
      assert.ok(figs.filter((f) => f.field === 'value').length >= 5, 'a value per KPI');
      const diffs = await compareWithKpis(figs);
      assert.ok(diffs.length === 0, `${diffs.length} figures differ:\n${diffs.join('\n')}`);
    },
  },
];
