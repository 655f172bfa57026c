/**
 * How many events one visitor and one address may send (POST /api/events): token buckets counted in
 * events, not requests, so a batch of 100 costs what 100 single sends cost. Over a limit: 429 with
 * Retry-After; the page keeps the batch and sends it then, so a real shopper loses nothing.
 *
 * Defaults: a visitor 300 at once, then 60 a minute (a busy shopper sends a few a minute); an address
 * 3,000 at once, then 1,200 a minute (an office or a mobile carrier puts many shoppers behind one).
 * `TANDEM_EVENTS_LIMIT_VISITOR` / `TANDEM_EVENTS_LIMIT_ADDRESS` = "burst/perMinute" or "off". An IPv6
 * address counts as its /64 (`limitKey`). The buckets live in the limits store (memory, or Redis).
 */
import { limitKey } from '../http/client-address';
import { charge } from '../http/limit-store';
import { parseLimit, type Charge, type ChargeMode, type Limit } from '../http/rate-limit';
import type { OrderLimits } from './plausible';
import { MAX_BATCH } from './schema';

export const VISITOR_LIMIT: Limit = { burst: 300, perMinute: 60 };
export const ADDRESS_LIMIT: Limit = { burst: 3000, perMinute: 1200 };

function limit(env: string, fallback: Limit): Limit | null {
  const l = parseLimit(process.env[env], fallback, env);
  // A full batch must fit, or it would wait forever.
  if (l && l.burst < MAX_BATCH) throw new Error(`${env}: the burst must be at least one batch (${MAX_BATCH} events)`);
  return l;
}

let limits: { visitor: Limit | null; address: Limit | null } | undefined;

/** Spends `n` events from this visitor's and this address's allowance (or, `check`, only asks), or says how long to wait. */
export function admitEvents(visitor: string | undefined, address: string, n: number, now = Date.now(), mode: ChargeMode = 'spend') {
  limits ??= { visitor: limit('TANDEM_EVENTS_LIMIT_VISITOR', VISITOR_LIMIT), address: limit('TANDEM_EVENTS_LIMIT_ADDRESS', ADDRESS_LIMIT) };
  const charges: Charge[] = [];
  if (limits.visitor && visitor) charges.push({ bucket: 'events-visitor', key: visitor, limit: limits.visitor });
  if (limits.address) charges.push({ bucket: 'events-address', key: limitKey(address), limit: limits.address });
  return charge(charges, n, now, mode);
}

const DAY_MINUTES = 24 * 60;

/**
 * One order of `pence` from this visitor against its daily allowance (lib/events/plausible.ts): a bucket of
 * orders and one of pence, each holding a day's worth and refilling over a day. Spent only when both allow it;
 * otherwise the answer says which limit, for the refusal's reason.
 */
export async function admitOrder(visitor: string, pence: number, limits: Pick<OrderLimits, 'maxVisitorOrdersPerDay' | 'maxVisitorPencePerDay'>, now = Date.now()): Promise<{ ok: true } | { ok: false; why: string }> {
  const orders: Charge[] = [{ bucket: 'orders-visitor', key: visitor, limit: { burst: limits.maxVisitorOrdersPerDay, perMinute: limits.maxVisitorOrdersPerDay / DAY_MINUTES } }];
  const value: Charge[] = [{ bucket: 'order-pence-visitor', key: visitor, limit: { burst: limits.maxVisitorPencePerDay, perMinute: limits.maxVisitorPencePerDay / DAY_MINUTES } }];
  if (!(await charge(orders, 1, now, 'check')).ok) return { ok: false, why: `more than ${limits.maxVisitorOrdersPerDay} orders a day from one visitor` };
  if (!(await charge(value, pence, now, 'check')).ok) return { ok: false, why: `more than £${(limits.maxVisitorPencePerDay / 100).toFixed(2)} of orders a day from one visitor` };
  await charge(orders, 1, now, 'force');
  await charge(value, pence, now, 'force');
  return { ok: true };
}
