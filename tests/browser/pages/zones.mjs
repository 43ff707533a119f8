// The zones page's own checks: its counts are /api/v1/zones's.
import { fitCheck, narrowAxeCheck, pickerCheck } from '../lib.mjs';

export const checks = [
  {
    name: 'zone counts equal /api/v1/zones',
    async run({ assert, api, figures }) {
      const z = (await api('/api/v1/zones')).body;
      const figs = (await figures('table.zones')).filter((f) => f.branch === z.branch);
      const diffs = [];
      for (const x of z.zones) {
        const count = figs.find((f) => f.field === x.zone);
        const previous = figs.find((f) => f.field === 'previous' && f.text && f.raw !== null && f.raw === x.previous);
        if (!count || count.raw !== x.count) diffs.push(`${x.zone}: page ${count?.raw}, API ${x.count}`);
        if (!previous && x.previous !== null) diffs.push(`${x.zone}: previous ${x.previous} not shown`);
      }
      assert.ok(figs.length >= 5, 'the five zones');
      assert.ok(diffs.length === 0, `${diffs.length} differ:\n${diffs.join('\n')}`);
    },
  },
];

// the as-of date or month picker: by the keyboard without a reload at each arrow key
checks.push(pickerCheck('#month', 'month', ['executive']));
checks.push(narrowAxeCheck(['executive']));
checks.push(fitCheck('table.zones', ['executive', 'manager-420101']));
