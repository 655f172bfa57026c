'use client';
import { IntentLink } from '@/components/nav/IntentLink';
import { useEffect, useState } from 'react';
import { addToCart, type Cart } from '@/lib/cart/cart';
import { updateCart } from '@/lib/cart/storage';
import { decodeHandoff } from '@/lib/handoff/fragment';
import { safeDestination } from '@/lib/handoff/links';
import { recordEvent } from '@/lib/history/store';
import { bucketOf } from '@/lib/recs/parts';

type CatalogRow = [string, string, number, string];

/**
 * The catalogue's rows for these codes: the whole catalogue where it is one answer, else only the buckets the
 * codes are in (app/api/catalog/route.ts: the same bytes for everyone, so the requests say nothing about the cart).
 */
async function catalogRows(skus: readonly string[]): Promise<Map<string, CatalogRow>> {
  const get = (query: string) => fetch(`/api/catalog${query}`).then((r) => r.json() as Promise<{ version: string; buckets: number; items?: CatalogRow[] }>);
  try {
    const first = await get('');
    const buckets = [...new Set(skus.map((sku) => bucketOf(sku, first.buckets)))];
    const items = first.items ?? (await Promise.all(buckets.map((b) => get(`?v=${first.version}&bucket=${b}`)))).flatMap((x) => x.items ?? []);
    return new Map(items.map((r) => [r[0], r]));
  } catch {
    return new Map();
  }
}

/**
 * The handoff link's web fallback (the app is not installed, or this is another browser): restores the
 * recent products and the cart from the fragment into this browser, then opens the page it was for.
 */
export function HandoffRestore() {
  const [status, setStatus] = useState<'restoring' | 'error'>('restoring');
  const [error, setError] = useState('');

  useEffect(() => {
    const to = safeDestination(new URLSearchParams(window.location.search).get('to'));
    const decoded = decodeHandoff(window.location.hash);
    void (async () => {
      if (!decoded.ok) {
        await Promise.resolve();
        setError(decoded.error);
        setStatus('error');
        return;
      }
      const now = Date.now();
      // Oldest first, a second apart, so the newest keeps its place at the top of the history.
      const history = [...decoded.state.history].reverse();
      for (const [i, sku] of history.entries()) await recordEvent(sku, 'view', now - (history.length - i) * 1000);
      // Names and prices come from this store's catalogue (the same bytes for everyone), never from the link.
      const rows = await catalogRows(decoded.state.cart.map((l) => l.sku));
      updateCart((c: Cart) =>
        decoded.state.cart.reduce((acc, l) => {
          const row = rows.get(l.sku);
          return row ? addToCart(acc, { sku: l.sku, name: row[1], price: row[2] }, l.quantity) : acc;
        }, c),
      );
      window.location.replace(to);
    })();
  }, []);

  return status === 'error' ? (
    <p role="alert" data-testid="handoff-error">
      This link could not be opened here ({error}). <IntentLink href="/" className="underline">Go to the store</IntentLink>.
    </p>
  ) : (
    <p data-testid="handoff-restoring">Bringing your products and cart over…</p>
  );
}
