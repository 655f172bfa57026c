import { ADMIN_COOKIE } from '@/lib/admin/auth';

/** Ends the admin session (POST only: a link elsewhere cannot sign anyone out). */
export function POST() {
  return new Response(null, { status: 303, headers: { Location: '/admin/login', 'Set-Cookie': `${ADMIN_COOKIE}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0` } });
}
