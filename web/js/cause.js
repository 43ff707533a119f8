// 由果推因 (from the result back to the causes): pure functions over the
// indicator tree of /api/v1/satisfaction, no DOM (tests/unit/cause.test.mjs
// runs them under node).
//
// A parent's score is the weighted mean of its children that have a score,
// the weights renormalised among them (docs: domain.md, K4). So below a
// chosen node N, a leaf L counts in N's score with its effective weight: the
// product, along the path from N down to L, of each node's weight divided by
// the sum of the weights of its siblings that have a score. N's score is
// then the sum of effective weight × score over its leaves, and
// - a leaf's hold-back against a goal G is effective weight × (G − score)
//   when the leaf is under G (else 0): the points of N it keeps away from G;
// - the smallest rise of one leaf that alone lifts N to G is
//   (G − N's score) / effective weight, possible only up to 100 − its score.
// All figures are in score points (0-100).

const EPS = 1e-9;

export const hasScore = (node) => node !== null && node !== undefined &&
  typeof node.value === 'number' && Number.isFinite(node.value);

const kids = (node) => (Array.isArray(node?.children) ? node.children : []);

// The node of `code` in the indicator tree (a list of roots), or null.
export function findNode(indicators, code) {
  for (const node of indicators || []) {
    if (node.code === code) return node;
    const found = findNode(kids(node), code);
    if (found) return found;
  }
  return null;
}

// The nodes a goal can be set for: those with a score and children with a
// score, depth first, with their depth.
export function causeNodes(indicators) {
  const out = [];
  const walk = (node, depth) => {
    if (hasScore(node) && kids(node).some(hasScore)) {
      out.push({ code: node.code, name: node.name, depth, value: node.value });
    }
    for (const child of kids(node)) walk(child, depth + 1);
  };
  for (const root of indicators || []) walk(root, 0);
  return out;
}

// The leaves below `node` that have a score, each with its effective weight
// and the names of the path from below `node` down to it. A node with a
// score none of whose children has one counts as a leaf.
export function leafWeights(node) {
  const out = [];
  const walk = (n, weight, path) => {
    const scored = kids(n).filter(hasScore);
    if (!scored.length) {
      out.push({ code: n.code, name: n.name, path, weight, score: n.value });
      return;
    }
    const total = scored.reduce((sum, c) => sum + (Number(c.weight) > 0 ? Number(c.weight) : 0), 0);
    for (const child of scored) {
      const share = total > 0 && Number(child.weight) > 0 ? Number(child.weight) / total : 0;
      walk(child, weight * share, [...path, child.name]);
    }
  };
  if (hasScore(node)) walk(node, 1, []);
  return out;
}

// A goal typed by the user: a number 0..100, else null.
export function parseGoal(text) {
  if (text === null || text === undefined) return null;
  const s = String(text).trim().replace(/[,，]/g, '.');
  if (s === '' || !/^[+]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return null;
  const goal = Number(s);
  return Number.isFinite(goal) && goal >= 0 && goal <= 100 ? goal : null;
}

// What stands between `node` and `goal`: its score, the points it needs
// (`need`, 0 when the goal is reached), and every leaf below it (see
// leafWeights) with
//   gap       = goal − score when positive, else 0,
//   holdBack  = weight × gap,
//   rise      = need / weight (0 when the goal is reached; Infinity for a
//               weight of 0), the leaf's cap = 100 − score,
//   reachable = rise ≤ cap,
// the leaves sorted by hold-back (most first), then weight (most first),
// then code. Null when the node or the goal is missing.
export function analyse(node, goal) {
  if (!hasScore(node) || typeof goal !== 'number' || !Number.isFinite(goal)) return null;
  const need = goal - node.value;
  const reached = need <= EPS;
  const leaves = leafWeights(node).map((leaf) => {
    const gap = Math.max(0, goal - leaf.score);
    const cap = Math.max(0, 100 - leaf.score);
    const rise = reached ? 0 : leaf.weight > 0 ? need / leaf.weight : Infinity;
    return { ...leaf, gap, holdBack: leaf.weight * gap, rise, cap, reachable: rise <= cap + EPS };
  });
  leaves.sort((a, b) => b.holdBack - a.holdBack || b.weight - a.weight ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return { code: node.code, name: node.name, score: node.value, goal, need: Math.max(0, need),
    reached, leaves };
}

// A goal to start from: the node's base target when it is under it, else
// the whole point at least one point above its score (at most 100).
export function defaultGoal(node) {
  if (!hasScore(node)) return null;
  const target = node.target_base;
  if (typeof target === 'number' && target > node.value + EPS && target <= 100) return target;
  return Math.min(100, Math.ceil(node.value + 1));
}
