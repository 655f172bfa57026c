import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // The catalog is read from disk at request time; make sure deployments trace it into the functions.
  outputFileTracingIncludes: { '/**': ['./data/catalog.json'] },
  images: { unoptimized: true },
};

export default nextConfig;
