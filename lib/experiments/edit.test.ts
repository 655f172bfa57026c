import { describe, expect, it } from 'vitest';
import local from '../config/default.json' with { type: 'json' };
import { StoreConfigSchema, type Experiment } from '../config/schema';
import { assignAll, inTraffic, withPreview } from './assign';
import { createExperiment, diff, updateExperiment } from './edit';
import { planTest } from './planner';
import { signPreview, verifyPreview } from './preview';

const raw = structuredClone(local) as Record<string, unknown>;
const draft = {
  id: 'home-picked',
  kind: 'page-layout',
  page: 'home',
  question: 'Does a larger "for you" shelf above the hero sell more?',
  control: 'a',
  variants: [
    { id: 'a', weight: 50, layout: [{ placement: 'home-for-you', slot: 'below-hero' }] },
    { id: 'b', weight: 50, layout: [{ placement: 'home-for-you', slot: 'above-hero', size: 16, title: 'Picked for you today' }] },
  ],
};
const ok = <T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> => {
  expect(r).toMatchObject({ ok: true });
  return r as Extract<T, { ok: true }>;
};

describe('the experiment editor: its rules (issue 36)', () => {
  it('a new experiment is a draft with a salt of its id and the day, and the whole config still validates', () => {
    const r = ok(createExperiment(raw, draft, '2026-12-07'));
    expect(r.experiment).toMatchObject({ id: 'home-picked', status: 'draft', salt: 'home-picked:2026-12-07', traffic: 1, primaryMetric: 'ctr' });
    expect(StoreConfigSchema.safeParse({ ...raw, experiments: r.experiments }).success).toBe(true);
  });

  it('every refusal names its field: a size out of range, another page\'s shelf, an unknown control, an id taken', () => {
    const bad = { ...draft, control: 'c', variants: [draft.variants[0], { id: 'b', weight: 50, layout: [{ placement: 'product-similar', slot: 'above-hero', size: 99 }] }] };
    const r = createExperiment(raw, bad, '2026-12-07');
    expect(r.ok).toBe(false);
    const fields = !r.ok ? r.fields.map((f) => f.path) : [];
    expect(fields).toEqual(expect.arrayContaining(['control', 'variants.1.layout.0.size', 'variants.1.layout.0.placement']));
    const taken = createExperiment(raw, { ...draft, id: 'home-shelf-position' }, '2026-12-07');
    expect(taken).toMatchObject({ ok: false, status: 409, fields: [{ path: 'id' }] });
  });

  it('start, ramp, pause and stop: one running test per page (named), arms fixed once started, a ramp only widens, a stopped test stays stopped', () => {
    const created = ok(createExperiment(raw, { ...draft, traffic: 0.1 }, '2026-12-07'));
    let config = { ...raw, experiments: created.experiments };
    const clash = updateExperiment(config, 'home-picked', { status: 'running' });
    expect(clash).toMatchObject({ ok: false, fields: [{ path: 'status', message: expect.stringContaining('"home-shelf-position"') }] });
    config = { ...config, experiments: ok(updateExperiment(config, 'home-shelf-position', { status: 'ended' })).experiments };
    config = { ...config, experiments: ok(updateExperiment(config, 'home-picked', { status: 'running' })).experiments };
    const weights = updateExperiment(config, 'home-picked', { variants: [{ ...draft.variants[0], weight: 90 }, draft.variants[1]] });
    expect(weights).toMatchObject({ ok: false, fields: [{ path: 'variants.0.weight' }] });
    const ramp = ok(updateExperiment(config, 'home-picked', { traffic: 1 }));
    expect(ramp.experiment.traffic).toBe(1);
    config = { ...config, experiments: ramp.experiments };
    expect(updateExperiment(config, 'home-picked', { traffic: 0.5 })).toMatchObject({ ok: false, fields: [{ path: 'traffic' }] });
    config = { ...config, experiments: ok(updateExperiment(config, 'home-picked', { status: 'paused' })).experiments };
    config = { ...config, experiments: ok(updateExperiment(config, 'home-picked', { status: 'ended' })).experiments };
    expect(updateExperiment(config, 'home-picked', { status: 'running' })).toMatchObject({ ok: false, fields: [{ path: 'status' }] });
    expect(updateExperiment(config, 'nope', {})).toMatchObject({ ok: false, status: 404 });
    expect(updateExperiment(config, 'home-picked', { id: 'other' })).toMatchObject({ ok: false, fields: [{ path: 'id' }] });
  });

  it('a ramp keeps every visitor who was in an arm in that arm, and lets the rest in', () => {
    const e = ok(createExperiment(raw, { ...draft, status: 'draft' }, '2026-12-07')).experiment;
    const at = (traffic: number): Experiment => ({ ...e, status: 'running', traffic });
    const ids = Array.from({ length: 4000 }, (_, i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`);
    const config = (traffic: number) => StoreConfigSchema.parse({ ...raw, experiments: [at(traffic)] });
    const arm = (traffic: number, id: string) => assignAll(config(traffic), id).find((a) => a.experiment === e.id)?.variant;
    const tenth = ids.filter((id) => inTraffic(at(0.1), id));
    expect(Math.abs(tenth.length / ids.length - 0.1)).toBeLessThan(0.02);
    for (const id of ids) {
      const before = arm(0.1, id);
      if (before) expect(arm(1, id)).toBe(before);
      expect(arm(1, id)).toBeDefined();
    }
  });

  it('a preview shows the chosen arm of a draft on its page, in place of the visitor\'s own, and nothing else', async () => {
    const created = ok(createExperiment(raw, draft, '2026-12-07'));
    const config = StoreConfigSchema.parse({ ...raw, experiments: created.experiments });
    const own = assignAll(config, 'v1');
    const shown = withPreview(config, own, { experiment: 'home-picked', variant: 'b' });
    expect(shown.filter((a) => a.page === 'home')).toEqual([{ experiment: 'home-picked', kind: 'page-layout', page: 'home', variant: 'b', preview: true }]);
    expect(shown.filter((a) => a.page === 'product')).toEqual(own.filter((a) => a.page === 'product'));
    expect(withPreview(config, own, { experiment: 'home-picked', variant: 'zz' })).toBe(own);
    const secret = 'preview-test-secret-0123456789-abcdef';
    const token = (await signPreview({ experiment: 'home-picked', variant: 'b' }, secret, 1000))!;
    expect(await verifyPreview(token, secret, 2000)).toMatchObject({ experiment: 'home-picked', variant: 'b' });
    expect(await verifyPreview(token, 'another-secret-0123456789-abcdefgh', 2000)).toBeNull();
    expect(await verifyPreview(token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), secret, 2000)).toBeNull();
    expect(await verifyPreview(token, secret, 1000 + 9 * 3_600_000)).toBeNull();
  });

  it('diff names each changed leaf', () => {
    expect(diff({ status: 'draft', traffic: 0.1, variants: [{ weight: 50 }] }, { status: 'running', traffic: 0.1, variants: [{ weight: 60 }] })).toEqual([
      { path: 'status', from: 'draft', to: 'running' },
      { path: 'variants.0.weight', from: 50, to: 60 },
    ]);
  });
});

describe('the planner', () => {
  const traffic = { visitors: 1400, exposures: 2800, clicks: 280, exposuresSq: 7000, clicksSq: 420, exposuresClicks: 700, days: 14 };
  const plan = (over: Partial<Parameters<typeof planTest>[0]> = {}) =>
    planTest({ traffic, weights: [{ id: 'a', weight: 50 }, { id: 'b', weight: 50 }], control: 'a', minimumEffect: 0.05, share: 1, ...over });
  it('days from the page\'s last 14 days: fewer visitors in the test, a smaller lift or an uneven split take longer', () => {
    const base = plan();
    expect(base.ok).toBe(true);
    if (!base.ok) return;
    expect(base.visitorsPerDay).toBe(100);
    const tenth = plan({ share: 0.1 });
    const smaller = plan({ minimumEffect: 0.02 });
    const uneven = plan({ weights: [{ id: 'a', weight: 90 }, { id: 'b', weight: 10 }] });
    for (const p of [tenth, smaller, uneven]) expect(p.ok && p.days).toBeGreaterThan(base.days);
    expect(plan({ traffic: null })).toMatchObject({ ok: false });
  });
});
