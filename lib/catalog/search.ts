import type { Product } from './types';

/** Lower-case alphanumeric words; "T-Light" → ["t", "light"]. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, ' ').trim().split(' ').filter(Boolean);
}

// Plurals the shopper types should still find the singular: "hearts" → "heart", "boxes" → "box".
function stem(t: string): string {
  if (t.length > 4 && t.endsWith('es') && /(x|ch|sh|ss)es$/.test(t)) return t.slice(0, -2);
  if (t.length > 3 && t.endsWith('s') && !t.endsWith('ss')) return t.slice(0, -1);
  return t;
}

export interface SearchIndex {
  entries: { product: Product; tokens: string[] }[];
}

export function createSearchIndex(products: Product[]): SearchIndex {
  return { entries: products.map((product) => ({ product, tokens: tokenize(`${product.name} ${product.sku}`) })) };
}

/**
 * Every query word must start some word of the name (or the code). Whole-word hits rank above prefix
 * hits, then best sellers first. A linear scan: 3,500 names take well under a millisecond.
 */
export function searchProducts(index: SearchIndex, query: string): Product[] {
  const terms = tokenize(query).slice(0, 8).map(stem);
  if (terms.length === 0) return [];
  const hits: { product: Product; score: number }[] = [];
  for (const { product, tokens } of index.entries) {
    let score = 0;
    let all = true;
    for (const term of terms) {
      let best = 0;
      for (const t of tokens) {
        if (t === term || stem(t) === term) {
          best = 2;
          break;
        }
        if (t.startsWith(term)) best = 1;
      }
      if (best === 0) {
        all = false;
        break;
      }
      score += best;
    }
    if (all) hits.push({ product, score });
  }
  hits.sort((a, b) => b.score - a.score || b.product.units - a.product.units || (a.product.sku < b.product.sku ? -1 : 1));
  return hits.map((h) => h.product);
}
