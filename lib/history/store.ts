/**
 * The shopper's history, kept in this browser's IndexedDB and nowhere else: views, cart adds and
 * purchases, newest first, capped. The recommender reads it on the device; no request carries it.
 */
import { openDB, type IDBPDatabase } from 'idb';
import type { EventKind, HistoryEvent } from '@/lib/recs/features';
import { isSku } from '@/lib/catalog/sku';
import { BUYER_COOKIE } from './buyer';

export const HISTORY_CAP = 200;
const DB_NAME = 'tandem-history';
export const DB_VERSION = 2;
const STORE = 'events';
const CHANNEL = 'tandem-history';

interface Row extends HistoryEvent {
  id?: number;
}

let dbPromise: Promise<IDBPDatabase> | undefined;
function db(): Promise<IDBPDatabase> {
  // Version 2 creates whatever is missing, so a database left empty by anything else is repaired, not fatal.
  dbPromise ??= openDB(DB_NAME, DB_VERSION, {
    upgrade(d) {
      if (!d.objectStoreNames.contains(STORE)) d.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true }).createIndex('at', 'at');
    },
  });
  return dbPromise;
}

const listeners = new Set<() => void>();
let channel: BroadcastChannel | undefined;
function notify(): void {
  listeners.forEach((l) => l());
  channel?.postMessage('changed');
}

/** Calls `listener` after every change, in this tab and in other tabs. */
export function subscribeHistory(listener: () => void): () => void {
  if (!channel && typeof BroadcastChannel !== 'undefined') {
    channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = () => listeners.forEach((l) => l());
  }
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function setBuyerHint(on: boolean): void {
  if (typeof document === 'undefined') return;
  document.cookie = on ? `${BUYER_COOKIE}=1; Path=/; Max-Age=31536000; SameSite=Lax` : `${BUYER_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax`;
}

export async function recordEvent(sku: string, kind: EventKind, at = Date.now()): Promise<void> {
  if (kind === 'view') rememberSessionView(sku);
  if (kind === 'purchase') setBuyerHint(true);
  try {
    const d = await db();
    const tx = d.transaction(STORE, 'readwrite');
    await tx.store.add({ sku, kind, at } satisfies Row);
    // Keep the newest HISTORY_CAP events.
    const count = await tx.store.count();
    if (count > HISTORY_CAP) {
      let cursor = await tx.store.index('at').openCursor();
      for (let excess = count - HISTORY_CAP; cursor && excess > 0; excess--) {
        await cursor.delete();
        cursor = await cursor.continue();
      }
    }
    await tx.done;
    notify();
  } catch (e) {
    // Private mode or storage disabled: recommendations fall back to the cold-start shelf.
    console.warn('[tandem] history not recorded:', (e as Error).message);
  }
}

/** Newest first. */
export async function readHistory(limit = HISTORY_CAP): Promise<HistoryEvent[]> {
  try {
    const rows = (await (await db()).getAllFromIndex(STORE, 'at')) as Row[];
    return rows
      .reverse()
      .slice(0, limit)
      .map(({ sku, kind, at }) => ({ sku, kind, at }));
  } catch {
    return [];
  }
}

const SESSION_KEY = 'tandem-session-views';
const SESSION_MAX = 20;

/**
 * Products viewed in this tab's session, newest first, at most 20. Only ever sent to /api/rank as
 * `recent`, and only when the device cannot rank (no worker, model failed, ranking switched off).
 */
export function sessionViews(): string[] {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter(isSku).slice(0, SESSION_MAX) : [];
  } catch {
    return [];
  }
}

function rememberSessionView(sku: string): void {
  try {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify([sku, ...sessionViews().filter((s) => s !== sku)].slice(0, SESSION_MAX)));
  } catch {
    // storage disabled: the edge ranks without session context
  }
}

export async function clearHistory(): Promise<void> {
  try {
    setBuyerHint(false);
    sessionStorage.removeItem(SESSION_KEY);
    await (await db()).clear(STORE);
  } finally {
    notify();
  }
}
