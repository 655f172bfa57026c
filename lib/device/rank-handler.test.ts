import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel, shelfModelOf } from '../recs/artifacts';
import { PointerSchema } from '../recs/manifest';
import { dotAll } from '../recs/rank';
import { prepareScorer } from '../recs/rank-wasm';
import { shelfUser } from '../recs/shelf';
import { poolHistory, userTower } from '../recs/tower';
import type { HistoryInputs } from '../recs/features';
import { answerRank, type Ranker } from './rank-handler';
import type { RankRequest } from './protocol';

const pointerFile = path.join('public', 'models', 'current.json');
const pointer = PointerSchema.parse(JSON.parse(readFileSync(pointerFile, 'utf8')));
const dir = path.join('public', path.dirname(pointer.manifest));

/** The worker's rank handler in Node: the tower in TypeScript where the worker runs onnxruntime-web. */
async function ranker(): Promise<{ r: Ranker; scorings: HistoryInputs[] }> {
  const model = await loadModel((p) => readFile(path.join(dir, p)));
  const shelf = shelfModelOf(model);
  const scorer = prepareScorer(model.items, model.manifest.dim, { signals: model.signals });
  const scorings: HistoryInputs[] = [];
  const score = async (h: HistoryInputs) => {
    scorings.push(h);
    const u = userTower(model.tower, poolHistory(model.items, model.manifest.dim, h.ids, h.weights));
    return shelfUser(shelf, h, () => dotAll(u, model.items, model.manifest.dim));
  };
  return { r: { model, shelf, scorer, source: 'device-wasm', score }, scorings };
}

const rules = (ranking: 'explore' | 'all' | 'complement' | 'repeat', anchorSku?: string) => ({ ranking, k: 10, pin: [], block: [], excludePurchased: ranking === 'explore', ...(anchorSku ? { anchorSku } : {}) });

describe('the worker\'s rank handler, in Node', () => {
  it("answers the golden browsing session's home shelf with golden.json's explore ranking", async () => {
    const { r } = await ranker();
    const golden = (JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8')) as { cases: { name: string; now: string; events: { sku: string; at: string; kind: 'view' | 'cart' | 'purchase' }[]; expected: { explore10: string[] } }[] }).cases;
    const g = golden.find((c) => c.name === 'browsing-session')!;
    const req: RankRequest = { type: 'rank', id: 1, history: g.events.map((e) => ({ sku: e.sku, at: Date.parse(e.at), kind: e.kind })), cart: [], shelves: [rules('explore')] };
    const [answer] = await answerRank(r, req, 12.3, Date.parse(g.now));
    expect(answer!.items.map((i) => i.sku)).toEqual(g.expected.explore10);
    expect(answer!.modelVersion).toBe(pointer.version);
    expect(answer!.timings.loadMs).toBe(12);
    expect(answer!.historyUsed.length).toBeGreaterThan(0);
  });

  it("scores once per anchor: a product page's shelves share one scoring, reported on the first; another anchor scores again", async () => {
    const { r, scorings } = await ranker();
    const [a, b] = r.model.skus;
    const req: RankRequest = { type: 'rank', id: 2, history: [{ sku: b!, at: Date.now() - 60_000, kind: 'view' }], cart: [], shelves: [rules('explore', a), rules('complement', a), rules('all')] };
    const shelves = await answerRank(r, req, 0);
    expect(scorings).toHaveLength(2);
    expect(shelves.map((s) => s.timings.sharedTower ?? false)).toEqual([false, true, false]);
    expect(shelves[1]!.timings.inferenceMs).toBe(0);
    // The anchor is never shown on its own page.
    for (const s of shelves.slice(0, 2)) expect(s.items.map((i) => i.sku)).not.toContain(a);
    expect(shelves.map((s) => s.timings.loadMs)).toEqual([0, 0, 0]);
  });
});
