/**
 * Who sent a request, for rate limits. The socket's address, unless the operator says how many reverse
 * proxies stand in front (`TANDEM_TRUSTED_PROXIES`, default 0): then the address that many hops back in
 * X-Forwarded-For. Entries further left were written by the client and prove nothing.
 */

/** Request headers a client could forge to pose as another address or host; dropped unless proxies are trusted. */
export const FORWARDED_HEADERS = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-real-ip', 'forwarded'] as const;

export function trustedProxyHops(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^\d{1,2}$/.test(value)) throw new Error(`TANDEM_TRUSTED_PROXIES must be a number of proxies (0-99), not "${value}"`);
  return Number(value);
}

const plain = (a: string) => a.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');

export function clientAddress(socket: string, forwardedFor: string | string[] | undefined, hops: number): string {
  const chain = [...[forwardedFor ?? []].flat().flatMap((v) => v.split(',')), socket].map(plain).filter(Boolean);
  // The socket is the nearest hop; each trusted proxy appended the address it saw.
  return chain[Math.max(0, chain.length - 1 - hops)] ?? 'unknown';
}

/** The address the server in front decided on (`server/index.ts`), or the platform's (Vercel sets x-real-ip). */
export function requestAddress(headers: Headers): string {
  return headers.get('x-real-ip') ?? 'unknown';
}

/**
 * The key an address is limited under. An IPv6 client is handed a whole /64 (RFC 6177 and every ISP's
 * practice), so eight addresses from one host were eight budgets: IPv6 is grouped by its first 64 bits.
 * IPv4 (and IPv4-mapped IPv6, which is how Node reports an IPv4 client on a dual-stack socket) stays as it is.
 */
export function limitKey(address: string): string {
  return prefixKey(address, 4);
}

/**
 * The wider key a site is limited under: an IPv6 site is handed a /48 (RFC 6177), 65,536 /64s, each its own
 * address budget (issue 34): its allowance is a few addresses' worth. IPv4 is limited per address only (a /24 is
 * many households behind one ISP).
 */
export function siteKey(address: string): string {
  return prefixKey(address, 3);
}

/** IPv6 grouped by its first `keep` 16-bit groups (4: a /64, 3: a /48); IPv4 and IPv4-mapped IPv6 as the address. */
function prefixKey(address: string, keep: 3 | 4): string {
  const a = address.replace(/^\[|\]$/g, '').split('%')[0]!.toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (mapped) return mapped[1]!;
  if (!a.includes(':')) return a;
  const [head, tail] = a.split('::') as [string, string | undefined];
  const front = head ? head.split(':') : [];
  const back = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? front : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${groups
    .slice(0, keep)
    .map((g) => (parseInt(g || '0', 16) || 0).toString(16))
    .join(':')}::/${keep * 16}`;
}
