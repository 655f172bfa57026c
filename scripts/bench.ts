/**
 * `npm run bench` (not a test), against the production build in real Chromium:
 * - the on-device recommender: inference (WASM; WebGPU where Chromium offers an adapter), ranking over
 *   the real catalogue and synthetic ones of 10k, 100k and 1M items in float32 and int8, by the scalar
 *   JavaScript scorer (before) and the SIMD kernel (after), each beside its physical floor (bytes streamed /
 *   memory bandwidth measured in the same worker); the three scoring paths the worker chooses among (the tower
 *   then the kernel, the whole scorer graph on ORT WASM, on ORT WebGPU) at the real size and the synthetic ones;
 * - the shopper's view: bytes over the wire for a first and a repeat visit by kind, gzip/brotli sizes,
 *   LCP, CLS and INP of home and product pages at 375 px and desktop, click-to-reranked-shelf on the device
 *   against a /api/rank round trip;
 * - /api/rank and /api/events under a fixed rate on loopback (scripts/load.ts).
 * Prints tables and writes bench-results/bench.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { chromium, type Browser } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from '../e2e/browser';
import type { BenchResult } from '../lib/device/protocol';
import { rowFiles, versionFiles } from '../lib/recs/artifacts';
import { ManifestSchema, PointerSchema } from '../lib/recs/manifest';
import { startNextServer } from './next-server';
import { shopperView, viewCodes, type ShopperPath } from './shopper-bench';

const PORT = Number(process.env.BENCH_PORT ?? 3290);
const BASE = process.env.BENCH_URL ?? `http://localhost:${PORT}`;
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);
const SIZES = [10_000, 100_000, 1_000_000];

async function measure(webgpu: boolean): Promise<BenchResult> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...(webgpu ? ['--enable-unsafe-webgpu'] : [])] });
  try {
    const page = await browser.newPage();
    await page.goto(`${BASE}/?bench=1`);
    await page.waitForFunction(() => 'tandemBench' in window);
    return await page.evaluate(
      ([iterations, sizes, ep]) =>
        (window as unknown as { tandemBench: (i: number, s: number[], e: string) => Promise<BenchResult> }).tandemBench(iterations, sizes, ep),
      [ITERATIONS, SIZES, webgpu ? 'webgpu' : 'wasm'] as const,
    );
  } finally {
    await browser.close();
  }
}

const f = (x: number) => x.toFixed(3).padStart(9);

/** LCP, CLS and INP measured in the page with the web-vitals library, one fresh context per page and size. */
async function webVitals(browser: Browser) {
  const lib = readFileSync('node_modules/web-vitals/dist/web-vitals.iife.js', 'utf8');
  const out: { page: string; viewport: string; lcp: number | null; cls: number | null; inp: number | null }[] = [];
  for (const [viewport, opts] of [
    ['375px', { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }],
    ['desktop', { viewport: { width: 1366, height: 900 } }],
  ] as const) {
    for (const [name, url, target] of [
      // Interactions that stay on the page: typing into the search box, adding to the cart.
      ['home', '/', 'input[type="search"]'],
      ['product', '/products/85123A', 'button:has-text("Add to cart")'],
    ] as const) {
      const context = await browser.newContext(opts);
      await context.addInitScript(`${lib};window.__vitals={};for(const m of ['onLCP','onCLS','onINP'])webVitals[m]((x)=>{window.__vitals[x.name]=x.value},{reportAllChanges:true,durationThreshold:0});`);
      const page = await context.newPage();
      await page.goto(`${BASE}${url}`, { waitUntil: 'load' });
      await page.waitForTimeout(1500);
      await page.locator(target).first().click({ noWaitAfter: true });
      if (target.startsWith('input')) await page.keyboard.type('he');
      await page.waitForTimeout(800);
      const v = (await page.evaluate(() => {
        Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
        return (window as unknown as { __vitals: Record<string, number> }).__vitals;
      })) as Record<string, number>;
      out.push({ page: name, viewport, lcp: v.LCP ?? null, cls: v.CLS ?? null, inp: v.INP ?? null });
      await context.close();
    }
  }
  return out;
}

/** On-disk, gzip and brotli sizes of what a device downloads. */
function compressedSizes() {
  const files = (dir: string, re: RegExp) => readdirSync(dir, { recursive: true }).map(String).filter((f) => re.test(f)).map((f) => path.join(dir, f));
  const pointer = PointerSchema.parse(JSON.parse(readFileSync('public/models/current.json', 'utf8')));
  const modelDir = path.join('public', path.dirname(pointer.manifest));
  // What the worker downloads, as the manifest lists it (lib/recs/artifacts.ts: the same lists the loader reads).
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(path.join('public', pointer.manifest), 'utf8')));
  const inModel = (entries: { path: string }[]) => entries.map((e) => path.join(modelDir, e.path));
  const groups: Record<string, string[]> = {
    'page JS (.next/static)': files('.next/static', /\.js$/),
    'ORT runtime (WASM build)': files('public/ort', /ort-wasm-simd-threaded\.(wasm|mjs)$/),
    'ORT runtime (WebGPU build)': files('public/ort', /ort-wasm-simd-threaded\.jsep\.(wasm|mjs)$|asyncify\.(wasm|mjs)$/),
    'model (manifest, tower, prior, ids, signals, metadata, complements)': [path.join('public', pointer.manifest), ...inModel(versionFiles(manifest, false))],
    [`embeddings (${manifest.embeddings.use})`]: inModel(rowFiles(manifest)),
  };
  return Object.entries(groups).map(([name, list]) => {
    let raw = 0;
    let gz = 0;
    let br = 0;
    for (const file of list) {
      const b = readFileSync(file);
      raw += statSync(file).size;
      gz += gzipSync(b, { level: 9 }).byteLength;
      br += brotliCompressSync(b).byteLength;
    }
    return { name, files: list.length, raw, gzip: gz, brotli: br };
  });
}

function printPaths(results: BenchResult[]) {
  const [w, gpu] = [results.find((r) => r.source === 'device-wasm')!, results.find((r) => r.source === 'device-webgpu')];
  const cell = (p: { p50: number; p95: number } | null | undefined) => (p ? `${p.p50.toFixed(2).padStart(8)} ${p.p95.toFixed(2).padStart(8)}` : '       —        —');
  console.log('\nThe three scoring paths the worker chooses among, ms (p50 p95); the real catalogue: one history to every product\'s');
  console.log('"all" score, timed alike; synthetic catalogues: scores and top-10 (the kernel without the tower, the graph with it)');
  console.log('items       tower + kernel (WASM)   graph on ORT WASM   graph on ORT WebGPU');
  console.log(`${String(w.itemCount).padEnd(10)} ${cell(w.paths.kernel)}    ${cell(w.paths.graph)}   ${cell(gpu?.paths.graph)}`);
  for (const x of w.synthetic) {
    const g = gpu?.synthetic.find((y) => y.items === x.items)?.graph;
    console.log(`${String(x.items).padEnd(10)} ${cell(x.wasm.float32)}    ${cell(x.graph)}   ${cell(g)}`);
  }
}

async function main() {
  const server = process.env.BENCH_URL ? undefined : await startNextServer({ port: PORT, readyPath: '/', env: { TANDEM_HOLDBACK_SHARE: '0' } }); // the model's shelves, never a holdback's baseline (bench-scale.ts says why)
  const stop = () => {
    server?.stop();
  };
  try {
    const results: BenchResult[] = [await measure(false)];
    const gpu = await measure(true);
    if (gpu.source === 'device-webgpu') results.push(gpu);
    else console.log('WebGPU: no adapter in this Chromium, measured WASM only');

    console.log(`\nOn-device recommender, ${ITERATIONS} runs each, model ${results[0]!.modelVersion} (${results[0]!.itemCount} items), times in ms`);
    console.log('backend        load  1st infer  infer p50  infer p95   rank p50   rank p95  scorer');
    for (const r of results) {
      console.log(`${r.source.padEnd(13)} ${r.loadMs.toFixed(0).padStart(5)} ${f(r.firstInferenceMs)}  ${f(r.inference.p50)}  ${f(r.inference.p95)}  ${f(r.ranking.p50)}  ${f(r.ranking.p95)}  ${r.scorer}`);
    }
    console.log('Ranking (score + top-10) runs on the CPU in the worker on both backends; only the user tower uses WebGPU.');
    printPaths(results);

    const w = results[0]!;
    console.log(`\nRanking (score + top-10) in the WASM worker, ms; memory read bandwidth ${(w.bandwidthBytesPerMs / 1e6).toFixed(1)} GB/s measured in the same worker`);
    console.log('items      rows     floor   JS p50    p95  ratio   SIMD p50    p95  ratio  speed-up');
    const g = (v: number) => v.toFixed(2).padStart(7);
    for (const x of w.synthetic) {
      for (const t of ['float32', 'int8'] as const) {
        const floor = x.floorMs[t];
        console.log(
          `${String(x.items).padEnd(10)} ${t.padEnd(7)} ${g(floor)} ${g(x.js[t].p50)} ${g(x.js[t].p95)} ${(x.js[t].p50 / floor).toFixed(1).padStart(5)}x ` +
            `${g(x.wasm[t].p50)} ${g(x.wasm[t].p95)} ${(x.wasm[t].p50 / floor).toFixed(1).padStart(5)}x ${(x.js[t].p50 / x.wasm[t].p50).toFixed(1).padStart(7)}x`,
        );
      }
    }
    console.log('\nThe second stage\'s cost (float32 SIMD, ms): dot products + top-10 alone (the scorer before issue 13) against the full explore ranking');
    console.log('items      dot-only p50    p95   with head p50    p95   ratio');
    for (const x of w.synthetic) {
      console.log(`${String(x.items).padEnd(10)} ${g(x.dotOnly.p50)}     ${g(x.dotOnly.p95)} ${g(x.wasm.float32.p50)}       ${g(x.wasm.float32.p95)} ${x.dotOnly.p50 > 0 ? `${(x.wasm.float32.p50 / x.dotOnly.p50).toFixed(1).padStart(6)}x` : '     — (dot-only under one 0.1 ms timer step)'}`);
    }

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    let view;
    let vitals;
    try {
      view = await shopperView(browser, BASE, viewCodes('data/catalog.json', 180));
      vitals = await webVitals(browser);
    } finally {
      await browser.close();
    }
    const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;
    console.log('\nBytes over the wire (first visit: a product page then home, ranked on the device; repeat: home again)');
    for (const [name, v] of [['first visit', view.firstVisit], ['repeat visit', view.repeatVisit]] as const) {
      console.log(`${name.padEnd(13)} ${Object.entries(v).map(([k, b]) => `${k} ${kb(b)}`).join(', ')}; total ${kb(Object.values(v).reduce((a, b) => a + b, 0))}`);
    }
    const sizes = compressedSizes();
    console.log('\nSizes on disk / gzip -9 / brotli');
    for (const z of sizes) console.log(`${z.name.padEnd(36)} ${kb(z.raw).padStart(9)} ${kb(z.gzip).padStart(9)} ${kb(z.brotli).padStart(9)}`);
    const r = view.rerank;
    const row = (name: string, x: ShopperPath) => console.log(`${name.padEnd(26)} ${x.p50.toFixed(1).padStart(7)} ${x.p95.toFixed(1).padStart(7)} ${String(x.runs).padStart(5)} ${String(x.unchanged).padStart(10)}`);
    console.log('\nView to re-ranked shelf (recorded view → the shelf DOM shows the new list; MutationObserver), ms');
    console.log('path                           p50     p95  runs  unchanged');
    row('device (worker)', r.device);
    row('edge, loopback', r.edgeLoopback);
    row('edge, 40 ms RTT', r.edgeRtt40);
    console.log(`device p95 ${r.deviceP95Ms.toFixed(1)} ms (goal ≤ 8); edge at 40 ms RTT / device, p95: ${(r.edgeRtt40P95Ms / r.deviceP95Ms).toFixed(1)}x (goal ≥ 5x)`);
    console.log('\nWeb Vitals (web-vitals in the page; INP from one click)');
    for (const v of vitals) console.log(`${v.page.padEnd(8)} ${v.viewport.padEnd(8)} LCP ${v.lcp?.toFixed(0) ?? '—'} ms  CLS ${v.cls?.toFixed(3) ?? '—'}  INP ${v.inp?.toFixed(0) ?? '—'} ms`);

    stop();
    const load = spawnSync('npx', ['tsx', 'scripts/load.ts', '--rate', '100', '--seconds', '10'], { encoding: 'utf8', timeout: 180_000 });
    const loadJson = load.stdout.trim().split('\n').at(-1) ?? '';
    console.log(`\nLoad (scripts/load.ts, 100 req/s for 10 s each, loopback):\n${load.stdout.split('\n').filter((l) => /^(endpoint|GET|POST|events:)/.test(l)).join('\n')}`);

    mkdirSync('bench-results', { recursive: true });
    writeFileSync(
      'bench-results/bench.json',
      `${JSON.stringify({ date: new Date().toISOString(), iterations: ITERATIONS, firstVisitBytes: Object.values(view.firstVisit).reduce((x, y) => x + y, 0), rerank: view.rerank, ranking: results[0]!.synthetic, recommender: results, shopper: view, sizes, vitals, load: loadJson.startsWith('{') ? JSON.parse(loadJson) : null }, null, 2)}\n`,
    );
    console.log('wrote bench-results/bench.json');
  } finally {
    stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
