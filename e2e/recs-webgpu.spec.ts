import { expect, test } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from './browser';
import { homeTop, skusOf, view } from './recs-helpers';

// SwiftShader offers a WebGPU adapter headless on a localhost page with this flag: slow, but exact enough to compare.
test.use({ launchOptions: { executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--enable-unsafe-webgpu'] } });

test('ranks on WebGPU, with the same top-10 as WASM (SIMD kernel) and as the golden explore ranking', async ({ page, request }) => {
  test.setTimeout(90_000);
  const pointer = await (await request.get('/models/current.json')).json();
  const base = pointer.manifest.replace(/manifest\.json$/, '');
  const golden = (await (await request.get(`${base}golden.json`)).json()) as {
    cases: { name: string; now: string; events: { sku: string; at: string; kind: string }[]; expected: { explore10: string[] } }[];
  };
  const session = golden.cases.find((c) => c.name === 'browsing-session')!;
  // Re-base the golden events on the browser's clock: the weights depend only on their ages.
  const offsets = session.events.map((e) => ({ sku: e.sku, kind: e.kind, ago: Date.parse(session.now) - Date.parse(e.at) }));
  await page.goto('/');
  await page.evaluate(
    (events) =>
      new Promise<void>((resolve, reject) => {
        // The app's schema (lib/history/store.ts, version 2).
        const open = indexedDB.open('tandem-history', 2);
        open.onupgradeneeded = () => {
          if (!open.result.objectStoreNames.contains('events')) open.result.createObjectStore('events', { keyPath: 'id', autoIncrement: true }).createIndex('at', 'at');
        };
        open.onsuccess = () => {
          const tx = open.result.transaction('events', 'readwrite');
          for (const e of events) tx.objectStore('events').add({ sku: e.sku, kind: e.kind, at: Date.now() - e.ago });
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
        };
      }),
    offsets,
  );

  await page.goto('/?ep=webgpu');
  await expect(homeTop(page)).toHaveAttribute('data-source', 'device-webgpu', { timeout: 60_000 });
  const onWebGpu = (await skusOf(homeTop(page))).slice(0, 10);

  await page.goto('/?ep=wasm&debug=1');
  await expect(homeTop(page)).toHaveAttribute('data-source', 'device-wasm', { timeout: 30_000 });
  const onWasm = (await skusOf(homeTop(page))).slice(0, 10);
  // The dot products ran in the SIMD kernel (lib/recs/score-kernel.wat), under the page's CSP.
  await expect(homeTop(page).getByTestId('recs-debug')).toContainText('(wasm-simd)');

  expect(onWebGpu).toEqual(onWasm);
  // "Recommended for you" is the explore ranking; this session bought nothing and its last view is over 30 minutes old.
  expect(onWasm).toEqual(session.expected.explore10);
});

/** Another tab's history change, played here: the shelves re-rank (and the debug panel shows the newest answer). */
const rerank = (page: import('@playwright/test').Page) => page.evaluate(() => new BroadcastChannel('tandem-history').postMessage('changed'));
/** The debug panel's probe line, polled one re-ranking at a time, 7 s apart: the probe waits for 5 s of idle. */
const probeLine = (page: import('@playwright/test').Page, timeout: number) =>
  expect.poll(
    async () => {
      await rerank(page);
      const ep = homeTop(page).getByTestId('recs-debug-ep');
      return (await ep.count()) > 0 ? ep.textContent() : '';
    },
    { timeout, intervals: [7_000] },
  );

test('a first visit on a software WebGPU adapter downloads neither the WebGPU runtime nor the scorer graph: only a GPU is worth timing them on', async ({ page }) => {
  test.setTimeout(90_000);
  const fetched: string[] = [];
  page.on('request', (r) => (r.url().includes('/ort/') || r.url().endsWith('/scorer.onnx')) && fetched.push(new URL(r.url()).pathname));
  await view(page, ['85123A']);
  await page.goto('/?debug=1');
  await expect(homeTop(page)).toHaveAttribute('data-source', 'device-wasm', { timeout: 60_000 });
  // The probe runs once the page has asked for nothing for 5 s (lib/device/probe.ts PROBE_IDLE_MS): here it
  // times the kernel on WASM alone, and the next ranking says so.
  await probeLine(page, 60_000).toMatch(/tower \+ kernel on WASM [\d.]+ ms · tower \+ kernel on WebGPU \(not timed: no GPU\) · graph on WASM \(not timed: no GPU\) · graph on WebGPU \(not timed: no GPU\) → tower \+ kernel on WASM$/);
  expect(fetched.filter((p) => p.includes('asyncify') || p.endsWith('/scorer.onnx'))).toEqual([]);
});

test('the path is chosen by measurement: tower + kernel on WASM first, a one-time probe of every candidate, remembered per device and model version', async ({ page }) => {
  test.setTimeout(120_000);
  await view(page, ['85123A']);
  const fetched: string[] = [];
  page.on('request', (r) => (r.url().includes('/ort/') || r.url().endsWith('/scorer.onnx')) && fetched.push(new URL(r.url()).pathname));
  // `?ep=auto-any`: SwiftShader's software adapter counts as a GPU, so the probe has all four candidates here.
  await page.goto('/?ep=auto-any&debug=1');
  // Auto starts with the tower on WASM, even with an adapter.
  await expect(homeTop(page)).toHaveAttribute('data-source', 'device-wasm', { timeout: 60_000 });
  // The probe then measures every candidate on this device (in this page's worker) once the page has been idle
  // for 5 s; the next ranking's debug panel shows the result. Re-rankings come 7 s apart, so the idle time passes.
  const ep = homeTop(page).getByTestId('recs-debug-ep');
  const line = /tower \+ kernel on WASM ([\d.]+) ms · tower \+ kernel on WebGPU ([\d.]+) ms · graph on WASM ([\d.]+) ms · graph on WebGPU ([\d.]+) ms → (.+)$/;
  await probeLine(page, 100_000).toMatch(line);
  // The winner is the fastest of the four medians.
  const [, ...rest] = line.exec((await ep.textContent())!)!;
  const ms = rest.slice(0, 4).map(Number);
  const names = ['tower + kernel on WASM', 'tower + kernel on WebGPU', 'graph on WASM', 'graph on WebGPU'];
  const winner = rest[4]!.trim();
  expect(winner).toBe(names[ms.indexOf(Math.min(...ms))]);
  expect(fetched.some((p) => p.includes('asyncify'))).toBe(true);
  expect(fetched.some((p) => p.endsWith('/scorer.onnx'))).toBe(true);
  // Remembered: the next visit starts on the winner; a WASM winner never fetches the WebGPU runtime again.
  fetched.length = 0;
  await page.goto('/?ep=auto-any&debug=1');
  await expect(homeTop(page)).toHaveAttribute('data-source', winner.endsWith('WebGPU') ? 'device-webgpu' : 'device-wasm', { timeout: 60_000 });
  await expect(homeTop(page).getByTestId('recs-debug-ep')).toContainText(`→ ${winner}`);
  if (winner.endsWith('WASM')) expect(fetched.filter((p) => p.includes('asyncify'))).toEqual([]);
  await expect(homeTop(page).getByTestId('recs-debug')).toContainText(winner.startsWith('graph') ? '(graph)' : '(wasm-simd)');
});
