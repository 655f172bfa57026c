'use client';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { getCart, subscribeCart } from '@/lib/cart/storage';
import { encodeHandoff, MAX_HISTORY } from '@/lib/handoff/fragment';
import { handoffLink, schemeLink, type AppConfig } from '@/lib/handoff/links';
import { applePlatform, isInAppBrowser, type ApplePlatform } from '@/lib/handoff/platform';
import { readHistory, subscribeHistory } from '@/lib/history/store';

const noSubscribe = () => () => {};

/**
 * "Open in the app" on iPhone and iPad (iPadOS with a desktop user agent included, found by touch
 * points), with the page's universal link carrying this device's recent products and cart in the
 * fragment. iPadOS in desktop mode also gets the Smart App Banner tag here, since the server could not
 * tell it from a Mac. Other platforms see nothing.
 */
export function OpenInApp({ path, serverPlatform, app }: { path: string; serverPlatform: ApplePlatform; app: AppConfig }) {
  const platform = useSyncExternalStore(noSubscribe, () => applePlatform(navigator.userAgent, navigator.maxTouchPoints), () => serverPlatform);
  const inApp = useSyncExternalStore(noSubscribe, () => isInAppBrowser(navigator.userAgent), () => false);
  const [fragment, setFragment] = useState(() => encodeHandoff({ history: [], cart: [] }));

  useEffect(() => {
    if (!platform) return;
    let alive = true;
    const update = async () => {
      const history = await readHistory();
      const codes = [...new Set(history.map((e) => e.sku))].slice(0, MAX_HISTORY);
      const cart = getCart().lines.map((l) => ({ sku: l.sku, quantity: l.quantity }));
      if (alive) setFragment(encodeHandoff({ history: codes, cart }));
    };
    void update();
    const offH = subscribeHistory(() => void update());
    const offC = subscribeCart(() => void update());
    return () => {
      alive = false;
      offH();
      offC();
    };
  }, [platform]);

  useEffect(() => {
    if (platform !== 'ipad' || serverPlatform || document.querySelector('meta[name="apple-itunes-app"]')) return;
    const meta = document.createElement('meta');
    meta.name = 'apple-itunes-app';
    meta.content = `app-id=${app.appStoreId}, app-argument=${new URL(path, window.location.origin).href}`;
    document.head.appendChild(meta);
  }, [platform, serverPlatform, app.appStoreId, path]);

  if (!platform) return null;
  const origin = typeof window === 'undefined' ? '' : window.location.origin;
  const href = inApp ? schemeLink(app, path, fragment) : origin ? handoffLink(origin, path, fragment) : `/handoff?to=${encodeURIComponent(path)}#${fragment}`;
  return (
    <a
      href={href}
      data-testid="open-in-app"
      className="inline-flex items-center gap-2 rounded-full border border-slate-400 px-4 py-2 text-sm font-semibold hover:border-slate-700"
    >
      Open in the app
    </a>
  );
}
