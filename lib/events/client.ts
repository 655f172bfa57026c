/**
 * The page's side of event collection. Events are written to a queue in localStorage first (so a
 * click survives the navigation it causes, and an offline device keeps everything), then sent in
 * batches: with fetch while the page lives (removed from the queue only on a 202), and with
 * navigator.sendBeacon when the page is hidden or closed. A beaconed batch stays queued and is
 * confirmed later; the server stores each event id once, so sending twice never counts twice.
 */
import '../zod-jitless';
import { MAX_BATCH, type ShopperEvent } from './schema';

const KEY = 'tandem-events';
const MAX_QUEUE = 1000;
const FLUSH_DELAY_MS = 2_000;
/** A beaconed event is probably still in flight for a moment: don't send it again at once. */
const BEACON_GRACE_MS = 10_000;
const ENDPOINT = '/api/events';

interface Queued {
  event: ShopperEvent;
  beaconAt?: number;
}

export type NewEvent = Omit<ShopperEvent, 'id' | 'at'>;

/** RFC 4122 v4 from getRandomValues, which (unlike randomUUID) also exists on plain-http pages. */
function uuid(): string {
  if (typeof crypto.randomUUID === 'function' && globalThis.isSecureContext) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function read(): Queued[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(v) ? (v as Queued[]).filter((q) => q && typeof q === 'object' && q.event && typeof q.event.id === 'string') : [];
  } catch {
    return [];
  }
}

function write(queue: Queued[]): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(queue.slice(-MAX_QUEUE)));
  } catch {
    // storage full or disabled: events of this page still go out by beacon
  }
}

let timer: ReturnType<typeof setTimeout> | undefined;
let sending = false;
let backoffMs = FLUSH_DELAY_MS;
/** The server's Retry-After: no send (by any trigger) before this time. */
let notBefore = 0;
let memoryOnly: Queued[] = [];

function schedule(delay = FLUSH_DELAY_MS): void {
  if (timer) return;
  timer = setTimeout(() => {
    timer = undefined;
    void flush();
  }, delay);
}

/** Queues one event (an id and a timestamp are added here) and schedules a send. */
export function track(e: NewEvent): ShopperEvent {
  const event: ShopperEvent = { ...e, id: uuid(), at: Date.now() };
  const queue = read();
  queue.push({ event });
  write(queue);
  if (!read().some((q) => q.event.id === event.id)) memoryOnly.push({ event }); // storage refused it
  listen();
  schedule();
  return event;
}

function remove(ids: Set<string>): void {
  write(read().filter((q) => !ids.has(q.event.id)));
  memoryOnly = memoryOnly.filter((q) => !ids.has(q.event.id));
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date (RFC 9110); 0 when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number {
  if (!value) return 0;
  if (/^\d+$/.test(value.trim())) return Math.min(Number(value.trim()), 3600) * 1000;
  // Only the IMF-fixdate form: Date.parse would also read "1.5" or "-5" as dates.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value.trim())) return 0;
  return Math.min(Math.max(0, Date.parse(value) - now), 3_600_000);
}

/** Sends what is queued with fetch; keeps everything that was not acknowledged. */
export async function flush(): Promise<void> {
  if (sending || (typeof navigator !== 'undefined' && navigator.onLine === false)) return;
  const now = Date.now();
  if (now < notBefore) return schedule(notBefore - now);
  const queued = [...read(), ...memoryOnly];
  const due = queued.filter((q) => !q.beaconAt || now - q.beaconAt > BEACON_GRACE_MS).slice(0, MAX_BATCH);
  if (due.length === 0) {
    // Only beaconed events left: confirm them once their grace is over (the server drops the doubles).
    if (queued.length > 0) schedule(BEACON_GRACE_MS);
    return;
  }
  sending = true;
  try {
    const res = await fetch(ENDPOINT, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ events: due.map((q) => q.event) }),
      keepalive: true,
      credentials: 'same-origin',
    });
    const ids = new Set(due.map((q) => q.event.id));
    if (res.status === 202) {
      remove(ids);
      backoffMs = FLUSH_DELAY_MS;
      if (read().length > 0 || memoryOnly.length > 0) schedule();
    } else if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
      // Refused as malformed: sending it again would be refused again. Drop it, loudly.
      console.warn(`[tandem] events refused (${res.status}): ${await res.text().catch(() => '')}`);
      remove(ids);
    } else {
      // Too many (429) or the store is down (503): keep everything, and not a moment before the server asks.
      backoffMs = Math.min(backoffMs * 2, 60_000);
      notBefore = Date.now() + retryAfterMs(res.headers.get('retry-after'), Date.now());
      schedule(Math.max(backoffMs, notBefore - Date.now()));
    }
  } catch {
    backoffMs = Math.min(backoffMs * 2, 60_000);
    schedule(backoffMs);
  } finally {
    sending = false;
  }
}

/** Page hidden or closing: hand everything queued to the browser, which sends it even after unload. */
function beaconAll(): void {
  if (typeof navigator.sendBeacon !== 'function' || navigator.onLine === false || Date.now() < notBefore) return;
  const queue = read();
  const pending = [...queue, ...memoryOnly];
  if (pending.length === 0) return;
  const now = Date.now();
  for (let i = 0; i < pending.length; i += MAX_BATCH) {
    const chunk = pending.slice(i, i + MAX_BATCH);
    // A string goes as text/plain: a simple request, which every browser lets a beacon send.
    if (navigator.sendBeacon(ENDPOINT, JSON.stringify({ events: chunk.map((q) => q.event) }))) for (const q of chunk) q.beaconAt = now;
  }
  write(queue);
}

let listening = false;
/** Wires the page-lifecycle handlers once, and sends whatever an earlier page left queued. */
export function listen(): void {
  if (listening || typeof window === 'undefined') return;
  listening = true;
  window.addEventListener('pagehide', beaconAll);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') beaconAll();
    else schedule();
  });
  window.addEventListener('online', () => void flush());
  if (read().length > 0) schedule();
}
