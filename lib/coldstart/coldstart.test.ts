import { buildSync } from 'esbuild';
import { EdgeRuntime } from 'edge-runtime';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURE_SPEC } from '../recs/features';
import { STAGE_FEATURES } from '../recs/score';
import { parseRankQuery } from './query';
import { RECENT_VIEW_WINDOW_MS, type ShelfRules } from '../recs/shelf-rules';
import { RankAnswerSchema } from './answer';
import { coldStartRank, type ColdStartData } from './rank';
import { complementScores } from '../recs/complements';
import { dotAll } from '../recs/rank';
import { rankingScores, userContext } from '../recs/score';
import { blendTaste, minMax, rankShelf, shelfUser, TASTE_WEIGHT, towerHistory } from '../recs/shelf';
import { poolHistory, userTower } from '../recs/tower';

const prior = Float32Array.of(0.2, 0.1, 0.3, 0, 1);
// A scorer that is the dot product plus a quarter of the prior (its pop30), through an identity tower.
const explore = STAGE_FEATURES.map((f) => (f === 'dot' ? 1 : f === 'pop30' ? 0.25 : 0));
const zeros = () => new Float32Array(5);

// Five items in 2-D: 0 and 1 point one way, 2 and 3 the other, 4 in between; item 4 is the most popular.
const data: ColdStartData = {
  modelVersion: 'test',
  skus: ['A0', 'A1', 'B2', 'B3', 'C4'],
  index: new Map(['A0', 'A1', 'B2', 'B3', 'C4'].map((s, i) => [s, i])),
  items: Float32Array.of(1, 0, 0.96, 0.28, 0, 1, 0.28, 0.96, Math.SQRT1_2, Math.SQRT1_2),
  dim: 2,
  prior,
  signals: {
    n: 5,
    vectors: { pop30: prior, pop7: zeros(), trend: zeros(), fresh: zeros(), repeatRate: zeros(), interval: zeros(), logPrice: zeros() },
    neighboursPerItem: 1,
    neighbours: new Int32Array(5).fill(-1),
    neighbourWeights: zeros(),
    tokenOffsets: new Int32Array(6),
    tokens: new Uint16Array(0),
    category: Uint8Array.of(0, 0, 1, 1, 2),
    categories: 3,
  },
  tower: { dim: 2, W: Float32Array.of(1, 0, 0, 1), b: Float32Array.of(0, 0) },
  scorer: { kind: 'two-stage', features: [...STAGE_FEATURES], heads: { explore, repeat: explore }, ownedOffset: 0 },
  features: DEFAULT_FEATURE_SPEC,
  // France over-buys A1 (lift 2); mornings over-buy B3 (lift 3); weights 0.5.
  context: { format: 1, timeZone: 'Europe/London', weights: { country: 0.5, daypart: 0.5 }, countries: { FR: { name: 'France', orders: 50, boost: [[1, 2]] } }, dayparts: [{ name: 'morning', fromHour: 0, toHour: 12, boost: [[3, 3]] }] },
  // Baskets: B3 is bought with A0 (weight 3), C4 with A0 (1); nothing else.
  complements: {
    spec: { neighboursPerItem: 2, halfLifeDays: null, categoryWeight: 0, evidence: 0, popularityWeight: 0 },
    n: 5,
    neighbours: Int32Array.of(3, 4, -1, -1, -1, -1, -1, -1, -1, -1),
    weights: Float32Array.of(3, 1, 0, 0, 0, 0, 0, 0, 0, 0),
  },
  meta: { names: ['a0', 'a1', 'b2', 'b3', 'c4'], prices: [1, 2, 3, 4, 5], categories: ['a', 'a', 'b', 'b', 'c'] },
};
const skus = (r: { sku: string }[]) => r.map((x) => x.sku);
/** An explore shelf's rules (what lib/shelf/plan.ts gives "Recommended for you" and the product shelves). */
const rules = (k: number, over: Partial<ShelfRules> = {}): ShelfRules => ({ ranking: 'explore', k, pin: [], block: [], excludePurchased: false, excludeViewedWithinMs: RECENT_VIEW_WINDOW_MS, ...over });

describe('a standing holdback shelf (issue 35): the baseline under the same rules, at the edge and on the device', () => {
  it('ranks by the best sellers of the last 30 days, whatever the session viewed, and still leaves the viewed out', () => {
    const held = coldStartRank(data, rules(4, { baseline: 'popularity-30d' }), ['A0']);
    // The model would put A1 first (nearest A0); the baseline is the pop30 order without A0.
    expect(skus(held)).toEqual(['C4', 'B2', 'A1', 'B3']);
    expect(held.every((r) => r.reason?.kind === "popular")).toBe(true);
  });

  it('a complement shelf held back shows the best sellers, not what is bought with the product on screen', () => {
    expect(skus(coldStartRank(data, rules(2, { ranking: 'complement', anchorSku: 'A0' }), []))).toEqual(['B3', 'C4']);
    expect(skus(coldStartRank(data, rules(2, { ranking: 'complement', anchorSku: 'A0', baseline: 'popularity-30d' }), []))).toEqual(['C4', 'B2']);
  });

  it('"Buy it again" held back keeps its promise (only what was bought), in best-seller order', () => {
    const now = Date.UTC(2026, 0, 1);
    const shopper = { history: [{ sku: 'B3', at: now - 1000, kind: 'purchase' as const }, { sku: 'A1', at: now - 500, kind: 'purchase' as const }, { sku: 'C4', at: now - 100, kind: 'view' as const }], cart: [], now };
    const user = shelfUser(data, towerHistory(data, shopper, undefined), () => new Float32Array(5));
    const held = rankShelf(data, rules(4, { ranking: 'repeat', excludeViewedWithinMs: undefined, baseline: 'popularity-30d' }), shopper, user);
    expect(skus(held)).toEqual(['A1', 'B3']);
  });
});

describe('coldStartRank', () => {
  it('ranks by recent popularity without context', () => {
    expect(coldStartRank(data, rules(3), []).map((r) => r.sku)).toEqual(['C4', 'B2', 'A0']);
  });

  it("ranks the session products' history with the shipped scorer, and leaves them out", () => {
    const ranked = coldStartRank(data, rules(4), ['A0']).map((r) => r.sku);
    expect(ranked[0]).toBe('A1');
    expect(ranked).not.toContain('A0');
    // Around B3: C4 (cosine 0.88 + 0.25, the most popular) and B2 (cosine 0.96 + 0.075) beat the A items; B3 itself is left out.
    expect(coldStartRank(data, rules(2, { anchorSku: 'B3' }), []).map((r) => r.sku)).toEqual(['C4', 'B2']);
  });

  it('lifts what the country and the time of day buy, with the shipped weight', () => {
    expect(skus(coldStartRank(data, rules(2), [], { request: { country: 'FR', hour: 15 } }))).toEqual(['A1', 'C4']); // 0.1 + 0.5·2
    expect(skus(coldStartRank(data, rules(1), [], { request: { hour: 9 } }))).toEqual(['B3']); // 0 + 0.5·3
    expect(skus(coldStartRank(data, rules(1), [], { request: { country: 'ZZ', hour: 15 } }))).toEqual(['C4']);
  });

  it('applies the category filter, blocked and pinned codes', () => {
    expect(skus(coldStartRank(data, rules(5, { anchorSku: 'B3', category: 'same' }), []))).toEqual(['B2']);
    expect(skus(coldStartRank(data, rules(5, { anchorSku: 'B3', category: 'other' }), [])).sort()).toEqual(['A0', 'A1', 'C4']);
    const r = coldStartRank(data, rules(3, { pin: ['B3', 'NOPE'], block: ['C4'] }), []);
    expect(skus(r)).toEqual(['B3', 'B2', 'A0']);
    expect(r[0]).toMatchObject({ pinned: true, name: 'b3', price: 4 });
  });

  it('ranks "frequently bought together" from the product on screen, with the reason that names it', () => {
    const r = coldStartRank(data, rules(3, { ranking: 'complement', anchorSku: 'A0' }), []);
    expect(r.map((x) => x.sku)).toEqual(['B3', 'C4', 'B2']); // neighbours first (3, then 1), then popularity
    expect(r[0]!.reason).toEqual({ kind: 'bought-with', short: 'With a0', full: 'Often bought with a0' });
    expect(r[2]!.reason!.kind).toBe('like'); // not a neighbour: the anchor's nearest look-alike
    expect(coldStartRank(data, rules(1), [])[0]!.reason).toMatchObject({ kind: 'popular', short: 'Popular this week' });
  });

  it("blends the shopper's taste into complements wherever there is a history, the device's way (lib/recs/shelf.ts)", () => {
    const bt = rules(4, { ranking: 'complement', anchorSku: 'A0' });
    // No history: complements, then popularity (B2 0.3 before A1 0.1).
    expect(skus(coldStartRank(data, bt, [], { now: 1 }))).toEqual(['B3', 'C4', 'B2', 'A1']);
    // A view of C4 (left out: viewed just now) pulls the taste towards A0/C4: A1 (A0's look-alike) passes B2.
    const blended = coldStartRank(data, bt, ['C4'], { now: 1 });
    expect(skus(blended)).toEqual(['B3', 'A1', 'B2']);
    // The score is complement + TASTE_WEIGHT × the explore ranking scaled to [0, 1], rounded to six decimals.
    const shopper = { history: [{ sku: 'C4', at: 1, kind: 'view' as const }], cart: null, now: 1 };
    const inputs = towerHistory(data, shopper, 'A0');
    const user = userTower(data.tower, poolHistory(data.items, data.dim, inputs.ids, inputs.weights));
    const explore = rankingScores('explore', data.scorer, data.signals, userContext(data.signals, inputs), dotAll(user, data.items, data.dim));
    const taste = minMax(explore);
    const complement = complementScores(data.complements, { popularity: data.prior, category: data.signals.category }, [0]);
    expect(blended[1]!.score).toBe(Math.round((complement[1]! + TASTE_WEIGHT * taste[1]!) * 1e6) / 1e6);
    expect(blendTaste(complement, undefined)).toBe(complement);
    // The device's call (a cart known, empty) gives the same shelf: one pipeline.
    const device = rankShelf(data, bt, { ...shopper, cart: [] }, shelfUser(data, inputs, () => dotAll(user, data.items, data.dim)), { parts: true });
    expect(skus(device)).toEqual(skus(blended));
    expect(device[1]!.parts).toEqual({ complement: complement[1]!, 'your taste': TASTE_WEIGHT * taste[1]! });
  });

  it('never returns more than k items', () => {
    expect(coldStartRank(data, rules(1), [])).toHaveLength(1);
  });

  describe('in a shop of storefronts (communities: issue 33)', () => {
    // A0 and B3 (bought with A0) are one storefront, A1 and B2 another; C4 is in none.
    const shop: ColdStartData = { ...data, signals: { ...data.signals, community: Uint16Array.of(1, 2, 2, 1, 0) } };
    const deviceShelf = (r: ShelfRules, recent: string[]) => {
      const shopper = { history: recent.map((sku) => ({ sku, at: 1, kind: 'view' as const })), cart: null, now: 1 };
      const inputs = towerHistory(shop, shopper, r.anchorSku);
      const user = userTower(shop.tower, poolHistory(shop.items, shop.dim, inputs.ids, inputs.weights));
      return rankShelf(shop, r, shopper, shelfUser(shop, inputs, () => dotAll(user, shop.items, shop.dim)));
    };

    it("scores at the edge only the shopper's storefront's dot products, and ranks as with every one", () => {
      for (const r of [rules(5), rules(5, { anchorSku: 'A0' }), rules(5, { ranking: 'all' }), rules(5, { ranking: 'complement', anchorSku: 'A0' })]) {
        const edge = coldStartRank(shop, r, ['B3'], { now: 1 });
        expect(edge).toEqual(deviceShelf(r, ['B3']));
        expect(skus(edge)).not.toContain('A1');
      }
    });

    it("completes a basket from its own storefront and those in none, with finite scores, where the shopper has a taste", () => {
      const bt = rules(4, { ranking: 'complement', anchorSku: 'A0' });
      const shelf = coldStartRank(shop, bt, ['C4'], { now: 1 });
      // A1 and B2 sell in the other storefront: before, they filled the shelf, and every score was NaN (C4,
      // viewed just now, is left out by the shelf's rules).
      expect(skus(shelf)).toEqual(['B3']);
      expect(shelf.every((i) => Number.isFinite(i.score))).toBe(true);
      expect([...minMax(Float32Array.of(-Infinity, 1, 3))]).toEqual([-Infinity, 0, 1]);
    });
  });

  it("answers in the /api/rank schema the page validates", () => {
    const items = coldStartRank(data, rules(3, { pin: ['B3'] }), ['A0']);
    expect(RankAnswerSchema.safeParse({ items, source: 'edge', modelVersion: 'test', experiment: null }).success).toBe(true);
    expect(RankAnswerSchema.safeParse({ items: [{ ...items[0], price: -1 }], source: 'edge', modelVersion: 'test', experiment: null }).success).toBe(false);
  });
});

describe('parseRankQuery', () => {
  const q = (s: string) => parseRankQuery(new URL(`http://x/api/rank?${s}`));
  it('accepts a well-formed query, with defaults', () => {
    expect(q('placement=home-for-you')).toEqual({ ok: true, query: { placement: 'home-for-you', k: 12, recent: [] } });
    expect(q('placement=product-similar&k=5&recent=85123A,22423&sku=21212')).toEqual({
      ok: true,
      query: { placement: 'product-similar', k: 5, recent: ['85123A', '22423'], sku: '21212' },
    });
  });

  it.each([
    ['placement=nowhere', /placement must be one of home-for-you, home-buy-again, product-similar, product-bought-together, cart-upsell, cart-complete/],
    ['', /placement must be one of/],
    ['placement=home-for-you&k=0', /k must be between 1 and 100/],
    ['placement=home-for-you&k=101', /k must be between 1 and 100/],
    ['placement=home-for-you&k=2.5', /k must be between 1 and 100, a whole number in plain digits/],
    ['placement=home-for-you&k=lots', /k must be between 1 and 100, a whole number in plain digits/],
    // Number() reads these as numbers; docs/robustness.md promises strict parsing (issue 12, finding 11).
    ...['0x10', '0b11', '.5e1', '5.', '%095', '05', '+5', '1e1'].map((k) => [`placement=home-for-you&k=${k}`, /k must be between 1 and 100, a whole number/] as [string, RegExp]),
    [`placement=home-for-you&recent=${Array.from({ length: 21 }, (_, i) => `1000${i}`).join(',')}`, /at most 20 product codes/],
    ['placement=home-for-you&recent=85123A,<script>', /recent must be product codes/],
    ['placement=home-for-you&sku=../../etc', /sku must be a product code/],
    ['placement=home-for-you&debug=1', /unknown parameter: debug/],
    ['placement=home-for-you&__proto__=x', /unknown parameter: __proto__/],
    ['placement=home-for-you&constructor=x', /unknown parameter: constructor/],
    ['placement=home-for-you&placement=cart-upsell', /given more than once/],
    [`placement=home-for-you&x=${'a'.repeat(3000)}`, /query string longer than 2048/],
  ])('rejects bad input #%#', (query, error) => {
    const r = q(query);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });
});

describe('in an edge runtime', () => {
  // Bundled for a neutral platform: a Node built-in anywhere in the cold-start code fails this build.
  const bundle = (entry: string) =>
    buildSync({ entryPoints: [entry], bundle: true, write: false, platform: 'neutral', format: 'iife', globalName: 'mod', mainFields: ['module', 'main'] }).outputFiles[0]!.text;

  it('the ranker gives the same answer inside the edge runtime as in Node', () => {
    const vm = new EdgeRuntime();
    vm.evaluate(bundle('lib/coldstart/rank.ts'));
    const r3 = rules(3, { pin: ['B2'], block: ['C4'] });
    const opts = { request: { country: 'FR', hour: 9 } };
    // Typed arrays and Maps survive the trip into the VM as tagged plain values.
    const plain = JSON.stringify(data, (_, v: unknown) =>
      v instanceof Map ? { $map: [...v] } : ArrayBuffer.isView(v) ? { $typed: v.constructor.name, values: Array.from(v as unknown as ArrayLike<number>) } : v,
    );
    const inEdge = vm.evaluate(`
      const data = JSON.parse(${JSON.stringify(plain)}, (_, v) => v && v.$map ? new Map(v.$map) : v && v.$typed ? globalThis[v.$typed].from(v.values) : v);
      JSON.stringify([
        mod.coldStartRank(data, ${JSON.stringify(r3)}, [], ${JSON.stringify(opts)}),
        mod.coldStartRank(data, ${JSON.stringify(rules(4))}, ['A0'], { now: 1 }),
      ]);
    `) as string;
    expect(JSON.parse(inEdge)).toEqual([coldStartRank(data, r3, [], opts), coldStartRank(data, rules(4), ['A0'], { now: 1 })]);
  });

  it('the query parser and the artifact loader bundle without Node built-ins and load in the edge runtime', () => {
    const vm = new EdgeRuntime();
    vm.evaluate(bundle('lib/coldstart/query.ts'));
    expect(vm.evaluate(`JSON.stringify(mod.parseRankQuery(new URL('http://x/api/rank?placement=cart-upsell&k=3')))`)).toBe(
      JSON.stringify({ ok: true, query: { placement: 'cart-upsell', k: 3, recent: [] } }),
    );
    vm.evaluate(bundle('lib/coldstart/serve.ts'));
    expect(vm.evaluate('typeof mod.serveColdStart')).toBe('function');
    expect(vm.evaluate(`JSON.stringify(mod.geoFromHeaders(new Headers({ 'x-vercel-ip-country': 'fr', 'x-vercel-ip-timezone': 'Europe/Paris' })))`)).toBe('{"country":"FR","timeZone":"Europe/Paris"}');
    // The config reader (with @vercel/edge-config) and assignment run at the edge too (proxy.ts, the route).
    vm.evaluate(bundle('lib/config/index.ts'));
    expect(vm.evaluate('typeof mod.getConfig')).toBe('function');
    vm.evaluate(bundle('lib/experiments/assign.ts'));
    expect(vm.evaluate(`mod.murmur3('hello', 0)`)).toBe(0x248bfa47);
  });
});
