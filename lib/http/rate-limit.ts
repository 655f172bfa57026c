/**
 * Token buckets: each key may spend `burst` at once and regains `perMinute` a minute. In memory, per
 * server instance; bounded (the least recently used keys go first), because keys such as visitor ids
 * cost a client nothing to make up.
 */
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

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  constructor(
    readonly limit: Limit,
    private readonly maxKeys = 100_000,
  ) {}

  /** Tokens `key` holds at `now` (a key never seen holds a full burst). */
  available(key: string, now: number): number {
    const b = this.buckets.get(key);
    if (!b) return this.limit.burst;
    return Math.min(this.limit.burst, b.tokens + ((now - b.at) / 60_000) * this.limit.perMinute);
  }

  /** Seconds until `key` holds `n` tokens (0 when it does now; Infinity when it never will). */
  waitFor(key: string, n: number, now: number): number {
    const missing = n - this.available(key, now);
    if (missing <= 0) return 0;
    if (n > this.limit.burst || this.limit.perMinute === 0) return Infinity;
    return (missing / this.limit.perMinute) * 60;
  }

  spend(key: string, n: number, now: number): void {
    const tokens = this.available(key, now) - n;
    this.buckets.delete(key); // re-inserted last: the Map's order is the recency order
    this.buckets.set(key, { tokens, at: now });
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
  }

  get size(): number {
    return this.buckets.size;
  }
}

/**
 * Spends `n` from every (buckets, key) pair, or from none: a request refused by one limit costs nothing
 * under the others. Returns the seconds to wait when refused.
 */
export function spendAll(pairs: [TokenBuckets | null, string | null][], n: number, now: number): { ok: true } | { ok: false; retryAfterS: number } {
  const live = pairs.filter((p): p is [TokenBuckets, string] => p[0] !== null && p[1] !== null);
  const wait = Math.max(0, ...live.map(([b, k]) => b.waitFor(k, n, now)));
  if (wait > 0) return { ok: false, retryAfterS: Number.isFinite(wait) ? Math.max(1, Math.ceil(wait)) : 60 };
  for (const [b, k] of live) b.spend(k, n, now);
  return { ok: true };
}

/** The one answer to a request over a limit: 429, JSON `{error}`, `Retry-After` in whole seconds, never cached. */
export function tooManyRequests(error: string, retryAfterS: number): Response {
  return Response.json({ error }, { status: 429, headers: { 'Retry-After': String(retryAfterS), 'Cache-Control': 'no-store' } });
}
