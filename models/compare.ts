/** The evaluation table: the two-tower model and every baseline on one split. */
import * as ort from 'onnxruntime-node';
import { historyInputs, type HistoryInputs } from '../lib/recs/features';
import type { LoadedModel } from '../lib/recs/artifacts';
import { scoreAll, topK } from '../lib/recs/rank';
import { towerInputs } from '../lib/recs/tower';
import { itemKnn, orderCounts, popularity, recentPopularity, repeatThenPopular, type Ranker } from './baselines';
import { evalUsers, evaluate, K, type EvalUser, type Metrics } from './evaluate';
import type { Purchaseish } from './train';

export interface EvalResult {
  users: number;
  models: Record<string, Metrics>;
}

export function baselineRankers(history: readonly Purchaseish[], index: ReadonlyMap<string, number>, n: number, now: number): Record<string, Ranker> {
  const recent = recentPopularity(history, index, n, now);
  return {
    popularity: popularity(orderCounts(history, index, n)),
    'popularity-30d': popularity(recent),
    'repeat-then-popular': repeatThenPopular(index, recent),
    'item-knn': itemKnn(history, index, n),
  };
}

export function compare(history: readonly Purchaseish[], future: readonly Purchaseish[], skus: string[], now: number, twoTower: (users: EvalUser[]) => Ranker): EvalResult {
  const index = new Map(skus.map((s, i) => [s, i]));
  const users = evalUsers(history, future, index);
  const rankers = { 'two-tower': twoTower(users), ...baselineRankers(history, index, skus.length, now) };
  return { users: users.length, models: Object.fromEntries(Object.entries(rankers).map(([name, r]) => [name, evaluate(users, r)])) };
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

/** A ranker over the shipped artifacts: ONNX for the user tower, lib/recs/rank.ts for the scorer. */
export async function shippedRanker(model: LoadedModel, users: EvalUser[], now: number): Promise<Ranker> {
  const index = new Map(model.skus.map((s, i) => [s, i]));
  const inputs = users.map((u) => historyInputs(u.history, index, now, model.manifest.features));
  const embeddings = users.length > 0 ? await onnxUserEmbeddings(model, inputs) : [];
  const byCustomer = new Map(users.map((u, i) => [u.customer, i]));
  return (u) => {
    const i = byCustomer.get(u.customer)!;
    const scores = scoreAll(model.manifest.scorer, { user: embeddings[i]!, items: model.items, dim: model.manifest.dim, prior: model.prior, history: inputs[i]! });
    return topK(scores, K);
  };
}
