import { expect, test } from '@playwright/test';
import { visitorCookie } from '../scripts/next-server';

test('GET /api/rank ranks for a new visitor, cacheably, with the active model', async ({ request }) => {
  const pointer = await (await request.get('/models/current.json')).json();
  const res = await request.get('/api/rank?placement=home-for-you&k=10');
  expect(res.status()).toBe(200);
  expect(res.headers()['cache-control']).toMatch(/public/);
  const body = await res.json();
  expect(body).toMatchObject({ source: 'edge', modelVersion: pointer.version, experiment: null });
  expect(body.items).toHaveLength(10);
  for (const item of body.items) expect(item).toEqual({ sku: expect.stringMatching(/^[0-9A-Z]+$/), score: expect.any(Number), name: expect.any(String), price: expect.any(Number), reason: { kind: 'popular', short: 'Popular this week', full: expect.any(String) } });
  const scores = body.items.map((i: { score: number }) => i.score);
  expect(scores).toEqual([...scores].sort((a: number, b: number) => b - a));
});

test('GET /api/rank names the visitor\'s variant (and is then private), and ranks by the country header', async ({ request }) => {
  const id = '00000000-0000-4000-8000-000000000001';
  const res = await request.get('/api/rank?placement=home-for-you&k=10', { headers: { Cookie: await visitorCookie(id) } });
  expect(res.headers()['cache-control']).toBe('private, max-age=60');
  expect((await res.json()).experiment).toEqual({ id: 'home-shelf-position', variant: expect.stringMatching(/^(above|below)-hero$/) });
  const skus = async (headers: Record<string, string>) => (await (await request.get('/api/rank?placement=home-for-you&k=20', { headers })).json()).items.map((i: { sku: string }) => i.sku);
  const plain = await skus({});
  const french = await request.get('/api/rank?placement=home-for-you&k=20', { headers: { 'x-vercel-ip-country': 'FR' } });
  expect(french.headers()['cache-control']).toBe('private, max-age=60');
  expect(await skus({ 'x-vercel-ip-country': 'FR' })).not.toEqual(plain);
  expect(await skus({ 'x-vercel-ip-country': 'GB' })).toEqual(plain); // the home market: the prior already is its taste
});

test('GET /api/rank with session products ranks around them, leaves them out and is not cached', async ({ request }) => {
  const res = await request.get('/api/rank?placement=product-similar&k=12&recent=85123A,22423&sku=21212');
  expect(res.status()).toBe(200);
  expect(res.headers()['cache-control']).toBe('private, no-store');
  const skus = (await res.json()).items.map((i: { sku: string }) => i.sku);
  expect(skus).toHaveLength(12);
  for (const s of ['85123A', '22423', '21212']) expect(skus).not.toContain(s);
});

for (const [query, error] of [
  ['placement=attic', /placement must be one of/],
  ['placement=home-for-you&k=500', /k must be between 1 and 100/],
  ['placement=home-for-you&recent=NOPE99', /unknown product code: NOPE99/],
  ['placement=home-for-you&sku=%3Cscript%3E', /sku must be a product code/],
  [`placement=home-for-you&pad=${'x'.repeat(5000)}`, /query string longer than/],
] as const) {
  test(`GET /api/rank?${query.slice(0, 40)} is a 400 that says what was wrong`, async ({ request }) => {
    const res = await request.get(`/api/rank?${query}`);
    expect(res.status()).toBe(400);
    expect((await res.json()).error).toMatch(error);
  });
}
