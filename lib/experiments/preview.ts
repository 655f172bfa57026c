/**
 * Preview links (issue 36): a signed-in marketer opens any page in any arm of any experiment (a draft included)
 * before it starts. The link carries `?tandem_preview=<token>`, the token the experiment, the arm and an expiry,
 * signed by the server (the visitor secret's HMAC, lib/experiments/visitor.ts); proxy.ts turns it into a session
 * cookie. While it is set, the pages plan the previewed arm for that question and say so in a banner; the visitor's
 * own cookie, and so their arms, are never touched, and every event the browser sends is dropped (never counted).
 * Web Crypto only: proxy.ts, route handlers and pages share it.
 */
import { sameSignature, signText, visitorSecret } from './visitor';

export const PREVIEW_COOKIE = 'tandem_preview';
export const PREVIEW_PARAM = 'tandem_preview';
/** A link works this long: a working session's worth, not a permanent back door into a layout. */
export const PREVIEW_MS = 8 * 3_600_000;

export interface Preview {
  experiment: string;
  variant: string;
  expiresAt: number;
}

const b64 = (s: string) => btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const unb64 = (s: string) => atob(s.replace(/-/g, '+').replace(/_/g, '/'));

export async function signPreview(p: Pick<Preview, 'experiment' | 'variant'>, secret: string | undefined = visitorSecret(), now = Date.now()): Promise<string | null> {
  if (!secret) return null;
  const body = b64(JSON.stringify({ e: p.experiment, v: p.variant, x: now + PREVIEW_MS }));
  return `${body}.${await signText(`tandem-preview-v1:${body}`, secret)}`;
}

/** The preview a token names, when this server signed it and it has not expired; null otherwise. */
export async function verifyPreview(token: string | undefined, secret: string | undefined = visitorSecret(), now = Date.now()): Promise<Preview | null> {
  const m = token && secret ? /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{22})$/.exec(token) : null;
  if (!m) return null;
  if (!sameSignature(await signText(`tandem-preview-v1:${m[1]}`, secret!), m[2]!)) return null;
  try {
    const p = JSON.parse(unb64(m[1]!)) as { e?: unknown; v?: unknown; x?: unknown };
    if (typeof p.e !== 'string' || typeof p.v !== 'string' || typeof p.x !== 'number' || p.x < now) return null;
    return { experiment: p.e, variant: p.v, expiresAt: p.x };
  } catch {
    return null;
  }
}
