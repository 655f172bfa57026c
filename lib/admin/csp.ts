/**
 * The Content-Security-Policy of every page: scripts only with this response's nonce (no 'unsafe-inline'
 * scripts), plus what onnxruntime-web needs ('wasm-unsafe-eval' to compile its .wasm, workers from this
 * origin). Styles keep 'unsafe-inline': React and Tailwind write style attributes; no script can run
 * through them. Web APIs only (proxy.ts).
 */
export function contentSecurityPolicy(nonce: string, opts: { dev: boolean; https: boolean }): string {
  const directives = [
    `default-src 'self'`,
    // 'strict-dynamic': scripts the nonced ones load (Next's chunks) are trusted; 'unsafe-eval' only for React's dev tooling.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic' 'wasm-unsafe-eval'${opts.dev ? ` 'unsafe-eval'` : ''}`,
    `style-src 'self' 'unsafe-inline'`,
    `img-src 'self' data: blob:`,
    `font-src 'self'`,
    `connect-src 'self'`,
    `worker-src 'self' blob:`,
    `manifest-src 'self'`,
    `object-src 'none'`,
    `base-uri 'self'`,
    `form-action 'self'`,
    `frame-ancestors 'none'`,
    ...(opts.https ? ['upgrade-insecure-requests'] : []),
  ];
  return directives.join('; ');
}

export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/** Pages written without scripts (the admin sign-in form): their own inline styles and a same-site form post, nothing else. */
export const NO_SCRIPT_PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
