'use client';
import { IntentLink } from '@/components/nav/IntentLink';
import { useSyncExternalStore } from 'react';
import { ProductPicture } from '@/components/catalog/ProductPicture';
import { useState } from 'react';
import { cartCount, cartSubtotal, EMPTY_CART, lineTotal, MAX_QUANTITY, removeFromCart, setQuantity, type CartLine } from '@/lib/cart/cart';
import { track } from '@/lib/events/client';
import { clickedOnShelf } from '@/lib/events/shelf-clicks';
import { recordEvent } from '@/lib/history/store';
import { formatPrice } from '@/lib/catalog/price';
import { updateCart } from '@/lib/cart/storage';
import { useCart } from './use-cart';

const noop = () => () => {};
/** False on the server and during hydration: the cart lives on the device, so say "loading", not "empty". */
function useHydrated(): boolean {
  return useSyncExternalStore(noop, () => true, () => false);
}

export function CartView({ version }: { version: string }) {
  const cart = useCart();
  const hydrated = useHydrated();
  const [ordered, setOrdered] = useState<number | null>(null);
  if (!hydrated) {
    return <p className="mt-6 min-h-24 text-slate-600">Loading your cart…</p>;
  }
  if (cart.lines.length === 0) {
    return (
      <div className="mt-6 min-h-24" data-testid="cart-empty">
        <p className="text-slate-700" role="status">
          {ordered !== null ? `Thank you: your order of ${ordered} ${ordered === 1 ? 'item' : 'items'} is placed.` : 'Your cart is empty.'}
        </p>
        <IntentLink href="/" className="mt-2 inline-block font-semibold text-brand-700 underline">
          Continue shopping
        </IntentLink>
      </div>
    );
  }
  const count = cartCount(cart);
  return (
    <div className="mt-6 grid gap-8 lg:grid-cols-[1fr_18rem]">
      <ul className="divide-y divide-slate-200" data-testid="cart-lines">
        {cart.lines.map((line) => (
          <CartLineRow key={line.sku} line={line} version={version} />
        ))}
      </ul>
      <aside className="h-fit rounded-2xl border border-slate-200 p-5" aria-label="Order summary">
        <p className="flex justify-between text-sm">
          <span>Items</span>
          <span className="tabular-nums">{count}</span>
        </p>
        <p className="mt-2 flex justify-between text-lg font-bold">
          <span>Subtotal</span>
          <span className="tabular-nums" data-testid="cart-subtotal">
            {formatPrice(cartSubtotal(cart))}
          </span>
        </p>
        <p className="mt-2 text-xs text-slate-600">Prices in GBP, VAT included. Your cart is kept on this device only.</p>
        <button
          type="button"
          className="mt-4 w-full rounded-full bg-brand-600 px-5 py-2.5 font-semibold text-white hover:bg-brand-700"
          onClick={async () => {
            // A demonstration store: placing an order records the purchases in the device's history.
            const at = Date.now();
            // The order's lines (what a shop must receive anyway), each marked if it was clicked on a shelf first;
            // the server prices them from its own catalogue.
            track({ type: 'purchase', placement: 'cart', experiment: null, variant: null, lines: cart.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, fromShelf: clickedOnShelf(l.sku, at) })) });
            await Promise.all(cart.lines.map((l) => recordEvent(l.sku, 'purchase', at)));
            setOrdered(count);
            updateCart(() => EMPTY_CART);
          }}
        >
          Place order
        </button>
      </aside>
    </div>
  );
}

/** One line of the cart: picture, name, unit price, quantity controls and the line's total. */
function CartLineRow({ line, version }: { line: CartLine; version: string }) {
  return (
    <li className="flex gap-4 py-4" data-testid="cart-line" data-sku={line.sku}>
      <IntentLink href={`/products/${encodeURIComponent(line.sku)}`} className="w-20 shrink-0 sm:w-24">
        <ProductPicture sku={line.sku} name={line.name} version={version} size={96} />
      </IntentLink>
      <div className="flex min-w-0 flex-1 flex-col gap-2">
        <IntentLink href={`/products/${encodeURIComponent(line.sku)}`} className="font-medium hover:text-brand-700">
          {line.name}
        </IntentLink>
        <p className="text-sm text-slate-600 tabular-nums">{formatPrice(line.price)} each</p>
        <div className="flex flex-wrap items-center gap-2">
          <button
            type="button"
            className="h-9 w-9 rounded-full border border-slate-300 text-lg leading-none hover:border-slate-600"
            aria-label={`One fewer ${line.name}`}
            onClick={() => updateCart((c) => setQuantity(c, line.sku, line.quantity - 1))}
          >
            −
          </button>
          <label className="sr-only" htmlFor={`qty-${line.sku}`}>
            Quantity of {line.name}
          </label>
          <input
            id={`qty-${line.sku}`}
            type="number"
            min={1}
            max={MAX_QUANTITY}
            value={line.quantity}
            onChange={(e) => {
              const n = Number(e.target.value);
              if (n >= 1) updateCart((c) => setQuantity(c, line.sku, n));
            }}
            className="h-9 w-16 rounded-lg border border-slate-300 px-2 text-center tabular-nums"
          />
          <button
            type="button"
            className="h-9 w-9 rounded-full border border-slate-300 text-lg leading-none hover:border-slate-600"
            aria-label={`One more ${line.name}`}
            onClick={() => updateCart((c) => setQuantity(c, line.sku, line.quantity + 1))}
          >
            +
          </button>
          <button
            type="button"
            className="ml-2 text-sm text-slate-600 underline hover:text-brand-700"
            onClick={() => updateCart((c) => removeFromCart(c, line.sku))}
            aria-label={`Remove ${line.name}`}
          >
            Remove
          </button>
        </div>
      </div>
      <p className="shrink-0 font-semibold tabular-nums" data-testid="line-total">
        {formatPrice(lineTotal(line))}
      </p>
    </li>
  );
}
