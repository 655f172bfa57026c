/**
 * Every fact about a placement (a place a shelf can go), in one table: its page, the ranking it asks for,
 * whether a layout may choose another, its title, whether it takes a category and whether only the device
 * can rank it. The config schema, the shelf plan (lib/shelf/plan.ts), the pages and the events all derive
 * from it, so a new placement is one row.
 */
import type { Ranking } from '../recs/shelf-rules';
import type { Page } from './schema';

export interface PlacementFacts {
  page: Page;
  /** The ranking of lib/recs/score.ts it asks for by default. */
  ranking: Ranking;
  /** A layout may ask for 'explore' or 'all' instead (not for "Buy it again" or the complement shelves: their ranking is what they are). */
  rankingChoosable: boolean;
  title: string;
  /** Product shelves: a layout may keep the product's category ('same', the default) or leave it out ('other', titled so). */
  category?: { default: 'same' | 'other'; otherTitle: string };
  /** Its list needs the purchase history, which never leaves the device: no edge ranking, no static list. */
  deviceOnly: boolean;
  /** Never what the shopper bought ("Recommended for you" is the explore ranking of what they never bought). */
  excludePurchased: boolean;
}

/**
 * 'product-bought-together' ("Frequently bought together") and 'cart-complete' rank basket complements of the
 * product on screen or of the cart's lines (lib/recs/complements.ts), blended with the shopper's own ranking
 * where they have a history. 'home-for-you' ranks products the shopper never bought; 'home-buy-again' only
 * products they bought, on the device only; the product and cart shelves rank like "for you" around what is on screen.
 */
export const PLACEMENT_TABLE = {
  'home-for-you': { page: 'home', ranking: 'explore', rankingChoosable: true, title: 'Recommended for you', deviceOnly: false, excludePurchased: true },
  'home-buy-again': { page: 'home', ranking: 'repeat', rankingChoosable: false, title: 'Buy it again', deviceOnly: true, excludePurchased: false },
  'product-similar': { page: 'product', ranking: 'explore', rankingChoosable: true, title: 'You may also like', category: { default: 'same', otherTitle: 'Complete the set' }, deviceOnly: false, excludePurchased: false },
  'product-bought-together': { page: 'product', ranking: 'complement', rankingChoosable: false, title: 'Frequently bought together', deviceOnly: false, excludePurchased: false },
  'cart-upsell': { page: 'cart', ranking: 'explore', rankingChoosable: true, title: 'Goes well with your basket', deviceOnly: false, excludePurchased: false },
  'cart-complete': { page: 'cart', ranking: 'complement', rankingChoosable: false, title: 'Complete your basket', deviceOnly: false, excludePurchased: false },
} as const satisfies Record<string, PlacementFacts>;

export type Placement = keyof typeof PLACEMENT_TABLE;
export const PLACEMENTS = Object.keys(PLACEMENT_TABLE) as [Placement, ...Placement[]];

/** One placement's facts (typed loosely: the optional fields are there to read). */
export const placementFacts = (p: Placement): PlacementFacts => PLACEMENT_TABLE[p];

/** Which page each shelf belongs to (as a type too: a page's shelves are known at compile time). */
export const PLACEMENT_PAGE = Object.fromEntries(PLACEMENTS.map((p) => [p, PLACEMENT_TABLE[p].page])) as { [K in Placement]: (typeof PLACEMENT_TABLE)[K]['page'] };

/** Placements the edge cannot rank: they need the device's purchase history. */
export const DEVICE_ONLY_PLACEMENTS: readonly Placement[] = PLACEMENTS.filter((p) => PLACEMENT_TABLE[p].deviceOnly);
