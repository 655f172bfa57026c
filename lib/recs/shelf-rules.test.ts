import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from './features';
import { categoryFilter, excludedRows, RECENT_VIEW_WINDOW_MS, selectRepeat, selectShelf, staticShelf, withPins, type ShelfRules } from './shelf-rules';

/** Six products in two categories; scores rank them in code order (P0 best). */
const codes = ['P0', 'P1', 'P2', 'Q3', 'Q4', 'Q5'];
const catalogue = { index: new Map(codes.map((s, i) => [s, i])), categories: codes.map((c) => c[0]), n: codes.length };
const scores = Float32Array.of(6, 5, 4, 3, 2, 1);
const NOW = 1_000_000_000;
const rules = (over: Partial<ShelfRules> = {}): ShelfRules => ({ ranking: 'explore', k: 3, pin: [], block: [], excludePurchased: false, ...over });
const shopper = (history: HistoryEvent[] = [], cart: string[] = []) => ({ history, cart, now: NOW });
const codesOf = (rows: number[]) => rows.map((i) => codes[i]);

describe('shelf rules', () => {
  it('leave out the cart, blocked codes and the product on screen', () => {
    expect(codesOf(selectShelf(rules({ block: ['P1'], anchorSku: 'P0' }), scores, shopper([], ['P2']), catalogue))).toEqual(['Q3', 'Q4', 'Q5']);
  });

  it('leave out purchases only where the plan says, and views only inside the window', () => {
    const history: HistoryEvent[] = [
      { sku: 'P0', at: NOW - 1000, kind: 'purchase' },
      { sku: 'P1', at: NOW - RECENT_VIEW_WINDOW_MS + 1, kind: 'view' },
      { sku: 'P2', at: NOW - RECENT_VIEW_WINDOW_MS - 1, kind: 'view' },
    ];
    expect(codesOf(selectShelf(rules(), scores, shopper(history), catalogue))).toEqual(['P0', 'P1', 'P2']);
    expect(codesOf(selectShelf(rules({ excludePurchased: true, excludeViewedWithinMs: RECENT_VIEW_WINDOW_MS }), scores, shopper(history), catalogue))).toEqual(['P2', 'Q3', 'Q4']);
  });

  it("keep the anchor's category ('same') or leave it out ('other')", () => {
    expect(codesOf(selectShelf(rules({ anchorSku: 'Q4', category: 'same' }), scores, shopper(), catalogue))).toEqual(['Q3', 'Q5']);
    expect(codesOf(selectShelf(rules({ anchorSku: 'Q4', category: 'other' }), scores, shopper(), catalogue))).toEqual(['P0', 'P1', 'P2']);
    // Without an anchor there is nothing to be relative to: no filter.
    expect(categoryFilter(rules({ category: 'same' }), catalogue)).toBeUndefined();
    expect(excludedRows(rules({ category: 'same' }), shopper(), catalogue).size).toBe(0);
    // A pin outside the category is not shown either.
    expect(codesOf(selectShelf(rules({ anchorSku: 'Q4', category: 'same', pin: ['P1', 'Q5'] }), scores, shopper(), catalogue))).toEqual(['Q5', 'Q3']);
  });

  it('rank within a category as sorting the rest would (ties to the lower row), on a large random catalogue', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const n = 5_000;
    const cats = Array.from({ length: n }, () => String(Math.floor(rand() * 40)));
    const big = { index: new Map(cats.map((_, i) => [`S${i}`, i])), categories: cats, n };
    const s = Float32Array.from({ length: n }, () => Math.floor(rand() * 50)); // many ties
    for (const category of ['same', 'other'] as const) {
      const r = rules({ anchorSku: 'S17', category, k: 12, block: ['S3'] });
      const want = [...s.keys()].filter((i) => i !== 17 && i !== 3 && (cats[i] === cats[17]) === (category === 'same')).sort((a, b) => s[b]! - s[a]! || a - b).slice(0, 12);
      expect(selectShelf(r, s, shopper(), big)).toEqual(want);
    }
  });

  it('show pins first in their order, unknown codes dropped, and an exclusion beats a pin', () => {
    expect(codesOf(selectShelf(rules({ pin: ['Q5', 'NOPE', 'Q4'] }), scores, shopper(), catalogue))).toEqual(['Q5', 'Q4', 'P0']);
    expect(codesOf(selectShelf(rules({ pin: ['Q5', 'Q4'], block: ['Q5'], anchorSku: 'Q4' }), scores, shopper([], ['P0']), catalogue))).toEqual(['P1', 'P2', 'Q3']);
    expect(withPins([0, 1, 2], [2, 2], 2)).toEqual([2, 0]);
  });

  it('"Buy it again" keeps only purchases, best repeat score first, minus the cart', () => {
    const history: HistoryEvent[] = [
      { sku: 'P0', at: NOW - 5000, kind: 'purchase' },
      { sku: 'P1', at: NOW - 4000, kind: 'view' },
      { sku: 'Q3', at: NOW - 3000, kind: 'purchase' },
      { sku: 'Q4', at: NOW - 2000, kind: 'purchase' },
    ];
    const ranked: [number, number][] = [[1, 9], [4, 8], [0, 7], [3, 6]];
    expect(codesOf(selectRepeat(rules({ ranking: 'repeat' }), ranked, shopper(history, ['Q4']), catalogue))).toEqual(['P0', 'Q3']);
    expect(codesOf(selectRepeat(rules({ ranking: 'repeat', k: 1 }), ranked, shopper(history), catalogue))).toEqual(['Q4']);
  });

  it('the static list loses blocked codes and the product on screen, and keeps k', () => {
    const list = codes.map((sku) => ({ sku }));
    expect(staticShelf(rules({ block: ['P1'], anchorSku: 'P0' }), list).map((p) => p.sku)).toEqual(['P2', 'Q3', 'Q4']);
  });
});
