/**
 * A rank request's answer: one scoring per anchor (a product page's shelves share theirs, home's have none),
 * then each shelf ranked by the shelf pipeline (lib/recs/shelf.ts). Pure of the worker's globals: the scoring
 * is passed in (onnxruntime-web in the worker; the tower in TypeScript in a test), so Node runs it as the
 * worker does.
 */
import type { DeviceModel } from '../recs/artifacts';
import type { PreparedScorer } from '../recs/rank-wasm';
import type { HistoryInputs } from '../recs/features';
import { rankShelf, slotIds, towerHistory, type ShelfModel, type ShelfUser } from '../recs/shelf';
import type { ShelfRules } from '../recs/shelf-rules';
import type { DeviceSource } from '../recs/shelf-source';
import type { EpDecision, RankRequest, RankTimings, ShelfAnswer, VersionFallback } from './protocol';

/** What ranking reads of a loaded version, and how this device scores a history. */
export interface Ranker {
  model: DeviceModel;
  shelf: ShelfModel;
  /** The item rows in the SIMD kernel (or the JavaScript scorer). */
  scorer: PreparedScorer;
  source: DeviceSource;
  decision?: EpDecision;
  fellBackFrom?: VersionFallback;
  /** Every product scored for one history: the tower then the kernel, or the whole graph. */
  score: (h: HistoryInputs) => Promise<ShelfUser>;
}

/** The scoring for one anchor (the history with the product on screen as a purchase), shared by that anchor's shelves. */
interface Tower {
  user: ShelfUser;
  inferenceMs: number;
}

async function runTower(r: Ranker, req: RankRequest, anchorSku: string | undefined, now: number): Promise<Tower> {
  const h = towerHistory(r.shelf, { history: req.history, cart: req.cart, now }, anchorSku);
  const t0 = performance.now();
  const user = await r.score(h);
  return { user, inferenceMs: performance.now() - t0 };
}

function answerShelf(r: Ranker, req: RankRequest, rules: ShelfRules, tower: Tower, t: Pick<RankTimings, 'loadMs' | 'inferenceMs' | 'sharedTower'>, now: number): ShelfAnswer {
  const t1 = performance.now();
  r.scorer.headRan();
  const items = rankShelf(r.shelf, rules, { history: req.history, cart: req.cart, now }, tower.user, { kernel: r.scorer, parts: true });
  const head = r.scorer.headRan();
  return {
    items,
    source: r.source,
    modelVersion: r.model.manifest.version,
    ranking: rules.ranking,
    timings: { ...t, rankingMs: performance.now() - t1, scorer: tower.user.heads ? 'graph' : r.scorer.kind, ...(head ? { head } : {}) },
    historyUsed: slotIds(tower.user.inputs).map((i) => r.model.skus[i]!),
    ...(r.decision ? { epDecision: r.decision } : {}),
    ...(r.fellBackFrom ? { fellBackFrom: r.fellBackFrom } : {}),
  };
}

/** Every shelf of the request, in order; `loadMs` (the first request's) is reported on the first shelf. */
export async function answerRank(r: Ranker, req: RankRequest, loadMs: number, now = Date.now()): Promise<ShelfAnswer[]> {
  const towers = new Map<string, Promise<Tower>>();
  const shelves: ShelfAnswer[] = [];
  for (const rules of req.shelves) {
    const anchor = rules.anchorSku ?? '';
    const fresh = !towers.has(anchor);
    if (fresh) towers.set(anchor, runTower(r, req, rules.anchorSku, now));
    const tower = await towers.get(anchor)!;
    shelves.push(answerShelf(r, req, rules, tower, { loadMs: shelves.length === 0 ? Math.round(loadMs) : 0, ...(fresh ? { inferenceMs: tower.inferenceMs } : { inferenceMs: 0, sharedTower: true as const }) }, now));
  }
  return shelves;
}
