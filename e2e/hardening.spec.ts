import { expect, test, type APIResponse } from '@playwright/test';
import { startNextServer, visitorCookie, type NextServer } from '../scripts/next-server';
import { E2E_ADMIN_TOKEN, E2E_PORT } from './browser';
import { eventsOf, queuedTypes, visitorId, waitForEvents } from './events-db';
import { raw, request } from './raw-http';

/**
 * One test per finding of the hostile review (issue 12), each written to fail on the build before its fix.
 * Raw sockets where a browser or fetch() would not send the request at all.
 */

const send = (parts: (string | Buffer | null)[], timeoutMs = 15_000) => raw(E2E_PORT, parts, { timeoutMs, firstOnly: true });
const jsonError = (body: string) => (JSON.parse(body) as { error?: unknown }).error;
const event = (over: Record<string, unknown> = {}) => ({
  id: crypto.randomUUID(),
  type: 'click',
  experiment: null,
  variant: null,
  placement: 'home-for-you',
  position: 0,
  at: Date.now(),
  ...over,
});

test.describe('issue 12: hostile review findings', () => {
  test('1. a header of 3,500 cookies gets a JSON 431 on every route handler, and an oversized header block too', async () => {
    const cookie = Array.from({ length: 3500 }, (_, i) => `${i.toString(36)}=`).join(';');
    for (const path of ['/api/rank?placement=home-for-you', '/images/products/85123A.svg', '/admin/login', '/.well-known/apple-app-site-association', '/']) {
      const a = await send([request('GET', path, [['Cookie', cookie]])]);
      expect(a.status, path).toBe(431);
      expect(a.headers['content-type'], path).toMatch(/application\/json/);
      expect(jsonError(a.body), path).toMatch(/cookie/i);
    }
    // Over the server's header limit: still a JSON answer, not a bare status line.
    const big = await send([request('GET', '/', [['X-Filler', 'a'.repeat(20_000)]])]);
    expect(big.status).toBe(431);
    expect(jsonError(big.body)).toMatch(/header/i);
  });

  test('2. admin sessions are random per login and end at logout: the old cookie no longer opens the dashboard', async ({ playwright, baseURL }) => {
    const api = await playwright.request.newContext({ baseURL, maxRedirects: 0 });
    const login = async () => {
      const res = await api.post('/admin/login', { form: { token: E2E_ADMIN_TOKEN, next: '/admin/experiments' } });
      expect(res.status()).toBe(303);
      return /tandem_admin=([^;]+)/.exec(res.headers()['set-cookie'] ?? '')![1]!;
    };
    const first = await login();
    const second = await login();
    expect(second).not.toBe(first);
    const open = (value: string) => api.get('/admin/experiments', { headers: { Cookie: `tandem_admin=${value}` } });
    expect((await open(first)).status()).toBe(200);
    const out = await api.post('/admin/logout', { headers: { Cookie: `tandem_admin=${first}` } });
    expect(out.status()).toBe(303);
    expect(out.headers()['set-cookie']).toMatch(/Max-Age=0/);
    expect((await open(first)).status()).toBe(401); // replayed after logout
    expect((await open(second)).status()).toBe(200); // another session is not affected
    await api.dispose();
  });

  test.describe('3. event volume', () => {
    let server: NextServer;
    test.beforeAll(async () => {
      test.setTimeout(90_000);
      // Small limits so the test is quick: 100 events per visitor, 300 per address, nearly no refill.
      server = await startNextServer({ env: { TANDEM_EVENTS_LIMIT_VISITOR: '100/1', TANDEM_EVENTS_LIMIT_ADDRESS: '300/1', TANDEM_DATA_DIR: `${process.cwd()}/data/e2e-rate` } });
    });
    test.afterAll(() => server?.stop());

    test('per visitor and per address: 429 with Retry-After, fresh cookies do not help, nothing over the limit stored', async ({ playwright }) => {
      const api = await playwright.request.newContext({ baseURL: server.base });
      const post = async (visitor: string, n: number) =>
        api.post('/api/events', { headers: { Cookie: await visitorCookie(visitor), 'Content-Type': 'application/json' }, data: { events: Array.from({ length: n }, () => event()) } });
      const expect429 = async (res: APIResponse) => {
        expect(res.status()).toBe(429);
        expect(Number(res.headers()['retry-after'])).toBeGreaterThanOrEqual(1);
        expect((await res.json()).error).toMatch(/too many events/);
      };
      const visitors = Array.from({ length: 4 }, () => crypto.randomUUID());
      expect((await post(visitors[0]!, 100)).status()).toBe(202);
      await expect429(await post(visitors[0]!, 1)); // this visitor's allowance is spent
      expect((await post(visitors[1]!, 100)).status()).toBe(202);
      expect((await post(visitors[2]!, 100)).status()).toBe(202);
      await expect429(await post(visitors[3]!, 1)); // a fresh cookie, same address: the address allowance is spent
      // Refused before the body is read or parsed (issue 24: refusals cost a flood less than stored events): a
      // body that is not even JSON gets the 429, not the 400 parsing it would give.
      await expect429(await api.post('/api/events', { headers: { Cookie: await visitorCookie(), 'Content-Type': 'application/json' }, data: Buffer.from('not json at all') }));
      const stored = visitors.map((v) => eventsOf(v, `${process.cwd()}/data/e2e-rate`).length);
      expect(stored).toEqual([100, 100, 100, 0]);
      await api.dispose();
    });
  });

  test("3b. the page's queue waits as long as Retry-After says and keeps its events", async ({ page, context }) => {
    const attempts: number[] = [];
    await page.route('**/api/events', async (route) => {
      attempts.push(Date.now());
      if (attempts.length === 1) await route.fulfill({ status: 429, headers: { 'Retry-After': '7', 'Content-Type': 'application/json' }, body: '{"error":"too many events"}' });
      else await route.continue();
    });
    await page.goto('/products/85123A');
    await page.getByRole('button', { name: /add to cart/i }).first().click();
    await expect.poll(() => attempts.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    expect(await queuedTypes(page)).toContain('add-to-cart');
    await expect.poll(() => attempts.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(7000);
    const vid = await visitorId(context);
    await waitForEvents(vid, (rows) => rows.some((r) => r.type === 'add-to-cart'));
  });

  test('4. bodies: a declared oversize body is refused before it is read, a stalled body is cut off within 10 s', async () => {
    const head = (length: number) =>
      `POST /api/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
    const over = await send([head(65_537), null]);
    expect(over.timedOut).toBe(false);
    expect(over.status).toBe(413);
    expect(jsonError(over.body)).toMatch(/body over/);
    const huge = await send([head(10 * 1024 * 1024), Buffer.alloc(64 * 1024, 0x20)]);
    expect(huge.status).toBe(413);
    const stalled = await send([head(1000), '{"events":[', null]);
    expect(stalled.timedOut).toBe(false);
    expect(stalled.ms).toBeLessThan(11_000);
    expect(stalled.status).toBe(408);
    expect(jsonError(stalled.body)).toMatch(/in time/);
    // A body on a route that takes none.
    const bodyOnGet = await send([`GET /api/rank?placement=home-for-you HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5000\r\n\r\n`, null]);
    expect(bodyOnGet.status).toBe(413);
  });

  test('5. TRACE, and writes to static files, get a defined 4xx with Allow, never a 500', async () => {
    const trace = await send([request('TRACE', '/')]);
    expect(trace.status).toBe(405);
    expect(jsonError(trace.body)).toMatch(/TRACE/);
    for (const [method, path] of [
      ['POST', '/robots.txt'],
      ['PUT', '/sw.js'],
      ['DELETE', '/models/current.json'],
      ['PROPFIND', '/_next/static/chunks/x.js'],
      ['POST', '/'],
      ['TRACE', '/api/rank'],
    ] as const) {
      const a = await send([request(method, path, [['Content-Length', '0']])]);
      expect(a.status, `${method} ${path}`).toBe(405);
      expect(a.headers.allow, `${method} ${path}`).toBe('GET, HEAD, OPTIONS');
    }
    const options = await send([request('OPTIONS', '/robots.txt')]);
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  test('6. API routes answer JSON errors: 405 with Allow, 404 for unknown paths', async ({ request: api }) => {
    for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
      const res = await api.fetch('/api/rank?placement=home-for-you', { method });
      expect(res.status(), method).toBe(405);
      expect(res.headers().allow).toBe('GET, HEAD, OPTIONS');
      expect((await res.json()).error).toMatch(/method/i);
    }
    const get = await api.get('/api/events');
    expect(get.status()).toBe(405);
    expect(get.headers().allow).toBe('OPTIONS, POST');
    const unknown = await api.get('/api/nope');
    expect(unknown.status()).toBe(404);
    expect((await unknown.json()).error).toMatch(/no such API/);
    const propfind = await send([request('PROPFIND', '/api/rank')]);
    expect(propfind.status).toBe(405);
    expect(jsonError(propfind.body)).toMatch(/method/i);
  });

  test('7. signing in works from another host name of the same server (127.0.0.1)', async ({ page }) => {
    await page.goto(`http://127.0.0.1:${E2E_PORT}/admin/experiments`);
    await page.getByLabel('Admin token').fill(E2E_ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Placement experiments' })).toBeVisible();
  });

  test('8. one UUID in lower, upper and mixed case is one event', async ({ request: api }) => {
    const visitor = crypto.randomUUID();
    const id = crypto.randomUUID();
    const mixed = id.replace(/[a-f]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c));
    const res = await api.post('/api/events', {
      headers: { Cookie: await visitorCookie(visitor) },
      data: { events: [event({ id }), event({ id: id.toUpperCase() }), event({ id: mixed })] },
    });
    expect(res.status()).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 1, duplicates: 2 });
    expect(eventsOf(visitor).map((r) => r.id)).toEqual([id]);
  });

  test('9. every HTML answer carries the CSP, and its scripts the nonce: the login page and 404s outside the pages', async ({ request: api }) => {
    for (const path of ['/admin/experiments', '/models/nope.bin', '/images/nope', '/ort/nope.wasm', '/.well-known/nope', '/nope']) {
      const res = await api.get(path);
      const type = res.headers()['content-type'] ?? '';
      if (!type.includes('html')) continue; // JSON errors need no policy
      const csp = res.headers()['content-security-policy'];
      expect(csp, path).toBeTruthy();
      expect(csp, path).toMatch(/default-src 'none'|default-src 'self'/);
      const nonce = /'nonce-([^']+)'/.exec(csp!)?.[1];
      for (const tag of (await res.text()).match(/<script\b[^>]*>/g) ?? []) expect(tag, path).toContain(`nonce="${nonce}"`);
    }
    expect((await api.get('/admin/experiments')).headers()['content-security-policy']).toMatch(/form-action 'self'/);
  });

  test('10. an absolute-form request line is refused, never redirected off the site', async () => {
    const a = await send([request('GET', 'http://evil.example/products/85123A')]);
    expect(a.status).toBe(400);
    expect(a.headers.location).toBeUndefined();
    expect(jsonError(a.body)).toMatch(/request target/);
  });

  test('11. /api/rank reads numbers strictly', async ({ request: api }) => {
    for (const k of ['0x10', '0b11', '.5e1', '5.', '\t5', '05', '+5', '1e1', ' 5']) {
      const res = await api.get(`/api/rank?placement=home-for-you&k=${encodeURIComponent(k)}`);
      expect(res.status(), JSON.stringify(k)).toBe(400);
      expect((await res.json()).error).toMatch(/k must be/);
    }
    expect((await api.get('/api/rank?placement=home-for-you&k=5')).status()).toBe(200);
  });
});
