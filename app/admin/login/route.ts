import { ADMIN_COOKIE, adminToken, loginResponse, safeEqual, safeNext, sessionValue } from '@/lib/admin/auth';

/** Sign in with the admin token; sets the session cookie and goes on to the dashboard. */
export async function POST(req: Request) {
  // A login form posted from another site is refused (a cross-site request forgery of the login).
  const origin = req.headers.get('origin');
  if (origin && origin !== new URL(req.url).origin) return Response.json({ error: 'cross-site request refused' }, { status: 403 });
  const form = await req.formData().catch(() => null);
  const token = adminToken();
  const given = form?.get('token');
  const next = safeNext(form?.get('next'));
  if (!token || typeof given !== 'string' || !safeEqual(given.trim(), token)) return loginResponse(token ? 'That token is not right.' : 'Admin is not configured.', next);
  const secure = new URL(req.url).protocol === 'https:' ? '; Secure' : '';
  return new Response(null, {
    status: 303,
    headers: {
      Location: next,
      'Set-Cookie': `${ADMIN_COOKIE}=${await sessionValue(token)}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=43200${secure}`,
      'Cache-Control': 'no-store',
    },
  });
}

export function GET() {
  return loginResponse('Sign in to see the experiments dashboard.');
}
