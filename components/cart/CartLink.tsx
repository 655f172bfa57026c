'use client';
import { IntentLink } from '@/components/nav/IntentLink';
import { cartCount } from '@/lib/cart/cart';
import { useCart } from './use-cart';

export function CartLink() {
  const count = cartCount(useCart());
  return (
    <IntentLink
      href="/cart"
      className="relative ml-auto flex items-center gap-2 rounded-full border border-slate-300 px-3 py-1.5 text-sm font-medium hover:border-brand-600 sm:ml-0"
      aria-label={`Cart, ${count} ${count === 1 ? 'item' : 'items'}`}
    >
      <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
        <path d="M6 6h15l-1.5 9h-12z M6 6 5 3H2 M9 20a1 1 0 1 0 0-.01 M18 20a1 1 0 1 0 0-.01" />
      </svg>
      <span>Cart</span>
      {/* Fixed width, so the header does not move when the count arrives after hydration. */}
      <span data-testid="cart-count" className="inline-block min-w-[2ch] rounded-full bg-brand-600 px-1.5 text-center text-xs font-bold text-white tabular-nums">
        {count}
      </span>
    </IntentLink>
  );
}
