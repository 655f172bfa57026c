/**
 * The store's own orders as purchase-log rows, for training (`npm run models -- --with-store-orders`): each line
 * of each order the store recorded (lib/events/: product codes the server checked, under the visitor's signed id)
 * becomes a purchase by customer `store:<visitor id>`, priced from the catalogue. The catalogue stays the
 * merchant's: a line for a product it does not list is left out (and counted).
 *
 * Only what a shop would trust goes into its model (issue 34: two ids wrote 600 orders of 60,000 lines,
 * back-dated up to 29 days, into what this reads):
 *   - an order is dated when the server received it, never earlier: the device's clock can back-date it into
 *     a window the model is judged on (a device's honest offline wait only moves it later);
 *   - per visitor and day (UTC) of arrival, at most the store's own daily order limits (lib/events/plausible.ts:
 *     10 orders, £10,000), earliest first; the rest are left out and counted, whatever the events route allowed;
 *   - only counted visitors' orders: an id minted over its address's allowance is left out of the readouts, and
 *     of the model the same way (its orders are kept in the store, and counted here).
 */
import type { CatalogFile } from '../lib/catalog/types';
import type { StoreOrder } from '../lib/events/store';
import { DEFAULT_ORDER_LIMITS, type OrderLimits } from '../lib/events/plausible';
import type { Purchase } from './data';
import { DAY } from './time';

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
  /** Orders over a visitor's daily limits (left out whole). */
  overDailyLimit: number;
  /** Orders the device dated before their arrival by more than an hour (dated at arrival instead). */
  backDated: number;
  /** Orders from visitors the readouts leave out (left out whole). */
  notCounted: number;
}

const HOUR_MS = DAY / 24;

export function storePurchases(orders: readonly StoreOrder[], catalog: Pick<CatalogFile, 'products'>, limits: Pick<OrderLimits, 'maxVisitorOrdersPerDay' | 'maxVisitorPencePerDay'> = DEFAULT_ORDER_LIMITS): StorePurchases {
  const products = new Map(catalog.products.map((p) => [p.sku, p]));
  const purchases: Purchase[] = [];
  let skippedLines = 0;
  let overDailyLimit = 0;
  let backDated = 0;
  let notCounted = 0;
  const spent = new Map<string, { orders: number; pence: number }>();
  const kept = new Set<string>();
  for (const o of [...orders].sort((a, b) => a.receivedAt - b.receivedAt || (a.id < b.id ? -1 : 1))) {
    if (o.leftOut) {
      notCounted++;
      continue;
    }
    const day = `${o.visitor}|${Math.floor(o.receivedAt / DAY)}`;
    const pence = o.lines.reduce((sum, l) => sum + Math.round((products.get(l.sku)?.price ?? 0) * 100) * l.quantity, 0);
    const used = spent.get(day) ?? { orders: 0, pence: 0 };
    if (used.orders + 1 > limits.maxVisitorOrdersPerDay || used.pence + pence > limits.maxVisitorPencePerDay) {
      overDailyLimit++;
      continue;
    }
    spent.set(day, { orders: used.orders + 1, pence: used.pence + pence });
    kept.add(o.visitor);
    if (o.at < o.receivedAt - HOUR_MS) backDated++;
    for (const l of o.lines) {
      const p = products.get(l.sku);
      if (!p) {
        skippedLines++;
        continue;
      }
      purchases.push({ invoice: `store-${o.id}`, sku: p.sku, description: p.name, quantity: l.quantity, date: logDate(o.receivedAt), unitPrice: p.price, customerId: `${STORE_CUSTOMER_PREFIX}${o.visitor}`, country: 'Unspecified' });
    }
  }
  return { purchases, orders: orders.length - overDailyLimit - notCounted, customers: kept.size, skippedLines, overDailyLimit, backDated, notCounted };
}

/** The log and the store's purchases as one log, in time order (the log's own order kept among equal times). */
export function joinPurchases(log: readonly Purchase[], store: readonly Purchase[]): Purchase[] {
  return [...log, ...store].map((p, i) => ({ p, i })).sort((a, b) => (a.p.date < b.p.date ? -1 : a.p.date > b.p.date ? 1 : a.i - b.i)).map(({ p }) => p);
}
