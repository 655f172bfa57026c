import { expect, test } from '@playwright/test';
import { eventsOf } from './events-db';

const event = (over: Record<string, unknown> = {}) => ({
  id: crypto.randomUUID(),
  type: 'click',
  experiment: 'home-shelf-position',
  variant: 'above-hero',
  placement: 'home-for-you',
  position: 0,
  at: Date.now(),
  ...over,
});

test.describe('POST /api/events', () => {
  // Events come from a page of the store: the request context keeps the visitor cookie the home page sets.
  test.beforeEach(async ({ request }) => {
    expect((await request.get('/')).status()).toBe(200);
  });

  test('202 for a batch; the same ids again are duplicates, not new rows', async ({ request }) => {
    const batch = { events: [event(), event({ type: 'exposure', position: null })] };
    const first = await request.post('/api/events', { data: batch });
    expect(first.status()).toBe(202);
    const body = await first.json();
    // The click claims above-hero; the visitor's own arm may be the other one (then it is relabelled).
    expect(body).toMatchObject({ accepted: 2, duplicates: 0, refused: [] });
    const again = await request.post('/api/events', { data: batch });
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 2, refused: [] });
    // sendBeacon sends a string as text/plain: accepted as well.
    const beacon = await request.post('/api/events', { headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, data: Buffer.from(JSON.stringify({ events: [event()] })) });
    expect(beacon.status()).toBe(202);
  });

  test('bad input: a 4xx with a JSON error that says what is wrong, and nothing stored', async ({ request }) => {
    const cases: [unknown, number, RegExp][] = [
      ['not json', 400, /not JSON/],
      [{ events: [event({ id: 'nope' })] }, 400, /events\.0\.id/],
      [{ events: [event({ sku: "1' OR '1'='1" })] }, 400, /events\.0\.sku/],
      [{ events: [event({ at: 1 })] }, 400, /more than 30 days old/],
      [{ events: [event()], extra: true }, 400, /extra/],
      [{ events: Array.from({ length: 101 }, () => event()) }, 400, /events/],
      [{ events: [event({ experiment: null })] }, 400, /experiment and variant come together/],
    ];
    for (const [body, status, error] of cases) {
      const res = await request.post('/api/events', { headers: { 'Content-Type': 'application/json' }, data: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) });
      expect(res.status(), JSON.stringify(body).slice(0, 80)).toBe(status);
      expect((await res.json()).error).toMatch(error);
    }
    const huge = await request.post('/api/events', { headers: { 'Content-Type': 'application/json' }, data: Buffer.from('x'.repeat(70 * 1024)) });
    expect(huge.status()).toBe(413);
    const form = await request.post('/api/events', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, data: 'a=1' });
    expect(form.status()).toBe(415);
    const bad = await request.post('/api/events', { headers: { 'Content-Type': 'application/json' }, data: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) });
    expect(bad.status()).toBe(400);
    expect((await bad.json()).error).toMatch(/UTF-8/);
  });

  test("a forged order (100 lines × 1,714 of a £175 product) is refused with its reason; the store's own orders pass", async ({ request }) => {
    const order = (quantity: number, lines: number) => event({ type: 'purchase', experiment: null, variant: null, position: null, lines: Array.from({ length: lines }, () => ({ sku: '85123A', quantity, fromShelf: false })) });
    const forged = await request.post('/api/events', { data: { events: [order(1714, 100)] } });
    expect(forged.status()).toBe(400);
    expect((await forged.json()).error).toMatch(/quantity: 1714 is more than this store's cart allows on a line \(99\)/);
    const mixed = await request.post('/api/events', { data: { events: [order(99, 100), order(3, 1)] } });
    expect(mixed.status()).toBe(202);
    const body = await mixed.json();
    expect(body.accepted).toBe(1);
    expect(body.refused[0].error).toMatch(/above this store's plausible maximum \(£10000\.00\)/);
  });

  test("issue 34, finding 4: one id's 100 orders of about £3,800 in one request: the day's £10,000 takes two, the rest are refused with the reason", async ({ request }) => {
    // 3 lines × 99 of a £12.75 product: £3,786.75 an order, each within the per-order bound.
    const order = () => event({ type: 'purchase', experiment: null, variant: null, position: null, lines: Array.from({ length: 3 }, () => ({ sku: '22423', quantity: 99, fromShelf: false })) });
    const res = await request.post('/api/events', { data: { events: Array.from({ length: 100 }, order) } });
    expect(res.status()).toBe(202);
    const body = await res.json();
    expect(body.accepted).toBe(2);
    expect(body.refused).toHaveLength(98);
    expect(body.refused[0].error).toMatch(/more than £10000\.00 of orders a day from one visitor/);
  });

  test('no visitor id this store signed: 403, nothing stored, whatever the cookie claims', async ({ playwright, baseURL }) => {
    const api = await playwright.request.newContext({ baseURL });
    const id = crypto.randomUUID();
    for (const cookie of [undefined, `tandem_vid=${id}`, `tandem_vid=${id}.c.AAAAAAAAAAAAAAAAAAAAAA`]) {
      const res = await api.post('/api/events', { headers: cookie ? { Cookie: cookie } : {}, data: { events: [event()] } });
      expect(res.status(), String(cookie)).toBe(403);
      expect((await res.json()).error).toMatch(/no visitor id this store issued/);
    }
    expect(eventsOf(id)).toEqual([]);
    await api.dispose();
  });
});
