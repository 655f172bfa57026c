import { expect, test } from '@playwright/test';
import { historyCount } from './recs-helpers';

const IPHONE = {
  userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
};
const IPAD_DESKTOP_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15';

test.describe('iPhone handoff', () => {
  test('AASA is JSON at its exact path: 200, application/json, no redirect', async ({ request }) => {
    const res = await request.get('/.well-known/apple-app-site-association', { maxRedirects: 0 });
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toMatch(/^application\/json/);
    expect(res.headers()['set-cookie']).toBeUndefined();
    const body = await res.json();
    expect(body.applinks.details[0].appIDs[0]).toMatch(/^[A-Z0-9]{10}\.[\w.-]+$/);
    expect(body.applinks.details[0].components.map((c: { '/': string }) => c['/'])).toEqual(['/products/*', '/categories/*', '/handoff']);
    expect(body.webcredentials.apps).toEqual(body.applinks.details[0].appIDs);
  });

  test('on an iPhone, product and category pages have the Smart App Banner and "Open in the app"', async ({ browser, baseURL }) => {
    const context = await browser.newContext(IPHONE);
    const page = await context.newPage();
    for (const path of ['/products/85123A', '/categories/christmas']) {
      const html = await (await page.goto(path))!.text();
      // In the first HTML, with this page's universal link as the argument.
      expect(html).toMatch(new RegExp(`<meta name="apple-itunes-app" content="app-id=\\d+, app-argument=${baseURL}${path}"`));
      const action = page.getByTestId('open-in-app');
      await expect(action).toHaveText('Open in the app');
      await expect(action).toHaveAttribute('href', new RegExp(`^${baseURL}/handoff\\?to=${encodeURIComponent(path)}#v=1`));
    }
    await context.close();
  });

  test('an iPad reporting a desktop user agent is found by its touch points', async ({ browser }) => {
    const context = await browser.newContext({ userAgent: IPAD_DESKTOP_UA, viewport: { width: 1024, height: 1366 }, hasTouch: true, isMobile: true });
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'maxTouchPoints', { get: () => 5 }));
    const page = await context.newPage();
    await page.goto('/products/85123A');
    await expect(page.getByTestId('open-in-app')).toBeVisible();
    await expect(page.locator('meta[name="apple-itunes-app"]')).toHaveAttribute('content', /app-argument=http:\/\/localhost:\d+\/products\/85123A/);
    await context.close();
  });

  test('a desktop browser sees neither', async ({ page }) => {
    const html = await (await page.goto('/products/85123A'))!.text();
    expect(html).not.toContain('apple-itunes-app');
    await expect(page.getByRole('button', { name: /add to cart/i })).toBeVisible();
    await expect(page.getByTestId('open-in-app')).toHaveCount(0);
    await expect(page.locator('meta[name="apple-itunes-app"]')).toHaveCount(0);
  });

  test('the fragment carries history and cart into a fresh browser profile, and never reaches the server', async ({ browser }) => {
    const phone = await browser.newContext(IPHONE);
    const page = await phone.newPage();
    for (const [i, sku] of ['22423', '85123A'].entries()) {
      await page.goto(`/products/${sku}`);
      await expect.poll(() => historyCount(page)).toBe(i + 1);
    }
    await page.getByRole('button', { name: /add to cart/i }).click();
    const action = page.getByTestId('open-in-app');
    await expect(action).toHaveAttribute('href', /#v=1&h=85123A,22423&c=85123A:1$/);
    const href = (await action.getAttribute('href'))!;
    await phone.close();

    // No app installed: the universal link opens the web page, in a new profile with nothing stored.
    const fresh = await browser.newContext();
    const other = await fresh.newPage();
    const seen: string[] = [];
    other.on('request', (r) => seen.push(r.url()));
    await other.goto(href);
    await expect(other).toHaveURL(/\/products\/85123A$/);
    // The two restored views, then the view of the page it opened.
    await expect.poll(() => historyCount(other)).toBe(3);
    await other.goto('/cart');
    const line = other.locator('[data-testid="cart-line"][data-sku="85123A"]');
    await expect(line).toContainText('White Hanging Heart T-Light Holder'); // name and price from the store, not the link
    await expect(line.getByTestId('line-total')).toHaveText('£2.95');
    expect(await other.evaluate(() => JSON.parse(localStorage.getItem('tandem.cart.v1') ?? '{"lines":[]}').lines.map((l: { sku: string; quantity: number }) => [l.sku, l.quantity]))).toEqual([['85123A', 1]]);
    // Fragments are not sent: no request carried the history.
    expect(seen.filter((u) => u.includes('h=85123A'))).toEqual([]);
    await fresh.close();
  });

  test('a malformed handoff is refused with a message, and stores nothing', async ({ page }) => {
    await page.goto('/handoff?to=/products/85123A#v=1&h=<script>');
    await expect(page.getByTestId('handoff-error')).toContainText('invalid handoff');
    expect(await historyCount(page)).toBe(0);
  });
});
