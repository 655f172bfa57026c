import { expect, test, type Page } from '@playwright/test';
import localJson from '../lib/config/default.json' with { type: 'json' };
import { parseLocal } from '../lib/config/index';
import { readFileSync } from 'node:fs';
import { parseCatalogFile } from '../lib/catalog/types';
import { assignVariant } from '../lib/experiments/assign';
import { E2E_ADMIN_TOKEN } from './browser';
import { signedVisitor } from '../scripts/next-server';
import { eventsOf, visitorId, waitForEvents, type Row } from './events-db';
import { historyCount, homeTop } from './recs-helpers';
import { visitorIn } from './visitors';

const config = parseLocal(localJson);
const homeExperiment = config.experiments.find((e) => e.id === 'home-shelf-position')!;

const count = (rows: Row[], type: string, placement?: string) => rows.filter((r) => r.type === type && (!placement || r.placement === placement)).length;

test.describe('cold start at the edge, experiments and events', () => {
  test('a new visitor gets the cold-start shelf in the first HTML, and hydration does not fetch it again', async ({ page }) => {
    const rankCalls: string[] = [];
    page.on('request', (r) => r.url().includes('/api/rank') && rankCalls.push(r.url()));
    const res = await page.goto('/');
    const html = await res!.text();
    expect(html).toMatch(/data-testid="recs-shelf" data-placement="home-for-you" data-source="edge" data-model-version="[0-9a-f]{12}"/);
    await expect(homeTop(page)).toHaveAttribute('data-source', 'edge');
    await expect(homeTop(page).locator('[data-testid="recs-item"]')).toHaveCount(12);
    // Past the idle callback that would re-rank on a device with history, and SWR's 5 s focus throttle.
    await page.waitForTimeout(5500);
    await expect(homeTop(page)).toHaveAttribute('data-source', 'edge');
    expect(rankCalls).toEqual([]);
    // Coming back to the tab revalidates (SWR), with the same answer.
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    await expect.poll(() => rankCalls.length).toBeGreaterThan(0);
    expect(rankCalls[0]).toMatch(/\/api\/rank\?placement=home-for-you&k=12$/);
  });

  test('the assigned variant is in the first HTML, sticky across visits', async ({ browser, baseURL }) => {
    for (const variant of ['above-hero', 'below-hero']) {
      const context = await browser.newContext();
      await context.addCookies([{ name: 'tandem_vid', value: await signedVisitor(visitorIn(homeExperiment, variant)), url: baseURL! }]);
      const page = await context.newPage();
      for (let visit = 0; visit < 2; visit++) {
        const html = await (await page.goto('/'))!.text();
        const shelfAt = html.indexOf('data-placement="home-for-you"');
        const heroAt = html.indexOf('<h1');
        expect(shelfAt).toBeGreaterThan(0);
        expect(shelfAt < heroAt, `${variant}: shelf ${shelfAt < heroAt ? 'above' : 'below'} the hero`).toBe(variant === 'above-hero');
        expect(html).toContain(`data-experiments="home-shelf-position:${variant}"`);
      }
      await context.close();
    }
  });

  test('a first visit without a cookie gets one, and its variant already shapes that first page', async ({ page, context }) => {
    const html = await (await page.goto('/'))!.text();
    const id = await visitorId(context);
    const variant = assignVariant(homeExperiment, id);
    expect(html).toContain(`data-experiments="home-shelf-position:${variant}"`);
  });

  test('exposure and click arrive exactly once each, also when the page closes right after the click', async ({ context }) => {
    const page = await context.newPage();
    await page.goto('/');
    const visitor = await visitorId(context);
    await homeTop(page).scrollIntoViewIfNeeded();
    await waitForEvents(visitor, (rows) => count(rows, 'exposure', 'home-for-you') === 1);

    const first = homeTop(page).locator('[data-testid="recs-item"]').first();
    await first.locator('a').click({ noWaitAfter: true });
    await page.close({ runBeforeUnload: true }); // the beacon on pagehide has to carry the click
    const rows = await waitForEvents(visitor, (r) => count(r, 'click') >= 1);
    // Placement and position, no product code: the readout needs nothing more.
    expect(rows.find((r) => r.type === 'click')).toMatchObject({ position: 0, placement: 'home-for-you', experiment: 'home-shelf-position' });
    expect(Object.keys(rows[0]!)).not.toContain('sku');

    // A later page re-sends whatever was still queued (the beacon's batch among it): ids keep it single.
    const again = await context.newPage();
    await again.goto('/cart');
    await again.waitForTimeout(4000);
    await again.close({ runBeforeUnload: true });
    await new Promise((r) => setTimeout(r, 1000));
    const final = eventsOf(visitor);
    expect(count(final, 'click')).toBe(1);
    expect(count(final, 'exposure', 'home-for-you')).toBe(1);
    expect(new Set(final.map((r) => r.id)).size).toBe(final.length);
  });

  test('add to cart carries no product code; the order carries its lines, priced by the server', async ({ page, context }) => {
    await page.goto('/products/85123A');
    const visitor = await visitorId(context);
    await expect.poll(() => historyCount(page)).toBeGreaterThan(0); // hydrated: the view is recorded
    await page.getByRole('spinbutton', { name: 'Quantity' }).fill('3');
    await page.getByRole('button', { name: /add to cart/i }).click();
    await page.goto('/cart');
    await page.getByRole('button', { name: /place order/i }).click();
    const rows = await waitForEvents(visitor, (r) => count(r, 'add-to-cart') === 1 && count(r, 'purchase') === 1);
    const order = rows.find((r) => r.type === 'purchase')!;
    expect(JSON.parse(order.lines!)).toEqual([{ sku: '85123A', quantity: 3, fromShelf: false }]);
    const price = parseCatalogFile(readFileSync('data/catalog.json', 'utf8')).products.find((p) => p.sku === '85123A')!.price;
    expect(order.revenue_pence).toBe(3 * Math.round(price * 100));
    expect(rows.find((r) => r.type === 'add-to-cart')!.lines).toBeNull();
  });
});

test.describe('experiments dashboard', () => {
  async function signIn(page: Page, token: string) {
    await page.goto('/admin/experiments');
    await page.getByLabel('Admin token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  test('refuses without credentials: 401 and a login form, for the page and for a wrong token', async ({ page, request }) => {
    const res = await request.get('/admin/experiments', { maxRedirects: 0 });
    expect(res.status()).toBe(401);
    expect(await res.text()).toContain('Admin token');
    expect((await request.get('/admin/experiments', { headers: { Authorization: 'Bearer wrong-token-wrong-token' } })).status()).toBe(401);
    expect((await request.get('/admin/experiments', { headers: { Cookie: 'tandem_admin=forged' } })).status()).toBe(401);
    await signIn(page, 'not-the-token-at-all');
    await expect(page.getByRole('alert')).toHaveText('That token is not right.');
    await expect(page.getByTestId('experiment-report')).toHaveCount(0);
  });

  test('shows per-variant results after login', async ({ page, browser, baseURL }) => {
    // Two visitors' pages, their events stored, then the dashboard: over 30 s on a loaded 2-core CI machine once.
    test.setTimeout(90_000);
    // Make sure there is at least one exposure in each home variant.
    for (const variant of ['above-hero', 'below-hero']) {
      const ctx = await browser.newContext();
      await ctx.addCookies([{ name: 'tandem_vid', value: await signedVisitor(visitorIn(homeExperiment, variant)), url: baseURL! }]);
      const p = await ctx.newPage();
      await p.goto('/');
      await homeTop(p).scrollIntoViewIfNeeded();
      const id = await visitorId(ctx);
      await waitForEvents(id, (rows) => count(rows, 'exposure', 'home-for-you') === 1);
      await ctx.close();
    }
    await signIn(page, E2E_ADMIN_TOKEN);
    await expect(page).toHaveURL(/\/admin\/experiments$/);
    const report = page.locator('[data-testid="experiment-report"][data-experiment="home-shelf-position"]');
    await expect(report.getByTestId('variant-head')).toHaveCount(2);
    for (const head of await report.getByTestId('variant-head').all()) {
      await expect(head.getByTestId('visitors')).toHaveText(/^[1-9][\d,]* visitors/);
    }
    await expect(report.locator('[data-testid="metric-row"][data-metric="revenuePerVisitor"]')).toContainText('£');
    await expect(report.getByTestId('decision')).toHaveAttribute('data-kind', /^(keep-running|winner|keep-control|no-effect|check-split)$/);
    await expect(report.getByTestId('decision-rule')).not.toBeEmpty();
    await expect(report.getByTestId('guardrails')).toContainText('Guardrails');
    await expect(report.getByTestId('srm')).toContainText('Sample ratio');
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect((await page.request.get('/admin/experiments', { maxRedirects: 0 })).status()).toBe(401);
  });

  test('the service worker keeps no dashboard: signed out and offline, /admin does not open (issue 34)', async ({ page, context }) => {
    // The service worker must control the page before the dashboard is visited, as for a returning admin.
    await page.goto('/');
    await expect.poll(() => page.evaluate(async () => !!navigator.serviceWorker.controller && !!(await caches.match('/'))), { timeout: 30_000 }).toBe(true);
    await signIn(page, E2E_ADMIN_TOKEN);
    await expect(page.getByTestId('experiment-report').first()).toBeVisible();
    await page.reload(); // now certainly through the service worker
    await expect(page.getByTestId('experiment-report').first()).toBeVisible();
    const stored = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const key of await caches.keys()) for (const r of await (await caches.open(key)).keys()) urls.push(new URL(r.url).pathname);
      return urls;
    });
    expect(stored).toContain('/');
    expect(stored.filter((u) => u.startsWith('/admin'))).toEqual([]);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await context.setOffline(true);
    const offline = await page.goto('/admin/experiments').then((r) => r?.status() ?? 0, () => 0);
    await context.setOffline(false);
    expect(offline).not.toBe(200);
    await expect(page.getByTestId('experiment-report')).toHaveCount(0);
  });
});
