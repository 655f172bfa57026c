/**
 * What a shop page tells caches. Next marks every dynamic page `private, no-cache, no-store, max-age=0,
 * must-revalidate`; that no-store is its default, not a decision of ours, and it would keep the service worker
 * from holding the home page for offline use (public/sw.js stores nothing marked no-store). A shop page is the
 * visitor's own (their experiment arm, their cold-start shelf): private, so no shared cache keeps it, and
 * no-cache, so the browser asks again each time it is online, but the visitor's own browser may keep it.
 * /admin and /api keep whatever they said: the dashboard stays no-store, offline too.
 */
export const NEXT_DYNAMIC_PAGE = 'private, no-cache, no-store, max-age=0, must-revalidate';
export const SHOP_PAGE = 'private, no-cache, max-age=0, must-revalidate';

export function pageCacheControl(pathname: string, value: string): string {
  if (value !== NEXT_DYNAMIC_PAGE) return value;
  if (pathname === '/admin' || pathname.startsWith('/admin/') || pathname === '/api' || pathname.startsWith('/api/')) return value;
  return SHOP_PAGE;
}
