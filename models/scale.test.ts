/**
 * What training a big shop rests on: the scale data set (models/scale-data.ts), evaluation samples
 * (models/sample.ts), community batches (models/batches.ts) and the sparse rewrites of the baselines, the
 * co-purchase signals and the complements, each held to the dense computation it replaced.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { DEFAULT_FEATURE_SPEC } from '../lib/recs/features';
import { epochBatches, MIXED_SHARE, mixedShare, productCommunities } from './batches';
import { communitiesOf } from './communities';
import { itemKnn, tifuKnn } from './baselines';
import { fitComplements } from './complements';
import { decodeComplements, encodeComplements, idBytes } from '../lib/recs/complements';
import { cleanLog, compactEvents, compactLog, eventsByCustomer, logBefore, type RawRow } from './data';
import { evalUsers } from './evaluate';
import { rng } from './random';
import { sampleBy, standardError } from './sample';
import { activities, charge } from './stage-clock';
import { copyCode, copyRow, scaledCsv } from './scale-data';
import { buildSignals } from './signals';
import { syntheticProducts } from './test-model';
import { DAY } from './time';

const row = (over: Partial<RawRow>): RawRow => ({ InvoiceNo: '536365', StockCode: '85123A', Description: 'WHITE HANGING HEART T-LIGHT HOLDER', Quantity: '6', InvoiceDate: '2010-12-01 08:26', UnitPrice: '2.55', CustomerID: '17850', Country: 'United Kingdom', ...over });

describe('the scale data set', () => {
  it('renames codes, customers and invoices per copy and keeps the rest', () => {
    expect(copyRow(row({}), 0)).toEqual(row({}));
    const c = copyRow(row({ CustomerID: '17850.0' }), 3);
    expect(c).toMatchObject({ StockCode: '85123AK03', CustomerID: '17850K03', InvoiceNo: '536365K03', InvoiceDate: '2010-12-01 08:26', Description: 'WHITE HANGING HEART T-LIGHT HOLDER', UnitPrice: '2.55' });
    // Cancellations stay cancellations, guests stay guests, fees stay fees (the cleaning drops them by name).
    expect(copyRow(row({ InvoiceNo: 'C536379', CustomerID: '' }), 2)).toMatchObject({ InvoiceNo: 'C536379K02', CustomerID: '' });
    expect(copyCode('POST', 5)).toBe('POST');
    expect(() => copyCode('1234567890A', 2)).toThrow(/not a product code/);
  });

  it('writes K copies that clean into K times the purchases, products and customers', () => {
    const rows = [row({}), row({ StockCode: '22423', Description: 'REGENCY CAKESTAND, 3 TIER', InvoiceNo: '536366', CustomerID: '13047' }), row({ StockCode: 'POST', Description: 'POSTAGE' })];
    const text = [...scaledCsv(rows, 4)].join('');
    const parsed = parse(text, { columns: true }) as RawRow[];
    expect(parsed).toHaveLength(12);
    const one = cleanLog(rows).purchases;
    const four = cleanLog(parsed).purchases;
    expect(four).toHaveLength(4 * one.length);
    expect(new Set(four.map((p) => p.sku)).size).toBe(4 * new Set(one.map((p) => p.sku)).size);
    expect(new Set(four.map((p) => p.customerId)).size).toBe(4 * new Set(one.map((p) => p.customerId)).size);
    expect(four.find((p) => p.sku === '22423K01')!.description).toBe('REGENCY CAKESTAND, 3 TIER');
    expect(() => [...scaledCsv(rows, 0)]).toThrow(/--copies/);
  });
});

describe('evaluation samples', () => {
  const items = Array.from({ length: 500 }, (_, i) => `c${i}`);
  it('keep everything under the cap, and past it the same units in their order, every time', () => {
    expect(sampleBy(items, (x) => x, 500).items).toEqual(items);
    const a = sampleBy(items, (x) => x, 100);
    expect(a.of).toBe(500);
    expect(a.items).toHaveLength(100);
    expect(a.items).toEqual(sampleBy([...items].reverse(), (x) => x, 100).items.reverse());
    expect(a.items.map((x) => items.indexOf(x))).toEqual([...a.items.map((x) => items.indexOf(x))].sort((x, y) => x - y));
  });
  it('say what the sample can resolve', () => {
    expect(standardError([1, 1, 1])).toBe(0);
    expect(standardError([0, 2])).toBeCloseTo(1, 10);
  });
});

const skus = Array.from({ length: 40 }, (_, i) => `P${i}`);
const index = new Map(skus.map((s, i) => [s, i]));
const START = Date.UTC(2011, 0, 1);
/** Two communities of customers and products that never meet (products 0–19, 20–39), and product 39 nobody buys. */
function log(seed: number) {
  const r = rng(seed);
  return Array.from({ length: 800 }, (_, k) => {
    const side = k % 2;
    const product = side * 20 + Math.floor(r() * (side ? 19 : 20));
    return { invoice: `${Math.floor(k / 4)}`, sku: skus[product]!, date: new Date(START + Math.floor(k / 8) * DAY).toISOString().slice(0, 16).replace('T', ' '), customerId: `${side ? 'b' : 'a'}${Math.floor(r() * 15)}` };
  });
}

describe('community batches', () => {
  const purchases = log(1);
  const events = eventsByCustomer(purchases);
  it('finds the parts of the catalogue no customer links, big enough to be communities', () => {
    const c = productCommunities(events, index, skus.length);
    // Two sides of 20 and 19 products: communities at a minimum of 10 products, none at the default 100.
    expect(Array.from(c).every((x) => x === 0)).toBe(true);
    const customers = [...events.values()].map((list) => Int32Array.from(new Set(list.map((e) => index.get(e.sku)!))));
    const tagged = communitiesOf(customers, skus.length, 10);
    expect(tagged.count).toBe(2);
    expect(new Set(Array.from(tagged.community.slice(0, 20)))).toEqual(new Set([1]));
    expect(new Set(Array.from(tagged.community.slice(20, 39)))).toEqual(new Set([2]));
    // Nobody bought product 39: open to everyone.
    expect(tagged.community[39]).toBe(0);
    // One side alone is one shop: no communities.
    expect(communitiesOf(customers.filter((c) => c[0]! < 20), skus.length, 10).count).toBe(0);
  });

  it('cuts an epoch into whole batches, most of one community, each example once', () => {
    const groups = Int32Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? 7 : 9));
    const r = rng(4);
    const order = Array.from({ length: 1000 }, (_, i) => i).sort(() => r() - 0.5);
    const batches = epochBatches(order, groups, 32, rng(5));
    expect(batches).toHaveLength(Math.floor(1000 / 32));
    const seen = batches.flat();
    expect(new Set(seen).size).toBe(seen.length);
    const pure = batches.filter((b) => new Set(b.map((i) => groups[i])).size === 1).length;
    expect(pure / batches.length).toBeGreaterThan(1 - 2 * MIXED_SHARE.communities);
    expect(pure).toBeLessThan(batches.length);
  });

  it('keeps 1 in 32 batches random where there are communities, and one shop\'s cut as it was (1 in 8)', () => {
    expect(mixedShare(Int32Array.from([0, 0, 0, 0]))).toBe(MIXED_SHARE.oneShop);
    expect(mixedShare(Int32Array.from([1, 2, 1, 2]))).toBe(MIXED_SHARE.communities);
    expect(MIXED_SHARE.communities).toBeLessThan(MIXED_SHARE.oneShop);
  });

  it('passes a worker the same histories as the purchase objects', () => {
    const compact = compactLog(purchases);
    const cut = START + 50 * DAY;
    const want = [...eventsByCustomer(purchases.filter((p) => Date.parse(`${p.date.replace(' ', 'T')}:00Z`) < cut)).values()];
    expect([...compactEvents(logBefore(compact, cut)).values()]).toEqual(want);
  });
});

describe('sparse rewrites give the dense results', () => {
  const purchases = log(2);
  const n = skus.length;
  const history = purchases.slice(0, 600);
  const users = evalUsers(history, purchases.slice(600), index);

  it('item-kNN', () => {
    // The dense table it replaced: who bought both, over √(buyers of each), summed over the history.
    const sets = [...eventsByCustomer(history).values()].map((e) => new Set(e.map((x) => index.get(x.sku)!)));
    const co = new Float32Array(n * n);
    const buyers = new Float32Array(n);
    for (const s of sets) for (const a of s) {
      buyers[a]! += 1;
      for (const b of s) co[a * n + b]! += 1;
    }
    const knn = itemKnn(history, index, n);
    for (const u of users) {
      const want = new Float32Array(n);
      for (const j of u.owned) if (buyers[j]) for (let i = 0; i < n; i++) if (co[j * n + i]) want[i]! += co[j * n + i]! / Math.sqrt(buyers[i]! * buyers[j]!);
      expect(knn(u)).toEqual(want);
    }
  });

  it('TIFU-KNN keeps its neighbours when only the customers sharing a product are scored', () => {
    const p = { groupSize: 2, withinDecay: 0.9, groupDecay: 0.8, neighbours: 3, alpha: 0.7 };
    const scores = users.map((u) => tifuKnn(history, index, n, p)(u));
    // Each customer's own vector carries alpha; the rest comes from neighbours in its own community only.
    users.forEach((u, k) => {
      const side = u.customer.startsWith('b') ? 1 : 0;
      const s = scores[k]!;
      for (let i = 0; i < n; i++) if ((i >= 20 ? 1 : 0) !== side) expect(s[i]).toBe(0);
      expect(Math.max(...s)).toBeGreaterThan(0);
    });
  });

  it('complements: the same neighbours and weights as a map of every pair', () => {
    const byInvoice = new Map<string, number[]>();
    for (const p of history) byInvoice.set(p.invoice, [...(byInvoice.get(p.invoice) ?? []), index.get(p.sku)!]);
    const baskets = [...byInvoice.values()].map((ids, k) => ({ items: [...new Set(ids)], at: START + k * DAY }));
    const now = START + 400 * DAY;
    const settings = { halfLifeDays: 90, categoryWeight: 0.1 };
    const fitted = fitComplements(baskets, n, now, settings, 4);
    const rows = new Map<number, Map<number, number>>();
    for (const b of baskets) {
      const w = 0.5 ** ((now - b.at) / DAY / 90);
      for (const a of b.items) for (const c of b.items) if (c !== a) rows.set(a, (rows.get(a) ?? new Map()).set(c, (rows.get(a)?.get(c) ?? 0) + w));
    }
    for (const [a, row] of rows) {
      const best = [...row.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, 4).map(([c]) => c);
      expect(Array.from(fitted.neighbours.slice(a * 4, a * 4 + best.length))).toEqual(best);
    }
  });

  it('co-purchase signals: neighbours within a community, best cosine first', () => {
    const products = syntheticProducts(skus).map((p) => ({ ...p, units: 1, orders: 1, customers: 1, recentUnits: 0, firstSold: '2011-01-01', lastSold: '2011-03-01' }));
    const s = buildSignals(products, history, START + 400 * DAY, DEFAULT_FEATURE_SPEC);
    const m = s.neighboursPerItem;
    for (let a = 0; a < 39; a++) {
      const nb = Array.from(s.neighbours.slice(a * m, a * m + m)).filter((b) => b >= 0);
      expect(nb.length).toBeGreaterThan(0);
      for (const b of nb) expect(b >= 20).toBe(a >= 20);
      const w = Array.from(s.neighbourWeights.slice(a * m, a * m + nb.length));
      expect(w).toEqual([...w].sort((x, y) => y - x));
    }
  });
});

describe('no limit below a million products', () => {
  it('complements.bin at 70,000 products: 32-bit neighbour ids, every id and weight back', () => {
    const n = 70_000;
    const m = 3;
    const r = rng(11);
    const neighbours = Int32Array.from({ length: n * m }, (_, j) => (j % m === 2 && j % 7 === 0 ? -1 : Math.floor(r() * n)));
    const weights = Float32Array.from({ length: n * m }, (_, j) => (neighbours[j]! < 0 ? 0 : m - (j % m)));
    const c = { spec: { neighboursPerItem: m, halfLifeDays: null, categoryWeight: 0.1, evidence: 0, popularityWeight: 0 }, n, neighbours, weights };
    expect(idBytes(n)).toBe(4);
    const bytes = encodeComplements(c);
    expect(bytes.byteLength).toBe(4 * n + 4 * n * m + n * m);
    const back = decodeComplements(bytes, n, c.spec);
    expect(back.neighbours).toEqual(neighbours);
    expect(back.neighbours.reduce((m, x) => Math.max(m, x), 0)).toBeGreaterThan(65_535);
    back.weights.forEach((w, j) => expect(Math.abs(w - weights[j]!)).toBeLessThan(0.02));
    // Below 65,535 products the file keeps its 16-bit ids.
    expect(idBytes(65_534)).toBe(2);
  });
});

describe('what each kind of work costs', () => {
  it('charges nested work once, to the innermost', () => {
    activities(true);
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    charge('outer', () => {
      busy(300);
      charge('inner', () => busy(600));
    });
    const rows = Object.fromEntries(activities(true).map((r) => [r.activity, r]));
    // The ledger rounds to a tenth of a second: the outer work's own 0.3 s, not 0.9.
    expect(rows.inner!.seconds).toBeGreaterThanOrEqual(0.6);
    expect(rows.outer!.seconds).toBeGreaterThanOrEqual(0.3);
    expect(rows.outer!.seconds).toBeLessThan(0.6);
    expect(activities()).toEqual([]);
  });
});
