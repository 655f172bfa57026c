/**
 * The request gate: what a request may be before any of the store's code (or Next's) spends time on it.
 * Pure and Web-API only, so the Node server in front of Next (`server/index.ts`, which sees the raw
 * request line and can refuse a body before it is read) and `proxy.ts` (the only layer on a platform that
 * runs Next without our server) apply the same rules. Every refusal is a JSON `{error}` with a defined status.
 */
import { allowHeader, API_PREFIX, ruleFor } from './routes';

export const LIMITS = {
  /** Cookies in one request. Browsers keep at most 180 per site; the store sets two. */
  cookies: 100,
  /** Bytes of the Cookie header. */
  cookieBytes: 8 * 1024,
  /** Bytes of the whole header block (Node's default, made explicit: `server/index.ts`). */
  headerBytes: 16 * 1024,
  /** The whole request (headers and body) must arrive within this; then 408. */
  requestMs: 9_000,
  /** A response the client reads nothing of for this long is closed (server/index.ts). */
  stalledMs: 30_000,
} as const;

export interface GateInput {
  method: string;
  /** The request target as sent: `/path?query` (origin-form), or anything a client put there. */
  target: string;
  header(name: string): string | null | undefined;
  /** How many times a header was sent, where the layer can tell (Node's raw headers; Web Headers merge them). */
  headerCount?(name: string): number;
}

/**
 * Parameter names that are an object's own machinery: Next rebuilds a request's query through a plain object,
 * where `__proto__` vanishes before a route sees it (`/api/rank?…&__proto__=1` answered 200 while any other
 * unknown parameter gets 400). Refused here, from the raw target, like any unknown parameter.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface Refusal {
  status: number;
  error: string;
  headers: Record<string, string>;
}

const refuse = (status: number, error: string, headers: Record<string, string> = {}): Refusal => ({ status, error, headers });

/** `null`: let it through. Otherwise the answer to send instead (`answer()` turns it into a Response). */
export function gate(req: GateInput): Refusal | null {
  const method = req.method.toUpperCase();
  if (req.target === '*' && method === 'OPTIONS') return { status: 204, error: '', headers: { Allow: 'GET, HEAD, OPTIONS, POST' } };
  // Absolute-form (`GET http://other.host/...`) is for proxies; answered, it would build URLs on the client's host.
  if (!req.target.startsWith('/') || req.target.startsWith('//')) return refuse(400, 'the request target must be a path on this site (origin-form)');
  const pathname = req.target.replace(/[?#].*$/s, '');
  try {
    decodeURIComponent(pathname);
  } catch {
    return refuse(400, 'malformed URL encoding in the path');
  }

  // Two Host headers: which one names the site depends on who reads it (RFC 9112 §3.2: 400).
  if ((req.headerCount?.('host') ?? 1) > 1) return refuse(400, 'more than one Host header');
  const q = req.target.indexOf('?');
  if (q >= 0 && pathname.startsWith(API_PREFIX)) {
    for (const key of new URLSearchParams(req.target.slice(q + 1).replace(/#.*$/s, '')).keys()) if (PROTOTYPE_KEYS.has(key)) return refuse(400, `unknown parameter: ${key}`);
  }

  const cookie = req.header('cookie');
  if (cookie) {
    if (cookie.length > LIMITS.cookieBytes) return refuse(431, `Cookie header over ${LIMITS.cookieBytes} bytes: clear this site's cookies`);
    let count = 1;
    for (let i = cookie.indexOf(';'); i >= 0; i = cookie.indexOf(';', i + 1)) count++;
    if (count > LIMITS.cookies) return refuse(431, `more than ${LIMITS.cookies} cookies: clear this site's cookies`);
  }

  // A trailing slash is Next's to redirect; the rule is the same path's.
  const { rule, known } = ruleFor(pathname.length > 1 ? pathname.replace(/\/$/, '') : pathname);
  if (!known) return refuse(404, `no such API: ${pathname.slice(API_PREFIX.length - 1, 80)}`);
  const allow = allowHeader(rule);
  if (method === 'OPTIONS') return { status: 204, error: '', headers: { Allow: allow } };
  if (!(rule.methods as readonly string[]).includes(method)) return refuse(405, `method ${method.slice(0, 20)} not allowed here`, { Allow: allow });

  const length = req.header('content-length');
  const chunked = !!req.header('transfer-encoding');
  if (rule.maxBody === 0) {
    if (chunked || (length && length !== '0')) return refuse(413, 'this path takes no request body');
  } else if (chunked && !length) return refuse(411, 'Content-Length required');
  else if (length && Number(length) > rule.maxBody) return refuse(413, `body over ${rule.maxBody} bytes`);
  return null;
}

/** The refusal as an HTTP answer (no body for HEAD or 204). */
export function answer(r: Refusal, method: string): Response {
  const headers = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...r.headers };
  if (r.status === 204 || method.toUpperCase() === 'HEAD') return new Response(null, { status: r.status, headers });
  return Response.json({ error: r.error }, { status: r.status, headers });
}
