/**
 * Issue 34's finding 1, replayed through the readout's own code (the SQLite store's caps and sums, then
 * buildReport's decision): honest visitors with no real difference between the arms, and a few counted ids that
 * view a shelf hundreds of times and click every view in the arm they want. Each row is 20 seeds; a readout
 * that names a winner (or keeps control) on an A/A test is a false decision. Under issue 24's caps (the 99th
 * percentile) these rows gave 17, 19 and 19 false wins in 20.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import localJson from '../config/default.json' with { type: 'json' };
import { parseLocal } from '../config/index';
import type { StoredEvent } from '../events/schema';
import { openSqliteStore } from '../events/sqlite-store';
import { rng } from '../../models/random';
import { buildReport } from './report';

const experiment = parseLocal(localJson).experiments[0]!; // below-hero (control) vs above-hero, 50/50, decided on click-through
const NOW = Date.UTC(2026, 10, 24, 12);
const dir = mkdtempSync(join(tmpdir(), 'tandem-steering-'));
const store = openSqliteStore(join(dir, 'events.db'));
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

let serial = 0;
const uuid = () => `00000000-0000-4000-8000-${(++serial).toString(16).padStart(12, '0')}`;

/**
 * One seed: `honest` visitors (1–12 shelf views, 5% click-through, one in ten ordering £5–£80), then `ids` attacker
 * ids × `views` views; with `orderPence`, each attacking id in the arm it wants also orders that much (the most a
 * visitor may order a day is £10,000: lib/events/limits.ts).
 */
async function falseDecision(name: string, seed: number, honest: number, ids: number, views: number, orderPence = 0, primaryMetric = experiment.primaryMetric): Promise<string> {
  const draw = rng(seed);
  const events: StoredEvent[] = [];
  const visit = (visitor: string, n: number, clickShare: (arm: string) => number, orderOf: (arm: string) => number) => {
    // The server's sticky assignment: the id cannot choose it.
    const arm = draw() < 0.5 ? 'below-hero' : 'above-hero';
    for (let k = 0; k < n; k++) {
      const at = NOW + k * 1000;
      const base = { experiment: name, variant: arm, placement: 'home-for-you' as const, visitor, receivedAt: NOW };
      events.push({ id: uuid(), type: 'exposure', at, ...base });
      if (draw() < clickShare(arm)) events.push({ id: uuid(), type: 'click', at: at + 1, position: 0, ...base });
    }
    const pence = orderOf(arm);
    if (pence > 0) events.push({ id: uuid(), type: 'purchase', at: NOW + n * 1000, experiment: null, variant: null, placement: null, visitor, receivedAt: NOW, lines: [{ sku: '22423', quantity: 1, fromShelf: false }], revenuePence: pence, recRevenuePence: 0 });
  };
  for (let v = 0; v < honest; v++) visit(`h${seed}-${v}`, 1 + Math.floor(draw() * 12), () => 0.05, () => (draw() < 0.1 ? 500 + Math.floor(draw() * 7500) : 0));
  for (let v = 0; v < ids; v++) visit(`x${seed}-${v}`, views, (arm) => (arm === 'above-hero' ? 1 : 0.05), (arm) => (arm === 'above-hero' ? orderPence : 0));
  for (let i = 0; i < events.length; i += 5000) await store.insert(events.slice(i, i + 5000));
  const report = buildReport({ ...experiment, id: name, primaryMetric }, await store.experimentCounts(name), NOW + 86_400_000);
  return report.decision.kind;
}

describe('a handful of ids cannot decide a readout (issue 34, finding 1)', () => {
  const rows = [
    { honest: 500, ids: 10, views: 400 },
    { honest: 1000, ids: 12, views: 400 },
    { honest: 2000, ids: 22, views: 150 },
  ];
  for (const row of rows) {
    it(`${row.honest} honest visitors + ${row.ids} ids × ${row.views} views clicking every view in one arm: at most 1 false decision in 20 seeds`, async () => {
      const decisions: string[] = [];
      for (let seed = 1; seed <= 20; seed++) decisions.push(await falseDecision(`steer-${row.honest}-${seed}`, seed, row.honest, row.ids, row.views));
      const wrong = decisions.filter((d) => d === 'winner' || d === 'keep-control').length;
      expect(wrong, decisions.join(' ')).toBeLessThanOrEqual(1);
    }, 120_000);
  }

  it('revenue the same way: 500 honest visitors + 10 ids each ordering £10,000 (a day\'s most) in one arm, decided on revenue per visitor: at most 1 false decision in 20 seeds', async () => {
    const decisions: string[] = [];
    for (let seed = 1; seed <= 20; seed++) decisions.push(await falseDecision(`steer-revenue-${seed}`, seed, 500, 10, 12, 1_000_000, 'revenuePerVisitor'));
    expect(decisions.filter((d) => d === 'winner' || d === 'keep-control').length, decisions.join(' ')).toBeLessThanOrEqual(1);
  }, 120_000);

  it('the caps sit above every honest visitor and below every attacking id (views and revenue)', async () => {
    await falseDecision('steer-caps', 99, 500, 10, 400, 1_000_000);
    const capped = (await store.experimentCounts('steer-caps')).capped!;
    // Honest visitors: at most 12 views and £80 an order; attacking ids: 400 views, £10,000 orders.
    expect(capped.exposuresCap).toBeGreaterThanOrEqual(12);
    expect(capped.exposuresCap).toBeLessThan(400);
    expect(capped.exposuresCappedVisitors).toBe(10);
    expect(capped.revenueCapPence).toBeGreaterThanOrEqual(8_000);
    expect(capped.revenueCapPence).toBeLessThan(1_000_000);
    expect(capped.clicksCap).toBeLessThanOrEqual(3);
  });
});
