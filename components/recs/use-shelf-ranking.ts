'use client';
import { useEffect, useMemo, useState } from 'react';
import useSWR from 'swr';
import type { CardProduct } from '@/components/catalog/ProductCard';
import { subscribeCart, getCart } from '@/lib/cart/storage';
import { executionChoice, rankOnDevice, reportFallback, subscribeDeviceReady, type DeviceResult } from '@/lib/device/client';
import type { RankAnswer } from '@/lib/coldstart/answer';
import { readHistory, sessionViews, subscribeHistory } from '@/lib/history/store';
import type { Reason } from '@/lib/recs/reasons';
import type { ShelfRules } from '@/lib/recs/shelf-rules';
import type { ShelfSource } from '@/lib/recs/shelf-source';
import type { ShelfPlan } from '@/lib/shelf/plan';
import { fetchEdgeShelf, rankUrl, type EdgeResult } from './edge-fetch';

/** What the server rendered: the cold-start ranking for this page, or the static list when that failed. */
export type InitialShelf = { source: 'edge'; answer: RankAnswer; edgeMs: number } | { source: 'static'; items: CardProduct[] };

/** The list a shelf shows now, and where it came from. */
export interface ShownShelf {
  items: (CardProduct & { reason?: Pick<Reason, 'short' | 'full'> })[];
  source: ShelfSource;
  modelVersion: string;
  /** Ranked on the device: how long it took there (its tower run and ranking; a shelf that reused another's tower has none). */
  rankMs?: number;
}

export interface ShelfRanking {
  shown: ShownShelf;
  device: DeviceResult | null;
  edge: { data?: EdgeResult; error?: unknown };
  /** The session's views sent to the edge (the debug panel lists them). */
  recent: string[];
  /** Why the device did not rank, when it fell back to the edge. */
  fallbackReason?: string;
}

/** The plan's rules, the same object while their content is the same (a new RSC payload brings equal copies). */
function useStableRules(rules: ShelfRules): ShelfRules {
  const key = JSON.stringify(rules);
  return useMemo(() => JSON.parse(key) as ShelfRules, [key]);
}

/**
 * The chain for one shelf: the server's cold-start (edge) answer, adopted by SWR without fetching it again;
 * once the page is idle and the device holds a history, the worker's ranking, again after every view, cart
 * change or order; if the device cannot, /api/rank with this session's views; the static list last.
 */
export function useShelfRanking(plan: ShelfPlan, initial: InitialShelf, fallback: CardProduct[]): ShelfRanking {
  const { placement, deviceOnly, deviceRanking, modelPin } = plan;
  const rules = useStableRules(plan.rules);
  const { k, anchorSku } = rules;
  const [device, setDevice] = useState<DeviceResult | null>(null);
  const [recent, setRecent] = useState<string[]>([]);
  const [fallbackReason, setFallbackReason] = useState<string>();

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
        // A version that failed its checks, ranked by the previous one: shown, and counted as a fallback.
        const back = result.fellBackFrom && `model ${result.fellBackFrom.version} failed its checks (${result.fellBackFrom.reason}); ranked with ${result.modelVersion}, the previous version on this device`;
        if (back) reportFallback(back);
        if (alive && mine === seq) {
          setDevice(result);
          setFallbackReason(back);
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
    // A first load slower than the client's wait (a phone on 4G) fell back to the edge: rank here once it is ready.
    const offReady = subscribeDeviceReady(run);
    return () => {
      alive = false;
      if (typeof cancelIdleCallback === 'function') cancelIdleCallback(idle as number);
      else clearTimeout(idle as ReturnType<typeof setTimeout>);
      offHistory();
      offCart();
      offReady();
    };
  }, [placement, rules, deviceRanking, modelPin]);

  const shown: ShownShelf = device
    ? { items: device.items, source: device.source, modelVersion: device.modelVersion, ...(device.timings.sharedTower ? {} : { rankMs: Math.round(device.timings.inferenceMs + device.timings.rankingMs) }) }
    : edge.data
      ? { items: edge.data.items, source: 'edge', modelVersion: edge.data.modelVersion }
      : { items: fallback, source: 'static', modelVersion: 'none' };
  return { shown, device, edge: { data: edge.data, error: edge.error }, recent, ...(fallbackReason !== undefined ? { fallbackReason } : {}) };
}
