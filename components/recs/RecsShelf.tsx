import { cookies, headers } from 'next/headers';
import type { CardProduct } from '@/components/catalog/ProductCard';
import { DEVICE_ONLY_PLACEMENTS, type Placement } from '@/lib/config/schema';
import { BUYER_COOKIE } from '@/lib/history/buyer';
import { geoFromHeaders, serveColdStart } from '@/lib/coldstart/serve';
import { assignmentsFor, productShelfCategory, variantOf } from '@/lib/experiments/assign';
import { requestAssignments } from '@/lib/experiments/request';
import { Shelf, type InitialShelf } from './Shelf';

const K = 12;

/**
 * The server half of a shelf: applies the configuration (switches, merchandising, pinned model) and the
 * visitor's variants, renders the cold-start ranking into the first HTML, and hands the rest to the
 * client Shelf. `fallback` is the static list (and `otherFallback` the one for "complete the set").
 */
export async function RecsShelf({
  placement,
  title,
  fallback,
  otherFallback,
  version,
  anchorSku,
  excludePurchased,
}: {
  placement: Placement;
  title: string;
  fallback: CardProduct[];
  otherFallback?: CardProduct[];
  version: string;
  anchorSku?: string;
  excludePurchased?: boolean;
}) {
  const { config, assignments } = await requestAssignments();
  const mine = assignmentsFor(placement, assignments);
  const category = placement === 'product-similar' ? productShelfCategory(mine) : undefined;
  const completeTheSet = category === 'other';
  const rule = config.merchandising[placement];
  const blocked = new Set(rule?.block ?? []);
  const staticList = (completeTheSet && otherFallback ? otherFallback : fallback).filter((p) => !blocked.has(p.sku)).slice(0, K);

  const deviceOnly = DEVICE_ONLY_PLACEMENTS.includes(placement);
  // A device-only shelf (its list needs the purchase history) is drawn only for a browser that has ordered
  // here; its row is in the first HTML, so the device's list fills it without moving the page.
  if (deviceOnly && (await cookies()).get(BUYER_COOKIE)?.value !== '1') return null;
  const served = deviceOnly
    ? ({ ok: false } as const)
    : await serveColdStart({ placement, k: K, recent: [], ...(anchorSku ? { sku: anchorSku } : {}) }, config, assignments, geoFromHeaders(await headers()));
  const initial: InitialShelf = served.ok
    ? { items: served.shelf.items.map(({ sku, name, price }) => ({ sku, name, price })), source: 'edge', modelVersion: served.shelf.modelVersion, edgeMs: served.ms }
    : { items: staticList, source: 'static', modelVersion: 'none' };

  return (
    <Shelf
      placement={placement}
      title={completeTheSet ? 'Complete the set' : title}
      fallback={staticList}
      initial={initial}
      version={version}
      anchorSku={anchorSku}
      category={category}
      excludePurchased={excludePurchased}
      pin={rule?.pin}
      block={rule?.block}
      deviceRanking={config.switches.onDeviceRanking && variantOf(mine, 'ranking-source', 'device') !== 'edge-only'}
      modelPin={config.modelVersion}
      experiments={mine.map((a) => ({ experiment: a.experiment, variant: a.variant }))}
    />
  );
}
