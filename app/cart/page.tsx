import type { Metadata } from 'next';
import { CartView } from '@/components/cart/CartView';
import { PageShelves } from '@/components/recs/PageShelves';
import { getCatalog } from '@/lib/catalog/store';

export const metadata: Metadata = { title: 'Your cart' };

export default function CartPage() {
  const catalog = getCatalog();
  return (
    <>
      <h1 className="text-2xl font-bold">Your cart</h1>
      <CartView version={catalog.version} />
      <PageShelves page="cart" slot="below-cart" lists={{ 'cart-upsell': { fallback: catalog.trending }, 'cart-complete': { fallback: catalog.trending } }} version={catalog.version} />
    </>
  );
}
