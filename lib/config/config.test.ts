import { describe, expect, it } from 'vitest';
import localJson from './default.json' with { type: 'json' };
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { builtModelVersions, createConfigReader, parseLocal, type RemoteConfig } from './index';
import { StoreConfigSchema } from './schema';

const remoteWith = (...answers: (unknown | Error)[]): RemoteConfig & { calls: number } => {
  const r = {
    calls: 0,
    async getAll() {
      const a = answers[Math.min(r.calls++, answers.length - 1)];
      if (a instanceof Error) throw a;
      return a;
    },
  };
  return r;
};

const valid = { ...localJson, modelVersion: 'abcdefabcdef', switches: { onDeviceRanking: false, edgeRanking: true, eventCollection: true } };

describe('store config', () => {
  it('the committed local file is valid and has defaults for what it leaves out', () => {
    const c = parseLocal(localJson);
    expect(c.switches.onDeviceRanking).toBe(true);
    expect(c.experiments.filter((e) => e.status === 'running').length).toBeGreaterThan(0);
    expect(StoreConfigSchema.parse({}).switches).toEqual({ onDeviceRanking: true, edgeRanking: true, eventCollection: true });
  });

  it('without EDGE_CONFIG it reads the local file and never calls out', async () => {
    const read = createConfigReader({ remote: null, local: localJson });
    const got = await read();
    expect(got.source).toBe('local');
    expect(got.config.modelVersion).toBeNull();
  });

  it('uses a valid remote value', async () => {
    const read = createConfigReader({ remote: remoteWith(valid), local: localJson, ttlMs: 0 });
    const got = await read();
    expect(got.source).toBe('edge-config');
    expect(got.config.switches.onDeviceRanking).toBe(false);
  });

  it('unreachable with no good value yet: the local file, and says so once', async () => {
    const logs: string[] = [];
    const read = createConfigReader({ remote: remoteWith(new Error('fetch failed')), local: localJson, ttlMs: 0, log: (m) => logs.push(m) });
    expect((await read()).source).toBe('local');
    expect((await read()).source).toBe('local');
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/unreachable \(fetch failed\).*local lib\/config\/default\.json/);
  });

  it('unreachable or invalid after a good value: the last good value, then recovers', async () => {
    const logs: string[] = [];
    const bad = { ...valid, experiments: [{ ...localJson.experiments[0], control: 'nope' }] };
    const read = createConfigReader({ remote: remoteWith(valid, new Error('timeout'), bad, valid), local: localJson, ttlMs: 0, log: (m) => logs.push(m) });
    expect((await read()).source).toBe('edge-config');
    const down = await read();
    expect(down.source).toBe('last-good');
    expect(down.config.modelVersion).toBe('abcdefabcdef');
    const invalid = await read();
    expect(invalid.source).toBe('last-good');
    expect(invalid.problem).toMatch(/invalid \(experiments\.0\.control: control "nope" is not one of the variants\)/);
    expect((await read()).source).toBe('edge-config');
    expect(logs).toEqual([expect.stringMatching(/unreachable/), expect.stringMatching(/invalid/), expect.stringMatching(/valid again/)]);
  });

  it('reuses one answer within the TTL', async () => {
    let t = 0;
    const remote = remoteWith(valid);
    const read = createConfigReader({ remote, local: localJson, ttlMs: 5000, now: () => t });
    await read();
    t = 4999;
    await read();
    expect(remote.calls).toBe(1);
    t = 5000;
    await read();
    expect(remote.calls).toBe(2);
  });

  it('rejects a layout a page cannot show, variants without one, two running layouts of a page, bad codes, with a message naming it', () => {
    const exp = localJson.experiments[0]!;
    const bad = (c: unknown) => StoreConfigSchema.safeParse(c).success;
    const why = (c: unknown) => {
      const r = StoreConfigSchema.safeParse(c);
      return r.success ? 'valid' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    expect(bad({ experiments: [{ ...exp, variants: [{ id: 'left', weight: 1 }, { id: 'below-hero', weight: 1 }] }] })).toBe(false);
    expect(why({ experiments: [{ ...exp, variants: [{ id: 'below-hero', weight: 1, layout: [{ placement: 'cart-upsell', slot: 'below-hero' }] }, exp.variants[1]] }] })).toMatch(
      /experiments\.0\.variants\.0\.layout\.0\.placement: cart-upsell is not a home page shelf/,
    );
    expect(why({ experiments: [{ ...exp, variants: [{ id: 'below-hero', weight: 1, layout: [{ placement: 'home-for-you', slot: 'below-product' }] }, exp.variants[1]] }] })).toMatch(/the home page has no slot "below-product"/);
    expect(why({ experiments: [{ ...exp, variants: [{ id: 'below-hero', weight: 1, layout: [{ placement: 'home-for-you', slot: 'below-hero', size: 500 }] }, exp.variants[1]] }] })).toMatch(/layout\.0\.size/);
    expect(why({ experiments: [{ ...exp, variants: [{ id: 'below-hero', weight: 1 }, exp.variants[1]] }] })).toMatch(/variant "below-hero" needs a layout/);
    expect(bad({ experiments: [exp, { ...exp, id: 'again' }] })).toBe(false);
    expect(bad({ merchandising: { 'home-for-you': { pin: ['85123a'] } } })).toBe(false);
    expect(bad({ merchandising: { 'nowhere': { pin: [] } } })).toBe(false);
    expect(bad({ merchandising: { 'home-for-you': { pin: ['85123A'] } } })).toBe(true);
  });

  it('migrates the experiments written before layouts were data: same ids and arms, the layouts they meant', () => {
    const legacy = {
      experiments: [
        { id: 'home-shelf-position', salt: 's1', kind: 'home-shelf-position', question: 'q', status: 'running', control: 'below-hero', variants: [{ id: 'below-hero', weight: 50 }, { id: 'above-hero', weight: 50 }] },
        { id: 'product-shelf-kind', salt: 's2', kind: 'product-shelf-kind', question: 'q', status: 'running', control: 'similar', variants: [{ id: 'similar', weight: 50 }, { id: 'complete-the-set', weight: 50 }] },
      ],
    };
    const parsed = StoreConfigSchema.parse(legacy);
    expect(parsed.experiments.map((e) => [e.kind, e.page])).toEqual([
      ['page-layout', 'home'],
      ['page-layout', 'product'],
    ]);
    expect(parsed.experiments[0]!.variants[1]!.layout!.map((s) => `${s.placement}@${s.slot}`)).toEqual(['home-for-you@above-hero', 'home-buy-again@below-hero']);
    expect(parsed.experiments[1]!.variants[1]!.layout).toEqual([
      { placement: 'product-bought-together', slot: 'below-product' },
      { placement: 'product-similar', slot: 'below-product', category: 'other', title: 'Complete the set' },
    ]);
    // The committed file is the same experiments written out: nobody changes arm.
    expect(parseLocal(localJson).experiments.slice(0, 2)).toEqual(parsed.experiments.map((e, i) => ({ ...e, question: localJson.experiments[i]!.question, salt: localJson.experiments[i]!.salt })));
  });

  describe('model experiments (issue 26)', () => {
    const A = 'aaaaaaaaaaaa';
    const B = 'bbbbbbbbbbbb';
    const modelTest = (variants: unknown[], extra: Record<string, unknown> = {}) => ({
      experiments: [{ id: 'model-b', salt: 's', kind: 'model', question: 'Does B sell more than A?', status: 'running', control: 'a', variants, ...extra }],
    });
    const arms = [
      { id: 'a', weight: 90, model: A },
      { id: 'b', weight: 10, model: B },
    ];

    it('a variant names a version; the schema refuses one without, two alike, a layout, or a version on another kind', () => {
      expect(StoreConfigSchema.safeParse(modelTest(arms)).success).toBe(true);
      const problem = (c: unknown) => {
        const r = StoreConfigSchema.safeParse(c);
        return r.success ? null : r.error.issues.map((i) => i.message).join('; ');
      };
      expect(problem(modelTest([arms[0], { id: 'b', weight: 10 }]))).toMatch(/variant "b" needs a model/);
      expect(problem(modelTest([arms[0], { ...arms[1], model: A }]))).toMatch(/same model version/);
      expect(problem(modelTest([arms[0], { ...arms[1], model: 'B' }]))).toMatch(/12 lower-case hex/);
      expect(problem(modelTest(arms, { page: 'home' }))).toMatch(/no page and no layouts/);
      expect(problem({ experiments: [{ ...modelTest(arms).experiments[0], kind: 'ranking-source', variants: [{ id: 'device', weight: 1, model: A }, { id: 'edge-only', weight: 1 }], control: 'device' }] })).toMatch(/only a model experiment names model versions/);
      // One model question at a time.
      const two = modelTest(arms).experiments[0]!;
      expect(problem({ experiments: [two, { ...two, id: 'model-c' }] })).toMatch(/two run model/);
    });

    it('a version the store does not have is refused: the local file fails loudly, a remote edit keeps the last good config', async () => {
      const known = new Set([A, B]);
      expect(parseLocal(modelTest(arms), known).experiments[0]!.variants.map((v) => v.model)).toEqual([A, B]);
      expect(() => parseLocal(modelTest([arms[0], { ...arms[1], model: 'cccccccccccc' }]), known)).toThrow(/cccccccccccc: the store has no such version/);
      expect(() => parseLocal({ modelVersion: 'cccccccccccc' }, known)).toThrow(/cccccccccccc/);
      // An ended experiment ranks nobody: its versions may be gone.
      expect(() => parseLocal(modelTest([arms[0], { ...arms[1], model: 'cccccccccccc' }], { status: 'ended' }), known)).not.toThrow();
      const logs: string[] = [];
      let t = 0;
      const read = createConfigReader({ remote: remoteWith(modelTest(arms), modelTest([arms[0], { ...arms[1], model: 'cccccccccccc' }])), local: {}, knownVersions: known, ttlMs: 1, now: () => (t += 10), log: (m) => logs.push(m) });
      expect((await read()).source).toBe('edge-config');
      const second = await read();
      expect(second.source).toBe('last-good');
      expect(second.config.experiments[0]!.variants[1]!.model).toBe(B);
      expect(second.problem).toMatch(/cccccccccccc: the store has no such version \(it has aaaaaaaaaaaa, bbbbbbbbbbbb\)/);
      expect(logs.join('\n')).toMatch(/last good Edge Config value/);
    });

    it('builtModelVersions reads the list next.config.ts makes of public/models/, and the committed config names only versions there', () => {
      expect(builtModelVersions('aaaaaaaaaaaa,bbbbbbbbbbbb')).toEqual(new Set([A, B]));
      expect(builtModelVersions('')).toBeNull();
      const folders = readdirSync(path.join(process.cwd(), 'public', 'models')).filter((v) => /^[0-9a-f]{12}$/.test(v));
      expect(() => parseLocal(localJson, new Set(folders))).not.toThrow();
    });
  });
});
