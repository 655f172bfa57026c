import type { NextConfig } from 'next';

const immutable = [{ key: 'Cache-Control', value: 'public, max-age=31536000, immutable' }];

/** On every response. The Content-Security-Policy itself is per response (its nonce): proxy.ts. */
const security = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  // Browsers ignore HSTS over plain http, so local http://localhost is unaffected.
  ...(process.env.NODE_ENV === 'production' ? [{ key: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains' }] : []),
];

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // The catalog is read from disk at request time; make sure deployments trace it into the functions.
  outputFileTracingIncludes: { '/**': ['./data/catalog.json'] },
  images: { unoptimized: true },
  async headers() {
    return [
      { source: '/:path*', headers: security },
      // Runtime files live under their version, model files under their content hash: neither ever changes.
      { source: '/ort/:version/:file', headers: immutable },
      { source: '/models/:version/:file', headers: immutable },
      // The pointer to the active model must be revalidated on every load.
      { source: '/models/current.json', headers: [{ key: 'Cache-Control', value: 'no-cache' }] },
      // A new service worker must be picked up on the next visit.
      { source: '/sw.js', headers: [{ key: 'Cache-Control', value: 'no-cache' }] },
    ];
  },
};

export default nextConfig;
