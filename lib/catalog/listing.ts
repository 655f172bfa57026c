import type { Product } from './types';

export const SORTS = {
  popular: { label: 'Best sellers', compare: (a: Product, b: Product) => b.units - a.units },
  trending: { label: 'Trending', compare: (a: Product, b: Product) => b.recentUnits - a.recentUnits || b.units - a.units },
  'price-asc': { label: 'Price: low to high', compare: (a: Product, b: Product) => a.price - b.price },
  'price-desc': { label: 'Price: high to low', compare: (a: Product, b: Product) => b.price - a.price },
  name: { label: 'Name A–Z', compare: (a: Product, b: Product) => a.name.localeCompare(b.name, 'en-GB') },
  newest: { label: 'Newest', compare: (a: Product, b: Product) => (a.firstSold < b.firstSold ? 1 : a.firstSold > b.firstSold ? -1 : 0) },
} as const;

export type SortKey = keyof typeof SORTS;
export const DEFAULT_SORT: SortKey = 'popular';
export const PAGE_SIZE = 24;

export function parseSort(value: string | string[] | undefined): SortKey {
  return typeof value === 'string' && Object.hasOwn(SORTS, value) ? (value as SortKey) : DEFAULT_SORT;
}

/** A positive integer page number, or null when the value is not one (the route answers 404). */
export function parsePage(value: string | string[] | undefined): number | null {
  if (value === undefined) return 1;
  if (typeof value !== 'string' || !/^[1-9]\d{0,5}$/.test(value)) return null;
  return Number(value);
}

export interface Page<T> {
  items: T[];
  page: number;
  pageCount: number;
  total: number;
}

/** Sorted (ties by code, so pages never overlap) and cut into pages; null past the last page. */
export function paginate(products: Product[], sort: SortKey, page: number, size = PAGE_SIZE): Page<Product> | null {
  const sorted = [...products].sort((a, b) => SORTS[sort].compare(a, b) || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  const pageCount = Math.max(1, Math.ceil(sorted.length / size));
  if (page < 1 || page > pageCount) return null;
  return { items: sorted.slice((page - 1) * size, page * size), page, pageCount, total: sorted.length };
}
