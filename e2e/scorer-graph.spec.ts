import { expect, test, type Page } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from './browser';
import { homeTop, skusOf, view } from './recs-helpers';

// SwiftShader offers a WebGPU adapter headless on a localhost page with this flag: slow, but exact enough to compare.
test.use({ launchOptions: { executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--enable-unsafe-webgpu'] } });

interface GoldenFile {
  cases: { name: string; expected: { top10: string[]; explore10: string[]; repeat: string[] } }[];
}
interface DeviceGolden {
  source: string;
  path: string;
  cases: { name: string; top10: string[]; explore10: string[]; repeat: string[] }[];
}

/** golden.json through the worker's own path `ep` (the device's self-check, window.tandemGolden on `/?bench=1`). */
async function onDevice(page: Page, ep: string): Promise<DeviceGolden> {
  await page.goto('/?bench=1');
  await page.waitForFunction(() => 'tandemGolden' in window);
  return page.evaluate((e) => (window as unknown as { tandemGolden: (ep: string) => Promise<DeviceGolden> }).tandemGolden(e), ep);
}

test('the whole scorer graph gives every golden case its top10, explore10 and repeat exactly, on ORT WASM and on WebGPU', async ({ page, request }) => {
  test.setTimeout(120_000);
  const pointer = await (await request.get('/models/current.json')).json();
  const golden = (await (await request.get(pointer.manifest.replace(/manifest\.json$/, 'golden.json'))).json()) as GoldenFile;
  const expected = golden.cases.map((c) => ({ name: c.name, ...c.expected }));
  const pick = (g: DeviceGolden) => g.cases.map(({ name, top10, explore10, repeat }) => ({ name, top10, explore10, repeat }));
  const want = expected.map(({ name, top10, explore10, repeat }) => ({ name, top10, explore10, repeat }));
  expect(want.length).toBeGreaterThanOrEqual(3);

  const wasm = await onDevice(page, 'graph-wasm');
  expect([wasm.path, wasm.source]).toEqual(['graph', 'device-wasm']);
  expect(pick(wasm)).toEqual(want);

  const gpu = await onDevice(page, 'graph-webgpu');
  expect([gpu.path, gpu.source]).toEqual(['graph', 'device-webgpu']);
  expect(pick(gpu)).toEqual(want);

  // And the kernel path, the third candidate, on the same cases.
  const kernel = await onDevice(page, 'wasm');
  expect([kernel.path, kernel.source]).toEqual(['kernel', 'device-wasm']);
  expect(pick(kernel)).toEqual(want);
});

test('a shelf ranked by the graph shows what the kernel shows, and says so in the debug panel', async ({ page }) => {
  test.setTimeout(90_000);
  await view(page, ['85123A', '22423']);
  await page.goto('/?ep=graph-wasm&debug=1');
  await expect(homeTop(page)).toHaveAttribute('data-source', 'device-wasm', { timeout: 60_000 });
  await expect(homeTop(page).getByTestId('recs-debug')).toContainText('(graph)');
  // The score's parts too, as on the kernel path: the graph's score, its two-tower part what the context leaves.
  await expect(homeTop(page).getByTestId('recs-debug-parts').first()).toContainText('two-tower');
  await expect(homeTop(page).getByTestId('recs-debug-parts').first()).toContainText('popularity');
  const byGraph = await skusOf(homeTop(page));
  await page.goto('/?ep=wasm&debug=1');
  await expect(homeTop(page).getByTestId('recs-debug')).toContainText('(wasm-simd)', { timeout: 60_000 });
  expect(await skusOf(homeTop(page))).toEqual(byGraph);
});
