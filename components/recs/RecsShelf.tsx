import { cookies, headers } from 'next/headers';
import type { CardProduct } from '@/components/catalog/ProductCard';
import type { Placement } from '@/lib/config/schema';
import { BUYER_COOKIE } from '@/lib/history/buyer';
import { geoFromHeaders, serveColdStart } from '@/lib/coldstart/serve';
import { serverArtifacts } from '@/lib/artifacts/disk';
import { requestAssignments } from '@/lib/experiments/request';
import { staticShelf } from '@/lib/recs/shelf-rules';
import { planShelf } from '@/lib/shelf/plan';
import { Shelf, type InitialShelf } from './Shelf';

/**
 * The server half of a shelf: plans it from the configuration and the visitor's variants
 * (lib/shelf/plan.ts), renders the cold-start ranking into the first HTML, and hands the plan to the
 * client Shelf. `fallback` is the static list (and `otherFallback` the one for "complete the set").
 */
export async function RecsShelf({
  placement,
  fallback,
  otherFallback,
  version,
  anchorSku,
}: {
  placement: Placement;
  fallback: CardProduct[];
  otherFallback?: CardProduct[];
  version: string;
  anchorSku?: string;
}) {
  const { config, assignments } = await requestAssignments();
  const plan = planShelf(placement, config, assignments, anchorSku ? { anchorSku } : {});
  const staticList = staticShelf(plan.rules, plan.rules.category === 'other' && otherFallback ? otherFallback : fallback);

  // A device-only shelf (its list needs the purchase history) is drawn only for a browser that has ordered
  // here; its row is in the first HTML, so the device's list fills it without moving the page.
  if (plan.deviceOnly && (await cookies()).get(BUYER_COOKIE)?.value !== '1') return null;
  const served = plan.deviceOnly
    ? ({ ok: false } as const)
    : await serveColdStart({ placement, k: plan.rules.k, recent: [], ...(anchorSku ? { sku: anchorSku } : {}) }, config, assignments, geoFromHeaders(await headers()), { artifacts: serverArtifacts() });
  const initial: InitialShelf = served.ok ? { source: 'edge', answer: served.shelf, edgeMs: served.ms } : { source: 'static', items: staticList };

  return <Shelf plan={plan} fallback={staticList} initial={initial} version={version} />;
}
