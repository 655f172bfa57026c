import { describe, expect, it } from 'vitest';
import { StoreConfigSchema, type HoldbackConfig } from '../config/schema';
import { labelEvents } from '../events/label';
import type { ShopperEvent, StoredEvent } from '../events/schema';
import { openSqliteStore } from '../events/sqlite-store';
import type { EventStore } from '../events/store';
import { planShelf } from '../shelf/plan';
import { assignAll, type Assignment } from './assign';
import { nextState, shelfHealth, type ShelfHealth } from './health';
import { holdbackArm, holdbackAssignments, holdbackId, holdbackShare, MODEL_PLACEMENTS, type HoldbackView, type ShelfState } from './holdback';

import local from '../config/default.json' with { type: 'json' };

const config = StoreConfigSchema.parse(local);
const view = (over: Partial<HoldbackView> = {}): HoldbackView => ({ share: 0.05, config: config.holdback, states: new Map(), ...over });
const ids = Array.from({ length: 20_000 }, (_, i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`);

describe('the standing holdback: assignment', () => {
  it('holds back the configured share of every model shelf, and each shelf independently of the others and of the experiments', () => {
    const arms = MODEL_PLACEMENTS.map((p) => ids.map((id) => holdbackArm(p, id, view())!.arm));
    for (const a of arms) expect(Math.abs(a.filter((x) => x === 'baseline').length / ids.length - 0.05)).toBeLessThan(0.006);
    // Two shelves' baseline visitors overlap as independent draws would (5% of 5%), not as one list.
    const both = ids.filter((_, i) => arms[0]![i] === 'baseline' && arms[1]![i] === 'baseline').length / ids.length;
    expect(both).toBeLessThan(0.006);
    // Independent of the experiments' variants: the baseline share is the same in each arm of a running experiment.
    const home = config.experiments.find((e) => e.id === 'home-shelf-position')!;
    {
      const above = ids.filter((id) => assignAll(config, id).some((a) => a.experiment === home.id && a.variant === 'above-hero'));
      const held = above.filter((id) => holdbackArm('home-for-you', id, view())!.arm === 'baseline').length / above.length;
      expect(Math.abs(held - 0.05)).toBeLessThan(0.01);
    }
  });

  it('falling back moves only the middle of the hash: the kept share stays on the model, the baseline visitors stay on the baseline', () => {
    const normal = ids.map((id) => holdbackArm('home-for-you', id, view())!.arm);
    const fallen = ids.map((id) => holdbackArm('home-for-you', id, view({ states: new Map([['home-for-you', { epoch: 3, mode: 'fallback' }]]) }))!);
    expect(fallen[0]!.experiment).toBe(holdbackId('home-for-you', 3));
    expect(Math.abs(fallen.filter((a) => a.arm === 'model').length / ids.length - config.holdback.keepOnModel)).toBeLessThan(0.01);
    // Every visitor on the model while fallen back was on the model before; every baseline visitor before is still on it.
    ids.forEach((_, i) => {
      if (fallen[i]!.arm === 'model') expect(normal[i]).toBe('model');
      if (normal[i] === 'baseline') expect(fallen[i]!.arm).toBe('baseline');
    });
  });

  it('a pin overrides: model (no holdback, nothing labelled), baseline (everyone, counted nowhere); a share of 0 holds nobody back', () => {
    const pinned: HoldbackConfig = { ...config.holdback, pin: { 'home-for-you': 'model', 'cart-complete': 'baseline' } };
    expect(holdbackArm('home-for-you', ids[0], view({ config: pinned }))).toBeNull();
    expect(holdbackArm('cart-complete', ids[0], view({ config: pinned }))).toEqual({ placement: 'cart-complete', arm: 'baseline', experiment: null });
    expect(ids.slice(0, 500).every((id) => holdbackArm('home-for-you', id, view({ share: 0 })) === null)).toBe(true);
    expect(holdbackArm('home-for-you', undefined, view())).toBeNull();
  });

  it('TANDEM_HOLDBACK_SHARE overrides the config for every shelf; a bad value is an error, not a silent default', () => {
    expect(holdbackShare(config.holdback, undefined)).toBe(0.05);
    expect(holdbackShare(config.holdback, '0.5')).toBe(0.5);
    expect(() => holdbackShare(config.holdback, '0.9')).toThrow(/between 0 and 0.5/);
    expect(() => holdbackShare(config.holdback, 'half')).toThrow(/TANDEM_HOLDBACK_SHARE/);
  });

  it('the plan shows a baseline visitor the baseline under the same rules, and keeps the holdback apart from the experiment it reports', () => {
    const id = ids.find((x) => holdbackArm('home-for-you', x, view())!.arm === 'baseline')!;
    const assignments = [...assignAll(config, id), ...holdbackAssignments(id, view())];
    const plan = planShelf('home-for-you', config, assignments);
    expect(plan.rules.baseline).toBe('popularity-30d');
    expect(plan.holdback).toEqual({ id: holdbackId('home-for-you', 0), arm: 'baseline' });
    expect(plan.experiments.some((a) => a.kind === 'holdback')).toBe(false);
    expect(plan.reported?.id).toBe('home-shelf-position');
    const modelPlan = planShelf('home-for-you', config, [...assignAll(config, ids[0]), ...holdbackAssignments(ids[0], view({ share: 0 }))]);
    expect(modelPlan.rules.baseline).toBeUndefined();
  });

  it('the config refuses an experiment id that would collide with a holdback readout', () => {
    const bad = StoreConfigSchema.safeParse({ experiments: [{ id: 'hb-0-home-for-you', salt: 's', kind: 'ranking-source', question: 'q', status: 'draft', control: 'device', variants: [{ id: 'device', weight: 1 }, { id: 'edge-only', weight: 1 }] }] });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toMatch(/holdbacks' own/);
  });
});

describe('the standing holdback: labels, readout and automatic fallback', () => {
  const NOW = Date.UTC(2026, 11, 7, 8);
  let n = 0;
  const event = (type: ShopperEvent['type'], over: Partial<ShopperEvent> = {}): ShopperEvent => ({
    id: `10000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`,
    type,
    experiment: null,
    variant: null,
    placement: 'product-bought-together',
    at: NOW,
    ...over,
  });
  const label = (visitor: string, assignments: Assignment[], events: ShopperEvent[]): StoredEvent[] =>
    labelEvents(events, { visitor: { id: visitor, counted: true }, receivedAt: NOW, experiments: config.experiments, assignments, price: () => 1 }).events;

  it("the server labels a shelf's exposure and click with the visitor's own arm, whatever the page claims; orders carry none", () => {
    const assignments: Assignment[] = [{ experiment: 'hb-2-product-bought-together', kind: 'holdback', placement: 'product-bought-together', variant: 'model' }];
    const out = label('v', assignments, [event('exposure', { holdback: 'baseline' }), event('click', { position: 0 }), event('exposure', { placement: 'home-for-you', holdback: 'baseline' }), event('purchase', { placement: null, lines: [{ sku: '22423', quantity: 1, fromShelf: true }] })]);
    expect(out.map((e) => e.holdback)).toEqual([{ experiment: 'hb-2-product-bought-together', arm: 'model' }, { experiment: 'hb-2-product-bought-together', arm: 'model' }, undefined, undefined]);
  });

  /**
   * The loop, end to end through the real store: visitors split by the server's hash, exposures and clicks labelled by
   * the server and rolled up, the readout and the rule. A deliberately broken model (clicked a third as often as the
   * baseline) is caught and the shelf falls back; when the model is mended, its kept share shows it and the shelf returns.
   */
  it('a broken model is caught, falls back, and returns once mended (SQLite store, the server labeller)', async () => {
    const store: EventStore = openSqliteStore(':memory:');
    const hb: HoldbackConfig = { ...config.holdback, minVisitors: 100 };
    const placement = 'product-bought-together';
    const ctx = { version: 'aaaaaaaaaaaa', share: 0.5, config: hb, now: NOW };
    let state: ShelfState | undefined;
    const evaluate = async (): Promise<ShelfHealth> => {
      const s = state ?? { placement, epoch: 0, mode: 'normal' as const, version: ctx.version, share: ctx.share, since: NOW, reason: '' };
      const health = shelfHealth(s, await store.experimentCounts(holdbackId(placement, s.epoch)), hb, NOW);
      const next = nextState(placement, state, health, ctx);
      if (next && (await store.health.move(next))) state = next;
      return health;
    };
    // Deterministic clicks: visitor i clicks on view j when (i * 7 + j * 3) % 100 is below the arm's rate in percent.
    let visitor = 0;
    const traffic = async (visitors: number, rate: Record<'model' | 'baseline', number>) => {
      for (let k = 0; k < visitors; k++, visitor++) {
        const id = ids[visitor]!;
        const v = view({ share: ctx.share, config: hb, states: new Map(state ? [[placement, state]] : []) });
        const assignments = holdbackAssignments(id, v);
        const arm = assignments.find((a) => a.placement === placement)!.variant as 'model' | 'baseline';
        const events: ShopperEvent[] = [];
        for (let j = 0; j < 4; j++) {
          events.push(event('exposure', { holdback: arm }));
          if ((visitor * 7 + j * 3) % 100 < rate[arm]) events.push(event('click', { position: 0 }));
        }
        await store.insert(label(id, assignments, events));
      }
    };
    expect((await evaluate()).verdict).toBe('no-difference');
    expect(state?.mode).toBe('normal');
    // Broken: the model is clicked on 5% of views, the baseline on 15%.
    await traffic(400, { model: 5, baseline: 15 });
    const caught = await evaluate();
    expect(caught.verdict).toBe('model-behind');
    expect(state).toMatchObject({ epoch: 1, mode: 'fallback' });
    expect(state!.reason).toMatch(/^fell back/);
    // Fallen back: most visitors now see the baseline; the kept share still measures the model.
    const fallen = view({ share: ctx.share, config: hb, states: new Map([[placement, state!]]) });
    const onModel = ids.slice(5000, 7000).filter((id) => holdbackArm(placement, id, fallen)!.arm === 'model').length / 2000;
    expect(onModel).toBeCloseTo(hb.keepOnModel, 1);
    // Still broken: it stays fallen back.
    await traffic(1500, { model: 5, baseline: 15 });
    await evaluate();
    expect(state).toMatchObject({ epoch: 1, mode: 'fallback' });
    // A new version ships (mended): a fresh normal readout for it.
    ctx.version = 'bbbbbbbbbbbb';
    await evaluate();
    expect(state).toMatchObject({ epoch: 2, mode: 'normal' });
    expect(state!.reason).toMatch(/shipped/);
    await traffic(400, { model: 15, baseline: 15 });
    expect((await evaluate()).verdict).not.toBe('model-behind');
    expect(state).toMatchObject({ epoch: 2, mode: 'normal' });
    expect((await store.health.history(10)).map((s) => s.mode)).toEqual(['normal', 'fallback', 'normal']);
    // Two writers moving the same shelf at once: one row.
    expect(await store.health.move({ ...state!, reason: 'again' })).toBe(false);
    await store.close();
  });

  it('a fallen-back model that catches up in its kept share returns the shelf to normal', async () => {
    const hb: HoldbackConfig = { ...config.holdback, minVisitors: 50 };
    const state: ShelfState = { placement: 'home-for-you', epoch: 4, mode: 'fallback', version: 'aaaaaaaaaaaa', share: 0.05, since: NOW, reason: 'fell back' };
    const even = { verdict: 'no-difference' as const, decided: true, difference: null, rule: 'No difference yet.' };
    const ctx = { version: 'aaaaaaaaaaaa', share: 0.05, config: hb, now: NOW + 1 };
    expect(nextState('home-for-you', state, { ...even, modelAtLeastBaseline: true }, ctx)).toMatchObject({ epoch: 5, mode: 'normal' });
    expect(nextState('home-for-you', state, { ...even, modelAtLeastBaseline: false }, ctx)).toBeNull();
    expect(nextState('home-for-you', state, { ...even, decided: false, modelAtLeastBaseline: true }, ctx)).toBeNull();
    // A pin freezes the shelf; switching automatic fallback off undoes one.
    expect(nextState('home-for-you', state, { ...even, modelAtLeastBaseline: true }, { ...ctx, config: { ...hb, pin: { 'home-for-you': 'baseline' } } })).toBeNull();
    expect(nextState('home-for-you', state, { ...even, decided: false, modelAtLeastBaseline: false }, { ...ctx, config: { ...hb, autoFallback: false } })).toMatchObject({ mode: 'normal' });
  });
});
