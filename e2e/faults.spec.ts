import { expect, test } from '@playwright/test';
import { eventsOf, queuedTypes, visitorId, waitForEvents } from './events-db';
import { historyCount, homeTop } from './recs-helpers';


test.describe('faults on the events path: kept on the device, delivered later, stored once', () => {
  // No service worker between the page and the network, so page.route sees every request.
  test.use({ serviceWorkers: 'block' });

  test('events endpoint down (503): the batch stays queued; when it is back, it is stored once', async ({ page, context }) => {
    let down = true;
    let refused = 0;
    await page.route('**/api/events', (route) => (down ? (refused++, route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"down"}' })) : route.continue()));
    await page.goto('/products/85123A');
    const visitor = await visitorId(context);
    await expect.poll(() => historyCount(page)).toBeGreaterThan(0); // hydrated
    await page.getByRole('button', { name: /add to cart/i }).click();
    await expect.poll(() => refused, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await queuedTypes(page)).toContain('add-to-cart');
    expect(eventsOf(visitor)).toEqual([]);

    down = false;
    await page.reload(); // a later page sends what the earlier one kept
    const rows = await waitForEvents(visitor, (r) => r.some((x) => x.type === 'add-to-cart'), 30_000);
    expect(rows.filter((x) => x.type === 'add-to-cart')).toHaveLength(1);
    await expect.poll(() => queuedTypes(page), { timeout: 30_000 }).not.toContain('add-to-cart');
    expect(eventsOf(visitor).filter((x) => x.type === 'add-to-cart')).toHaveLength(1);
  });

  test('offline: events wait on the device and go out when the connection returns', async ({ page, context }) => {
    await page.goto('/');
    const visitor = await visitorId(context);
    await expect(homeTop(page)).toHaveAttribute('data-source', 'edge');
    await context.setOffline(true);
    await homeTop(page).scrollIntoViewIfNeeded();
    await expect.poll(() => queuedTypes(page)).toContain('exposure');
    await page.waitForTimeout(3000); // past the send delay: nothing can leave
    expect(eventsOf(visitor)).toEqual([]);
    await context.setOffline(false); // the 'online' event sends the queue
    const rows = await waitForEvents(visitor, (r) => r.some((x) => x.type === 'exposure'));
    expect(rows.filter((x) => x.type === 'exposure' && x.placement === 'home-for-you')).toHaveLength(1);
  });
});

test.describe('faults on the recommender', () => {
  test.use({ serviceWorkers: 'block' });

  test('the worker crashes mid-request: the shelf falls back to the edge, and the next load recovers', async ({ page }) => {
    const warnings: string[] = [];
    page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    await page.goto('/products/22423');
    await expect.poll(() => historyCount(page)).toBeGreaterThan(0);
    // `?fault=worker-crash`: the worker takes the rank request, then dies before answering.
    await page.goto('/?fault=worker-crash');
    await expect.poll(() => warnings.find((w) => w.includes('[tandem]')), { timeout: 30_000 }).toMatch(/worker crashed.*simulated crash/);
    await expect(homeTop(page)).toHaveAttribute('data-source', 'edge');
    await expect(homeTop(page).locator('[data-testid="recs-item"]')).toHaveCount(12);

    await page.goto('/');
    await expect(homeTop(page)).toHaveAttribute('data-source', 'device-wasm', { timeout: 30_000 });
  });
});
