import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../lib/events/postgres-store';
import type { StoredEvent } from '../lib/events/schema';
import { openSqliteStore } from '../lib/events/sqlite-store';
import type { EventStore } from '../lib/events/store';
import type { Purchase } from './data';
import { joinPurchases, storePurchases } from './store-orders';

const catalog = {
  products: [
    { sku: '22423', name: 'REGENCY CAKESTAND 3 TIER', price: 12.75 },
    { sku: '85123A', name: 'WHITE HANGING HEART T-LIGHT HOLDER', price: 2.95 },
  ],
} as Parameters<typeof storePurchases>[1];
const T = Date.UTC(2026, 11, 1, 9, 30);
let n = 0;
const uuid = () => `00000000-0000-4000-9000-${(++n).toString(16).padStart(12, '0')}`;
const event = (type: StoredEvent['type'], visitor: string, at: number, extra: Partial<StoredEvent> = {}): StoredEvent => ({ id: uuid(), type, experiment: null, variant: null, placement: null, at, visitor, receivedAt: at, ...extra });

/** A toy events database: two visitors' orders (one with a line the catalogue does not list), and events that are not orders. */
async function seed(store: EventStore) {
  await store.insert([
    event('exposure', 'v-1', T - 60_000, { placement: 'home-for-you' }),
    event('purchase', 'v-1', T, { lines: [{ sku: '22423', quantity: 2, fromShelf: true }, { sku: '85123A', quantity: 1, fromShelf: false }], revenuePence: 2845 }),
    event('add-to-cart', 'v-2', T + 1000),
    event('purchase', 'v-2', T + 3_600_000, { lines: [{ sku: '85123A', quantity: 6, fromShelf: false }, { sku: '99999Z', quantity: 1, fromShelf: false }], revenuePence: 1770 }),
  ]);
}

function joinSuite(name: string, open: () => EventStore) {
  describe(name, () => {
    const store = open();
    afterAll(() => store.close());
    it("reads the store's orders, each visitor a customer, priced from the catalogue, dated on the log's clock, and joins them to the log in time order", async () => {
      await seed(store);
      const orders = await store.orders();
      expect(orders.map((o) => [o.visitor, o.at, o.lines.length])).toEqual([
        ['v-1', T, 2],
        ['v-2', T + 3_600_000, 2],
      ]);
      const own = storePurchases(orders, catalog);
      expect(own).toMatchObject({ orders: 2, customers: 2, skippedLines: 1 });
      expect(own.purchases.map((p) => [p.customerId, p.sku, p.quantity, p.unitPrice, p.date])).toEqual([
        ['store:v-1', '22423', 2, 12.75, '2026-12-01 09:30'],
        ['store:v-1', '85123A', 1, 2.95, '2026-12-01 09:30'],
        ['store:v-2', '85123A', 6, 2.95, '2026-12-01 10:30'],
      ]);
      expect(new Set(own.purchases.map((p) => p.invoice)).size).toBe(2);
      expect(orders.map((o) => o.receivedAt)).toEqual([T, T + 3_600_000]);
      const log: Purchase[] = [
        { invoice: '536365', sku: '85123A', description: 'x', quantity: 6, date: '2011-12-01 08:26', unitPrice: 2.55, customerId: '17850', country: 'United Kingdom' },
        { invoice: '536366', sku: '22423', description: 'x', quantity: 1, date: '2026-12-01 10:00', unitPrice: 12.75, customerId: '17851', country: 'United Kingdom' },
      ];
      expect(joinPurchases(log, own.purchases).map((p) => p.customerId)).toEqual(['17850', 'store:v-1', 'store:v-1', '17851', 'store:v-2']);
    });
    it("keeps a left-out visitor's order in the store, says so, and training leaves it out (issue 34: only counted visitors)", async () => {
      await store.insert([event('purchase', 'v-minted-over', T + 7_200_000, { lines: [{ sku: '22423', quantity: 1, fromShelf: false }], revenuePence: 1275, leftOut: 'new-visitor-limit' })]);
      const orders = await store.orders();
      expect(orders.find((o) => o.visitor === 'v-minted-over')?.leftOut).toBe('new-visitor-limit');
      expect(orders.find((o) => o.visitor === 'v-1')?.leftOut).toBeUndefined();
      const own = storePurchases(orders, catalog);
      expect(own.notCounted).toBe(1);
      expect(own.purchases.some((p) => p.customerId === 'store:v-minted-over')).toBe(false);
      expect(own.orders).toBe(2);
    });
  });
}

describe("what a shop would trust of its own orders (issue 34: 600 orders of 60,000 lines from two ids, back-dated up to 29 days)", () => {
  const order = (visitor: string, receivedAt: number, at = receivedAt, quantity = 1) => ({ id: uuid(), visitor, at, receivedAt, lines: [{ sku: '85123A', quantity, fromShelf: false }] });
  it('dates an order at its arrival, not at the time the device claims', () => {
    const own = storePurchases([order('v-late', T, T - 29 * 86_400_000)], catalog);
    expect(own.purchases.map((p) => p.date)).toEqual(['2026-12-01 09:30']);
    expect(own.backDated).toBe(1);
  });
  it("keeps at most a visitor's daily order limits (10 orders, £10,000) per day of arrival, earliest first, and counts the rest", () => {
    const flood = Array.from({ length: 300 }, (_, i) => order('v-flood', T + i * 1000));
    const dear = [order('v-dear', T, T, 99), order('v-dear', T + 1, T + 1, 99)]; // £292.05 each: both fit
    const huge = Array.from({ length: 5 }, (_, i) => ({ ...order('v-huge', T + i), lines: [{ sku: '22423', quantity: 99, fromShelf: false }] })); // £1,262.25 each
    const own = storePurchases([...flood, ...dear, ...huge], catalog);
    const byCustomer = (c: string) => new Set(own.purchases.filter((p) => p.customerId === c).map((p) => p.invoice)).size;
    expect(byCustomer('store:v-flood')).toBe(10);
    expect(byCustomer('store:v-dear')).toBe(2);
    expect(byCustomer('store:v-huge')).toBe(5); // £6,311 in all: within £10,000
    expect(own.overDailyLimit).toBe(290);
    // The next day (of arrival) is a new allowance.
    expect(storePurchases([...flood, order('v-flood', T + 86_400_000)], catalog).purchases.length).toBe(11);
  });
});

const dir = mkdtempSync(path.join(tmpdir(), 'tandem-store-orders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
joinSuite('store orders from SQLite', () => openSqliteStore(path.join(dir, 'events.sqlite')));

const pgUrl = process.env.TEST_DATABASE_URL;
if (!pgUrl && process.env.CI) throw new Error('CI must set TEST_DATABASE_URL (scripts/start-postgres.sh) to test the join on PostgreSQL');
describe.skipIf(!pgUrl)('PostgreSQL (TEST_DATABASE_URL)', () => {
  joinSuite('store orders from PostgreSQL', () => openPostgresStore(pgUrl!, `orders_test_${process.pid}_${Date.now()}`));
});
