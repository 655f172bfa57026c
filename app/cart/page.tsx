import type { Metadata } from 'next';
import { CartView } from '@/components/cart/CartView';
import { RecsShelf } from '@/components/recs/RecsShelf';
import { getCatalog } from '@/lib/catalog/store';

export const metadata: Metadata = { title: 'Your cart' };

export default function CartPage() {
  const catalog = getCatalog();
  return (
    <>
      <h1 className="text-2xl font-bold">Your cart</h1>
      <CartView version={catalog.version} />
      <RecsShelf placement="cart-upsell" fallback={catalog.trending} version={catalog.version} />
    </>
  );
}
