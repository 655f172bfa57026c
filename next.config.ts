import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { NextConfig } from 'next';
import { IMMUTABLE, securityHeaders } from './lib/http/static-files';

const immutable = IMMUTABLE;
const security = securityHeaders(process.env.NODE_ENV === 'production');

/** The model versions this build serves (their folders under public/models/): a config naming another is refused. */
const modelsDir = path.join(process.cwd(), 'public', 'models');
const modelVersions = existsSync(modelsDir) ? readdirSync(modelsDir).filter((v) => /^[0-9a-f]{12}$/.test(v) && existsSync(path.join(modelsDir, v, 'manifest.json'))) : [];

const nextConfig: NextConfig = {
  poweredByHeader: false,
  env: { TANDEM_MODEL_VERSIONS: modelVersions.join(',') },
  // The catalog is read from disk at request time; make sure deployments trace it into the functions.
  outputFileTracingIncludes: { '/**': ['./data/catalog.json'] },
  images: { unoptimized: true },
  async headers() {
    return [
      { source: '/:path*', headers: security },
      // Runtime files live under their version, model files under their content hash: neither ever changes.
      { source: '/ort/:version/:file', headers: immutable },
      { source: '/models/:version/:file', headers: immutable },
      { source: '/models/:version/parts/:file', headers: immutable },
      // The pointer to the active model must be revalidated on every load.
      { source: '/models/current.json', headers: [{ key: 'Cache-Control', value: 'no-cache' }] },
      // A new service worker must be picked up on the next visit.
      { source: '/sw.js', headers: [{ key: 'Cache-Control', value: 'no-cache' }] },
    ];
  },
};

export default nextConfig;
