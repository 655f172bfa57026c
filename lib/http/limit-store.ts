/**
 * The store every limit spends from (events, /api/rank, sign-ins, new visitor ids): this process's memory by
 * default, Redis when TANDEM_REDIS_URL is set (TANDEM_REDIS_PREFIX, default "tandem:limit:", separates stores
 * sharing one Redis). A Redis that cannot be reached does not stop the shop: the charge falls back to this
 * instance's memory (the per-instance limits of the embedded default) and says so once a minute.
 */
import { memoryLimitStore, type Charge, type ChargeMode, type LimitStore } from './rate-limit';

let chosen: Promise<LimitStore> | undefined;
let local: LimitStore | undefined;
let warnedAt = -Infinity;

function localStore(): LimitStore {
  return (local ??= memoryLimitStore());
}

async function open(): Promise<LimitStore> {
  const url = process.env.TANDEM_REDIS_URL;
  if (!url) return localStore();
  const { redisLimitStore } = await import('./redis-limit-store');
  return redisLimitStore(url, process.env.TANDEM_REDIS_PREFIX || undefined);
}

function warn(e: unknown) {
  if (Date.now() - warnedAt < 60_000) return;
  warnedAt = Date.now();
  console.error(`[tandem] limits store (redis) unavailable, limiting per instance meanwhile: ${(e as Error).message}`);
}

/** Spends (or checks) a request's charges in the configured store; see rate-limit.ts for the modes. */
export async function charge(charges: readonly Charge[], n: number, now = Date.now(), mode: ChargeMode = 'spend') {
  if (charges.length === 0) return { ok: true } as const;
  chosen ??= open();
  try {
    return await (await chosen).charge(charges, n, now, mode);
  } catch (e) {
    warn(e);
    // A first connection that failed is tried again on a later request, not kept as a failure for good.
    if (!(await chosen.then(() => true, () => false))) chosen = undefined;
    return localStore().charge(charges, n, now, mode);
  }
}

