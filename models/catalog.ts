/** Purchases → products: one per StockCode, named, priced, categorised and ranked by popularity. */
import { CATEGORIES, categorize } from '../lib/catalog/categories';
import { displayName } from '../lib/catalog/display-name';
import type { CategorySummary, Product } from '../lib/catalog/types';
import type { Purchase } from './data';

export const RECENT_DAYS = 30;

function mode<T extends string | number>(counts: Map<T, number>, tieBreak: (a: T, b: T) => number): T | undefined {
  let best: T | undefined;
  let bestN = -1;
  for (const [v, n] of counts) {
    if (n > bestN || (n === bestN && best !== undefined && tieBreak(v, best) < 0)) {
      best = v;
      bestN = n;
    }
  }
  return best;
}

const bump = <T>(m: Map<T, number>, k: T, by = 1) => m.set(k, (m.get(k) ?? 0) + by);

/** A description that names a product, not a stock note ("check", "damaged", "?"). */
const STOCK_NOTE = /^(undefined|check|damaged|amazon|found|missing|wet|lost|sold as|\?)/i;
function isNameLike(d: string): boolean {
  return /[A-Za-z]{3}/.test(d) && !STOCK_NOTE.test(d);
}

/** Days before `date` (YYYY-MM-DD…) as YYYY-MM-DD. */
export function daysBefore(date: string, days: number): string {
  const t = Date.parse(`${date.slice(0, 10)}T00:00:00Z`) - days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

export interface BuiltCatalog {
  products: Product[];
  categories: CategorySummary[];
  firstDate: string;
  lastDate: string;
}

/**
 * Products in best-seller order (units, then orders, then code). Purchases must be cleaned (see data.ts).
 * "Recent" is the last RECENT_DAYS days of the log, so the season shows without a wall clock.
 */
export function buildCatalog(purchases: Purchase[]): BuiltCatalog {
  const lastDate = purchases.reduce((m, p) => (p.date > m ? p.date : m), '').slice(0, 10);
  const firstDate = purchases.reduce((m, p) => (m === '' || p.date < m ? p.date : m), '').slice(0, 10);
  const recentFrom = lastDate ? daysBefore(lastDate, RECENT_DAYS) : '';

  interface Acc {
    names: Map<string, number>;
    prices: Map<number, number>;
    units: number;
    invoices: Set<string>;
    customers: Set<string>;
    recent: number;
    first: string;
    last: string;
  }
  const acc = new Map<string, Acc>();
  for (const p of purchases) {
    let a = acc.get(p.sku);
    if (!a) {
      a = { names: new Map(), prices: new Map(), units: 0, invoices: new Set(), customers: new Set(), recent: 0, first: p.date, last: p.date };
      acc.set(p.sku, a);
    }
    if (isNameLike(p.description)) bump(a.names, p.description);
    bump(a.prices, p.unitPrice);
    a.units += p.quantity;
    a.invoices.add(p.invoice);
    if (p.customerId) a.customers.add(p.customerId);
    if (p.date.slice(0, 10) > recentFrom) a.recent += p.quantity;
    if (p.date < a.first) a.first = p.date;
    if (p.date > a.last) a.last = p.date;
  }

  const products: Product[] = [];
  for (const [sku, a] of acc) {
    // Ties go to the alphabetically first description and the lower price, so rebuilds are stable.
    const description = mode(a.names, (x, y) => (x < y ? -1 : x > y ? 1 : 0));
    const price = mode(a.prices, (x, y) => x - y);
    if (!description || price === undefined) continue;
    const name = displayName(description);
    products.push({
      sku,
      name,
      price,
      category: categorize(name),
      units: a.units,
      orders: a.invoices.size,
      customers: a.customers.size,
      recentUnits: a.recent,
      firstSold: a.first.slice(0, 10),
      lastSold: a.last.slice(0, 10),
    });
  }
  products.sort((x, y) => y.units - x.units || y.orders - x.orders || (x.sku < y.sku ? -1 : 1));

  const counts = new Map<string, number>();
  for (const p of products) bump(counts, p.category);
  const categories = CATEGORIES.map((c) => ({ slug: c.slug, label: c.label, count: counts.get(c.slug) ?? 0 })).filter(
    (c) => c.count > 0,
  );
  return { products, categories, firstDate, lastDate };
}
