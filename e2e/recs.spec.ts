import { expect, test } from '@playwright/test';
import { historyCount, homeTop, quietProducts, skusOf, coldHome, view, watch } from './recs-helpers';

test.describe('on-device recommendations (WASM)', () => {
  test('viewing three products of a category personalises the home shelf on the device, and no request carries the history', async ({ page }) => {
    const { uncaught } = watch(page);
    const bestSellers = await coldHome(page);
    const viewed = await quietProducts(page);
    // The category page links to these products and prefetches them: public, not history. Leave it first.
    await page.goto('about:blank');
    const requests: { url: string; body: string | null; navigation: boolean }[] = [];
    page.on('request', (r) => requests.push({ url: r.url(), body: r.postData(), navigation: r.isNavigationRequest() }));

    await view(page, viewed);
    await page.goto('/');
    const shelf = homeTop(page);
    await expect(shelf).toHaveAttribute('data-source', 'device-wasm', { timeout: 30_000 });
    await expect(shelf).toHaveAttribute('data-model-version', /^[0-9a-f]{12}$/);
    const personal = await skusOf(shelf);
    expect(personal).toHaveLength(12);
    expect(personal).not.toEqual(bestSellers);
    // Personal, and never an echo: what was viewed minutes ago is not recommended back.
    expect(personal.filter((s) => viewed.includes(s))).toEqual([]);

    // The only requests naming a viewed product are the product pages the shopper opened and their pictures.
    const leaks = requests.filter((r) => {
      const path = new URL(r.url).pathname;
      const opened = r.navigation && viewed.some((s) => path === `/products/${s}`);
      const picture = path.startsWith('/images/products/');
      return !opened && !picture && viewed.some((s) => r.url.includes(s) || r.body?.includes(s));
    });
    expect(leaks).toEqual([]);
    expect(uncaught).toEqual([]);
  });

  test('clearing the history returns the shelves to the cold-start state', async ({ page }) => {
    const bestSellers = await coldHome(page);
    await view(page, await quietProducts(page));
    await page.goto('/');
    await expect(homeTop(page)).toHaveAttribute('data-source', 'device-wasm', { timeout: 30_000 });
    // A shelf click is remembered on the device (for an order line's "fromShelf"): clearing forgets it too.
    await page.evaluate(() => localStorage.setItem('tandem-shelf-clicks', JSON.stringify({ '85123A': Date.now() })));
    await page.getByRole('button', { name: 'Clear my history' }).click();
    await expect(page.getByText('History cleared.')).toBeVisible();
    expect(await page.evaluate(() => localStorage.getItem('tandem-shelf-clicks'))).toBeNull();
    await expect(homeTop(page)).toHaveAttribute('data-source', 'edge');
    await expect.poll(() => skusOf(homeTop(page))).toEqual(bestSellers);
    expect(await historyCount(page)).toBe(0);
  });

  test('a shelf swap shifts nothing (CLS ≤ 0.02) and re-ranking causes no long task on the main thread', async ({ page }) => {
    await view(page, await quietProducts(page));
    await page.addInitScript(() => {
      const w = window as unknown as { __cls: number; __long: { start: number; end: number }[] };
      w.__cls = 0;
      w.__long = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) if (!e.hadRecentInput) w.__cls += e.value;
      }).observe({ type: 'layout-shift', buffered: true });
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__long.push({ start: e.startTime, end: e.startTime + e.duration });
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto('/');
    await expect(homeTop(page)).toHaveAttribute('data-source', 'device-wasm', { timeout: 30_000 });
    // Re-rank five times, as after interactions elsewhere (another tab's history change), with the model warm.
    const { cls, long, windows } = await page.evaluate(async () => {
      const ends = () => performance.getEntriesByName('tandem:rank-end:home-for-you').length;
      for (let i = 0; i < 5; i++) {
        const before = ends();
        new BroadcastChannel('tandem-history').postMessage('changed');
        while (ends() === before) await new Promise((r) => setTimeout(r, 10));
      }
      const starts = performance.getEntriesByName('tandem:rank-start:home-for-you').slice(-5);
      const stops = performance.getEntriesByName('tandem:rank-end:home-for-you').slice(-5);
      const w = window as unknown as { __cls: number; __long: { start: number; end: number }[] };
      return { cls: w.__cls, long: w.__long, windows: starts.map((s, i) => ({ start: s.startTime, end: stops[i]!.startTime })) };
    });
    expect(cls).toBeLessThanOrEqual(0.02);
    expect(windows).toHaveLength(5);
    for (const w of windows) expect(w.end).toBeGreaterThan(w.start);
    // Ranking on the main thread would put a long task in every window. A 2-core CI machine running another
    // test beside this one sometimes stretches one unrelated task past 50 ms (a CI run saw one of 188 ms), so one
    // window of the five may have one; two or more fail.
    const hit = windows.filter((w) => long.some((t) => t.end > w.start && t.start < w.end && t.end - t.start > 50));
    expect(hit.length, JSON.stringify({ long, windows })).toBeLessThanOrEqual(1);
  });
});

test('after one visit, the home page and its recommendations work with the network cut', async ({ page, context }) => {
  const { uncaught } = watch(page);
  await view(page, await quietProducts(page));
  await page.goto('/');
  await expect(homeTop(page)).toHaveAttribute('data-source', 'device-wasm', { timeout: 30_000 });
  const online = await skusOf(homeTop(page));
  // Wait until the service worker controls the page and holds the runtime and the model pointer.
  await expect
    .poll(() => page.evaluate(async () => !!navigator.serviceWorker.controller && !!(await caches.match('/models/current.json')) && !!(await caches.match('/'))))
    .toBe(true);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(homeTop(page)).toHaveAttribute('data-source', 'device-wasm', { timeout: 30_000 });
  expect(await skusOf(homeTop(page))).toEqual(online);
  await context.setOffline(false);
  expect(uncaught).toEqual([]);
});

test.describe('fault injection: every broken artifact ends on a working shelf, then recovers', () => {
  // page.route does not see a service worker's requests; these tests are about the worker and its artifacts.
  test.use({ serviceWorkers: 'block' });

  const faults: { name: string; url: string | RegExp; reason: RegExp; breakIt: (body: Buffer) => Buffer | null }[] = [
    { name: 'manifest 404', url: '**/models/*/manifest.json', reason: /manifest\.json.*404|HTTP 404/, breakIt: () => null },
    {
      name: 'model bytes corrupted',
      url: '**/models/*/user-tower.onnx',
      reason: /user-tower\.onnx: sha256 .*corrupted/,
      breakIt: (b) => {
        const c = Buffer.from(b);
        const mid = c.length >> 1;
        c[mid] = c[mid]! ^ 0xff;
        return c;
      },
    },
    // Whichever rows the manifest ships (int8 where validation shows no loss).
    { name: 'embeddings truncated', url: /\/models\/[0-9a-f]{12}\/items\.(f32|i8)\.bin$/, reason: /items\.(f32|i8)\.bin: \d+ bytes, manifest says/, breakIt: (b) => b.subarray(0, b.length - 1000) },
    {
      name: 'hash mismatch in the manifest',
      url: '**/models/*/manifest.json',
      reason: /prior\.f32\.bin: sha256 .*corrupted/,
      breakIt: (b) => {
        const m = JSON.parse(b.toString());
        m.files.prior.sha256 = '0'.repeat(64);
        return Buffer.from(JSON.stringify(m));
      },
    },
  ];

  for (const fault of faults) {
    test(fault.name, async ({ page }) => {
      // Two page loads and a wait of up to 60 s for the warning: the default 30 s for the whole test ran out in a
      // fresh-clone CI run on 2 cores while other specs started servers of their own, and a 30 s wait for the
      // warning did once (manifest 404, 2026-12-03, every probe of the other specs' workers running beside it).
      test.setTimeout(150_000);
      const { uncaught, warnings } = watch(page);
      // Broken from the first load: a good copy already in Cache Storage would (rightly) be used instead.
      await page.route(fault.url, async (route) => {
        const res = await route.fetch();
        const broken = fault.breakIt(await res.body());
        await (broken === null ? route.fulfill({ status: 404, body: 'not found' }) : route.fulfill({ response: res, body: broken }));
      });
      await view(page, await quietProducts(page));
      await page.goto('/');
      await expect.poll(() => warnings.some((w) => w.includes('[tandem]') && fault.reason.test(w)), { timeout: 60_000 }).toBe(true);
      // Device → edge: /api/rank ranks with this session's views instead.
      await expect(homeTop(page)).toHaveAttribute('data-source', 'edge');
      await expect(homeTop(page).locator('[data-testid="recs-item"]')).toHaveCount(12);

      await page.unroute(fault.url);
      await page.reload();
      await expect(homeTop(page)).toHaveAttribute('data-source', 'device-wasm', { timeout: 30_000 });
      expect(uncaught).toEqual([]);
    });
  }
});
