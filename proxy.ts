import { NextResponse, type NextRequest } from 'next/server';
import { isAdmin, loginResponse } from '@/lib/admin/auth';
import { VISITOR_COOKIE, VISITOR_ID_PATTERN } from '@/lib/experiments/assign';

const YEAR = 365 * 24 * 3600;

/**
 * Two jobs before any page renders:
 * - the admin area answers 401 (with a login form) to anyone without credentials;
 * - every shopper gets a first-party anonymous id, set on the request too, so the very first HTML is
 *   rendered with the right experiment variants (no flicker, no second request).
 */
export async function proxy(req: NextRequest) {
  const { pathname } = req.nextUrl;
  if (pathname.startsWith('/admin') && !pathname.startsWith('/admin/login')) {
    if (!(await isAdmin(req))) return loginResponse('Sign in to see the experiments dashboard.', pathname);
    return NextResponse.next();
  }

  const existing = req.cookies.get(VISITOR_COOKIE)?.value;
  if (existing && VISITOR_ID_PATTERN.test(existing)) return NextResponse.next();
  const id = crypto.randomUUID();
  const headers = new Headers(req.headers);
  req.cookies.set(VISITOR_COOKIE, id);
  headers.set('cookie', req.cookies.toString());
  const res = NextResponse.next({ request: { headers } });
  res.cookies.set(VISITOR_COOKIE, id, {
    httpOnly: true,
    sameSite: 'lax',
    secure: req.nextUrl.protocol === 'https:',
    maxAge: YEAR,
    path: '/',
  });
  return res;
}

export const config = {
  // Pages and the admin area; not static files, models, the runtime, pictures or the other APIs.
  matcher: ['/((?!_next/|api/|models/|ort/|images/|\\.well-known/|sw\\.js|icon\\.svg|robots\\.txt|favicon\\.ico).*)'],
};
