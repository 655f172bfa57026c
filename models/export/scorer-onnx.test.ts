import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadModel, readVerified, shelfModelOf } from '../../lib/recs/artifacts';
import { SCORER_INPUTS } from '../../lib/recs/manifest';
import { dotAll } from '../../lib/recs/rank';
import { graphUser, rankShelf, shelfUser, towerHistory } from '../../lib/recs/shelf';
import { poolHistory, userTower } from '../../lib/recs/tower';
import { rowsOf } from '../../lib/recs/items';
import { PointerSchema } from '../../lib/recs/manifest';
import { graphScorers, referenceScorers } from '../compare';
import { evalUsers, evaluateMeasures, MEASURES, rankFor, splitAt } from '../evaluate';
import { readPurchases, VALIDATION_DIR } from '../pipeline';
import { toMillis } from '../time';
import type { LoadedModel } from '../../lib/recs/artifacts';
import type { GoldenCase } from './artifacts';
import { goldenFeeds, goldenRankings } from './golden-ranks';
import { graphFeeds, tablesFor } from '../../lib/recs/graph-tables';

const root = path.join(process.cwd(), 'public', 'models');
const pointer = PointerSchema.parse(JSON.parse(readFileSync(path.join(root, 'current.json'), 'utf8')));
const dir = path.join(root, pointer.version);

/** A version's scorer graph: its own file (manifest.files.scorer, checked; every version since issue 25 ships one). */
async function graphBytes(model: LoadedModel, dir: string): Promise<Uint8Array> {
  const { scorer } = model.manifest.files;
  if (!scorer) throw new Error(`${model.manifest.version} ships no scorer graph`);
  return readVerified((p) => readFile(path.join(dir, p)), scorer);
}

describe('the whole scorer as one ONNX graph (scorer.onnx, issue 25)', () => {
  it('gives every golden case of the shipped model its top10, explore10 and repeat exactly, in onnxruntime-node', async () => {
    const model = await loadModel((p) => readFile(path.join(dir, p)));
    const session = await ort.InferenceSession.create(await graphBytes(model, dir));
    const golden = (JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8')) as { cases: GoldenCase[] }).cases;
    for (const g of golden) {
      const feeds = Object.fromEntries(Object.entries(goldenFeeds(g, model)).map(([name, t]) => [name, new ort.Tensor('float32', t.data, t.shape)]));
      const out = await session.run(feeds);
      const { top10, explore10, repeat } = g.expected;
      expect(goldenRankings(g, model.skus, { explore_scores: out.explore_scores!.data as Float32Array, repeat_scores: out.repeat_scores!.data as Float32Array, all_scores: out.all_scores!.data as Float32Array }), g.name).toEqual({ top10, explore10, repeat });
    }
  });

  it("ranks every shelf through the graph's outputs as through the TypeScript reference (the worker's graph path): same products, same scores", async () => {
    const model = await loadModel((p) => readFile(path.join(dir, p)));
    const session = await ort.InferenceSession.create(await graphBytes(model, dir));
    const shelf = shelfModelOf(model);
    const golden = (JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8')) as { cases: GoldenCase[] }).cases;
    const inputs = model.manifest.scorerGraph!.inputs;
    const tables = tablesFor(inputs, model.items, model.manifest.dim, model.signals, model.manifest.features.tokenBuckets);
    let shelves = 0;
    for (const g of golden) {
      const now = Date.parse(g.now);
      const shopper = { history: g.events.map((e) => ({ sku: e.sku, at: Date.parse(e.at), kind: e.kind })), cart: [], now };
      const anchorSku = g.events[0]?.sku;
      const h = towerHistory(shelf, shopper, anchorSku);
      const user = userTower(model.tower, poolHistory(model.items, model.tower.dim, h.ids, h.weights));
      const slots = Object.fromEntries(SCORER_INPUTS.map((name, k) => [name, Float32Array.from([h.ids, h.weights, h.counts, h.ages][k]!)]));
      const feeds = Object.fromEntries(Object.entries(graphFeeds(inputs, slots, tables)).map(([name, t]) => [name, new ort.Tensor('float32', t.data, t.shape)]));
      const out = await session.run(feeds);
      const heads = { explore: out.explore_scores!.data as Float32Array, repeat: out.repeat_scores!.data as Float32Array, all: out.all_scores!.data as Float32Array };
      for (const ranking of ['explore', 'repeat', 'all', 'complement'] as const) {
        const rules = { ranking, k: 10, pin: [], block: [], excludePurchased: ranking === 'explore', ...(anchorSku ? { anchorSku } : {}) };
        const reference = rankShelf(shelf, rules, shopper, shelfUser(shelf, h, () => dotAll(user, model.items, model.tower.dim)), { parts: true });
        const graph = rankShelf(shelf, rules, shopper, graphUser(shelf, h, heads), { parts: true });
        expect(graph.map((i) => i.sku), `${g.name} ${ranking}`).toEqual(reference.map((i) => i.sku));
        graph.forEach((item, k) => {
          const want = reference[k]!;
          expect(Math.abs(item.score - want.score), `${g.name} ${ranking} ${item.sku}`).toBeLessThan(1e-5);
          // The debug panel's parts: the same names, the same values (the two-tower part is what the graph's score leaves).
          expect(Object.keys(item.parts!).sort(), `${g.name} ${ranking} ${item.sku}`).toEqual(Object.keys(want.parts!).sort());
          for (const [name, v] of Object.entries(want.parts!)) expect(Math.abs(item.parts![name]! - v), `${g.name} ${ranking} ${item.sku} ${name}`).toBeLessThan(1e-4);
        });
        shelves++;
      }
    }
    expect(shelves).toBe(golden.length * 4);
  });

  it('ranks the whole validation set as the TypeScript reference does: the same NDCG@10, the same top-10 for 99% of customers, every difference a near-tie', async () => {
    const vdir = path.join(process.cwd(), VALIDATION_DIR);
    const vp = PointerSchema.parse(JSON.parse(readFileSync(path.join(vdir, 'current.json'), 'utf8')));
    const rel = vp.manifest.replace(/^\/models\//, '');
    const model = await loadModel((p) => readFile(path.join(vdir, path.dirname(rel), p)), path.basename(rel));
    const now = Date.parse(model.manifest.trainedUntil);
    const purchases = readPurchases(process.cwd());
    const { history, future } = splitAt(purchases, now, toMillis(purchases.at(-1)!.date) + 60_000);
    const index = rowsOf(model.skus);
    const users = evalUsers(history, future, index);
    expect(users.length).toBeGreaterThan(500);
    const reference = await referenceScorers(model, users, now);
    const graph = await graphScorers(model, await graphBytes(model, path.join(vdir, path.dirname(rel))), users, now);
    const a = evaluateMeasures(users, reference);
    const b = evaluateMeasures(users, graph);
    expect(b['ndcg@10']).toBe(a['ndcg@10']);
    expect(b.explore['ndcg@10']).toBe(a.explore['ndcg@10']);
    expect(b.repeat['ndcg@10']).toBe(a.repeat['ndcg@10']);
    // Top-10s: identical for at least 99% of customers; where not, each differing place holds two products whose
    // reference scores differ by less than 1e-5 (float32 sums in another order).
    const swaps: string[] = [];
    for (const m of MEASURES) {
      let same = 0;
      for (const u of users) {
        const ref = reference[m](u);
        const x = rankFor(m, ref, u);
        const y = rankFor(m, graph[m](u), u);
        if (x.join() === y.join()) {
          same++;
          continue;
        }
        x.forEach((id, k) => {
          if (y[k] !== id) {
            const gap = Math.abs(ref[id]! - ref[y[k] ?? id]!);
            swaps.push(`${m} ${u.customer} #${k + 1}: ${model.skus[id]} / ${model.skus[y[k]!]} (${gap.toExponential(1)})`);
            expect(gap, swaps.at(-1)).toBeLessThan(1e-5);
          }
        });
      }
      expect(same / users.length, m).toBeGreaterThanOrEqual(0.99);
    }
    console.log(`${users.length} customers; top-10 differences (all near-ties): ${swaps.length === 0 ? 'none' : swaps.join('; ')}`);
  }, 120_000);
});
