'use client';
import { useSyncExternalStore, type ReactNode, type Ref } from 'react';
import { ProductCard, type CardProduct } from '@/components/catalog/ProductCard';
import type { Placement } from '@/lib/config/schema';
import type { ShelfPlan } from '@/lib/shelf/plan';
import { ShelfDebug } from './ShelfDebug';
import { useShelfEvents } from './use-shelf-events';
import { useShelfRanking, type InitialShelf, type ShownShelf } from './use-shelf-ranking';

export type { Placement, InitialShelf };

const noSubscribe = () => () => {};
const debugFlag = () => new URLSearchParams(window.location.search).get('debug') === '1';

/**
 * A recommendation shelf: the ranking chain (useShelfRanking: edge answer, device, edge again, static list),
 * its events (useShelfEvents) and the row (ShelfRow). The DOM is a contract (ARCHITECTURE.md): data-testid,
 * data-placement, data-source, data-model-version and data-holdback (the standing holdback's arm) on the shelf, data-sku on each item. The row has a fixed
 * height and fixed-size cards, so a swap never shifts the page.
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
  const ranking = useShelfRanking(plan, initial, fallback);
  const { shown, device, edge } = ranking;
  const events = useShelfEvents(plan, shown, ranking.fallbackReason !== undefined);
  const debug = useSyncExternalStore(noSubscribe, debugFlag, () => false);
  const empty = plan.deviceOnly && shown.items.length === 0 ? (device ? 'Nothing to buy again yet: what you order on this device shows here.' : 'Looking through your orders on this device…') : undefined;
  return (
    <ShelfRow sectionRef={events.ref} plan={plan} shown={shown} version={version} empty={empty} onItemClick={events.clicked}>
      {debug && <ShelfDebug source={shown.source} device={device ?? undefined} edge={device ? undefined : edge.data} recent={ranking.recent} fallbackReason={ranking.fallbackReason} edgeError={edge.error instanceof Error ? edge.error.message : undefined} />}
    </ShelfRow>
  );
}

/** The row itself: title, fixed-size cards keyed by position, a reason line under each, and anything below it (the debug panel). */
export function ShelfRow({
  sectionRef,
  plan,
  shown,
  version,
  empty,
  onItemClick,
  children,
}: {
  sectionRef: Ref<HTMLElement>;
  plan: ShelfPlan;
  shown: ShownShelf;
  version: string;
  /** Shown in place of the cards when there are none. */
  empty?: string;
  onItemClick: (sku: string, position: number) => void;
  children?: ReactNode;
}) {
  const { placement, experiments } = plan;
  const id = `shelf-${placement}`;
  return (
    <section
      ref={sectionRef}
      aria-labelledby={id}
      data-testid="recs-shelf"
      data-placement={placement}
      data-source={shown.source}
      data-model-version={shown.modelVersion}
      data-experiments={experiments.map((x) => `${x.experiment}:${x.variant}`).join(' ') || undefined}
      data-holdback={plan.holdback?.arm}
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
          onItemClick(sku, [...(item.parentElement?.children ?? [])].indexOf(item));
        }}
      >
        {empty !== undefined && (
          <li data-testid="recs-empty" className="self-center text-sm text-slate-600">
            {empty}
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
      {children}
    </section>
  );
}
