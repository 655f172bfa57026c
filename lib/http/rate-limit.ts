/**
 * Token buckets: each key may spend `burst` at once and regains `perMinute` a minute. Kept in a LimitStore:
 * in this process's memory by default (bounded: the least recently used keys go first, because keys such as
 * visitor ids cost a client nothing to make up), or in Redis when TANDEM_REDIS_URL is set, so that every
 * server instance spends from one budget (lib/http/limit-store.ts chooses). Both stores apply the rule of
 * `bucketWait`/`bucketSpend`; the Redis script is the same arithmetic, and a unit test runs one sequence of
 * charges through both.
 */
import { limitKey, siteKey } from './client-address';

export interface Limit {
  burst: number;
  perMinute: number;
}

/** `"300/60"` = burst 300, then 60 a minute; `"off"` = no limit (null). */
export function parseLimit(value: string | undefined, fallback: Limit, name: string): Limit | null {
  if (value === undefined || value === '') return fallback;
  if (value === 'off') return null;
  const m = /^(\d{1,9})\/(\d{1,9})$/.exec(value);
  if (!m || Number(m[1]) < 1) throw new Error(`${name} must be "burst/perMinute" (e.g. "300/60") or "off", not "${value}"`);
  return { burst: Number(m[1]), perMinute: Number(m[2]) };
}

/** One bucket a request draws on: `bucket` names the limit (its keys never meet another limit's), `key` whose. */
export interface Charge {
  bucket: string;
  key: string;
  limit: Limit;
}

/** An IPv6 site (a /48) may spend this many times an address's limit. */
export const SITE_SHARE = 3;

/**
 * The buckets an address draws on under one limit: `<name>-address` by its limitKey (an IPv6 client's /64) and,
 * for IPv6, `<name>-site` by its /48 at SITE_SHARE times the limit (issue 34: a /48 is 65,536 /64 budgets).
 */
export function addressCharges(name: string, address: string, limit: Limit): Charge[] {
  const key = limitKey(address);
  const site = siteKey(address);
  const own: Charge = { bucket: `${name}-address`, key, limit };
  return site === key ? [own] : [own, { bucket: `${name}-site`, key: site, limit: { burst: limit.burst * SITE_SHARE, perMinute: limit.perMinute * SITE_SHARE } }];
}

export type Admission = { ok: true } | { ok: false; retryAfterS: number };

/**
 * `spend`: take `n` from every bucket or from none (a request refused by one limit costs nothing under the
 * others); `check`: only say whether `n` would be granted; `force`: take `n` whatever is left (a failed sign-in
 * is counted even while the caller was allowed to try).
 */
export type ChargeMode = 'spend' | 'check' | 'force';

export interface LimitStore {
  readonly kind: 'memory' | 'redis';
  charge(charges: readonly Charge[], n: number, now: number, mode?: ChargeMode): Promise<Admission>;
  close(): Promise<void>;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Tokens a bucket holds at `now` (one never seen holds a full burst). */
function bucketTokens(b: Bucket | undefined, limit: Limit, now: number): number {
  if (!b) return limit.burst;
  return Math.min(limit.burst, b.tokens + (Math.max(0, now - b.at) / 60_000) * limit.perMinute);
}

/** Seconds until a bucket holding `tokens` holds `n` (0 when it does; Infinity when it never will). */
function bucketWait(tokens: number, limit: Limit, n: number): number {
  const missing = n - tokens;
  if (missing <= 0) return 0;
  if (n > limit.burst || limit.perMinute === 0) return Infinity;
  return (missing / limit.perMinute) * 60;
}

/** A wait in seconds as the whole seconds a Retry-After says (a refusal that will never pass: a minute). */
export function admission(wait: number): Admission {
  if (wait <= 0) return { ok: true };
  return { ok: false, retryAfterS: Number.isFinite(wait) ? Math.max(1, Math.ceil(wait)) : 60 };
}

/** The embedded default: buckets in this process's memory, at most `maxKeys` of them. */
export function memoryLimitStore(maxKeys = 100_000): LimitStore & { readonly size: number; tokens(c: Charge, now: number): number } {
  const buckets = new Map<string, Bucket>();
  const id = (c: Charge) => `${c.bucket}\u0000${c.key}`;
  const tokens = (c: Charge, now: number) => bucketTokens(buckets.get(id(c)), c.limit, now);
  return {
    kind: 'memory',
    async charge(charges, n, now, mode = 'spend') {
      const wait = mode === 'force' ? 0 : Math.max(0, ...charges.map((c) => bucketWait(tokens(c, now), c.limit, n)));
      if (wait > 0 || mode === 'check') return admission(wait);
      for (const c of charges) {
        const left = tokens(c, now) - n;
        buckets.delete(id(c)); // re-inserted last: the Map's order is the recency order
        buckets.set(id(c), { tokens: left, at: now });
        if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value!);
      }
      return { ok: true };
    },
    async close() {},
    get size() {
      return buckets.size;
    },
    tokens,
  };
}

/** The one answer to a request over a limit: 429, JSON `{error}`, `Retry-After` in whole seconds, never cached. */
export function tooManyRequests(error: string, retryAfterS: number): Response {
  return Response.json({ error }, { status: 429, headers: { 'Retry-After': String(retryAfterS), 'Cache-Control': 'no-store' } });
}
