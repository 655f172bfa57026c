import { expect, test } from '@playwright/test';
import localJson from '../lib/config/default.json' with { type: 'json' };
import { startNextServer } from '../scripts/next-server';
import { edgeConfigStub } from './edge-config-stub';
import { historyCount, quietProducts, skusOf, view } from './recs-helpers';

// Issue 16: basket complements on the product and cart pages, and a reason on every recommended card.
const together = (page: import('@playwright/test').Page) => page.locator('[data-testid="recs-shelf"][data-placement="product-bought-together"]');
const cartShelf = (page: import('@playwright/test').Page) => page.locator('[data-testid="recs-shelf"][data-placement="cart-complete"]');

test('a new visitor\'s product page has "Frequently bought together" in its first HTML, each card with its reason', async ({ page }) => {
  const res = await page.goto('/products/85123A');
  const html = await res!.text();
  expect(html).toContain('data-placement="product-bought-together"');
  expect(html).toContain('Frequently bought together');
  await expect(together(page)).toHaveAttribute('data-source', 'edge');
  const items = together(page).locator('[data-testid="recs-item"]');
  await expect(items).toHaveCount(12);
  expect(await skusOf(together(page))).not.toContain('85123A');
  // The strongest complements name the product on screen; the rest say what they are.
  await expect(together(page).getByTestId('recs-reason').first()).toHaveText(/^With /);
  await expect(together(page).getByTestId('recs-reason').first()).toHaveAttribute('title', /^Often bought with White Hanging Heart/);
  for (const r of await together(page).getByTestId('recs-reason').allTextContents()) expect(r.length).toBeGreaterThan(0);
});

test('adding to the cart changes the cart shelf on the device, and no request carries the cart', async ({ page }) => {
  const apiCalls: string[] = [];
  page.on('request', (req) => {
    if (new URL(req.url()).pathname.startsWith('/api/')) apiCalls.push(`${req.url()} ${req.postData() ?? ''}`);
  });
  await page.goto('/products/85123A');
  await expect.poll(() => historyCount(page)).toBeGreaterThan(0);
  await page.getByRole('button', { name: /add to cart/i }).click();
  await page.goto('/cart');
  await expect(cartShelf(page)).toHaveAttribute('data-source', /^device-/, { timeout: 30_000 });
  const first = await skusOf(cartShelf(page));
  expect(first).not.toContain('85123A');
  await expect(cartShelf(page).getByTestId('recs-reason').first()).toHaveAttribute('title', /^Often bought with /);

  await page.goto('/products/22423');
  await page.getByRole('button', { name: /add to cart/i }).click();
  await page.goto('/cart');
  await expect(cartShelf(page)).toHaveAttribute('data-source', /^device-/, { timeout: 30_000 });
  await expect.poll(() => skusOf(cartShelf(page))).not.toEqual(first);
  const second = await skusOf(cartShelf(page));
  expect(second).not.toContain('22423');
  // Events say "add to cart" with no product; no /api request names a cart product.
  for (const call of apiCalls) {
    expect(call, call).not.toContain('85123A');
    expect(call, call).not.toContain('22423');
  }
});

test('reasons shift nothing when the device list replaces the server\'s (CLS 0), and ?debug=1 shows each score\'s parts', async ({ page }) => {
  await view(page, await quietProducts(page));
  await page.addInitScript(() => {
    const w = window as unknown as { __cls: number };
    w.__cls = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) if (!e.hadRecentInput) w.__cls += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await page.goto('/products/85123A');
  await expect(together(page)).toHaveAttribute('data-source', /^device-/, { timeout: 30_000 });
  await expect(page.locator('[data-testid="recs-shelf"][data-placement="product-similar"]')).toHaveAttribute('data-source', /^device-/, { timeout: 30_000 });
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => (window as unknown as { __cls: number }).__cls)).toBe(0);
  // The debug panel (which opens below each shelf once the page reads ?debug=1) is for engineers.
  await page.goto('/products/85123A?debug=1');
  await expect(together(page)).toHaveAttribute('data-source', /^device-/, { timeout: 30_000 });
  const parts = together(page).getByTestId('recs-debug-parts').first();
  await expect(parts).toContainText('complement');
  await expect(parts).toContainText('your taste');
  const similar = page.locator('[data-testid="recs-shelf"][data-placement="product-similar"]');
  await expect(similar).toHaveAttribute('data-source', /^device-/, { timeout: 30_000 });
  await expect(similar.getByTestId('recs-debug-parts').first()).toContainText('two-tower');
  await expect(similar.getByTestId('recs-debug-parts').first()).toContainText('popularity');
  await expect(similar.getByTestId('recs-reason').first()).toHaveText(/^(Like |Popular|Our pick)/);
});

test('a change on a product page ranks both its shelves in one message to the worker, with one tower run', async ({ page }) => {
  // Every message the page posts to the recommender worker, as the list of shelves it asks for.
  await page.addInitScript(() => {
    const w = window as unknown as { __rank: string[][] };
    w.__rank = [];
    const post = Worker.prototype.postMessage as (this: Worker, msg: unknown, options?: StructuredSerializeOptions) => void;
    Worker.prototype.postMessage = function (this: Worker, msg: unknown, options?: StructuredSerializeOptions) {
      const m = msg as { type?: string; shelves?: { ranking: string }[] };
      if (m?.type === 'rank') w.__rank.push((m.shelves ?? []).map((x) => x.ranking));
      post.call(this, msg, options);
    } as typeof Worker.prototype.postMessage;
  });
  await view(page, await quietProducts(page));
  await page.goto('/products/85123A?debug=1');
  const similar = page.locator('[data-testid="recs-shelf"][data-placement="product-similar"]');
  await expect(together(page)).toHaveAttribute('data-source', /^device-/, { timeout: 30_000 });
  await expect(similar).toHaveAttribute('data-source', /^device-/, { timeout: 30_000 });
  await page.waitForTimeout(500);
  const messages = () => page.evaluate(() => (window as unknown as { __rank: string[][] }).__rank);
  const before = (await messages()).length;
  // A cart change re-ranks both shelves: one message carries both.
  await page.getByRole('button', { name: /add to cart/i }).click();
  await expect.poll(async () => (await messages()).length).toBe(before + 1);
  await page.waitForTimeout(500);
  const after = await messages();
  expect(after).toHaveLength(before + 1);
  expect([...after.at(-1)!].sort()).toEqual(['complement', 'explore']);
  // The two shelves share the product's anchor: the tower ran for one of them, the other reused it.
  const panels = page.getByTestId('recs-debug');
  await expect(panels.filter({ hasText: 'inference shared with another shelf of this page' })).toHaveCount(1);
});

for (const viewport of [
  { name: '375', width: 375, height: 812 },
  { name: 'desktop', width: 1280, height: 900 },
]) {
  test(`reasons fit one line at ${viewport.name} px (screenshot kept)`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await page.goto('/products/85123A');
    const reasons = together(page).getByTestId('recs-reason');
    await expect(reasons.first()).not.toBeEmpty();
    // One line each, nothing overflowing its card.
    const boxes = await reasons.evaluateAll((els) => els.map((e) => ({ h: e.getBoundingClientRect().height, scroll: e.scrollWidth, client: e.clientWidth })));
    for (const b of boxes) {
      expect(b.h).toBe(16);
      expect(b.scroll).toBeLessThanOrEqual(b.client);
    }
    await together(page).scrollIntoViewIfNeeded();
    await together(page).screenshot({ path: test.info().outputPath(`bought-together-${viewport.name}.png`) });
  });
}

test('with the cold-start ranker switched off, the new shelves fall back to a static list, never to nothing', async ({ browser }) => {
  test.setTimeout(60_000);
  const edge = await edgeConfigStub({ ...localJson, switches: { ...localJson.switches, edgeRanking: false } });
  // /api/rank answers 503 with the ranker off: the store is ready when a page answers.
  const server = await startNextServer({ env: { EDGE_CONFIG: edge.connection, TANDEM_DATA_DIR: `${process.cwd()}/data/e2e-static` }, readyPath: '/cart', timeoutMs: 30_000 });
  try {
    // No Web Worker either: the device cannot rank, so the static list is what stays.
    const context = await browser.newContext();
    await context.addInitScript('delete window.Worker;');
    const page = await context.newPage();
    await page.goto(`${server.base}/products/85123A`);
    await expect(together(page)).toHaveAttribute('data-source', 'static');
    await expect(together(page).locator('[data-testid="recs-item"]')).toHaveCount(12);
    expect(await skusOf(together(page))).not.toContain('85123A');
    await page.waitForTimeout(1000); // past the page's idle callback, when the device would have ranked
    await expect(together(page)).toHaveAttribute('data-source', 'static');
    await expect(together(page).locator('[data-testid="recs-item"]')).toHaveCount(12);
    await page.goto(`${server.base}/cart`);
    await page.waitForTimeout(1000);
    await expect(cartShelf(page)).toHaveAttribute('data-source', 'static');
    await expect(cartShelf(page).locator('[data-testid="recs-item"]')).toHaveCount(12);
  } finally {
    server.stop();
    edge.close();
  }
});
