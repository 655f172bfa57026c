import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { retryAfterMs } from './client';
import { labelEvents } from './label';
import { openPostgresStore } from './postgres-store';
import { parseBatch, type StoredEvent } from './schema';
import { DEFAULT_ORDER_LIMITS, orderLimits } from './plausible';
import { admitOrder } from './limits';
import { readLimited } from './read-body';
import { openSqliteStore } from './sqlite-store';
import { RANK_MS_CAP, type EventStore } from './store';

const NOW = Date.UTC(2026, 10, 24, 12);
let n = 0;
const uuid = () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;
function ev(type: StoredEvent['type'], visitor: string, variant: string | null, at: number, extra: Partial<StoredEvent> = {}): StoredEvent {
  return { id: uuid(), type, experiment: variant ? 'exp' : null, variant, placement: 'home-for-you', at, visitor, receivedAt: NOW, ...extra };
}

describe('event batches', () => {
  const good = { id: '6f1c2d1e-8c1a-4f59-9a53-1d6f4f6f6a11', type: 'click', experiment: 'home-shelf-position', variant: 'above-hero', placement: 'home-for-you', position: 3, at: NOW };
  it('accepts a valid batch', () => {
    expect(parseBatch({ events: [good] }, NOW)).toEqual({ ok: true, events: [good] });
  });
  it('writes every id in lower case, so one UUID in any case is one event to the store', () => {
    const ids = [good.id, good.id.toUpperCase(), good.id.replace(/[a-f]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c))];
    const r = parseBatch({ events: ids.map((id) => ({ ...good, id })) }, NOW);
    expect(r.ok && r.events.map((e) => e.id)).toEqual([good.id, good.id, good.id]);
  });
  it.each([
    [{}, /events: /],
    [{ events: [] }, /events: .*>=1/],
    [{ events: [{ ...good, id: 'x' }] }, /events\.0\.id/],
    [{ events: [{ ...good, type: 'hover' }] }, /events\.0\.type/],
    [{ events: [{ ...good, extra: 1 }] }, /events\.0: .*extra/i],
    [{ events: [{ ...good, sku: "'; DROP TABLE events;--" }] }, /events\.0\.sku/],
    [{ events: [{ ...good, lines: [{ sku: '22423', quantity: 1, fromShelf: true }] }] }, /events\.0\.lines: only an order/],
    [{ events: [{ ...good, type: 'purchase', lines: [{ sku: '22423', quantity: 0, fromShelf: true }] }] }, /events\.0\.lines\.0\.quantity/],
    [{ events: [{ ...good, type: 'purchase', lines: [{ sku: '22423', quantity: 1, fromShelf: true, price: 0.01 }] }] }, /events\.0\.lines\.0: .*price/i],
    [{ events: [{ ...good, at: NOW + 3 * 86_400_000 }] }, /events\.0\.at: more than 30 days old or in the future/],
    [{ events: [{ ...good, variant: null }] }, /experiment and variant come together/],
    [{ events: Array.from({ length: 101 }, () => good) }, /events: .*<=100/],
  ])('refuses %j with a message naming the problem', (body, message) => {
    const r = parseBatch(body, NOW);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
});

describe('labels and prices the server decides', () => {
  const experiments = [{ id: 'exp', salt: 's', kind: 'page-layout', page: 'home', question: 'q', status: 'running', control: 'below-hero', variants: [{ id: 'below-hero', weight: 1 }, { id: 'above-hero', weight: 1 }], primaryMetric: 'ctr', minimumEffect: 0.05 }] as const;
  const ctx = {
    visitor: { id: 'v1', counted: true },
    receivedAt: NOW,
    experiments: experiments as never,
    assignments: [{ experiment: 'exp', kind: 'page-layout' as const, page: 'home' as const, variant: 'below-hero' }],
    price: (sku: string) => (sku === '22423' ? 12.75 : undefined),
  };
  const base = { id: uuid(), type: 'exposure' as const, experiment: 'exp', variant: 'above-hero', placement: 'home-for-you' as const, at: NOW };
  it("replaces a claimed arm with the visitor's own, and counts the replacement", () => {
    const r = labelEvents([base], ctx);
    expect(r.events[0]).toMatchObject({ experiment: 'exp', variant: 'below-hero', visitor: 'v1' });
    expect(r.relabelled).toBe(1);
  });
  it('keeps a ranking time only on an exposure the device ranked', () => {
    const r = labelEvents([
      { ...base, source: 'device-wasm', rankMs: 42 },
      { ...base, id: uuid(), source: 'edge', rankMs: 42 },
      { ...base, id: uuid(), type: 'click', source: 'device-wasm', rankMs: 42 },
    ], ctx);
    expect(r.events.map((e) => e.rankMs)).toEqual([42, undefined, undefined]);
  });
  it('refuses an event for an experiment not in the config, keeping the rest of the batch', () => {
    const r = labelEvents([{ ...base, experiment: 'ghost' }, { ...base, id: uuid() }], ctx);
    expect(r.refused).toEqual([{ index: 0, reason: 'unknown-experiment', error: 'events.0.experiment: no experiment "ghost" in the config' }]);
    expect(r.events).toHaveLength(1);
  });
  it('prices an order from the catalogue, never from the device, and drops product codes elsewhere', () => {
    const r = labelEvents(
      [
        { ...base, type: 'purchase', experiment: null, variant: null, lines: [{ sku: '22423', quantity: 2, fromShelf: true }, { sku: '22423', quantity: 1, fromShelf: false }] },
        { ...base, id: uuid(), type: 'click', sku: '22423', position: 1 },
        { ...base, id: uuid(), type: 'purchase', experiment: null, variant: null, sku: '22423' }, // an old page's one-line order
        { ...base, id: uuid(), type: 'purchase', experiment: null, variant: null, lines: [{ sku: '99999', quantity: 1, fromShelf: false }] },
      ],
      ctx,
    );
    expect(r.events[0]).toMatchObject({ revenuePence: 3825, recRevenuePence: 2550 });
    expect('sku' in r.events[1]!).toBe(false);
    expect(r.events[2]).toMatchObject({ lines: [{ sku: '22423', quantity: 1, fromShelf: false }], revenuePence: 1275 });
    expect(r.refused).toEqual([{ index: 3, reason: 'unknown-product', error: 'events.3.lines.0.sku: 99999 is not a product of this store' }]);
  });
  it("refuses an implausible order on its own, with its reason: a line above the cart's limit, a value above the store's maximum", () => {
    const order = (quantity: number, lines = 1) => ({ ...base, id: uuid(), type: 'purchase' as const, experiment: null, variant: null, lines: Array.from({ length: lines }, () => ({ sku: '22423', quantity, fromShelf: false })) });
    const r = labelEvents([order(1714, 100), order(99, 100), order(99), { ...base, id: uuid() }], ctx);
    expect(r.refused).toEqual([
      { index: 0, reason: 'implausible-order', error: "events.0.lines.0.quantity: 1714 is more than this store's cart allows on a line (99)" },
      { index: 1, reason: 'implausible-order', error: "events.1.lines: an order of £126225.00 is above this store's plausible maximum (£10000.00)" },
    ]);
    expect(r.events.map((e) => e.revenuePence ?? null)).toEqual([99 * 1275, null]);
    // Configurable: a wholesaler's store raises both.
    const wholesale = labelEvents([order(1714, 100)], { ...ctx, limits: orderLimits({ TANDEM_MAX_LINE_QUANTITY: '5000', TANDEM_MAX_ORDER_GBP: '5000000' }) });
    expect(wholesale.refused).toEqual([]);
    expect(() => orderLimits({ TANDEM_MAX_ORDER_GBP: 'lots' })).toThrow();
  });
  it('for a paused experiment: stored, attributed to no arm', () => {
    expect(labelEvents([base], { ...ctx, assignments: [] }).events[0]).toMatchObject({ experiment: null, variant: null, visitor: 'v1' });
  });
  it('a visitor minted over the new-visitor limit: stored, marked for the readouts to leave out', () => {
    const r = labelEvents([base], { ...ctx, visitor: { id: 'v2', counted: false } });
    expect(r.events[0]).toMatchObject({ experiment: 'exp', variant: 'below-hero', visitor: 'v2', leftOut: 'new-visitor-limit' });
    expect('leftOut' in labelEvents([base], ctx).events[0]!).toBe(false);
  });
});

describe("a visitor's orders a day (issue 34: 100 orders of £9,975 from one id, each within the per-order bound)", () => {
  it('counts at most 10 orders and £10,000 a visitor a day, says which limit refused, and allows again a day later', async () => {
    const now = Date.UTC(2026, 11, 7);
    const many = `orders-${Math.random()}`;
    const answers = [];
    for (let i = 0; i < 11; i++) answers.push(await admitOrder(many, 100, DEFAULT_ORDER_LIMITS, now));
    expect(answers.slice(0, 10).every((a) => a.ok)).toBe(true);
    expect(answers[10]).toEqual({ ok: false, why: 'more than 10 orders a day from one visitor' });
    const dear = `pence-${Math.random()}`;
    expect(await admitOrder(dear, 997_500, DEFAULT_ORDER_LIMITS, now)).toEqual({ ok: true });
    expect(await admitOrder(dear, 997_500, DEFAULT_ORDER_LIMITS, now)).toEqual({ ok: false, why: 'more than £10000.00 of orders a day from one visitor' });
    // A refused order spent nothing: a small one still fits today.
    expect(await admitOrder(dear, 2_000, DEFAULT_ORDER_LIMITS, now)).toEqual({ ok: true });
    expect(await admitOrder(dear, 997_500, DEFAULT_ORDER_LIMITS, now + 86_400_000)).toEqual({ ok: true });
  });
});

describe('request bodies', () => {
  it('a body the client stops sending is one log line and a 400, not an unhandled stack', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"events":['));
      },
      pull(c) {
        c.error(new Error('aborted'));
      },
    });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const r = await readLimited(new Request('http://localhost/api/events', { method: 'POST', body, duplex: 'half' } as RequestInit), 1000);
    expect(r).toEqual({ ok: false, status: 400, error: 'request body aborted' });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/aborted after 11 bytes/);
    warn.mockRestore();
  });
});

describe("the page's queue", () => {
  it('reads Retry-After as seconds or as an HTTP date, and nothing else', () => {
    expect(retryAfterMs('7', NOW)).toBe(7000);
    expect(retryAfterMs(' 7 ', NOW)).toBe(7000);
    expect(retryAfterMs(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
    expect(retryAfterMs(new Date(NOW - 30_000).toUTCString(), NOW)).toBe(0);
    expect(retryAfterMs('999999', NOW)).toBe(3_600_000); // at most an hour: a server's typo must not park events for days
    for (const v of [null, '', 'soon', '-5', '1.5']) expect(retryAfterMs(v, NOW), String(v)).toBe(0);
  });
});

function storeSuite(name: string, open: () => EventStore) {
  describe(name, () => {
    const store = open();
    afterAll(() => store.close());

    it('stores each id once, however often it is sent, and counts it once in the rollup', async () => {
      const batch = [ev('exposure', 'v1', 'a', NOW), ev('click', 'v1', 'a', NOW + 1, { position: 2 })];
      expect(await store.insert(batch)).toEqual({ accepted: 2, duplicates: 0 });
      expect(await store.insert([...batch, batch[0]!])).toEqual({ accepted: 0, duplicates: 3 });
      expect(await store.countByType()).toMatchObject({ exposure: 1, click: 1 });
      const a = (await store.experimentCounts('exp')).byDay.filter((r) => r.variant === 'a');
      expect(a.reduce((s, r) => s + r.exposures, 0)).toBe(1);
      expect(a.reduce((s, r) => s + r.clicks, 0)).toBe(1);
    });

    it('keeps per-visitor sums on ingest: outcomes after the first exposure, revenue and shelf revenue, fallbacks', async () => {
      const at = NOW + 10 * 3_600_000;
      await store.insert([
        ev('exposure', 'v2', 'b', at),
        ev('exposure', 'v2', 'b', at + 10, { fallback: true }),
        ev('click', 'v2', 'b', at + 20, { position: 0 }),
        ev('add-to-cart', 'v2', null, at + 30),
        ev('purchase', 'v2', null, at + 40, { lines: [{ sku: '22423', quantity: 2, fromShelf: true }], revenuePence: 2550, recRevenuePence: 2550 }),
        ev('exposure', 'v3', 'b', at + 3_600_000),
        ev('add-to-cart', 'v3', null, at - 5), // before the exposure: not attributed
        ev('purchase', 'v3', null, at + 2 * 3_600_000, { lines: [{ sku: '22423', quantity: 1, fromShelf: false }], revenuePence: 1275, recRevenuePence: 0 }),
        ev('exposure', 'v4', 'a', at + 3_600_000),
        // A third purchaser as large as v2's order: the revenue cap (three times the 90th percentile) cuts nothing.
        ev('purchase', 'v4', null, at + 2 * 3_600_000, { lines: [{ sku: '22423', quantity: 2, fromShelf: false }], revenuePence: 2550, recRevenuePence: 0 }),
        // A second visitor with two exposures: the exposures cap (three times the 90th percentile) cuts nothing.
        ev('exposure', 'v5', 'a', at + 3_600_000),
        ev('exposure', 'v5', 'a', at + 3_600_001),
      ]);
      const rows = (await store.experimentCounts('exp')).byDay;
      const sum = (variant: string, k: 'visitors' | 'exposures' | 'clicks' | 'exposuresSq' | 'exposuresClicks' | 'fallbacks' | 'added' | 'purchased' | 'revenuePence' | 'revenuePenceSq' | 'recRevenuePence') =>
        rows.filter((r) => r.variant === variant).reduce((s, r) => s + r[k], 0);
      expect(sum('b', 'visitors')).toBe(2);
      expect(sum('b', 'exposures')).toBe(3);
      expect(sum('b', 'exposuresSq')).toBe(2 * 2 + 1 * 1);
      expect(sum('b', 'clicks')).toBe(1);
      expect(sum('b', 'exposuresClicks')).toBe(2);
      expect(sum('b', 'fallbacks')).toBe(1);
      expect(sum('b', 'added')).toBe(1);
      expect(sum('b', 'purchased')).toBe(2);
      expect(sum('b', 'revenuePence')).toBe(3825);
      expect(sum('b', 'revenuePenceSq')).toBe(2550 * 2550 + 1275 * 1275);
      expect(sum('b', 'recRevenuePence')).toBe(2550);
      expect(sum('a', 'visitors')).toBe(3);
      expect(rows.every((r) => r.day % 86_400_000 === 0)).toBe(true);
      expect((await store.experimentCounts('nothing')).byDay).toEqual([]);
    });

    it("sums the device's ranking time per visitor, each view counted at most RANK_MS_CAP", async () => {
      const at = NOW + 5 * 3_600_000;
      const events = [
        // r1: five views, four ranked on the device (30, 50, 70, 90 ms).
        ...[30, 50, 70, 90].map((rankMs, k) => ev('exposure', 'r1', 'a', at + k, { experiment: 'rank', source: 'device-wasm', rankMs })),
        ev('exposure', 'r1', 'a', at + 4, { experiment: 'rank', source: 'edge' }),
        ev('exposure', 'r2', 'a', at + 5, { experiment: 'rank', source: 'device-webgpu', rankMs: 999_999 }),
        ...Array.from({ length: 8 }, (_, k) => ev('exposure', `r${k + 3}`, 'a', at + 6 + k, { experiment: 'rank', source: 'edge' })),
      ];
      await store.insert(events);
      const counts = await store.experimentCounts('rank');
      const [row] = counts.byDay;
      // Ten visitors, nine with one view: the exposures cap is 3 × 1, so r1 counts 3 of its 4 device rankings, at their mean (60 ms).
      expect(counts.capped?.exposuresCap).toBe(3);
      expect(row).toMatchObject({ visitors: 10, deviceRanked: 4, rankMs: 180 + RANK_MS_CAP, deviceRankedSq: 9 + 1, rankMsSq: 180 * 180 + RANK_MS_CAP ** 2, deviceRankedRankMs: 3 * 180 + RANK_MS_CAP });
    });

    it('caps each visitor before summing: exposures, clicks and revenue at three times their 90th percentile, clicks at most exposures', async () => {
      const at = NOW + 20 * 3_600_000;
      const events: StoredEvent[] = [ev('exposure', 'c1', 'a', at), ...Array.from({ length: 29 }, (_, k) => ev('click', 'c1', 'a', at + 1 + k, { position: 0 }))];
      // A bot's 40 page views and 40 clicks: one visitor's worth, not forty.
      for (let k = 0; k < 40; k++) events.push(ev('exposure', 'e1', 'a', at + k), ev('click', 'e1', 'a', at + k, { position: 0 }));
      // 150 purchasers of £10 to £159 in the same experiment, and one forged order of £299,950.
      for (let k = 0; k < 150; k++) events.push(ev('exposure', `p${k}`, k % 2 ? 'a' : 'b', at), ev('purchase', `p${k}`, null, at + 5, { lines: [{ sku: '22423', quantity: 1, fromShelf: false }], revenuePence: 1000 + 100 * k, recRevenuePence: 0 }));
      events.push(ev('exposure', 'forged', 'a', at), ev('purchase', 'forged', null, at + 5, { lines: [{ sku: '22423', quantity: 1714, fromShelf: false }], revenuePence: 29_995_000, recRevenuePence: 0 }));
      await store.insert(events.map((e) => ({ ...e, experiment: e.experiment ? 'capped' : null })));
      const counts = await store.experimentCounts('capped');
      const a = counts.byDay.filter((r) => r.variant === 'a').reduce((s, r) => ({ exposures: s.exposures + r.exposures, clicks: s.clicks + r.clicks, revenue: s.revenue + r.revenuePence }), { exposures: 0, clicks: 0, revenue: 0 });
      expect(a.clicks).toBeLessThanOrEqual(a.exposures);
      // 151 purchasers: three times the value at rank floor(150 × 0.9) = 135, £145, so £435 (no honest one is cut).
      // 153 visitors, 152 with one exposure: the exposures cap is 3; 151 with no click: the clicks cap is its floor, 2.
      expect(counts.capped).toEqual({ revenueCapPence: 3 * (1000 + 100 * 135), revenueCappedVisitors: 1, exposuresCap: 3, exposuresCappedVisitors: 1, clicksCap: 2, clicksCappedVisitors: 2 });
      expect(a.exposures).toBe(80); // c1, e1 (3 of its 40), the forged buyer and 75 purchasers, one each
      expect(a.clicks).toBe(3); // c1: 1 (its one view), e1: 2 (the clicks cap)
      expect(a.revenue).toBeLessThan(75 * 16_000 + 43_500);
    });

    it('leaves out visitors minted over the limit, saying how many and how many events; tallies refusals since the first exposure', async () => {
      const at = NOW + 40 * 3_600_000;
      const over = (e: StoredEvent): StoredEvent => ({ ...e, leftOut: 'new-visitor-limit' });
      await store.insert(
        [
          ev('exposure', 'h1', 'a', at),
          over(ev('exposure', 'x1', 'a', at)),
          over(ev('exposure', 'x1', 'a', at + 1)),
          over(ev('click', 'x1', 'a', at + 2, { position: 0 })),
          over(ev('purchase', 'x1', null, at + 3, { lines: [{ sku: '22423', quantity: 99, fromShelf: true }], revenuePence: 99 * 1275, recRevenuePence: 99 * 1275 })),
          over(ev('exposure', 'x2', 'b', at)),
        ].map((e) => ({ ...e, experiment: e.experiment ? 'left' : null })),
      );
      await store.recordRefused([{ reason: 'unsigned-visitor', events: 30 }], at);
      await store.recordRefused([{ reason: 'unsigned-visitor', events: 20 }, { reason: 'implausible-order', events: 1 }], at + 5);
      await store.recordRefused([{ reason: 'unsigned-visitor', events: 1000 }], at - 40 * 86_400_000); // long before: not this experiment's
      const counts = await store.experimentCounts('left');
      expect(counts.byDay.reduce((s, r) => s + r.visitors, 0)).toBe(1); // h1 only
      expect(counts.byDay.reduce((s, r) => s + r.revenuePence, 0)).toBe(0);
      expect(counts.leftOut).toEqual([{ reason: 'new-visitor-limit', visitors: 2, events: 5 }]);
      expect(counts.refused).toEqual([
        { reason: 'implausible-order', requests: 1, events: 1 },
        { reason: 'unsigned-visitor', requests: 2, events: 50 },
      ]);
    });

    it('three maximal orders leave the readout readable (sums in double precision: no integer overflow)', async () => {
      const at = NOW + 30 * 3_600_000;
      // 100 lines × 10,000 of a £299.95 product, three times: each order's square is 9e20, past 2^63.
      const big = 100 * 10_000 * 29_995;
      const events = ['m1', 'm2', 'm3'].flatMap((v) => [ev('exposure', v, 'a', at), ev('purchase', v, null, at + 5, { lines: [{ sku: '22423', quantity: 10_000, fromShelf: false }], revenuePence: big, recRevenuePence: big })]);
      await store.insert(events.map((e) => ({ ...e, experiment: e.experiment ? 'huge' : null })));
      const rows = (await store.experimentCounts('huge')).byDay;
      const sq = rows.reduce((s, r) => s + r.revenuePenceSq, 0);
      expect(Number.isFinite(sq)).toBe(true);
      expect(sq).toBeCloseTo(3 * big * big, -10);
    });

    it('remembers which experiments a visitor entered, counted or left out (issue 34: an entry is decided once)', async () => {
      const at = NOW + 30 * 3_600_000;
      await store.insert([
        ev('exposure', 'en1', 'a', at, { experiment: 'enter-a' }),
        ev('exposure', 'en1', 'b', at, { experiment: 'enter-b', leftOut: 'entry-limit' }),
        ev('click', 'en1', 'b', at + 1, { experiment: 'enter-b', leftOut: 'entry-limit', position: 0 }),
      ]);
      const entered = await store.entered('en1');
      expect(entered.get('enter-a')).toBeNull();
      expect(entered.get('enter-b')).toBe('entry-limit');
      expect(entered.has('exp')).toBe(false);
      expect((await store.entered('nobody')).size).toBe(0);
    });

    it('admin sessions: alive until they expire, are ended, or the token changes', async () => {
      const s = store.sessions;
      await s.open({ idHash: 'a', tokenHash: 't1', expiresAt: NOW + 1000 }, NOW);
      await s.open({ idHash: 'b', tokenHash: 't1', expiresAt: NOW + 1000 }, NOW);
      expect(await s.alive('a', 't1', NOW)).toBe(true);
      expect(await s.alive('a', 't2', NOW)).toBe(false); // another admin token: every old session is dead
      expect(await s.alive('a', 't1', NOW + 1000)).toBe(false); // expired
      expect(await s.alive('nope', 't1', NOW)).toBe(false);
      await s.end('a');
      expect(await s.alive('a', 't1', NOW)).toBe(false);
      expect(await s.alive('b', 't1', NOW)).toBe(true);
      // Opening a session clears the expired ones; a live one stays.
      await s.open({ idHash: 'c', tokenHash: 't1', expiresAt: NOW + 5000 }, NOW + 2000);
      expect(await s.alive('b', 't1', NOW)).toBe(false);
      expect(await s.alive('c', 't1', NOW + 2000)).toBe(true);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'tandem-events-'));

describe('SQLite store under faults', () => {
  it('a database from before the ranking time gains its columns when opened, its rows kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-migrate-'));
    const file = join(dir, 'events.db');
    const db = new Database(file);
    // The tables as they were created before issue 26.
    db.exec(`CREATE TABLE events_v2 (id TEXT PRIMARY KEY, type TEXT NOT NULL, experiment TEXT, variant TEXT, placement TEXT, position INTEGER,
      lines TEXT, revenue_pence BIGINT, at BIGINT NOT NULL, visitor TEXT NOT NULL, received_at BIGINT NOT NULL, source TEXT, model_version TEXT)`);
    db.exec(`CREATE TABLE events_v2_exposed (experiment TEXT NOT NULL, visitor TEXT NOT NULL, variant TEXT NOT NULL, first_at BIGINT NOT NULL,
      exposures BIGINT NOT NULL DEFAULT 0, clicks BIGINT NOT NULL DEFAULT 0, fallbacks BIGINT NOT NULL DEFAULT 0, added INTEGER NOT NULL DEFAULT 0,
      purchased INTEGER NOT NULL DEFAULT 0, revenue_pence BIGINT NOT NULL DEFAULT 0, rec_revenue_pence BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (experiment, visitor))`);
    db.exec(`INSERT INTO events_v2_exposed (experiment, visitor, variant, first_at, exposures) VALUES ('exp', 'old', 'a', ${NOW}, 3)`);
    db.close();
    const store = openSqliteStore(file);
    try {
      await store.insert([ev('exposure', 'new', 'a', NOW + 1, { source: 'device-wasm', rankMs: 20 })]);
      const [row] = (await store.experimentCounts('exp')).byDay;
      expect(row).toMatchObject({ visitors: 2, deviceRanked: 1, rankMs: 20 });
      expect(row!.exposures).toBeGreaterThanOrEqual(2); // the old visitor's 3 views, capped with the new one's 1
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a locked database makes insert fail (so the endpoint answers 503), and the same batch succeeds once the lock is gone', async () => {
    const file = join(dir, 'locked', 'events.sqlite');
    const store = openSqliteStore(file, 'events', { busyTimeoutMs: 50 });
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    const batch = [ev('click', 'v9', 'a', NOW, { position: 1 })];
    await expect(store.insert(batch)).rejects.toThrow(/locked|busy/i);
    other.exec('ROLLBACK');
    other.close();
    expect(await store.insert(batch)).toEqual({ accepted: 1, duplicates: 0 });
    expect(await store.insert(batch)).toEqual({ accepted: 0, duplicates: 1 });
    await store.close();
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
storeSuite('SQLite store', () => openSqliteStore(join(dir, 'sub', 'events.sqlite')));

// CI starts a real PostgreSQL (scripts/start-postgres.sh) and must run this suite; elsewhere it is optional.
const pgUrl = process.env.TEST_DATABASE_URL;
if (!pgUrl && process.env.CI) throw new Error('CI must set TEST_DATABASE_URL (scripts/start-postgres.sh) to test the PostgreSQL store');
describe.skipIf(!pgUrl)('PostgreSQL (TEST_DATABASE_URL)', () => {
  storeSuite('PostgreSQL store', () => openPostgresStore(pgUrl!, `events_test_${process.pid}_${Date.now()}`));
});
