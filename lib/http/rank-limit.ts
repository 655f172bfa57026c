/**
 * How often one address may ask /api/rank (issue 24: 230 requests a second from one client took a shopper's
 * page to p50 321 ms). A shopper's device asks once per shelf it cannot rank itself, a few a page; an office
 * or a carrier puts many shoppers behind one address. Default: 600 at once, then 1,200 a minute (20 a second)
 * per address (an IPv6 client's /64); over it, 429 with Retry-After before any ranking work.
 * `TANDEM_RANK_LIMIT_ADDRESS` = "burst/perMinute" or "off". A route concern, so it lives here and not in
 * lib/coldstart (which ranks and knows nothing of requests).
 */
import { limitKey } from './client-address';
import { charge } from './limit-store';
import { parseLimit, type Limit } from './rate-limit';

export const RANK_LIMIT: Limit = { burst: 600, perMinute: 1200 };

let limit: Limit | null | undefined;

/** Seconds this address must wait (0: go ahead, and one request is spent). */
export async function admitRank(address: string, now = Date.now()): Promise<number> {
  if (limit === undefined) limit = parseLimit(process.env.TANDEM_RANK_LIMIT_ADDRESS, RANK_LIMIT, 'TANDEM_RANK_LIMIT_ADDRESS');
  if (!limit) return 0;
  const admitted = await charge([{ bucket: 'rank-address', key: limitKey(address), limit }], 1, now);
  return admitted.ok ? 0 : admitted.retryAfterS;
}
