/**
 * The shopper's side of a bench, against a served store at `base`: bytes on the wire of a first and a repeat
 * visit, view → re-ranked shelf on the device and through the edge, each timed the same way in its own
 * fresh browser context (a cold HTTP cache), optionally under a phone's conditions (`PHONE`: the CPU slowed
 * through Chromium's throttling, a 4G network emulated on every request, the worker's included). Used by
 * `npm run bench` (scripts/bench.ts) and `npm run bench:scale` (scripts/bench-scale.ts).
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { parseCatalogFile } from '../lib/catalog/types';
import { percentiles } from '../lib/recs/timing';

/** A mid-tier phone: the CPU 4× slower, 4G at 150 ms round trip, 1.6 Mbps down, 750 kbps up. */
export const PHONE = { cpuSlowdown: 4, rttMs: 150, downKbps: 1_600, upKbps: 750 } as const;
export type Conditions = { cpuSlowdown: number; rttMs: number; downKbps: number; upKbps: number };

type Kind = 'page' | 'runtime' | 'model' | 'embeddings' | 'catalog' | 'other';
function kindOf(url: string): Kind {
  const p = new URL(url).pathname;
  if (p.startsWith('/ort/')) return 'runtime';
  if (p.startsWith('/models/')) return /items\.(f32|i8)|i8-scales/.test(p) ? 'embeddings' : 'model';
  if (p.startsWith('/api/catalog')) return 'catalog';
  if (p.startsWith('/_next/') || p.startsWith('/images/') || !p.startsWith('/api/')) return 'page';
  return 'other';
}

/**
 * A context whose every request (the page's, the worker's) waits a round trip and its bytes at the link's
 * speed, and whose pages run on a CPU slowed `cpuSlowdown` times (Chromium's throttling). Without conditions,
 * a plain context.
 */
export async function conditionedContext(browser: Browser, c?: Conditions): Promise<BrowserContext> {
  const context = await browser.newContext();
  if (!c) return context;
  await context.route('**/*', async (route) => {
    const started = Date.now();
    const response = await route.fetch();
    const body = await response.body();
    const upBytes = route.request().postDataBuffer()?.byteLength ?? 0;
    const wait = c.rttMs + (onTheWire(response.headers(), body) * 8) / c.downKbps + (upBytes * 8) / c.upKbps - (Date.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await route.fulfill({ response, body });
  });
  context.on('page', (page) => void slowCpu(context, page, c.cpuSlowdown));
  return context;
}

/**
 * The bytes a response costs on the link: route.fetch() hands the body back decoded, so a brotli or gzip
 * response is charged its encoded length (Content-Length), or, streamed without one, its gzip length.
 */
function onTheWire(headers: Record<string, string>, body: Buffer): number {
  if (!headers['content-encoding']) return body.byteLength;
  const length = Number(headers['content-length']);
  return Number.isFinite(length) && length > 0 && length < body.byteLength ? length : gzipSync(body).byteLength;
}

async function slowCpu(context: BrowserContext, page: Page, rate: number): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
}

/** Bytes received (encoded body + headers) per kind while `run` drives the page. */
export async function wireBytes(browser: Browser, run: (page: Page) => Promise<void>, reuse?: BrowserContext) {
  const context = reuse ?? (await browser.newContext());
  const page = await context.newPage();
  const bytes: Record<Kind, number> = { page: 0, runtime: 0, model: 0, embeddings: 0, catalog: 0, other: 0 };
  const pending: Promise<void>[] = [];
  // On the context, not the page: the recommender's worker fetches the runtime and the model itself.
  const onDone = (req: import('@playwright/test').Request) => {
    pending.push(
      req.sizes().then(
        (sizes) => void (bytes[kindOf(req.url())] += sizes.responseBodySize + sizes.responseHeadersSize),
        () => undefined,
      ),
    );
  };
  context.on('requestfinished', onDone);
  await run(page);
  await page.waitForTimeout(1000);
  await Promise.all(pending);
  context.off('requestfinished', onDone);
  await page.close();
  return { bytes, context };
}

/** The first visit (a product page, then home ranked on the device), the repeat visit, and view → shelf. */
export async function shopperView(browser: Browser, base: string, codes: string[], product = '22423') {
  // First visit: a product page (a view lands in the history), then home, where the device ranks.
  const first = await wireBytes(browser, async (page) => {
    await page.goto(`${base}/products/${product}`);
    await page.waitForTimeout(1500);
    await page.goto(`${base}/`);
    await page.waitForSelector('[data-placement="home-for-you"][data-source^="device"]', { timeout: 60_000 });
  });
  const repeat = await wireBytes(
    browser,
    async (page) => {
      await page.goto(`${base}/`);
      await page.waitForSelector('[data-placement="home-for-you"][data-source^="device"]', { timeout: 60_000 });
    },
    first.context,
  );
  await first.context.close();
  return { firstVisit: first.bytes, repeatVisit: repeat.bytes, rerank: await rerank(browser, base, codes) };
}

/** Products to view, spread over the catalogue (every 97th by orders), so each view moves the shelf. */
export function viewCodes(catalogFile: string, count: number, opts: { oneCopy?: boolean } = {}): string[] {
  const catalog = parseCatalogFile(readFileSync(catalogFile, 'utf8'));
  // `oneCopy`: a ×K shop's original copy only (models/scale-data.ts renames the others' codes with a `K<nn>` suffix):
  // a shopper of one storefront, as every customer of the log is; without it, views jump across all K copies.
  const products = opts.oneCopy ? catalog.products.filter((p) => !/K\d{2}$/.test(p.sku)) : catalog.products;
  const byOrders = [...products].sort((a, b) => b.orders - a.orders || (a.sku < b.sku ? -1 : 1));
  return Array.from({ length: count }, (_, i) => byOrders[(i * 97 + 13) % byOrders.length]!.sku);
}

/**
 * One view recorded the way a product page records it, timed from that moment until the home shelf's DOM
 * shows a different list (a MutationObserver on the shelf, so no frame-polling step in the number), for
 * each code in turn. The same script times both paths; `null` marks a view after which the list did not
 * change within 10 s. With `reachMs`, each view comes that long after the shopper reached for the product's
 * link (what a pointer over a card, or a finger down, does first: lib/device/client.ts warmParts), as a view
 * in the store always does; without, the view comes out of nowhere (its parts not fetched yet: the worst case).
 * Written as a string: tsx would wrap named functions in a helper the page lacks.
 */
const TIME_VIEWS = `async ([codes, reachMs]) => {
  const out = [];
  for (const code of codes) {
    if (reachMs > 0) {
      window.tandemBenchHistory.warm([code]);
      await new Promise((r) => setTimeout(r, reachMs));
    }
    const shelf = document.querySelector('[data-placement="home-for-you"]');
    const list = () => [...shelf.querySelectorAll('[data-sku]')].map((e) => e.getAttribute('data-sku')).join();
    const before = list();
    const t = performance.now();
    const swapped = new Promise((resolve) => {
      const mo = new MutationObserver(() => { if (list() !== before) { mo.disconnect(); resolve(performance.now() - t); } });
      mo.observe(shelf, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-sku'] });
      setTimeout(() => { mo.disconnect(); resolve(null); }, 10000);
    });
    await window.tandemBenchHistory.recordEvent(code, 'view');
    out.push(await swapped);
    await new Promise((r) => setTimeout(r, 100));
  }
  return out;
}`;

export interface ShopperPath {
  p50: number;
  p95: number;
  runs: number;
  /** Views after which the list did not change (left out of the percentiles). */
  unchanged: number;
}

function pathStats(ms: (number | null)[]): ShopperPath {
  const ok = ms.filter((x): x is number => x !== null);
  const { p50, p95 } = ok.length > 0 ? percentiles(ok) : { p50: NaN, p95: NaN };
  return { p50, p95, runs: ok.length, unchanged: ms.length - ok.length };
}

/**
 * View → re-ranked shelf on one path, in a fresh context: the device (the worker ranks; its model loaded on a
 * first view, as on any visit after the first), or the edge (a browser without Web Workers: every view goes to
 * /api/rank with the session's views, the path of a device that cannot run the model). `rttMs` adds Chromium's
 * network emulation on the page's requests; `conditions`, a phone's (conditionedContext). Also the time from
 * the first view to the first shelf ranked on that path.
 */
export async function timedPath(browser: Browser, base: string, path: 'device' | 'edge', codes: string[], opts: { rttMs?: number; conditions?: Conditions; reachMs?: number } = {}) {
  const context = await conditionedContext(browser, opts.conditions);
  if (path === 'edge') await context.addInitScript('delete window.Worker;');
  const page = await context.newPage();
  if (opts.rttMs) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: opts.rttMs, downloadThroughput: -1, uploadThroughput: -1 });
  }
  // A first view, so the device has a history and the shelf is ranked the way it will be for the runs.
  await page.goto(`${base}/?bench=1`);
  await page.waitForFunction(() => 'tandemBenchHistory' in window);
  const firstStarted = Date.now();
  await page.evaluate(`window.tandemBenchHistory.recordEvent(${JSON.stringify(codes[0])}, 'view')`);
  await page.waitForSelector(`[data-placement="home-for-you"][data-source${path === 'device' ? '^="device"' : '="edge"'}]`, { timeout: 120_000 });
  const firstShelfMs = Date.now() - firstStarted;
  await page.waitForTimeout(500);
  const ms = (await page.evaluate(`(${TIME_VIEWS})(${JSON.stringify([codes.slice(1), opts.reachMs ?? 0])})`)) as (number | null)[];
  await context.close();
  return { ...pathStats(ms), firstShelfMs };
}

/** How long before a view the shopper reached for the product's link, where a bench says the view was reached for. */
export const REACH_MS = 150;

/** Click to re-ranked shelf, device and edge (loopback, and 40 ms round trip), 60 views a path. */
export async function rerank(browser: Browser, base: string, codes: string[]) {
  // 60 views a path: the p95 is then the 58th value, not the 23rd of 24 (the second largest).
  const RUNS = 60;
  const device = await timedPath(browser, base, 'device', codes.slice(0, RUNS + 1));
  // The same views, each 150 ms after reaching for the product's link (hover comes 100 ms or more before a click).
  const deviceReached = await timedPath(browser, base, 'device', codes.slice(0, RUNS + 1), { reachMs: REACH_MS });
  const edgeLoopback = await timedPath(browser, base, 'edge', codes.slice(RUNS, 2 * RUNS + 1));
  const edgeRtt40 = await timedPath(browser, base, 'edge', codes.slice(2 * RUNS - 1, 3 * RUNS), { rttMs: 40 });
  return { device, deviceReached, edgeLoopback, edgeRtt40, deviceP50Ms: device.p50, deviceP95Ms: device.p95, edgeLoopbackP95Ms: edgeLoopback.p95, edgeRtt40P95Ms: edgeRtt40.p95 };
}
