/**
 * Cold-start ranking for shoppers the device cannot rank for yet (no history, model not loaded, no
 * worker). Pure and written only against the language and Web APIs, so it runs in an edge runtime.
 *
 * Without session products: the shipped scorer's ranking of an empty history (the model's prior) lifted
 * by the request's context (country, time of day; lib/coldstart/context.ts). With `recent` (this
 * session's views, at most 20) or a product on screen: the ranking the shelf asks for, of that history
 * (lib/recs/score.ts, the tower in TypeScript: the same code the device runs after ONNX). Everything after
 * the user vector (rules, basket, taste blend, reasons, rounding, pins) is lib/recs/shelf.ts, the device's too.
 */
import { PLACEMENTS, type Placement } from '../config/schema';
import { rankShelf, shelfDots, shelfUser, towerHistory, type ShelfModel } from '../recs/shelf';
import type { ShelfRules } from '../recs/shelf-rules';
import { poolHistory, userTower, type UserTowerWeights } from '../recs/tower';
import type { Ranked } from './answer';
import { contextScores, type ColdStartContext, type RequestContext } from './context';

export { PLACEMENTS, type Placement };

/** The shelf model (lib/recs/shelf.ts) and what only the edge needs: the tower's weights (no ONNX here) and the request context's lifts. */
export interface ColdStartData extends ShelfModel {
  modelVersion: string;
  tower: UserTowerWeights;
  context: ColdStartContext;
}

export interface ColdStartQuery {
  placement: Placement;
  k: number;
  recent: string[];
  sku?: string;
}

export interface ColdStartOptions {
  request?: RequestContext;
  /** The instant the session's events are dated (tests fix it). */
  now?: number;
}

/**
 * The shelf for a shopper the device cannot rank for, through the same pipeline as the device
 * (lib/recs/shelf.ts). `recent` (this session's views) is the history: views dated now, so a shelf that
 * leaves out recent views leaves them out here too; the anchor is the strongest signal. With neither, the
 * prior lifted by the request's context ranks.
 */
export function coldStartRank(data: ColdStartData, rules: ShelfRules, recent: readonly string[], opts: ColdStartOptions = {}): Ranked[] {
  const now = opts.now ?? Date.now();
  const shopper = { history: recent.filter((s) => data.index.has(s)).map((sku) => ({ sku, at: now, kind: 'view' as const })), cart: null, now };
  const inputs = towerHistory(data, shopper, rules.anchorSku);
  const dots = () => shelfDots(data, user.ctx, userTower(data.tower, poolHistory(data.items, data.dim, inputs.ids, inputs.weights)));
  const prior = () => contextScores(data.prior, data.context, opts.request ?? { hour: 12 }, opts.request ? data.context.weights : { country: 0, daypart: 0 });
  const user = shelfUser(data, inputs, dots, prior);
  return rankShelf(data, rules, shopper, user);
}
