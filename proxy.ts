import { NextResponse, type NextRequest } from 'next/server';
import { bearerWait, isAdmin, loginResponse, unauthorisedJson } from '@/lib/admin/auth';
import { throttled } from '@/lib/admin/throttle';
import { contentSecurityPolicy, newNonce } from '@/lib/admin/csp';
import { PREVIEW_COOKIE, PREVIEW_PARAM, verifyPreview } from '@/lib/experiments/preview';
import { countsAsNewVisitor, signVisitor, VISITOR_COOKIE, verifyVisitor, visitorSecret } from '@/lib/experiments/visitor';
import { requestAddress } from '@/lib/http/client-address';
import { answer, gate } from '@/lib/http/gate';
import { isHttps } from '@/lib/http/origin';

const YEAR = 365 * 24 * 3600;
/** Not pages: APIs, pictures, models, the runtime, well-known files. No visitor id for them. */
const PASS_THROUGH = /^\/(api|images|models|ort|\.well-known)\/|^\/(sw\.js|icon\.svg|robots\.txt|favicon\.ico)$/;

/**
 * Five jobs before any page renders:
 * - the request gate (lib/http/gate.ts): methods, cookies, bodies, unknown API paths. Self-hosted,
 *   server/index.ts already applied it before Next; on a platform without that server, this is the place;
 * - the admin area answers 401 (with a login form) to anyone without a live session;
 * - every response gets a Content-Security-Policy with a fresh nonce, which Next puts on its own scripts
 *   (it reads the policy from the request headers): pages, and the HTML 404s under the paths above;
 * - every shopper gets a first-party anonymous id, signed by the server (lib/experiments/visitor.ts), set on
 *   the request too, so the very first HTML is rendered with the right experiment variants (no flicker, no
 *   second request). A cookie this server did not sign (made up, edited, or an unsigned id from before
 *   signing) is replaced like a missing one;
 * - a marketer's signed preview link (`?tandem_preview=`, lib/experiments/preview.ts) becomes a session cookie, on
 *   the request too; `?tandem_preview=off` ends it.
 */
export async function proxy(req: NextRequest) {
  const { pathname, search } = req.nextUrl;
  const refusal = gate({ method: req.method, target: pathname + search, header: (name) => req.headers.get(name) });
  if (refusal) return answer(refusal, req.method);
  const https = isHttps(req);
  if (pathname.startsWith('/admin') && !pathname.startsWith('/admin/login')) {
    // A Bearer token while the sign-in throttle is spent: 429 with the wait, not a 401 that reads as "wrong".
    const wait = await bearerWait(req.headers);
    if (wait > 0) return throttled(wait);
    if (!(await isAdmin(req))) {
      // A report download is read by scripts: a JSON 401 they can act on, not a login page.
      if (/\.(json|csv)$/.test(pathname) || pathname.startsWith('/admin/api/')) return unauthorisedJson();
      return loginResponse('Sign in to see the experiments dashboard.', pathname);
    }
  }

  const nonce = newNonce();
  const csp = contentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === 'development', https });
  const headers = new Headers(req.headers);
  headers.set('content-security-policy', csp);
  headers.set('x-nonce', nonce);

  const id = PASS_THROUGH.test(pathname) || pathname.startsWith('/admin') ? undefined : await newVisitorCookie(req);
  if (id) req.cookies.set(VISITOR_COOKIE, id);
  // A marketer's preview link (lib/experiments/preview.ts): a valid one becomes a session cookie, "off" ends it.
  const previewParam = PASS_THROUGH.test(pathname) ? null : req.nextUrl.searchParams.get(PREVIEW_PARAM);
  const preview = previewParam === null ? undefined : previewParam === 'off' ? null : (await verifyPreview(previewParam)) ? previewParam : undefined;
  if (preview) req.cookies.set(PREVIEW_COOKIE, preview);
  if (preview === null) req.cookies.delete(PREVIEW_COOKIE);
  if (id || preview !== undefined) headers.set('cookie', req.cookies.toString());
  const res = NextResponse.next({ request: { headers } });
  res.headers.set('Content-Security-Policy', csp);
  if (id) res.cookies.set(VISITOR_COOKIE, id, { httpOnly: true, sameSite: 'lax', secure: https, maxAge: YEAR, path: '/' });
  if (preview) res.cookies.set(PREVIEW_COOKIE, preview, { httpOnly: true, sameSite: 'lax', secure: https, path: '/' });
  if (preview === null) res.cookies.delete(PREVIEW_COOKIE);
  return res;
}

let warnedNoSecret = false;

/** A signed cookie value for a request without a valid one; undefined when it has one (or no secret is configured). */
async function newVisitorCookie(req: NextRequest): Promise<string | undefined> {
  const secret = visitorSecret();
  if (!secret) {
    // No id at all rather than one nobody can verify: the page works, with no experiments and no events.
    if (!warnedNoSecret) console.error('[tandem] VISITOR_SECRET (32+ characters) is not set: visitors get no id, experiments and events are off. npm start writes one into .env.local.');
    warnedNoSecret = true;
    return undefined;
  }
  if (await verifyVisitor(req.cookies.get(VISITOR_COOKIE)?.value, secret)) return undefined;
  return signVisitor({ id: crypto.randomUUID(), counted: await countsAsNewVisitor(requestAddress(req.headers)) }, secret);
}

export const config = {
  // Everything but Next's own build files and its development endpoints.
  matcher: ['/((?!_next/|__nextjs).*)'],
};
