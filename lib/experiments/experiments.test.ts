import { describe, expect, it } from 'vitest';
import localJson from '../config/default.json' with { type: 'json' };
import { parseLocal } from '../config/index';
import { assignAll, assignmentsFor, assignVariant, bucket, murmur3 } from './assign';
import { parseNewVisitorLimit, signVisitor, verifyVisitor } from './visitor';
import { buildReport } from './report';
import { chiSquarePValue, sampleRatioMismatch, wilson } from './stats';
import type { ArmSums } from '../events/store';

/** Deterministic UUID-shaped ids (a seeded xorshift), so the uniformity test never flakes. */
function ids(n: number, seed = 12345): string[] {
  let s = seed >>> 0;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0).toString(16).padStart(8, '0');
  };
  return Array.from({ length: n }, () => {
    const h = next() + next() + next() + next();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  });
}

describe('assignment', () => {
  it('murmur3 matches the reference test vectors', () => {
    expect(murmur3('', 0)).toBe(0);
    expect(murmur3('', 1)).toBe(0x514e28b7);
    expect(murmur3('hello', 0)).toBe(0x248bfa47);
    expect(murmur3('Hello, world!', 1234)).toBe(0xfaf6cdb3);
    expect(murmur3('The quick brown fox jumps over the lazy dog', 0)).toBe(0x2e4ff723);
  });

  it('buckets 100k ids uniformly (chi-square over 100 cells)', () => {
    const counts = new Array<number>(100).fill(0);
    for (const id of ids(100_000)) counts[Math.floor(bucket(id, 'salt-a') * 100)]!++;
    const check = sampleRatioMismatch(counts, new Array<number>(100).fill(1));
    expect(check.df).toBe(99);
    expect(check.pValue).toBeGreaterThan(0.001);
    expect(Math.min(...counts)).toBeGreaterThan(850);
  });

  it('splits by the configured weights, and a different salt reshuffles independently', () => {
    const exp = { salt: 'w', variants: [{ id: 'device', weight: 90 }, { id: 'edge-only', weight: 10 }] };
    const all = ids(100_000, 7);
    const a = all.map((id) => assignVariant(exp, id));
    const edge = a.filter((v) => v === 'edge-only').length;
    expect(sampleRatioMismatch([all.length - edge, edge], [90, 10]).mismatch).toBe(false);
    // Independence: among salt 1's edge-only visitors, salt 2 still puts about 10% in edge-only.
    const b = all.map((id) => assignVariant({ ...exp, salt: 'w2' }, id));
    const both = a.filter((v, i) => v === 'edge-only' && b[i] === 'edge-only').length;
    expect(both / edge).toBeGreaterThan(0.08);
    expect(both / edge).toBeLessThan(0.12);
  });

  it('is sticky: the same id gets the same variant on every call and in every experiment list', () => {
    const config = parseLocal(localJson);
    for (const id of ids(200, 99)) {
      const first = assignAll(config, id);
      expect(assignAll(config, id)).toEqual(first);
      expect(first.map((x) => x.experiment)).toEqual(['home-shelf-position', 'product-shelf-kind']); // drafts are not assigned
    }
    expect(assignAll(config, undefined)).toEqual([]);
  });

  it('a zero weight never gets anyone, and a placement sees only what concerns it', () => {
    const exp = { salt: 'z', variants: [{ id: 'a', weight: 0 }, { id: 'b', weight: 1 }] };
    expect(new Set(ids(2000).map((id) => assignVariant(exp, id)))).toEqual(new Set(['b']));
    const as = [
      { experiment: 'h', kind: 'page-layout' as const, page: 'home' as const, variant: 'above-hero' },
      { experiment: 'r', kind: 'ranking-source' as const, variant: 'device' },
      { experiment: 'p', kind: 'page-layout' as const, page: 'product' as const, variant: 'similar' },
    ];
    expect(assignmentsFor('home-for-you', as).map((a) => a.experiment)).toEqual(['h', 'r']);
    expect(assignmentsFor('cart-upsell', as).map((a) => a.experiment)).toEqual(['r']);
  });
});

describe('visitor ids', () => {
  const secret = 'a-test-secret-of-at-least-32-characters';
  const id = '6f1c2d1e-8c1a-4f59-9a53-1d6f4f6f6a11';
  it('are signed by the server: its own verify; a made-up, edited or unsigned one is no visitor', async () => {
    const minted = Date.UTC(2026, 11, 7, 4, 5);
    const counted = await signVisitor({ id, counted: true }, secret, minted + 30_000);
    const over = await signVisitor({ id, counted: false }, secret, minted);
    expect(counted).toMatch(new RegExp(`^${id}\\.c\\.[0-9a-z]+\\.[A-Za-z0-9_-]{22}$`));
    // The mint time, to the minute, under the MAC.
    expect(await verifyVisitor(counted, secret)).toEqual({ id, counted: true, mintedAt: minted });
    expect(await verifyVisitor(over, secret)).toEqual({ id, counted: false, mintedAt: minted });
    const [, , mint] = counted.split('.') as [string, string, string, string];
    const forged = [
      undefined,
      '',
      id, // an unsigned id, as cookies were before signing
      over.replace('.x.', '.c.'), // the flag edited to be counted
      counted.replace(id, '6f1c2d1e-8c1a-4f59-9a53-1d6f4f6f6a12'), // another id under this id's MAC
      counted.slice(0, -1) + (counted.endsWith('A') ? 'B' : 'A'),
      `${counted}; x=1`,
      counted.replace(`.${mint}.`, `.${(parseInt(mint, 36) + 600).toString(36)}.`), // made ten hours younger
      counted.replace(`.${mint}.`, '.'), // the mint time cut out (a v1 cookie's shape, with a v2 MAC)
    ];
    for (const bad of forged) expect(await verifyVisitor(bad, secret)).toBeUndefined();
    expect(await verifyVisitor(counted, 'another-secret-of-at-least-32-characters')).toBeUndefined();
    expect(await verifyVisitor(counted, undefined)).toBeUndefined(); // no secret configured: nobody is a visitor
  });
  it('a cookie signed before mint times were (v1) still verifies, as an id of unknown age', async () => {
    const { createHmac } = await import('node:crypto');
    const v1 = `${id}.c.${createHmac('sha256', secret).update(`tandem-visitor-v1:${id}.c`).digest('base64url').slice(0, 22)}`;
    expect(await verifyVisitor(v1, secret)).toEqual({ id, counted: true, mintedAt: null });
  });
  it('the new-visitor limit reads "burst/perHour" or "off"', () => {
    expect(parseNewVisitorLimit(undefined)).toEqual({ burst: 10, perMinute: 10 / 60 });
    expect(parseNewVisitorLimit('50/120')).toEqual({ burst: 50, perMinute: 2 });
    expect(parseNewVisitorLimit('off')).toBeNull();
    expect(() => parseNewVisitorLimit('lots')).toThrow(/TANDEM_NEW_VISITORS_LIMIT_ADDRESS/);
  });
});

describe('statistics', () => {
  it('Wilson interval: worked examples', () => {
    const half = wilson(5, 10);
    expect(half.rate).toBe(0.5);
    expect(half.low).toBeCloseTo(0.2366, 4);
    expect(half.high).toBeCloseTo(0.7634, 4);
    const none = wilson(0, 10);
    expect(none.low).toBe(0);
    expect(none.high).toBeCloseTo(0.2775, 4);
    expect(wilson(0, 0)).toEqual({ rate: 0, low: 0, high: 0 });
  });

  it('chi-square p-values match the tables', () => {
    expect(chiSquarePValue(3.841458820694124, 1)).toBeCloseTo(0.05, 8);
    expect(chiSquarePValue(10.827566170662733, 1)).toBeCloseTo(0.001, 8);
    expect(chiSquarePValue(5.991464547107979, 2)).toBeCloseTo(0.05, 8);
    expect(chiSquarePValue(18.307038053275146, 10)).toBeCloseTo(0.05, 8);
    expect(chiSquarePValue(123.22522145336181, 99)).toBeCloseTo(0.05, 6);
    expect(chiSquarePValue(0, 3)).toBe(1);
  });

  it('sample-ratio mismatch: 5,000 vs 5,200 is luck (p ≈ 0.048); 5,000 vs 5,400 is a mismatch', () => {
    const luck = sampleRatioMismatch([5000, 5200], [50, 50]);
    expect(luck.chiSquare).toBeCloseTo(3.9216, 4);
    expect(luck.pValue).toBeCloseTo(0.0477, 4);
    expect(luck.mismatch).toBe(false);
    expect(sampleRatioMismatch([5000, 5400], [50, 50]).mismatch).toBe(true);
    expect(sampleRatioMismatch([0, 0], [1, 1]).pValue).toBe(1);
  });
});

describe('experiment report', () => {
  const experiment = parseLocal(localJson).experiments[0]!; // below-hero (control) vs above-hero, 50/50
  const DAY = 86_400_000;
  /** Sums for `n` visitors, each with `views` exposures, a share `clickers` of them clicking once, `buyers` buying `pence`. */
  /** Every visitor's `views` ranked on the device, half of them at `ms` − 10, half at `ms` + 10, per view. */
  const rankSums = (n: number, views: number, ms: number) => {
    const per = [ms - 10, ms + 10].map((x) => Math.max(0, x) * views);
    const half = n / 2;
    return { deviceRanked: n * views, deviceRankedSq: n * views * views, rankMs: half * (per[0]! + per[1]!), rankMsSq: half * (per[0]! ** 2 + per[1]! ** 2), deviceRankedRankMs: half * views * (per[0]! + per[1]!) };
  };
  const arm = (variant: string, day: number, n: number, o: { views?: number; clickers?: number; buyers?: number; pence?: number; fallbacks?: number; rankMs?: number } = {}): ArmSums & { day: number } => {
    const views = o.views ?? 2;
    const clickers = Math.round(n * (o.clickers ?? 0.1));
    const buyers = Math.round(n * (o.buyers ?? 0.05));
    const pence = o.pence ?? 2000;
    const fb = Math.round(n * (o.fallbacks ?? 0));
    return {
      variant, day, visitors: n, exposures: n * views, clicks: clickers, exposuresSq: n * views * views, clicksSq: clickers, exposuresClicks: clickers * views,
      fallbacks: fb, fallbacksSq: fb, fallbacksExposures: fb * views, added: buyers, purchased: buyers,
      revenuePence: buyers * pence, revenuePenceSq: buyers * pence * pence, recRevenuePence: 0, recRevenuePenceSq: 0, firstAt: day,
      ...rankSums(n, views, o.rankMs ?? 0),
    };
  };
  const NOW = 20 * DAY;

  it('reports every metric per visitor with an interval, the lift for variants only, and the split check', () => {
    const r = buildReport(experiment, { byDay: [arm('below-hero', 0, 5000), arm('above-hero', 0, 5000, { clickers: 0.14 })] }, NOW);
    const [control, treat] = r.variants;
    expect(control!.metrics.ctr.lift).toBeNull();
    expect(treat!.metrics.ctr.value).toBeCloseTo(0.07, 10);
    expect(treat!.metrics.ctr.lift!.value).toBeCloseTo(0.4, 10);
    expect(treat!.metrics.ctr.lift!.low).toBeGreaterThan(0);
    expect(treat!.metrics.revenuePerVisitor.value).toBeCloseTo(1, 10); // 5% of visitors × £20
    expect(r.srm.expected).toEqual([5000, 5000]);
    expect(r.decision).toMatchObject({ kind: 'winner', variant: 'above-hero' });
    expect(r.decision.rule).toMatch(/lift interval .* lies above zero/);
  });

  it('a winner on the primary metric that breaks a guardrail is not shipped', () => {
    const r = buildReport(experiment, { byDay: [arm('below-hero', 0, 5000), arm('above-hero', 0, 5000, { clickers: 0.14, fallbacks: 0.3 })] }, NOW);
    expect(r.guardrails.map((g) => [g.variant, g.metric])).toEqual([['above-hero', 'fallbackRate']]);
    expect(r.decision.kind).toBe('keep-control');
  });

  it("a model experiment also guards the device's ranking time: a faster-selling but slower model is not shipped; the same data in a layout test is", () => {
    const model = { ...experiment, kind: 'model' as const, page: undefined, variants: [{ id: 'below-hero', weight: 50, model: 'aaaaaaaaaaaa' }, { id: 'above-hero', weight: 50, model: 'bbbbbbbbbbbb' }] };
    const byDay = [arm('below-hero', 0, 5000, { rankMs: 30 }), arm('above-hero', 0, 5000, { clickers: 0.14, rankMs: 45 })];
    const r = buildReport(model, { byDay }, NOW);
    expect(r.variants.map((v) => [v.variant, v.model, Math.round(v.metrics.deviceRankMs.value)])).toEqual([['below-hero', 'aaaaaaaaaaaa', 30], ['above-hero', 'bbbbbbbbbbbb', 45]]);
    expect(r.guardrails.map((g) => [g.variant, g.metric])).toEqual([['above-hero', 'deviceRankMs']]);
    expect(r.decision.kind).toBe('keep-control');
    // Equal ranking times: no flag, the winner stands.
    expect(buildReport(model, { byDay: [arm('below-hero', 0, 5000, { rankMs: 30 }), arm('above-hero', 0, 5000, { clickers: 0.14, rankMs: 30 })] }, NOW).decision.kind).toBe('winner');
    expect(buildReport(experiment, { byDay }, NOW).decision.kind).toBe('winner');
  });

  it('a lower-is-better primary metric is read the right way round: fewer fallbacks win, more keep control', () => {
    const byFallbacks = { ...experiment, primaryMetric: 'fallbackRate' as const };
    const fewer = buildReport(byFallbacks, { byDay: [arm('below-hero', 0, 5000, { fallbacks: 0.3 }), arm('above-hero', 0, 5000, { fallbacks: 0.1 })] }, NOW);
    expect(fewer.variants[1]!.metrics.fallbackRate.lift!.high).toBeLessThan(0);
    expect(fewer.decision).toMatchObject({ kind: 'winner', variant: 'above-hero' });
    expect(fewer.decision.rule).toMatch(/change \(lower is better\) interval \(-\d+% to -\d+%\) lies below zero/);
    const more = buildReport(byFallbacks, { byDay: [arm('below-hero', 0, 5000, { fallbacks: 0.1 }), arm('above-hero', 0, 5000, { fallbacks: 0.3 })] }, NOW);
    expect(more.decision.kind).toBe('keep-control');
    const slower = buildReport({ ...experiment, primaryMetric: 'deviceRankMs' as const }, { byDay: [arm('below-hero', 0, 5000, { rankMs: 30 }), arm('above-hero', 0, 5000, { rankMs: 45 })] }, NOW);
    expect(slower.decision.kind).toBe('keep-control');
  });

  it('no effect big enough to matter, keep running, and a broken split, each with its rule', () => {
    const flat = buildReport({ ...experiment, minimumEffect: 0.5 }, { byDay: [arm('below-hero', 0, 20000), arm('above-hero', 0, 20000)] }, NOW);
    expect(flat.decision.kind).toBe('no-effect');
    const early = buildReport(experiment, { byDay: [arm('below-hero', 0, 300), arm('above-hero', 0, 300, { clickers: 0.11 })] }, NOW);
    expect(early.decision.kind).toBe('keep-running');
    expect(early.planning.daysNeeded).toBeGreaterThan(0);
    expect(early.planning.detectableToday).toBeGreaterThan(0.05);
    const skewed = buildReport(experiment, { byDay: [arm('below-hero', 0, 5000), arm('above-hero', 0, 5600)] }, NOW);
    expect(skewed.decision.kind).toBe('check-split');
  });

  it('charts the lift as visitors accrued, day by day', () => {
    const r = buildReport(experiment, { byDay: [arm('below-hero', 0, 100), arm('above-hero', 0, 100), arm('below-hero', DAY, 100), arm('above-hero', DAY, 100, { clickers: 0.3 })] }, NOW);
    expect(r.series.map((p) => [p.day, p.visitors])).toEqual([
      [0, 200],
      [DAY, 400],
    ]);
    // By the second day: control 20 clicks / 400 views, the variant 40 / 400: a lift of +100%.
    expect(r.series[1]!.lift!.value).toBeCloseTo(1, 10);
  });

  it('a variant with no events yet shows zeros and no lift', () => {
    const r = buildReport(experiment, { byDay: [] }, NOW);
    expect(r.variants.map((v) => v.visitors)).toEqual([0, 0]);
    expect(r.variants[1]!.metrics.ctr.lift).toBeNull();
    expect(r.decision.kind).toBe('keep-running');
  });
});
