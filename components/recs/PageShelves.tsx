import type { CardProduct } from '@/components/catalog/ProductCard';
import type { Page, Placement, Slot } from '@/lib/config/schema';
import { requestAssignments } from '@/lib/experiments/request';
import { pageLayout } from '@/lib/shelf/plan';
import { RecsShelf } from './RecsShelf';

/**
 * The shelves of one slot of a page, in the order the visitor's layout gives them (lib/shelf/plan.ts's
 * pageLayout: a page-layout experiment's variant, or the default). Which shelves a page shows is config.
 */
export async function PageShelves({
  page,
  slot,
  lists,
  version,
  anchorSku,
}: {
  page: Page;
  slot: Slot;
  /** Each shelf's static list (and, for the product shelf, the "complete the set" one). */
  lists: Partial<Record<Placement, { fallback: CardProduct[]; otherFallback?: CardProduct[] }>>;
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
          fallback={lists[s.placement]?.fallback ?? []}
          otherFallback={lists[s.placement]?.otherFallback}
          version={version}
          {...(anchorSku ? { anchorSku } : {})}
        />
      ))}
    </>
  );
}
