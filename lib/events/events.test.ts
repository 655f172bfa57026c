import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { retryAfterMs } from './client';
import { openPostgresStore } from './postgres-store';
import { parseBatch, type StoredEvent } from './schema';
import { openSqliteStore } from './sqlite-store';
import type { EventStore } from './store';

const NOW = Date.UTC(2026, 10, 24, 12);
let n = 0;
const uuid = () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;
function ev(type: StoredEvent['type'], visitor: string, variant: string | null, at: number, sku: string | null = null): StoredEvent {
  return { id: uuid(), type, experiment: variant ? 'exp' : null, variant, placement: 'home-for-you', sku, at, visitor, receivedAt: NOW };
}

describe('event batches', () => {
  const good = { id: '6f1c2d1e-8c1a-4f59-9a53-1d6f4f6f6a11', type: 'click', experiment: 'home-shelf-position', variant: 'above-hero', placement: 'home-for-you', sku: '85123A', at: NOW };
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
    [{ events: [{ ...good, at: NOW + 3 * 86_400_000 }] }, /events\.0\.at: more than 30 days old or in the future/],
    [{ events: [{ ...good, variant: null }] }, /experiment and variant come together/],
    [{ events: Array.from({ length: 101 }, () => good) }, /events: .*<=100/],
  ])('refuses %j with a message naming the problem', (body, message) => {
    const r = parseBatch(body, NOW);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
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

    it('stores each id once, however often it is sent', async () => {
      const batch = [ev('exposure', 'v1', 'a', NOW), ev('click', 'v1', 'a', NOW + 1, '85123A')];
      expect(await store.insert(batch)).toEqual({ accepted: 2, duplicates: 0 });
      expect(await store.insert([...batch, batch[0]!])).toEqual({ accepted: 0, duplicates: 3 });
      expect(await store.countByType()).toMatchObject({ exposure: 1, click: 1 });
    });

    it('counts per variant, attributes outcomes after the first exposure, and buckets by hour', async () => {
      const H = 3_600_000;
      const at = NOW + 10 * H; // after the first test's events, in hours of their own
      await store.insert([
        ev('exposure', 'v2', 'b', at),
        ev('exposure', 'v2', 'b', at + 10),
        ev('click', 'v2', 'b', at + 20, '22423'),
        ev('add-to-cart', 'v2', null, at + 30, '22423'),
        ev('purchase', 'v2', null, at + 40, '22423'),
        ev('exposure', 'v3', 'b', at + H),
        ev('add-to-cart', 'v3', null, at - 5, '22423'), // before exposure: not attributed
        ev('exposure', 'v4', 'a', at + H),
      ]);
      const counts = await store.experimentCounts('exp');
      const a = counts.variants.find((v) => v.variant === 'a')!;
      const b = counts.variants.find((v) => v.variant === 'b')!;
      expect(b).toEqual({ variant: 'b', exposures: 3, exposedVisitors: 2, clicks: 1, addToCartVisitors: 1, purchaseVisitors: 1 });
      expect(a).toEqual({ variant: 'a', exposures: 2, exposedVisitors: 2, clicks: 1, addToCartVisitors: 0, purchaseVisitors: 0 });
      const bHours = counts.hourly.filter((p) => p.variant === 'b');
      expect(bHours).toEqual([
        { hour: Math.floor(at / H) * H, variant: 'b', exposures: 2, clicks: 1 },
        { hour: Math.floor((at + H) / H) * H, variant: 'b', exposures: 1, clicks: 0 },
      ]);
      expect((await store.experimentCounts('nothing')).variants).toEqual([]);
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
  it('a locked database makes insert fail (so the endpoint answers 503), and the same batch succeeds once the lock is gone', async () => {
    const file = join(dir, 'locked', 'events.sqlite');
    const store = openSqliteStore(file, 'events', { busyTimeoutMs: 50 });
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    const batch = [ev('click', 'v9', 'a', NOW, '85123A')];
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
