import { expect, test } from '@playwright/test';
import localJson from '../lib/config/default.json' with { type: 'json' };
import { parseLocal } from '../lib/config/index';
import { E2E_ADMIN_TOKEN } from './browser';
import { visitorCookie } from '../scripts/next-server';
import { eventsOf, visitorId, waitForEvents } from './events-db';
import { homeTop } from './recs-helpers';
import { visitorIn } from './visitors';

// Issue 15: labels the server decides, refused unknown experiments, report downloads behind the token, and
// events that carry no product code except an order's lines.
const home = parseLocal(localJson).experiments.find((e) => e.id === 'home-shelf-position')!;
const bearer = { Authorization: `Bearer ${E2E_ADMIN_TOKEN}` };

const event = (over: Record<string, unknown>) => ({ id: crypto.randomUUID(), type: 'exposure', experiment: 'home-shelf-position', variant: 'below-hero', placement: 'home-for-you', at: Date.now(), ...over });

test('an event naming another arm than the visitor\'s is counted in the visitor\'s own arm; an unknown experiment is refused', async ({ request, baseURL }) => {
  const visitor = visitorIn(home, 'above-hero');
  const headers = { 'Content-Type': 'application/json', Cookie: await visitorCookie(visitor), Origin: baseURL! };
  const before = (await (await request.get('/admin/experiments/home-shelf-position/report.json', { headers: bearer })).json()) as { variants: { variant: string; visitors: number }[] };
  const visitorsIn = (r: typeof before, v: string) => r.variants.find((x) => x.variant === v)!.visitors;

  // The body claims the control arm: the server assigns this visitor to above-hero, and stores that.
  const forged = await request.post('/api/events', { headers, data: { events: [event({ variant: 'below-hero' })] } });
  expect(forged.status()).toBe(202);
  const answer = await forged.json();
  expect(answer).toMatchObject({ accepted: 1 });
  expect(answer).not.toHaveProperty('relabelled'); // the answer does not tell an id its arm (issue 34)
  expect(eventsOf(visitor).map((r) => r.variant)).toEqual(['above-hero']);
  const after = (await (await request.get('/admin/experiments/home-shelf-position/report.json', { headers: bearer })).json()) as typeof before;
  expect(visitorsIn(after, 'below-hero')).toBe(visitorsIn(before, 'below-hero'));
  expect(visitorsIn(after, 'above-hero')).toBe(visitorsIn(before, 'above-hero') + 1);

  // An experiment the config does not have: refused, named; the batch's other events are kept.
  const ghost = await request.post('/api/events', { headers, data: { events: [event({ experiment: 'made-up-test' })] } });
  expect(ghost.status()).toBe(400);
  expect((await ghost.json()).error).toBe('events.0.experiment: no experiment "made-up-test" in the config');
  const mixed = await request.post('/api/events', { headers, data: { events: [event({ experiment: 'made-up-test' }), event({ type: 'click', position: 2 })] } });
  expect(mixed.status()).toBe(202);
  expect(await mixed.json()).toMatchObject({ accepted: 1, refused: [{ index: 0 }] });
  expect(eventsOf(visitor).every((r) => r.experiment === 'home-shelf-position')).toBe(true);
});

test('report.json and the CSV need the token: 401 without it, the numbers with it', async ({ request }) => {
  for (const file of ['report.json', 'report.csv']) {
    const anonymous = await request.get(`/admin/experiments/home-shelf-position/${file}`);
    expect(anonymous.status(), file).toBe(401);
    expect(await anonymous.text()).not.toContain('visitors');
    expect((await request.get(`/admin/experiments/home-shelf-position/${file}`, { headers: { Authorization: 'Bearer not-the-token-not-the-token' } })).status()).toBe(401);
  }
  const json = await request.get('/admin/experiments/home-shelf-position/report.json', { headers: bearer });
  expect(json.status()).toBe(200);
  const r = await json.json();
  expect(r.variants.map((v: { variant: string }) => v.variant)).toEqual(['below-hero', 'above-hero']);
  const control = r.variants[0];
  expect(Object.keys(control.metrics)).toEqual(['ctr', 'addToCart', 'conversion', 'revenuePerVisitor', 'recRevenuePerVisitor', 'fallbackRate', 'deviceRankMs']);
  expect(control.metrics.ctr.lift).toBeNull();
  expect(r.variants[1].metrics.revenuePerVisitor).toHaveProperty('lift');
  expect(typeof r.srm.pValue).toBe('number');
  expect(r.decision.kind).toMatch(/^(keep-running|winner|keep-control|no-effect|check-split)$/);
  expect(r.capped).toMatchObject({ revenueCappedVisitors: expect.any(Number), clicksCappedVisitors: expect.any(Number) });
  const csv = await request.get('/admin/experiments/home-shelf-position/report.csv', { headers: bearer });
  expect(csv.headers()['content-type']).toContain('text/csv');
  const lines = (await csv.text()).trim().split('\n');
  expect(lines[0]).toBe('experiment,variant,control,visitors,metric,value,low,high,lift,lift_low,lift_high,srm_p,decision');
  expect(lines).toHaveLength(1 + 2 * 7);
  expect((await request.get('/admin/experiments/no-such-test/report.json', { headers: bearer })).status()).toBe(404);
});

test('what leaves the device: shelf views and clicks by placement and position, never a product code; an order\'s lines', async ({ page, context }) => {
  const bodies: string[] = [];
  // The whole context: a beacon sent as a page unloads belongs to no page any more.
  context.on('request', (req) => {
    if (req.url().includes('/api/events')) bodies.push(req.postData() ?? '');
  });
  await page.goto('/products/85123A');
  await page.getByRole('button', { name: /add to cart/i }).click();
  await page.waitForTimeout(2500); // the queue's flush delay: sent by fetch, not only by beacon
  await page.goto('/');
  await homeTop(page).scrollIntoViewIfNeeded();
  // The device's list, not the first HTML's: read before the swap, the clicked position could hold another product.
  await expect(homeTop(page)).toHaveAttribute('data-source', /^device/, { timeout: 30_000 });
  const item = homeTop(page).locator('[data-testid="recs-item"]').nth(1);
  const clicked = (await item.getAttribute('data-sku'))!;
  await page.waitForTimeout(2500);
  await item.locator('a').click();
  await page.waitForURL(/\/products\//);
  await page.waitForTimeout(2500);
  await page.getByRole('button', { name: /add to cart/i }).click();
  await page.goto('/cart');
  await page.getByRole('button', { name: /place order/i }).click();
  const visitor = await visitorId(context);
  // What the store received, read from the store: the click at position 1 may leave as a beacon while the page
  // unloads, whose body Playwright does not always hand over (one CI run missed it), and the store has it either way.
  const rows = await waitForEvents(visitor, (r) => r.some((x) => x.type === 'purchase') && r.some((x) => x.type === 'click' && x.position === 1));
  // Playwright hands the request over its connection after the fact: the store can have the row before this
  // process has the request (the race a loaded CI machine showed once).
  await expect.poll(() => bodies.some((b) => b.includes('"type":"purchase"'))).toBe(true);

  // Every body this browser sent that Playwright saw: no product code outside an order's lines.
  const events = bodies.flatMap((b) => (JSON.parse(b) as { events: Record<string, unknown>[] }).events);
  expect(events.length).toBeGreaterThan(2);
  expect(rows.every((r) => r.type === 'purchase' || r.lines === null)).toBe(true);
  for (const e of events.filter((x) => x.type !== 'purchase')) {
    expect(e, `${e.type} carries no product code`).not.toHaveProperty('sku');
    expect(JSON.stringify(e)).not.toContain(clicked);
    expect(JSON.stringify(e)).not.toContain('85123A');
  }
  const order = events.find((e) => e.type === 'purchase')!;
  expect(order.lines).toEqual(
    expect.arrayContaining([
      { sku: '85123A', quantity: 1, fromShelf: false },
      { sku: clicked, quantity: 1, fromShelf: true },
    ]),
  );
  expect(order).not.toHaveProperty('price');
  // The sentence a shopper reads says exactly this.
  await expect(page.getByTestId('history-controls')).toContainText('never which product');
});
