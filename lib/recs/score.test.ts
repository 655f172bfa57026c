import { describe, expect, it } from 'vitest';
import { syntheticScorer, syntheticSignals } from '../../models/test-model';
import { rng } from '../../models/random';
import { DEFAULT_FEATURE_SPEC, historyInputs, type HistoryEvent } from './features';
import { candidateRows, checkSpec, F, FEATURE_TABLE, featureMatrix, FX, mergeAllTop, type StageFeature, rankingScores, repeatScores, scoreHead, scoreParts, scoreRow, STAGE_FEATURES, userContext } from './score';
import { dotAll, dotRows, topK } from './rank';
import { decodeSignals, encodeSignals, signalsLayout, type ItemSignals } from './signals';

const n = 30;
const signals = syntheticSignals(n);
const spec = syntheticScorer();
const index = new Map(Array.from({ length: n }, (_, i) => [`S${i}`, i]));
const NOW = Date.UTC(2011, 10, 24);
const DAY = 86_400_000;
const events: HistoryEvent[] = [
  { sku: 'S3', at: NOW - 40 * DAY, kind: 'purchase' },
  { sku: 'S3', at: NOW - 2 * DAY, kind: 'purchase' },
  { sku: 'S7', at: NOW - DAY, kind: 'view' },
  { sku: 'S12', at: NOW - 90 * DAY, kind: 'cart' },
];
const history = historyInputs(events, index, NOW, DEFAULT_FEATURE_SPEC);
const r = rng(4);
const dots = Float32Array.from({ length: n }, () => r() - 0.5);

describe('history slots', () => {
  it('carry a kind-weighted count and the days since the last event', () => {
    expect([...history.ids.slice(0, 4)]).toEqual([7, 3, 12, -1]);
    expect([...history.counts.slice(0, 3)]).toEqual([0.25, 2, 0.5]);
    expect([...history.ages.slice(0, 3)]).toEqual([1, 2, 90]);
  });
});

describe('the second stage', () => {
  const ctx = userContext(signals, history);

  it('builds the user context from the slots: co-purchase, category shares, mean price, name words', () => {
    const total = 0.25 + 2 + 0.5;
    expect(ctx.slots.map((s) => s.id)).toEqual([7, 3, 12]);
    // Categories are i % 3: items 3 and 12 are category 0, item 7 category 1.
    expect(ctx.categoryShare[0]).toBeCloseTo((2 + 0.5) / total, 6);
    expect(ctx.categoryShare[1]).toBeCloseTo(0.25 / total, 6);
    expect(ctx.meanLogPrice).toBeCloseTo((0.25 * signals.vectors.logPrice[7]! + 2 * signals.vectors.logPrice[3]! + 0.5 * signals.vectors.logPrice[12]!) / total, 6);
    // S3's first neighbour is item 4: weighted by S3's count.
    const m = signals.neighboursPerItem;
    expect(ctx.copurchase.get(signals.neighbours[3 * m]!)).toBeGreaterThanOrEqual(2 * signals.neighbourWeights[3 * m]! - 1e-6);
    expect(ctx.tokenShare.some((x) => x > 0)).toBe(true);
  });

  it('scores every item as its feature row times the weights, for each head', () => {
    for (const head of ['explore', 'repeat'] as const) {
      const X = featureMatrix(signals, ctx, dots);
      const fast = scoreHead(spec.heads[head], signals, ctx, dots.slice());
      for (let i = 0; i < n; i++) expect(fast[i]).toBeCloseTo(scoreRow(spec.heads[head], X, i), 4);
    }
  });

  it('addresses features by name: each named column is that computation, and the table order is pinned', () => {
    // The order is the manifest's and the heads' weight order: changing it must be a deliberate retrain
    // (an old manifest is then refused by checkSpec), never a silent re-weighting.
    expect(STAGE_FEATURES).toEqual(['dot', 'pop30', 'pop7', 'trend', 'fresh', 'copurchase', 'category', 'price', 'design', 'owned', 'count', 'decayed', 'recency', 'due', 'ownedPop', 'ownedRepeatRate']);
    const groups = FEATURE_TABLE.map((f) => f.group);
    expect(groups.lastIndexOf('explore')).toBeLessThan(groups.indexOf('owned'));
    const X = featureMatrix(signals, ctx, dots);
    const v = signals.vectors;
    for (const i of [0, 3, 7, 12, 29]) {
      const col = (f: StageFeature) => X[i * F + FX[f]]!;
      expect(col('dot')).toBe(dots[i]);
      expect([col('pop30'), col('pop7'), col('trend'), col('fresh')]).toEqual([v.pop30[i], v.pop7[i], v.trend[i], v.fresh[i]]);
      expect(col('category')).toBe(ctx.categoryShare[signals.category[i]!]);
      expect(col('price')).toBe(Math.fround(-Math.abs(v.logPrice[i]! - ctx.meanLogPrice)));
    }
    const s3 = ctx.slots.find((x) => x.id === 3)!;
    expect(X[3 * F + FX.count]).toBe(Math.fround(Math.log1p(s3.count)));
    expect(X[3 * F + FX.ownedPop]).toBe(v.pop30[3]);
    expect(X[3 * F + FX.ownedRepeatRate]).toBe(v.repeatRate[3]);
    expect(X[3 * F + FX.owned]).toBe(1);
  });

  it('gives owned-only features to history items alone', () => {
    const X = featureMatrix(signals, ctx, dots);
    const owned = STAGE_FEATURES.indexOf('owned');
    const slots = new Set([7, 3, 12]);
    for (let i = 0; i < n; i++) for (let f = owned; f < F; f++) if (!slots.has(i)) expect(X[i * F + f]).toBe(0);
    expect(X[3 * F + owned]).toBe(1);
    expect(X[3 * F + STAGE_FEATURES.indexOf('count')]).toBeCloseTo(Math.log1p(2), 6);
  });

  it('"all" is explore for new items and ownedOffset + repeat for owned ones; repeat ranks only the slots', () => {
    const explore = rankingScores('explore', spec, signals, ctx, dots.slice());
    const all = rankingScores('all', spec, signals, ctx, dots.slice());
    const repeat = repeatScores(spec, signals, ctx, dots);
    expect(repeat.map(([i]) => i).sort()).toEqual([12, 3, 7]);
    for (let k = 1; k < repeat.length; k++) expect(repeat[k - 1]![1]).toBeGreaterThanOrEqual(repeat[k]![1]);
    for (const [i, z] of repeat) expect(all[i]).toBeCloseTo(spec.ownedOffset + z, 4);
    for (let i = 0; i < n; i++) if (![3, 7, 12].includes(i)) expect(all[i]).toBe(explore[i]);
  });

  it('"all" from its two parts (training\'s merge) is the list rankingScores("all") ranks', () => {
    for (const offset of [-2, 0, 0.5, 3]) {
      const s2 = { ...spec, ownedOffset: offset };
      const full = topK(rankingScores('all', s2, signals, ctx, dots.slice()), 10);
      const repeat = repeatScores(s2, signals, ctx, dots.slice());
      const base = scoreHead(spec.heads.explore, signals, ctx, dots.slice());
      const top = topK(base, 10, new Set(repeat.map(([i]) => i))).map((i): [number, number] => [i, base[i]!]);
      expect(mergeAllTop(top, repeat, offset, 10)).toEqual(full);
    }
  });

  it("each score's parts (the debug panel's) add up to it, for new and owned items under every ranking", () => {
    const sum = (p: Record<string, number>) => Object.values(p).reduce((a, b) => a + b, 0);
    const explore = rankingScores('explore', spec, signals, ctx, dots.slice());
    const all = rankingScores('all', spec, signals, ctx, dots.slice());
    for (const i of [0, 3, 5, 7, 12]) {
      expect(sum(scoreParts('explore', spec, signals, ctx, dots[i]!, i))).toBeCloseTo(explore[i]!, 4);
      expect(sum(scoreParts('all', spec, signals, ctx, dots[i]!, i))).toBeCloseTo(all[i]!, 4);
    }
    for (const [i, z] of repeatScores(spec, signals, ctx, dots)) expect(sum(scoreParts('repeat', spec, signals, ctx, dots[i]!, i))).toBeCloseTo(z, 4);
    expect(Object.keys(scoreParts('all', spec, signals, ctx, dots[3]!, 3))).toEqual(expect.arrayContaining(['owned', 'offset']));
  });

  it('an empty history has no personal terms: only the dot product and the item signals', () => {
    const empty = userContext(signals, historyInputs([], index, NOW, DEFAULT_FEATURE_SPEC));
    expect(empty.hasHistory).toBe(false);
    const X = featureMatrix(signals, empty, dots);
    for (let i = 0; i < n; i++) for (const f of ['copurchase', 'category', 'price', 'design', 'owned'] as const) expect(X[i * F + STAGE_FEATURES.indexOf(f)]).toBe(0);
  });

  it('refuses a manifest scorer made for other features', () => {
    expect(() => checkSpec(spec)).not.toThrow();
    expect(() => checkSpec({ ...spec, features: [...STAGE_FEATURES].reverse() })).toThrow(/not this code's/);
    expect(() => checkSpec({ ...spec, heads: { ...spec.heads, repeat: [1, 2] } })).toThrow(/repeat has 2 weights/);
  });
});

describe('signals.bin', () => {
  it('round-trips, and a file of the wrong size is refused', () => {
    const bytes = encodeSignals(signals);
    const back = decodeSignals(bytes, n, signalsLayout(signals));
    expect(back).toEqual(signals);
    expect(() => decodeSignals(bytes.subarray(1), n, signalsLayout(signals))).toThrow(/bytes, the manifest's layout needs/);
  });
});

describe('the sparse terms', () => {
  it("'design' from the inverted index equals every item's own words, ranking after ranking", () => {
    const ctx = userContext(signals, history);
    const X = featureMatrix(signals, ctx, dots);
    const col = STAGE_FEATURES.indexOf('design');
    const only = STAGE_FEATURES.map((f) => (f === 'design' ? 1 : 0));
    // The walk stamps the items it visited: a second and a third ranking must not see the first's marks.
    for (let run = 0; run < 3; run++) {
      const fromIndex = scoreHead(only, signals, ctx, new Float32Array(n));
      for (let i = 0; i < n; i++) expect(fromIndex[i]).toBeCloseTo(X[i * F + col]!, 6);
    }
    expect(ctx.words.shares[0]).toBeGreaterThan(0);
    expect([...ctx.words.shares]).toEqual([...ctx.words.shares].sort((a, b) => b - a));
    // A shopper with no history has no words, and no item gets a design term.
    const none = userContext(signals, historyInputs([], index, NOW, DEFAULT_FEATURE_SPEC));
    expect(none.words.tokens).toHaveLength(0);
    expect([...scoreHead(only, signals, none, new Float32Array(n))].every((x) => x === 0)).toBe(true);
  });
});

describe('communities (models/communities.ts)', () => {
  // Items 0–9 one community, 10–19 another, 20–29 in none; the history (3, 7, 12) is in both.
  const tagged = { ...signals, community: Uint16Array.from({ length: n }, (_, i) => (i < 10 ? 1 : i < 20 ? 2 : 0)) };
  const ruledOut = (s: ItemSignals, h: typeof history, kind: 'explore' | 'all') => [...rankingScores(kind, spec, s, userContext(s, h), dots.slice())].flatMap((x, i) => (x === -Infinity ? [i] : []));

  it("rank a shopper only their own communities' products, and those in none", () => {
    const onlyFirst = historyInputs([{ sku: 'S3', at: NOW - DAY, kind: 'purchase' }], index, NOW, DEFAULT_FEATURE_SPEC);
    const second = Array.from({ length: 10 }, (_, k) => 10 + k);
    expect(ruledOut(tagged, onlyFirst, 'explore')).toEqual(second);
    expect(ruledOut(tagged, onlyFirst, 'all')).toEqual(second);
    // The rest keep the scores they have without communities.
    const plain = rankingScores('explore', spec, signals, userContext(signals, onlyFirst), dots.slice());
    const ruled = rankingScores('explore', spec, tagged, userContext(tagged, onlyFirst), dots.slice());
    for (let i = 0; i < n; i++) if (i < 10 || i >= 20) expect(ruled[i]).toBe(plain[i]);
  });

  it("need only the kept rows' dot products: the same scores to the bit from a row-by-row tower", () => {
    const dim = 4;
    const items = Float32Array.from({ length: n * dim }, () => r() - 0.5);
    const u = Float32Array.of(0.3, -0.2, 0.5, 0.1);
    const onlyFirst = userContext(tagged, historyInputs([{ sku: 'S3', at: NOW - DAY, kind: 'purchase' }], index, NOW, DEFAULT_FEATURE_SPEC));
    const rows = candidateRows(tagged, onlyFirst)!;
    expect([...rows].sort((a, b) => a - b)).toEqual([...Array.from({ length: 10 }, (_, k) => k), ...Array.from({ length: 10 }, (_, k) => 20 + k)]);
    for (const kind of ['explore', 'all'] as const) expect(rankingScores(kind, spec, tagged, onlyFirst, dotRows(u, items, dim, rows, new Float32Array(n)))).toEqual(rankingScores(kind, spec, tagged, onlyFirst, dotAll(u, items, dim)));
    expect([...candidateRows(tagged, userContext(tagged, history))!].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(candidateRows(signals, userContext(signals, history))).toBeNull();
  });

  it('rule out nothing for a history in both, a history in none, no history, or a catalogue without them', () => {
    expect(ruledOut(tagged, history, 'explore')).toEqual([]);
    const inNone = historyInputs([{ sku: 'S25', at: NOW - DAY, kind: 'view' }], index, NOW, DEFAULT_FEATURE_SPEC);
    expect(ruledOut(tagged, inNone, 'explore')).toEqual([]);
    expect(ruledOut(tagged, historyInputs([], index, NOW, DEFAULT_FEATURE_SPEC), 'all')).toEqual([]);
    expect(ruledOut(signals, history, 'all')).toEqual([]);
  });

  it('travel in signals.bin only when there are some: the file of a catalogue without them is unchanged', () => {
    expect(signalsLayout(tagged).communities).toBe(2);
    expect(signalsLayout(signals).communities).toBeUndefined();
    const back = decodeSignals(encodeSignals(tagged), n, signalsLayout(tagged));
    expect(back.community).toEqual(tagged.community);
    expect(encodeSignals(tagged).byteLength - encodeSignals(signals).byteLength).toBe(2 * n);
    expect(decodeSignals(encodeSignals(signals), n, signalsLayout(signals)).community).toBeUndefined();
  });
});
