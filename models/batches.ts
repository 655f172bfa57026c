/**
 * How the towers' batches are drawn. The loss is a softmax over the batch's targets (in-batch negatives), so
 * a batch teaches only as much as its negatives are products its customers could have bought. In one shop
 * every product is a few shared customers away from every other, and a random batch is the right draw. A
 * catalogue made of communities no customer crosses (regional assortments, a marketplace's shops; the scale
 * data set's copies) is different: a random batch's negatives then come mostly from other communities, are
 * told apart after the first steps, and the softmax learns from the few that remain (the explore NDCG@10 of
 * a shop copied three times fell 13%). So most batches are drawn from one community at a time (the
 * topic-aware sampling of dense retrieval, Hofstätter et al., 2021), and a share stay random, so that the
 * towers still learn to keep communities apart. A catalogue with no communities (one shop: models/communities.ts)
 * is one group, and every batch a random batch.
 */
import type { HistoryEvent } from '../lib/recs/features';
import type { Example } from './train';
import { communitiesOf } from './communities';

/**
 * The share of each epoch's examples that go into random batches (the rest: one community per batch). With
 * communities, 1 in 32: at 1 in 8 the ×10 shop's validation explore NDCG@10 was 3.4% below ×1's (4.4% over every
 * customer); at 1 in 32, −0.7%, and the backtest's −0.6%, all targets +0.2% on both (issue 32, 2026-12-07). With
 * none (one shop) every batch is random whatever the share, which only sets where an epoch is cut into batches;
 * it stays 1 in 8 there so the shop's committed version retrains bit for bit (cut at 1 in 32, the same shop's
 * validation explore moved 6.8%: what batch boundaries alone do to one training run).
 */
export const MIXED_SHARE = { communities: 1 / 32, oneShop: 1 / 8 } as const;

/** The share for these examples' groups: `communities` where there are two or more, else `oneShop`. */
export function mixedShare(groups: Int32Array): number {
  const first = groups[0];
  return groups.some((g) => g !== first) ? MIXED_SHARE.communities : MIXED_SHARE.oneShop;
}

/** Each product's community (models/communities.ts) from the histories the towers learn from; 0 where in none. */
export function productCommunities(events: ReadonlyMap<string, readonly HistoryEvent[]>, index: ReadonlyMap<string, number>, n: number): Uint16Array {
  const customers = [...events.values()].map((list) => Int32Array.from(new Set(list.flatMap((e) => (index.has(e.sku) ? [index.get(e.sku)!] : [])))));
  return communitiesOf(customers, n).community;
}

/** Each example's community: its target's. */
export const exampleGroups = (examples: readonly Example[], community: Uint16Array): Int32Array => Int32Array.from(examples, (ex) => community[ex.target]!);

/**
 * One epoch's batches from a shuffled order: the first `share` of it in random batches, the rest grouped by
 * community and cut into batches of one community, the pieces too small for a batch of their own pooled into
 * random ones; then the batches in a random order. Always ⌊N / size⌋ batches, as a plain shuffle gives.
 */
export function epochBatches(order: readonly number[], groups: Int32Array, size: number, rand: () => number, share = mixedShare(groups)): number[][] {
  const mixedCount = Math.round(order.length * share);
  const pool = order.slice(0, mixedCount);
  const byGroup = new Map<number, number[]>();
  for (const i of order.slice(mixedCount)) {
    const g = groups[i]!;
    const list = byGroup.get(g);
    if (list) list.push(i);
    else byGroup.set(g, [i]);
  }
  const batches: number[][] = [];
  for (const list of byGroup.values()) {
    const whole = Math.floor(list.length / size) * size;
    for (let s = 0; s < whole; s += size) batches.push(list.slice(s, s + size));
    pool.push(...list.slice(whole));
  }
  for (let s = 0; s + size <= pool.length; s += size) batches.push(pool.slice(s, s + size));
  for (let i = batches.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [batches[i], batches[j]] = [batches[j]!, batches[i]!];
  }
  return batches;
}
