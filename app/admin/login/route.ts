import { adminToken, loginResponse, openSession, safeEqual, safeNext, sessionCookie } from '@/lib/admin/auth';
import { isHttps, sameSite } from '@/lib/http/origin';
import { requestAddress } from '@/lib/http/client-address';
import { signInThrottle, throttled } from '@/lib/admin/throttle';

/** Sign in with the admin token; opens a session and goes on to the dashboard. */
export async function POST(req: Request) {
  // A login form posted from another site is refused (a cross-site request forgery of the login).
  if (!sameSite(req.headers)) return Response.json({ error: 'cross-site request refused' }, { status: 403 });
  const address = requestAddress(req.headers);
  const wait = await signInThrottle.wait(address);
  if (wait > 0) return throttled(wait);
  const form = await req.formData().catch(() => null);
  const token = adminToken();
  const given = form?.get('token');
  const next = safeNext(form?.get('next'));
  if (!token || typeof given !== 'string' || !safeEqual(given.trim(), token)) {
    if (token) await signInThrottle.failed(address);
    return loginResponse(token ? 'That token is not right.' : 'Admin is not configured.', next);
  }
  let session: string;
  try {
    session = await openSession(token);
  } catch (e) {
    console.error('[tandem] admin session not stored:', (e as Error).message);
    return Response.json({ error: 'sessions cannot be stored right now (events database unavailable); scripts can use Authorization: Bearer' }, { status: 503 });
  }
  return new Response(null, { status: 303, headers: { Location: next, 'Set-Cookie': sessionCookie(session, isHttps(req)), 'Cache-Control': 'no-store' } });
}

export function GET() {
  return loginResponse('Sign in to see the experiments dashboard.');
}
