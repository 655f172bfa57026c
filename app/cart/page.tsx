import type { Metadata } from 'next';
import { CartView } from '@/components/cart/CartView';
import { Shelf } from '@/components/recs/Shelf';
import { getCatalog } from '@/lib/catalog/store';

export const metadata: Metadata = { title: 'Your cart' };

export default function CartPage() {
  const catalog = getCatalog();
  return (
    <>
      <h1 className="text-2xl font-bold">Your cart</h1>
      <CartView version={catalog.version} />
      <Shelf placement="cart-upsell" title="Goes well with your basket" items={catalog.trending.slice(0, 12)} version={catalog.version} />
    </>
  );
}
