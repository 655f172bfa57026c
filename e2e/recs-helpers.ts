import { expect, type Locator, type Page } from '@playwright/test';

export const homeTop = (page: Page) => page.locator('[data-testid="recs-shelf"][data-placement="home-for-you"]');
export const skusOf = (shelf: Locator) => shelf.locator('[data-testid="recs-item"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-sku')!));

/** Three products of one category, from deep in its best-seller list, so no cold-start list on the home page holds them. */
export async function quietProducts(page: Page): Promise<string[]> {
  await page.goto('/categories/garden?page=4');
  const skus = await page.locator('main [data-testid="product-card"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-sku')!));
  expect(skus.length).toBeGreaterThanOrEqual(3);
  return skus.slice(0, 3);
}

export async function historyCount(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const open = indexedDB.open('tandem-history');
        // Never create the database from the test: that would race the app's own schema upgrade.
        open.onupgradeneeded = () => open.transaction?.abort();
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('events')) return resolve(0);
          const req = db.transaction('events').objectStore('events').count();
          req.onsuccess = () => resolve(req.result);
        };
        open.onerror = () => resolve(0);
      }),
  );
}

export async function view(page: Page, skus: string[]): Promise<void> {
  for (const [i, sku] of skus.entries()) {
    await page.goto(`/products/${sku}`);
    await expect.poll(() => historyCount(page)).toBeGreaterThanOrEqual(i + 1);
  }
}

/** The home shelf of a shopper with no history: the cold-start ranking, rendered by the server. */
export async function coldHome(page: Page): Promise<string[]> {
  await page.goto('/');
  await expect(homeTop(page)).toHaveAttribute('data-source', 'edge');
  return skusOf(homeTop(page));
}

/** Errors the page did not catch, and what it reported to the console. */
export function watch(page: Page) {
  const uncaught: string[] = [];
  const warnings: string[] = [];
  page.on('pageerror', (e) => uncaught.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error') warnings.push(m.text());
  });
  return { uncaught, warnings };
}

