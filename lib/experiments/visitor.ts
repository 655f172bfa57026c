/**
 * Visitors the server minted (issue 24: a hundred made-up visitor ids picked an experiment's winner). The
 * anonymous id in the `tandem_vid` cookie is signed by the server: `<uuid>.<c|x>.<mac>`, the MAC an HMAC-SHA256
 * under VISITOR_SECRET (Web Crypto, so proxy.ts and route handlers share it at the edge and in Node), so an id the
 * server did not issue, or one whose flag was edited, is no visitor at all: its events are refused.
 *
 * Minting costs an address something: each address (an IPv6 client's /64) gets 10 counted new ids at once, then
 * 10 an hour (`TANDEM_NEW_VISITORS_LIMIT_ADDRESS`, "burst/perHour" or "off"), and an IPv6 site (its /48, RFC 6177's
 * unit: 65,536 /64s) three times that. Past that the shopper still gets an id, experiments and a working store, but
 * the id says `x`: its events are stored and its orders kept, and the readouts leave it out and say how many they
 * left out. A bot farm on one address that mints 200 ids to keep the 100 landing in the arm it wants is counted
 * for 10 of them, about 5 in that arm.
 *
 * The cookie carries its mint time, under the MAC (`<uuid>.<c|x>.<minute, base 36>.<mac>`), so an allowance limits
 * the stockpile as well as the rate (issue 34: one address banked 240 counted ids a day before an experiment began,
 * then spent them at once): an id older than an hour entering an experiment spends from its address's same
 * allowance (`countsAsEntry`); a fresh one paid when it was minted. A shopper coming back enters at most a few
 * experiments at a time; a stockpile enters at the allowance's rate, and the rest are left out ('entry-limit').
 */
import { charge } from '../http/limit-store';
import { addressCharges, parseLimit, type Limit } from '../http/rate-limit';

export const VISITOR_COOKIE = 'tandem_vid';

/** Who sent a request, as the server minted it: `counted` false for an id minted over its address's limit. */
export interface Visitor {
  id: string;
  counted: boolean;
  /** When the server minted the id (ms, to the minute); null for a cookie signed before mint times were (treated as old). */
  mintedAt: number | null;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const COOKIE_PATTERN = new RegExp(`^(${UUID})\\.([cx])\\.(?:([0-9a-z]{1,10})\\.)?([A-Za-z0-9_-]{22})$`);
/** 128 bits of the MAC: a forger's chance per guess is 2^-128. */
const MAC_CHARS = 22;

/** The signing secret: VISITOR_SECRET from the environment (npm start writes one into .env.local), 32+ characters. */
export function visitorSecret(): string | undefined {
  const s = process.env.VISITOR_SECRET?.trim();
  return s && s.length >= 32 ? s : undefined;
}

const keys = new Map<string, Promise<CryptoKey>>();
function key(secret: string): Promise<CryptoKey> {
  let k = keys.get(secret);
  if (!k) keys.set(secret, (k = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])));
  return k;
}

/** 128 bits of HMAC-SHA256 of `text` under the secret, base64url: the server's signature on what it hands out (visitor ids, preview links). */
export async function signText(text: string, secret: string): Promise<string> {
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', await key(secret), new TextEncoder().encode(text)));
  let bin = '';
  for (const b of sig) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').slice(0, MAC_CHARS);
}

/** Two signatures compared in full whatever differs first: the time taken says nothing about the expected one. */
export function sameSignature(expected: string, given: string): boolean {
  if (expected.length !== given.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ given.charCodeAt(i);
  return diff === 0;
}

/** The MAC of an id, its flag and (from v2) its mint minute: v1 cookies, signed before mint times, still verify. */
function mac(id: string, flag: 'c' | 'x', minted: string | undefined, secret: string): Promise<string> {
  return signText(minted === undefined ? `tandem-visitor-v1:${id}.${flag}` : `tandem-visitor-v2:${id}.${flag}.${minted}`, secret);
}

const MINUTE_MS = 60_000;

/** The cookie value for a visitor, minted `now` unless it says when. */
export async function signVisitor(v: Pick<Visitor, 'id' | 'counted'> & { mintedAt?: number | null }, secret: string, now = Date.now()): Promise<string> {
  const flag = v.counted ? 'c' : 'x';
  const minted = Math.floor((v.mintedAt ?? now) / MINUTE_MS).toString(36);
  return `${v.id}.${flag}.${minted}.${await mac(v.id, flag, minted, secret)}`;
}

/** The visitor a cookie value names, when this server signed it; undefined for anything else (absent, made up, edited, an old unsigned id). */
export async function verifyVisitor(cookieValue: string | undefined, secret: string | undefined = visitorSecret()): Promise<Visitor | undefined> {
  const m = cookieValue && secret ? COOKIE_PATTERN.exec(cookieValue) : null;
  if (!m) return undefined;
  const [, id, flag, minted, given] = m as unknown as [string, string, 'c' | 'x', string | undefined, string];
  return sameSignature(await mac(id, flag, minted, secret!), given) ? { id, counted: flag === 'c', mintedAt: minted === undefined ? null : parseInt(minted, 36) * MINUTE_MS } : undefined;
}

export const NEW_VISITORS_PER_ADDRESS = { burst: 10, perHour: 10 };

let newVisitorLimit: Limit | null | undefined;

/** "burst/perHour" (new ids are rare events: an hour is their unit), or "off". */
export function parseNewVisitorLimit(value: string | undefined): Limit | null {
  const l = parseLimit(value, { burst: NEW_VISITORS_PER_ADDRESS.burst, perMinute: NEW_VISITORS_PER_ADDRESS.perHour }, 'TANDEM_NEW_VISITORS_LIMIT_ADDRESS');
  return l && { burst: l.burst, perMinute: l.perMinute / 60 };
}

/** Whether a new id minted for this address is counted in readouts (and, if so, spends one from its allowance, and its IPv6 site's). */
export async function countsAsNewVisitor(address: string, now = Date.now()): Promise<boolean> {
  if (newVisitorLimit === undefined) newVisitorLimit = parseNewVisitorLimit(process.env.TANDEM_NEW_VISITORS_LIMIT_ADDRESS);
  if (!newVisitorLimit) return true;
  return (await charge(addressCharges('new-visitor', address, newVisitorLimit), 1, now)).ok;
}

/** An id minted this recently paid for itself when it was minted. */
export const FRESH_MS = 3_600_000;

/**
 * Whether a counted id entering an experiment (its first exposure there) is counted in that readout: a fresh one
 * always (its minting was charged); an older one (or a v1 cookie) spends from the address's allowance, so a
 * stockpile of ids enters at the allowance's rate.
 */
export async function countsAsEntry(visitor: Visitor, address: string, now = Date.now()): Promise<boolean> {
  if (!visitor.counted) return false;
  if (visitor.mintedAt !== null && now - visitor.mintedAt < FRESH_MS) return true;
  return countsAsNewVisitor(address, now);
}
