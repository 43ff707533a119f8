// web/js/cause.js (由果推因) against cases computed by hand. Plain node:
// `node tests/unit/cause.test.mjs [path/to/cause.js]` (meson: web-cause).
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const file = process.argv[2] || path.join(here, '..', '..', 'web', 'js', 'cause.js');
const { analyse, causeNodes, defaultGoal, findNode, leafWeights, parseGoal } =
  await import(pathToFileURL(path.resolve(file)).href);

let failed = 0;
function test(name, fn) {
  try {
    fn();
    console.log(`ok - ${name}`);
  } catch (error) {
    failed++;
    console.log(`not ok - ${name}\n${error.stack}`);
  }
}

const close = (actual, expected, what) => assert.ok(Math.abs(actual - expected) < 1e-9,
  `${what}: ${actual} is not ${expected}`);
const leaf = (code, weight, value) => ({ code, name: code.toUpperCase(), weight, value, children: [] });
const byCode = (result) => Object.fromEntries(result.leaves.map((l) => [l.code, l]));

// Two levels: R = 0.6 A + 0.4 B; A = 0.5 A1 + 0.5 A2 = 85; B = B1 = 70;
// R = 51 + 28 = 79. Effective weights: A1 0.3, A2 0.3, B1 0.4.
const twoLevel = () => [{
  code: 'r', name: 'R', weight: 1, value: 79, target_base: 82, children: [
    { code: 'a', name: 'A', weight: 0.6, value: 85, children: [leaf('a1', 0.5, 80), leaf('a2', 0.5, 90)] },
    { code: 'b', name: 'B', weight: 0.4, value: 70, children: [leaf('b1', 1, 70)] },
  ],
}];

test('two levels: effective weights are the products of the weights on the path', () => {
  const w = Object.fromEntries(leafWeights(twoLevel()[0]).map((l) => [l.code, l]));
  close(w.a1.weight, 0.3, 'a1');
  close(w.a2.weight, 0.3, 'a2');
  close(w.b1.weight, 0.4, 'b1');
  assert.deepEqual(w.a1.path, ['A', 'A1']);
  // the leaves' weighted scores add up to the root's score
  close(Object.values(w).reduce((s, l) => s + l.weight * l.score, 0), 79, 'R');
});

test('two levels: hold-back and the rise of each leaf alone, goal 82', () => {
  const r = analyse(twoLevel()[0], 82);
  assert.equal(r.reached, false);
  close(r.need, 3, 'need');
  assert.deepEqual(r.leaves.map((l) => l.code), ['b1', 'a1', 'a2']);
  const l = byCode(r);
  close(l.b1.gap, 12, 'b1 gap');
  close(l.b1.holdBack, 4.8, 'b1 hold-back'); // 0.4 × (82 − 70)
  close(l.a1.holdBack, 0.6, 'a1 hold-back'); // 0.3 × (82 − 80)
  close(l.a2.gap, 0, 'a2 gap'); // 90 is above the goal
  close(l.a2.holdBack, 0, 'a2 hold-back');
  close(l.b1.rise, 7.5, 'b1 rise'); // 3 / 0.4
  close(l.a1.rise, 10, 'a1 rise'); // 3 / 0.3, cap 20
  close(l.a2.rise, 10, 'a2 rise'); // 3 / 0.3, cap 10: just reachable
  close(l.a2.cap, 10, 'a2 cap');
  assert.ok(l.b1.reachable && l.a1.reachable && l.a2.reachable);
});

test('two levels: a goal for a parent below the root weighs its own leaves', () => {
  const a = findNode(twoLevel(), 'a');
  const r = analyse(a, 86);
  const l = byCode(r);
  close(l.a1.weight, 0.5, 'a1');
  close(l.a1.rise, 2, 'a1 rise'); // (86 − 85) / 0.5
  close(l.a1.holdBack, 3, 'a1 hold-back'); // 0.5 × 6
  assert.deepEqual(r.leaves.map((x) => x.code), ['a1', 'a2']);
  assert.equal(findNode(twoLevel(), 'zz'), null);
});

test('the nodes a goal can be set for: parents with a score, depth first', () => {
  assert.deepEqual(causeNodes(twoLevel()).map((n) => [n.code, n.depth]), [['r', 0], ['a', 1], ['b', 1]]);
});

// A partial parent: P = (0.5 × 80 + 0.2 × 90) / 0.7 = 58 / 0.7; Y has no
// score and is left out of the normalisation: X 5/7, Z 2/7.
const partial = () => ({
  code: 'p', name: 'P', weight: 1, value: 58 / 0.7, partial: true, children: [
    leaf('x', 0.5, 80), leaf('y', 0.3, null), leaf('z', 0.2, 90),
  ],
});

test('a partial parent: the child without a score is left out of the normalisation', () => {
  const r = analyse(partial(), 85);
  assert.deepEqual(r.leaves.map((l) => l.code), ['x', 'z']);
  const l = byCode(r);
  close(l.x.weight, 5 / 7, 'x weight');
  close(l.z.weight, 2 / 7, 'z weight');
  close(r.need, 85 - 58 / 0.7, 'need'); // 2.142857…
  close(l.x.rise, 3, 'x rise'); // (15/7) / (5/7)
  close(l.z.rise, 7.5, 'z rise'); // (15/7) / (2/7), cap 10
  close(l.x.holdBack, 25 / 7, 'x hold-back'); // 5/7 × 5
  close(l.z.holdBack, 0, 'z hold-back');
  assert.ok(l.x.reachable && l.z.reachable);
});

test('a parent without any score is left out one level up', () => {
  const tree = { code: 'r', name: 'R', weight: 1, value: 80, children: [
    { code: 'a', name: 'A', weight: 0.5, value: 80, children: [leaf('a1', 1, 80)] },
    { code: 'b', name: 'B', weight: 0.5, value: null, children: [leaf('b1', 1, null)] },
  ] };
  const w = leafWeights(tree);
  assert.deepEqual(w.map((l) => [l.code, l.weight]), [['a1', 1]]);
  assert.deepEqual(causeNodes([tree]).map((n) => n.code), ['r', 'a']);
});

// P = 0.75 × 90 + 0.25 × 60 = 82.5.
const twoLeaves = () => ({ code: 'p', name: 'P', weight: 1, value: 82.5, children: [
  leaf('x', 0.75, 90), leaf('z', 0.25, 60)] });

test('an unreachable goal: a rise above 100 − score is not reachable alone', () => {
  const r = analyse(twoLeaves(), 91); // need 8.5
  const l = byCode(r);
  close(l.x.rise, 8.5 / 0.75, 'x rise'); // 11.33 > 10
  assert.equal(l.x.reachable, false);
  close(l.z.rise, 34, 'z rise'); // 8.5 / 0.25, cap 40
  assert.equal(l.z.reachable, true);
  assert.deepEqual(r.leaves.map((x) => x.code), ['z', 'x']); // 0.25 × 31 = 7.75 > 0.75 × 1
  close(l.z.holdBack, 7.75, 'z hold-back');
  close(l.x.holdBack, 0.75, 'x hold-back');
  const all = analyse(twoLeaves(), 100); // need 17.5: x 23.3 > 10, z 70 > 40
  assert.ok(all.leaves.every((x) => !x.reachable));
  const edge = analyse(twoLeaves(), 90); // need 7.5: x exactly 10 = its cap
  assert.equal(byCode(edge).x.reachable, true);
});

test('a reached goal: nothing to rise, the hold-back of the leaves under it remains', () => {
  for (const goal of [80, 82.5]) {
    const r = analyse(twoLeaves(), goal);
    assert.equal(r.reached, true);
    close(r.need, 0, 'need');
    assert.ok(r.leaves.every((x) => x.rise === 0 && x.reachable));
  }
  const l = byCode(analyse(twoLeaves(), 80));
  close(l.z.holdBack, 5, 'z hold-back'); // 0.25 × 20
  close(l.x.holdBack, 0, 'x hold-back');
});

test('goals: numbers 0..100 only; a node without a score has no analysis', () => {
  assert.equal(parseGoal('85'), 85);
  assert.equal(parseGoal(' 84.5 '), 84.5);
  assert.equal(parseGoal('84,5'), 84.5);
  assert.equal(parseGoal('100'), 100);
  for (const bad of ['', ' ', 'abc', '-1', '100.01', '1e2', null, undefined]) assert.equal(parseGoal(bad), null, bad);
  assert.equal(analyse({ code: 'q', value: null, children: [] }, 80), null);
  assert.equal(analyse(twoLeaves(), null), null);
  assert.equal(defaultGoal(twoLevel()[0]), 82); // its base target, above its score
  assert.equal(defaultGoal(twoLeaves()), 84); // no target: a whole point ≥ 1 above 82.5
  assert.equal(defaultGoal({ value: 99.5 }), 100);
});

if (failed) {
  console.log(`${failed} failed`);
  process.exit(1);
}
