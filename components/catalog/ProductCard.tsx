import { IntentLink } from '@/components/nav/IntentLink';
import { formatPrice } from '@/lib/catalog/price';
import type { Product } from '@/lib/catalog/types';
import { ProductPicture } from './ProductPicture';

/** What a card needs: server pages pass whole products, the device ranker passes just these. */
export type CardProduct = Pick<Product, 'sku' | 'name' | 'price'>;

export function ProductCard({
  product,
  version,
  priority = false,
  prefetch,
}: {
  product: CardProduct;
  version: string;
  priority?: boolean;
  /** false where the list itself is private: prefetching would tell the server what was recommended. */
  prefetch?: false;
}) {
  return (
    <IntentLink
      href={`/products/${encodeURIComponent(product.sku)}`}
      prefetch={prefetch}
      warmSku={product.sku}
      className="group block rounded-2xl p-2 hover:bg-slate-50"
      data-testid="product-card"
      data-sku={product.sku}
    >
      <ProductPicture sku={product.sku} name={product.name} version={version} size={240} priority={priority} />
      {/* Two lines reserved for every name, so cards in a row line up and never reflow. */}
      <p className="mt-2 line-clamp-2 h-10 text-sm leading-5 font-medium group-hover:text-brand-700">{product.name}</p>
      <p className="mt-1 text-sm font-semibold tabular-nums">{formatPrice(product.price)}</p>
    </IntentLink>
  );
}
