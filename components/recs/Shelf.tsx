import { ProductCard } from '@/components/catalog/ProductCard';
import type { Product } from '@/lib/catalog/types';

export type ShelfSource = 'device-webgpu' | 'device-wasm' | 'edge' | 'static';
export type Placement = 'home-top' | 'product-similar' | 'cart-upsell';

/**
 * A recommendation shelf. The DOM is a contract (ARCHITECTURE.md): data-testid, data-placement,
 * data-source and data-model-version on the shelf, data-sku on each item. The row has a fixed height
 * and fixed-size cards, so swapping the items (static → edge → device) never shifts the page.
 */
export function Shelf({
  placement,
  title,
  items,
  version,
  source = 'static',
  modelVersion = 'none',
}: {
  placement: Placement;
  title: string;
  items: Product[];
  version: string;
  source?: ShelfSource;
  modelVersion?: string;
}) {
  const id = `shelf-${placement}`;
  return (
    <section
      aria-labelledby={id}
      data-testid="recs-shelf"
      data-placement={placement}
      data-source={source}
      data-model-version={modelVersion}
      className="my-8"
    >
      <h2 id={id} className="mb-3 text-lg font-bold">
        {title}
      </h2>
      <ol className="scrollbar-thin flex h-[244px] gap-3 overflow-x-auto overflow-y-hidden pb-2 sm:h-[264px]">
        {items.map((p) => (
          <li key={p.sku} data-testid="recs-item" data-sku={p.sku} className="w-[150px] shrink-0 sm:w-[170px]">
            <ProductCard product={p} version={version} />
          </li>
        ))}
      </ol>
    </section>
  );
}
