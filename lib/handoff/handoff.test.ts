import { describe, expect, it } from 'vitest';
import { decodeHandoff, encodeHandoff, MAX_FRAGMENT_LENGTH } from './fragment';
import { appConfig, appSiteAssociation, handoffLink, PLACEHOLDER_APP, safeDestination, schemeLink } from './links';
import { applePlatform, applePlatformFromUserAgent, isInAppBrowser } from './platform';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1';
const IPAD_DESKTOP = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15';
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

describe('handoff fragment', () => {
  it('round-trips history and cart', () => {
    const state = { history: ['85123A', '22423'], cart: [{ sku: '21212', quantity: 2 }] };
    const f = encodeHandoff(state);
    expect(f).toBe('v=1&h=85123A,22423&c=21212:2');
    expect(decodeHandoff(`#${f}`)).toEqual({ ok: true, state });
    expect(decodeHandoff(encodeHandoff({ history: [], cart: [] }))).toEqual({ ok: true, state: { history: [], cart: [] } });
  });

  it('stays within its size bound, dropping history before cart', () => {
    const long = Array.from({ length: 30 }, (_, i) => `ABCDEFGH${String(i).padStart(4, '0')}`);
    const f = encodeHandoff({ history: long.slice(0, 20), cart: long.map((sku) => ({ sku, quantity: 999 })) });
    expect(f.length).toBeLessThanOrEqual(MAX_FRAGMENT_LENGTH);
    const d = decodeHandoff(f);
    expect(d.ok && d.state.cart.length).toBeGreaterThan(0);
  });

  it.each([
    ['v=2&h=85123A', /unsupported handoff version/],
    ['h=85123A', /unsupported handoff version/],
    ['v=1&h=85123A&email=a@b.c', /unknown handoff field "email"/],
    ['v=1&h=<script>', /invalid handoff history\.0/],
    ['v=1&c=85123A:0', /invalid handoff cart\.0\.quantity/],
    ['v=1&c=85123A:2:9', /invalid handoff cart\.0/],
    ['v=1&v=1', /appears twice/],
    [`v=1&h=${'A'.repeat(2000)}`, /longer than/],
  ])('refuses %s', (f, error) => {
    const d = decodeHandoff(f);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.error).toMatch(error);
  });
});

describe('platform and links', () => {
  it('tells iPhone, iPad (also with a desktop user agent) and others apart', () => {
    expect(applePlatformFromUserAgent(IPHONE)).toBe('iphone');
    expect(applePlatformFromUserAgent(IPAD_DESKTOP)).toBeNull(); // the server cannot tell
    expect(applePlatform(IPAD_DESKTOP, 5)).toBe('ipad');
    expect(applePlatform(IPAD_DESKTOP, 0)).toBeNull(); // a real Mac
    expect(applePlatform(CHROME, 10)).toBeNull();
    expect(isInAppBrowser(`${IPHONE} Instagram 300.0`)).toBe(true);
    expect(isInAppBrowser(IPHONE)).toBe(false);
  });

  it('AASA names the app from configuration, with placeholders by default', () => {
    expect(appConfig({})).toEqual(PLACEHOLDER_APP);
    const app = appConfig({ APPLE_TEAM_ID: 'TEAM123456', APPLE_BUNDLE_ID: 'com.tandem.shop', APPLE_APP_STORE_ID: 'not-a-number' });
    expect(app).toMatchObject({ teamId: 'TEAM123456', bundleId: 'com.tandem.shop', appStoreId: PLACEHOLDER_APP.appStoreId });
    const aasa = appSiteAssociation(app);
    expect(aasa.applinks.details[0]!.appIDs).toEqual(['TEAM123456.com.tandem.shop']);
    expect(aasa.applinks.details[0]!.components.map((c) => c['/'])).toEqual(['/products/*', '/categories/*', '/handoff']);
    expect(aasa.webcredentials.apps).toEqual(['TEAM123456.com.tandem.shop']);
  });

  it('builds the universal and scheme links, and only opens same-site pages', () => {
    expect(handoffLink('https://shop.example', '/products/85123A', 'v=1&h=85123A')).toBe('https://shop.example/handoff?to=%2Fproducts%2F85123A#v=1&h=85123A');
    expect(schemeLink(PLACEHOLDER_APP, '/products/85123A', 'v=1')).toBe('tandem://handoff?to=%2Fproducts%2F85123A#v=1');
    expect(safeDestination('/products/85123A')).toBe('/products/85123A');
    expect(safeDestination('https://evil.example/')).toBe('/');
    expect(safeDestination('//evil.example')).toBe('/');
    expect(safeDestination(null)).toBe('/');
  });
});
