import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acceptsBrotli, precompressedCandidate } from './static-files';
import { clientAddress, limitKey, trustedProxyHops } from './client-address';
import { gate, LIMITS, type GateInput } from './gate';
import { sameSite } from './origin';
import { parseLimit, spendAll, TokenBuckets } from './rate-limit';
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

describe('token buckets', () => {
  it('spend a burst, refill by the minute, and refuse with the seconds to wait', () => {
    const b = new TokenBuckets({ burst: 10, perMinute: 60 });
    expect(spendAll([[b, 'v']], 10, 0)).toEqual({ ok: true });
    expect(spendAll([[b, 'v']], 1, 0)).toEqual({ ok: false, retryAfterS: 1 });
    expect(spendAll([[b, 'v']], 5, 0)).toEqual({ ok: false, retryAfterS: 5 });
    expect(spendAll([[b, 'v']], 5, 5000)).toEqual({ ok: true });
    expect(b.available('v', 60_000)).toBe(10); // never above the burst
  });

  it('a refusal by one limit costs nothing under the others', () => {
    const visitor = new TokenBuckets({ burst: 100, perMinute: 0 });
    const address = new TokenBuckets({ burst: 150, perMinute: 0 });
    expect(spendAll([[visitor, 'a'], [address, 'ip']], 100, 0).ok).toBe(true);
    expect(spendAll([[visitor, 'b'], [address, 'ip']], 100, 0).ok).toBe(false); // the address has 50 left
    expect(visitor.available('b', 0)).toBe(100);
    expect(spendAll([[visitor, 'b'], [address, 'ip']], 50, 0).ok).toBe(true);
    expect(spendAll([[null, 'x'], [address, null]], 1000, 0).ok).toBe(true); // no limiter, or no key: no limit
  });

  it('stay bounded in memory: made-up keys push out the least recently used', () => {
    const b = new TokenBuckets({ burst: 5, perMinute: 0 }, 3);
    for (const k of ['a', 'b', 'c']) b.spend(k, 5, 0);
    b.spend('a', 0, 0); // a used again
    b.spend('d', 1, 0);
    expect(b.size).toBe(3);
    expect(b.available('b', 0)).toBe(5); // forgotten
    expect(b.available('a', 0)).toBe(0);
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

  it('only versioned runtime and model files and Next\'s hashed JS and CSS, by GET or HEAD, with names that stay in their folder', () => {
    const br = 'gzip, br';
    expect(precompressedCandidate('GET', '/ort/1.30.0/ort-wasm-simd-threaded.wasm', br)).toEqual({ brPath: 'public/ort/1.30.0/ort-wasm-simd-threaded.wasm.br', contentType: 'application/wasm' });
    expect(precompressedCandidate('HEAD', '/models/cda09e6de039/signals.bin', br)?.contentType).toBe('application/octet-stream');
    expect(precompressedCandidate('GET', '/models/cda09e6de039/manifest.json', br)?.contentType).toBe('application/json');
    // Next's hashed page JavaScript and CSS, from .next/static.
    expect(precompressedCandidate('GET', '/_next/static/chunks/0a1b2c~3d.js', br)).toEqual({ brPath: '.next/static/chunks/0a1b2c~3d.js.br', contentType: 'application/javascript; charset=UTF-8' });
    expect(precompressedCandidate('GET', '/_next/static/chunks/app.css', br)?.contentType).toBe('text/css; charset=UTF-8');
    expect(precompressedCandidate('GET', '/_next/static/../../.env.local.js', br)).toBeNull();
    expect(precompressedCandidate('GET', '/_next/static/media/font.woff2', br)).toBeNull();
    for (const [method, p, enc] of [
      ['POST', '/ort/1.30.0/ort-wasm-simd-threaded.wasm', br],
      ['GET', '/ort/1.30.0/ort-wasm-simd-threaded.wasm', 'gzip'],
      ['GET', '/models/current.json', br],
      ['GET', '/models/cda09e6de039/..', br],
      ['GET', '/models/cda09e6de039/.hidden.json', br],
      ['GET', '/models/cda09e6de039/../../package.json', br],
      ['GET', '/models/CDA09E6DE039/signals.bin', br],
      ['GET', '/ort/1.30.0/ort.mjs', br],
      ['GET', '/_next/image.js', br],
      ['GET', '/_next/static/chunks/.hidden.js', br],
    ] as const) expect(precompressedCandidate(method, p, enc), `${method} ${p} ${enc}`).toBeNull();
  });
});
