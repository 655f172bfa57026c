/**
 * Is a state-changing request (the admin sign-in) from this site? Compared with the site's public origin
 * when `TANDEM_PUBLIC_ORIGIN` names it (a custom domain behind a proxy that rewrites Host), otherwise with
 * the host the browser addressed: X-Forwarded-Host where a trusted proxy set it (server/index.ts drops the
 * header unless TANDEM_TRUSTED_PROXIES says a proxy stands in front; Vercel sets it itself), else Host.
 * Not `req.url`: Next builds that from its own configured hostname (localhost), not from the request.
 * The scheme is not compared without TANDEM_PUBLIC_ORIGIN: TLS often ends at the proxy.
 */
export function sameSite(headers: Headers, publicOrigin = process.env.TANDEM_PUBLIC_ORIGIN): boolean {
  const origin = headers.get('origin');
  // Browsers send Origin on every cross-site POST; a request without one did not come from another site's page.
  if (origin === null) return true;
  let from: URL;
  try {
    from = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file:) and anything unparsable
  }
  if (publicOrigin) return from.origin === new URL(publicOrigin).origin;
  const host = (headers.get('x-forwarded-host') ?? headers.get('host') ?? '').split(',')[0]!.trim().toLowerCase();
  return host !== '' && from.host === host;
}

/** Whether the shopper's connection is TLS (directly, or up to a proxy that says so): Secure cookies, HSTS, upgrade-insecure-requests. */
export function isHttps(req: { url: string; headers: Headers }): boolean {
  return new URL(req.url).protocol === 'https:' || req.headers.get('x-forwarded-proto') === 'https';
}
