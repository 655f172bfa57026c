import type { NextConfig } from 'next';

const immutable = [{ key: 'Cache-Control', value: 'public, max-age=31536000, immutable' }];

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // The catalog is read from disk at request time; make sure deployments trace it into the functions.
  outputFileTracingIncludes: { '/**': ['./data/catalog.json'] },
  images: { unoptimized: true },
  async headers() {
    return [
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
