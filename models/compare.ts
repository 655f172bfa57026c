/** The evaluation table: the two-tower model and every baseline on one split. */
import { rowsOf } from '../lib/recs/items';
import * as ort from 'onnxruntime-node';
import { historyInputs, type HistoryInputs } from '../lib/recs/features';
import type { LoadedModel } from '../lib/recs/artifacts';
import { dotAll } from '../lib/recs/rank';
import { towerInputs } from '../lib/recs/tower';
import { DECAY_GRID, decayedFrequency, gpTopFreq, itemKnn, orderCounts, popularity, pTopFreq, recentPopularity, tifuCustomers, tifuKnn, tifuVectors, TIFU_GRID, type TifuParams } from './baselines';
import { evalUsers, evaluateMeasures, listScorers, rankFor, type EvalUser, type Measure, type ModelMetrics, type Scorer } from './evaluate';
import { sampleBy, SAMPLE_CAPS } from './sample';
import { charge } from './stage-clock';
import type { Purchaseish } from './data';
import { stageScorers } from './two-tower';
import { scorerIO, tableShape } from './export/scorer-onnx';
import { graphFeeds, tablesFor } from '../lib/recs/graph-tables';
import { SCORER_INPUTS } from '../lib/recs/manifest';

export interface EvalResult {
  users: number;
  /** The customers before sampling (models/sample.ts), where there were more than the cap. */
  of?: number;
  models: Record<string, ModelMetrics>;
}

/** A window's customers, sampled past the cap (models/sample.ts): the same customers for every ranker. */
export function windowCustomers(history: readonly Purchaseish[], future: readonly Purchaseish[], index: ReadonlyMap<string, number>, cap: number = SAMPLE_CAPS.customers): { users: EvalUser[]; of: number } {
  const s = sampleBy(evalUsers(history, future, index), (u) => u.customer, cap);
  return { users: s.items, of: s.of };
}

/** The baselines' own settings, tuned on the tuning split (never on the split they are reported on). */
export interface BaselineSettings {
  tifu: TifuParams;
  decayHalfLifeDays: number;
}

export function tuneBaselines(history: readonly Purchaseish[], future: readonly Purchaseish[], index: ReadonlyMap<string, number>, n: number, now: number): BaselineSettings {
  return charge('baseline tuning', () => {
    const { users } = windowCustomers(history, future, index, SAMPLE_CAPS.tuning);
    const recent = recentPopularity(history, index, n, now);
    // The grid's 48 settings share 12 groupings and decays: each customer's vectors are built once per those.
    const customers = tifuCustomers(history);
    const vectors = new Map<string, ReturnType<typeof tifuVectors>>();
    const vectorsFor = (p: TifuParams) => {
      const key = `${p.groupSize}:${p.withinDecay}:${p.groupDecay}`;
      return vectors.get(key) ?? vectors.set(key, tifuVectors(customers, index, n, p)).get(key)!;
    };
    const best = <T,>(grid: readonly T[], scorer: (x: T) => Scorer): T => {
      let top: { x: T; ndcg: number } = { x: grid[0] as T, ndcg: -1 };
      for (const x of grid) {
        const ndcg = evaluateMeasures(users, scorer(x))['ndcg@10'];
        if (ndcg > top.ndcg) top = { x, ndcg };
      }
      return top.x;
    };
    return {
      tifu: best(TIFU_GRID, (p) => tifuKnn(history, index, n, p, vectorsFor(p))),
      decayHalfLifeDays: best(DECAY_GRID, (h) => decayedFrequency(index, recent, now, h)),
    };
  });
}

export function baselineScorers(history: readonly Purchaseish[], index: ReadonlyMap<string, number>, n: number, now: number, settings: BaselineSettings): Record<string, Scorer> {
  return charge('baselines per window', () => {
    const recent = recentPopularity(history, index, n, now);
    return {
      popularity: popularity(orderCounts(history, index, n)),
      'popularity-30d': popularity(recent),
      'p-topfreq': pTopFreq(index, recent, now),
      'gp-topfreq': gpTopFreq(index, recent, now),
      'decayed-frequency': decayedFrequency(index, recent, now, settings.decayHalfLifeDays),
      'item-knn': itemKnn(history, index, n),
      'tifu-knn': tifuKnn(history, index, n, settings.tifu),
    };
  });
}

export function compare(
  history: readonly Purchaseish[],
  future: readonly Purchaseish[],
  skus: string[],
  now: number,
  settings: BaselineSettings,
  shipped: (users: EvalUser[]) => Scorer | Record<Measure, Scorer>,
): EvalResult {
  const index = rowsOf(skus);
  const { users, of } = windowCustomers(history, future, index);
  const scorers = { 'two-tower': shipped(users), ...baselineScorers(history, index, skus.length, now, settings) };
  return { users: users.length, ...(of > users.length ? { of } : {}), models: Object.fromEntries(Object.entries(scorers).map(([name, s]) => [name, evaluateMeasures(users, s)])) };
}

/** User embeddings from the shipped ONNX file, all users in one batched run. */
export async function onnxUserEmbeddings(model: LoadedModel, inputs: HistoryInputs[]): Promise<Float32Array[]> {
  const { dim: d, features } = model.manifest;
  const H = features.historyLength;
  const [embName, wName] = model.manifest.userTower.inputs.map((t) => t.name) as [string, string];
  const outName = model.manifest.userTower.outputs[0]!.name;
  const session = await ort.InferenceSession.create(model.userTower);
  const B = inputs.length;
  const x = towerInputs(model.items, d, inputs, H);
  const out = await session.run({ [embName]: new ort.Tensor('float32', x.embeddings, [B, H, d]), [wName]: new ort.Tensor('float32', x.weights, [B, H]) });
  const data = out[outName]!.data as Float32Array;
  await session.release();
  return inputs.map((_, b) => data.slice(b * d, (b + 1) * d));
}

/** The shipped scorer over the exported artifacts: the ONNX user tower (onnxruntime-node), then lib/recs/score.ts. */
export async function shippedScorers(model: LoadedModel, users: EvalUser[], now: number, graph?: Uint8Array): Promise<Record<Measure, Scorer>> {
  return graph ? graphScorers(model, graph, users, now) : referenceScorers(model, users, now);
}

/** The shipped scorer in TypeScript (lib/recs/score.ts) over the ONNX user tower: what the edge and the WebAssembly kernel compute. */
export async function referenceScorers(model: LoadedModel, users: EvalUser[], now: number): Promise<Record<Measure, Scorer>> {
  const index = rowsOf(model.skus);
  const inputs = users.map((u) => historyInputs(u.history, index, now, model.manifest.features));
  const embeddings = users.length > 0 ? await onnxUserEmbeddings(model, inputs) : [];
  const byCustomer = new Map(users.map((u, i) => [u.customer, i]));
  return stageScorers({ signals: model.signals, scorer: model.manifest.scorer }, (u) => {
    const i = byCustomer.get(u.customer)!;
    return { history: inputs[i]!, dots: dotAll(embeddings[i]!, model.items, model.manifest.dim) };
  });
}

/**
 * The shipped scorer through its one graph (manifest.files.scorer) in onnxruntime-node: every customer's three
 * outputs computed first (a session runs asynchronously, a Scorer does not). The repeat measure ranks every
 * owned product; only the history's slots have a repeat score, as in the reference.
 */
export async function graphScorers(model: LoadedModel, graph: Uint8Array, users: EvalUser[], now: number): Promise<Record<Measure, Scorer>> {
  const index = rowsOf(model.skus);
  const { manifest } = model;
  const L = manifest.features.historyLength;
  // A version from before the graph shipped has no description: a graph built for it (tests) has the builder's names.
  const io = manifest.scorerGraph ?? scorerIO(L, tableShape(manifest.dim, model.signals));
  const session = await ort.InferenceSession.create(graph);
  const [explore, repeat, all] = io.outputs.map((t) => t.name) as [string, string, string];
  // The catalogue's tables (lib/recs/graph-tables.ts), built once; a version whose graph holds its items reads none.
  const tables = tablesFor(io.inputs, model.items, manifest.dim, model.signals, manifest.features.tokenBuckets);
  // Each customer's three ranked lists, not the graph's catalogue-long outputs (listScorers).
  const lists = new Map<string, Record<Measure, number[]>>();
  for (const u of users) {
    const h = historyInputs(u.history, index, now, manifest.features);
    const slot = (x: ArrayLike<number>, empty: number) => Float32Array.from({ length: L }, (_, j) => x[j] ?? empty);
    const slots = Object.fromEntries(SCORER_INPUTS.map((name, k) => [name, slot([h.ids, h.weights, h.counts, h.ages][k]!, k === 0 ? -1 : 0)]));
    const feeds = Object.fromEntries(Object.entries(graphFeeds(io.inputs, slots, tables)).map(([name, t]) => [name, new ort.Tensor('float32', t.data, t.shape)]));
    const out = await session.run(feeds);
    const repeatScores = new Float32Array(model.signals.n).fill(-1e9);
    for (const id of h.ids) if (id >= 0) repeatScores[id] = (out[repeat]!.data as Float32Array)[id]!;
    lists.set(u.customer, { all: rankFor('all', out[all]!.data as Float32Array, u), explore: rankFor('explore', out[explore]!.data as Float32Array, u), repeat: rankFor('repeat', repeatScores, u) });
  }
  await session.release();
  return listScorers(model.signals.n, lists);
}
