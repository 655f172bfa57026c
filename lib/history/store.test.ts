import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';

/** A fresh module (its memory empty) over the same IndexedDB: what the next page load sees. */
const freshStore = async () => {
  vi.resetModules();
  return import('./store');
};

describe('the history store', () => {
  it('keeps views in memory at once, persists them, and loses none when two arrive together', async () => {
    const store = await freshStore();
    const seen: number[] = [];
    store.subscribeHistory(() => void store.readHistory().then((h) => seen.push(h.length)));
    await Promise.all([store.recordEvent('A1', 'view', 1_000), store.recordEvent('B2', 'view', 2_000), store.recordEvent('C3', 'cart', 1_500)]);
    expect((await store.readHistory()).map((e) => e.sku)).toEqual(['B2', 'C3', 'A1']);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    // The next page reads the same from IndexedDB.
    const next = await freshStore();
    expect((await next.readHistory()).map((e) => `${e.sku}:${e.kind}:${e.at}`)).toEqual(['B2:view:2000', 'C3:cart:1500', 'A1:view:1000']);
  });

  it('a listener reads the new view before the database write has finished', async () => {
    const store = await freshStore();
    await store.clearHistory();
    let first: string[] | undefined;
    const off = store.subscribeHistory(() => {
      if (!first) void store.readHistory().then((h) => (first ??= h.map((e) => e.sku)));
    });
    const write = store.recordEvent('D4', 'view');
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(first).toEqual(['D4']);
    await write;
    off();
  });

  it('keeps the newest 200 and clears to nothing', async () => {
    const store = await freshStore();
    await store.clearHistory();
    for (let i = 0; i < store.HISTORY_CAP + 5; i++) await store.recordEvent(`P${i}`, 'view', 10_000 + i);
    const h = await store.readHistory();
    expect(h).toHaveLength(store.HISTORY_CAP);
    expect(h[0]!.sku).toBe(`P${store.HISTORY_CAP + 4}`);
    expect((await (await freshStore()).readHistory()).length).toBe(store.HISTORY_CAP);
    await store.clearHistory();
    expect(await store.readHistory()).toEqual([]);
    expect(await (await freshStore()).readHistory()).toEqual([]);
  });
});
