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
