'use client';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { ProductCard, type CardProduct } from '@/components/catalog/ProductCard';
import { subscribeCart, getCart } from '@/lib/cart/storage';
import { readHistory, subscribeHistory } from '@/lib/history/store';
import { rankOnDevice, reportFallback, type DeviceResult } from '@/lib/recs/client';
import { ShelfDebug } from './ShelfDebug';

export type ShelfSource = 'device-webgpu' | 'device-wasm' | 'edge' | 'static';
export type Placement = 'home-top' | 'product-similar' | 'cart-upsell';

const noSubscribe = () => () => {};
const debugFlag = () => new URLSearchParams(window.location.search).get('debug') === '1';

interface ShelfState {
  items: CardProduct[];
  source: ShelfSource;
  modelVersion: string;
  device?: DeviceResult;
  fallbackReason?: string;
}

/**
 * A recommendation shelf. The DOM is a contract (ARCHITECTURE.md): data-testid, data-placement,
 * data-source and data-model-version on the shelf, data-sku on each item. The server renders the
 * static list; once the page is idle and the device holds a history, the worker re-ranks it locally,
 * and again after every view, cart change or order, without a network request. The row has a fixed
 * height and fixed-size cards, so a swap never shifts the page.
 */
export function Shelf({
  placement,
  title,
  items,
  version,
  anchorSku,
  sameCategory = false,
  excludePurchased = false,
}: {
  placement: Placement;
  title: string;
  items: CardProduct[];
  version: string;
  anchorSku?: string;
  sameCategory?: boolean;
  excludePurchased?: boolean;
}) {
  const [state, setState] = useState<ShelfState>({ items, source: 'static', modelVersion: 'none' });
  const debug = useSyncExternalStore(noSubscribe, debugFlag, () => false);

  useEffect(() => {
    const preferWasm = new URLSearchParams(window.location.search).get('ep') === 'wasm';
    let alive = true;
    let seq = 0;
    const refresh = async () => {
      const mine = ++seq;
      const history = await readHistory();
      if (!alive || mine !== seq) return;
      if (history.length === 0) {
        setState({ items, source: 'static', modelVersion: 'none' });
        return;
      }
      const exclude = getCart().lines.map((l) => l.sku);
      if (anchorSku) exclude.push(anchorSku);
      // Marks bracket the model work, so tests can tell its long tasks (there should be none) from others.
      performance.mark(`tandem:rank-start:${placement}`);
      try {
        const device = await rankOnDevice({ history, k: Math.max(items.length, 12), exclude, anchorSku, sameCategory, excludePurchased, preferWasm });
        performance.mark(`tandem:rank-end:${placement}`);
        if (alive && mine === seq) setState({ items: device.items, source: device.source, modelVersion: device.modelVersion, device });
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        reportFallback(reason);
        if (alive && mine === seq) setState({ items, source: 'static', modelVersion: 'none', fallbackReason: reason });
      }
    };
    const run = () => void refresh();
    // After the page is interactive: the model and the runtime are never on the critical path.
    const idle = typeof requestIdleCallback === 'function' ? requestIdleCallback(run, { timeout: 1500 }) : setTimeout(run, 300);
    const offHistory = subscribeHistory(run);
    const offCart = subscribeCart(run);
    return () => {
      alive = false;
      if (typeof cancelIdleCallback === 'function') cancelIdleCallback(idle as number);
      else clearTimeout(idle as ReturnType<typeof setTimeout>);
      offHistory();
      offCart();
    };
  }, [items, placement, anchorSku, sameCategory, excludePurchased]);

  const id = `shelf-${placement}`;
  return (
    <section aria-labelledby={id} data-testid="recs-shelf" data-placement={placement} data-source={state.source} data-model-version={state.modelVersion} className="my-8">
      <h2 id={id} className="mb-3 text-lg font-bold">
        {title}
      </h2>
      <ol className="scrollbar-thin flex h-[244px] gap-3 overflow-x-auto overflow-y-hidden pb-2 sm:h-[264px]">
        {state.items.map((p) => (
          <li key={p.sku} data-testid="recs-item" data-sku={p.sku} className="w-[150px] shrink-0 sm:w-[170px]">
            {/* Never prefetch: a device-ranked list is derived from the private history. */}
            <ProductCard product={p} version={version} prefetch={false} />
          </li>
        ))}
      </ol>
      {debug && <ShelfDebug source={state.source} device={state.device} fallbackReason={state.fallbackReason} />}
    </section>
  );
}
