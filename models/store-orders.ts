/**
 * The store's own orders as purchase-log rows, for training (`npm run models -- --with-store-orders`): each line
 * of each order the store recorded (lib/events/: product codes the server checked, under the visitor's signed id)
 * becomes a purchase by customer `store:<visitor id>`, priced from the catalogue, dated when it was placed. The
 * catalogue stays the merchant's: a line for a product it does not list is left out (and counted).
 */
import type { CatalogFile } from '../lib/catalog/types';
import type { StoreOrder } from '../lib/events/store';
import type { Purchase } from './data';

/** Store customers never collide with the log's (numeric) customer ids. */
export const STORE_CUSTOMER_PREFIX = 'store:';

/** `YYYY-MM-DD HH:MM` in UTC: the purchase log's clock (models/time.ts reads it back). */
const logDate = (at: number) => new Date(at).toISOString().slice(0, 16).replace('T', ' ');

export interface StorePurchases {
  purchases: Purchase[];
  orders: number;
  customers: number;
  /** Lines for products the catalogue does not list. */
  skippedLines: number;
}

export function storePurchases(orders: readonly StoreOrder[], catalog: Pick<CatalogFile, 'products'>): StorePurchases {
  const products = new Map(catalog.products.map((p) => [p.sku, p]));
  const purchases: Purchase[] = [];
  let skippedLines = 0;
  for (const o of orders) {
    for (const l of o.lines) {
      const p = products.get(l.sku);
      if (!p) {
        skippedLines++;
        continue;
      }
      purchases.push({ invoice: `store-${o.id}`, sku: p.sku, description: p.name, quantity: l.quantity, date: logDate(o.at), unitPrice: p.price, customerId: `${STORE_CUSTOMER_PREFIX}${o.visitor}`, country: 'Unspecified' });
    }
  }
  return { purchases, orders: orders.length, customers: new Set(orders.map((o) => o.visitor)).size, skippedLines };
}

/** The log and the store's purchases as one log, in time order (the log's own order kept among equal times). */
export function joinPurchases(log: readonly Purchase[], store: readonly Purchase[]): Purchase[] {
  return [...log, ...store].map((p, i) => ({ p, i })).sort((a, b) => (a.p.date < b.p.date ? -1 : a.p.date > b.p.date ? 1 : a.i - b.i)).map(({ p }) => p);
}
