import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArtifactError, loadModel } from '../lib/recs/artifacts';
import { DEFAULT_FEATURE_SPEC, historyInputs } from '../lib/recs/features';
import { isParted, openParted, partedModel } from '../lib/recs/parted-model';
import { bucketCount, bucketOf, decodePart, encodePart, HEAD_SIZE, mergeParts, partName, storefrontMask } from '../lib/recs/parts';
import { dotAll } from '../lib/recs/rank';
import { rankingScores, userContext } from '../lib/recs/score';
import { poolHistory, userTower } from '../lib/recs/tower';
import { writeArtifacts } from './export/artifacts';
import { shelfModelOf, type DeviceModel } from '../lib/recs/artifacts';
import { prepareScorer } from '../lib/recs/rank-wasm';
import { shelfUser } from '../lib/recs/shelf';
import { answerRank, type Ranker } from '../lib/device/rank-handler';
import type { RankRequest } from '../lib/device/protocol';
import { rng } from './random';
import { emptyMetrics, syntheticComplements, syntheticProducts, syntheticScorer, syntheticSignals } from './test-model';
import type { TrainedModel } from './two-tower';

/** The test version's buckets (3,000 products). */
const B = bucketCount(3_000);

/** 3,000 products in two communities (0–1,399 and 1,400–2,799) and 200 in none, shipped in parts. */
function version(): { dir: string; model: TrainedModel } {
  const r = rng(17);
  const n = 3_000;
  const dim = 8;
  const items = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const v = Float32Array.from({ length: dim }, () => r() - 0.5);
    const s = Math.hypot(...v);
    items.set(v.map((x) => x / s), i * dim);
  }
  const signals = { ...syntheticSignals(n), community: Uint16Array.from({ length: n }, (_, i) => (i < 1400 ? 1 : i < 2800 ? 2 : 0)) };
  const model: TrainedModel = {
    dim,
    skus: Array.from({ length: n }, (_, i) => `P${1000 + i}`),
    items,
    W: Float32Array.from({ length: dim * dim }, (_, i) => (i % (dim + 1) === 0 ? 1 : 0.05)),
    b: new Float32Array(dim),
    prior: Float32Array.from({ length: n }, () => r()),
    signals,
    scorer: syntheticScorer(),
    spec: { ...DEFAULT_FEATURE_SPEC, historyLength: 8 },
    now: Date.UTC(2011, 10, 24),
  };
  const { dir } = writeArtifacts(mkdtempSync(path.join(tmpdir(), 'tandem-parts-')), model, {
    catalogVersion: 'test',
    products: syntheticProducts(model.skus),
    complements: syntheticComplements(n),
    metrics: emptyMetrics(),
    training: {},
    golden: [],
    coldStart: { format: 1, timeZone: 'Europe/London', weights: { country: 0, daypart: 0 }, countries: {}, dayparts: [] },
    parts: true,
  });
  return { dir, model };
}

describe('a catalogue in parts (lib/recs/parts.ts)', () => {
  const { dir, model } = version();
  const read = (p: string) => readFile(path.join(dir, p));

  it('ships heads per community and buckets by code, each named by its hash, listed in the version', async () => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(isParted(manifest)).toBe(true);
    expect(manifest.parts).toMatchObject({ heads: 3, buckets: B, headSize: HEAD_SIZE });
    const index = readFileSync(path.join(dir, 'parts.bin'));
    expect(index.byteLength).toBe(8 * (3 + B));
    // Every product is in exactly the bucket its code names.
    const seen = new Set<string>();
    for (let b = 0; b < B; b++) {
      const part = decodePart(readFileSync(path.join(dir, 'parts', `${partName(index, 3 + b)}.bin`)), 8, 2, 4);
      for (const sku of part.skus) {
        expect(bucketOf(sku, B)).toBe(b);
        seen.add(sku);
      }
    }
    expect(seen.size).toBe(3_000);
    // Community 1's head: its and the open products' best by prior, none of community 2.
    const head1 = decodePart(readFileSync(path.join(dir, 'parts', `${partName(index, 1)}.bin`)), 8, 2, 4);
    expect(head1.skus).toHaveLength(HEAD_SIZE);
    expect([...head1.community].every((c) => c !== 2)).toBe(true);
  });

  it('round-trips a part', () => {
    const index = readFileSync(path.join(dir, 'parts.bin'));
    const bytes = readFileSync(path.join(dir, 'parts', `${partName(index, 5)}.bin`));
    expect(encodePart(decodePart(bytes, 8, 2, 4))).toEqual(new Uint8Array(bytes));
  });

  it('merges the same local catalogue whatever order its parts come in, each product once and with its lists', async () => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const index = readFileSync(path.join(dir, 'parts.bin'));
    const part = (k: number) => decodePart(readFileSync(path.join(dir, 'parts', `${partName(index, k)}.bin`)), 8, 2, 4);
    // Community 1's head and the buckets of two of its products: the head holds some of theirs, without lists.
    const [head, a, b] = [part(1), part(3 + bucketOf('P1010', B)), part(3 + bucketOf('P1200', B))];
    const inBoth = a.skus.filter((s) => head.skus.includes(s));
    expect(inBoth.length).toBeGreaterThan(0);
    const merge = (ps: typeof head[]) => mergeParts(ps, 8, manifest.signals, manifest.complements, storefrontMask(3, [1]));
    const orders = [[head, a, b], [b, head, a], [a, b, head], [head, b, a, head]].map(merge);
    for (const other of orders.slice(1)) expect(other).toEqual(orders[0]);
    const local = orders[0]!;
    expect(new Set(local.skus).size).toBe(local.skus.length);
    expect([...local.rows]).toEqual([...local.rows].sort((x, y) => x - y));
    // A product in the head and a bucket keeps the bucket's complements (a head's copy has none).
    const mc = manifest.complements.neighboursPerItem;
    const withLists = inBoth.filter((sku) => a.complements[a.skus.indexOf(sku) * mc]! >= 0);
    expect(withLists.length).toBeGreaterThan(0);
    for (const sku of withLists) {
      const i = local.skus.indexOf(sku);
      const kept = [...local.complements.neighbours.subarray(i * mc, i * mc + mc)].filter((r) => r >= 0).map((r) => local.skus[r]);
      const offered = [...a.complements.subarray(a.skus.indexOf(sku) * mc, a.skus.indexOf(sku) * mc + mc)].filter((r) => r >= 0).map((r) => model.skus[r]).filter((s) => local.skus.includes(s!));
      expect(kept).toEqual(offered);
    }
  });

  it("ranks every product of the local catalogue with exactly its whole-catalogue score, and the shopper's community's head", async () => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const parted = await openParted(manifest, read);
    const events = [{ sku: 'P1010', at: model.now - 86_400_000, kind: 'purchase' as const }, { sku: 'P1200', at: model.now - 3_600_000, kind: 'view' as const }];
    const local = await partedModel(parted, { skus: events.map((e) => e.sku) });
    // Two buckets and community 1's head, nothing else.
    expect(parted.have.size).toBe(3);
    expect(local.skus).toContain('P1010');
    // No product of community 2: the history's buckets bring some, but the scorer could only rule them out.
    const community2 = local.skus.filter((s) => Number(s.slice(1)) - 1000 >= 1400 && Number(s.slice(1)) - 1000 < 2800);
    expect(community2).toEqual([]);
    // Those in none stay (the rankings may show them), from the head and the buckets.
    expect(local.skus.filter((s) => Number(s.slice(1)) - 1000 >= 2800).length).toBeGreaterThan(0);
    const full = await loadModel(read);
    const score = (m: { skus: readonly string[]; items: Float32Array; signals: typeof full.signals }) => {
      const index = new Map(m.skus.map((s, i) => [s, i]));
      const h = historyInputs(events, index, model.now, manifest.features);
      const u = userTower(full.tower, poolHistory(m.items, 8, h.ids, h.weights));
      const scores = rankingScores('explore', manifest.scorer, m.signals, userContext(m.signals, h), dotAll(u, m.items, 8));
      return new Map(m.skus.map((s, i) => [s, scores[i]!]));
    };
    const whole = score(full);
    const parts = score(local);
    let compared = 0;
    for (const [sku, z] of parts) {
      expect(z).toBe(whole.get(sku));
      compared++;
    }
    expect(compared).toBeGreaterThan(HEAD_SIZE);
  });

  it('refuses a part that is not the one the index names', async () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'tandem-parts-bad-'));
    const index = readFileSync(path.join(dir, 'parts.bin'));
    const name = `${partName(index, 0)}.bin`;
    const bytes = readFileSync(path.join(dir, 'parts', name));
    bytes[bytes.length - 1]! ^= 1;
    writeFileSync(path.join(copy, name), bytes);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const parted = await openParted(manifest, (p) => (p.startsWith('parts/') ? readFile(path.join(copy, p.slice(6))) : read(p)));
    await expect(partedModel(parted, { skus: [] })).rejects.toThrow(ArtifactError);
  });

  it('answers a product page as the whole catalogue does, from the parts a device fetched for it (the worker\'s path, in Node)', async () => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const full = await loadModel(read);
    const parted = await openParted(manifest, read);
    const history = [{ sku: 'P1300', at: Date.now() - 86_400_000, kind: 'view' as const }];
    const shelves = [
      { ranking: 'explore' as const, k: 10, pin: [], block: [], excludePurchased: true, anchorSku: 'P1010' },
      { ranking: 'complement' as const, k: 8, pin: [], block: [], excludePurchased: false, anchorSku: 'P1010' },
    ];
    const req: RankRequest = { type: 'rank', id: 1, history, cart: [], shelves };
    const local = await partedModel(parted, { skus: ['P1300', 'P1010'], basket: ['P1010'] });
    const ranker = (m: DeviceModel): Ranker => {
      const shelf = shelfModelOf(m);
      return {
        model: m,
        shelf,
        scorer: prepareScorer(m.items, 8, { signals: m.signals }),
        source: 'device-wasm',
        score: async (h) => shelfUser(shelf, h, () => dotAll(userTower(full.tower, poolHistory(m.items, 8, h.ids, h.weights)), m.items, 8)),
      };
    };
    const now = Date.now();
    const want = await answerRank(ranker(full), req, 0, now);
    const got = await answerRank(ranker(local), req, 0, now);
    expect(got.map((s) => s.items.map((i) => i.sku))).toEqual(want.map((s) => s.items.map((i) => i.sku)));
    expect(got[1]!.items.length).toBe(8);
    // A bucket for the history, one for the page's product, its complements' buckets and community 1's head: not all 33 parts.
    expect(parted.have.size).toBeLessThan(15);
  });

  it("holds a shelf's pinned products, and nothing more of their storefront", async () => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const parted = await openParted(manifest, read);
    // A shopper of community 1; the pin, P3000, is community 2's, in none of the parts a shopper of 1 needs.
    const plain = await partedModel(await openParted(manifest, read), { skus: ['P1010'] });
    expect(plain.skus).not.toContain('P3000');
    const local = await partedModel(parted, { skus: ['P1010'], pinned: ['P3000'] });
    expect(local.skus).toContain('P3000');
    expect(parted.have.size).toBe(3); // P1010's bucket, community 1's head, the pin's bucket
  });

  it('a part fetched ahead and needed while still on its way is held, not also kept aside', async () => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    // The product's own parts (its bucket and head) come at once; every other part waits until released.
    const own = new Set<string>();
    await partedModel(await openParted(manifest, (p) => (own.add(p), read(p))), { skus: ['P1010'] });
    let release = () => {};
    const gate = new Promise<void>((done) => (release = done));
    const parted = await openParted(manifest, async (p) => (own.has(p) ? read(p) : (await gate, read(p))));
    await partedModel(parted, { skus: ['P1010'], ahead: ['P1010'] });
    expect(parted.pending.size).toBeGreaterThan(0); // the complements are still on their way
    const page = partedModel(parted, { skus: ['P1010'], basket: ['P1010'] });
    release();
    await page;
    expect(parted.aside.size + parted.pending.size).toBe(0);
  });

  it('fetches a part once when two rankings need it at the same time, and both rank with it', async () => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const fetched: string[] = [];
    const parted = await openParted(manifest, (p) => (p.startsWith('parts/') && fetched.push(p), read(p)));
    const [warm, rank] = await Promise.all([partedModel(parted, { skus: ['P1010'], basket: ['P1010'] }), partedModel(parted, { skus: ['P1010', 'P1300'] })]);
    expect(new Set(fetched).size).toBe(fetched.length);
    for (const local of [warm, rank]) expect(local.skus).toContain('P1010');
    expect(rank.skus).toContain('P1300');
  });

  it('keeps the local catalogue near its size: the parts needed longest ago go, never those a ranking needs now', async () => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const parted = await openParted(manifest, read, { localProducts: 1_800 });
    // A shopper of community 1 (its head and a bucket), then of community 2 alone.
    const first = await partedModel(parted, { skus: ['P1010'] });
    expect(first.skus).toContain('P1010');
    const later = await partedModel(parted, { skus: ['P3000'] });
    expect(later.skus).toContain('P3000');
    // Community 1's head was dropped: of its products, only those of the two buckets are left.
    const community1 = later.skus.filter((s) => Number(s.slice(1)) < 2400);
    expect(community1.length).toBeGreaterThan(0);
    expect(community1.every((s) => [bucketOf('P1010', B), bucketOf('P3000', B)].includes(bucketOf(s, B)))).toBe(true);
    const held = [...parted.have.values()].reduce((n, p) => n + p.skus.length, 0);
    expect(held).toBeLessThanOrEqual(1_800);
    // The newest product's storefront's head is the one kept: community 2's products rank from it.
    expect(later.skus.filter((s) => Number(s.slice(1)) >= 2400 && Number(s.slice(1)) < 3800).length).toBeGreaterThan(1_000);
  });

  it("a product reached for (the worker's warm: its code as history, its complements ahead) leaves its page's shelves nothing to fetch", async () => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const fetched: string[] = [];
    const parted = await openParted(manifest, (p) => (p.startsWith('parts/') && fetched.push(p), read(p)));
    const warmed = await partedModel(parted, { skus: ['P1010'], ahead: ['P1010'] });
    const before = fetched.length;
    // Its bucket and head merged; its complements' buckets fetched (or on their way), not merged.
    expect(before).toBeGreaterThan(2);
    expect(parted.have.size).toBe(2);
    // A view of it (the home shelf: no basket) ranks the same catalogue, no merge.
    expect(await partedModel(parted, { skus: ['P1010'] })).toBe(warmed);
    // Its page: the product as anchor and as basket; the complements come from what was fetched ahead.
    const page = await partedModel(parted, { skus: ['P1010'], basket: ['P1010'] });
    expect(fetched.length).toBe(before);
    expect(page.skus.length).toBeGreaterThan(warmed.skus.length);
    expect(parted.aside.size + parted.pending.size).toBe(0);
  });
});
