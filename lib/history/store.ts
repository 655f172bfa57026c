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

/**
 * The history in memory, newest first: loaded from IndexedDB once per page, then kept up to date here, so a
 * view re-ranks the shelves at once and the database write happens beside the ranking, not before it.
 * Another tab's change drops it (the next read reloads).
 */
let memory: HistoryEvent[] | undefined;
let loading: Promise<HistoryEvent[]> | undefined;
async function loadMemory(): Promise<HistoryEvent[]> {
  if (memory) return memory;
  loading ??= (async () => {
    try {
      const rows = (await (await db()).getAllFromIndex(STORE, 'at')) as Row[];
      return rows.reverse().map(({ sku, kind, at }) => ({ sku, kind, at }));
    } catch {
      return [];
    } finally {
      loading = undefined;
    }
  })();
  const read = await loading;
  // A change made while reading wins over what was read.
  memory ??= read;
  return memory;
}

const listeners = new Set<() => void>();
let channel: BroadcastChannel | undefined;
const notifyHere = () => listeners.forEach((l) => l());
const notifyOtherTabs = () => channel?.postMessage('changed');

/** Calls `listener` after every change, in this tab and in other tabs. */
export function subscribeHistory(listener: () => void): () => void {
  if (!channel && typeof BroadcastChannel !== 'undefined') {
    channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = () => {
      memory = undefined;
      notifyHere();
    };
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
  const event: HistoryEvent = { sku, kind, at };
  // The write starts now, whatever else happens: a shopper who leaves the page at once keeps the view.
  const persisted = persist(event);
  // Nothing in memory yet (the page's first event): read after the write, which then includes it.
  if (!memory) await persisted;
  // Read the memory after the last await, not a value awaited: two events in a row must both land.
  while (!memory) await loadMemory();
  if (!memory.some((e) => e.sku === sku && e.kind === kind && e.at === at)) {
    // Newest first; an event dated earlier than the newest (a caller's own `at`) goes where it belongs.
    const events = [...memory];
    const slot = events.findIndex((e) => e.at <= at);
    events.splice(slot < 0 ? events.length : slot, 0, event);
    memory = events.slice(0, HISTORY_CAP);
  }
  notifyHere();
  if (await persisted) notifyOtherTabs();
}

/** Adds one event to IndexedDB and trims it to the newest HISTORY_CAP; false when storage refused. */
async function persist(event: HistoryEvent): Promise<boolean> {
  try {
    const d = await db();
    const tx = d.transaction(STORE, 'readwrite');
    await tx.store.add({ ...event } satisfies Row);
    const count = await tx.store.count();
    if (count > HISTORY_CAP) {
      let cursor = await tx.store.index('at').openCursor();
      for (let excess = count - HISTORY_CAP; cursor && excess > 0; excess--) {
        await cursor.delete();
        cursor = await cursor.continue();
      }
    }
    await tx.done;
    return true;
  } catch (e) {
    // Private mode or storage disabled: this page still ranks from memory; the next page starts without it.
    console.warn('[tandem] history not recorded:', (e as Error).message);
    return false;
  }
}

/** Newest first. */
export async function readHistory(limit = HISTORY_CAP): Promise<HistoryEvent[]> {
  return (await loadMemory()).slice(0, limit);
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
  memory = [];
  setBuyerHint(false);
  try {
    sessionStorage.removeItem(SESSION_KEY);
  } catch {
    // storage disabled (or no sessionStorage here): nothing was kept in it
  }
  try {
    await (await db()).clear(STORE);
  } finally {
    notifyHere();
    notifyOtherTabs();
  }
}
