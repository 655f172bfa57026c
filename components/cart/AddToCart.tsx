'use client';
import { useState } from 'react';
import { addToCart, MAX_QUANTITY } from '@/lib/cart/cart';
import { updateCart } from '@/lib/cart/storage';
import { track } from '@/lib/events/client';
import { recordEvent } from '@/lib/history/store';

export function AddToCart({ sku, name, price }: { sku: string; name: string; price: number }) {
  const [quantity, setQuantity] = useState(1);
  const [added, setAdded] = useState(0);
  return (
    <form
      className="flex flex-wrap items-end gap-3"
      onSubmit={(e) => {
        e.preventDefault();
        updateCart((c) => addToCart(c, { sku, name, price }, quantity));
        void recordEvent(sku, 'cart');
        // Attributed to experiments on the server, by visitor: no variant is needed here.
        track({ type: 'add-to-cart', placement: 'product-page', experiment: null, variant: null });
        setAdded((n) => n + quantity);
      }}
    >
      <label className="flex flex-col text-sm font-medium">
        Quantity
        <input
          type="number"
          min={1}
          max={MAX_QUANTITY}
          value={quantity}
          onChange={(e) => setQuantity(Math.max(1, Math.min(MAX_QUANTITY, Number(e.target.value) || 1)))}
          className="mt-1 w-20 rounded-lg border border-slate-300 px-3 py-2"
        />
      </label>
      <button type="submit" className="rounded-full bg-brand-600 px-6 py-2.5 font-semibold text-white hover:bg-brand-700" data-testid="add-to-cart">
        Add to cart
      </button>
      <p role="status" aria-live="polite" className="min-h-6 w-full text-sm text-emerald-700">
        {added > 0 ? `Added ${added} to your cart.` : ''}
      </p>
    </form>
  );
}
