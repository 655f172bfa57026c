import { expect, test } from '@playwright/test';
import { E2E_ADMIN_TOKEN } from './browser';
import { homeTop, quietProducts, view } from './recs-helpers';

const directives = (csp: string) => Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));

test.describe('security headers', () => {
  test('pages carry a nonce-based CSP without unsafe-inline scripts, and strict headers', async ({ request }) => {
    const res = await request.get('/');
    const h = res.headers();
    const csp = directives(h['content-security-policy']!);
    const nonce = csp['script-src']!.find((s) => s.startsWith("'nonce-"))!.slice(7, -1);
    expect(nonce.length).toBeGreaterThanOrEqual(16);
    expect(csp['script-src']).not.toContain("'unsafe-inline'");
    expect(csp['script-src']).toContain("'wasm-unsafe-eval'");
    expect(csp['worker-src']).toContain("'self'");
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(h['strict-transport-security']).toMatch(/max-age=\d+/); // production build; browsers ignore it over http
    // Every script in the page carries this response's nonce; the next response has another.
    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) expect(s).toContain(`nonce="${nonce}"`);
    const again = directives((await request.get('/')).headers()['content-security-policy']!);
    expect(again['script-src']).not.toContain(`'nonce-${nonce}'`);
  });

  test('the store, its worker and onnxruntime-web run under the policy with no violation', async ({ page }) => {
    await page.addInitScript(() => {
      const w = window as unknown as { __violations: string[] };
      w.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await view(page, await quietProducts(page));
    await page.goto('/');
    await expect(homeTop(page)).toHaveAttribute('data-source', 'device-wasm', { timeout: 30_000 });
    for (const path of ['/', '/cart', '/categories', '/search?q=heart']) {
      await page.goto(path);
      await expect(page.locator('main')).toBeVisible();
      expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations), path).toEqual([]);
    }
  });

  test('admin: a login posted from another site is refused, and sign-out takes POST only', async ({ request }) => {
    const forged = await request.post('/admin/login', { headers: { Origin: 'https://evil.example' }, form: { token: 'x' } });
    expect(forged.status()).toBe(403);
    expect((await request.post('/admin/logout')).status()).toBe(401); // not signed in
    // GET is not a method the path takes, signed in or not (the gate answers before the admin check).
    expect((await request.get('/admin/logout')).status()).toBe(405);
    expect((await request.get('/admin/logout', { headers: { Authorization: `Bearer ${E2E_ADMIN_TOKEN}` } })).status()).toBe(405);
  });
});
