/**
 * The admin area's credentials: one shared ADMIN_TOKEN (from the environment or .env.local, which
 * `npm start` creates on first run). Signing in opens a server-side session: a random id in an HttpOnly,
 * SameSite=Strict cookie scoped to /admin, and its digest in the database with an expiry (12 hours).
 * Signing out deletes it, so a copied cookie is dead from then on; changing the token ends every session.
 * Scripts may send `Authorization: Bearer <token>` instead.
 */
import { requestAddress } from '../http/client-address';
import { signInThrottle } from './throttle';
import { getEventStore } from '../events/server-store';
import { NO_SCRIPT_PAGE_POLICY } from './csp';

export const ADMIN_COOKIE = 'tandem_admin';
export const SESSION_MS = 12 * 3_600_000;

export function adminToken(): string | undefined {
  const t = process.env.ADMIN_TOKEN?.trim();
  return t && t.length >= 16 ? t : undefined;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Compares without stopping at the first difference, so timing says nothing about the secret. */
export function safeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** Opens a session for the current token; returns the cookie value (256 random bits). */
export async function openSession(token: string, now = Date.now()): Promise<string> {
  const id = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  await getEventStore().sessions.open({ idHash: await sha256(id), tokenHash: await sha256(token), expiresAt: now + SESSION_MS }, now);
  return id;
}

export async function endSession(cookie: string | undefined): Promise<void> {
  if (cookie && SESSION_ID.test(cookie)) await getEventStore().sessions.end(await sha256(cookie));
}

/** The Set-Cookie value that stores a session id, or (`null`) clears it. */
export function sessionCookie(id: string | null, secure: boolean): string {
  return `${ADMIN_COOKIE}=${id ?? ''}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${id ? SESSION_MS / 1000 : 0}${secure ? '; Secure' : ''}`;
}

/** True when the request carries a live session cookie or `Authorization: Bearer <ADMIN_TOKEN>`. */
export async function isAdmin(req: { headers: Headers; cookies: { get(name: string): { value: string } | undefined } }): Promise<boolean> {
  const token = adminToken();
  if (!token) return false;
  const bearer = req.headers.get('authorization')?.match(/^Bearer (.+)$/)?.[1];
  if (bearer) {
    // A Bearer guess counts against the sign-in throttle; while it is spent, no token is compared at all.
    const address = requestAddress(req.headers);
    if ((await signInThrottle.wait(address)) > 0) return false;
    if (safeEqual(bearer, token)) return true;
    await signInThrottle.failed(address);
  }
  const cookie = req.cookies.get(ADMIN_COOKIE)?.value;
  if (!cookie || !SESSION_ID.test(cookie)) return false;
  try {
    return await getEventStore().sessions.alive(await sha256(cookie), await sha256(token), Date.now());
  } catch (e) {
    // A database that cannot be read signs nobody in; the Bearer token still works.
    console.error('[tandem] admin sessions unreadable:', (e as Error).message);
    return false;
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Seconds a request carrying a Bearer token must wait (the sign-in throttle), else 0: the report routes answer 429. */
export async function bearerWait(headers: Headers): Promise<number> {
  return /^Bearer /.test(headers.get('authorization') ?? '') ? signInThrottle.wait(requestAddress(headers)) : 0;
}

/** The 401 answer to a script (a report download): JSON it can act on, not a login page. */
export function unauthorisedJson(): Response {
  return Response.json({ error: 'sign in first, or send Authorization: Bearer <ADMIN_TOKEN>' }, { status: 401, headers: { 'Cache-Control': 'no-store', 'WWW-Authenticate': 'Bearer' } });
}

/** The 401 answer: a small self-contained login form (no scripts), posting to /admin/login. */
export function loginResponse(message: string, next = '/admin/experiments'): Response {
  const configured = !!adminToken();
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · Tandem admin</title><meta name="robots" content="noindex">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#0f172a}
input,button{font:inherit;padding:.5rem .75rem;border-radius:.5rem;border:1px solid #94a3b8;width:100%;box-sizing:border-box}
button{background:#0f766e;color:#fff;border:0;margin-top:.75rem;font-weight:600;cursor:pointer}.msg{color:#b91c1c}</style></head>
<body><h1>Tandem admin</h1><p class="msg" role="alert">${escapeHtml(message)}</p>
${
  configured
    ? `<form method="post" action="/admin/login"><input type="hidden" name="next" value="${escapeHtml(next)}">
<label for="token">Admin token</label><input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>
<p>The token is <code>ADMIN_TOKEN</code> in <code>.env.local</code> (created and printed by the first <code>npm start</code>).</p>`
    : `<p>No <code>ADMIN_TOKEN</code> (16+ characters) is configured on this server: run <code>npm start</code>, which creates one in <code>.env.local</code>, or set it in the environment.</p>`
}
</body></html>`;
  return new Response(html, {
    status: 401,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'WWW-Authenticate': 'Bearer realm="tandem-admin"',
      'Content-Security-Policy': NO_SCRIPT_PAGE_POLICY,
    },
  });
}

/** Only same-site paths under /admin, so the login form cannot be used to redirect elsewhere. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/admin(\/[\w/-]*)?$/.test(next) && !next.startsWith('/admin/login') ? next : '/admin/experiments';
}
