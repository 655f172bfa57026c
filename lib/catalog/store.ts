/** The catalog as the server sees it: data/catalog.json, loaded once per process, with its indexes. */
import 'server-only';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createSearchIndex, type SearchIndex } from './search';
import { parseCatalogFile, type CatalogFile, type Product } from './types';
import type { CategorySlug } from './categories';

export interface Catalog {
  version: string;
  file: CatalogFile;
  bySku: Map<string, Product>;
  byCategory: Map<CategorySlug, Product[]>;
  /** All products, best sellers first. */
  bestSellers: Product[];
  /** Best sellers of the last 30 days of the log. */
  trending: Product[];
  search: SearchIndex;
}

let cached: Catalog | undefined;

export function getCatalog(): Catalog {
  if (cached) return cached;
  let file: CatalogFile;
  try {
    // Statically scoped path: lets the bundler trace exactly this file into deployments.
    file = parseCatalogFile(readFileSync(path.join(process.cwd(), 'data', 'catalog.json'), 'utf8'));
  } catch (e) {
    throw new Error(`Catalog not available at data/catalog.json: run \`npm run catalog\` first (${(e as Error).message})`);
  }
  const byCategory = new Map<CategorySlug, Product[]>();
  for (const p of file.products) {
    const list = byCategory.get(p.category) ?? [];
    list.push(p);
    byCategory.set(p.category, list);
  }
  cached = {
    version: file.version,
    file,
    bySku: new Map(file.products.map((p) => [p.sku, p])),
    byCategory,
    bestSellers: file.products,
    trending: [...file.products].sort((a, b) => b.recentUnits - a.recentUnits || b.units - a.units),
    search: createSearchIndex(file.products),
  };
  return cached;
}

/** Product codes arrive from URLs; the catalog keys them upper case. */
export function getProduct(sku: string): Product | undefined {
  return getCatalog().bySku.get(sku.trim().toUpperCase());
}
