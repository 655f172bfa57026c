import { describe, expect, it } from 'vitest';
import type { Manifest } from '../lib/recs/manifest';
import { gate, gateTable, GATE_MEASURES } from './gate';
import { emptyMetrics } from './test-model';

const spread = (mean: number, se: number) => ({ windows: [mean, mean], mean, se, worst: mean });

/** Metrics with the four measures at these means and standard errors. */
function metrics(means: { all: number; explore: number; repeat: number; basket: number }, se = 0.003): Manifest['metrics'] {
  return {
    ...emptyMetrics(),
    towerBacktest: {
      windows: [],
      reported: { 'two-tower': { all: spread(means.all, se), explore: spread(means.explore, se), repeat: spread(means.repeat, se) }, popularity: { all: spread(0.9, se), explore: spread(0.9, se), repeat: spread(0.9, se) } },
      tuning: {},
      verdicts: [],
    },
    basketBacktest: { windows: [], chosen: { halfLifeDays: null, categoryWeight: 0.1 }, tuningMean: 0, reported: { complement: spread(means.basket, se), 'same-category': spread(0.9, se) }, ships: 'complement' },
  };
}

const base = { all: 0.05, explore: 0.035, repeat: 0.32, basket: 0.022 };
const NOV = '2011-11-24T20:00:00.000Z';
const version = (m: Manifest['metrics'], trainedUntil = NOV) => ({ metrics: m, trainedUntil });

describe('the promotion gate', () => {
  it('passes a candidate equal or better on every measure', () => {
    expect(gate(version(metrics(base)), version(metrics(base))).pass).toBe(true);
    expect(gate(version(metrics(base)), version(metrics({ ...base, all: 0.06 }))).pass).toBe(true);
  });

  it.each(GATE_MEASURES)('refuses a candidate below on %s by more than one standard error of the difference, and only that measure', (measure) => {
    // se 0.003 each: the difference's is √2 × 0.003 = 0.00424.
    const within = gate(version(metrics(base)), version(metrics({ ...base, [measure]: base[measure] - 0.0042 })));
    expect(within.pass).toBe(true);
    const beyond = gate(version(metrics(base)), version(metrics({ ...base, [measure]: base[measure] - 0.0043 })));
    expect(beyond.pass).toBe(false);
    expect(beyond.rows.filter((r) => r.worse).map((r) => r.measure)).toEqual([measure]);
    expect(beyond.rows.find((r) => r.measure === measure)!.margin).toBeCloseTo(Math.SQRT2 * 0.003, 6);
  });

  it('reads the basket measure of the model that ships, and the tower measures of the trained model, not a baseline', () => {
    const m = metrics(base);
    const shipsBaseline = { ...m, basketBacktest: { ...m.basketBacktest!, ships: 'same-category' as const } };
    // The baseline's 0.9 counts once the baseline is what ships.
    expect(gate(version(metrics(base)), version(shipsBaseline)).rows.find((r) => r.measure === 'basket')!.delta).toBeCloseTo(0.9 - base.basket, 6);
    expect(gate(version(metrics(base)), version(m)).rows.find((r) => r.measure === 'all')!.candidate!.mean).toBe(base.all);
  });

  it('refuses a candidate without backtests (a version from before them), saying which measure is missing', () => {
    const result = gate(version(metrics(base)), version(emptyMetrics()));
    expect(result.pass).toBe(false);
    expect(result.rows.every((r) => r.worse && r.why?.includes('candidate'))).toBe(true);
    expect(gateTable(result, { current: 'aaa', candidate: 'bbb' })).toContain('WORSE (no all backtest in the candidate version)');
  });

  it('refuses a candidate whose data ends before the current version\'s, even with better backtests', () => {
    const result = gate(version(metrics(base)), version(metrics({ ...base, all: 0.06 }), '2011-10-24T18:00:00.000Z'));
    expect(result.pass).toBe(false);
    expect(result.older).toEqual({ current: '2011-11-24', candidate: '2011-10-24' });
    expect(gateTable(result, { current: 'aaa', candidate: 'bbb' })).toContain('OLDER');
    // The same data, later or equal: not older.
    expect(gate(version(metrics(base)), version(metrics(base), '2011-12-01T00:00:00.000Z')).pass).toBe(true);
  });

  it('calls a candidate trained on another purchase log not comparable, not worse, and refuses it', () => {
    const on = (sha: string, m = metrics(base), itemCount = 3450) => ({ ...version(m), training: { datasetSha256: sha }, itemCount });
    // A log copied three times: every measure lower, and none of it is a verdict on the model.
    const tripled = gate(on('a'.repeat(64)), on('b'.repeat(64), metrics({ all: 0.045, explore: 0.02, repeat: 0.3, basket: 0.01 }), 10_350));
    expect(tripled.pass).toBe(false);
    expect(tripled.otherData).toEqual({ current: 'log sha256 aaaaaaaaaaaa', candidate: 'log sha256 bbbbbbbbbbbb' });
    expect(tripled.rows.some((r) => r.worse)).toBe(false);
    const table = gateTable(tripled, { current: 'aaa', candidate: 'bbb' });
    expect(table).toContain('NOT COMPARABLE');
    expect(table).not.toContain('WORSE');
    // The same log: judged as before. A version from before the sha is told apart by its catalogue's size.
    expect(gate(on('a'.repeat(64)), on('a'.repeat(64))).pass).toBe(true);
    expect(gate({ ...version(metrics(base)), itemCount: 3450 }, on('b'.repeat(64), metrics(base), 10_350)).otherData).toEqual({ current: '3,450 products', candidate: '10,350 products' });
    expect(gate({ ...version(metrics(base)), itemCount: 3450 }, on('b'.repeat(64), metrics(base), 3450)).pass).toBe(true);
  });
});
