// The dashboard's first view in Chromium, run by tests/bench/dashboard
// (which sets RETENTIOND_URL, RETENTIOND_LOGINS: an executive, and
// RETENTIOND_BENCH_RUNS). For each page (/, and /login as a same-run
// reference): cold, each run in a new browser context (empty cache, new
// connection) with the session cookie; warm, one context reloading the page.
// A view lasts from navigation start to the later of the last response's end
// (Resource Timing, the document's load event) and body[data-ready="1"]
// (noted by a MutationObserver from an init script); it is measured once the
// page is done (lib.waitDone) and no request is in flight (network idle).
// The first cold view's requests and bytes come from the DevTools protocol
// (Network.loadingFinished's encodedDataLength: headers and body as sent,
// the document included). Prints a report; asserts nothing.
import * as lib from './lib.mjs';

const cfg = lib.config();
const base = cfg.url;
const RUNS = Number(process.env.RETENTIOND_BENCH_RUNS || 10);
const PAGES = [['/', 'home'], ['/login', 'baseline']];
const GOALS = { cold: 1000, warm: 300, bytes: 300 * 1024 };

const READY_AT = `new MutationObserver((_, o) => {
  if (document.body && document.body.dataset.ready === '1' && !window.__readyAt) { window.__readyAt = performance.now(); o.disconnect(); }
}).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-ready'] });`;

async function newPage(browser, cookies) {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  await ctx.addCookies(cookies);
  await ctx.addInitScript(READY_AT);
  return ctx.newPage();
}

// Requests of the page's next navigation: url, status, bytes on the wire.
async function recordRequests(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const byId = new Map();
  cdp.on('Network.requestWillBeSent', (e) => byId.set(e.requestId, { url: e.request.url, status: 0, bytes: 0 }));
  cdp.on('Network.responseReceived', (e) => { const r = byId.get(e.requestId); if (r) r.status = e.response.status; });
  cdp.on('Network.loadingFinished', (e) => { const r = byId.get(e.requestId); if (r) r.bytes = e.encodedDataLength; });
  return () => [...byId.values()];
}

async function view(page, navigate) {
  await navigate();
  const how = await lib.waitDone(page);
  await page.waitForLoadState('networkidle');
  const t = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    return [Math.max(nav.loadEventEnd, ...res.map((r) => r.responseEnd), window.__readyAt || 0), nav.responseStart];
  });
  return { ms: t[0], ttfb: t[1], how };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const p90 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.ceil(0.9 * s.length) - 1]; };
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
const out = (line) => console.log(`bench/dashboard: ${line}`);

async function measure(browser, cookies, path) {
  const cold = [], ttfb = [];
  let requests = null, how = null;
  for (let i = 0; i < RUNS; i++) {
    const page = await newPage(browser, cookies);
    const rec = i === 0 ? await recordRequests(page) : null;
    const v = await view(page, () => page.goto(base + path));
    if (new URL(page.url()).pathname !== path) throw new Error(`${path}: landed on ${page.url()}`);
    cold.push(v.ms);
    ttfb.push(v.ttfb);
    how = v.how;
    if (rec) requests = rec();
    await page.context().close();
  }
  const page = await newPage(browser, cookies);
  await view(page, () => page.goto(base + path));
  const warm = [];
  for (let i = 0; i < RUNS; i++) warm.push((await view(page, () => page.reload())).ms);
  await page.context().close();
  return { cold, ttfb, warm, requests, how };
}

async function main() {
  const user = cfg.users.find((u) => u.role === 'executive');
  const browser = await lib.launch();
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await lib.signIn(page, base, user);
  if (new URL(page.url()).pathname !== '/') throw new Error(`${user.name} cannot sign in: ${page.url()}`);
  const cookies = await ctx.cookies();
  await ctx.close();

  const results = [];
  for (const [path, what] of PAGES) results.push({ path, what, ...(await measure(browser, cookies, path)) });
  await browser.close();

  out(`Chromium ${browser.version()} headless, 1366x768, signed in as an executive (${user.name}); ${RUNS} runs each`);
  out('page                       cold median    p90 (1st byte)  warm median    p90  requests  bytes (first cold view)');
  for (const r of results) {
    const bytes = r.requests.reduce((s, q) => s + q.bytes, 0);
    out(`${(r.path + ' (' + r.what + ')').padEnd(26)} ` +
      `${median(r.cold).toFixed(0).padStart(8)} ms ${p90(r.cold).toFixed(0).padStart(6)} ` +
      `${('(' + median(r.ttfb).toFixed(0) + ' ms)').padStart(10)} ` +
      `${median(r.warm).toFixed(0).padStart(10)} ms ${p90(r.warm).toFixed(0).padStart(6)} ` +
      `${String(r.requests.length).padStart(9)}  ${kb(bytes)}`);
    r.bytes = bytes;
  }
  const [home, ref] = results;
  out(`ratios / to /login: cold ${(median(home.cold) / median(ref.cold)).toFixed(2)}, ` +
    `warm ${(median(home.warm) / median(ref.warm)).toFixed(2)}, bytes ${(home.bytes / ref.bytes).toFixed(2)}`);
  const met = (ok) => (ok ? 'met' : 'NOT met');
  out(`goals for /: cold < ${GOALS.cold} ms ${met(median(home.cold) < GOALS.cold)}, warm < ${GOALS.warm} ms ` +
    `${met(median(home.warm) < GOALS.warm)}, bytes < ${kb(GOALS.bytes)} ${met(home.bytes < GOALS.bytes)}`);
  for (const r of results) {
    out(`${r.path}: done by ${r.how === 'ready' ? 'body[data-ready="1"]' : 'the network alone (the page does not set data-ready)'}; ` +
      `largest requests of the first cold view:`);
    for (const q of [...r.requests].sort((a, b) => b.bytes - a.bytes).slice(0, 5))
      out(`  ${kb(q.bytes).padStart(10)}  ${q.status}  ${q.url.replace(base, '')}`);
  }
  out(`cold runs of / (ms): ${home.cold.map((x) => x.toFixed(0)).join(' ')}`);
  out(`warm runs of / (ms): ${home.warm.map((x) => x.toFixed(0)).join(' ')}`);
}

main().catch((e) => { console.error(`bench/dashboard: ${e.stack || e}`); process.exit(1); });
