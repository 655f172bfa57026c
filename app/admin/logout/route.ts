import { cookies } from 'next/headers';
import { ADMIN_COOKIE, endSession, sessionCookie } from '@/lib/admin/auth';
import { isHttps } from '@/lib/http/origin';

/** Ends the admin session on the server, then clears the cookie (POST only: a link elsewhere cannot sign anyone out). */
export async function POST(req: Request) {
  const clear = { 'Set-Cookie': sessionCookie(null, isHttps(req)), 'Cache-Control': 'no-store' };
  try {
    await endSession((await cookies()).get(ADMIN_COOKIE)?.value);
  } catch (e) {
    // Not a silent success: the session would stay usable from a copied cookie.
    console.error('[tandem] admin session not ended:', (e as Error).message);
    return Response.json({ error: 'the session could not be ended (events database unavailable); try again' }, { status: 503, headers: clear });
  }
  return new Response(null, { status: 303, headers: { Location: '/admin/login', ...clear } });
}
