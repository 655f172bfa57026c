import Link from 'next/link';
import { formatPrice } from '@/lib/catalog/price';
import type { Product } from '@/lib/catalog/types';
import { ProductPicture } from './ProductPicture';

export function ProductCard({ product, version, priority = false }: { product: Product; version: string; priority?: boolean }) {
  return (
    <Link
      href={`/products/${encodeURIComponent(product.sku)}`}
      className="group block rounded-2xl p-2 hover:bg-slate-50"
      data-testid="product-card"
      data-sku={product.sku}
    >
      <ProductPicture sku={product.sku} name={product.name} version={version} size={240} priority={priority} />
      {/* Two lines reserved for every name, so cards in a row line up and never reflow. */}
      <p className="mt-2 line-clamp-2 h-10 text-sm leading-5 font-medium group-hover:text-brand-700">{product.name}</p>
      <p className="mt-1 text-sm font-semibold tabular-nums">{formatPrice(product.price)}</p>
    </Link>
  );
}
