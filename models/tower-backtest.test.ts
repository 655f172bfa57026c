import { describe, expect, it } from 'vitest';
import type { Purchaseish } from './data';
import { evalUsers, splitAt } from './evaluate';
import { buildSignals } from './signals';
import { syntheticProducts, syntheticSignals } from './test-model';
import { shippedScorer, towerBacktest, towerVerdicts, towerWindows, type TowerBacktestInput } from './tower-backtest';
import { FX, rankingScores, STAGE_FEATURES, userContext } from '../lib/recs/score';
import { DEFAULT_FEATURE_SPEC, historyInputs } from '../lib/recs/features';
import { topK } from '../lib/recs/rank';
import { DAY, toMillis } from './time';
import { windowUsers, type Fit, type Tower } from './two-tower';
import { spread } from './backtest';
import { rng } from './random';

const START = Date.UTC(2011, 0, 1);
const day = (d: number) => new Date(START + d * DAY).toISOString().slice(0, 16).replace('T', ' ');
const skus = Array.from({ length: 30 }, (_, i) => `P${i}`);
const products = syntheticProducts(skus).map((p) => ({ ...p, units: 1, orders: 1, customers: 1, recentUnits: 0, firstSold: '2011-01-01', lastSold: '2011-08-01' }));
const index = new Map(skus.map((s, i) => [s, i]));

/** 40 customers over 240 days, each buying two products every few days from their own corner of the catalogue. */
function toyLog(): Purchaseish[] {
  const r = rng(3);
  const rows: Purchaseish[] = [];
  let inv = 0;
  for (let d = 0; d < 240; d++)
    for (let c = 0; c < 40; c++) {
      if (r() > 0.2) continue;
      const invoice = `${inv++}`;
      for (const k of [0, 1]) rows.push({ invoice, sku: skus[(c + k * 3 + Math.floor(r() * 4)) % skus.length]!, date: day(d), customerId: `c${c}` });
    }
  return rows;
}

/** A stand-in tower (random rows) that remembers the cut it was asked for. */
function tower(now: number): Fit {
  const r = rng(Math.floor(now / DAY));
  const dim = 4;
  const model: Tower = { dim, skus, items: Float32Array.from({ length: skus.length * dim }, () => r() - 0.5), W: Float32Array.from({ length: dim * dim }, (_, k) => (k % (dim + 1) === 0 ? 1 : 0)), b: new Float32Array(dim), spec: DEFAULT_FEATURE_SPEC, now };
  return { model, losses: [], examples: 0, seconds: 0 };
}

describe('tower backtest', () => {
  it('lays two 15-day windows per month back from the end, the newest months reported', () => {
    const end = START + 240 * DAY;
    const w = towerWindows(end, 2, 1);
    expect(w.map((x) => (x.end - x.start) / DAY)).toEqual([15, 15, 15, 15, 15, 15]);
    expect(w.at(-1)!.end).toBe(end);
    expect(w.map((x) => x.month)).toEqual([3, 3, 2, 2, 1, 1]);
    expect(w.map((x) => x.role)).toEqual(['tuning', 'tuning', 'reported', 'reported', 'reported', 'reported']);
  });

  it('never scores a window with anything fitted on or after its start (leak test on a toy log)', () => {
    const log = toyLog();
    const end = START + 240 * DAY;
    const seen: { what: string; upTo: number; at: number }[] = [];
    let current = 0;
    const latest = (h: readonly Purchaseish[]) => Math.max(...h.map((p) => toMillis(p.date)));
    const input: TowerBacktestInput = {
      purchases: log,
      skus,
      end,
      towerAt: (cut) => {
        seen.push({ what: 'tower', upTo: cut, at: current });
        return tower(cut);
      },
      stageWindowAt: (cut) => {
        // The heads' window: history before `cut`, targets in the 30 days after: all of it is data up to cut + 30d.
        seen.push({ what: 'heads', upTo: cut + 30 * DAY, at: current });
        const { history, future } = splitAt(log, cut, cut + 30 * DAY);
        return { users: windowUsers(tower(cut).model, evalUsers(history, future, index)), signals: buildSignals(products, history, cut, DEFAULT_FEATURE_SPEC) };
      },
      signalsAt: (at, history) => {
        seen.push({ what: 'signals', upTo: latest(history), at: current });
        return buildSignals(products, history, at, DEFAULT_FEATURE_SPEC);
      },
      baselines: { tifu: { groupSize: 4, withinDecay: 1, groupDecay: 1, neighbours: 10, alpha: 0.9 }, decayHalfLifeDays: 60 },
    };
    const windows = towerWindows(end, 2, 1);
    const starts = windows.map((w) => w.start);
    current = starts[0]!;
    const result = towerBacktest(input, windows, (done) => (current = starts[done] ?? Infinity));
    expect(seen.filter((s) => s.what === 'tower').length).toBe(3);
    expect(seen.filter((s) => s.what === 'signals').length).toBe(6);
    // Everything is asked for while scoring some window: nothing it used reaches that window's start.
    for (const s of seen) expect(s.upTo, `${s.what} for the window from ${new Date(s.at).toISOString()}`).toBeLessThanOrEqual(s.at);
    expect(Object.keys(result.reported)).toContain('two-tower');
    expect(result.perWindow['two-tower']!.all).toHaveLength(6);
  });

  it('marks a measure whose model is below its best baseline on the mean as losing, and counts the windows it loses by more than a standard error', () => {
    const row = (v: number[]) => ({ all: spread(v), explore: spread(v), repeat: spread(v) });
    const verdicts = towerVerdicts({ 'two-tower': row([0.1, 0.1, 0.02, 0.1]), 'popularity-30d': row([0.09, 0.09, 0.09, 0.09]) });
    expect(verdicts.every((v) => v.loses)).toBe(true);
    expect(verdicts[0]!.losingWindows).toBe(1);
    const winning = towerVerdicts({ 'two-tower': row([0.2, 0.2, 0.2, 0.2]), 'popularity-30d': row([0.1, 0.1, 0.1, 0.1]) });
    expect(winning.map((v) => [v.loses, v.ratio])).toEqual([
      [false, 2],
      [false, 2],
      [false, 2],
    ]);
  });
});

describe('what ships for the tower shelves', () => {
  const trained = { kind: 'two-stage' as const, features: [...STAGE_FEATURES], heads: { explore: STAGE_FEATURES.map(() => 0.5), repeat: STAGE_FEATURES.map(() => 0.25) }, ownedOffset: 3 };
  const row = (v: number) => ({ all: spread([v, v]), explore: spread([v, v]), repeat: spread([v, v]) });

  it('ships the trained scorer where it wins', () => {
    const { scorer, baseline } = shippedScorer(trained, towerVerdicts({ 'two-tower': row(0.2), 'popularity-30d': row(0.1) }));
    expect(baseline).toEqual([]);
    expect(scorer).toEqual(trained);
  });

  it('hands a deliberately weak model to the baselines: explore ranks by 30-day popularity, repeat by count, re-buys first', () => {
    const { scorer, baseline } = shippedScorer(trained, towerVerdicts({ 'two-tower': row(0.01), 'gp-topfreq': row(0.1), 'popularity-30d': row(0.05) }));
    expect(baseline).toEqual(['all', 'explore', 'repeat']);
    const signals = syntheticSignals(40);
    const ctx = userContext(signals, historyInputs([], new Map(), 0, DEFAULT_FEATURE_SPEC));
    const explore = rankingScores('explore', scorer, signals, ctx, new Float32Array(40).fill(0.3));
    const byPop = [...signals.vectors.pop30.keys()].sort((a, b) => signals.vectors.pop30[b]! - signals.vectors.pop30[a]! || a - b);
    expect(topK(explore, 10)).toEqual(byPop.slice(0, 10));
    expect(scorer.ownedOffset).toBe(1000);
    expect(scorer.heads.repeat[FX.count]).toBe(1);
  });
});
