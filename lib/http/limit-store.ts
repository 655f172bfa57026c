/**
 * The store every limit spends from (events, /api/rank, sign-ins, new visitor ids): this process's memory by
 * default, Redis when TANDEM_REDIS_URL is set (TANDEM_REDIS_PREFIX, default "tandem:limit:", separates stores
 * sharing one Redis). A Redis that cannot be reached does not stop the shop: the charge falls back to this
 * instance's memory (the per-instance limits of the embedded default) and says so once a minute.
 *
 * A Redis that is reached but answers nothing (stopped, a partition that drops packets) is the worse case: the
 * client's own timeout covers a command only until it is written, so a charge waited as long as Redis did (12 s
 * in issue 34's review, for a page, /api/rank and /api/events alike). Here every charge has a deadline; past it
 * the request is charged locally, and for a few seconds after, charges skip the shared store altogether, so a hung
 * Redis costs one request 100 ms, not every request.
 */
import { memoryLimitStore, type Admission, type Charge, type ChargeMode, type LimitStore } from './rate-limit';

/** The longest a request waits on the shared store: a healthy Redis answers a charge in about a millisecond. */
export const SHARED_STORE_DEADLINE_MS = 100;
/** The longest a request waits for the first connection (a cold process loads the client and connects). */
export const SHARED_STORE_CONNECT_MS = 1_000;
/** How long charges stay local after the shared store missed a deadline or failed. */
export const SHARED_STORE_PAUSE_MS = 5_000;

export type ChargeFn = (charges: readonly Charge[], n: number, now?: number, mode?: ChargeMode) => Promise<Admission>;

/**
 * A charge function over the shared store `open` makes (none: memory only), with the fallback, the deadline
 * and the pause above. Exported for its tests; the shop uses `charge`, made from the environment.
 */
export function limitCharger(open: () => Promise<LimitStore | undefined>, opts: { deadlineMs?: number; connectMs?: number; pauseMs?: number; clock?: () => number; warn?: (message: string) => void } = {}): ChargeFn {
  const deadlineMs = opts.deadlineMs ?? SHARED_STORE_DEADLINE_MS;
  const connectMs = opts.connectMs ?? SHARED_STORE_CONNECT_MS;
  const pauseMs = opts.pauseMs ?? SHARED_STORE_PAUSE_MS;
  const clock = opts.clock ?? Date.now;
  const report = opts.warn ?? ((m: string) => console.error(m));
  const local = memoryLimitStore();
  let chosen: Promise<LimitStore | undefined> | undefined;
  // No shared store configured (the embedded default): every charge is memory's, without a deadline to arm.
  let memoryOnly = false;
  let localUntil = -Infinity;
  let warnedAt = -Infinity;
  const warn = (e: unknown) => {
    if (clock() - warnedAt < 60_000) return;
    warnedAt = clock();
    report(`[tandem] limits store (redis) unavailable, limiting per instance meanwhile: ${(e as Error).message}`);
  };
  return async (charges, n, now = Date.now(), mode = 'spend') => {
    if (charges.length === 0) return { ok: true } as const;
    if (memoryOnly || clock() < localUntil) return local.charge(charges, n, now, mode);
    if (!chosen) {
      const opening = open();
      chosen = opening;
      // A first connection that failed is tried again after the pause, not kept as a failure for good.
      opening.catch(() => {
        if (chosen === opening) chosen = undefined;
      });
    }
    try {
      const store = await withDeadline(chosen, connectMs);
      if (!store) {
        memoryOnly = true;
        return local.charge(charges, n, now, mode);
      }
      return await withDeadline(store.charge(charges, n, now, mode), deadlineMs);
    } catch (e) {
      warn(e);
      localUntil = clock() + pauseMs;
      return local.charge(charges, n, now, mode);
    }
  };
}

/** `p`, or a rejection once `ms` have passed without it. */
async function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function openFromEnv(): Promise<LimitStore | undefined> {
  const url = process.env.TANDEM_REDIS_URL;
  if (!url) return undefined;
  const { redisLimitStore } = await import('./redis-limit-store');
  return redisLimitStore(url, process.env.TANDEM_REDIS_PREFIX || undefined);
}

// One per process, not per module instance: Next bundles proxy.ts apart from the route handlers, and each bundle
// had its own memory store, so a sign-in was allowed 10 failures in each (issue 34). globalThis is the process's.
const SHARED = Symbol.for('tandem.limits.charge');
const processWide = globalThis as typeof globalThis & { [SHARED]?: ChargeFn };

/** Spends (or checks) a request's charges in the configured store; see rate-limit.ts for the modes. */
export const charge: ChargeFn = (processWide[SHARED] ??= limitCharger(openFromEnv));
