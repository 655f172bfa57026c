import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURE_SPEC, historyInputs, type HistoryEvent } from '../lib/recs/features';
import { STAGE_FEATURES } from '../lib/recs/score';
import { evaluateMeasures, type EvalUser } from './evaluate';
import { chooseRepeatFeatures, REPEAT_FEATURE_SETS, repeatNdcg, type WindowUser } from './second-stage';
import { syntheticSignals } from './test-model';
import { rng } from './random';
import { stageScorers } from './two-tower';

const N = 30;
const DAY = 86_400_000;
const NOW = Date.parse('2011-11-01T00:00:00Z');
const index = new Map(Array.from({ length: N }, (_, i) => [`S${i}`, i]));
const signals = syntheticSignals(N);

/**
 * Customers whose re-buy is the product they bought most often (a habit), plus one new product: a repeat
 * head that weighs 'count' ranks the re-buy first. Dots are random, so the explore features are noise here.
 */
function windowOf(seed: number, customers: number): WindowUser[] {
  const r = rng(seed);
  return Array.from({ length: customers }, (_, c) => {
    const owned = [...new Set(Array.from({ length: 6 }, () => Math.floor(r() * N)))];
    const history: HistoryEvent[] = owned.flatMap((id, k) => Array.from({ length: k === 0 ? 4 : 1 }, (_, t) => ({ sku: `S${id}`, at: NOW - (5 + 7 * t + k) * DAY, kind: 'purchase' as const })));
    const fresh = Array.from({ length: N }, (_, i) => i).find((i) => !owned.includes(i))!;
    const user: EvalUser = { customer: `c${seed}-${c}`, history, owned: new Set(owned), targets: new Set([owned[0]!, fresh]) };
    const dots = Float32Array.from({ length: N }, () => r() * 4 - 2);
    return { user, history: historyInputs(history, index, NOW, DEFAULT_FEATURE_SPEC), dots: () => dots, dot: (i: number) => dots[i]! };
  });
}
const windows = [windowOf(1, 40), windowOf(2, 40), windowOf(3, 40)];

describe('the repeat head choice', () => {
  it('scores a repeat head exactly as npm run eval does', () => {
    const w = STAGE_FEATURES.map((f) => (f === 'count' ? 1 : f === 'dot' ? 0.3 : 0));
    const users = windows[0]!;
    const scorer = { kind: 'two-stage' as const, features: [...STAGE_FEATURES], heads: { explore: w, repeat: w }, ownedOffset: 0 };
    const byEval = evaluateMeasures(
      users.map((u) => u.user),
      stageScorers({ signals, scorer }, (u) => {
        const x = users.find((w) => w.user === u)!;
        return { history: x.history, dots: x.dots() };
      }),
    ).repeat['ndcg@10'];
    expect(Math.round(repeatNdcg(users, signals, w) * 10_000) / 10_000).toBe(byEval);
    // The habit is the target: counting alone ranks it first for everyone.
    expect(repeatNdcg(users, signals, STAGE_FEATURES.map((f) => (f === 'count' ? 1 : 0)))).toBe(1);
  });

  it('keeps the set that did best on the newest window, trained on the older ones', () => {
    const choice = chooseRepeatFeatures(windows, [signals, signals, signals]);
    expect(Object.keys(choice.repeatHoldout)).toEqual(Object.keys(REPEAT_FEATURE_SETS));
    const best = Math.max(...Object.values(choice.repeatHoldout));
    expect(choice.repeatHoldout[choice.repeatFeatures]).toBe(best);
    // Every set has 'count', so each learns the habit here.
    expect(best).toBeGreaterThan(0.9);
  });
});
