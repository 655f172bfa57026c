import type { CardProduct } from '@/components/catalog/ProductCard';
import type { Page, Placement, PLACEMENT_PAGE, Slot } from '@/lib/config/schema';
import { requestAssignments } from '@/lib/experiments/request';
import { pageLayout } from '@/lib/shelf/plan';
import { RecsShelf } from './RecsShelf';

/** The shelves a page can show (lib/config/schema.ts's PLACEMENT_PAGE). */
type PlacementOf<P extends Page> = { [K in Placement]: (typeof PLACEMENT_PAGE)[K] extends P ? K : never }[Placement];

/**
 * The shelves of one slot of a page, in the order the visitor's layout gives them (lib/shelf/plan.ts's
 * pageLayout: a page-layout experiment's variant, or the default). Which shelves a page shows is config.
 */
export async function PageShelves<P extends Page>({
  page,
  slot,
  lists,
  version,
  anchorSku,
}: {
  page: P;
  slot: Slot;
  /**
   * The static list of every shelf this page can show (and, for the product shelf, the "complete the set"
   * one), whichever the layout picks: a shelf without one would be empty when neither ranker can rank.
   */
  lists: Record<PlacementOf<P>, { fallback: CardProduct[]; otherFallback?: CardProduct[] }>;
  version: string;
  anchorSku?: string;
}) {
  const { config, assignments } = await requestAssignments();
  const shelves = pageLayout(page, config, assignments).filter((s) => s.slot === slot);
  return (
    <>
      {shelves.map((s) => (
        <RecsShelf
          key={s.placement}
          placement={s.placement}
          fallback={lists[s.placement as PlacementOf<P>].fallback}
          otherFallback={lists[s.placement as PlacementOf<P>].otherFallback}
          version={version}
          {...(anchorSku ? { anchorSku } : {})}
        />
      ))}
    </>
  );
}
