import { expect, test, type Page } from '@playwright/test';
import localJson from '../lib/config/default.json' with { type: 'json' };
import { parseLocal } from '../lib/config/index';
import { homeTop, quietProducts, skusOf, view } from './recs-helpers';
import { signedVisitor } from '../scripts/next-server';
import { visitorIn } from './visitors';

const config = parseLocal(localJson);

/**
 * The home page's two personal shelves (issue 13): "Buy it again" ranks only what this device ordered, and
 * only for a browser that has ordered; "Recommended for you" never shows a product bought, in the cart, or
 * viewed in the last 30 minutes.
 */
const buyAgain = (page: Page) => page.locator('[data-testid="recs-shelf"][data-placement="home-buy-again"]');

async function addToCart(page: Page, sku: string) {
  await page.goto(`/products/${sku}`);
  await page.getByRole('button', { name: /add to cart/i }).first().click();
  await expect(page.getByTestId('cart-count')).not.toHaveText('0');
}

test('a new visitor sees no "Buy it again"', async ({ page }) => {
  await page.goto('/');
  await expect(homeTop(page)).toBeVisible();
  await expect(buyAgain(page)).toHaveCount(0);
  // The edge will not pretend to know: the placement needs the purchase history.
  const res = await page.request.get('/api/rank?placement=home-buy-again');
  expect(res.status()).toBe(400);
  expect((await res.json()).error).toMatch(/device only/);
});

test('after an order: "Buy it again" shows what was bought; "Recommended for you" shows nothing bought, in the cart or just viewed', async ({ page }) => {
  test.setTimeout(90_000);
  const [bought1, bought2, inCart] = await quietProducts(page);
  // Order two products.
  await addToCart(page, bought1!);
  await addToCart(page, bought2!);
  await page.goto('/cart');
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('0');
  // Then one in the cart, and a few views.
  await addToCart(page, inCart!);
  const viewed = (await page.goto('/categories/kitchen?page=3').then(() => page.locator('main [data-testid="product-card"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-sku')!)))).slice(0, 2);
  await view(page, viewed);

  await page.goto('/');
  const again = buyAgain(page);
  await expect(again).toBeVisible();
  await expect(again).toHaveAttribute('data-source', 'device-wasm', { timeout: 30_000 });
  // Only what was ordered (the product in the cart is not "again"), ranked by the repeat head.
  expect((await skusOf(again)).sort()).toEqual([bought1!, bought2!].sort());

  const forYou = homeTop(page);
  await expect(forYou).toHaveAttribute('data-source', 'device-wasm', { timeout: 30_000 });
  const shown = await skusOf(forYou);
  expect(shown).toHaveLength(12);
  for (const sku of [bought1!, bought2!, inCart!, ...viewed]) expect(shown).not.toContain(sku);
});

test('one set of shelf rules on every shelf: the product page ranked on the device echoes no product just viewed, nor the one on screen', async ({ page, context, baseURL }) => {
  test.setTimeout(90_000);
  // A visitor in "similar", so the shelf keeps the category the viewed products share (in "complete the
  // set" the category filter alone would hide them, and the test would prove nothing).
  const kind = config.experiments.find((e) => e.id === 'product-shelf-kind')!;
  const id = visitorIn(kind, 'similar');
  await context.addCookies([{ name: 'tandem_vid', value: await signedVisitor(id), url: baseURL! }]);
  const garden = await page.goto('/categories/garden?page=4').then(() => page.locator('main [data-testid="product-card"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-sku')!)));
  const [anchor, ...viewed] = garden.slice(0, 5);
  await view(page, viewed);
  await page.goto(`/products/${anchor}`);
  const shelf = page.locator('[data-testid="recs-shelf"][data-placement="product-similar"]');
  await expect(shelf).toHaveAttribute('data-experiments', /product-shelf-kind:similar/);
  await expect(shelf).toHaveAttribute('data-source', 'device-wasm', { timeout: 30_000 });
  const shown = await skusOf(shelf);
  expect(shown.length).toBeGreaterThan(0);
  for (const sku of [anchor!, ...viewed]) expect(shown).not.toContain(sku);
});
