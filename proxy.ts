import { NextResponse, type NextRequest } from 'next/server';
import { isAdmin, loginResponse } from '@/lib/admin/auth';
import { contentSecurityPolicy, newNonce } from '@/lib/admin/csp';
import { VISITOR_COOKIE, visitorId } from '@/lib/experiments/assign';

const YEAR = 365 * 24 * 3600;
/** Not pages: APIs, pictures, models, the runtime, well-known files. They only get the encoding check. */
const PASS_THROUGH = /^\/(api|images|models|ort|\.well-known)\/|^\/(sw\.js|icon\.svg|robots\.txt|favicon\.ico)$/;

/**
 * Three jobs before any page renders:
 * - the admin area answers 401 (with a login form) to anyone without credentials;
 * - every page gets a Content-Security-Policy with a fresh nonce, which Next puts on its own scripts
 *   (it reads the policy from the request headers);
 * - every shopper gets a first-party anonymous id, set on the request too, so the very first HTML is
 *   rendered with the right experiment variants (no flicker, no second request).
 */
export async function proxy(req: NextRequest) {
  const { pathname } = req.nextUrl;
  // A path with broken percent-encoding would reach Next's router and come back as a bare 500.
  try {
    decodeURIComponent(pathname);
  } catch {
    return Response.json({ error: 'malformed URL encoding in the path' }, { status: 400 });
  }
  if (PASS_THROUGH.test(pathname)) return NextResponse.next();
  const https = req.nextUrl.protocol === 'https:' || req.headers.get('x-forwarded-proto') === 'https';
  if (pathname.startsWith('/admin') && !pathname.startsWith('/admin/login')) {
    if (!(await isAdmin(req))) return loginResponse('Sign in to see the experiments dashboard.', pathname);
  }

  const nonce = newNonce();
  const csp = contentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === 'development', https });
  const headers = new Headers(req.headers);
  headers.set('content-security-policy', csp);
  headers.set('x-nonce', nonce);

  const needsId = !pathname.startsWith('/admin') && !visitorId(req.cookies.get(VISITOR_COOKIE)?.value);
  const id = needsId ? crypto.randomUUID() : undefined;
  if (id) {
    req.cookies.set(VISITOR_COOKIE, id);
    headers.set('cookie', req.cookies.toString());
  }
  const res = NextResponse.next({ request: { headers } });
  res.headers.set('Content-Security-Policy', csp);
  if (!id) return res;
  res.cookies.set(VISITOR_COOKIE, id, {
    httpOnly: true,
    sameSite: 'lax',
    secure: https,
    maxAge: YEAR,
    path: '/',
  });
  return res;
}

export const config = {
  // Everything but Next's own build files (see PASS_THROUGH for what gets only the encoding check).
  matcher: ['/((?!_next/).*)'],
};
