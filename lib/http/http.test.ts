import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acceptsBrotli, versionedFile } from './static-files';
import { clientAddress, limitKey, siteKey, trustedProxyHops } from './client-address';
import { gate, LIMITS, type GateInput } from './gate';
import { sameSite } from './origin';
import { memoryLimitStore, parseLimit, type Charge, type LimitStore } from './rate-limit';
import { redisLimitStore } from './redis-limit-store';
import { NEXT_DYNAMIC_PAGE, pageCacheControl, SHOP_PAGE } from './page-cache';
import { limitCharger, SHARED_STORE_DEADLINE_MS, SHARED_STORE_PAUSE_MS } from './limit-store';
import { ROUTE_HANDLERS, ruleFor } from './routes';

const req = (method: string, target: string, headers: Record<string, string> = {}): GateInput => ({
  method,
  target,
  header: (name) => headers[name.toLowerCase()],
});

describe('address keys for limits', () => {
  it('groups IPv6 by /64 and keeps IPv4 (mapped or not) as it is', () => {
    expect(limitKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(limitKey('2001:0DB8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(limitKey('[2001:db8:1:2::7%eth0]')).toBe('2001:db8:1:2::/64');
    expect(limitKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(limitKey('::1')).toBe('0:0:0:0::/64');
    expect(limitKey('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(limitKey('10.0.0.1')).toBe('10.0.0.1');
  });
  it("groups an IPv6 site by /48 (issue 34: a /48 is 65,536 /64 budgets), and keeps IPv4 as it is", () => {
    expect(siteKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1::/48');
    expect(siteKey('2001:db8:1:ffff::9')).toBe('2001:db8:1::/48');
    expect(siteKey('2001:db8:2::1')).toBe('2001:db8:2::/48');
    expect(siteKey('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(siteKey('10.0.0.1')).toBe('10.0.0.1');
  });
});

describe('the request gate', () => {
  it('lets ordinary requests through', () => {
    expect(gate(req('GET', '/'))).toBeNull();
    expect(gate(req('HEAD', '/products/85123A'))).toBeNull();
    expect(gate(req('GET', '/api/rank?placement=home-for-you', { cookie: 'tandem_vid=x; other=1' }))).toBeNull();
    expect(gate(req('POST', '/api/events', { 'content-length': '2000' }))).toBeNull();
    expect(gate(req('POST', '/admin/login', { 'content-length': '80' }))).toBeNull();
    expect(gate(req('GET', '/images/products/85123A.svg', { 'content-length': '0' }))).toBeNull();
    expect(gate(req('GET', '/api/rank/'))).toBeNull(); // Next redirects the trailing slash
  });

  it.each([
    [req('GET', 'http://evil.example/products/85123A'), 400, /origin-form/],
    [req('GET', '//evil.example/x'), 400, /origin-form/],
    [req('GET', '/products/%E0%A4%A'), 400, /malformed URL encoding/],
    [req('GET', '/', { cookie: Array.from({ length: 101 }, (_, i) => `c${i}=1`).join('; ') }), 431, /more than 100 cookies/],
    [req('GET', '/', { cookie: `a=${'x'.repeat(LIMITS.cookieBytes)}` }), 431, /Cookie header over 8192 bytes/],
    [req('GET', '/api/nope'), 404, /no such API: \/nope/],
    [req('GET', '/api/rank?placement=home-for-you&__proto__=1'), 400, /unknown parameter: __proto__/],
    [req('GET', '/api/rank?constructor=x'), 400, /unknown parameter: constructor/],
    [{ ...req('GET', '/'), headerCount: (name: string) => (name === 'host' ? 2 : 1) }, 400, /more than one Host header/],
    [req('PUT', '/api/rank'), 405, /method PUT not allowed/],
    [req('TRACE', '/'), 405, /method TRACE/],
    [req('POST', '/robots.txt'), 405, /method POST/],
    [req('GET', '/api/events'), 405, /method GET/],
    [req('POST', '/api/events', { 'content-length': '65537' }), 413, /body over 65536 bytes/],
    [req('POST', '/api/events', { 'transfer-encoding': 'chunked' }), 411, /Content-Length required/],
    [req('POST', '/admin/login', { 'content-length': '5000' }), 413, /body over 4096 bytes/],
    [req('GET', '/api/rank', { 'content-length': '5' }), 413, /takes no request body/],
    [req('GET', '/', { 'transfer-encoding': 'chunked' }), 413, /takes no request body/],
  ])('refuses %#: %j', (r, status, error) => {
    const refusal = gate(r);
    expect(refusal?.status).toBe(status);
    expect(refusal?.error).toMatch(error);
  });

  it('says which methods a path takes: 405 and OPTIONS carry Allow', () => {
    expect(gate(req('DELETE', '/api/rank'))?.headers.Allow).toBe('GET, HEAD, OPTIONS');
    expect(gate(req('GET', '/api/events'))?.headers.Allow).toBe('OPTIONS, POST');
    expect(gate(req('OPTIONS', '/admin/login'))).toMatchObject({ status: 204, headers: { Allow: 'GET, HEAD, OPTIONS, POST' } });
    expect(gate(req('OPTIONS', '*'))).toMatchObject({ status: 204 });
  });
});

describe('the route table', () => {
  it('matches the route handlers in app/: every handler listed, with the methods it exports', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (name === 'route.ts') files.push(p);
      }
    };
    walk('app');
    const found: Record<string, string[]> = {};
    for (const f of files) {
      const path = `/${relative('app', f)}`.replace(/\/route\.ts$/, '').replace(/\/\[[^\]]+\](\/.*)?$/, '/');
      const methods = [...readFileSync(f, 'utf8').matchAll(/export (?:async )?function (GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)\b/g)].map((m) => m[1]!);
      found[path] = methods.sort();
    }
    const declared = Object.fromEntries(Object.entries(ROUTE_HANDLERS).map(([p, r]) => [p, r.methods.filter((m) => m !== 'HEAD').sort()]));
    expect(found).toEqual(declared);
  });

  it('treats the rest of /api as unknown and everything else as read-only pages or files', () => {
    expect(ruleFor('/api/other').known).toBe(false);
    expect(ruleFor('/images/products/').known).toBe(true); // the prefix itself is not a picture, but not an API either
    expect(ruleFor('/products/85123A').rule.methods).toEqual(['GET', 'HEAD']);
  });
});

describe('client address', () => {
  it('is the socket unless proxies are trusted; then that many hops back in X-Forwarded-For', () => {
    expect(clientAddress('::ffff:10.0.0.1', '1.2.3.4', 0)).toBe('10.0.0.1'); // a forged header changes nothing
    expect(clientAddress('10.0.0.1', '1.2.3.4, 5.6.7.8', 1)).toBe('5.6.7.8'); // our proxy appended what it saw
    expect(clientAddress('10.0.0.1', ['9.9.9.9', '1.2.3.4, 5.6.7.8'], 2)).toBe('1.2.3.4');
    expect(clientAddress('10.0.0.1', undefined, 3)).toBe('10.0.0.1'); // fewer hops than configured: the first known
    expect(trustedProxyHops(undefined)).toBe(0);
    expect(trustedProxyHops('2')).toBe(2);
    expect(() => trustedProxyHops('yes')).toThrow(/TANDEM_TRUSTED_PROXIES/);
  });
});

describe('same-site check for the admin sign-in', () => {
  const h = (o: Record<string, string>) => new Headers(o);
  it('compares the Origin with the host the browser addressed, whatever Next thinks its own name is', () => {
    expect(sameSite(h({ origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' }))).toBe(true);
    expect(sameSite(h({ origin: 'https://shop.example', host: 'localhost:3000', 'x-forwarded-host': 'shop.example' }))).toBe(true);
    expect(sameSite(h({ origin: 'https://evil.example', host: 'shop.example' }))).toBe(false);
    expect(sameSite(h({ origin: 'null', host: 'shop.example' }))).toBe(false);
    expect(sameSite(h({ host: 'shop.example' }))).toBe(true); // no Origin: not a cross-site page
  });
  it('with TANDEM_PUBLIC_ORIGIN, only that origin (scheme included)', () => {
    expect(sameSite(h({ origin: 'https://shop.example', host: 'internal:3000' }), 'https://shop.example')).toBe(true);
    expect(sameSite(h({ origin: 'http://shop.example', host: 'shop.example' }), 'https://shop.example')).toBe(false);
  });
});

/**
 * One sequence of charges through every limits store: memory always, Redis when TEST_REDIS_URL names one (CI
 * starts Debian's redis-server). The same answers from both is what makes the Redis script the same rule.
 */
const stores: [string, () => Promise<LimitStore>][] = [['memory', async () => memoryLimitStore()]];
// CI starts a real Redis (scripts/start-redis.sh) and must run the Redis store's suite; elsewhere it is optional.
if (!process.env.TEST_REDIS_URL && process.env.CI) throw new Error('CI must set TEST_REDIS_URL (scripts/start-redis.sh) to test the Redis limits store');
if (process.env.TEST_REDIS_URL) stores.push(['redis', () => redisLimitStore(process.env.TEST_REDIS_URL!, `tandem-test:${process.pid}:${Math.random()}:`)]);

describe.each(stores)('token buckets (%s)', (_, open) => {
  const on = (bucket: string, key: string, burst: number, perMinute: number): Charge => ({ bucket, key, limit: { burst, perMinute } });
  it('spend a burst, refill by the minute, never above the burst, and refuse with the seconds to wait', async () => {
    const s = await open();
    const v = [on('t', 'v', 10, 60)];
    expect(await s.charge(v, 10, 0)).toEqual({ ok: true });
    expect(await s.charge(v, 1, 0)).toEqual({ ok: false, retryAfterS: 1 });
    expect(await s.charge(v, 5, 0)).toEqual({ ok: false, retryAfterS: 5 });
    expect(await s.charge(v, 5, 5000)).toEqual({ ok: true });
    expect(await s.charge(v, 10, 60_000)).toEqual({ ok: true }); // full again after a minute
    expect(await s.charge(v, 1, 120_000 + 59_999)).toEqual({ ok: true });
    expect(await s.charge(v, 11, 10 ** 9)).toEqual({ ok: false, retryAfterS: 60 }); // more than a burst: never
    await s.close();
  });

  it('a refusal by one limit costs nothing under the others; check only says; force spends anyway', async () => {
    const s = await open();
    const visitor = (k: string) => on('visitor', k, 100, 0);
    const address = on('address', 'ip', 150, 0);
    expect((await s.charge([visitor('a'), address], 100, 0)).ok).toBe(true);
    expect((await s.charge([visitor('b'), address], 100, 0)).ok).toBe(false); // the address has 50 left
    expect((await s.charge([visitor('b')], 100, 0, 'check')).ok).toBe(true); // b spent nothing
    expect((await s.charge([visitor('b'), address], 50, 0)).ok).toBe(true);
    expect((await s.charge([address], 1, 0, 'check')).ok).toBe(false);
    expect((await s.charge([address], 1, 0, 'check')).ok).toBe(false); // check spends nothing, and refuses the same
    expect((await s.charge([visitor('c')], 100, 0, 'force')).ok).toBe(true);
    expect((await s.charge([visitor('c')], 1, 0, 'check')).ok).toBe(false);
    expect((await s.charge([on('x', 'y', 1, 0)], 0, 0)).ok).toBe(true);
    await s.close();
  });
});

describe('token buckets in memory', () => {
  it('stay bounded: made-up keys push out the least recently used', async () => {
    const s = memoryLimitStore(3);
    const c = (k: string) => [{ bucket: 'b', key: k, limit: { burst: 5, perMinute: 0 } }];
    for (const k of ['a', 'b', 'c']) await s.charge(c(k), 5, 0);
    await s.charge(c('a'), 0, 0); // a used again
    await s.charge(c('d'), 1, 0);
    expect(s.size).toBe(3);
    expect(s.tokens(c('b')[0]!, 0)).toBe(5); // forgotten
    expect(s.tokens(c('a')[0]!, 0)).toBe(0);
  });

  it('read "burst/perMinute" or "off", and say what is wrong otherwise', () => {
    const fallback = { burst: 1, perMinute: 1 };
    expect(parseLimit(undefined, fallback, 'X')).toBe(fallback);
    expect(parseLimit('300/60', fallback, 'X')).toEqual({ burst: 300, perMinute: 60 });
    expect(parseLimit('off', fallback, 'X')).toBeNull();
    expect(() => parseLimit('lots', fallback, 'X')).toThrow(/X must be "burst\/perMinute"/);
    expect(() => parseLimit('0/5', fallback, 'X')).toThrow(/X/);
  });
});

describe('precompressed static files', () => {
  it('reads Accept-Encoding: br with any weight above 0', () => {
    expect(acceptsBrotli('gzip, deflate, br, zstd')).toBe(true);
    expect(acceptsBrotli('BR;q=0.5')).toBe(true);
    expect(acceptsBrotli('br;q=0')).toBe(false);
    expect(acceptsBrotli('gzip, brotli')).toBe(false);
    expect(acceptsBrotli(undefined)).toBe(false);
  });

  it('only versioned runtime and model files and Next\'s hashed JS and CSS, by GET or HEAD, with names that stay in their folder; brotli when accepted', () => {
    const br = 'gzip, br';
    expect(versionedFile('GET', '/ort/1.30.0/ort-wasm-simd-threaded.wasm', br)).toEqual({ path: 'public/ort/1.30.0/ort-wasm-simd-threaded.wasm', brPath: 'public/ort/1.30.0/ort-wasm-simd-threaded.wasm.br', contentType: 'application/wasm' });
    // Without brotli: the file itself (still answered from memory by the store's server).
    expect(versionedFile('GET', '/ort/1.30.0/ort-wasm-simd-threaded.wasm', 'gzip')).toEqual({ path: 'public/ort/1.30.0/ort-wasm-simd-threaded.wasm', brPath: null, contentType: 'application/wasm' });
    expect(versionedFile('HEAD', '/models/cda09e6de039/signals.bin', br)?.contentType).toBe('application/octet-stream');
    expect(versionedFile('GET', '/models/cda09e6de039/manifest.json', br)?.contentType).toBe('application/json');
    // Next's hashed page JavaScript and CSS, from .next/static.
    expect(versionedFile('GET', '/_next/static/chunks/0a1b2c~3d.js', br)).toEqual({ path: '.next/static/chunks/0a1b2c~3d.js', brPath: '.next/static/chunks/0a1b2c~3d.js.br', contentType: 'application/javascript; charset=UTF-8' });
    expect(versionedFile('GET', '/_next/static/chunks/app.css', br)?.contentType).toBe('text/css; charset=UTF-8');
    expect(versionedFile('GET', '/_next/static/../../.env.local.js', br)).toBeNull();
    expect(versionedFile('GET', '/_next/static/media/font.woff2', br)).toBeNull();
    for (const [method, p, enc] of [
      ['POST', '/ort/1.30.0/ort-wasm-simd-threaded.wasm', br],
      ['GET', '/models/current.json', br],
      ['GET', '/models/cda09e6de039/..', br],
      ['GET', '/models/cda09e6de039/.hidden.json', br],
      ['GET', '/models/cda09e6de039/../../package.json', br],
      ['GET', '/models/CDA09E6DE039/signals.bin', br],
      ['GET', '/ort/1.30.0/ort.mjs', br],
      ['GET', '/_next/image.js', br],
      ['GET', '/_next/static/chunks/.hidden.js', br],
    ] as const) expect(versionedFile(method, p, enc), `${method} ${p} ${enc}`).toBeNull();
  });
});

describe('a shared limits store that stops answering (issue 34: a stopped Redis held every request 12 s)', () => {
  const one: Charge[] = [{ bucket: 't', key: 'k', limit: { burst: 2, perMinute: 0 } }];
  /** A LimitStore whose charges wait until `release` is called (Redis under SIGSTOP), counting them. */
  const hung = () => {
    const waiting: (() => void)[] = [];
    let calls = 0;
    const store: LimitStore = {
      kind: 'redis',
      charge: () => {
        calls++;
        return new Promise((resolve) => waiting.push(() => resolve({ ok: true })));
      },
      close: async () => {},
    };
    return { store, calls: () => calls, release: () => waiting.splice(0).forEach((f) => f()) };
  };

  it('answers from memory past the deadline, skips the store for the pause, then asks it again', async () => {
    let now = 0;
    const h = hung();
    const charge = limitCharger(async () => h.store, { deadlineMs: 30, pauseMs: 5_000, clock: () => now, warn: () => {} });
    const t = performance.now();
    expect(await charge(one, 1, 0)).toEqual({ ok: true });
    expect(performance.now() - t).toBeLessThan(1_000);
    expect(h.calls()).toBe(1);
    // Paused: memory's own budget (burst 2, one spent there already) decides, the store is not asked.
    expect(await charge(one, 1, 0)).toEqual({ ok: true });
    expect(await charge(one, 1, 0)).toMatchObject({ ok: false });
    expect(h.calls()).toBe(1);
    now = 5_001;
    const again = charge(one, 1, 0);
    await new Promise((r) => setTimeout(r, 0));
    h.release(); // Redis answers in time again: its answer is the one given
    expect(await again).toEqual({ ok: true });
    expect(h.calls()).toBe(2);
  });

  it('a store that cannot be opened is tried again after the pause; no store at all is memory', async () => {
    let now = 0;
    let opens = 0;
    const charge = limitCharger(
      async () => {
        opens++;
        throw new Error('ECONNREFUSED');
      },
      { clock: () => now, warn: () => {} },
    );
    expect(await charge(one, 1, 0)).toEqual({ ok: true });
    expect(await charge(one, 1, 0)).toEqual({ ok: true });
    expect(opens).toBe(1);
    now = SHARED_STORE_PAUSE_MS + 1;
    expect(await charge(one, 1, 0)).toMatchObject({ ok: false }); // memory's burst of 2 is spent
    expect(opens).toBe(2);
    const memory = limitCharger(async () => undefined);
    expect([await memory(one, 1, 0), await memory(one, 1, 0), await memory(one, 1, 0)].map((a) => a.ok)).toEqual([true, true, false]);
  });

  it('the Redis client against a server that stops answering mid-way: a charge still answers within the deadline', async () => {
    // A minimal RESP3 server: an empty map to HELLO, +OK to the rest of the handshake, "0" (granted) to the limit script, then silence.
    let silent = false;
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      let buffer = '';
      socket.on('data', (d) => {
        buffer += d.toString('latin1');
        for (;;) {
          const m = /^\*(\d+)\r\n/.exec(buffer);
          if (!m) break;
          let at = m[0].length;
          const args: string[] = [];
          for (let i = 0; i < Number(m[1]); i++) {
            const len = /^\$(\d+)\r\n/.exec(buffer.slice(at));
            if (!len || buffer.length < at + len[0].length + Number(len[1]) + 2) return;
            args.push(buffer.slice(at + len[0].length, at + len[0].length + Number(len[1])));
            at += len[0].length + Number(len[1]) + 2;
          }
          buffer = buffer.slice(at);
          if (silent) continue;
          const command = (args[0] ?? '').toUpperCase();
          socket.write(command === 'HELLO' ? '%0\r\n' : command.startsWith('EVAL') ? '$1\r\n0\r\n' : '+OK\r\n');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const store = await redisLimitStore(`redis://127.0.0.1:${port}`, 'hung:');
    const charge = limitCharger(async () => store, { warn: () => {} });
    expect(await charge(one, 1, 0)).toEqual({ ok: true });
    silent = true;
    const t = performance.now();
    expect(await charge(one, 1, 0)).toEqual({ ok: true });
    const waited = performance.now() - t;
    expect(waited).toBeGreaterThanOrEqual(SHARED_STORE_DEADLINE_MS - 5);
    expect(waited).toBeLessThan(2_000);
    // close() would wait for the unanswered script: let it go, and end the connection from the server's side.
    void store.close().catch(() => {});
    sockets.forEach((s) => s.destroy());
    server.close();
  });
});

describe("a page's Cache-Control", () => {
  it("shop pages drop Next's default no-store (the visitor's own browser may keep them); /admin, /api and what we chose keep theirs", () => {
    expect(pageCacheControl('/', NEXT_DYNAMIC_PAGE)).toBe(SHOP_PAGE);
    expect(pageCacheControl('/products/85123A', NEXT_DYNAMIC_PAGE)).toBe(SHOP_PAGE);
    expect(SHOP_PAGE).toMatch(/private/);
    expect(SHOP_PAGE).not.toMatch(/no-store/);
    for (const admin of ['/admin', '/admin/experiments', '/admin/experiments/x/report.json', '/api/rank']) expect(pageCacheControl(admin, NEXT_DYNAMIC_PAGE)).toBe(NEXT_DYNAMIC_PAGE);
    expect(pageCacheControl('/', 'private, no-store')).toBe('private, no-store');
    expect(pageCacheControl('/x', 'public, max-age=31536000, immutable')).toBe('public, max-age=31536000, immutable');
  });
});
