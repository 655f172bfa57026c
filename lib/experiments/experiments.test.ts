import { describe, expect, it } from 'vitest';
import localJson from '../config/default.json' with { type: 'json' };
import { parseLocal } from '../config/index';
import { assignAll, assignmentsFor, assignVariant, bucket, murmur3, productShelfCategory, visitorId } from './assign';
import { buildReport } from './report';
import { chiSquarePValue, relativeLift, sampleRatioMismatch, wilson } from './stats';

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
      { experiment: 'h', kind: 'home-shelf-position' as const, variant: 'above-hero' },
      { experiment: 'r', kind: 'ranking-source' as const, variant: 'device' },
      { experiment: 'p', kind: 'product-shelf-kind' as const, variant: 'similar' },
    ];
    expect(assignmentsFor('home-for-you', as).map((a) => a.experiment)).toEqual(['h', 'r']);
    expect(assignmentsFor('cart-upsell', as).map((a) => a.experiment)).toEqual(['r']);
  });
});

describe('visitor ids and product shelves', () => {
  it('accepts only ids of the shape proxy.ts issues', () => {
    expect(visitorId('6f1c2d1e-8c1a-4f59-9a53-1d6f4f6f6a11')).toBe('6f1c2d1e-8c1a-4f59-9a53-1d6f4f6f6a11');
    for (const bad of [undefined, '', 'admin', '6F1C2D1E-8C1A-4F59-9A53-1D6F4F6F6A11', '6f1c2d1e-8c1a-4f59-9a53-1d6f4f6f6a11; x=1']) expect(visitorId(bad)).toBeUndefined();
  });
  it('"complete the set" leaves the category out; no experiment means "similar"', () => {
    expect(productShelfCategory([{ experiment: 'p', kind: 'product-shelf-kind', variant: 'complete-the-set' }])).toBe('other');
    expect(productShelfCategory([{ experiment: 'p', kind: 'product-shelf-kind', variant: 'similar' }])).toBe('same');
    expect(productShelfCategory([])).toBe('same');
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

  it('relative lift: 12% vs 10% on 1,000 each is +20% with a 95% interval of about −6.6% to +54.2%', () => {
    const l = relativeLift(120, 1000, 100, 1000)!;
    expect(l.lift).toBeCloseTo(0.2, 10);
    expect(l.low).toBeCloseTo(-0.0659, 3);
    expect(l.high).toBeCloseTo(0.5416, 3);
    expect(relativeLift(0, 1000, 100, 1000)).toBeNull();
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
  it('computes rates, lift against control and the split check from counts', () => {
    const r = buildReport(experiment, {
      variants: [
        { variant: 'below-hero', exposures: 1000, exposedVisitors: 500, clicks: 100, addToCartVisitors: 50, purchaseVisitors: 10 },
        { variant: 'above-hero', exposures: 1000, exposedVisitors: 520, clicks: 120, addToCartVisitors: 0, purchaseVisitors: 12 },
      ],
      hourly: [],
    });
    const [control, treat] = r.variants;
    expect(control!.isControl).toBe(true);
    expect(control!.lift.ctr).toBeNull();
    expect(treat!.ctr.rate).toBeCloseTo(0.12, 10);
    expect(treat!.lift.ctr!.lift).toBeCloseTo(0.2, 10);
    expect(treat!.lift.ctr!.low).toBeCloseTo(-0.0659, 3);
    expect(treat!.lift.addToCart).toBeNull(); // no add-to-cart in treatment yet
    expect(r.srm.expected).toEqual([510, 510]);
    expect(r.srm.mismatch).toBe(false);
  });

  it('a variant with no events yet shows zeros, and long series are charted by day', () => {
    const H = 3_600_000;
    const r = buildReport(experiment, {
      variants: [],
      hourly: [
        { hour: 0, variant: 'above-hero', exposures: 2, clicks: 1 },
        { hour: H, variant: 'above-hero', exposures: 3, clicks: 0 },
        { hour: 5 * 24 * H, variant: 'above-hero', exposures: 1, clicks: 1 },
      ],
    });
    expect(r.variants.map((v) => v.exposures)).toEqual([0, 0]);
    expect(r.series.bucketMs).toBe(24 * H);
    expect(r.series.points).toEqual([
      { hour: 0, variant: 'above-hero', exposures: 5, clicks: 1 },
      { hour: 5 * 24 * H, variant: 'above-hero', exposures: 1, clicks: 1 },
    ]);
  });
});
