import type { Product } from '@/lib/catalog/types';
import { ProductCard } from './ProductCard';

export function ProductGrid({ products, version, priorityCount = 0 }: { products: Product[]; version: string; priorityCount?: number }) {
  return (
    <ul className="grid grid-cols-2 gap-2 sm:grid-cols-3 md:grid-cols-4 lg:grid-cols-6">
      {products.map((p, i) => (
        <li key={p.sku}>
          <ProductCard product={p} version={version} priority={i < priorityCount} />
        </li>
      ))}
    </ul>
  );
}
