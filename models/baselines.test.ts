import { describe, expect, it } from 'vitest';
import { topK } from '../lib/recs/rank';
import { decayedFrequency, gpTopFreq, itemKnn, orderCounts, popularity, pTopFreq, recentPopularity, tifuKnn, tifuVector } from './baselines';
import { evalUsers, evaluateMeasures, measureTargets, rankFor, type EvalUser } from './evaluate';
import { F, STAGE_FEATURES } from '../lib/recs/score';
import { listLoss, type ListExample } from './second-stage';
import { rng } from './random';
import type { Purchaseish } from './data';

/**
 * A hand-made log: five products (P0..P4), three customers. Cutoff 2011-11-01; "now" for 30-day popularity.
 *   c1 bought P0 three times (Oct 1, 10, 20) and P1 once (Oct 25)
 *   c2 bought P1 twice (Oct 15, 28) and P2 once (Oct 28, with P1)
 *   c3 bought P3 once (Aug 1) and P2 once (Oct 30)
 * 30-day popularity (orders from Oct 2 on): P1 3, P2 2, P0 2, P3 0, P4 0.
 */
const row = (customerId: string, sku: string, date: string, invoice = `${customerId}-${date}`): Purchaseish => ({ customerId, sku, date: `${date} 10:00`, invoice });
const log: Purchaseish[] = [
  row('c3', 'P3', '2011-08-01'),
  row('c1', 'P0', '2011-10-01'),
  row('c1', 'P0', '2011-10-10'),
  row('c2', 'P1', '2011-10-15'),
  row('c1', 'P0', '2011-10-20'),
  row('c1', 'P1', '2011-10-25'),
  row('c2', 'P1', '2011-10-28'),
  row('c2', 'P2', '2011-10-28'),
  row('c3', 'P2', '2011-10-30'),
];
const future: Purchaseish[] = [row('c1', 'P1', '2011-11-05'), row('c1', 'P4', '2011-11-05'), row('c2', 'P2', '2011-11-06'), row('c3', 'P4', '2011-11-07')];
const index = new Map(['P0', 'P1', 'P2', 'P3', 'P4'].map((s, i) => [s, i]));
const NOW = Date.parse('2011-11-01T00:00:00Z');
const users = evalUsers(log, future, index);
const user = (c: string) => users.find((u) => u.customer === c)!;
const recent = recentPopularity(log, index, 5, NOW);
const top = (scores: Float32Array, k = 5) => topK(scores, k);

describe('the three measures', () => {
  it('split each customer into explore targets (never bought) and repeat targets (bought again)', () => {
    expect([...user('c1').owned].sort()).toEqual([0, 1]);
    expect([...measureTargets('all', user('c1'))].sort()).toEqual([1, 4]);
    expect([...measureTargets('explore', user('c1'))]).toEqual([4]);
    expect([...measureTargets('repeat', user('c1'))]).toEqual([1]);
    expect([...measureTargets('repeat', user('c3'))]).toEqual([]); // c3 counts for explore only
  });

  it('rank the catalogue, the catalogue without the history, or the history alone', () => {
    const scores = Float32Array.of(5, 4, 3, 2, 1);
    expect(rankFor('all', scores, user('c1'))).toEqual([0, 1, 2, 3, 4]);
    expect(rankFor('explore', scores, user('c1'))).toEqual([2, 3, 4]);
    expect(rankFor('repeat', scores, user('c1'))).toEqual([0, 1]);
  });

  it('count a customer in a measure only when it has targets there', () => {
    const m = evaluateMeasures(users, popularity(recent));
    expect([m.explore.users, m.repeat.users]).toEqual([2, 2]); // c1 and c3 explore; c1 and c2 repeat
    // Repeat for c1: P1 (pop 3) before P0 (pop 2) → the target first → NDCG 1; c2 owns P1, P2, target P2 second → 1/log2(3).
    expect(m.repeat['ndcg@10']).toBeCloseTo((1 + 1 / Math.log2(3)) / 2, 4);
  });
});

describe('baselines on a hand-made log', () => {
  it('popularity counts orders; 30-day popularity only the last 30 days', () => {
    expect([...orderCounts(log, index, 5)]).toEqual([3, 3, 2, 1, 0]);
    expect([...recent]).toEqual([2, 3, 2, 0, 0]);
  });

  it('P-TopFreq: own products by count, ties to the most recent, then 30-day popularity', () => {
    // c2: P1 twice, P2 once; then P0 (pop 2, lower index than... P2 is owned), P3, P4.
    expect(top(pTopFreq(index, recent, NOW)(user('c2')))).toEqual([1, 2, 0, 3, 4]);
    // c3: P3 (Aug) and P2 (Oct) once each: the more recent first.
    expect(top(pTopFreq(index, recent, NOW)(user('c3')), 2)).toEqual([2, 3]);
  });

  it('GP-TopFreq: own products by count, ties by 30-day popularity, then 30-day popularity', () => {
    // c3: P2 (pop 2) before P3 (pop 0) either way; c1: P0 three times before P1.
    expect(top(gpTopFreq(index, recent, NOW)(user('c1')))).toEqual([0, 1, 2, 3, 4]);
    const tie: EvalUser = { customer: 'x', history: [{ sku: 'P3', at: NOW - 1, kind: 'purchase' }, { sku: 'P0', at: NOW - 2e9, kind: 'purchase' }], targets: new Set([4]), owned: new Set([0, 3]) };
    expect(top(gpTopFreq(index, recent, NOW)(tie), 2)).toEqual([0, 3]); // recency would put P3 first; popularity puts P0
    expect(top(pTopFreq(index, recent, NOW)(tie), 2)).toEqual([3, 0]);
  });

  it('time-decayed frequency: a recent purchase outweighs older ones as the half-life shortens', () => {
    // c1: P0 bought Oct 1/10/20, P1 Oct 25. Long half-life: P0 (3 orders) first; 2-day half-life: P1 (7 days old) first.
    expect(top(decayedFrequency(index, recent, NOW, 365)(user('c1')), 2)).toEqual([0, 1]);
    expect(top(decayedFrequency(index, recent, NOW, 2)(user('c1')), 2)).toEqual([1, 0]);
  });

  it('item-kNN sums cosine similarities to the history', () => {
    // c3 owns P3 and P2; P2 co-occurs with P1 (c2): cos(P2, P1) = 1 / √(2·2).
    const s = itemKnn(log, index, 5)(user('c3'));
    expect(s[1]).toBeCloseTo(1 / Math.sqrt(2 * 2), 5);
    expect(s[4]).toBe(0);
  });

  it("TIFU-KNN: decayed group vectors, blended with the nearest customers' vectors", () => {
    // Four baskets in groups of two, within-group decay 0.5, no group decay: groups [b1 b2] [b3 b4].
    const v = tifuVector([[0], [1], [0], [2]], { groupSize: 2, withinDecay: 0.5, groupDecay: 1 });
    // Each group: (0.5·older + 1·newer) / 2; the user vector: the mean of the groups.
    expect(v.get(0)).toBeCloseTo((0.25 + 0.25) / 2, 6);
    expect(v.get(1)).toBeCloseTo(0.5 / 2, 6);
    expect(v.get(2)).toBeCloseTo(0.5 / 2, 6);
    // alpha 1: the customer's own vector only; alpha 0: only the neighbours' (c3's neighbour c2 brings P1).
    const own = tifuKnn(log, index, 5, { groupSize: 2, withinDecay: 1, groupDecay: 1, neighbours: 1, alpha: 1 })(user('c3'));
    expect([...own].map((x) => x > 0)).toEqual([false, false, true, true, false]);
    const theirs = tifuKnn(log, index, 5, { groupSize: 2, withinDecay: 1, groupDecay: 1, neighbours: 1, alpha: 0 })(user('c3'));
    expect(theirs[1]).toBeGreaterThan(0);
  });
});

describe('second-stage training', () => {
  it('the hand-written gradient of the listwise loss equals finite differences', () => {
    const r = rng(11);
    const examples: ListExample[] = Array.from({ length: 4 }, (_, e) => ({
      X: Float32Array.from({ length: 7 * F }, () => r() - 0.5),
      logWeight: Float32Array.from({ length: 7 }, (_, k) => (k < 2 ? 0 : Math.log(3))),
      targets: e % 2 ? [0] : [0, 1],
    }));
    const w = Float64Array.from({ length: F }, () => r() - 0.5);
    const grad = new Float64Array(F);
    listLoss(w, examples, grad);
    const h = 1e-6;
    for (let f = 0; f < F; f++) {
      const up = Float64Array.from(w);
      const down = Float64Array.from(w);
      up[f]! += h;
      down[f]! -= h;
      expect(grad[f]).toBeCloseTo((listLoss(up, examples) - listLoss(down, examples)) / (2 * h), 5);
    }
    expect(STAGE_FEATURES).toHaveLength(F);
  });
});
