'use client';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import useSWR from 'swr';
import { ProductCard, type CardProduct } from '@/components/catalog/ProductCard';
import type { Placement } from '@/lib/config/schema';
import { subscribeCart, getCart } from '@/lib/cart/storage';
import { track } from '@/lib/events/client';
import { rememberShelfClick } from '@/lib/events/shelf-clicks';
import { readHistory, sessionViews, subscribeHistory } from '@/lib/history/store';
import { executionChoice, rankOnDevice, reportFallback, type DeviceResult } from '@/lib/device/client';
import type { RankAnswer } from '@/lib/coldstart/answer';
import type { ShelfSource } from '@/lib/recs/shelf-source';
import type { ShelfPlan } from '@/lib/shelf/plan';
import { fetchEdgeShelf, rankUrl, type EdgeResult } from './edge-fetch';
import { ShelfDebug } from './ShelfDebug';

export type { Placement };

/** What the server rendered: the cold-start ranking for this page, or the static list when that failed. */
export type InitialShelf = { source: 'edge'; answer: RankAnswer; edgeMs: number } | { source: 'static'; items: CardProduct[] };

const noSubscribe = () => () => {};
const debugFlag = () => new URLSearchParams(window.location.search).get('debug') === '1';

/**
 * A recommendation shelf. The DOM is a contract (ARCHITECTURE.md): data-testid, data-placement,
 * data-source and data-model-version on the shelf, data-sku on each item.
 *
 * The chain: the server renders the cold-start (edge) ranking, which SWR adopts without fetching it
 * again. Once the page is idle and the device holds a history, the worker re-ranks locally, and again
 * after every view, cart change or order. If the device cannot (no worker, bad artifacts, switched
 * off), SWR asks /api/rank with this session's views; if that fails too, the static list stays. The
 * row has a fixed height and fixed-size cards, so a swap never shifts the page.
 */
export function Shelf({
  plan,
  fallback,
  initial,
  version,
}: {
  /** What to rank and the rules around it (lib/shelf/plan.ts), decided on the server. */
  plan: ShelfPlan;
  /** The static list: the last resort when neither the device nor the edge can rank. */
  fallback: CardProduct[];
  initial: InitialShelf;
  version: string;
}) {
  const { placement, rules, deviceOnly, deviceRanking, modelPin, experiments } = plan;
  const { k, anchorSku } = rules;
  const [device, setDevice] = useState<DeviceResult | null>(null);
  const [recent, setRecent] = useState<string[]>([]);
  const [fallbackReason, setFallbackReason] = useState<string>();
  const debug = useSyncExternalStore(noSubscribe, debugFlag, () => false);

  // "Buy it again" needs the purchase history, which only the device has: no edge, no static list.
  const firstKey = rankUrl(placement, k, anchorSku, []);
  const key = device || deviceOnly ? null : rankUrl(placement, k, anchorSku, recent);
  const adopted = key === firstKey && initial.source === 'edge' ? initial : undefined;
  const edge = useSWR<EdgeResult>(key, fetchEdgeShelf, {
    // The server already ranked this page: SWR starts from that answer and does not fetch it again on
    // hydration; it revalidates when the shopper comes back to the tab.
    fallbackData: adopted ? { items: adopted.answer.items, modelVersion: adopted.answer.modelVersion, experiment: adopted.answer.experiment, ms: adopted.edgeMs } : undefined,
    revalidateOnMount: !adopted,
    revalidateOnFocus: true,
    keepPreviousData: true,
    shouldRetryOnError: false,
  });

  useEffect(() => {
    const ep = executionChoice(window.location.search);
    let alive = true;
    let seq = 0;
    const toEdge = (reason?: string) => {
      setDevice(null);
      setRecent(sessionViews());
      setFallbackReason(reason);
    };
    const refresh = async () => {
      const mine = ++seq;
      const history = await readHistory();
      if (!alive || mine !== seq) return;
      if (history.length === 0) return toEdge();
      if (!deviceRanking) return toEdge('on-device ranking is off for this shopper (switch or experiment)');
      // Marks bracket the model work, so tests can tell its long tasks (there should be none) from others.
      performance.mark(`tandem:rank-start:${placement}`);
      try {
        const result = await rankOnDevice({ history, cart: getCart().lines.map((l) => l.sku), rules, ep, modelVersion: modelPin });
        performance.mark(`tandem:rank-end:${placement}`);
        if (alive && mine === seq) {
          setDevice(result);
          setFallbackReason(undefined);
        }
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        reportFallback(reason);
        if (alive && mine === seq) toEdge(reason);
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
    // The rules arrive as a fresh object on every render: their content, not their identity, matters.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [placement, JSON.stringify(rules), deviceRanking, modelPin]);

  const shown: { items: (CardProduct & { reason?: { short: string; full: string } })[]; source: ShelfSource; modelVersion: string } = device
    ? { items: device.items, source: device.source, modelVersion: device.modelVersion }
    : edge.data
      ? { items: edge.data.items, source: 'edge', modelVersion: edge.data.modelVersion }
      : { items: fallback, source: 'static', modelVersion: 'none' };

  // Events: one exposure per page view once half the shelf is on screen, and every click on an item.
  const ref = useRef<HTMLElement>(null);
  const fellBack = fallbackReason !== undefined;
  const latest = useRef({ shown, experiments, fellBack });
  useEffect(() => {
    latest.current = { shown, experiments, fellBack };
  });
  // No product code leaves the device with an event: placement and position say what the readout needs.
  const send = (type: 'exposure' | 'click', position: number | null) => {
    const { shown: s, experiments: exps, fellBack } = latest.current;
    const base = {
      type,
      placement,
      source: s.source,
      modelVersion: s.modelVersion,
      ...(type === 'click' ? { position } : { fallback: s.source === 'static' || fellBack }),
    };
    if (exps.length === 0) track({ ...base, experiment: null, variant: null });
    for (const x of exps) track({ ...base, experiment: x.experiment, variant: x.variant });
  };
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting && e.intersectionRatio >= 0.5)) {
          io.disconnect();
          send('exposure', null);
        }
      },
      { threshold: 0.5 },
    );
    io.observe(el);
    return () => io.disconnect();
    // Once per page view of this placement.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [placement, anchorSku]);

  const id = `shelf-${placement}`;
  return (
    <section
      ref={ref}
      aria-labelledby={id}
      data-testid="recs-shelf"
      data-placement={placement}
      data-source={shown.source}
      data-model-version={shown.modelVersion}
      data-experiments={experiments.map((x) => `${x.experiment}:${x.variant}`).join(' ') || undefined}
      className="my-8"
    >
      <h2 id={id} className="mb-3 text-lg font-bold">
        {plan.title}
      </h2>
      <ol
        className="scrollbar-thin flex h-[260px] gap-3 overflow-x-auto overflow-y-hidden pb-2 sm:h-[280px]"
        onClickCapture={(e) => {
          const item = (e.target as HTMLElement).closest<HTMLElement>('[data-testid="recs-item"]');
          const sku = item?.dataset.sku;
          if (!item || !sku) return;
          rememberShelfClick(sku);
          send('click', [...(item.parentElement?.children ?? [])].indexOf(item));
        }}
      >
        {deviceOnly && shown.items.length === 0 && (
          <li data-testid="recs-empty" className="self-center text-sm text-slate-600">
            {device ? 'Nothing to buy again yet: what you order on this device shows here.' : 'Looking through your orders on this device…'}
          </li>
        )}
        {/* Keyed by position: a new list fills the same boxes in place (a product moving to another box would
            be a layout shift, even with every box the same size). */}
        {shown.items.map((p, i) => (
          <li key={i} data-testid="recs-item" data-sku={p.sku} className="w-[150px] shrink-0 sm:w-[170px]">
            {/* Never prefetch: a device-ranked list is derived from the private history. */}
            <ProductCard product={p} version={version} prefetch={false} />
            {/* Its line is always there (empty for the static list), so a list with reasons shifts nothing. */}
            <p className="h-4 overflow-hidden px-2 text-[11px] leading-4 whitespace-nowrap text-slate-600" data-testid="recs-reason" title={p.reason?.full}>
              {p.reason?.short}
            </p>
          </li>
        ))}
      </ol>
      {debug && <ShelfDebug source={shown.source} device={device ?? undefined} edge={device ? undefined : edge.data} recent={recent} fallbackReason={fallbackReason} edgeError={edge.error instanceof Error ? edge.error.message : undefined} />}
    </section>
  );
}
